"""The rest of NumPy's namespace: ranges (linspace, logspace, geomspace), selections (unique and the
set operations, partition, sort_complex, choose, piecewise, insert, block), polynomials (roots,
polyfit, polydiv), i0, apply_along_axis / apply_over_axes, and the index-valued functions that are
constants. Each is written with existing primitives, following NumPy's own algorithm.

Selections return elements of their input; where several input elements equal a returned value
(np.unique, the set operations) the derivative is split evenly among them, as for np.max.

>>> import chainrule as cr
>>> cr.grad(lambda x: np.sum(np.unique(x) ** 2))(np.array([3.0, 1.0, 3.0]))
array([3., 2., 3.])
"""
from __future__ import annotations

import warnings

import numpy as np

from ...core import Box
from ...core.stage import peek
from .. import registry
from ..registry import composite
from .matrix_util import raw

for _name in ("histogram2d", "histogramdd", "bitwise_count", "ix_", "nanargmax", "nanargmin", "isin"):
    _fun = getattr(np, _name, None)
    if _fun is not None and _fun not in registry.FUNCTIONS and _fun not in registry.UFUNCS:
        registry.register(_fun, registry.nondifferentiable(_fun))


def _exactly(values_raw, traced):
    """`values_raw` as the value (bit for bit NumPy's), `traced` as the derivative."""
    return values_raw + (traced - raw(traced))


# --- ranges -------------------------------------------------------------------------------------
@composite(np.linspace)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None):
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    divisions = num - 1 if endpoint else num
    delta = stop - start
    steps = np.reshape(np.arange(num, dtype=float), (-1,) + (1,) * np.ndim(delta))
    if divisions > 0:
        step = delta / divisions
        values = steps / divisions * delta if np.any(raw(step) == 0) else steps * step
    else:
        step, values = np.nan, steps * delta
    values = values + start
    if endpoint and num > 1:
        last = np.broadcast_to(stop, np.shape(peek(values))[1:])
        values = np.concatenate([values[:-1], np.expand_dims(last, 0)])
    if axis != 0:
        values = np.moveaxis(values, 0, axis)
    if dtype is not None:
        values = np.floor(raw(values)).astype(dtype) if np.dtype(dtype).kind in "iu" else values.astype(dtype)
    return (values, step) if retstep else values


@composite(np.logspace)
def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if np.ndim(base):
        shape = np.broadcast_shapes(np.shape(start), np.shape(stop), np.shape(base))
        start, stop, base = (np.broadcast_to(v, shape) for v in (start, stop, base))
        base = np.expand_dims(base, axis)
    values = np.power(base, linspace(start, stop, num=num, endpoint=endpoint, axis=axis))
    return values if dtype is None else values.astype(dtype)


@composite(np.geomspace)
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    if np.any(raw(start) == 0) or np.any(raw(stop) == 0):
        raise ValueError("Geometric sequence cannot include zero")
    if np.iscomplexobj(peek(start)) or np.iscomplexobj(peek(stop)):
        raise TypeError("chainrule: np.geomspace of complex endpoints is not differentiable; use np.logspace.")
    sign = np.sign(raw(start))
    first, last = start * sign, stop * sign
    values = logspace(np.log10(first), np.log10(last), num=num, endpoint=endpoint, base=10.0)
    if num > 0:  # NumPy sets the end points exactly
        one = np.shape(peek(values))[1:]
        parts = [np.expand_dims(np.broadcast_to(first, one), 0)]
        if num > 1:
            parts += [values[1:-1], np.expand_dims(np.broadcast_to(last, one), 0)] if endpoint else [values[1:]]
        values = np.concatenate(parts)
    values = values * sign
    if axis != 0:
        values = np.moveaxis(values, 0, axis)
    return values if dtype is None else values.astype(dtype)


# --- unique values and set operations --------------------------------------------------------------
def _means_at(x, values_raw, equal_nan=True):
    """For each value in `values_raw` (all occurring in x), the mean of the elements of x equal to it.

    Equal elements are adjacent once sorted, so each group's sum is a difference of a cumulative sum.
    """
    flat = np.ravel(x)
    groups, counts = np.unique(raw(flat), return_counts=True, equal_nan=equal_nan)
    if not groups.size:
        return values_raw
    ordered = np.sort(flat)
    totals = np.concatenate([np.zeros(1, dtype=np.result_type(peek(flat))), np.cumsum(ordered)])
    ends = np.cumsum(counts)
    means = (totals[ends] - totals[ends - counts]) / counts
    where = np.clip(np.searchsorted(groups, values_raw), 0, groups.size - 1)
    return _exactly(values_raw, means[where])


@composite(np.unique)
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *, equal_nan=True,
           sorted=True):
    if axis is not None:
        raise TypeError("chainrule: np.unique(axis=...) is not differentiable yet; use axis=None.")
    found = np.unique(raw(ar), return_index=True, return_inverse=True, return_counts=True, equal_nan=equal_nan)
    values = _means_at(ar, found[0], equal_nan)
    extras = [part for part, wanted in zip(found[1:], (return_index, return_inverse, return_counts)) if wanted]
    return (values, *extras) if extras else values


def _unique_named(numpy_fun, fields):
    @composite(numpy_fun)
    def unique_named(x):
        found = numpy_fun(raw(x))
        if not fields:
            return _means_at(x, found, equal_nan=False)
        return type(found)(_means_at(x, found[0], equal_nan=False), *found[1:])
    return unique_named


unique_values = _unique_named(np.unique_values, ())
unique_counts = _unique_named(np.unique_counts, ("counts",))
unique_inverse = _unique_named(np.unique_inverse, ("inverse_indices",))
unique_all = _unique_named(np.unique_all, ("indices", "inverse_indices", "counts"))


def _both(ar1, ar2):
    return np.concatenate([np.ravel(ar1), np.ravel(ar2)])


@composite(np.union1d)
def union1d(ar1, ar2):
    return unique(_both(ar1, ar2))


@composite(np.intersect1d)
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    found = np.intersect1d(raw(ar1), raw(ar2), assume_unique=assume_unique, return_indices=return_indices)
    values = _means_at(_both(ar1, ar2), found[0] if return_indices else found)
    return (values, *found[1:]) if return_indices else values


@composite(np.setdiff1d)
def setdiff1d(ar1, ar2, assume_unique=False):
    return _means_at(ar1, np.setdiff1d(raw(ar1), raw(ar2), assume_unique=assume_unique))


@composite(np.setxor1d)
def setxor1d(ar1, ar2, assume_unique=False):
    return _means_at(_both(ar1, ar2), np.setxor1d(raw(ar1), raw(ar2), assume_unique=assume_unique))


# --- rearrangements --------------------------------------------------------------------------------
@composite(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    if axis is None:
        a, axis = np.ravel(a), -1
    arranged = np.partition(raw(a), kth, axis=axis, kind=kind)
    # match NumPy's arrangement element by element: the k-th smallest input goes where NumPy put it
    source = np.argsort(raw(a), axis=axis, kind="stable")
    target = np.argsort(arranged, axis=axis, kind="stable")
    index = np.empty_like(source)
    np.put_along_axis(index, target, source, axis=axis)
    return np.take_along_axis(a, index, axis=axis)


@composite(np.sort_complex)
def sort_complex(a):
    ordered = np.sort(a)
    return ordered if np.iscomplexobj(peek(ordered)) else ordered.astype(np.complex128)


@composite(np.choose)
def choose(a, choices, out=None, mode="raise"):
    index = np.asarray(raw(a))
    count = len(choices)
    if mode == "raise" and np.any((index < 0) | (index >= count)):
        raise ValueError("invalid entry in choice array")
    index = index % count if mode == "wrap" else np.clip(index, 0, count - 1)
    result = choices[0]
    for k in range(1, count):
        result = np.where(index == k, choices[k], result)
    return np.where(index == 0, choices[0], result)


@composite(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    shape = np.shape(x)
    if np.isscalar(condlist) or (not isinstance(condlist[0], (list, np.ndarray)) and np.ndim(x) != 0):
        condlist = [condlist]
    conditions = np.asarray([np.broadcast_to(np.asarray(raw(c), dtype=bool), shape) for c in condlist])
    if len(conditions) == len(funclist) - 1:
        conditions = np.concatenate([conditions, ~np.any(conditions, axis=0, keepdims=True)])
    elif len(conditions) != len(funclist):
        raise ValueError(f"with {len(conditions)} condition(s), either {len(conditions)} or "
                         f"{len(conditions) + 1} functions are expected")
    result = np.zeros(shape, dtype=np.result_type(peek(x)))
    for condition, fun in zip(conditions, funclist):
        if not callable(fun):
            result = np.where(condition, fun, result)
        elif np.any(condition):  # NumPy calls fun on the selected elements only
            values = np.ravel(np.broadcast_to(fun(x[condition], *args, **kw), (int(np.sum(condition)),)))
            position = np.maximum(np.cumsum(np.ravel(condition)) - 1, 0).reshape(shape)
            result = np.where(condition, values[position], result)
    return result


@composite(np.insert)
def insert(arr, obj, values, axis=None):
    size_arr, size_values = int(np.size(peek(arr))), int(np.size(peek(values)))
    labels = np.insert(np.arange(size_arr).reshape(np.shape(peek(arr))), obj,
                       -1 - np.arange(size_values).reshape(np.shape(peek(values))), axis=axis)
    from_arr = labels >= 0
    values_flat = np.ravel(values) if size_values else np.zeros(1)
    picked_arr = np.take(np.ravel(arr), np.where(from_arr, labels, 0))
    picked_values = np.take(values_flat, np.where(from_arr, 0, -1 - labels))
    return np.where(from_arr, picked_arr, picked_values)


def _block_depth(arrays) -> int:
    depth = 0
    while isinstance(arrays, list):
        if not arrays:
            raise ValueError("List at arrays cannot be empty")
        depth, arrays = depth + 1, arrays[0]
    return depth


@composite(np.block)
def block(arrays):
    depth = _block_depth(arrays)
    leaves, pending = [], [arrays]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, tuple):
            raise TypeError("chainrule: np.block takes lists, not tuples")
        else:
            leaves.append(item)
    ndim = max([depth] + [np.ndim(leaf) for leaf in leaves])

    def assemble(item, level):
        if not isinstance(item, list):
            return np.reshape(item, (1,) * (ndim - np.ndim(item)) + np.shape(item))
        return np.concatenate([assemble(part, level + 1) for part in item], axis=level - depth)
    return assemble(arrays, 0)


# --- polynomials ------------------------------------------------------------------------------------
@composite(np.roots)
def roots(p):
    p = np.atleast_1d(p)
    if np.ndim(p) != 1:
        raise ValueError("Input must be a rank-1 array.")
    nonzero = np.flatnonzero(raw(p))
    if nonzero.size == 0:
        return np.array([])
    trailing = np.shape(p)[0] - nonzero[-1] - 1
    p = p[int(nonzero[0]):int(nonzero[-1]) + 1]
    count = np.shape(p)[0]
    if count > 1:
        companion = np.concatenate([np.reshape(-p[1:] / p[0], (1, -1)), np.eye(count - 1, count - 1, -1)[1:]])
        found = np.linalg.eigvals(companion)
    else:
        found = np.zeros(0)
    return np.concatenate([found, np.zeros(trailing, dtype=np.result_type(peek(found)))]) if trailing else found


@composite(np.polyfit)
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    order = int(deg) + 1
    if deg < 0 or np.ndim(x) != 1 or np.size(peek(x)) == 0 or np.ndim(y) not in (1, 2) \
            or np.shape(x)[0] != np.shape(y)[0]:
        raise ValueError("expected deg >= 0, a non-empty 1-D x, a 1-D or 2-D y, and x and y of the same length")
    rcond = np.shape(x)[0] * np.finfo(float).eps if rcond is None else rcond
    lhs, rhs = np.vander(x, order), y
    if w is not None:
        lhs = lhs * np.expand_dims(w, -1)
        rhs = rhs * (np.expand_dims(w, -1) if np.ndim(y) == 2 else w)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    coefficients, residuals, rank, singular = np.linalg.lstsq(lhs, rhs, rcond)
    coefficients = np.transpose(np.transpose(coefficients) / scale)
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning, stacklevel=4)
    if full:
        return coefficients, residuals, rank, singular, rcond
    if not cov:
        return coefficients
    base = np.linalg.inv(np.transpose(lhs) @ lhs) / np.outer(scale, scale)
    if cov == "unscaled":
        factor = 1.0
    else:
        if np.shape(x)[0] <= order:
            raise ValueError("the number of data points must exceed order to scale the covariance matrix")
        factor = residuals / (np.shape(x)[0] - order)
    return coefficients, (base * factor if np.ndim(y) == 1 else np.expand_dims(base, -1) * factor)


@composite(np.polydiv)
def polydiv(u, v):
    u, v = np.atleast_1d(u) + 0.0, np.atleast_1d(v) + 0.0
    m, n = np.shape(u)[0] - 1, np.shape(v)[0] - 1
    scale = 1.0 / v[0]
    remainder = [u[i] for i in range(m + 1)]
    quotient = []
    for k in range(m - n + 1):
        factor = scale * remainder[k]
        quotient.append(factor)
        for j in range(n + 1):
            remainder[k + j] = remainder[k + j] - factor * v[j]
    quotient = np.stack(quotient) if quotient else np.zeros(1)
    remainder = np.stack(remainder)
    while np.allclose(raw(remainder[0]), 0, rtol=1e-14) and np.shape(remainder)[0] > 1:
        remainder = remainder[1:]
    return quotient, remainder


# --- i0 (NumPy's Chebyshev expansions, differentiated term by term) ---------------------------------
try:
    from numpy.lib._function_base_impl import _i0A, _i0B
except ImportError:  # pragma: no cover  (a NumPy that moved them: i0 keeps its "no rule" error)
    _i0A = _i0B = None


def _chebyshev(x, coefficients):
    b0, b1, b2 = coefficients[0], 0.0, 0.0
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


if _i0A is not None:
    @composite(np.i0)
    def i0(x):
        if np.iscomplexobj(peek(x)):
            raise TypeError("i0 not supported for complex values")
        x = np.abs(x)
        small = raw(x) <= 8.0
        near, far = np.where(small, x, 0.0), np.where(small, 8.0, x)  # each branch on values it accepts
        return np.where(small, np.exp(near) * _chebyshev(near / 2.0 - 2, _i0A),
                        np.exp(far) * _chebyshev(32.0 / far - 2.0, _i0B) / np.sqrt(far))


# --- applying a function along axes --------------------------------------------------------------------
@composite(np.apply_along_axis)
def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    ndim = np.ndim(arr)
    axis = axis % ndim
    moved = np.moveaxis(arr, axis, -1)
    outer = np.shape(moved)[:-1]
    results = [np.asarray(out) if not isinstance(out, Box) else out
               for out in (func1d(moved[index], *args, **kwargs) for index in np.ndindex(*outer))]
    stacked = np.reshape(np.stack(results), outer + np.shape(results[0]))
    out_ndim = np.ndim(results[0])
    return np.moveaxis(stacked, tuple(range(len(outer), len(outer) + out_ndim)), tuple(range(axis, axis + out_ndim)))


@composite(np.apply_over_axes)
def apply_over_axes(func, a, axes):
    ndim = np.ndim(a)
    for axis in np.atleast_1d(axes):
        axis = int(axis) % ndim
        result = func(a, axis)
        if np.ndim(result) == ndim - 1:
            result = np.expand_dims(result, axis)
        elif np.ndim(result) != ndim:
            raise ValueError("function is not returning an array of the correct shape")
        a = result
    return a
