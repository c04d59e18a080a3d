"""The linalg / fft / statistics / sequences rule table through the same checks as tests/test_rules.py.

Every case: check_grads forward and reverse to order 2, batched Jacobians (jacfwd and jacobian)
against one direction at a time, and the value computed on traced inputs against NumPy's own.
"""
import warnings

import numpy as np
import pytest

import chainrule as cr
import test_rules as base
from rule_table_linalg import cases

CASES = cases()
IDS = [case[0] for case in CASES]


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


def _require(needs):
    if needs == "complex-core" and not COMPLEX_CORE:
        pytest.skip("needs the complex-number fixes of the core (abs JVP, Python-complex dtypes): branch 'scipy'")


@pytest.mark.parametrize("name,fun,args,argnums,order,needs", CASES, ids=IDS)
def test_check_grads(name, fun, args, argnums, order, needs):
    _require(needs)
    if order == 2:
        base.test_check_grads_order_2(name, fun, args, argnums)
    else:
        cr.check_grads(fun, argnum=argnums, modes=("fwd", "rev"), order=order)(*args)


@pytest.mark.parametrize("name,fun,args,argnums,order,needs", CASES, ids=IDS)
def test_batched_jacobians(name, fun, args, argnums, order, needs):
    _require(needs)
    base.test_batched_jacobians_match_one_direction_at_a_time(name, fun, args, argnums)


@pytest.mark.parametrize("name,fun,args,argnums,order,needs", CASES, ids=IDS)
def test_traced_value_is_numpys(name, fun, args, argnums, order, needs):
    expected = fun(*args)
    _, traced = cr.make_vjp(fun, argnums)(*args)
    np.testing.assert_allclose(traced, expected, rtol=1e-12, atol=1e-12)
