"""Reverse mode: record nodes with staged VJPs, then walk them newest to oldest summing cotangents."""
from __future__ import annotations

import heapq

from .graph import Node
from .trace import Trace


class MissingRule(TypeError):
    """A traced argument reached a primitive that has no derivative rule for it."""


class ReverseTrace(Trace):
    """Records one `Node` per primitive application on this level's boxes."""

    __slots__ = ()

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        makers = primitive.vjp_makers
        parents = []
        vjps = []
        for argnum in argnums:
            maker = makers.get(argnum)
            if maker is not None:
                vjp = maker(ans, *raw_args, **kwargs)
            elif argnum in makers:  # registered as None: zero cotangent
                continue
            elif primitive.vjp_argnum is not None:
                vjp = primitive.vjp_argnum(argnum, ans, raw_args, kwargs)
            else:
                raise missing_rule(primitive, argnum, "VJP (reverse mode)")
            parents.append(args[argnum]._node)
            vjps.append(vjp)
        if not parents:
            return ans
        return top.__class__(ans, self, Node(primitive, tuple(parents), tuple(vjps)))


def missing_rule(primitive, argnum: int, kind: str) -> MissingRule:
    return MissingRule(
        f"{primitive.name}: no {kind} rule for argument {argnum}, which is being "
        f"differentiated. Define one with chainrule.extend.defvjp / defjvp, or wrap the "
        f"argument in chainrule.stop_gradient() if it should be treated as a constant.")


def backward_pass(end_node: Node, cotangent, start_nodes, *, free: bool = True) -> list:
    """Push `cotangent` from `end_node` back to `start_nodes`; return their cotangents (None = zero)."""
    return backward_from([(end_node, cotangent)], start_nodes, free=free)


def backward_from(seeds, start_nodes, *, free: bool = True) -> list:
    """Push each `(node, cotangent)` seed back at once; return the cotangents of `start_nodes`.

    Nodes are processed by decreasing creation order, which is a reverse topological
    order, so the loop is flat however deep the graph, and shared parts of the graph are
    walked once for all seeds. A start node may be an input or any inner node. With
    `free=True` each processed node drops its parents and VJPs: the graph is released as
    the pass goes.
    """
    pending: dict = {}
    heap = []
    for node, cotangent in seeds:
        if node in pending:
            pending[node] = pending[node] + cotangent
        else:
            pending[node] = cotangent
            heap.append((-node.order, node))
    heapq.heapify(heap)
    wanted = dict.fromkeys(start_nodes)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        node = pop(heap)[1]
        cotangent = pending.pop(node)
        if node in wanted:
            wanted[node] = cotangent
        for parent, vjp in zip(node.parents, node.vjps):
            parent_cotangent = vjp(cotangent)
            if parent_cotangent is None:
                continue
            if parent in pending:
                pending[parent] = pending[parent] + parent_cotangent
            else:
                pending[parent] = parent_cotangent
                push(heap, (-parent.order, parent))
        if free:
            node.parents = node.vjps = ()
    return list(map(wanted.__getitem__, start_nodes))
