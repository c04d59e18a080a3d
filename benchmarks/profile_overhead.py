"""Where the time of a gradient goes: forward/backward split and profiles of bench_overhead's workloads.

Four subcommands, on the scalar chain or the MLP loss of ``bench_overhead.py``. Times
are CPU time of this process (``time.process_time``, also under cProfile), which is
steadier than wall time when other jobs share the machine; pyinstrument samples wall time.

``split``
    For chainrule, autograd and PyTorch: the time of the traced forward pass
    (``make_vjp`` / a forward with ``requires_grad``), of the backward pass and of
    releasing the graph, per loop iteration for the scalar chain and per call for the
    MLP, beside the untraced NumPy forward.
``ops``
    The forward cost of each operation of the scalar line (``sin(y)``, ``y * 1.0001``,
    ``0.1 * y``, ``y + y``) on a traced value, per library, and the share of a scalar
    ``grad`` that the garbage collector takes.
``cprofile``
    cProfile of repeated ``grad`` calls of one library, sorted by own time, with each
    function's time converted to microseconds per loop iteration (scalar) or per call.
``pyinstrument``
    The same under pyinstrument's sampling profiler (lower overhead), if installed.

Run:  python benchmarks/profile_overhead.py split --workload scalar
      python benchmarks/profile_overhead.py ops
      python benchmarks/profile_overhead.py cprofile --library chainrule --workload mlp
"""
from __future__ import annotations

import _harness  # first: pins BLAS/OpenMP/XLA to one thread before numpy, torch or jax load

import argparse
import cProfile
import gc
import importlib
import pstats
import statistics
import sys
import time

import numpy as np

from _harness import Session, print_table
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


def torch_inputs(argument):
    """Fresh leaf tensors that require grad: one per MLP parameter, or the scalar start."""
    torch = importlib.import_module("torch")
    if isinstance(argument, tuple):
        return tuple(part.clone().requires_grad_() for part in argument)
    return torch.tensor(argument, dtype=torch.float64, requires_grad=True)


def phases(library: str, name: str):
    """A callable returning the seconds of one gradient's three phases: forward, backward, release.

    Forward records the graph (``make_vjp``; a ``requires_grad`` forward in PyTorch),
    backward pulls a cotangent of ones back through it, release drops the last
    reference to the graph (``make_vjp`` keeps it for repeated use; ``grad`` frees it
    during the backward pass instead, so there grad's backward = backward + release).
    """
    function, argument = workload(library, name)
    clock = time.process_time  # CPU time: steady on a shared machine
    if library == "torch":
        torch = importlib.import_module("torch")

        def run():
            inputs = torch_inputs(argument)
            start = clock()
            value = function(inputs)
            traced = clock()
            gradient = torch.autograd.grad(value, inputs)
            pulled = clock()
            del value, gradient
            return traced - start, pulled - traced, clock() - pulled

        return run
    make_vjp = importlib.import_module(library).make_vjp

    def run():
        start = clock()
        vjp, value = make_vjp(function)(argument)
        traced = clock()
        gradient = vjp(np.ones_like(value))
        pulled = clock()
        del vjp, value, gradient
        return traced - start, pulled - traced, clock() - pulled

    return run


def run_split(session: Session, name: str) -> None:
    """Median phase times per library from rounds interleaved across the libraries.

    Each round calls every library twice and keeps the second call, so no row pays for
    the cold caches left by the previous row (the MLP's weights are 1.6 MB).
    """
    present = [library for library in LIBRARIES if session.load(library) is not None]
    runs = {library: phases(library, name) for library in present}
    plain = plain_forward(name)
    samples = {library: [] for library in ["numpy", *present]}
    deadline = time.perf_counter() + session.args.budget * (len(present) + 1)  # wall time bounds the run
    rounds = 0
    while rounds < 5 or (time.perf_counter() < deadline and rounds < 500):
        gc.disable()
        try:
            plain()
            start = time.process_time()
            plain()
            samples["numpy"].append((time.process_time() - start, 0.0, 0.0))
            for library in present:
                runs[library]()
                samples[library].append(runs[library]())
        finally:
            gc.enable()
        gc.collect()
        rounds += 1
    scale = 1e6 / units(name)
    rows = []
    for library, values in samples.items():
        forward, backward, release = (statistics.median(column) * scale for column in zip(*values))
        total = statistics.median([sum(value) for value in values]) * scale
        label = "NumPy (untraced forward)" if library == "numpy" else library
        rows.append([label, f"{forward:.2f}", f"{backward:.2f}", f"{release:.2f}", f"{total:.2f}"])
    unit = "us / iteration" if name == "scalar" else "us / call"
    print_table(
        f"{name}: phases of one gradient (CPU {unit}; medians over {rounds} interleaved rounds, gc off)",
        ["library", "forward", "backward", "release", "total"],
        rows,
    )
    for library, reason in session.skipped.items():
        print(f"skipped {library}: {reason}")


OPERATIONS = {
    "sin(y)": lambda y, sin: sin(y),
    "y * 1.0001": lambda y, sin: y * 1.0001,
    "0.1 * y": lambda y, sin: 0.1 * y,
    "y + y": lambda y, sin: y + y,
    "whole line": lambda y, sin: sin(y) * 1.0001 + 0.1 * y,
}


def _min_seconds(run, loops: int = 2000, repeats: int = 7) -> float:
    """Least CPU seconds per call over ``repeats`` batches of ``loops`` calls, gc off (timeit's way)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.process_time()
            for _ in range(loops):
                run()
            best = min(best, (time.process_time() - start) / loops)
    finally:
        gc.enable()
    return best


def operation_costs(library: str, sin) -> dict:
    """Forward cost of each scalar operation on a traced value (one node recorded, then dropped).

    The timing runs inside the differentiated function, so only public API is used:
    ``make_vjp`` for chainrule and autograd, a ``requires_grad`` tensor for PyTorch.
    """
    costs = {}

    def probe(y):
        for label, operation in OPERATIONS.items():
            costs[label] = _min_seconds(lambda: operation(y, sin))
        return y

    if library == "torch":
        torch = importlib.import_module("torch")
        probe(torch.tensor(START, dtype=torch.float64, requires_grad=True))
    elif library == "numpy":
        probe(np.float64(START))
    else:
        importlib.import_module(library).make_vjp(probe)(START)
    return costs


def gc_share(call, calls: int = 10) -> tuple[float, float, list]:
    """CPU seconds per call, of which inside the garbage collector, and collections per call by generation.

    Measured with ``gc.callbacks`` (the collector's own start/stop events), so it does
    not depend on comparing two noisy timings.
    """
    in_collector = [0.0]
    started = [0.0]
    collections = [0, 0, 0]

    def on_collect(phase, info):
        if phase == "start":
            started[0] = time.process_time()
        else:
            in_collector[0] += time.process_time() - started[0]
            collections[info["generation"]] += 1

    call()
    gc.collect()
    gc.callbacks.append(on_collect)
    try:
        start = time.process_time()
        for _ in range(calls):
            call()
        total = time.process_time() - start
    finally:
        gc.callbacks.remove(on_collect)
    return total / calls, in_collector[0] / calls, [count / calls for count in collections]


def run_ops(session: Session) -> None:
    """Per-operation forward costs of the scalar line, and the garbage collector's share of a grad."""
    columns = [("NumPy float64 (untraced)", "numpy", np.sin)]
    if session.load("chainrule") is not None:
        cnp = importlib.import_module("chainrule.numpy")
        columns += [("chainrule (cnp)", "chainrule", cnp.sin), ("chainrule (np)", "chainrule", np.sin)]
    if session.load("autograd") is not None:
        columns.append(("autograd", "autograd", importlib.import_module("autograd.numpy").sin))
    if session.load("torch") is not None:
        columns.append(("PyTorch", "torch", session.modules["torch"].sin))
    table = {title: operation_costs(library, sin) for title, library, sin in columns}
    rows = [[label] + [f"{table[title][label] * 1e6:.2f}" for title, _, _ in columns] for label in OPERATIONS]
    print_table(
        "forward cost of one traced operation (CPU us, best of 7 x 2000, gc off)",
        ["operation"] + [title for title, _, _ in columns],
        rows,
    )
    print()
    for library in ("chainrule", "autograd"):
        if library in session.modules:
            total, collecting, collections = gc_share(grad_call(library, "scalar"))
            print(
                f"{library}: grad of the scalar chain {total * 1e3:.1f} ms CPU, of which {collecting * 1e3:.1f} ms "
                f"({collecting / total * 100:.0f}%) in the garbage collector; collections per grad by generation "
                f"{', '.join(f'{count:g}' for count in collections)}"
            )
    for library, reason in session.skipped.items():
        print(f"skipped {library}: {reason}")


def grad_call(library: str, name: str):
    """A zero-argument callable computing one gradient of the workload."""
    function, argument = workload(library, name)
    if library == "torch":
        torch = importlib.import_module("torch")

        def call():
            inputs = torch_inputs(argument)
            return torch.autograd.grad(function(inputs), inputs)

        return call
    gradient = importlib.import_module(library).grad(function)
    return lambda: gradient(argument)


def run_cprofile(library: str, name: str, calls: int, top: int) -> None:
    call = grad_call(library, name)
    call()  # warm-up: imports, caches
    profile = cProfile.Profile(time.process_time)  # CPU time: steady on a shared machine
    profile.enable()
    for _ in range(calls):
        call()
    profile.disable()
    stats = pstats.Stats(profile)
    scale = 1e6 / (calls * units(name))
    unit = "us / iteration" if name == "scalar" else "us / call"
    print(f"cProfile of {calls} grad calls, {library}, {name} workload; CPU {unit} (profiler overhead included)")
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
    parser.add_argument("command", choices=("split", "ops", "cprofile", "pyinstrument"))
    parser.add_argument("--workload", choices=("scalar", "mlp"), default="scalar")
    parser.add_argument("--library", choices=LIBRARIES, default="chainrule")
    parser.add_argument("--calls", type=int, default=20, help="grad calls to profile (default 20)")
    parser.add_argument("--top", type=int, default=30, help="rows of the cProfile listing (default 30)")
    parser.add_argument("--budget", type=float, default=1.0, help="timing budget per row for split (default 1)")
    args = parser.parse_args(argv)
    session = Session(argparse.Namespace(only=None, budget=args.budget))
    if args.command == "split":
        run_split(session, args.workload)
    elif args.command == "ops":
        run_ops(session)
    elif args.command == "cprofile":
        run_cprofile(args.library, args.workload, args.calls, args.top)
    else:
        run_pyinstrument(args.library, args.workload, args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
