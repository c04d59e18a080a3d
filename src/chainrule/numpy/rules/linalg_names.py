"""NumPy 2's array-API spellings: numpy.linalg.{matmul, vecdot, vector_norm, matrix_norm, ...} and the
vecdot / matvec / vecmat ufuncs, each written with chainrule's existing primitives.

These are separate objects from `np.matmul`, `np.trace`, ... (with their own signatures: they act
on the last axes), so NumPy's dispatch needs a rule for each.
"""
from __future__ import annotations

import numpy as np

from .. import registry
from ..registry import composite
from .linalg import matmul, norm
from .matrix_util import conj, mT


def _linalg(name):
    return getattr(np.linalg, name, None)


def _register(numpy_fun, fun):
    if numpy_fun is not None:
        composite(numpy_fun)(fun)


def _vecdot(x1, x2, /, *, axis=-1):
    """sum(conj(x1) * x2) over `axis` of each input (moved last before broadcasting, as NumPy does)."""
    return np.sum(conj(np.moveaxis(x1, axis, -1)) * np.moveaxis(x2, axis, -1), axis=-1)


def _matvec(x1, x2, /, **kwargs):
    return matmul(x1, np.expand_dims(x2, -1))[..., 0]


def _vecmat(x1, x2, /, **kwargs):
    return matmul(np.expand_dims(conj(x1), -2), x2)[..., 0, :]


def _vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    ndim = np.ndim(x)
    axes = tuple(range(ndim)) if axis is None else ((axis,) if np.ndim(axis) == 0 else tuple(axis))
    axes = tuple(sorted(a % max(ndim, 1) for a in axes))
    if ndim == 0:
        result = norm(np.reshape(x, (1,)), ord)
        return np.reshape(result, ()) if not keepdims else result
    moved = np.moveaxis(x, axes, tuple(range(ndim - len(axes), ndim)))
    flat = np.reshape(moved, np.shape(moved)[:ndim - len(axes)] + (-1,))
    result = norm(flat, ord, axis=-1)
    if keepdims:
        result = np.reshape(result, tuple(1 if i in axes else size for i, size in enumerate(np.shape(x))))
    return result


def _matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)


# fmt: off
_register(_linalg("matmul"),           lambda x1, x2, /: matmul(x1, x2))
_register(_linalg("tensordot"),        lambda x1, x2, /, *, axes=2: np.tensordot(x1, x2, axes))
_register(_linalg("outer"),            lambda x1, x2, /: np.outer(x1, x2))
_register(_linalg("cross"),            lambda x1, x2, /, *, axis=-1: np.cross(x1, x2, axis=axis))
_register(_linalg("diagonal"),         lambda x, /, *, offset=0: np.diagonal(x, offset, -2, -1))
_register(_linalg("trace"),            lambda x, /, *, offset=0, dtype=None: np.trace(x, offset, -2, -1))
_register(_linalg("matrix_transpose"), lambda x, /: mT(x))
_register(_linalg("vecdot"),           _vecdot)
_register(_linalg("vector_norm"),      _vector_norm)
_register(_linalg("matrix_norm"),      _matrix_norm)
_register(getattr(np, "vecdot", None), _vecdot)
_register(getattr(np, "matvec", None), _matvec)
_register(getattr(np, "vecmat", None), _vecmat)
# fmt: on
registry.register(np.linalg.matrix_rank, registry.nondifferentiable(np.linalg.matrix_rank))
