"""Function transforms with HIPS autograd's names: grad, value_and_grad, jacobian, hessian, make_vjp, ...

Each transform opens its own trace (a fresh level), boxes the differentiated arguments
(flattening tuples, lists and dicts), runs the user's function and reads the graph back.
Python ints, bools and integer arrays become float64 so `grad(f)(1)` works. Jacobians push
a whole batch of basis vectors through the rules at once instead of looping over rows.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from .core import ForwardTrace, Node, Primitive, ReverseTrace, backward_pass, tree_flatten, tree_unflatten
from .core.trace import Box, unbox
from .numpy.box import ArrayBox

__all__ = [
    "grad", "value_and_grad", "grad_and_aux", "elementwise_grad", "deriv", "jacobian", "hessian",
    "make_vjp", "make_jvp", "make_hvp", "hessian_tensor_product", "hessian_vector_product",
    "holomorphic_grad", "checkpoint", "stop_gradient", "jacfwd", "jacrev", "jvp", "vjp",
]


# --- inputs ------------------------------------------------------------------------------------
def as_differentiable(value):
    """A leaf ready to be traced: ints and bools become float64, Python numbers NumPy scalars."""
    if isinstance(value, Box):
        return value
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


def _argnums(argnum, argnums):
    chosen = argnum if argnums is None else argnums
    return chosen, (chosen,) if isinstance(chosen, int) else tuple(chosen)


class _Traced:
    """One run of `fun` with the chosen arguments boxed on a fresh trace."""

    __slots__ = ("trace", "roots", "leaves", "spec", "out")

    def __init__(self, trace, fun, args, kwargs, argnums, *, boxed_type=ArrayBox):
        self.trace = trace
        leaves, self.spec = tree_flatten(tuple(args[i] for i in argnums))
        self.leaves = [as_differentiable(leaf) for leaf in leaves]
        self.roots = [Node.root() for _ in self.leaves]
        boxes = [boxed_type(leaf, trace, root) for leaf, root in zip(self.leaves, self.roots)]
        new_args = list(args)
        for position, value in zip(argnums, tree_unflatten(self.spec, boxes)):
            new_args[position] = value
        self.out = fun(*new_args, **kwargs)

    def node(self, value):
        return value._node if isinstance(value, Box) and value._trace is self.trace else None

    def value(self, value):
        return value._value if isinstance(value, Box) and value._trace is self.trace else value

    def pull_back(self, cotangent, end_node, *, free: bool, batch_shape: tuple = ()):
        """Cotangents of the inputs (a pytree like the differentiated arguments)."""
        if end_node is None:
            found = [None] * len(self.leaves)
        else:
            found = backward_pass(end_node, cotangent, self.roots, free=free)
        return tree_unflatten(self.spec, [_finish(c, leaf, batch_shape) for c, leaf in zip(found, self.leaves)])


def _finish(cotangent, leaf, batch_shape=()):
    """The gradient as the user sees it: the leaf's shape and dtype, zeros where independent."""
    if (type(cotangent) is np.ndarray and type(leaf) is np.ndarray and cotangent.shape == leaf.shape
            and cotangent.dtype == leaf.dtype and cotangent.flags.writeable):
        return cotangent  # the common case, already in shape
    shape, dtype = np.shape(unbox(leaf)), np.result_type(unbox(leaf))
    if cotangent is None:
        zeros = np.zeros(tuple(batch_shape) + shape, dtype=dtype)
        return zeros if zeros.ndim else zeros[()]
    if isinstance(cotangent, Box):
        return cotangent
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


def _ones_like(value):
    value = unbox(value) if not isinstance(value, Box) else value
    dtype = np.result_type(unbox(value))
    if np.ndim(unbox(value)) == 0:
        return dtype.type(1)
    return np.ones(np.shape(unbox(value)), dtype=dtype)


def _check_scalar(value, name: str) -> None:
    raw = unbox(value)
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


def _pull_back_many(run: _Traced, out_leaves, cotangents, batch_shape=()):
    """Pull back cotangents of several outputs at once (a dummy sum node joins them)."""
    pairs = [(run.node(leaf), c) for leaf, c in zip(out_leaves, cotangents) if run.node(leaf) is not None]
    if len(pairs) <= 1:
        node, cotangent = pairs[0] if pairs else (None, None)
        return run.pull_back(cotangent, node, free=False, batch_shape=batch_shape)
    join = Node(_JOIN, tuple(node for node, _ in pairs), tuple(_Select(i) for i in range(len(pairs))))
    return run.pull_back(tuple(c for _, c in pairs), join, free=False, batch_shape=batch_shape)


class _Select:
    """VJP of the joining node: hand output i its own cotangent."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, cotangents):
        return cotangents[self.index]


_JOIN = Primitive(lambda *xs: xs, "outputs")


def jacobian(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """The Jacobian by reverse mode, shape `out.shape + in.shape`, from one batched backward pass.

    >>> jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    chosen, positions = _argnums(argnum, argnums)

    @_wraps(fun, "jacobian")
    def jacobian_fun(*args, **kwargs):
        run = _Traced(ReverseTrace(), fun, args, kwargs, positions)
        value = run.value(run.out)
        out_shape = np.shape(unbox(value))
        size = int(np.prod(out_shape))
        basis = np.eye(size, dtype=np.result_type(unbox(value), np.float64)).reshape((size,) + out_shape)
        cotangents = run.pull_back(basis, run.node(run.out), free=True, batch_shape=(size,))
        leaves, spec = tree_flatten(cotangents)
        reshaped = [np.reshape(c, out_shape + np.shape(c)[1:]) for c in leaves]
        return _unpack(tree_unflatten(spec, reshaped), chosen)
    return jacobian_fun


jacrev = jacobian


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


def _push_forward(fun, args, kwargs, positions, tangents, batch_ndim):
    """Run `fun` on a ForwardTrace seeded with `tangents` for the arguments at `positions`."""
    trace = ForwardTrace(batch_ndim)
    primal_leaves, spec = tree_flatten(tuple(args[i] for i in positions))
    tangent_leaves = [as_differentiable(t) for t in tree_flatten(tuple(tangents))[0]]
    if len(tangent_leaves) != len(primal_leaves):
        raise ValueError(f"chainrule: got {len(tangent_leaves)} tangents for {len(primal_leaves)} inputs; "
                         f"tangents must have the structure of the primals.")
    primal_leaves = [as_differentiable(leaf) for leaf in primal_leaves]
    boxes = [ArrayBox(p, trace, t) for p, t in zip(primal_leaves, tangent_leaves)]
    new_args = list(args)
    for position, value in zip(positions, tree_unflatten(spec, boxes)):
        new_args[position] = value
    out = fun(*new_args, **kwargs)
    out_leaves, out_spec = tree_flatten(out)
    values, out_tangents = [], []
    for leaf in out_leaves:
        if isinstance(leaf, Box) and leaf._trace is trace:
            values.append(leaf._value)
            out_tangents.append(leaf._node)
        else:
            values.append(leaf)
            batch = np.shape(tangent_leaves[0])[:batch_ndim] if tangent_leaves else ()
            zeros = np.zeros(batch + np.shape(unbox(leaf)), dtype=np.result_type(unbox(leaf), np.float64))
            out_tangents.append(zeros if zeros.ndim else zeros[()])
    return tree_unflatten(out_spec, values), tree_unflatten(out_spec, out_tangents)


def jacfwd(fun: Callable, argnum=0, *, argnums=None) -> Callable:
    """The Jacobian by forward mode, shape `out.shape + in.shape`, pushing all basis vectors at once.

    >>> jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    chosen, positions = _argnums(argnum, argnums)

    @_wraps(fun, "jacfwd")
    def jacfwd_fun(*args, **kwargs):
        leaves, spec = tree_flatten(tuple(args[i] for i in positions))
        leaves = [as_differentiable(leaf) for leaf in leaves]
        sizes = [int(np.size(unbox(leaf))) for leaf in leaves]
        total = sum(sizes)
        identity = np.eye(total)
        tangents, start = [], 0
        for leaf, size in zip(leaves, sizes):
            block = identity[:, start:start + size].astype(np.result_type(unbox(leaf)), copy=False)
            tangents.append(block.reshape((total,) + np.shape(unbox(leaf))))
            start += size
        args = list(args)
        for position, value in zip(positions, tree_unflatten(spec, leaves)):
            args[position] = value
        value, out_tangent = _push_forward(fun, args, kwargs, positions, tree_unflatten(spec, tangents), 1)
        out_shape = np.shape(unbox(value))
        moved = np.moveaxis(out_tangent, 0, -1)  # out.shape + (total,)
        blocks, start = [], 0
        for leaf, size in zip(leaves, sizes):
            blocks.append(np.reshape(moved[..., start:start + size], out_shape + np.shape(unbox(leaf))))
            start += size
        return _unpack(tree_unflatten(spec, blocks), chosen)
    return jacfwd_fun


def hessian(fun: Callable, argnum=0) -> Callable:
    """The Hessian (shape `x.shape + x.shape`), forward-over-reverse, all directions in one pass.

    >>> hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    return jacfwd(grad(fun, argnum), argnum)


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

    >>> grad(lambda x: x * stop_gradient(x))(3.0)
    np.float64(3.0)
    """
    leaves, spec = tree_flatten(x)
    return tree_unflatten(spec, [unbox(leaf) for leaf in leaves])


def checkpoint(fun: Callable) -> Callable:
    """`fun` whose intermediate values are not stored: the backward pass recomputes them.

    Trades compute for memory on long chains (peak memory of the backward pass is that of
    one segment). Gradients are the same as without it.
    """
    def run_raw(*args, **kwargs):
        return fun(*args, **kwargs)

    prim = Primitive(run_raw, f"checkpoint({_name(fun)})", batch_aware=True)
    prim.vjp_argnum = lambda argnum, ans, args, kwargs: (
        lambda cotangent: make_vjp(fun, argnum)(*args, **kwargs)[0](cotangent))
    prim.jvp_argnum = lambda argnum, tangent, ans, args, kwargs: (
        _push_forward(fun, args, kwargs, (argnum,), (tangent,), np.ndim(tangent) - np.ndim(unbox(args[argnum])))[1])
    return functools.wraps(fun)(lambda *args, **kwargs: prim(*args, **kwargs))


# --- JAX-style spellings ---------------------------------------------------------------------
def jvp(fun: Callable, primals, tangents):
    """JAX's `jvp`: `(fun(*primals), J @ tangents)` for tuples of primals and tangents.

    >>> jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    (np.float64(6.0), np.float64(3.0))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    return _push_forward(fun, primals, {}, tuple(range(len(primals))), tangents, 0)


def vjp(fun: Callable, *primals):
    """JAX's `vjp`: `(fun(*primals), vjp_fun)` where `vjp_fun(cotangent)` returns a tuple, one per primal.

    >>> out, pull = vjp(lambda x, y: x * y, 2.0, 3.0)
    >>> out, pull(1.0)
    (np.float64(6.0), (np.float64(3.0), np.float64(2.0)))
    """
    pull, out = make_vjp(fun, argnums=tuple(range(len(primals))))(*primals)
    return out, pull
