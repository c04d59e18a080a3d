"""Walking downhill and finding critical points, with derivatives from chainrule.

Optimisers -- :func:`gradient_descent`, :func:`momentum`, :func:`adam`, :func:`newton` --
take ``f`` of a number or of a vector and a start ``x0`` and return an
:class:`OptimizeResult` with the final point, its value and the history of points,
values and gradient norms. When to stop:

* ``steps`` only: exactly that many updates;
* ``tol`` (with or without ``steps``): stop once the gradient norm is at most
  ``tol``, after at most ``steps`` (default :data:`MAX_STEPS`) updates;
* neither: ``tol = 1e-6`` with at most :data:`MAX_STEPS` updates.

``converged`` says whether the gradient norm ended at most ``tol`` (1e-6 when
only ``steps`` was given). A run whose value or gradient stops being finite ends
at once with ``converged=False`` and says so (a learning rate too large, usually).
Long runs show a progress bar when tqdm or rich is installed and stdout is a terminal.

:func:`critical_points` finds every root of f' on an interval and classifies it;
:func:`classify` tells minimum, maximum and saddle apart by the Hessian's eigenvalues.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["gradient_descent", "momentum", "adam", "newton", "critical_points", "classify", "extrema",
           "OptimizeResult", "History", "CriticalPoint", "Classification", "METHODS"]

MAX_STEPS = 10_000
DEFAULT_TOL = 1e-6
PROGRESS_THRESHOLD = 2_000  # runs with at least this many steps may show a bar


@dataclass(frozen=True)
class History:
    """Every iterate: ``points[k]``, ``values[k]``, ``gradient_norms[k]`` (index 0 is the start)."""

    points: np.ndarray
    values: np.ndarray
    gradient_norms: np.ndarray


@dataclass(frozen=True)
class OptimizeResult:
    """What an optimiser returns: the final point ``x``, ``value`` and the ``history``."""

    x: Any
    value: float
    iterations: int
    converged: bool
    message: str
    method: str
    history: History = field(repr=False)


class _Progress:
    """A tqdm or rich bar when wanted and possible; otherwise nothing."""

    def __init__(self, total: int, wanted: bool | None, label: str):
        self.bar: Any = None
        self.rich: Any = None
        if wanted is False or (wanted is None and (total < PROGRESS_THRESHOLD or not _is_terminal())):
            return
        try:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, leave=False)
            return
        except ImportError:
            pass
        try:
            from rich.progress import Progress

            self.rich = Progress(transient=True)
            self.rich.start()
            self.bar = self.rich.add_task(label, total=total)
        except ImportError:
            self.bar = None

    def update(self) -> None:
        if self.bar is None:
            return
        if self.rich is not None:
            self.rich.advance(self.bar)
        else:
            self.bar.update(1)

    def close(self) -> None:
        if self.rich is not None:
            self.rich.stop()
        elif self.bar is not None:
            self.bar.close()


def _is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _start(x0: Any) -> np.ndarray:
    start = np.array(x0, dtype=float)
    if start.ndim > 1:
        raise ValueError(f"x0 must be a number or a 1-D vector, got shape {start.shape}")
    if not np.all(np.isfinite(start)):
        raise ValueError(f"x0 must be finite, got {start.tolist()}")
    return start


def _limits(steps: int | None, tol: float | None) -> tuple[int, float | None, float]:
    """(update cap, stopping tolerance or None, tolerance for `converged`)."""
    if steps is not None and (isinstance(steps, bool) or int(steps) != steps or steps < 0):
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if tol is not None and not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}")
    if steps is None and tol is None:
        return MAX_STEPS, DEFAULT_TOL, DEFAULT_TOL
    if tol is None:
        return int(steps), None, DEFAULT_TOL
    return (MAX_STEPS if steps is None else int(steps)), tol, tol


def _output(point: np.ndarray) -> Any:
    return float(point) if point.ndim == 0 else point.copy()


def _value_and_gradient(f: Callable[[Any], Any]) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    from chainrule import value_and_grad

    evaluate = value_and_grad(f)

    def value_and_gradient(point: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = evaluate(float(point) if point.ndim == 0 else point)
        value = np.asarray(value, dtype=float)
        if value.shape != ():
            raise ValueError(f"the function must return a single number to be minimised, got shape {value.shape}")
        return float(value), np.asarray(gradient, dtype=float).reshape(point.shape)

    return value_and_gradient


def _first_order(method: str, f: Callable[[Any], Any], x0: Any, update: Callable[[np.ndarray, np.ndarray, int],
                 np.ndarray], steps: int | None, tol: float | None, progress: bool | None) -> OptimizeResult:
    """The loop shared by the first-order methods; ``update(x, gradient, k)`` returns the next x."""
    point = _start(x0)
    cap, stop_tol, report_tol = _limits(steps, tol)
    value_and_gradient = _value_and_gradient(f)
    walk = _Walk()
    bar = _Progress(cap, progress, method)
    try:
        for iteration in range(cap + 1):
            value, gradient = value_and_gradient(point)
            message = walk.observe(point, value, gradient, iteration, cap, stop_tol,
                                   "diverged at step {}: the value or gradient is not finite "
                                   "(try a smaller learning rate)")
            if message:
                break
            with np.errstate(over="ignore", invalid="ignore"):
                point = update(point, gradient, iteration)
            bar.update()
    finally:
        bar.close()
    return walk.result(method, message, converged=bool(np.isfinite(walk.values[-1]) and walk.norms[-1] <= report_tol))


class _Walk:
    """An optimiser's history (points, values, gradient norms) and the stopping tests all methods share."""

    def __init__(self) -> None:
        self.points: list = []
        self.values: list = []
        self.norms: list = []

    def observe(self, point, value, gradient, iteration: int, cap: int, stop_tol, not_finite: str) -> str:
        """Record one step; return why to stop ('' to go on)."""
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
            norm = float(np.linalg.norm(gradient))
        self.points.append(point.copy())
        self.values.append(value)
        self.norms.append(norm)
        if not (np.isfinite(value) and np.isfinite(norm)):
            return not_finite.format(iteration)
        if stop_tol is not None and norm <= stop_tol:
            return f"gradient norm {norm:.3g} <= tol {stop_tol:g}"
        if iteration == cap:
            return f"ran {cap} steps; gradient norm {norm:.3g}"
        return ""

    def result(self, method: str, message: str, *, converged: bool) -> "OptimizeResult":
        return OptimizeResult(x=_output(self.points[-1]), value=self.values[-1], iterations=len(self.points) - 1,
                              converged=converged, message=message, method=method,
                              history=History(np.array(self.points), np.array(self.values), np.array(self.norms)))


def _check_lr(lr: float) -> float:
    if not (isinstance(lr, (int, float, np.floating)) and lr > 0 and np.isfinite(lr)):
        raise ValueError(f"lr (learning rate) must be a positive number, got {lr!r}")
    return float(lr)


def gradient_descent(f: Callable[[Any], Any], x0: Any, lr: float = 0.1, steps: int | None = None,
                     tol: float | None = None, *, progress: bool | None = None) -> OptimizeResult:
    """Plain gradient descent: ``x <- x - lr * f'(x)``.

    >>> result = gradient_descent(lambda x: x**2, 10.0, lr=0.2, steps=10)
    >>> round(result.x, 6), len(result.history.points)
    (0.060466, 11)
    """
    lr = _check_lr(lr)
    return _first_order("gradient_descent", f, x0, lambda x, g, k: x - lr * g, steps, tol, progress)


def momentum(f: Callable[[Any], Any], x0: Any, lr: float = 0.1, beta: float = 0.9, steps: int | None = None,
             tol: float | None = None, *, progress: bool | None = None) -> OptimizeResult:
    """Gradient descent with momentum: ``v <- beta v + f'(x)``, ``x <- x - lr v``.

    >>> abs(momentum(lambda x: x**2, 1.0, lr=0.1, tol=1e-8).x) < 1e-8
    True
    """
    lr = _check_lr(lr)
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    velocity: list[np.ndarray] = []

    def update(x: np.ndarray, gradient: np.ndarray, iteration: int) -> np.ndarray:
        previous = velocity[0] if velocity else np.zeros_like(gradient)
        velocity[:] = [beta * previous + gradient]
        return x - lr * velocity[0]

    return _first_order("momentum", f, x0, update, steps, tol, progress)


def adam(f: Callable[[Any], Any], x0: Any, lr: float = 0.1, beta1: float = 0.9, beta2: float = 0.999,
         eps: float = 1e-8, steps: int | None = None, tol: float | None = None, *,
         progress: bool | None = None) -> OptimizeResult:
    """Adam (Kingma and Ba): bias-corrected running means of the gradient and its square.

    >>> abs(adam(lambda x: (x - 3)**2, 0.0, lr=0.1, steps=500).x - 3) < 1e-3
    True
    """
    lr = _check_lr(lr)
    if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
        raise ValueError(f"beta1 and beta2 must be in [0, 1), got {beta1!r}, {beta2!r}")
    moments: dict[str, np.ndarray] = {}

    def update(x: np.ndarray, gradient: np.ndarray, iteration: int) -> np.ndarray:
        first = beta1 * moments.get("first", np.zeros_like(gradient)) + (1 - beta1) * gradient
        second = beta2 * moments.get("second", np.zeros_like(gradient)) + (1 - beta2) * gradient ** 2
        moments.update(first=first, second=second)
        count = iteration + 1
        return x - lr * (first / (1 - beta1 ** count)) / (np.sqrt(second / (1 - beta2 ** count)) + eps)

    return _first_order("adam", f, x0, update, steps, tol, progress)


def newton(f: Callable[[Any], Any], x0: Any, steps: int | None = None, tol: float | None = None, *,
           progress: bool | None = None) -> OptimizeResult:
    """Newton's method with a backtracking (Armijo) line search.

    Where the Hessian is not positive definite the step uses the Hessian with its
    eigenvalues replaced by their absolute values (floored at a small positive
    number), which always points downhill; ``message`` counts these fallbacks.
    Defaults: ``tol = 1e-10`` and at most 100 steps.

    >>> result = newton(lambda v: (v[0] - 1)**2 + 10 * (v[1] + 2)**2, [5.0, 5.0])
    >>> result.x.round(6).tolist(), result.iterations
    ([1.0, -2.0], 1)
    """
    from chainrule import hessian

    point = _start(x0)
    cap = 100 if steps is None else _limits(steps, None)[0]
    stop_tol = 1e-10 if tol is None else _limits(None, tol)[1]
    value_and_gradient = _value_and_gradient(f)
    hessian_of = hessian(f)
    size = point.size
    walk = _Walk()
    fallbacks = 0
    bar = _Progress(cap, progress, "newton")
    try:
        for iteration in range(cap + 1):
            value, gradient = value_and_gradient(point)
            message = walk.observe(point, value, gradient, iteration, cap, stop_tol,
                                   "stopped at step {}: the value or gradient is not finite")
            if message:
                break
            matrix = np.asarray(hessian_of(float(point) if point.ndim == 0 else point), dtype=float)
            matrix = matrix.reshape(size, size)
            if not np.all(np.isfinite(matrix)):
                message = f"stopped at step {iteration}: the Hessian is not finite"
                break
            flat_gradient = gradient.reshape(size)
            direction, modified = _newton_direction(matrix, flat_gradient)
            fallbacks += modified
            step = _line_search(f, point, value, flat_gradient, direction)
            if step is None:
                message = (f"stopped at step {iteration}: the line search found no decrease "
                           f"(gradient norm {walk.norms[-1]:.3g})")
                break
            point = point + step * direction.reshape(point.shape)
            bar.update()
    finally:
        bar.close()
    if fallbacks:
        message += f"; {fallbacks} step(s) used the modified Hessian (it was not positive definite)"
    return walk.result("newton", message, converged=bool(walk.norms[-1] <= stop_tol))


def _newton_direction(matrix: np.ndarray, gradient: np.ndarray) -> tuple[np.ndarray, bool]:
    symmetric = 0.5 * (matrix + matrix.T)
    try:
        factor = np.linalg.cholesky(symmetric)
        return -np.linalg.solve(factor.T, np.linalg.solve(factor, gradient)), False
    except np.linalg.LinAlgError:
        eigenvalues, vectors = np.linalg.eigh(symmetric)
        floor = 1e-8 * max(1.0, float(np.max(np.abs(eigenvalues))))
        return -vectors @ ((vectors.T @ gradient) / np.maximum(np.abs(eigenvalues), floor)), True


def _line_search(f: Callable[[Any], Any], point: np.ndarray, value: float, gradient: np.ndarray,
                 direction: np.ndarray) -> float | None:
    slope = float(gradient @ direction)
    step = 1.0
    with np.errstate(all="ignore"):
        for _ in range(60):
            trial = point + step * direction.reshape(point.shape)
            trial_value = float(np.asarray(f(float(trial) if trial.ndim == 0 else trial), dtype=float))
            if np.isfinite(trial_value) and trial_value <= value + 1e-4 * step * slope:
                return step
            step *= 0.5
    return None


METHODS: dict[str, Callable[..., OptimizeResult]] = {
    "gradient_descent": gradient_descent, "momentum": momentum, "adam": adam, "newton": newton}


# ----------------------------------------------------------------------------- critical points

@dataclass(frozen=True)
class CriticalPoint:
    """A point where f' = 0: ``x``, ``value`` = f(x), ``kind`` and the second derivative."""

    x: float
    value: float
    kind: str  # "minimum", "maximum", "inflection", "undetermined" (or "endpoint" from extrema)
    second_derivative: float


def _scalar_derivatives(f: Callable[[Any], Any]) -> tuple[Callable[[float], float], Callable[[float], float]]:
    from chainrule import grad

    first, second = grad(f), grad(grad(f))
    return (lambda x: float(np.asarray(first(float(x)), dtype=float)),
            lambda x: float(np.asarray(second(float(x)), dtype=float)))


def _on_grid(f: Callable[[Any], Any], xs: np.ndarray, pointwise: Callable[[float], float]) -> np.ndarray:
    """f' at every grid point, vectorised by elementwise_grad when f allows it."""
    from chainrule import elementwise_grad

    with np.errstate(all="ignore"):
        try:
            slopes = np.asarray(elementwise_grad(f)(xs), dtype=float)
            probe = np.asarray(f(xs[:2]), dtype=float)
            if slopes.shape == xs.shape and probe.shape == (2,):
                return slopes
        except Exception:  # noqa: BLE001 - f is not elementwise: one gradient per point
            pass
        return np.array([pointwise(x) for x in xs])


def critical_points(f: Callable[[Any], Any], interval: tuple[float, float], *, samples: int = 2001
                    ) -> list[CriticalPoint]:
    """All x in the closed interval with f'(x) = 0, sorted, each classified.

    f' is sampled at ``samples`` points; every sign change is refined by safeguarded
    Newton steps on f' (bisection when Newton leaves the bracket) and every local
    minimum of |f'| that touches zero without a sign change (like x**3 at 0) by
    Newton steps on f''. A candidate counts only if f' really vanishes there, so
    poles of f' are not reported. Classification: f'' > 0 minimum, f'' < 0 maximum;
    when f'' = 0 the first non-zero higher derivative decides (even order: extremum,
    odd order: inflection). Critical points closer together than the sample spacing
    can be missed; raise ``samples`` for those. Raises ValueError when f' vanishes on
    a whole stretch (the critical points are not isolated).

    >>> [(p.x, p.value, p.kind) for p in critical_points(lambda x: 3*x**4 - 4*x**3 - 12*x**2, (-2, 3))]
    [(-1.0, -5.0, 'minimum'), (0.0, 0.0, 'maximum'), (2.0, -32.0, 'minimum')]
    """
    low, high = (float(bound) for bound in interval)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"critical_points: the interval must be two finite numbers a < b, got {interval!r}")
    if samples < 3:
        raise ValueError(f"critical_points: samples must be at least 3, got {samples}")
    first, second = _scalar_derivatives(f)
    xs = np.linspace(low, high, samples)
    slopes = _on_grid(f, xs, first)
    finite = np.isfinite(slopes)
    scale = max(1.0, float(np.max(np.abs(slopes[finite]))) if finite.any() else 1.0)
    zero_tol = 1e-9 * scale
    _check_isolated(xs, slopes, 1e-15 * scale)
    candidates: list[float] = []
    for index in range(samples):
        if finite[index] and slopes[index] == 0.0:
            candidates.append(float(xs[index]))
    for index in range(samples - 1):
        left, right = slopes[index], slopes[index + 1]
        if finite[index] and finite[index + 1] and left * right < 0:
            candidates.append(_refine_bracket(first, second, float(xs[index]), float(xs[index + 1]), left))
    magnitude = np.where(finite, np.abs(slopes), np.inf)
    for index in range(1, samples - 1):
        here = magnitude[index]
        if 0 < here <= magnitude[index - 1] and here <= magnitude[index + 1] and \
                slopes[index - 1] * slopes[index + 1] > 0:
            touch = _refine_touch(first, second, float(xs[index - 1]), float(xs[index + 1]))
            if touch is not None:
                candidates.append(touch)
    points: list[CriticalPoint] = []
    for x in sorted(candidates):
        if not low <= x <= high or not abs(first(x)) <= zero_tol:
            continue
        if points and abs(x - points[-1].x) <= 1e-9 * (high - low):
            continue
        points.append(_classified(f, x, second))
    return points


def _check_isolated(xs: np.ndarray, slopes: np.ndarray, zero_tol: float) -> None:
    """Five samples in a row with f' zero to rounding: f is constant there (not a high-order root)."""
    flat = np.abs(slopes) <= zero_tol
    run = 0
    for index, is_flat in enumerate(flat):
        run = run + 1 if is_flat else 0
        if run >= 5:
            raise ValueError(f"critical_points: f' is zero on a whole stretch near x = {xs[index]:.6g}; "
                             "the critical points are not isolated")


def _refine_bracket(first: Callable[[float], float], second: Callable[[float], float] | None, left: float,
                    right: float, left_slope: float) -> float:
    """A root of ``first`` in [left, right], where it changes sign: Newton steps kept inside the bracket
    (bisection whenever Newton would leave it, or when ``second`` is None)."""
    x = 0.5 * (left + right)
    for _ in range(100):
        slope = first(x)
        if slope == 0 or not np.isfinite(slope):
            return x
        if (slope < 0) == (left_slope < 0):
            left = x
        else:
            right = x
        curvature = second(x) if second is not None else 0.0
        candidate = x - slope / curvature if curvature != 0 and np.isfinite(curvature) else None
        if candidate is None or not left < candidate < right:
            candidate = 0.5 * (left + right)
        if abs(candidate - x) <= 4e-16 * max(1.0, abs(x)) or right - left <= 4e-16 * max(1.0, abs(x)):
            return candidate
        x = candidate
    return x


def _refine_touch(first: Callable[[float], float], second: Callable[[float], float], left: float,
                  right: float) -> float | None:
    """Where |f'| has a local minimum that may touch zero: a root of f'' near it."""
    slope_left, slope_right = second(left), second(right)
    if not (np.isfinite(slope_left) and np.isfinite(slope_right)) or slope_left * slope_right > 0:
        return None
    if slope_left == 0:
        return left
    return _refine_bracket(second, None, left, right, slope_left)


def _classified(f: Callable[[Any], Any], x: float, second: Callable[[float], float]) -> CriticalPoint:
    value = float(np.asarray(f(x), dtype=float))
    curvature = second(x)
    if abs(curvature) > 1e-9 * max(1.0, abs(value)):
        kind = "minimum" if curvature > 0 else "maximum"
    else:
        kind = _higher_order_kind(f, x, value)
    return CriticalPoint(x=float(x) + 0.0, value=value + 0.0, kind=kind, second_derivative=curvature)


def _higher_order_kind(f: Callable[[Any], Any], x: float, value: float) -> str:
    from chainrule.series import derivatives

    higher = derivatives(f, x, 6)
    for order in range(3, 7):
        derivative = float(higher[order])
        if abs(derivative) > 1e-9 * max(1.0, abs(value)):
            if order % 2:
                return "inflection"
            return "minimum" if derivative > 0 else "maximum"
    return "undetermined"


def extrema(f: Callable[[Any], Any], interval: tuple[float, float]) -> tuple[CriticalPoint, CriticalPoint]:
    """The lowest and highest points of ``f`` on the closed interval (critical points and endpoints).

    >>> low, high = extrema(lambda x: 3*x**4 - 4*x**3 - 12*x**2, (-2, 3))
    >>> (low.x, low.value, low.kind), (high.x, high.value, high.kind)
    ((2.0, -32.0, 'minimum'), (-2.0, 32.0, 'endpoint'))
    """
    _, second = _scalar_derivatives(f)
    low, high = (float(bound) for bound in interval)
    candidates = list(critical_points(f, interval))
    for end in (low, high):
        candidates.append(CriticalPoint(end, float(np.asarray(f(end), dtype=float)), "endpoint", second(end)))
    finite = [point for point in candidates if np.isfinite(point.value)]
    if not finite:
        raise ValueError("extrema: f is not finite at any critical point or endpoint")
    return min(finite, key=lambda point: point.value), max(finite, key=lambda point: point.value)


@dataclass(frozen=True)
class Classification:
    """What kind of point ``x`` is for f of a vector: by the gradient and the Hessian's eigenvalues."""

    kind: str  # "minimum", "maximum", "saddle", "degenerate" or "not critical"
    value: float
    gradient_norm: float
    eigenvalues: np.ndarray


def classify(f: Callable[[Any], Any], x: Any, *, tol: float = 1e-6) -> Classification:
    """Classify ``x`` by the Hessian's eigenvalues (all > 0 minimum, all < 0 maximum, mixed saddle).

    A gradient norm above ``tol`` makes it "not critical"; an eigenvalue within
    1e-8 (relative) of zero with the others of one sign makes it "degenerate".

    >>> classify(lambda v: v[0]**2 - v[1]**2, [0.0, 0.0]).kind
    'saddle'
    """
    from chainrule import hessian

    point = _start(x)
    value, gradient = _value_and_gradient(f)(point)
    size = point.size
    matrix = np.asarray(hessian(f)(float(point) if point.ndim == 0 else point), dtype=float).reshape(size, size)
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"classify: the Hessian at {point.tolist()} is not finite")
    eigenvalues = np.linalg.eigvalsh(0.5 * (matrix + matrix.T))
    norm = float(np.linalg.norm(gradient))
    threshold = 1e-8 * max(1.0, float(np.max(np.abs(eigenvalues))))
    if norm > tol:
        kind = "not critical"
    elif np.all(eigenvalues > threshold):
        kind = "minimum"
    elif np.all(eigenvalues < -threshold):
        kind = "maximum"
    elif np.any(eigenvalues > threshold) and np.any(eigenvalues < -threshold):
        kind = "saddle"
    else:
        kind = "degenerate"
    return Classification(kind=kind, value=value, gradient_norm=norm, eigenvalues=eigenvalues)
