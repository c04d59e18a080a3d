"""Why a gradient check failed: the numbers with error bars, and the primitive whose rule is wrong.

``check_grads`` compares automatic derivatives with a quick central difference. When
they disagree, :func:`explain_failure` re-measures the numerical derivative with
error bars (``chainrule.numeric.directional``), and if the disagreement is real it
re-runs the function under a recording trace and walks the recorded primitive
applications in the order they ran, checking each one's own rule against its own
numerical derivative (:func:`check_rule`). The first that disagrees is named in the
AssertionError, with the user's line that called it.

:func:`check_rule` is also public (``chainrule.check_rule``): it checks the JVP and
VJP rules of one primitive (or any function) at given arguments.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import numeric
from .core import Node, ReverseTrace, tree_flatten, tree_unflatten
from .core.reverse import MissingRule
from .numpy.box import ArrayBox
from .transforms import as_differentiable, make_jvp, make_vjp

__all__ = ["check_rule", "RuleCheck", "explain_failure"]

RULE_RTOL, RULE_ATOL, ERROR_BARS = 1e-6, 1e-9, 4.0
MAX_APPLICATIONS = 500  # the walk checks at most this many primitive applications
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))


# ----------------------------------------------------------------------------- pytrees as vectors


def _leaves(tree: Any) -> list[np.ndarray]:
    leaves = tree_flatten(tree)[0] if isinstance(tree, (tuple, list, dict)) else [tree]
    return [np.asarray(leaf) for leaf in leaves]


def _ravel(tree: Any) -> np.ndarray:
    leaves = _leaves(tree)
    if not leaves:
        return np.zeros(0)
    return np.concatenate([np.ravel(leaf) for leaf in leaves])


def _unraveler(tree: Any) -> Callable[[np.ndarray], Any]:
    """The inverse of _ravel for trees shaped like ``tree``."""
    if isinstance(tree, (tuple, list, dict)):
        leaves, spec = tree_flatten(tree)
    else:
        leaves, spec = [tree], None
    shapes = [np.shape(leaf) for leaf in leaves]
    sizes = [int(np.prod(shape)) for shape in shapes]

    def unravel(vector: np.ndarray) -> Any:
        parts, start = [], 0
        for shape, size in zip(shapes, sizes):
            parts.append(np.reshape(vector[start:start + size], shape))
            start += size
        parts = [part[()] if part.ndim == 0 else part for part in parts]
        return parts[0] if spec is None else tree_unflatten(spec, parts)

    return unravel


def _format(vector: Any) -> str:
    return np.array2string(np.asarray(vector), precision=8, threshold=8, edgeitems=3, separator=", ")


# ----------------------------------------------------------------------------- one comparison


@dataclass
class Comparison:
    """AD against numerics for one function, one argument, one mode, along one direction."""

    mode: str  # "fwd" or "rev"
    ad: float | np.ndarray
    numerical: float | np.ndarray
    error: float | np.ndarray  # the numerical value's error bar
    direction: np.ndarray
    cotangent: np.ndarray | None = None

    @property
    def discrepancy(self) -> float:
        return float(np.max(np.abs(np.asarray(self.ad) - np.asarray(self.numerical)), initial=0.0))

    @property
    def relative_error(self) -> float:
        scale = float(np.max(np.abs(self.numerical), initial=0.0))
        return self.discrepancy / scale if scale > 0 else (0.0 if self.discrepancy == 0 else np.inf)

    def agrees(self, rtol: float, atol: float) -> bool:
        ad, num = np.asarray(self.ad), np.asarray(self.numerical)
        allowed = atol + rtol * np.abs(num) + ERROR_BARS * np.asarray(self.error)
        return bool(np.all(np.abs(ad - num) <= allowed))

    def lines(self, indent: str = "  ") -> list[str]:
        what = "J v (JVP)" if self.mode == "fwd" else "<c, J v> via the VJP"
        lines = [f"{indent}direction tested: v = {_format(self.direction)}"]
        if self.cotangent is not None:
            lines.append(f"{indent}output cotangent: c = {_format(self.cotangent)}")
        lines += [
            f"{indent}AD         {what}: {_format(self.ad)}",
            f"{indent}numerical  {what}: {_format(self.numerical)}  +- {float(np.max(self.error)):.1e}",
            f"{indent}relative error: {self.relative_error:.3g}",
        ]
        return lines


def _compare(fun: Callable, x: Any, mode: str, direction: Any, cotangent: Any = None) -> Comparison:
    """Compare fun's AD derivative at x along ``direction`` with Richardson central differences."""
    unravel_x = _unraveler(x)
    out = fun(x)
    flat_direction = _ravel(direction).astype(float)
    estimate = numeric.directional(lambda z: _ravel(fun(unravel_x(z))), _ravel(x).astype(float),
                                   flat_direction)
    if mode == "fwd":
        _, tangent = make_jvp(fun)(x)(direction)
        return Comparison("fwd", _ravel(tangent), estimate.value, estimate.error, flat_direction)
    if cotangent is None:
        cotangent = _unraveler(out)(np.random.default_rng(0).standard_normal(_ravel(out).size))
    vjp, _ = make_vjp(fun)(x)
    flat_cotangent = _ravel(cotangent)
    ad = float(np.real(np.vdot(_ravel(vjp(cotangent)), flat_direction)))
    num = float(np.real(np.vdot(flat_cotangent, estimate.value)))
    error = float(np.sum(np.abs(flat_cotangent) * np.abs(estimate.error)))
    return Comparison("rev", ad, num, error, flat_direction, flat_cotangent)


# ----------------------------------------------------------------------------- check_rule


@dataclass
class RuleCheck:
    """The result of :func:`check_rule`: one Comparison per (argument, mode), and skipped ones."""

    name: str
    comparisons: list = field(default_factory=list)  # (argnum, Comparison, agrees)
    skipped: list = field(default_factory=list)  # (argnum, reason)

    @property
    def ok(self) -> bool:
        return all(agrees for _, _, agrees in self.comparisons)

    @property
    def failures(self) -> list:
        return [(argnum, comparison) for argnum, comparison, agrees in self.comparisons if not agrees]

    def __repr__(self) -> str:
        lines = [f"check_rule({self.name}): " + ("all rules agree with numerical derivatives" if self.ok
                                                 else "a rule DISAGREES with the numerical derivative")]
        for argnum, comparison, agrees in self.comparisons:
            rule = "JVP" if comparison.mode == "fwd" else "VJP"
            lines.append(f"  argument {argnum}, {rule}: {'ok' if agrees else 'WRONG'} "
                         f"(relative error {comparison.relative_error:.2g})")
            if not agrees:
                lines += comparison.lines("    ")
        for argnum, reason in self.skipped:
            lines.append(f"  argument {argnum}: not checked ({reason})")
        return "\n".join(lines)


def _name_of(fun: Any) -> str:
    name = getattr(fun, "name", None) or getattr(fun, "__name__", None) or repr(fun)
    code = getattr(getattr(fun, "fun", fun), "__code__", None)
    if name == "<lambda>" and code is not None:
        name = f"<lambda> defined at {code.co_filename}:{code.co_firstlineno}"
    return name


def _differentiable(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        kind = np.asarray(value).dtype.kind
    except Exception:  # lists of arrays of different shapes, objects
        return False
    return kind == "f"


def check_rule(fun: Callable, *args: Any, modes: Sequence[str] = ("fwd", "rev"), argnums: Sequence[int] | None = None,
               seed: int = 0, rtol: float = RULE_RTOL, atol: float = RULE_ATOL, **kwargs: Any) -> RuleCheck:
    """Check the JVP and VJP rules of one primitive (or any function) at ``args``.

    For each floating-point positional argument (or those in ``argnums``) the rule's
    answer along a random direction is compared with Richardson-extrapolated central
    differences, which come with an error bar. Keyword arguments go to ``fun``.
    Raises AssertionError naming the argument and mode when a rule is wrong; returns
    a :class:`RuleCheck` report otherwise.

    >>> import numpy as np, chainrule as cr
    >>> cr.check_rule(np.sin, np.array([0.3, 1.2])).ok
    True
    """
    report = _check_rule(fun, args, kwargs, modes, argnums, seed, rtol, atol)
    if not report.ok:
        raise AssertionError(repr(report))
    return report


def _check_rule(fun: Callable, args: Sequence, kwargs: dict, modes: Sequence[str], argnums: Sequence[int] | None,
                seed: int, rtol: float, atol: float) -> RuleCheck:
    report = RuleCheck(_name_of(fun))
    rng = np.random.default_rng(seed)
    for argnum in range(len(args)) if argnums is None else argnums:
        if not _differentiable(args[argnum]):
            report.skipped.append((argnum, f"not a floating-point array: {type(args[argnum]).__name__}"))
            continue
        point = as_differentiable(args[argnum])

        def on_argument(value: Any, argnum: int = argnum) -> Any:
            full = list(args)
            full[argnum] = value
            return fun(*full, **kwargs)

        direction = rng.standard_normal(np.shape(point))
        direction = direction if np.ndim(point) else direction[()]
        out = on_argument(point)
        cotangent = _unraveler(out)(rng.standard_normal(_ravel(out).size))
        for mode in modes:
            try:
                comparison = _compare(on_argument, point, mode, direction, cotangent if mode == "rev" else None)
            except MissingRule as missing:
                report.skipped.append((argnum, f"no {'JVP' if mode == 'fwd' else 'VJP'} rule ({missing})"))
                continue
            report.comparisons.append((argnum, comparison, comparison.agrees(rtol, atol)))
    return report


# ----------------------------------------------------------------------------- the walk


@dataclass
class _Applied:
    primitive: Any
    raw_args: list
    kwargs: dict
    argnums: tuple
    site: str
    source: str


class _Recorder(ReverseTrace):
    """A reverse trace that also keeps every primitive application with its raw arguments."""

    __slots__ = ("applications",)

    def __init__(self) -> None:
        super().__init__()
        self.applications: list[_Applied] = []

    def record(self, primitive, ans, args, raw_args, kwargs, argnums, top):
        site, source = _user_site()
        self.applications.append(_Applied(primitive, list(raw_args), dict(kwargs), tuple(argnums), site, source))
        return super().record(primitive, ans, args, raw_args, kwargs, argnums, top)


def _user_site() -> tuple[str, str]:
    import linecache

    frame = sys._getframe(2)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not (filename.startswith(_PACKAGE_DIR) or filename.startswith(_NUMPY_DIR)):
            line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}", line
        frame = frame.f_back
    return "<unknown>", ""


def _record(fun: Callable, x: Any) -> list[_Applied]:
    trace = _Recorder()
    leaves, spec = tree_flatten(x) if isinstance(x, (tuple, list, dict)) else ([x], None)
    boxes = [ArrayBox(as_differentiable(leaf), trace, Node.root()) for leaf in leaves]
    fun(boxes[0] if spec is None else tree_unflatten(spec, boxes))
    return trace.applications


def find_wrong_rule(fun: Callable, x: Any, modes: Sequence[str]) -> tuple[_Applied, RuleCheck] | None:
    """The first recorded primitive application (in execution order) whose own rule is wrong."""
    for applied in _record(fun, x)[:MAX_APPLICATIONS]:
        try:
            report = _check_rule(applied.primitive, applied.raw_args, applied.kwargs, modes, applied.argnums,
                                 0, RULE_RTOL, RULE_ATOL)
        except Exception:  # a primitive that cannot be re-run in isolation cannot be judged here
            continue
        if not report.ok:
            return applied, report
    return None


# ----------------------------------------------------------------------------- check_grads' message


def explain_failure(fun: Callable, x: Any, mode: str, direction: Any, cotangent: Any, *, rtol: float, atol: float,
                    name: str, quick: tuple = ()) -> str | None:
    """The AssertionError message for a failed check, or None if careful numerics clear the AD value.

    ``quick`` is (AD value, quick central difference), reported as they are where the careful
    measurement does not apply (complex values: ``numeric`` differentiates real functions).
    """
    kind = "forward mode (JVP)" if mode == "fwd" else "reverse mode (VJP)"
    if any(np.iscomplexobj(leaf) for leaf in _leaves(x) + _leaves(fun(x))):
        ad, crude = quick if quick else ("?", "?")
        return (f"check_grads: the {kind} derivative of {name} disagrees with central differences.\n"
                f"  AD:        {ad}\n  numerical: {crude}\n"
                "  (complex values: no error bar and no walk of the rules; check them one by one with "
                "chainrule.check_rule on real and imaginary parts)")
    comparison = _compare(fun, x, mode, direction, cotangent)
    if comparison.agrees(rtol, atol):
        return None  # the quick central difference was too crude; the careful one agrees
    lines = [f"check_grads: the {kind} derivative of {name} disagrees with the numerical derivative.",
             *comparison.lines()]
    try:
        culprit = find_wrong_rule(fun, x, (mode,))
    except Exception as error:  # the diagnosis must never hide the failure itself
        culprit, lines = None, [*lines, f"  (could not walk the graph: {type(error).__name__}: {error})"]
    if culprit is None:
        lines.append("  every primitive's own rule agrees with its numerical derivative here; the error is in "
                     "how they are combined (a custom primitive's argument order, a missing term) or in a "
                     "non-smooth point of the function")
    else:
        applied, report = culprit
        rule = "JVP" if mode == "fwd" else "VJP"
        lines.append(f"  first primitive whose {rule} rule disagrees with its own numerical derivative: "
                     f"{_name_of(applied.primitive)}")
        lines.append(f"    called at {applied.site}")
        if applied.source:
            lines.append(f"        {applied.source}")
        lines += ["  " + line for line in repr(report).splitlines()[1:]]
    return "\n".join(lines)
