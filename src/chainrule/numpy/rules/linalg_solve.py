"""Inverses and solves: inv, det, slogdet, solve, pinv, lstsq (primitives); matrix_power, multi_dot,
tensorsolve, tensorinv, cond (written with them).

All rules act on the last two axes with matmul and swapaxes, so NumPy's stacks of matrices
and chainrule's leading batch axes of tangents compose. Complex matrices follow autograd's
convention (the VJP of a holomorphic function is the plain transpose, no conjugate).

>>> import chainrule as cr
>>> cr.grad(np.linalg.det)(np.array([[2.0, 1.0], [1.0, 3.0]]))
array([[ 3., -1.],
       [-1.,  2.]])
"""
from __future__ import annotations

import numpy as np

from ...core import Box, defjvp, defvjp
from ...core.stage import detach, peek
from .. import registry
from ..broadcast import align_tangent, unbroadcast
from ..registry import composite, primitive
from .matrix_util import DegenerateDerivativeError, conj, mH, mT, raw, run_check


# --- inv ---------------------------------------------------------------------------------
inv = primitive(np.linalg.inv, "inv")
defvjp(inv, lambda ans, x: lambda g: -(mT(ans) @ g @ mT(ans)))
defjvp(inv, lambda t, ans, x: -(ans @ t @ ans))


# --- det: d det / dA = the cofactor matrix (det * inv(A)^T when A is invertible) -----------------
def _cofactors(x):
    """C[..., i, j] = (-1)^(i+j) det(minor_ij): exact also at singular matrices (rank n-1 or less)."""
    n = np.shape(peek(x))[-1]
    if n == 1:
        return np.ones(np.shape(peek(x)), dtype=np.result_type(peek(x), np.float64))
    keep = np.array([[k for k in range(n) if k != i] for i in range(n)])
    minors = x[..., keep[:, None, :, None], keep[None, :, None, :]]  # (..., n, n, n-1, n-1)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return signs * np.linalg.det(minors)


def _det_derivative(ans, x):
    if np.all(raw(ans) != 0):
        try:
            return np.expand_dims(ans, (-2, -1)) * mT(np.linalg.inv(x))
        except np.linalg.LinAlgError:
            pass
    return _cofactors(x)


def _det_vjp(ans, x):
    derivative = _det_derivative(ans, x)
    return lambda g: np.expand_dims(g, (-2, -1)) * derivative


det = primitive(np.linalg.det, "det")
defvjp(det, _det_vjp)
defjvp(det, lambda t, ans, x: np.sum(_det_derivative(ans, x) * t, axis=(-2, -1)))


# --- slogdet: log|det| (real input) or log det (complex input), one primitive -----------------
def _logdet(x):
    if isinstance(x, Box):  # an outer level's box: record this primitive there
        return logdet(x)
    sign, logabs = np.linalg.slogdet(x)
    return logabs if not np.iscomplexobj(x) else logabs + np.angle(sign) * 1j


def _inverse_transpose(x, name: str):
    run_check(_require_nonsingular, x, name)
    return mT(np.linalg.inv(x))


def _require_nonsingular(x, name: str) -> None:
    if np.any(np.linalg.slogdet(x)[0] == 0):
        raise DegenerateDerivativeError(
            f"chainrule: np.linalg.{name} of a singular matrix: log|det| is -inf there and has no "
            f"derivative. Add a small multiple of the identity, or use np.linalg.det (whose "
            f"derivative, the cofactor matrix, exists everywhere).")


logdet = primitive(_logdet, "logdet", numpy_fun=False)
defvjp(logdet, lambda ans, x: (lambda g, d=_inverse_transpose(x, "slogdet"): np.expand_dims(g, (-2, -1)) * d))
defjvp(logdet, lambda t, ans, x: np.sum(_inverse_transpose(x, "slogdet") * t, axis=(-2, -1)))
_SlogdetResult = type(np.linalg.slogdet(np.eye(1)))


@composite(np.linalg.slogdet)
def slogdet(a):
    sign_raw = registry.call_constant(_slogdet_sign, a)
    log_det = logdet(a)
    if not np.iscomplexobj(peek(a)):
        return _SlogdetResult(sign_raw, log_det)
    phase = np.imag(log_det)
    return _SlogdetResult(sign_raw * np.exp((phase - detach(phase)) * 1j), np.real(log_det))


def _slogdet_sign(a):
    return np.linalg.slogdet(a)[0]


# --- solve: b is a stack of matrices here; the composite turns NumPy's vector case into one ---------
solve_p = primitive(np.linalg.solve, "solve", numpy_fun=False)


def _solve_vjp_a(ans, a, b):
    shape, ans_ndim = np.shape(a), np.ndim(ans)
    return lambda g: unbroadcast(-(np.linalg.solve(mT(a), g) @ mT(ans)), shape, ans_ndim)


def _solve_vjp_b(ans, a, b):
    shape, ans_ndim = np.shape(b), np.ndim(ans)
    return lambda g: unbroadcast(np.linalg.solve(mT(a), g), shape, ans_ndim)


defvjp(solve_p, _solve_vjp_a, _solve_vjp_b)
defjvp(solve_p, lambda t, ans, a, b: -np.linalg.solve(a, align_tangent(t, np.ndim(a), np.ndim(ans)) @ ans),
       lambda t, ans, a, b: np.linalg.solve(a, align_tangent(t, np.ndim(b), np.ndim(ans))))


@composite(np.linalg.solve)
def solve(a, b):
    if np.ndim(b) == 1:  # NumPy 2: b is a vector exactly when it is 1-D
        return solve_p(a, np.expand_dims(b, -1))[..., 0]
    return solve_p(a, b)


# --- pinv (derivative for locally constant rank) and lstsq --------------------------------------
def _pinv_jvp(a, p, t):
    """dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P."""
    t_h = mH(t)
    first = -(p @ t @ p)
    second = p @ (mH(p) @ (t_h - (t_h @ a) @ p))
    spread = t_h @ (mH(p) @ p)
    return first + second + (spread - p @ (a @ spread))


def _pinv_vjp(a, p, g):
    """The transpose of `_pinv_jvp` (autograd's pairing: conjugates where the JVP conjugates dA)."""
    first = -(mT(p) @ g @ mT(p))
    g_t = mT(g)
    left = g_t @ (p @ mH(p))
    second = left - a @ (p @ left)
    right = g_t - (g_t @ p) @ a
    third = mH(p) @ (p @ right)
    return first + conj(second + third) if np.iscomplexobj(peek(a)) else first + second + third


def _pinv(a, *, rcond=None, hermitian=False, rtol=None):
    if isinstance(a, Box):  # an outer level's box (higher order): record this primitive there
        return pinv_p(a, rcond=rcond, hermitian=hermitian, rtol=rtol)
    if rtol is not None:
        return np.linalg.pinv(a, hermitian=hermitian, rtol=rtol)
    return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian)


pinv_p = primitive(_pinv, "pinv", numpy_fun=False)
defvjp(pinv_p, lambda ans, a, **options: lambda g: _pinv_vjp(a, ans, g))
defjvp(pinv_p, lambda t, ans, a, **options: _pinv_jvp(a, ans, t))


@composite(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    if hermitian:
        from .matrix_util import warn_if_not_hermitian
        warn_if_not_hermitian(a, "pinv(hermitian=True)")
    return pinv_p(a, rcond=rcond, hermitian=hermitian, rtol=rtol)


def _lstsq_x(a, b, *, rcond):
    if isinstance(a, Box) or isinstance(b, Box):
        return lstsq_p(a, b, rcond=rcond)
    return np.linalg.lstsq(a, b, rcond=rcond)[0]


lstsq_p = primitive(_lstsq_x, "lstsq", numpy_fun=False)


def _lstsq_vjp_a(ans, a, b, *, rcond):
    p = np.linalg.pinv(a, rcond=rcond)
    return lambda g: _pinv_vjp(a, p, g @ mT(b))


defvjp(lstsq_p, _lstsq_vjp_a, lambda ans, a, b, *, rcond: (lambda g, p=np.linalg.pinv(a, rcond=rcond): mT(p) @ g))
defjvp(lstsq_p, lambda t, ans, a, b, *, rcond: _pinv_jvp(a, np.linalg.pinv(a, rcond=rcond), t) @ b,
       lambda t, ans, a, b, *, rcond: np.linalg.pinv(a, rcond=rcond) @ t)


@composite(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    m, n = np.shape(a)[-2:]
    cutoff = np.finfo(np.result_type(peek(a), np.float64)).eps * max(m, n) if rcond is None or rcond < 0 else rcond
    _, empty, rank, _ = np.linalg.lstsq(raw(a), raw(b), rcond=cutoff)
    vector = np.ndim(b) == 1
    columns = np.expand_dims(b, -1) if vector else b
    x = lstsq_p(a, columns, rcond=cutoff)
    if rank == n and m > n:
        residual = columns - a @ x
        residuals = np.sum(np.real(residual * conj(residual)), axis=-2)
    else:
        residuals = empty
    from .linalg_decomp import svdvals
    return (x[..., 0] if vector else x), residuals, rank, svdvals(a)


# --- written with the primitives above -----------------------------------------------------------
@composite(np.linalg.matrix_power)
def matrix_power(a, n):
    if int(n) != n:
        raise TypeError("exponent must be an integer")
    n = int(n)
    if n == 0:
        identity = np.eye(np.shape(a)[-1], dtype=np.result_type(peek(a)))
        return np.broadcast_to(identity, np.shape(a)).copy()
    if n < 0:
        a, n = inv(a), -n
    result, power = None, a
    while n:  # binary powering, as NumPy does
        if n & 1:
            result = power if result is None else result @ power
        n >>= 1
        if n:
            power = power @ power
    return result


def _chain_order(shapes):
    """Split points of the cheapest parenthesisation of a matrix chain (classic dynamic program)."""
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    count = len(shapes)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@composite(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    if len(arrays) == 2:
        return np.dot(arrays[0], arrays[1])
    first_vector, last_vector = np.ndim(arrays[0]) == 1, np.ndim(arrays[-1]) == 1
    if first_vector:
        arrays[0] = np.reshape(arrays[0], (1, -1))
    if last_vector:
        arrays[-1] = np.reshape(arrays[-1], (-1, 1))
    split = _chain_order([np.shape(a) for a in arrays])
    pending, finished = [(0, len(arrays) - 1)], {}
    while pending:  # evaluate the parenthesisation bottom-up without recursion
        i, j = pending[-1]
        if i == j:
            finished[(i, j)] = arrays[i]
            pending.pop()
            continue
        k = split[i][j]
        missing = [part for part in ((i, k), (k + 1, j)) if part not in finished]
        if missing:
            pending.extend(missing)
            continue
        finished[(i, j)] = finished[(i, k)] @ finished[(k + 1, j)]
        pending.pop()
    result = finished[(0, len(arrays) - 1)]
    if first_vector and last_vector:
        return result[0, 0]
    if first_vector:
        return result[0]
    return result[:, 0] if last_vector else result


@composite(np.linalg.tensorsolve)
def tensorsolve(a, b, axes=None):
    ndim = np.ndim(a)
    if axes is not None:
        order = [k for k in range(ndim) if k not in [ax % ndim for ax in axes]] + [ax % ndim for ax in axes]
        a = np.transpose(a, order)
    old_shape = np.shape(a)[-(ndim - np.ndim(b)):]
    size = int(np.prod(old_shape))
    return np.reshape(solve(np.reshape(a, (size, size)), np.ravel(b)), old_shape)


@composite(np.linalg.tensorinv)
def tensorinv(a, ind=2):
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = np.shape(a)
    size = int(np.prod(shape[:ind]))
    return np.reshape(inv(np.reshape(a, (size, -1))), shape[ind:] + shape[:ind])


@composite(np.linalg.cond)
def cond(x, p=None):
    if p is None or p == 2 or p == -2:
        from .linalg_decomp import svdvals
        s = svdvals(x)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return np.linalg.norm(x, p, axis=(-2, -1)) * np.linalg.norm(inv(x), p, axis=(-2, -1))

