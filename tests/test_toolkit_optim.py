"""chainrule.optim: descent methods, Newton, critical points, classification."""

import numpy as np
import pytest

import chainrule.numpy as cnp
from chainrule import optim


def quadratic(v):
    # convex, minimum 1.5 at (1, -2)
    return (v[0] - 1) ** 2 + 5 * (v[1] + 2) ** 2 + 0.5 * (v[0] - 1) * (v[1] + 2) + 1.5


def rosenbrock(v):
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def test_gradient_descent_reaches_the_minimum_of_a_convex_quadratic():
    result = optim.gradient_descent(quadratic, [4.0, 3.0], lr=0.05, tol=1e-8)
    assert result.converged and np.allclose(result.x, [1.0, -2.0], atol=1e-7)
    assert result.value == pytest.approx(1.5)
    history = result.history
    assert len(history.points) == len(history.values) == len(history.gradient_norms) == result.iterations + 1
    assert np.allclose(history.points[0], [4.0, 3.0])
    assert history.gradient_norms[-1] <= 1e-8
    assert np.all(np.diff(history.values) <= 1e-12)  # downhill all the way with this lr


def test_newton_solves_a_quadratic_in_one_step():
    result = optim.newton(quadratic, [4.0, 3.0])
    assert result.iterations == 1 and result.converged
    assert np.allclose(result.x, [1.0, -2.0])


def test_rosenbrock_gradient_descent_and_newton():
    start = [-1.2, 1.0]
    descent = optim.gradient_descent(rosenbrock, start, lr=0.002, tol=1e-4, steps=60_000)
    newton = optim.newton(rosenbrock, start)
    assert descent.converged and np.allclose(descent.x, [1.0, 1.0], atol=1e-3)
    assert newton.converged and np.allclose(newton.x, [1.0, 1.0], atol=1e-10)
    # Measured: Newton with its line search takes 22 steps from the textbook start;
    # gradient descent with lr = 0.002 takes about 10,000 to reach a gradient norm of 1e-4.
    assert newton.iterations <= 30
    assert descent.iterations > 5000


def test_momentum_and_adam_reach_the_quadratic_minimum():
    heavy_ball = optim.momentum(quadratic, [4.0, 3.0], lr=0.02, beta=0.8, tol=1e-8)
    assert heavy_ball.converged and np.allclose(heavy_ball.x, [1.0, -2.0], atol=1e-7)
    adaptive = optim.adam(quadratic, [4.0, 3.0], lr=0.05, tol=1e-6, steps=3000)
    assert adaptive.converged and np.allclose(adaptive.x, [1.0, -2.0], atol=1e-5)
    assert adaptive.iterations < 3000
    capped = optim.adam(quadratic, [4.0, 3.0], lr=0.05, steps=10)
    assert capped.iterations == 10 and not capped.converged


def test_scalar_start_gives_scalar_results():
    result = optim.gradient_descent(lambda x: (x - 3) ** 2, 0.0, lr=0.25, steps=50)
    assert isinstance(result.x, float) and result.x == pytest.approx(3.0)
    assert result.history.points.shape == (51,)


def test_textbook_one_dimensional_trace():
    # f(x) = x^2 from 10 with eta = 0.2: x_k = 10 * 0.6^k
    result = optim.gradient_descent(lambda x: x ** 2, 10.0, lr=0.2, steps=10)
    assert np.allclose(result.history.points, 10 * 0.6 ** np.arange(11))


def test_divergence_is_reported_not_hidden():
    result = optim.gradient_descent(lambda x: x ** 2, 1.0, lr=1.5, steps=5000)
    assert not result.converged
    assert "diverged" in result.message


def test_newton_falls_back_when_the_hessian_is_not_positive_definite():
    # at x = 0.1 the Hessian of x^4 - x^2 is negative: a pure Newton step would climb to the maximum at 0
    result = optim.newton(lambda x: x ** 4 - x ** 2, 0.1)
    assert result.converged
    assert abs(abs(result.x) - 1 / np.sqrt(2)) < 1e-8
    assert "modified Hessian" in result.message


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1.0}, "learning rate"), ({"steps": -2}, "steps"), ({"tol": 0.0}, "tol"), ({"steps": 2.5}, "steps")])
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optim.gradient_descent(lambda x: x ** 2, 1.0, **kwargs)


def test_non_scalar_objective_is_rejected():
    with pytest.raises((ValueError, TypeError)):
        optim.gradient_descent(lambda v: v * 2, [1.0, 2.0], steps=1)


def test_critical_points_of_the_textbook_quartic():
    points = optim.critical_points(lambda x: 3 * x ** 4 - 4 * x ** 3 - 12 * x ** 2, (-2.0, 3.0))
    assert [p.x for p in points] == pytest.approx([-1.0, 0.0, 2.0], abs=1e-12)
    assert [p.value for p in points] == pytest.approx([-5.0, 0.0, -32.0], abs=1e-12)
    assert [p.kind for p in points] == ["minimum", "maximum", "minimum"]
    lowest, highest = optim.extrema(lambda x: 3 * x ** 4 - 4 * x ** 3 - 12 * x ** 2, (-2.0, 3.0))
    assert (lowest.x, lowest.value) == pytest.approx((2.0, -32.0))
    assert (highest.x, highest.kind) == (-2.0, "endpoint")


@pytest.mark.parametrize("f, interval, expected", [
    (lambda x: x ** 3, (-1, 1), [(0.0, "inflection")]),
    (lambda x: x ** 4, (-1, 2), [(0.0, "minimum")]),
    (lambda x: -(x - 0.3) ** 6, (-1, 1), [(0.3, "maximum")]),
    (lambda x: cnp.sin(x), (0, 7), [(np.pi / 2, "maximum"), (3 * np.pi / 2, "minimum")]),
    (lambda x: x + 1 / x, (0.1, 5), [(1.0, "minimum")]),
    (lambda x: cnp.exp(x), (-3, 3), []),
    (lambda x: x ** 2 + 1e-3 * cnp.sin(50 * x), (-0.2, 0.2), None),  # many wiggles: just must not fail
])
def test_critical_points_table(f, interval, expected):
    points = optim.critical_points(f, interval)
    if expected is None:
        assert len(points) >= 1
        return
    assert [(round(p.x, 7), p.kind) for p in points] == [(round(x, 7), kind) for x, kind in expected]


def test_pole_of_the_derivative_is_not_a_critical_point():
    # f = log|x| has f' = 1/x, which changes sign across 0 without vanishing
    points = optim.critical_points(lambda x: cnp.log(cnp.abs(x)), (-1.0, 1.3))
    assert points == []


def test_flat_stretch_is_an_error():
    with pytest.raises(ValueError, match="not isolated"):
        optim.critical_points(lambda x: 0 * x + 2.0, (0, 1))


def test_classify_by_hessian_eigenvalues():
    assert optim.classify(lambda v: v[0] ** 2 + v[1] ** 2, [0.0, 0.0]).kind == "minimum"
    assert optim.classify(lambda v: -v[0] ** 2 - 3 * v[1] ** 2, [0.0, 0.0]).kind == "maximum"
    saddle = optim.classify(lambda v: v[0] ** 2 - v[1] ** 2, [0.0, 0.0])
    assert saddle.kind == "saddle" and np.allclose(sorted(saddle.eigenvalues), [-2.0, 2.0])
    assert optim.classify(lambda v: v[0] ** 2 + v[1] ** 4, [0.0, 0.0]).kind == "degenerate"
    assert optim.classify(quadratic, [0.0, 0.0]).kind == "not critical"
    assert optim.classify(quadratic, [1.0, -2.0]).kind == "minimum"


def test_progress_bar_is_off_when_not_a_terminal(capsys):
    optim.gradient_descent(lambda x: x ** 2, 1.0, lr=0.1, steps=3000)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
