"""What a picture shows, before any layout: shapes with text, and labelled arrows.

`build_drawing(graph)` turns a `Graph` into a `Drawing`. In the "operations" style every
operation becomes an ellipse (`×`, `sin`) followed by the box of its result; in the
"values" style only the value boxes are drawn and the edges carry labels. Both the DOT
writer and the built-in layout read a `Drawing`, so the two engines show the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .labels import format_value, op_symbol
from .model import Constant, Graph

# fmt: off
COLORS = {
    "input": "#dbeafe", "value": "#f8fafc", "output": "#dcfce7", "op": "#fef3c7",
    "constant": "#f1f5f9", "backward_op": "#fbcfe8", "backward": "#fdf2f8", "stroke": "#334155", "edge": "#475569", "edge_label": "#9f1239",
}
# fmt: on


@dataclass
class Shape:
    """One drawn node: `kind` is "box", "ellipse" or "constant"."""

    key: str
    kind: str
    lines: list
    fill: str
    output: bool = False
    tooltip: str = ""


@dataclass
class Arrow:
    source: str
    target: str
    label: str | None = None


@dataclass
class Drawing:
    shapes: list = field(default_factory=list)
    arrows: list = field(default_factory=list)
    direction: str = "LR"
    title: str | None = None


def node_lines(graph: Graph, node, *, values: bool, grads: bool) -> list[str]:
    """The text of a value box: its name, then `= value`, then `grad = …` on request."""
    lines = [graph.display_name(node.id)]
    if values and node.value is not None:
        lines.append("= " + format_value(node.value))
    elif values and node.shape:
        lines.append(f"shape {tuple(node.shape)}")
    if grads and node.grad is not None:
        lines.append("grad = " + format_value(node.grad))
    return lines


def build_drawing(graph: Graph, *, values: bool = True, grads: bool = False) -> Drawing:
    """The shapes and arrows that picture `graph` (see the module docstring)."""
    drawing = Drawing(direction=graph.direction, title=graph.title)
    outputs = set(graph.outputs)
    for node in graph.nodes:
        if node.is_input:
            kind = "input"
        elif node.id in outputs:
            kind = "output"
        else:
            kind = "value"
        fill = COLORS["output" if node.id in outputs else kind]
        backward = node.id in graph.highlight
        if backward and node.id not in outputs:
            fill = COLORS["backward"]
        tooltip = node.op if node.shape is None else f"{node.op} {tuple(node.shape)} {node.dtype or ''}"
        value_box = Shape(f"v{node.id}", "box", node_lines(graph, node, values=values, grads=grads),
                          fill, output=node.id in outputs, tooltip=tooltip.strip())
        if graph.style == "operations" and not node.is_input:
            op_key = f"o{node.id}"
            drawing.shapes.append(Shape(op_key, "ellipse", [op_symbol(node)],
                                        COLORS["backward_op" if backward else "op"], tooltip=node.op))
            _add_constants(drawing, node, op_key)
            for position, arg in enumerate(node.args):
                if not isinstance(arg, Constant):
                    label = graph.edge_labels.get((arg, node.id, position))
                    drawing.arrows.append(Arrow(f"v{arg}", op_key, label))
            drawing.shapes.append(value_box)
            drawing.arrows.append(Arrow(op_key, value_box.key))
        else:
            drawing.shapes.append(value_box)
            for position, arg in enumerate(node.args):
                if not isinstance(arg, Constant):
                    label = graph.edge_labels.get((arg, node.id, position))
                    drawing.arrows.append(Arrow(f"v{arg}", value_box.key, label))
    return drawing


def _add_constants(drawing: Drawing, node, op_key: str) -> None:
    """Constants that `op_symbol` does not already show inline get a small box of their own."""
    constants = node.constants
    inline = len(node.args) == 2 and len(constants) == 1 and op_symbol(node) != node.op
    if not constants or inline:
        return
    for position, value in constants.items():
        key = f"c{node.id}_{position}"
        drawing.shapes.append(Shape(key, "constant", [format_value(value)], COLORS["constant"],
                                    tooltip=f"constant argument {position}"))
        drawing.arrows.append(Arrow(key, op_key))
