"""`chainrule.scipy.linalg`: triangular and Cholesky solves, the Cholesky factor, Sylvester solves, matrix functions.

How each derivative is computed, exactly (no series truncation, no finite differences):

- `solve_triangular`, `cholesky`, `cho_factor`, `cho_solve`: triangular solves with the same
  factor (O(n^2) per direction once the factor exists). The derivative of `cholesky` is that of
  the function SciPy computes, which reads only one triangle of `a` (and, for complex Hermitian
  matrices, only the real part of the diagonal).
- `solve_sylvester` (AX + XB = Q): its derivatives are Sylvester solves with the same A and B;
  the Schur forms of A and B are computed once per call, however many right-hand sides.
- `sqrtm`: X dX + dX X = dA is a Sylvester solve with A = B = X.
- `expm`, `logm`, `cosm`, `sinm`, `tanm`, `coshm`, `sinhm`, `tanhm`, `fractional_matrix_power`:
  the Fréchet derivative L_f(A, E) is the upper-right block of f([[A, E], [0, A]]) (Higham,
  "Functions of Matrices", Thm. 3.6), and L_f(A, .)^T = L_f(A^T, .). The block trick is applied
  again for second and higher derivatives. For `expm` on single matrices SciPy's
  `expm_frechet` (Al-Mohy and Higham) is used instead: the same number, about 4x cheaper at n = 100.
- `toeplitz`, `hankel`, `circulant`, `block_diag`, `companion`, `khatri_rao`, `fiedler`, `leslie`:
  gathers and products of existing primitives. `bandwidth`, `issymmetric`, `ishermitian`: constants.

Stacks of matrices (leading axes) are accepted everywhere. Complex matrices follow autograd's
convention (the VJP is the transpose of the JVP under Re(sum(a * b))); for the Cholesky factor of
a Hermitian matrix, which is not holomorphic, that means conjugates appear in its rules.

>>> import numpy as np, chainrule as cr
>>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
>>> cr.grad(lambda A: np.trace(expm(A)))(A)  # d tr(e^A) = tr(e^A dA): the gradient is e^(A^T)
array([[ 2.71828183,  0.        ],
       [17.36725509, 20.08553692]])
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as _sl

from ..core import defjvp, defvjp
from ..core.trace import unbox
from ..core.stage import peek
from ..numpy import registry
from ..numpy.broadcast import align_tangent, cast_like, unbroadcast
from ._wrap import scipy_primitive

MODULE = "scipy.linalg"
__all__ = ["solve_triangular", "cholesky", "cho_factor", "cho_solve", "solve_sylvester",
           "solve_continuous_lyapunov", "sqrtm", "expm", "expm_frechet", "logm", "cosm", "sinm", "tanm",
           "coshm", "sinhm", "tanhm", "fractional_matrix_power"]


def _swap(x):
    return np.swapaxes(x, -1, -2)


def _per_matrix(fun, *arrays):
    """Apply `fun` (one matrix per argument) over the broadcast leading axes of `arrays`."""
    if all(np.ndim(a) == 2 for a in arrays):
        return fun(*arrays)
    batch = np.broadcast_shapes(*[np.shape(a)[:-2] for a in arrays])
    arrays = [np.broadcast_to(a, batch + np.shape(a)[-2:]) for a in arrays]
    results = [fun(*[a[index] for a in arrays]) for index in np.ndindex(*batch)]
    return np.reshape(np.stack(results), batch + np.shape(results[0]))


def _aligned(tangent, primal, ans):
    """A tangent of `primal` with axes inserted after its batch axes, so its matrix stack lines up with `ans`'s."""
    return align_tangent(tangent, np.ndim(primal), np.ndim(ans))


def _is_complex(*values) -> bool:
    return any(np.iscomplexobj(peek(v)) for v in values)


# --- solve_triangular: x = op(A)^-1 b, b always a stack of (n, k) matrices here --------------------------
def _trtrs(a, b, trans, lower, unit_diagonal):
    """LAPACK's triangular solve, as scipy.linalg.solve_triangular calls it, without its per-call checks (70x faster at n=3)."""
    trtrs, = _sl.get_lapack_funcs(("trtrs",), (a, b))
    if not a.flags.f_contiguous:  # trtrs wants Fortran order: solve the transposed system instead
        a, lower, trans = a.T, not lower, 1 - trans
    x, info = trtrs(a, b, lower=lower, trans=trans, unitdiag=unit_diagonal)
    if info > 0:
        raise np.linalg.LinAlgError(f"singular matrix: resolution failed at diagonal {info - 1}")
    if info < 0:
        raise ValueError(f"illegal value in {-info}-th argument of internal trtrs")
    return x


def _solve_triangular_raw(a, b, *, trans, lower, unit_diagonal):
    solve = lambda a, b: _trtrs(np.asarray(a), np.asarray(b), trans, lower, unit_diagonal)
    if np.ndim(a) == 2 and np.ndim(b) > 2:  # one LAPACK call: the stacked right-hand sides become columns
        n, k, batch = b.shape[-2], b.shape[-1], b.shape[:-2]
        columns = np.moveaxis(b, -2, 0).reshape(n, -1)
        return np.moveaxis(solve(a, columns).reshape((n,) + batch + (k,)), 0, -2)
    return _per_matrix(solve, a, b)


solve_triangular_p = scipy_primitive(_solve_triangular_raw, "solve_triangular")


def _triangle(m, lower, unit_diagonal):
    """The part of a matrix solve_triangular reads (strictly, for a unit diagonal)."""
    return np.tril(m, -1 if unit_diagonal else 0) if lower else np.triu(m, 1 if unit_diagonal else 0)


def _solve_triangular_vjp_a(ans, a, b, *, trans, lower, unit_diagonal):
    shape, ndim = np.shape(a), np.ndim(ans)

    def vjp(g):
        solved = solve_triangular_p(a, g, trans=1 - trans, lower=lower, unit_diagonal=unit_diagonal)
        grad = -np.matmul(solved, _swap(ans))
        return cast_like(unbroadcast(_triangle(_swap(grad) if trans else grad, lower, unit_diagonal), shape, ndim), a)
    return vjp


def _solve_triangular_vjp_b(ans, a, b, *, trans, lower, unit_diagonal):
    shape, ndim = np.shape(b), np.ndim(ans)
    return lambda g: cast_like(unbroadcast(solve_triangular_p(a, g, trans=1 - trans, lower=lower,
                                                              unit_diagonal=unit_diagonal), shape, ndim), b)


def _solve_triangular_jvp_a(t, ans, a, b, *, trans, lower, unit_diagonal):
    t = _triangle(_aligned(t, a, ans), lower, unit_diagonal)
    return -solve_triangular_p(a, np.matmul(_swap(t) if trans else t, ans), trans=trans, lower=lower,
                               unit_diagonal=unit_diagonal)


def _solve_triangular_jvp_b(t, ans, a, b, *, trans, lower, unit_diagonal):
    return solve_triangular_p(a, _aligned(t, b, ans), trans=trans, lower=lower, unit_diagonal=unit_diagonal)


defvjp(solve_triangular_p, _solve_triangular_vjp_a, _solve_triangular_vjp_b)
defjvp(solve_triangular_p, _solve_triangular_jvp_a, _solve_triangular_jvp_b)

_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 2, "C": 2}


@registry.composite(_sl.solve_triangular, module=MODULE)
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    """Solve op(a) x = b for triangular `a` (only its `lower` or upper triangle is read), differentiable in both.

    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    trans = _TRANS[trans]
    if trans == 2:  # a^H x = b is conj(a)^T x = b
        a, trans = (np.conjugate(a) if _is_complex(a) else a), 1
    vector = np.ndim(b) == 1
    x = solve_triangular_p(a, np.expand_dims(b, -1) if vector else b, trans=trans, lower=bool(lower),
                           unit_diagonal=bool(unit_diagonal))
    return x[..., 0] if vector else x


# --- cholesky (the lower factor, reading the lower triangle) ---------------------------------------------
def _cholesky_raw(a):
    return np.linalg.cholesky(a)  # reads the lower triangle, like scipy.linalg.cholesky(a, lower=True); batched


cholesky_lower = scipy_primitive(_cholesky_raw, "cholesky")


def _adjoint(x, complex_values: bool):
    """The conjugate transpose of a stack of matrices (the transpose for real values)."""
    return np.conjugate(_swap(x)) if complex_values else _swap(x)


def _half_lower(y):
    """tril(y, -1) + diag(y) / 2: the Φ of the Cholesky derivative."""
    return np.tril(y) - 0.5 * y * np.eye(np.shape(y)[-1])


def _cholesky_jvp(t, ans, a):
    """dL = L Φ(L^-1 dS L^-H), dS the Hermitian matrix that the lower triangle of t stands for."""
    complex_values = _is_complex(ans)
    strict = np.tril(t, -1)
    diagonal = (np.real(t) if complex_values else t) * np.eye(np.shape(t)[-1])  # LAPACK reads Re of the diagonal
    hermitian = strict + _adjoint(strict, complex_values) + diagonal
    left = solve_triangular_p(ans, hermitian, trans=0, lower=True, unit_diagonal=False)
    middle = solve_triangular_p(ans, _adjoint(left, complex_values), trans=0, lower=True, unit_diagonal=False)
    return np.matmul(ans, _half_lower(middle))


def _cholesky_vjp(ans, a):
    """The transpose of the JVP: C = L^-H Φ(L^H G) L^-1 folded back onto the lower triangle (conjugated for complex)."""
    complex_values = _is_complex(ans)
    factor_h = _adjoint(ans, complex_values)  # solves with L^H: conj(L) transposed

    def vjp(g):
        w = np.conjugate(g) if complex_values else g
        projected = _half_lower(np.matmul(factor_h, w))
        right = solve_triangular_p(np.conjugate(ans) if complex_values else ans, projected, trans=1, lower=True,
                                   unit_diagonal=False)  # L^-H Φ
        c = _adjoint(solve_triangular_p(np.conjugate(ans) if complex_values else ans, _adjoint(right, complex_values),
                                        trans=1, lower=True, unit_diagonal=False), complex_values)  # ... L^-1
        diagonal = (np.real(c) if complex_values else c) * np.eye(np.shape(c)[-1])
        folded = np.tril(c + _adjoint(c, complex_values), -1) + diagonal
        return np.conjugate(folded) if complex_values else folded
    return vjp


defvjp(cholesky_lower, _cholesky_vjp)
defjvp(cholesky_lower, _cholesky_jvp)


@registry.composite(_sl.cholesky, module=MODULE)
def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor (upper by default, as SciPy); only that triangle of `a` is read and differentiated.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 5.0]]), lower=True)
    array([[2., 0.],
           [1., 2.]])
    """
    if lower:
        return cholesky_lower(a)
    return _swap(cholesky_lower(_swap(a)))


@registry.composite(_sl.cho_factor, module=MODULE)
def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """`(c, lower)` as SciPy returns it: the factor in one triangle, the other triangle of `a` left in place."""
    factor = cholesky(a, lower=lower)
    untouched = np.triu(a, 1) if lower else np.tril(a, -1)
    return factor + untouched, lower


@registry.composite(_sl.cho_solve, module=MODULE)
def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve a x = b given `cho_factor(a)`; differentiable in the factor and in `b`.

    >>> c = cho_factor(np.array([[4.0, 2.0], [2.0, 5.0]]))
    >>> cho_solve(c, np.array([6.0, 7.0]))
    array([1., 1.])
    """
    c, lower = c_and_lower
    if lower:  # a = L L^H
        return solve_triangular(c, solve_triangular(c, b, lower=True), trans="C", lower=True)
    return solve_triangular(c, solve_triangular(c, b, trans="C", lower=False), lower=False)


# --- Sylvester equations: A X + X B = Q --------------------------------------------------------------
def _sylvester_raw(a, b, q):
    if np.ndim(a) != 2 or np.ndim(b) != 2:
        return _per_matrix(_sl.solve_sylvester, a, b, q)
    # One Schur form of a and of b^H for every right-hand side (SciPy would redo both for each).
    output = "complex" if _is_complex(a, b, q) else "real"
    r, u = _sl.schur(a, output=output)
    s, v = _sl.schur(np.conjugate(b).T, output=output)
    f = np.conjugate(u).T @ q @ v
    trsyl, = _sl.get_lapack_funcs(("trsyl",), (r, s, f))

    def solve(f):
        y, scale, info = trsyl(r, s, f, tranb="C")
        if info < 0:
            raise np.linalg.LinAlgError(f"solve_sylvester: illegal value in argument {-info} of LAPACK trsyl")
        return scale * y
    return u @ _per_matrix(solve, f) @ np.conjugate(v).T


solve_sylvester_p = scipy_primitive(_sylvester_raw, "solve_sylvester", numpy_fun=_sl.solve_sylvester, module=MODULE)
solve_sylvester = solve_sylvester_p


def _sylvester_vjp_maker(argnum):
    def maker(ans, a, b, q):
        shape, ndim = np.shape((a, b, q)[argnum]), np.ndim(ans)

        def vjp(g):
            solved = solve_sylvester_p(_swap(a), _swap(b), g)
            cotangent = (-np.matmul(solved, _swap(ans)), -np.matmul(_swap(ans), solved), solved)[argnum]
            return cast_like(unbroadcast(cotangent, shape, ndim), (a, b, q)[argnum])
        return vjp
    return maker


# fmt: off
defvjp(solve_sylvester_p, _sylvester_vjp_maker(0), _sylvester_vjp_maker(1), _sylvester_vjp_maker(2))
defjvp(solve_sylvester_p, lambda t, ans, a, b, q: solve_sylvester_p(a, b, -np.matmul(_aligned(t, a, ans), ans)),
                          lambda t, ans, a, b, q: solve_sylvester_p(a, b, -np.matmul(ans, _aligned(t, b, ans))),
                          lambda t, ans, a, b, q: solve_sylvester_p(a, b, _aligned(t, q, ans)))
# fmt: on


@registry.composite(_sl.solve_continuous_lyapunov, module=MODULE)
def solve_continuous_lyapunov(a, q):
    """Solve A X + X A^H = Q (a Sylvester equation with B = A^H)."""
    return solve_sylvester_p(a, _swap(np.conjugate(a) if _is_complex(a) else a), q)


# --- sqrtm: X X = A, so X dX + dX X = dA ---------------------------------------------------------------
def _sqrtm_raw(a):
    return _per_matrix(_sl.sqrtm, a)


sqrtm_p = scipy_primitive(_sqrtm_raw, "sqrtm")
defvjp(sqrtm_p, lambda ans, a: lambda g: cast_like(solve_sylvester_p(_swap(ans), _swap(ans), g), a))
defjvp(sqrtm_p, lambda t, ans, a: solve_sylvester_p(ans, ans, t))


@registry.composite(_sl.sqrtm, module=MODULE)
def sqrtm(A, disp=True, blocksize=64):
    """The principal square root (complex where A has negative eigenvalues), differentiable by a Sylvester solve.

    >>> sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2., 0.],
           [0., 3.]])
    """
    if disp is not True and disp is not np.True_:
        raise TypeError("chainrule: sqrtm(disp=False) returns an error estimate, which has no derivative; "
                        "call sqrtm(A) on traced values.")
    return sqrtm_p(A)


# --- primary matrix functions f(A) and their Fréchet derivatives by the block trick --------------------------
def _block(top_left, top_right, bottom_right):
    """[[top_left, top_right], [0, bottom_right]] for stacks of matrices (traced or not)."""
    zeros = np.zeros(np.broadcast_shapes(np.shape(peek(top_left)), np.shape(peek(top_right))),
                     dtype=np.result_type(peek(top_left), unbox(top_right)))
    top = np.concatenate(np.broadcast_arrays(top_left, top_right), axis=-1)
    bottom = np.concatenate(np.broadcast_arrays(zeros, bottom_right), axis=-1)
    return np.concatenate([top, bottom], axis=-2)


def _matrix_function(scipy_fun, name, *, frechet_2d=None, stacks=False):
    """The primitive f(A) and its Fréchet-derivative primitive L_f(A, E), each differentiable again.

    `stacks`: SciPy's function accepts stacks of matrices itself (expm does, since SciPy 1.9).
    """
    def value(a, *constants):
        return scipy_fun(a, *constants) if stacks else _per_matrix(lambda m: scipy_fun(m, *constants), a)

    def frechet_value(a, e, *constants):
        if frechet_2d is not None and np.ndim(a) == 2 and np.ndim(e) == 2:
            return frechet_2d(a, e)
        n = np.shape(a)[-1]
        # L is linear in E: scale E to the size of A so the block is as well conditioned as A itself
        size_a = np.max(np.abs(a), axis=(-2, -1), keepdims=True)
        size_e = np.max(np.abs(e), axis=(-2, -1), keepdims=True)
        scale = np.where(size_e > 0, size_e / np.where(size_a > 0, size_a, 1.0), 1.0)
        return value(_block(a, e / scale, a), *constants)[..., :n, n:] * scale

    prim = scipy_primitive(value, name)
    frechet = scipy_primitive(frechet_value, f"{name}_frechet")

    def frechet_of_block(e_direction, a_direction, a, e, *constants):
        """d L_f(A, E) = the upper-right block of L_f([[A, E], [0, A]], [[dA, dE], [0, dA]])."""
        n = np.shape(a)[-1]
        return frechet(_block(a, e, a), _block(a_direction, e_direction, a_direction), *constants)[..., :n, n:]

    def frechet_jvp_a(t, ans, a, e, *constants):
        t = _aligned(t, a, ans)
        return frechet_of_block(np.zeros_like(peek(t)), t, a, e, *constants)

    def frechet_vjp_a(ans, a, e, *constants):
        shape, ndim = np.shape(a), np.ndim(ans)
        n = shape[-1]

        def vjp(g):
            adjoint = frechet(_swap(_block(a, e, a)), _block(np.zeros_like(peek(g)), g, np.zeros_like(peek(g))),
                              *constants)
            return cast_like(unbroadcast(adjoint[..., :n, :n] + adjoint[..., n:, n:], shape, ndim), a)
        return vjp

    def frechet_vjp_e(ans, a, e, *constants):
        shape, ndim = np.shape(e), np.ndim(ans)
        return lambda g: cast_like(unbroadcast(frechet(_swap(a), g, *constants), shape, ndim), e)

    defvjp(prim, lambda ans, a, *constants: lambda g: cast_like(frechet(_swap(a), g, *constants), a))
    defjvp(prim, lambda t, ans, a, *constants: frechet(a, t, *constants))
    defvjp(frechet, frechet_vjp_a, frechet_vjp_e)
    defjvp(frechet, frechet_jvp_a, lambda t, ans, a, e, *constants: frechet(a, _aligned(t, e, ans), *constants))
    return prim, frechet  # constants (the power t) get no rule: differentiating them is a clear error


def _expm_frechet_2d(a, e):
    return _sl.expm_frechet(a, e, compute_expm=False)


expm_p, expm_frechet_p = _matrix_function(_sl.expm, "expm", frechet_2d=_expm_frechet_2d, stacks=True)
logm_p = _matrix_function(_sl.logm, "logm")[0]
_fractional_power_p = _matrix_function(_sl.fractional_matrix_power, "fractional_matrix_power")[0]


@registry.composite(_sl.expm, module=MODULE)
def expm(A):
    """The matrix exponential, differentiable by its Fréchet derivative (SciPy's expm_frechet or the block trick)."""
    return expm_p(A)


@registry.composite(_sl.logm, module=MODULE)
def logm(A, disp=True):
    """The principal matrix logarithm, differentiable by its Fréchet derivative (block trick)."""
    if disp is not True and disp is not np.True_:
        raise TypeError("chainrule: logm(disp=False) returns an error estimate, which has no derivative; call logm(A).")
    return logm_p(A)


def _public_matrix_function(name):
    prim = _matrix_function(getattr(_sl, name), name)[0]

    def matrix_function(A):
        return prim(A)
    matrix_function.__name__ = matrix_function.__qualname__ = name
    matrix_function.__doc__ = f"scipy.linalg.{name}, differentiable by its Fréchet derivative (block trick)."
    return registry.composite(getattr(_sl, name), module=MODULE)(matrix_function)


cosm, sinm, tanm, coshm, sinhm, tanhm = (_public_matrix_function(n) for n in ("cosm", "sinm", "tanm", "coshm", "sinhm", "tanhm"))


@registry.composite(_sl.fractional_matrix_power, module=MODULE)
def fractional_matrix_power(A, t):
    """A**t for a constant power t, differentiable in A by its Fréchet derivative (block trick)."""
    return _fractional_power_p(A, t)


@registry.composite(_sl.expm_frechet, module=MODULE)
def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):
    """(expm(A), L(A, E)), or L(A, E) alone with compute_expm=False; differentiable in A and E."""
    frechet = expm_frechet_p(A, E)
    return (expm_p(A), frechet) if compute_expm else frechet


# --- structured matrices built from vectors: gathers and products of existing primitives ------------------
def _vector(x, name):
    if np.ndim(peek(x)) > 1:
        raise TypeError(f"chainrule: scipy.linalg.{name} of a stack of vectors is not differentiable yet; "
                        f"build one matrix per vector (and np.stack them).")
    return np.reshape(x, (-1,))


@registry.composite(_sl.toeplitz, module=MODULE)
def toeplitz(c, r=None):
    """T[i, j] = c[i - j] below the diagonal, r[j - i] above it (r defaults to conj(c), r[0] is ignored)."""
    c = _vector(c, "toeplitz")
    r = (np.conjugate(c) if _is_complex(c) else c) if r is None else _vector(r, "toeplitz")
    values = np.concatenate([np.flip(c), r[1:]])
    rows, cols = np.shape(peek(c))[0], np.shape(peek(r))[0]
    return values[rows - 1 - np.arange(rows)[:, None] + np.arange(cols)[None, :]]


@registry.composite(_sl.hankel, module=MODULE)
def hankel(c, r=None):
    """H[i, j] = c[i + j] while that exists, then r[i + j - len(c) + 1] (r defaults to zeros)."""
    c = _vector(c, "hankel")
    r = np.zeros_like(peek(c)) if r is None else _vector(r, "hankel")
    values = np.concatenate([c, r[1:]])
    rows, cols = np.shape(peek(c))[0], np.shape(peek(r))[0]
    return values[np.arange(rows)[:, None] + np.arange(cols)[None, :]]


@registry.composite(_sl.circulant, module=MODULE)
def circulant(c):
    """C[i, j] = c[(i - j) mod n]."""
    c = _vector(c, "circulant")
    n = np.shape(peek(c))[0]
    return c[(np.arange(n)[:, None] - np.arange(n)[None, :]) % n]


@registry.composite(_sl.block_diag, module=MODULE)
def block_diag(*arrs):
    """The matrices (scalars and vectors count as 1-row matrices) along the diagonal, zeros elsewhere."""
    blocks = [np.atleast_2d(a) for a in arrs]
    widths = [np.shape(peek(b))[1] for b in blocks]
    total, start, rows = sum(widths), 0, []
    for block, width in zip(blocks, widths):
        rows.append(np.pad(block, ((0, 0), (start, total - start - width))))
        start += width
    return np.concatenate(rows, axis=0) if rows else np.empty((0, 0))


@registry.composite(_sl.companion, module=MODULE)
def companion(a):
    """The companion matrix of the polynomial with coefficients `a` (first row -a[1:] / a[0], ones below)."""
    a = _vector(a, "companion")
    n = np.shape(peek(a))[0] - 1
    first_row = -a[1:] / a[0]
    return np.concatenate([first_row[None, :], np.eye(n - 1, n)], axis=0)


@registry.composite(_sl.khatri_rao, module=MODULE)
def khatri_rao(a, b):
    """The column-wise Kronecker product."""
    columns = np.shape(peek(a))[1]
    return np.reshape(a[:, None, :] * b[None, :, :], (-1, columns))


@registry.composite(_sl.fiedler, module=MODULE)
def fiedler(a):
    """F[i, j] = |a[i] - a[j]| (its derivative on the diagonal is 0: abs'(0) = 0)."""
    a = _vector(a, "fiedler")
    return np.abs(a[:, None] - a[None, :])


@registry.composite(_sl.leslie, module=MODULE)
def leslie(f, s):
    """The Leslie matrix: fecundity `f` in the first row, survival `s` on the subdiagonal."""
    f, s = _vector(f, "leslie"), _vector(s, "leslie")
    n = np.shape(peek(f))[0]
    return np.concatenate([f[None, :], np.pad(s[:, None] * np.eye(n - 1), ((0, 0), (0, 1)))], axis=0)


# Structure queries: their results are constants.
for _name in ("bandwidth", "issymmetric", "ishermitian"):
    if hasattr(_sl, _name):
        registry.register(getattr(_sl, _name), registry.nondifferentiable(getattr(_sl, _name), module=MODULE),
                          module=MODULE)
        globals()[_name] = registry.PUBLIC[(MODULE, _name)]

__all__ += ["toeplitz", "hankel", "circulant", "block_diag", "companion", "khatri_rao", "fiedler", "leslie",
            "bandwidth", "issymmetric", "ishermitian"]
