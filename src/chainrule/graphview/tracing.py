"""`trace(f, *args)`: run `f` once on traced inputs and keep every primitive it applied as a `Graph`.

A `RecordingTrace` is an ordinary reverse-mode trace (so the staged VJPs are the ones
`grad` uses) that also writes one `Node` per primitive application: the primitive's
name, its traced parents and constant arguments, its static parameters, the value, its
shape and dtype. The adjoint of every node comes from the core's own `backward_pass`.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np

from ..core import Box, Node as CoreNode, ReverseTrace, backward_pass, tree_flatten, tree_unflatten
from ..core.trace import unbox
from ..numpy.box import ArrayBox
from .labels import ATOM, call_text, constant_text
from .model import Constant, Graph, Node
from .names import LocalNames, argument_names

MAX_EXPRESSION = 30  # longer formulas are shown by a short name (t7) instead


class Recorder:
    """The nodes written by one `RecordingTrace`, and what the reverse pass needs of them."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.ids = itertools.count()
        self.by_core: dict[int, int] = {}  # id(core node) -> node id
        self.core_nodes: dict[int, CoreNode] = {}  # node id -> core node (kept alive)
        self.vjps: dict[int, dict] = {}  # node id -> {argument position: staged VJP or None}
        self.primitives: dict[int, Any] = {}  # node id -> Primitive
        self.raw_args: dict[int, tuple] = {}  # node id -> the raw arguments (for partials)
        self.observer: Callable | None = None  # called with each new node id

    def add(self, node: Node, core_node: CoreNode) -> Node:
        self.nodes.append(node)
        self.by_core[id(core_node)] = node.id
        self.core_nodes[node.id] = core_node
        if self.observer is not None:
            self.observer(node.id)
        return node

    def input(self, value, name: str) -> tuple[Box, Node]:
        raw = unbox(value)
        core_node = CoreNode.root()
        node = self.add(Node(next(self.ids), "input", name=name, value=raw,
                             shape=np.shape(raw), dtype=str(np.result_type(raw))), core_node)
        return core_node, node


class RecordingTrace(ReverseTrace):
    """A reverse-mode trace that also writes the graph into its `Recorder`."""

    __slots__ = ("recorder",)

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        result = super().record(primitive, ans, args, raw_args, kwargs, argnums, top)
        if not (isinstance(result, Box) and result._trace is self):
            return result  # no differentiable argument: the result is a constant here
        recorder = self.recorder
        traced = set(argnums)
        node_args = tuple(recorder.by_core[id(arg._node)] if i in traced else Constant(unbox(arg))
                          for i, arg in enumerate(args))
        makers = primitive.vjp_makers
        with_rule = [i for i in argnums if not (i in makers and makers[i] is None)]
        vjps = {i: None for i in argnums}
        vjps.update(zip(with_rule, result._node.vjps))
        raw = unbox(ans)
        node = Node(next(recorder.ids), primitive.name, node_args, dict(kwargs), np.shape(raw),
                    str(np.result_type(raw)), raw)
        recorder.add(node, result._node)
        recorder.vjps[node.id] = vjps
        recorder.primitives[node.id] = primitive
        recorder.raw_args[node.id] = tuple(unbox(arg) for arg in raw_args)
        return result


class TracedGraph(Graph):
    """A `Graph` made by `trace`: it remembers the function, so it can show its backward graph."""

    function: Callable
    args: tuple
    kwargs: dict
    recorder: Recorder
    output_name: str  # the name of the output variable in explanations
    function_name: str

    def backward_graph(self, granularity: str = "variables") -> Graph:
        """The graph the reverse pass runs, recorded by running it under an outer trace.

        `granularity="variables"` (default): one node per variable of the function (its
        inputs and named intermediates), each edge labelled with the local derivative
        ∂consumer/∂variable (formula and value), each node with its adjoint.
        `"operations"`: the same, one node per primitive. `"recorded"`: every primitive the
        reverse pass ran (the VJP computations), as recorded by the outer trace.
        """
        from .backward import backward_graph

        return backward_graph(self, granularity)

    def explain(self):
        """The chain rule by hand for this trace (see `chainrule.explain`)."""
        from .explain import explain_graph

        return explain_graph(self)


def _float_input(value):
    """Integer and bool inputs are differentiated as float64 (the design's convention)."""
    raw = value
    if isinstance(raw, (bool, int, np.integer, np.bool_)):
        return float(raw)
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "biu":
        return raw.astype(np.float64)
    if isinstance(raw, (list, tuple)):
        return np.asarray(raw, dtype=np.float64)
    return raw


def _is_array_leaf(value) -> bool:
    return isinstance(value, (int, float, complex, np.ndarray, np.generic, list)) and not isinstance(value, str)


def run_traced(function: Callable, args: tuple, kwargs: dict, trace: RecordingTrace,
               names: list[str] | None = None, value_of=lambda value, name: value) -> tuple:
    """Box the numeric leaves of `args` on `trace`, run `function`; return (result, LocalNames).

    `value_of(leaf, name)` may wrap each input first (the backward graph boxes them twice).
    """
    recorder = trace.recorder
    names = names or argument_names(function, args, kwargs)
    leaves, spec = tree_flatten(tuple(args))
    boxed = []
    leaf_names = _leaf_names(args, names)
    for leaf, name in zip(leaves, leaf_names):
        if _is_array_leaf(leaf) or isinstance(leaf, Box):
            inner = value_of(_float_input(leaf), name)
            core_node, _ = recorder.input(inner, name)
            boxed.append(ArrayBox(inner, trace, core_node))
        else:
            boxed.append(leaf)
    traced_args = tree_unflatten(spec, boxed)

    def is_traced(value) -> bool:
        return isinstance(value, Box) and value._trace is trace

    with LocalNames(function, is_traced) as local_names:
        result = function(*traced_args, **kwargs)
    return result, local_names


def _leaf_names(args: tuple, names: list[str]) -> list[str]:
    """`w`, `params['W']`, `xs[0]`: a name for each numeric leaf of the arguments."""
    out = []
    for arg, name in zip(args, names):
        leaves, _ = tree_flatten(arg)
        if len(leaves) == 1 and not isinstance(arg, (list, tuple, dict)):
            out.append(name)
        elif isinstance(arg, dict):
            keys = sorted(arg, key=repr)
            sub = [f"{name}[{key!r}]" for key in keys for _ in tree_flatten(arg[key])[0]]
            out += sub if len(sub) == len(leaves) else [f"{name}[{i}]" for i in range(len(leaves))]
        else:
            out += [f"{name}[{i}]" for i in range(len(leaves))]
    return out


def trace(function: Callable, *args, **kwargs) -> TracedGraph:
    """Run `function(*args, **kwargs)` once and return the `Graph` of what it computed.

    Numeric positional arguments (numbers, arrays, and those inside tuples, lists and
    dicts) are the inputs; keyword arguments are passed through as constants. Nodes carry
    the primitive, parents, static parameters, value, shape and dtype; `name` holds the
    user's variable name where it can be recovered; when the output is a real scalar,
    `grad` holds each node's adjoint ∂output/∂node from the reverse pass.

    >>> import numpy as np
    >>> g = trace(lambda a, x, b: np.sin(a * x + b), 2.0, 0.5, 1.0)
    >>> len(g), [node.op for node in g.operations]
    (6, ['multiply', 'add', 'sin'])
    >>> print(g.to_dot().splitlines()[0])
    digraph chainrule {
    """
    recorder = Recorder()
    recording = RecordingTrace(recorder)
    result, local_names = run_traced(function, args, kwargs, recording)
    outputs, _ = tree_flatten(result)
    output_ids = []
    for output in outputs:
        if isinstance(output, Box) and output._trace is recording:
            output_ids.append(recorder.by_core[id(output._node)])
        else:  # an output that does not depend on the inputs
            raw = unbox(output)
            node = Node(next(recorder.ids), "constant", value=raw, shape=np.shape(raw),
                        dtype=str(np.result_type(raw)))
            recorder.add(node, CoreNode.root())
            output_ids.append(node.id)
    named = {recorder.by_core.get(id(value._node)): local_names.found[id(value)]
             for value in local_names.found_values}
    for node in recorder.nodes:
        if node.id in named and not node.is_input:
            node.name = named[node.id]
    output_name = _function_name(function, recorder.nodes)
    if len(output_ids) == 1:
        output_name = next(n.name for n in recorder.nodes if n.id == output_ids[0]) or output_name
    _fill_expressions(recorder.nodes)
    _fill_gradients(recorder, output_ids)
    graph = TracedGraph(recorder.nodes, [n.id for n in recorder.nodes if n.is_input], output_ids,
                        title=None)
    graph.function, graph.args, graph.kwargs = function, args, kwargs
    graph.recorder, graph.output_name = recorder, output_name
    graph.function_name = _function_name(function, [])
    return graph


def _function_name(function: Callable, nodes: list[Node]) -> str:
    """The function's own name (`f` for a lambda), or, with `nodes`, a free name for its
    output: `f`, else `out` when the function uses `f` as a variable."""
    if not nodes:
        name = getattr(function, "__name__", "f")
        return name if name.isidentifier() else "f"
    taken = {node.name for node in nodes}
    return "f" if "f" not in taken else "out"


def _fill_expressions(nodes: list[Node]) -> None:
    """Give every unnamed node a short formula in its parents' names (`a·x + b`)."""
    texts: dict[int, tuple[str, int]] = {}
    for node in nodes:
        if node.is_input or node.op == "constant":
            texts[node.id] = ((node.name or f"t{node.id}"), ATOM)
            continue
        operands = [texts[arg] if not isinstance(arg, Constant) else constant_text(arg.value)
                    for arg in node.args]
        text, precedence = call_text(node.op, operands, node.params)
        if len(text) <= MAX_EXPRESSION:
            node.expr = text
        if node.name:
            texts[node.id] = (node.name, ATOM)
        elif node.expr:
            texts[node.id] = (text, precedence)
        else:
            texts[node.id] = (f"t{node.id}", ATOM)


def _fill_gradients(recorder: Recorder, output_ids: list[int]) -> None:
    """Every node's adjoint ∂output/∂node, when there is one real scalar output.

    Intermediate adjoints come from a flat reverse walk over the recorded VJPs (the same
    staged VJPs `grad` uses); the inputs' gradients come from the core's `backward_pass`
    itself, so an explanation can check its hand computation against the engine.
    """
    if len(output_ids) != 1:
        return
    output = next(node for node in recorder.nodes if node.id == output_ids[0])
    value = output.value
    if np.shape(value) != () or np.iscomplexobj(value) or output.op == "constant":
        return
    seed = np.ones_like(value) if isinstance(value, np.generic) else 1.0
    adjoints = {output.id: seed}
    for node in reversed(recorder.nodes):
        adjoint = adjoints.get(node.id)
        if adjoint is None or node.is_input:
            continue
        for position, vjp in recorder.vjps.get(node.id, {}).items():
            if vjp is None:
                continue
            pushed = vjp(adjoint)
            if pushed is None:
                continue
            parent = node.args[position]
            adjoints[parent] = adjoints[parent] + pushed if parent in adjoints else pushed
    inputs = [node for node in recorder.nodes if node.is_input]
    cotangents = backward_pass(recorder.core_nodes[output.id], seed,
                               [recorder.core_nodes[node.id] for node in inputs], free=False)
    adjoints.update({node.id: cotangent for node, cotangent in zip(inputs, cotangents)})
    for node in recorder.nodes:
        adjoint = adjoints.get(node.id)
        node.grad = unbox(adjoint) if adjoint is not None else np.zeros_like(node.value)
