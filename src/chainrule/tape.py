"""TensorFlow-style differentiation: `with GradientTape() as tape:` ... `tape.gradient(target, sources)`.

Each tape is a reverse-mode trace with its own level. A `Variable` (or a `constant` the
tape was told to `watch`) is a box on a special trace above every level, so any primitive
applied to it meets it first: outside a tape the primitive just runs on its plain value;
inside the `with` block of a tape that watches it, the primitive is applied again to the
value boxed on every such tape (outermost first), so the tapes record it.
`tape.gradient` runs the core's reverse pass on the tape's graph.

TensorFlow semantics kept: trainable variables are watched automatically when accessed
(`watch_accessed_variables=True`); a non-scalar target is summed; `sources` may be any
nested structure; unconnected sources give None (or zeros with `unconnected_gradients=
"zero"`); a non-persistent tape allows one `gradient`/`jacobian` call; operations after the
`with` block (or inside `tape.stop_recording()`) are not recorded; nested tapes record each
other's gradient computations, which gives second derivatives. Differences: values are
NumPy arrays (float64 by default), and traced values inside a tape are `TapeTensor`s
with a `.numpy()` method.

>>> import chainrule as cr
>>> x = cr.Variable(3.0)
>>> with cr.GradientTape() as tape:
...     y = x ** 2
>>> tape.gradient(y, x)
array(6.)
"""
from __future__ import annotations

import contextlib
import itertools
import math
import threading

import numpy as np

from .core import Node, ReverseTrace, tree_flatten, tree_unflatten
from .core.stage import StagingTrace, peek
from .core.trace import Box, Trace
from .numpy.box import ArrayBox, TracedValueError
from .transforms import backward_many, fresh_staged

__all__ = ["GradientTape", "Variable", "constant", "TapeTensor"]

_active = threading.local()  # .tapes: the tapes whose `with` block is running in this thread


def _active_tapes() -> list:
    return getattr(_active, "tapes", [])


class TapeTrace(ReverseTrace):
    """A tape's trace: records nodes only while the tape is recording."""

    __slots__ = ("recording",)

    def __init__(self) -> None:
        super().__init__()
        self.recording = False

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        if not self.recording:
            return ans
        return super().record(primitive, ans, args, raw_args, kwargs, argnums, top)


def _strip_tapes(value):
    while isinstance(value, TapeTensor):
        value = value._value
    return value


def _plain(value, what: str):
    raw = _strip_tapes(value)
    if isinstance(raw, Box):
        raise TracedValueError(
            f"{what} of a value that an enclosing chainrule transform is differentiating would silently "
            f"lose that derivative. Keep it as an array, or chainrule.stop_gradient() it first.")
    return raw


class TapeTensor(ArrayBox):
    """A value recorded by a GradientTape: an array that also has TensorFlow's `.numpy()`."""

    __slots__ = ()

    def numpy(self) -> np.ndarray:
        """The value as a NumPy array (what TensorFlow's `.numpy()` gives)."""
        return np.array(_plain(self, ".numpy()"))

    def __float__(self):
        return float(_plain(self, "float()"))

    def __int__(self):
        return int(_plain(self, "int()"))

    def __repr__(self) -> str:
        raw = _strip_tapes(self)
        shown = repr(raw) if isinstance(raw, Box) else np.array2string(np.asarray(raw), separator=", ")
        return f"<TapeTensor: shape={self.shape}, dtype={self.dtype}, numpy={shown}>"


# --- variables --------------------------------------------------------------------------------
_names = itertools.count()


class VariableTrace(Trace):
    """The trace every Variable claims: above all levels, so a primitive meets a Variable first.

    Its `record` receives the primitive's result computed on the variables' plain values;
    when an active tape watches one of the variables, the primitive is applied again to
    the values as read through the tapes, so the tapes record it.
    """

    __slots__ = ()

    def __init__(self) -> None:
        self.level = math.inf

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        new_args, watched = list(raw_args), False
        for i in argnums:
            new_args[i] = args[i].read_value()
            watched = watched or new_args[i] is not raw_args[i]
        return primitive(*new_args, **kwargs) if watched else ans


_VARIABLES = VariableTrace()


def _as_value(value, dtype=None):
    value = _strip_tapes(value._value if isinstance(value, Variable) else value)
    if isinstance(value, Box):  # traced by an enclosing transform: keep the derivative
        return value if dtype is None else value.astype(dtype)
    array = np.array(value, dtype=dtype)
    if dtype is None and array.dtype.kind in "biu":
        array = array.astype(np.float64)
    return array


class Variable(ArrayBox):
    """A named, mutable value that GradientTapes watch (TensorFlow's `tf.Variable`).

    Arithmetic, indexing, methods and NumPy functions use its current value, recorded by
    every active tape that watches it. `assign`, `assign_add` and `assign_sub` change it
    (not recorded, as in TensorFlow). Integer data becomes float64.

    >>> v = Variable([1.0, 2.0])
    >>> v.assign_sub([0.5, 0.5]).numpy()
    array([0.5, 1.5])
    """

    __slots__ = ("trainable", "name")
    __hash__ = object.__hash__

    def __init__(self, initial_value, trainable: bool = True, name: str | None = None, dtype=None) -> None:
        super().__init__(_as_value(initial_value, dtype), _VARIABLES, None)
        self.trainable = bool(trainable)
        self.name = name if name is not None else f"Variable:{next(_names)}"

    def read_value(self):
        """The current value, boxed on every active, recording tape that watches this variable."""
        value = self._value
        for tape in _active_tapes():
            if tape._recording and tape._watches(self):
                value = tape._box(self, value)
        return value

    def value(self):
        return self.read_value()

    def numpy(self) -> np.ndarray:
        """A copy of the current value as a NumPy array."""
        return np.array(_plain(self._value, ".numpy()"))

    def __array__(self, dtype=None, copy=None):
        if isinstance(self.read_value(), Box):
            raise TracedValueError(
                f"np.asarray of {self.name}, which a GradientTape (or a transform) is differentiating, would "
                f"silently lose its derivative. Use NumPy functions on the variable itself, or v.numpy() for "
                f"a constant copy.")
        return np.array(self._value, dtype=dtype, copy=True) if copy else _read_only(self._value, dtype)

    def __float__(self):
        return float(_plain(self._value, "float()"))

    def __int__(self):
        return int(_plain(self._value, "int()"))

    def item(self, *args):
        return np.asarray(_plain(self._value, ".item()")).item(*args)

    def tolist(self):
        return np.asarray(_plain(self._value, ".tolist()")).tolist()

    # --- changing the value (not recorded, as in TensorFlow) ----------------------------------------
    def assign(self, value, read_value: bool = True):
        new = _as_value(value, None)
        if np.shape(new) != self.shape:
            raise ValueError(f"{self.name}.assign: shape {np.shape(new)} does not match the variable's shape {self.shape}.")
        if not isinstance(new, Box):
            new = new.astype(np.result_type(self._value), copy=False)
        self._value = new
        return self if read_value else None

    def assign_add(self, delta, read_value: bool = True):
        return self.assign(self._value + _as_value(delta), read_value)

    def assign_sub(self, delta, read_value: bool = True):
        return self.assign(self._value - _as_value(delta), read_value)

    def __setitem__(self, index, value):
        raise TypeError(f"{self.name}[...] = value: change a Variable with assign(), assign_add() or assign_sub().")

    def __repr__(self) -> str:
        raw = self._value
        shown = repr(raw) if isinstance(raw, Box) else np.array2string(np.asarray(raw), separator=", ")
        return f"<chainrule.Variable '{self.name}' shape={self.shape} dtype={self.dtype}, numpy={shown}>"


def _read_only(value, dtype=None) -> np.ndarray:
    view = np.asarray(value, dtype=dtype).view()
    view.flags.writeable = False
    return view


def constant(value, dtype=None) -> Variable:
    """A value a tape can `watch` (TensorFlow's `tf.constant`): a non-trainable Variable.

    Plain NumPy arrays cannot be watched (operations on them never reach chainrule), so the
    TensorFlow idiom `x = tf.constant(3.0); tape.watch(x)` is written with this.

    >>> x = constant(3.0)
    >>> with GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    array(6.)
    """
    return Variable(value, trainable=False, name=f"Const:{next(_names)}", dtype=dtype)


# --- the tape ----------------------------------------------------------------------------------
def _unconnected_mode(value) -> str:
    mode = str(getattr(value, "value", value)).lower()
    if mode not in ("none", "zero"):
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero', got {value!r}")
    return mode


class GradientTape:
    """Records operations on watched values inside its `with` block; `gradient` differentiates them.

    >>> w = Variable([1.0, 2.0])
    >>> with GradientTape(persistent=True) as tape:
    ...     loss = (w ** 2).sum()
    >>> tape.gradient(loss, w)
    array([2., 4.])
    >>> tape.gradient(loss, {"w": w})
    {'w': array([2., 4.])}
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._trace = TapeTrace()
        self._watched: dict = {}   # id(variable) -> variable
        self._boxes: dict = {}     # id(variable) -> the boxes its reads got on this tape (usually one)
        self._used = False
        self._entered = 0

    @property
    def _recording(self) -> bool:
        return self._trace.recording

    # --- the with block ---------------------------------------------------------------------------
    def __enter__(self) -> "GradientTape":
        tapes = _active.__dict__.setdefault("tapes", [])
        tapes.append(self)
        tapes.sort(key=lambda tape: tape._trace.level)
        self._entered += 1
        self._trace.recording = True
        return self

    def __exit__(self, *exc_info) -> bool:
        try:
            _active.tapes.remove(self)
        finally:
            self._entered -= 1
            self._trace.recording = self._entered > 0
        return False

    @contextlib.contextmanager
    def stop_recording(self):
        """Operations inside this block are not recorded by this tape."""
        previous = self._trace.recording
        self._trace.recording = False
        try:
            yield
        finally:
            self._trace.recording = previous

    # --- watching -------------------------------------------------------------------------------------
    def watch(self, tensor) -> None:
        """Record operations on `tensor` (a Variable, a `constant`, or a nested structure of them)."""
        for leaf in tree_flatten(tensor)[0]:
            if isinstance(leaf, Variable):
                self._watched[id(leaf)] = leaf
            elif isinstance(leaf, Box) and leaf._trace is self._trace:
                continue  # already recorded by this tape
            else:
                raise TypeError(
                    f"GradientTape.watch: cannot watch a {type(leaf).__name__}: operations on a plain NumPy "
                    f"value (or on a value computed before this tape started) never reach the tape. Make it "
                    f"x = chainrule.constant(x) (or chainrule.Variable(x)) and watch that.")

    def watched_variables(self) -> tuple:
        """The variables this tape has watched, in the order they were first watched."""
        return tuple(self._watched.values())

    def _watches(self, variable: Variable) -> bool:
        if id(variable) in self._watched:
            return True
        if self.watch_accessed_variables and variable.trainable:
            self._watched[id(variable)] = variable
            return True
        return False

    def _box(self, variable: Variable, value):
        boxes = self._boxes.setdefault(id(variable), [])
        if boxes and boxes[-1]._value is value:
            return boxes[-1]
        box = TapeTensor(value, self._trace, Node.root())
        boxes.append(box)
        return box

    # --- differentiating ------------------------------------------------------------------------------
    def _start(self, kind: str) -> None:
        if self._used and not self.persistent:
            raise RuntimeError(
                f"GradientTape.{kind}: a non-persistent GradientTape can only be used to compute one set of "
                f"gradients (or jacobians); its graph was freed by the first call. Create it with "
                f"GradientTape(persistent=True) to call gradient()/jacobian() more than once.")
        self._used = True

    def _target(self, value):
        if isinstance(value, Variable):
            boxes = self._boxes.get(id(value))
            return boxes[-1] if boxes else value._value
        return value

    def _source_nodes(self, source) -> list:
        if isinstance(source, Variable):
            return [box._node for box in self._boxes.get(id(source), [])]
        if isinstance(source, Box) and source._trace is self._trace:
            return [source._node]
        if isinstance(source, Box) or isinstance(source, (np.ndarray, np.generic, float, int, complex)):
            return []
        raise TypeError(f"GradientTape: a source must be a Variable, a constant or a value recorded by the tape, "
                        f"not {type(source).__name__}.")

    def _pull_back(self, pairs, sources, kind: str):
        """Cotangents for each source (None = unconnected), from (node, seed) pairs."""
        source_leaves, spec = tree_flatten(sources)
        groups = [self._source_nodes(leaf) for leaf in source_leaves]
        nodes = [node for group in groups for node in group]
        found = backward_many(pairs, nodes, free=not self.persistent)
        results, start = [], 0
        for group in groups:
            parts = [c for c in found[start:start + len(group)] if c is not None]
            start += len(group)
            total = None
            for part in parts:
                total = part if total is None else total + part
            results.append(total)
        return source_leaves, spec, results

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(sum of target)/d(source) for each source, in the structure of `sources`.

        `target` may be a nested structure (its gradients are added); `output_gradients`
        (same structure) weights it; an unconnected source gives None, or zeros with
        `unconnected_gradients="zero"`.
        """
        self._start("gradient")
        mode = _unconnected_mode(unconnected_gradients)
        target_leaves = [self._target(leaf) for leaf in tree_flatten(target)[0]]
        seeds = [None] * len(target_leaves) if output_gradients is None else tree_flatten(output_gradients)[0]
        if len(seeds) != len(target_leaves):
            raise ValueError(f"GradientTape.gradient: output_gradients has {len(seeds)} leaves but the target "
                             f"has {len(target_leaves)}.")
        pairs = []
        for leaf, seed in zip(target_leaves, seeds):
            if isinstance(leaf, Box) and leaf._trace is self._trace:
                value = _strip_tapes(leaf._value)
                dtype = np.result_type(_plain_dtype(value), np.float64)
                if seed is None:
                    seed = np.ones(np.shape(value), dtype=dtype) if np.ndim(value) else dtype.type(1)
                else:
                    seed = _as_value(seed)
                    if np.shape(seed) != np.shape(value):
                        raise ValueError(f"GradientTape.gradient: an output gradient has shape {np.shape(seed)} "
                                         f"but its target has shape {np.shape(value)}.")
                pairs.append((leaf._node, seed))
        source_leaves, spec, found = self._pull_back(pairs, sources, "gradient")
        return tree_unflatten(spec, [_finish(c, leaf, mode, ()) for c, leaf in zip(found, source_leaves)])

    def jacobian(self, target, sources, unconnected_gradients="none", parallel_iterations=None,
                 experimental_use_pfor: bool = True):
        """The Jacobian of `target` with respect to each source, shape `target.shape + source.shape`.

        All rows come from one backward pass that carries the identity as a batch of cotangents.
        """
        self._start("jacobian")
        mode = _unconnected_mode(unconnected_gradients)
        target = self._target(target)
        value = _strip_tapes(target._value if isinstance(target, Box) and target._trace is self._trace else target)
        shape = np.shape(value)
        size = int(np.prod(shape, dtype=np.int64))
        pairs = []
        if isinstance(target, Box) and target._trace is self._trace:
            basis = np.eye(size, dtype=np.result_type(_plain_dtype(value), np.float64)).reshape((size,) + shape)
            pairs.append((target._node, basis))
        source_leaves, spec, found = self._pull_back(pairs, sources, "jacobian")
        results = []
        for cotangent, leaf in zip(found, source_leaves):
            full = _finish(cotangent, leaf, mode, (size,))
            results.append(None if full is None else np.reshape(full, shape + _source_shape(leaf)))
        return tree_unflatten(spec, results)


def _plain_dtype(value):
    return np.result_type(peek(value))


def _source_shape(source) -> tuple:
    return np.shape(_strip_all(source))


def _strip_all(value):
    return peek(value)  # read for its shape only


def _finish(cotangent, source, mode: str, batch: tuple):
    """A gradient with the source's shape and dtype (None or zeros when unconnected)."""
    shape = _source_shape(source)
    dtype = _plain_dtype(source)
    dtype = dtype if dtype.kind in "fc" else np.dtype(np.float64)
    if cotangent is None:
        return None if mode == "none" else np.zeros(batch + shape, dtype=dtype)
    if isinstance(cotangent, Box):  # recorded by an outer tape (or transform): keep it differentiable
        return fresh_staged(cotangent, batch + shape, dtype) if cotangent._trace.__class__ is StagingTrace \
            else cotangent
    if dtype.kind == "f" and np.iscomplexobj(cotangent):
        cotangent = np.real(cotangent)
    return np.array(np.broadcast_to(np.asarray(cotangent, dtype=dtype), batch + shape))

