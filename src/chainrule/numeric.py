"""Numerical derivatives with honest error bars: chainrule's independent witness.

Everything here differentiates by *evaluating* the function, never by tracing it,
so it can check the automatic derivatives (``chainrule.check_grads`` uses it) and
it works on any Python function of floats or arrays.

Public functions, all returning an :class:`Estimate` (``.value``, ``.error``,
``.step``, ``.steps``, ``.evaluations``):

=====================================  ============================================
``derivative(f, x, order=1, ...)``     d^n f / dx^n; ``x`` a scalar, or an array of
                                       independent points (``f`` elementwise)
``gradient(f, x)``                     scalar ``f`` of an array: shape ``x.shape``
``jacobian(f, x)``                     shape ``f(x).shape + x.shape``
``hessian(f, x)``                      shape ``f(x).shape + x.shape + x.shape``
``directional(f, x, v)``               d/dt f(x + t v) at t = 0: shape ``f(x).shape``
``difference_quotients(f, x, steps)``  the textbook table (h, quotient, error)
=====================================  ============================================

How the value and the error are found (Ridders' method, as in numdifftools):
difference quotients ``D(h)`` are taken on a decreasing geometric sequence of
steps ``h_k = h_0 / 2**k`` (``h_0 = 2 * max(log(e - 1 + |x|), 1)``) and
extrapolated to ``h = 0`` in a Neville/Richardson tableau, elementwise. Each
tableau entry gets an error bar::

    error = truncation estimate   (how much it disagrees with its two parents)
          + round-off estimate    (2 eps * sum_k |w_k f(x_k)|, amplified by the extrapolation)

and the entry with the smallest error bar is returned. The sequence stops early
for an element once a smaller step could not do better (its round-off alone
would exceed the best error bar, or the best bar is already round-off bound) and
one more row has confirmed the best entry (its column stayed inside its error
bar; where it does not, the bar grows to cover the distance).
Stencils are built (Fornberg's algorithm) on the points actually evaluated,
``fl(x + o_k h)``, so rounding of the step itself costs no accuracy.

Methods: ``"central"`` (error in even powers of h, the default), ``"forward"``
and ``"backward"`` (one-sided, for functions defined on one side only) and
``"complex"`` (the complex step ``Im f(x + ih) / h``: no cancellation, needs an
analytic ``f`` that accepts complex input; orders 1 and 2).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "Estimate",
    "DifferenceTable",
    "derivative",
    "gradient",
    "jacobian",
    "hessian",
    "directional",
    "difference_quotients",
]

METHODS = ("central", "forward", "backward", "complex")
RATIO = 2.0  # step ratio between rows of the tableau
MAX_ROWS = 24  # at most this many steps per estimate
MIN_ROWS = 3  # never stop before this many steps
MAX_COLUMNS = 8  # extrapolate to at most h**(2 * 8) for central differences
ROUNDOFF = 2.0  # round-off of one function value, in units of eps * |f|
FLOOR = 2.0  # no quotient is trusted beyond ROUNDOFF * FLOOR units in its last place


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False, repr=False)
class Estimate:
    """A numerical derivative together with its error bar.

    Attributes:
        value: the estimate (a NumPy scalar or array, in the layout of the function
            that made it).
        error: an estimate of ``|value - exact|`` with the same shape (the tableau's
            truncation estimate plus a round-off estimate; ``inf`` where no finite
            estimate was found).
        step: the step ``h`` of the chosen tableau entry, per element.
        steps: every step tried, shape ``(number of steps,) + step shape``.
        kind: ``"derivative"``, ``"gradient"``, ``"jacobian"``, ``"hessian"`` or
            ``"directional"``.
        method: ``"central"``, ``"forward"``, ``"backward"`` or ``"complex"``.
        order: the order of the derivative.
        evaluations: how many times the function was called.

    ``np.asarray(est)`` and ``float(est)`` give the value.

    >>> est = derivative(np.exp, 0.0)
    >>> abs(float(est) - 1.0) < 1e-13, bool(est.error < 1e-12)
    (True, True)
    """

    value: Any
    error: Any
    step: Any
    steps: np.ndarray
    kind: str = "derivative"
    method: str = "central"
    order: int = 1
    evaluations: int = 0

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.value, dtype=dtype)

    def __float__(self) -> float:
        return float(self.value)

    @property
    def relative_error(self) -> Any:
        """``error / |value|`` elementwise (``inf`` where the value is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.value != 0, self.error / np.abs(self.value), np.inf)[()]

    def __repr__(self) -> str:
        head = f"{self.kind}" + (f" of order {self.order}" if self.order != 1 else "")
        tail = f"method={self.method!r}, {len(self.steps)} steps, {self.evaluations} evaluations"
        if np.ndim(self.value) == 0:
            value = repr(self.value.item()) if isinstance(self.value, np.generic) else repr(self.value)
            return (
                f"Estimate({head}: value={value}, error={float(self.error):.2g}, "
                f"step={float(self.step):.3g}, {tail})"
            )
        opts = dict(precision=10, threshold=20, edgeitems=3)
        value = np.array2string(np.asarray(self.value), prefix="  value: ", **opts)
        error = np.array2string(np.asarray(self.error), prefix="  error: ", precision=2, threshold=20,
                                edgeitems=3, floatmode="maxprec")
        return (f"Estimate({head} of shape {np.shape(self.value)}, {tail})\n"
                f"  value: {value}\n  error: {error}")


# ----------------------------------------------------------------------------- stencils


def _check_method(method: str, order: int, where: str) -> None:
    if method not in METHODS:
        raise ValueError(f"{where}: method={method!r} is not one of {METHODS}")
    if not (isinstance(order, (int, np.integer)) and order >= 1):
        raise ValueError(f"{where}: order={order!r} must be an integer >= 1")
    if method == "complex" and order > 2:
        raise ValueError(
            f"{where}: method='complex' gives derivatives of order 1 and 2 only, not {order}; "
            "use method='central' for higher orders"
        )


def _offsets(method: str, order: int) -> list[int]:
    """Stencil points in units of h: symmetric for central, one-sided otherwise."""
    if method == "central":
        half = (order + 1) // 2
        if order % 2:  # odd order: the centre has weight 0, leave it out
            return [k for k in range(-half, half + 1) if k != 0]
        return list(range(-half, half + 1))
    if method == "forward":
        return list(range(order + 1))
    return list(range(-order, 1))


def _fornberg(points: Sequence[np.ndarray], order: int) -> list[np.ndarray]:
    """Weights w_k with sum_k w_k f(points[k]) ~ f^(order)(0), elementwise.

    Fornberg (1988), "Generation of finite difference formulas on arbitrarily spaced
    grids"; ``points`` are offsets from the expansion point (arrays of one shape).
    """
    count = len(points)
    weights = [[np.zeros_like(points[0]) for _ in range(order + 1)] for _ in range(count)]
    weights[0][0] = np.ones_like(points[0])
    c1 = np.ones_like(points[0])
    c4 = points[0]
    for i in range(1, count):
        top = min(i, order)
        c2 = np.ones_like(points[0])
        c5, c4 = c4, points[i]
        for j in range(i):
            c3 = points[i] - points[j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(top, 0, -1):
                    weights[i][k] = c1 * (k * weights[i - 1][k - 1] - c5 * weights[i - 1][k]) / c2
                weights[i][0] = -c1 * c5 * weights[i - 1][0] / c2
            for k in range(top, 0, -1):
                weights[j][k] = (c4 * weights[j][k] - k * weights[j][k - 1]) / c3
            weights[j][0] = c4 * weights[j][0] / c3
        c1 = c2
    return [row[order] for row in weights]


# ----------------------------------------------------------------------------- tableau


@functools.lru_cache(maxsize=512)
def _neville(scales: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Extrapolation weights for one tableau row, as matrices over the last quotients.

    ``scales[m] = t_{i-m} / t_i`` (so ``scales[0] == 1``) for the current row i and
    up to MAX_COLUMNS older rows, where t = h**p. Row j - 1 of each result is for
    column j = 1 .. J of the tableau (Q = quotients, newest first):

    * ``entry``: T[i][j] = entry @ Q, the polynomial in t through (t_{i-m}, Q_{i-m}),
      m = 0..j, evaluated at t = 0 (Lagrange form of Neville's tableau);
    * ``parent_gap``: T[i][j-1] - T[i-1][j-1] = parent_gap @ Q;
    * ``spread``: |T[i][j] - T[i][j-1]| and |T[i][j] - T[i-1][j-1]| are at most
      ``spread * |parent_gap @ Q|`` -- the truncation estimate;
    * ``amplification``: sum |entry weights|, how much the extrapolation magnifies
      round-off in the quotients.
    """

    def lagrange_at_zero(points: list[int]) -> np.ndarray:
        weights = np.zeros(len(scales))
        for m in points:
            weight = 1.0
            for l in points:
                if l != m:
                    weight *= scales[l] / (scales[l] - scales[m])
            weights[m] = weight
        return weights

    columns = len(scales) - 1
    entry, parent_gap = np.zeros((columns, columns + 1)), np.zeros((columns, columns + 1))
    spread = np.zeros(columns)
    for j in range(1, columns + 1):
        entry[j - 1] = lagrange_at_zero(list(range(j + 1)))
        parent_gap[j - 1] = lagrange_at_zero(list(range(j))) - lagrange_at_zero(list(range(1, j + 1)))
        spread[j - 1] = 1.0 + 1.0 / (scales[j] - 1.0)  # T[i][j] = T[i][j-1] + gap / (s_j - 1)
    both = np.concatenate([entry, parent_gap])
    return both, spread[:, None], np.abs(entry).sum(axis=1)[:, None], np.arange(1, columns + 1)[:, None]


class _Tableau:
    """Neville/Richardson extrapolation to h = 0 of D(h) = D + c1 h^p + c2 h^2p + ...

    Works on flat arrays of independent elements. For each element it keeps the
    entry with the smallest error bar (truncation + round-off) seen so far.
    """

    def __init__(self, size: int, power: int):
        self.power = power
        self.history: np.ndarray | None = None  # recent quotients, newest first, non-finite -> 0
        self.scales: list[float] = []  # recent relative steps h_k / h_0, newest first
        self.run = np.zeros(size, dtype=int)  # consecutive finite quotients ending at this row
        self.value = np.full(size, np.nan)  # its dtype follows the first quotients (complex f)
        self.error = np.full(size, np.inf)
        self.truncation = np.full(size, np.inf)
        self.rounding = np.zeros(size)
        self.row = np.full(size, -1)
        self.column = np.zeros(size, dtype=int)  # tableau column of the best entry, minus one
        self.confirmed = np.zeros(size, dtype=bool)  # best entry re-checked by a later row
        self.rows = 0
        self.pick = np.arange(size)

    def add(self, quotient: np.ndarray, rounding: np.ndarray, scale: float) -> None:
        finite = np.isfinite(quotient)
        all_finite = bool(finite.all())
        if self.history is None:
            self.history = np.zeros((MAX_COLUMNS + 1, quotient.size), dtype=np.result_type(quotient, float))
            self.value = np.full(quotient.shape, np.nan, dtype=self.history.dtype)
            self.previous_entries = np.full((MAX_COLUMNS, quotient.size), np.nan, dtype=self.history.dtype)
        self.run = self.run + 1 if all_finite else np.where(finite, self.run + 1, 0)
        self.history[1:] = self.history[:-1]
        self.history[0] = quotient if all_finite else np.where(finite, quotient, 0)
        self.scales = [scale, *self.scales[:MAX_COLUMNS]]
        self.rows += 1
        if self.rows < 2:
            return
        count = len(self.scales)
        both, spread, amplification, columns = _neville(tuple((s / scale) ** self.power for s in self.scales))
        combined = both @ self.history[:count]
        entries, truncation = combined[: count - 1], np.abs(combined[count - 1 :]) * spread
        # a converged column also agrees with itself one row up: guards against lucky gaps
        drift = np.abs(entries - self.previous_entries[: count - 1])
        truncation = np.where(np.isnan(drift), np.inf, np.maximum(truncation, drift))
        self.previous_entries[: count - 1], self.previous_entries[count - 1 :] = entries, np.nan
        if not all_finite:
            rounding = np.where(finite, rounding, np.inf)
        entry_rounding = amplification * rounding
        error = truncation + entry_rounding
        if self.run.min() <= count or not all_finite:
            error = np.where((columns < self.run - 1) & ~np.isnan(error), error, np.inf)
        best = np.argmin(error, axis=0)
        error = error[best, self.pick]
        # confirm the best entry so far: its column, one row further, must stay inside its
        # error bar; if not, the bar was too optimistic (a lucky agreement, or a kink or
        # jump between the steps) and grows to cover the distance
        column = np.minimum(self.column, count - 2)
        distance = np.abs(entries[column, self.pick] - self.value)
        comparable = (self.column <= count - 2) & (self.column + 1 < self.run - 1)  # a valid entry there
        self.confirmed = comparable & (distance <= self.error)
        grown = comparable & (distance > self.error) & np.isfinite(distance)
        if grown.any():
            self.error = np.where(grown, distance, self.error)
            self.truncation = np.where(grown, distance, self.truncation)
        better = error < self.error
        if better.any():
            self.value[better] = entries[best, self.pick][better]
            self.truncation[better] = truncation[best, self.pick][better]
            self.rounding[better] = entry_rounding[best, self.pick][better]
            self.row[better] = self.rows - 1
            self.column[better] = best[better]
            self.confirmed[better] = False
            self.error[better] = error[better]

    def finished(self, next_rounding: np.ndarray) -> np.ndarray:
        """Elements no smaller step can improve (round-off bound, or already round-off limited),
        once their best entry has been confirmed by one more row."""
        if self.rows < MIN_ROWS:
            return np.zeros(self.error.shape, dtype=bool)
        return self.confirmed & ((self.truncation <= self.rounding) | (next_rounding >= self.error))


def _run(row_at: Callable[[int, np.ndarray], tuple], size: int, scales: Sequence[float], power: int,
         order: int) -> _Tableau:
    """Drive the tableau: row k's quotients come from ``row_at(k, active)`` (flat arrays)."""
    tableau = _Tableau(size, power)
    active = np.ones(size, dtype=bool)
    if size == 0:  # x or f(x) is empty: nothing to estimate
        return tableau
    with np.errstate(all="ignore"):  # steps that leave f's domain give inf/NaN rows: skipped
        for k, scale in enumerate(scales):
            quotient, rounding = row_at(k, active)
            tableau.add(quotient, rounding, scale)
            if k + 1 == len(scales):
                break
            growth = (scale / scales[k + 1]) ** order
            active &= ~tableau.finished(rounding * growth)
            if not active.any():
                break
    return tableau


def _plan(method: str, order: int, step: Any, nominal: np.ndarray, where: str):
    """(first step per element, relative scales of the rows, power p, round-off order)."""
    if step is None:
        first, scales = 2.0 * nominal, RATIO ** -np.arange(MAX_ROWS)
    else:
        steps = np.asarray(step, dtype=float)
        if steps.ndim == 0:
            if not (steps > 0 and np.isfinite(steps)):
                raise ValueError(f"{where}: step={step!r} must be a positive number (the first, largest step)")
            first, scales = np.broadcast_to(steps, np.shape(nominal)), RATIO ** -np.arange(MAX_ROWS)
        elif steps.ndim != 1 or len(steps) < 2 or not np.all(steps > 0) or not np.all(np.diff(steps) < 0):
            raise ValueError(
                f"{where}: step={step!r} must be None, a positive number, or a decreasing sequence of "
                "at least two positive steps (two are needed for an error estimate)"
            )
        else:
            first, scales = np.broadcast_to(steps[0], np.shape(nominal)), steps / steps[0]
    if method == "complex":
        power, rounding_order = (2, 0) if order == 1 else (4, order)
    else:
        power, rounding_order = (2 if method == "central" else 1), order
    return np.asarray(first, dtype=float), [float(s) for s in scales], power, rounding_order


def _nominal(x: np.ndarray) -> np.ndarray:
    """numdifftools' nominal scale: grows like log|x| so large |x| gets larger steps."""
    return np.maximum(np.log(math.e - 1.0 + np.abs(x)), 1.0)


# ----------------------------------------------------------------------------- evaluation


def _as_point(x: Any, where: str) -> np.ndarray:
    array = np.asarray(x)
    if np.iscomplexobj(array):
        raise ValueError(f"{where}: x must be real, got a complex array; differentiate real and "
                         "imaginary parts as separate real arguments")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)  # integers and bools: differentiate at the float
    return array


class _Caller:
    """Calls ``f`` with warnings silenced for trial points; counts evaluations."""

    def __init__(self, f: Callable, where: str):
        self.f, self.where, self.count, self.failure = f, where, 0, None

    def __call__(self, x: Any) -> np.ndarray | None:
        """f(x), or None where f raises an arithmetic/domain error (math.log(-1e-3))."""
        self.count += 1
        try:  # called inside _run's np.errstate(all="ignore")
            return np.asarray(self.f(x))
        except (ArithmeticError, ValueError) as error:
            self.failure = error
            return None

    def first(self, x: np.ndarray) -> np.ndarray:
        """f at the point itself, where a failure is the caller's error and propagates."""
        self.count += 1
        out = np.asarray(self.f(x))
        if not np.issubdtype(out.dtype, np.number) and out.dtype != bool:
            raise TypeError(f"{self.where}: f returned {out.dtype} values; it must return numbers")
        return out


def _eps(*arrays: np.ndarray) -> float:
    dtype = np.result_type(*arrays, np.float16)
    if np.issubdtype(dtype, np.complexfloating):
        return float(np.finfo(dtype).eps)
    return float(np.finfo(dtype if np.issubdtype(dtype, np.floating) else np.float64).eps)


def _quotient(points: list, values: list, order: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """sum_k w_k f(x_k) with weights for the points actually evaluated, and its round-off."""
    if len(points) == 2 and order == 1:
        weight = 1.0 / (points[1] - points[0])
        weights = [-weight, weight]
    else:
        weights = _fornberg(points, order)
    quotient = sum(w * v for w, v in zip(weights, values))
    magnitude = sum(np.abs(w) * np.abs(v) for w, v in zip(weights, values))
    rounding = ROUNDOFF * eps * (magnitude + FLOOR * np.abs(quotient))
    return quotient, rounding


_SQRT_I = complex(math.sqrt(0.5), math.sqrt(0.5))  # exp(i pi / 4): (h w)^2 = i h^2


def _complex_quotient(plus: np.ndarray, minus: np.ndarray | None, h: np.ndarray, order: int, eps: float):
    """Im f(x + ih) / h (order 1) or Im[f(x + wh) + f(x - wh)] / h^2 (order 2), with round-off."""
    if order == 1:
        quotient = np.imag(plus) / h  # no cancellation: only the floor of a few units in the last place
        return quotient, ROUNDOFF * eps * 2 * FLOOR * np.abs(quotient)
    quotient = np.imag(plus + minus) / h**2
    return quotient, ROUNDOFF * eps * ((np.abs(plus) + np.abs(minus)) / h**2 + FLOOR * np.abs(quotient))


def _check_complex_output(f0: np.ndarray, where: str) -> None:
    if np.iscomplexobj(f0):
        raise ValueError(f"{where}: method='complex' needs a real-valued f, but f(x) is complex; "
                         "use method='central'")


def _finish(tableau: _Tableau, element_first: np.ndarray, scales: list, shape: tuple, steps: np.ndarray,
            kind: str, method: str, order: int, call: _Caller) -> Estimate:
    """Package the best tableau entries (flat arrays) as an Estimate of ``shape``."""
    if np.all(np.isinf(tableau.error)) and call.failure is not None:
        raise ValueError(f"{kind}: f failed at every step tried near x; last error: {call.failure!r}")
    value = np.where(np.isinf(tableau.error), np.nan, tableau.value)
    row_scale = np.take(scales, np.maximum(tableau.row, 0))
    step = np.where(tableau.row >= 0, element_first * row_scale, np.nan)
    return Estimate(
        value=value.reshape(shape)[()],
        error=tableau.error.reshape(shape)[()],
        step=step.reshape(shape)[()],
        steps=steps,
        kind=kind,
        method=method,
        order=order,
        evaluations=call.count,
    )


# ----------------------------------------------------------------------------- public API


def derivative(f: Callable, x: Any, order: int = 1, method: str = "central", step: Any = None) -> Estimate:
    """The ``order``-th derivative of ``f`` at ``x``, with an error estimate.

    ``x`` is a number, or an array of independent points at which the derivative is
    wanted: then ``f`` must act elementwise (``f(x)[i]`` depends on ``x[i]`` only)
    and the result has the shape of ``x``. For a scalar ``x``, ``f`` may return an
    array (a curve): the result has the shape of ``f(x)``.

    ``step`` is None (automatic), a number (the first and largest step, halved at
    each row), or a decreasing sequence of steps to use exactly.

    >>> est = derivative(lambda x: 3 * x**2 - 4 * x, 1.0)
    >>> float(est.value), bool(est.error < 1e-12)
    (2.0, True)
    >>> np.round(derivative(np.sin, [0.0, np.pi]).value, 12)
    array([ 1., -1.])
    >>> round(float(derivative(np.exp, 1.0, order=2).value), 10)
    2.7182818285
    """
    where = "derivative"
    _check_method(method, order, where)
    x = _as_point(x, where)
    call = _Caller(f, where)
    f0 = call.first(x)
    if x.ndim and f0.shape != x.shape:
        raise ValueError(
            f"{where}: an array x is a set of independent points, so f must be elementwise; but "
            f"f(x) has shape {f0.shape} and x has shape {x.shape}. For a function of a whole array "
            "use chainrule.numeric.gradient or jacobian."
        )
    if method == "complex":
        _check_complex_output(f0, where)
    first, scales, power, rounding_order = _plan(method, order, step, _nominal(x), where)
    first = first.astype(x.dtype)
    eps = _eps(x, f0)
    offsets = _offsets(method, order)
    size = f0.size

    def row_at(k: int, active: np.ndarray):
        h = first * x.dtype.type(scales[k])
        if method == "complex":
            plus = call(x + (1j if order == 1 else _SQRT_I) * h)
            minus = call(x - _SQRT_I * h) if order == 2 else None
            if plus is None or (order == 2 and minus is None):
                return np.full(size, np.nan), np.zeros(size)
            quotient, rounding = _complex_quotient(plus, minus, h, order, eps)
        else:
            points, values = [], []
            for offset in offsets:
                moved = x + offset * h
                value = f0 if offset == 0 else call(moved)
                if value is None:
                    return np.full(size, np.nan), np.zeros(size)
                points.append(moved - x)  # the step actually taken
                values.append(value)
            quotient, rounding = _quotient(points, values, order, eps)
        if np.shape(quotient) != f0.shape:  # a scalar x and f is a curve: one step for all
            quotient, rounding = np.broadcast_to(quotient, f0.shape), np.broadcast_to(rounding, f0.shape)
        return np.ravel(quotient), np.ravel(rounding)

    tableau = _run(row_at, size, scales, power, rounding_order)
    steps = np.array([first * s for s in scales[: tableau.rows]])
    element_first = np.broadcast_to(first, f0.shape).ravel()
    return _finish(tableau, element_first, scales, f0.shape, steps, "derivative", method, order, call)


def jacobian(f: Callable, x: Any, method: str = "central", step: Any = None) -> Estimate:
    """Jacobian of ``f`` at ``x``: shape ``f(x).shape + x.shape`` (chainrule.jacobian's layout).

    ``value[o + i]`` is d f(x)[o] / d x[i]. ``step`` as in :func:`derivative`
    (a number or a sequence is used for every coordinate).

    >>> est = jacobian(lambda x: np.array([x[0] * x[1], np.sin(x[0])]), np.array([2.0, 3.0]))
    >>> np.round(est.value, 10)
    array([[ 3.        ,  2.        ],
           [-0.41614684,  0.        ]])
    """
    return _jacobian(f, x, method, step, "jacobian")


def _jacobian(f: Callable, x: Any, method: str, step: Any, where: str) -> Estimate:
    _check_method(method, 1, where)
    x = _as_point(x, where)
    call = _Caller(f, where)
    f0 = call.first(x)
    if where == "gradient":
        if f0.size != 1:
            raise ValueError(f"gradient: f must return a scalar, but f(x) has shape {f0.shape}; "
                             "use chainrule.numeric.jacobian for array-valued functions")
        call.f, f0 = (lambda point: np.reshape(f(point), ())), f0.reshape(())
    if method == "complex":
        _check_complex_output(f0, where)
    first, scales, power, rounding_order = _plan(method, 1, step, _nominal(x), where)
    first = first.astype(x.dtype).reshape(-1)
    eps = _eps(x, f0)
    offsets = _offsets(method, 1)
    flat, size = x.reshape(-1), x.size
    shape = f0.shape + (size,)
    dtype = np.result_type(f0, x, float) if method != "complex" else np.result_type(x, float)

    def call_along(i: int, moved_i: Any) -> np.ndarray | None:
        point = flat.astype(np.result_type(flat, moved_i))  # a fresh copy for every call
        point[i] = moved_i
        return call(point.reshape(x.shape))

    def row_at(k: int, active: np.ndarray):
        h = first * x.dtype.type(scales[k])
        needed = np.flatnonzero(active.reshape(-1, size).any(axis=0))
        quotient, rounding = np.full(shape, np.nan, dtype=dtype), np.zeros(shape)
        if method == "complex":
            plus = np.full(shape, complex(np.nan, np.nan))  # coordinates not evaluated stay NaN
            for i in needed:
                value = call_along(i, flat[i] + 1j * h[i])
                if value is not None:
                    plus[..., i] = value
            quotient, rounding = _complex_quotient(plus, None, h, 1, eps)
        else:
            points, values = [], []
            for offset in offsets:
                moved = flat + offset * h
                points.append(moved - flat)
                if offset == 0:
                    values.append(f0[..., None])
                    continue
                column = np.full(shape, np.nan, dtype=dtype)
                for i in needed:
                    value = call_along(i, moved[i])
                    if value is not None:
                        column[..., i] = value
                values.append(column)
            quotient, rounding = _quotient(points, values, 1, eps)
        return quotient.ravel(), np.broadcast_to(rounding, shape).ravel()

    tableau = _run(row_at, int(np.prod(shape)), scales, power, rounding_order)
    steps = np.array([first.reshape(x.shape) * s for s in scales[: tableau.rows]])
    element_first = np.broadcast_to(first, shape).ravel()
    return _finish(tableau, element_first, scales, f0.shape + x.shape, steps, where, method, 1, call)


def gradient(f: Callable, x: Any, method: str = "central", step: Any = None) -> Estimate:
    """Gradient of a scalar-valued ``f`` at ``x``: shape ``x.shape`` (chainrule.grad's layout).

    >>> est = gradient(lambda x: np.sum(x**2), np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> np.round(est.value, 10)
    array([[2., 4.],
           [6., 8.]])
    """
    return _jacobian(f, x, method, step, "gradient")


def directional(f: Callable, x: Any, v: Any, method: str = "central", step: Any = None) -> Estimate:
    """Directional derivative d/dt f(x + t v) at t = 0 (chainrule's JVP): shape ``f(x).shape``.

    ``v`` is not normalised: the result is ``jacobian(f, x) . v``.

    >>> est = directional(lambda x: np.sum(x**3), np.array([1.0, 2.0]), np.array([1.0, -1.0]))
    >>> round(float(est.value), 10)
    -9.0
    """
    where = "directional"
    x = _as_point(x, where)
    v = np.asarray(v, dtype=np.result_type(x, float))
    if v.shape != x.shape:
        raise ValueError(f"{where}: the direction v has shape {v.shape}, x has shape {x.shape}; they must match")
    if step is None:
        size = float(np.max(np.abs(v))) if v.size else 0.0
        if size == 0.0:
            raise ValueError(f"{where}: the direction v is zero; give a nonzero direction")
        step = 2.0 * float(_nominal(np.max(np.abs(x)) if x.size else 0.0)) / size
    estimate = derivative(lambda t: f(x + t * v), 0.0, method=method, step=step)
    return dataclasses.replace(estimate, kind="directional")


def hessian(f: Callable, x: Any, method: str = "central", step: Any = None) -> Estimate:
    """Hessian of ``f`` at ``x``: shape ``f(x).shape + x.shape + x.shape``.

    From values of ``f`` only (no gradient needed): the diagonal from three points
    per coordinate, each mixed entry from the four corners of a rectangle.
    Methods: ``"central"``, ``"forward"``, ``"backward"``.

    >>> est = hessian(lambda x: x[0] ** 2 * x[1], np.array([1.0, 2.0]))
    >>> np.round(est.value, 8) + 0.0
    array([[4., 2.],
           [2., 0.]])
    """
    where = "hessian"
    if method == "complex":
        raise ValueError(f"{where}: method='complex' is not available for Hessians; use 'central', "
                         "or derivative(..., order=2, method='complex') along one coordinate")
    _check_method(method, 2, where)
    x = _as_point(x, where)
    call = _Caller(f, where)
    f0 = call.first(x)
    first, scales, power, rounding_order = _plan(method, 2, step, _nominal(x), where)
    first = first.astype(x.dtype).reshape(-1)
    eps = _eps(x, f0)
    flat, size = x.reshape(-1), x.size
    shape = f0.shape + (size, size)
    dtype = np.result_type(f0, x, float)
    sides = {"central": (1, -1), "forward": (1, 0), "backward": (-1, 0)}[method]
    diagonal_offsets = _offsets(method, 2)

    def at(changes: dict) -> np.ndarray | None:
        point = flat.copy()
        for i, value in changes.items():
            point[i] = value
        return f0 if np.array_equal(point, flat) else call(point.reshape(x.shape))

    def row_at(k: int, active: np.ndarray):
        h = first * x.dtype.type(scales[k])
        needed = active.reshape(-1, size, size).any(axis=0)
        needed = needed | needed.T
        quotient, rounding = np.full(shape, np.nan, dtype=dtype), np.zeros(shape)
        for i in range(size):
            if needed[i, i]:
                points = [flat[i] + offset * h[i] - flat[i] for offset in diagonal_offsets]
                values = [at({i: flat[i] + offset * h[i]}) for offset in diagonal_offsets]
                if all(value is not None for value in values):
                    quotient[..., i, i], rounding[..., i, i] = _quotient(points, values, 2, eps)
            for j in range(i + 1, size):
                if not needed[i, j]:
                    continue
                corners_i = [flat[i] + side * h[i] for side in sides]
                corners_j = [flat[j] + side * h[j] for side in sides]
                values = [at({i: a, j: b}) for a in corners_i for b in corners_j]
                if any(value is None for value in values):
                    continue
                area = (corners_i[0] - corners_i[1]) * (corners_j[0] - corners_j[1])
                total = values[0] - values[1] - values[2] + values[3]
                magnitude = sum(np.abs(value) for value in values)
                quotient[..., i, j] = quotient[..., j, i] = total / area
                rounding[..., i, j] = rounding[..., j, i] = ROUNDOFF * eps * (
                    magnitude / abs(area) + FLOOR * np.abs(total / area))
        return quotient.ravel(), rounding.ravel()

    tableau = _run(row_at, int(np.prod(shape)), scales, power, rounding_order)
    steps = np.array([first.reshape(x.shape) * s for s in scales[: tableau.rows]])
    element_first = np.broadcast_to(np.sqrt(first[:, None] * first[None, :]), shape).ravel()
    full_shape = f0.shape + x.shape + x.shape
    return _finish(tableau, element_first, scales, full_shape, steps, where, method, 2, call)


# ----------------------------------------------------------------------------- the textbook table


@dataclass(frozen=True, eq=False, repr=False)
class DifferenceTable:
    """The textbook table of difference quotients at shrinking steps h.

    Attributes: ``x``, ``steps`` (h), ``quotients``, ``errors`` (|quotient - exact|),
    ``exact`` (the derivative compared against), ``source`` (where ``exact`` came
    from), ``dtype`` (the arithmetic used) and ``method``. ``rows`` lists
    (h, quotient, error) tuples; ``best`` is the index of the smallest error.
    """

    x: float
    steps: np.ndarray
    quotients: np.ndarray
    errors: np.ndarray
    exact: float
    source: str
    dtype: np.dtype
    method: str

    @property
    def rows(self) -> list[tuple[float, float, float]]:
        return [(float(h), float(q), float(e)) for h, q, e in zip(self.steps, self.quotients, self.errors)]

    @property
    def best(self) -> int:
        return int(np.nanargmin(self.errors)) if np.any(np.isfinite(self.errors)) else 0

    def __repr__(self) -> str:
        formula = _QUOTIENT_FORMULAS[self.method]
        lines = [
            f"difference quotients {formula} at x = {self.x!r} in {self.dtype.name}",
            f"compared with f'(x) = {self.exact!r} ({self.source})",
            f"{'h':>10}  {'quotient':>24}  {'error':>9}",
        ]
        for h, q, e in zip(self.steps, self.quotients, self.errors):
            lines.append(f"{float(h):>10.0e}  {str(self.dtype.type(q)):>24}  {float(e):>9.1e}")
        best = self.best
        lines.append(f"smallest error {float(self.errors[best]):.1e} at h = {float(self.steps[best]):.0e}"
                     + _trade_off_note(self.errors, best))
        return "\n".join(lines)


_QUOTIENT_FORMULAS = {
    "forward": "(f(x + h) - f(x)) / h",
    "backward": "(f(x) - f(x - h)) / h",
    "central": "(f(x + h) - f(x - h)) / (2h)",
}


def _trade_off_note(errors: np.ndarray, best: int) -> str:
    if best < len(errors) - 1 and errors[-1] > 2 * errors[best]:
        return ("; below that, round-off (about eps |f| / h) outgrows the truncation error "
                "(about |f''| h / 2)")
    return "; the truncation error still dominates: it shrinks with h"


def difference_quotients(f: Callable, x: float, steps: Any = 10.0 ** -np.arange(1, 6), dtype: Any = np.float64,
                         exact: Any = None, method: str = "forward") -> DifferenceTable:
    """The limit definition at work: quotients (f(x + h) - f(x)) / h for shrinking h.

    All arithmetic is done in ``dtype`` (try ``np.float32`` to see round-off take
    over at small h). ``exact`` is the derivative to compare with: a number, a
    function f'(x), or None for chainrule's automatic derivative ``grad(f)(x)``.

    >>> table = difference_quotients(lambda x: 3 * x**2 - 4 * x, 1.0, exact=2.0)
    >>> [round(q, 6) for _, q, _ in table.rows]
    [2.3, 2.03, 2.003, 2.0003, 2.00003]
    """
    where = "difference_quotients"
    if method not in _QUOTIENT_FORMULAS:
        raise ValueError(f"{where}: method={method!r} is not one of {tuple(_QUOTIENT_FORMULAS)}")
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"{where}: dtype={dtype} must be a floating-point type such as np.float32")
    if np.ndim(x) != 0:
        raise ValueError(f"{where}: x must be a single number, got shape {np.shape(x)}; "
                         "use chainrule.numeric.derivative for arrays of points")
    steps = np.asarray(steps, dtype=float).ravel()
    if not np.all(steps > 0):
        raise ValueError(f"{where}: every step must be positive, got {steps}")
    if exact is None:
        from chainrule import grad  # the AD derivative, imported here: numeric does not need it otherwise

        exact, source = float(grad(f)(float(x))), "automatic differentiation"
    elif callable(exact):
        exact, source = float(exact(float(x))), "the exact derivative given"
    else:
        exact, source = float(exact), "the exact value given"
    point = dtype.type(x)

    def value(at: Any) -> Any:
        return dtype.type(f(at))

    quotients = []
    with np.errstate(all="ignore"):
        for h in steps.astype(dtype):
            if method == "forward":
                quotients.append((value(point + h) - value(point)) / h)
            elif method == "backward":
                quotients.append((value(point) - value(point - h)) / h)
            else:
                quotients.append((value(point + h) - value(point - h)) / (dtype.type(2) * h))
    quotients = np.array(quotients, dtype=dtype)
    errors = np.abs(quotients.astype(np.float64) - exact)
    return DifferenceTable(float(x), steps, quotients, errors, exact, source, dtype, method)
