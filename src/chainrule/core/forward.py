"""Forward mode: push tangents through JVP rules as each primitive is applied.

A box of a `ForwardTrace` carries its tangent in `_node`. The tangent may have
`batch_ndim` extra leading axes (a batch of directions pushed at once, which is how
Jacobians and Hessians are vectorised); rules marked `batch_aware` handle that axis
themselves, other rules are applied once per direction by the numpy layer's wrapper.
"""
from __future__ import annotations

from .reverse import missing_rule
from .trace import Trace


class ForwardTrace(Trace):
    """Computes each output's tangent from the inputs' tangents; records no graph."""

    __slots__ = ("batch_ndim",)

    def __init__(self, batch_ndim: int = 0) -> None:
        super().__init__()
        self.batch_ndim = batch_ndim

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        rules = primitive.jvp_rules
        tangent_out = None
        for argnum in argnums:
            tangent = args[argnum]._node
            rule = rules.get(argnum)
            if rule is not None:
                contribution = rule(tangent, ans, *raw_args, **kwargs)
            elif argnum in rules:  # registered as None: contributes nothing
                continue
            elif primitive.jvp_argnum is not None:
                contribution = primitive.jvp_argnum(argnum, tangent, ans, raw_args, kwargs)
            else:
                raise missing_rule(primitive, argnum, "JVP (forward mode)")
            if contribution is None:
                continue
            tangent_out = contribution if tangent_out is None else tangent_out + contribution
        if tangent_out is None:
            return ans
        return top.__class__(ans, self, tangent_out)
