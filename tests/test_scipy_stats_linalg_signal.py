"""chainrule.scipy.stats, .linalg and .signal: values against SciPy, conventions (their rule tables run in test_rules.py)."""
import numpy as np
import pytest

sl = pytest.importorskip("scipy.linalg")
ss = pytest.importorskip("scipy.signal")
st = pytest.importorskip("scipy.stats")

import chainrule as cr  # noqa: E402
from chainrule.scipy import linalg as crl  # noqa: E402
from chainrule.scipy import signal as crsig  # noqa: E402
from chainrule.scipy import stats  # noqa: E402


def _traced_value(fun, *args):
    """fun(*args) computed on the traced path (SciPy's own function runs only for plain values)."""
    return cr.make_jvp(lambda first: fun(first, *args[1:]))(args[0])(np.zeros_like(np.asarray(args[0], dtype=float)))[0]


def test_distributions_are_modules_with_scipy_names():
    import chainrule.scipy.stats.norm as norm_module
    from chainrule.scipy.stats import poisson
    assert norm_module is stats.norm and poisson is stats.poisson
    assert np.isclose(cr.grad(lambda mu: stats.norm.logpdf(1.0, mu, 2.0))(0.0), 0.25)
    assert stats.norm.rvs(size=3, random_state=0).shape == (3,)  # SciPy's own, for plain values
    with pytest.raises(TypeError, match="no derivative rule"):
        cr.grad(lambda x: stats.norm.entropy(x))(1.0)
    with pytest.raises(TypeError, match="constant"):
        cr.grad(lambda df: stats.t.cdf(0.5, df))(3.0)
    with pytest.raises(TypeError, match="constant"):
        cr.grad(lambda a: stats.gamma.cdf(0.5, a))(3.0)


def test_known_gradients():
    x, mu, sigma = 1.3, 0.4, 2.0
    g = cr.grad(stats.norm.logpdf, argnums=(0, 1, 2))(x, mu, sigma)
    z = (x - mu) / sigma
    assert np.allclose(g, (-z / sigma, z / sigma, (z ** 2 - 1) / sigma))
    assert np.isclose(cr.grad(lambda mu: stats.poisson.logpmf(3, mu))(2.0), 3 / 2.0 - 1)
    assert np.isclose(cr.grad(lambda mu: stats.poisson.cdf(3, mu))(2.0), -st.poisson.pmf(3, 2.0))
    assert np.isclose(cr.grad(stats.gamma.cdf)(1.5, 2.5), st.gamma.pdf(1.5, 2.5))
    assert np.isclose(cr.grad(stats.beta.cdf)(0.3, 2.0, 3.0), st.beta.pdf(0.3, 2.0, 3.0))
    assert np.isclose(cr.grad(stats.t.cdf)(0.7, 3.0), st.t.pdf(0.7, 3.0))
    # outside the support: -inf density and a zero (not NaN) gradient
    assert cr.grad(lambda a: stats.gamma.logpdf(-1.0, a))(2.0) == 0.0
    assert cr.value_and_grad(lambda x: stats.beta.logpdf(x, 2.0, 2.0))(1.5) == (-np.inf, 0.0)


def test_mvn_gradient_is_symmetric_and_matches_the_closed_form():
    rng = np.random.default_rng(3)
    x, mean = rng.standard_normal(3), rng.standard_normal(3)
    a = rng.standard_normal((3, 3))
    cov = a @ a.T + np.eye(3)
    assert np.isclose(_traced_value(lambda c: stats.multivariate_normal.logpdf(x, mean, c), cov),
                      st.multivariate_normal.logpdf(x, mean, cov))
    g = cr.grad(lambda c: stats.multivariate_normal.logpdf(x, mean, c))(cov)
    inv = np.linalg.inv(cov)
    d = inv @ (x - mean)
    np.testing.assert_allclose(g, -0.5 * (inv - np.outer(d, d)), rtol=1e-10)  # autograd's, symmetric
    with pytest.raises(ValueError, match="symmetric"):
        cr.grad(lambda c: stats.multivariate_normal.logpdf(x, mean, c))(cov + np.triu(np.ones((3, 3)), 1))


def test_dirichlet_checks_like_scipy():
    with pytest.raises(ValueError, match="simplex"):
        cr.grad(lambda a: stats.dirichlet.logpdf(np.array([0.5, 0.6]), a))(np.ones(2))
    with pytest.raises(ValueError, match="greater than 0"):
        cr.grad(lambda a: stats.dirichlet.logpdf(np.array([0.5, 0.5]), a))(np.array([1.0, -1.0]))


def test_linalg_values_match_scipy():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 3)) / 2
    spd = a @ a.T + np.eye(3)
    for ours, theirs, arg in ((crl.expm, sl.expm, a), (crl.logm, sl.logm, spd), (crl.sqrtm, sl.sqrtm, spd),
                              (crl.cosm, sl.cosm, a), (lambda m: crl.cholesky(m), sl.cholesky, spd),
                              (lambda m: crl.cho_factor(m)[0], lambda m: sl.cho_factor(m)[0], spd),
                              (lambda m: crl.solve_triangular(m, np.ones(3)), lambda m: sl.solve_triangular(m, np.ones(3)), spd)):
        np.testing.assert_allclose(_traced_value(ours, arg), theirs(arg), rtol=1e-10, atol=1e-12)
    # the Fréchet derivative by the block trick (stacks) agrees with SciPy's expm_frechet (single matrices)
    e = rng.standard_normal((3, 3))
    stacked = crl.expm_frechet_p(np.stack([a, a]), np.stack([e, 2 * e]))
    np.testing.assert_allclose(stacked[1], 2 * sl.expm_frechet(a, e, compute_expm=False), rtol=1e-10)
    # the Sylvester solver that reuses Schur forms agrees with SciPy's
    q = rng.standard_normal((2, 3, 3))
    np.testing.assert_allclose(crl.solve_sylvester_p(a, spd, q)[1], sl.solve_sylvester(a, spd, q[1]), rtol=1e-10)


def test_cholesky_reads_one_triangle():
    """The derivative is that of the function SciPy computes: entries of the unread triangle get zero."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 3))
    spd = a @ a.T + np.eye(3)
    g = cr.grad(lambda m: np.sum(crl.cholesky(m, lower=True) ** 2))(spd)
    assert np.all(np.triu(g, 1) == 0)
    g = cr.grad(lambda m: np.sum(crl.cholesky(m) ** 2))(spd)
    assert np.all(np.tril(g, -1) == 0)


def test_complex_matrix_functions_and_solves():
    rng = np.random.default_rng(6)
    z = (rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))) / 2
    lower = np.tril(z) + 3 * np.eye(3)
    b = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    for fun, args, argnums in ((crl.expm, (z,), 0), (crl.sqrtm, (z + 2 * np.eye(3),), 0), (crl.logm, (z[:2, :2] + 2 * np.eye(2),), 0),
                               (lambda a, b: crl.solve_triangular(a, b, lower=True), (lower, b), (0, 1)),
                               (lambda a, b: crl.solve_triangular(a, b, trans="C", lower=True), (lower, b), (0, 1)),
                               (crl.solve_sylvester, (z + 2 * np.eye(3), z.T + 3 * np.eye(3), z), (0, 1, 2)),
                               (lambda a: crl.cholesky(a, lower=True), (z @ z.conj().T + np.eye(3),), 0),
                               (lambda a, b: crl.cho_solve(crl.cho_factor(a), b), (z @ z.conj().T + np.eye(3), b), (0, 1)),
                               (lambda a, k: crsig.convolve(a, k), (b, z[0]), (0, 1)),
                               (lambda a, k: crsig.correlate(a, k, "same"), (b, z[0]), (0, 1))):
        cr.check_grads(fun, argnum=argnums, modes=("fwd", "rev"), order=2)(*args)
    # real input, complex output: sqrtm of a matrix with negative eigenvalues, gradient real
    g = cr.grad(lambda a: np.real(np.trace(crl.sqrtm(a))))(-np.eye(2) + 0.1 * np.ones((2, 2)))
    assert g.dtype == np.float64


def test_signal_values_match_scipy():
    rng = np.random.default_rng(7)
    for shape1, shape2 in (((6,), (3,)), ((2,), (5,)), ((4, 5), (2, 3))):
        a, k = rng.standard_normal(shape1), rng.standard_normal(shape2)
        for mode in ("full", "same", "valid"):
            np.testing.assert_allclose(_traced_value(lambda a: crsig.convolve(a, k, mode), a), ss.convolve(a, k, mode),
                                       rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(_traced_value(lambda a: crsig.correlate(a, k, mode), a), ss.correlate(a, k, mode),
                                       rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="at least as large"):
        cr.grad(lambda a: np.sum(crsig.convolve(a, np.ones((1, 4)), "valid")))(np.ones((2, 2)))


def test_plain_scipy_linalg_is_not_traced_but_explains():
    """scipy.linalg itself calls np.asarray: a traced value gets chainrule's clear error, pointing at the fix."""
    with pytest.raises(TypeError, match="stop_gradient"):
        cr.grad(lambda a: np.sum(sl.expm(a)))(np.eye(2))
