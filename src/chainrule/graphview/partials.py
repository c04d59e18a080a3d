"""The formula of each primitive's local derivative, for people: ∂(x·y)/∂x = y, ∂sin(x)/∂x = cos(x).

These are only the *printed* forms. Every number chainrule shows comes from the
primitive's own derivative rule, so a formula missing here is printed as `∂op/∂x` and
never makes a value wrong. One line per primitive, like the rule tables of the core.

>>> x, y = Operand("x"), Operand("y")
>>> [str(t) for t in local_partials("multiply", [x, y])]
['y', 'x']
>>> [str(t) for t in local_partials("power", [Operand("a + b", SUM), Operand("2", value=2.0)])][:1]
['2(a + b)']
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

from .algebra import ATOM, SUM, Term
from .labels import call_text, format_value


@dataclass(frozen=True)
class Operand:
    """An argument as printed (`text`, `precedence`); `value` is set for constants."""

    text: str
    precedence: int = ATOM
    value: Any = None

    @property
    def term(self) -> Term:
        """The operand as a factor, or as a plain coefficient when it is a constant number."""
        if isinstance(self.value, numbers.Real) and not isinstance(self.value, bool):
            return Term(float(self.value))
        if getattr(self.value, "shape", None) == () and hasattr(self.value, "item"):
            return Term(float(self.value.item()))
        return Term.factor(self.text, self.precedence)


def _f(op: str, *operands: Operand, precedence: int | None = None) -> Term:
    text, prec = call_text(op, [(o.text, o.precedence) for o in operands])
    return Term.factor(text, prec if precedence is None else precedence)


def _power_partials(x: Operand, y: Operand, ans: Term) -> list:
    if y.value is not None and not y.term.factors:  # constant exponent n: n·x^(n-1)
        exponent = y.term.coefficient
        return [Term(exponent) * x.term ** (exponent - 1) if exponent != 1 else Term(1), None]
    reduced = call_text("subtract", [(y.text, y.precedence), ("1", ATOM)])
    text, prec = call_text("power", [(x.text, x.precedence), reduced])
    return [y.term * Term.factor(text, prec), _f("log", x) * ans]


# fmt: off
def _table(op: str, a: list, ans: Term) -> list | None:
    x = a[0]
    y = a[1] if len(a) > 1 else None
    one = Term(1)
    return {
        "add":        lambda: [one, one],
        "subtract":   lambda: [one, Term(-1)],
        "multiply":   lambda: [y.term, x.term],
        "divide":     lambda: [y.term ** -1, Term(-1) * x.term * y.term ** -2],
        "true_divide": lambda: [y.term ** -1, Term(-1) * x.term * y.term ** -2],
        "power":      lambda: _power_partials(x, y, ans),
        "negative":   lambda: [Term(-1)],
        "positive":   lambda: [one],
        "square":     lambda: [Term(2) * x.term],
        "sqrt":       lambda: [Term(0.5) * _f("sqrt", x) ** -1],
        "reciprocal": lambda: [Term(-1) * x.term ** -2],
        "absolute":   lambda: [_f("sign", x)],
        "exp":        lambda: [_f("exp", x)],
        "expm1":      lambda: [_f("exp", x)],
        "log":        lambda: [x.term ** -1],
        "log1p":      lambda: [Term.factor(f"1 + {x.text}", SUM) ** -1],
        "sin":        lambda: [_f("cos", x)],
        "cos":        lambda: [Term(-1) * _f("sin", x)],
        "tan":        lambda: [Term.factor(f"1 + {call_text('tan', [(x.text, x.precedence)])[0]}²", SUM)],
        "sinh":       lambda: [_f("cosh", x)],
        "cosh":       lambda: [_f("sinh", x)],
        "tanh":       lambda: [Term.factor(f"1 - {call_text('tanh', [(x.text, x.precedence)])[0]}²", SUM)],
        "arctan":     lambda: [Term.factor(f"1 + {call_text('power', [(x.text, x.precedence), ('2', ATOM)])[0]}", SUM) ** -1],
        "expit":      lambda: [_f("sigmoid", x) * Term.factor(f"1 - {call_text('expit', [(x.text, x.precedence)])[0]}", SUM)],
        "maximum":    lambda: [Term.factor(f"[{x.text} ≥ {y.text}]"), Term.factor(f"[{y.text} ≥ {x.text}]")],
        "minimum":    lambda: [Term.factor(f"[{x.text} ≤ {y.text}]"), Term.factor(f"[{y.text} ≤ {x.text}]")],
        "sum":        lambda: [one],
    }.get(op, lambda: None)()
# fmt: on


def local_partials(op: str, operands: list, ans: Term | None = None) -> list:
    """Printed ∂(op)/∂(argument i) for every argument (a `Term`; None for a constant argument).

    Unknown primitives give the honest placeholder `∂op/∂<argument>`.
    """
    ans = ans if ans is not None else Term.factor(call_text(op, [(o.text, o.precedence) for o in operands])[0])
    try:
        terms = _table(op, operands, ans)
    except (IndexError, TypeError, AttributeError):
        terms = None
    if terms is None or len(terms) != len(operands):
        terms = [Term.factor(f"∂{op}/∂{operand.text}") for operand in operands]
    return [None if operand.value is not None else term for operand, term in zip(operands, terms)]


def constant_operand(value) -> Operand:
    text = format_value(value)
    return Operand(text, ATOM if not text.startswith("-") else 3, value)
