"""Rule tables for chainrule.scipy: special functions, distributions, linalg, signal.

Each case is (name, function, arguments, argnums), the same shape as tests/rule_table.py.
SciPy's ufuncs are called as plain `scipy.special.f(x)`, so every case also checks that
SciPy's own functions dispatch to chainrule's rules; the non-ufuncs (polygamma, logsumexp,
the distributions, the matrix functions) are called through chainrule.scipy.
"""
import numpy as np
import scipy.special as sc

from chainrule.scipy import linalg as crl
from chainrule.scipy import signal as crsig
from chainrule.scipy import special as crs
from chainrule.scipy import stats

rng = np.random.default_rng(2)


def draw(shape, domain):
    x = rng.standard_normal(shape)
    if domain == "pos":
        x = np.abs(x) + 0.5
    elif domain == "prob":
        x = 0.15 + 0.7 / (1 + np.exp(-x))
    elif domain == "unit":
        x = np.tanh(x) * 0.8
    elif domain == "big":
        x = np.abs(x) + 3.0
    elif domain == "nonzero":
        x = np.sign(x) * (np.abs(x) + 0.3)
    elif domain == "erfc":
        x = 1 + np.tanh(x) * 0.8
    elif domain == "deg":
        x = np.tanh(x) * 60
    elif domain == "deg_nonzero":
        x = np.sign(x) * (np.abs(np.tanh(x)) * 50 + 10)
    return x if shape else np.float64(x)


# name: (function, domain), each run on a scalar and a vector
SPECIAL_UNARY = {
    "expit": (sc.expit, "real"), "logit": (sc.logit, "prob"), "log_expit": (sc.log_expit, "real"),
    "erf": (sc.erf, "real"), "erfc": (sc.erfc, "real"), "erfinv": (sc.erfinv, "unit"), "erfcinv": (sc.erfcinv, "erfc"),
    "erfcx": (sc.erfcx, "real"), "ndtr": (sc.ndtr, "real"), "log_ndtr": (sc.log_ndtr, "real"),
    "ndtri": (sc.ndtri, "prob"), "dawsn": (sc.dawsn, "real"), "gamma": (sc.gamma, "pos"),
    "gammaln": (sc.gammaln, "pos"), "loggamma": (sc.loggamma, "pos"), "rgamma": (sc.rgamma, "pos"),
    "psi": (sc.psi, "pos"), "digamma": (sc.digamma, "pos"), "i0": (sc.i0, "real"), "i1": (sc.i1, "real"),
    "i0e": (sc.i0e, "nonzero"), "i1e": (sc.i1e, "nonzero"), "k0": (sc.k0, "pos"), "k1": (sc.k1, "pos"),
    "k0e": (sc.k0e, "pos"), "k1e": (sc.k1e, "pos"), "j0": (sc.j0, "real"), "j1": (sc.j1, "real"),
    "y0": (sc.y0, "pos"), "y1": (sc.y1, "pos"), "entr": (sc.entr, "pos"), "exp1": (sc.exp1, "pos"),
    "expi": (sc.expi, "nonzero"), "ellipk": (sc.ellipk, "prob"), "ellipe": (sc.ellipe, "prob"),
    "exp2": (sc.exp2, "real"), "exp10": (sc.exp10, "real"), "expm1": (sc.expm1, "real"),
    "log1p": (sc.log1p, "pos"), "cosm1": (sc.cosm1, "real"), "cbrt": (sc.cbrt, "pos"),
    "sindg": (sc.sindg, "deg"), "cosdg": (sc.cosdg, "deg"), "tandg": (sc.tandg, "deg"),
    "cotdg": (sc.cotdg, "deg_nonzero"),
    "polygamma1": (lambda x: crs.polygamma(1, x), "pos"), "polygamma_n": (lambda x: crs.polygamma([0, 2, 3, 1], x), "pos"),
    "jv": (lambda x: sc.jv(2.5, x), "pos"), "jn_int_negative_x": (lambda x: sc.jv(3, x), "real"),
    "yv": (lambda x: sc.yv(1.5, x), "pos"), "yn": (lambda x: sc.yn(2, x), "pos"),
    "iv": (lambda x: sc.iv(0.5, x), "pos"), "ive": (lambda x: sc.ive(1.5, x), "pos"),
    "ive_int_negative_x": (lambda x: sc.ive(2, x), "nonzero"), "kv": (lambda x: sc.kv(1.5, x), "pos"),
    "kve": (lambda x: sc.kve(0.5, x), "pos"), "zeta": (lambda q: sc.zeta(3.0, q), "pos"),
    "gammainc": (lambda x: sc.gammainc(2.5, x), "pos"), "gammaincc": (lambda x: sc.gammaincc(1.5, x), "pos"),
    "betainc": (lambda x: sc.betainc(2.0, 3.5, x), "prob"), "stdtr": (lambda t: sc.stdtr(4.5, t), "real"),
    "logsumexp": (lambda x: crs.logsumexp(x), "real"), "softmax": (lambda x: crs.softmax(x), "real"),
    "log_softmax": (lambda x: crs.log_softmax(x), "real"),
    "multigammaln": (lambda a: crs.multigammaln(a + 1.5, 3), "pos"),
    "gammaln_via_chainrule_name": (crs.gammaln, "pos"),
}
if hasattr(sc, "softplus"):
    SPECIAL_UNARY["softplus"] = (lambda x: crs.softplus(x), "real")

# name: (function, domain of x, domain of y), each run on scalar and broadcast pairs
SPECIAL_BINARY = {
    "beta": (sc.beta, "pos", "pos"), "betaln": (sc.betaln, "pos", "pos"), "xlogy": (sc.xlogy, "real", "pos"),
    "xlog1py": (sc.xlog1py, "real", "pos"), "rel_entr": (sc.rel_entr, "pos", "pos"), "kl_div": (sc.kl_div, "pos", "pos"),
    "binom": (sc.binom, "big", "pos"), "poch": (sc.poch, "pos", "pos"), "powm1": (sc.powm1, "pos", "real"),
}

# Matrix-shaped reductions: (function, domain) on a (3, 4) matrix
SPECIAL_MATRIX = {
    "logsumexp_axis": (lambda x: crs.logsumexp(x, axis=1), "real"),
    "logsumexp_keepdims": (lambda x: crs.logsumexp(x, axis=0, keepdims=True), "real"),
    "logsumexp_b": (lambda x: crs.logsumexp(x, axis=-1, b=x[0] ** 2 + 0.5), "real"),
    "logsumexp_sign": (lambda x: crs.logsumexp(x[:, :3], axis=0, b=np.array([1.0, -0.2, 0.5]), return_sign=True)[0], "real"),
    "logsumexp_tuple_axes": (lambda x: crs.logsumexp(x, axis=(0, 1)), "real"),
    "softmax_axis": (lambda x: crs.softmax(x, axis=0), "real"),
    "log_softmax_axis": (lambda x: crs.log_softmax(x, axis=-1), "real"),
    "radian": (lambda x: sc.radian(x[0], x[1], x[2]), "real"),
}


def special_cases():
    out = []
    for name, (fun, domain) in SPECIAL_UNARY.items():
        for shape_name, shape in (("scalar", ()), ("vector", (4,))):
            out.append((f"{name}-{shape_name}", fun, (draw(shape, domain),), 0))
    for name, (fun, dx, dy) in SPECIAL_BINARY.items():
        for shape_name, (sx, sy) in (("scalar", ((), ())), ("broadcast", ((3, 4), (4,)))):
            out.append((f"{name}-{shape_name}", fun, (draw(sx, dx), draw(sy, dy)), (0, 1)))
    for name, (fun, domain) in SPECIAL_MATRIX.items():
        out.append((name, fun, (draw((3, 4), domain),), 0))
    return out


def _simplex(shape):
    p = np.exp(rng.standard_normal(shape))
    return p / np.sum(p, axis=0)


def _spd(n, batch=()):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


def stats_cases():
    x, scalar = draw((4,), "real"), lambda d="pos": draw((), d)
    prob, pos = draw((4,), "prob"), draw((4,), "pos")
    k = np.array([0.0, 1.0, 3.0, 6.0])
    a_factor = rng.standard_normal((3, 3)) / 2
    mvn = lambda x, mean, a: stats.multivariate_normal.logpdf(x, mean, a @ a.T + np.eye(3))
    table = [
        ("norm.logpdf", stats.norm.logpdf, (x, scalar("real"), scalar()), (0, 1, 2)),
        ("norm.pdf", stats.norm.pdf, (x, scalar("real"), scalar()), (0, 1, 2)),
        ("norm.cdf", stats.norm.cdf, (x, scalar("real"), scalar()), (0, 1, 2)),
        ("norm.logcdf", stats.norm.logcdf, (x, scalar("real"), scalar()), (0, 1, 2)),
        ("norm.sf", stats.norm.sf, (x, scalar("real"), scalar()), (0, 1, 2)),
        ("norm.logsf", stats.norm.logsf, (x, scalar("real"), scalar()), (0, 1, 2)),
        ("norm.ppf", stats.norm.ppf, (prob, scalar("real"), scalar()), (0, 1, 2)),
        ("norm.logpdf-keywords", lambda x, m, s: stats.norm.logpdf(x, scale=s, loc=m), (x, scalar("real"), scalar()), (0, 1, 2)),
        ("t.logpdf", stats.t.logpdf, (x, scalar("big"), scalar("real"), scalar()), (0, 1, 2, 3)),
        ("t.pdf", stats.t.pdf, (x, scalar("big"), scalar("real"), scalar()), (0, 1, 2, 3)),
        ("t.cdf", lambda x, loc, scale: stats.t.cdf(x, 3.5, loc, scale), (x, scalar("real"), scalar()), (0, 1, 2)),
        ("t.logcdf", lambda x, loc, scale: stats.t.logcdf(x, 3.5, loc, scale), (x, scalar("real"), scalar()), (0, 1, 2)),
        ("t.sf", lambda x: stats.t.sf(x, 2.5), (x,), 0),
        ("beta.logpdf", stats.beta.logpdf, (prob, scalar(), scalar()), (0, 1, 2)),
        ("beta.pdf", stats.beta.pdf, (prob, scalar(), scalar()), (0, 1, 2)),
        ("beta.logpdf-loc-scale", lambda x, loc, scale: stats.beta.logpdf(x, 2.0, 3.0, loc, scale),
         (prob, np.float64(-0.1), np.float64(1.3)), (0, 1, 2)),
        ("beta.cdf", lambda x, loc, scale: stats.beta.cdf(x, 2.0, 1.5, loc, scale), (prob, np.float64(-0.1), np.float64(1.3)), (0, 1, 2)),
        ("beta.logcdf", lambda x: stats.beta.logcdf(x, 0.8, 1.5), (prob,), 0),
        ("gamma.logpdf", stats.gamma.logpdf, (pos, scalar(), np.float64(-0.2), scalar()), (0, 1, 2, 3)),
        ("gamma.pdf", stats.gamma.pdf, (pos, scalar()), (0, 1)),
        ("gamma.cdf", lambda x, scale: stats.gamma.cdf(x, 2.5, 0.0, scale), (pos, scalar()), (0, 1)),
        ("gamma.logcdf", lambda x: stats.gamma.logcdf(x, 1.5), (pos,), 0),
        ("gamma.sf", lambda x: stats.gamma.sf(x, 1.5), (pos,), 0),
        ("chi2.logpdf", stats.chi2.logpdf, (pos, scalar("big")), (0, 1)),
        ("chi2.pdf", stats.chi2.pdf, (pos, scalar("big"), np.float64(-0.1), scalar()), (0, 1, 2, 3)),
        ("chi2.cdf", lambda x: stats.chi2.cdf(x, 3.0), (pos,), 0),
        ("chi2.logcdf", lambda x: stats.chi2.logcdf(x, 4.0), (pos,), 0),
        ("poisson.logpmf", lambda mu: stats.poisson.logpmf(k, mu), (scalar(),), 0),
        ("poisson.pmf", lambda mu: stats.poisson.pmf(k, mu), (pos,), 0),
        ("poisson.cdf", lambda mu: stats.poisson.cdf(k + 0.5, mu), (pos,), 0),
        ("poisson.logcdf", lambda mu: stats.poisson.logcdf(k, mu), (pos,), 0),
        ("poisson.sf", lambda mu: stats.poisson.sf(k, mu, 1), (pos,), 0),
        ("dirichlet.logpdf", lambda x, alpha: stats.dirichlet.logpdf(x, alpha), (_simplex(4)[:3], pos), (0, 1)),
        ("dirichlet.logpdf-points", lambda x, alpha: stats.dirichlet.logpdf(x, alpha), (_simplex((4, 3))[:3], pos), (0, 1)),
        ("dirichlet.pdf", lambda alpha, point=_simplex(4): stats.dirichlet.pdf(point, alpha), (pos,), 0),
        ("multivariate_normal.logpdf", mvn, (draw((5, 3), "real"), draw((3,), "real"), a_factor), (0, 1, 2)),
        ("multivariate_normal.logpdf-one", mvn, (draw((3,), "real"), draw((3,), "real"), a_factor), (0, 1, 2)),
        ("multivariate_normal.pdf", lambda x, s: stats.multivariate_normal.pdf(x, np.zeros(2), s * np.array([1.0, 2.0])),
         (draw((2,), "real"), scalar()), (0, 1)),
        ("multivariate_normal.logpdf-scalar-cov", lambda x, m, s: stats.multivariate_normal.logpdf(x, m, s),
         (draw((4,), "real"), scalar("real"), scalar()), (0, 1, 2)),
    ]
    return table


def linalg_cases():
    lower = np.tril(rng.standard_normal((3, 3))) + 3 * np.eye(3)
    upper = lower.T.copy()
    general = rng.standard_normal((3, 3)) / 2
    spd = _spd(3)
    nonsymmetric_positive = spd + 0.3 * rng.standard_normal((3, 3))
    vec, mat = rng.standard_normal(3), rng.standard_normal((3, 2))
    return [
        ("solve_triangular-lower-vector", lambda a, b: crl.solve_triangular(a, b, lower=True), (lower, vec), (0, 1)),
        ("solve_triangular-upper-matrix", crl.solve_triangular, (upper, mat), (0, 1)),
        ("solve_triangular-trans-T", lambda a, b: crl.solve_triangular(a, b, trans="T", lower=True), (lower, mat), (0, 1)),
        ("solve_triangular-trans-1-unit", lambda a, b: crl.solve_triangular(a, b, trans=1, unit_diagonal=True),
         (upper, vec), (0, 1)),
        ("solve_triangular-trans-C-real", lambda a, b: crl.solve_triangular(a, b, trans="C"), (upper, mat), (0, 1)),
        ("solve_triangular-stack", lambda a, b: crl.solve_triangular(a, b, lower=True),
         (np.stack([lower, lower + np.eye(3)]), vec), (0, 1)),
        ("solve_triangular-stacked-b", lambda a, b: crl.solve_triangular(a, b, lower=True),
         (lower, rng.standard_normal((2, 3, 2))), (0, 1)),
        ("cholesky-lower", lambda a: crl.cholesky(a, lower=True), (spd,), 0),
        ("cholesky-upper", crl.cholesky, (spd,), 0),
        ("cholesky-stack", lambda a: crl.cholesky(a, lower=True), (_spd(3, (2,)),), 0),
        ("cho_factor", lambda a: crl.cho_factor(a)[0], (spd,), 0),
        ("cho_factor-lower", lambda a: crl.cho_factor(a, lower=True)[0], (spd,), 0),
        ("cho_solve", lambda a, b: crl.cho_solve(crl.cho_factor(a), b), (spd, vec), (0, 1)),
        ("cho_solve-lower", lambda a, b: crl.cho_solve(crl.cho_factor(a, lower=True), b), (spd, mat), (0, 1)),
        ("solve_sylvester", crl.solve_sylvester, (general + 2 * np.eye(3), spd, rng.standard_normal((3, 3))), (0, 1, 2)),
        ("solve_sylvester-rectangular", crl.solve_sylvester, (spd, np.array([[2.0, 0.5], [0.1, 1.5]]), mat), (0, 1, 2)),
        ("solve_continuous_lyapunov", crl.solve_continuous_lyapunov, (general - 2 * np.eye(3), spd), (0, 1)),
        ("sqrtm-spd", crl.sqrtm, (spd,), 0),
        ("sqrtm-nonsymmetric", crl.sqrtm, (nonsymmetric_positive,), 0),
        ("sqrtm-stack", crl.sqrtm, (_spd(3, (2,)),), 0),
        ("expm", crl.expm, (general,), 0),
        ("expm-stack", crl.expm, (rng.standard_normal((2, 3, 3)) / 2,), 0),
        ("expm_frechet", lambda a, e: crl.expm_frechet(a, e)[1], (general, rng.standard_normal((3, 3))), (0, 1)),
        ("logm", crl.logm, (nonsymmetric_positive[:2, :2],), 0),  # SciPy's logm takes ~50 ms at any size
        ("cosm", crl.cosm, (general,), 0), ("sinm", crl.sinm, (general,), 0), ("tanm", crl.tanm, (general / 2,), 0),
        ("coshm", crl.coshm, (general,), 0), ("sinhm", crl.sinhm, (general,), 0), ("tanhm", crl.tanhm, (general,), 0),
        ("fractional_matrix_power", lambda a: crl.fractional_matrix_power(a, 0.3), (spd[:2, :2],), 0),
        ("expm_frechet-stack-e", lambda a, e: crl.expm_frechet(a, e, compute_expm=False),
         (general, rng.standard_normal((2, 3, 3))), (0, 1)),
        ("solve_sylvester-stack-q", crl.solve_sylvester, (spd, general + 2 * np.eye(3), rng.standard_normal((2, 3, 3))), (0, 1, 2)),
        ("toeplitz", crl.toeplitz, (rng.standard_normal(4), rng.standard_normal(3)), (0, 1)),
        ("toeplitz-symmetric", crl.toeplitz, (rng.standard_normal(3),), 0),
        ("hankel", crl.hankel, (rng.standard_normal(3), rng.standard_normal(4)), (0, 1)),
        ("circulant", crl.circulant, (rng.standard_normal(4),), 0),
        ("block_diag", lambda a, b: crl.block_diag(a, 2.0 * b[0, 0], b), (mat, general), (0, 1)),
        ("companion", crl.companion, (draw((4,), "nonzero"),), 0),
        ("khatri_rao", crl.khatri_rao, (mat, rng.standard_normal((4, 2))), (0, 1)),
        ("fiedler", crl.fiedler, (rng.standard_normal(4),), 0),
        ("leslie", crl.leslie, (rng.standard_normal(3), rng.standard_normal(2)), (0, 1)),
        ("trace_expm_of_product", lambda a, b: np.trace(crl.expm(a @ b)), (general, general.T), (0, 1)),
    ]


def signal_cases():
    cases = []
    for mode in ("full", "same", "valid"):
        cases.append((f"convolve-1d-{mode}", lambda a, b, m=mode: crsig.convolve(a, b, m), (draw((6,), "real"), draw((3,), "real")), (0, 1)))
        cases.append((f"convolve-1d-short-first-{mode}", lambda a, b, m=mode: crsig.convolve(a, b, m),
                      (draw((2,), "real"), draw((5,), "real")), (0, 1)))
        cases.append((f"convolve-2d-{mode}", lambda a, b, m=mode: crsig.convolve(a, b, m), (draw((4, 5), "real"), draw((2, 3), "real")), (0, 1)))
        cases.append((f"correlate-1d-{mode}", lambda a, b, m=mode: crsig.correlate(a, b, m), (draw((5,), "real"), draw((3,), "real")), (0, 1)))
    cases.append(("convolve-direct", lambda a, b: crsig.convolve(a, b, method="direct"), (draw((5,), "real"), draw((3,), "real")), (0, 1)))
    cases.append(("fftconvolve", lambda a, b: crsig.fftconvolve(a, b, "same"), (draw((3, 4), "real"), draw((2, 2), "real")), (0, 1)))
    return cases
