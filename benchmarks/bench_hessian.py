"""A full dense Hessian: chainrule against HIPS autograd, PyTorch and JAX (eager), one process.

The workload (issue 4): the 100 x 100 Hessian of ``f(x) = sum(x * exp(-x**2)) + x @ A @ x``
at a random ``x``, float64, single thread, through

- ``chainrule.hessian``;
- ``autograd.hessian``;
- ``torch.func.hessian`` and ``torch.autograd.functional.hessian(vectorize=True)``
  (the faster of the two is the one the target is measured against; its
  ``outer_jacobian_strategy="forward-mode"`` variant is left out because PyTorch's
  legacy vmap rejects the vector-matrix-vector product ``x @ A @ x`` under it);
- ``jax.hessian`` eager (no ``jit``, so it pays tracing on every call as the others do).

Every Hessian is first checked against the analytic one,
``diag(exp(-x**2) * (4x**3 - 6x)) + A + A.T``; a mismatch stops the run before any
timing. Target: chainrule at least 25x faster than autograd and faster than PyTorch's
best row.

Run:  python benchmarks/bench_hessian.py [--json PATH] [--budget SECONDS] [--only LIBS]
"""
from __future__ import annotations

import _harness  # first: pins BLAS/OpenMP/XLA to one thread before numpy, torch or jax load

import importlib
import sys

import numpy as np

from _harness import (
    Case,
    check_cases,
    parse_args,
    print_settings,
    print_skips,
    print_table,
    target_line,
    timings_for,
    write_json,
)

SIZE = 100


def objective(x, A, xp):
    """The benchmark function, written once for every library (``xp`` is its namespace)."""
    return xp.sum(x * xp.exp(-(x**2))) + x @ A @ x


def analytic_hessian(x: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The exact Hessian of :func:`objective`: the reference every library is checked against."""
    return np.diag(np.exp(-(x**2)) * (4 * x**3 - 6 * x)) + A + A.T


def hessian_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal(SIZE), rng.standard_normal((SIZE, SIZE)) / SIZE


def hessian_cases(session, x, A) -> list[Case]:
    cases = []
    if session.wants("numpy"):
        cases.append(Case("analytic Hessian in NumPy (for scale)", "numpy", lambda: analytic_hessian(x, A)))
    if session.require("chainrule", "hessian"):
        cr = session.modules["chainrule"]
        cnp = importlib.import_module("chainrule.numpy")
        hessian_cnp = cr.hessian(lambda v: objective(v, A, cnp))
        hessian_np = cr.hessian(lambda v: objective(v, A, np))
        cases.append(Case("chainrule.hessian (chainrule.numpy)", "chainrule", lambda: hessian_cnp(x)))
        cases.append(Case("chainrule.hessian (plain numpy)", "chainrule", lambda: hessian_np(x)))
    if session.require("autograd", "hessian"):
        autograd = session.modules["autograd"]
        anp = importlib.import_module("autograd.numpy")
        hessian_ag = autograd.hessian(lambda v: objective(v, A, anp))
        cases.append(Case("autograd.hessian", "autograd", lambda: hessian_ag(x)))
    if session.require("torch", "func.hessian", "autograd.functional.hessian"):
        torch = session.modules["torch"]
        t_x, t_A = torch.tensor(x), torch.tensor(A)

        def t_objective(v):
            return objective(v, t_A, torch)

        functional = torch.autograd.functional
        hessian_func = torch.func.hessian(t_objective)
        cases.append(Case("torch.func.hessian", "torch", lambda: hessian_func(t_x)))
        cases.append(
            Case(
                "torch.autograd.functional.hessian(vectorize=True)",
                "torch",
                lambda: functional.hessian(t_objective, t_x, vectorize=True),
            )
        )
    if session.require("jax", "hessian"):
        jax = session.modules["jax"]
        jnp = importlib.import_module("jax.numpy")
        j_x, j_A = jnp.asarray(x), jnp.asarray(A)
        hessian_jax = jax.hessian(lambda v: objective(v, j_A, jnp))
        cases.append(Case("jax.hessian, eager (no jit)", "jax", lambda: hessian_jax(j_x)))
    return cases


def report(cases, timings) -> dict:
    autograd = timings["autograd.hessian"].median if "autograd.hessian" in timings else None
    rows, records = [], []
    for case in cases:
        timing = timings[case.name]
        speedup = autograd / timing.median if autograd else None
        rows.append(
            [
                case.name,
                f"{timing.median * 1e3:.3f}",
                f"{(timing.q3 - timing.q1) * 1e3:.3f}",
                f"{speedup:.1f}" if speedup else "",
            ]
        )
        records.append({"name": case.name, "library": case.library, "speedup_over_autograd": speedup, **timing.as_dict()})
    print_table(
        f"full {SIZE}x{SIZE} Hessian of sum(x*exp(-x**2)) + x@A@x, float64",
        ["row", "ms / call", "IQR ms", "autograd / row"],
        rows,
    )
    chainrule = timings.get("chainrule.hessian (chainrule.numpy)")
    torch_rows = [timings[case.name].median for case in cases if case.library == "torch"]
    torch_best = min(torch_rows) if torch_rows else None
    targets = [
        target_line(
            "autograd / chainrule (speed-up)",
            autograd / chainrule.median if chainrule and autograd else None,
            25.0,
            at_most=False,
        ),
        target_line(
            "chainrule / PyTorch's fastest row",
            chainrule.median / torch_best if chainrule and torch_best else None,
            1.0,
        ),
    ]
    return {"size": SIZE, "rows": records, "targets": targets}


def main(argv=None) -> int:
    session = parse_args(__doc__.splitlines()[0], argv)
    print_settings(session)
    x, A = hessian_data()
    cases = hessian_cases(session, x, A)
    check_cases(cases, analytic_hessian(x, A))
    result = report(cases, timings_for(session, cases))
    print()
    print_skips(session)
    write_json(session, "bench_hessian", {"hessian": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
