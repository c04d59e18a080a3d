"""numpy.fft: three linear primitives (complex-to-complex, real-to-complex, complex-to-real n-D
transforms) carry the rules; fft, ifft, fft2, rfft, hfft, fftshift, ... are written with them.

Every transform is linear, so its JVP is the transform of the tangent. Its VJP is the
transpose (autograd's pairing, no conjugate): the DFT matrix is symmetric, so the VJP of a
complex transform is the same transform of the cotangent, cropped or zero-padded back to the
input's length; rfft's and irfft's transposes account for the half spectrum. Axes are kept
negative, so leading batch axes of tangents and cotangents pass through untouched.

>>> import chainrule as cr
>>> cr.grad(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2))(np.array([1.0, 2.0, 3.0]))  # Parseval: 2 n x
array([ 6., 12., 18.])
"""
from __future__ import annotations

import numpy as np

from ...core import Box, defjvp, defvjp
from ...core.stage import peek
from ..broadcast import cast_like
from ..registry import composite, primitive


def _fit(x, axes, sizes):
    """Crop or zero-pad `x` along `axes` (negative) to `sizes`: NumPy's handling of n= and s=."""
    shape = np.shape(peek(x))
    index, widths, cropped = [slice(None)] * len(shape), [(0, 0)] * len(shape), False
    for axis, size in zip(axes, sizes):
        have = shape[axis]
        if have > size:
            index[axis], cropped = slice(0, size), True
        elif have < size:
            widths[axis] = (0, size - have)
    if cropped:
        x = x[tuple(index)]
    if any(w != (0, 0) for w in widths):
        x = np.pad(x, widths)
    return x


def _c2c(x, *, s, axes, norm, inverse):
    if isinstance(x, Box):  # an outer level's box (higher order): record this primitive there
        return c2c(x, s=s, axes=axes, norm=norm, inverse=inverse)
    return (np.fft.ifftn if inverse else np.fft.fftn)(x, s=s, axes=axes, norm=norm)


def _r2c(x, *, s, axes, norm):
    if isinstance(x, Box):
        return r2c(x, s=s, axes=axes, norm=norm)
    return np.fft.rfftn(x, s=s, axes=axes, norm=norm)


def _c2r(x, *, s, axes, norm):
    if isinstance(x, Box):
        return c2r(x, s=s, axes=axes, norm=norm)
    return np.fft.irfftn(x, s=s, axes=axes, norm=norm)


c2c = primitive(_c2c, "fftn", numpy_fun=False)
r2c = primitive(_r2c, "rfftn", numpy_fun=False)
c2r = primitive(_c2r, "irfftn", numpy_fun=False)


def _sizes(x, axes):
    return [np.shape(peek(x))[axis] for axis in axes]


def _c2c_vjp(ans, x, *, s, axes, norm, inverse):
    sizes = _sizes(x, axes)
    return lambda g: cast_like(_fit(c2c(g, s=s, axes=axes, norm=norm, inverse=inverse), axes, sizes), x)


def _r2c_vjp(ans, x, *, s, axes, norm):
    sizes = _sizes(x, axes)
    return lambda g: cast_like(_fit(c2c(_fit(g, axes[-1:], s[-1:]), s=s, axes=axes, norm=norm, inverse=False),
                                    axes, sizes), x)


def _c2r_vjp(ans, x, *, s, axes, norm):
    sizes, last = _sizes(x, axes), s[-1]
    half = last // 2 + 1
    weights = np.full(half, 2.0)
    weights[0] = 1.0
    if last % 2 == 0:
        weights[-1] = 1.0
    weights = np.reshape(weights, (half,) + (1,) * (-axes[-1] - 1))

    def vjp(g):
        spectrum = c2c(g, s=s, axes=axes, norm=norm, inverse=True)
        return cast_like(_fit(_fit(spectrum, axes[-1:], (half,)) * weights, axes, sizes), x)
    return vjp


# fmt: off
defvjp(c2c, _c2c_vjp);  defjvp(c2c, "linear")
defvjp(r2c, _r2c_vjp);  defjvp(r2c, "linear")
defvjp(c2r, _c2r_vjp);  defjvp(c2r, "linear")
# fmt: on


# --- NumPy's signatures ------------------------------------------------------------------------
def _axes_and_sizes(a, s, axes, default_last=None):
    """Negative axes and output sizes as NumPy's n-D transforms choose them."""
    ndim = np.ndim(a)
    if axes is None:
        axes = tuple(range(ndim)) if s is None else tuple(range(ndim - len(s), ndim))
    axes = tuple(axis % ndim - ndim for axis in axes)
    shape = np.shape(a)
    sizes = [shape[axis] for axis in axes] if s is None else list(s)
    sizes = [shape[axis] if size == -1 else int(size) for axis, size in zip(axes, sizes)]
    if s is None and default_last is not None:
        sizes[-1] = default_last(shape[axes[-1]])
    return axes, tuple(sizes)


def _complex(a, s, axes, norm, inverse):
    axes, sizes = _axes_and_sizes(a, s, axes)
    return c2c(a, s=sizes, axes=axes, norm=norm, inverse=inverse)


def _one_axis(n, axis):
    return None if n is None else (n,), (axis,)


def _irfft_size(m):
    return 2 * (m - 1)


@composite(np.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    return _complex(a, *_one_axis(n, axis), norm, False)


@composite(np.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    return _complex(a, *_one_axis(n, axis), norm, True)


@composite(np.fft.fftn)
def fftn(a, s=None, axes=None, norm=None, out=None):
    return _complex(a, s, axes, norm, False)


@composite(np.fft.ifftn)
def ifftn(a, s=None, axes=None, norm=None, out=None):
    return _complex(a, s, axes, norm, True)


@composite(np.fft.fft2)
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _complex(a, s, axes, norm, False)


@composite(np.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _complex(a, s, axes, norm, True)


@composite(np.fft.rfftn)
def rfftn(a, s=None, axes=None, norm=None, out=None):
    axes, sizes = _axes_and_sizes(a, s, axes)
    return r2c(a, s=sizes, axes=axes, norm=norm)


@composite(np.fft.irfftn)
def irfftn(a, s=None, axes=None, norm=None, out=None):
    axes, sizes = _axes_and_sizes(a, s, axes, default_last=_irfft_size)
    return c2r(a, s=sizes, axes=axes, norm=norm)


@composite(np.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    return rfftn(a, *_one_axis(n, axis), norm)


@composite(np.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    return irfftn(a, *_one_axis(n, axis), norm)


@composite(np.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return rfftn(a, s, axes, norm)


@composite(np.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return irfftn(a, s, axes, norm)


_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


@composite(np.fft.hfft)
def hfft(a, n=None, axis=-1, norm=None, out=None):
    n = _irfft_size(np.shape(a)[axis]) if n is None else n
    return irfft(np.conjugate(a), n, axis, _SWAPPED[norm])


@composite(np.fft.ihfft)
def ihfft(a, n=None, axis=-1, norm=None, out=None):
    return np.conjugate(rfft(a, n, axis, _SWAPPED[norm]))


def _shift(x, axes, sign):
    shape = np.shape(x)
    if axes is None:
        axes = tuple(range(len(shape)))
    if np.ndim(axes) == 0:
        return np.roll(x, sign * (shape[axes] // 2), axes)
    return np.roll(x, [sign * (shape[axis] // 2) for axis in axes], axes)


@composite(np.fft.fftshift)
def fftshift(x, axes=None):
    return _shift(x, axes, 1)


@composite(np.fft.ifftshift)
def ifftshift(x, axes=None):
    return _shift(x, axes, -1)


@composite(np.fft.fftfreq)
def fftfreq(n, d=1.0, device=None):
    return np.fft.fftfreq(n, 1.0) / d


@composite(np.fft.rfftfreq)
def rfftfreq(n, d=1.0, device=None):
    return np.fft.rfftfreq(n, 1.0) / d
