"""Accuracy and speed of chainrule.numeric against numdifftools on the test function set.

Run from the project root:  python benchmarks/bench_numeric.py [--repeat N]
Needs numdifftools (in the ``test`` extra). Prints, for scalar derivatives and for
gradients separately and together, the median and worst relative error against the
exact derivative, and the time per derivative (best of N repeats of the whole set).
Relative error is max|estimate - exact| / max|exact| per point.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import numdifftools as nd  # noqa: E402

from chainrule import numeric  # noqa: E402
from numeric_cases import all_points, relative_error  # noqa: E402


def ours(kind, f, x):
    return (numeric.derivative(f, x) if kind == "derivative" else numeric.gradient(f, x)).value


def theirs(kind, f, x):
    if kind == "derivative":
        return nd.Derivative(f)(x)
    return nd.Gradient(lambda flat: f(flat.reshape(np.shape(x))))(x).reshape(np.shape(x))


def measure(method, points, repeat):
    errors = [relative_error(method(kind, f, x), exact) for _, kind, f, x, exact in points]
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for _, kind, f, x, _ in points:
            method(kind, f, x)
        best = min(best, time.perf_counter() - start)
    return np.median(errors), max(errors), best / len(points)


def main():
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    points = list(all_points())
    groups = {
        "derivatives": [p for p in points if p[1] == "derivative"],
        "gradients": [p for p in points if p[1] == "gradient"],
        "all": points,
    }
    functions = len({p[0] for p in points})
    print(f"{functions} functions, {len(points)} points; relative error vs exact; best of {repeat}")
    print(f"{'set':<12} {'library':<20} {'median rel err':>15} {'worst rel err':>14} {'time/derivative':>16}")
    for name, subset in groups.items():
        for label, method in (("chainrule.numeric", ours), ("numdifftools", theirs)):
            median, worst, seconds = measure(method, subset, repeat)
            print(f"{name:<12} {label:<20} {median:>15.2e} {worst:>14.2e} {seconds * 1e3:>13.3f} ms")


if __name__ == "__main__":
    main()
