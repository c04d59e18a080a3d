"""Boxes and trace levels: how a traced value knows which transform it belongs to.

Every transform (a `grad`, a `jvp`, a tape) opens a `Trace` with a fresh, increasing
level. Its inputs are wrapped in `Box`es that point at the trace. A primitive applied to
boxes of several levels records on the highest level only and treats the lower-level boxes
as constants of that level, so nested transforms never confuse their perturbations
(`grad(grad(f))`). Levels come from a counter, not a stack of globals: two threads, or
two interleaved transforms, each see only their own boxes.
"""
from __future__ import annotations

import itertools

_level_counter = itertools.count(1)


def new_level() -> int:
    """A level higher than every level handed out before (thread-safe under the GIL)."""
    return next(_level_counter)


class Trace:
    """One active transform. Subclasses decide what applying a primitive records."""

    __slots__ = ("level",)

    def __init__(self) -> None:
        self.level = new_level()

    def apply(self, fun, raw_args, kwargs):
        """`fun(*raw_args, **kwargs)`, a primitive's own computation (a compile's trace watches it)."""
        return fun(*raw_args, **kwargs)

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):  # pragma: no cover
        """Return the traced output of `primitive` given its raw answer `ans`."""
        raise TypeError(f"{type(self).__name__} records nothing")


class Box:
    """A value being traced: the raw value, the trace it belongs to, and its graph data.

    `_node` is the reverse-mode `Node` under a `ReverseTrace` and the tangent under a
    `ForwardTrace`. The NumPy layer subclasses this as `ArrayBox` with the operators.
    """

    __slots__ = ("_value", "_trace", "_node", "__weakref__")

    def __init__(self, value, trace: Trace, node) -> None:
        self._value = value
        self._trace = trace
        self._node = node

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value!r}, level={self._trace.level})"


def holds_box(tree, wanted=None) -> bool:
    """Whether a box (one for which `wanted(box)` holds) is anywhere in nested tuples, lists, dicts, slices."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, Box):
            if wanted is None or wanted(item):
                return True
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, slice):
            stack.extend((item.start, item.stop, item.step))
    return False


def unbox(value):
    """The raw value under every level of boxing (what `stop_gradient` returns)."""
    while isinstance(value, Box):
        value = value._value
    return value
