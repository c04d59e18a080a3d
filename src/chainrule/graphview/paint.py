"""Painters for a laid-out `Scene`: SVG text (standard library only) and matplotlib (PNG, PDF).

Both draw the same primitives -- rounded boxes for values, ellipses for operations,
Bézier arrows, labels on a white backing -- so the built-in SVG and PNG look alike.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from .layout import LINE_HEIGHT, Scene

FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _line_positions(item) -> list[tuple[str, float]]:
    step = item.size * LINE_HEIGHT
    first = item.y - step * (len(item.lines) - 1) / 2
    return [(line, first + i * step) for i, line in enumerate(item.lines)]


def to_svg_text(scene: Scene) -> str:
    """The scene as a standalone SVG document."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{scene.width:.0f}" '
           f'height="{scene.height:.0f}" viewBox="0 0 {scene.width:.1f} {scene.height:.1f}" '
           f'font-family="{FONT_FAMILY}">',
           f'<rect width="100%" height="100%" fill="white"/>']
    for item in scene.items:
        if item.kind == "curve":
            (x0, y0), rest = item.points[0], item.points[1:]
            path = f"M{x0:.1f},{y0:.1f}" + "".join(
                f" C{rest[i][0]:.1f},{rest[i][1]:.1f} {rest[i + 1][0]:.1f},{rest[i + 1][1]:.1f} "
                f"{rest[i + 2][0]:.1f},{rest[i + 2][1]:.1f}" for i in range(0, len(rest), 3))
            out.append(f'<path d="{path}" fill="none" stroke="{item.stroke}" stroke-width="1.3"/>')
        elif item.kind == "arrowhead":
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in item.points)
            out.append(f'<polygon points="{points}" fill="{item.fill}" stroke="{item.stroke}"/>')
        elif item.kind in ("box", "ellipse"):
            out.append("<g>")
            if item.tooltip:
                out.append(f"<title>{escape(item.tooltip)}</title>")
            out.append(_shape_svg(item, 0.0))
            if item.double:
                out.append(_shape_svg(item, 4.0))
            out.append("</g>")
        elif item.kind == "label":
            out.append(f'<rect x="{item.x - item.w / 2:.1f}" y="{item.y - item.h / 2:.1f}" '
                       f'width="{item.w:.1f}" height="{item.h:.1f}" fill="white" '
                       f'fill-opacity="0.9" rx="3"/>')
            out.append(_text_svg(item))
        elif item.kind == "text":
            out.append(_text_svg(item))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _shape_svg(item, inset: float) -> str:
    fill = item.fill if inset == 0 else "none"
    if item.kind == "ellipse":
        return (f'<ellipse cx="{item.x:.1f}" cy="{item.y:.1f}" rx="{item.w / 2 - inset:.1f}" '
                f'ry="{item.h / 2 - inset:.1f}" fill="{fill}" stroke="{item.stroke}" '
                f'stroke-width="1.3"/>')
    return (f'<rect x="{item.x - item.w / 2 + inset:.1f}" y="{item.y - item.h / 2 + inset:.1f}" '
            f'width="{item.w - 2 * inset:.1f}" height="{item.h - 2 * inset:.1f}" '
            f'rx="{8 - inset / 2:.1f}" fill="{fill}" stroke="{item.stroke}" stroke-width="1.3"/>')


def _text_svg(item) -> str:
    spans = "".join(
        f'<text x="{item.x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="central" '
        f'font-size="{item.size:.0f}" fill="{item.stroke}">{escape(line)}</text>'
        for line, y in _line_positions(item))
    return spans


def save_matplotlib(scene: Scene, path: str, fmt: str, dpi: int) -> None:
    """Draw the scene with matplotlib (object API, no pyplot state) and save it as `fmt`."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.patches import Ellipse, FancyBboxPatch, PathPatch, Polygon
        from matplotlib.path import Path
    except ImportError:
        raise ImportError(
            f"saving a graph as .{fmt} without the Graphviz `dot` program needs matplotlib: "
            f"pip install 'chainrule[viz]' (or save as .svg or .dot, which need nothing)") from None
    pixels = 96.0
    figure = Figure(figsize=(scene.width / pixels, scene.height / pixels), dpi=pixels)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, scene.width)
    axes.set_ylim(scene.height, 0)
    axes.set_axis_off()
    points_per_pixel = 72.0 / pixels
    for item in scene.items:
        if item.kind == "curve":
            codes = [Path.MOVETO] + [Path.CURVE4] * (len(item.points) - 1)
            axes.add_patch(PathPatch(Path(item.points, codes), fill=False, edgecolor=item.stroke,
                                     linewidth=1.3 * points_per_pixel))
        elif item.kind == "arrowhead":
            axes.add_patch(Polygon(item.points, closed=True, facecolor=item.fill,
                                   edgecolor=item.stroke, linewidth=0.8 * points_per_pixel))
        elif item.kind in ("box", "ellipse"):
            for inset in ((0.0, 4.0) if item.double else (0.0,)):
                fill = item.fill if inset == 0 else "none"
                if item.kind == "ellipse":
                    patch = Ellipse((item.x, item.y), item.w - 2 * inset, item.h - 2 * inset,
                                    facecolor=fill, edgecolor=item.stroke)
                else:
                    patch = FancyBboxPatch(
                        (item.x - item.w / 2 + inset, item.y - item.h / 2 + inset),
                        item.w - 2 * inset, item.h - 2 * inset,
                        boxstyle=f"round,pad=0,rounding_size={8 - inset / 2}",
                        facecolor=fill, edgecolor=item.stroke)
                patch.set_linewidth(1.3 * points_per_pixel)
                axes.add_patch(patch)
        elif item.kind in ("text", "label"):
            if item.kind == "label":
                axes.add_patch(FancyBboxPatch((item.x - item.w / 2, item.y - item.h / 2), item.w,
                                              item.h, boxstyle="round,pad=0,rounding_size=3",
                                              facecolor="white", edgecolor="none", alpha=0.9))
            for line, y in _line_positions(item):
                axes.text(item.x, y, line, ha="center", va="center_baseline", color=item.stroke,
                          fontsize=item.size * points_per_pixel, family="DejaVu Sans")
    figure.savefig(path, format=fmt, dpi=dpi, facecolor="white")
