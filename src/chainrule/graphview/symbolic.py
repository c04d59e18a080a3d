"""The formula behind a traced function, in SymPy: `to_sympy` and `symbolic_grad`.

The function is traced once at a numeric point (control flow follows that point), then
each primitive of the graph is mapped to its SymPy counterpart, with the inputs replaced
by symbols. SymPy is optional: `pip install 'chainrule[symbolic]'`.
"""
from __future__ import annotations

import math
import numbers
from typing import Callable

from .model import Constant


def _sympy():
    try:
        import sympy
    except ImportError:
        raise ImportError("to_sympy / symbolic_grad need SymPy: pip install 'chainrule[symbolic]' "
                          "(or pip install sympy)") from None
    return sympy


def _table(sp) -> dict:
    # fmt: off
    return {
        "add": lambda x, y: x + y,          "subtract": lambda x, y: x - y,
        "multiply": lambda x, y: x * y,     "divide": lambda x, y: x / y,
        "true_divide": lambda x, y: x / y,  "power": lambda x, y: x ** y,
        "float_power": lambda x, y: x ** y, "negative": lambda x: -x,
        "positive": lambda x: x,            "square": lambda x: x ** 2,
        "sqrt": sp.sqrt,                    "cbrt": lambda x: sp.root(x, 3),
        "reciprocal": lambda x: 1 / x,      "absolute": sp.Abs,
        "fabs": sp.Abs,                     "exp": sp.exp,
        "exp2": lambda x: 2 ** x,           "expm1": lambda x: sp.exp(x) - 1,
        "log": sp.log,                      "log2": lambda x: sp.log(x, 2),
        "log10": lambda x: sp.log(x, 10),   "log1p": lambda x: sp.log(1 + x),
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
        "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan,
        "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
        "arcsinh": sp.asinh, "arccosh": sp.acosh, "arctanh": sp.atanh,
        "arctan2": sp.atan2,                "hypot": lambda x, y: sp.sqrt(x ** 2 + y ** 2),
        "logaddexp": lambda x, y: sp.log(sp.exp(x) + sp.exp(y)),
        "maximum": sp.Max, "minimum": sp.Min, "fmax": sp.Max, "fmin": sp.Min,
        "expit": lambda x: 1 / (1 + sp.exp(-x)), "logit": lambda x: sp.log(x / (1 - x)),
        "erf": sp.erf, "sinc": lambda x: sp.sin(sp.pi * x) / (sp.pi * x),
        "deg2rad": lambda x: x * sp.pi / 180, "rad2deg": lambda x: x * 180 / sp.pi,
        "sum": lambda x, **params: x,       "astype": lambda x, *rest, **params: x,
    }
    # fmt: on


def _number(sp, value):
    """An exact SymPy number for a constant: 2.0 → 2, 0.1 → 1/10 (its shortest decimal)."""
    if hasattr(value, "item") and getattr(value, "shape", ()) == ():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"to_sympy: the constant {value!r} is not a scalar number; only scalar "
                        f"functions have a SymPy formula here")
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return sp.Integer(int(value)) if value.is_integer() else sp.Rational(repr(value))
    return sp.sympify(value)


def graph_to_sympy(graph, symbols: list) -> list:
    """SymPy expressions of the outputs of `graph`, with `symbols` for its inputs in order."""
    sp = _sympy()
    table = _table(sp)
    if len(symbols) != len(graph.inputs):
        raise ValueError(f"to_sympy: {len(graph.inputs)} inputs were traced but {len(symbols)} "
                         f"symbol names were given")
    exprs = dict(zip(graph.inputs, symbols))
    for node in graph.nodes:
        if node.is_input:
            continue
        if node.op == "constant":
            exprs[node.id] = _number(sp, node.value)
            continue
        if node.shape not in (None, ()):
            raise TypeError(f"to_sympy: {node.op} produced shape {node.shape}; to_sympy builds "
                            f"formulas of scalar functions (pass scalar arguments)")
        rule = table.get(node.op)
        if rule is None:
            raise TypeError(
                f"to_sympy: no SymPy form for the primitive {node.op!r}. Write the function with "
                f"the elementary functions, or add an entry to chainrule.graphview.symbolic.")
        args = [_number(sp, arg.value) if isinstance(arg, Constant) else exprs[arg] for arg in node.args]
        exprs[node.id] = rule(*args, **node.params) if node.params else rule(*args)
    return [exprs[output] for output in graph.outputs]


def _point(count: int) -> tuple:
    # distinct, positive, away from 0 and 1, where log, sqrt and 1/x are all defined
    return tuple(0.7 + 0.13 * i for i in range(count))


def _names(function: Callable, arg_names: tuple) -> tuple:
    """The given names, or the function's required positional parameter names."""
    if arg_names:
        return tuple(arg_names)
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        raise ValueError("to_sympy: cannot read this function's parameters; pass the argument "
                         "names, e.g. to_sympy(f, 'x', 'y')") from None
    return tuple(p.name for p in parameters if p.default is p.empty
                 and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def to_sympy(function: Callable, *arg_names: str, at: tuple | None = None):
    """The SymPy expression of a scalar function: `to_sympy(lambda x: np.sin(2*x+3), "x")`.

    `arg_names` name the symbols (default: the function's parameter names). The function
    is traced at `at` (default: 0.7, 0.83, …), so branches follow that point.

    >>> import numpy as np
    >>> to_sympy(lambda x: np.sin(2 * x + 3), "x")
    sin(2*x + 3)
    """
    sp = _sympy()
    from .tracing import trace

    arg_names = _names(function, arg_names)
    point = tuple(at) if at is not None else _point(len(arg_names))
    if len(point) != len(arg_names):
        raise ValueError(f"to_sympy: {len(arg_names)} names but {len(point)} values in at=")
    graph = trace(function, *point)
    symbols = [sp.Symbol(name) for name in arg_names]
    outputs = graph_to_sympy(graph, symbols)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _simplify(sp, expression):
    """`sympy.simplify`, but never trading the functions a reader knows for new ones.

    Plain simplify turns σ'(x) = e⁻ˣ/(1 + e⁻ˣ)² into 1/(4 cosh²(x/2)); every function
    that was not in the expression already costs 100 operations here, so it stays exp.
    """
    known = {function.func for function in expression.atoms(sp.Function)}

    def measure(candidate):
        new = {function.func for function in candidate.atoms(sp.Function)} - known
        return sp.count_ops(candidate) + 100 * len(new)

    return sp.simplify(expression, measure=measure)


def symbolic_grad(function: Callable, *arg_names: str, at: tuple | None = None):
    """The simplified derivative(s) of a scalar function, one per argument name.

    Simplification keeps to the functions already in the derivative (see `_simplify`).

    >>> import numpy as np
    >>> symbolic_grad(lambda x: np.log(x), "x")
    1/x
    """
    sp = _sympy()
    arg_names = _names(function, arg_names)
    expression = to_sympy(function, *arg_names, at=at)
    symbols = [sp.Symbol(name) for name in arg_names]
    derivatives = tuple(_simplify(sp, sp.diff(expression, symbol)) for symbol in symbols)
    return derivatives[0] if len(derivatives) == 1 else derivatives
