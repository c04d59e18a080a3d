"""Order statistics and moments: quantile, percentile, median (and their nan* forms), cov, corrcoef.

Every quantile method NumPy has returns `(1 - g) * x_(j) + g * x_(j+1)` for two adjacent
order statistics, so all of them are differentiable in `a` almost everywhere. The positions
`j` and weights `g` come from NumPy itself (applied to 0, 1, ..., n-1), and each order
statistic is written as the mean of the elements equal to it: at ties the derivative is
split evenly, as for np.max. For the continuous methods the result is also differentiable in
`q` (the virtual index moves linearly with q). Everything is written with existing primitives.

>>> import chainrule as cr
>>> cr.grad(np.median)(np.array([3.0, 1.0, 2.0, 2.0]))
array([0. , 0. , 0.5, 0.5])
"""
from __future__ import annotations

import warnings

import numpy as np

from ...core import Box
from ...core.stage import peek
from ..registry import composite
from .matrix_util import raw

# alpha, beta of the continuous (piecewise linear in q) methods (Hyndman & Fan, NumPy's docs)
_CONTINUOUS = {"interpolated_inverted_cdf": (0.0, 1.0), "hazen": (0.5, 0.5), "weibull": (0.0, 0.0),
               "linear": (1.0, 1.0), "median_unbiased": (1 / 3, 1 / 3), "normal_unbiased": (3 / 8, 3 / 8)}


def _order_statistic(x, value):
    """sum_i x_i w_i over the last axis, w splitting 1 evenly among the x_i equal to `value` (..., Q)."""
    hit = raw(x)[..., None, :] == value[..., :, None]
    weights = hit / np.maximum(np.sum(hit, axis=-1, keepdims=True), 1)
    if np.any(np.isnan(raw(x))):  # NaNs get weight 0, and 0 * NaN must not leak into the sum
        x = np.where(np.isnan(raw(x)), 0.0, x)
    return np.sum(np.expand_dims(x, -2) * weights, axis=-1)


def _positions(counts, q, method):
    """NumPy's virtual index (float) for each count in `counts` and each q: shape counts.shape + (Q,)."""
    positions = np.full(np.shape(counts) + (q.size,), np.nan)
    for count in np.unique(counts):
        if count > 0:
            positions[counts == count] = np.quantile(np.arange(count, dtype=float), q, method=method)
    return positions


def _quantile(a, q, axis, method, keepdims, weights, skip_nan):
    if method not in _CONTINUOUS and method not in (
            "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{method!r} is not a valid method.")
    q_raw = np.asarray(raw(q), dtype=float)
    if np.any((q_raw < 0) | (q_raw > 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    shape, ndim = np.shape(a), np.ndim(a)
    axes = tuple(range(ndim)) if axis is None else tuple(
        sorted(ax % max(ndim, 1) for ax in ((axis,) if np.ndim(axis) == 0 else axis)))
    kept = [i for i in range(ndim) if i not in axes]
    kept_shape = tuple(shape[i] for i in kept)
    x = np.reshape(np.transpose(a, kept + list(axes)), kept_shape + (-1,))
    x_raw = raw(x)
    flat_q = np.ravel(q_raw)
    if weights is not None:  # weighted inverted_cdf: a selection; NumPy finds the element
        chosen = np.quantile(raw(a), q_raw, axis=axis, method=method, weights=raw(weights))
        chosen = np.reshape(np.transpose(np.reshape(chosen, (flat_q.size, -1))), kept_shape + (flat_q.size,))
        result = _order_statistic(x, chosen)
    else:
        missing = np.isnan(x_raw)
        counts = np.sum(~missing, axis=-1) if skip_nan else np.full(kept_shape, x_raw.shape[-1])
        position = _positions(counts, flat_q, method)
        empty = np.isnan(position)
        low = np.clip(np.floor(np.where(empty, 0, position)).astype(int), 0, None)
        high = np.minimum(low + 1, np.maximum(counts[..., None] - 1, 0))
        fraction = np.where(empty, 0.0, position - low)
        ordered = np.sort(x_raw, axis=-1)
        if ordered.shape[-1] == 0:
            raise ValueError("chainrule: quantile of an empty array")
        low_value = np.take_along_axis(ordered, np.minimum(low, ordered.shape[-1] - 1), axis=-1)
        high_value = np.take_along_axis(ordered, np.minimum(high, ordered.shape[-1] - 1), axis=-1)
        if method in _CONTINUOUS and isinstance(q, Box):  # d/dq: the virtual index is affine in q
            alpha, beta = _CONTINUOUS[method]
            slope = np.where((position <= 0) | (position >= counts[..., None] - 1), 0.0,
                             counts[..., None] + 1 - alpha - beta)
            fraction = fraction + slope * (np.ravel(q) - flat_q)
        result = (1 - fraction) * _order_statistic(x, low_value) + fraction * _order_statistic(x, high_value)
        invalid = empty | (np.any(missing, axis=-1, keepdims=True) & (not skip_nan))
        if np.any(invalid):
            if skip_nan and np.any(empty):
                warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
            result = np.where(invalid, np.nan, result)
    result = np.reshape(result, kept_shape + q_raw.shape)
    result = np.moveaxis(result, tuple(range(len(kept))), tuple(range(q_raw.ndim, q_raw.ndim + len(kept))))
    if keepdims:
        result = np.reshape(result, q_raw.shape + tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return result


@composite(np.quantile)
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
             weights=None, interpolation=None):
    return _quantile(a, q, axis, interpolation or method, keepdims, weights, False)


@composite(np.percentile)
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
               weights=None, interpolation=None):
    return _quantile(a, np.true_divide(q, 100), axis, interpolation or method, keepdims, weights, False)


@composite(np.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _quantile(a, 0.5, axis, "linear", keepdims, None, False)


@composite(np.nanquantile)
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
                weights=None, interpolation=None):
    if weights is not None:
        raise TypeError("chainrule: np.nanquantile(weights=...) is not supported; drop the NaNs and use np.quantile.")
    return _quantile(a, q, axis, interpolation or method, keepdims, None, True)


@composite(np.nanpercentile)
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
                  weights=None, interpolation=None):
    if weights is not None:
        raise TypeError("chainrule: np.nanpercentile(weights=...) is not supported; drop the NaNs and use np.percentile.")
    return _quantile(a, np.true_divide(q, 100), axis, interpolation or method, keepdims, None, True)


@composite(np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _quantile(a, 0.5, axis, "linear", keepdims, None, True)


# --- covariance and correlation (NumPy's own algorithm, on traced values) -----------------------
def _rows(m, rowvar):
    m = np.atleast_2d(m)
    return np.transpose(m) if not rowvar and np.shape(m)[0] != 1 else m


@composite(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    x = _rows(m, rowvar)
    if y is not None:
        x = np.concatenate([x, _rows(y, rowvar)], axis=0)
    if dtype is not None:
        x = x.astype(dtype)
    ddof = (0 if bias else 1) if ddof is None else ddof
    weights = None if fweights is None else np.asarray(raw(fweights), dtype=float)
    if aweights is not None:
        aweights = aweights if isinstance(aweights, Box) else np.asarray(aweights, dtype=float)
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        mean, factor = np.mean(x, axis=1), np.shape(x)[1] - ddof
    else:
        weight_sum = np.sum(weights)
        mean = np.sum(x * weights, axis=1) / weight_sum
        if ddof == 0:
            factor = weight_sum
        elif aweights is None:
            factor = weight_sum - ddof
        else:
            factor = weight_sum - ddof * np.sum(weights * aweights) / weight_sum
    if raw(factor) <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
        factor = 0.0
    centered = x - np.expand_dims(mean, 1)
    right = np.transpose(centered * weights if weights is not None else centered)
    covariance = np.matmul(centered, np.conjugate(right) if np.iscomplexobj(peek(right)) else right) / factor
    return np.squeeze(covariance)


@composite(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    covariance = cov(x, y, rowvar, dtype=dtype)
    if np.ndim(covariance) == 0:
        return covariance / covariance
    deviation = np.sqrt(np.real(np.diagonal(covariance)))
    correlation = covariance / np.expand_dims(deviation, 1) / np.expand_dims(deviation, 0)
    if np.iscomplexobj(peek(correlation)):
        return np.clip(np.real(correlation), -1, 1) + np.clip(np.imag(correlation), -1, 1) * 1j
    return np.clip(correlation, -1, 1)
