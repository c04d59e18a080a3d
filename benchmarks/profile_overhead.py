"""Where the time of a gradient goes: forward/backward split and profiles of bench_overhead's workloads.

Three subcommands, on the scalar chain or the MLP loss of ``bench_overhead.py``:

``split``
    For chainrule, autograd and PyTorch: the cost of the traced forward pass alone
    (``make_vjp`` / a forward with ``requires_grad``), of forward plus backward, and so
    of the backward pass (their difference), per loop iteration for the scalar chain
    and per call for the MLP, beside the untraced forward.
``cprofile``
    cProfile of repeated ``grad`` calls of one library, sorted by own time, with each
    function's time converted to microseconds per loop iteration (scalar) or per call.
``pyinstrument``
    The same under pyinstrument's sampling profiler (lower overhead), if installed.

Run:  python benchmarks/profile_overhead.py split --workload scalar
      python benchmarks/profile_overhead.py cprofile --library chainrule --workload mlp
"""
from __future__ import annotations

import _harness  # first: pins BLAS/OpenMP/XLA to one thread before numpy, torch or jax load

import argparse
import cProfile
import importlib
import pstats
import sys

import numpy as np

from _harness import Case, Session, print_table, time_cases
from bench_overhead import ITERATIONS, START, chain, mlp_data, mlp_loss, torch_namespace

LIBRARIES = ("chainrule", "autograd", "torch")


def units(name: str) -> int:
    """How many units one call holds: loop iterations for the scalar chain, 1 for the MLP."""
    return ITERATIONS if name == "scalar" else 1


def plain_forward(name: str):
    """The untraced NumPy forward pass of a workload, for scale."""
    if name == "scalar":
        return lambda: chain(np.float64(START), np.sin)
    params, X, Y = mlp_data()
    return lambda: mlp_loss(*params, X, Y, np)


def workload(library: str, name: str):
    """``(function of one argument, its argument)`` of a workload for one library.

    The MLP's four parameters travel as one tuple, so one ``make_vjp`` covers them all.
    """
    if library == "torch":
        torch = importlib.import_module("torch")
        if name == "scalar":
            return (lambda y: chain(y, torch.sin)), START
        params, X, Y = mlp_data()
        ops, t_X, t_Y = torch_namespace(torch), torch.tensor(X), torch.tensor(Y)
        return (lambda p: mlp_loss(*p, t_X, t_Y, ops)), tuple(torch.tensor(p) for p in params)
    xp = importlib.import_module(f"{library}.numpy")
    if name == "scalar":
        return (lambda y: chain(y, xp.sin)), START
    params, X, Y = mlp_data()
    return (lambda p: mlp_loss(*p, X, Y, xp)), tuple(params)


def split_cases(library: str, name: str) -> list[Case]:
    """Traced forward alone, and forward + backward, for one library."""
    function, argument = workload(library, name)
    if library == "torch":
        torch = importlib.import_module("torch")

        def leaves():
            if isinstance(argument, tuple):
                return tuple(part.clone().requires_grad_() for part in argument)
            return torch.tensor(argument, dtype=torch.float64, requires_grad=True)

        def forward():
            return function(leaves())

        def forward_backward():
            inputs = leaves()
            return torch.autograd.grad(function(inputs), inputs)

    else:
        make_vjp = importlib.import_module(library).make_vjp

        def forward():
            return make_vjp(function)(argument)

        def forward_backward():
            vjp, value = make_vjp(function)(argument)
            return vjp(np.ones_like(value))

    return [
        Case(f"{library}: traced forward", library, forward, checked=False),
        Case(f"{library}: forward + backward", library, forward_backward, checked=False),
    ]


def run_split(session: Session, name: str) -> None:
    present = [library for library in LIBRARIES if session.load(library) is not None]
    cases = [Case("NumPy: plain forward", "numpy", plain_forward(name), checked=False)]
    for library in present:
        cases += split_cases(library, name)
    timings = time_cases(cases, session.args.budget)
    per_unit = {case.name: timings[case.name].median / units(name) * 1e6 for case in cases}
    rows = [["NumPy (untraced)", f"{per_unit['NumPy: plain forward']:.2f}", "", ""]]
    for library in present:
        forward, total = per_unit[f"{library}: traced forward"], per_unit[f"{library}: forward + backward"]
        rows.append([library, f"{forward:.2f}", f"{total - forward:.2f}", f"{total:.2f}"])
    unit = "us / iteration" if name == "scalar" else "us / call"
    print_table(
        f"{name}: forward / backward split ({unit}; backward = total - forward)",
        ["library", "forward", "backward", "total"],
        rows,
    )
    for library, reason in session.skipped.items():
        print(f"skipped {library}: {reason}")


def grad_call(library: str, name: str):
    """A zero-argument callable computing one gradient of the workload."""
    function, argument = workload(library, name)
    if library == "torch":
        torch = importlib.import_module("torch")

        def call():
            if isinstance(argument, tuple):
                inputs = tuple(part.clone().requires_grad_() for part in argument)
            else:
                inputs = torch.tensor(argument, dtype=torch.float64, requires_grad=True)
            return torch.autograd.grad(function(inputs), inputs)

        return call
    gradient = importlib.import_module(library).grad(function)
    return lambda: gradient(argument)


def run_cprofile(library: str, name: str, calls: int, top: int) -> None:
    call = grad_call(library, name)
    call()  # warm-up: imports, caches
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        call()
    profile.disable()
    stats = pstats.Stats(profile)
    scale = 1e6 / (calls * units(name))
    unit = "us / iteration" if name == "scalar" else "us / call"
    print(f"cProfile of {calls} grad calls, {library}, {name} workload; times in {unit} (profiler overhead included)")
    print(f"total: {stats.total_tt * scale:.2f}")
    print(f"{'own':>9} {'cumulative':>11} {'calls/unit':>11}  function")
    entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, function), (_, total_calls, own, cumulative, _) in entries:
        where = f"{filename.split('site-packages/')[-1].split('/src/')[-1]}:{line}({function})"
        print(f"{own * scale:9.2f} {cumulative * scale:11.2f} {total_calls / (calls * units(name)):11.2f}  {where}")


def run_pyinstrument(library: str, name: str, calls: int) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("pyinstrument is not installed: pip install pyinstrument")
    call = grad_call(library, name)
    call()
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for _ in range(calls):
        call()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("split", "cprofile", "pyinstrument"))
    parser.add_argument("--workload", choices=("scalar", "mlp"), default="scalar")
    parser.add_argument("--library", choices=LIBRARIES, default="chainrule")
    parser.add_argument("--calls", type=int, default=20, help="grad calls to profile (default 20)")
    parser.add_argument("--top", type=int, default=30, help="rows of the cProfile listing (default 30)")
    parser.add_argument("--budget", type=float, default=1.0, help="timing budget per row for split (default 1)")
    args = parser.parse_args(argv)
    if args.command == "split":
        session = Session(argparse.Namespace(only=None, budget=args.budget))
        run_split(session, args.workload)
    elif args.command == "cprofile":
        run_cprofile(args.library, args.workload, args.calls, args.top)
    else:
        run_pyinstrument(args.library, args.workload, args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
