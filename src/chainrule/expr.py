"""Safe parsing of the math expressions typed on the ``chainrule`` command line.

``parse("x**2 * sin(y) + e")`` reads the text with :mod:`ast`, checks every node
against a whitelist, and compiles the checked tree into a flat postfix program
(constants, variable loads, calls of whitelisted functions) that a loop runs.
User text is never handed to ``eval``, ``exec`` or ``compile``; the only names an
expression can reach are the functions in :data:`FUNCTIONS` (looked up on
``chainrule.numpy`` when the program is built), the constants ``pi`` and ``e``,
and its own variables.

What is allowed: numbers (read as floats), ``+ - * / **``, unary ``-`` and ``+``,
calls of whitelisted functions with positional arguments, and list literals
``[a, b, ...]`` (stacked into a vector, e.g. ``sum([x**2, y**2])``).
What is rejected, with a message that names the column and a caret line
(:meth:`ExpressionError.pointer`): attribute access, subscripts, calls of any
other name, keyword arguments, lambdas, comprehensions, strings, bytes,
comparisons, boolean and conditional expressions, ``// % @ ^ << >> & |``,
names starting with ``_``, complex numbers, and oversized inputs: more than
:data:`MAX_LENGTH` characters, brackets nested deeper than :data:`MAX_DEPTH` or a syntax tree deeper than
:data:`MAX_TREE_DEPTH`, constant
exponents larger than :data:`MAX_EXPONENT` in magnitude (``x**10**10``).

Variables are every other identifier; they are ordered **alphabetically**
(``"y*x"`` has variables ``('x', 'y')``), unless ``parse(..., variables=...)``
fixes the names and their order.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Sequence

__all__ = ["parse", "Expression", "ExpressionError", "FUNCTIONS", "CONSTANTS"]

MAX_LENGTH = 1000  # characters in one expression
MAX_DEPTH = 64  # nesting of brackets
MAX_TREE_DEPTH = 200  # nesting of the syntax tree (a+b+c+... nests too)
MAX_EXPONENT = 10_000  # |constant exponent| in a power
MAX_VARIABLES = 26
MAX_NAME_LENGTH = 32
MAX_LIST = 100  # elements of one list literal

# name -> (least, most) positional arguments; None = any number >= least.
# fmt: off
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sin": (1, 1), "cos": (1, 1), "tan": (1, 1),
    "arcsin": (1, 1), "arccos": (1, 1), "arctan": (1, 1),
    "sinh": (1, 1), "cosh": (1, 1), "tanh": (1, 1),
    "arcsinh": (1, 1), "arccosh": (1, 1), "arctanh": (1, 1),
    "exp": (1, 1), "exp2": (1, 1), "expm1": (1, 1),
    "log": (1, 1), "log2": (1, 1), "log10": (1, 1), "log1p": (1, 1),
    "sqrt": (1, 1), "cbrt": (1, 1), "square": (1, 1),
    "abs": (1, 1), "absolute": (1, 1), "sign": (1, 1),
    "sigmoid": (1, 1), "relu": (1, 1), "softplus": (1, 1),
    "arctan2": (2, 2), "hypot": (2, 2), "power": (2, 2),
    "maximum": (2, 2), "minimum": (2, 2), "logaddexp": (2, 2),
    "dot": (2, 2),
    "sum": (1, None), "prod": (1, None), "mean": (1, None),
    "max": (1, None), "min": (1, None),
}
# fmt: on
ALIASES = {"ln": "log", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2"}
REDUCTIONS = frozenset({"sum", "prod", "mean", "max", "min"})
CONSTANTS = {"pi": math.pi, "e": math.e}

_BINARY = {ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub),
           ast.Mult: ("*", operator.mul), ast.Div: ("/", operator.truediv),
           ast.Pow: ("**", operator.pow)}
_REJECTED_BINARY = {ast.FloorDiv: "'//'", ast.Mod: "'%'", ast.MatMult: "'@'",
                    ast.LShift: "'<<'", ast.RShift: "'>>'", ast.BitAnd: "'&'", ast.BitOr: "'|'"}

# Friendly names for node types that are never allowed.
_REJECTED_NODES = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "subscripts ('[...]' after a value) are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed", ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed", ast.GeneratorExp: "generator expressions are not allowed",
    ast.Compare: "comparisons are not allowed", ast.BoolOp: "'and'/'or' are not allowed",
    ast.IfExp: "conditional expressions are not allowed", ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed", ast.Tuple: "tuples are not allowed (use [a, b] for a vector)",
    ast.Starred: "'*' unpacking is not allowed", ast.JoinedStr: "strings are not allowed",
    ast.FormattedValue: "strings are not allowed", ast.NamedExpr: "':=' is not allowed",
    ast.Await: "'await' is not allowed", ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed", ast.Slice: "slices are not allowed",
}


class ExpressionError(ValueError):
    """A rejected expression: ``str()`` is one line; :meth:`pointer` adds the caret.

    >>> try:
    ...     parse("x + ().__class__")
    ... except ExpressionError as error:
    ...     print(error)
    ...     print(error.pointer())
    attribute access ('.') is not allowed (column 5)
      x + ().__class__
          ^^^^^^^^^^^^
    """

    def __init__(self, message: str, text: str, column: int | None = None, end: int | None = None):
        self.message, self.text, self.column = message, text, column
        self.end = end if end is not None and column is not None and end > column else (
            None if column is None else column + 1)
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"{self.message} (column {self.column + 1})"

    def pointer(self, width: int = 72) -> str:
        """Two lines: the expression (a window of it when long) and carets under the culprit."""
        if self.column is None:
            return ""
        text = "".join(char if char.isprintable() else "?" for char in self.text)
        start, end = self.column, max(self.end or 0, self.column + 1)
        left = max(0, min(start - width // 3, len(text) - width))
        shown = text[left:left + width]
        prefix = "..." if left > 0 else ""
        suffix = "..." if left + width < len(text) else ""
        carets = "^" * max(1, min(end, left + width) - start)
        pad = " " * (len(prefix) + start - left)
        return f"  {prefix}{shown}{suffix}\n  {pad}{carets}"


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, variables and postfix program.

    >>> import numpy
    >>> expression = parse("log(exp(x) + exp(y))")
    >>> expression.variables
    ('x', 'y')
    >>> f = expression.function(numpy)
    >>> round(float(f(0.0, 0.0)), 6)
    0.693147
    """

    text: str
    variables: tuple[str, ...]
    functions: tuple[str, ...]
    program: tuple[tuple, ...]

    def function(self, namespace: Any = None) -> Callable[..., Any]:
        """A Python function of the variables (positional, in :attr:`variables` order).

        ``namespace`` supplies the math functions; it defaults to ``chainrule.numpy``
        so the result can be differentiated. The function carries a signature
        with the variable names, so ``inspect.signature`` shows them.
        """
        if namespace is None:
            import chainrule.numpy as namespace  # noqa: PLW0127 -- lazy: the parser needs no numpy
        implementations = {payload: _implementation(payload, namespace, self.text)
                           for kind, payload, _ in self.program if kind == "call"}
        program = tuple((kind, implementations[payload] if kind == "call" else payload, arity)
                        for kind, payload, arity in self.program)
        variables = self.variables

        def expression(*values: Any) -> Any:
            if len(values) != len(variables):
                raise TypeError(f"expression {self.text!r} takes {len(variables)} value(s) "
                                f"({', '.join(variables) or 'none'}), got {len(values)}")
            stack: list[Any] = []
            for kind, payload, arity in program:
                if kind == "const":
                    stack.append(payload)
                elif kind == "var":
                    value = values[payload]
                    # plain Python numbers become float64 so overflow gives inf, as in NumPy
                    stack.append(_float64(value) if type(value) in (int, float) else value)
                else:
                    arguments = stack[len(stack) - arity:]
                    del stack[len(stack) - arity:]
                    stack.append(payload(*arguments))
            return stack[0]

        expression.__name__ = expression.__qualname__ = "f"  # explanations and graphs say f(x, y)
        expression.__doc__ = self.text
        expression.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in variables])
        return expression

    def __call__(self, *values: Any) -> Any:
        """Evaluate with ``chainrule.numpy`` (differentiable)."""
        return self.function()(*values)


def parse(text: str, variables: Sequence[str] | None = None) -> Expression:
    """Check ``text`` and compile it into an :class:`Expression`; raise :class:`ExpressionError`.

    >>> parse("3*x**2 - 4*x").variables
    ('x',)
    >>> parse("y*x").variables
    ('x', 'y')
    >>> try:
    ...     parse("x**10**10")
    ... except ExpressionError as error:
    ...     print(error)
    exponent 1e+10 is too large (the limit is 10000) (column 4)
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, got {type(text).__name__}", str(text))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})", text)
    for column, char in enumerate(text):
        if ord(char) < 32 or ord(char) == 127:
            raise ExpressionError(f"control character {char!r} is not allowed", text, column)
    stripped = text.strip()
    if not stripped:
        raise ExpressionError("the expression is empty", text)
    lead = len(text) - len(text.lstrip())
    _check_brackets(text)
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        offset = error.offset or 0
        column = lead + offset - 1 if 0 < offset <= len(stripped) else len(text.rstrip())
        message = error.msg
        if "never closed" in message or "unmatched" in message or "does not match" in message:
            raise ExpressionError(f"brackets do not match: {message}", text, column) from None
        raise ExpressionError(f"not a valid expression: {message}", text, column) from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise ExpressionError(f"not a valid expression: {error}", text) from None
    return _Compiler(text, stripped, lead, variables).compile(tree.body)


def _check_brackets(text: str) -> None:
    depth = 0
    for column, char in enumerate(text):
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(f"brackets are nested too deeply (the limit is {MAX_DEPTH})", text, column)
        elif char in ")]}":
            depth -= 1


class _Compiler:
    """Walks the tree iteratively (explicit stack), checks each node, emits postfix code."""

    def __init__(self, text: str, stripped: str, lead: int, variables: Sequence[str] | None):
        self.text, self.stripped, self.lead = text, stripped, lead
        self.fixed = None if variables is None else tuple(variables)
        if self.fixed is not None:
            for name in self.fixed:
                if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS or name in CONSTANTS:
                    raise ExpressionError(f"{name!r} cannot be a variable name", text)
            if len(set(self.fixed)) != len(self.fixed):
                raise ExpressionError(f"variable names repeat: {', '.join(self.fixed)}", text)
        self.seen_variables: set[str] = set()
        self.seen_functions: set[str] = set()
        self.program: list[tuple] = []
        self.constant: dict[int, float | None] = {}  # id(node) -> folded value, None if not constant
        self.start: dict[int, int] = {}  # id(node) -> index of its first instruction

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        start = self._column(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
        end = self._column(getattr(node, "end_lineno", 1) or 1, getattr(node, "end_col_offset", None))
        return ExpressionError(message, self.text, start, end)

    def _column(self, lineno: int, byte_offset: int | None) -> int | None:
        if byte_offset is None:
            return None
        lines = self.stripped.split("\n")
        before = sum(len(line) + 1 for line in lines[:lineno - 1])
        line = lines[lineno - 1] if lineno - 1 < len(lines) else ""
        return self.lead + before + len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))

    def compile(self, root: ast.expr) -> Expression:
        # First pass: depth check without recursion.
        pending = [(root, 1)]
        while pending:
            node, depth = pending.pop()
            if depth > MAX_TREE_DEPTH:
                raise self.fail(f"the expression is nested too deeply (the limit is {MAX_TREE_DEPTH})", node)
            pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
        # Second pass: post-order emission with an explicit stack.
        stack: list[tuple[ast.AST, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                self.emit(node)
                if self.constant[id(node)] is not None and not isinstance(node, (ast.Constant, ast.Name)):
                    # fold a constant subtree into one number (in floats: never a huge integer)
                    del self.program[self.start[id(node)]:]
                    self.program.append(("const", self.constant[id(node)], 0))
                continue
            self.start[id(node)] = len(self.program)
            stack.append((node, True))
            for child in reversed(self.operands(node)):
                stack.append((child, False))
        used = tuple(sorted(self.seen_variables)) if self.fixed is None else self.fixed
        if len(used) > MAX_VARIABLES:
            raise ExpressionError(f"too many variables ({len(used)}; the limit is {MAX_VARIABLES})", self.text)
        index = {name: position for position, name in enumerate(used)}
        program = tuple(("var", index[payload], 0) if kind == "var" else (kind, payload, arity)
                        for kind, payload, arity in self.program)
        return Expression(self.text, used, tuple(sorted(self.seen_functions)), program)

    def operands(self, node: ast.AST) -> list[ast.AST]:
        """The child expressions of an allowed node, in evaluation order; reject the rest."""
        if isinstance(node, ast.BinOp):
            operator_type = type(node.op)
            if operator_type is ast.BitXor:
                raise self.fail("'^' is not a power here: write x**2 for x squared", node)
            if operator_type in _REJECTED_BINARY:
                raise self.fail(f"operator {_REJECTED_BINARY[operator_type]} is not supported "
                                "(use + - * / **)", node)
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                return [node.operand]
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise self.fail(f"operator '{symbol}' is not supported", node)
        if isinstance(node, ast.Call):
            return self.check_call(node)
        if isinstance(node, ast.List):
            if not node.elts:
                raise self.fail("an empty list has no value", node)
            if len(node.elts) > MAX_LIST:
                raise self.fail(f"list is too long ({len(node.elts)} elements; the limit is {MAX_LIST})", node)
            return list(node.elts)
        if isinstance(node, (ast.Constant, ast.Name)):
            return []
        message = _REJECTED_NODES.get(type(node), f"{type(node).__name__} is not allowed in an expression")
        raise self.fail(message, node)

    def check_call(self, node: ast.Call) -> list[ast.AST]:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise self.fail("attribute access ('.') is not allowed", node.func)
            raise self.fail("only named functions can be called, like sin(x)", node.func)
        name = ALIASES.get(node.func.id, node.func.id)
        if name not in FUNCTIONS:
            if name in CONSTANTS:
                raise self.fail(f"'{name}' is a constant, not a function", node.func)
            if name.startswith("_"):
                raise self.fail(f"'{node.func.id}' is not allowed: names starting with '_' are forbidden", node.func)
            raise self.fail(f"unknown function '{node.func.id}' (known: {_known_functions()})", node.func)
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node.keywords[0].value
                            if node.keywords[0].arg is None else node)
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                raise self.fail("'*' unpacking is not allowed", argument)
        least, most = FUNCTIONS[name]
        count = len(node.args)
        if count < least or (most is not None and count > most):
            wanted = f"{least}" if least == most else (f"at least {least}" if most is None else f"{least} to {most}")
            raise self.fail(f"{name}() takes {wanted} argument(s), got {count}", node)
        return list(node.args)

    def emit(self, node: ast.AST) -> None:
        constant = self.constant
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or value is None or value is Ellipsis:
                raise self.fail(f"{value!r} is not a number", node)
            if isinstance(value, (str, bytes)):
                raise self.fail("strings are not allowed", node)
            if isinstance(value, complex):
                raise self.fail("complex numbers are not supported", node)
            if not isinstance(value, (int, float)):
                raise self.fail(f"{type(value).__name__} constants are not allowed", node)
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                raise self.fail("number is too large", node)
            self.program.append(("const", number, 0))
            constant[id(node)] = number
        elif isinstance(node, ast.Name):
            self.emit_name(node)
        elif isinstance(node, ast.UnaryOp):
            operand = constant[id(node.operand)]
            if isinstance(node.op, ast.USub):
                self.program.append(("call", "neg", 1))
                constant[id(node)] = None if operand is None else -operand
            else:
                constant[id(node)] = operand  # unary plus: nothing to run
        elif isinstance(node, ast.BinOp):
            left, right = constant[id(node.left)], constant[id(node.right)]
            symbol = _BINARY[type(node.op)][0]
            if symbol == "**" and right is not None and not abs(right) <= MAX_EXPONENT:
                raise self.fail(f"exponent {right:g} is too large (the limit is {MAX_EXPONENT})", node.right)
            self.program.append(("call", symbol, 2))
            constant[id(node)] = _fold(symbol, left, right)
        elif isinstance(node, ast.Call):
            name = ALIASES.get(node.func.id, node.func.id)
            self.seen_functions.add(name)
            if name in REDUCTIONS and len(node.args) > 1:
                self.program.append(("call", "stack", len(node.args)))
                self.seen_functions.add("stack")
                self.program.append(("call", name, 1))
            else:
                self.program.append(("call", name, len(node.args)))
            constant[id(node)] = None
        elif isinstance(node, ast.List):
            self.seen_functions.add("stack")
            self.program.append(("call", "stack", len(node.elts)))
            constant[id(node)] = None

    def emit_name(self, node: ast.Name) -> None:
        name = node.id
        if name in CONSTANTS and (self.fixed is None or name not in self.fixed):
            self.program.append(("const", CONSTANTS[name], 0))
            self.constant[id(node)] = CONSTANTS[name]
            return
        if name.startswith("_"):
            raise self.fail(f"'{name}' is not allowed: names starting with '_' are forbidden", node)
        if name in FUNCTIONS or name in ALIASES:
            raise self.fail(f"'{name}' is a function: call it, like {name}(x)", node)
        if keyword.iskeyword(name) or len(name) > MAX_NAME_LENGTH:
            raise self.fail(f"'{name[:MAX_NAME_LENGTH]}' is not a usable variable name", node)
        if self.fixed is not None and name not in self.fixed:
            known = ", ".join(self.fixed) or "none"
            raise self.fail(f"unknown variable '{name}' (the variables are: {known})", node)
        self.seen_variables.add(name)
        self.program.append(("var", name, 0))
        self.constant[id(node)] = None


def _fold(symbol: str, left: float | None, right: float | None) -> float | None:
    """Fold a constant operation in floats (never Python integers: no huge numbers)."""
    if left is None or right is None:
        return None
    try:
        value = {"+": operator.add, "-": operator.sub, "*": operator.mul,
                 "/": operator.truediv, "**": operator.pow}[symbol](left, right)
    except (OverflowError, ZeroDivisionError):
        return math.inf if not (symbol == "/" and left == 0) else math.nan
    if isinstance(value, complex):
        return math.nan
    return float(value)


def _float64(value: float) -> Any:
    import numpy

    return numpy.float64(value)


def _known_functions() -> str:
    return ", ".join(sorted(FUNCTIONS))


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
              "**": operator.pow, "neg": operator.neg}


def _implementation(name: str, namespace: Any, text: str) -> Callable[..., Any]:
    """The callable behind a program step: an operator, or a function of ``namespace``."""
    if name in _OPERATORS:
        return _OPERATORS[name]
    if name == "stack":
        stack = _lookup("stack", namespace, text)
        return lambda *items: stack(list(items))
    if name == "sigmoid":
        exp = _lookup("exp", namespace, text)
        return lambda x: 1 / (1 + exp(-x))
    if name == "relu":
        maximum = _lookup("maximum", namespace, text)
        return lambda x: maximum(x, 0.0)
    if name == "softplus":
        logaddexp = _lookup("logaddexp", namespace, text)
        return lambda x: logaddexp(0.0, x)
    if name == "abs":
        return _lookup("abs", namespace, text) if hasattr(namespace, "abs") else _lookup("absolute", namespace, text)
    return _lookup(name, namespace, text)


def _lookup(name: str, namespace: Any, text: str) -> Callable[..., Any]:
    function = getattr(namespace, name, None)
    if function is None or not callable(function):
        where = getattr(namespace, "__name__", type(namespace).__name__)
        raise ExpressionError(f"function '{name}' is not available in {where}", text)
    return function
