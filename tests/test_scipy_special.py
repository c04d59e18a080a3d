"""chainrule.scipy.special: dispatch of plain SciPy calls, constants, conventions (its rule table runs in test_rules.py)."""
import numpy as np
import pytest

sc = pytest.importorskip("scipy.special")

import chainrule as cr  # noqa: E402
import chainrule.scipy.special as crs  # noqa: E402


def test_plain_scipy_ufuncs_dispatch_to_the_same_primitives():
    from chainrule.numpy import registry
    for name in ("expit", "gammaln", "jv", "xlogy", "erfinv", "i0", "ive", "rel_entr", "betaln", "digamma"):
        ufunc = getattr(sc, name)
        assert isinstance(ufunc, np.ufunc)
        assert registry.UFUNCS[ufunc] is getattr(crs, name)
    x = np.array([0.3, 1.2])
    assert np.allclose(cr.grad(lambda x: np.sum(sc.expit(x)))(x), sc.expit(x) * (1 - sc.expit(x)))
    assert np.allclose(cr.jacfwd(sc.gammaln)(x), np.diag(sc.psi(x)))


def test_values_are_scipys():
    x = np.linspace(0.1, 3.0, 7)
    for name in ("expit", "gammaln", "psi", "erf", "i1e", "entr"):
        assert np.array_equal(getattr(crs, name)(x), getattr(sc, name)(x))
    a = np.log(np.arange(1.0, 7.0)).reshape(2, 3)
    for kwargs in ({}, {"axis": 0}, {"axis": 1, "keepdims": True}, {"b": a, "axis": -1}):
        traced_value = cr.value_and_grad(lambda a: np.sum(crs.logsumexp(a, **kwargs)))(a)[0]
        assert np.isclose(traced_value, np.sum(sc.logsumexp(a, **kwargs)))
    assert np.allclose(cr.value_and_grad(lambda x: crs.softmax(x, axis=0)[0, 1])(a)[0], sc.softmax(a, axis=0)[0, 1])
    assert np.isclose(cr.value_and_grad(lambda a: crs.multigammaln(a, 4))(3.5)[0], sc.multigammaln(3.5, 4))


def test_orders_are_constants_and_differentiating_them_is_a_clear_error():
    for fun in (lambda v: crs.jv(v, 1.0), lambda n: crs.polygamma(n, 2.0), lambda a: sc.gammainc(a, 1.0)):
        with pytest.raises(TypeError, match="constant"):
            cr.grad(fun)(2.0)
        with pytest.raises(TypeError, match="constant"):
            cr.make_jvp(fun)(2.0)(1.0)


def test_xlogy_at_zero_and_logsumexp_of_minus_infinity():
    # xlogy(0, y) = 0 for every y: its slope in y is 0 there (no 0/0)
    assert cr.grad(sc.xlogy, 1)(0.0, 0.0) == 0.0
    assert cr.grad(sc.xlogy, 1)(2.0, 4.0) == 0.5
    x = np.array([-np.inf, 0.0, np.log(3.0)])
    assert np.allclose(cr.grad(crs.logsumexp)(x), [0.0, 0.25, 0.75])
    assert np.allclose(cr.grad(lambda x: crs.logsumexp(x, b=np.array([2.0, 2.0])))(np.zeros(2)), [0.5, 0.5])


def test_known_derivatives():
    assert np.isclose(cr.grad(sc.erf)(0.0), 2 / np.sqrt(np.pi))
    assert np.isclose(cr.grad(sc.gamma)(1.0), -np.euler_gamma)
    assert np.isclose(cr.grad(sc.i0)(1.0), sc.i1(1.0))
    assert np.isclose(cr.grad(lambda x: sc.jv(0, x))(1.0), -sc.j1(1.0))
    assert np.isclose(cr.grad(cr.grad(sc.gammaln))(2.0), np.pi ** 2 / 6 - 1)
    assert np.isclose(cr.grad(sc.ndtri)(0.5), np.sqrt(2 * np.pi))


COMPLEX_VALID = {  # the functions SciPy evaluates for complex arguments
    "erf": sc.erf, "erfc": sc.erfc, "erfcx": sc.erfcx, "dawsn": sc.dawsn, "ndtr": sc.ndtr, "log_ndtr": sc.log_ndtr,
    "expm1": sc.expm1, "log1p": sc.log1p, "exp1": sc.exp1, "expi": sc.expi, "jv": lambda z: sc.jv(1.5, z),
    "yv": lambda z: sc.yv(1.5, z), "iv": lambda z: sc.iv(2, z), "kv": lambda z: sc.kv(0.5, z),
    "kve": lambda z: sc.kve(0.5, z), "ive": lambda z: sc.ive(1.5, z), "xlogy": lambda z: sc.xlogy(z, z + 2),
    "xlog1py": lambda z: sc.xlog1py(z, z), "logsumexp": crs.logsumexp, "softmax": crs.softmax,
}


@pytest.mark.parametrize("name", sorted(COMPLEX_VALID))
def test_complex_inputs_where_scipy_accepts_them(name):
    z = np.array([0.4 + 0.3j, -1.1 - 0.5j])
    cr.check_grads(COMPLEX_VALID[name], modes=("fwd", "rev"), order=2)(z)


def test_complex_gamma_family_first_order_and_a_clear_error_beyond():
    z = np.array([0.4 + 0.3j, 1.1 - 0.5j])
    for fun in (sc.gamma, sc.loggamma, sc.rgamma):
        cr.check_grads(fun, modes=("fwd", "rev"), order=1)(z)
    with pytest.raises(TypeError):  # psi' = polygamma(1, z), which SciPy computes for real z only
        cr.grad(lambda z: np.real(sc.psi(z)))(0.4 + 0.3j)


def test_complex_holomorphic_grad():
    z = np.array([0.4 + 0.3j, 1.1 - 0.5j])
    assert np.allclose(cr.holomorphic_grad(lambda z: np.sum(sc.erf(z)))(z), 2 / np.sqrt(np.pi) * np.exp(-z ** 2))


def test_plain_scipy_call_loads_the_rules_by_itself():
    """No import of chainrule.scipy anywhere: the first traced SciPy ufunc call registers the rules."""
    import subprocess
    import sys
    code = ("import sys, chainrule as cr, scipy.special as sc\n"
            "assert 'chainrule.scipy.special' not in sys.modules\n"
            "print(float(cr.grad(sc.expit)(0.0)), float(cr.grad(lambda x: sc.gammaln(x))(1.0)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0.25", str(-np.euler_gamma)]


def test_unregistered_scipy_ufunc_names_itself():
    with pytest.raises(TypeError, match="the ufunc hyp2f1 has no derivative rule"):
        cr.grad(lambda x: sc.hyp2f1(1.0, 2.0, 3.0, x))(0.5)
