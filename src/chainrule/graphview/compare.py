"""`compare(f, x)`: one derivative four ways -- AD, numerically, symbolically, by hand -- side by side.

Automatic differentiation is exact up to rounding; a finite difference has a
truncation and rounding error (estimated); the symbolic derivative is exact and
gives the formula; the hand calculation is `explain`'s chain rule. Showing all four,
and how far apart they are, is the quickest way to trust (or doubt) a derivative.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .labels import format_value


def _central_difference(function: Callable, x: float) -> tuple[float, float]:
    """Central differences at h, h/2, h/4, Richardson-extrapolated twice, and an error estimate.

    The error is |R(h/2) - R(h)|/15 (the change made by the last extrapolation) plus the
    rounding error eps·|f|/h of the differences.
    """
    eps = np.finfo(float).eps
    step = eps ** 0.2 * max(1.0, abs(x))
    differences, largest = [], 0.0
    for h in (step, step / 2, step / 4):
        low, high = (float(np.asarray(function(x + s))) for s in (-h, h))
        differences.append((high - low) / (2 * h))
        largest = max(largest, abs(low), abs(high))
    once = [(4 * fine - coarse) / 3 for coarse, fine in zip(differences, differences[1:])]
    estimate = (16 * once[1] - once[0]) / 15
    rounding = 4 * eps * largest / (step / 4)
    return float(estimate), float(abs(once[1] - once[0]) / 15 + rounding)


def _numeric(function: Callable, x: float) -> tuple[float, float, str]:
    try:
        from .. import numeric
    except ImportError:
        numeric = None
    if numeric is not None and hasattr(numeric, "derivative"):
        result = numeric.derivative(function, x)
        value = getattr(result, "value", getattr(result, "df", result))
        error = getattr(result, "error", float("nan"))
        if isinstance(result, tuple) and len(result) == 2:
            value, error = result
        return float(np.asarray(value)), float(np.asarray(error)), "chainrule.numeric.derivative"
    value, error = _central_difference(function, x)
    return value, error, "central difference, Richardson-extrapolated"


class Comparison:
    """The four derivatives of `f` at `x` and their differences; `str()` is the table."""

    def __init__(self, name: str, x: float, ad: float, numeric: float, numeric_error: float,
                 numeric_method: str, symbolic, symbolic_value, by_hand: float) -> None:
        self.name, self.x = name, x
        self.ad, self.numeric, self.numeric_error = ad, numeric, numeric_error
        self.numeric_method = numeric_method
        self.symbolic, self.symbolic_value, self.by_hand = symbolic, symbolic_value, by_hand

    @property
    def differences(self) -> dict[str, float]:
        """|method - AD| for each other method (NaN where the method was unavailable)."""
        def gap(value):
            return abs(value - self.ad) if value is not None else float("nan")
        return {"numeric": gap(self.numeric), "symbolic": gap(self.symbolic_value),
                "by hand": gap(self.by_hand)}

    def __str__(self) -> str:
        d = self.differences
        rows = [("automatic (reverse mode)", self.ad, "exact up to rounding"),
                ("numeric", self.numeric,
                 f"{self.numeric_method}; estimated error {self.numeric_error:.2g}, "
                 f"differs from AD by {d['numeric']:.2g}"),
                ("symbolic", self.symbolic_value,
                 (f"{self.name}'(x) = {self.symbolic}; differs from AD by {d['symbolic']:.2g}"
                  if self.symbolic is not None else "SymPy not installed: pip install 'chainrule[symbolic]'")),
                ("by hand (explain)", self.by_hand, f"chain rule step by step; differs from AD by {d['by hand']:.2g}")]
        width = max(len(row[0]) for row in rows)
        lines = [f"d{self.name}/dx at x = {format_value(self.x, 6)}"]
        for method, value, note in rows:
            shown = "-" if value is None else repr(float(value))
            lines.append(f"  {method:<{width}}  {shown:<22}  {note}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return str(self)


def compare(function: Callable, x: float) -> Comparison:
    """The derivative of the scalar function `function` at `x`, four ways.

    >>> import numpy as np
    >>> c = compare(lambda x: np.sin(2 * x + 3), 0.5)
    >>> bool(abs(c.ad - 2 * np.cos(4.0)) < 1e-15), c.differences["by hand"]
    (True, 0.0)
    """
    from ..transforms import grad
    from .explain import explain
    from .symbolic import symbolic_grad

    x = float(x)
    ad = float(np.asarray(grad(function)(x)))
    numeric, numeric_error, method = _numeric(function, x)
    explanation = explain(function, x)
    by_hand = float(np.asarray(next(iter(explanation.gradient.values()))))
    name = getattr(function, "__name__", "f")
    name = name if name.isidentifier() else "f"
    symbolic = symbolic_value = None
    try:
        import sympy
    except ImportError:
        sympy = None
    if sympy is not None:
        symbolic = symbolic_grad(function, "x", at=(x,))
        symbolic_value = float(symbolic.subs(sympy.Symbol("x"), x).evalf())
        if not math.isfinite(symbolic_value):
            symbolic_value = float("nan")
    return Comparison(name, x, ad, numeric, numeric_error, method, symbolic, symbolic_value, by_hand)
