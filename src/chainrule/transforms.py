"""Function transforms: HIPS autograd's names (grad, jacobian, make_vjp, ...) and JAX's (jacfwd, jacrev, hvp, ...).

Each transform opens its own trace (a fresh level), boxes the differentiated arguments
(flattening tuples, lists and dicts), runs the user's function and reads the graph back.
Python ints, bools and integer arrays become float64 so `grad(f)(1)` works. Jacobians push
a whole batch of basis vectors through the rules at once instead of looping over rows.
"""
from __future__ import annotations

import functools
import itertools
import threading
from typing import Callable

import numpy as np

from .core import ForwardTrace, Node, Primitive, ReverseTrace, backward_from, backward_pass, tree_flatten, tree_unflatten
from .core.stage import StagingTrace, detach, peek
from .core.trace import Box
from .numpy.box import ArrayBox

__all__ = [
    "grad", "value_and_grad", "grad_and_aux", "elementwise_grad", "deriv", "jacobian", "hessian",
    "make_vjp", "make_jvp", "make_hvp", "hessian_tensor_product", "hessian_vector_product",
    "holomorphic_grad", "checkpoint", "stop_gradient", "jacfwd", "jacrev", "jvp", "vjp", "hvp",
]


# --- inputs ------------------------------------------------------------------------------------
def as_differentiable(value):
    """A leaf ready to be traced: ints and bools become float64, Python numbers NumPy scalars."""
    if type(value) is np.ndarray and value.dtype.kind in "fc":  # the common case
        return value
    if isinstance(value, Box):
        return value.astype(np.float64) if value.dtype.kind in "biu" else value
    if isinstance(value, (bool, int, np.bool_, np.integer)):
        return np.float64(value)
    if isinstance(value, float):
        return np.float64(value)
    if isinstance(value, complex):
        return np.complex128(value)
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind not in "fc":
        raise TypeError(f"chainrule: cannot differentiate with respect to a value of dtype "
                        f"{array.dtype} ({type(value).__name__}); pass floats or arrays of floats.")
    return value if isinstance(value, (np.ndarray, np.generic)) else array


def _selected(args, positions) -> tuple:
    """The differentiated arguments, with a clear error for an argnum the call does not have."""
    try:
        return tuple(args[i] for i in positions)
    except IndexError:
        raise TypeError(
            f"chainrule: asked to differentiate with respect to positional argument(s) "
            f"{tuple(positions)}, but the function was called with {len(args)} positional "
            f"argument(s). Pass that argument positionally (not by keyword), or fix argnum/argnums."
        ) from None


def _argnums(argnum, argnums):
    chosen = argnum if argnums is None else argnums
    return chosen, (chosen,) if isinstance(chosen, int) else tuple(chosen)


def _plain_arrays(args, argnums) -> bool:
    """Whether every differentiated argument is a float ndarray (then no pytree walk is needed)."""
    for position in argnums:
        if not -len(args) <= position < len(args):
            return False  # the slow path reports the bad argnum
        arg = args[position]
        if type(arg) is not np.ndarray or arg.dtype.kind != "f":
            return False
    return True


@functools.lru_cache(maxsize=None)
def _flat_spec(count: int):
    """The pytree spec of a tuple of `count` leaves."""
    return tree_flatten((None,) * count)[1]


class _Traced:
    """One run of `fun` with the chosen arguments boxed on a fresh trace."""

    __slots__ = ("trace", "roots", "leaves", "spec", "out")

    def __init__(self, trace, fun, args, kwargs, argnums, *, boxed_type=ArrayBox):
        self.trace = trace
        plain = _plain_arrays(args, argnums)
        if plain:  # the common case: no containers to walk, nothing to convert
            leaves, self.spec = [args[position] for position in argnums], _flat_spec(len(argnums))
        else:
            leaves, self.spec = tree_flatten(_selected(args, argnums))
            leaves = list(map(as_differentiable, leaves))
        self.leaves = leaves
        self.roots = roots = [Node.root() for _ in leaves]
        boxes = list(map(boxed_type, leaves, itertools.repeat(trace), roots))
        new_args = list(args)
        for position, value in zip(argnums, boxes if plain else tree_unflatten(self.spec, boxes)):
            new_args[position] = value
        self.out = fun(*new_args, **kwargs)

    def node(self, value):
        value = lower(value, self.trace)
        return value._node if isinstance(value, Box) and value._trace is self.trace else None

    def value(self, value):
        value = lower(value, self.trace)
        return value._value if isinstance(value, Box) and value._trace is self.trace else value

    def pull_back(self, cotangent, end_node, *, free: bool, batch_shape: tuple = ()):
        """Cotangents of the inputs (a pytree like the differentiated arguments)."""
        if end_node is None:
            found = [None] * len(self.leaves)
        else:
            found = backward_pass(end_node, cotangent, self.roots, free=free)
        return tree_unflatten(self.spec, [_finish(c, leaf, batch_shape) for c, leaf in zip(found, self.leaves)])


def lower(value, trace):
    """`value` without the boxes of levels above `trace`.

    Such boxes belong to tensor graphs that the function built from its traced inputs
    (`chainrule.tensor(x)` inside `grad(f)`); for this transform they are just values.
    """
    while isinstance(value, Box) and value._trace.level > trace.level:
        value = value._value
    return value


def backward_many(pairs, start_nodes, *, free: bool) -> list:
    """Cotangents of `start_nodes` (None = zero) from several `(end_node, cotangent)` pairs at once."""
    return backward_from(pairs, start_nodes, free=free) if pairs else [None] * len(start_nodes)


def _finish(cotangent, leaf, batch_shape=()):
    """The gradient as the user sees it: the leaf's shape and dtype, zeros where independent."""
    if (type(cotangent) is np.ndarray and type(leaf) is np.ndarray and cotangent.shape == leaf.shape
            and cotangent.dtype == leaf.dtype and cotangent.flags.writeable):
        return cotangent  # the common case, already in shape
    if type(cotangent) is type(leaf) and isinstance(leaf, np.generic):
        return cotangent  # a NumPy scalar of the leaf's own type (a scalar function)
    shape, dtype = np.shape(peek(leaf)), np.result_type(peek(leaf))
    if cotangent is None:
        zeros = np.zeros(tuple(batch_shape) + shape, dtype=dtype)
        return zeros if zeros.ndim else zeros[()]
    if isinstance(cotangent, Box):
        return _finish_staged(cotangent, shape, dtype) if cotangent._trace.__class__ is StagingTrace else cotangent
    batch_shape = np.shape(cotangent)[:max(np.ndim(cotangent) - len(shape), 0)]
    if dtype.kind == "f" and np.iscomplexobj(cotangent):
        cotangent = np.real(cotangent)
    if not isinstance(cotangent, (np.ndarray, np.generic)):
        cotangent = np.asarray(cotangent, dtype=dtype)
        cotangent = cotangent if cotangent.ndim else cotangent[()]
    if cotangent.dtype != dtype or np.shape(cotangent) != tuple(batch_shape) + shape:
        cotangent = np.broadcast_to(np.asarray(cotangent, dtype=dtype), tuple(batch_shape) + shape)
    if isinstance(cotangent, np.ndarray) and not cotangent.flags.writeable:
        cotangent = np.array(cotangent)
    return cotangent


def _finish_staged(cotangent, shape: tuple, dtype):
    """`_finish` of a gradient that a compile records: the same fixes, decided on its metadata."""
    raw = peek(cotangent)
    batch_shape = np.shape(raw)[:max(np.ndim(raw) - len(shape), 0)]
    if dtype.kind == "f" and np.iscomplexobj(raw):
        cotangent = np.real(cotangent)
    if np.result_type(peek(cotangent)) != dtype or np.shape(raw) != tuple(batch_shape) + shape:
        cotangent = np.broadcast_to(cotangent.astype(dtype), tuple(batch_shape) + shape)
    raw = peek(cotangent)
    if isinstance(raw, np.ndarray) and not raw.flags.writeable:
        cotangent = np.copy(cotangent)
    return cotangent


def fresh_staged(cotangent, shape: tuple, dtype):
    """A recorded gradient in the leaf's dtype and shape, in a new array (what a tensor's `.grad` is)."""
    if dtype.kind == "f" and np.iscomplexobj(peek(cotangent)):
        cotangent = np.real(cotangent)
    return np.copy(np.broadcast_to(cotangent.astype(dtype), shape))


def _ones_like(value):
    raw = peek(value)
    dtype = getattr(raw, "dtype", None)
    if dtype is None or not isinstance(dtype, np.dtype):
        dtype = np.result_type(raw)
    shape = getattr(raw, "shape", None)
    if shape is None:
        shape = np.shape(raw)
    return np.ones(shape, dtype=dtype) if shape else dtype.type(1)


_NUMPY_FLOAT_SCALARS = (np.float64, np.float32, float)


def _check_scalar(value, name: str) -> None:
    raw = peek(value)
    if type(raw) in _NUMPY_FLOAT_SCALARS:  # the common case: a float64 loss
        return
    if np.ndim(raw) != 0:
        raise TypeError(
            f"chainrule.{name}: the function returned an array of shape {np.shape(raw)}, but a "
            f"gradient needs a scalar output. Use chainrule.jacobian for the full Jacobian, "
            f"chainrule.elementwise_grad for the derivative of each output element with "
            f"respect to its own input, or reduce the output (e.g. .sum()) first.")
    if np.iscomplexobj(raw) and name == "grad":
        raise TypeError("chainrule.grad: the function returned a complex number; use "
                        "chainrule.holomorphic_grad for holomorphic functions, or take np.real / np.abs first.")


def _unpack(result, chosen):
    return result[0] if isinstance(chosen, int) else result


def _name(fun) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def _wraps(fun, kind: str):
    def decorate(transformed):
        functools.update_wrapper(transformed, fun, assigned=("__module__", "__name__", "__qualname__"))
        transformed.__name__ = f"{kind}({_name(fun)})"
        transformed.__qualname__ = transformed.__name__
        transformed.__doc__ = f"The {kind} of {_name(fun)}."
        return transformed
    return decorate


# --- reverse mode --------------------------------------------------------------------------------
def value_and_grad(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """`(f(*args), grad f(*args))` from one forward and one backward pass.

    >>> value_and_grad(lambda x: x ** 3)(2.0)
    (np.float64(8.0), np.float64(12.0))
    """
    chosen, positions = _argnums(argnum, argnums)

    @_wraps(fun, "value_and_grad")
    def value_and_grad_fun(*args, **kwargs):
        run = _Traced(ReverseTrace(), fun, args, kwargs, positions)
        _check_scalar(run.out, "grad")
        value = run.value(run.out)
        return value, _unpack(run.pull_back(_ones_like(value), run.node(run.out), free=True), chosen)
    return value_and_grad_fun


def grad(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """The gradient of a scalar function with respect to argument `argnum` (an int or a tuple).

    The gradient has the argument's shape (and pytree structure); a tuple of argnums gives
    a tuple of gradients.

    >>> grad(lambda x: 3 * x ** 2 - 4 * x)(1.0)
    np.float64(2.0)
    >>> grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
    (np.float64(5.0), np.float64(2.0))
    """
    both = value_and_grad(fun, argnum, argnums=argnums)

    @_wraps(fun, "grad")
    def grad_fun(*args, **kwargs):
        return both(*args, **kwargs)[1]
    return grad_fun


def grad_and_aux(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """For `fun` returning `(value, aux)`: returns `(grad of value, aux)`.

    >>> grad_and_aux(lambda x: (x ** 2, "note"))(3.0)
    (np.float64(6.0), 'note')
    """
    chosen, positions = _argnums(argnum, argnums)

    @_wraps(fun, "grad_and_aux")
    def grad_and_aux_fun(*args, **kwargs):
        run = _Traced(ReverseTrace(), fun, args, kwargs, positions)
        value, aux = run.out
        _check_scalar(value, "grad")
        gradient = run.pull_back(_ones_like(run.value(value)), run.node(value), free=True)
        return _unpack(gradient, chosen), unbox_tree(aux, run.trace)
    return grad_and_aux_fun


def unbox_tree(tree, trace):
    """Strip this trace's boxes from an auxiliary output."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten(spec, [leaf._value if isinstance(leaf, Box) and leaf._trace is trace else leaf
                                 for leaf in leaves])


def elementwise_grad(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """The vector-Jacobian product with a vector of ones: d out_i / d x_i for elementwise functions.

    >>> elementwise_grad(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    chosen, positions = _argnums(argnum, argnums)

    @_wraps(fun, "elementwise_grad")
    def elementwise_grad_fun(*args, **kwargs):
        run = _Traced(ReverseTrace(), fun, args, kwargs, positions)
        return _unpack(run.pull_back(_ones_like(run.value(run.out)), run.node(run.out), free=True), chosen)
    return elementwise_grad_fun


deriv = elementwise_grad


def make_vjp(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """autograd's `make_vjp`: `make_vjp(f)(*args)` returns `(vjp, f(*args))`; `vjp` may be called many times.

    >>> vjp, value = make_vjp(lambda x: x * 3.0)(2.0)
    >>> value, vjp(1.0)
    (np.float64(6.0), np.float64(3.0))
    """
    chosen, positions = _argnums(argnum, argnums)

    def vjp_maker(*args, **kwargs):
        run = _Traced(ReverseTrace(), fun, args, kwargs, positions)
        out_leaves, out_spec = tree_flatten(run.out)

        def vjp(cotangent):
            cotangents = tree_flatten(cotangent)[0] if out_spec is not None else [cotangent]
            return _unpack(_pull_back_many(run, out_leaves, cotangents), chosen)
        return vjp, tree_unflatten(out_spec, [run.value(leaf) for leaf in out_leaves])
    return vjp_maker


def _pull_back_many(run: _Traced, out_leaves, cotangents, batch_shape=(), *, free: bool = False):
    """Pull back cotangents of several outputs at once (a dummy node joins them)."""
    pairs = [(run.node(leaf), c) for leaf, c in zip(out_leaves, cotangents) if run.node(leaf) is not None]
    found = backward_many(pairs, run.roots, free=free)
    return tree_unflatten(run.spec, [_finish(c, leaf, batch_shape) for c, leaf in zip(found, run.leaves)])


def _split_aux(out, has_aux: bool, kind: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"chainrule.{kind}(has_aux=True): the function must return a pair (output, aux), "
                        f"got {type(out).__name__}.")
    return out[0], out[1]


def _scalar(value):
    """A 0-d array as a NumPy scalar (what every other transform returns for scalars)."""
    raw = peek(value) if isinstance(value, Box) and value._trace.__class__ is StagingTrace else value
    return value[()] if isinstance(raw, np.ndarray) and raw.ndim == 0 else value  # recorded when staged


# --- Jacobians ----------------------------------------------------------------------------------
def _jacrev(fun: Callable, chosen, has_aux: bool, kind: str) -> Callable:
    positions = (chosen,) if isinstance(chosen, int) else tuple(chosen)

    @_wraps(fun, kind)
    def jacrev_fun(*args, **kwargs):
        run = _Traced(ReverseTrace(), fun, args, kwargs, positions)
        out, aux = _split_aux(run.out, has_aux, kind)
        out_leaves, out_spec = tree_flatten(out)
        values = [peek(run.value(leaf)) for leaf in out_leaves]
        shapes = [np.shape(value) for value in values]
        if out_spec is None and shapes[0] == ():  # a scalar: the gradient, no batch axis
            node = run.node(out_leaves[0])
            one = np.result_type(values[0], np.float64).type(1)
            found = backward_many([(node, one)] if node is not None else [], run.roots, free=True)
            result = _unpack(tree_unflatten(run.spec, [_finish(c, leaf) for c, leaf in zip(found, run.leaves)]), chosen)
        else:
            sizes = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
            total = sum(sizes)
            identity = np.eye(total)
            pairs, start = [], 0
            for leaf, value, shape, size in zip(out_leaves, values, shapes, sizes):
                node = run.node(leaf)
                if node is not None:
                    block = identity[:, start:start + size].astype(np.result_type(value, np.float64), copy=False)
                    pairs.append((node, block.reshape((total,) + shape)))
                start += size
            found = backward_many(pairs, run.roots, free=True)
            cotangents = [_finish(c, leaf, (total,)) for c, leaf in zip(found, run.leaves)]
            per_output, start = [], 0
            for shape, size in zip(shapes, sizes):
                blocks = [_scalar(np.reshape(c[start:start + size], shape + np.shape(peek(leaf))))
                          for c, leaf in zip(cotangents, run.leaves)]
                per_output.append(_unpack(tree_unflatten(run.spec, blocks), chosen))
                start += size
            result = tree_unflatten(out_spec, per_output)
        return (result, unbox_tree(aux, run.trace)) if has_aux else result
    return jacrev_fun


def jacobian(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """The Jacobian by reverse mode, shape `out.shape + in.shape`, from one batched backward pass.

    Outputs and inputs may be pytrees (the result nests the input structure inside the
    output structure, as JAX does).

    >>> jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return _jacrev(fun, argnum if argnums is None else argnums, False, "jacobian")


def jacrev(fun: Callable, argnums=0, has_aux: bool = False, *, argnum=None) -> Callable:
    """JAX's `jacrev`: the Jacobian by reverse mode, all output directions in one backward pass.

    >>> jacrev(lambda x, y: {"p": x * y}, argnums=(0, 1))(2.0, 3.0)
    {'p': (np.float64(3.0), np.float64(2.0))}
    """
    return _jacrev(fun, argnums if argnum is None else argnum, has_aux, "jacrev")


# --- forward mode --------------------------------------------------------------------------------
def make_jvp(fun: Callable, argnum=0) -> Callable:
    """autograd's `make_jvp`: `make_jvp(f)(*args)(tangent)` returns `(f(*args), J @ tangent)`.

    >>> make_jvp(lambda x: x ** 3)(2.0)(1.0)
    (np.float64(8.0), np.float64(12.0))
    """
    def jvp_maker(*args, **kwargs):
        def jvp(tangent):
            value, tangent_out = _push_forward(fun, args, kwargs, (argnum,), (tangent,), 0)
            return value, tangent_out
        return jvp
    return jvp_maker


def _push_forward(fun, args, kwargs, positions, tangents, batch_ndim, *, has_aux: bool = False):
    """Run `fun` on a ForwardTrace seeded with `tangents` for the arguments at `positions`."""
    trace = ForwardTrace(batch_ndim)
    primal_leaves, spec = tree_flatten(_selected(args, positions))
    tangent_leaves = [as_differentiable(t) for t in tree_flatten(tuple(tangents))[0]]
    if len(tangent_leaves) != len(primal_leaves):
        raise ValueError(f"chainrule: got {len(tangent_leaves)} tangents for {len(primal_leaves)} inputs; "
                         f"tangents must have the structure of the primals.")
    primal_leaves = [as_differentiable(leaf) for leaf in primal_leaves]
    for primal, tangent in zip(primal_leaves, tangent_leaves):
        expected = np.shape(peek(primal))
        if np.shape(peek(tangent))[batch_ndim:] != expected:
            raise ValueError(f"chainrule: a tangent has shape {np.shape(peek(tangent))[batch_ndim:]} but its "
                             f"primal has shape {expected}; tangents must match the primals' shapes.")
    boxes = [ArrayBox(p, trace, t) for p, t in zip(primal_leaves, tangent_leaves)]
    new_args = list(args)
    for position, value in zip(positions, tree_unflatten(spec, boxes)):
        new_args[position] = value
    out, aux = _split_aux(fun(*new_args, **kwargs), has_aux, "jvp")
    out_leaves, out_spec = tree_flatten(out)
    values, out_tangents = [], []
    batch = np.shape(peek(tangent_leaves[0]))[:batch_ndim] if tangent_leaves else ()
    for leaf in out_leaves:
        leaf = lower(leaf, trace)
        if isinstance(leaf, Box) and leaf._trace is trace:
            values.append(leaf._value)
            out_tangents.append(leaf._node)
        else:
            values.append(leaf)
            zeros = np.zeros(batch + np.shape(peek(leaf)), dtype=np.result_type(peek(leaf), np.float64))
            out_tangents.append(zeros if zeros.ndim else zeros[()])
    result = tree_unflatten(out_spec, values), tree_unflatten(out_spec, out_tangents)
    return result + (unbox_tree(aux, trace),) if has_aux else result


def _jacfwd(fun: Callable, chosen, has_aux: bool, kind: str) -> Callable:
    positions = (chosen,) if isinstance(chosen, int) else tuple(chosen)

    @_wraps(fun, kind)
    def jacfwd_fun(*args, **kwargs):
        leaves, spec = tree_flatten(_selected(args, positions))
        leaves = [as_differentiable(leaf) for leaf in leaves]
        in_shapes = [np.shape(peek(leaf)) for leaf in leaves]
        sizes = [int(np.prod(shape, dtype=np.int64)) for shape in in_shapes]
        total = sum(sizes)
        if len(leaves) == 1:  # the identity itself, in the leaf's dtype
            tangents = [np.eye(total, dtype=np.result_type(peek(leaves[0]))).reshape((total,) + in_shapes[0])]
        else:
            identity = np.eye(total)
            tangents, start = [], 0
            for leaf, shape, size in zip(leaves, in_shapes, sizes):
                block = identity[:, start:start + size].astype(np.result_type(peek(leaf)), copy=False)
                tangents.append(block.reshape((total,) + shape))
                start += size
        args = list(args)
        for position, value in zip(positions, tree_unflatten(spec, leaves)):
            args[position] = value
        values, out_tangents, *aux = _push_forward(fun, args, kwargs, positions, tree_unflatten(spec, tangents), 1,
                                                   has_aux=has_aux)
        value_leaves, out_spec = tree_flatten(values)
        per_output = []
        for value, tangent in zip(value_leaves, tree_flatten(out_tangents)[0]):
            out_shape = np.shape(peek(value))
            moved = np.moveaxis(tangent, 0, -1) if out_shape else tangent  # out.shape + (total,)
            blocks, start = [], 0
            for shape, size in zip(in_shapes, sizes):
                blocks.append(_scalar(np.reshape(moved[..., start:start + size], out_shape + shape)))
                start += size
            per_output.append(_unpack(tree_unflatten(spec, blocks), chosen))
        result = tree_unflatten(out_spec, per_output)
        return (result, aux[0]) if has_aux else result
    return jacfwd_fun


def jacfwd(fun: Callable, argnums=0, has_aux: bool = False, *, argnum=None) -> Callable:
    """The Jacobian by forward mode, shape `out.shape + in.shape`, pushing all basis vectors at once.

    Inputs and outputs may be pytrees, as in JAX.

    >>> jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return _jacfwd(fun, argnums if argnum is None else argnum, has_aux, "jacfwd")


def hessian(fun: Callable, argnums=0, *, argnum=None) -> Callable:
    """The Hessian, shape `out.shape + x.shape + x.shape`: forward-over-reverse (`jacfwd(jacrev(f))`).

    All directions go through in one forward pass that carries the whole identity as a batch
    of tangents; for a scalar function the inner pass is a plain gradient.

    >>> hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    chosen = argnums if argnum is None else argnum
    second = _jacfwd(_jacrev(fun, chosen, False, "jacrev"), chosen, False, "hessian")
    return _wraps(fun, "hessian")(lambda *args, **kwargs: second(*args, **kwargs))


def hvp(fun: Callable, primals, tangents):
    """The Hessian-vector product H·v of a scalar function, forward-over-reverse, never forming H.

    `primals` and `tangents` are tuples, as for `jvp`; the result has the structure of
    `primals` (the single array when there is one primal).

    >>> hvp(lambda x: np.sum(x ** 3), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    array([6., 0.])
    """
    primals, tangents = tuple(primals), tuple(tangents)
    positions = tuple(range(len(primals)))
    _, product = _push_forward(grad(fun, argnums=positions), primals, {}, positions, tangents, 0)
    return product[0] if len(primals) == 1 else product


def make_hvp(fun: Callable, argnum=0) -> Callable:
    """autograd's `make_hvp`: `make_hvp(f)(*args)` returns `(hvp, grad)`, with `hvp(v) = H v`."""
    return make_vjp(grad(fun, argnum), argnum)


def hessian_tensor_product(fun: Callable, argnum=0) -> Callable:
    """`hessian_tensor_product(f)(*args, v)` = H · v, without forming the Hessian.

    >>> hessian_tensor_product(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    fun_grad = grad(fun, argnum)

    def vector_dot_grad(*args, **kwargs):
        args, vector = args[:-1], args[-1]
        return np.tensordot(fun_grad(*args, **kwargs), vector, np.ndim(vector))
    return grad(vector_dot_grad, argnum)


hessian_vector_product = hessian_tensor_product


def holomorphic_grad(fun: Callable, argnum=0) -> Callable:
    """The complex derivative f'(z) of a holomorphic function.

    >>> holomorphic_grad(lambda z: z ** 2)(1.0 + 2.0j)
    np.complex128(2+4j)
    """
    @_wraps(fun, "holomorphic_grad")
    def holomorphic_grad_fun(*args, **kwargs):
        run = _Traced(ReverseTrace(), fun, args, kwargs, (argnum,))
        _check_scalar(run.out, "holomorphic_grad")
        return run.pull_back(_ones_like(run.value(run.out)), run.node(run.out), free=True)[0]
    return holomorphic_grad_fun


# --- graph surgery ---------------------------------------------------------------------------------
def stop_gradient(x):
    """`x` as a constant: no derivative flows through it, at any level of nesting.

    Works on arrays, tensors, tape variables (their current value) and pytrees of them.

    >>> grad(lambda x: x * stop_gradient(x))(3.0)
    np.float64(3.0)
    """
    leaves, spec = tree_flatten(x)
    return tree_unflatten(spec, [detach(leaf.read_value() if callable(getattr(leaf, "read_value", None)) else leaf)
                                 for leaf in leaves])


class _Recompute:
    """The backward pass of one checkpointed call: re-runs the segment once for all its traced arguments."""

    __slots__ = ("fun", "args", "kwargs", "argnums", "cotangent", "results")

    def __init__(self, fun, args, kwargs) -> None:
        self.fun, self.args, self.kwargs = fun, args, kwargs
        self.argnums: list = []
        self.cotangent = self.results = None

    def __call__(self, argnum: int, cotangent):
        if self.results is None or self.cotangent is not cotangent:
            pull, _ = make_vjp(self.fun, argnums=tuple(self.argnums))(*self.args, **self.kwargs)
            self.results = dict(zip(self.argnums, pull(cotangent)))
            self.cotangent = cotangent
        result = self.results.pop(argnum)
        if not self.results:  # every argument has its cotangent: drop the recomputed values
            self.cotangent = self.results = None
        return result


def checkpoint(fun: Callable) -> Callable:
    """`fun` whose intermediate values are not stored: the backward pass recomputes them (JAX's `checkpoint`).

    Trades compute for memory on long chains: only each checkpointed segment's inputs are
    kept, and the backward pass holds one segment's graph at a time. Gradients are the same
    as without it.

    >>> segment = checkpoint(lambda x: np.sin(x) * 2.0)
    >>> float(grad(lambda x: segment(segment(x)))(0.5)) == float(grad(lambda x: np.sin(np.sin(x) * 2.0) * 2.0)(0.5))
    True
    """
    def run_raw(*args, **kwargs):
        return fun(*args, **kwargs)

    prim = Primitive(run_raw, f"checkpoint({_name(fun)})", batch_aware=True)
    last = threading.local()

    def vjp_argnum(argnum, ans, args, kwargs):
        shared = getattr(last, "shared", None)
        if shared is None or shared.args is not args:  # the first traced argument of a new call
            shared = last.shared = _Recompute(fun, args, kwargs)
        shared.argnums.append(argnum)
        return functools.partial(shared, argnum)

    prim.vjp_argnum = vjp_argnum
    prim.jvp_argnum = lambda argnum, tangent, ans, args, kwargs: (
        _push_forward(fun, args, kwargs, (argnum,), (tangent,), np.ndim(tangent) - np.ndim(peek(args[argnum])))[1])

    @functools.wraps(fun)
    def checkpointed(*args, **kwargs):
        try:
            return prim(*args, **kwargs)
        finally:
            last.shared = None  # keep no reference to this call's arguments
    return checkpointed


# --- JAX-style spellings ---------------------------------------------------------------------
def jvp(fun: Callable, primals, tangents, has_aux: bool = False):
    """JAX's `jvp`: `(fun(*primals), J @ tangents)` for tuples of primals and tangents (pytrees allowed).

    >>> jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    (np.float64(6.0), np.float64(3.0))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"chainrule.jvp: {len(primals)} primals but {len(tangents)} tangents; pass one tangent "
                         f"per primal, with the same structure.")
    return _push_forward(fun, primals, {}, tuple(range(len(primals))), tangents, 0, has_aux=has_aux)


def vjp(fun: Callable, *primals, has_aux: bool = False):
    """JAX's `vjp`: `(fun(*primals), vjp_fun)` where `vjp_fun(cotangent)` returns a tuple, one per primal.

    The cotangent has the structure of the output; `vjp_fun` may be called many times.
    With `has_aux=True`, `fun` returns `(output, aux)` and `vjp` returns `(output, vjp_fun, aux)`.

    >>> out, pull = vjp(lambda x, y: x * y, 2.0, 3.0)
    >>> out, pull(1.0)
    (np.float64(6.0), (np.float64(3.0), np.float64(2.0)))
    """
    run = _Traced(ReverseTrace(), fun, primals, {}, tuple(range(len(primals))))
    out, aux = _split_aux(run.out, has_aux, "vjp")
    out_leaves, out_spec = tree_flatten(out)

    def vjp_fun(cotangent):
        cotangents, spec = tree_flatten(cotangent)
        if spec != out_spec or len(cotangents) != len(out_leaves):
            raise ValueError(f"chainrule.vjp: the cotangent has {len(cotangents)} leaves but the output has "
                             f"{len(out_leaves)}; pass a cotangent with the output's structure.")
        return _pull_back_many(run, out_leaves, cotangents)
    value = tree_unflatten(out_spec, [run.value(leaf) for leaf in out_leaves])
    return (value, vjp_fun, unbox_tree(aux, run.trace)) if has_aux else (value, vjp_fun)
