"""A first look at chainrule: derivatives of ordinary NumPy code."""
import numpy as np

import chainrule as cr


def f(x):
    return 3 * x ** 2 - 4 * x


print("f(x) = 3x^2 - 4x;  f'(1) =", cr.grad(f)(1.0))

# The textbook backprop example: f = 1024 and every partial is -4096.
def g(w, x, y, z):
    a, b = (w + x + y + z) ** 2, (w + x - y - z) ** 2
    u, v = (a + b) ** 2, (a - b) ** 2
    return (u + v) ** 2


value, partials = cr.value_and_grad(g, argnums=(0, 1, 2, 3))(-1.0, 0.0, -2.0, 1.0)
print("backprop example: f =", value, " partials =", partials)

# Plain NumPy, matrices: the gradient has the argument's shape.
rng = np.random.default_rng(0)
X, U, V = rng.normal(size=(3, 5)), rng.normal(size=(3, 2)), rng.normal(size=(2, 5))
loss = lambda V: np.sum((X - U @ V) ** 2)
print("d||X - UV||^2 / dV has shape", cr.grad(loss)(V).shape)

# Hessian of x exp(-x^2 - y^2) at (-1, 0) is (2/e) I.
h = cr.hessian(lambda p: p[0] * np.exp(-p[0] ** 2 - p[1] ** 2))(np.array([-1.0, 0.0]))
print("Hessian at (-1, 0):\n", h)
