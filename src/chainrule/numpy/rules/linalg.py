"""Products and norms: matmul, einsum (primitives); dot, tensordot, inner, outer, vdot, kron, cross, norm.

`matmul` and `einsum` carry the rules; the other products are written with them (as NumPy
itself writes tensordot with reshape and dot). Cotangents and tangents may carry leading
batch axes: matmul treats them as extra stack axes, einsum gives them an ellipsis.
"""
from __future__ import annotations

import string

import numpy as np

from ...core import defjvp, defvjp
from ...core.stage import detach, peek
from .. import box
from ..broadcast import align_tangent, unbroadcast
from ..registry import composite, primitive


# --- matmul -------------------------------------------------------------------------------
matmul = primitive(np.matmul, "matmul")


def _matmul_vjp_x(ans, x, y):
    x_shape, y_ndim, ans_ndim = x.shape, y.ndim, ans.ndim
    if len(x_shape) == 1 and y_ndim == 1:
        return lambda g: np.expand_dims(g, -1) * y
    if len(x_shape) == 1 and y_ndim == 2:  # vector @ matrix: one matrix product, batch axes included
        return lambda g: np.matmul(g, y.mT)
    if len(x_shape) == 1:
        return lambda g: unbroadcast(np.matmul(np.expand_dims(g, -2), y.mT)[..., 0, :],
                                     x_shape, ans_ndim)
    if y_ndim == 1:
        return lambda g: unbroadcast(np.expand_dims(g, -1) * y, x_shape, ans_ndim + 1)
    if x_shape[:-2] == ans.shape[:-2]:  # x's stack axes were not broadcast (two matrices: the common case)
        return lambda g: np.matmul(g, y.mT)
    return lambda g: unbroadcast(np.matmul(g, y.mT), x_shape, ans_ndim)


def _matmul_vjp_y(ans, x, y):
    y_shape, x_ndim, ans_ndim = y.shape, x.ndim, ans.ndim
    if x_ndim == 1 and len(y_shape) == 1:
        return lambda g: np.expand_dims(g, -1) * x
    if len(y_shape) == 1 and x_ndim == 2:  # matrix @ vector
        return lambda g: np.matmul(g, x)
    if len(y_shape) == 1:
        return lambda g: unbroadcast(np.matmul(x.mT, np.expand_dims(g, -1))[..., 0],
                                     y_shape, ans_ndim)
    if x_ndim == 1:
        return lambda g: unbroadcast(np.expand_dims(x, -1) * np.expand_dims(g, -2), y_shape, ans_ndim + 1)
    if y_shape[:-2] == ans.shape[:-2]:  # y's stack axes were not broadcast (two matrices: the common case)
        return lambda g: np.matmul(x.mT, g)
    return lambda g: unbroadcast(np.matmul(x.mT, g), y_shape, ans_ndim)


def _matmul_jvp_x(t, ans, x, y):
    x_ndim, y_ndim = x.ndim, y.ndim
    if x_ndim == 1 and y_ndim == 1:
        return np.sum(t * y, axis=-1)
    if x_ndim == 1 and y_ndim == 2:
        return np.matmul(t, y)
    if x_ndim == 1:
        return np.matmul(align_tangent(np.expand_dims(t, -2), 2, y_ndim), y)[..., 0, :]
    return np.matmul(align_tangent(t, x_ndim, max(x_ndim, y_ndim)), y)


def _matmul_jvp_y(t, ans, x, y):
    x_ndim, y_ndim = x.ndim, y.ndim
    if x_ndim == 1 and y_ndim == 1:
        return np.sum(x * t, axis=-1)
    if y_ndim == 1 and x_ndim == 2:
        return np.matmul(t, x.mT)
    if y_ndim == 1:
        return np.matmul(x, align_tangent(np.expand_dims(t, -1), 2, x_ndim))[..., 0]
    return np.matmul(x, align_tangent(t, y_ndim, max(x_ndim, y_ndim)))


defvjp(matmul, _matmul_vjp_x, _matmul_vjp_y)
defjvp(matmul, _matmul_jvp_x, _matmul_jvp_y)
box.matmul = matmul


# --- einsum -------------------------------------------------------------------------------
def _parse_einsum(subscripts: str, shapes) -> tuple[list, str]:
    """Explicit subscripts (ellipses expanded to letters) for each operand and the output."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    operands = inputs.split(",")
    used = set(subscripts) - set(".,->")
    spare = iter(c for c in string.ascii_letters if c not in used)
    ellipsis_ndim = max((len(s) - len(op.replace("...", "")) for op, s in zip(operands, shapes) if "..." in op),
                        default=0)
    ellipsis_letters = "".join(next(spare) for _ in range(ellipsis_ndim))
    expanded = []
    for op, shape in zip(operands, shapes):
        if "..." in op:
            count = len(shape) - len(op.replace("...", ""))
            op = op.replace("...", ellipsis_letters[ellipsis_ndim - count:])
        expanded.append(op)
    if arrow:
        output = output.replace("...", ellipsis_letters)
    else:
        letters = "".join(expanded)
        output = ellipsis_letters + "".join(sorted(c for c in set(letters) - set(ellipsis_letters)
                                                   if letters.count(c) == 1))
    return expanded, output


def _einsum(*operands, subscripts):
    return np.einsum(subscripts, *operands)


einsum_p = primitive(_einsum, "einsum", numpy_fun=False)


def _einsum_vjp(argnum, ans, operands, kwargs):
    inputs, output = _parse_einsum(kwargs["subscripts"], [np.shape(o) for o in operands])
    target = inputs[argnum]
    others = [(s, o) for i, (s, o) in enumerate(zip(inputs, operands)) if i != argnum]
    sizes = {c: n for s, o in zip(inputs, operands) for c, n in zip(s, np.shape(o))}
    extra = []  # letters summed away in the forward pass that appear only in this operand
    available = set(output).union(*[set(s) for s, _ in others])
    for c in dict.fromkeys(target):
        if c not in available:
            extra.append((c, np.ones(sizes[c])))
    # repeated letters in the target (a diagonal): produce distinct letters joined by identities
    used = set("".join(inputs) + output)
    spare = iter(c for c in string.ascii_letters if c not in used)
    seen, result_letters, identities = set(), "", []
    for c in target:
        if c in seen:
            fresh = next(spare)
            identities.append((c + fresh, np.eye(sizes[c])))
            result_letters += fresh
        else:
            seen.add(c)
            result_letters += c
    terms = others + extra + identities

    def vjp(g):
        spec = ",".join(["..." + output] + [s for s, _ in terms]) + "->..." + result_letters
        return np.einsum(spec, g, *[o for _, o in terms])
    return vjp


def _einsum_jvp(argnum, t, ans, operands, kwargs):
    inputs, output = _parse_einsum(kwargs["subscripts"], [np.shape(o) for o in operands])
    specs = ["..." + s if i == argnum else s for i, s in enumerate(inputs)]
    args = [t if i == argnum else o for i, o in enumerate(operands)]
    return np.einsum(",".join(specs) + "->..." + output, *args)


einsum_p.vjp_argnum = _einsum_vjp
einsum_p.jvp_argnum = _einsum_jvp


@composite(np.einsum)
def einsum(*operands, out=None, optimize=False, **kwargs):
    if not isinstance(operands[0], str):
        raise TypeError("chainrule: np.einsum's interleaved (array, [axes]) form is not supported; use a subscripts string.")
    subscripts, arrays = operands[0], operands[1:]
    inputs, output = _parse_einsum(subscripts, [np.shape(a) for a in arrays])
    return einsum_p(*arrays, subscripts=",".join(inputs) + "->" + output)


# --- products written with matmul / einsum -----------------------------------------------------
@composite(np.dot)
def dot(a, b, out=None):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    if np.ndim(b) <= 2:
        return matmul(a, b) if np.ndim(a) <= 2 else tensordot(a, b, ([-1], [0]))
    return tensordot(a, b, ([-1], [-2]))


@composite(np.tensordot)
def tensordot(a, b, axes=2):
    if np.ndim(axes) == 0:
        axes_a, axes_b = list(range(np.ndim(a) - axes, np.ndim(a))), list(range(axes))
    else:
        axes_a, axes_b = [np.atleast_1d(ax).tolist() for ax in axes]
    ndim_a, ndim_b = np.ndim(a), np.ndim(b)
    axes_a, axes_b = [ax % ndim_a for ax in axes_a], [ax % ndim_b for ax in axes_b]
    letters = iter(string.ascii_letters)
    spec_a = [next(letters) for _ in range(ndim_a)]
    spec_b = [next(letters) for _ in range(ndim_b)]
    for ax_a, ax_b in zip(axes_a, axes_b):
        spec_b[ax_b] = spec_a[ax_a]
    out = [c for i, c in enumerate(spec_a) if i not in axes_a] + [c for i, c in enumerate(spec_b) if i not in axes_b]
    return einsum_p(a, b, subscripts="".join(spec_a) + "," + "".join(spec_b) + "->" + "".join(out))


@composite(np.inner)
def inner(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return tensordot(a, b, ([-1], [-1]))


@composite(np.outer)
def outer(a, b, out=None):
    return np.reshape(a, (-1, 1)) * np.reshape(b, (1, -1))


@composite(np.vdot)
def vdot(a, b):
    return np.sum(np.conjugate(np.ravel(a)) * np.ravel(b))


@composite(np.kron)
def kron(a, b):
    ndim = max(np.ndim(a), np.ndim(b))
    a = np.reshape(a, (1,) * (ndim - np.ndim(a)) + np.shape(a))
    b = np.reshape(b, (1,) * (ndim - np.ndim(b)) + np.shape(b))
    a_shape, b_shape = np.shape(a), np.shape(b)
    a_expanded = np.reshape(a, tuple(s for n in a_shape for s in (n, 1)))
    b_expanded = np.reshape(b, tuple(s for n in b_shape for s in (1, n)))
    return np.reshape(a_expanded * b_expanded, tuple(m * n for m, n in zip(a_shape, b_shape)))


@composite(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    if np.shape(a)[-1] == 2 and np.shape(b)[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    a = a if np.shape(a)[-1] == 3 else np.concatenate([a, np.zeros(np.shape(a)[:-1] + (1,))], axis=-1)
    b = b if np.shape(b)[-1] == 3 else np.concatenate([b, np.zeros(np.shape(b)[:-1] + (1,))], axis=-1)
    components = [a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                  a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                  a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]]
    return np.moveaxis(np.stack(components, axis=-1), -1, axisc)


# --- norm: the 2-norm and Frobenius norm (gradient 0 at 0: the minimum-norm subgradient) ---------
def _norm2(x, *, axis, keepdims):
    return np.linalg.norm(x, axis=axis, keepdims=keepdims)


norm2 = primitive(_norm2, "norm", numpy_fun=False)


def _norm2_direction(ans, x, axis, keepdims):
    from .reductions import keepdims_shape, normalize_axes
    axes = normalize_axes(axis, np.ndim(x))
    full = ans if keepdims else np.reshape(ans, keepdims_shape(np.shape(x), axes))
    safe = np.where(detach(full) == 0, 1.0, full)
    return (np.conjugate(x) if np.iscomplexobj(peek(x)) else x) / safe, axes


def _norm2_vjp(ans, x, *, axis, keepdims):
    from .reductions import with_kept_axes
    direction, axes = _norm2_direction(ans, x, axis, keepdims)
    shape, ans_ndim = np.shape(x), np.ndim(ans)
    return lambda g: with_kept_axes(g, ans_ndim, shape, axes, keepdims) * direction


def _norm2_jvp(t, ans, x, *, axis, keepdims):
    direction, axes = _norm2_direction(ans, x, axis, keepdims)
    return np.real(np.sum(t * direction, axis=axes, keepdims=keepdims))


defvjp(norm2, _norm2_vjp)
defjvp(norm2, _norm2_jvp)


@composite(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    ndim = np.ndim(x)
    vector = (axis is None and ndim == 1) or (axis is not None and np.ndim(axis) == 0) or (
        axis is not None and len(axis) == 1)
    if ord is None or (vector and ord == 2) or (not vector and ord == "fro"):
        return norm2(x, axis=axis, keepdims=keepdims)
    if axis is None and ord is not None and ndim > 2:
        raise ValueError("Improper number of dimensions to norm.")
    if vector:
        magnitude = np.abs(x)
        if ord == np.inf:
            return np.max(magnitude, axis=axis, keepdims=keepdims)
        if ord == -np.inf:
            return np.min(magnitude, axis=axis, keepdims=keepdims)
        if ord == 1:
            return np.sum(magnitude, axis=axis, keepdims=keepdims)
        if ord == 0:
            return np.sum(detach(x) != 0, axis=axis, keepdims=keepdims).astype(float)
        return np.sum(magnitude ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return _matrix_norm(x, ord, axis, keepdims)


def _matrix_norm(x, ord, axis, keepdims):
    row_axis, col_axis = (-2, -1) if axis is None else axis
    magnitude = np.abs(x)
    if ord in (1, -1):
        sums = np.sum(magnitude, axis=row_axis, keepdims=True)
        result = (np.max if ord == 1 else np.min)(sums, axis=col_axis, keepdims=True)
    elif ord in (np.inf, -np.inf):
        sums = np.sum(magnitude, axis=col_axis, keepdims=True)
        result = (np.max if ord == np.inf else np.min)(sums, axis=row_axis, keepdims=True)
    elif ord in (2, -2, "nuc"):  # singular values (linalg_decomp): largest, smallest, sum
        from .linalg_decomp import svdvals
        ndim = np.ndim(x)
        row_axis, col_axis = row_axis % ndim, col_axis % ndim
        s = svdvals(np.moveaxis(x, (row_axis, col_axis), (-2, -1)))
        result = np.sum(s, axis=-1) if ord == "nuc" else (np.max if ord == 2 else np.min)(s, axis=-1)
        if not keepdims:
            return result
        return np.expand_dims(result, tuple(sorted((row_axis, col_axis))))
    else:
        raise ValueError(f"Invalid norm order {ord!r} for matrices.")
    return result if keepdims else np.squeeze(result, axis=(row_axis, col_axis))
