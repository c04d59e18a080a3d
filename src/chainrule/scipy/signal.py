"""`chainrule.scipy.signal`: N-dimensional convolution and correlation, differentiable in both inputs.

One primitive, the full convolution, carries the rules; the modes ("full", "same", "valid")
are crops of it, and correlation is convolution with the second input reversed and
conjugated. Convolution is bilinear, so each derivative is another full convolution: the
tangent of one input convolved with the other input, or the cotangent correlated with the
other input (the "valid" part of convolving it with the other input reversed). Batches of
tangents or cotangents ride along as extra leading axes of length-1 convolution.

>>> import numpy as np, chainrule as cr
>>> convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
array([1., 3., 3., 2.])
>>> cr.grad(lambda k: np.sum(convolve(np.array([1.0, 2.0]), k, mode="valid") ** 2))(np.ones(3))
array([12., 18.,  6.])
"""
from __future__ import annotations

import numpy as np
import scipy.signal as _sig

from ..core import defjvp, defvjp
from ..core.stage import peek
from ..numpy import registry
from ..numpy.broadcast import cast_like
from ._wrap import scipy_primitive

MODULE = "scipy.signal"
__all__ = ["convolve", "correlate", "fftconvolve"]


def _convolve_full_raw(a, b, *, method):
    return _sig.convolve(a, b, mode="full", method=method)


convolve_full = scipy_primitive(_convolve_full_raw, "convolve")


def _aligned(x, ndim):
    """x with length-1 axes in front, so it convolves along (not across) a batch of directions."""
    shape = np.shape(peek(x))
    return np.reshape(x, (1,) * (ndim - len(shape)) + shape) if len(shape) < ndim else x


def _correlate_valid(g, other, kept_shape, method):
    """The 'valid' part of g convolved with `other` reversed: the cotangent of the input of shape `kept_shape`."""
    ndim = np.ndim(peek(g))
    other_shape = np.shape(peek(other))
    reversed_other = np.flip(_aligned(other, ndim), axis=tuple(range(-len(other_shape), 0)))
    full = convolve_full(g, reversed_other, method=method)
    crop = tuple(slice(m - 1, m - 1 + n) for m, n in zip(other_shape, kept_shape))
    return full[(Ellipsis,) + crop]


# fmt: off
defjvp(convolve_full, lambda t, ans, a, b, *, method: convolve_full(t, _aligned(b, np.ndim(peek(t))), method=method),
                      lambda t, ans, a, b, *, method: convolve_full(_aligned(a, np.ndim(peek(t))), t, method=method))
defvjp(convolve_full, lambda ans, a, b, *, method: lambda g: cast_like(_correlate_valid(g, b, np.shape(a), method), a),
                      lambda ans, a, b, *, method: lambda g: cast_like(_correlate_valid(g, a, np.shape(b), method), b))
# fmt: on


def _output_shape(shape1, shape2, mode):
    if mode == "full":
        return tuple(m + n - 1 for m, n in zip(shape1, shape2))
    if mode == "same":
        return tuple(shape1)
    if mode == "valid":
        if not (all(m >= n for m, n in zip(shape1, shape2)) or all(m <= n for m, n in zip(shape1, shape2))):
            raise ValueError("For 'valid' mode, one must be at least as large as the other in every dimension")
        return tuple(abs(m - n) + 1 for m, n in zip(shape1, shape2))
    raise ValueError(f"chainrule: convolve mode must be 'full', 'same' or 'valid', not {mode!r}")


@registry.composite(_sig.convolve, module=MODULE)
def convolve(in1, in2, mode="full", method="auto"):
    """scipy.signal.convolve, differentiable in `in1` and `in2` (a crop of the full convolution)."""
    shape1, shape2 = np.shape(peek(in1)), np.shape(peek(in2))
    if len(shape1) != len(shape2):
        raise ValueError("in1 and in2 should have the same dimensionality")
    full = convolve_full(in1, in2, method=method)
    if mode == "full":
        return full
    out = _output_shape(shape1, shape2, mode)
    start = [(f - o) // 2 for f, o in zip(np.shape(peek(full)), out)]
    return full[tuple(slice(s, s + o) for s, o in zip(start, out))]


@registry.composite(_sig.correlate, module=MODULE)
def correlate(in1, in2, mode="full", method="auto"):
    """scipy.signal.correlate: convolution with `in2` reversed (and conjugated)."""
    reversed_in2 = np.flip(in2)
    return convolve(in1, np.conjugate(reversed_in2) if np.iscomplexobj(peek(in2)) else reversed_in2, mode, method)


@registry.composite(_sig.fftconvolve, module=MODULE)
def fftconvolve(in1, in2, mode="full", axes=None):
    """scipy.signal.fftconvolve (over all axes): convolve with method='fft'."""
    if axes is not None:
        raise TypeError("chainrule: fftconvolve(axes=...) is not differentiable yet; convolve over all axes "
                        "(axes=None), e.g. with length-1 kernels along the axes you want left alone.")
    return convolve(in1, in2, mode, method="fft")
