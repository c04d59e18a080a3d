"""How a node reads: operation symbols, short formulas like `2x³ + 3`, and numbers.

One table of primitive names serves the pictures, the explanation and the formulas, so
`multiply` shows as `×` on an operation node and as `a·x` in a formula everywhere.

>>> format_value(1024.0), format_value(-0.5), format_value(float("nan"))
('1024', '-0.5', 'nan')
>>> call_text("multiply", [("2", ATOM), ("x³", ATOM)])[0]
'2x³'
>>> call_text("power", [("a + b", SUM), ("2", ATOM)])[0]
'(a + b)²'
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

# Precedence of a printed formula: what binds more tightly needs no parentheses.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 9

# fmt: off
#: Primitive name → the symbol drawn on its operation node.
OP_SYMBOLS = {
    "add": "+", "subtract": "-", "multiply": "×", "true_divide": "÷", "divide": "÷",
    "power": "^", "negative": "neg", "matmul": "@", "dot": "dot", "square": "x²",
    "sqrt": "√", "absolute": "abs", "abs": "abs", "reciprocal": "1/x",
}
#: Infix operators: primitive name → (text between operands, precedence).
INFIX = {
    "add": (" + ", SUM), "subtract": (" - ", SUM), "multiply": ("·", PRODUCT),
    "true_divide": ("/", PRODUCT), "divide": ("/", PRODUCT), "matmul": (" @ ", PRODUCT),
}
#: Function-like primitives whose printed name differs from the primitive name.
FUNCTION_NAMES = {"absolute": "abs", "arctan": "atan", "arcsin": "asin", "arccos": "acos",
                  "arctan2": "atan2", "expit": "sigmoid"}
# fmt: on

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def op_symbol(node) -> str:
    """The text drawn on an operation node, e.g. `×`, `sin`, `^2` (constants shown inline).

    >>> from chainrule.graphview.model import Node, Constant
    >>> op_symbol(Node(1, "power", args=(0, Constant(2))))
    '^2'
    """
    symbol = OP_SYMBOLS.get(node.op, FUNCTION_NAMES.get(node.op, node.op))
    constants = node.constants
    if len(node.args) == 2 and len(constants) == 1 and node.op in (*INFIX, "power"):
        (position, value), = constants.items()
        number = format_value(value)
        if node.op == "power" and position == 1:
            return "^" + number
        return f"{number}{symbol}" if position == 0 else f"{symbol}{number}"
    return symbol


def format_value(value: Any, digits: int = 4) -> str:
    """A short, exact-looking text for a number or array (`1024`, `0.4161`, `[1, 2]`).

    >>> format_value(2.0 / 3.0), format_value([1.0, 2.5]), format_value(None)
    ('0.6667', '[1, 2.5]', '')
    """
    if value is None:
        return ""
    shape = getattr(value, "shape", None)
    if shape is not None and shape != ():
        size = getattr(value, "size", 0)
        if size <= 6 and hasattr(value, "tolist"):
            return _format_list(value.tolist(), digits)
        return f"array{tuple(shape)} {getattr(value, 'dtype', '')}".rstrip()
    if isinstance(value, (list, tuple)):
        return _format_list(list(value), digits)
    if hasattr(value, "item") and shape == ():
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, complex):
        return f"{value:.{digits}g}"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return str(number)
        if number == int(number) and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.{digits}g}"
    return str(value)


def _format_list(items: list, digits: int) -> str:
    return "[" + ", ".join(
        _format_list(item, digits) if isinstance(item, list) else format_value(item, digits)
        for item in items) + "]"


def superscript(text: str) -> str | None:
    """`2` → `²`; None when the text is not a small integer."""
    if text.lstrip("-").isdigit() and len(text) <= 3:
        return text.translate(_SUPERSCRIPTS)
    return None


def wrap(text: str, precedence: int, needed: int) -> str:
    return f"({text})" if precedence < needed else text


def call_text(op: str, operands: Sequence[tuple[str, int]], params: dict | None = None) -> tuple[str, int]:
    """The formula `op(operands)` with its precedence; operands are (text, precedence) pairs."""
    params = {key: value for key, value in (params or {}).items()
              if value is not None and value is not False}  # defaults say nothing
    texts = [text for text, _ in operands]
    if op in INFIX and len(operands) == 2 and not params:
        (left, left_prec), (right, right_prec) = operands
        between, prec = INFIX[op]
        if op == "multiply" and _is_number(left) and right_prec >= POWER and right[:1].isalpha():
            return f"{left}{right}", PRODUCT  # 2x³, textbook juxtaposition
        if op == "multiply" and _is_number(left) and right_prec == SUM:
            return f"{left}({right})", PRODUCT  # 2(a + b)
        left = wrap(left, left_prec, prec)
        strict = op in ("subtract", "true_divide", "divide")  # a - (b + c), a/(b·c)
        right = wrap(right, right_prec, prec + 1 if strict else prec)
        if op == "add" and right.startswith("-"):
            return f"{left} - {right[1:]}", SUM
        return f"{left}{between}{right}", prec
    if op == "power" and len(operands) == 2 and not params:
        (base, base_prec), (exponent, exponent_prec) = operands
        small = superscript(exponent)
        base = wrap(base, base_prec, ATOM)
        if small is not None:
            return base + small, POWER
        return f"{base}^{wrap(exponent, exponent_prec, ATOM)}", POWER
    if op == "square" and len(operands) == 1:
        return wrap(texts[0], operands[0][1], ATOM) + "²", POWER
    if op == "negative" and len(operands) == 1:
        return "-" + wrap(texts[0], operands[0][1], PRODUCT), UNARY
    if op in ("absolute", "abs") and len(operands) == 1:
        return f"|{texts[0]}|", ATOM
    if op == "reciprocal" and len(operands) == 1:
        return "1/" + wrap(texts[0], operands[0][1], ATOM), PRODUCT
    name = FUNCTION_NAMES.get(op, op)
    extras = [f"{key}={format_value(value)}" for key, value in params.items()]
    return f"{name}({', '.join([*texts, *extras])})", ATOM


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def constant_text(value: Any) -> tuple[str, int]:
    """A constant argument as formula text: `2`, `-0.5` (negative numbers bind as unary)."""
    text = format_value(value)
    return text, (UNARY if text.startswith("-") else ATOM)
