"""Tests of chainrule.numeric: accuracy, honest error bars, layouts, the textbook table."""

import doctest
import importlib
import math
import pkgutil

import numpy as np
import pytest

from chainrule import numeric
from chainrule.numeric import derivative, difference_quotients, directional, gradient, hessian, jacobian
from numeric_cases import ARRAY_CASES, SCALAR_CASES, all_points, relative_error


def estimate(kind, f, x, **options):
    return derivative(f, x, **options) if kind == "derivative" else gradient(f, x, **options)


# ----------------------------------------------------------------------------- accuracy


def test_the_set_has_at_least_twenty_functions():
    assert len(SCALAR_CASES) + len(ARRAY_CASES) >= 20


@pytest.mark.parametrize("name, kind, f, x, exact", list(all_points()), ids=lambda v: v if isinstance(v, str) else "")
def test_central_derivative_within_1e10_relative_with_an_honest_error_bar(name, kind, f, x, exact):
    est = estimate(kind, f, x)
    assert relative_error(est.value, exact) < 1e-10, (name, x, est)
    true_error = np.abs(np.asarray(est.value) - exact)
    assert np.all(true_error <= est.error), f"{name} at {x}: error bar {est.error} below true error {true_error}"
    assert np.all(est.error < 1e-9 * np.max(np.abs(exact)) + 1e-12), (name, x, est)


def test_at_least_as_accurate_as_numdifftools():
    nd = pytest.importorskip("numdifftools")
    ours, theirs = [], []
    for _, kind, f, x, exact in all_points():
        ours.append(relative_error(estimate(kind, f, x).value, exact))
        if kind == "derivative":
            value = nd.Derivative(f)(x)
        else:
            value = nd.Gradient(lambda flat, f=f, x=x: f(flat.reshape(np.shape(x))))(x).reshape(np.shape(x))
        theirs.append(relative_error(value, exact))
    assert np.median(ours) <= np.median(theirs), (np.median(ours), np.median(theirs))
    assert max(ours) <= max(theirs), (max(ours), max(theirs))


def test_the_acceptance_example():
    est = derivative(lambda x: 3 * x**2 - 4 * x, 1.0)
    assert abs(est.value - 2.0) < 1e-12 and est.error < 1e-6
    assert float(est) == est.value and np.asarray(est) == est.value


@pytest.mark.parametrize("method", ["central", "forward", "backward", "complex"])
def test_every_method_agrees_with_the_exact_derivative(method):
    xs = np.array([-0.8, 0.3, 1.4])
    est = derivative(lambda x: np.exp(np.sin(x)), xs, method=method)
    exact = np.cos(xs) * np.exp(np.sin(xs))
    assert np.allclose(est.value, exact, rtol=1e-9, atol=0)
    assert np.all(np.abs(est.value - exact) <= est.error)
    assert est.method == method


@pytest.mark.parametrize("order, exact", [(2, -np.sin(0.7)), (3, -np.cos(0.7)), (4, np.sin(0.7))])
def test_higher_orders(order, exact):
    est = derivative(np.sin, 0.7, order=order)
    assert abs(est.value - exact) < 1e-7 and abs(est.value - exact) <= est.error
    assert est.order == order


def test_complex_step_second_order():
    est = derivative(np.exp, 0.5, order=2, method="complex")
    assert abs(est.value - np.exp(0.5)) < 1e-12


def test_one_sided_methods_never_step_to_the_other_side():
    def f(x):
        if np.any(np.asarray(x) < 0):
            raise AssertionError("evaluated left of 0")
        return np.sqrt(x) + x
    est = derivative(f, 0.25, method="forward")
    assert abs(est.value - 2.0) < 1e-9
    with pytest.raises(AssertionError):
        derivative(f, 0.25, method="backward", step=1.0)


def test_steps_outside_the_domain_are_skipped():
    # numpy gives nan for log of negatives; math.log raises: both just cost the big steps
    assert abs(derivative(np.log, 0.01).value - 100) < 1e-8
    assert abs(derivative(math.log, 0.01).value - 100) < 1e-8


def test_fails_clearly_when_f_fails_at_every_step():
    def f(x):
        if x != 1.0:
            raise ValueError("only defined at 1")
        return x
    with pytest.raises(ValueError, match="failed at every step"):
        derivative(f, 1.0)


def test_vectorised_over_points_and_curves():
    xs = np.linspace(-3, 3, 13).reshape(13, 1) * np.ones((1, 2))
    est = derivative(np.tanh, xs)
    assert est.value.shape == est.error.shape == est.step.shape == xs.shape
    assert np.allclose(est.value, 1 - np.tanh(xs) ** 2, rtol=1e-10)
    curve = derivative(lambda t: np.array([np.cos(t), np.sin(t)]), 0.3)
    assert np.allclose(curve.value, [-np.sin(0.3), np.cos(0.3)], rtol=1e-10)


def test_non_elementwise_function_of_array_points_is_refused():
    with pytest.raises(ValueError, match="elementwise"):
        derivative(np.sum, np.array([1.0, 2.0]))


def test_bad_arguments_name_the_fix():
    with pytest.raises(ValueError, match="method"):
        derivative(np.sin, 1.0, method="sideways")
    with pytest.raises(ValueError, match="order 1 and 2"):
        derivative(np.sin, 1.0, order=3, method="complex")
    with pytest.raises(ValueError, match="decreasing"):
        derivative(np.sin, 1.0, step=[0.1, 0.2])
    with pytest.raises(ValueError, match="jacobian"):
        gradient(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match="real"):
        derivative(np.sin, 1.0 + 2j)
    with pytest.raises(ValueError, match="real-valued"):
        derivative(lambda x: x * 1j, 1.0, method="complex")


def test_given_steps_are_used():
    est = derivative(np.exp, 0.0, step=[0.4, 0.2, 0.1, 0.05])
    assert list(est.steps) == [0.4, 0.2, 0.1, 0.05][: len(est.steps)]
    assert abs(est.value - 1) < 1e-8
    est = derivative(np.exp, 0.0, step=0.01)
    assert est.steps[0] == 0.01 and abs(est.value - 1) < 1e-12


def test_integer_and_float32_points():
    assert abs(derivative(lambda x: x**3, 2).value - 12) < 1e-10
    est = derivative(np.sin, np.float32(0.5))
    assert abs(est.value - np.cos(0.5)) < 1e-5 and abs(est.value - np.cos(0.5)) <= est.error


# ----------------------------------------------------------------------------- layouts


def test_gradient_jacobian_hessian_directional_layouts():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3))
    m = rng.normal(size=(4, 6))

    def vector_f(x):
        return np.tanh(m @ x.ravel())

    def scalar_f(x):
        return np.sum(np.sin(x) * x.ravel()[::-1].reshape(x.shape)) + np.prod(x[0])

    exact_jacobian = ((1 - np.tanh(m @ x.ravel()) ** 2)[:, None] * m).reshape(4, 2, 3)
    jac = jacobian(vector_f, x)
    assert jac.value.shape == jac.error.shape == (4, 2, 3)
    assert np.allclose(jac.value, exact_jacobian, rtol=1e-9, atol=1e-12)
    assert np.all(np.abs(jac.value - exact_jacobian) <= jac.error)

    grad = gradient(scalar_f, x)
    assert grad.value.shape == x.shape
    hess = hessian(scalar_f, x)
    assert hess.value.shape == (2, 3, 2, 3)
    numeric_hessian_of_gradient = jacobian(lambda z: gradient(scalar_f, z).value, x).value
    assert np.allclose(hess.value, numeric_hessian_of_gradient, rtol=1e-6, atol=1e-7)
    assert np.allclose(hess.value, np.swapaxes(np.swapaxes(hess.value, 0, 2), 1, 3))

    v = rng.normal(size=x.shape)
    dirv = directional(vector_f, x, v)
    assert dirv.value.shape == (4,)
    assert np.allclose(dirv.value, np.tensordot(exact_jacobian, v, axes=2), rtol=1e-9)


def test_hessian_exact_values_and_methods():
    def f(x):
        return x[0] ** 2 * x[1] + np.exp(x[0] * x[1])

    x = np.array([0.3, -0.7])
    e = np.exp(x[0] * x[1])
    exact = np.array([[2 * x[1] + x[1] ** 2 * e, 2 * x[0] + e + x[0] * x[1] * e],
                      [2 * x[0] + e + x[0] * x[1] * e, x[0] ** 2 * e]])
    for method, tol in [("central", 1e-9), ("forward", 1e-6), ("backward", 1e-6)]:
        est = hessian(f, x, method=method)
        assert np.allclose(est.value, exact, rtol=tol, atol=tol), method
        assert np.all(np.abs(est.value - exact) <= est.error), method
    with pytest.raises(ValueError, match="complex"):
        hessian(f, x, method="complex")


def test_jacobian_complex_step():
    x = np.array([0.5, 1.5])
    est = jacobian(lambda x: np.array([np.sin(x[0] * x[1]), x[0] ** 3]), x, method="complex")
    exact = np.array([[x[1] * np.cos(x[0] * x[1]), x[0] * np.cos(x[0] * x[1])], [3 * x[0] ** 2, 0]])
    assert np.allclose(est.value, exact, rtol=1e-13, atol=1e-15)


def test_repr_is_readable():
    text = repr(derivative(np.exp, 0.0))
    assert text.startswith("Estimate(derivative: value=1.0") and "error=" in text and "evaluations" in text
    text = repr(gradient(lambda x: np.sum(x**2), np.ones(3)))
    assert "gradient of shape (3,)" in text and "value:" in text and "error:" in text


def test_relative_error_property():
    est = derivative(np.exp, 1.0)
    assert est.relative_error == pytest.approx(est.error / np.e)


# ----------------------------------------------------------------------------- the table


def test_difference_table_converges_to_2_in_float64():
    table = difference_quotients(lambda x: 3 * x**2 - 4 * x, 1.0, exact=2.0)
    errors = table.errors
    assert np.all(np.diff(errors) < 0) and errors[-1] < 1e-4
    assert [round(q, 4) for _, q, _ in table.rows][:3] == [2.3, 2.03, 2.003]
    text = repr(table)
    assert "(f(x + h) - f(x)) / h" in text and "float64" in text and "2.3000000000000043" in text


def test_difference_table_error_rises_again_in_float32():
    table = difference_quotients(lambda x: 3 * x**2 - 4 * x, 1.0, dtype=np.float32, exact=2.0)
    assert table.quotients.dtype == np.float32
    best = table.best
    assert 0 < best < len(table.errors) - 1, table
    assert table.errors[-1] > 3 * table.errors[best], table
    assert "round-off" in repr(table)


def test_difference_table_exact_as_function_and_methods():
    table = difference_quotients(np.sin, 0.5, exact=np.cos, method="central")
    assert table.errors[-1] < 1e-10 and "(2h)" in repr(table)
    with pytest.raises(ValueError, match="single number"):
        difference_quotients(np.sin, np.ones(2), exact=1.0)
    with pytest.raises(ValueError, match="floating"):
        difference_quotients(np.sin, 0.5, exact=1.0, dtype=np.int32)


def test_module_doctests():
    # chainrule.numeric is a package: its docstring examples live in the submodules
    names = [info.name for info in pkgutil.iter_modules(numeric.__path__)]
    modules = [numeric, *(importlib.import_module(f"chainrule.numeric.{name}") for name in names)]
    results = [doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE) for module in modules]
    assert sum(r.attempted for r in results) > 5 and sum(r.failed for r in results) == 0


def test_empty_arrays_and_zero_dimensional_points():
    assert numeric.gradient(lambda x: np.sum(x), np.zeros(0)).value.shape == (0,)
    assert jacobian(lambda x: x[:0], np.ones(2)).value.shape == (0, 2)
    assert abs(gradient(lambda x: x**2, 3.0).value - 6) < 1e-12
    assert abs(hessian(lambda x: x**3, 2.0).value - 12) < 1e-9
