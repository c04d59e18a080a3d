"""``chainrule tour``: the textbook's worked examples, end to end, with their pictures.

Each section computes a classic result with chainrule, prints it beside the number
the textbook gives, and (with matplotlib installed) draws a picture into the output
folder. :func:`run` returns a summary dict (what ``chainrule tour --json`` prints).
Only chainrule's public API is used.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np

import chainrule
import chainrule.numpy as cnp
import chainrule.optim
import chainrule.series

__all__ = ["run"]


def _quartic(x: Any) -> Any:
    return 3 * x ** 4 - 4 * x ** 3 - 12 * x ** 2


def _bump(v: Any) -> Any:
    return v[0] * cnp.exp(-v[0] ** 2 - v[1] ** 2)


class _Printer:
    def __init__(self, stream: TextIO | None):
        self.stream = stream

    def __call__(self, text: str = "") -> None:
        if self.stream is not None:
            print(text, file=self.stream)

    def section(self, number: int, title: str) -> None:
        self()
        self(f"{number}. {title}")
        self("-" * (len(title) + len(str(number)) + 2))


def run(out: str | os.PathLike = "chainrule-tour", *, quiet: bool = False, pictures: bool = True,
        stream: TextIO | None = None) -> dict[str, Any]:
    """Run every example; print to ``stream`` (stdout) unless ``quiet``; write pictures into ``out``.

    Returns ``{"sections": {...}, "pictures": [...], "seconds": ...}``.
    """
    started = time.perf_counter()
    say = _Printer(None if quiet else (stream or sys.stdout))
    folder = Path(out)
    written: list[str] = []
    can_draw = pictures and _has_matplotlib()
    if pictures and not can_draw:
        say("(matplotlib is not installed: the tour runs without pictures; pip install 'chainrule[plot]')")
    if can_draw:
        folder.mkdir(parents=True, exist_ok=True)
        import chainrule.plot as plotting

    def picture(name: str, draw: Callable[[str], Any]) -> None:
        if can_draw:
            path = str(folder / name)
            draw(path)
            written.append(path)
            say(f"   picture: {path}")

    summary: dict[str, Any] = {}
    say("chainrule tour: the worked examples of the calculus chapters, computed by automatic differentiation")

    # 1. the limit definition
    say.section(1, "The derivative as a limit: f(x) = 3x^2 - 4x at x = 1")
    parabola = lambda x: 3 * x ** 2 - 4 * x  # noqa: E731
    rows = _difference_table(parabola, 1.0, 2.0)
    say(f"{'h':>8}  {'(f(1+h) - f(1))/h':>20}  {'error':>8}")
    for h, quotient in rows:
        say(f"{h:>8.0e}  {quotient:>20.10f}  {abs(quotient - 2.0):>8.1e}")
    slope = float(chainrule.grad(parabola)(1.0))
    say(f"the quotients approach 2; chainrule.grad gives f'(1) = {slope:g} exactly")
    numeric_estimate = _numeric_derivative(parabola, 1.0)
    if numeric_estimate is not None:
        say(f"chainrule.numeric.derivative (Ridders' extrapolation): {numeric_estimate[0]:.15g} "
            f"with error estimate {numeric_estimate[1]:.1e}")
    say("tangent line at x = 1: y = 2x - 3")
    summary["limit"] = {"quotients": [quotient for _, quotient in rows], "derivative": slope}
    picture("tangent.png", lambda path: plotting.tangent(parabola, 1.0, np.arange(0, 3, 0.1), label="f(x) = 3x² − 4x",
                                                         save=path))
    g = lambda x: x ** 3 - 1 / x  # noqa: E731
    say(f"exercise: f(x) = x^3 - 1/x has f'(1) = {float(chainrule.grad(g)(1.0)):g}, tangent y = 4x - 4")
    picture("tangent_cubic.png", lambda path: plotting.tangent(g, 1.0, np.linspace(0.25, 2.5, 200),
                                                               label="f(x) = x³ − 1/x", save=path))

    # 2. the cheat sheet
    say.section(2, "Derivatives from the cheat sheet, at x = 0.7")
    x0 = 0.7
    sigma = 1 / (1 + math.exp(-x0))
    # fmt: off
    sheet = [
        ("x^5",            lambda x: x ** 5,                 5 * x0 ** 4),
        ("exp(x)",         cnp.exp,                          math.exp(x0)),
        ("log(x)",         cnp.log,                          1 / x0),
        ("sin(x)",         cnp.sin,                          math.cos(x0)),
        ("cos(x)",         cnp.cos,                          -math.sin(x0)),
        ("tanh(x)",        cnp.tanh,                         1 - math.tanh(x0) ** 2),
        ("sigmoid(x)",     lambda x: 1 / (1 + cnp.exp(-x)),  sigma * (1 - sigma)),
        ("sin(2x+3)^2",    lambda x: cnp.sin(2 * x + 3) ** 2, 4 * math.sin(2 * x0 + 3) * math.cos(2 * x0 + 3)),
        ("x^x",            lambda x: x ** x,                 x0 ** x0 * (math.log(x0) + 1)),
        ("(2x^3+3)^2 at 0.5", None,                          9.75),
    ]
    # fmt: on
    say(f"{'function':>18}  {'chainrule':>20}  {'formula':>20}")
    worst = 0.0
    sheet_out = {}
    for name, function, expected in sheet:
        if function is None:
            value = float(chainrule.grad(lambda x: (2 * x ** 3 + 3) ** 2)(0.5))
        else:
            value = float(chainrule.grad(function)(x0))
        worst = max(worst, abs(value - expected))
        sheet_out[name] = value
        say(f"{name:>18}  {value:>20.15g}  {expected:>20.15g}")
    say(f"largest difference from the formulas: {worst:.1e}")
    summary["cheat_sheet"] = {"derivatives": sheet_out, "largest_difference": worst}

    # 3. backpropagation by hand
    say.section(3, "Backpropagation: f(w, x, y, z) at (-1, 0, -2, 1)")

    def f(w: Any, x: Any, y: Any, z: Any) -> Any:
        a, b = (w + x + y + z) ** 2, (w + x - y - z) ** 2
        u, v = (a + b) ** 2, (a - b) ** 2
        return (u + v) ** 2

    value, partials = chainrule.value_and_grad(f, argnums=(0, 1, 2, 3))(-1.0, 0.0, -2.0, 1.0)
    partials = [float(item) for item in partials]
    say("a = (w+x+y+z)^2, b = (w+x-y-z)^2, u = (a+b)^2, v = (a-b)^2, f = (u+v)^2")
    say(f"f = {float(value):g}; df/dw, df/dx, df/dy, df/dz = {', '.join(f'{item:g}' for item in partials)}")
    summary["backprop"] = {"value": float(value), "gradient": partials}
    say()
    say(str(chainrule.explain(f, -1.0, 0.0, -2.0, 1.0)))
    picture("backprop_graph.png", lambda path: chainrule.trace(f, -1.0, 0.0, -2.0, 1.0).save(path))
    picture("backprop_backward_graph.png",
            lambda path: chainrule.trace(f, -1.0, 0.0, -2.0, 1.0).backward_graph().save(path))

    # 4. linear approximation
    say.section(4, "Linear approximation of f(x, y) = log(e^x + e^y) at (0, log 2)")
    lse = lambda x, y: cnp.log(cnp.exp(x) + cnp.exp(y))  # noqa: E731
    base = (0.0, math.log(2.0))
    value, gradient = chainrule.value_and_grad(lse, argnums=(0, 1))(*base)
    gradient = [float(item) for item in gradient]
    say(f"f = log 3 = {float(value):.12g}, gradient = [{gradient[0]:.12g}, {gradient[1]:.12g}] (exactly 1/3, 2/3)")
    step = (0.1, -0.05)
    exact = float(lse(base[0] + step[0], base[1] + step[1]))
    linear = float(value) + gradient[0] * step[0] + gradient[1] * step[1]
    say(f"moving by {step}: f = {exact:.8f}, linear approximation {linear:.8f}, error {abs(exact - linear):.1e}")
    summary["linear_approximation"] = {"value": float(value), "gradient": gradient, "exact": exact,
                                       "approximation": linear}

    # 5. Hessian and quadratic approximation
    say.section(5, "Quadratic approximation of f(x, y) = x exp(-x^2 - y^2) at (-1, 0)")
    point = np.array([-1.0, 0.0])
    polynomial = chainrule.series.taylor(_bump, point, order=2)
    say(f"f = {polynomial.value:.12g} (-1/e), gradient = {np.round(polynomial.gradient, 12).tolist()}")
    say(f"Hessian = {np.round(polynomial.hessian, 12).tolist()} = (2/e) I, 2/e = {2 / math.e:.12g}")
    say(f"T(x, y) = {polynomial.format(['x', 'y'])}")
    summary["quadratic_approximation"] = {"value": polynomial.value, "gradient": polynomial.gradient.tolist(),
                                          "hessian": polynomial.hessian.tolist()}
    picture("taylor_2d.png", lambda path: plotting.taylor(_bump, point, order=2,
                                                          xs=(np.linspace(-2, 2, 41), np.linspace(-2, 2, 41)),
                                                          save=path))
    picture("taylor_1d.png", lambda path: plotting.taylor(cnp.exp, 0.0, order=[1, 2, 3],
                                                          xs=np.linspace(-2.5, 2.5, 200), save=path))

    # 6. matrix calculus
    say.section(6, "Matrix calculus identities (gradients in denominator layout)")
    summary["matrix_calculus"] = _matrix_identities(say)

    # 7. critical points
    say.section(7, "Critical points of f(x) = 3x^4 - 4x^3 - 12x^2 on [-2, 3]")
    points = chainrule.optim.critical_points(_quartic, (-2.0, 3.0))
    for item in points:
        say(f"x = {item.x:g}: f = {item.value:g}, f'' = {item.second_derivative:g} -> {item.kind}")
    lowest, _ = chainrule.optim.extrema(_quartic, (-2.0, 3.0))
    say(f"global minimum: f({lowest.x:g}) = {lowest.value:g}")
    summary["critical_points"] = [{"x": item.x, "value": item.value, "kind": item.kind} for item in points]

    def draw_critical(path: str) -> None:
        figure = plotting.plot(_quartic, np.linspace(-2, 3, 300), xlabel="x", ylabel="f(x)",
                               legend=["3x⁴ − 4x³ − 12x²"], figsize=(4.0, 3.0))
        axes = figure.axes[0]
        for item in points:
            axes.plot([item.x], [item.value], "o", color="tab:green" if item.kind == "minimum" else "tab:red")
            axes.annotate(f"{item.kind}\n({item.x:g}, {item.value:g})", (item.x, item.value),
                          textcoords="offset points", xytext=(5, 5), fontsize=7)
        figure.savefig(path, dpi=150)
    picture("critical_points.png", draw_critical)

    # 8. walking downhill
    say.section(8, "Gradient descent and Newton's method")
    bowl = lambda v: v[0] ** 2 + 2 * v[1] ** 2  # noqa: E731
    walk = chainrule.optim.gradient_descent(bowl, [-5.0, -2.0], lr=0.1, steps=20)
    say(f"gradient descent on x1^2 + 2 x2^2 from (-5, -2), lr 0.1, 20 steps: x = {np.round(walk.x, 4).tolist()}, "
        f"f = {walk.value:.3g}")
    rosenbrock = lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2  # noqa: E731
    newton = chainrule.optim.newton(rosenbrock, [-1.2, 1.0])
    say(f"Newton on Rosenbrock from (-1.2, 1): {newton.iterations} steps to x = {np.round(newton.x, 8).tolist()}")
    summary["descent"] = {"gradient_descent": {"x": walk.x.tolist(), "value": walk.value},
                          "newton_rosenbrock": {"x": newton.x.tolist(), "iterations": newton.iterations}}
    picture("descent.png", lambda path: plotting.descent(lambda x1, x2: x1 ** 2 + 2 * x2 ** 2, result=walk,
                                                         xlim=(-5.5, 1.0), ylim=(-3.0, 1.5), save=path))
    picture("contour.png", lambda path: plotting.contour(lambda x, y: x * cnp.exp(-x ** 2 - y ** 2),
                                                         (-2, 2), (-2, 2), save=path))
    picture("newton_rosenbrock.png", lambda path: plotting.descent(
        lambda x, y: cnp.log1p((1 - x) ** 2 + 100 * (y - x ** 2) ** 2), result=newton,
        xlim=(-1.5, 1.5), ylim=(-0.5, 1.5), title=f"Newton on Rosenbrock: {newton.iterations} steps\n"
        "(contours of log(1 + f))", save=path))

    seconds = time.perf_counter() - started
    say()
    say(f"done in {seconds:.1f} s" + (f"; {len(written)} pictures in {folder}/" if written else ""))
    return {"sections": summary, "pictures": written, "seconds": seconds}


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _difference_table(f: Callable[[float], float], x: float, exact: float) -> list[tuple[float, float]]:
    """(h, forward difference quotient) rows, from chainrule.numeric when it is installed."""
    try:
        from chainrule.numeric import difference_quotients
    except ImportError:
        difference_quotients = None
    steps = 10.0 ** -np.arange(1, 6)
    if difference_quotients is not None:
        table = difference_quotients(f, x, steps, exact=exact)
        return [(h, quotient) for h, quotient, _ in table.rows]
    return [(float(h), (f(x + h) - f(x)) / h) for h in steps]


def _numeric_derivative(f: Callable[[float], float], x: float) -> tuple[float, float] | None:
    """(value, error bar) from chainrule.numeric when it is installed."""
    try:
        from chainrule.numeric import derivative
    except ImportError:
        return None
    estimate = derivative(f, x)
    return float(estimate.value), float(estimate.error)


def _matrix_identities(say: _Printer) -> dict[str, float]:
    generator = np.random.default_rng(0)
    size = 4
    a = generator.normal(size=(size, size))
    b = generator.normal(size=size)
    x = generator.normal(size=size)
    m = generator.normal(size=(size, 3))
    # fmt: off
    identities = [
        ("d(b^T x)/dx = b",            lambda v: cnp.dot(b, v),             x, b),
        ("d(x^T A x)/dx = (A + A^T)x", lambda v: cnp.dot(v, cnp.dot(a, v)), x, (a + a.T) @ x),
        ("d||x||^2/dx = 2x",           lambda v: cnp.sum(v ** 2),           x, 2 * x),
        ("d||X||_F^2/dX = 2X",         lambda mat: cnp.sum(mat ** 2),       m, 2 * m),
        ("d tr(A X)/dX = A^T",         lambda mat: cnp.trace(cnp.dot(a, mat)), a.T.copy(), a.T),
        ("d(u^T X v)/dX = u v^T",      lambda mat: cnp.dot(b, cnp.dot(mat, x)), a, np.outer(b, x)),
    ]
    # fmt: on
    results = {}
    for name, function, at, expected in identities:
        difference = float(np.max(np.abs(np.asarray(chainrule.grad(function)(at)) - expected)))
        results[name] = difference
        say(f"{name:<28}  max |AD - formula| = {difference:.1e}")
    return results
