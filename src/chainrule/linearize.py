"""`linearize`: evaluate f once and get a function that applies its Jacobian, without re-running f.

JAX's `linearize`. f runs once under a forward trace whose tangents are boxes of a
`LinearTrace`. The JVP rules compute their partial derivatives from the primal values (those
become constants) and apply them to the tangent boxes; every primitive applied to a tangent
box is appended to a list of equations (the linear JVP graph). `f_jvp(*tangents)` replays
only those equations with the new tangents: the primal computation is not repeated.

>>> import numpy as np
>>> value, f_jvp = linearize(np.sin, 0.5)
>>> bool(np.isclose(f_jvp(2.0), 2.0 * np.cos(0.5)))
True
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .core import ForwardTrace, Trace, tree_flatten, tree_unflatten
from .core.trace import Box, unbox
from .numpy.box import ArrayBox
from .transforms import as_differentiable, lower

__all__ = ["linearize", "LinearFunction"]


class LinearTrace(Trace):
    """Records the primitives applied to tangents: `(primitive, arguments, kwargs, variable positions, out)`.

    Variables are numbered: 0..n-1 are the inputs, each equation defines the next one.
    A box of this trace carries its variable number in `_node`.
    """

    __slots__ = ("equations", "count")

    def __init__(self, inputs: int) -> None:
        super().__init__()
        self.equations: list = []
        self.count = inputs

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        template = list(raw_args)
        for i in argnums:
            template[i] = args[i]._node
        out = self.count
        self.count += 1
        self.equations.append((primitive, tuple(template), kwargs, tuple(argnums), out))
        return ArrayBox(ans, self, out)


class LinearFunction:
    """The Jacobian-vector product of a linearized function: `f_jvp(*tangents)` (replays the linear graph)."""

    def __init__(self, trace: LinearTrace, in_spec, in_shapes, out_spec, outputs) -> None:
        self._equations = trace.equations
        self._inputs = trace.count - len(trace.equations)
        self._in_spec, self._in_shapes = in_spec, in_shapes
        self._out_spec, self._outputs = out_spec, outputs

    def __len__(self) -> int:
        """How many linear operations one application replays."""
        return len(self._equations)

    def __call__(self, *tangents):
        leaves, spec = tree_flatten(tangents)
        if spec != self._in_spec:
            raise ValueError("linearize: f_jvp takes one tangent per primal, with the primals' structure.")
        env: dict = {}
        for number, (leaf, shape) in enumerate(zip(leaves, self._in_shapes)):
            leaf = as_differentiable(leaf)
            if np.shape(unbox(leaf)) != shape:
                raise ValueError(f"linearize: tangent {number} has shape {np.shape(unbox(leaf))}, but its primal "
                                 f"has shape {shape} (f_jvp takes one direction at a time).")
            env[number] = leaf
        for primitive, template, kwargs, positions, out in self._equations:
            args = list(template)
            for i in positions:
                args[i] = env[template[i]]
            env[out] = primitive(*args, **kwargs)
        results = []
        for kind, item in self._outputs:
            results.append(env[item] if kind == "var" else item)
        return tree_unflatten(self._out_spec, results)


def linearize(fun: Callable, *primals):
    """`(fun(*primals), f_jvp)` where `f_jvp(*tangents)` = J @ tangents, computed without re-running `fun`.

    >>> value, f_jvp = linearize(lambda x, y: x * y + np.exp(x), 0.0, 2.0)
    >>> value, f_jvp(1.0, 0.0)
    (np.float64(1.0), np.float64(3.0))
    """
    leaves, in_spec = tree_flatten(primals)
    leaves = [as_differentiable(leaf) for leaf in leaves]
    forward = ForwardTrace(0)
    linear = LinearTrace(len(leaves))
    boxes = []
    for number, leaf in enumerate(leaves):
        zero = np.zeros(np.shape(unbox(leaf)), dtype=np.result_type(unbox(leaf)))
        tangent = ArrayBox(zero if zero.ndim else zero[()], linear, number)
        boxes.append(ArrayBox(leaf, forward, tangent))
    out = fun(*tree_unflatten(in_spec, boxes))
    out_leaves, out_spec = tree_flatten(out)
    values, outputs = [], []
    for leaf in out_leaves:
        leaf = lower(leaf, forward)
        if isinstance(leaf, Box) and leaf._trace is forward:
            values.append(leaf._value)
            tangent = leaf._node
            if isinstance(tangent, Box) and tangent._trace is linear:
                outputs.append(("var", tangent._node))
                continue
        else:
            values.append(leaf)
        zeros = np.zeros(np.shape(unbox(leaf)), dtype=np.result_type(unbox(leaf), np.float64))
        outputs.append(("constant", zeros if zeros.ndim else zeros[()]))
    in_shapes = [np.shape(unbox(leaf)) for leaf in leaves]
    return tree_unflatten(out_spec, values), LinearFunction(linear, in_spec, in_shapes, out_spec, outputs)
