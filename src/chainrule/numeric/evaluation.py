"""Evaluating f for finite differences: the stencils, the calls, the quotients and their round-off.

Checks of ``method``/``order``, stencil offsets and Fornberg weights, the safe
caller ``_Caller`` (counts evaluations, turns domain errors at trial points into
missing values), and the difference quotients -- real stencils and the complex
step -- each with its round-off estimate.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

METHODS = ("central", "forward", "backward", "complex")
ROUNDOFF = 2.0  # round-off of one function value, in units of eps * |f|
FLOOR = 2.0  # no quotient is trusted beyond ROUNDOFF * FLOOR units in its last place


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
