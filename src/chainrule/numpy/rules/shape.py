"""Shape and selection: reshape, transpose, broadcast_to, concatenate, indexing, pad, where, ...

Only a handful are primitives; the rest are written with them (stack, tile, flip, roll,
take, sort, ...), so their derivatives of every order come for free. Every rule accepts
tangents and cotangents with extra leading batch axes.
"""
from __future__ import annotations

import numpy as np

from ...core import defjvp, defvjp
from ...core.stage import detach, peek
from .. import box, registry
from ..broadcast import align_tangent, unbroadcast
from ..registry import composite, primitive
from .elementwise import def_partials
from .reductions import normalize_axes


def _raw(x):
    while isinstance(x, box.Box):
        x = x._value
    return x


def _batch(value, primal_ndim: int) -> tuple:
    shape = np.shape(value) if not isinstance(value, box.Box) else value.shape
    return tuple(shape[:len(shape) - primal_ndim])


# --- reshape-like: the output holds the input's elements in the same order ----------
def _reshape(x, *, shape):
    return np.reshape(x, shape)


reshape_p = primitive(_reshape, "reshape", numpy_fun=False)
defvjp(reshape_p, lambda ans, x, *, shape: (lambda g, xs=np.shape(x), n=np.ndim(ans): np.reshape(g, _batch(g, n) + xs)))
defjvp(reshape_p, lambda t, ans, x, *, shape: np.reshape(t, _batch(t, np.ndim(x)) + np.shape(ans)))


@composite(np.reshape)
def reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    if order not in ("C", None):
        raise ValueError("chainrule: np.reshape(order='F') is not differentiable yet; transpose first.")
    shape = newshape if shape is None else shape
    return reshape_p(a, shape=(shape,) if np.ndim(shape) == 0 else tuple(shape))


@composite(np.ravel)
def ravel(a, order="C"):
    return reshape(a, (-1,), order)


@composite(np.squeeze)
def squeeze(a, axis=None):
    return reshape_p(a, shape=np.squeeze(np.empty(np.shape(a), dtype=bool), axis=axis).shape)


@composite(np.expand_dims)
def expand_dims(a, axis):
    return reshape_p(a, shape=np.expand_dims(np.empty(np.shape(a), dtype=bool), axis).shape)


def _atleast(nd):
    numpy_fun = getattr(np, f"atleast_{nd}d")

    @composite(numpy_fun)
    def atleast(*arrays):
        results = [reshape_p(a, shape=numpy_fun(np.empty(np.shape(a), dtype=bool)).shape) for a in arrays]
        return results[0] if len(results) == 1 else tuple(results)
    return atleast


atleast_1d, atleast_2d, atleast_3d = _atleast(1), _atleast(2), _atleast(3)


# --- transpose ------------------------------------------------------------------------
def _transpose(x, *, axes):
    return np.transpose(x, axes)


transpose_p = primitive(_transpose, "transpose", numpy_fun=False)


def _batched_axes(axes, value, primal_ndim):
    batch = len(np.shape(peek(value))) - primal_ndim if not isinstance(value, box.Box) else value.ndim - primal_ndim
    return tuple(range(batch)) + tuple(batch + a for a in axes)


defvjp(transpose_p, lambda ans, x, *, axes: (lambda g, inverse=tuple(np.argsort(axes)):
                                             np.transpose(g, _batched_axes(inverse, g, len(axes)))))
defjvp(transpose_p, lambda t, ans, x, *, axes: np.transpose(t, _batched_axes(axes, t, len(axes))))


@composite(np.transpose)
def transpose(a, axes=None):
    ndim = np.ndim(a)
    axes = tuple(reversed(range(ndim))) if axes is None else tuple(ax % ndim for ax in axes)
    return transpose_p(a, axes=axes)


@composite(np.swapaxes)
def swapaxes(a, axis1, axis2):
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose_p(a, axes=tuple(axes))


@composite(np.moveaxis)
def moveaxis(a, source, destination):
    ndim = np.ndim(a)
    source = [s % ndim for s in np.atleast_1d(source)]
    destination = [d % ndim for d in np.atleast_1d(destination)]
    order = [n for n in range(ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose_p(a, axes=tuple(order))


for _alias in ("permute_dims",):
    if hasattr(np, _alias):
        registry.register(getattr(np, _alias), transpose.__wrapped__, transpose)
if hasattr(np, "matrix_transpose"):
    registry.register(np.matrix_transpose, lambda x: swapaxes(x, -1, -2), lambda x: swapaxes(x, -1, -2))


# --- broadcast_to -----------------------------------------------------------------------
def _broadcast_to(x, *, shape):
    return np.broadcast_to(x, shape)


broadcast_to_p = primitive(_broadcast_to, "broadcast_to", numpy_fun=False)
defvjp(broadcast_to_p, lambda ans, x, *, shape: (lambda g, xs=np.shape(x), n=len(shape): unbroadcast(g, xs, n)))
defjvp(broadcast_to_p, lambda t, ans, x, *, shape: np.broadcast_to(
    align_tangent(t, np.ndim(x), len(shape)), _batch(t, np.ndim(x)) + tuple(shape)))


@composite(np.broadcast_to)
def broadcast_to(array, shape, subok=False):
    return broadcast_to_p(array, shape=(shape,) if np.ndim(shape) == 0 else tuple(shape))


@composite(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*[np.shape(a) for a in args])
    return tuple(broadcast_to(a, shape) for a in args)


# --- concatenate (arrays spread as positional arguments, so each can be traced) ------
def _concatenate(*arrays, axis):
    return np.concatenate(arrays, axis=axis)


concatenate_p = primitive(_concatenate, "concatenate", numpy_fun=False)


def _concat_slice(argnum, arrays, axis):
    start = int(np.sum([np.shape(a)[axis] for a in arrays[:argnum]]))
    stop = start + np.shape(arrays[argnum])[axis]
    ndim = np.ndim(arrays[argnum])
    return (Ellipsis, slice(start, stop)) + (slice(None),) * (ndim - 1 - axis)


def _concat_vjp(argnum, ans, arrays, kwargs):
    index = _concat_slice(argnum, arrays, kwargs["axis"])
    return lambda g: g[index]


def _concat_jvp(argnum, t, ans, arrays, kwargs):
    axis, ndim = kwargs["axis"], np.ndim(ans)
    batch = _batch(t, ndim)
    index = _concat_slice(argnum, arrays, axis)[1]
    widths = [(0, 0)] * (len(batch) + ndim)
    widths[len(batch) + axis] = (index.start, np.shape(ans)[axis] - index.stop)
    return np.pad(t, widths)


concatenate_p.vjp_argnum = _concat_vjp
concatenate_p.jvp_argnum = _concat_jvp


@composite(np.concatenate)
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = [ravel(a) for a in arrays] if axis is None else list(arrays)
    axis = 0 if axis is None else axis % np.ndim(arrays[0])
    return concatenate_p(*arrays, axis=axis)


if hasattr(np, "concat"):
    registry.register(np.concat, concatenate.__wrapped__, concatenate)


@composite(np.stack)
def stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = list(arrays)
    ndim = np.ndim(arrays[0]) + 1
    return concatenate([expand_dims(a, axis % ndim) for a in arrays], axis=axis % ndim)


@composite(np.hstack)
def hstack(tup, dtype=None, casting="same_kind"):
    arrays = [atleast_1d(a) for a in tup]
    return concatenate(arrays, axis=0 if np.ndim(arrays[0]) == 1 else 1)


@composite(np.vstack)
def vstack(tup, dtype=None, casting="same_kind"):
    return concatenate([atleast_2d(a) for a in tup], axis=0)


@composite(np.dstack)
def dstack(tup):
    return concatenate([atleast_3d(a) for a in tup], axis=2)


@composite(np.column_stack)
def column_stack(tup):
    return concatenate([reshape(a, (-1, 1)) if np.ndim(a) < 2 else a for a in tup], axis=1)


def array(value, dtype=None, *, copy=True, ndmin=0, **kwargs):
    """`np.array` that accepts nested lists of traced values (they are stacked)."""
    if isinstance(value, box.Box):
        result = value if dtype is None else value.astype(dtype)
        return result if np.ndim(result) >= ndmin else reshape(result, (1,) * (ndmin - np.ndim(result)) + np.shape(result))
    if isinstance(value, (list, tuple)) and _contains_box(value):
        result = stack([array(v, dtype) for v in value])
        return result if np.ndim(result) >= ndmin else reshape(result, (1,) * (ndmin - np.ndim(result)) + np.shape(result))
    return np.array(value, dtype=dtype, copy=copy, ndmin=ndmin, **kwargs)


def _contains_box(value) -> bool:
    stack_ = [value]
    while stack_:
        item = stack_.pop()
        if isinstance(item, box.Box):
            return True
        if isinstance(item, (list, tuple)):
            stack_.extend(item)
    return False


def asarray(value, dtype=None, **kwargs):
    """`np.asarray` that leaves traced values traced (and stacks lists of them)."""
    if isinstance(value, box.Box) or (isinstance(value, (list, tuple)) and _contains_box(value)):
        return array(value, dtype)
    return np.asarray(value, dtype=dtype, **kwargs)


@composite(np.split)
def split(ary, indices_or_sections, axis=0):
    return array_split(ary, indices_or_sections, axis, _exact=True)


@composite(np.array_split)
def array_split(ary, indices_or_sections, axis=0, _exact=False):
    n = np.shape(ary)[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if _exact and n % sections:
            raise ValueError("array split does not result in an equal division")
        sizes = [n // sections + (1 if i < n % sections else 0) for i in range(sections)]
        bounds = np.concatenate([[0], np.cumsum(sizes)])
    else:
        bounds = np.concatenate([[0], np.asarray(indices_or_sections, dtype=int), [n]])
    ndim = np.ndim(ary)
    return [getitem(ary, (slice(None),) * (axis % ndim) + (slice(int(lo), int(max(lo, hi))),))
            for lo, hi in zip(bounds[:-1], bounds[1:])]


# --- indexing: gather (getitem) and its transpose, scatter-add -------------------------
def _batched_index(index, batch: int, value_ndim: int):
    """The index that selects the same elements from an array with `batch` leading axes."""
    return (slice(None),) * batch + index if batch else index


def _moves_advanced_axes(index) -> bool:
    """True when NumPy puts the advanced-index axes first (they are separated by other items)."""
    if not any(isinstance(item, (np.ndarray, box.Box)) for item in index):
        return False
    positions = [i for i, item in enumerate(index)
                 if isinstance(item, (np.ndarray, box.Box, int, np.integer)) and not isinstance(item, bool)]
    return positions[-1] - positions[0] + 1 != len(positions)


def _normalize_index(index):
    if not isinstance(index, tuple):
        index = (index,)
    return tuple(np.asarray(i) if isinstance(i, list) else detach(i) for i in index)


def _take_batched(value, index, primal_ndim: int):
    batch = np.ndim(value) - primal_ndim
    if not batch:
        return take_index(value, index)
    result = take_index(value, _batched_index(index, batch, primal_ndim))
    if _moves_advanced_axes(index):
        advanced = np.broadcast_shapes(*[np.shape(i) for i in index
                                         if not isinstance(i, (slice, type(None), type(Ellipsis)))])
        result = moveaxis(result, tuple(range(len(advanced), len(advanced) + batch)), tuple(range(batch)))
    return result


def _getitem(x, index):
    return x[index]


def _scatter_add(g, index, *, shape):
    """Zeros of `shape` (after g's batch axes) with g added at `index` (repeats accumulate)."""
    if isinstance(g, box.Box):  # traced on an outer level: record it there
        return scatter_add(g, index, shape=shape)
    batch = np.ndim(g) - _indexed_ndim(shape, index)
    result = np.zeros(np.shape(g)[:batch] + tuple(shape), dtype=np.result_type(g))
    if batch and _moves_advanced_axes(index):
        advanced = np.broadcast_shapes(*[np.shape(i) for i in index
                                         if not isinstance(i, (slice, type(None), type(Ellipsis)))])
        g = np.moveaxis(g, tuple(range(batch)), tuple(range(len(advanced), len(advanced) + batch)))
    np.add.at(result, _batched_index(index, batch, len(shape)), g)
    return result


def _indexed_ndim(shape, index) -> int:
    return np.empty(shape, dtype=bool)[index].ndim


getitem = primitive(_getitem, "getitem", numpy_fun=False)
scatter_add = primitive(_scatter_add, "scatter_add", numpy_fun=False)
defvjp(getitem, lambda ans, x, index: lambda g, shape=np.shape(x): scatter_add(g, index, shape=shape), None)
defjvp(getitem, lambda t, ans, x, index: _take_batched(t, index, np.ndim(x)), None)
defvjp(scatter_add, lambda ans, g, index, *, shape: lambda c: _take_batched(c, index, len(shape)), None)
defjvp(scatter_add, lambda t, ans, g, index, *, shape: scatter_add(t, index, shape=shape), None)


def index(x, index_):
    """`x[index_]` with lists turned into arrays (what `ArrayBox.__getitem__` calls)."""
    return take_index(x, _normalize_index(index_))


def take_index(x, index_: tuple):
    """`x[index_]` for a normalised index; index arrays a compile is recording are passed as arguments."""
    positions = tuple(i for i, item in enumerate(index_) if isinstance(item, box.Box))
    if not positions:
        return getitem(x, index_)
    template = tuple(None if i in positions else item for i, item in enumerate(index_))
    return getitem_at(x, *(index_[i] for i in positions), template=template, positions=positions)


# --- indexing by arrays that a compile records (labels, argsort orders): the same rules, the
# index arrays as positional arguments so that a replay takes them from the new values --------
def _rebuilt(template: tuple, positions: tuple, arrays) -> tuple:
    index_ = list(template)
    for position, array in zip(positions, arrays):
        index_[position] = array
    return tuple(index_)


getitem_at = primitive(lambda x, *arrays, template, positions: x[_rebuilt(template, positions, arrays)],
                       "getitem", numpy_fun=False)
scatter_add_at = primitive(lambda g, *arrays, template, positions, shape:
                           _scatter_add(g, _rebuilt(template, positions, arrays), shape=shape),
                           "scatter_add", numpy_fun=False)
defvjp(getitem_at, lambda ans, x, *arrays, template, positions: lambda g, shape=np.shape(x):
       scatter_add_at(g, *arrays, template=template, positions=positions, shape=shape))
defjvp(getitem_at, lambda t, ans, x, *arrays, template, positions:
       _take_batched(t, _rebuilt(template, positions, arrays), np.ndim(x)))
defvjp(scatter_add_at, lambda ans, g, *arrays, template, positions, shape: lambda c:
       _take_batched(c, _rebuilt(template, positions, arrays), len(shape)))
defjvp(scatter_add_at, lambda t, ans, g, *arrays, template, positions, shape:
       scatter_add_at(t, *arrays, template=template, positions=positions, shape=shape))
for _prim in (getitem_at, scatter_add_at):  # the index arrays are constants: no derivative flows into them
    _prim.vjp_argnum = lambda argnum, ans, args, kwargs: (lambda g: None)
    _prim.jvp_argnum = lambda argnum, tangent, ans, args, kwargs: None


@composite(np.take)
def take(a, indices, axis=None, out=None, mode="raise"):
    indices = _index_array(indices)
    if axis is None:
        return take_index(ravel(a), (indices,))
    axis = axis % np.ndim(a)
    return take_index(a, (slice(None),) * axis + (indices,))


def _index_array(indices):
    """Indices as an array; indices a compile is recording stay recorded."""
    indices = detach(indices)
    return indices if isinstance(indices, box.Box) else np.asarray(indices)


@composite(np.take_along_axis)
def take_along_axis(arr, indices, axis=-1):
    if axis is None:
        return take(arr, np.ravel(indices))
    indices = _index_array(indices)
    axis = axis % np.ndim(arr)
    arr_shape = list(np.shape(arr))
    others = [1 if i == axis else n for i, n in enumerate(arr_shape)]
    index_others = [1 if i == axis else n for i, n in enumerate(indices.shape)]
    target = list(np.broadcast_shapes(tuple(others), tuple(index_others)))
    target[axis] = indices.shape[axis]
    indices = np.broadcast_to(indices, target)
    # a length-1 axis of arr broadcasts: every index along it is 0
    grids = list(np.ix_(*[np.arange(n) if arr_shape[i] != 1 else np.zeros(n, dtype=int)
                          for i, n in enumerate(target)]))
    grids[axis] = indices
    return take_index(arr, tuple(grids))


@composite(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    if axis is None:
        return sort(ravel(a), -1)
    return take_along_axis(a, np.argsort(detach(a), axis=axis, kind=kind), axis)


@composite(np.flip)
def flip(m, axis=None):
    axes = range(np.ndim(m)) if axis is None else [a % np.ndim(m) for a in np.atleast_1d(axis)]
    index = [slice(None)] * np.ndim(m)
    for a in axes:
        index[a] = slice(None, None, -1)
    return getitem(m, tuple(index))


@composite(np.fliplr)
def fliplr(m):
    return flip(m, 1)


@composite(np.flipud)
def flipud(m):
    return flip(m, 0)


@composite(np.roll)
def roll(a, shift, axis=None):
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), np.shape(a))
    result = a
    for s, ax in np.broadcast(shift, axis):
        n = np.shape(a)[ax]
        result = take(result, (np.arange(n) - s) % n, axis=ax)
    return result


@composite(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    k %= 4
    a0, a1 = axes
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(np.ndim(m)))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return transpose(flip(m, a1), perm) if k == 1 else flip(transpose(m, perm), a1)


@composite(np.tile)
def tile(A, reps):
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    ndim = max(np.ndim(A), len(reps))
    shape = (1,) * (ndim - np.ndim(A)) + np.shape(A)
    reps = (1,) * (ndim - len(reps)) + reps
    interleaved = reshape(A, tuple(s for size in shape for s in (1, size)))
    expanded = broadcast_to(interleaved, tuple(s for r, size in zip(reps, shape) for s in (r, size)))
    return reshape(expanded, tuple(r * size for r, size in zip(reps, shape)))


@composite(np.repeat)
def repeat(a, repeats, axis=None):
    if axis is None:
        a, axis = ravel(a), 0
    axis = axis % np.ndim(a)
    index = np.repeat(np.arange(np.shape(a)[axis]), repeats)
    return take(a, index, axis=axis)


# --- pad ---------------------------------------------------------------------------------
def _pad_constant(x, *, widths, value):
    return np.pad(x, widths, constant_values=value)


pad_constant = primitive(_pad_constant, "pad", numpy_fun=False)


def _unpad_index(widths, shape):
    return (Ellipsis,) + tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, shape))


defvjp(pad_constant, lambda ans, x, *, widths, value: lambda g, index=_unpad_index(widths, np.shape(x)): g[index])
defjvp(pad_constant, lambda t, ans, x, *, widths, value: np.pad(t, [(0, 0)] * len(_batch(t, np.ndim(x))) + list(widths)))


@composite(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    ndim = np.ndim(array)
    widths = tuple(tuple(int(w) for w in pair) for pair in np.broadcast_to(pad_width, (ndim, 2)))
    if mode == "constant":
        value = kwargs.get("constant_values", 0)
        if np.ndim(value) != 0:
            raise ValueError("chainrule: np.pad with per-axis constant_values is not supported; pad in steps.")
        return pad_constant(array, widths=widths, value=value)
    # Every other mode copies existing elements: gather them with an index per axis.
    result = array
    for axis, width in enumerate(widths):
        source = np.pad(np.arange(np.shape(array)[axis]), width, mode=mode, **kwargs)
        result = take(result, source, axis=axis)
    return result


# --- triangles, diagonals, trace ---------------------------------------------------------
triu_p = primitive(lambda x, *, k: np.triu(x, k), "triu", numpy_fun=False)
tril_p = primitive(lambda x, *, k: np.tril(x, k), "tril", numpy_fun=False)
defvjp(triu_p, lambda ans, x, *, k: lambda g: np.triu(g, k))
defjvp(triu_p, lambda t, ans, x, *, k: np.triu(t, k))
defvjp(tril_p, lambda ans, x, *, k: lambda g: np.tril(g, k))
defjvp(tril_p, lambda t, ans, x, *, k: np.tril(t, k))


@composite(np.triu)
def triu(m, k=0):
    return triu_p(m, k=k)


@composite(np.tril)
def tril(m, k=0):
    return tril_p(m, k=k)


diagonal_p = primitive(lambda x, *, offset: np.diagonal(x, offset, -2, -1), "diagonal", numpy_fun=False)


def _embed_diagonal(g, offset, rows, cols):
    """A (rows, cols) matrix per leading index with g on diagonal `offset` (the VJP of diagonal)."""
    length = np.shape(g)[-1]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    placement = np.zeros((length, cols))
    placement[np.arange(length), start_col + np.arange(length)] = 1.0
    block = np.expand_dims(g, -1) * placement
    return np.pad(block, [(0, 0)] * (np.ndim(g) - 1) + [(start_row, rows - start_row - length), (0, 0)])


defvjp(diagonal_p, lambda ans, x, *, offset: lambda g, s=np.shape(x): _embed_diagonal(g, offset, s[-2], s[-1]))
defjvp(diagonal_p, lambda t, ans, x, *, offset: np.diagonal(t, offset, -2, -1))


@composite(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    return diagonal_p(moveaxis(a, (axis1, axis2), (-2, -1)), offset=offset)


@composite(np.diag)
def diag(v, k=0):
    if np.ndim(v) == 2:
        return diagonal(v, k)
    size = np.shape(v)[0] + abs(k)
    return _embed_diagonal(v, k, size, size)


@composite(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return numpy_sum_last(diagonal(a, offset, axis1, axis2))


def numpy_sum_last(x):
    return np.sum(x, axis=-1)


# --- where, copy, astype -----------------------------------------------------------------
where_p = primitive(lambda condition, x, y: np.where(condition, x, y), "where", numpy_fun=False)
def _mask(condition):
    return condition.astype(bool) if isinstance(condition, box.Box) else np.asarray(condition, dtype=bool)


def_partials(where_p, None, lambda ans, c, x, y: _mask(c) * np.ones((), peek(ans).dtype),
             lambda ans, c, x, y: np.logical_not(_mask(c)) * np.ones((), peek(ans).dtype))


@composite(np.where)
def where(condition, x=None, y=None):
    if x is None and y is None:
        return np.where(_raw(condition))
    return where_p(detach(condition), x, y)


copy_p = primitive(lambda x: x.copy(), "copy", numpy_fun=False)
defvjp(copy_p, lambda ans, x: lambda g: g)
defjvp(copy_p, lambda t, ans, x: t)


@composite(np.copy)
def copy(a, order="K", subok=False):
    return copy_p(a)


def _astype(x, dtype):
    return x.astype(dtype) if hasattr(x, "astype") else np.asarray(x).astype(dtype)


astype = primitive(_astype, "astype", numpy_fun=False)
defvjp(astype, lambda ans, x, dtype: lambda g, xd=np.result_type(peek(x)): _cast_back(g, xd), None)
defjvp(astype, lambda t, ans, x, dtype: astype(t, dtype), None)


def astype_method(x, dtype):
    """`x.astype(dtype)`: differentiable to float and complex dtypes, a constant otherwise."""
    if np.dtype(dtype).kind not in "fc":
        return registry.call_constant(_astype, x, dtype)
    return astype(x, dtype)


def _cast_back(g, dtype):
    if np.dtype(dtype).kind == "f" and np.iscomplexobj(peek(g)):
        g = np.real(g)
    return astype(g, dtype) if np.result_type(peek(g)) != dtype else g


box._ops.getitem = index
box._ops.transpose = transpose
box._ops.swapaxes = swapaxes
box._ops.astype = astype_method
