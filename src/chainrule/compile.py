"""`compile(f)`: run `f` once, record every NumPy operation, replay the recording as straight-line code.

The first call with new argument shapes runs `f` on `StagedArray`s (see `core/stage.py`):
the result is exactly the eager one, and the operations become a Python function of plain
NumPy calls, cached by the arguments' structure, shapes and dtypes (and the values of the
arguments that are not arrays). Later calls with those shapes run only that function: no
boxes, no graph, no dispatch. `compile(grad(f))` is therefore a generated gradient program.

A recording that saw its values leave it (`if x > 0:` on an array, `float(x)`, a NumPy
function without a rule) is not replayed: that call's shapes run eagerly from then on, and
a `CompileWarning` says where it happened. Each replayed value's shape and dtype are checked,
so a shape or dtype that depends on the values (boolean masks, `sqrtm` turning complex) also
falls back instead of replaying stale code.
"""
from __future__ import annotations

import builtins
import functools
import itertools
import random as _random
import re
import types
import warnings

import numpy as np

from .core.stage import StagingTrace, peek
from .core.trace import Box
from .core.tree import LEAF, tree_flatten, tree_unflatten
from .numpy.staging import StagedArray

__all__ = ["compile", "CompileWarning"]

# A function with more shape signatures than this stops compiling new ones (it runs eagerly).
MAX_SIGNATURES = 64
# A longer recording is not turned into code (generating it would take tens of seconds).
MAX_OPERATIONS = 500_000
_LITERALS = (bool, int, float, complex, str, type(None))
# Arguments that are constants of a recording (part of its signature); arrays are its inputs.
_CONSTANTS = (*_LITERALS, bytes, np.dtype, type, slice, type(Ellipsis),
              types.FunctionType, types.BuiltinFunctionType, np.ufunc)


class CompileWarning(UserWarning):
    """A compiled function runs eagerly for some argument shapes (the reason is in the message)."""


class _Eager:
    """The cache entry of a signature that runs eagerly, and why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _ShapeChanged(Exception):
    """A replayed value did not have its recorded shape or dtype: the recording does not apply."""


def compile(fun):  # noqa: A001  (chainrule.compile, like torch.compile; the builtin is untouched elsewhere)
    """`fun` recorded once per argument signature and replayed as straight-line NumPy code.

    Arrays (ndarray and NumPy scalars, anywhere in tuple/list/dict arguments) are the
    inputs of the recording; every other argument (Python numbers, strings, flags) is a
    constant of it, and a new value records again. `fun` must be pure: random numbers,
    global arrays reassigned between calls and other state it reads besides its arguments
    are frozen at the first call, as in `jax.jit`.

    >>> import numpy as np, chainrule
    >>> df = chainrule.compile(chainrule.grad(lambda x: np.sum(np.tanh(x) ** 2)))
    >>> df(np.zeros(3))
    array([0., 0., 0.])
    """
    return Compiled(fun)


class Compiled:
    """A compiled function: its cache of recordings, one per argument signature."""

    def __init__(self, fun) -> None:
        self.fun = fun
        self.recordings: dict = {}
        self._by_shapes: dict = {}  # the common call, positional ndarrays only: (shape, dtype) per argument
        functools.update_wrapper(self, fun, updated=())

    def __repr__(self) -> str:
        return f"<compiled {_name(self.fun)!r}: {len(self.recordings)} signature(s)>"

    def __get__(self, instance, owner=None):
        """Used as a method: the instance is an argument (not an array, so such calls run eagerly)."""
        return self if instance is None else functools.partial(self, instance)

    def __call__(self, *args, **kwargs):
        if not kwargs:
            shapes = tuple([(a.shape, a.dtype) if type(a) is np.ndarray else None for a in args])
            recording = self._by_shapes.get(shapes)
            if recording is not None:
                try:
                    return recording.finish(recording.replay(*args))
                except _ShapeChanged:
                    pass  # the general path below falls back, with the warning
        leaves, spec = tree_flatten((args, kwargs))
        if any(isinstance(leaf, Box) for leaf in leaves):  # called inside a transform: trace through it
            return self.fun(*args, **kwargs)
        try:
            key = (spec, tuple(map(_signature, leaves)))
        except TypeError as error:  # an argument that is neither an array nor a constant
            warnings.warn(f"chainrule.compile({_name(self.fun)}): {error}; this call runs eagerly.",
                          CompileWarning, stacklevel=2)
            return self.fun(*args, **kwargs)
        recording = self.recordings.get(key)
        if recording is None:
            if len(self.recordings) >= MAX_SIGNATURES:
                if len(self.recordings) == MAX_SIGNATURES:
                    self._run_eagerly(key, f"{MAX_SIGNATURES} argument signatures are recorded already (shapes "
                                           f"or Python numbers that change every call?)", stacklevel=3)
                return self.fun(*args, **kwargs)
            return self._record(key, leaves, spec, args, kwargs)
        if isinstance(recording, _Eager):
            return self.fun(*args, **kwargs)
        try:
            return recording.finish(recording.replay(*[leaf for leaf in leaves if _is_input(leaf)]))
        except _ShapeChanged:
            self._run_eagerly(key, "a value's shape or dtype depends on the input values (a boolean "
                                   "mask, np.nonzero, sqrtm of a matrix with negative eigenvalues, ...)",
                              stacklevel=3)
            return self.fun(*args, **kwargs)

    def explain(self) -> str:
        """The generated source of every recording, and why any signature runs eagerly."""
        parts = []
        for key, recording in self.recordings.items():
            eager = isinstance(recording, _Eager)
            parts.append(f"# arguments {key[1]} run eagerly: {recording.reason}" if eager else recording.source)
        return "\n\n".join(parts)

    def _run_eagerly(self, key, reason: str, stacklevel: int = 4) -> None:
        stale = self.recordings.get(key)
        self.recordings[key] = _Eager(reason)
        self._by_shapes = {shapes: kept for shapes, kept in self._by_shapes.items() if kept is not stale}
        warnings.warn(f"chainrule.compile({_name(self.fun)}): {reason}; "
                      f"these argument shapes run eagerly (still correct, not faster).",
                      CompileWarning, stacklevel=stacklevel)

    def _record(self, key, leaves, spec, args, kwargs):
        trace = StagingTrace()
        staged = [trace.input(leaf, StagedArray) if _is_input(leaf) else leaf for leaf in leaves]
        inputs = [box for box in staged if isinstance(box, StagedArray)]
        state = _random_state()
        try:
            staged_args, staged_kwargs = tree_unflatten(spec, staged)
            out = self.fun(*staged_args, **staged_kwargs)
        except Exception as error:  # noqa: BLE001  (a recording problem; the eager run decides)
            result = self.fun(*args, **kwargs)
            self._run_eagerly(key, f"recording raised {type(error).__name__}: {error}")
            return result
        out_leaves, out_spec = tree_flatten(out)
        values = [peek(leaf) if _staged_on(leaf, trace) else leaf.copy() if isinstance(leaf, np.ndarray) else leaf
                  for leaf in out_leaves]  # the recording keeps the constants; the caller gets its own
        escapes = list(trace.escapes)
        if len(trace.program) > MAX_OPERATIONS:
            escapes.append(f"it records {len(trace.program):,} operations, more than MAX_OPERATIONS "
                           f"({MAX_OPERATIONS:,}): compile the body of its loop instead")
        if _random_state() != state:
            escapes.append("it draws random numbers (np.random / random), which a replay would repeat")
        escapes += [f"it returned a {type(leaf).__name__}, which a replay could not rebuild"
                    for leaf in out_leaves if not (_staged_on(leaf, trace) or _is_input(leaf)
                                                   or type(leaf) in _LITERALS)]
        if escapes:
            self._run_eagerly(key, "the recording cannot be replayed: " + "; ".join(dict.fromkeys(escapes)))
        else:
            self.recordings[key] = recording = Recording(trace, inputs, out_leaves, out_spec, _name(self.fun))
            if not kwargs and all(type(a) is np.ndarray for a in args):
                self._by_shapes[tuple((a.shape, a.dtype) for a in args)] = recording
        return tree_unflatten(out_spec, values)


class Recording:
    """One argument signature's program, generated as Python source and compiled to a function."""

    def __init__(self, trace, inputs, out_leaves, out_spec, name: str) -> None:
        self.out_spec = out_spec
        self.source, self.replay = _generate(trace, inputs, out_leaves, name)

    def finish(self, flat: list):
        """The output structure around the replayed leaves."""
        return flat[0] if self.out_spec is LEAF else tree_unflatten(self.out_spec, flat)


def _generate(trace, inputs, out_leaves, name: str):
    """Source and function `replay(*inputs) -> output leaves` for the recorded program."""
    # Every operation is kept, even one the outputs do not need: its shape may have been read
    # (`len(np.flatnonzero(x))`), and the replay checks every shape against the recording.
    program = trace.program
    namespace = {"_ShapeChanged": _ShapeChanged}
    names: dict = {}

    def constant(value) -> str:
        return repr(value) if _is_literal(value) else _named(value)

    def _named(value) -> str:
        name_ = names.get(id(value))
        if name_ is None:
            name_ = names[id(value)] = f"_c{len(names)}"  # functions never start with "_"
            namespace[name_] = value
        return name_

    def operand(value) -> str:
        return f"v{value._node}" if _staged_on(value, trace) else constant(value)

    functions: dict = {}  # id(fun) -> its name in the source: the primitive's name, made unique

    def function(fun, name: str) -> str:
        if id(fun) not in functions:
            base = re.sub(r"\W|^(?=\d)", "_", name).strip("_") or "op"
            taken = set(functions.values())
            unique = base if base not in taken and base not in namespace else next(
                f"{base}_{n}" for n in itertools.count(2) if f"{base}_{n}" not in taken)
            functions[id(fun)] = unique
            namespace[unique] = fun
        return functions[id(fun)]

    last_use: dict = {}
    for index, (_, args, kwargs, _, _) in enumerate(program):
        for value in (*args, *kwargs.values()):
            if _staged_on(value, trace):
                last_use[value._node] = index
    kept = {leaf._node for leaf in out_leaves if _staged_on(leaf, trace)}
    dead_after: dict = {}  # index -> the values last used there (deleted right after: memory as eager)
    for node, last in last_use.items():
        if node not in kept:
            dead_after.setdefault(last, []).append(node)
    lines = [f"def replay({', '.join(f'v{box._node}' for box in inputs)}):"]
    for index, (fun, args, kwargs, out, name) in enumerate(program):
        call = ", ".join([*map(operand, args), *(f"{key}={operand(value)}" for key, value in kwargs.items())])
        lines.append(f"    v{out._node} = {function(fun, name)}({call})")
        value = peek(out)
        if isinstance(value, (np.generic, bool, int, float, complex)):  # a scalar's type is its dtype
            lines.append(f"    if type(v{out._node}) is not {_named(type(value))}: raise _ShapeChanged")
        elif isinstance(value, np.ndarray):  # sqrtm of a negative matrix turns complex, masks change length
            lines.append(f"    if v{out._node}.shape != {value.shape!r} or v{out._node}.dtype is not "
                         f"{_named(value.dtype)}: raise _ShapeChanged")
        if index in dead_after:
            lines.append(f"    del {', '.join(f'v{node}' for node in sorted(dead_after[index]))}")
    # an output that does not depend on the inputs is a fresh copy each call, as the eager function's would be
    outputs = [f"{operand(leaf)}.copy()" if isinstance(leaf, np.ndarray) else operand(leaf) for leaf in out_leaves]
    lines.append(f"    return [{', '.join(outputs)}]")
    source = "\n".join(lines)
    exec(builtins.compile(source, f"<chainrule.compile {name}>", "exec"), namespace)  # noqa: S102
    return source, namespace["replay"]


def _is_literal(value) -> bool:
    """Whether `repr(value)` is Python source for `value` (finite numbers, strings, None, tuples of them)."""
    if type(value) in (tuple, list):
        return all(map(_is_literal, value))
    if type(value) in (float, complex):
        return bool(np.isfinite(value))
    return type(value) in _LITERALS


def _staged_on(value, trace) -> bool:
    return isinstance(value, Box) and value._trace is trace


def _is_input(leaf) -> bool:
    """Arrays are inputs of a recording; everything else is a constant of it."""
    return isinstance(leaf, (np.ndarray, np.generic)) and leaf.dtype.kind in "biufc"


def _signature(leaf):
    """What the recording assumes about an argument: an array's type, shape and dtype, a constant's value."""
    if _is_input(leaf):
        return (type(leaf), leaf.shape, leaf.dtype.str)
    if isinstance(leaf, _CONSTANTS):
        return (type(leaf), leaf)
    raise TypeError(f"an argument of type {type(leaf).__name__} is neither an array nor a constant "
                    f"(a number, string, dtype or function), so a recording could go stale; pass arrays")


def _random_state():
    """What drawing a random number from NumPy's or Python's global generator changes."""
    state = np.random.get_state()
    return state[1].tobytes(), state[2:], _random.getstate()


def _name(fun) -> str:
    return getattr(fun, "__name__", type(fun).__name__)
