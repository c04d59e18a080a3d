"""Taylor polynomials by automatic differentiation: ``chainrule.taylor(f, x0, order)``.

The coefficients are the derivatives of ``f`` at ``x0``: the value, the gradient,
the Hessian and, for higher orders, the k-th derivative tensors. They come from
nested forward mode: the k-th derivative tensor is the forward-mode Jacobian
(``chainrule.jacfwd``, every coordinate direction pushed in one batched pass) of
the (k-1)-th, so order k carries tangents of size about ``n**k * 2**k`` for n
inputs -- fine for the small n of calculus exercises, and guarded by
:data:`MAX_TENSOR_SIZE`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["taylor", "TaylorPolynomial", "derivatives"]

MAX_ORDER = 10  # nested forward mode grows about 3x per order: order 10 takes seconds
MAX_TENSOR_SIZE = 4096  # entries of the largest derivative tensor (n ** order)


def _next_tensor(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The derivative of ``function`` by forward mode, one axis more (all directions pushed at once).

    ``jacfwd`` runs on traced values too, so applying it k times nests k forward passes.
    """
    from chainrule import jacfwd

    return jacfwd(function)


def derivatives(f: Callable[[Any], Any], x0: Any, order: int) -> list[Any]:
    """``[f(x0), f'(x0), ..., f^(order)(x0)]``; for a vector ``x0`` the k-th entry is an n x ... x n tensor.

    >>> [float(value) for value in derivatives(lambda x: x**3, 2.0, 4)]
    [8.0, 12.0, 12.0, 6.0, 0.0]
    """
    order = _check_order(order)
    point = np.asarray(x0, dtype=float)
    if point.ndim > 1:
        raise ValueError(f"taylor: x0 must be a number or a 1-D vector, got shape {point.shape}")
    size = None if point.ndim == 0 else point.shape[0]
    if size is not None and size ** order > MAX_TENSOR_SIZE:
        raise ValueError(f"taylor: the order-{order} derivative of a function of {size} inputs has "
                         f"{size ** order} entries (limit {MAX_TENSOR_SIZE}); lower the order")
    argument = float(point) if size is None else point
    value = np.asarray(f(argument), dtype=float)
    if value.shape != ():
        raise ValueError(f"taylor: f must return a single number, got shape {value.shape}")
    results = [value]
    current = f
    for _ in range(order):
        current = _next_tensor(current)
        results.append(np.asarray(current(argument), dtype=float))
    return results


def _check_order(order: Any) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 0 <= order <= MAX_ORDER:
        raise ValueError(f"taylor: order must be an integer from 0 to {MAX_ORDER}, got {order!r}")
    return int(order)


@dataclass(frozen=True)
class TaylorPolynomial:
    """The Taylor polynomial of ``f`` at ``x0``; call it to evaluate.

    ``coefficients[k]`` is the k-th derivative at ``x0`` (a number for scalar input,
    an n x ... x n tensor for vector input); the polynomial is
    ``sum_k coefficients[k][h, ..., h] / k!`` with ``h = x - x0``. A vector polynomial
    accepts a batch of points with the coordinates on the last axis.
    """

    x0: Any
    coefficients: tuple[np.ndarray, ...]

    @property
    def order(self) -> int:
        return len(self.coefficients) - 1

    @property
    def value(self) -> float:
        return float(self.coefficients[0])

    @property
    def gradient(self) -> np.ndarray:
        return self.coefficients[1]

    @property
    def hessian(self) -> np.ndarray:
        return self.coefficients[2]

    @property
    def terms(self) -> tuple[np.ndarray, ...]:
        """The coefficients divided by k! (what multiplies ``h**k``)."""
        return tuple(coefficient / math.factorial(k) for k, coefficient in enumerate(self.coefficients))

    def __call__(self, x: Any) -> Any:
        point = np.asarray(self.x0, dtype=float)
        x = np.asarray(x, dtype=float)
        if point.ndim == 0:
            step = x - point
            total = np.zeros_like(step)
            for k, term in enumerate(self.terms):
                total = total + term * step ** k
            return total if total.ndim else float(total)
        size = point.shape[0]
        if x.shape[-1:] != (size,):
            raise ValueError(f"this Taylor polynomial takes points of {size} coordinates (last axis), got {x.shape}")
        steps = (x - point).reshape(-1, size)
        total = np.zeros(steps.shape[0])
        for k, term in enumerate(self.terms):
            contracted = np.broadcast_to(term, (steps.shape[0],) + term.shape)
            for _ in range(k):
                contracted = np.einsum("b...i,bi->b...", contracted, steps)
            total = total + contracted
        total = total.reshape(x.shape[:-1])
        return total if total.ndim else float(total)

    def format(self, names: Sequence[str] | None = None, digits: int = 6) -> str:
        """The polynomial as text, in powers of ``(x - x0)``.

        >>> print(taylor(lambda x: x**3, 1.0, order=3).format())
        1 + 3*(x - 1) + 3*(x - 1)**2 + (x - 1)**3
        """
        point = np.atleast_1d(np.asarray(self.x0, dtype=float))
        size = point.shape[0]
        names = list(names) if names is not None else (["x"] if np.ndim(self.x0) == 0 else
                                                        [f"x{index}" for index in range(size)])
        shifts = [_shift(name, center) for name, center in zip(names, point)]
        largest = max((float(np.max(np.abs(term))) for term in self.terms), default=0.0)
        pieces: list[tuple[float, str]] = []
        for k, coefficient in enumerate(self.coefficients):
            tensor = np.asarray(coefficient, dtype=float).reshape((size,) * k)
            for indices in itertools.combinations_with_replacement(range(size), k):
                counts = [indices.count(index) for index in range(size)]
                weight = tensor[indices] / math.prod(math.factorial(count) for count in counts)
                if abs(weight) <= 1e-14 * max(largest, 1e-300):
                    continue
                factors = [shifts[index] + (f"**{count}" if count > 1 else "")
                           for index, count in enumerate(counts) if count]
                pieces.append((weight, "*".join(factors)))
        if not pieces:
            return "0"
        text = ""
        for position, (weight, monomial) in enumerate(pieces):
            magnitude = f"{abs(weight):.{digits}g}"
            body = monomial if (magnitude == "1" and monomial) else (
                f"{magnitude}*{monomial}" if monomial else magnitude)
            sign = "-" if weight < 0 else "+"
            text += (f"-{body}" if sign == "-" else body) if position == 0 else f" {sign} {body}"
        return text

    def __str__(self) -> str:
        return f"T(x) = {self.format()}"

    def __repr__(self) -> str:
        return f"TaylorPolynomial(order={self.order}, x0={np.asarray(self.x0).tolist()!r}, {self})"


def _shift(name: str, center: float) -> str:
    if center == 0:
        return name
    return f"({name} - {abs(center):.6g})" if center > 0 else f"({name} + {abs(center):.6g})"


def taylor(f: Callable[[Any], Any], x0: Any, order: int = 2) -> TaylorPolynomial:
    """The Taylor polynomial of ``f`` at ``x0`` of the given order, with its coefficients.

    ``x0`` is a number (``f`` of a number) or a 1-D vector (``f`` of a vector).

    >>> import chainrule.numpy as cnp
    >>> p = taylor(cnp.exp, 0.0, order=3)
    >>> [round(float(c), 6) for c in p.coefficients]
    [1.0, 1.0, 1.0, 1.0]
    >>> round(p(0.1), 6)
    1.105167
    """
    return TaylorPolynomial(x0=np.asarray(x0, dtype=float).copy() if np.ndim(x0) else float(x0),
                            coefficients=tuple(derivatives(f, x0, order)))
