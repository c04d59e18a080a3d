"""Recovering the user's variable names: argument names, and names assigned in the body.

While the traced function runs, a line tracer (installed for that one frame only, and
removed in `finally`) looks at the frame's locals before every line and at the return:
any traced value bound to a name gets that name. A name bound again to a new value
(`x = x * 2`) gets primes (`x′`). Functions without Python source frames (builtins,
`functools.partial` of C functions) simply keep unnamed intermediates.
"""
from __future__ import annotations

import inspect
import sys
import threading
from typing import Callable


def argument_names(function: Callable, args: tuple, kwargs: dict) -> list[str]:
    """A name for each positional argument: its parameter name, `args[i]` for *args.

    >>> argument_names(lambda a, x, *rest: 0, (1, 2, 3, 4), {})
    ['a', 'x', 'rest[0]', 'rest[1]']
    """
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return [f"x{i}" for i in range(len(args))]
    names: list[str] = []
    for parameter in signature.parameters.values():
        if len(names) >= len(args):
            break
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            names.append(parameter.name)
        elif parameter.kind == parameter.VAR_POSITIONAL:
            names += [f"{parameter.name}[{i}]" for i in range(len(args) - len(names))]
    names += [f"x{i}" for i in range(len(names), len(args))]
    return names


class LocalNames:
    """Context manager: while active, `found` maps id(value) → local name in `function`'s frame.

    `is_traced(value)` says which locals are worth naming; the values are kept alive in
    `found_values` so their ids stay unique while the trace lasts.
    """

    def __init__(self, function: Callable, is_traced: Callable) -> None:
        self.code = getattr(inspect.unwrap(function), "__code__", None)
        self.is_traced = is_traced
        self.found: dict[int, str] = {}
        self.found_values: list = []
        self._used: set = set()
        self._previous = None
        self._thread = None

    def _look(self, frame) -> None:
        for name, value in frame.f_locals.items():
            if id(value) in self.found or not self.is_traced(value):
                continue
            unique = name
            while unique in self._used:
                unique += "′"
            self._used.add(unique)
            self.found[id(value)] = unique
            self.found_values.append(value)

    def _local(self, frame, event, arg):
        if event in ("line", "return"):
            self._look(frame)
        return self._local

    def _global(self, frame, event, arg):
        if event == "call" and frame.f_code is self.code:
            return self._local
        return None

    def __enter__(self) -> "LocalNames":
        if self.code is not None:
            self._previous = sys.gettrace()
            self._thread = threading.get_ident()
            sys.settrace(self._global)
        return self

    def __exit__(self, *exc) -> None:
        if self.code is not None:
            sys.settrace(self._previous)
