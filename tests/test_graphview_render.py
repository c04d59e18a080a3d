"""Rendering of hand-built graphs: model checks, DOT text, SVG/PNG/PDF files, layout sanity."""
import math
import shutil
import xml.etree.ElementTree as ET

import pytest

from chainrule.graphview import Constant, Graph, Node
from chainrule.graphview.drawing import build_drawing
from chainrule.graphview.labels import call_text, format_value, op_symbol, ATOM, SUM
from chainrule.graphview.layout import layout

SVG = "{http://www.w3.org/2000/svg}"


def sin_graph():
    nodes = [Node(0, "input", name="a", value=2.0), Node(1, "input", name="x", value=0.5),
             Node(2, "input", name="b", value=1.0),
             Node(3, "multiply", args=(0, 1), value=1.0, expr="a·x"),
             Node(4, "add", args=(3, 2), value=2.0, expr="a·x + b"),
             Node(5, "sin", args=(4,), value=math.sin(2.0), name="y")]
    return Graph(nodes, [0, 1, 2], [5], title="y = sin(a·x + b)")


def test_model_container_protocol():
    g = sin_graph()
    assert len(g) == 6
    assert [node.op for node in g] == ["input"] * 3 + ["multiply", "add", "sin"]
    assert g[4].parents == (3, 2) and g.consumers()[3] == [4]
    assert [(e.source, e.target, e.position) for e in g.edges] == [(0, 3, 0), (1, 3, 1), (3, 4, 0),
                                                                  (2, 4, 1), (4, 5, 0)]
    assert "3 inputs, 3 operations, 1 outputs" in repr(g)


def test_model_rejects_bad_graphs():
    with pytest.raises(ValueError, match="topological order"):
        Graph([Node(1, "sin", args=(0,)), Node(0, "input")])
    with pytest.raises(ValueError, match="unique"):
        Graph([Node(0, "input"), Node(0, "input")])
    with pytest.raises(ValueError, match="not a node"):
        Graph([Node(0, "input")], outputs=[7])
    with pytest.raises(KeyError, match="no node with id 9"):
        sin_graph()[9]


def test_simplified_folds_operations_into_edge_labels():
    simple = sin_graph().simplified()
    assert simple.style == "values" and len(simple) == 6
    assert [e.label for e in simple.edges] == ["×", "×", "+", "+", "sin"]
    drawing = build_drawing(simple)
    assert all(shape.kind == "box" for shape in drawing.shapes)


def test_operations_style_draws_each_op_as_ellipse_and_result_box():
    drawing = build_drawing(sin_graph())
    kinds = [shape.kind for shape in drawing.shapes]
    assert kinds.count("ellipse") == 3 and kinds.count("box") == 6
    assert ["×", "+", "sin"] == [s.lines[0] for s in drawing.shapes if s.kind == "ellipse"]


def test_labels_and_formulas():
    assert format_value(1024.0) == "1024" and format_value(-4096.0) == "-4096"
    assert format_value(0.41614683654714241) == "0.4161"
    assert op_symbol(Node(1, "power", args=(0, Constant(2)))) == "^2"
    assert op_symbol(Node(1, "multiply", args=(Constant(2), 0))) == "2×"
    assert call_text("multiply", [("2", ATOM), ("a + b", SUM)])[0] == "2(a + b)"
    assert call_text("subtract", [("a", ATOM), ("b - c", SUM)])[0] == "a - (b - c)"
    assert call_text("sum", [("x", ATOM)], {"axis": 0})[0] == "sum(x, axis=0)"


def test_dot_text_has_shapes_labels_and_edges():
    g = sin_graph()
    g.edge_labels[(4, 5, 0)] = 'cos("v")'
    dot = g.to_dot()
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    assert 'tooltip="multiply"' in dot and 'label="sin"' in dot and "peripheries" in dot
    assert 'label="cos(\\"v\\")"' in dot  # quotes escaped
    assert "v4 -> o5" in dot and "= 0.9093" in dot
    assert "= 0.9093" not in g.to_dot(values=False)


def test_layout_keeps_shapes_apart_and_inside_the_page():
    scene = layout(build_drawing(sin_graph().simplified()))
    boxes = [item for item in scene.items if item.kind in ("box", "ellipse", "label")]
    for item in boxes:
        assert 0 <= item.x - item.w / 2 and item.x + item.w / 2 <= scene.width
        assert 0 <= item.y - item.h / 2 and item.y + item.h / 2 <= scene.height
    for i, first in enumerate(boxes):
        for second in boxes[i + 1:]:
            overlap_x = abs(first.x - second.x) < (first.w + second.w) / 2
            overlap_y = abs(first.y - second.y) < (first.h + second.h) / 2
            assert not (overlap_x and overlap_y), (first.lines, second.lines)


def test_layout_orders_ranks_left_to_right_and_reduces_crossings():
    scene = layout(build_drawing(sin_graph()))
    texts = {tuple(item.lines): item for item in scene.items if item.kind == "text"}
    assert texts[("a", "= 2")].x < texts[("×",)].x < texts[("+",)].x < texts[("sin",)].x
    mirrored = layout(build_drawing(sin_graph().replace(direction="RL")))
    texts = {tuple(item.lines): item for item in mirrored.items if item.kind == "text"}
    assert texts[("a", "= 2")].x > texts[("sin",)].x


def test_layout_of_a_long_chain_is_iterative():
    nodes = [Node(0, "input", name="x")] + [Node(i, "sin", args=(i - 1,)) for i in range(1, 400)]
    scene = layout(build_drawing(Graph(nodes, [0], [399])))
    assert scene.width > 400 * 40


def test_save_svg_builtin_is_valid_xml(tmp_path):
    path = sin_graph().save(tmp_path / "g.svg", engine="builtin")
    data = open(path, "rb").read()
    assert len(data) > 2000
    root = ET.fromstring(data)
    assert root.tag == SVG + "svg"
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "sin" in texts and "y = sin(a·x + b)" in texts
    assert len(list(root.iter(SVG + "ellipse"))) == 3


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_save_raster_builtin(tmp_path, fmt):
    pytest.importorskip("matplotlib")
    path = sin_graph().simplified().save(tmp_path / f"g.{fmt}", engine="builtin", dpi=100)
    data = open(path, "rb").read()
    signature = b"\x89PNG\r\n\x1a\n" if fmt == "png" else b"%PDF"
    assert data.startswith(signature) and len(data) > 5000
    if fmt == "png":
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        assert width > 300 and height > 100


def test_png_has_drawn_content(tmp_path):
    mpl_image = pytest.importorskip("matplotlib.image")
    path = sin_graph().save(tmp_path / "g.png", engine="builtin", dpi=72)
    pixels = mpl_image.imread(path)
    assert pixels.std() > 0.05  # not a blank page
    assert (pixels[..., :3] < 0.5).mean() > 0.005  # dark strokes and text


def test_save_dot_and_bad_extension(tmp_path):
    path = sin_graph().save(tmp_path / "g.dot")
    assert open(path, encoding="utf-8").read().startswith("digraph")
    with pytest.raises(ValueError, match="unknown extension"):
        sin_graph().save(tmp_path / "g.jpeg")
    with pytest.raises(ValueError, match="engine"):
        sin_graph().save(tmp_path / "g.svg", engine="cairo")


def test_dot_engine_when_graphviz_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="not on PATH"):
        sin_graph().save(tmp_path / "g.svg", engine="dot")
    svg = sin_graph()._repr_svg_()  # auto falls back to the built-in layout
    assert ET.fromstring(svg).tag == SVG + "svg"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot not installed")
def test_save_with_system_dot(tmp_path):
    path = sin_graph().save(tmp_path / "g.png", engine="dot")
    assert open(path, "rb").read().startswith(b"\x89PNG")
