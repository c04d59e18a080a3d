"""Primitives: functions with derivative rules. Calling one on boxes records it on the top trace.

Rules are registered beside each primitive:

- `defvjp(prim, maker0, maker1, ...)`: `maker_i(ans, *args, **kwargs)` runs in the forward
  pass and returns the staged `cotangent -> cotangent of argument i`; `None` means the
  argument gets a zero cotangent (an integer index, a shape).
- `defjvp(prim, rule0, rule1, ...)`: `rule_i(tangent, ans, *args, **kwargs)` returns the
  output tangent contributed by argument i; `None` means zero; the string `"linear"`
  (the linear shorthand) means `prim` itself applied with the tangent in place of argument i.

Keyword arguments are static (axes, shapes, flags): a traced value passed by keyword is an
error, never a silent constant.
"""
from __future__ import annotations

from .graph import Node
from .reverse import ReverseTrace
from .trace import Box

# Called as debug_hook(primitive, out, raw_args, kwargs, argnums) after each traced application
# while chainrule.debug_nans() is on (chainrule/debug.py installs it); None otherwise.
debug_hook = None


class Primitive:
    """A differentiable function: `fun` on raw values plus VJP and JVP rules per argument.

    >>> square = Primitive(lambda x: x * x, name="square")
    >>> defvjp(square, lambda ans, x: lambda cotangent: cotangent * 2 * x)
    >>> square(3.0)
    9.0
    """

    def __init__(self, fun, name: str | None = None, *, batch_aware: bool = False) -> None:
        self.fun = fun
        self.name = name or getattr(fun, "__name__", repr(fun))
        self.vjp_makers: dict = {}
        self.jvp_rules: dict = {}
        self.vjp_argnum = None  # fallback maker for arguments without their own
        self.jvp_argnum = None
        # Rules that accept tangents/cotangents with extra leading (batch) axes.
        self.batch_aware = batch_aware
        self.__doc__ = getattr(fun, "__doc__", None)
        self.__wrapped__ = fun

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args, **kwargs):
        if kwargs:
            for value in kwargs.values():
                if isinstance(value, Box):
                    _reject_boxed_kwargs(self, kwargs)
        top = None
        boxes = 0
        argnum = 0
        for i, arg in enumerate(args):
            if isinstance(arg, Box):
                boxes += 1
                if top is None or arg._trace.level > top._trace.level:
                    top, argnum = arg, i
        if top is None:
            return self.fun(*args, **kwargs)
        trace = top._trace
        # The two common cases record inline on a plain ReverseTrace (one Python call less per
        # operation); everything else goes through `trace.record`.
        if boxes == 1:
            if len(args) == 1:
                raw_args = (top._value,)
            elif len(args) == 2:
                raw_args = (top._value, args[1]) if argnum == 0 else (args[0], top._value)
            else:
                raw_args = args[:argnum] + (top._value,) + args[argnum + 1:]
            if trace.__class__ is ReverseTrace and debug_hook is None:
                ans = self.fun(*raw_args, **kwargs) if kwargs else self.fun(*raw_args)
                maker = self.vjp_makers.get(argnum)
                if maker is not None:
                    vjp = maker(ans, *raw_args, **kwargs) if kwargs else maker(ans, *raw_args)
                    return top.__class__(ans, trace, Node(self, (top._node,), (vjp,)))
            else:
                ans = trace.apply(self.fun, raw_args, kwargs)
            argnums = (argnum,)
        elif boxes == 2 and len(args) == 2 and args[0]._trace is args[1]._trace:  # x + y on one trace
            raw_args = (args[0]._value, args[1]._value)
            if trace.__class__ is ReverseTrace and debug_hook is None and not kwargs:
                ans = self.fun(*raw_args)
                first, second = self.vjp_makers.get(0), self.vjp_makers.get(1)
                if first is not None and second is not None:
                    node = Node(self, (args[0]._node, args[1]._node), (first(ans, *raw_args), second(ans, *raw_args)))
                    return top.__class__(ans, trace, node)
            else:
                ans = trace.apply(self.fun, raw_args, kwargs)
            argnums = (0, 1)
        else:
            raw_args = list(args)
            argnums = []
            for i, arg in enumerate(args):
                if isinstance(arg, Box) and arg._trace is trace:
                    raw_args[i] = arg._value
                    argnums.append(i)
            if len(argnums) == boxes:
                ans = trace.apply(self.fun, raw_args, kwargs)
            else:  # lower-level boxes remain: they record on their own, lower trace
                ans = self(*raw_args, **kwargs)
        out = trace.record(self, ans, args, raw_args, kwargs, argnums, top)
        if debug_hook is not None:  # set by chainrule.debug_nans(); one global check when off
            debug_hook(self, out, raw_args, kwargs, argnums)
        return out


def _reject_boxed_kwargs(primitive: Primitive, kwargs: dict) -> None:
    for key, value in kwargs.items():
        if isinstance(value, Box):
            raise TypeError(
                f"{primitive.name}(): the traced value passed as keyword argument {key!r} "
                f"would be treated as a constant. Pass it positionally, or wrap it in "
                f"stop_gradient() if a constant is what you want.")


def defvjp(primitive: Primitive, *makers, argnums=None) -> None:
    """Register staged VJP makers for arguments 0, 1, ... (or for `argnums`)."""
    for argnum, maker in zip(range(len(makers)) if argnums is None else argnums, makers):
        primitive.vjp_makers[argnum] = maker


def defvjp_argnum(primitive: Primitive, maker) -> None:
    """Register one maker for every argument: `maker(argnum, ans, args, kwargs) -> vjp`."""
    primitive.vjp_argnum = maker


def defjvp_argnum(primitive: Primitive, rule) -> None:
    """Register one JVP rule for every argument: `rule(argnum, tangent, ans, args, kwargs)`."""
    primitive.jvp_argnum = rule


def defjvp(primitive: Primitive, *rules, argnums=None) -> None:
    """Register JVP rules for arguments 0, 1, ... (or `argnums`); `"linear"` is the shorthand."""
    for argnum, rule in zip(range(len(rules)) if argnums is None else argnums, rules):
        if rule == "linear":
            rule = _linear_jvp(primitive, argnum)
        primitive.jvp_rules[argnum] = rule


def _linear_jvp(primitive: Primitive, argnum: int):
    def linear_rule(tangent, ans, *args, **kwargs):
        args = list(args)
        args[argnum] = tangent
        return primitive(*args, **kwargs)
    return linear_rule
