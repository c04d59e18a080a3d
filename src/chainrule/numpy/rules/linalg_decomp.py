"""Decompositions: cholesky, eigh, eigvalsh, eigvals, svd, svdvals, qr, with forward and reverse rules.

A decomposition returns several arrays, while a primitive returns one; so each is one
"packed" primitive whose output stacks the factors along the second-to-last axis
(`[w; V]`, `[U; s; V]`, `[Q; R^T]`), and NumPy's function slices them apart with
differentiable indexing. Conventions at degenerate points (see docs/linalg_fft.md):

- cholesky, eigh, eigvalsh: derivatives along Hermitian perturbations (X + X^H)/2, the
  convention of autograd, JAX and PyTorch; a warning when the input is not Hermitian.
- repeated eigenvalues / singular values: the eigenvalues themselves get the cluster's
  mean derivative ("ties split evenly"); the eigenvectors' derivative is used only where it
  is defined (the loss does not depend on the basis chosen inside the cluster), otherwise
  `DegenerateDerivativeError`. Same for the phase of complex eigen/singular vectors and for
  the extra columns of `svd(full_matrices=True)` / `qr(mode="complete")`.
- a zero singular value gets derivative 0 (the minimum-norm subgradient, as norm'(0) = 0).
"""
from __future__ import annotations

import numpy as np

from ...core import Box, defjvp, defvjp
from ..registry import composite, primitive
from .matrix_util import (DegenerateDerivativeError, cluster_average, conj, diag_embed, gap_tolerance,
                          hermitian_part, inverse_gaps, is_complex, mH, mT, matrix_diagonal, raw,
                          require_small, warn_if_not_hermitian)

_EighResult = type(np.linalg.eigh(np.eye(1)))
_SVDResult = type(np.linalg.svd(np.eye(1)))
_QRResult = type(np.linalg.qr(np.eye(1)))
_BASIS_FIX = ("Make the result independent of that choice (e.g. use V @ diag(f(w)) @ V^H, |V|**2, "
              "projectors, or only the eigen/singular values), or perturb the input to separate the values. "
              "(Each call is checked on its own: decompose once and reuse the factors.)")


def _average(derivative, averaging):
    """Apply the cluster-averaging matrix (ties split evenly) to a vector of eigenvalue derivatives."""
    if averaging is None:
        return derivative
    return np.matmul(np.expand_dims(derivative, -2), averaging)[..., 0, :]


def _raw_mH(x):
    return np.conjugate(np.swapaxes(x, -1, -2)) if np.iscomplexobj(x) else np.swapaxes(x, -1, -2)


# --- the orthogonal complement: extra columns of svd(full_matrices=True) and qr(mode="complete") ----
def _complement(q, *, value):
    if isinstance(q, Box):  # called on an outer level's box: record there too
        return complement_p(q, value=value)
    return value


complement_p = primitive(_complement, "orthogonal_complement", numpy_fun=False)


def _complement_vjp(ans, q, *, value):
    def vjp(g):
        basis = mT(ans) @ g  # the loss must not change under ans -> ans @ W (W unitary)
        require_small(basis - mH(basis), True, g,
                      "the result depends on the basis NumPy chose for the extra columns of a complete "
                      "factorisation (svd(full_matrices=True) or qr(mode='complete')), which is arbitrary.",
                      "Use full_matrices=False / mode='reduced', or only the projector Q2 @ Q2^H "
                      "(decompose once and reuse the factors: each call is checked on its own).")
        return -conj(ans @ (mT(g) @ q))
    return vjp


defvjp(complement_p, _complement_vjp)
defjvp(complement_p, lambda t, ans, q, *, value: -(q @ (mH(t) @ ans)))


# --- cholesky ------------------------------------------------------------------------------
def _cholesky(a, *, upper):
    return np.linalg.cholesky(a, upper=upper)


def _phi_mask(n: int):
    """Lower triangle with the diagonal halved (the Cholesky derivative's Phi)."""
    return np.tril(np.ones((n, n))) - 0.5 * np.eye(n)


def _cholesky_jvp(t, ans, a, *, upper):
    warn_if_not_hermitian(a, "cholesky")
    lower = mH(ans) if upper else ans
    inner = np.linalg.solve(lower, mH(np.linalg.solve(lower, hermitian_part(t))))  # L^-1 S L^-H
    tangent = lower @ (inner * _phi_mask(np.shape(a)[-1]))
    return mH(tangent) if upper else tangent


def _cholesky_vjp(ans, a, *, upper):
    warn_if_not_hermitian(a, "cholesky")
    lower = mH(ans) if upper else ans
    mask = _phi_mask(np.shape(a)[-1])

    def vjp(g):
        inner = (mT(lower) @ (mH(g) if upper else g)) * mask
        left = np.linalg.solve(mT(lower), inner)                 # L^-T P
        return hermitian_part(mT(np.linalg.solve(mH(lower), mT(left))))  # ... conj(L)^-1
    return vjp


cholesky_p = primitive(_cholesky, "cholesky", numpy_fun=False)
defvjp(cholesky_p, _cholesky_vjp)
defjvp(cholesky_p, _cholesky_jvp)


@composite(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    return cholesky_p(a, upper=upper)


# --- eigh, eigvalsh ---------------------------------------------------------------------------
def _eigh_packed(a, *, UPLO):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.concatenate([w[..., None, :].astype(v.dtype), v], axis=-2)


def _split_eigh(ans):
    return np.real(ans[..., 0, :]), ans[..., 1:, :]


_EIGVEC = "the derivative of eigh's eigenvectors is undefined at a repeated eigenvalue (NumPy's basis of the eigenspace is arbitrary) and this result depends on it."
_PHASE = "the result depends on the phase of complex eigenvectors, which NumPy chooses arbitrarily (any e^(i*phi) * v is an eigenvector)."


def _eigh_jvp(t, ans, a, *, UPLO):
    warn_if_not_hermitian(a, "eigh")
    w, v = _split_eigh(ans)
    n = np.shape(a)[-1]
    inner = mH(v) @ hermitian_part(t) @ v
    gaps, degenerate = inverse_gaps(w, n)
    require_small(inner, degenerate, t, _EIGVEC, "Forward mode cannot tell whether the final result depends on it; "
                  "use reverse mode (grad) for basis-independent results. " + _BASIS_FIX)
    dw = _average(np.real(matrix_diagonal(inner)), cluster_average(w, n))
    dv = v @ (inner * gaps)
    return np.concatenate([np.expand_dims(dw, -2).astype(np.result_type(raw(ans))), dv], axis=-2)


def _eigh_vjp(ans, a, *, UPLO):
    warn_if_not_hermitian(a, "eigh")
    w, v = _split_eigh(ans)
    n = np.shape(a)[-1]
    gaps, degenerate = inverse_gaps(w, n)
    averaging = cluster_average(w, n)

    def vjp(g):
        g_w, g_v = _average(np.real(g[..., 0, :]), averaging), g[..., 1:, :]
        basis = mT(v) @ g_v
        require_small(basis - mH(basis), degenerate, g_v, _EIGVEC, _BASIS_FIX)
        if is_complex(basis):
            require_small(np.imag(matrix_diagonal(basis)), True, g_v, _PHASE, _BASIS_FIX)
        return hermitian_part(conj(v) @ (diag_embed(g_w) + gaps * basis) @ mT(v))
    return vjp


eigh_p = primitive(_eigh_packed, "eigh", numpy_fun=False)
defvjp(eigh_p, _eigh_vjp)
defjvp(eigh_p, _eigh_jvp)


@composite(np.linalg.eigh)
def eigh(a, UPLO="L"):
    w, v = _split_eigh(eigh_p(a, UPLO=UPLO))
    return _EighResult(w, v)


def _eigvalsh_jvp(t, ans, a, *, UPLO):
    warn_if_not_hermitian(a, "eigvalsh")
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    dw = np.real(np.sum(conj(v) * (hermitian_part(t) @ v), axis=-2))
    return _average(dw, cluster_average(ans, np.shape(a)[-1]))


def _eigvalsh_vjp(ans, a, *, UPLO):
    warn_if_not_hermitian(a, "eigvalsh")
    v = np.linalg.eigh(a, UPLO=UPLO)[1]
    averaging = cluster_average(ans, np.shape(a)[-1])
    return lambda g: hermitian_part((conj(v) * np.expand_dims(_average(g, averaging), -2)) @ mT(v))


eigvalsh_p = primitive(lambda a, *, UPLO: np.linalg.eigvalsh(a, UPLO=UPLO), "eigvalsh", numpy_fun=False)
defvjp(eigvalsh_p, _eigvalsh_vjp)
defjvp(eigvalsh_p, _eigvalsh_jvp)


@composite(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    return eigvalsh_p(a, UPLO=UPLO)


# --- eig, eigvals (general matrices): dw = diag(V^-1 dA V), dV = V (F * (V^-1 dA V)) + gauge -----------
_EigResult = type(np.linalg.eig(np.eye(1)))


def _eig_packed(a):
    w, v = np.linalg.eig(a)
    return np.concatenate([np.expand_dims(w, -2), v], axis=-2)


def _eig_setup(ans, a):
    w, v = ans[..., 0, :], ans[..., 1:, :]
    if np.any(np.linalg.cond(raw(v)) > 1e12):
        raise DegenerateDerivativeError(
            "chainrule: np.linalg.eig/eigvals of a defective matrix (a repeated eigenvalue without a full set "
            "of eigenvectors): its eigenvalues and eigenvectors are not differentiable there.")
    n = np.shape(a)[-1]
    # NumPy (LAPACK) scales each eigenvector to unit norm with its largest-modulus entry real
    largest = np.argmax(np.abs(raw(v)), axis=-2)
    pick = (np.arange(n)[:, None] == largest[..., None, :]).astype(float)
    gaps, degenerate = inverse_gaps(w, n)
    return w, v, np.linalg.inv(v), pick, gaps, degenerate, cluster_average(w, n)


_EIG_FIX = "the derivative of eig's eigenvectors is undefined at a repeated eigenvalue (NumPy's basis of the eigenspace is arbitrary) and this result depends on it."


def _eig_jvp(t, ans, a):
    w, v, v_inv, pick, gaps, degenerate, averaging = _eig_setup(ans, a)
    inner = v_inv @ t @ v
    require_small(inner, degenerate, t, _EIG_FIX, "Forward mode cannot tell whether the final result "
                  "depends on it; use reverse mode. " + _BASIS_FIX)
    dw = _average(matrix_diagonal(inner), averaging)
    du = v @ (inner * gaps)
    scale = -np.real(np.sum(conj(v) * du, axis=-2))  # keep |v| = 1
    if is_complex(v):  # keep the largest entry real
        scale = scale - np.imag(np.sum(pick * du, axis=-2)) / np.real(np.sum(pick * v, axis=-2)) * 1j
    dv = du + v * np.expand_dims(scale, -2)
    return np.concatenate([np.expand_dims(dw, -2).astype(np.result_type(raw(ans))), dv], axis=-2)


def _eig_vjp(ans, a):
    w, v, v_inv, pick, gaps, degenerate, averaging = _eig_setup(ans, a)
    real_input = not np.iscomplexobj(raw(a))

    def vjp(g):
        g_w, g_v = _average(g[..., 0, :], averaging), g[..., 1:, :]
        g_scale = np.sum(v * g_v, axis=-2)
        g_u = g_v - conj(v) * np.expand_dims(np.real(g_scale), -2)
        if is_complex(v):
            g_u = g_u - pick * np.expand_dims(np.imag(g_scale) / np.real(np.sum(pick * v, axis=-2)) * 1j, -2)
        basis = mT(v) @ g_u
        require_small(basis, degenerate, g, _EIG_FIX, _BASIS_FIX)
        cotangent = mT(v_inv) @ (diag_embed(g_w) + gaps * basis) @ mT(v)
        return np.real(cotangent) if real_input else cotangent
    return vjp


eig_p = primitive(_eig_packed, "eig", numpy_fun=False)
defvjp(eig_p, _eig_vjp)
defjvp(eig_p, _eig_jvp)


@composite(np.linalg.eig)
def eig(a):
    packed = eig_p(a)
    return _EigResult(packed[..., 0, :], packed[..., 1:, :])


def _eigvals_setup(a):
    w, v = np.linalg.eig(a)
    if np.any(np.linalg.cond(raw(v)) > 1e12):
        raise DegenerateDerivativeError(
            "chainrule: np.linalg.eigvals of a defective matrix (a repeated eigenvalue without a full set of "
            "eigenvectors): its eigenvalues are not differentiable there (the derivative is infinite).")
    return v, np.linalg.inv(v), cluster_average(w, np.shape(a)[-1])


def _eigvals_jvp(t, ans, a):
    v, v_inv, averaging = _eigvals_setup(a)
    return _average(np.sum(mT(v_inv) * (t @ v), axis=-2), averaging)


def _eigvals_vjp(ans, a):
    v, v_inv, averaging = _eigvals_setup(a)
    real_input = not np.iscomplexobj(raw(a))

    def vjp(g):
        cotangent = (mT(v_inv) * np.expand_dims(_average(g, averaging), -2)) @ mT(v)
        return np.real(cotangent) if real_input else cotangent
    return vjp


eigvals_p = primitive(np.linalg.eigvals, "eigvals")
defvjp(eigvals_p, _eigvals_vjp)
defjvp(eigvals_p, _eigvals_jvp)


# --- svd, svdvals ----------------------------------------------------------------------------------
def _svd_packed(a, *, full):
    u, s, vh = np.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    return np.concatenate([u[..., :k], s[..., None, :].astype(u.dtype), _raw_mH(vh[..., :k, :])], axis=-2)


def _split_svd(ans, m):
    return ans[..., :m, :], np.real(ans[..., m, :]), ans[..., m + 1:, :]


def _svd_setup(ans, a):
    m, n = np.shape(a)[-2:]
    u, s, v = _split_svd(ans, m)
    size = max(m, n)
    minus, degenerate_minus = inverse_gaps(s, size)
    plus, degenerate_plus = inverse_gaps(s, size, plus=True)
    zero = raw(s) <= gap_tolerance(s, size)
    safe_s = np.where(zero, 1.0, s)
    return m, n, u, s, v, minus, degenerate_minus, plus, degenerate_plus, zero, safe_s


_SVEC = ("the derivative of svd's singular vectors is undefined at a repeated (or zero) singular value "
         "(NumPy's basis of the singular subspace is arbitrary) and this result depends on it.")
_SPHASE = "the result depends on the phase of complex singular vectors, which NumPy chooses arbitrarily."


def _svd_jvp(t, ans, a, *, full):
    m, n, u, s, v, minus, deg_minus, plus, deg_plus, zero, safe_s = _svd_setup(ans, a)
    fix = "Forward mode cannot tell whether the final result depends on it; use reverse mode. " + _BASIS_FIX
    inner = mH(u) @ t @ v
    inner_h = mH(inner)
    symmetric, skew = inner + inner_h, inner - inner_h
    require_small(symmetric, deg_minus, t, _SVEC, fix)
    require_small(skew, deg_plus, t, _SVEC, fix)
    omega_u = (symmetric * minus + skew * plus) / 2
    omega_v = (symmetric * minus - skew * plus) / 2
    diagonal = matrix_diagonal(inner)
    if is_complex(inner):
        require_small(np.imag(diagonal), zero, t, _SVEC, fix)
        omega_u = omega_u + diag_embed(np.imag(diagonal) / safe_s * 1j)
    ds = _average(np.where(zero, 0.0, np.real(diagonal)), cluster_average(s, max(m, n)))
    du, dv = u @ omega_u, v @ omega_v
    if m > n:
        moved = t @ v
        spill = moved - u @ (mH(u) @ moved)
        require_small(spill, zero[..., None, :], t, _SVEC, fix)
        du = du + spill / np.expand_dims(safe_s, -2)
    if n > m:
        moved = mH(t) @ u
        spill = moved - v @ (mH(v) @ moved)
        require_small(spill, zero[..., None, :], t, _SVEC, fix)
        dv = dv + spill / np.expand_dims(safe_s, -2)
    return np.concatenate([du, np.expand_dims(ds, -2).astype(np.result_type(raw(ans))), dv], axis=-2)


def _svd_vjp(ans, a, *, full):
    m, n, u, s, v, minus, deg_minus, plus, deg_plus, zero, safe_s = _svd_setup(ans, a)
    averaging = cluster_average(s, max(m, n))

    def vjp(g):
        g_u, g_s, g_v = _split_svd(g, m)
        g_s = np.where(zero, 0.0, _average(g_s, averaging))
        basis_u, basis_v = mT(u) @ g_u, mT(v) @ g_v
        skew_u, skew_v = basis_u - mH(basis_u), basis_v - mH(basis_v)
        together, apart = skew_u + skew_v, skew_u - skew_v
        together_scale = g
        require_small(together, deg_minus, together_scale, _SVEC, _BASIS_FIX)
        require_small(apart, deg_plus, together_scale, _SVEC, _BASIS_FIX)
        middle = (together * minus + apart * plus) / 2 + diag_embed(g_s)
        if is_complex(basis_u) or is_complex(basis_v):
            require_small(np.imag(matrix_diagonal(basis_u + basis_v)), True, together_scale, _SPHASE, _BASIS_FIX)
            phase = np.imag(matrix_diagonal(basis_u))
            require_small(phase, zero, together_scale, _SVEC, _BASIS_FIX)
            middle = middle + diag_embed(phase / safe_s * 1j)
        cotangent = conj(u) @ middle @ mT(v)
        if m > n:
            column = g_u - conj(u) @ (mT(u) @ g_u)
            require_small(column, zero[..., None, :], g, _SVEC, _BASIS_FIX)
            cotangent = cotangent + (column / np.expand_dims(safe_s, -2)) @ mT(v)
        if n > m:
            row = mT(g_v) - (mT(g_v) @ v) @ mH(v)
            require_small(row, zero[..., :, None], g, _SVEC, _BASIS_FIX)
            cotangent = cotangent + conj((u / np.expand_dims(safe_s, -2)) @ row)
        return cotangent
    return vjp


svd_p = primitive(_svd_packed, "svd", numpy_fun=False)
defvjp(svd_p, _svd_vjp)
defjvp(svd_p, _svd_jvp)


def _svdvals_basis(a):
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return u, mH(vh)


def _svdvals_jvp(t, ans, a):
    u, v = _svdvals_basis(a)
    size = max(np.shape(a)[-2:])
    ds = np.real(np.sum(conj(u) * (t @ v), axis=-2))
    ds = np.where(raw(ans) <= gap_tolerance(ans, size), 0.0, ds)
    return _average(ds, cluster_average(ans, size))


def _svdvals_vjp(ans, a):
    u, v = _svdvals_basis(a)
    size = max(np.shape(a)[-2:])
    zero, averaging = raw(ans) <= gap_tolerance(ans, size), cluster_average(ans, size)
    return lambda g: (conj(u) * np.expand_dims(np.where(zero, 0.0, _average(g, averaging)), -2)) @ mT(v)


svdvals_p = primitive(lambda a: np.linalg.svd(a, compute_uv=False), "svdvals", numpy_fun=False)
defvjp(svdvals_p, _svdvals_vjp)
defjvp(svdvals_p, _svdvals_jvp)


@composite(np.linalg.svdvals)
def svdvals(x, /):
    return svdvals_p(x)


@composite(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        return svdvals_p(a)
    if hermitian:
        return _hermitian_svd(a)
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    full = bool(full_matrices) and m != n
    u, s, v = _split_svd(svd_p(a, full=full), m)
    if full:
        u_full, _, vh_full = np.linalg.svd(raw(a), full_matrices=True)
        if m > n:
            u = np.concatenate([u, complement_p(u, value=u_full[..., :, k:])], axis=-1)
        else:
            v = np.concatenate([v, complement_p(v, value=_raw_mH(vh_full)[..., :, k:])], axis=-1)
    return _SVDResult(u, s, mH(v))


def _hermitian_svd(a):
    """NumPy's svd(hermitian=True), written with eigh: s = |w| sorted down, Vh from the signs."""
    warn_if_not_hermitian(a, "svd(hermitian=True)")
    w, u = eigh(a)
    signs = np.sign(raw(w))
    order = np.argsort(np.abs(raw(w)), axis=-1)[..., ::-1]
    s = np.take_along_axis(np.abs(w), order, axis=-1)
    u = np.take_along_axis(u, np.broadcast_to(order[..., None, :], np.shape(raw(u))), axis=-1)
    signs = np.take_along_axis(signs, order, axis=-1)
    return _SVDResult(u, s, mH(u * np.expand_dims(signs, -2)))


# --- qr --------------------------------------------------------------------------------------------
def _qr_packed(a):
    q, r = np.linalg.qr(a, mode="reduced")
    return np.concatenate([q, np.swapaxes(r, -1, -2)], axis=-2)


def _qr_split(ans, m):
    q, r = ans[..., :m, :], mT(ans[..., m:, :])
    diagonal = np.abs(np.diagonal(raw(r), 0, -2, -1))
    scale = np.max(diagonal, axis=-1, keepdims=True, initial=0.0)
    if np.any(diagonal <= 8 * max(np.shape(raw(ans))[-2:]) * np.finfo(np.float64).eps * scale):
        raise DegenerateDerivativeError(
            "chainrule: np.linalg.qr of a matrix whose columns are linearly dependent (R has a zero on its "
            "diagonal): Q is not unique there and has no derivative. Remove the dependent columns.")
    return q, r


def _qr_jvp(t, ans, a):
    q, r = _qr_split(ans, np.shape(a)[-2])
    moved = mT(np.linalg.solve(mT(r), mT(t)))  # dA R^-1
    inner = mH(q) @ moved
    lower = np.tril(inner, -1)
    omega = lower - mH(lower)
    if is_complex(inner):
        omega = omega + diag_embed(np.imag(matrix_diagonal(inner)) * 1j)
    dq = q @ (omega - inner) + moved
    dr = (inner - omega) @ r
    return np.concatenate([dq, mT(dr)], axis=-2)


def _qr_vjp(ans, a):
    m = np.shape(a)[-2]
    q, r = _qr_split(ans, m)

    def vjp(g):
        g_q, g_r = g[..., :m, :], mT(g[..., m:, :])
        middle = g_r @ mT(r) - mT(q) @ g_q
        total = middle - np.tril(middle - mH(middle), -1)
        if is_complex(middle):
            total = total - diag_embed(np.imag(matrix_diagonal(middle)) * 1j)
        moved = g_q + conj(q) @ total
        return mT(np.linalg.solve(r, mT(moved)))  # ... R^-T
    return vjp


qr_p = primitive(_qr_packed, "qr", numpy_fun=False)
defvjp(qr_p, _qr_vjp)
defjvp(qr_p, _qr_jvp)


@composite(np.linalg.qr)
def qr(a, mode="reduced"):
    if mode not in ("reduced", "complete", "r"):
        raise TypeError(f"chainrule: np.linalg.qr(mode={mode!r}) returns LAPACK's Householder data, which has "
                        f"no derivative rule. Use mode='reduced', 'complete' or 'r'.")
    m, n = np.shape(a)[-2:]
    if m < n:  # wide: factor the first m columns, then R2 = Q^H A2
        packed = qr_p(a[..., :, :m])
        q, r = packed[..., :m, :], mT(packed[..., m:, :])
        r = np.concatenate([r, mH(q) @ a[..., :, m:]], axis=-1)
        return r if mode == "r" else _QRResult(q, r)
    packed = qr_p(a)
    q, r = packed[..., :m, :], mT(packed[..., m:, :])
    if mode == "r":
        return r
    if mode == "complete" and m > n:
        q_full = np.linalg.qr(raw(a), mode="complete")[0]
        q = np.concatenate([q, complement_p(q, value=q_full[..., :, n:])], axis=-1)
        zeros = np.zeros(np.shape(a)[:-2] + (m - n, n), dtype=np.result_type(raw(r)))
        r = np.concatenate([r, zeros], axis=-2)
    return _QRResult(q, r)
