"""`chainrule.scipy.special`: SciPy's special functions with derivative rules, one line each.

SciPy's special functions are ufuncs: each is a primitive registered in the same `UFUNCS`
table as NumPy's, so plain `scipy.special.expit(x)` on a traced `x` lands here too. Their
partial derivatives are written with these same primitives (psi with polygamma, i0 with
i1, ...), so every rule is differentiable again, in both modes, to any order.

Orders and degrees (the `n` of polygamma, the `v` of jv) are constants: differentiating with
respect to one raises a TypeError that says so. `logsumexp`, `softmax`, `log_softmax` and
`multigammaln` are written with other primitives.

>>> import numpy as np, chainrule as cr
>>> float(cr.grad(gammaln)(3.0))  # digamma(3) = 1.5 - Euler's gamma
0.9227843350984671
>>> cr.grad(lambda x: logsumexp(x))(np.zeros(2))
array([0.5, 0.5])
"""
from __future__ import annotations

import numpy as np
import scipy.special as _sc

from ..core import defjvp, defvjp
from ..core.stage import detach, peek
from ..numpy import registry
from ..numpy.broadcast import broadcasting_jvp, fit_to_argument
from ..numpy.rules.elementwise import def_partials
from ._wrap import scipy_primitive

__all__ = []  # filled below with every name defined here, in SciPy's spelling

MODULE = "scipy.special"
SQRT_PI, SQRT_2PI = np.sqrt(np.pi), np.sqrt(2 * np.pi)
DEGREE = np.pi / 180


def _ufunc(name: str):
    """The primitive for SciPy's ufunc `name`, registered so scipy.special.<name>(traced) dispatches to it."""
    prim = registry.primitive(getattr(_sc, name), name, module=MODULE)
    globals()[name] = prim
    __all__.append(name)
    return prim


def _constant(function: str, argument: str):
    """The partial for an argument chainrule treats as a constant (an order, a degree): using it is an error."""
    def refuse(ans, *args):
        raise TypeError(
            f"chainrule: scipy.special.{function} is differentiated with respect to its other arguments "
            f"only; its derivative with respect to {argument} has no closed form here. Pass {argument} as "
            f"a constant (a plain number or array, or chainrule.stop_gradient({argument})).")
    return refuse


def _sign(x):
    return np.sign(detach(x))


# --- the ufuncs: one-argument, then several arguments (orders first, as SciPy orders them) -----------
for _name in ("expit logit log_expit erf erfc erfinv erfcinv erfcx ndtr log_ndtr ndtri dawsn gamma gammaln "
              "loggamma rgamma psi i0 i1 i0e i1e k0 k1 k0e k1e j0 j1 y0 y1 entr exp1 expi ellipk ellipe "
              "exp2 exp10 expm1 log1p cosm1 cbrt sindg cosdg tandg cotdg").split():
    _ufunc(_name)
for _name in ("beta betaln xlogy xlog1py rel_entr kl_div binom poch powm1 gammainc gammaincc "
              "jv yv iv ive kv kve yn stdtr radian betainc").split():
    _ufunc(_name)
digamma = psi
jn = jv
__all__ += ["digamma", "jn"]


polygamma = scipy_primitive(_sc.polygamma, "polygamma", numpy_fun=_sc.polygamma, module=MODULE)
zeta = scipy_primitive(_sc.zeta, "zeta", numpy_fun=_sc.zeta, module=MODULE)
if isinstance(getattr(_sc._ufuncs, "_zeta", None), np.ufunc):  # what scipy.special.zeta(x, q) calls
    registry.UFUNCS[_sc._ufuncs._zeta] = zeta
__all__ += ["polygamma", "zeta"]

# fmt: off
def_partials(expit,     lambda ans, x: ans * (1 - ans))
def_partials(logit,     lambda ans, x: 1 / (x * (1 - x)))
def_partials(log_expit, lambda ans, x: expit(-x))
def_partials(erf,       lambda ans, x: 2 / SQRT_PI * np.exp(-x ** 2))
def_partials(erfc,      lambda ans, x: -2 / SQRT_PI * np.exp(-x ** 2))
def_partials(erfinv,    lambda ans, x: SQRT_PI / 2 * np.exp(ans ** 2))
def_partials(erfcinv,   lambda ans, x: -SQRT_PI / 2 * np.exp(ans ** 2))
def_partials(erfcx,     lambda ans, x: 2 * x * ans - 2 / SQRT_PI)
def_partials(ndtr,      lambda ans, x: np.exp(-x ** 2 / 2) / SQRT_2PI)
def_partials(log_ndtr,  lambda ans, x: np.exp(-x ** 2 / 2 - ans) / SQRT_2PI)
def_partials(ndtri,     lambda ans, x: SQRT_2PI * np.exp(ans ** 2 / 2))
def_partials(dawsn,     lambda ans, x: 1 - 2 * x * ans)
def_partials(gamma,     lambda ans, x: ans * psi(x))
def_partials(gammaln,   lambda ans, x: psi(x))
def_partials(loggamma,  lambda ans, x: psi(x))
def_partials(rgamma,    lambda ans, x: -ans * psi(x))
def_partials(psi,       lambda ans, x: polygamma(1, x))
def_partials(polygamma, _constant("polygamma", "n"), lambda ans, n, x: polygamma(np.add(n, 1), x))
def_partials(i0,        lambda ans, x: i1(x))
def_partials(i1,        lambda ans, x: (i0(x) + iv(2, x)) / 2)
def_partials(i0e,       lambda ans, x: i1e(x) - _sign(x) * ans)
def_partials(i1e,       lambda ans, x: (i0e(x) + ive(2, x)) / 2 - _sign(x) * ans)
def_partials(k0,        lambda ans, x: -k1(x))
def_partials(k1,        lambda ans, x: -(k0(x) + kv(2, x)) / 2)
def_partials(k0e,       lambda ans, x: ans - k1e(x))
def_partials(k1e,       lambda ans, x: ans - (k0e(x) + kve(2, x)) / 2)
def_partials(j0,        lambda ans, x: -j1(x))
def_partials(j1,        lambda ans, x: (j0(x) - jv(2, x)) / 2)
def_partials(y0,        lambda ans, x: -y1(x))
def_partials(y1,        lambda ans, x: (y0(x) - yv(2, x)) / 2)
def_partials(jv,        _constant("jv", "v"),  lambda ans, v, x: (jv(v - 1, x) - jv(v + 1, x)) / 2)
def_partials(yv,        _constant("yv", "v"),  lambda ans, v, x: (yv(v - 1, x) - yv(v + 1, x)) / 2)
def_partials(yn,        _constant("yn", "n"),  lambda ans, n, x: (yn(n - 1, x) - yn(n + 1, x)) / 2)
def_partials(iv,        _constant("iv", "v"),  lambda ans, v, x: (iv(v - 1, x) + iv(v + 1, x)) / 2)
def_partials(ive,       _constant("ive", "v"), lambda ans, v, x: (ive(v - 1, x) + ive(v + 1, x)) / 2 - _sign(x) * ans)  # complex x: rules below
def_partials(kv,        _constant("kv", "v"),  lambda ans, v, x: -(kv(v - 1, x) + kv(v + 1, x)) / 2)
def_partials(kve,       _constant("kve", "v"), lambda ans, v, x: ans - (kve(v - 1, x) + kve(v + 1, x)) / 2)
def_partials(entr,      lambda ans, x: -(np.log(x) + 1))
def_partials(exp1,      lambda ans, x: -np.exp(-x) / x)
def_partials(expi,      lambda ans, x: np.exp(x) / x)
def_partials(ellipk,    lambda ans, m: (ellipe(m) - (1 - m) * ans) / (2 * m * (1 - m)))
def_partials(ellipe,    lambda ans, m: (ans - ellipk(m)) / (2 * m))
def_partials(exp2,      lambda ans, x: ans * np.log(2.0))
def_partials(exp10,     lambda ans, x: ans * np.log(10.0))
def_partials(expm1,     lambda ans, x: ans + 1)
def_partials(log1p,     lambda ans, x: 1 / (1 + x))
def_partials(cosm1,     lambda ans, x: -np.sin(x))
def_partials(cbrt,      lambda ans, x: 1 / (3 * ans ** 2))
def_partials(sindg,     lambda ans, x: DEGREE * cosdg(x))
def_partials(cosdg,     lambda ans, x: -DEGREE * sindg(x))
def_partials(tandg,     lambda ans, x: DEGREE * (1 + ans ** 2))
def_partials(cotdg,     lambda ans, x: -DEGREE * (1 + ans ** 2))
def_partials(beta,      lambda ans, a, b: ans * (psi(a) - psi(a + b)), lambda ans, a, b: ans * (psi(b) - psi(a + b)))
def_partials(betaln,    lambda ans, a, b: psi(a) - psi(a + b),         lambda ans, a, b: psi(b) - psi(a + b))
def_partials(binom,     lambda ans, n, k: ans * (psi(n + 1) - psi(n - k + 1)),
                        lambda ans, n, k: ans * (psi(n - k + 1) - psi(k + 1)))
def_partials(poch,      lambda ans, z, m: ans * (psi(z + m) - psi(z)), lambda ans, z, m: ans * psi(z + m))
def_partials(powm1,     lambda ans, x, y: y * x ** (y - 1),          lambda ans, x, y: np.log(x) * (ans + 1))
def_partials(xlogy,     lambda ans, x, y: np.log(y),                 lambda ans, x, y: _zero_where_x_zero(x, y))
def_partials(xlog1py,   lambda ans, x, y: np.log1p(y),               lambda ans, x, y: _zero_where_x_zero(x, 1 + y))
def_partials(rel_entr,  lambda ans, x, y: np.log(x / y) + 1,         lambda ans, x, y: -x / y)
def_partials(kl_div,    lambda ans, x, y: np.log(x / y),             lambda ans, x, y: 1 - x / y)
def_partials(zeta,      _constant("zeta", "x"),                      lambda ans, x, q: -x * zeta(x + 1, q))
def_partials(gammainc,  _constant("gammainc", "a"),                  lambda ans, a, x: np.exp((a - 1) * np.log(x) - x - gammaln(a)))
def_partials(gammaincc, _constant("gammaincc", "a"),                 lambda ans, a, x: -np.exp((a - 1) * np.log(x) - x - gammaln(a)))
def_partials(betainc,   _constant("betainc", "a"), _constant("betainc", "b"),
                        lambda ans, a, b, x: np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - betaln(a, b)))
def_partials(stdtr,     _constant("stdtr", "df"),
                        lambda ans, df, t: np.exp(gammaln((df + 1) / 2) - gammaln(df / 2) - np.log(df * np.pi) / 2
                                                  - (df + 1) / 2 * np.log1p(t ** 2 / df)))
def_partials(radian,    lambda ans, d, m, s: DEGREE, lambda ans, d, m, s: DEGREE / 60, lambda ans, d, m, s: DEGREE / 3600)
# fmt: on


def _ive_holomorphic_part(ans, v, x):
    return (ive(v - 1, x) + ive(v + 1, x)) / 2


def _ive_jvp(t, ans, v, x):
    """ive(v, z) = iv(v, z) exp(-|Re z|): for complex z the second factor sees only Re(dz)."""
    scaled = -np.sign(np.real(detach(x))) * ans
    return t * _ive_holomorphic_part(ans, v, x) + scaled * (np.real(t) if np.iscomplexobj(peek(x)) else t)


def _ive_vjp(ans, v, x):
    def vjp(g):
        scaled = -np.sign(np.real(detach(x))) * ans
        return g * _ive_holomorphic_part(ans, v, x) + (np.real(g * scaled) if np.iscomplexobj(peek(x)) else g * scaled)
    return vjp


defvjp(ive, lambda ans, v, x: fit_to_argument(_ive_vjp(ans, v, x), x, ans), argnums=[1])
defjvp(ive, broadcasting_jvp(_ive_jvp, 1), argnums=[1])


def _zero_where_x_zero(x, y):
    """x / y, and 0 where x == 0: xlogy(0, y) is 0 for every y, so its slope in y is 0 there."""
    x_is_zero = detach(x) == 0
    return np.where(x_is_zero, 0.0, x / np.where(x_is_zero, 1.0, y))


# Piecewise-constant functions: their results are constants.
for _name in ("gammasgn", "round"):
    registry.register(getattr(_sc, _name), registry.nondifferentiable(getattr(_sc, _name), module=MODULE),
                      module=MODULE)
    globals()[_name] = registry.PUBLIC[(MODULE, _name)]
    __all__.append(_name)


# --- written with the primitives above ---------------------------------------------------------
def _shift(a, axis):
    """A constant shift for exp(a - shift): the max of the real parts (0 where it is not finite)."""
    real = np.real(detach(a))
    shift = np.max(real, axis=axis, keepdims=True) if real.size else np.zeros((1,) * real.ndim)
    return np.where(np.isfinite(shift), shift, 0.0)


@registry.composite(_sc.logsumexp, module=MODULE)
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over `axis`, shifted by the max for stability; differentiable in `a` and `b`.

    >>> float(logsumexp(np.array([0.0, np.log(3.0)])))
    1.3862943611198906
    """
    shift = _shift(a, axis)
    terms = np.exp(a - shift)
    total = np.sum(terms if b is None else b * terms, axis=axis, keepdims=True)
    sign = None
    if return_sign:
        sign = np.sign(detach(total))
        total = np.abs(total)
    result = np.log(total) + shift
    if not keepdims:
        result = np.squeeze(result, axis=axis)
        sign = None if sign is None else np.squeeze(sign, axis=axis)
    return (result, sign) if return_sign else result


@registry.composite(_sc.softmax, module=MODULE)
def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over `axis`, computed as exp(x - logsumexp(x)).

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    return np.exp(x - logsumexp(x, axis=axis, keepdims=True))


@registry.composite(_sc.log_softmax, module=MODULE)
def log_softmax(x, axis=None):
    """x - logsumexp(x) over `axis`."""
    return x - logsumexp(x, axis=axis, keepdims=True)


@registry.composite(_sc.multigammaln, module=MODULE)
def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension `d` (an integer constant)."""
    d = int(d)
    return d * (d - 1) / 4 * np.log(np.pi) + sum(gammaln(a - j / 2) for j in range(d))


__all__ += ["logsumexp", "softmax", "log_softmax", "multigammaln"]

if hasattr(_sc, "softplus"):  # SciPy >= 1.15
    @registry.composite(_sc.softplus, module=MODULE)
    def softplus(x, **kwargs):
        """log(1 + exp(x)), as np.logaddexp(0, x)."""
        return np.logaddexp(0.0, x)
    __all__.append("softplus")


def __getattr__(name: str):
    """Every other name is SciPy's own function (a constant for traced inputs: it raises a clear error)."""
    try:
        return getattr(_sc, name)
    except AttributeError:
        raise AttributeError(f"module 'chainrule.scipy.special' has no attribute {name!r} (nor has scipy.special)") from None
