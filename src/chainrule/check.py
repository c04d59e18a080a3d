"""check_grads: compare forward- and reverse-mode derivatives with finite differences, to any order.

Same call as HIPS autograd's: `check_grads(f, argnum=0, modes=("fwd", "rev"), order=2)(*args)`
raises AssertionError when a derivative disagrees with central differences along a random
direction. Order k checks the derivative of the derivative, k times. Complex inputs are
perturbed in their real and imaginary parts (a complex random direction).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .core import tree_flatten, tree_unflatten
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


def _check_one(fun: Callable, x, modes, rng) -> None:
    direction = _random_like(x, rng)
    numeric = _numeric_directional(fun, x, direction)
    if "fwd" in modes:
        _, analytic = make_jvp(fun)(x)(direction)
        _assert_close(analytic, numeric, "forward mode (JVP)", fun)
    if "rev" in modes:
        vjp, value = make_vjp(fun)(x)
        cotangent = _random_like(value, rng)
        analytic = _inner(vjp(cotangent), direction)
        expected = _inner(cotangent, numeric)
        _assert_close(analytic, expected, "reverse mode (VJP)", fun)


def _assert_close(analytic, numeric, mode: str, fun) -> None:
    a_leaves, n_leaves = tree_flatten(analytic)[0], tree_flatten(numeric)[0]
    for a, n in zip(a_leaves, n_leaves):
        a, n = np.asarray(a), np.asarray(n)
        if not np.allclose(a, n, rtol=RTOL, atol=ATOL):
            error = np.max(np.abs(a - n)) / max(np.max(np.abs(n)), 1e-300)
            raise AssertionError(
                f"check_grads: {mode} derivative of {getattr(fun, '__name__', fun)} disagrees with "
                f"central differences (step {EPS}).\n  AD:        {a}\n  numerical: {n}\n"
                f"  relative error: {error:.3g}")


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
        _check_orders(on_chosen, xs, modes, order, rng)
    return checker


def as_differentiable_tree(value):
    leaves, spec = tree_flatten(value)
    return tree_unflatten(spec, [as_differentiable(leaf) for leaf in leaves])


def _check_orders(fun, x, modes, order, rng) -> None:
    """Check `fun` at x, then its JVP and VJP as functions of (x, direction), down to `order`."""
    pending = [(fun, x, order)]
    while pending:
        fun, x, remaining = pending.pop()
        _check_one(fun, x, modes, rng)
        if remaining <= 1:
            continue
        direction = _random_like(x, rng)
        if "fwd" in modes:
            pending.append((lambda pair, f=fun: make_jvp(f)(pair[0])(pair[1])[1], (x, direction), remaining - 1))
        if "rev" in modes:
            out = fun(x)
            cotangent = _random_like(out, rng)
            pending.append((lambda pair, f=fun: make_vjp(f)(pair[0])[0](pair[1]), (x, cotangent), remaining - 1))
