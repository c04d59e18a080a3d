"""Pictures for calculus: curves, tangents, Taylor approximations, contours, descent paths.

Matplotlib is an optional extra (``pip install chainrule[plot]``) and is imported
only inside these functions. Every function builds a ``matplotlib.figure.Figure``
(not registered with pyplot, so nothing is shown or leaked), returns it, and
writes it to ``save=`` (``.png``, ``.svg``, ``.pdf``; no suffix: the format
chosen by :func:`use_svg_display`, else PNG) when given. Notebooks display the
returned figure; call :func:`use_svg_display` for crisp SVG output there.

Functions of two variables may be written as ``f(x, y)`` or as ``f(v)`` of a
length-2 vector; both are accepted everywhere below.
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["use_svg_display", "plot", "tangent", "taylor", "contour", "descent"]

_FORMAT = {"default": "png"}
DEFAULT_FMTS = ("-", "m--", "g-.", "r:", "c-", "y--", "k-.", "b:")


def _matplotlib() -> Any:
    """Import matplotlib lazily; use the Agg backend when there is no display."""
    try:
        import matplotlib
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ImportError("chainrule.plot needs matplotlib: pip install 'chainrule[plot]'") from error
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    return matplotlib


def _figure(figsize: tuple[float, float]) -> Any:
    _matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def use_svg_display() -> bool:
    """Draw figures as SVG: in Jupyter (when ``matplotlib_inline`` is there) and for ``save=`` without a suffix.

    Returns True when the notebook display was switched too.

    >>> use_svg_display() in (True, False)
    True
    """
    _FORMAT["default"] = "svg"
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return False
    try:
        set_matplotlib_formats("svg")
    except Exception:  # noqa: BLE001 - outside IPython there is nothing to switch
        return False
    return True


def _save(figure: Any, save: str | os.PathLike | None) -> Any:
    if save is not None:
        path = Path(save)
        if not path.suffix:
            path = path.with_suffix("." + _FORMAT["default"])
        if path.suffix.lower() not in {".png", ".svg", ".pdf"}:
            raise ValueError(f"save={str(save)!r}: the file name must end in .png, .svg or .pdf")
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=150 if path.suffix.lower() == ".png" else "figure")
    return figure


def _evaluate(function: Callable[..., Any], xs: np.ndarray) -> np.ndarray:
    """``function`` on every point of ``xs``: vectorised when it can be, point by point otherwise."""
    with np.errstate(all="ignore"):
        try:
            values = np.asarray(function(xs), dtype=float)
            if values.shape == xs.shape:
                return values
        except Exception:  # noqa: BLE001 - not vectorisable: fall back to one call per point
            pass
        return np.array([float(np.asarray(function(x), dtype=float)) for x in xs.ravel()]).reshape(xs.shape)


def _two_argument(function: Callable[..., Any]) -> bool:
    """True for ``f(x, y)``, False for ``f(v)`` of a vector."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    return len(required) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


def _vector_function(function: Callable[..., Any]) -> Callable[[Any], Any]:
    """``f(v)`` of a length-2 vector, whichever way ``function`` was written."""
    if _two_argument(function):
        return lambda v: function(v[0], v[1])
    return function


def _grid_values(function: Callable[..., Any], grid_x: np.ndarray, grid_y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        try:
            values = (function(grid_x, grid_y) if _two_argument(function)
                      else function(np.stack([grid_x, grid_y])))
            values = np.asarray(values, dtype=float)
            if values.shape == grid_x.shape:
                return values
        except Exception:  # noqa: BLE001 - fall back to point by point
            pass
        vector_function = _vector_function(function)
        points = zip(grid_x.ravel(), grid_y.ravel())
        return np.array([float(vector_function(np.array([x, y]))) for x, y in points]).reshape(grid_x.shape)


def _as_curves(ys: Any, xs: np.ndarray | None) -> tuple[np.ndarray, list[np.ndarray]]:
    items = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    if xs is None:
        if any(callable(item) for item in items):
            raise ValueError("plot(f, xs): give the x values (xs) at which to evaluate the function")
        first = np.asarray(items[0], dtype=float)
        xs = np.arange(first.shape[-1], dtype=float)
    xs = np.asarray(xs, dtype=float)
    curves = []
    for item in items:
        values = _evaluate(item, xs) if callable(item) else np.asarray(item, dtype=float)
        if values.shape != xs.shape:
            raise ValueError(f"plot: a curve has {values.shape} values but xs has shape {xs.shape}")
        curves.append(values)
    return xs, curves


def plot(ys: Any, xs: Any = None, *, xlabel: str | None = None, ylabel: str | None = None,
         legend: Sequence[str] | None = None, xlim: tuple[float, float] | None = None,
         ylim: tuple[float, float] | None = None, xscale: str = "linear", yscale: str = "linear",
         fmts: Sequence[str] = DEFAULT_FMTS, figsize: tuple[float, float] = (3.5, 2.5),
         title: str | None = None, axes: Any = None, save: str | os.PathLike | None = None) -> Any:
    """Plot one or several curves, like the textbook's ``plot`` utility; returns the figure.

    ``ys`` is a function, an array, or a list mixing both; functions are evaluated at
    ``xs``. (Unlike the textbook, the curves come first and the x values second.)

    >>> import numpy as np
    >>> xs = np.arange(0, 3, 0.1)
    >>> figure = plot([lambda x: 3 * x**2 - 4 * x, 2 * xs - 3], xs, xlabel="x", legend=["f(x)", "tangent"])
    >>> len(figure.axes[0].lines)
    2
    """
    xs, curves = _as_curves(ys, xs)
    figure = axes.figure if axes is not None else _figure(figsize)
    axes = axes if axes is not None else figure.add_subplot()
    for index, values in enumerate(curves):
        axes.plot(xs, values, fmts[index % len(fmts)])
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:
        axes.set_xlim(xlim)
    if ylim is not None:
        axes.set_ylim(ylim)
    if xlabel:
        axes.set_xlabel(xlabel)
    if ylabel:
        axes.set_ylabel(ylabel)
    if title:
        axes.set_title(title)
    if legend:
        axes.legend(list(legend))
    axes.grid(True)
    return _save(figure, save)


def _default_xs(x0: float, xs: Any) -> np.ndarray:
    if xs is None:
        return np.linspace(x0 - 2.0, x0 + 2.0, 201)
    return np.asarray(xs, dtype=float)


def tangent(f: Callable[[Any], Any], x0: float, xs: Any = None, *, label: str = "f(x)",
            figsize: tuple[float, float] = (3.5, 2.5), save: str | os.PathLike | None = None,
            **options: Any) -> Any:
    """Plot ``f`` and its tangent line at ``x0`` (slope by :func:`chainrule.grad`).

    >>> figure = tangent(lambda x: 3 * x**2 - 4 * x, 1.0)
    >>> figure.axes[0].get_title()
    'tangent at x = 1: y = 2x - 3'
    """
    import chainrule

    x0 = float(x0)
    value, slope = chainrule.value_and_grad(f)(x0)
    value, slope = float(value), float(slope)
    if not (np.isfinite(value) and np.isfinite(slope)):
        raise ValueError(f"tangent: f({x0:g}) = {value} and f'({x0:g}) = {slope}: no tangent line there")
    intercept = value - slope * x0
    xs = _default_xs(x0, xs)
    figure = plot([f, slope * xs + intercept], xs, xlabel="x", ylabel="y",
                  legend=[label, "tangent"], figsize=figsize, title=f"tangent at x = {x0:g}: "
                  f"y = {_linear(slope, intercept)}", **options)
    figure.axes[0].plot([x0], [value], "ko", markersize=4)
    return _save(figure, save)


def _linear(slope: float, intercept: float) -> str:
    sign = "-" if intercept < 0 else "+"
    return f"{slope:.4g}x {sign} {abs(intercept):.4g}"


def taylor(f: Callable[..., Any], x0: Any, order: int | Sequence[int] = 2, xs: Any = None, *,
           figsize: tuple[float, float] | None = None, save: str | os.PathLike | None = None) -> Any:
    """Plot ``f`` beside its Taylor approximation at ``x0`` (see :func:`chainrule.taylor`).

    1-D (scalar ``x0``): ``f`` and the Taylor polynomials of the given order(s) on
    one axes. 2-D (``x0`` of length 2): two 3-D wireframes side by side, ``f`` and
    its approximation, with the expansion point marked; ``xs`` is then a pair of
    1-D arrays ``(xs, ys)`` or None for a square of half-width 2 around ``x0``.

    >>> figure = taylor(lambda x: x**3 - 1 / x, 1.0, order=[1, 2], xs=np.linspace(0.3, 2.5, 50))
    >>> [line.get_label() for line in figure.axes[0].lines][:3]
    ['f', 'order 1', 'order 2']
    """
    import chainrule

    orders = [order] if isinstance(order, (int, np.integer)) else list(order)
    if not orders or any(int(k) < 0 for k in orders):
        raise ValueError(f"taylor: order must be a non-negative integer or a list of them, got {order!r}")
    point = np.asarray(x0, dtype=float)
    if point.ndim == 0:
        xs = _default_xs(float(point), xs)
        figure = _figure(figsize or (4.5, 3.0))
        axes = figure.add_subplot()
        axes.plot(xs, _evaluate(f, xs), "-", linewidth=2, label="f")
        for index, k in enumerate(orders):
            polynomial = chainrule.taylor(f, float(point), order=int(k))
            axes.plot(xs, polynomial(xs), DEFAULT_FMTS[(index + 1) % len(DEFAULT_FMTS)], label=f"order {k}")
        axes.plot([float(point)], [float(_evaluate(f, point.reshape(1))[0])], "ko", markersize=4)
        values = _evaluate(f, xs)
        finite = values[np.isfinite(values)]
        if finite.size:
            span = finite.max() - finite.min()
            axes.set_ylim(finite.min() - 0.2 * span - 1e-9, finite.max() + 0.2 * span + 1e-9)
        axes.set_xlabel("x")
        axes.legend()
        axes.grid(True)
        axes.set_title(f"Taylor approximation at x = {float(point):g}")
        return _save(figure, save)
    if point.shape != (2,):
        raise ValueError(f"taylor: x0 must be a number or a point of 2 coordinates, got shape {point.shape}")
    vector_function = _vector_function(f)
    if xs is None:
        xs = (np.linspace(point[0] - 2, point[0] + 2, 31), np.linspace(point[1] - 2, point[1] + 2, 31))
    grid_x, grid_y = np.meshgrid(np.asarray(xs[0], dtype=float), np.asarray(xs[1], dtype=float))
    exact = _grid_values(f, grid_x, grid_y)
    figure = _figure(figsize or (4.5 * (1 + len(orders)) * 0.8, 3.6))
    panels = [("f(x, y)", exact)]
    for k in orders:
        polynomial = chainrule.taylor(vector_function, point, order=int(k))
        panels.append((f"order {k} approximation", polynomial(np.stack([grid_x, grid_y], axis=-1))))
    low, high = np.nanmin(exact), np.nanmax(exact)
    margin = 0.5 * (high - low + 1e-12)
    center = float(vector_function(point))
    stride = max(1, grid_x.shape[0] // 20)
    for index, (name, values) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1, projection="3d")
        if index:  # the function faintly behind each approximation, for comparison
            axes.plot_wireframe(grid_x, grid_y, exact, rstride=stride, cstride=stride, color="0.75", linewidth=0.4)
        # leave out (NaN) what runs far outside the function's range instead of flattening it
        shown = np.where((values >= low - margin) & (values <= high + margin), values, np.nan)
        axes.plot_wireframe(grid_x, grid_y, shown, rstride=stride, cstride=stride,
                            color="tab:blue" if index == 0 else "tab:purple", linewidth=0.6)
        axes.scatter([point[0]], [point[1]], [center], color="black", s=12)
        axes.set_zlim(low - margin, high + margin)
        axes.set_title(name, fontsize=9)
        axes.set_xlabel("x")
        axes.set_ylabel("y")
    return _save(figure, save)


def contour(f: Callable[..., Any], xlim: tuple[float, float] = (-2.0, 2.0), ylim: tuple[float, float] = (-2.0, 2.0),
            *, levels: int = 20, arrows: int = 15, resolution: int = 100, figsize: tuple[float, float] = (4.0, 3.5),
            axes: Any = None, save: str | os.PathLike | None = None) -> Any:
    """Contour lines of ``f`` over a rectangle with its gradient field as arrows (``arrows=0``: none).

    The arrows point uphill and are drawn at ``arrows x arrows`` points, their lengths
    scaled to the largest gradient. Gradients come from :func:`chainrule.grad`.

    >>> figure = contour(lambda x, y: x**2 + 2 * y**2, arrows=5)
    >>> len(figure.axes) >= 1
    True
    """
    import chainrule

    figure = axes.figure if axes is not None else _figure(figsize)
    axes = axes if axes is not None else figure.add_subplot()
    grid_x, grid_y = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    values = _grid_values(f, grid_x, grid_y)
    finite = np.isfinite(values)
    if not finite.any():
        raise ValueError("contour: the function is not finite anywhere on the rectangle")
    drawn = axes.contour(grid_x, grid_y, np.where(finite, values, np.nan), levels=levels, cmap="viridis")
    figure.colorbar(drawn, ax=axes, shrink=0.8)
    if arrows:
        gradient = chainrule.grad(_vector_function(f))
        arrow_x, arrow_y = np.meshgrid(np.linspace(*xlim, arrows + 2)[1:-1], np.linspace(*ylim, arrows + 2)[1:-1])
        with np.errstate(all="ignore"):
            field = np.array([np.asarray(gradient(np.array([x, y])), dtype=float)
                              for x, y in zip(arrow_x.ravel(), arrow_y.ravel())])
        field[~np.isfinite(field)] = 0.0
        axes.quiver(arrow_x.ravel(), arrow_y.ravel(), field[:, 0], field[:, 1], color="tab:red",
                    alpha=0.7, angles="xy", pivot="mid")
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    return _save(figure, save)


def descent(f: Callable[..., Any], x0: Any = None, *, method: str = "gradient_descent", result: Any = None,
            xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None,
            figsize: tuple[float, float] = (4.0, 3.5), title: str | None = None,
            save: str | os.PathLike | None = None, **optimiser_options: Any) -> Any:
    """Draw an optimiser's path: on the curve for 1-D ``x0``, on the contour plot for 2-D.

    Runs ``chainrule.optim.<method>(f, x0, **optimiser_options)`` unless a finished
    ``result`` (from :mod:`chainrule.optim`) is given. The path is drawn over the
    contours of ``f`` (which may be a rescaled version of the optimised function,
    such as its logarithm, for a clearer picture).

    >>> figure = descent(lambda x, y: x**2 + 2 * y**2, [1.5, 1.5], lr=0.1, steps=20)
    >>> figure.axes[0].get_title()
    'gradient_descent: 20 steps, f = 0.000299'
    """
    from chainrule import optim

    two_dimensional = None
    if result is None:
        if x0 is None:
            raise ValueError("descent: give a starting point x0 or a finished result=")
        if method not in optim.METHODS:
            raise ValueError(f"descent: unknown method {method!r}; choose one of {', '.join(optim.METHODS)}")
        start = np.asarray(x0, dtype=float)
        objective = _vector_function(f) if start.shape == (2,) else f
        result = optim.METHODS[method](objective, start, **optimiser_options)
    points = np.asarray(result.history.points, dtype=float)
    two_dimensional = points.ndim == 2 and points.shape[1] == 2
    if two_dimensional:
        xlim = xlim or _padded(points[:, 0])
        ylim = ylim or _padded(points[:, 1])
        figure = contour(f, xlim, ylim, arrows=0, figsize=figsize)
        axes = figure.axes[0]
        axes.plot(points[:, 0], points[:, 1], "-o", color="tab:orange", markersize=2.5, linewidth=1)
    elif points.ndim == 1:
        xlim = xlim or _padded(points)
        xs = np.linspace(*xlim, 200)
        figure = plot([f], xs, xlabel="x", ylabel="f(x)", figsize=figsize)
        axes = figure.axes[0]
        axes.plot(points, np.asarray(result.history.values, dtype=float), "-o", color="tab:orange", markersize=3)
    else:
        raise ValueError(f"descent: can draw paths in 1 or 2 dimensions, got points of shape {points.shape[1:]}")
    axes.plot(points[-1:, 0] if two_dimensional else points[-1:], points[-1:, 1] if two_dimensional
              else np.asarray(result.history.values, dtype=float)[-1:], "k*", markersize=9)
    axes.set_title(title or f"{result.method}: {result.iterations} steps, f = {float(result.value):.3g}")
    return _save(figure, save)


def _padded(values: np.ndarray) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    margin = max(0.25 * (high - low), 0.5)
    return low - margin, high + margin
