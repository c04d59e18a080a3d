"""Documented conventions at degenerate points (docs/linalg_fft.md), each checked by value.

Repeated eigenvalues / singular values, singular matrices, rank deficiency, arbitrary bases and
phases, non-symmetric input to symmetric solvers, ties in order statistics, knots of interp; and
every NumPy 2 alias resolving in chainrule.numpy and through NumPy's dispatch.
"""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import DegenerateDerivativeError, DegenerateDerivativeWarning


# --- eigenvalues and singular values: ties split evenly, zero singular values get 0 -----------------
def test_eigvalsh_tie_is_split_evenly():
    gradient = cr.grad(lambda a: np.linalg.eigvalsh(a)[2])(np.eye(3))
    np.testing.assert_allclose(gradient, np.eye(3) / 3)
    _, tangent = cr.make_jvp(lambda a: np.linalg.eigvalsh(a))(np.eye(3))(np.diag([3.0, 0.0, 0.0]))
    np.testing.assert_allclose(tangent, [1.0, 1.0, 1.0])


def test_eigh_at_a_repeated_eigenvalue_raises_unless_the_result_avoids_it():
    a = np.diag([1.0, 1.0, 2.0])
    for loss in (lambda m: np.sum(np.linalg.eigh(m)[1][:, 0]),             # an arbitrary eigenvector
                 lambda m: np.sum(np.linalg.eigh(m)[0][:2]),               # use eigvalsh for values
                 lambda m: np.sum((lambda w, v: (v * np.exp(w)) @ v.T)(*np.linalg.eigh(m)))):  # a limit
        with pytest.raises(DegenerateDerivativeError, match="repeated eigenvalue"):
            cr.grad(loss)(a)
    with pytest.raises(DegenerateDerivativeError, match="repeated eigenvalue"):
        cr.make_jvp(lambda m: np.linalg.eigh(m)[1])(a)(np.ones((3, 3)))
    # the non-repeated eigenpair is differentiable (reverse mode sees that the cluster is unused)
    top = lambda m: np.linalg.eigh(m)[0][2] * np.linalg.eigh(m)[1][:, 2] ** 2  # noqa: E731
    cr.check_grads(top, modes=("rev",), order=1)(a + 0.0)  # forward mode cannot know the cluster is unused
    np.testing.assert_allclose(cr.jacobian(top)(a)[:, 2, 2], [0.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(cr.grad(lambda m: np.sum(np.linalg.eigvalsh(m)[:2]))(a), np.diag([1.0, 1.0, 0.0]),
                               atol=1e-12)


def test_complex_eigenvector_phase_dependence_raises():
    z = np.array([[2.0, 1.0j], [-1.0j, 3.0]])
    with pytest.raises(DegenerateDerivativeError, match="phase"):
        cr.grad(lambda m: np.real(np.linalg.eigh(m)[1][1, 0]))(z)

    def first_row_weights(m):  # |V|^2 does not depend on the phases
        v = np.linalg.eigh(m)[1]
        return np.sum(np.real(v * np.conj(v))[0] * np.array([1.0, 2.0]))
    assert np.all(np.isfinite(cr.grad(first_row_weights)(z)))


def test_nuclear_norm_at_rank_deficiency_is_the_minimum_norm_subgradient():
    a = np.diag([2.0, 1.0, 0.0])
    np.testing.assert_allclose(cr.grad(lambda m: np.linalg.norm(m, "nuc"))(a), np.diag([1.0, 1.0, 0.0]), atol=1e-12)
    np.testing.assert_allclose(cr.grad(lambda m: np.linalg.svd(m, compute_uv=False)[2])(a), np.zeros((3, 3)))


def test_singular_value_tie_is_split_evenly():
    gradient = cr.grad(lambda m: np.linalg.norm(m, 2))(np.diag([2.0, 2.0, 1.0]))
    np.testing.assert_allclose(gradient, np.diag([0.5, 0.5, 0.0]), atol=1e-12)


def test_svd_vectors_at_repeated_or_zero_singular_values_raise():
    def polar(m):
        u, _, vh = np.linalg.svd(m)
        return np.sum((u @ vh) * np.arange(9.0).reshape(3, 3))
    cr.check_grads(polar, modes=("fwd", "rev"), order=2)(np.diag([2.0, 2.5, 3.0]) + 0.1)
    for point in (np.diag([2.0, 2.0, 3.0]), np.diag([0.0, 2.0, 3.0])):
        with pytest.raises(DegenerateDerivativeError, match="repeated or zero singular value"):
            cr.grad(polar)(point)
    tall = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])  # a zero singular value of a 3 x 2 matrix
    with pytest.raises(DegenerateDerivativeError, match="singular value"):
        cr.grad(lambda m: np.sum(np.linalg.svd(m, full_matrices=False)[0]))(tall)
    np.testing.assert_allclose(cr.grad(lambda m: np.sum(np.linalg.svdvals(m)))(tall), tall)


def test_complete_factorisation_extra_columns_need_a_basis_free_result():
    a = np.random.default_rng(0).standard_normal((5, 2))
    cr.check_grads(lambda m: (lambda q: q @ q.T)(np.linalg.qr(m, mode="complete")[0][:, 2:]), order=2)(a)
    with pytest.raises(DegenerateDerivativeError, match="extra columns"):
        cr.grad(lambda m: np.sum(np.linalg.svd(m)[0][:, 3]))(a)


# --- singular and rank-deficient matrices --------------------------------------------------------
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix():
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    cofactors = np.array([[-3.0, 6.0, -3.0], [6.0, -12.0, 6.0], [-3.0, 6.0, -3.0]])
    np.testing.assert_allclose(cr.grad(np.linalg.det)(a), cofactors, atol=1e-9)
    np.testing.assert_allclose(cr.grad(np.linalg.det)(np.zeros((3, 3))), np.zeros((3, 3)))
    cr.check_grads(np.linalg.det, order=2)(a)


def test_slogdet_and_qr_of_singular_matrices_raise():
    with pytest.raises(DegenerateDerivativeError, match="singular"):
        cr.grad(lambda m: np.linalg.slogdet(m)[1])(np.ones((2, 2)))
    with pytest.raises(DegenerateDerivativeError, match="linearly dependent"):
        cr.grad(lambda m: np.sum(np.linalg.qr(m)[0]))(np.ones((3, 2)))


def test_eigvals_of_a_defective_matrix_raise():
    with pytest.raises(DegenerateDerivativeError, match="defective"):
        cr.grad(lambda m: np.real(np.linalg.eigvals(m)[0]))(np.array([[1.0, 1.0], [0.0, 1.0]]))


def test_symmetric_solvers_warn_on_a_non_symmetric_input():
    a = np.array([[4.0, 1.0], [0.0, 3.0]])
    for fun in (np.linalg.cholesky, lambda m: np.linalg.eigh(m)[0], np.linalg.eigvalsh):
        with pytest.warns(DegenerateDerivativeWarning, match="not symmetric"):
            cr.jacobian(fun)(a)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.jacobian(np.linalg.cholesky)((a + a.T) / 2)


def test_symmetric_convention_gradient_is_symmetric():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    gradient = cr.grad(lambda m: np.sum(np.log(np.diagonal(np.linalg.cholesky(m)))))(a)
    np.testing.assert_allclose(gradient, np.linalg.inv(a) / 2)


# --- order statistics, interp, fft --------------------------------------------------------------
def test_median_ties_split_evenly():
    np.testing.assert_allclose(cr.grad(np.median)(np.array([1.0, 2.0, 9.0, 2.0, 5.0])), [0, 0.5, 0, 0.5, 0])
    np.testing.assert_allclose(cr.grad(np.median)(np.array([4.0, 1.0, 3.0, 2.0])), [0, 0, 0.5, 0.5])


def test_unique_and_set_operations_split_ties_evenly():
    y = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0])
    np.testing.assert_allclose(cr.grad(lambda a: np.sum(np.unique(a) * np.arange(4.0)))(y), [1, 0, 1, 1, 0, 3])
    np.testing.assert_allclose(cr.grad(lambda a: np.sum(np.union1d(a, a[:2]) * np.arange(4.0)))(y),
                               [4 / 3, 0, 2 / 3, 1, 0, 3], atol=1e-12)
    np.testing.assert_allclose(cr.grad(lambda a: np.sum(np.unique_values(a)))(y), [0.5, 0.5, 0.5, 1, 0.5, 1])


def test_quantile_derivative_in_q():
    x = np.array([0.0, 1.0, 4.0, 9.0])
    np.testing.assert_allclose(cr.grad(lambda q: np.quantile(x, q))(0.5), 3 * (4.0 - 1.0))
    np.testing.assert_allclose(cr.grad(lambda q: np.quantile(x, q, method="lower"))(0.5), 0.0)


def test_interp_knot_takes_the_mean_slope():
    def f(t):
        return np.interp(t, [0.0, 1.0, 2.0], [0.0, 1.0, 3.0])
    assert cr.grad(f)(1.0) == pytest.approx(1.5)
    assert cr.grad(f)(0.0) == pytest.approx(0.5)
    assert cr.grad(f)(2.5) == 0.0


def test_fft_gradient_of_energy_is_parseval():
    x = np.random.default_rng(1).standard_normal(8)
    np.testing.assert_allclose(cr.grad(lambda v: np.sum(np.abs(np.fft.fft(v, norm="ortho")) ** 2))(x), 2 * x)
    bins = np.array([1.0, 2.0, 2.0, 2.0, 1.0])  # rfft keeps half the spectrum: interior bins count twice
    np.testing.assert_allclose(cr.grad(lambda v: np.sum(bins * np.abs(np.fft.rfft(v, norm="ortho")) ** 2))(x), 2 * x)
    np.testing.assert_allclose(cr.grad(lambda v: np.sum(np.fft.irfft(v, 8)))(x[:5]), [1, 0, 0, 0, 0], atol=1e-15)


# --- NumPy 2 names --------------------------------------------------------------------------------
def _aliases():
    """Every public NumPy name bound to a callable whose __name__ is another name (np.acos -> arccos)."""
    names = []
    for name in dir(np):
        target = getattr(np, name)
        if callable(target) and not isinstance(target, type) and getattr(target, "__name__", name) != name \
                and not name.startswith("_"):
            names.append(name)
    return names + ["degrees", "radians", "round", "around", "amax", "amin", "cumulative_sum", "cumulative_prod",
                    "vecdot", "matvec", "vecmat", "unstack", "astype", "matrix_transpose", "concat", "permute_dims"]


@pytest.mark.parametrize("name", _aliases())
def test_numpy_2_alias_resolves(name):
    from chainrule.numpy import registry
    numpy_fun = getattr(np, name)
    assert numpy_fun in registry.FUNCTIONS or numpy_fun in registry.UFUNCS or numpy_fun in registry.NONDIFF
    assert hasattr(cnp, name)


@pytest.mark.parametrize("name,call", [
    ("acos", lambda m, x: m.acos(m.tanh(x))), ("asin", lambda m, x: m.asin(m.tanh(x))),
    ("atan", lambda m, x: m.atan(x)), ("acosh", lambda m, x: m.acosh(x * x + 2)), ("asinh", lambda m, x: m.asinh(x)),
    ("atanh", lambda m, x: m.atanh(m.tanh(x) / 2)), ("atan2", lambda m, x: m.atan2(x, x * x + 1)),
    ("pow", lambda m, x: m.pow(x * x + 1, x)), ("abs", lambda m, x: m.abs(x)), ("conj", lambda m, x: m.conj(x)),
    ("mod", lambda m, x: m.mod(x, 7.0)), ("true_divide", lambda m, x: m.true_divide(x, 3.0)),
    ("concat", lambda m, x: m.concat([x, x])), ("permute_dims", lambda m, x: m.permute_dims(x[None], (1, 0))),
    ("degrees", lambda m, x: m.degrees(x)), ("radians", lambda m, x: m.radians(x)),
    ("cumulative_sum", lambda m, x: m.cumulative_sum(x)), ("cumulative_prod", lambda m, x: m.cumulative_prod(x)),
    ("vecdot", lambda m, x: m.vecdot(x, x)), ("matrix_transpose", lambda m, x: m.matrix_transpose(x[None])),
    ("unstack", lambda m, x: m.unstack(x)[1]), ("astype", lambda m, x: m.astype(x, np.float64)),
    ("amax", lambda m, x: m.amax(x)), ("round", lambda m, x: x * m.round(x)),
])
def test_numpy_2_alias_differentiates_in_both_namespaces(name, call):
    x = np.array([0.3, 1.2, 2.1])
    through_numpy = cr.jacobian(lambda v: call(np, v))(x)
    through_chainrule = cr.jacobian(lambda v: call(cnp, v))(x)
    np.testing.assert_allclose(through_numpy, through_chainrule)
    cr.check_grads(lambda v: call(np, v), modes=("fwd", "rev"), order=1)(x)
