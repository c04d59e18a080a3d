"""Every rule in the table: check_grads forward and reverse to order 2; batched Jacobians agree with per-row ones."""
import numpy as np
import pytest

import chainrule as cr
from rule_table import cases

CASES = cases()


@pytest.mark.parametrize("name,fun,args,argnums", CASES, ids=[c[0] for c in CASES])
def test_check_grads_order_2(name, fun, args, argnums):
    cr.check_grads(fun, argnum=argnums, modes=("fwd", "rev"), order=2)(*args)


@pytest.mark.parametrize("name,fun,args,argnums", CASES, ids=[c[0] for c in CASES])
def test_batched_jacobians_match_one_direction_at_a_time(name, fun, args, argnums):
    positions = (argnums,) if isinstance(argnums, int) else argnums
    for position in positions:
        forward = cr.jacfwd(fun, position)(*args)
        reverse = cr.jacobian(fun, position)(*args)
        x = args[position]
        out = fun(*args)
        rows = []
        for direction in np.eye(np.size(x)):
            _, tangent = cr.make_jvp(fun, position)(*args)(direction.reshape(np.shape(x)))
            rows.append(np.reshape(tangent, -1))
        looped = np.stack(rows, axis=-1).reshape(np.shape(out) + np.shape(x))
        np.testing.assert_allclose(forward, looped, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(reverse, looped, rtol=1e-10, atol=1e-12)
