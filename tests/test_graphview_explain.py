"""explain, to_sympy / symbolic_grad and compare: the chain rule by hand, the formula, four methods."""
import builtins

import numpy as np
import pytest

import chainrule as cr
from textbook_examples import chain, textbook



def shared(x, y):
    return (lambda s: s * s + np.sin(s))(x * y + 1.0)  # s is unnamed here and used three times


FUNCTIONS = [
    ("sin(a*x+b)", lambda a, x, b: np.sin(a * x + b), (2.0, 0.5, 1.0)),
    ("textbook", textbook, (-1.0, 0.0, -2.0, 1.0)),
    ("(2x^3+3)^2", chain, (0.5,)),
    ("x*x + exp(x)/x", lambda x: x * x + np.exp(x) / x, (2.0,)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), (0.3,)),
    ("tanh*log", lambda x: np.tanh(x) * np.log(x), (1.7,)),
    ("hypot", lambda x, y: np.sqrt(x ** 2 + y ** 2), (3.0, 4.0)),
    ("quotient and power", lambda x, y: x / y - y ** x, (1.5, 2.5)),
    ("shared subexpression", shared, (0.4, -1.2)),
    ("vector sum", lambda v: np.sum(np.sin(v) ** 2), (np.array([0.1, 0.7, 2.0]),)),
    ("abs at the kink", lambda x, y: np.abs(x) + x * y, (0.0, 2.0)),
    ("maximum tie", lambda x, y: np.maximum(x, y) * 3.0, (1.0, 1.0)),
]


@pytest.mark.parametrize("name, function, args", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_explanation_matches_the_ad_gradient(name, function, args):
    explanation = cr.explain(function, *args)
    expected = cr.grad(function, argnums=tuple(range(len(args))))(*args)
    by_hand = list(explanation.gradient.values())
    assert len(by_hand) == len(args)
    for hand, ad in zip(by_hand, expected):
        assert np.allclose(hand, ad, rtol=1e-12, atol=1e-12), (name, hand, ad)
    assert "agrees with chainrule's reverse pass" in str(explanation)


def test_textbook_explanation_shows_every_step():
    text = str(cr.explain(textbook, -1.0, 0.0, -2.0, 1.0))
    for line in ["a = (w + x + y + z)² = 4", "b = (w + x - y - z)² = 0", "u = (a + b)² = 16",
                 "v = (a - b)² = 16", "f = (u + v)² = 1024",
                 "∂u/∂a = 2(a + b) = 8", "∂v/∂b = -2(a - b) = -8", "∂f/∂u = 2(u + v) = 64",
                 "∂a/∂w = 2(w + x + y + z) = -4",
                 "∂f/∂a = ∂f/∂u·∂u/∂a + ∂f/∂v·∂v/∂a = 64·8 + 64·8 = 1024",
                 "∂f/∂b = ∂f/∂u·∂u/∂b + ∂f/∂v·∂v/∂b = 64·8 + 64·(-8) = 0",
                 "∂f/∂w = -4096", "∂f/∂z = -4096", "abs'(0) = 0", "split the derivative evenly"]:
        assert line in text, line


def test_explanation_pieces_and_html():
    e = cr.explain(chain, 0.5)
    assert [(name, formula) for name, formula, _ in e.forward] == [("x", ""), ("y", "2x³ + 3"), ("z", "y²")]
    assert [(v, p, formula, value) for v, p, formula, value in e.partials] == [
        ("y", "x", "6x²", 1.5), ("z", "y", "2y", 6.5)]
    assert e.gradient == {"x": 9.75}
    html = e._repr_html_()
    assert "∂z/∂x = 9.75" in html and "<b>" in html and "sqrt&#x27;(0)" in html


def test_explanation_of_unnamed_shared_value_names_it():
    text = str(cr.explain(shared, 0.4, -1.2))
    assert "t1 = x·y + 1 = 0.52" in text
    assert "∂f/∂t1 = cos(t1) + 2t1" in text


def test_explanation_with_vectors_uses_vjps():
    e = cr.explain(lambda v: np.sum(np.sin(v) ** 2), np.array([0.1, 0.7]))
    assert "Jacobian" not in str(e) or "VJP" in str(e)
    assert np.allclose(e.gradient["v"], np.sin(2 * np.array([0.1, 0.7])))


def test_explain_needs_one_output():
    with pytest.raises(ValueError, match="one output"):
        cr.explain(lambda x: (x, 2 * x), 1.0)


sympy = pytest.importorskip("sympy")
x_, y_ = sympy.symbols("x y")
CHEAT_SHEET = [
    ("log", lambda x: np.log(x), 1 / x_),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), sympy.exp(-x_) / (1 + sympy.exp(-x_)) ** 2),
    ("tanh", lambda x: np.tanh(x), 1 - sympy.tanh(x_) ** 2),
    ("sin(2x+3)", lambda x: np.sin(2 * x + 3), 2 * sympy.cos(2 * x_ + 3)),
    ("x^3 - 4x", lambda x: x ** 3 - 4 * x, 3 * x_ ** 2 - 4),
    ("exp(x^2)", lambda x: np.exp(x ** 2), 2 * x_ * sympy.exp(x_ ** 2)),
]


@pytest.mark.parametrize("name, function, textbook_form", CHEAT_SHEET, ids=[c[0] for c in CHEAT_SHEET])
def test_symbolic_grad_equals_the_textbook_form(name, function, textbook_form):
    derivative = cr.symbolic_grad(function, "x")
    assert sympy.simplify(derivative - textbook_form) == 0, derivative


def test_product_and_quotient_rules():
    assert cr.to_sympy(lambda x, y: x * y, "x", "y") == x_ * y_
    d_dx, d_dy = cr.symbolic_grad(lambda x, y: x * y, "x", "y")
    assert sympy.simplify(d_dx - y_) == 0 and sympy.simplify(d_dy - x_) == 0
    d_dx, d_dy = cr.symbolic_grad(lambda x, y: x / y)  # names from the signature
    assert sympy.simplify(d_dx - 1 / y_) == 0 and sympy.simplify(d_dy + x_ / y_ ** 2) == 0


def test_to_sympy_constants_are_exact_and_errors_are_clear(monkeypatch):
    assert cr.to_sympy(lambda x: 0.1 * x ** 2.0, "x") == x_ ** 2 / 10
    with pytest.raises(TypeError, match="no SymPy form for the primitive"):
        cr.to_sympy(lambda x: np.fmod(x, 0.3), "x")
    with pytest.raises(ValueError, match="names but"):
        cr.to_sympy(lambda x: x, "x", at=(1.0, 2.0))
    real_import = builtins.__import__

    def no_sympy(name, *args, **kwargs):
        if name == "sympy":
            raise ImportError("no sympy here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sympy)
    with pytest.raises(ImportError, match=r"chainrule\[symbolic\]"):
        cr.to_sympy(lambda x: x, "x")


def test_compare_four_ways():
    c = cr.compare(lambda x: np.sin(2 * x + 3), 0.5)
    exact = 2 * np.cos(4.0)
    assert c.ad == pytest.approx(exact, abs=1e-15) and c.by_hand == pytest.approx(exact, abs=1e-15)
    assert c.symbolic_value == pytest.approx(exact, abs=1e-14)
    assert abs(c.numeric - exact) < 1e-8 and c.numeric_error < 1e-6
    assert abs(c.numeric - exact) <= 10 * c.numeric_error
    text = str(c)
    assert "2*cos(2*x + 3)" in text and "numeric" in text and "by hand" in text
    assert set(c.differences) == {"numeric", "symbolic", "by hand"}
