"""NumPy 2 names that are separate objects from their twins (degrees/rad2deg, astype, unstack, ...),
the multi-output ufuncs (divmod, modf, frexp, ldexp), and small array helpers (append, delete,
diagflat, vander, meshgrid, select, nan_to_num, the poly* family, ...), each written with existing
primitives. Pure aliases (np.acos is np.arccos, np.pow is np.power) need nothing: they are the
same objects, and `chainrule.numpy` exports them under every name.
"""
from __future__ import annotations

import numpy as np

from ...core.stage import peek
from .. import registry
from ..registry import composite, primitive
from .elementwise import def_partials
from .matrix_util import raw

# --- ufuncs with their own objects -----------------------------------------------------------
if np.degrees not in registry.UFUNCS:  # (the elementwise rules may already route them to rad2deg/deg2rad)
    degrees = primitive(np.degrees)
    def_partials(degrees, lambda ans, x: 180 / np.pi)
if np.radians not in registry.UFUNCS:
    radians = primitive(np.radians)
    def_partials(radians, lambda ans, x: np.pi / 180)


def _divmod(x1, x2, /, **kwargs):
    return np.floor_divide(x1, x2), np.remainder(x1, x2)


def _modf(x, /, **kwargs):
    whole = np.trunc(raw(x))
    return x - whole, whole


def _frexp(x, /, **kwargs):
    exponent = np.frexp(raw(x))[1]
    return x / np.ldexp(1.0, exponent), exponent


def _ldexp(x1, x2, /, **kwargs):
    return x1 * np.ldexp(1.0, raw(x2))


for _ufunc, _fun in ((np.divmod, _divmod), (np.modf, _modf), (np.frexp, _frexp), (np.ldexp, _ldexp)):
    composite(_ufunc)(_fun)


# --- NumPy 2 functions ------------------------------------------------------------------------
if hasattr(np, "astype"):
    @composite(np.astype)
    def astype(x, dtype, /, *, copy=True, device=None):
        return x.astype(dtype)

if hasattr(np, "unstack"):
    @composite(np.unstack)
    def unstack(x, /, *, axis=0):
        moved = np.moveaxis(x, axis, 0)
        return tuple(moved[i] for i in range(np.shape(moved)[0]))

if hasattr(np, "row_stack"):
    registry.register(np.row_stack, registry.FUNCTIONS[np.vstack], registry.PUBLIC[("numpy", "vstack")])
if hasattr(np, "isdtype"):
    registry.register(np.isdtype, registry.nondifferentiable(np.isdtype))


# --- small array helpers ---------------------------------------------------------------------
@composite(np.append)
def append(arr, values, axis=None):
    if axis is None:
        return np.concatenate([np.ravel(arr), np.ravel(values)])
    return np.concatenate([arr, values], axis=axis)


@composite(np.delete)
def delete(arr, obj, axis=None):
    if axis is None:
        arr, axis = np.ravel(arr), 0
    kept = np.delete(np.arange(np.shape(arr)[axis]), raw(obj))
    return np.take(arr, kept, axis=axis)


@composite(np.diagflat)
def diagflat(v, k=0):
    return np.diag(np.ravel(v), k)


@composite(np.vander)
def vander(x, N=None, increasing=False):
    powers = np.arange(np.shape(x)[0] if N is None else N)
    return np.expand_dims(x, -1) ** (powers if increasing else powers[::-1])


@composite(np.rollaxis)
def rollaxis(a, axis, start=0):
    ndim = np.ndim(a)
    axis, start = axis % ndim, start + ndim if start < 0 else start
    order = list(range(ndim))
    order.remove(axis)
    order.insert(start - 1 if start > axis else start, axis)
    return np.transpose(a, order)


def _split_along(axis_for):
    def split(ary, indices_or_sections):
        return np.split(ary, indices_or_sections, axis_for(np.ndim(ary)))
    return split


composite(np.hsplit)(_split_along(lambda ndim: 1 if ndim > 1 else 0))
composite(np.vsplit)(_split_along(lambda ndim: 0))
composite(np.dsplit)(_split_along(lambda ndim: 2))


@composite(np.compress)
def compress(condition, a, axis=None, out=None):
    if axis is None:
        a, axis = np.ravel(a), 0
    return np.take(a, np.flatnonzero(raw(condition)), axis=axis)


@composite(np.extract)
def extract(condition, arr):
    return np.take(np.ravel(arr), np.flatnonzero(np.ravel(raw(condition))))


@composite(np.resize)
def resize(a, new_shape):
    flat = np.ravel(a)
    total = int(np.prod(new_shape))
    return np.reshape(np.take(flat, np.arange(total) % np.shape(flat)[0]), new_shape)


@composite(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    values = raw(x)
    if np.iscomplexobj(values):
        return nan_to_num(np.real(x), nan=nan, posinf=posinf, neginf=neginf) + nan_to_num(
            np.imag(x), nan=nan, posinf=posinf, neginf=neginf) * 1j
    big = np.finfo(values.dtype).max if values.dtype.kind == "f" else np.finfo(float).max
    fixed = np.nan_to_num(values, nan=nan, posinf=big if posinf is None else posinf,
                          neginf=-big if neginf is None else neginf)
    return np.where(np.isfinite(values), x, fixed)


@composite(np.real_if_close)
def real_if_close(a, tol=100):
    values = raw(a)
    if not np.iscomplexobj(values):
        return a
    limit = tol * np.finfo(values.dtype).eps if tol > 1 else tol
    return np.real(a) if np.all(np.abs(np.imag(values)) < limit) else a


@composite(np.unwrap)
def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    return p + (np.unwrap(raw(p), discont, axis, period=period) - raw(p))  # the added jumps are constants


@composite(np.select)
def select(condlist, choicelist, default=0):
    result = default
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        result = np.where(raw(condition), choice, result)
    return result


@composite(np.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    count = len(xi)
    shapes = [(1,) * i + (-1,) + (1,) * (count - i - 1) for i in range(count)]
    if indexing == "xy" and count > 1:
        shapes[0], shapes[1] = (1, -1) + shapes[0][2:], (-1, 1) + shapes[1][2:]
    grids = [np.reshape(x, shape) for x, shape in zip(xi, shapes)]
    if sparse:
        return tuple(grids)
    return tuple(np.broadcast_arrays(*grids))


@composite(np.trim_zeros)
def trim_zeros(filt, trim="fb", axis=None):
    values = np.asarray(raw(filt))
    axes = range(values.ndim) if axis is None else [ax % values.ndim for ax in np.atleast_1d(axis)]
    index = [slice(None)] * values.ndim
    for ax in axes:
        used = np.flatnonzero(np.any(values != 0, axis=tuple(i for i in range(values.ndim) if i != ax)))
        if used.size == 0:
            index[ax] = slice(0, 0)
            continue
        index[ax] = slice(used[0] if "f" in trim.lower() else 0,
                          used[-1] + 1 if "b" in trim.lower() else values.shape[ax])
    return filt[tuple(index)]


# --- polynomials (coefficient arrays, highest power first) -------------------------------------
def _pad_front(p, length):
    return np.concatenate([np.zeros(length - np.shape(p)[0], dtype=np.result_type(peek(p))), p]) \
        if np.shape(p)[0] < length else p


@composite(np.polyadd)
def polyadd(a1, a2):
    length = max(np.shape(a1)[0], np.shape(a2)[0])
    return _pad_front(np.atleast_1d(a1), length) + _pad_front(np.atleast_1d(a2), length)


@composite(np.polysub)
def polysub(a1, a2):
    length = max(np.shape(a1)[0], np.shape(a2)[0])
    return _pad_front(np.atleast_1d(a1), length) - _pad_front(np.atleast_1d(a2), length)


@composite(np.polymul)
def polymul(a1, a2):
    return np.convolve(np.atleast_1d(a1), np.atleast_1d(a2))


@composite(np.polyder)
def polyder(p, m=1):
    for _ in range(m):
        degree = np.shape(p)[0] - 1
        p = p[:-1] * np.arange(degree, 0, -1) if degree > 0 else p[:0]
    return p


@composite(np.polyint)
def polyint(p, m=1, k=None):
    constants = np.zeros(m) if k is None else np.atleast_1d(k)
    if np.shape(constants)[0] == 1 and m > 1:
        constants = constants[0] * np.ones(m)
    for i in range(m):
        degree = np.shape(p)[0]
        p = np.concatenate([p / np.arange(degree, 0, -1), np.reshape(constants[i], (1,))])
    return p


@composite(np.poly)
def poly(seq_of_zeros):
    if np.ndim(seq_of_zeros) == 2 and np.shape(seq_of_zeros)[0] == np.shape(seq_of_zeros)[1] != 0:
        seq_of_zeros = np.linalg.eigvals(seq_of_zeros)
    coefficients = np.ones(1)
    for zero in seq_of_zeros:
        coefficients = np.convolve(coefficients, np.stack([np.ones_like(peek(zero)), -zero]))
    zeros = np.asarray(raw(seq_of_zeros))
    if np.iscomplexobj(zeros) and np.array_equal(np.sort_complex(zeros), np.sort_complex(np.conjugate(zeros))):
        return np.real(coefficients)  # conjugate pairs: real coefficients, as NumPy returns them
    return coefficients


# --- conversions that keep a traced array traced ----------------------------------------------------
def _same_array(a, dtype=None):
    return a if dtype is None or np.result_type(peek(a)) == np.dtype(dtype) else a.astype(dtype)


composite(np.ascontiguousarray)(lambda a, dtype=None, *, like=None: _same_array(a, dtype))
composite(np.asfortranarray)(lambda a, dtype=None, *, like=None: _same_array(a, dtype))
composite(np.require)(lambda a, dtype=None, requirements=None, *, like=None: _same_array(a, dtype))


@composite(np.asarray_chkfinite)
def asarray_chkfinite(a, dtype=None, order=None):
    if not np.all(np.isfinite(raw(a))):
        raise ValueError("array must not contain infs or NaNs")
    return _same_array(a, dtype)


@composite(np.kaiser)
def kaiser(M, beta):
    if M == 1:
        return np.ones(1)
    n = np.arange(0, M)
    alpha = (M - 1) / 2.0
    return np.i0(beta * np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / np.i0(beta)
