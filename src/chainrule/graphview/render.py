"""Rendering a `Graph`: DOT text, SVG, PNG and PDF files, with or without Graphviz.

The engine is chosen per call: "dot" runs the Graphviz program (when it is on PATH),
"builtin" uses chainrule's own layered layout (SVG with the standard library only,
PNG/PDF through matplotlib, `pip install 'chainrule[viz]'`), and "auto" prefers "dot".
"""
from __future__ import annotations

import os
import shutil
import subprocess

from .drawing import COLORS, build_drawing
from .layout import layout
from .paint import save_matplotlib, to_svg_text

FORMATS = ("svg", "png", "pdf", "dot")
ENGINES = ("auto", "dot", "builtin")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph, *, values: bool = True, grads: bool = False) -> str:
    """Graphviz DOT text for `graph`: value boxes, operation ellipses, labelled edges.

    >>> from chainrule.graphview.model import Graph, Node
    >>> g = Graph([Node(0, "input", name="x"), Node(1, "sin", args=(0,))], [0], [1])
    >>> print(to_dot(g).splitlines()[0])
    digraph chainrule {
    """
    drawing = build_drawing(graph, values=values, grads=grads)
    lines = ["digraph chainrule {",
             f"  rankdir={drawing.direction}; nodesep=0.3; ranksep=0.45; bgcolor=white; "
             'fontname="DejaVu Sans,Helvetica,Arial";',
             '  node [fontname="DejaVu Sans,Helvetica,Arial", fontsize=12, penwidth=1.2, '
             f'color="{COLORS["stroke"]}"];',
             f'  edge [fontname="DejaVu Sans,Helvetica,Arial", fontsize=10, color="{COLORS["edge"]}", '
             f'fontcolor="{COLORS["edge_label"]}", arrowsize=0.7];']
    if drawing.title:
        lines.append(f"  labelloc=t; label={_quote(drawing.title)};")
    for shape in drawing.shapes:
        attributes = {"label": "\n".join(shape.lines), "tooltip": shape.tooltip,
                      "fillcolor": shape.fill}
        if shape.kind == "ellipse":
            attributes.update(shape="ellipse", style="filled")
        elif shape.kind == "constant":
            attributes.update(shape="box", style="rounded,filled,dashed", fontsize="10")
        else:
            attributes.update(shape="box", style="rounded,filled")
        if shape.output:
            attributes["peripheries"] = "2"
        text = ", ".join(f"{key}={_quote(str(value))}" for key, value in attributes.items())
        lines.append(f"  {shape.key} [{text}];")
    for arrow in drawing.arrows:
        label = f" [label={_quote(arrow.label)}]" if arrow.label else ""
        lines.append(f"  {arrow.source} -> {arrow.target}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _choose(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"render engine={engine!r}: use one of {ENGINES}")
    if engine == "auto":
        return "dot" if shutil.which("dot") else "builtin"
    if engine == "dot" and not shutil.which("dot"):
        raise RuntimeError(
            "render engine='dot': the Graphviz `dot` program is not on PATH. Install Graphviz "
            "(e.g. apt-get install graphviz), or use engine='builtin' (the default 'auto' "
            "falls back to it).")
    return engine


def _run_dot(dot_text: str, fmt: str, dpi: int = 96) -> bytes:
    options = [f"-Gdpi={dpi}"] if fmt == "png" else []
    result = subprocess.run(["dot", f"-T{fmt}", *options], input=dot_text.encode(), capture_output=True,
                            timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Graphviz `dot -T{fmt}` failed: {result.stderr.decode(errors='replace')}"
                           f" (engine='builtin' draws without Graphviz)")
    return result.stdout


def to_svg(graph, *, values: bool = True, grads: bool = False, engine: str = "auto") -> str:
    """The picture of `graph` as SVG text (needs nothing beyond the standard library)."""
    if _choose(engine) == "dot":
        return _run_dot(to_dot(graph, values=values, grads=grads), "svg").decode()
    return to_svg_text(layout(build_drawing(graph, values=values, grads=grads)))


def save(graph, path, *, values: bool = True, grads: bool = False, engine: str = "auto",
         dpi: int = 150) -> str:
    """Write the picture of `graph` to `path`; the extension picks the format."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"Graph.save({path!r}): unknown extension; use one of "
                         f"{', '.join('.' + name for name in FORMATS)}")
    if fmt == "dot":
        with open(path, "w", encoding="utf-8") as file:
            file.write(to_dot(graph, values=values, grads=grads))
        return path
    if _choose(engine) == "dot":
        data = _run_dot(to_dot(graph, values=values, grads=grads), fmt, dpi)
        with open(path, "wb") as file:
            file.write(data)
        return path
    scene = layout(build_drawing(graph, values=values, grads=grads))
    if fmt == "svg":
        with open(path, "w", encoding="utf-8") as file:
            file.write(to_svg_text(scene))
    else:
        save_matplotlib(scene, path, fmt, dpi)
    return path
