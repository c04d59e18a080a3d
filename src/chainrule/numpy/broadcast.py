"""The single place where broadcasting is undone (and where tangents are broadcast).

Cotangents and tangents may carry extra leading batch axes (Jacobians push a batch of
directions at once). Shapes here are always "batch axes + the primal's shape".
"""
from __future__ import annotations

import math

import numpy as np


def shape_of(value) -> tuple:
    return getattr(value, "shape", ())


def unbroadcast(cotangent, shape: tuple, ans_ndim: int):
    """Sum `cotangent` (batch + a shape of rank `ans_ndim`) down to batch + `shape`.

    >>> unbroadcast(np.ones((2, 3)), (3,), 2)
    array([2., 2., 2.])
    """
    cotangent_shape = shape_of(cotangent)
    batch = len(cotangent_shape) - ans_ndim
    leading = ans_ndim - len(shape)
    axes = list(range(batch, batch + leading))
    for i, size in enumerate(shape):
        if size == 1 and cotangent_shape[batch + leading + i] != 1:
            axes.append(batch + leading + i)
    if not axes:
        return cotangent
    if type(cotangent) is np.ndarray:  # the ufunc's reduce, positionally: no wrapper, no keywords
        if len(axes) == leading:  # only leading axes were added: summing them away gives the shape
            return _add_reduce(cotangent, tuple(axes))
        if not leading:  # only size-1 axes were stretched: keepdims gives the shape
            return _add_reduce(cotangent, tuple(axes), None, None, True)
    elif not hasattr(cotangent, "sum"):
        cotangent = np.asarray(cotangent)
    # methods, not np.sum / np.reshape: traced cotangents dispatch to their own rules
    if len(axes) == leading:
        return cotangent.sum(axis=tuple(axes))
    if not leading:
        return cotangent.sum(axis=tuple(axes), keepdims=True)
    return cotangent.sum(axis=tuple(axes), keepdims=True).reshape(cotangent_shape[:batch] + tuple(shape))


_add_reduce = np.add.reduce


# Below this many elements a broadcast is materialised: a copy is cheaper than np.broadcast_to's view.
_SMALL = 1 << 14


def broadcast_to(value, shape: tuple):
    """`np.broadcast_to(value, shape)`, faster for small plain arrays (then a writable copy)."""
    if type(value) is np.ndarray and value.size and math.prod(shape) <= _SMALL:
        out = np.empty(shape, dtype=value.dtype)
        out[...] = value
        return out
    return np.broadcast_to(value, shape)


def align_tangent(tangent, ndim: int, target_ndim: int):
    """Insert axes after the batch axes so a tangent of a rank-`ndim` primal has rank `target_ndim`."""
    if ndim >= target_ndim:
        return tangent
    tangent_shape = shape_of(tangent)
    batch = len(tangent_shape) - ndim
    return np.reshape(tangent, tangent_shape[:batch] + (1,) * (target_ndim - ndim) + tangent_shape[batch:])


def broadcast_tangent(tangent, ans_shape: tuple, tangent_batch: tuple):
    """Broadcast a tangent contribution to batch + `ans_shape` (a no-op when it already is)."""
    target = tuple(tangent_batch) + tuple(ans_shape)
    if shape_of(tangent) == target:
        return tangent
    return broadcast_to(tangent, target)


def cast_like(cotangent, primal):
    """Give a cotangent the primal's floating dtype (float32 in, float32 out; real in, real out)."""
    dtype = getattr(primal, "dtype", None)
    cotangent_dtype = getattr(cotangent, "dtype", None)
    if dtype is None or cotangent_dtype is None or cotangent_dtype == dtype:
        return cotangent
    if dtype.kind == "f" and cotangent_dtype.kind == "c":
        cotangent = np.real(cotangent)
    if dtype.kind in "fc":
        return cotangent.astype(dtype) if cotangent.dtype != dtype else cotangent
    return cotangent


def fit_to_argument(vjp, primal, ans):
    """`vjp` itself when `primal` has the output's shape and dtype, else `vjp` followed by unbroadcast and cast."""
    try:
        if primal.shape == ans.shape and (primal.dtype is ans.dtype or primal.dtype == ans.dtype):
            return vjp
    except AttributeError:
        pass
    shape, ans_ndim = shape_of(primal), len(shape_of(ans))
    return lambda cotangent: cast_like(unbroadcast(vjp(cotangent), shape, ans_ndim), primal)


def broadcasting_jvp(rule, argnum: int):
    """Wrap an elementwise JVP rule so a broadcast argument's tangent gets the output's shape."""
    def jvp(tangent, ans, *args, **kwargs):
        ndim, ans_shape = len(shape_of(args[argnum])), shape_of(ans)
        tangent_shape = shape_of(tangent)
        if ndim == len(ans_shape) and tangent_shape == ans_shape:
            return rule(tangent, ans, *args, **kwargs)
        batch = tangent_shape[:len(tangent_shape) - ndim]
        aligned = align_tangent(tangent, ndim, len(ans_shape))
        return broadcast_tangent(rule(aligned, ans, *args, **kwargs), ans_shape, batch)
    return jvp
