"""Per-operation overhead of reverse mode: chainrule against HIPS autograd, PyTorch and JAX.

Two workloads, each run through every installed library in one process, single thread:

(a) scalar code -- ``y = sin(y)*1.0001 + 0.1*y`` repeated 1000 times, the gradient with
    respect to the starting scalar. Reported as microseconds per loop iteration (one
    line of user code: a sin, two multiplies, an add, forward and backward).
(b) an MLP loss -- batch 64, 784 -> 256 (tanh) -> 10, softmax cross-entropy, float64,
    the gradient with respect to W1, b1, W2, b2. Reported as a ratio to the plain
    NumPy forward pass, beside a hand-written NumPy backprop.

Every library's gradient is first checked against an independent reference (the
derivative by the product rule in plain Python for (a), the hand-written backprop for
(b)); a mismatch stops the run before any timing. Targets (issue 2): (a) chainrule at
most 1/4 of autograd's per-iteration cost and below PyTorch's; (b) chainrule at most
2.3x the NumPy forward. Both are reported for eager ``grad`` and for ``compile(grad)``
replaying its recording (the first call, which records, is not timed: warm-up runs do it).

Run:  python benchmarks/bench_overhead.py [--json PATH] [--budget SECONDS] [--only LIBS]
"""
from __future__ import annotations

import _harness  # first: pins BLAS/OpenMP/XLA to one thread before numpy, torch or jax load

import importlib
import math
import sys
from types import SimpleNamespace

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

ITERATIONS = 1000
START = 0.5
BATCH, INPUTS, HIDDEN, CLASSES = 64, 784, 256, 10


# ----------------------------------------------------------------------------- (a) scalar chain
def chain(y, sin):
    """The scalar workload, written once for every library (``sin`` is the library's)."""
    for _ in range(ITERATIONS):
        y = sin(y) * 1.0001 + 0.1 * y
    return y


def chain_derivative(start: float) -> float:
    """d chain / d start by the product rule in plain Python: the reference for (a)."""
    y, derivative = start, 1.0
    for _ in range(ITERATIONS):
        derivative *= math.cos(y) * 1.0001 + 0.1
        y = math.sin(y) * 1.0001 + 0.1 * y
    return derivative


def scalar_cases(session) -> list[Case]:
    cases = []
    if session.wants("numpy"):
        cases.append(Case("forward only, Python floats (math.sin)", "numpy", lambda: chain(START, math.sin), checked=False))
        cases.append(Case("forward only, NumPy float64 (np.sin)", "numpy", lambda: chain(np.float64(START), np.sin), checked=False))
    if session.require("chainrule", "grad"):
        cr = session.modules["chainrule"]
        cnp = importlib.import_module("chainrule.numpy")
        grad_cnp = cr.grad(lambda y: chain(y, cnp.sin))
        grad_np = cr.grad(lambda y: chain(y, np.sin))
        cases.append(Case("chainrule grad (chainrule.numpy)", "chainrule", lambda: grad_cnp(START)))
        cases.append(Case("chainrule grad (plain numpy)", "chainrule", lambda: grad_np(START)))
        if hasattr(cr, "compile"):  # a NumPy scalar, not a Python float: Python numbers are constants of a recording
            compiled = cr.compile(grad_cnp)
            cases.append(Case("chainrule compile(grad), replayed", "chainrule", lambda: compiled(np.float64(START))))
    if session.require("autograd", "grad"):
        autograd = session.modules["autograd"]
        anp = importlib.import_module("autograd.numpy")
        grad_ag = autograd.grad(lambda y: chain(y, anp.sin))
        cases.append(Case("autograd grad", "autograd", lambda: grad_ag(START)))
    if session.require("torch"):
        torch = session.modules["torch"]

        def torch_backward():
            start = torch.tensor(START, dtype=torch.float64, requires_grad=True)
            chain(start, torch.sin).backward()
            return start.grad

        cases.append(Case("PyTorch requires_grad + backward()", "torch", torch_backward))
    if session.require("jax", "grad"):
        jax = session.modules["jax"]
        jnp = importlib.import_module("jax.numpy")
        grad_jax = jax.grad(lambda y: chain(y, jnp.sin))
        cases.append(Case("JAX grad, eager (no jit)", "jax", lambda: grad_jax(START)))
        jit_jax = jax.jit(grad_jax)  # compiled by XLA in the warm-up calls, like chainrule's recording
        cases.append(Case("JAX jit(grad), compiled", "jax", lambda: jit_jax(START).block_until_ready()))
    return cases


def report_scalar(cases, timings) -> dict:
    per_iteration = {case.name: timings[case.name].median / ITERATIONS for case in cases}
    autograd = per_iteration.get("autograd grad")
    pytorch = per_iteration.get("PyTorch requires_grad + backward()")
    rows, records = [], []
    for case in cases:
        timing = timings[case.name]
        cost = per_iteration[case.name]
        rows.append(
            [
                case.name,
                f"{cost * 1e6:.2f}",
                f"{(timing.q3 - timing.q1) / ITERATIONS * 1e6:.2f}",
                f"{cost / autograd:.3f}" if autograd else "",
                f"{cost / pytorch:.3f}" if pytorch else "",
            ]
        )
        records.append(
            {"name": case.name, "library": case.library, "us_per_iteration": cost * 1e6, **timing.as_dict()}
        )
    print_table(
        f"(a) scalar chain: {ITERATIONS} x `y = sin(y)*1.0001 + 0.1*y`, gradient w.r.t. the start",
        ["row", "us / iteration", "IQR us", "/ autograd", "/ PyTorch"],
        rows,
    )
    chainrule = per_iteration.get("chainrule grad (chainrule.numpy)")
    targets = [
        target_line(
            "(a) chainrule / autograd per iteration",
            chainrule / autograd if chainrule and autograd else None,
            0.25,
        ),
        target_line(
            "(a) chainrule / PyTorch per iteration", chainrule / pytorch if chainrule and pytorch else None, 1.0
        ),
    ]
    return {"iterations": ITERATIONS, "rows": records, "targets": targets}


# ----------------------------------------------------------------------------- (b) MLP loss
def mlp_loss(W1, b1, W2, b2, X, Y, xp):
    """Softmax cross-entropy of a one-hidden-layer tanh MLP; ``xp`` is the library's namespace."""
    hidden = xp.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    shifted = logits - xp.max(logits, axis=1, keepdims=True)
    log_probs = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
    return -xp.sum(Y * log_probs) / X.shape[0]


def mlp_grad_by_hand(W1, b1, W2, b2, X, Y):
    """Hand-written NumPy backprop of :func:`mlp_loss`: the reference gradient for (b)."""
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = exps / exps.sum(axis=1, keepdims=True)
    d_logits = (probs - Y) / X.shape[0]  # each row of the one-hot Y sums to 1
    d_pre = (d_logits @ W2.T) * (1.0 - hidden * hidden)
    return X.T @ d_pre, d_pre.sum(axis=0), hidden.T @ d_logits, d_logits.sum(axis=0)


def mlp_grad_minimal_tape(W1, b1, W2, b2, X, Y):
    """The MLP gradient through the smallest eager Python tape: a floor for any Python AD library.

    Each operation is one recorded closure on a list, the backward pass one loop summing
    cotangents in a dict: no dispatch, no broadcasting rules, no shape checks, no ties at
    the max. What chainrule, autograd and PyTorch do beyond this is their generality.
    """
    tape = []

    def record(value, *pullbacks):  # pullbacks: (index of the input on the tape, cotangent -> its cotangent)
        tape.append(pullbacks)
        return value, len(tape) + 3  # indices 0-3 are the parameters

    count = X.shape[0]
    pre, i_pre = record(X @ W1, (0, lambda g: X.T @ g))
    shifted_pre, i_b1 = record(pre + b1, (i_pre, lambda g: g), (1, lambda g: g.sum(0)))
    hidden = np.tanh(shifted_pre)
    hidden, i_h = record(hidden, (i_b1, lambda g: g * (1 - hidden ** 2)))
    raw, i_raw = record(hidden @ W2, (i_h, lambda g: g @ W2.T), (2, lambda g: hidden.T @ g))
    logits, i_l = record(raw + b2, (i_raw, lambda g: g), (3, lambda g: g.sum(0)))
    top = logits.max(axis=1, keepdims=True)
    top, i_top = record(top, (i_l, lambda g: g * (logits == top)))
    shifted, i_s = record(logits - top, (i_l, lambda g: g), (i_top, lambda g: -g.sum(1, keepdims=True)))
    exps = np.exp(shifted)
    exps, i_e = record(exps, (i_s, lambda g: g * exps))
    total, i_t = record(exps.sum(axis=1, keepdims=True), (i_e, lambda g: np.broadcast_to(g, exps.shape)))
    log_total, i_lt = record(np.log(total), (i_t, lambda g: g / total))
    log_probs, i_lp = record(shifted - log_total, (i_s, lambda g: g), (i_lt, lambda g: -g.sum(1, keepdims=True)))
    picked, i_p = record(Y * log_probs, (i_lp, lambda g: g * Y))
    summed, i_sum = record(picked.sum(), (i_p, lambda g: np.broadcast_to(g, picked.shape)))
    _, i_loss = record(-summed / count, (i_sum, lambda g: -g / count))
    cotangents = {i_loss: 1.0}
    for index in range(len(tape) + 3, 3, -1):
        cotangent = cotangents.pop(index, None)
        if cotangent is None:
            continue
        for parent, pullback in tape[index - 4]:
            contribution = pullback(cotangent)
            cotangents[parent] = cotangents[parent] + contribution if parent in cotangents else contribution
    return tuple(cotangents[i] for i in range(4))


def mlp_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, INPUTS))
    Y = np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)]
    W1 = rng.standard_normal((INPUTS, HIDDEN)) / np.sqrt(INPUTS)
    b1 = 0.1 * rng.standard_normal(HIDDEN)
    W2 = rng.standard_normal((HIDDEN, CLASSES)) / np.sqrt(HIDDEN)
    b2 = 0.1 * rng.standard_normal(CLASSES)
    return (W1, b1, W2, b2), X, Y


def torch_namespace(torch):
    """The five functions :func:`mlp_loss` calls, with NumPy's ``axis``/``keepdims`` names."""

    def reduce_sum(array, axis=None, keepdims=False):
        return array.sum() if axis is None else array.sum(dim=axis, keepdim=keepdims)

    def reduce_max(array, axis, keepdims=False):
        return torch.amax(array, dim=axis, keepdim=keepdims)

    return SimpleNamespace(tanh=torch.tanh, exp=torch.exp, log=torch.log, sum=reduce_sum, max=reduce_max)


def mlp_cases(session, params, X, Y) -> list[Case]:
    cases = []
    if session.wants("numpy"):
        cases.append(Case("NumPy forward (baseline)", "numpy", lambda: mlp_loss(*params, X, Y, np), checked=False))
        cases.append(Case("hand-written NumPy backprop", "numpy", lambda: mlp_grad_by_hand(*params, X, Y)))
        cases.append(Case("minimal Python tape (floor for eager AD)", "numpy",
                          lambda: mlp_grad_minimal_tape(*params, X, Y)))
    if session.require("chainrule", "grad"):
        cr = session.modules["chainrule"]
        cnp = importlib.import_module("chainrule.numpy")
        grad_cnp = cr.grad(lambda W1, b1, W2, b2: mlp_loss(W1, b1, W2, b2, X, Y, cnp), argnums=(0, 1, 2, 3))
        grad_np = cr.grad(lambda W1, b1, W2, b2: mlp_loss(W1, b1, W2, b2, X, Y, np), argnums=(0, 1, 2, 3))
        cases.append(Case("chainrule grad (chainrule.numpy)", "chainrule", lambda: grad_cnp(*params)))
        cases.append(Case("chainrule grad (plain numpy)", "chainrule", lambda: grad_np(*params)))
        if hasattr(cr, "compile"):
            compiled = cr.compile(grad_cnp)
            cases.append(Case("chainrule compile(grad), replayed", "chainrule", lambda: compiled(*params)))
    if session.require("autograd", "grad"):
        autograd = session.modules["autograd"]
        anp = importlib.import_module("autograd.numpy")
        grad_ag = autograd.grad(lambda W1, b1, W2, b2: mlp_loss(W1, b1, W2, b2, X, Y, anp), argnum=(0, 1, 2, 3))
        cases.append(Case("autograd grad", "autograd", lambda: grad_ag(*params)))
    if session.require("torch"):
        torch = session.modules["torch"]
        ops = torch_namespace(torch)
        t_params = [torch.tensor(p, requires_grad=True) for p in params]
        t_X, t_Y = torch.tensor(X), torch.tensor(Y)

        def torch_grad():
            return torch.autograd.grad(mlp_loss(*t_params, t_X, t_Y, ops), t_params)

        def torch_forward():
            with torch.no_grad():
                return mlp_loss(*t_params, t_X, t_Y, ops)

        cases.append(Case("PyTorch forward, no_grad (for scale)", "torch", torch_forward, checked=False))
        cases.append(Case("PyTorch torch.autograd.grad", "torch", torch_grad))
    if session.require("jax", "grad"):
        jax = session.modules["jax"]
        jnp = importlib.import_module("jax.numpy")
        j_params = [jnp.asarray(p) for p in params]
        j_X, j_Y = jnp.asarray(X), jnp.asarray(Y)
        grad_jax = jax.grad(lambda W1, b1, W2, b2: mlp_loss(W1, b1, W2, b2, j_X, j_Y, jnp), argnums=(0, 1, 2, 3))
        cases.append(Case("JAX grad, eager (no jit)", "jax", lambda: grad_jax(*j_params)))
        jit_jax = jax.jit(grad_jax)

        def jax_jitted():
            return [np.asarray(g) for g in jit_jax(*j_params)]  # block until computed, as NumPy arrays

        cases.append(Case("JAX jit(grad), compiled", "jax", jax_jitted))
    return cases


def report_mlp(cases, timings) -> dict:
    forward = timings["NumPy forward (baseline)"].median if "NumPy forward (baseline)" in timings else None
    rows, records = [], []
    for case in cases:
        timing = timings[case.name]
        ratio = timing.median / forward if forward else None
        rows.append(
            [
                case.name,
                f"{timing.median * 1e3:.3f}",
                f"{(timing.q3 - timing.q1) * 1e3:.3f}",
                f"{ratio:.2f}" if ratio else "",
            ]
        )
        records.append({"name": case.name, "library": case.library, "ratio_to_numpy_forward": ratio, **timing.as_dict()})
    print_table(
        f"(b) MLP loss: batch {BATCH}, {INPUTS} -> {HIDDEN} (tanh) -> {CLASSES}, softmax cross-entropy, "
        "float64, gradient w.r.t. W1, b1, W2, b2",
        ["row", "ms / call", "IQR ms", "/ NumPy forward"],
        rows,
    )
    chainrule = timings.get("chainrule grad (chainrule.numpy)")
    compiled = timings.get("chainrule compile(grad), replayed")
    targets = [
        target_line(
            "(b) chainrule grad / NumPy forward", chainrule.median / forward if chainrule and forward else None, 2.3
        ),
        target_line(
            "(b) chainrule compile(grad) / NumPy forward", compiled.median / forward if compiled and forward else None, 2.3
        ),
    ]
    return {"shape": [BATCH, INPUTS, HIDDEN, CLASSES], "rows": records, "targets": targets}


def main(argv=None) -> int:
    session = parse_args(__doc__.splitlines()[0], argv)
    print_settings(session)

    cases = scalar_cases(session)
    check_cases(cases, chain_derivative(START))
    scalar = report_scalar(cases, timings_for(session, cases))

    params, X, Y = mlp_data()
    cases = mlp_cases(session, params, X, Y)
    check_cases(cases, mlp_grad_by_hand(*params, X, Y), rtol=1e-7)
    mlp = report_mlp(cases, timings_for(session, cases))

    print()
    print_skips(session)
    write_json(session, "bench_overhead", {"scalar": scalar, "mlp": mlp})
    return 0


if __name__ == "__main__":
    sys.exit(main())
