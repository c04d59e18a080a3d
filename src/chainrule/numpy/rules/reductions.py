"""Reductions: sum, prod, max/min (ties split evenly), cumsum, cumprod; mean, var, std, nan* on top.

Axes are normalised to negative numbers, which mean the same thing with or without the
leading batch axes of a vectorised tangent or cotangent.
"""
from __future__ import annotations

import numpy as np

from ...core import defjvp, defvjp
from ...core.stage import detach, is_staged, peek
from .. import box, registry
from ..broadcast import broadcast_to
from ..registry import composite, primitive
from .elementwise import COMPLEX_ORDER_ERROR


def normalize_axes(axis, ndim: int) -> tuple:
    """Axes as sorted negative integers; None means all."""
    if type(axis) is int and ndim and -ndim <= axis < ndim:  # the common case, kept cheap
        return (axis % ndim - ndim,)
    if axis is None:
        return tuple(range(-ndim, 0))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
    return tuple(sorted({a % max(ndim, 1) - ndim for a in axes})) if ndim else ()


def keepdims_shape(shape: tuple, axes: tuple) -> tuple:
    ndim = len(shape)
    return tuple(1 if i - ndim in axes else size for i, size in enumerate(shape))


def expand_to(cotangent, ans_ndim: int, shape: tuple, axes: tuple, keepdims: bool):
    """A reduced cotangent (batch + reduced shape) broadcast back to batch + `shape`."""
    batch = _batch_of(cotangent, ans_ndim)
    return broadcast_to(with_kept_axes(cotangent, ans_ndim, shape, axes, keepdims, batch), batch + tuple(shape))


def with_kept_axes(cotangent, ans_ndim: int, shape: tuple, axes: tuple, keepdims: bool, batch=None):
    """A reduced cotangent with the reduced axes back as size 1 (it then broadcasts against the input)."""
    if keepdims:
        return cotangent
    kept = keepdims_shape(shape, axes)
    if not hasattr(cotangent, "reshape"):
        return np.reshape(cotangent, kept)
    return cotangent.reshape((_batch_of(cotangent, ans_ndim) if batch is None else batch) + kept)


def _batch_of(cotangent, ans_ndim: int) -> tuple:
    shape = getattr(cotangent, "shape", ())
    return shape[:len(shape) - ans_ndim]


def _raw(x):
    while isinstance(x, box.Box):
        x = x._value
    return x


# On plain arrays the ufunc's reduce is called directly, positionally: the ndarray methods go
# through a Python wrapper and keyword parsing that cost more than the reduction of a small array.
def _sum(x, *, axis=None, keepdims=False, dtype=None):
    if type(x) is np.ndarray:
        return _add_reduce(x, axis, dtype, None, keepdims)
    return x.sum(axis=axis, keepdims=keepdims, dtype=dtype)


def _prod(x, *, axis=None, keepdims=False, dtype=None):
    return x.prod(axis=axis, keepdims=keepdims, dtype=dtype)


def _max(x, *, axis=None, keepdims=False):
    if type(x) is np.ndarray:
        return _maximum_reduce(x, axis, None, None, keepdims)
    return x.max(axis=axis, keepdims=keepdims)


def _min(x, *, axis=None, keepdims=False):
    if type(x) is np.ndarray:
        return _minimum_reduce(x, axis, None, None, keepdims)
    return x.min(axis=axis, keepdims=keepdims)


_add_reduce, _maximum_reduce, _minimum_reduce = np.add.reduce, np.maximum.reduce, np.minimum.reduce
_any_reduce = np.logical_or.reduce

sum_ = primitive(_sum, "sum", numpy_fun=False)
prod = primitive(_prod, "prod", numpy_fun=False)
max_ = primitive(_max, "max", numpy_fun=False)
min_ = primitive(_min, "min", numpy_fun=False)
cumsum = primitive(lambda x, *, axis: np.cumsum(x, axis=axis), "cumsum", numpy_fun=False)
cumprod = primitive(lambda x, *, axis: np.cumprod(x, axis=axis), "cumprod", numpy_fun=False)


def _sum_vjp(ans, x, *, axis=None, keepdims=False, dtype=None):
    shape, axes, ans_ndim = x.shape, normalize_axes(axis, x.ndim), ans.ndim
    return lambda g: expand_to(g, ans_ndim, shape, axes, keepdims)


def _sum_jvp(t, ans, x, *, axis=None, keepdims=False, dtype=None):
    return np.sum(t, axis=normalize_axes(axis, x.ndim), keepdims=keepdims)


def _others_product(x, ans, axes, keepdims):
    """For each element, the product of the other elements it was reduced with (exact at zeros)."""
    if not is_staged(x) and np.all(_raw(x) != 0):  # a compile takes the branch that is always right
        return (ans if keepdims else np.reshape(ans, keepdims_shape(x.shape, axes))) / x
    count = len(axes)
    moved = np.moveaxis(x, axes, tuple(range(-count, 0)))
    kept = moved.shape[:moved.ndim - count]
    flat = np.reshape(moved, kept + (-1,))
    ones = np.ones(kept + (1,), dtype=peek(x).dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([flat[..., 1:], ones], axis=-1), -1), axis=-1), -1)
    return np.moveaxis(np.reshape(left * right, moved.shape), tuple(range(-count, 0)), axes)


def _prod_vjp(ans, x, *, axis=None, keepdims=False, dtype=None):
    shape, axes, ans_ndim = x.shape, normalize_axes(axis, x.ndim), ans.ndim
    return lambda g: with_kept_axes(g, ans_ndim, shape, axes, keepdims) * _others_product(x, ans, axes, keepdims)


def _prod_jvp(t, ans, x, *, axis=None, keepdims=False, dtype=None):
    axes = normalize_axes(axis, x.ndim)
    return np.sum(t * _others_product(x, ans, axes, keepdims), axis=axes, keepdims=keepdims)


def _extremum_weights(ans, x, axes, keepdims):
    """1/k on each of the k elements that attain the max (or min), 0 elsewhere (ties split evenly).

    Without ties (the common case) this is the boolean mask of the maxima itself.
    """
    if isinstance(x, box.Box) and is_staged(x):  # a compile records: no branch on the values
        return _staged_extremum_weights(ans, x, axes, keepdims)
    raw_x, raw_ans = _raw(x), _raw(ans)
    if not isinstance(raw_ans, (np.ndarray, np.generic)):
        raw_ans = np.asarray(raw_ans)
    kind = raw_ans.dtype.kind
    if kind == "c":
        raise TypeError(COMPLEX_ORDER_ERROR.format(name="max / min / ptp"))
    hit = raw_x == (raw_ans if keepdims else raw_ans.reshape(keepdims_shape(np.shape(raw_x), axes)))
    # One hit per output without counting per output: as many hits as outputs, and no NaN output
    # (a NaN output has no hit, which a tie elsewhere could otherwise make up for).
    if np.count_nonzero(hit) == raw_ans.size and (kind != "f" or not _any_reduce(np.isnan(raw_ans), None)):
        return hit
    counts = hit.sum(axis=axes, keepdims=True)
    dtype = np.result_type(raw_x, np.float16)
    return hit.astype(dtype) / counts.astype(dtype)


def _staged_extremum_weights(ans, x, axes, keepdims):
    """The weights of `_extremum_weights` for every case at once (ties or not), recorded."""
    if peek(x).dtype.kind == "c":
        raise TypeError(COMPLEX_ORDER_ERROR.format(name="max / min / ptp"))
    hit = detach(x) == detach(ans if keepdims else np.reshape(ans, keepdims_shape(x.shape, axes)))
    dtype = np.result_type(peek(x), np.float16)
    return hit.astype(dtype) / np.sum(hit, axis=axes, keepdims=True).astype(dtype)


def _extremum_vjp(ans, x, *, axis=None, keepdims=False):
    shape, axes, ans_ndim = x.shape, normalize_axes(axis, x.ndim), ans.ndim
    weights = _extremum_weights(ans, x, axes, keepdims)
    return lambda g: with_kept_axes(g, ans_ndim, shape, axes, keepdims) * weights


def _extremum_jvp(t, ans, x, *, axis=None, keepdims=False):
    axes = normalize_axes(axis, x.ndim)
    return np.sum(t * _extremum_weights(ans, x, axes, keepdims), axis=axes, keepdims=keepdims)


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _cumprod_matrix(x, axis):
    """C[..., i, j] = prod_{k <= j, k != i} x_k for j >= i, else 0 (axis moved last)."""
    moved = np.moveaxis(x, axis, -1)
    n = moved.shape[-1]
    eye = np.eye(n, dtype=bool)
    rows = np.where(eye, 1.0, moved[..., None, :] * np.ones((n, 1)))
    return np.cumprod(rows, axis=-1) * np.triu(np.ones((n, n)))


def _cumprod_vjp(ans, x, *, axis):
    axis = axis % x.ndim - x.ndim
    if not is_staged(x) and np.all(_raw(x) != 0):
        return lambda g: _reverse_cumsum(g * ans, axis) / x
    matrix = _cumprod_matrix(x, axis)
    return lambda g: np.moveaxis(np.matmul(matrix, np.moveaxis(g, axis, -1)[..., None])[..., 0], -1, axis)


def _cumprod_jvp(t, ans, x, *, axis):
    axis = axis % x.ndim - x.ndim
    if not is_staged(x) and np.all(_raw(x) != 0):
        return ans * np.cumsum(t / x, axis=axis)
    matrix = _cumprod_matrix(x, axis)
    return np.moveaxis(np.matmul(np.moveaxis(t, axis, -1)[..., None, :], matrix)[..., 0, :], -1, axis)


# fmt: off
defvjp(sum_,    _sum_vjp);       defjvp(sum_,    _sum_jvp)
defvjp(prod,    _prod_vjp);      defjvp(prod,    _prod_jvp)
defvjp(max_,    _extremum_vjp);  defjvp(max_,    _extremum_jvp)
defvjp(min_,    _extremum_vjp);  defjvp(min_,    _extremum_jvp)
defvjp(cumsum,  lambda ans, x, *, axis: lambda g: _reverse_cumsum(g, axis % x.ndim - x.ndim))
defjvp(cumsum,  lambda t, ans, x, *, axis: np.cumsum(t, axis=axis % x.ndim - x.ndim))
defvjp(cumprod, _cumprod_vjp);   defjvp(cumprod, _cumprod_jvp)
# fmt: on


# --- NumPy's signatures on top of the primitives ----------------------------------
@composite(np.sum)
def numpy_sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    if initial is not None or where is not None:
        _no_where("sum", initial, where)
    return sum_(a, axis=axis, keepdims=keepdims, dtype=dtype)


@composite(np.prod)
def numpy_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    if initial is not None or where is not None:
        _no_where("prod", initial, where)
    return prod(a, axis=axis, keepdims=keepdims, dtype=dtype)


def _no_where(name, initial, where) -> None:
    if initial is not None or where is not None:
        raise TypeError(f"chainrule: np.{name}(..., initial=, where=) is not differentiable; "
                        f"mask the input with np.where first.")


def _extremum(prim, name):
    def reduce(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        if initial is not None or where is not None:
            _no_where(name, initial, where)
        return prim(a, axis=axis, keepdims=keepdims)
    reduce.__name__ = name
    return reduce


numpy_max = composite(np.max)(_extremum(max_, "max"))
numpy_min = composite(np.min)(_extremum(min_, "min"))
registry.register(np.amax, registry.FUNCTIONS[np.max], numpy_max)
registry.register(np.amin, registry.FUNCTIONS[np.min], numpy_min)


def _count(a, axis) -> int:
    shape = np.shape(a)
    return int(np.prod([shape[i] for i in normalize_axes(axis, len(shape))]))


@composite(np.mean)
def numpy_mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    if where is not None:
        _no_where("mean", None, where)
    return sum_(a, axis=axis, keepdims=keepdims) / _count(a, axis)


@composite(np.var)
def numpy_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    if where is not None:
        _no_where("var", None, where)
    ddof = ddof if correction is None else correction
    centered = a - sum_(a, axis=axis, keepdims=True) / _count(a, axis)
    squares = np.real(centered * np.conjugate(centered)) if np.iscomplexobj(peek(a)) else centered * centered
    return sum_(squares, axis=axis, keepdims=keepdims) / (_count(a, axis) - ddof)


@composite(np.std)
def numpy_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    return np.sqrt(numpy_var(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where, correction=correction))


@composite(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    return max_(a, axis=axis, keepdims=keepdims) - min_(a, axis=axis, keepdims=keepdims)


@composite(np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        result, total = numpy_mean(a, axis=axis, keepdims=keepdims), _count(a, axis)
        return (result, total) if returned else result
    if np.ndim(weights) == 1 and np.ndim(a) > 1 and axis is not None:
        shape = [1] * np.ndim(a)
        shape[axis] = -1
        weights = np.reshape(weights, shape)
    total = sum_(np.broadcast_to(weights, np.shape(a)) if np.shape(weights) != np.shape(a) else weights,
                 axis=axis, keepdims=keepdims)
    result = sum_(a * weights, axis=axis, keepdims=keepdims) / total
    return (result, total) if returned else result


@composite(np.cumsum)
def cumulative_sum(a, axis=None, dtype=None, out=None):
    return cumsum(np.ravel(a) if axis is None else a, axis=-1 if axis is None else axis)


@composite(np.cumprod)
def cumulative_prod(a, axis=None, dtype=None, out=None):
    return cumprod(np.ravel(a) if axis is None else a, axis=-1 if axis is None else axis)


# --- the nan* reductions: mask NaNs with the reduction's identity, then reduce --------
def _masked(a, fill):
    return np.where(np.isnan(detach(a)), fill, a)


@composite(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    return numpy_sum(_masked(a, 0.0), axis=axis, keepdims=keepdims, initial=initial, where=where)


@composite(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    return numpy_prod(_masked(a, 1.0), axis=axis, keepdims=keepdims, initial=initial, where=where)


@composite(np.nanmax)
def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return numpy_max(_masked(a, -np.inf), axis=axis, keepdims=keepdims, initial=initial, where=where)


@composite(np.nanmin)
def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return numpy_min(_masked(a, np.inf), axis=axis, keepdims=keepdims, initial=initial, where=where)


@composite(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    count = np.sum(~np.isnan(detach(a)), axis=axis, keepdims=keepdims)
    return nansum(a, axis=axis, keepdims=keepdims, where=where) / count


@composite(np.nanvar)
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    ddof = ddof if correction is None else correction
    valid = ~np.isnan(detach(a))
    count = np.sum(valid, axis=axis, keepdims=True)
    centered = np.where(valid, a - nansum(a, axis=axis, keepdims=True) / count, 0.0)
    squares = np.real(centered * np.conjugate(centered)) if np.iscomplexobj(peek(a)) else centered * centered
    denominator = np.sum(valid, axis=axis, keepdims=keepdims) - ddof
    return sum_(squares, axis=axis, keepdims=keepdims) / denominator


@composite(np.nanstd)
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    return np.sqrt(nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where, correction=correction))


@composite(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    return cumulative_sum(_masked(a, 0.0), axis=axis)


@composite(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    return cumulative_prod(_masked(a, 1.0), axis=axis)


for _numpy_name, _fun in (("cumulative_sum", cumulative_sum), ("cumulative_prod", cumulative_prod)):
    if hasattr(np, _numpy_name):  # NumPy >= 2.1 spells them this way too
        registry.register(getattr(np, _numpy_name), _fun.__wrapped__, _fun)
