"""The rule table for numpy.linalg, numpy.fft, the statistics and sequence functions and NumPy 2's names.

Each case is (name, function, arguments, argnums, order, needs): the same checks as
tests/rule_table.py (check_grads forward and reverse to `order`, batched Jacobians against one
direction at a time) plus the traced value against NumPy's. Complex cases are wrapped into real
functions of (real part, imaginary part) that return (real part, imaginary part), so chainrule's
complex convention is checked through ordinary real derivatives. `needs` names a core fix a case
relies on ("complex-core": complex |z| JVP and Python-complex dtypes, see COMPLEX_CORE in tests/test_rules.py).
"""
import numpy as np

import chainrule.numpy as cnp

rng = np.random.default_rng(7)


def normal(*shape):
    return rng.standard_normal(shape)


def complexified(fun):
    """A real function of v = (Re z, Im z) stacked on axis 0, returning (Re f, Im f) (or f if real)."""
    def on_parts(v):
        out = fun(v[0] + v[1] * 1j)
        return np.stack([np.real(out), np.imag(out)]) if np.iscomplexobj(out) else out
    on_parts.__name__ = getattr(fun, "__name__", "complexified")
    return on_parts


def real_parts(fun):
    """fun with a complex output returned as (real part, imaginary part) stacked on axis 0."""
    def split(*args):
        out = fun(*args)
        return np.stack([np.real(out), np.imag(out)]) if np.iscomplexobj(out) else out
    return split


def sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


def herm(z):
    return (z + np.conj(np.swapaxes(z, -1, -2))) / 2


def spd(a):
    return a @ np.conj(np.swapaxes(a, -1, -2)) + 3 * np.eye(np.shape(a)[-1])


def proj(q):
    return q @ np.conj(np.swapaxes(q, -1, -2))


def gauge_free_eigh(z):
    w, v = np.linalg.eigh(herm(z))
    return (v * np.expand_dims(w, -2) ** 3) @ np.conj(np.swapaxes(v, -1, -2)) + np.real(v * np.conj(v))


def gauge_free_svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([np.ravel((u * np.expand_dims(np.sin(s), -2)) @ vh), np.ravel(np.real(u * np.conj(u)))])


A, B, b = normal(3, 3), normal(3, 2), normal(3)
STACK, STACK_B = normal(2, 3, 3), normal(2, 3, 2)
Z, ZB, ZV = normal(2, 3, 3), normal(2, 3, 2), normal(2, 3)

LINALG = {
    "inv": (np.linalg.inv, (A,), 0),
    "det": (np.linalg.det, (A,), 0),
    "slogdet_abs": (lambda a: np.linalg.slogdet(a)[1], (A,), 0),
    "slogdet_sign": (lambda a: np.linalg.slogdet(a)[0] * np.sum(a), (A,), 0),
    "solve": (np.linalg.solve, (A, B), (0, 1)),
    "solve_vector": (np.linalg.solve, (A, b), (0, 1)),
    "cholesky": (lambda a: np.linalg.cholesky(spd(a)), (A,), 0),
    "cholesky_upper": (lambda a: np.linalg.cholesky(spd(a), upper=True), (A,), 0),
    "eigh_values": (lambda a: np.linalg.eigh(sym(a))[0], (A,), 0),
    "eigh_vectors": (lambda a: np.linalg.eigh(sym(a))[1], (A,), 0),
    "eigh_upper": (lambda a: np.linalg.eigh(sym(a), UPLO="U")[1], (A,), 0),
    "eigvalsh": (lambda a: np.linalg.eigvalsh(sym(a)), (A,), 0),
    "eig_values": (lambda a: np.real(np.linalg.eig(a)[0]) + np.imag(np.linalg.eig(a)[0]), (A,), 0),
    "eig_vectors": (lambda a: np.real(np.linalg.eig(a)[1]) * np.imag(np.linalg.eig(a)[1]) + np.real(np.linalg.eig(a)[1]), (A,), 0),
    "eigvals": (lambda a: np.real(np.linalg.eigvals(a)) ** 2 + np.imag(np.linalg.eigvals(a)), (A,), 0),
    "svd_u": (lambda a: np.linalg.svd(a, full_matrices=False)[0], (B,), 0),
    "svd_s": (lambda a: np.linalg.svd(a, full_matrices=False)[1], (B,), 0),
    "svd_vh": (lambda a: np.linalg.svd(a, full_matrices=False)[2], (B,), 0),
    "svd_wide": (lambda a: np.linalg.svd(a.T, full_matrices=False)[2] * np.linalg.svd(a.T)[1][:, None], (B,), 0),
    "svd_full_tall": (lambda a: np.concatenate([np.ravel(proj(np.linalg.svd(a)[0][:, 2:])), np.ravel(np.linalg.svd(a)[2])]),
                      (normal(4, 2),), 0),
    "svd_full_wide": (lambda a: proj(np.linalg.svd(a)[2][2:].T), (normal(2, 4),), 0),
    "svd_values_only": (lambda a: np.linalg.svd(a, compute_uv=False), (B,), 0),
    "svd_hermitian": (lambda a: np.linalg.svd(sym(a), hermitian=True)[1], (A,), 0),
    "svdvals": (np.linalg.svdvals, (B,), 0),
    "qr_q": (lambda a: np.linalg.qr(a)[0], (B,), 0),
    "qr_r": (lambda a: np.linalg.qr(a)[1], (B,), 0),
    "qr_mode_r": (lambda a: np.linalg.qr(a, mode="r"), (B,), 0),
    "qr_wide": (lambda a: np.linalg.qr(a.T)[0] + np.linalg.qr(a.T)[1][:, :2], (B,), 0),
    "qr_complete": (lambda a: np.concatenate([np.ravel(proj(np.linalg.qr(a, mode="complete")[0][:, 2:])),
                                              np.ravel(np.linalg.qr(a, mode="complete")[1])]), (normal(4, 2),), 0),
    "pinv": (np.linalg.pinv, (B,), 0),
    "pinv_wide": (np.linalg.pinv, (B.T,), 0),
    "pinv_hermitian": (lambda a: np.linalg.pinv(sym(a), hermitian=True), (A,), 0),
    "lstsq": (lambda a, y: np.linalg.lstsq(a, y)[0], (B, b), (0, 1)),
    "lstsq_matrix": (lambda a, y: np.linalg.lstsq(a, y)[0], (B, normal(3, 2)), (0, 1)),
    "lstsq_residuals": (lambda a, y: np.linalg.lstsq(a, y)[1], (B, b), (0, 1)),
    "lstsq_singular_values": (lambda a, y: np.linalg.lstsq(a, y)[3], (B, b), 0),
    "lstsq_underdetermined": (lambda a, y: np.linalg.lstsq(a, y)[0], (B.T, normal(2)), (0, 1)),
    "matrix_power_3": (lambda a: np.linalg.matrix_power(a, 3), (A,), 0),
    "matrix_power_-2": (lambda a: np.linalg.matrix_power(a, -2), (A,), 0),
    "matrix_power_0": (lambda a: np.linalg.matrix_power(a, 0) * a, (A,), 0),
    "multi_dot": (lambda a, y: np.linalg.multi_dot([y, a, a, B, y[:2]]), (A, b), (0, 1)),
    "multi_dot_matrices": (lambda a: np.linalg.multi_dot([a, B, B.T, a]), (A,), 0),
    "tensorsolve": (lambda a: np.linalg.tensorsolve(a, np.arange(6.0).reshape(2, 3)),
                    (np.eye(6).reshape(2, 3, 2, 3) + 0.2 * normal(2, 3, 2, 3),), 0),
    "tensorsolve_axes": (lambda a: np.linalg.tensorsolve(a, np.arange(6.0).reshape(2, 3), axes=(0, 2)),
                         (np.eye(6).reshape(2, 3, 2, 3).transpose(2, 0, 3, 1) + 0.2 * normal(2, 2, 3, 3),), 0),
    "tensorinv": (lambda a: np.linalg.tensorinv(a, ind=2), (np.eye(6).reshape(2, 3, 6) + 0.2 * normal(2, 3, 6),), 0),
    "cond": (np.linalg.cond, (A,), 0),
    "cond_-2": (lambda a: np.linalg.cond(a, -2), (A,), 0),
    "cond_fro": (lambda a: np.linalg.cond(a, "fro"), (A,), 0),
    "cond_1": (lambda a: np.linalg.cond(a, 1), (A,), 0),
    "trace": (lambda a: np.linalg.trace(a), (A,), 0),
    "diagonal": (lambda a: np.linalg.diagonal(a, offset=1), (A,), 0),
    "matmul": (lambda a: np.linalg.matmul(a, B), (A,), 0),
    "vecdot": (lambda a: np.linalg.vecdot(a, B[:, 0], axis=0), (A,), 0),
    "outer": (lambda a: np.linalg.outer(a[0], a[1]), (A,), 0),
    "cross": (lambda a: np.linalg.cross(a, a[::-1]), (A,), 0),
    "tensordot": (lambda a: np.linalg.tensordot(a, B, axes=1), (A,), 0),
    "matrix_transpose": (lambda a: np.linalg.matrix_transpose(a) @ a, (A,), 0),
}
for _ord in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
    LINALG[f"norm_matrix_{_ord}"] = ((lambda o: lambda a: np.linalg.norm(a, o))(_ord), (B,), 0)
    LINALG[f"matrix_norm_{_ord}"] = ((lambda o: lambda a: np.linalg.matrix_norm(a, ord="fro" if o is None else o,
                                                                           keepdims=True))(_ord), (STACK_B,), 0)
for _ord in (None, 1, 2, 3, 0.5, -1, np.inf, -np.inf):
    LINALG[f"norm_vector_{_ord}"] = ((lambda o: lambda a: np.linalg.norm(a, o))(_ord), (b,), 0)
    LINALG[f"vector_norm_{_ord}"] = ((lambda o: lambda a: np.linalg.vector_norm(a, ord=2 if o is None else o,
                                                                           axis=(0, 2)))(_ord), (STACK_B,), 0)
LINALG["norm_axis_nuc_keepdims"] = (lambda a: np.linalg.norm(a, "nuc", axis=(2, 0), keepdims=True), (STACK_B,), 0)
LINALG["norm_axis_vector"] = (lambda a: np.linalg.norm(a, 3, axis=1), (STACK_B,), 0)
LINALG["vector_norm_all"] = (lambda a: np.linalg.vector_norm(a, ord=1), (STACK_B,), 0)

BATCHED = {  # NumPy's own stacks of matrices (leading dimensions)
    "stack_inv": (np.linalg.inv, (STACK,), 0),
    "stack_det": (np.linalg.det, (STACK,), 0),
    "stack_slogdet": (lambda a: np.linalg.slogdet(a)[1], (STACK,), 0),
    "stack_solve_broadcast": (np.linalg.solve, (STACK, B), (0, 1)),
    "stack_solve_vector": (np.linalg.solve, (STACK, b), (0, 1)),
    "stack_solve_shared_a": (np.linalg.solve, (A, STACK_B), (0, 1)),
    "stack_cholesky": (lambda a: np.linalg.cholesky(spd(a)), (STACK,), 0),
    "stack_eigh": (lambda a: np.linalg.eigh(sym(a))[1] * np.linalg.eigh(sym(a))[0][:, None, :], (STACK,), 0),
    "stack_eigvalsh": (lambda a: np.linalg.eigvalsh(sym(a)), (STACK,), 0),
    "stack_eig": (lambda a: np.real(np.linalg.eig(a)[1]) + np.real(np.linalg.eigvals(a))[:, None, :], (STACK,), 0),
    "stack_svd": (lambda a: np.linalg.svd(a, full_matrices=False)[0] * np.linalg.svd(a)[1][:, None, :], (STACK_B,), 0),
    "stack_svd_full": (lambda a: proj(np.linalg.svd(a)[0][..., 2:]), (STACK_B,), 0),
    "stack_svdvals": (np.linalg.svdvals, (STACK_B,), 0),
    "stack_qr": (lambda a: np.linalg.qr(a)[0] + np.linalg.qr(a)[1][:, :1, :], (STACK_B,), 0),
    "stack_pinv": (np.linalg.pinv, (STACK_B,), 0),
    "stack_matrix_power": (lambda a: np.linalg.matrix_power(a, 3), (STACK,), 0),
    "stack_cond": (np.linalg.cond, (STACK,), 0),
    "stack_norm_2": (lambda a: np.linalg.norm(a, 2, axis=(1, 2)), (STACK_B,), 0),
    "stack_eigvals": (lambda a: np.real(np.linalg.eigvals(a)), (STACK,), 0),
}

COMPLEX = {  # name: (function of complex z, argument (Re, Im stacked), needs)
    "inv": (np.linalg.inv, Z, None),
    "det": (np.linalg.det, Z, None),
    "slogdet_abs": (lambda z: np.linalg.slogdet(z)[1], Z, None),
    "slogdet_sign": (lambda z: np.linalg.slogdet(z)[0], Z, "complex-core"),
    "solve": (lambda z: np.linalg.solve(z, z[:, :2] ** 2), Z, None),
    "solve_vector": (lambda z: np.linalg.solve(z, z[0]), Z, None),
    "cholesky": (lambda z: np.linalg.cholesky(spd(z)), Z, None),
    "cholesky_upper": (lambda z: np.linalg.cholesky(spd(z), upper=True), Z, None),
    "eigh": (gauge_free_eigh, Z, None),
    "eigvalsh": (lambda z: np.linalg.eigvalsh(herm(z)), Z, None),
    "eig_values": (lambda z: np.linalg.eig(z)[0], Z, None),
    "eig_vectors": (lambda z: np.linalg.eig(z)[1], Z, None),
    "eigvals": (np.linalg.eigvals, Z, None),
    "svd": (gauge_free_svd, ZB, None),
    "svd_wide": (lambda z: gauge_free_svd(z.T), ZB, None),
    "svd_full": (lambda z: proj(np.linalg.svd(z)[0][:, 2:]), normal(2, 4, 2), None),
    "svdvals": (np.linalg.svdvals, ZB, None),
    "qr": (lambda z: np.linalg.qr(z)[0] + np.linalg.qr(z)[1][:1], ZB, None),
    "qr_wide": (lambda z: np.linalg.qr(z.T)[1], ZB, None),
    "qr_complete": (lambda z: proj(np.linalg.qr(z, mode="complete")[0][:, 2:]), normal(2, 4, 2), None),
    "pinv": (np.linalg.pinv, ZB, None),
    "lstsq": (lambda z: np.linalg.lstsq(z, z[:, 0] ** 2)[0], ZB, None),
    "lstsq_residuals": (lambda z: np.linalg.lstsq(z, z[:, 0] ** 2)[1], ZB, None),
    "matrix_power": (lambda z: np.linalg.matrix_power(z, -2), Z, None),
    "multi_dot": (lambda z: np.linalg.multi_dot([z, z, z[:, :2]]), Z, None),
    "cond": (np.linalg.cond, Z, None),
    "stack_inv": (np.linalg.inv, normal(2, 2, 3, 3), None),
    "stack_eigh": (gauge_free_eigh, normal(2, 2, 3, 3), None),
    "stack_svd": (gauge_free_svd, normal(2, 2, 3, 2), None),
}
for _ord in (None, "fro", "nuc", 2, -2):
    COMPLEX[f"norm_matrix_{_ord}"] = ((lambda o: lambda z: np.linalg.norm(z, o))(_ord), ZB, None)
for _ord in (1, -1, np.inf, -np.inf):
    COMPLEX[f"norm_matrix_{_ord}"] = ((lambda o: lambda z: np.linalg.norm(z, o))(_ord), ZB, "complex-core")
    COMPLEX[f"norm_vector_{_ord}"] = ((lambda o: lambda z: np.linalg.norm(z, o))(_ord), ZV, "complex-core")
COMPLEX["norm_vector_2"] = (lambda z: np.linalg.norm(z), ZV, None)
COMPLEX["norm_vector_3"] = (lambda z: np.linalg.norm(z, 3), ZV, "complex-core")

SIGNAL, SIGNAL_2D = normal(6), normal(3, 4)
FFT = {}
for _norm in (None, "ortho", "forward"):
    for _name, _fun, _arg in (
            ("fft", lambda a, n: np.fft.fft(a, norm=n), SIGNAL), ("fft_crop", lambda a, n: np.fft.fft(a, 4, norm=n), SIGNAL),
            ("fft_pad", lambda a, n: np.fft.fft(a, 9, norm=n), SIGNAL),
            ("ifft_axis0", lambda a, n: np.fft.ifft(a, axis=0, norm=n), SIGNAL_2D),
            ("fft2", lambda a, n: np.fft.fft2(a, norm=n), SIGNAL_2D),
            ("ifft2_s", lambda a, n: np.fft.ifft2(a, s=(2, 5), norm=n), SIGNAL_2D),
            ("fftn_axes", lambda a, n: np.fft.fftn(a, s=(4, 3), axes=(1, 0), norm=n), SIGNAL_2D),
            ("ifftn", lambda a, n: np.fft.ifftn(a, norm=n), SIGNAL_2D),
            ("rfft", lambda a, n: np.fft.rfft(a, norm=n), SIGNAL), ("rfft_odd", lambda a, n: np.fft.rfft(a, 5, norm=n), SIGNAL),
            ("rfft2", lambda a, n: np.fft.rfft2(a, norm=n), SIGNAL_2D),
            ("rfftn_s", lambda a, n: np.fft.rfftn(a, s=(2, 5), axes=(0, 1), norm=n), SIGNAL_2D),
            ("irfft_of_real", lambda a, n: np.fft.irfft(a, norm=n), SIGNAL),
            ("ihfft", lambda a, n: np.fft.ihfft(a, norm=n), SIGNAL),
            ("hfft_of_real", lambda a, n: np.fft.hfft(a, 7, norm=n), SIGNAL)):
        FFT[f"{_name}_{_norm}"] = ((lambda f, n: lambda a: f(a, n))(_fun, _norm), _arg, False)
    for _name, _fun, _arg in (
            ("fft", lambda z, n: np.fft.fft(z, norm=n), normal(2, 6)),
            ("ifft_pad", lambda z, n: np.fft.ifft(z, 8, norm=n), normal(2, 6)),
            ("irfft", lambda z, n: np.fft.irfft(z, norm=n), normal(2, 6)),
            ("irfft_odd", lambda z, n: np.fft.irfft(z, 7, norm=n), normal(2, 6)),
            ("irfft_crop", lambda z, n: np.fft.irfft(z, 4, norm=n), normal(2, 6)),
            ("hfft", lambda z, n: np.fft.hfft(z, norm=n), normal(2, 6)),
            ("hfft_odd", lambda z, n: np.fft.hfft(z, 5, norm=n), normal(2, 6)),
            ("fft2", lambda z, n: np.fft.fft2(z, norm=n), normal(2, 3, 4)),
            ("irfftn", lambda z, n: np.fft.irfftn(z, norm=n), normal(2, 3, 4)),
            ("irfft2_s", lambda z, n: np.fft.irfft2(z, s=(2, 5), norm=n), normal(2, 3, 4)),
            ("irfftn_axes", lambda z, n: np.fft.irfftn(z, axes=(1, 0), norm=n), normal(2, 3, 4))):
        FFT[f"complex_{_name}_{_norm}"] = ((lambda f, n: lambda z: f(z, n))(_fun, _norm), _arg, True)
FFT["fftshift"] = (np.fft.fftshift, SIGNAL_2D, False)
FFT["fftshift_axis"] = (lambda a: np.fft.fftshift(a, axes=1), SIGNAL_2D, False)
FFT["ifftshift_axes"] = (lambda a: np.fft.ifftshift(a, axes=(0, 1)), SIGNAL_2D, False)
FFT["complex_fftshift"] = (np.fft.fftshift, normal(2, 5), True)
FFT["fftfreq_d"] = (lambda d: np.fft.fftfreq(6, d), np.float64(0.3), False)
FFT["rfftfreq_d"] = (lambda d: np.fft.rfftfreq(6, d), np.float64(0.3), False)

X, M, V = normal(7), normal(3, 5), normal(3)
M_NAN = M.copy()
M_NAN[0, 1], M_NAN[2, 0] = np.nan, np.nan
KNOTS = np.linspace(-2, 2, 6)
POINTS = np.array([-3.0, -1.3, 0.1, 0.5, 2.5])
OTHER = {
    "median": (np.median, (X,), 0),
    "median_axis": (lambda a: np.median(a, axis=1), (M,), 0),
    "median_keepdims": (lambda a: np.median(a, axis=0, keepdims=True), (M,), 0),
    "percentile": (lambda a: np.percentile(a, [20, 70], axis=(0, 1)), (M,), 0),
    "percentile_q": (lambda q: np.percentile(X, q), (np.array([15.0, 62.0]),), 0),
    "quantile_q_weibull": (lambda q: np.quantile(X, q, method="weibull"), (np.array([0.15, 0.6]),), 0),
    "quantile_weights": (lambda a: np.quantile(a, 0.4, method="inverted_cdf", weights=np.arange(7.0) + 1), (X,), 0),
    "nanmedian": (lambda a: np.nanmedian(a, axis=1), (M_NAN,), 0),
    "nanquantile": (lambda a: np.nanquantile(a, [0.3, 0.8], axis=1, method="hazen"), (M_NAN,), 0),
    "nanpercentile": (lambda a: np.nanpercentile(a, 40), (M_NAN,), 0),
    "cov": (np.cov, (M,), 0),
    "cov_y_rowvar": (lambda a: np.cov(a, a[:, ::-1] ** 2, rowvar=False), (M,), 0),
    "cov_weights": (lambda a: np.cov(a, fweights=[1, 2, 1, 1, 3], aweights=np.arange(5.0) + 1), (M,), 0),
    "cov_aweights_traced": (lambda w: np.cov(M, aweights=w, ddof=0), (np.arange(5.0) + 1,), 0),
    "corrcoef": (np.corrcoef, (M,), 0),
    "corrcoef_pair": (lambda a: np.corrcoef(a[0], a[1]), (M,), 0),
    "interp_x": (lambda t: np.interp(t, KNOTS, np.sin(KNOTS)), (POINTS,), 0),
    "interp_fp": (lambda f: np.interp(POINTS, KNOTS, f), (np.sin(KNOTS),), 0),
    "interp_xp_left_right": (lambda xp: np.interp(POINTS, xp, np.sin(KNOTS), left=-5, right=7), (KNOTS,), 0),
    "interp_period": (lambda t: np.interp(t, [0, 1, 2.5, 3.0], [1.0, 3, 2, 0], period=4), (POINTS - 0.3,), 0),
    "diff": (lambda a: np.diff(a, 2, axis=0, prepend=1.0, append=a[:1]), (M,), 0),
    "diff_last": (np.diff, (M,), 0),
    "ediff1d": (lambda a: np.ediff1d(a, to_end=[1.0, 2.0], to_begin=a[0]), (M,), 0),
    "gradient": (np.gradient, (X,), 0),
    "gradient_edge2": (lambda a: np.gradient(a, 0.5, edge_order=2), (X,), 0),
    "gradient_2d_coordinates": (lambda a: np.stack(np.gradient(a, 2.0, [0, 1, 3, 4.5, 5])), (M,), 0),
    "gradient_2d_edge2": (lambda a: np.stack(np.gradient(a, [0, 1, 3.0], [0, 1, 3, 4.5, 5], edge_order=2)), (M,), 0),
    "gradient_traced_spacing": (lambda s: np.gradient(X, s, edge_order=2), (np.cumsum(np.abs(X) + 0.5),), 0),
    "gradient_axis": (lambda a: np.gradient(a, axis=1), (M,), 0),
    "trapezoid": (np.trapezoid, (M,), 0),
    "trapezoid_x": (lambda a: np.trapezoid(a, np.arange(5.0) ** 2), (M,), 0),
    "trapezoid_traced_x": (lambda t: np.trapezoid(M, t, axis=1), (np.arange(5.0) ** 2,), 0),
    "polyval": (np.polyval, (V, X), (0, 1)),
    "cumulative_sum": (lambda a: np.cumulative_sum(a, axis=1, include_initial=True), (M,), 0),
    "cumulative_sum_1d": (np.cumulative_sum, (X,), 0),
    "cumulative_prod": (lambda a: np.cumulative_prod(a, include_initial=True), (X,), 0),
    "cumulative_prod_axis": (lambda a: np.cumulative_prod(a, axis=0), (M,), 0),
    "searchsorted_const": (lambda a: a * np.searchsorted(KNOTS, a), (POINTS,), 0),
    # NumPy 2 names and small helpers
    "acos": (lambda a: np.acos(np.tanh(a)), (X,), 0), "pow": (lambda a: np.pow(np.abs(a) + 1, a), (X,), 0),
    "atan2": (lambda a: np.atan2(a, a ** 2 + 1), (X,), 0), "asinh": (np.asinh, (X,), 0),
    "permute_dims": (lambda a: np.permute_dims(a, (1, 0)), (M,), 0),
    "concat": (lambda a: np.concat([a, a ** 2], axis=1), (M,), 0),
    "matrix_transpose_np": (np.matrix_transpose, (M,), 0),
    "degrees": (np.degrees, (X,), 0), "radians": (np.radians, (X,), 0),
    "vecdot": (lambda a: np.vecdot(a, a[::-1]), (M,), 0),
    "matvec": (lambda a: np.matvec(a, a[0, :5] + 1), (M,), 0),
    "vecmat": (lambda a: np.vecmat(a[0, :3], a), (M,), 0),
    "astype": (lambda a: np.astype(a, np.float64), (X,), 0),
    "unstack": (lambda a: np.unstack(a, axis=1)[2], (M,), 0),
    "divmod": (lambda a: np.divmod(a, 0.7)[1], (X,), 0), "modf": (lambda a: np.modf(a)[0], (X,), 0),
    "frexp": (lambda a: np.frexp(a)[0], (X,), 0), "ldexp": (lambda a: np.ldexp(a, 3), (X,), 0),
    "append": (lambda a: np.append(a, a[0]), (M,), 0), "delete": (lambda a: np.delete(a, [0, 2], axis=1), (M,), 0),
    "diagflat": (lambda a: np.diagflat(a[:2], 1), (M,), 0), "vander": (lambda a: np.vander(a, 4), (X,), 0),
    "rollaxis": (lambda a: np.rollaxis(a[None], 2), (M,), 0), "hsplit": (lambda a: np.hsplit(a, [1, 3])[1], (M,), 0),
    "vsplit": (lambda a: np.vsplit(a, 3)[1], (M,), 0), "dsplit": (lambda a: np.dsplit(np.stack([a, a], -1), 2)[1], (M,), 0),
    "compress": (lambda a: np.compress([1, 0, 1], a, axis=0), (M,), 0), "extract": (lambda a: np.extract(a > 0, a), (M,), 0),
    "resize": (lambda a: np.resize(a, (4, 4)), (M,), 0),
    "nan_to_num": (lambda a: np.nan_to_num(a, posinf=3.0), (np.where(M > 1, np.inf, M_NAN),), 0),
    "real_if_close": (lambda a: np.real_if_close(a + 0j), (X,), 0), "unwrap": (lambda a: np.unwrap(5 * a), (X,), 0),
    "select": (lambda a: np.select([a < -0.5, a > 0.5], [a ** 2, 3 * a], default=a), (X,), 0),
    "meshgrid": (lambda a, y: np.stack(np.meshgrid(a, y)), (X, V), (0, 1)),
    "meshgrid_ij": (lambda a, y: (lambda g: g[0] * g[1])(np.meshgrid(a, y, indexing="ij", sparse=True)), (X, V), (0, 1)),
    "trim_zeros": (lambda a: np.trim_zeros(np.concatenate([[0.0, 0.0], a, [0.0]])), (X,), 0),
    "polyadd": (np.polyadd, (X, V), (0, 1)), "polysub": (np.polysub, (V, X), (0, 1)), "polymul": (np.polymul, (X, V), (0, 1)),
    "polyder": (lambda a: np.polyder(a, 2), (X,), 0), "polyint": (lambda a: np.polyint(a, 2, k=[1.0, 2.0]), (X,), 0),
    "poly": (np.poly, (V,), 0), "poly_matrix": (lambda a: np.poly(a), (M[:, :3],), 0),
}
TT = np.linspace(0.0, 1.0, 7)
OTHER.update({  # the rest of NumPy's namespace (rules/extra.py)
    "linspace": (lambda a, z: np.linspace(a, z, 5), (np.float64(0.3), np.float64(2.0)), (0, 1)),
    "linspace_arrays_axis": (lambda a, z: np.linspace(a, z, 4, endpoint=False, axis=1), (V, V ** 2 + 3), (0, 1)),
    "linspace_retstep": (lambda a, z: np.linspace(a, z, 4, retstep=True)[1], (np.float64(0.3), np.float64(2.0)), (0, 1)),
    "logspace": (lambda a, z: np.logspace(a, z, 4), (np.float64(0.3), np.float64(1.0)), (0, 1)),
    "logspace_base": (lambda c: np.logspace(0.1, 1, 4, base=c), (np.float64(2.5),), 0),
    "geomspace": (lambda a, z: np.geomspace(a, z, 5), (np.float64(0.3), np.float64(2.0)), (0, 1)),
    "geomspace_negative": (lambda a, z: np.geomspace(a, z, 4, endpoint=False), (np.float64(-0.3), np.float64(-2.0)), (0, 1)),
    "unique": (lambda a: np.unique(a) ** 2, (X,), 0),
    "unique_counts_flag": (lambda a: np.unique(a, return_counts=True)[0] * np.unique(a, return_counts=True)[1], (X,), 0),
    "unique_all": (lambda a: np.unique_all(a).values, (X,), 0),
    "unique_values": (np.unique_values, (M,), 0),
    "unique_counts": (lambda a: np.unique_counts(a).values, (X,), 0),
    "unique_inverse": (lambda a: np.unique_inverse(a).values, (X,), 0),
    "union1d": (lambda a: np.union1d(a, a[:2]), (X,), 0),
    "intersect1d": (lambda a: np.intersect1d(a, a[:3] * 1), (X,), 0),
    "intersect1d_indices": (lambda a: np.intersect1d(a, a[2:4], return_indices=True)[0], (X,), 0),
    "setdiff1d": (lambda a: np.setdiff1d(a, a[:2]), (X,), 0),
    "setxor1d": (lambda a: np.setxor1d(a, a[:2] * 2), (X,), 0),
    "partition": (lambda a: np.partition(a, 2), (X,), 0),
    "partition_axis": (lambda a: np.partition(a, [1, 3], axis=1), (M,), 0),
    "sort_complex": (lambda a: np.real(np.sort_complex(a)), (X,), 0),
    "choose": (lambda a: np.choose([0, 2, 1, 0, 2], [a[0], a[1], a[2]]), (M,), 0),
    "choose_wrap": (lambda a: np.choose([0, 4, 1], a, mode="wrap"), (M[:, :3],), 0),
    "piecewise": (lambda a: np.piecewise(a, [a < 0, a > 0.5], [lambda t: t ** 2, np.sqrt, 7.0]), (X,), 0),
    "piecewise_otherwise": (lambda a: np.piecewise(a, [a < 0], [lambda t: -t]), (X,), 0),
    "insert": (lambda a: np.insert(a, 1, a[0] * 5), (X,), 0),
    "insert_axis": (lambda a: np.insert(a, [1, 3], a[:, :1] * 2, axis=1), (M,), 0),
    "insert_flat": (lambda a: np.insert(a, [0, 2], [7.0, 8.0]), (M,), 0),
    "block": (lambda a: np.block([[a, a[:, :2]], [a[:1] * 2, np.ones((1, 2))]]), (M,), 0),
    "block_1d": (lambda a: np.block([a[0], a[1]]), (M,), 0),
    "roots": (lambda p: np.real(np.roots(p)) + np.imag(np.roots(p)), (np.array([1.0, -3, 2, 0.5]),), 0),
    "roots_trailing_zero": (lambda p: np.imag(np.roots(np.concatenate([p, [0.0]]))), (np.array([1.0, 0.3, 2]),), 0),
    "polyfit": (lambda y: np.polyfit(TT, y, 2), (X + TT,), 0),
    "polyfit_in_x": (lambda t: np.polyfit(t, X, 2), (TT + 0.1 * X,), 0),
    "polyfit_weighted_2d": (lambda y: np.polyfit(TT, y, 1, w=TT + 1), (np.stack([X + TT, X * 2]).T,), 0),
    "polyfit_cov": (lambda y: np.polyfit(TT, y, 2, cov=True)[1], (X + TT,), 0),
    "polyfit_full": (lambda y: np.polyfit(TT, y, 2, full=True)[1], (X + TT,), 0),
    "polydiv": (lambda u, w: np.concatenate(np.polydiv(u, w)), (X, V), (0, 1)),
    "i0": (np.i0, (np.array([-9.0, -1.0, 0.3, 2.0, 8.5, 12.0]),), 0),
    "apply_along_axis": (lambda a: np.apply_along_axis(lambda r: r[::-1] * r, 1, a), (M,), 0),
    "apply_along_axis_scalar": (lambda a: np.apply_along_axis(np.sum, 0, a), (M,), 0),
    "apply_over_axes": (lambda a: np.apply_over_axes(np.sum, a, [0, 1]), (M,), 0),
    "nanargmax_const": (lambda a: a * np.nanargmax(a), (X,), 0),
    # not dispatched by NumPy (they call np.array first): reachable as chainrule.numpy.<name>
    "kaiser_beta": (lambda beta: cnp.kaiser(6, beta), (np.float64(2.5),), 0),
    "ascontiguousarray": (lambda a: cnp.ascontiguousarray(a) ** 2, (M,), 0),
    "asarray_chkfinite": (lambda a: cnp.asarray_chkfinite(a) ** 2, (M,), 0),
})
for _method in ("linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf", "averaged_inverted_cdf",
                "closest_observation", "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
                "normal_unbiased"):
    OTHER[f"quantile_{_method}"] = ((lambda m: lambda a: np.quantile(a, [0.1, 0.5, 0.93], axis=1, method=m))(_method),
                                    (M,), 0)
for _mode in ("full", "same", "valid"):
    OTHER[f"convolve_{_mode}"] = ((lambda m: lambda a, v: np.convolve(a, v, m))(_mode), (X, V), (0, 1))
    OTHER[f"convolve_{_mode}_short_first"] = ((lambda m: lambda a, v: np.convolve(a, v, m))(_mode), (V, X), (0, 1))
    OTHER[f"correlate_{_mode}"] = ((lambda m: lambda a, v: np.correlate(a, v, m))(_mode), (X, V[:2]), (0, 1))
    OTHER[f"correlate_{_mode}_short_first"] = ((lambda m: lambda a, v: np.correlate(a, v, m))(_mode), (V[:2], X), (0, 1))
    OTHER[f"complex_convolve_{_mode}"] = ((lambda m: complexified(lambda z: np.convolve(z[:5], z[5:], m)))(_mode),
                                          (normal(2, 8),), 0)
    OTHER[f"complex_correlate_{_mode}"] = ((lambda m: complexified(lambda z: np.correlate(z[:3], z[3:], m)))(_mode),
                                           (normal(2, 8),), 0)
OTHER["complex_interp_fp"] = (complexified(lambda f: np.interp(POINTS, KNOTS, f)), (normal(2, 6),), 0)
OTHER["complex_cov"] = (complexified(np.cov), (normal(2, 3, 5),), 0)
OTHER["complex_corrcoef"] = (complexified(np.corrcoef), (normal(2, 3, 5),), 0)


def cases():
    """(name, function, arguments, argnums, order, needs) for every case of every table."""
    out = []
    for name, (fun, args, argnums) in LINALG.items():
        out.append((f"linalg-{name}", fun, args, argnums, 2, None))
    for name, (fun, args, argnums) in BATCHED.items():
        out.append((f"linalg-{name}", fun, args, argnums, 2, None))
    for name, (fun, arg, needs) in COMPLEX.items():
        out.append((f"linalg-complex-{name}", complexified(fun), (arg,), 0, 2, needs))
    for name, (fun, arg, is_complex) in FFT.items():
        out.append((f"fft-{name}", complexified(fun) if is_complex else real_parts(fun), (arg,), 0, 2, None))
    for name, (fun, args, argnums) in OTHER.items():
        out.append((name, fun, args, argnums, 2, None))
    return out
