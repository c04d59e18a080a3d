"""Tracing real functions: node counts, ops, names, backward graphs, rendering of traced graphs."""
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from textbook_examples import chain, textbook



def named_sin(a, x, b):
    u = a * x
    v = u + b
    y = np.sin(v)
    return y


def test_graph_of_sin_ax_plus_b():
    g = cr.trace(lambda a, x, b: np.sin(a * x + b), 2.0, 0.5, 1.0)
    assert len(g) == 6 and len(g.inputs) == 3 and len(g.outputs) == 1
    assert [node.op for node in g] == ["input", "input", "input", "multiply", "add", "sin"]
    assert [g[i].name for i in g.inputs] == ["a", "x", "b"]
    mul, add, sin = g.operations
    assert mul.parents == tuple(g.inputs[:2]) and add.parents == (mul.id, g.inputs[2])
    assert sin.parents == (add.id,) and g.outputs == [sin.id]
    assert sin.value == pytest.approx(np.sin(2.0)) and sin.shape == () and sin.dtype == "float64"
    assert add.expr == "a·x + b"
    grads = [g[i].grad for i in g.inputs]
    assert np.allclose(grads, np.cos(2.0) * np.array([0.5, 2.0, 1.0]))
    assert (mul.grad, add.grad, sin.grad) == (np.cos(2.0), np.cos(2.0), 1.0)  # intermediates too


def test_graph_of_the_textbook_example():
    g = cr.trace(textbook, -1.0, 0.0, -2.0, 1.0)
    ops = [node.op for node in g.operations]
    assert len(g) == 18 and len(ops) == 14
    assert (ops.count("add"), ops.count("subtract"), ops.count("power")) == (6, 3, 5)
    named = {node.name: node.value for node in g if node.name}
    assert named == {"w": -1.0, "x": 0.0, "y": -2.0, "z": 1.0, "a": 4.0, "b": 0.0, "u": 16.0, "v": 16.0}
    assert g[g.outputs[0]].value == 1024.0
    assert [g[i].grad for i in g.inputs] == [-4096.0] * 4
    adjoints = {node.name: node.grad for node in g if node.name}
    assert (adjoints["a"], adjoints["b"], adjoints["u"], adjoints["v"]) == (1024.0, 0.0, 64.0, 64.0)
    power = g.operations[3]
    assert power.op == "power" and power.constants == {1: 2}


def test_names_constants_and_pytrees():
    def f(x, params, scale=3.0):
        x = x * params["w"]
        x = x + params["b"]
        return np.sum(x * scale)

    g = cr.trace(f, np.array([1.0, 2.0]), {"w": 2.0, "b": np.array([0.5, 0.5])}, scale=4.0)
    assert [g[i].name for i in g.inputs] == ["x", "params['b']", "params['w']"]
    assert [node.name for node in g.operations][:2] == ["x′", "x′′"]
    ops = g.operations
    assert ops[2].op == "multiply" and ops[2].constants == {1: 4.0}
    assert ops[0].shape == (2,) and g[g.outputs[0]].value == pytest.approx(4 * (2 + 0.5 + 4 + 0.5))


def test_integer_inputs_are_traced_as_floats():
    g = cr.trace(lambda x: x * x, 3)
    assert g[g.inputs[0]].value == 3.0 and isinstance(g[g.inputs[0]].value, float)
    assert g[g.inputs[0]].grad == 6.0


def test_constant_output_and_unused_input():
    g = cr.trace(lambda x, y: x * 2.0, 1.0, 5.0)
    assert g[g.inputs[1]].grad == 0.0
    g = cr.trace(lambda x: 7.0, 1.0)
    assert g[g.outputs[0]].op == "constant"


def test_name_recovery_restores_the_previous_tracer():
    def tracer(frame, event, arg):
        return None

    def broken(x):
        y = x * 2
        raise RuntimeError("boom")

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        cr.trace(named_sin, 1.0, 2.0, 3.0)
        assert sys.gettrace() is tracer
        with pytest.raises(RuntimeError, match="boom"):
            cr.trace(broken, 1.0)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_simplified_graph_of_a_trace():
    g = cr.trace(named_sin, 2.0, 0.5, 1.0).simplified()
    assert [edge.label for edge in g.edges] == ["×", "×", "+", "+", "sin"]
    assert [node.name for node in g.operations] == ["u", "v", "y"]


def test_backward_graph_carries_the_local_derivatives():
    back = cr.trace(chain, 0.5).backward_graph()
    labels = sorted(edge.label for edge in back.edges)
    assert labels == ["∂y/∂x = 6x²\n= 1.5", "∂z/∂y = 2y\n= 6.5"]
    adjoints = {node.label: node.value for node in back}
    assert adjoints == {"∂z/∂z": 1.0, "∂z/∂y": 6.5, "∂z/∂x": 9.75}
    assert back.style == "values" and back.direction == "RL"


def test_backward_graph_granularities():
    g = cr.trace(named_sin, 2.0, 0.5, 1.0)
    back = g.backward_graph()
    assert "cos(v)" in back.to_dot() and len(back) == 6
    per_op = cr.trace(lambda a, x, b: np.sin(a * x + b), 2.0, 0.5, 1.0).backward_graph("operations")
    assert len(per_op) == 6 and any("cos(a·x + b)" in (e.label or "") for e in per_op.edges)
    recorded = g.backward_graph("recorded")
    backward_ops = [recorded[i].op for i in sorted(recorded.highlight)]
    assert "cos" in backward_ops and backward_ops.count("multiply") >= 2
    gradients = {recorded[i].name: recorded[i].value for i in recorded.outputs}
    assert gradients["∂y/∂a"] == pytest.approx(0.5 * np.cos(2.0))
    with pytest.raises(ValueError, match="granularity"):
        g.backward_graph("edges")


def test_backward_graph_needs_a_scalar_output():
    g = cr.trace(lambda x: np.sin(x), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="scalar output"):
        g.backward_graph("recorded")


def test_acceptance_dot_of_sin():
    g = cr.trace(lambda a, x, b: np.sin(a * x + b), 2.0, 0.5, 1.0)
    dot = g.to_dot()
    assert "digraph" in dot and "sin" in dot and "multiply" in dot
    assert "cos" in g.backward_graph().to_dot()


def test_traced_graphs_render_to_valid_files(tmp_path):
    pytest.importorskip("matplotlib")
    g = cr.trace(named_sin, 2.0, 0.5, 1.0)
    for name, picture in {"forward": g, "simple": g.simplified(), "back": g.backward_graph(),
                          "recorded": g.backward_graph("recorded")}.items():
        svg = picture.save(tmp_path / f"{name}.svg", engine="builtin")
        assert ET.parse(svg).getroot().tag.endswith("svg")
        png = picture.save(tmp_path / f"{name}.png", engine="builtin", dpi=80)
        data = open(png, "rb").read()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 8000
    html_svg = g._repr_svg_()
    assert "<svg" in html_svg and "sin" in html_svg
