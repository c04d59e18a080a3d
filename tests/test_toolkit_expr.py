"""The safe expression parser: what it accepts, and a table of hostile inputs it rejects."""

import math
import signal
import time

import numpy as np
import pytest

from chainrule.expr import MAX_LENGTH, ExpressionError, parse

# (expression, the text the error message must contain)
HOSTILE = [
    ("__import__('os')", "names starting with '_'"),
    ("__import__('os').system('ls')", "attribute access"),
    ("().__class__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("x.real", "attribute access"),
    ("sin.__globals__", "attribute access"),
    ("x**10**10", "exponent 1e+10 is too large"),
    ("x**-10**10", "exponent"),
    ("9**9**9**9", "exponent"),
    ("x**(1/0)", "exponent inf"),
    ("'a'*10**7", "strings are not allowed"),
    ("b'a'*x", "strings are not allowed"),
    ("f'{x}'", "strings are not allowed"),
    ("(" * 300 + "x" + ")" * 300, "nested too deeply"),
    ("sin(" * 100 + "x" + ")" * 100, "nested too deeply"),
    ("-" * 500 + "x", "nested too deeply"),
    ("x+" * 600 + "x", "too long"),
    ("foo(x)", "unknown function 'foo'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("exec('import os')", "unknown function 'exec'"),
    ("globals()", "unknown function 'globals'"),
    ("__builtins__", "names starting with '_'"),
    ("lambda: 0", "lambda"),
    ("(lambda x: x)(1)", "only named functions"),
    ("[i for i in range(10)]", "comprehensions"),
    ("sum(i for i in x)", "generator"),
    ("x[0]", "subscripts"),
    ("x if x else 1", "conditional"),
    ("x < 1", "comparisons"),
    ("x and y", "'and'/'or'"),
    ("not x", "operator 'not'"),
    ("x = 1", "not a valid expression"),
    ("x; y", "not a valid expression"),
    ("(x := 1)", "':='"),
    ("{1: x}", "dictionaries"),
    ("{x}", "sets"),
    ("(x, y)", "tuples"),
    ("sin(*x)", "unpacking"),
    ("sin(x=1)", "keyword"),
    ("sin(x, y)", "takes 1 argument"),
    ("sin", "is a function"),
    ("pi(x)", "is a constant"),
    ("1j * x", "complex"),
    ("1e999 * x", "too large"),
    ("None + x", "not a number"),
    ("True * x", "not a number"),
    ("...", "not a number"),
    ("x ^ 2", "write x**2"),
    ("x // 2", "'//'"),
    ("x % 2", "'%'"),
    ("x @ y", "'@'"),
    ("x << 2", "'<<'"),
    ("x +", "not a valid expression"),
    ("sin(x", "brackets do not match"),
    ("x)", "brackets do not match"),
    ("", "empty"),
    ("   ", "empty"),
    ("x\x00", "control character"),
    ("x\ny", "control character"),
    ("await x", "'await' is not allowed"),
]


@pytest.fixture
def alarm():
    """Fail (rather than hang) if a rejection takes pathological time."""
    def on_alarm(*_):
        raise TimeoutError("the parser took more than 5 s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(5)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_hostile_table_is_big_enough():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("text, message", HOSTILE, ids=[repr(text[:25]) for text, _ in HOSTILE])
def test_hostile_expression_is_rejected(text, message, alarm):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    error = caught.value
    assert message in str(error)
    assert "\n" not in str(error)  # one line


def test_error_points_at_the_offending_part():
    with pytest.raises(ExpressionError) as caught:
        parse("x + ().__class__")
    error = caught.value
    assert error.column == 4
    assert str(error).endswith("(column 5)")
    expression_line, caret_line = error.pointer().split("\n")
    assert expression_line == "  x + ().__class__"
    assert caret_line == "      " + "^" * 12


def test_pointer_columns_count_characters_not_bytes():
    with pytest.raises(ExpressionError) as caught:
        parse("é + x.real")
    assert caret_column(caught.value) == 4


def test_pointer_in_a_long_expression_shows_a_window():
    text = "x + " * 100 + "x.real"
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    expression_line, caret_line = caught.value.pointer().split("\n")
    assert expression_line.startswith("  ...") and len(expression_line) < 90
    position = caret_line.index("^")
    assert expression_line[position:position + 6] == "x.real"


def caret_column(error):
    return error.pointer().split("\n")[1].index("^") - 2


def test_length_limit_is_checked_before_parsing():
    text = "x" * (MAX_LENGTH + 1)
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="too long"):
        parse(text)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("text, variables, args, expected", [
    ("3*x**2 - 4*x", ("x",), (1.0,), -1.0),
    ("log(exp(x) + exp(y))", ("x", "y"), (0.0, 0.0), math.log(2)),
    ("y*x", ("x", "y"), (2.0, 5.0), 10.0),
    ("-x**2", ("x",), (3.0,), -9.0),
    ("2*pi*r", ("r",), (1.0,), 2 * math.pi),
    ("e**x", ("x",), (1.0,), math.e),
    ("ln(x) + asin(0.5)", ("x",), (math.e,), 1 + math.pi / 6),
    ("sum([x**2, y**2, 1])", ("x", "y"), (1.0, 2.0), 6.0),
    ("max(x, y, 0)", ("x", "y"), (-1.0, -2.0), 0.0),
    ("dot([x, y], [3, 4])", ("x", "y"), (1.0, 1.0), 7.0),
    ("sigmoid(x)", ("x",), (0.0,), 0.5),
    ("relu(x) + relu(-x)", ("x",), (-2.0,), 2.0),
    ("softplus(x)", ("x",), (0.0,), math.log(2)),
    ("  x + 1  ", ("x",), (1.0,), 2.0),
    ("+x", ("x",), (4.0,), 4.0),
    ("x**-2", ("x",), (2.0,), 0.25),
    ("(1 + 1/n)**n", ("n",), (1e6,), (1 + 1e-6) ** 1e6),
    ("hypot(a, b)", ("a", "b"), (3.0, 4.0), 5.0),
    ("x1 + x2", ("x1", "x2"), (1.0, 2.0), 3.0),
])
def test_accepted_expressions_evaluate(text, variables, args, expected):
    expression = parse(text)
    assert expression.variables == variables
    assert np.isclose(expression.function(np)(*args), expected)


def test_fixed_variables_order_and_unknown_names():
    expression = parse("x*y", variables=("y", "x", "z"))
    assert expression.variables == ("y", "x", "z")
    assert expression.function(np)(2.0, 3.0, 100.0) == 6.0
    with pytest.raises(ExpressionError, match="unknown variable 'w'"):
        parse("x + w", variables=("x",))


def test_numbers_are_floats_so_no_huge_integers():
    expression = parse("((10**300)**2)**300 * x")
    assert expression.program[0] == ("const", math.inf, 0)  # folded in floats at parse time
    with np.errstate(over="ignore"):
        assert np.isinf(expression.function(np)(1.0))
        assert np.isinf(parse("x**400").function(np)(10.0))  # a plain float argument: inf, no OverflowError


def test_constant_subtrees_are_folded():
    assert parse("2*pi*x").program[0] == ("const", 2 * math.pi, 0)
    assert [kind for kind, _, _ in parse("x**(1/2)").program] == ["var", "const", "call"]


def test_function_has_a_signature_and_checks_arity():
    import inspect

    function = parse("a + b").function(np)
    assert list(inspect.signature(function).parameters) == ["a", "b"]
    with pytest.raises(TypeError, match="takes 2 value"):
        function(1.0)


def test_missing_function_in_namespace_is_a_clear_error():
    class Bare:
        __name__ = "bare"
    with pytest.raises(ExpressionError, match="'sin' is not available in bare"):
        parse("sin(x)").function(Bare())


def test_user_text_never_reaches_eval(monkeypatch):
    import ast
    import builtins

    real_compile = builtins.compile
    calls = []

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec was called")

    def parse_only(source, filename, mode, flags=0, *args, **kwargs):
        calls.append(flags)
        if not flags & ast.PyCF_ONLY_AST:  # ast.parse passes this flag: a tree, never code
            raise AssertionError("compile() was asked for code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", parse_only)
    expression = parse("sin(x) * exp(y)")
    value = expression.function(np)(0.5, 0.0)
    monkeypatch.undo()
    assert calls and np.isclose(value, math.sin(0.5))


def test_every_whitelisted_function_exists_in_chainrule_numpy():
    import chainrule.numpy as cnp
    from chainrule.expr import ALIASES, FUNCTIONS

    for name, (least, _) in list(FUNCTIONS.items()) + [(alias, FUNCTIONS[target]) for alias, target in ALIASES.items()]:
        arguments = ", ".join(["x"] * least) if name != "dot" else "[x, 1], [2, x]"
        function = parse(f"{name}({arguments})").function(cnp)
        with np.errstate(invalid="ignore"):
            assert np.isfinite(function(0.5)) or np.isfinite(function(1.5)), name
