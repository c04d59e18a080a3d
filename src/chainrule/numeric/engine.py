"""The Ridders/Richardson engine: the extrapolation tableau, the loop that drives it, step choice.

Method-agnostic: a caller supplies a function giving row k's difference quotients
(flat arrays of independent elements) and their round-off estimates; ``_run``
feeds them into a :class:`_Tableau`, which keeps, per element, the extrapolated
entry with the smallest error bar and says when a smaller step cannot help.
``_plan`` and ``_nominal`` choose the sequence of steps.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

import numpy as np

RATIO = 2.0  # step ratio between rows of the tableau
MAX_ROWS = 24  # at most this many steps per estimate
MIN_ROWS = 3  # never stop before this many steps
MAX_COLUMNS = 8  # extrapolate to at most h**(2 * 8) for central differences


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
