"""Sequences and signals: convolve, correlate (one bilinear primitive), and interp, diff, ediff1d,
gradient, trapezoid, polyval, cumulative_sum, cumulative_prod written with existing primitives.

interp at a knot (x equal to an entry of xp) takes the mean of the two one-sided derivatives
(outside the table the function is constant), the "ties split evenly" convention of np.max.

>>> import chainrule as cr
>>> cr.grad(lambda t: np.interp(t, [0.0, 1.0, 2.0], [0.0, 1.0, 3.0]))(1.0)
np.float64(1.5)
>>> cr.jacobian(lambda v: np.convolve(v, [1.0, -1.0]))(np.array([1.0, 2.0]))
array([[ 1.,  0.],
       [-1.,  1.],
       [ 0., -1.]])
"""
from __future__ import annotations

import numpy as np

from ...core import Box, defjvp, defvjp
from ...core.stage import peek
from ..broadcast import unbroadcast
from ..registry import composite, primitive
from .matrix_util import raw

_NO_VALUE = getattr(np, "_NoValue", object())


# --- convolve / correlate: full linear convolution over the last axis, leading axes broadcast -----
def _convolve_full(a, v):
    if isinstance(a, Box) or isinstance(v, Box):  # an outer level's boxes: record there
        return convolve_full(a, v)
    if np.ndim(a) == 1 and np.ndim(v) == 1:
        return np.convolve(a, v)
    lead = np.broadcast_shapes(np.shape(a)[:-1], np.shape(v)[:-1])
    rows_a = np.reshape(np.broadcast_to(a, lead + np.shape(a)[-1:]), (-1, np.shape(a)[-1]))
    rows_v = np.reshape(np.broadcast_to(v, lead + np.shape(v)[-1:]), (-1, np.shape(v)[-1]))
    rows = [np.convolve(row_a, row_v) for row_a, row_v in zip(rows_a, rows_v)]
    return np.reshape(np.stack(rows), lead + (np.shape(a)[-1] + np.shape(v)[-1] - 1,))


convolve_full = primitive(_convolve_full, "convolve", numpy_fun=False)


def _convolve_vjp(mine: int):
    def maker(ans, a, v):
        length, other, ans_ndim = np.shape((a, v)[mine])[-1], (v, a)[mine], np.ndim(ans)
        start = np.shape(other)[-1] - 1
        shape = np.shape((a, v)[mine])
        return lambda g: unbroadcast(convolve_full(g, np.flip(other, -1))[..., start:start + length], shape, ans_ndim)
    return maker


defvjp(convolve_full, _convolve_vjp(0), _convolve_vjp(1))
defjvp(convolve_full, "linear", "linear")


def _mode_slice(mode, length_a, length_v, flipped):
    longer, shorter = max(length_a, length_v), min(length_a, length_v)
    if mode == "full":
        return slice(None)
    if mode == "same":
        start = shorter // 2 if flipped and length_a < length_v else (shorter - 1) // 2
        return slice(start, start + longer)
    if mode == "valid":
        return slice(shorter - 1, longer)
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


def _check_1d(a, v, name):
    if np.ndim(a) != 1 or np.ndim(v) != 1 or not np.size(peek(a)) or not np.size(peek(v)):
        raise ValueError(f"{name}: a and v must be non-empty 1-D arrays")


@composite(np.convolve)
def convolve(a, v, mode="full"):
    _check_1d(a, v, "convolve")
    return convolve_full(a, v)[_mode_slice(mode, np.shape(a)[0], np.shape(v)[0], False)]


@composite(np.correlate)
def correlate(a, v, mode="valid"):
    _check_1d(a, v, "correlate")
    flipped = np.conjugate(np.flip(v)) if np.iscomplexobj(peek(v)) else np.flip(v)
    return convolve_full(a, flipped)[_mode_slice(mode, np.shape(a)[0], np.shape(v)[0], True)]


# --- interp ------------------------------------------------------------------------------------
@composite(np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    x, xp, fp = [v if isinstance(v, Box) else np.asarray(v) for v in (x, xp, fp)]
    if period is not None:  # NumPy's periodic extension, on traced values
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period, left, right = abs(period), None, None
        x, xp = np.remainder(x, period), np.remainder(xp, period)
        order = np.argsort(raw(xp))
        xp, fp = xp[order], fp[order]
        xp = np.concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = np.concatenate([fp[-1:], fp, fp[:1]])
    x_raw, xp_raw = raw(x), raw(xp)
    count = xp_raw.shape[0]
    if count == 0:
        raise ValueError("array of sample points is empty")
    first, last = fp[0], fp[-1]
    left = first if left is None else left
    right = last if right is None else right
    if count == 1:
        inside = np.where(x_raw < xp_raw[0], left, np.where(x_raw > xp_raw[0], right, first))
        return np.broadcast_to(inside, np.shape(x_raw))

    def piece(segment):
        """The formula that holds on `segment` (-1: left of the table, count-1: right of it)."""
        index = np.clip(segment, 0, count - 2)
        x0, x1, y0, y1 = xp[index], xp[index + 1], fp[index], fp[index + 1]
        line = y0 + (x - x0) * ((y1 - y0) / (x1 - x0))
        outside_left = np.broadcast_to(np.where(x_raw == xp_raw[0], first, left), np.shape(x_raw))
        outside_right = np.broadcast_to(np.where(x_raw == xp_raw[-1], last, right), np.shape(x_raw))
        return np.where(segment < 0, outside_left, np.where(segment > count - 2, outside_right, line))

    from_left = np.searchsorted(xp_raw, x_raw, side="left") - 1
    from_right = np.searchsorted(xp_raw, x_raw, side="right") - 1
    if np.array_equal(from_left, from_right):
        result = piece(from_right)
    else:  # some x sit on knots: average the two one-sided formulas there
        result = 0.5 * (piece(from_left) + piece(from_right))
    return np.where(np.isnan(x_raw), np.nan, result) if np.any(np.isnan(x_raw)) else result


# --- differences, gradient, trapezoid ------------------------------------------------------------
def _edge(value, shape, axis):
    """prepend/append values: scalars are broadcast to one slice along `axis`."""
    if np.ndim(value) == 0:
        one = list(shape)
        one[axis] = 1
        return np.broadcast_to(value, tuple(one))
    return value


@composite(np.diff)
def diff(a, n=1, axis=-1, prepend=_NO_VALUE, append=_NO_VALUE):
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    ndim = np.ndim(a)
    if ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = axis % ndim
    parts = [] if prepend is _NO_VALUE else [_edge(prepend, np.shape(a), axis)]
    parts.append(a)
    if append is not _NO_VALUE:
        parts.append(_edge(append, np.shape(a), axis))
    if len(parts) > 1:
        a = np.concatenate(parts, axis=axis)
    upper = tuple(slice(1, None) if i == axis else slice(None) for i in range(ndim))
    lower = tuple(slice(None, -1) if i == axis else slice(None) for i in range(ndim))
    for _ in range(n):
        a = a[upper] - a[lower]
    return a


@composite(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    parts = [] if to_begin is None else [np.ravel(to_begin)]
    parts.append(diff(np.ravel(ary)))
    if to_end is not None:
        parts.append(np.ravel(to_end))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _spacings(f, varargs, axes):
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return list(varargs) * len(axes)
    if len(varargs) != len(axes):
        raise TypeError("invalid number of arguments")
    spacings = []
    for axis, distances in zip(axes, varargs):
        if np.ndim(distances) == 0:
            spacings.append(distances)
            continue
        if np.ndim(distances) != 1:
            raise ValueError("distances must be either scalars or 1d")
        if len(distances) != np.shape(f)[axis]:
            raise ValueError("when 1d, distances must match the length of the corresponding dimension")
        if isinstance(distances, Box):
            spacings.append(diff(distances))  # an array even when uniform: its entries are traced
            continue
        steps = np.diff(np.asarray(distances, dtype=float))
        spacings.append(steps[0] if np.all(steps == steps[0]) else steps)  # as NumPy does
    return spacings


@composite(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    ndim = np.ndim(f)
    axes = tuple(range(ndim)) if axis is None else tuple(
        ax % ndim for ax in ((axis,) if np.ndim(axis) == 0 else axis))
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    outputs = []
    for axis_, step in zip(axes, _spacings(f, varargs, axes)):
        if np.shape(f)[axis_] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")

        def at(index, axis_=axis_):
            return f[tuple(index if i == axis_ else slice(None) for i in range(ndim))]

        def along(values, axis_=axis_):  # a 1-D coefficient vector shaped to broadcast along the axis
            return np.reshape(values, tuple(-1 if i == axis_ else 1 for i in range(ndim))) if np.ndim(values) else values

        uniform = np.ndim(step) == 0
        if uniform:
            interior = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * step)
        else:
            dx1, dx2 = step[:-1], step[1:]
            interior = (along(-dx2 / (dx1 * (dx1 + dx2))) * at(slice(None, -2))
                        + along((dx2 - dx1) / (dx1 * dx2)) * at(slice(1, -1))
                        + along(dx1 / (dx2 * (dx1 + dx2))) * at(slice(2, None)))
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / (step if uniform else step[0])
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / (step if uniform else step[-1])
        else:
            if uniform:
                a, b, c = -1.5 / step, 2.0 / step, -0.5 / step
                a2, b2, c2 = 0.5 / step, -2.0 / step, 1.5 / step
            else:
                dx1, dx2 = step[0], step[1]
                a, b, c = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2)), (dx1 + dx2) / (dx1 * dx2), -dx1 / (dx2 * (dx1 + dx2))
                dx1, dx2 = step[-2], step[-1]
                a2, b2, c2 = dx2 / (dx1 * (dx1 + dx2)), -(dx2 + dx1) / (dx1 * dx2), (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
            first = a * at(slice(0, 1)) + b * at(slice(1, 2)) + c * at(slice(2, 3))
            last = a2 * at(slice(-3, -2)) + b2 * at(slice(-2, -1)) + c2 * at(slice(-1, None))
        outputs.append(np.concatenate([first, interior, last], axis=axis_))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@composite(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    ndim = np.ndim(y)
    axis = axis % ndim
    if x is None:
        step = dx
    elif np.ndim(x) == 1:
        step = np.reshape(diff(x), tuple(-1 if i == axis else 1 for i in range(ndim)))
    else:
        step = diff(x, axis=axis)
    upper = tuple(slice(1, None) if i == axis else slice(None) for i in range(ndim))
    lower = tuple(slice(None, -1) if i == axis else slice(None) for i in range(ndim))
    return np.sum(step * (y[upper] + y[lower]) / 2.0, axis=axis)


@composite(np.polyval)
def polyval(p, x):
    x = x if isinstance(x, Box) else np.asarray(x)
    result = 0 * x
    for coefficient in (p if isinstance(p, (list, tuple)) else [p[i] for i in range(np.shape(p)[0])]):
        result = result * x + coefficient
    return result


# --- NumPy 2's cumulative_sum / cumulative_prod (include_initial) ----------------------------
def _cumulative(x, axis, dtype, include_initial, accumulate, identity, name):
    if axis is None:
        if np.ndim(x) != 1:
            raise ValueError(f"{name}: axis must be specified for multi-dimensional arrays.")
        axis = 0
    if dtype is not None:
        x = x.astype(dtype)
    result = accumulate(x, axis=axis)
    if not include_initial:
        return result
    shape = list(np.shape(x))
    shape[axis] = 1
    start = np.full(tuple(shape), identity, dtype=np.result_type(peek(result)))
    return np.concatenate([start, result], axis=axis)


if hasattr(np, "cumulative_sum"):
    @composite(np.cumulative_sum)
    def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        return _cumulative(x, axis, dtype, include_initial, np.cumsum, 0, "cumulative_sum")

    @composite(np.cumulative_prod)
    def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        return _cumulative(x, axis, dtype, include_initial, np.cumprod, 1, "cumulative_prod")
