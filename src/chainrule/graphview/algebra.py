"""Just enough algebra to write local derivatives the way a person does: `6x²`, `2(a + b)`.

A `Term` is a number times a product of powers of printed factors; a `Sum` adds terms and
merges like ones. Multiplying the partials along a path of folded operations
(`1 · 2 · 3x²`) gives `6x²`; adding the paths of `x·x` gives `2x`. The factors are text,
so nothing is ever evaluated here: the numbers always come from the derivative rules.

>>> x = Term.factor("x")
>>> print(Term(2) * Term(3) * x ** 2)
6x²
>>> print(Sum([x, x]))
2x
>>> print(Term(-1) * Term.factor("a") * Term.factor("b + c", SUM) ** -2)
-a/(b + c)²
>>> print(Term(2) * Term.factor("a + b", SUM))
2(a + b)
"""
from __future__ import annotations

from dataclasses import dataclass

from .labels import ATOM, POWER, PRODUCT, SUM, UNARY, format_value, superscript, wrap

__all__ = ["Term", "Sum", "ATOM", "POWER", "PRODUCT", "SUM"]


@dataclass(frozen=True)
class Term:
    """`coefficient` × Π factorᵉ; `factors` is a tuple of (text, precedence, exponent), in the
    order they were first multiplied in (`key` is the order-free form used to merge terms)."""

    coefficient: float = 1.0
    factors: tuple = ()

    @staticmethod
    def factor(text: str, precedence: int = ATOM, exponent: float = 1) -> "Term":
        return Term(1.0, ((text, precedence, exponent),))

    def __mul__(self, other: "Term") -> "Term":
        powers: dict = {}
        for text, precedence, exponent in self.factors + other.factors:
            old = powers.get(text, (precedence, 0))
            powers[text] = (min(old[0], precedence), old[1] + exponent)
        factors = tuple((text, prec, exp) for text, (prec, exp) in powers.items() if exp != 0)
        return Term(self.coefficient * other.coefficient, factors)

    def __pow__(self, exponent: float) -> "Term":
        return Term(self.coefficient ** exponent,
                    tuple((text, prec, exp * exponent) for text, prec, exp in self.factors))

    @property
    def key(self) -> tuple:
        return tuple(sorted(self.factors))

    def text(self) -> tuple[str, int]:
        """The printed term and its precedence."""
        coefficient = self.coefficient
        if coefficient == 0:
            return "0", ATOM
        if coefficient == 1 and len(self.factors) == 1 and self.factors[0][2] == 1:
            return self.factors[0][0], self.factors[0][1]
        numerator, denominator = [], []
        # plain names first (x·cos(v), not cos(v)·x), otherwise in the order multiplied
        ordered = sorted(self.factors, key=lambda factor: not factor[0].isidentifier())
        for text, prec, exponent in ordered:
            (numerator if exponent > 0 else denominator).append(_power_text(text, prec, abs(exponent)))
        magnitude = abs(coefficient)
        head = "" if (magnitude == 1 and numerator) else format_value(magnitude)
        body = "·".join(numerator)
        if head and body:
            body = head + body if (body[0].isalpha() or body[0] == "(") else f"{head}·{body}"
        else:
            body = head or body
        if denominator:
            below = denominator[0] if len(denominator) == 1 else "(" + "·".join(denominator) + ")"
            body = f"{body}/{below}"
        precedence = PRODUCT
        if not denominator and not numerator:
            precedence = ATOM
        elif not denominator and not head and len(numerator) == 1:
            precedence = POWER
        if coefficient < 0:
            return "-" + body, min(precedence, UNARY)
        return body, precedence

    def __str__(self) -> str:
        return self.text()[0]


def _power_text(text: str, precedence: int, exponent: float) -> str:
    if exponent == 1:
        return wrap(text, precedence, PRODUCT)
    number = format_value(exponent)
    small = superscript(number)
    base = wrap(text, precedence, ATOM)
    return base + small if small is not None else f"{base}^{number}"


class Sum:
    """A sum of `Term`s with like terms merged (used when a variable feeds a node twice)."""

    def __init__(self, terms=()) -> None:
        merged: dict = {}
        for term in terms:
            merged[term.key] = merged.get(term.key, 0.0) + term.coefficient
        self.terms = [Term(coefficient, key) for key, coefficient in merged.items() if coefficient != 0]

    def __add__(self, other: "Sum") -> "Sum":
        return Sum(self.terms + other.terms)

    def text(self) -> tuple[str, int]:
        if not self.terms:
            return "0", ATOM
        if len(self.terms) == 1:
            return self.terms[0].text()
        out = str(self.terms[0])
        for term in self.terms[1:]:
            printed = str(term)
            out += f" - {printed[1:]}" if printed.startswith("-") else f" + {printed}"
        return out, SUM

    def __str__(self) -> str:
        return self.text()[0]
