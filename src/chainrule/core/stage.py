"""Staging: run a function once on real values and record every primitive applied to its inputs.

`compile.py` turns the recording into straight-line code. A `StagingTrace` is the lowest level
of a compile. Its boxes carry real values, so the function computes exactly what it computes
eagerly, and each primitive applied to them is appended to `trace.program` as
`(fun, args, kwargs, out, name)`, where `out` is the staged result and staged arguments are earlier ones. A staged value
read any other way (`bool(x)`, a rule that branches on values, a staged box hidden inside a
constant argument) is an *escape*: the run goes on with the real value, but `trace.escapes`
says why the recording cannot be replayed (a replay would freeze that value).
"""
from __future__ import annotations

import os
import sys

from .primitive import Primitive
from .trace import Box, Trace, holds_box

_SLOT = Box.__dict__["_value"]  # the slot itself: reading through it is a metadata read
_RECORDING = Primitive.__call__.__code__  # the one place that may read a staged value
_READERS = frozenset({"_raw", "raw", "unbox", "<genexpr>", "<listcomp>"})  # named by their caller instead
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peek(value):
    """The raw value under every box, for its shape, dtype and type only (never its numbers)."""
    while isinstance(value, Box):
        value = _SLOT.__get__(value)
    return value


def detach(value):
    """`value` without the boxes of differentiating transforms: what a constant is computed from.

    Eagerly this is the raw value. While a compile records, the staged box stays, so a mask
    or an index computed from it is recorded too instead of being frozen.
    """
    while isinstance(value, Box) and value._trace.__class__ is not StagingTrace:
        value = _SLOT.__get__(value)
    return value


def is_staged(value) -> bool:
    """Whether a compile is recording `value` (a staged box under any number of transform boxes)."""
    return isinstance(detach(value), Box)


class StagingTrace(Trace):
    """The recording of one compile: the program, the number of values, the escapes."""

    __slots__ = ("program", "escapes", "count")

    def __init__(self) -> None:
        super().__init__()
        self.program: list = []
        self.escapes: list = []
        self.count = 0

    def input(self, value, box_type):
        """A staged box for an argument of the compiled function."""
        self.count += 1
        return box_type(value, self, self.count - 1)

    def apply(self, fun, raw_args, kwargs):
        try:
            return fun(*raw_args, **kwargs)
        except Exception as error:  # caught by the user's code, it would steer a replay the wrong way
            self.escape(f"{getattr(fun, '__name__', 'an operation')}() raised {type(error).__name__} "
                        f"on values computed from the inputs")
            raise

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        return self.emit(primitive.fun, args, kwargs, ans, top.__class__, primitive.name)

    def emit(self, fun, args, kwargs, ans, box_type, name: str):
        """Append `ans = fun(*args, **kwargs)` to the program; return the staged `ans`."""
        for value in (*args, *kwargs.values()):
            if not (isinstance(value, Box) and value._trace is self) and holds_box(value):
                self.escape(f"{name}() received a traced array inside a constant argument")
        out = box_type(ans, self, self.count)
        self.count += 1
        self.program.append((fun, args, kwargs, out, name))
        return out

    def escape(self, what: str) -> None:
        """Note that a value left the recording: `what`, and the user's line it happened on."""
        self.escapes.append(f"{what} ({_user_line()})")


class StagedValue:
    """Mixin for staged boxes: reading `_value` anywhere but in `Primitive.__call__` is an escape."""

    __slots__ = ()

    def _get_value(self):
        frame = sys._getframe(1)
        if frame.f_code is not _RECORDING:
            while frame.f_back is not None and frame.f_code.co_name in _READERS:
                frame = frame.f_back
            self._trace.escape(f"{frame.f_code.co_name}() reads the values of an array computed from the inputs")
        return _SLOT.__get__(self)

    def _set_value(self, value) -> None:
        _SLOT.__set__(self, value)

    _value = property(_get_value, _set_value)


def _user_line() -> str:
    """`file:line` of the nearest caller outside chainrule (where the user's code read the value)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "inside chainrule"
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno} in {frame.f_code.co_name}"
