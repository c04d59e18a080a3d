"""Shared plumbing for the benchmark scripts: one thread, optional peers, checks, timing, tables.

Import this module before numpy, torch or jax: it pins every math library to one
thread through the environment (``OMP_NUM_THREADS`` and friends, XLA's flags), which
only takes effect if it happens before those libraries load. The scripts then:

1. build one :class:`Case` per library (peers that are not installed are skipped with
   a note saying what to install);
2. call :func:`check_cases`, which compares every case's gradient with an independent
   reference (analytic or hand-written) and stops the run on any mismatch -- a timing
   of a wrong gradient is never printed;
3. call :func:`time_cases`, timeit-style: warm-up calls, a loop count calibrated so one
   timed batch lasts a few milliseconds, batches interleaved across libraries (so a
   burst of load on a shared machine hits every row alike), garbage collector off
   inside a batch, and the median (with quartiles) over the batches;
4. print a table and, with ``--json PATH``, write the same numbers as JSON.
"""
from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "BLIS_NUM_THREADS",
)
for _variable in THREAD_VARIABLES:
    os.environ[_variable] = "1"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
).strip()

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Callable, Sequence  # noqa: E402

import numpy as np  # noqa: E402

# library key -> (import name, how to install it into the benchmark environment)
PEERS = {
    "chainrule": ("chainrule", "pip install -e . (from the checkout being measured)"),
    "autograd": ("autograd", "pip install autograd"),
    "torch": ("torch", "pip install torch==2.13.0 (the CPU wheel)"),
    "jax": ("jax", "pip install jax jaxlib"),
}


@dataclass
class Case:
    """One row of a benchmark: a zero-argument callable that does the timed work.

    ``run`` returns the gradient (any array-like or tuple of them). Rows with
    ``checked=False`` (a plain forward pass, timed as the baseline) return something
    else and are left out of the gradient check.
    """

    name: str
    library: str
    run: Callable[[], Any]
    checked: bool = True


@dataclass
class Timing:
    """Seconds per call of one case: the median and quartiles over interleaved batches."""

    median: float
    q1: float
    q3: float
    loops: int
    batches: int

    def as_dict(self) -> dict:
        return {
            "median_s": self.median,
            "q1_s": self.q1,
            "q3_s": self.q3,
            "loops_per_batch": self.loops,
            "batches": self.batches,
        }


@dataclass
class Session:
    """What one script run found: its options, the libraries present and the skips."""

    args: argparse.Namespace
    modules: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)

    def wants(self, library: str) -> bool:
        return self.args.only is None or library in self.args.only

    def load(self, library: str):
        """Import a peer library, or record why it is skipped and return None."""
        if not self.wants(library):
            return None
        if library in self.modules:
            return self.modules[library]
        import_name, install_hint = PEERS[library]
        try:
            module = importlib.import_module(import_name)
        except ImportError as error:
            self.skipped[library] = f"not installed ({error}); to include it: {install_hint}"
            return None
        if library == "torch":
            module.set_num_threads(1)
            try:
                module.set_num_interop_threads(1)
            except RuntimeError:  # already set, or parallel work has started
                pass
        if library == "jax":
            module.config.update("jax_enable_x64", True)  # float64, as every other row
        self.modules[library] = module
        return module

    def require(self, library: str, *attributes: str) -> bool:
        """True when ``library`` is loaded and has every dotted attribute; else note a skip."""
        module = self.load(library)
        if module is None:
            return False
        for dotted in attributes:
            target = module
            for part in dotted.split("."):
                target = getattr(target, part, None)
                if target is None:
                    self.skipped[f"{library}.{dotted}"] = f"{library} has no {dotted} yet"
                    return False
        return True


def parse_args(description: str, argv: Sequence[str] | None = None) -> Session:
    """Parse the options every benchmark script shares and start a :class:`Session`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument(
        "--budget",
        type=float,
        default=1.5,
        metavar="SECONDS",
        help="timing budget per row in seconds (default 1.5; at least 3 batches are always taken)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny budget, for a smoke test of the script (the numbers are not meaningful)",
    )
    parser.add_argument(
        "--clock",
        choices=tuple(CLOCKS),
        default="wall",
        help="wall: time.perf_counter (default); cpu: this process's CPU time, steadier on a busy machine",
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="keep the garbage collector running inside timed batches (timeit turns it off; so do we by default)",
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        metavar="LIBS",
        help="comma-separated subset of: numpy,chainrule,autograd,torch,jax",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.budget = 0.02
    return Session(args)


def to_numpy(value: Any) -> Any:
    """Turn a library's gradient (tensor, jax array, tuple of them) into NumPy arrays."""
    if isinstance(value, (tuple, list)):
        return tuple(to_numpy(item) for item in value)
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def matches(value: Any, expected: Any, rtol: float) -> bool:
    """Relative agreement, part by part; the tolerance scales with each part's largest entry."""
    value, expected = to_numpy(value), to_numpy(expected)
    if isinstance(expected, tuple):
        return (
            isinstance(value, tuple)
            and len(value) == len(expected)
            and all(matches(v, e, rtol) for v, e in zip(value, expected))
        )
    if isinstance(value, tuple) or value.shape != expected.shape:
        return False
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return bool(np.allclose(value, expected, rtol=rtol, atol=rtol * scale))


def check_cases(cases: Sequence[Case], expected: Any, rtol: float = 1e-9) -> None:
    """Run every checked case once and stop the script if one disagrees with ``expected``."""
    cases = [case for case in cases if case.checked]
    wrong = []
    for case in cases:
        value = case.run()
        if not matches(value, expected, rtol):
            wrong.append(case.name)
            print(f"MISMATCH: {case.name} gave a gradient that differs from the reference (rtol={rtol})")
            print(f"  got      {summarize(value)}")
            print(f"  expected {summarize(expected)}")
    if wrong:
        raise SystemExit(f"gradient check failed for {', '.join(wrong)}; no timings reported")
    print(f"gradient check: {len(cases)} rows agree with the reference (rtol={rtol:g})")


def summarize(value: Any) -> str:
    value = to_numpy(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(summarize(part) for part in value) + ")"
    flat = value.ravel()
    head = np.array2string(flat[:4], precision=6)
    return f"shape {value.shape} first {head}"


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _batch_seconds(run: Callable[[], Any], loops: int, clock: Callable[[], float], keep_gc: bool) -> float:
    gc_was_enabled = gc.isenabled()
    if not keep_gc:
        gc.disable()
    try:
        start = clock()
        for _ in range(loops):
            run()
        return (clock() - start) / loops
    finally:
        if gc_was_enabled:
            gc.enable()


def time_cases(
    cases: Sequence[Case], budget: float, *, clock: str = "wall", keep_gc: bool = False, min_batches: int = 3
) -> dict:
    """Median seconds per call of each case, from batches interleaved across the cases.

    Each case is warmed up (at least two calls, up to 10% of its budget), then given a
    loop count from its last warm-up call so one batch lasts about ``budget / 30``
    seconds (timeit's autorange idea), then batches run round-robin until each case has
    used its budget or reached ``min_batches``, whichever is later. ``clock="cpu"``
    counts this process's CPU time instead of wall time (steadier on a shared machine;
    the same for single-threaded work on a quiet one). Like ``timeit``, the garbage
    collector is off inside a batch unless ``keep_gc``; it runs between batches.
    """
    now = CLOCKS[clock]
    target_batch = max(budget / 30, 1e-4)
    plan = {}
    for case in cases:
        start = now()
        case.run()
        while now() - start < budget * 0.1:
            case.run()
        call_start = now()
        case.run()
        one_call = now() - call_start  # a warm call: the first may fill caches
        loops = max(1, int(target_batch / max(one_call, 1e-9)))
        wanted = max(min_batches, int(budget / max(loops * one_call, 1e-9)))
        plan[case.name] = (loops, min(wanted, 200))
    samples: dict = {case.name: [] for case in cases}
    while any(len(samples[case.name]) < plan[case.name][1] for case in cases):
        for case in cases:
            loops, wanted = plan[case.name]
            if len(samples[case.name]) < wanted:
                samples[case.name].append(_batch_seconds(case.run, loops, now, keep_gc))
        gc.collect()
    timings = {}
    for case in cases:
        values = sorted(samples[case.name])
        quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
        timings[case.name] = Timing(
            median=statistics.median(values),
            q1=quartiles[0],
            q3=quartiles[2],
            loops=plan[case.name][0],
            batches=len(values),
        )
    return timings


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a plain-text table: first column left-aligned, the rest right-aligned."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print()
    print(title)
    line = "  ".join(
        str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(header)
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(row)
            )
        )


def timings_for(session: Session, cases: Sequence[Case]) -> dict:
    """:func:`time_cases` with the clock, budget and garbage-collector choice from the command line."""
    args = session.args
    return time_cases(cases, args.budget, clock=args.clock, keep_gc=args.gc)


def print_settings(session: Session) -> None:
    args = session.args
    print(
        f"single thread; {args.clock} clock; garbage collector {'on' if args.gc else 'off'} in timed batches; "
        f"budget {args.budget:g} s per row"
    )


def print_skips(session: Session) -> None:
    for library, reason in session.skipped.items():
        print(f"skipped {library}: {reason}")


def target_line(description: str, value: float | None, limit: float, *, at_most: bool = True) -> dict:
    """Print and return one target's verdict (``value <= limit`` or ``value >= limit``)."""
    if value is None:
        verdict = "NOT MEASURED"
    else:
        met = value <= limit if at_most else value >= limit
        verdict = "MET" if met else "NOT MET"
    shown = "n/a" if value is None else f"{value:.3g}"
    relation = "<=" if at_most else ">="
    print(f"  target {description}: {shown} (want {relation} {limit:g}) -> {verdict}")
    return {"target": description, "value": value, "limit": limit, "relation": relation, "verdict": verdict}


def environment() -> dict:
    """Versions and settings that the numbers depend on, for the JSON record."""
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for library, (import_name, _) in PEERS.items():
        if import_name in sys.modules:
            try:
                versions[library] = importlib.metadata.version(import_name)
            except importlib.metadata.PackageNotFoundError:
                versions[library] = "unknown (not installed as a distribution)"
    return {
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "threads": {name: os.environ.get(name) for name in THREAD_VARIABLES},
        "versions": versions,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_json(session: Session, benchmark: str, sections: dict) -> None:
    """Write ``sections`` plus the environment and skips to ``--json PATH`` if it was given."""
    if not session.args.json:
        return
    payload = {
        "benchmark": benchmark,
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "budget_s_per_row": session.args.budget,
        "clock": session.args.clock,
        "gc_during_timing": session.args.gc,
        "environment": environment(),
        "skipped": session.skipped,
        **sections,
    }
    with open(session.args.json, "w", encoding="utf-8") as stream:
        json.dump(payload, stream, indent=2)
        stream.write("\n")
    print(f"wrote {session.args.json}")
