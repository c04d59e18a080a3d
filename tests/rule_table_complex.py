"""The rule table of tests/rule_table.py again, on complex inputs (autograd's convention).

Every function of the real table that NumPy accepts complex numbers for is run on complex
inputs drawn in its domain, away from branch cuts (the principal branches NumPy uses are
the ones differentiated). `NOT_COMPLEX` lists the functions NumPy itself rejects for complex
inputs; `ORDER_BASED` lists those chainrule refuses to differentiate for complex inputs,
because complex numbers have no order.
"""
import numpy as np

import rule_table

rng = np.random.default_rng(1)

# NumPy raises TypeError for complex inputs to these (no complex loop), so there is nothing to check.
NOT_COMPLEX = {"cbrt", "fabs", "deg2rad", "rad2deg", "arctan2", "hypot", "logaddexp", "logaddexp2",
               "fmod", "remainder", "copysign_x", "operators"}
# Comparisons of magnitudes in disguise: chainrule raises a clear TypeError for complex inputs.
ORDER_BASED = {"clip", "method_clip", "maximum", "minimum", "fmax", "fmin", "max", "min", "amax", "amin",
               "ptp", "nanmax", "nanmin", "method_max"}
# Replacements for cases whose real-table form does not make sense for complex values.
REPLACED = {"astype": lambda x: x.astype(np.complex128)}


def draw(shape, domain):
    """A complex draw per domain, away from the branch cuts of log, sqrt, arcsin, arccosh, ..."""
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    if domain == "pos":  # right half plane: log, sqrt, power are analytic there
        z = (np.abs(a) + 0.5) + 0.5j * b
    elif domain == "unit":  # a small neighbourhood of 0: arcsin, arctanh, tan are analytic there
        z = 0.6 * np.tanh(a) + 0.3j * np.tanh(b)
    elif domain == "big":  # Re z > 1.5: arccosh is analytic there
        z = (np.abs(a) + 1.5) + 0.5j * b
    elif domain == "nonzero":
        z = a + 1j * b
        z = z / np.abs(z) * (np.abs(z) + 0.3)
    else:
        z = a + 1j * b
    return z if shape else np.complex128(z)


def cases():
    """(name, function, complex arguments, argnums) for every complex-valid case of the real table."""
    out = []
    for name, (fun, domain) in rule_table.UNARY.items():
        if name in NOT_COMPLEX | ORDER_BASED:
            continue
        for shape_name, shape in (("scalar", ()), ("matrix", (3, 4))):
            out.append((f"{name}-{shape_name}", fun, (draw(shape, domain),), 0))
    for name, (fun, dom_x, dom_y) in rule_table.BINARY.items():
        if name in NOT_COMPLEX | ORDER_BASED:
            continue
        for shape_name in ("scalar", "matrix", "broadcast"):
            sx, sy = rule_table.PAIRS[shape_name]
            out.append((f"{name}-{shape_name}", fun, (draw(sx, dom_x), draw(sy, dom_y)), (0, 1)))
    for name, fun in rule_table.REDUCTIONS.items():
        if name in ORDER_BASED:
            continue
        out.append((f"{name}-matrix", fun, (draw((3, 4), "nonzero" if "prod" in name else "real"),), 0))
    for name, fun in rule_table.MATRIX_FUNS.items():
        out.append((name, REPLACED.get(name, fun), (draw((3, 4), "nonzero"),), 0))
    # complex-specific: real-valued functions of complex inputs, and real inputs with complex outputs
    extra = {
        "abs2_sum": (lambda z: np.sum(np.abs(z) ** 2), "nonzero"),
        "real_times_imag": (lambda z: np.real(z) * np.imag(z), "real"),
        "angle_of_exp": (lambda z: np.angle(np.exp(z)), "unit"),
        "conj_product": (lambda z: z * np.conj(z), "real"),
        "vdot_self": (lambda z: np.vdot(z, z), "real"),
        "norm_complex": (lambda z: np.linalg.norm(z), "nonzero"),
        "var_complex": (lambda z: np.var(z), "real"),
        "matmul_conj_T": (lambda z: z @ np.conj(z).T, "real"),
    }
    for name, (fun, domain) in extra.items():
        out.append((name, fun, (draw((3, 4), domain),), 0))
    real_in = {
        "real_to_complex": lambda x: x * (1 + 2j) + np.exp(1j * x),
        "real_to_complex_to_real": lambda x: np.abs(np.exp(1j * x) + x) ** 2,
    }
    for name, fun in real_in.items():
        out.append((name, fun, (rng.standard_normal((3, 4)),), 0))
    return out


def order_cases():
    """(name, function, complex argument) for the order-based functions that must raise."""
    out = []
    for name, (fun, domain) in rule_table.UNARY.items():
        if name in ORDER_BASED:
            out.append((name, fun, draw((4,), domain)))
    other = draw((4,), "real")
    for name, (fun, _, _) in rule_table.BINARY.items():
        if name in ORDER_BASED:
            out.append((name, lambda z, f=fun: f(z, other), draw((4,), "real")))
    for name, fun in rule_table.REDUCTIONS.items():
        if name in ORDER_BASED:
            out.append((name, fun, draw((3, 4), "real")))
    return out
