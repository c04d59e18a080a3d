"""The smooth test functions for chainrule.numeric, with exact derivatives by hand.

Shared by tests/test_numeric.py and benchmarks/bench_numeric.py. Each case is
(name, kind, f, exact, points): ``kind`` is "derivative" (f: R -> R, elementwise,
checked at each point) or "gradient" (f: array -> scalar, checked at each point).
Points keep away from zeros of the derivative so relative errors mean something.
"""

import numpy as np

rng = np.random.default_rng(0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------- one variable

POINTS = np.array([-1.3, -0.4, 0.7, 1.9])
POSITIVE = np.array([0.05, 0.6, 1.7, 8.0])

SCALAR_CASES = [
    ("3x^2 - 4x", lambda x: 3 * x**2 - 4 * x, lambda x: 6 * x - 4, POINTS),
    ("x^5 - 3x^3 + 2x - 7", lambda x: x**5 - 3 * x**3 + 2 * x - 7, lambda x: 5 * x**4 - 9 * x**2 + 2, POINTS),
    ("(2x^3 + 3)^2", lambda x: (2 * x**3 + 3) ** 2, lambda x: 12 * x**2 * (2 * x**3 + 3), POINTS),
    ("exp(x)", np.exp, np.exp, POINTS * 3),
    ("log(x)", np.log, lambda x: 1 / x, POSITIVE),
    ("sin(x)", np.sin, np.cos, POINTS),
    ("exp(sin(x))", lambda x: np.exp(np.sin(x)), lambda x: np.cos(x) * np.exp(np.sin(x)), POINTS),
    ("log(1 + x^2)", lambda x: np.log1p(x**2), lambda x: 2 * x / (1 + x**2), POINTS),
    ("tanh(x)", np.tanh, lambda x: 1 - np.tanh(x) ** 2, POINTS),
    ("sigmoid(x)", sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)), POINTS * 2),
    ("x exp(-x^2)", lambda x: x * np.exp(-(x**2)), lambda x: (1 - 2 * x**2) * np.exp(-(x**2)), POINTS),
    ("sqrt(1 + x^2)", lambda x: np.sqrt(1 + x**2), lambda x: x / np.sqrt(1 + x**2), POINTS),
    ("arctan(x)", np.arctan, lambda x: 1 / (1 + x**2), POINTS),
    ("cos(x) log(2 + x)", lambda x: np.cos(x) * np.log(2 + x),
     lambda x: -np.sin(x) * np.log(2 + x) + np.cos(x) / (2 + x), POINTS),
    ("1 / (1 + x^2)", lambda x: 1 / (1 + x**2), lambda x: -2 * x / (1 + x**2) ** 2, POINTS),
    ("sin(exp(x / 2))", lambda x: np.sin(np.exp(x / 2)), lambda x: np.cos(np.exp(x / 2)) * np.exp(x / 2) / 2,
     POINTS),
    ("softplus(x)", lambda x: np.log1p(np.exp(x)), sigmoid, POINTS * 2),
    ("x^x", lambda x: x**x, lambda x: x**x * (np.log(x) + 1), POSITIVE[1:]),
    ("sin(x)^2 cos(3x)", lambda x: np.sin(x) ** 2 * np.cos(3 * x),
     lambda x: 2 * np.sin(x) * np.cos(x) * np.cos(3 * x) - 3 * np.sin(x) ** 2 * np.sin(3 * x), POINTS),
]

# --------------------------------------------------------------------- arrays


def logsumexp(x):
    top = np.max(x)
    return top + np.log(np.sum(np.exp(x - top)))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


A = rng.normal(size=(4, 4))
B = rng.normal(size=4)


def quadratic(x):
    return 0.5 * x @ A @ x + B @ x


# a small MLP: 5 samples, 3 inputs, 4 hidden (tanh), 1 output; loss = mean squared error
X_DATA = rng.normal(size=(5, 3))
Y_DATA = rng.normal(size=(5, 1))
W2 = rng.normal(size=(4, 1))
B1 = rng.normal(size=4) * 0.1


def mlp_loss(w1):
    hidden = np.tanh(X_DATA @ w1 + B1)
    return np.mean((hidden @ W2 - Y_DATA) ** 2)


def mlp_loss_grad(w1):
    hidden = np.tanh(X_DATA @ w1 + B1)
    residual = hidden @ W2 - Y_DATA  # (5, 1)
    d_hidden = (2.0 / residual.size) * residual @ W2.T  # (5, 4)
    return X_DATA.T @ (d_hidden * (1 - hidden**2))


def gaussian_nll(params):
    mu, log_sigma = params
    data = np.array([0.3, -1.1, 2.0, 0.7])
    return np.sum(0.5 * ((data - mu) / np.exp(log_sigma)) ** 2 + log_sigma)


def gaussian_nll_grad(params):
    mu, log_sigma = params
    data = np.array([0.3, -1.1, 2.0, 0.7])
    z = (data - mu) / np.exp(log_sigma)
    return np.array([-np.sum(z / np.exp(log_sigma)), np.sum(1 - z**2)])


ARRAY_CASES = [
    ("logsumexp", logsumexp, softmax, [np.array([0.3, -1.2, 2.0, 0.5]), np.array([10.0, 11.0, 9.5])]),
    ("rosenbrock", rosenbrock, rosenbrock_grad, [np.array([-1.2, 1.0, 0.8]), np.array([0.5, 0.3, 1.5, 2.0])]),
    ("quadratic form", quadratic, lambda x: 0.5 * (A + A.T) @ x + B, [np.array([0.3, -0.7, 1.1, 2.0])]),
    ("mlp loss", mlp_loss, mlp_loss_grad, [rng.normal(size=(3, 4)) * 0.5]),
    ("gaussian nll", gaussian_nll, gaussian_nll_grad, [np.array([0.4, -0.3]), np.array([1.0, 0.5])]),
    ("sum sin(x) cos(x)^2", lambda x: np.sum(np.sin(x) * np.cos(x) ** 2),
     lambda x: np.cos(x) ** 3 - 2 * np.sin(x) ** 2 * np.cos(x), [np.array([[0.2, 1.0], [-0.5, 2.2]])]),
]


def relative_error(estimate, exact):
    """max |estimate - exact| / max |exact|: one number per point (norm-wise relative)."""
    estimate, exact = np.asarray(estimate, dtype=float), np.asarray(exact, dtype=float)
    return float(np.max(np.abs(estimate - exact)) / np.max(np.abs(exact)))


def all_points():
    """Yield (case name, kind, f, x, exact derivative at x) for every case and point."""
    for name, f, df, points in SCALAR_CASES:
        for x in points:
            yield name, "derivative", f, float(x), float(df(x))
    for name, f, df, points in ARRAY_CASES:
        for x in points:
            yield name, "gradient", f, x, df(x)
