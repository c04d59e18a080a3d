"""`custom_vjp` and `custom_jvp`: give a Python function your own derivative rule, as in JAX.

    @custom_vjp                           @custom_jvp
    def f(x, y): ...                      def f(x, y): ...
    def f_fwd(x, y):                      @f.defjvp
        return f(x, y), residuals         def f_jvp(primals, tangents):
    def f_bwd(residuals, g):                  (x, y), (x_dot, y_dot) = primals, tangents
        return (gx, gy)                       return f(x, y), tangent_out
    f.defvjp(f_fwd, f_bwd)

Both become one primitive whose arguments are the leaves of the differentiable arguments
(pytrees allowed; a pytree output is packed into one flat array and unpacked after).

custom_vjp: reverse mode runs `fwd` once (its residuals are kept) and calls `bwd` with each
cotangent; under higher-order differentiation `fwd` is re-run on the traced values so that
`bwd` is differentiated too. Forward mode (and the forward half of `hessian`) differentiates
the function's own implementation (JAX refuses plain forward mode of a custom_vjp;
chainrule differentiates f, so f must be differentiable for `jvp`/`jacfwd`). A batch of
cotangents (a Jacobian) calls `bwd` once per direction.

custom_jvp: forward mode calls your rule (once per direction of a batch). Reverse mode
transposes it: the rule is traced once with zero tangents on a reverse trace, and each
cotangent is pulled back through that linear graph (vectorised over a batch), which is
right because the rule is linear in the tangents.

`nondiff_argnums` are static arguments passed first to `bwd` / the JVP rule, as in JAX.
"""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Callable

import numpy as np

from .core import ForwardTrace, Node, Primitive, ReverseTrace, backward_pass, tree_flatten, tree_map, tree_unflatten
from .core.stage import peek
from .core.trace import Box, unbox
from .numpy.box import ArrayBox

__all__ = ["custom_vjp", "custom_jvp"]

_local = threading.local()


def _frame() -> dict:
    """State of the innermost custom call in this thread: its output layout, fwd residuals, shared VJP."""
    return _local.frames[-1]


# --- shared machinery ---------------------------------------------------------------------------
def _bind(fun, args, kwargs) -> tuple:
    """Keyword arguments resolved to positions (defaults filled in), as JAX does."""
    try:
        signature = inspect.signature(fun)
    except (TypeError, ValueError):
        if kwargs:
            raise TypeError(f"{getattr(fun, '__name__', fun)}: pass the arguments positionally") from None
        return tuple(args)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{fun.__name__}: keyword-only arguments are not supported by custom_vjp/custom_jvp; "
                        f"make them positional (or nondiff_argnums).")
    return tuple(bound.args)


def _top(args):
    top = None
    for arg in args:
        if isinstance(arg, Box) and (top is None or arg._trace.level > top._trace.level):
            top = arg
    return top


class _Layout:
    """How a pytree output is packed into one flat array (None spec: a single array, not packed)."""

    __slots__ = ("spec", "shapes")

    def __init__(self, spec, shapes) -> None:
        self.spec, self.shapes = spec, shapes

    def unpack(self, packed):
        if self.spec is None:
            return packed
        pieces, start = [], 0
        batch = np.shape(peek(packed))[:-1] if self.shapes else ()
        for shape in self.shapes:
            size = int(np.prod(shape, dtype=np.int64))
            pieces.append(np.reshape(packed[..., start:start + size], batch + shape))
            start += size
        return tree_unflatten(self.spec, pieces)


def _pack(out):
    leaves, spec = tree_flatten(out)
    if spec is None:
        return out, _Layout(None, None)
    shapes = [np.shape(peek(leaf)) for leaf in leaves]
    packed = np.concatenate([np.ravel(leaf) for leaf in leaves]) if leaves else np.zeros(0)
    return packed, _Layout(spec, shapes)


class _CustomFunction:
    """What custom_vjp and custom_jvp share: argument handling and the primitive call."""

    def __init__(self, fun: Callable, nondiff_argnums=()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted(nondiff_argnums))

    def _split(self, args):
        static = tuple(args[i] for i in self.nondiff_argnums)
        for i in self.nondiff_argnums:
            if any(isinstance(leaf, Box) for leaf in tree_flatten(args[i])[0]):
                raise TypeError(f"{self.__name__}: argument {i} is in nondiff_argnums but is being differentiated; "
                                f"remove it from nondiff_argnums, or stop_gradient() it.")
        differentiable = tuple(a for i, a in enumerate(args) if i not in self.nondiff_argnums)
        return static, differentiable

    def _call(self, primitive, args, kwargs):
        args = _bind(self.fun, args, kwargs)
        static, differentiable = self._split(args)
        leaves, spec = tree_flatten(differentiable)
        if not any(isinstance(leaf, Box) for leaf in leaves):
            return self.fun(*args)
        frames = _local.__dict__.setdefault("frames", [])
        frames.append({})
        try:
            packed = primitive(*leaves, spec=spec, static=static)
            return frames[-1]["layout"].unpack(packed)
        finally:
            frames.pop()  # keep no references to this call


def _differentiable_args(spec, leaves) -> tuple:
    return tree_unflatten(spec, list(leaves))


def _zeros_like(leaf):
    raw = unbox(leaf)
    dtype = np.result_type(raw)
    zeros = np.zeros(np.shape(raw), dtype=dtype if dtype.kind in "fc" else np.float64)
    return zeros if zeros.ndim else zeros[()]


def _check_cotangent(name: str, cotangent, primal, argnum: int):
    if cotangent is None:
        return None
    if np.shape(peek(cotangent)) != np.shape(peek(primal)):
        raise ValueError(f"{name}: the bwd rule returned a cotangent of shape {np.shape(peek(cotangent))} for a "
                         f"primal input (leaf {argnum}) of shape {np.shape(peek(primal))}; they must match.")
    return cotangent


def _batched(apply, cotangent, primal_ndim: int, count: int):
    """Apply a one-direction rule to each direction of a batched cotangent; results stacked per leaf."""
    shape = np.shape(peek(cotangent))
    batch = shape[:len(shape) - primal_ndim]
    if not batch:
        return apply(cotangent)
    flat = np.reshape(cotangent, (-1,) + shape[len(batch):])
    rows = [apply(flat[i]) for i in range(len(flat))]
    stacked = []
    for leaf in range(count):
        column = [row[leaf] for row in rows]
        if all(c is None for c in column):
            stacked.append(None)
            continue
        template = next(c for c in column if c is not None)
        column = [c if c is not None else np.zeros(np.shape(peek(template))) for c in column]
        stacked.append(np.reshape(np.stack(column), batch + np.shape(peek(template))))
    return stacked


# --- custom_vjp --------------------------------------------------------------------------------------
class custom_vjp(_CustomFunction):
    """Decorator: a function whose reverse-mode derivative is given by `defvjp(fwd, bwd)` (JAX's API).

    >>> import chainrule as cr
    >>> @custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None
    >>> def bwd(residuals, g):
    ...     return (np.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(fwd, bwd)
    >>> cr.grad(lambda x: 5.0 * clip_gradient(x))(2.0)
    np.float64(1.0)
    """

    def __init__(self, fun: Callable, nondiff_argnums=()) -> None:
        super().__init__(fun, nondiff_argnums)
        self.fwd = self.bwd = None
        self._primitive = _CustomVJPPrimitive(self)

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
        """`fwd(*args) -> (output, residuals)`; `bwd(*nondiff_args, residuals, g) -> tuple of cotangents`."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args, **kwargs):
        if self.fwd is None:
            raise TypeError(f"No VJP defined for custom_vjp function {self.__name__} using defvjp.")
        return self._call(self._primitive, args, kwargs)

    def _run_fwd(self, leaves, spec, static):
        result = self.fwd(*_merge(self.nondiff_argnums, static, _differentiable_args(spec, leaves)))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"{self.__name__}: the fwd rule must return a pair (output, residuals).")
        out, residuals = result
        packed, layout = _pack(out)
        _frame()["layout"] = layout
        _frame()["forward"] = (packed, residuals)
        return packed


def _merge(positions, static, differentiable) -> tuple:
    """The full argument list from the static (nondiff) arguments and the differentiable ones."""
    args, rest, fixed = [], iter(differentiable), dict(zip(positions, static))
    for i in range(len(positions) + len(differentiable)):
        args.append(fixed[i] if i in fixed else next(rest))
    return tuple(args)


class _CustomVJPPrimitive(Primitive):
    def __init__(self, owner: custom_vjp) -> None:
        super().__init__(lambda *leaves, spec, static: owner._run_fwd(leaves, spec, static),
                         f"custom_vjp({owner.__name__})", batch_aware=True)
        self.owner = owner
        self.vjp_argnum = self._vjp_maker

    def __call__(self, *args, **kwargs):
        top = _top(args)
        if top is not None and isinstance(top._trace, ForwardTrace):  # forward mode: through f itself
            owner, static, spec = self.owner, kwargs["static"], kwargs["spec"]
            packed, _frame()["layout"] = _pack(owner.fun(*_merge(owner.nondiff_argnums, static,
                                                                 _differentiable_args(spec, args))))
            return packed
        return super().__call__(*args, **kwargs)

    def _vjp_maker(self, argnum, ans, raw_args, kwargs):
        frame = _frame()
        shared = frame.get("shared")
        if shared is None or shared.raw_args is not raw_args:
            forward = frame.get("forward")
            if forward is not None and forward[0] is ans:
                residuals = forward[1]
            else:  # a higher level: fwd again on these (traced) values, so bwd is differentiated too
                self.owner._run_fwd(raw_args, kwargs["spec"], kwargs["static"])
                residuals = frame["forward"][1]
            shared = frame["shared"] = _CustomBackward(self.owner, raw_args, kwargs, residuals, frame["layout"], ans)
        return functools.partial(shared, argnum)


class _CustomBackward:
    """The cotangents of one custom_vjp call: `bwd` runs once per cotangent for all arguments."""

    __slots__ = ("owner", "raw_args", "kwargs", "residuals", "layout", "out_ndim", "cotangent", "results")

    def __init__(self, owner, raw_args, kwargs, residuals, layout, ans) -> None:
        self.owner, self.raw_args, self.kwargs = owner, raw_args, kwargs
        self.residuals, self.layout, self.out_ndim = residuals, layout, np.ndim(peek(ans))
        self.cotangent = self.results = None

    def __call__(self, argnum: int, cotangent):
        if self.cotangent is not cotangent:
            self.results = _batched(self._one, cotangent, self.out_ndim, len(self.raw_args))
            self.cotangent = cotangent
        return self.results[argnum]

    def _one(self, cotangent) -> list:
        owner, spec, static = self.owner, self.kwargs["spec"], self.kwargs["static"]
        result = owner.bwd(*static, self.residuals, self.layout.unpack(cotangent))
        differentiable = _differentiable_args(spec, self.raw_args)
        if not isinstance(result, (tuple, list)) or len(result) != len(differentiable):
            raise TypeError(f"{owner.__name__}: the bwd rule must return a tuple with one cotangent per "
                            f"differentiable argument ({len(differentiable)}), got {type(result).__name__}"
                            f"{'' if not isinstance(result, (tuple, list)) else ' of length ' + str(len(result))}.")
        leaves = []
        for cotangent_tree, primal_tree in zip(result, differentiable):
            primal_leaves, primal_spec = tree_flatten(primal_tree)
            if cotangent_tree is None:
                leaves.extend([None] * len(primal_leaves))
                continue
            cotangent_leaves, cotangent_spec = tree_flatten(cotangent_tree)
            if cotangent_spec != primal_spec:
                raise TypeError(f"{owner.__name__}: a cotangent returned by bwd has a different structure than its "
                                f"primal argument.")
            leaves.extend(cotangent_leaves)
        return [_check_cotangent(owner.__name__, c, p, i) for i, (c, p) in enumerate(zip(leaves, self.raw_args))]


# --- custom_jvp -----------------------------------------------------------------------------------------
class custom_jvp(_CustomFunction):
    """Decorator: a function whose forward-mode derivative is given by `defjvp` (JAX's API).

    Reverse mode (grad) uses the same rule, transposed.

    >>> import chainrule as cr
    >>> @custom_jvp
    ... def softplus(x):
    ...     return np.logaddexp(0.0, x)
    >>> @softplus.defjvp
    ... def softplus_jvp(primals, tangents):
    ...     (x,), (x_dot,) = primals, tangents
    ...     return softplus(x), x_dot * 0.5 * (1.0 + np.tanh(x / 2.0))
    >>> cr.grad(softplus)(1000.0)
    np.float64(1.0)
    """

    def __init__(self, fun: Callable, nondiff_argnums=()) -> None:
        super().__init__(fun, nondiff_argnums)
        self.jvp = None
        self._primitive = _CustomJVPPrimitive(self)

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """`jvp(*nondiff_args, primals, tangents) -> (output, tangent_out)`; usable as a decorator."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps) -> None:
        """One rule per argument: `jvp_i(tangent_i, output, *primals)` (None: zero), summed."""
        def jvp(primals, tangents):
            out = self.fun(*primals)
            total = None
            for rule, tangent in zip(jvps, tangents):
                if rule is None:
                    continue
                term = rule(tangent, out, *primals)
                total = term if total is None else tree_map(lambda a, b: a + b, total, term)
            return out, total if total is not None else tree_map(_zeros_like, out)
        self.jvp = jvp

    def __call__(self, *args, **kwargs):
        if self.jvp is None:
            raise TypeError(f"No JVP defined for custom_jvp function {self.__name__} using defjvp.")
        return self._call(self._primitive, args, kwargs)

    def _rule(self, static, spec, primals, tangents):
        result = self.jvp(*static, _differentiable_args(spec, primals), _differentiable_args(spec, tangents))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"{self.__name__}: the JVP rule must return a pair (output, tangent_out).")
        out, tangent_out = result
        out_leaves, out_spec = tree_flatten(out)
        tangent_leaves, tangent_spec = tree_flatten(tangent_out)
        if out_spec != tangent_spec or any(np.shape(peek(o)) != np.shape(peek(t))
                                           for o, t in zip(out_leaves, tangent_leaves)):
            raise TypeError(f"{self.__name__}: the JVP rule's tangent output must have the structure and shapes "
                            f"of its primal output.")
        return out, tangent_out


class _CustomJVPPrimitive(Primitive):
    def __init__(self, owner: custom_jvp) -> None:
        super().__init__(self._value, f"custom_jvp({owner.__name__})", batch_aware=True)
        self.owner = owner
        self.vjp_argnum = self._vjp_maker

    def _value(self, *leaves, spec, static):
        packed, _frame()["layout"] = _pack(self.owner.fun(*_merge(self.owner.nondiff_argnums, static,
                                                                      _differentiable_args(spec, leaves))))
        return packed

    def __call__(self, *args, **kwargs):
        top = _top(args)
        if top is None or not isinstance(top._trace, ForwardTrace):
            return super().__call__(*args, **kwargs)
        trace, spec, static = top._trace, kwargs["spec"], kwargs["static"]
        primals = [a._value if isinstance(a, Box) and a._trace is trace else a for a in args]
        batch_shape = ()
        for arg, primal in zip(args, primals):
            if isinstance(arg, Box) and arg._trace is trace:
                tangent_shape = np.shape(peek(arg._node))
                batch_shape = tangent_shape[:len(tangent_shape) - np.ndim(peek(primal))]
                break
        zeros = [np.zeros(batch_shape + np.shape(peek(p)), dtype=np.result_type(_zeros_like(p))) for p in primals]
        tangents = [a._node if isinstance(a, Box) and a._trace is trace else z for a, z in zip(args, zeros)]
        if not batch_shape:
            out, tangent_out = self.owner._rule(static, spec, primals, tangents)
            packed, _frame()["layout"] = _pack(out)
            return top.__class__(packed, trace, _pack(tangent_out)[0])
        count = int(np.prod(batch_shape, dtype=np.int64))
        flat = [np.reshape(t, (count,) + np.shape(peek(p))) for t, p in zip(tangents, primals)]
        rows = [self.owner._rule(static, spec, primals, [t[i] for t in flat]) for i in range(count)]
        packed, _frame()["layout"] = _pack(rows[0][0])
        stacked = np.stack([_pack(tangent_out)[0] for _, tangent_out in rows])
        return top.__class__(packed, trace, np.reshape(stacked, batch_shape + np.shape(peek(packed))))

    def _vjp_maker(self, argnum, ans, raw_args, kwargs):
        frame = _frame()
        shared = frame.get("shared")
        if shared is None or shared.raw_args is not raw_args:
            shared = frame["shared"] = _Transposed(self.owner, raw_args, kwargs)
        return functools.partial(shared, argnum)


class _Transposed:
    """The VJP of a custom_jvp call: its JVP rule traced once on zero tangents, pulled back per cotangent."""

    __slots__ = ("raw_args", "roots", "node", "cotangent", "results")

    def __init__(self, owner: custom_jvp, raw_args, kwargs) -> None:
        self.raw_args = raw_args
        trace = ReverseTrace()
        self.roots = [Node.root() for _ in raw_args]
        tangents = [ArrayBox(_zeros_like(arg), trace, root) for arg, root in zip(raw_args, self.roots)]
        _, tangent_out = owner._rule(kwargs["static"], kwargs["spec"], list(raw_args), tangents)
        packed = _pack(tangent_out)[0]
        self.node = packed._node if isinstance(packed, Box) and packed._trace is trace else None
        self.cotangent = self.results = None

    def __call__(self, argnum: int, cotangent):
        if self.node is None:
            return None
        if self.cotangent is not cotangent:
            self.results = backward_pass(self.node, cotangent, self.roots, free=False)
            self.cotangent = cotangent
        return self.results[argnum]
