"""The neutral graph model that every picture, explanation and formula is drawn from.

A `Graph` is a list of `Node`s in topological order (parents first) plus the ids of its
inputs and outputs. A node is one value: an input of the function, or the result of one
primitive applied to earlier nodes and constants. Nothing here knows how the graph was
traced, so the renderers can be tested on hand-built graphs and reused for the backward
graph.

>>> g = Graph([Node(0, "input", name="x", value=3.0),
...            Node(1, "sin", args=(0,), value=0.1411)], inputs=[0], outputs=[1])
>>> len(g), [node.op for node in g], g[1].parents
(2, ['input', 'sin'], (0,))
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

#: The shapes a node can have in a picture: "op" draws an operation (ellipse) followed by
#: its result (box); "value" draws only the value box (ops folded into the edges).
STYLES = ("operations", "values")


@dataclass(frozen=True)
class Constant:
    """An argument of a primitive that is not traced (a Python number, a plain array)."""

    value: Any

    def __repr__(self) -> str:
        return f"Constant({self.value!r})"


@dataclass
class Node:
    """One value in a graph.

    `op` is the primitive's name ("input" for an input of the function); `args` holds, in
    argument order, the ids of traced parents and `Constant`s for the other arguments;
    `params` the static keyword parameters (axis=…). `value` and `grad` (the adjoint
    ∂output/∂node) are optional; `name` is the user's variable name when it is known;
    `label` overrides the text the renderers show; `expr` is a short formula in terms of
    the parents' names (filled in by tracing, used by the renderers when there is no name).
    """

    id: int
    op: str
    args: tuple = ()
    params: dict = field(default_factory=dict)
    shape: tuple | None = None
    dtype: str | None = None
    value: Any = None
    grad: Any = None
    name: str | None = None
    label: str | None = None
    expr: str | None = None

    def __post_init__(self) -> None:
        self.args = tuple(self.args)

    @property
    def parents(self) -> tuple:
        """Ids of the traced arguments, in argument order (a repeated argument repeats)."""
        return tuple(arg for arg in self.args if not isinstance(arg, Constant))

    @property
    def constants(self) -> dict:
        """Position → value of the untraced arguments."""
        return {i: arg.value for i, arg in enumerate(self.args) if isinstance(arg, Constant)}

    @property
    def is_input(self) -> bool:
        return self.op == "input"


@dataclass(frozen=True)
class Edge:
    """An arrow from `source` to `target`; `position` is the argument index in the target."""

    source: int
    target: int
    position: int = 0
    label: str | None = None


class Graph:
    """A traced computation: nodes in topological order, the inputs, the outputs.

    `style` says how to draw it: "operations" draws every operation as its own ellipse
    (the forward graph), "values" draws values only, with each edge labelled (the
    simplified graph, the backward graph). `edge_labels` maps `(source, target,
    position)` to a label. `title` is drawn above the picture. `highlight` holds ids of
    nodes drawn in another colour (the backward-pass nodes of a recorded reverse pass).
    """

    def __init__(self, nodes: Iterable[Node], inputs: Iterable[int] = (), outputs: Iterable[int] = (),
                 *, style: str = "operations", edge_labels: dict | None = None,
                 title: str | None = None, direction: str = "LR", highlight=()) -> None:
        self.nodes: list[Node] = list(nodes)
        self.inputs: list[int] = list(inputs)
        self.outputs: list[int] = list(outputs)
        if style not in STYLES:
            raise ValueError(f"Graph(style={style!r}): style must be one of {STYLES}")
        if direction not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"Graph(direction={direction!r}): use 'LR', 'TB', 'RL' or 'BT'")
        self.style = style
        self.direction = direction
        self.edge_labels: dict = dict(edge_labels or {})
        self.title = title
        self.highlight: set = {getattr(item, "id", item) for item in highlight}
        self._by_id: dict[int, Node] = {}
        for node in self.nodes:
            if node.id in self._by_id:
                raise ValueError(f"Graph: two nodes have id {node.id}; node ids must be unique")
            for parent in node.parents:
                if parent not in self._by_id:
                    raise ValueError(
                        f"Graph: node {node.id} ({node.op}) uses node {parent}, which does not "
                        f"come before it; list nodes in topological order (parents first)")
            self._by_id[node.id] = node
        for node_id in [*self.inputs, *self.outputs]:
            if node_id not in self._by_id:
                raise ValueError(f"Graph: input/output id {node_id} is not a node of the graph")

    # -- container protocol -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __getitem__(self, node_id: int) -> Node:
        try:
            return self._by_id[node_id]
        except KeyError:
            raise KeyError(f"Graph has no node with id {node_id!r}") from None

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._by_id

    def __repr__(self) -> str:
        ops = sum(1 for node in self.nodes if not node.is_input)
        return (f"<Graph: {len(self.inputs)} inputs, {ops} operations, "
                f"{len(self.outputs)} outputs>")

    # -- structure ----------------------------------------------------------------------
    @property
    def edges(self) -> list[Edge]:
        """Every argument link, in node order, with its label if one was given."""
        edges = []
        for node in self.nodes:
            for position, arg in enumerate(node.args):
                if not isinstance(arg, Constant):
                    label = self.edge_labels.get((arg, node.id, position))
                    edges.append(Edge(arg, node.id, position, label))
        return edges

    @property
    def operations(self) -> list[Node]:
        """The nodes that are not inputs."""
        return [node for node in self.nodes if not node.is_input]

    def consumers(self) -> dict[int, list[int]]:
        """Node id → ids of the nodes that use it (each once, in order)."""
        users: dict[int, list[int]] = {node.id: [] for node in self.nodes}
        for node in self.nodes:
            for parent in dict.fromkeys(node.parents):
                users[parent].append(node.id)
        return users

    def display_name(self, node_id: int) -> str:
        """The name a reader knows the node by: its label, its name, its formula, or `t<id>`."""
        node = self[node_id]
        return node.label or node.name or node.expr or f"t{node.id}"

    def replace(self, **changes) -> "Graph":
        """A copy with some of the constructor arguments changed (nodes are copied)."""
        kwargs = dict(nodes=[dataclasses.replace(node) for node in self.nodes],
                      inputs=self.inputs, outputs=self.outputs, style=self.style,
                      edge_labels=self.edge_labels, title=self.title, direction=self.direction,
                      highlight=self.highlight)
        kwargs.update(changes)
        nodes = kwargs.pop("nodes")
        copy = type(self)(nodes, **kwargs)
        for key, value in self.__dict__.items():  # what a subclass added (a trace's function)
            copy.__dict__.setdefault(key, value)
        return copy

    def simplified(self) -> "Graph":
        """The textbook picture: values only, each edge labelled with the operation it feeds.

        >>> g = Graph([Node(0, "input", name="x"), Node(1, "sin", args=(0,))], [0], [1])
        >>> g.simplified().edges
        [Edge(source=0, target=1, position=0, label='sin')]
        """
        from .labels import op_symbol

        labels = dict(self.edge_labels)
        for edge in self.edges:
            labels.setdefault((edge.source, edge.target, edge.position),
                              op_symbol(self[edge.target]))
        return self.replace(style="values", edge_labels=labels)

    def backward_graph(self, granularity: str = "variables") -> "Graph":
        """The backward graph; only a graph made by `chainrule.trace` can run its reverse pass."""
        raise TypeError("backward_graph() runs the function's reverse pass, so it needs a graph "
                        "made by chainrule.trace(f, *args); this Graph was built by hand")

    # -- rendering (see render.py) ------------------------------------------------------
    def to_dot(self, *, values: bool = True, grads: bool = False) -> str:
        """Graphviz DOT text of the picture (`values`/`grads`: show them in the labels)."""
        from .render import to_dot

        return to_dot(self, values=values, grads=grads)

    def save(self, path, *, values: bool = True, grads: bool = False, engine: str = "auto",
             dpi: int = 150) -> str:
        """Write the picture to `path` (.svg, .png, .pdf or .dot); return the path.

        `engine="auto"` uses the Graphviz `dot` program when it is on PATH and the built-in
        layout otherwise (SVG needs nothing, PNG/PDF need matplotlib); "dot" or "builtin"
        force one.
        """
        from .render import save

        return save(self, path, values=values, grads=grads, engine=engine, dpi=dpi)

    def to_svg(self, *, values: bool = True, grads: bool = False, engine: str = "auto") -> str:
        """The picture as SVG text."""
        from .render import to_svg

        return to_svg(self, values=values, grads=grads, engine=engine)

    def _repr_svg_(self) -> str:
        return self.to_svg(grads=any(node.grad is not None for node in self.nodes))
