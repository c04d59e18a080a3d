"""The machinery under PyTorch-style tensors: grad mode, the tensor trace and its nodes, version checks, levels.

`TensorTrace` is the long-lived reverse trace tensors live on. It records a `TensorNode`
only in grad mode and only when an input requires grad. A `TensorNode` notices when the
core's reverse pass frees it, and checks, just before the pass uses it, that the tensors
its VJPs read were not changed in place since (version counters). `restage` stages a
graph's VJPs again on tensors so that a backward pass is itself recorded
(`create_graph=True`). `trace_for` picks the tensor trace for a value: the shared one, or
one above the transform that is tracing the value.

>>> is_grad_enabled()
True
"""
from __future__ import annotations

import contextlib
import dis
import inspect
import threading
import weakref

from .core import Node, ReverseTrace, topological_order
from .core.reverse import missing_rule
from .core.trace import Box
from .numpy.rules import elementwise as _elementwise
from .numpy.rules import reductions as _reductions
from .numpy.rules import shape as _shape

__all__ = ["TensorNode", "TensorTrace", "is_grad_enabled", "no_grad", "enable_grad", "set_grad_enabled",
           "trace_for", "restage"]


# --- grad mode (thread-local, restored on exit) ---------------------------------------------
_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations on tensors are being recorded in this thread (PyTorch's grad mode).

    >>> is_grad_enabled()
    True
    """
    return getattr(_state, "enabled", True)


class _GradMode(contextlib.ContextDecorator):
    """A context manager (and decorator) that sets grad mode and restores the previous one on exit."""

    mode = True

    def __enter__(self):
        stack = _state.__dict__.setdefault("saved", [])
        stack.append(is_grad_enabled())
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        _state.enabled = _state.saved.pop()
        return False


class no_grad(_GradMode):
    """Inside `with no_grad():` tensor operations record nothing (an optimiser step, an evaluation).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Turn grad mode back on inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """`set_grad_enabled(False)` sets grad mode now; used with `with`, it is restored on exit."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._previous = is_grad_enabled()
        _state.enabled = self.mode

    def __enter__(self):
        stack = _state.__dict__.setdefault("saved", [])
        stack.append(self._previous)
        return self


# --- the graph ---------------------------------------------------------------------------------
def _freed_error(node) -> RuntimeError:
    name = getattr(node.primitive, "name", "an operation")
    return RuntimeError(
        f"Trying to backward through the graph a second time: the graph behind `{name}` was freed "
        f"by an earlier .backward(). Saved intermediate values of the graph are freed when you call "
        f".backward(). Specify retain_graph=True in the first .backward() call if you need to "
        f"backward through the graph a second time.")


class _Version:
    """The version counter of a tensor's value: bumped by each in-place operation."""

    __slots__ = ("count", "operation")

    def __init__(self) -> None:
        self.count = 0
        self.operation = None


class TensorNode(Node):
    """A node of a tensor graph: it knows when the core's reverse pass freed it, and checks versions.

    `checks` holds `(version, expected, which)` for every tensor whose value the node's VJPs
    may read; `saved` holds what is needed to stage the VJPs again on tensors
    (`create_graph=True`). Reading `parents` (which the reverse pass does just before using
    the node) raises if the node was freed or a saved tensor was changed in place.
    """

    __slots__ = ("_parents", "saved", "checks", "freed")

    def __init__(self, primitive, parents: tuple, vjps: tuple) -> None:
        self._parents = ()
        self.saved = None
        self.checks = ()
        self.freed = False
        super().__init__(primitive, parents, vjps)

    @property
    def parents(self) -> tuple:
        if self.freed:
            raise _freed_error(self)
        if self.checks:
            for version, expected, which in self.checks:
                if version.count != expected:
                    raise _modified_error(self, version, expected, which)
        return self._parents

    @parents.setter
    def parents(self, value) -> None:
        if not value and self._parents:  # the reverse pass frees processed nodes
            self.freed = True
            self.saved = None
            self.checks = ()
        self._parents = value

    def __repr__(self) -> str:
        name = getattr(self.primitive, "name", "leaf")
        state = " (freed)" if self.freed else ""
        return f"<TensorNode {name} #{self.order}{state}>"


def _modified_error(node, version, expected, which) -> RuntimeError:
    what = "its output" if which < 0 else f"its argument {which}"
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an in-place "
        f"operation: `{node.primitive.name}` saved {what} at version {expected}, but it is now at "
        f"version {version.count} (changed by `{version.operation}`). Use an out-of-place operation "
        f"(x = x + 1 instead of x += 1), or .clone() the tensor before changing it.")


def _value_free_primitives() -> set:
    """Primitives whose VJPs read only shapes and indices, never the values they were applied to."""
    structural = {_reductions.sum_, _reductions.cumsum, _shape.reshape_p, _shape.transpose_p,
                  _shape.broadcast_to_p, _shape.getitem, _shape.scatter_add, _shape.concatenate_p,
                  _shape.copy_p, _shape.pad_constant, _shape.triu_p, _shape.tril_p, _shape.diagonal_p}
    simple = {_elementwise.ONE, _elementwise.MINUS_ONE, None}
    linear = {prim for prim in vars(_elementwise).values()
              if all(p is _elementwise.ONE or p is _elementwise.MINUS_ONE or p is None
                     for p in getattr(prim, "partials", None) or (0,)) and prim not in simple}
    return structural | linear


_VALUE_FREE = _value_free_primitives()


def _loaded_names(function) -> set | None:
    """Names of the parameters a function's body reads (None when it cannot be told)."""
    code = getattr(function, "__code__", None)
    if code is None or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None
    loaded = set(code.co_cellvars)  # captured by an inner function: count as read
    for instruction in dis.get_instructions(code):
        if instruction.opname.startswith("LOAD_FAST"):
            argval = instruction.argval
            loaded.update(argval if isinstance(argval, tuple) else (argval,))
    return loaded


def _saved_values(primitive, used: tuple) -> tuple:
    """Which values the VJPs of `used` arguments read: `(output?, argument positions or None for all)`.

    Exact for elementwise primitives (their partials are inspected once), conservative otherwise.
    """
    cache = primitive.__dict__.setdefault("_tensor_saved_values", {})  # on the primitive: dies with it
    found = cache.get(used)
    if found is not None:
        return found
    found = (True, None)
    partials = getattr(primitive, "partials", None)
    if primitive in _VALUE_FREE:
        found = (False, ())
    elif partials:
        output, positions = False, set()
        for argnum in used:
            partial = partials[argnum] if argnum < len(partials) else None
            if partial is None or partial is _elementwise.ONE or partial is _elementwise.MINUS_ONE:
                continue
            loaded = _loaded_names(partial)
            if loaded is None:
                output, positions = True, None
                break
            names = partial.__code__.co_varnames[:partial.__code__.co_argcount]
            output = output or (bool(names) and names[0] in loaded)
            positions.update(i for i, name in enumerate(names[1:]) if name in loaded)
        found = (output, None if positions is None else tuple(sorted(positions)))
    cache[used] = found
    return found


class TensorTrace(ReverseTrace):
    """The trace tensors live on. Records a node only in grad mode and only when an input requires grad.

    `leaves` maps id(tensor) to the tensors whose `.grad` a backward pass fills: leaves that require grad
    and non-leaves that called `retain_grad()`.
    """

    __slots__ = ("leaves", "__weakref__")
    box_type = None  # chainrule.tensor.Tensor, set when that module is imported

    def __init__(self) -> None:
        super().__init__()
        self.leaves = weakref.WeakValueDictionary()  # id(tensor) -> tensor

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        if not getattr(_state, "enabled", True):  # grad mode off (is_grad_enabled, inlined: hot path)
            return self.box_type(ans, self, None)
        makers = primitive.vjp_makers
        parents, vjps, used = [], [], []
        for argnum in argnums:
            parent = args[argnum]._node
            if parent is None:  # a tensor that does not require grad
                continue
            maker = makers.get(argnum)
            if maker is not None:
                vjp = maker(ans, *raw_args, **kwargs)
            elif argnum in makers:
                continue
            elif primitive.vjp_argnum is not None:
                vjp = primitive.vjp_argnum(argnum, ans, raw_args, kwargs)
            else:
                raise missing_rule(primitive, argnum, "VJP (reverse mode)")
            parents.append(parent)
            vjps.append(vjp)
            used.append(argnum)
        if not parents:
            return self.box_type(ans, self, None)
        node = TensorNode(primitive, tuple(parents), tuple(vjps))
        out = self.box_type(ans, self, node)
        used = tuple(used)
        output, positions = _saved_values(primitive, used)
        if output or positions != ():
            checked = argnums if positions is None else [i for i in argnums if i in positions]
            checks = []
            for i in checked:
                counter = args[i]._version_counter()
                checks.append((counter, counter.count, i))
            if output:
                checks.append((out._version_counter(), 0, -1))
            node.checks = tuple(checks)
            node.saved = (ans, raw_args, kwargs, used, tuple((i, args[i]._node) for i in argnums))
        return out


_BASE = TensorTrace()
_ABOVE: "weakref.WeakValueDictionary[int, TensorTrace]" = weakref.WeakValueDictionary()
_ABOVE_LOCK = threading.Lock()


def trace_for(value) -> TensorTrace:
    """The shared trace, or (for a value traced by a transform) a tensor trace above that transform."""
    if not isinstance(value, Box):
        return _BASE
    level = value._trace.level
    if level < _BASE.level:
        return _BASE
    with _ABOVE_LOCK:
        trace = _ABOVE.get(level)
        if trace is None:
            trace = _ABOVE[level] = TensorTrace()
        return trace


def restage(end_nodes, trace: TensorTrace) -> list:
    """Stage the VJPs of every value-using node again on tensors, so the backward pass is recorded."""
    changed = []
    for node in topological_order(end_nodes):
        saved = getattr(node, "saved", None)
        if saved is None:
            continue
        ans, raw_args, kwargs, used, arg_nodes = saved
        boxed = list(raw_args)
        for i, arg_node in arg_nodes:
            boxed[i] = trace.box_type(raw_args[i], trace, arg_node)
        out = trace.box_type(ans, trace, node)
        makers = node.primitive.vjp_makers
        vjps = tuple(makers[i](out, *boxed, **kwargs) if makers.get(i) is not None
                     else node.primitive.vjp_argnum(i, out, boxed, kwargs) for i in used)
        changed.append((node, node.vjps))
        node.vjps = vjps
    return changed
