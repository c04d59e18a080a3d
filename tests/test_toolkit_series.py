"""chainrule.taylor: coefficients of known functions, evaluation, formatting."""

import math

import numpy as np
import pytest

import chainrule
import chainrule.numpy as cnp
from chainrule.series import TaylorPolynomial, derivatives, taylor


def test_exp_at_zero_has_all_ones():
    polynomial = taylor(cnp.exp, 0.0, order=6)
    assert np.allclose([float(c) for c in polynomial.coefficients], [1.0] * 7)
    assert np.allclose([float(t) for t in polynomial.terms], [1 / math.factorial(k) for k in range(7)])
    assert abs(polynomial(0.5) - math.exp(0.5)) < 2e-5  # the order-6 remainder


def test_sin_cos_and_log_coefficients():
    assert np.allclose([float(c) for c in taylor(cnp.sin, 0.0, 5).coefficients], [0, 1, 0, -1, 0, 1])
    assert np.allclose([float(c) for c in taylor(cnp.cos, 0.0, 4).coefficients], [1, 0, -1, 0, 1])
    # log at 1: (-1)^(k+1) (k-1)!
    expected = [0.0] + [(-1) ** (k + 1) * math.factorial(k - 1) for k in range(1, 6)]
    assert np.allclose([float(c) for c in taylor(cnp.log, 1.0, 5).coefficients], expected)


def test_polynomial_is_its_own_taylor_polynomial():
    f = lambda x: 3 * x ** 4 - 4 * x ** 3 - 12 * x ** 2  # noqa: E731
    polynomial = taylor(f, 0.5, order=4)
    xs = np.linspace(-2, 3, 11)
    assert np.allclose(polynomial(xs), f(xs))
    assert [float(c) for c in taylor(f, 0.5, order=6).coefficients][5:] == [0.0, 0.0]


def test_scalar_derivatives_match_the_closed_form():
    values = derivatives(lambda x: x ** 3 - 1 / x, 1.0, 3)
    assert np.allclose([float(v) for v in values], [0.0, 4.0, 4.0, 12.0])


def test_textbook_quadratic_approximation_of_the_bump():
    bump = lambda v: v[0] * cnp.exp(-v[0] ** 2 - v[1] ** 2)  # noqa: E731
    polynomial = taylor(bump, np.array([-1.0, 0.0]), order=2)
    e = math.e
    assert np.isclose(polynomial.value, -1 / e)
    assert np.allclose(polynomial.gradient, [-1 / e, 0.0])
    assert np.allclose(polynomial.hessian, 2 / e * np.eye(2))
    # the textbook's formula: exp(-1) * (-1 - (x + 1) + (x + 1)**2 + y**2)
    grid = np.stack(np.meshgrid(np.linspace(-2, 0, 5), np.linspace(-1, 1, 5)), axis=-1)
    x, y = grid[..., 0], grid[..., 1]
    assert np.allclose(polynomial(grid), math.exp(-1) * (-1 - (x + 1) + (x + 1) ** 2 + y ** 2))
    assert polynomial(np.array([-1.0, 0.0])) == pytest.approx(-1 / e)


def test_third_order_tensor_of_a_vector_function():
    # f(x, y) = x^2 y + y^3: d3f/dx dx dy = 2 (all orderings), d3f/dy^3 = 6, others 0
    f = lambda v: v[0] ** 2 * v[1] + v[1] ** 3  # noqa: E731
    polynomial = taylor(f, np.array([0.3, -0.7]), order=3)
    third = polynomial.coefficients[3]
    expected = np.zeros((2, 2, 2))
    for index in [(0, 0, 1), (0, 1, 0), (1, 0, 0)]:
        expected[index] = 2.0
    expected[1, 1, 1] = 6.0
    assert np.allclose(third, expected)
    point = np.array([1.1, 0.4])
    assert polynomial(point) == pytest.approx(f(point))  # a cubic is exact at order 3


def test_gradient_and_hessian_agree_with_the_transforms():
    f = lambda v: cnp.sin(v[0]) * cnp.exp(v[1]) + v[0] * v[1] ** 2  # noqa: E731
    point = np.array([0.4, -0.2])
    polynomial = taylor(f, point, order=2)
    assert np.allclose(polynomial.gradient, chainrule.grad(f)(point))
    assert np.allclose(polynomial.hessian, chainrule.hessian(f)(point))


def test_format_and_repr():
    assert taylor(lambda x: x ** 3, 1.0, order=3).format() == "1 + 3*(x - 1) + 3*(x - 1)**2 + (x - 1)**3"
    text = taylor(lambda v: v[0] * v[1], np.array([0.0, 2.0]), order=2).format(["a", "b"])
    assert text == "2*a + a*(b - 2)"
    assert "TaylorPolynomial(order=2" in repr(taylor(cnp.exp, 0.0))


@pytest.mark.parametrize("order", [-1, 1.5, True, 99])
def test_bad_order_is_rejected(order):
    with pytest.raises(ValueError, match="order must be an integer"):
        taylor(cnp.exp, 0.0, order=order)


def test_non_scalar_output_and_oversized_tensor_are_rejected():
    with pytest.raises(ValueError, match="single number"):
        taylor(lambda v: v * 2, np.array([1.0, 2.0]), order=1)
    with pytest.raises(ValueError, match="entries"):
        taylor(lambda v: cnp.sum(v ** 2), np.ones(10), order=4)


def test_exported_at_top_level():
    assert chainrule.taylor is taylor
    assert isinstance(chainrule.taylor(cnp.exp, 0.0), TaylorPolynomial)
