"""Cold-cache cost of a tiny MLP gradient, counted by callgrind's cache simulator (no clock, no noise).

On the real MLP (benchmark (b)) each call starts right after a large matrix product has
evicted the 2 MB L2 cache, so the Python bookkeeping of an AD library runs from cold
caches. This script reproduces that on a tiny MLP (same 16 operations, 4x6 inputs): it
flushes the cache (a 4 MB sum) before every call and lets valgrind count instructions and
simulated cache misses, then prints estimated cycles = Ir + 12 * L1 misses + 150 * L2 misses
per call, minus the flush alone. Deterministic: the same code gives the same numbers.

    python benchmarks/cold_cache.py            # all rows (needs valgrind; about 1 minute per row)
    python benchmarks/cold_cache.py chainrule  # one row: flush | hand | tape | chainrule | compiled | autograd
"""
from __future__ import annotations

import functools
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROWS = ("flush", "hand", "tape", "chainrule", "compiled", "autograd")
CALLS = 10


def workload(row: str):
    import numpy as np
    from bench_overhead import mlp_grad_by_hand, mlp_grad_minimal_tape, mlp_loss

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((4, 6)), np.eye(3)[rng.integers(0, 3, 4)]
    params = (rng.standard_normal((6, 5)), np.zeros(5), rng.standard_normal((5, 3)), np.zeros(3))
    if row in ("chainrule", "compiled"):  # compiled: chainrule.compile(grad), replaying its recording
        import chainrule
        import chainrule.numpy as cnp
        grad = chainrule.grad(lambda *p: mlp_loss(*p, X, Y, cnp), argnums=(0, 1, 2, 3))
        grad = chainrule.compile(grad) if row == "compiled" else grad
        return lambda: grad(*params)
    if row == "autograd":
        import autograd
        import autograd.numpy as anp
        grad = autograd.grad(lambda *p: mlp_loss(*p, X, Y, anp), argnum=(0, 1, 2, 3))
        return lambda: grad(*params)
    if row == "hand":
        return lambda: mlp_grad_by_hand(*params, X, Y)
    if row == "tape":
        return lambda: mlp_grad_minimal_tape(*params, X, Y)
    return lambda: None


def run_inside_valgrind(row: str) -> None:
    import numpy as np
    call = workload(row)
    flush = np.ones(1 << 19)  # 4 MB: twice the simulated L2
    for _ in range(30):  # past CPython's warm-up and specialisation
        call()
    gc.collect()
    gc.disable()
    # functools.reduce is the one C function valgrind collects in (--toggle-collect)
    functools.reduce(lambda _, __: (flush.sum(), call()), range(CALLS), None)


def measure(row: str) -> tuple[float, float, float]:
    missing = [tool for tool in ("valgrind", "callgrind_annotate", "setarch") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"cold_cache.py needs {', '.join(missing)} on PATH "
                         f"(Debian/Ubuntu: apt install valgrind util-linux).")
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        subprocess.run(
            ["setarch", "-R", "valgrind", "--tool=callgrind", "--cache-sim=yes", "--I1=32768,8,64",
             "--D1=49152,12,64", "--LL=2097152,16,64", "--collect-atstart=no",
             "--toggle-collect=functools_reduce", f"--callgrind-out-file={out}",
             sys.executable, __file__, "--inside", row],
            env=env, check=True, capture_output=True)
        report = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True, check=True).stdout
    totals = next(line for line in report.splitlines() if "PROGRAM TOTALS" in line)
    ir, _, _, i1, d1r, d1w, ill, dllr, dllw = [int(v.replace(",", "")) / CALLS
                                                for v in re.findall(r"([\d,]+) \(", totals)]
    return ir, i1 + d1r + d1w, ill + dllr + dllw


def main(argv: list[str]) -> int:
    if argv[:1] == ["--inside"]:
        run_inside_valgrind(argv[1])
        return 0
    rows = argv or list(ROWS)
    base = measure("flush")
    print(f"{'row':10s} {'Ir':>9s} {'L1 miss':>8s} {'L2 miss':>8s} {'est. cycles':>12s}")
    for row in rows:
        if row == "flush":
            continue
        ir, l1, l2 = (value - flushed for value, flushed in zip(measure(row), base))
        print(f"{row:10s} {ir / 1e3:8.0f}k {l1 / 1e3:7.1f}k {l2 / 1e3:7.2f}k {(ir + 12 * l1 + 150 * l2) / 1e3:11.0f}k")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    raise SystemExit(main(sys.argv[1:]))
