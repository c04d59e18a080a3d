"""The benchmark scripts: their reference gradients are right and their checks catch a wrong one.

Nothing here depends on timing. The scripts run in ``--quick`` mode in a subprocess
(they pin math libraries to one thread through the environment, which must not leak
into this test process), restricted to NumPy and chainrule so that no peer library is
needed; their JSON output is checked for structure only.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    """The benchmark modules, imported without leaving their thread settings in os.environ."""
    saved = dict(os.environ)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return {name: importlib.import_module(name) for name in ("_harness", "bench_overhead", "bench_hessian")}
    finally:
        sys.path.remove(str(BENCHMARKS))
        os.environ.clear()
        os.environ.update(saved)


def central_difference(f, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Numeric gradient of a scalar function of one array, entry by entry."""
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        shift = np.zeros_like(x)
        shift[index] = step
        gradient[index] = (f(x + shift) - f(x - shift)) / (2 * step)
    return gradient


def test_scalar_reference_matches_finite_difference(bench):
    overhead = bench["bench_overhead"]
    import math

    step = 1e-6
    value = lambda y: overhead.chain(y, math.sin)  # noqa: E731
    numeric = (value(0.5 + step) - value(0.5 - step)) / (2 * step)
    assert overhead.chain_derivative(0.5) == pytest.approx(numeric, rel=1e-5)


def small_mlp(seed: int):
    """Parameters, inputs and one-hot labels of a 4 -> 6 -> 3 MLP on 5 examples."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((5, 4))
    Y = np.eye(3)[rng.integers(0, 3, 5)]
    params = [rng.standard_normal((4, 6)), rng.standard_normal(6), rng.standard_normal((6, 3)), rng.standard_normal(3)]
    return params, X, Y


def test_hand_written_mlp_backprop_matches_finite_difference(bench):
    overhead = bench["bench_overhead"]
    params, X, Y = small_mlp(1)
    by_hand = overhead.mlp_grad_by_hand(*params, X, Y)
    for position, analytic in enumerate(by_hand):

        def loss_of(part, position=position):
            args = list(params)
            args[position] = part
            return overhead.mlp_loss(*args, X, Y, np)

        np.testing.assert_allclose(analytic, central_difference(loss_of, params[position]), rtol=1e-6, atol=1e-9)


def test_minimal_tape_reference_row_matches_hand_written_backprop(bench):
    overhead = bench["bench_overhead"]
    params, X, Y = small_mlp(2)
    for tape, by_hand in zip(overhead.mlp_grad_minimal_tape(*params, X, Y), overhead.mlp_grad_by_hand(*params, X, Y)):
        np.testing.assert_allclose(tape, by_hand, rtol=1e-12, atol=1e-15)


def test_analytic_hessian_matches_finite_difference_of_gradient(bench):
    hessian = bench["bench_hessian"]
    rng = np.random.default_rng(2)
    x, A = rng.standard_normal(6), rng.standard_normal((6, 6))

    def gradient(v):  # the exact gradient of the objective, differenced once more below
        return np.exp(-(v**2)) * (1 - 2 * v**2) + (A + A.T) @ v

    np.testing.assert_allclose(gradient(x), central_difference(lambda v: hessian.objective(v, A, np), x), rtol=1e-6)
    numeric = np.stack([central_difference(lambda v, i=i: gradient(v)[i], x) for i in range(6)])
    np.testing.assert_allclose(hessian.analytic_hessian(x, A), numeric, rtol=1e-6, atol=1e-8)


def test_check_stops_on_a_wrong_gradient_and_scales_tolerance(bench):
    harness = bench["_harness"]
    right = harness.Case("right", "numpy", lambda: (np.array([1e-90, 2e-90]),))
    wrong = harness.Case("wrong", "numpy", lambda: (np.array([1e-90, 3e-90]),))
    harness.check_cases([right], (np.array([1e-90, 2e-90]),))
    with pytest.raises(SystemExit, match="wrong"):
        harness.check_cases([right, wrong], (np.array([1e-90, 2e-90]),))
    assert not harness.matches(np.zeros((2, 2)), np.zeros(4), rtol=1e-9)
    assert not harness.matches((np.zeros(2),), (np.zeros(2), np.zeros(2)), rtol=1e-9)


@pytest.mark.parametrize("script, sections", [("bench_overhead.py", ("scalar", "mlp")), ("bench_hessian.py", ("hessian",))])
def test_script_runs_quick_and_writes_json(tmp_path, script, sections):
    output = tmp_path / "result.json"
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--only", "numpy,chainrule", "--json", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "gradient check:" in completed.stdout
    result = json.loads(output.read_text())
    assert result["environment"]["threads"]["OMP_NUM_THREADS"] == "1"
    for section in sections:
        rows = result[section]["rows"]
        assert rows and all(row["median_s"] > 0 and row["batches"] >= 3 for row in rows)
        assert all(target["verdict"] in ("MET", "NOT MET", "NOT MEASURED") for target in result[section]["targets"])
    try:
        import chainrule  # noqa: F401
    except ImportError:
        assert "chainrule" in result["skipped"]
    else:
        libraries = {row["library"] for section in sections for row in result[section]["rows"]}
        assert "chainrule" in libraries, result["skipped"]


@pytest.mark.parametrize(
    "arguments",
    [
        ["split", "--workload", "scalar", "--budget", "0.01"],
        ["split", "--workload", "mlp", "--budget", "0.01"],
        ["cprofile", "--workload", "mlp", "--calls", "1", "--top", "5"],
        ["ops"],
    ],
)
def test_profile_script_runs(arguments):
    pytest.importorskip("chainrule")
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "profile_overhead.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "chainrule" in completed.stdout
