"""The result type :class:`Estimate` and :func:`derivative`, the scalar/elementwise entry point.

``derivative`` differentiates at a number, or elementwise at an array of
independent points, to any order; ``_finish`` packages a finished tableau as an
:class:`Estimate` (also used by the array functions in ``arrays.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .engine import _nominal, _plan, _run, _Tableau
from .evaluation import (_SQRT_I, _as_point, _Caller, _check_complex_output, _check_method, _complex_quotient,
                         _eps, _offsets, _quotient)


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
