"""`chainrule.scipy.stats`: the densities and distribution functions of eight SciPy distributions, differentiable.

`norm t beta gamma chi2 poisson dirichlet multivariate_normal` are module-like objects with
SciPy's function names and signatures (`stats.norm.logpdf(x, loc, scale)`), so both
`from chainrule.scipy.stats import norm` and autograd's `import ...scipy.stats.norm as norm`
work. Each function is written with chainrule's primitives (gammaln, xlogy, ndtr, betainc,
cholesky, ...), so it is differentiable in the point and in the parameters, in both modes,
to any order; called without traced arguments it is SciPy's own function. The exceptions
are stated where they occur: a cdf differentiated with respect to a shape parameter
(t's df, beta's a and b, gamma's a, chi2's df) raises a TypeError, because SciPy offers no
closed form for it; poisson's k is an integer (a constant).

Every other attribute (`rvs`, `ppf`, `mean`, ...) is SciPy's own, for plain values.

>>> import chainrule as cr
>>> float(cr.grad(lambda x: norm.logpdf(x, 1.0, 2.0))(0.0))
0.25
"""
from __future__ import annotations

import functools
import sys
import types

import numpy as np
import scipy.stats as _st

from ..core import Box
from ..core.stage import detach, peek
from ..core.trace import unbox
from ..numpy import registry
from . import linalg as _linalg
from . import special as _sp

MODULE = "scipy.stats"
LOG_2PI = np.log(2 * np.pi)
__all__ = ["norm", "t", "beta", "gamma", "chi2", "poisson", "dirichlet", "multivariate_normal"]


def _traced(values) -> bool:
    for value in values:
        if isinstance(value, Box) or (type(value) in (list, tuple) and any(isinstance(v, Box) for v in value)):
            return True
    return False


def _scipy_unless_traced(scipy_fun):
    """Run SciPy's own `scipy_fun` (exact values, SciPy's checks) unless some argument is traced."""
    def decorate(fun):
        @functools.wraps(fun)
        def dispatch(*args, **kwargs):
            if _traced(args) or _traced(kwargs.values()):
                return fun(*args, **kwargs)
            return scipy_fun(*args, **kwargs)
        return dispatch
    return decorate


def _distribution(name: str, doc: str, functions: dict) -> types.ModuleType:
    """A module `chainrule.scipy.stats.<name>` holding `functions`; other names fall back to SciPy's."""
    scipy_dist = getattr(_st, name)
    module = types.ModuleType(f"{__name__}.{name}", doc)
    for function_name, fun in functions.items():
        fun.__name__ = fun.__qualname__ = function_name
        module.__dict__[function_name] = _scipy_unless_traced(getattr(scipy_dist, function_name))(fun)

    def fallback(attribute: str):
        try:
            value = getattr(scipy_dist, attribute)
        except AttributeError:
            raise AttributeError(f"chainrule.scipy.stats.{name} has no attribute {attribute!r} "
                                 f"(nor has scipy.stats.{name})") from None
        return _constant_only(value, f"{name}.{attribute}", sorted(functions)) if callable(value) else value
    module.__getattr__ = fallback
    module.__all__ = list(functions)
    sys.modules[module.__name__] = module
    registry.PUBLIC[(MODULE, name)] = module
    return module


def _constant_only(scipy_fun, qualified: str, differentiable: list):
    """SciPy's own function for plain values, and a clear error (not np.asarray's) for traced ones."""
    @functools.wraps(scipy_fun)
    def plain_values_only(*args, **kwargs):
        if _traced(args) or _traced(kwargs.values()):
            raise TypeError(f"chainrule: scipy.stats.{qualified} has no derivative rule (chainrule differentiates "
                            f"{', '.join(differentiable)}). Call it on chainrule.stop_gradient(...) values if a "
                            f"constant is what you want.")
        return scipy_fun(*args, **kwargs)
    return plain_values_only


def _inside(mask, x, safe):
    """x where `mask` (a constant), `safe` elsewhere: keeps NaN out of the derivative of the unused branch."""
    return np.where(mask, x, safe)


# --- normal -----------------------------------------------------------------------------------------
def _norm_logpdf(x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return -0.5 * z ** 2 - np.log(scale) - 0.5 * LOG_2PI


norm = _distribution("norm", "The normal distribution: norm.logpdf(x, loc=0, scale=1), ...", {
    "logpdf": _norm_logpdf,
    "pdf": lambda x, loc=0.0, scale=1.0: np.exp(_norm_logpdf(x, loc, scale)),
    "cdf": lambda x, loc=0.0, scale=1.0: _sp.ndtr((x - loc) / scale),
    "logcdf": lambda x, loc=0.0, scale=1.0: _sp.log_ndtr((x - loc) / scale),
    "sf": lambda x, loc=0.0, scale=1.0: _sp.ndtr((loc - x) / scale),
    "logsf": lambda x, loc=0.0, scale=1.0: _sp.log_ndtr((loc - x) / scale),
    "ppf": lambda q, loc=0.0, scale=1.0: loc + scale * _sp.ndtri(q),
})


# --- Student's t --------------------------------------------------------------------------------------
def _t_logpdf(x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    return (_sp.gammaln((df + 1) / 2) - _sp.gammaln(df / 2) - 0.5 * np.log(df * np.pi) - np.log(scale)
            - (df + 1) / 2 * np.log1p(z ** 2 / df))


t = _distribution("t", "Student's t distribution: t.logpdf(x, df, loc=0, scale=1), ... (cdf: not in df)", {
    "logpdf": _t_logpdf,
    "pdf": lambda x, df, loc=0.0, scale=1.0: np.exp(_t_logpdf(x, df, loc, scale)),
    "cdf": lambda x, df, loc=0.0, scale=1.0: _sp.stdtr(df, (x - loc) / scale),
    "logcdf": lambda x, df, loc=0.0, scale=1.0: np.log(_sp.stdtr(df, (x - loc) / scale)),
    "sf": lambda x, df, loc=0.0, scale=1.0: _sp.stdtr(df, (loc - x) / scale),
    "logsf": lambda x, df, loc=0.0, scale=1.0: np.log(_sp.stdtr(df, (loc - x) / scale)),
})


# --- beta -------------------------------------------------------------------------------------------------
def _beta_logpdf(x, a, b, loc=0.0, scale=1.0):
    y = (x - loc) / scale
    inside = (detach(y) >= 0) & (detach(y) <= 1)
    y = _inside(inside, y, 0.5)
    density = _sp.xlogy(a - 1, y) + _sp.xlog1py(b - 1, -y) - _sp.betaln(a, b) - np.log(scale)
    return np.where(inside, density, -np.inf)


def _beta_cdf(x, a, b, loc=0.0, scale=1.0):
    return _sp.betainc(a, b, np.clip((x - loc) / scale, 0.0, 1.0))


beta = _distribution("beta", "The beta distribution: beta.logpdf(x, a, b, loc=0, scale=1), ... (cdf: not in a, b)", {
    "logpdf": _beta_logpdf,
    "pdf": lambda x, a, b, loc=0.0, scale=1.0: np.exp(_beta_logpdf(x, a, b, loc, scale)),
    "cdf": _beta_cdf,
    "logcdf": lambda x, a, b, loc=0.0, scale=1.0: np.log(_beta_cdf(x, a, b, loc, scale)),
})


# --- gamma and chi-squared --------------------------------------------------------------------------------
def _gamma_logpdf(x, a, loc=0.0, scale=1.0):
    y = (x - loc) / scale
    inside = detach(y) >= 0
    y = _inside(inside, y, 1.0)
    return np.where(inside, _sp.xlogy(a - 1, y) - y - _sp.gammaln(a) - np.log(scale), -np.inf)


def _gamma_cdf(x, a, loc=0.0, scale=1.0):
    return _sp.gammainc(a, np.clip((x - loc) / scale, 0.0, None))


def _gamma_sf(x, a, loc=0.0, scale=1.0):
    return _sp.gammaincc(a, np.clip((x - loc) / scale, 0.0, None))


gamma = _distribution("gamma", "The gamma distribution: gamma.logpdf(x, a, loc=0, scale=1), ... (cdf: not in a)", {
    "logpdf": _gamma_logpdf,
    "pdf": lambda x, a, loc=0.0, scale=1.0: np.exp(_gamma_logpdf(x, a, loc, scale)),
    "cdf": _gamma_cdf,
    "logcdf": lambda x, a, loc=0.0, scale=1.0: np.log(_gamma_cdf(x, a, loc, scale)),
    "sf": _gamma_sf,
    "logsf": lambda x, a, loc=0.0, scale=1.0: np.log(_gamma_sf(x, a, loc, scale)),
})

chi2 = _distribution("chi2", "The chi-squared distribution: chi2.logpdf(x, df, loc=0, scale=1), ... (cdf: not in df)", {
    "logpdf": lambda x, df, loc=0.0, scale=1.0: _gamma_logpdf(x, df / 2, loc, 2 * scale),
    "pdf": lambda x, df, loc=0.0, scale=1.0: np.exp(_gamma_logpdf(x, df / 2, loc, 2 * scale)),
    "cdf": lambda x, df, loc=0.0, scale=1.0: _gamma_cdf(x, df / 2, loc, 2 * scale),
    "logcdf": lambda x, df, loc=0.0, scale=1.0: np.log(_gamma_cdf(x, df / 2, loc, 2 * scale)),
    "sf": lambda x, df, loc=0.0, scale=1.0: _gamma_sf(x, df / 2, loc, 2 * scale),
    "logsf": lambda x, df, loc=0.0, scale=1.0: np.log(_gamma_sf(x, df / 2, loc, 2 * scale)),
})


# --- Poisson (k is an integer: a constant) -------------------------------------------------------------------
def _counts(k, loc):
    counts = np.asarray(unbox(k), dtype=float) - unbox(loc)
    return counts, (counts >= 0) & (counts == np.floor(counts))


def _poisson_logpmf(k, mu, loc=0):
    counts, valid = _counts(k, loc)
    safe = np.where(valid, counts, 0.0)
    return np.where(valid, _sp.xlogy(safe, mu) - _sp.gammaln(safe + 1) - mu, -np.inf)


def _poisson_cdf(k, mu, loc=0):
    counts, _ = _counts(k, loc)
    below = counts < 0
    return np.where(below, 0.0, _sp.gammaincc(np.floor(np.where(below, 0.0, counts)) + 1, mu))


def _poisson_sf(k, mu, loc=0):
    counts, _ = _counts(k, loc)
    below = counts < 0
    return np.where(below, 1.0, _sp.gammainc(np.floor(np.where(below, 0.0, counts)) + 1, mu))


poisson = _distribution("poisson", "The Poisson distribution: poisson.logpmf(k, mu, loc=0), ... (differentiable in mu)", {
    "logpmf": _poisson_logpmf,
    "pmf": lambda k, mu, loc=0: np.exp(_poisson_logpmf(k, mu, loc)),
    "cdf": _poisson_cdf,
    "logcdf": lambda k, mu, loc=0: np.log(_poisson_cdf(k, mu, loc)),
    "sf": _poisson_sf,
    "logsf": lambda k, mu, loc=0: np.log(_poisson_sf(k, mu, loc)),
})


# --- Dirichlet ----------------------------------------------------------------------------------------------
def _dirichlet_points(x, alpha):
    """SciPy's input rules: x has K or K-1 rows (the last coordinate then is 1 - the others); checked like SciPy."""
    k = np.shape(peek(alpha))[0]
    if np.ndim(peek(alpha)) != 1 or np.any(unbox(alpha) <= 0):
        raise ValueError("Parameter vector 'a' must be one dimensional and all its entries must be greater than 0.")
    rows = np.shape(peek(x))[0] if np.ndim(peek(x)) else 0
    if rows == k - 1:
        x = np.concatenate([x, np.expand_dims(1 - np.sum(x, axis=0), 0)], axis=0)
    elif rows != k:
        raise ValueError(f"Vector 'x' must have either the same number of entries as, or one entry fewer than, "
                         f"parameter vector 'a', but alpha.shape = {np.shape(peek(alpha))} and x.shape = {np.shape(peek(x))}.")
    raw = unbox(x)
    if np.any(raw < 0) or np.any(raw > 1) or np.any(np.abs(np.sum(raw, axis=0) - 1.0) > 10e-10):
        raise ValueError("The input vector 'x' must lie within the normal simplex: entries in [0, 1] that sum to 1.")
    return x


def _dirichlet_logpdf(x, alpha):
    x = _dirichlet_points(x, alpha)
    weights = np.reshape(alpha - 1, np.shape(peek(alpha)) + (1,) * (np.ndim(peek(x)) - 1))
    normaliser = np.sum(_sp.gammaln(alpha)) - _sp.gammaln(np.sum(alpha))
    return np.sum(_sp.xlogy(weights, x), axis=0) - normaliser


dirichlet = _distribution("dirichlet", "The Dirichlet distribution: dirichlet.logpdf(x, alpha), dirichlet.pdf(x, alpha)", {
    "logpdf": _dirichlet_logpdf,
    "pdf": lambda x, alpha: np.exp(_dirichlet_logpdf(x, alpha)),
})


# --- multivariate normal -----------------------------------------------------------------------------------------
def _mvn_parameters(mean, cov):
    """SciPy's rules: dim from mean or cov; a scalar cov is a multiple of I, a 1-D cov a diagonal."""
    cov_shape = np.shape(peek(cov))
    if mean is not None:
        dim = np.size(peek(mean))
    else:
        dim = 1 if len(cov_shape) < 2 else cov_shape[0]
    mean = np.zeros(dim) if mean is None else np.reshape(mean, (dim,))
    if len(cov_shape) == 0:
        cov = cov * np.eye(dim)
    elif len(cov_shape) == 1:
        cov = cov * np.eye(dim)  # diag(cov)
    if np.shape(peek(cov)) != (dim, dim):
        raise ValueError(f"Array 'cov' must be of shape ({dim}, {dim}), not {np.shape(peek(cov))}.")
    raw = unbox(cov)
    if not np.allclose(raw, np.swapaxes(raw, -1, -2), rtol=1e-10, atol=1e-12 * np.max(np.abs(raw), initial=1.0)):
        raise ValueError("chainrule: multivariate_normal needs a symmetric cov (SciPy would silently read its lower "
                         "triangle only). Pass (C + C.T) / 2, or parametrise it as A @ A.T + eps * I.")
    return dim, mean, cov


def _mvn_logpdf(x, mean=None, cov=1, allow_singular=False):
    dim, mean, cov = _mvn_parameters(mean, cov)
    x_ndim = np.ndim(peek(x))
    if x_ndim == 0:
        x = np.reshape(x, (1,))
    elif x_ndim == 1 and dim == 1:
        x = np.expand_dims(x, -1)
    factor = _linalg.cholesky((cov + np.swapaxes(cov, -1, -2)) / 2, lower=True)  # the symmetric part: its gradient is symmetric
    deviations = np.reshape(x - mean, (-1, dim))
    whitened = _linalg.solve_triangular(factor, np.swapaxes(deviations, -1, -2), lower=True)
    log_det = 2 * np.sum(np.log(np.diagonal(factor)))
    result = -0.5 * (dim * LOG_2PI + log_det + np.sum(whitened ** 2, axis=0))
    result = np.squeeze(np.reshape(result, np.shape(peek(x))[:-1]))  # SciPy squeezes its output too
    return result[()] if np.ndim(peek(result)) == 0 else result


multivariate_normal = _distribution(
    "multivariate_normal",
    "The multivariate normal: multivariate_normal.logpdf(x, mean=None, cov=1), .pdf (cov symmetric positive definite)", {
        "logpdf": _mvn_logpdf,
        "pdf": lambda x, mean=None, cov=1, allow_singular=False: np.exp(_mvn_logpdf(x, mean, cov, allow_singular)),
    })
