"""The one table of primitives and composite functions that every rule test runs through.

Each case is (name, function, arguments). Arguments cover scalar, vector, matrix and
broadcast-pair inputs in each function's valid domain; `argnums` says which are differentiated.
"""
import numpy as np

rng = np.random.default_rng(0)

# inputs by domain: "real" anywhere, "pos" positive, "unit" inside (-1, 1), "big" > 1
def _draw(shape, domain):
    x = rng.standard_normal(shape)
    if domain == "pos":
        x = np.abs(x) + 0.5
    elif domain == "unit":
        x = np.tanh(x) * 0.8
    elif domain == "big":
        x = np.abs(x) + 1.5
    elif domain == "nonzero":
        x = np.sign(x) * (np.abs(x) + 0.3)
    return x if shape else np.float64(x)


SHAPES = {"scalar": (), "vector": (4,), "matrix": (3, 4)}
PAIRS = {"scalar": ((), ()), "vector": ((4,), (4,)), "matrix": ((3, 4), (3, 4)), "broadcast": ((3, 4), (4,)),
         "broadcast-col": ((3, 1), (1, 4))}

UNARY = {
    "negative": (np.negative, "real"), "positive": (np.positive, "real"), "square": (np.square, "real"),
    "sqrt": (np.sqrt, "pos"), "cbrt": (np.cbrt, "pos"), "reciprocal": (np.reciprocal, "nonzero"),
    "abs": (np.abs, "nonzero"), "fabs": (np.fabs, "nonzero"), "exp": (np.exp, "real"), "exp2": (np.exp2, "real"),
    "expm1": (np.expm1, "real"), "log": (np.log, "pos"), "log2": (np.log2, "pos"), "log10": (np.log10, "pos"),
    "log1p": (np.log1p, "pos"), "sin": (np.sin, "real"), "cos": (np.cos, "real"), "tan": (np.tan, "unit"),
    "arcsin": (np.arcsin, "unit"), "arccos": (np.arccos, "unit"), "arctan": (np.arctan, "real"),
    "sinh": (np.sinh, "real"), "cosh": (np.cosh, "real"), "tanh": (np.tanh, "real"),
    "arcsinh": (np.arcsinh, "real"), "arccosh": (np.arccosh, "big"), "arctanh": (np.arctanh, "unit"),
    "deg2rad": (np.deg2rad, "real"), "rad2deg": (np.rad2deg, "real"), "sinc": (np.sinc, "nonzero"),
    "real": (np.real, "real"), "imag_zero_plus_x": (lambda x: x + np.imag(x), "real"),
    "conj": (np.conj, "real"), "angle_plus_x": (lambda x: x + np.angle(x), "nonzero"),
    "pow_const": (lambda x: x ** 3, "real"), "rpow": (lambda x: 2.0 ** x, "real"),
    "clip": (lambda x: np.clip(x, -0.5, 0.5), "real"), "method_clip": (lambda x: x.clip(-0.5, None), "real"),
}
BINARY = {
    "add": (np.add, "real", "real"), "subtract": (np.subtract, "real", "real"),
    "multiply": (np.multiply, "real", "real"), "divide": (np.divide, "real", "nonzero"),
    "true_divide": (np.true_divide, "real", "nonzero"), "power": (np.power, "pos", "real"),
    "float_power": (np.float_power, "pos", "real"), "arctan2": (np.arctan2, "real", "nonzero"),
    "hypot": (np.hypot, "nonzero", "nonzero"), "logaddexp": (np.logaddexp, "real", "real"),
    "logaddexp2": (np.logaddexp2, "real", "real"), "maximum": (np.maximum, "real", "real"),
    "minimum": (np.minimum, "real", "real"), "fmax": (np.fmax, "real", "real"), "fmin": (np.fmin, "real", "real"),
    "fmod": (np.fmod, "pos", "big"), "remainder": (np.remainder, "pos", "big"),
    "copysign_x": (lambda x, y: np.copysign(x, 2.0 + 0 * y) + y, "nonzero", "real"),
    "operators": (lambda x, y: (x + y) * x - y / (1 + x * x) + (-x) ** 2 - abs(y) + 3 % (2 + x * x) - 1.5 * y,
                  "real", "nonzero"),
    "matmul_pair": (lambda x, y: np.sum((x @ np.swapaxes(y, -1, -2)) ** 2) if np.shape(x) == np.shape(y) == (3, 4)
                    else x * y, "real", "real"),
    "where": (lambda x, y: np.where(x > 0, x, y), "real", "real"),
}
REDUCTIONS = {
    "sum": lambda x: np.sum(x), "sum0": lambda x: np.sum(x, axis=0), "sum-1k": lambda x: np.sum(x, axis=-1, keepdims=True),
    "mean": lambda x: np.mean(x, axis=0), "prod": lambda x: np.prod(x, axis=-1), "prod_all": lambda x: np.prod(x),
    "max": lambda x: np.max(x, axis=0), "min": lambda x: np.min(x), "amax": lambda x: np.amax(x, axis=-1, keepdims=True),
    "amin": lambda x: np.amin(x, axis=0), "std": lambda x: np.std(x, axis=0), "var": lambda x: np.var(x, ddof=1),
    "ptp": lambda x: np.ptp(x, axis=0), "average": lambda x: np.average(x, axis=0),
    "cumsum": lambda x: np.cumsum(x, axis=0), "cumsum_flat": lambda x: np.cumsum(x),
    "cumprod": lambda x: np.cumprod(x, axis=-1), "cumprod_flat": lambda x: np.cumprod(x),
    "nansum": lambda x: np.nansum(x, axis=0), "nanmean": lambda x: np.nanmean(x), "nanmax": lambda x: np.nanmax(x, axis=0),
    "nanmin": lambda x: np.nanmin(x), "nanprod": lambda x: np.nanprod(x), "nanstd": lambda x: np.nanstd(x),
    "nanvar": lambda x: np.nanvar(x, axis=0), "nancumsum": lambda x: np.nancumsum(x), "nancumprod": lambda x: np.nancumprod(x, axis=0),
    "method_sum": lambda x: x.sum(axis=0), "method_mean": lambda x: x.mean(), "method_max": lambda x: x.max(axis=-1),
    "method_std": lambda x: x.std(), "method_var": lambda x: x.var(axis=0), "method_prod": lambda x: x.prod(axis=0),
    "method_cumsum": lambda x: x.cumsum(axis=-1),
}
MATRIX_FUNS = {
    "reshape": lambda x: np.reshape(x, (4, 3)), "reshape_method": lambda x: x.reshape(2, 6), "ravel": np.ravel,
    "flatten": lambda x: x.flatten(), "squeeze": lambda x: np.squeeze(x[None, :, None, :]),
    "expand_dims": lambda x: np.expand_dims(x, 1), "transpose": np.transpose, "T": lambda x: x.T,
    "transpose_axes": lambda x: np.transpose(x[None], (2, 0, 1)), "swapaxes": lambda x: np.swapaxes(x, 0, 1),
    "moveaxis": lambda x: np.moveaxis(x[None], 0, -1), "broadcast_to": lambda x: np.broadcast_to(x, (2, 3, 4)),
    "concatenate": lambda x: np.concatenate([x, 2 * x, x[:1]], axis=0), "concatenate1": lambda x: np.concatenate([x, x ** 2], axis=1),
    "concatenate_none": lambda x: np.concatenate([x, x], axis=None), "stack": lambda x: np.stack([x, x ** 2], axis=1),
    "hstack": lambda x: np.hstack([x, x]), "vstack": lambda x: np.vstack([x, x[0]]), "dstack": lambda x: np.dstack([x, x]),
    "column_stack": lambda x: np.column_stack([x[:, 0], x]), "split": lambda x: np.split(x, 2, axis=1)[1],
    "array_split": lambda x: np.array_split(x, 3, axis=1)[0] * 2, "tile": lambda x: np.tile(x, (2, 1)),
    "tile_promote": lambda x: np.tile(x[0], (2, 2)), "repeat": lambda x: np.repeat(x, 2, axis=0),
    "repeat_flat": lambda x: np.repeat(x, [1, 2, 0, 1], axis=1), "flip": lambda x: np.flip(x, 0),
    "flip_all": lambda x: np.flip(x), "roll": lambda x: np.roll(x, 1, axis=1), "roll_flat": lambda x: np.roll(x, 5),
    "rot90": lambda x: np.rot90(x), "rot90_3": lambda x: np.rot90(x, 3), "pad": lambda x: np.pad(x, ((1, 0), (2, 1))),
    "pad_reflect": lambda x: np.pad(x, 1, mode="reflect"), "pad_edge": lambda x: np.pad(x, (1, 2), mode="edge"),
    "triu": np.triu, "tril": lambda x: np.tril(x, -1), "diag": lambda x: np.diag(x), "diag_k": lambda x: np.diag(x, 1),
    "diag_vector": lambda x: np.diag(x[0], -1), "diagonal": lambda x: np.diagonal(x, 1),
    "trace": lambda x: np.trace(x), "where_const": lambda x: np.where(x > 0, x, 0.0),
    "take": lambda x: np.take(x, [0, 2, 2], axis=1), "take_flat": lambda x: np.take(x, [5, 1, 5]),
    "take_along_axis": lambda x: np.take_along_axis(x, np.argsort(x, axis=1), axis=1), "sort": lambda x: np.sort(x, axis=0),
    "sort_flat": lambda x: np.sort(x, axis=None), "copy": np.copy, "astype": lambda x: x.astype(np.float64),
    "atleast_3d": np.atleast_3d, "getitem_basic": lambda x: x[1:, ::-2], "getitem_int": lambda x: x[1],
    "getitem_fancy": lambda x: x[[0, 2, 2]], "getitem_fancy2": lambda x: x[[0, 1], [3, 3]],
    "getitem_bool": lambda x: x[x > 0], "getitem_mixed": lambda x: x[1:, [0, 3]],
    "getitem_separated": lambda x: x[None][[0], :, [1, 2]], "getitem_newaxis": lambda x: x[:, None, 1:3],
    "getitem_ellipsis": lambda x: x[..., -1], "iterate": lambda x: sum(row * i for i, row in enumerate(x)),
    "array_of_boxes": lambda x: __import__("chainrule").numpy.array([x[0, 0], x[1, 1] ** 2, 3.0]),
    "norm": lambda x: np.linalg.norm(x), "norm_axis": lambda x: np.linalg.norm(x, axis=1),
    "norm_1": lambda x: np.linalg.norm(x[0], 1), "norm_inf": lambda x: np.linalg.norm(x, np.inf),
    "norm_fro_keep": lambda x: np.linalg.norm(x, "fro", keepdims=True), "norm_p3": lambda x: np.linalg.norm(x[1], 3),
    "matmul_self": lambda x: x @ x.T, "matmul_vec": lambda x: x @ x[0], "vec_matmul": lambda x: x[:, 0] @ x,
    "vec_vec": lambda x: x[0] @ x[1], "dot": lambda x: np.dot(x, x.T), "dot_vec": lambda x: x.dot(x[0]),
    "tensordot": lambda x: np.tensordot(x, x, axes=([0], [0])), "tensordot_int": lambda x: np.tensordot(x, x.T, 1),
    "inner": lambda x: np.inner(x, x), "outer": lambda x: np.outer(x[0], x[1]), "vdot": lambda x: np.vdot(x, x),
    "kron": lambda x: np.kron(x[:2, :2], x[1:, 2:]), "cross": lambda x: np.cross(x[0, :3], x[1, 1:]),
    "einsum_trace": lambda x: np.einsum("ii", x[:, :3]),
    "einsum_diag": lambda x: np.einsum("ii->i", x[:, :3]), "einsum_mm": lambda x: np.einsum("ij,kj->ik", x, x),
    "einsum_sum": lambda x: np.einsum("ij->j", x), "einsum_ellipsis": lambda x: np.einsum("...j,j->...", x, x[0]),
    "einsum_implicit": lambda x: np.einsum("ij,jk", x, x.T), "einsum_outer3": lambda x: np.einsum("i,j,k->ijk", x[0], x[1], x[2]),
    "stacked_matmul": lambda x: np.matmul(x.reshape(3, 2, 2), x.reshape(3, 2, 2)),
    "broadcast_matmul": lambda x: np.matmul(x.reshape(3, 2, 2), x[0].reshape(2, 2)),
    "stack_vec_matmul": lambda x: np.matmul(x[0], x.reshape(3, 4, 1)),
    "mat_stackvec": lambda x: np.matmul(x.reshape(3, 4, 1)[..., 0], x[0]),
    "vec_stacked": lambda x: np.matmul(x[0, :2], x.reshape(3, 2, 2)),
    "stacked_vec": lambda x: np.matmul(x.reshape(3, 2, 2), x[0, :2]),
}


def cases():
    out = []
    for name, (fun, domain) in UNARY.items():
        for shape_name, shape in SHAPES.items():
            out.append((f"{name}-{shape_name}", fun, (_draw(shape, domain),), 0))
    for name, (fun, dom_x, dom_y) in BINARY.items():
        for shape_name, (sx, sy) in PAIRS.items():
            out.append((f"{name}-{shape_name}", fun, (_draw(sx, dom_x), _draw(sy, dom_y)), (0, 1)))
    for name, fun in REDUCTIONS.items():
        for shape_name, shape in (("vector", (4,)), ("matrix", (3, 4))):
            domain = "nonzero" if "prod" in name else "real"
            out.append((f"{name}-{shape_name}", fun, (_draw(shape, domain),), 0))
    for name, fun in MATRIX_FUNS.items():
        out.append((name, fun, (_draw((3, 4), "nonzero"),), 0))
    return out
