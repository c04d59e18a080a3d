"""Small helpers shared by the matrix rules: transposes on the last two axes, degeneracy tests.

Every helper works on the last two axes only, so a tangent or cotangent with extra leading
batch axes (chainrule's) and a stack of matrices (NumPy's) are handled the same way.
Decisions (is this matrix Hermitian? are two eigenvalues equal?) look at raw values only.
"""
from __future__ import annotations

import warnings

import numpy as np

from ...core.stage import peek
from .. import box, registry


class DegenerateDerivativeWarning(RuntimeWarning):
    """A derivative was taken at a point where chainrule had to apply a documented convention."""


class DegenerateDerivativeError(ValueError):
    """The derivative asked for does not exist (or depends on an arbitrary choice NumPy made)."""


def raw(x):
    """The value under every box (for masks and branches, never for values that flow on)."""
    while isinstance(x, box.Box):
        x = x._value
    return x


def is_complex(x) -> bool:
    return np.iscomplexobj(peek(x))


def mT(x):
    """Transpose of the last two axes."""
    return np.swapaxes(x, -1, -2)


def mH(x):
    """Conjugate transpose of the last two axes (a plain transpose for real arrays)."""
    return np.conjugate(mT(x)) if is_complex(x) else mT(x)


def conj(x):
    return np.conjugate(x) if is_complex(x) else x


def diag_embed(v):
    """A stack of diagonal matrices from a stack of vectors (last axis)."""
    return np.expand_dims(v, -1) * np.eye(np.shape(peek(v))[-1])


def matrix_diagonal(x):
    return np.diagonal(x, 0, -2, -1)


def hermitian_part(x):
    """(X + X^H) / 2: the symmetric-perturbation convention of cholesky, eigh, eigvalsh."""
    return (x + mH(x)) / 2


def run_check(check, *values) -> None:
    """`check(*raw values)`, which warns or raises on bad input; a compile records it, so every replay checks."""
    registry.call_constant(_checked, check, *values)


def _checked(check, *values):
    check(*values)
    return np.True_  # an array result: what a compile records


def warn_if_not_hermitian(x, name: str) -> None:
    run_check(_warn_if_not_hermitian, x, name)


def _warn_if_not_hermitian(value, name: str) -> None:
    scale = np.max(np.abs(value), initial=0.0)
    if value.size and not np.allclose(value, np.conjugate(np.swapaxes(value, -1, -2)), rtol=0, atol=1e-8 * scale):
        warnings.warn(
            f"chainrule: np.linalg.{name} got a matrix that is not symmetric/Hermitian. NumPy reads "
            f"only one triangle of it, while chainrule's derivative is the one for symmetric "
            f"perturbations (X + X^H)/2, the convention of autograd, JAX and PyTorch. Pass "
            f"(A + A.T) / 2 (or A + A.conj().T) / 2) to make the value and the derivative agree.",
            DegenerateDerivativeWarning, stacklevel=8)


def gap_tolerance(values, size: int):
    """Two eigen/singular values closer than this are treated as equal (NumPy's matrix_rank tolerance)."""
    value = raw(values)
    scale = np.max(np.abs(value), axis=-1, keepdims=True, initial=0.0)
    return 8 * size * np.finfo(np.result_type(value, np.float64)).eps * np.where(scale == 0, 1.0, scale)


def inverse_gaps(values, size: int, plus: bool = False):
    """1 / (v_j - v_i) (or 1 / (v_j + v_i)), 0 on the diagonal and where the gap is within tolerance.

    Written with NumPy functions on `values`, so it is differentiated again at higher order.
    Returns the matrix and a boolean mask (a constant) of the degenerate off-diagonal pairs.
    """
    value = raw(values)
    pairs = np.expand_dims(values, -2) + np.expand_dims(values, -1) if plus else \
        np.expand_dims(values, -2) - np.expand_dims(values, -1)
    difference = value[..., None, :] + value[..., :, None] if plus else value[..., None, :] - value[..., :, None]
    tolerance = gap_tolerance(value, size)[..., None]
    off_diagonal = ~np.eye(value.shape[-1], dtype=bool)
    degenerate = (np.abs(difference) <= tolerance) & off_diagonal
    unused = degenerate | ~off_diagonal
    return np.where(unused, 0.0, 1.0 / np.where(unused, 1.0, pairs)), degenerate


def degenerate_clusters(values, size: int, zeros: bool = False):
    """Which values are repeated (and, with `zeros`, which are zero): the degenerate points of a decomposition.

    Returns `same` (..., n, n), true where values i and j belong to one cluster of equal values
    (the diagonal included for members), and `members` (..., n). Clusters are closed transitively
    (a chain of near-equal values is one cluster). With `zeros`, all zero values form a cluster and
    a single zero value is a member too (a zero singular value has arbitrary singular vectors).
    """
    value = raw(values)
    _, degenerate = inverse_gaps(value, size)
    eye = np.eye(value.shape[-1], dtype=bool)
    same = degenerate | eye
    for _ in range(value.shape[-1]):
        grown = np.matmul(same.astype(np.int64), same.astype(np.int64)) > 0
        if np.array_equal(grown, same):
            break
        same = grown
    members = np.sum(same, axis=-1) > 1
    if zeros:
        zero = np.abs(value) <= gap_tolerance(value, size)
        members = members | zero
        same = same | (zero[..., :, None] & zero[..., None, :])
    return same & members[..., :, None], members


def cluster_average(values, size: int):
    """The matrix that averages a vector over clusters of equal values (None when all are distinct).

    This is the "ties split evenly" convention of the value-only functions (eigvalsh, eigvals,
    svdvals): at a repeated eigenvalue the sorted eigenvalues are not differentiable, and each
    member of the cluster gets the cluster's mean derivative (independent of the eigenvector basis).
    """
    same, members = degenerate_clusters(values, size)
    if not np.any(members):
        return None
    same = same | np.eye(np.shape(peek(values))[-1], dtype=bool)
    return same / np.sum(same, axis=-1, keepdims=True)


def require_zero(value, where, reference, what: str, fix: str) -> None:
    """Raise DegenerateDerivativeError unless `value` vanishes (relative to `reference`) where `where` holds."""
    if not np.any(where):
        return
    magnitude = np.abs(raw(value))
    scale = max(np.max(np.abs(raw(reference)), initial=0.0), 1e-300)
    if np.any(magnitude[np.broadcast_to(where, magnitude.shape)] > 1e-10 * scale):
        raise DegenerateDerivativeError(f"chainrule: {what} {fix}")
