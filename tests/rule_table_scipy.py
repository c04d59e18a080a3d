"""Rule tables for chainrule.scipy: special functions, distributions, linalg, signal.

Each case is (name, function, arguments, argnums), the same shape as tests/rule_table.py.
SciPy's ufuncs are called as plain `scipy.special.f(x)`, so every case also checks that
SciPy's own functions dispatch to chainrule's rules; the non-ufuncs (polygamma, logsumexp,
the distributions, the matrix functions) are called through chainrule.scipy.
"""
import numpy as np
import scipy.special as sc

from chainrule.scipy import special as crs

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
