"""The chainrule command: subcommands as subprocesses, --json, and bad input (exit 2, one line)."""

import json
import math
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

from chainrule.cli import main

from test_toolkit_expr import HOSTILE


def run(*args, cwd=None, timeout=60):
    completed = subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True, text=True,
                               cwd=cwd, timeout=timeout)
    return completed.returncode, completed.stdout, completed.stderr


def run_json(*args, **kwargs):
    code, out, err = run(*args, "--json", **kwargs)
    assert code == 0, err
    return json.loads(out)


def assert_bad_input(code, out, err, message):
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    first = err.splitlines()[0]
    assert first.startswith("chainrule: error: ")
    assert message in first, first


def call(capsys, *args):
    """The same command in-process (fast): (exit status, stdout, stderr)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def call_json(capsys, *args):
    code, out, err = call(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_diff_prints_value_derivative_and_tangent(capsys):
    code, out, err = run("diff", "3*x**2 - 4*x", "--at", "x=1")
    assert code == 0, err
    assert "value = -1" in out and "f'(1) = 2" in out and "tangent line: y = 2*x - 3" in out
    payload = call_json(capsys, "diff", "3*x**2 - 4*x", "--at", "x=1")
    assert payload["value"] == -1.0 and payload["derivatives"] == [2.0]
    assert payload["tangent"] == {"slope": 2.0, "intercept": -3.0}


def test_diff_higher_orders_and_partial_derivatives(capsys):
    payload = call_json(capsys, "diff", "x**3 - 1/x", "--at", "x=1", "--order", "3")
    assert payload["derivatives"] == pytest.approx([4.0, 4.0, 12.0])
    payload = call_json(capsys, "diff", "x**2 * y", "--at", "x=3,y=2", "--wrt", "y")
    assert payload["derivatives"] == [9.0] and payload["wrt"] == "y"


def test_grad_of_log_sum_exp(capsys):
    payload = run_json("grad", "log(exp(x) + exp(y))", "--at", "x=0,y=log(2)")
    assert payload["value"] == pytest.approx(math.log(3))
    assert payload["gradient"]["x"] == pytest.approx(1 / 3) and payload["gradient"]["y"] == pytest.approx(2 / 3)
    code, out, _ = call(capsys, "grad", "log(exp(x) + exp(y))", "--at", "x=0,y=0.69")
    assert code == 0 and "df/dx = 0.33" in out and "df/dy = 0.66" in out


def test_hessian_of_the_bump(capsys):
    payload = run_json("hessian", "x*exp(-x**2 - y**2)", "--at", "x=-1,y=0")
    assert np.allclose(payload["hessian"], 2 / math.e * np.eye(2))
    assert payload["kind"] == "not critical"
    payload = call_json(capsys, "hessian", "x**2 - y**2", "--at", "x=0,y=0")
    assert payload["kind"] == "saddle" and sorted(payload["eigenvalues"]) == [-2.0, 2.0]


def test_taylor_coefficients_and_picture(tmp_path, capsys):
    payload = run_json("taylor", "x*exp(-x**2 - y**2)", "--at", "x=-1,y=0", "--order", "2",
                       "--out", str(tmp_path / "t.png"))
    value, gradient, hessian = payload["coefficients"]
    assert value == pytest.approx(-1 / math.e) and gradient == pytest.approx([-1 / math.e, 0.0])
    assert np.allclose(hessian, 2 / math.e * np.eye(2))
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    code, out, _ = call(capsys, "taylor", "exp(x)", "--at", "x=0", "--order", "3")
    assert code == 0 and "T(x) = 1 + x + 0.5*x**2 + 0.166667*x**3" in out


def test_plot_with_tangent_writes_png_and_svg(tmp_path, capsys):
    code, out, err = run("plot", "x**3 - 1/x", "--tangent", "1", "--xlim", "0.2,2.5", "--out", "f.png", cwd=tmp_path)
    assert code == 0, err
    assert "y = 4*x - 4" in out
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = call_json(capsys, "plot", "sin(x)", "--out", str(tmp_path / "s.svg"))
    assert payload["picture"].endswith("s.svg")
    assert ElementTree.parse(tmp_path / "s.svg").getroot().tag.endswith("svg")


def test_minimize_gradient_descent_and_newton(tmp_path, capsys):
    payload = run_json("minimize", "(1 - x)**2 + 100*(y - x**2)**2", "--from", "x=-1.2,y=1", "--method", "newton")
    assert payload["converged"] and payload["iterations"] <= 30 and payload["kind"] == "minimum"
    assert payload["x"]["x"] == pytest.approx(1.0) and payload["x"]["y"] == pytest.approx(1.0)
    payload = call_json(capsys, "minimize", "x**2 + 2*y**2", "--from", "x=-5,y=-2", "--lr", "0.1", "--steps", "20",
                        "--out", str(tmp_path / "path.png"))
    assert payload["iterations"] == 20 and len(payload["history"]["values"]) == 21
    assert (tmp_path / "path.png").read_bytes()[:4] == b"\x89PNG"
    code, out, _ = call(capsys, "minimize", "(x - 3)**2", "--from", "x=0", "--method", "adam", "--tol", "1e-6")
    assert code == 0 and "reached at x = 3.0000" in out and ": a minimum" in out
    payload = call_json(capsys, "minimize", "x**3", "--from", "x=0", "--method", "newton")
    assert payload["converged"] and payload["kind"] == "degenerate"  # a zero gradient, but no minimum


def test_critical_points_with_a_negative_interval_end(tmp_path, capsys):
    code, out, err = run("critical", "3*x**4 - 4*x**3 - 12*x**2", "--on", "-2,3")
    assert code == 0, err
    assert "x = -1: f = -5, minimum" in out and "x = 2: f = -32, minimum" in out
    assert "global minimum on the interval: f(2) = -32" in out
    payload = call_json(capsys, "critical", "3*x**4 - 4*x**3 - 12*x**2", "--on", "-2,3",
                        "--out", str(tmp_path / "c.png"))
    assert [(p["x"], p["value"], p["kind"]) for p in payload["critical_points"]] == [
        (-1.0, -5.0, "minimum"), (0.0, 0.0, "maximum"), (2.0, -32.0, "minimum")]
    assert payload["global_minimum"]["x"] == 2.0
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_expression_may_start_with_a_minus(capsys):
    payload = call_json(capsys, "diff", "-x**2", "--at", "x=-3")
    assert payload["value"] == -9.0 and payload["derivatives"] == [6.0]
    payload = call_json(capsys, "diff", "---x", "--at=x=2")
    assert payload["derivatives"] == [-1.0]


def test_explain_shows_the_backprop_example(capsys):
    backprop = "(((w+x+y+z)**2 + (w+x-y-z)**2)**2 + ((w+x+y+z)**2 - (w+x-y-z)**2)**2)**2"
    code, out, err = run("explain", backprop, "--at", "w=-1,x=0,y=-2,z=1")
    assert code == 0, err
    assert "f(w, x, y, z)" in out and "= 1024" in out and "∂f/∂w = -4096" in out
    payload = call_json(capsys, "explain", "x*y", "--at", "x=2,y=3")
    assert "∂f/∂x = 3" in payload["text"]


def test_graph_writes_dot_svg_and_png(tmp_path, capsys):
    code, out, err = run("graph", "sin(a*x + b)", "--at", "a=2,x=0.5,b=1", "--out", str(tmp_path / "g.dot"))
    assert code == 0, err
    dot = (tmp_path / "g.dot").read_text()
    assert "digraph" in dot and "sin" in dot
    payload = call_json(capsys, "graph", "sin(a*x + b)", "--at", "a=2,x=0.5,b=1", "--backward",
                        "--out", str(tmp_path / "back.svg"))
    assert payload["backward"] and ElementTree.parse(tmp_path / "back.svg").getroot().tag.endswith("svg")
    assert "cos" in (tmp_path / "back.svg").read_text()
    code, _, err = call(capsys, "graph", "sin(a*x + b)", "--at", "a=2,x=0.5,b=1", "--simplified",
                        "--out", str(tmp_path / "simple.png"))
    assert code == 0, err
    assert (tmp_path / "simple.png").read_bytes()[:4] == b"\x89PNG"


def test_tour_runs_and_writes_its_pictures(tmp_path):
    code, out, err = run("tour", "--out", "pictures", cwd=tmp_path, timeout=120)
    assert code == 0, err
    for text in ["2.0000300000", "f = 1024", "-4096, -4096, -4096, -4096", "∂f/∂a = ∂f/∂u·∂u/∂a + ∂f/∂v·∂v/∂a", "0.333333333333, 0.666666666667",
                 "(2/e) I", "x = 2: f = -32", "Newton on Rosenbrock"]:
        assert text in out, text
    pictures = sorted(path.name for path in (tmp_path / "pictures").iterdir())
    assert pictures == sorted(["tangent.png", "tangent_cubic.png", "taylor_2d.png", "taylor_1d.png",
                               "critical_points.png", "descent.png", "contour.png", "newton_rosenbrock.png",
                               "backprop_graph.png", "backprop_backward_graph.png"])
    for name in pictures:
        assert (tmp_path / "pictures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tour_json_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = call_json(capsys, "tour", "--no-pictures")
    sections = payload["sections"]
    assert sections["backprop"] == {"value": 1024.0, "gradient": [-4096.0] * 4}
    assert [p["x"] for p in sections["critical_points"]] == pytest.approx([-1, 0, 2])
    assert max(sections["matrix_calculus"].values()) < 1e-12
    assert payload["pictures"] == [] and not any(tmp_path.iterdir())


def test_help_exits_zero(capsys):
    code, out, _ = call(capsys, "--help")
    assert code == 0 and "diff" in out and "minimize" in out
    code, out, _ = call(capsys, "minimize", "--help")
    assert code == 0 and "--method" in out


# ----------------------------------------------------------------------------- bad input

BAD = [
    (["diff", "3*x**2"], "missing --at"),
    (["diff", "x*y", "--at", "x=1,y=2"], "choose one with --wrt"),
    (["grad", "x*y", "--at", "x=1"], "no value for 'y'"),
    (["grad", "x*y", "--at", "x=1,y=2,z=3"], "'z' is not a variable"),
    (["grad", "x", "--at", "x=abc"], "is not a number"),
    (["grad", "x", "--at", "x=1,x=2"], "given twice"),
    (["grad", "x", "--at", "x="], "value is missing"),
    (["grad", "x", "--at", "x=1e999"], "number is too large"),
    (["grad", "x", "--at", "x=1e308*10"], "not a finite number"),
    (["grad", "2 + 3", "--at", "x=1"], "has no variables"),
    (["diff", "log(x)", "--at", "x=-1"], "not finite"),
    (["diff", "sqrt(x)", "--at", "x=0"], "not finite"),
    (["diff", "1/x", "--at", "x=0"], "not finite"),
    (["diff", "x", "--at", "x=1", "--order", "0"], "--order"),
    (["diff", "x", "--at", "x=1", "--order", "two"], "invalid int value"),
    (["critical", "x**2", "--on", "3,-2"], "smaller than the second"),
    (["critical", "x**2", "--on", "1"], "two numbers"),
    (["critical", "x**2"], "missing --on"),
    (["critical", "x*y", "--on", "0,1"], "one variable"),
    (["minimize", "x**2", "--from", "x=1", "--lr", "-1"], "--lr must be positive"),
    (["minimize", "x**2", "--from", "x=1", "--method", "bfgs"], "invalid choice"),
    (["minimize", "x**2", "--from", "x=1", "--lr", "2", "--steps", "3000"], "diverged"),
    (["plot", "x*y", "--out", "p.png"], "one variable"),
    (["plot", "x", "--out", "p.gif"], ".png, .svg or .pdf"),
    (["graph", "x", "--at", "x=1", "--out", "g.gif"], ".svg, .png, .pdf or .dot"),
    (["graph", "x", "--at", "x=1"], "required: --out"),
    (["grad", "[x, x]", "--at", "x=1"], "single number"),
    (["frobnicate", "x"], "invalid choice"),
    (["grad"], "required"),
    (["diff", "x", "--at", "x=1", "--bogus"], "unrecognized arguments"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(argv)[:40] for argv, _ in BAD])
def test_bad_input_gives_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    captured = capsys.readouterr()
    assert_bad_input(code, captured.out, captured.err, message)
    assert len(captured.err.splitlines()) == 1


@pytest.mark.parametrize("text, message", HOSTILE, ids=[repr(text[:25]) for text, _ in HOSTILE])
def test_hostile_expression_exits_2_with_a_caret(text, message, capsys):
    code = main(["grad", text, "--at", "x=1"])
    captured = capsys.readouterr()
    assert_bad_input(code, captured.out, captured.err, message)
    lines = captured.err.splitlines()
    assert len(lines) in (1, 3)  # the error line, then the expression and the caret line when there is a column
    if len(lines) == 3:
        assert set(lines[2].strip()) == {"^"}


@pytest.mark.parametrize("text", ["__import__('os').system('echo pwned')", "().__class__", "x**10**10",
                                  "'a'*10**7", "(" * 300 + "x" + ")" * 300])
def test_hostile_expression_as_a_subprocess(text):
    code, out, err = run("grad", text, "--at", "x=1", timeout=30)
    assert code == 2 and "pwned" not in out
    assert err.startswith("chainrule: error: bad expression:") and "Traceback" not in err
