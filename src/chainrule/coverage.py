"""`python -m chainrule.coverage`: how much of NumPy and SciPy chainrule differentiates, read from its registry.

Which callables count, per namespace (the rule; the exclusions are listed in `OUT_OF_SCOPE`):

- numpy, numpy.linalg, numpy.fft: the functions a traced array can reach, i.e. NumPy's ufuncs
  and the functions NumPy routes through `__array_function__` (that is where chainrule's rules
  attach; anything else calls np.asarray and gets chainrule's "would lose the derivative"
  error). Left out: I/O and printing, datetime and bit packing, memory queries, and the
  in-place writers (put, copyto, fill_diagonal, ...), which chainrule refuses by design.
- scipy.special: the ufuncs and functions in `scipy.special.__all__`, without error-state
  handling, tables of zeros, quadrature nodes, polynomial objects and integer combinatorics
  (their arguments are integer orders or counts).
- scipy.stats: the distributions (continuous, discrete and multivariate); one counts as
  differentiable when `chainrule.scipy.stats` provides its densities.
- scipy.linalg: the functions in `scipy.linalg.__all__`, without the BLAS/LAPACK lookups and
  the special matrices built from an integer size (hilbert(n), pascal(n), ...).

Aliases (np.abs and np.absolute, np.acos and np.arccos) count once. Each counted function is
in one group: with a VJP and/or a JVP (a primitive with rules, or a composite written with
primitives, which has both because every primitive has both: tests/test_coverage.py checks
that), non-differentiable (its result is a constant: comparisons, argmax, floor), or without
a rule (a traced argument raises a clear error).

>>> rows = report()
>>> [row.namespace for row in rows][::3], rows[3].vjp == rows[3].jvp > 30
(['numpy', 'scipy.special'], True)
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

import numpy as np

from .core import Primitive
from .numpy import registry

# HIPS autograd 1.9.1, for comparison: functions with a VJP, and (where known) with a JVP.
AUTOGRAD = {"numpy": (128, None), "numpy.linalg": (10, 1), "numpy.fft": (14, 0), "scipy.special": (30, 1),
            "scipy.stats": (8, None), "scipy.linalg": (4, 2)}

OUT_OF_SCOPE = {
    "numpy": set((
        "save savetxt savez savez_compressed array2string array_repr array_str "  # I/O and printing
        "datetime_as_string busday_count busday_offset is_busday isnat "  # datetimes
        "packbits unpackbits may_share_memory shares_memory einsum_path "  # bits, memory, planning
        "copyto place put putmask put_along_axis fill_diagonal").split()),  # in-place writers
    "numpy.linalg": set(),
    "numpy.fft": set(),
    "scipy.special": set((
        "geterr seterr errstate comb perm factorial factorial2 factorialk stirling2 bernoulli euler "
        "legendre chebyt chebyu chebyc chebys jacobi laguerre genlaguerre hermite hermitenorm gegenbauer "
        "sh_legendre sh_chebyt sh_chebyu sh_jacobi lqmn lqn riccati_jn riccati_yn mathieu_even_coef "
        "mathieu_odd_coef").split()),
    "scipy.linalg": set((
        "get_blas_funcs get_lapack_funcs find_best_blas_type hadamard helmert hilbert invhilbert pascal "
        "invpascal dft").split()),
}
_OUT_OF_SCOPE_PATTERNS = {"scipy.special": ("_zeros", "roots_", "_roots", "_seq")}


@dataclass
class Row:
    """One namespace: how many functions count, and how many are in each group."""

    namespace: str
    counted: int = 0
    vjp: int = 0
    jvp: int = 0
    nondifferentiable: int = 0
    missing: list = field(default_factory=list)
    note: str = ""


def _rule_kinds(handler, numpy_fun) -> tuple[bool, bool, bool]:
    """(has a VJP, has a JVP, non-differentiable) for what the registry holds for `numpy_fun`."""
    if numpy_fun in registry.NONDIFF:
        return False, False, True
    if isinstance(handler, Primitive):
        vjp = handler.vjp_argnum is not None or any(m is not None for m in handler.vjp_makers.values())
        jvp = handler.jvp_argnum is not None or any(r is not None for r in handler.jvp_rules.values())
        declared_zero = bool(handler.vjp_makers or handler.jvp_rules)  # rules registered as None: a constant
        return vjp, jvp, not (vjp or jvp) and declared_zero
    return True, True, False  # a composite: written with primitives, so it has both


def _reachable(obj) -> bool:
    """A ufunc, or a function NumPy routes through __array_function__."""
    return isinstance(obj, np.ufunc) or type(obj).__name__ == "_ArrayFunctionDispatcher"


def _candidates(namespace: str, module) -> dict:
    """{display name: object} of the callables that count in `namespace` (aliases once)."""
    if namespace.startswith("numpy"):
        names = [n for n in dir(module) if not n.startswith("_") and _reachable(getattr(module, n))]
    elif namespace == "scipy.stats":
        names = [n for n in module.__all__ if _is_distribution(getattr(module, n))]
    else:
        names = [n for n in module.__all__ if callable(getattr(module, n)) and not isinstance(getattr(module, n), type)
                 and not type(getattr(module, n)).__name__ == "module"]
    excluded = OUT_OF_SCOPE.get(namespace, set())
    patterns = _OUT_OF_SCOPE_PATTERNS.get(namespace, ())
    by_object: dict = {}
    for name in sorted(names):
        if name in excluded or any(p in name for p in patterns):
            continue
        obj = getattr(module, name)
        by_object.setdefault(id(obj), []).append(name)
    chosen = {}
    for aliases in by_object.values():
        obj = getattr(module, aliases[0])
        canonical = getattr(obj, "__name__", None)
        chosen[canonical if canonical in aliases else aliases[0]] = obj
    return chosen


def _is_distribution(obj) -> bool:
    from scipy.stats import rv_continuous, rv_discrete
    try:
        from scipy.stats._multivariate import multi_rv_generic
    except ImportError:  # pragma: no cover - SciPy moved it
        multi_rv_generic = ()
    return isinstance(obj, (rv_continuous, rv_discrete) + ((multi_rv_generic,) if multi_rv_generic else ()))


def _namespace_row(namespace: str, module) -> Row:
    row = Row(namespace)
    for name, obj in sorted(_candidates(namespace, module).items()):
        row.counted += 1
        if namespace == "scipy.stats":
            vjp = jvp = (namespace, name) in registry.PUBLIC
            nondiff = False
        else:
            handler = (registry.UFUNCS if isinstance(obj, np.ufunc) else registry.FUNCTIONS).get(obj)
            if handler is None and obj not in registry.NONDIFF:
                row.missing.append(name)
                continue
            vjp, jvp, nondiff = _rule_kinds(handler, obj)
        row.vjp += vjp
        row.jvp += jvp
        row.nondifferentiable += nondiff
        if not (vjp or jvp or nondiff):
            row.missing.append(name)
    return row


def report() -> list[Row]:
    """One `Row` per namespace: numpy, numpy.linalg, numpy.fft, scipy.special, scipy.stats, scipy.linalg."""
    rows = [_namespace_row("numpy", np), _namespace_row("numpy.linalg", np.linalg), _namespace_row("numpy.fft", np.fft)]
    try:
        import scipy.linalg
        import scipy.special
        import scipy.stats

        from .scipy import linalg, signal, special, stats  # noqa: F401  (importing registers the rules)
    except ImportError:
        return rows + [Row(name, note="SciPy is not installed: pip install 'chainrule[scipy]'")
                       for name in ("scipy.special", "scipy.stats", "scipy.linalg")]
    rows += [_namespace_row("scipy.special", scipy.special), _namespace_row("scipy.stats", scipy.stats),
             _namespace_row("scipy.linalg", scipy.linalg)]
    return rows


def _versions() -> str:
    try:
        import scipy
        return f"NumPy {np.__version__}, SciPy {scipy.__version__}"
    except ImportError:
        return f"NumPy {np.__version__}, no SciPy"


def format_text(rows: list[Row], *, list_missing: bool = True) -> str:
    """The plain report: counts per namespace, then the functions without a rule."""
    lines = [f"chainrule coverage ({_versions()})", "",
             f"{'namespace':<15}{'counted':>8}{'VJP':>6}{'JVP':>6}{'non-diff':>10}{'no rule':>9}"]
    for row in rows:
        if row.note:
            lines.append(f"{row.namespace:<15}  {row.note}")
            continue
        lines.append(f"{row.namespace:<15}{row.counted:>8}{row.vjp:>6}{row.jvp:>6}{row.nondifferentiable:>10}"
                     f"{len(row.missing):>9}")
    if list_missing:
        for row in rows:
            if row.missing:
                lines += ["", f"{row.namespace}: {len(row.missing)} without a rule"]
                lines += _wrap(", ".join(row.missing), "  ")
    return "\n".join(lines)


def _wrap(text: str, indent: str, width: int = 100) -> list[str]:
    lines, current = [], indent
    for word in text.split(" "):
        if len(current) + len(word) > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += word + " "
    return lines + [current.rstrip()]


def format_markdown(rows: list[Row]) -> str:
    """The README table: chainrule's counts beside HIPS autograd's."""
    lines = ["| namespace | functions counted | chainrule: VJP | chainrule: JVP | non-differentiable "
             "| no rule | HIPS autograd: VJP (JVP) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        vjp, jvp = AUTOGRAD.get(row.namespace, (None, None))
        theirs = "—" if vjp is None else f"{vjp}" + ("" if jvp is None else f" ({jvp})")
        if row.namespace == "scipy.stats":
            theirs += " distributions"
        if row.note:
            lines.append(f"| {row.namespace} | {row.note} | | | | | {theirs} |")
            continue
        lines.append(f"| {row.namespace} | {row.counted} | {row.vjp} | {row.jvp} | {row.nondifferentiable} "
                     f"| {len(row.missing)} | {theirs} |")
    lines += ["", f"Generated by `python -m chainrule.coverage --markdown` ({_versions()}). What counts is "
              f"documented in `chainrule/coverage.py`; scipy.stats counts distributions. "
              f"autograd's counts: HIPS autograd 1.9.1."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chainrule.coverage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the README table (beside HIPS autograd's counts)")
    parser.add_argument("--counts-only", action="store_true", help="do not list the functions without a rule")
    args = parser.parse_args(argv)
    rows = report()
    print(format_markdown(rows) if args.markdown else format_text(rows, list_missing=not args.counts_only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
