"""The one rule table: every case of every case list, through the same numerical checks.

The case lists are data, grouped by area: tests/rule_table.py (real NumPy), rule_table_linalg.py
(numpy.linalg, numpy.fft, statistics, sequences, the rest of the namespace), rule_table_complex.py
(the real table again on complex inputs) and rule_table_scipy.py (scipy.special, .stats, .linalg,
.signal; skipped when SciPy is not installed). Every case runs:

- `check_grads(modes=("fwd", "rev"), order=case.order)` (order 2 unless the case says otherwise);
- the batched Jacobians (`jacfwd` pushes all basis directions at once, `jacobian` pulls back all basis
  cotangents at once) against one direction at a time. For real inputs and outputs both are compared
  with one-at-a-time JVPs; where an input or the output is complex (autograd's convention: the VJP
  is not the transposed JVP), `jacobian` is compared with one-at-a-time VJPs instead;
- for the tables that ask for it (linalg, stats), the value computed on traced inputs against the
  plain call (NumPy's or SciPy's own function).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import chainrule as cr
import rule_table
import rule_table_complex
import rule_table_linalg

try:
    import rule_table_scipy
except ModuleNotFoundError as error:  # SciPy is optional: its cases are reported as skipped
    if error.name.split(".")[0] != "scipy":
        raise  # any other missing module is a real failure, not a skip
    rule_table_scipy = None


@dataclass(frozen=True)
class Case:
    """One row of the table: `fun(*args)` differentiated in `argnums` to `order`."""
    table: str
    name: str
    fun: Callable[..., Any]
    args: tuple
    argnums: int | tuple[int, ...]
    order: int = 2
    needs: str | None = None  # a core fix the case relies on (see COMPLEX_CORE)
    value_rtol: float | None = None  # compare the traced value with the plain call to this tolerance

    @property
    def id(self) -> str:
        return f"{self.table}/{self.name}"


def _plain(table, rows, value_rtol=None):
    return [Case(table, name, fun, args, argnums, value_rtol=value_rtol) for name, fun, args, argnums in rows]


def _scipy_cases():
    if rule_table_scipy is None:
        return []
    return (_plain("special", rule_table_scipy.special_cases())
            + _plain("stats", rule_table_scipy.stats_cases(), value_rtol=1e-10)
            + _plain("scipy-linalg", rule_table_scipy.linalg_cases())
            + _plain("signal", rule_table_scipy.signal_cases()))


CASES = (_plain("real", rule_table.cases())
         + [Case("linalg", name, fun, args, argnums, order, needs, value_rtol=1e-12)
            for name, fun, args, argnums, order, needs in rule_table_linalg.cases()]
         + _plain("complex", rule_table_complex.cases())
         + _scipy_cases())
PARAMS = [pytest.param(case, id=case.id) for case in CASES]
if rule_table_scipy is None:
    PARAMS.append(pytest.param(None, id="scipy", marks=pytest.mark.skip(reason="SciPy is not installed")))
VALUE_PARAMS = [p for p in PARAMS if p.values[0] is None or p.values[0].value_rtol is not None]


def _complex_core_fixed() -> bool:
    """Whether the core has the complex fixes (|z| JVP, dtypes of Python complex answers) of issue 3 part 5."""
    def parts(v):
        z = v[0] + v[1] * 1j
        return np.abs(z) + np.real(np.exp(np.imag(z) * 1j) * (1j * np.real(z)))
    try:
        cr.check_grads(parts, modes=("fwd", "rev"), order=1)(np.array([[0.3, -1.2], [0.8, 0.5]]))
    except AssertionError:
        return False
    return True


COMPLEX_CORE = _complex_core_fixed()


def _require(case: Case) -> None:
    if case.needs == "complex-core" and not COMPLEX_CORE:
        pytest.skip("needs the complex-number fixes of the core (abs JVP, Python-complex dtypes): branch 'scipy'")


@pytest.mark.parametrize("case", PARAMS)
def test_check_grads(case: Case):
    _require(case)
    cr.check_grads(case.fun, argnum=case.argnums, modes=("fwd", "rev"), order=case.order)(*case.args)


@pytest.mark.parametrize("case", PARAMS)
def test_batched_jacobians_match_one_direction_at_a_time(case: Case):
    _require(case)
    fun, args = case.fun, case.args
    positions = (case.argnums,) if isinstance(case.argnums, int) else case.argnums
    out = fun(*args)
    for position in positions:
        x = args[position]
        dtype = np.result_type(x)
        columns = [np.reshape(cr.make_jvp(fun, position)(*args)(d.reshape(np.shape(x)).astype(dtype))[1], -1)
                   for d in np.eye(np.size(x))]
        looped = np.stack(columns, -1).reshape(np.shape(out) + np.shape(x))
        np.testing.assert_allclose(cr.jacfwd(fun, position)(*args), looped, rtol=1e-10, atol=1e-12)
        reverse = cr.jacobian(fun, position)(*args)
        if np.iscomplexobj(x) or np.iscomplexobj(out):
            pull = cr.make_vjp(fun, position)(*args)[0]
            out_dtype = np.result_type(out, np.float64)
            rows = [pull(c.reshape(np.shape(out)).astype(out_dtype)) for c in np.eye(np.size(out))]
            looped = np.reshape(rows, np.shape(out) + np.shape(x))
        np.testing.assert_allclose(reverse, looped, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", VALUE_PARAMS)
def test_traced_value_is_the_plain_calls(case: Case):
    """The value computed on traced inputs equals the plain call (NumPy's or SciPy's own function)."""
    expected = case.fun(*case.args)
    _, traced = cr.make_vjp(case.fun, case.argnums)(*case.args)
    np.testing.assert_allclose(traced, expected, rtol=case.value_rtol, atol=1e-12)
