"""The core of chainrule: traces, boxes, nodes, primitives, the reverse and forward passes, pytrees.

Standard library only (a test enforces that nothing here imports NumPy): every array
operation lives in the `chainrule.numpy` layer, so the core can be read in one sitting.
"""
from .graph import Node, topological_order
from .primitive import Primitive, defjvp, defjvp_argnum, defvjp, defvjp_argnum
from .trace import Box, Trace, new_level
from .reverse import ReverseTrace, backward_from, backward_pass
from .forward import ForwardTrace
from .tree import tree_flatten, tree_unflatten, tree_map

__all__ = [
    "Box", "ForwardTrace", "Node", "Primitive", "ReverseTrace", "Trace", "backward_from", "backward_pass",
    "defjvp", "defjvp_argnum", "defvjp", "defvjp_argnum", "new_level", "topological_order",
    "tree_flatten", "tree_map", "tree_unflatten",
]
