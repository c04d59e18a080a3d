"""The recorded graph: `Node`s with parents, and their topological order (iterative, never recursive).

A node's `order` is taken from a counter when it is made. A node is always made after
its parents, so decreasing `order` is a valid reverse topological order: the reverse pass
pops nodes from a heap by `order` and needs no separate sort, and a chain of a million
nodes is walked with a flat loop.
"""
from __future__ import annotations

import heapq
import itertools

_order_counter = itertools.count()


class Node:
    """One primitive application in a reverse-mode graph.

    `parents[i]` is the node of the i-th traced argument and `vjps[i]` maps the output's
    cotangent to that argument's cotangent (or returns None for zero).
    """

    __slots__ = ("order", "primitive", "parents", "vjps", "__weakref__")

    def __init__(self, primitive, parents: tuple, vjps: tuple) -> None:
        self.order = next(_order_counter)
        self.primitive = primitive
        self.parents = parents
        self.vjps = vjps

    @classmethod
    def root(cls) -> "Node":
        """A node with no parents: an input of the differentiated function."""
        return cls(None, (), ())

    def __repr__(self) -> str:
        name = getattr(self.primitive, "name", "input")
        return f"<Node {name} #{self.order} parents={[p.order for p in self.parents]}>"


def topological_order(end_nodes) -> list:
    """All nodes reachable from `end_nodes`, parents before children (iterative).

    >>> a = Node.root(); b = Node("f", (a,), (None,)); c = Node("g", (a, b), (None, None))
    >>> [n.order for n in topological_order([c])] == [a.order, b.order, c.order]
    True
    """
    seen = {id(node): node for node in end_nodes}
    heap = [(-node.order, node) for node in seen.values()]
    heapq.heapify(heap)
    order = []
    while heap:
        node = heapq.heappop(heap)[1]
        order.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                heapq.heappush(heap, (-parent.order, parent))
    order.reverse()
    return order
