"""chainrule.plot: every function writes a valid PNG and SVG without a display."""

import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import chainrule.numpy as cnp  # noqa: E402
from chainrule import optim, plot  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def bump(x, y):
    return x * cnp.exp(-x ** 2 - y ** 2)


def check_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 200 and height >= 150 and len(data) > 5000


def check_svg(path):
    root = ElementTree.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 20  # something was drawn


DRAWINGS = {
    "plot": lambda save: plot.plot([lambda x: 3 * x ** 2 - 4 * x, lambda x: 2 * x - 3], np.arange(0, 3, 0.1),
                                   xlabel="x", ylabel="f(x)", legend=["f(x)", "tangent"], save=save),
    "plot_log": lambda save: plot.plot([np.exp(np.linspace(0, 5, 20)), np.linspace(1, 3, 20)], np.linspace(0, 5, 20),
                                       yscale="log", save=save),
    "tangent": lambda save: plot.tangent(lambda x: x ** 3 - 1 / x, 1.0, np.linspace(0.3, 2.5, 100), save=save),
    "taylor_1d": lambda save: plot.taylor(cnp.exp, 0.0, order=[1, 2, 3], save=save),
    "taylor_2d": lambda save: plot.taylor(bump, [-1.0, 0.0], order=2, save=save),
    "contour": lambda save: plot.contour(bump, (-2, 2), (-2, 2), arrows=8, resolution=40, save=save),
    "descent_2d": lambda save: plot.descent(lambda x, y: x ** 2 + 2 * y ** 2, [-5.0, -2.0], lr=0.1, steps=20,
                                            save=save),
    "descent_1d": lambda save: plot.descent(lambda x: x ** 2, 10.0, lr=0.2, steps=10, save=save),
    "descent_newton": lambda save: plot.descent(lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2,
                                                [-1.2, 1.0], method="newton", save=save),
}


@pytest.mark.parametrize("name", list(DRAWINGS))
def test_writes_png_and_svg(name, tmp_path):
    figure = DRAWINGS[name](tmp_path / f"{name}.png")
    figure.savefig(tmp_path / f"{name}.svg")
    check_png(tmp_path / f"{name}.png")
    check_svg(tmp_path / f"{name}.svg")


def test_backend_is_headless_and_pyplot_untouched(tmp_path):
    plot.plot(np.arange(5.0), save=tmp_path / "a.png")
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg" or "matplotlib.pyplot" in sys.modules
    check_png(tmp_path / "a.png")


def test_svg_display_makes_suffixless_saves_svg(tmp_path):
    try:
        plot.use_svg_display()
        plot.plot(np.arange(5.0), save=tmp_path / "picture")
    finally:
        plot._FORMAT["default"] = "png"
    check_svg(tmp_path / "picture.svg")


def test_figures_are_returned_with_their_content():
    figure = plot.tangent(lambda x: 3 * x ** 2 - 4 * x, 1.0)
    axes = figure.axes[0]
    assert axes.get_title() == "tangent at x = 1: y = 2x - 3"
    xs, ys = axes.lines[1].get_data()
    assert np.allclose(ys, 2 * xs - 3)


def test_plot_accepts_vector_and_two_argument_functions_alike(tmp_path):
    first = plot.contour(lambda v: v[0] ** 2 + v[1] ** 2, arrows=4, resolution=20)
    second = plot.contour(lambda x, y: x ** 2 + y ** 2, arrows=4, resolution=20)
    arrows_first = first.axes[0].collections[-1].U
    arrows_second = second.axes[0].collections[-1].U
    assert np.allclose(arrows_first, arrows_second)


def test_descent_accepts_a_finished_result(tmp_path):
    result = optim.newton(lambda v: v[0] ** 2 + 3 * v[1] ** 2 + v[0] * v[1], [2.0, 1.0])
    figure = plot.descent(lambda x, y: x ** 2 + 3 * y ** 2 + x * y, result=result, save=tmp_path / "n.png")
    assert figure.axes[0].get_title().startswith("newton: 1 steps")
    check_png(tmp_path / "n.png")


@pytest.mark.parametrize("call, message", [
    (lambda: plot.plot(lambda x: x), "give the x values"),
    (lambda: plot.plot([np.arange(3.0)], np.arange(4.0)), "values"),
    (lambda: plot.plot(np.arange(3.0), save="picture.gif"), ".png, .svg or .pdf"),
    (lambda: plot.taylor(cnp.exp, [0.0, 1.0, 2.0]), "2 coordinates"),
    (lambda: plot.taylor(cnp.exp, 0.0, order=-1), "order"),
    (lambda: plot.descent(lambda x: x ** 2), "starting point"),
    (lambda: plot.descent(lambda x: x ** 2, 1.0, method="bfgs"), "unknown method"),
    (lambda: plot.tangent(cnp.sqrt, 0.0), "no tangent line"),
])
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message), np.errstate(all="ignore"):
        call()
