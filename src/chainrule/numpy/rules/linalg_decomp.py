"""Decompositions: cholesky, eigh, eigvalsh, eig, eigvals, svd, svdvals, qr, with forward and reverse rules.

A decomposition returns several arrays, while a primitive returns one; so each is one
"packed" primitive whose output stacks the factors along the second-to-last axis
(`[w; V]`, `[U; s; V]`, `[Q; R^T]`), and NumPy's function slices them apart with
differentiable indexing. Conventions at degenerate points (see docs/linalg_fft.md):

- cholesky, eigh, eigvalsh: derivatives along Hermitian perturbations (X + X^H)/2, the
  convention of autograd, JAX and PyTorch; a warning when the input is not Hermitian.
- the value-only functions (eigvalsh, eigvals, svdvals): at repeated values each member of
  the cluster gets the cluster's mean derivative ("ties split evenly", as np.max); a zero
  singular value gets derivative 0 (the minimum-norm subgradient, as norm'(0) = 0).
- the full decompositions (eigh, eig, svd): a result that depends on a repeated (or, for svd,
  zero) value or on its vectors raises `DegenerateDerivativeError` (those vectors are arbitrary
  there; even basis-free combinations such as V f(w) V^H are a limit the factors cannot give).
  Results that depend on the arbitrary phase of complex vectors, or on the basis of the extra
  columns of svd(full_matrices=True) / qr(mode="complete"), raise too.

>>> import chainrule as cr
>>> cr.grad(lambda a: np.linalg.eigvalsh(a)[-1])(np.diag([1.0, 3.0]))
array([[0., 0.],
       [0., 1.]])
>>> cr.grad(lambda a: np.linalg.norm(a, "nuc"))(np.diag([2.0, 0.0]))
array([[1., 0.],
       [0., 0.]])
"""
from __future__ import annotations

import numpy as np

from ...core import Box, defjvp, defvjp
from ...core.stage import peek
from ..registry import composite, primitive
from .matrix_util import (DegenerateDerivativeError, cluster_average, conj, degenerate_clusters, diag_embed,
                          gap_tolerance, hermitian_part, inverse_gaps, is_complex, mH, mT, matrix_diagonal, raw,
                          require_zero, warn_if_not_hermitian)

_EighResult = type(np.linalg.eigh(np.eye(1)))
_SVDResult = type(np.linalg.svd(np.eye(1)))
_QRResult = type(np.linalg.qr(np.eye(1)))


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
        require_zero(basis - mH(basis), True, g,
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
    if isinstance(a, Box):  # an outer level's box (higher order): record this primitive there
        return cholesky_p(a, upper=upper)
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
    if isinstance(a, Box):
        return eigh_p(a, UPLO=UPLO)
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.concatenate([w[..., None, :].astype(v.dtype), v], axis=-2)


def _split_eigh(ans):
    return np.real(ans[..., 0, :]), ans[..., 1:, :]


def _degenerate_message(name: str, point: str, values: str, only_values: str) -> tuple:
    return (f"np.linalg.{name} at {point}: the vectors there are not unique (NumPy's basis of that space is "
            f"arbitrary), so they, that {values[:-1]} and results that combine them (even V @ diag(f(w)) @ V^H) have "
            f"no derivative the decomposition can give (at best a limit it cannot see).",
            f"If only the {values} are needed use {only_values} (at ties the derivative is split evenly); "
            f"otherwise perturb the input slightly to separate the values.")


_EIGH = _degenerate_message("eigh", "a repeated eigenvalue", "eigenvalues", "np.linalg.eigvalsh")
_PHASE = ("the result depends on the phase of complex eigenvectors, which NumPy chooses arbitrarily "
          "(any e^(i*phi) * v is an eigenvector).", "Use a phase-independent result such as V @ diag(f(w)) @ V^H or |V|**2.")


def _eigh_jvp(t, ans, a, *, UPLO):
    warn_if_not_hermitian(a, "eigh")
    w, v = _split_eigh(ans)
    n = np.shape(a)[-1]
    inner = mH(v) @ hermitian_part(t) @ v
    same, _ = degenerate_clusters(w, n)
    require_zero(inner, same, t, *_EIGH)
    gaps, _ = inverse_gaps(w, n)
    dw = np.real(matrix_diagonal(inner))
    dv = v @ (inner * gaps)
    return np.concatenate([np.expand_dims(dw, -2).astype(np.result_type(peek(ans))), dv], axis=-2)


def _eigh_vjp(ans, a, *, UPLO):
    warn_if_not_hermitian(a, "eigh")
    w, v = _split_eigh(ans)
    n = np.shape(a)[-1]
    gaps, _ = inverse_gaps(w, n)
    _, members = degenerate_clusters(w, n)

    def vjp(g):
        g_w, g_v = np.real(g[..., 0, :]), g[..., 1:, :]
        require_zero(g_w, members, g, *_EIGH)
        require_zero(g_v, np.expand_dims(members, -2), g, *_EIGH)
        basis = mT(v) @ g_v
        if is_complex(basis):
            require_zero(np.imag(matrix_diagonal(basis)), True, g, *_PHASE)
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


def _eigvalsh(a, *, UPLO):
    return eigvalsh_p(a, UPLO=UPLO) if isinstance(a, Box) else np.linalg.eigvalsh(a, UPLO=UPLO)


eigvalsh_p = primitive(_eigvalsh, "eigvalsh", numpy_fun=False)
defvjp(eigvalsh_p, _eigvalsh_vjp)
defjvp(eigvalsh_p, _eigvalsh_jvp)


@composite(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    return eigvalsh_p(a, UPLO=UPLO)


# --- eig, eigvals (general matrices): dw = diag(V^-1 dA V), dV = V (F * (V^-1 dA V)) + gauge -----------
_EigResult = type(np.linalg.eig(np.eye(1)))


def _eig_packed(a):
    if isinstance(a, Box):
        return eig_p(a)
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
    gaps, _ = inverse_gaps(w, n)
    same, members = degenerate_clusters(w, n)
    return w, v, np.linalg.inv(v), pick, gaps, same, members


_EIG = _degenerate_message("eig", "a repeated eigenvalue", "eigenvalues", "np.linalg.eigvals")


def _eig_jvp(t, ans, a):
    w, v, v_inv, pick, gaps, same, _ = _eig_setup(ans, a)
    inner = v_inv @ t @ v
    require_zero(inner, same, t, *_EIG)
    dw = matrix_diagonal(inner)
    du = v @ (inner * gaps)
    scale = -np.real(np.sum(conj(v) * du, axis=-2))  # keep |v| = 1
    if is_complex(v):  # keep the largest entry real
        scale = scale - np.imag(np.sum(pick * du, axis=-2)) / np.real(np.sum(pick * v, axis=-2)) * 1j
    dv = du + v * np.expand_dims(scale, -2)
    return np.concatenate([np.expand_dims(dw, -2).astype(np.result_type(peek(ans))), dv], axis=-2)


def _eig_vjp(ans, a):
    w, v, v_inv, pick, gaps, _, members = _eig_setup(ans, a)
    real_input = not np.iscomplexobj(peek(a))

    def vjp(g):
        g_w, g_v = g[..., 0, :], g[..., 1:, :]
        require_zero(g_w, members, g, *_EIG)
        require_zero(g_v, np.expand_dims(members, -2), g, *_EIG)
        g_scale = np.sum(v * g_v, axis=-2)
        g_u = g_v - conj(v) * np.expand_dims(np.real(g_scale), -2)
        if is_complex(v):
            g_u = g_u - pick * np.expand_dims(np.imag(g_scale) / np.real(np.sum(pick * v, axis=-2)) * 1j, -2)
        cotangent = mT(v_inv) @ (diag_embed(g_w) + gaps * (mT(v) @ g_u)) @ mT(v)
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
    real_input = not np.iscomplexobj(peek(a))

    def vjp(g):
        cotangent = (mT(v_inv) * np.expand_dims(_average(g, averaging), -2)) @ mT(v)
        return np.real(cotangent) if real_input else cotangent
    return vjp


eigvals_p = primitive(np.linalg.eigvals, "eigvals")
defvjp(eigvals_p, _eigvals_vjp)
defjvp(eigvals_p, _eigvals_jvp)


# --- svd, svdvals ----------------------------------------------------------------------------------
def _svd_packed(a, *, full):
    if isinstance(a, Box):
        return svd_p(a, full=full)
    u, s, vh = np.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    return np.concatenate([u[..., :k], s[..., None, :].astype(u.dtype), _raw_mH(vh[..., :k, :])], axis=-2)


def _split_svd(ans, m):
    return ans[..., :m, :], np.real(ans[..., m, :]), ans[..., m + 1:, :]


def _svd_setup(ans, a):
    m, n = np.shape(a)[-2:]
    u, s, v = _split_svd(ans, m)
    size = max(m, n)
    minus, _ = inverse_gaps(s, size)
    plus, _ = inverse_gaps(s, size, plus=True)
    same, members = degenerate_clusters(s, size, zeros=True)
    zero = raw(s) <= gap_tolerance(s, size)
    return m, n, u, s, v, minus, plus, same, members, zero, np.where(zero, 1.0, s)


_SVD = _degenerate_message("svd", "a repeated or zero singular value", "singular values",
                           "np.linalg.svd(compute_uv=False) or np.linalg.svdvals")
_SPHASE = ("the result depends on the phase of complex singular vectors, which NumPy chooses arbitrarily.",
           "Use a phase-independent result such as U @ diag(f(s)) @ Vh or |U|**2.")


def _svd_jvp(t, ans, a, *, full):
    m, n, u, s, v, minus, plus, same, _, zero, safe_s = _svd_setup(ans, a)
    inner = mH(u) @ t @ v
    require_zero(inner, same, t, *_SVD)
    inner_h = mH(inner)
    symmetric, skew = inner + inner_h, inner - inner_h
    omega_u = (symmetric * minus + skew * plus) / 2
    omega_v = (symmetric * minus - skew * plus) / 2
    diagonal = matrix_diagonal(inner)
    if is_complex(inner):
        omega_u = omega_u + diag_embed(np.imag(diagonal) / safe_s * 1j)
    du, dv = u @ omega_u, v @ omega_v
    if m > n:
        moved = t @ v
        spill = moved - u @ (mH(u) @ moved)
        require_zero(spill, np.expand_dims(zero, -2), t, *_SVD)
        du = du + spill / np.expand_dims(safe_s, -2)
    if n > m:
        moved = mH(t) @ u
        spill = moved - v @ (mH(v) @ moved)
        require_zero(spill, np.expand_dims(zero, -2), t, *_SVD)
        dv = dv + spill / np.expand_dims(safe_s, -2)
    ds = np.real(diagonal)
    return np.concatenate([du, np.expand_dims(ds, -2).astype(np.result_type(peek(ans))), dv], axis=-2)


def _svd_vjp(ans, a, *, full):
    m, n, u, s, v, minus, plus, _, members, zero, safe_s = _svd_setup(ans, a)

    def vjp(g):
        g_u, g_s, g_v = _split_svd(g, m)
        require_zero(g_s, members, g, *_SVD)
        require_zero(g_u, np.expand_dims(members, -2), g, *_SVD)
        require_zero(g_v, np.expand_dims(members, -2), g, *_SVD)
        basis_u, basis_v = mT(u) @ g_u, mT(v) @ g_v
        skew_u, skew_v = basis_u - mH(basis_u), basis_v - mH(basis_v)
        middle = ((skew_u + skew_v) * minus + (skew_u - skew_v) * plus) / 2 + diag_embed(g_s)
        if is_complex(basis_u) or is_complex(basis_v):
            require_zero(np.imag(matrix_diagonal(basis_u + basis_v)), True, g, *_SPHASE)
            middle = middle + diag_embed(np.imag(matrix_diagonal(basis_u)) / safe_s * 1j)
        cotangent = conj(u) @ middle @ mT(v)
        if m > n:
            column = g_u - conj(u) @ (mT(u) @ g_u)
            cotangent = cotangent + (column / np.expand_dims(safe_s, -2)) @ mT(v)
        if n > m:
            row = mT(g_v) - (mT(g_v) @ v) @ mH(v)
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


def _svdvals(a):
    return svdvals_p(a) if isinstance(a, Box) else np.linalg.svd(a, compute_uv=False)


svdvals_p = primitive(_svdvals, "svdvals", numpy_fun=False)
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
    u = np.take_along_axis(u, np.broadcast_to(order[..., None, :], np.shape(peek(u))), axis=-1)
    signs = np.take_along_axis(signs, order, axis=-1)
    return _SVDResult(u, s, mH(u * np.expand_dims(signs, -2)))


# --- qr --------------------------------------------------------------------------------------------
def _qr_packed(a):
    if isinstance(a, Box):
        return qr_p(a)
    q, r = np.linalg.qr(a, mode="reduced")
    return np.concatenate([q, np.swapaxes(r, -1, -2)], axis=-2)


def _qr_split(ans, m):
    q, r = ans[..., :m, :], mT(ans[..., m:, :])
    diagonal = np.abs(np.diagonal(raw(r), 0, -2, -1))
    scale = np.max(diagonal, axis=-1, keepdims=True, initial=0.0)
    if np.any(diagonal <= 8 * max(np.shape(peek(ans))[-2:]) * np.finfo(np.float64).eps * scale):
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
        zeros = np.zeros(np.shape(a)[:-2] + (m - n, n), dtype=np.result_type(peek(r)))
        r = np.concatenate([r, zeros], axis=-2)
    return _QRResult(q, r)
