"""StagedArray: the box a compile records with, standing in for a plain ndarray argument.

Every NumPy operation on it is recorded (differentiable ones through their primitive,
constant ones such as `x > 0` or `np.argmax` through `record_constant`). Anything a plain
ndarray allows that cannot be recorded (`bool(x)`, `float(x)`, `np.asarray(x)`, an
attribute chainrule does not mirror, a NumPy function without a rule) still works, on the
real value, and is noted as an escape, so the compile falls back to running eagerly.
"""
from __future__ import annotations

import numpy as np

from ..core.stage import StagedValue, StagingTrace, peek
from ..core.trace import Box, holds_box
from . import box, registry
from .box import ArrayBox

# Constant functions of the shape and dtype only: they run on the metadata, nothing is recorded.
STATIC_QUERIES = frozenset(
    getattr(np, name) for name in (
        "shape ndim size result_type iscomplexobj isrealobj isscalar can_cast "
        "common_type diag_indices_from tril_indices_from "
        "triu_indices_from isdtype").split() if hasattr(np, name))


class StagedArray(StagedValue, ArrayBox):
    """A plain ndarray argument of a compiled function, recorded as it flows."""

    __slots__ = ()

    shape = property(lambda self: peek(self).shape)
    ndim = property(lambda self: peek(self).ndim)
    size = property(lambda self: peek(self).size)
    dtype = property(lambda self: peek(self).dtype)

    def __len__(self) -> int:
        return len(peek(self))

    def __repr__(self) -> str:
        return f"StagedArray(shape={self.shape}, dtype={self.dtype})"

    # --- what a plain array allows but a recording cannot replay: works, and is an escape ---
    def _escape(self, what: str):
        self._trace.escape(what)
        return peek(self)

    def __bool__(self) -> bool:
        return bool(self._escape("bool() of a traced array (an `if` or `while` on its value)"))

    def __float__(self) -> float:
        return float(self._escape("float() of a traced array"))

    def __int__(self) -> int:
        return int(self._escape("int() of a traced array"))

    def __complex__(self) -> complex:
        return complex(self._escape("complex() of a traced array"))

    def __index__(self) -> int:
        return self._escape("a traced array used as an index").__index__()

    def item(self, *args):
        return self._escape(".item() of a traced array").item(*args)

    def tolist(self):
        return self._escape(".tolist() of a traced array").tolist()

    def __array__(self, dtype=None, copy=None):
        value = self._escape("np.asarray() of a traced array")
        return np.asarray(value, dtype=dtype)

    def __setitem__(self, index, value) -> None:
        self._escape("assignment into a traced array")[index] = value

    def _in_place(self, ufunc, other):
        raw = self._escape(f"in-place {ufunc.__name__} of a traced array")
        ufunc(raw, peek(other), out=raw)
        return self

    def __iadd__(self, other): return self._in_place(np.add, other)
    def __isub__(self, other): return self._in_place(np.subtract, other)
    def __imul__(self, other): return self._in_place(np.multiply, other)
    def __itruediv__(self, other): return self._in_place(np.true_divide, other)
    def __ipow__(self, other): return self._in_place(np.power, other)

    def __getattr__(self, name: str):
        if name.startswith("_") or not hasattr(peek(self), name):  # what the value lacks is no escape
            raise AttributeError(name)
        return getattr(self._escape(f"the array attribute .{name}"), name)

    # --- methods whose ArrayBox versions read the raw value: route them through NumPy ---
    def round(self, decimals=0): return np.round(self, decimals)
    def argmax(self, axis=None, **kwargs): return np.argmax(self, axis=axis, **kwargs)
    def argmin(self, axis=None, **kwargs): return np.argmin(self, axis=axis, **kwargs)
    def argsort(self, axis=-1, **kwargs): return np.argsort(self, axis=axis, **kwargs)
    def all(self, *args, **kwargs): return np.all(self, *args, **kwargs)
    def any(self, *args, **kwargs): return np.any(self, *args, **kwargs)
    def __round__(self, ndigits=None): return np.round(self, ndigits or 0)

    # --- the bitwise operators of boolean masks (a traced ArrayBox has no use for them) ---
    def __and__(self, other): return np.bitwise_and(self, other)
    def __rand__(self, other): return np.bitwise_and(other, self)
    def __or__(self, other): return np.bitwise_or(self, other)
    def __ror__(self, other): return np.bitwise_or(other, self)
    def __xor__(self, other): return np.bitwise_xor(self, other)
    def __rxor__(self, other): return np.bitwise_xor(other, self)
    def __invert__(self): return np.invert(self)

    # --- NumPy functions without a rule run on the real values, as on a plain array ---
    def __array_function__(self, func, types, args, kwargs):
        if func in registry.FUNCTIONS or _holds_transform_box((args, kwargs)):
            return ArrayBox.__array_function__(self, func, types, args, kwargs)
        self._trace.escape(f"{func.__name__}() has no rule to record")
        return func(*_peek_all(args), **_peek_all(kwargs))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__":
            known = ufunc in registry.UFUNCS or bool(registry.load_rules_for and registry.load_rules_for(ufunc))
        else:
            known = (ufunc, method) in box._UFUNC_METHODS
        if known or _holds_transform_box((inputs, kwargs)):
            return ArrayBox.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)
        self._trace.escape(f"numpy.{ufunc.__name__}.{method} has no rule to record")
        return getattr(ufunc, method)(*_peek_all(inputs), **_peek_all(kwargs))


def record_constant(numpy_fun, args: list, kwargs: dict, trace: StagingTrace):
    """A non-differentiable function of staged values: recorded so a replay recomputes it."""
    raw = trace.apply(numpy_fun, list(map(peek, args)), {key: peek(value) for key, value in kwargs.items()})
    if numpy_fun in STATIC_QUERIES:
        return raw
    if not isinstance(raw, (np.ndarray, np.generic)):
        trace.escape(f"{getattr(numpy_fun, '__name__', 'a function')}() returned a "
                     f"{type(raw).__name__} computed from traced values")
        return raw
    return trace.emit(numpy_fun, tuple(args), kwargs, raw, StagedArray, getattr(numpy_fun, "__name__", "constant"))


def _peek_all(tree):
    if isinstance(tree, Box):
        return peek(tree)
    if isinstance(tree, (tuple, list)):
        return type(tree)(_peek_all(item) for item in tree)
    if isinstance(tree, dict):
        return {key: _peek_all(value) for key, value in tree.items()}
    return tree


def _holds_transform_box(tree) -> bool:
    """Whether a box of a differentiating transform is in `tree` (then ArrayBox's errors apply)."""
    return holds_box(tree, lambda item: item._trace.__class__ is not StagingTrace)


registry.record_constant = record_constant
