"""The textbook table: plain difference quotients at shrinking steps h, against the exact value.

For teaching, not for accuracy: :func:`difference_quotients` shows truncation
error shrinking with h and round-off taking over below the best step (in any
floating dtype), and :class:`DifferenceTable` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


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
