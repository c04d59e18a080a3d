"""check_grads: compare forward- and reverse-mode derivatives with finite differences, to any order.

Same call as HIPS autograd's: `check_grads(f, argnum=0, modes=("fwd", "rev"), order=2)(*args)`
raises AssertionError when a derivative disagrees with central differences along a random
direction. Order k checks the derivative of the derivative, k times. Complex inputs are
perturbed in their real and imaginary parts (a complex random direction).

A quick central difference is tried first. When it disagrees, the numerical derivative is
re-measured with Richardson extrapolation and an error bar (chainrule.numeric); if AD still
disagrees, the AssertionError shows both values, the error bar, the relative error, the
direction, and the first primitive whose own rule disagrees with its own numerical
derivative, with the line that called it (chainrule/diagnose.py).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .core import tree_flatten, tree_unflatten
from .diagnose import explain_failure
from .transforms import as_differentiable, make_jvp, make_vjp

EPS, RTOL, ATOL = 1e-6, 1e-5, 1e-6


def _random_like(value, rng):
    leaves, spec = tree_flatten(value)
    out = []
    for leaf in leaves:
        shape = np.shape(leaf)
        draw = rng.standard_normal(shape)
        if np.iscomplexobj(leaf):
            draw = draw + 1j * rng.standard_normal(shape)
        out.append(draw if shape else draw[()])
    return tree_unflatten(spec, out)


def _add(tree, other, scale):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten(spec, [a + scale * b for a, b in zip(leaves, tree_flatten(other)[0])])


def _inner(a, b) -> float:
    """Re(sum(a * b)): the pairing under which a VJP is the transpose of the JVP.

    With autograd's complex convention (the VJP of a holomorphic f is g * f'(z), no
    conjugate) `<vjp(c), v> == <c, jvp(v)>` holds for this bilinear pairing, not for
    the Hermitian one (np.vdot); for real values the two are the same.
    """
    return float(sum(np.real(np.sum(np.multiply(x, y)))
                     for x, y in zip(tree_flatten(a)[0], tree_flatten(b)[0])))


def _numeric_directional(f, x, direction):
    """Central difference of f at x along `direction` (a pytree like the output)."""
    plus, minus = f(_add(x, direction, EPS)), f(_add(x, direction, -EPS))
    leaves, spec = tree_flatten(plus)
    return tree_unflatten(spec, [(p - m) / (2 * EPS) for p, m in zip(leaves, tree_flatten(minus)[0])])


def _check_one(fun: Callable, x, modes, rng, label: str) -> None:
    direction = _random_like(x, rng)
    numeric = _numeric_directional(fun, x, direction)
    if "fwd" in modes:
        _, analytic = make_jvp(fun)(x)(direction)
        _assert_close(analytic, numeric, "forward mode (JVP)", fun, x, direction, None, label)
    if "rev" in modes:
        vjp, value = make_vjp(fun)(x)
        cotangent = _random_like(value, rng)
        analytic = _inner(vjp(cotangent), direction)
        expected = _inner(cotangent, numeric)
        _assert_close(analytic, expected, "reverse mode (VJP)", fun, x, direction, cotangent, label)


def _assert_close(analytic, numeric, mode: str, fun, x, direction, cotangent, label: str) -> None:
    """Pass if close; otherwise re-measure with error bars and raise with the diagnosis (diagnose.py)."""
    a_leaves, n_leaves = tree_flatten(analytic)[0], tree_flatten(numeric)[0]
    for a, n in zip(a_leaves, n_leaves):
        a, n = np.asarray(a), np.asarray(n)
        if not np.allclose(a, n, rtol=RTOL, atol=ATOL):
            # the quick difference disagrees: measure carefully, with error bars, and find the wrong rule
            message = explain_failure(fun, x, "fwd" if mode.startswith("forward") else "rev", direction, cotangent,
                                      rtol=RTOL, atol=ATOL, name=label, quick=(a, n))
            if message is None:  # the careful numerical derivative agrees with AD
                return
            raise AssertionError(message)

def check_grads(fun: Callable, argnum=0, modes=("fwd", "rev"), order: int = 2, *, seed: int = 0) -> Callable:
    """Check `fun`'s derivatives up to `order` in `modes`; returns a checker to call with the arguments.

    >>> check_grads(np.sin, modes=("fwd", "rev"), order=2)(np.array([0.3, 1.2]))
    """
    argnums = (argnum,) if isinstance(argnum, int) else tuple(argnum)

    def checker(*args, **kwargs) -> None:
        rng = np.random.default_rng(seed)
        args = list(args)
        xs = tuple(as_differentiable_tree(args[i]) for i in argnums)

        def on_chosen(chosen):
            full = list(args)
            for position, value in zip(argnums, chosen):
                full[position] = value
            return fun(*full, **kwargs)
        on_chosen.__name__ = _name(fun)
        _check_orders(on_chosen, xs, modes, order, rng)
    return checker


def as_differentiable_tree(value):
    leaves, spec = tree_flatten(value)
    return tree_unflatten(spec, [as_differentiable(leaf) for leaf in leaves])


def _check_orders(fun, x, modes, order, rng) -> None:
    """Check `fun` at x, then its JVP and VJP as functions of (x, direction), down to `order`."""
    pending = [(fun, x, order, _name(fun))]
    while pending:
        fun, x, remaining, label = pending.pop()
        _check_one(fun, x, modes, rng, label)
        if remaining <= 1:
            continue
        direction = _random_like(x, rng)
        if "fwd" in modes:
            pending.append((lambda pair, f=fun: make_jvp(f)(pair[0])(pair[1])[1], (x, direction), remaining - 1,
                            f"the JVP of {label}"))
        if "rev" in modes:
            out = fun(x)
            cotangent = _random_like(out, rng)
            pending.append((lambda pair, f=fun: make_vjp(f)(pair[0])[0](pair[1]), (x, cotangent), remaining - 1,
                            f"the VJP of {label}"))


def _name(fun) -> str:
    return getattr(fun, "__name__", None) or getattr(fun, "name", None) or repr(fun)
