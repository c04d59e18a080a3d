"""ArrayBox: a traced NumPy value with the operators, methods and dispatch protocols of an ndarray.

Plain `import numpy as np` code reaches chainrule through `__array_ufunc__` and
`__array_function__`; everything that would silently drop the graph (`float(x)`,
`np.asarray(x)`, writing `x` into an ndarray, `out=`) raises `TracedValueError` instead.
"""
from __future__ import annotations

import numpy as np

from ..core import Box
from . import registry


class TracedValueError(TypeError):
    """An operation would turn a traced value into a constant and silently lose its derivative."""


def _lost(what: str, fix: str) -> TracedValueError:
    return TracedValueError(
        f"{what} would turn a value that chainrule is differentiating into a plain number "
        f"or array, so its derivative would silently be lost. {fix}")


_CONVERT_FIX = ("Keep it as an array (use chainrule.numpy / numpy functions on it), or if you "
                "really want a constant, call chainrule.stop_gradient(x) first. This error also "
                "appears when a traced value is written into a plain ndarray (a[i] = x): build "
                "the array with np.stack / np.concatenate / np.where instead.")


class ArrayBox(Box):
    """A NumPy array or scalar being differentiated. Behaves like the ndarray it wraps."""

    __slots__ = ()
    __array_priority__ = 100.0
    __hash__ = None

    # --- attributes ---------------------------------------------------------------
    shape = property(lambda self: self._value.shape)
    ndim = property(lambda self: self._value.ndim)
    size = property(lambda self: self._value.size)
    dtype = property(lambda self: self._value.dtype)
    T = property(lambda self: _ops.transpose(self))
    mT = property(lambda self: _ops.swapaxes(self, -1, -2))
    real = property(lambda self: _ops.real(self))
    imag = property(lambda self: _ops.imag(self))

    def __len__(self) -> int:
        return len(self._value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:  # control flow on values is fine: it records nothing
        return bool(self._value)

    # --- conversions that would lose the graph ------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise _lost("np.asarray / np.array on a traced value", _CONVERT_FIX)

    def __float__(self):
        raise _lost("float() of a traced value", _CONVERT_FIX)

    def __int__(self):
        raise _lost("int() of a traced value", _CONVERT_FIX)

    def __complex__(self):
        raise _lost("complex() of a traced value", _CONVERT_FIX)

    def __index__(self):
        raise _lost("using a traced value as an index", "Indices must be integers: use stop_gradient(x).astype(int) if you mean it.")

    def item(self, *args):
        raise _lost(".item() of a traced value", _CONVERT_FIX)

    def tolist(self):
        raise _lost(".tolist() of a traced value", _CONVERT_FIX)

    def __setitem__(self, index, value):
        raise TypeError(
            "chainrule: in-place assignment x[i] = v into a traced array is not supported "
            "(the old values may still be needed by the derivative). Build a new array "
            "instead: np.where(mask, v, x), np.concatenate(...), or x + np.eye(...) * ...")

    def __round__(self, ndigits=None):
        return np.round(self._value, ndigits or 0)

    # --- NumPy dispatch -----------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__":  # the hot path: np.sin(x), ndarray * x
            handler = _UFUNCS.get(ufunc)
            if handler is not None:
                return handler(*inputs)
        if "out" in kwargs:
            raise TypeError(
                f"chainrule: numpy.{ufunc.__name__}(..., out=...) would write a traced value "
                f"into a plain array and lose its derivative. Drop out= and use the returned value.")
        if method != "__call__":
            handler = _UFUNC_METHODS.get((ufunc, method))
            if handler is None:
                raise TypeError(
                    f"chainrule: numpy.{ufunc.__name__}.{method} has no derivative rule. Use the "
                    f"function form (np.sum, np.prod, np.max, np.cumsum, np.multiply.outer -> "
                    f"np.outer, ...), or stop_gradient() the argument if it is a constant.")
            return handler(*inputs, **kwargs)
        handler = registry.UFUNCS.get(ufunc)
        if handler is None and registry.load_rules_for is not None and registry.load_rules_for(ufunc):
            handler = registry.UFUNCS.get(ufunc)
        if handler is None:
            where = "numpy." if getattr(np, ufunc.__name__, None) is ufunc else "the ufunc "
            raise TypeError(
                f"chainrule: {where}{ufunc.__name__} has no derivative rule. Define one with "
                f"chainrule.extend.primitive/defvjp, or apply it to stop_gradient(x) if the "
                f"result should be a constant.")
        if "where" in kwargs:
            raise TypeError(f"chainrule: numpy.{ufunc.__name__}(..., where=...) is not differentiable; "
                            f"use np.where(mask, {ufunc.__name__}(x), other) instead.")
        return handler(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        handler = registry.FUNCTIONS.get(func)
        if handler is None:
            name = f"{func.__module__}.{func.__name__}".replace("numpy.lib._", "numpy.")
            raise TypeError(
                f"chainrule: {name} has no derivative rule yet, so differentiating through it "
                f"would be wrong. Use an equivalent differentiable expression, define a rule "
                f"with chainrule.extend, or apply it to stop_gradient(x) if its result should "
                f"be a constant.")
        if kwargs.get("out") is not None:
            raise TypeError(f"chainrule: {func.__name__}(..., out=...) would lose the derivative; drop out=.")
        return handler(*args, **kwargs)

    # --- operators ----------------------------------------------------------------
    def __neg__(self): return negative(self)
    def __pos__(self): return self
    def __abs__(self): return absolute(self)
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return subtract(self, other)
    def __rsub__(self, other): return subtract(other, self)
    def __mul__(self, other): return multiply(self, other)
    def __rmul__(self, other): return multiply(other, self)
    def __truediv__(self, other): return true_divide(self, other)
    def __rtruediv__(self, other): return true_divide(other, self)
    def __floordiv__(self, other): return np.floor_divide(self, other)
    def __rfloordiv__(self, other): return np.floor_divide(other, self)
    def __mod__(self, other): return remainder(self, other)
    def __rmod__(self, other): return remainder(other, self)
    def __divmod__(self, other): return (np.floor_divide(self, other), remainder(self, other))
    def __pow__(self, other): return power(self, other)
    def __rpow__(self, other): return power(other, self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __eq__(self, other): return np.equal(self, other)
    def __ne__(self, other): return np.not_equal(self, other)
    def __lt__(self, other): return np.less(self, other)
    def __le__(self, other): return np.less_equal(self, other)
    def __gt__(self, other): return np.greater(self, other)
    def __ge__(self, other): return np.greater_equal(self, other)
    def __getitem__(self, index): return _ops.getitem(self, index)

    # --- ndarray methods ----------------------------------------------------------
    def sum(self, axis=None, dtype=None, out=None, keepdims=False): return np.sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    def mean(self, axis=None, dtype=None, out=None, keepdims=False): return np.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    def prod(self, axis=None, dtype=None, out=None, keepdims=False): return np.prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    def max(self, axis=None, out=None, keepdims=False): return np.max(self, axis=axis, out=out, keepdims=keepdims)
    def min(self, axis=None, out=None, keepdims=False): return np.min(self, axis=axis, out=out, keepdims=keepdims)
    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False): return np.std(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)
    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False): return np.var(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)
    def cumsum(self, axis=None, dtype=None, out=None): return np.cumsum(self, axis=axis, dtype=dtype, out=out)
    def cumprod(self, axis=None, dtype=None, out=None): return np.cumprod(self, axis=axis, dtype=dtype, out=out)
    def dot(self, other): return np.dot(self, other)
    def reshape(self, *shape, order="C"):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)
    def transpose(self, *axes):
        return np.transpose(self, axes[0] if len(axes) == 1 else (axes or None))
    def ravel(self, order="C"): return np.ravel(self, order=order)
    def flatten(self, order="C"): return np.ravel(self, order=order)
    def squeeze(self, axis=None): return np.squeeze(self, axis=axis)
    def swapaxes(self, axis1, axis2): return np.swapaxes(self, axis1, axis2)
    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True): return _ops.astype(self, dtype)
    def copy(self, order="C"): return np.copy(self)
    def clip(self, min=None, max=None): return np.clip(self, min, max)
    def conj(self): return np.conjugate(self)
    def conjugate(self): return np.conjugate(self)
    def diagonal(self, offset=0, axis1=0, axis2=1): return np.diagonal(self, offset, axis1, axis2)
    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None): return np.trace(self, offset, axis1, axis2, dtype, out)
    def repeat(self, repeats, axis=None): return np.repeat(self, repeats, axis)
    def take(self, indices, axis=None): return np.take(self, indices, axis)
    def round(self, decimals=0): return np.round(self._value, decimals)
    def argmax(self, axis=None, **kwargs): return np.argmax(self._value, axis=axis, **kwargs)
    def argmin(self, axis=None, **kwargs): return np.argmin(self._value, axis=axis, **kwargs)
    def argsort(self, axis=-1, **kwargs): return np.argsort(self._value, axis=axis, **kwargs)
    def nonzero(self): return np.nonzero(self._value)
    def all(self, *args, **kwargs): return np.all(self._value, *args, **kwargs)
    def any(self, *args, **kwargs): return np.any(self._value, *args, **kwargs)
    def sort(self, axis=-1, kind=None, order=None):
        raise TypeError("chainrule: x.sort() sorts in place, which a traced array cannot do; use x = np.sort(x).")


class _Ops:
    """The primitives the operators call, filled in by the rules modules (avoids an import cycle)."""


_ops = _Ops()
# The arithmetic primitives, looked up as module globals on the hot path; set by rules/elementwise.py.
negative = absolute = add = subtract = multiply = true_divide = remainder = power = matmul = None
_UFUNC_METHODS: dict = {}
_UFUNCS = registry.UFUNCS
