"""`chainrule.extend`: define your own primitives and their derivative rules (autograd's API).

>>> import numpy as np
>>> from chainrule.extend import primitive, defvjp, defjvp
>>> @primitive
... def logsumexp(x):
...     m = np.max(x)
...     return m + np.log(np.sum(np.exp(x - m)))
>>> defvjp(logsumexp, lambda ans, x: lambda g: g * np.exp(x - ans))
>>> defjvp(logsumexp, lambda g, ans, x: np.sum(g * np.exp(x - ans)))
>>> import chainrule as cr
>>> cr.grad(logsumexp)(np.zeros(2))
array([0.5, 0.5])

Rules receive raw values (or, under higher-order differentiation, traced values: write
them with NumPy functions and they are differentiable too). Rules written for one
direction at a time are applied once per direction when a Jacobian pushes a batch.
"""
from __future__ import annotations

import functools

import numpy as np

from .core import Box, Primitive
from .core import defjvp as _core_defjvp
from .core import defjvp_argnum as _core_defjvp_argnum
from .core import defvjp as _core_defvjp
from .core import defvjp_argnum as _core_defvjp_argnum
from .core.stage import peek
from .numpy.box import ArrayBox
from .numpy.registry import call_constant

__all__ = ["primitive", "defvjp", "defjvp", "defvjp_argnum", "defjvp_argnum", "def_linear",
           "notrace_primitive", "Primitive", "Box", "ArrayBox"]


def primitive(fun) -> Primitive:
    """Make `fun` a primitive: traced as one node, differentiated by the rules you register."""
    prim = Primitive(fun, getattr(fun, "__name__", None))
    functools.update_wrapper(prim, fun, updated=())
    return prim


def _batch_size_shape(value, primal_ndim):
    shape = np.shape(peek(value))
    return shape[:len(shape) - primal_ndim]


def _per_direction(apply, value, primal_ndim):
    """Apply a one-direction rule to each direction of a batched tangent/cotangent."""
    batch = _batch_size_shape(value, primal_ndim)
    if not batch:
        return apply(value)
    flat = np.reshape(value, (-1,) + np.shape(peek(value))[len(batch):])
    results = [apply(flat[i]) for i in range(len(flat))]
    stacked = np.stack([r if r is not None else 0.0 * apply_zero(flat[i]) for i, r in enumerate(results)])
    return np.reshape(stacked, batch + np.shape(peek(stacked))[1:])


def apply_zero(direction):
    return np.zeros(np.shape(peek(direction)))


def _looping_maker(maker):
    def staged(ans, *args, **kwargs):
        vjp = maker(ans, *args, **kwargs)
        ans_ndim = np.ndim(peek(ans))
        return lambda g: _per_direction(vjp, g, ans_ndim)
    return staged


def _looping_jvp(rule, argnum):
    def jvp(tangent, ans, *args, **kwargs):
        return _per_direction(lambda t: rule(t, ans, *args, **kwargs), tangent, np.ndim(peek(args[argnum])))
    return jvp


def defvjp(prim: Primitive, *makers, argnums=None) -> None:
    """`defvjp(f, maker_0, maker_1, ...)`, each `maker_i(ans, *args, **kwargs) -> (g -> cotangent_i)`."""
    if not prim.batch_aware:
        makers = [None if m is None else _looping_maker(m) for m in makers]
    _core_defvjp(prim, *makers, argnums=argnums)


def defjvp(prim: Primitive, *rules, argnums=None) -> None:
    """`defjvp(f, rule_0, ...)`, each `rule_i(tangent, ans, *args, **kwargs) -> output tangent`."""
    positions = range(len(rules)) if argnums is None else argnums
    if not prim.batch_aware:
        rules = [r if r is None or r == "linear" else _looping_jvp(r, i) for r, i in zip(rules, positions)]
    _core_defjvp(prim, *rules, argnums=argnums)


def defvjp_argnum(prim: Primitive, maker) -> None:
    """One maker for every argument: `maker(argnum, ans, args, kwargs) -> (g -> cotangent)`."""
    def staged(argnum, ans, args, kwargs):
        vjp = maker(argnum, ans, args, kwargs)
        ans_ndim = np.ndim(peek(ans))
        return (lambda g: _per_direction(vjp, g, ans_ndim)) if not prim.batch_aware else vjp
    _core_defvjp_argnum(prim, staged)


def defjvp_argnum(prim: Primitive, rule) -> None:
    """One JVP rule for every argument: `rule(argnum, tangent, ans, args, kwargs)`."""
    def looped(argnum, tangent, ans, args, kwargs):
        return _per_direction(lambda t: rule(argnum, t, ans, args, kwargs), tangent, np.ndim(peek(args[argnum])))
    _core_defjvp_argnum(prim, rule if prim.batch_aware else looped)


def def_linear(prim: Primitive) -> None:
    """Declare `prim` linear in each argument: its JVP is `prim` applied to the tangent."""
    def linear(argnum, tangent, ans, args, kwargs):
        args = list(args)
        args[argnum] = tangent
        return prim(*args, **kwargs)
    defjvp_argnum(prim, linear)


def notrace_primitive(fun):
    """A function whose result is a constant: it runs on raw values even when given traced ones."""
    @functools.wraps(fun)
    def on_raw_values(*args, **kwargs):
        return call_constant(fun, *args, **kwargs)
    return on_raw_values
