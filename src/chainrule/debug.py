"""debug_nans: stop at the first primitive that turns finite numbers into NaN or inf, and say why.

Off by default and free when off: the core calls a hook only while it is installed
(one global check per traced primitive). When on, every traced primitive application

- checks its forward value: NaN/inf out of finite inputs raises :class:`NaNError`;
- remembers where in the user's code it was called (file:line) and wraps its VJPs so
  that a NaN/inf cotangent made from a finite one raises :class:`NaNError` too;
- under forward mode, checks the output tangent the same way.

The error names the primitive, its inputs' shapes and values, the user's line, and for
the classic masked-branch trap (``np.where(x > 0, np.sqrt(x), 0)`` differentiated at
``x = 0``: the unused branch's infinite derivative times a zero cotangent is NaN) the
fix: mask the input, not the output.

Turn it on with ``with chainrule.debug_nans(): ...`` or for a whole run with the
environment variable ``CHAINRULE_DEBUG_NANS=1``.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from .core import Box, Node
from .core import primitive as _primitive_module
from .core.trace import unbox

__all__ = ["debug_nans", "NaNError"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))


class NaNError(FloatingPointError):
    """A NaN or inf appeared in a forward value, tangent or cotangent under debug_nans()."""


@dataclass
class _Application:
    """What debug_nans remembers about one traced primitive application."""

    name: str
    site: str  # "file:line in function"
    source: str  # the user's line of code
    inputs: list = field(default_factory=list)  # summaries of the inputs
    consumers: list = field(default_factory=list)  # names of primitives that used the result


_applications: "weakref.WeakKeyDictionary[Node, _Application]" = weakref.WeakKeyDictionary()


def _user_frame() -> tuple[str, str]:
    """(file:line in function, source line) of the innermost frame outside chainrule and numpy."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not (filename.startswith(_PACKAGE_DIR) or filename.startswith(_NUMPY_DIR)):
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}", line
        frame = frame.f_back
    return "<unknown>", ""


def _bad(value: Any) -> np.ndarray | None:
    """Mask of non-finite entries of a numeric value (None for non-numeric values)."""
    raw = unbox(value)
    if isinstance(raw, (list, tuple)):
        masks = [_bad(item) for item in raw]
        masks = [np.ravel(m) for m in masks if m is not None]
        return np.concatenate(masks) if masks else None
    try:
        array = np.asarray(raw)
    except Exception:  # an object that is not an array: nothing to check
        return None
    if array.dtype.kind not in "fc":
        return None
    return ~np.isfinite(array)


def _any_bad(value: Any) -> bool:
    mask = _bad(value)
    return mask is not None and bool(mask.any())


def summarize(value: Any) -> str:
    """A one-line description of an array: shape, dtype, range, zeros, NaN/inf counts."""
    raw = unbox(value)
    if isinstance(raw, (list, tuple)):
        return "(" + ", ".join(summarize(item) for item in raw) + ")"
    array = np.asarray(raw)
    if array.dtype.kind not in "biufc":
        return f"{type(raw).__name__}"
    text = f"shape {array.shape}, {array.dtype}"
    if array.size == 0:
        return text + ", empty"
    finite = array[np.isfinite(array)] if array.dtype.kind in "fc" else array
    if array.size <= 6:
        text += f", values {np.array2string(array.ravel(), precision=4, separator=', ')}"
    elif finite.size:
        text += f", min {np.min(np.real(finite)):.4g}, max {np.max(np.real(finite)):.4g}"
    zeros = int(np.count_nonzero(array == 0))
    if zeros:
        text += f", {zeros} zero{'s' if zeros > 1 else ''}"
    if array.dtype.kind in "fc":
        nans, infs = int(np.isnan(array).sum()), int(np.isinf(array).sum())
        if nans or infs:
            text += f", {nans} nan, {infs} inf"
    return text


def _positions(mask: np.ndarray, limit: int = 3) -> str:
    found = np.argwhere(mask)
    shown = ", ".join(str(tuple(int(i) for i in index)) if len(index) else "()" for index in found[:limit])
    return shown + (f" and {len(found) - limit} more" if len(found) > limit else "")


def _describe(record: _Application) -> list[str]:
    lines = [f"  {record.name} was called at {record.site}"]
    if record.source:
        lines.append(f"      {record.source}")
    for i, text in enumerate(record.inputs):
        lines.append(f"  input {i}: {text}")
    return lines


_MASK_FIX = (
    "  This is the masked-branch trap: np.where(cond, np.{name}(x), other) still differentiates\n"
    "  np.{name}(x) where cond is False. There the cotangent is 0 but {name}'s derivative is infinite\n"
    "  (or undefined), and 0 * inf = nan.\n"
    "  Fix: mask the input, not the output, so the unused branch is evaluated at a safe point:\n"
    "      safe_x = np.where(cond, x, 1.0)\n"
    "      np.where(cond, np.{name}(safe_x), other)"
)


def _check_forward(primitive: Any, out: Any, raw_args: tuple) -> None:
    if not _any_bad(out) or any(_any_bad(arg) for arg in raw_args):
        return
    site, source = _user_frame()
    record = _Application(primitive.name, site, source, [summarize(a) for a in raw_args])
    lines = [f"debug_nans: {primitive.name} returned nan/inf from finite inputs (forward value: "
             f"{summarize(out)})", *_describe(record)]
    raise NaNError("\n".join(lines))


def _checked_vjp(vjp: Any, node: Node, argnum: int) -> Any:
    def checked(cotangent: Any) -> Any:
        result = vjp(cotangent)
        if result is None or not _any_bad(result) or _any_bad(cotangent):
            return result
        record = _applications.get(node)
        name = record.name if record else node.primitive.name
        lines = [f"debug_nans: the derivative rule (VJP) of {name} made nan/inf in the cotangent of its "
                 f"argument {argnum} from a finite incoming cotangent.",
                 f"  cotangent of argument {argnum}: {summarize(result)}",
                 f"  incoming cotangent: {summarize(cotangent)}"]
        if record:
            lines += _describe(record)
        bad = _bad(result)
        incoming = np.asarray(unbox(cotangent))
        if bad.shape == np.shape(incoming) or incoming.ndim == 0:
            zero_there = np.broadcast_to(incoming == 0, bad.shape)[bad]
            lines.append(f"  bad entries at {_positions(bad)}; the incoming cotangent there is "
                         + ("0" if zero_there.all() else "nonzero"))
            if zero_there.all() and (record is None or "where" in record.consumers
                                     or not record.consumers):
                lines.append(_MASK_FIX.format(name=name))
        raise NaNError("\n".join(lines))

    return checked


def _hook(primitive: Any, out: Any, raw_args: list, kwargs: dict, argnums: list) -> None:
    """Installed as chainrule.core.primitive.debug_hook while debug_nans() is on."""
    _check_forward(primitive, out, raw_args)
    if not isinstance(out, Box):
        return
    node = out._node
    if isinstance(node, Node):
        site, source = _user_frame()
        _applications[node] = _Application(primitive.name, site, source, [summarize(a) for a in raw_args])
        for parent in node.parents:
            parent_record = _applications.get(parent)
            if parent_record is not None:
                parent_record.consumers.append(primitive.name)
        makers = primitive.vjp_makers
        positions = [a for a in argnums if makers.get(a) is not None or a not in makers]
        node.vjps = tuple(_checked_vjp(vjp, node, position) for vjp, position in zip(node.vjps, positions))
    elif _any_bad(node) and not any(_any_bad(arg) for arg in raw_args):
        site, source = _user_frame()
        record = _Application(primitive.name, site, source, [summarize(a) for a in raw_args])
        lines = [f"debug_nans: the forward-mode rule (JVP) of {primitive.name} made a nan/inf tangent "
                 f"({summarize(node)})", *_describe(record)]
        raise NaNError("\n".join(lines))


@contextlib.contextmanager
def debug_nans(enabled: bool = True) -> Iterator[None]:
    """Raise NaNError at the first primitive that makes a NaN/inf value, tangent or cotangent.

    >>> import numpy as np, chainrule as cr
    >>> f = lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0))
    >>> with np.errstate(all="ignore"), cr.debug_nans():
    ...     cr.grad(f)(np.array([0.0, 4.0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainrule.debug.NaNError: debug_nans: the derivative rule (VJP) of sqrt made nan/inf ...
    """
    previous = _primitive_module.debug_hook
    _primitive_module.debug_hook = _hook if enabled else None
    try:
        yield
    finally:
        _primitive_module.debug_hook = previous


if os.environ.get("CHAINRULE_DEBUG_NANS", "").strip() not in ("", "0"):
    _primitive_module.debug_hook = _hook
