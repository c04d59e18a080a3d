"""Complex numbers with autograd's convention: the convention itself (the rule table on complex inputs is in test_rules.py).

For a real-valued f(z), z = x + iy, `grad` returns df/dx - i df/dy (the conjugate of the
Wirtinger derivative df/dz-bar, times 2); the VJP of a holomorphic function is g * f'(z), no
conjugate; `holomorphic_grad` returns f'(z).
"""
import numpy as np
import pytest

import chainrule as cr
from chainrule.extend import defjvp, defvjp, primitive
from rule_table_complex import order_cases


@pytest.mark.parametrize("name,fun,z", order_cases(), ids=[c[0] for c in order_cases()])
def test_order_based_functions_refuse_complex(name, fun, z):
    with pytest.raises(TypeError, match="complex numbers have no order"):
        cr.grad(lambda z: np.real(np.sum(fun(z))))(z)
    with pytest.raises(TypeError, match="complex numbers have no order"):
        cr.make_jvp(fun)(z)(np.ones_like(z))


def test_grad_of_real_function_is_du_dx_minus_i_du_dy():
    z = 1.5 - 0.5j
    x, y = z.real, z.imag
    f = lambda z: np.real(z) ** 2 * np.imag(z) + np.abs(z)
    du_dx = 2 * x * y + x / abs(z)
    du_dy = x ** 2 + y / abs(z)
    assert np.isclose(cr.grad(f)(z), du_dx - 1j * du_dy)
    assert np.isclose(cr.grad(lambda z: np.abs(z) ** 2)(z), 2 * np.conj(z))
    assert cr.grad(np.real)(z) == 1.0 and cr.grad(np.imag)(z) == -1j
    assert np.isclose(cr.grad(np.angle)(z), -1j * np.conj(z) / abs(z) ** 2)  # angle = atan2(y, x)


def test_forward_mode_of_real_function_is_real():
    z = np.array([1.0 + 2.0j, -0.5 + 0.1j])
    t = np.array([0.3 - 1.0j, 2.0 + 0.5j])
    _, tangent = cr.make_jvp(np.abs)(z)(t)
    assert tangent.dtype == np.float64
    assert np.allclose(tangent, np.real(np.conj(z) * t) / np.abs(z))
    _, tangent = cr.make_jvp(np.angle)(z)(t)
    assert np.allclose(tangent, np.imag(np.conj(z) * t) / np.abs(z) ** 2)


def test_holomorphic_grad_and_vjp_have_no_conjugate():
    z = 0.3 + 1.1j
    assert np.isclose(cr.holomorphic_grad(lambda z: np.sin(z) * z)(z), np.cos(z) * z + np.sin(z))
    vjp, _ = cr.make_vjp(np.exp)(z)
    assert np.isclose(vjp(1.0), np.exp(z))
    assert np.isclose(cr.holomorphic_grad(np.arccosh)(-2.0 + 0.5j), 1 / np.sqrt(-2.0 + 0.5j - 1) / np.sqrt(-2.0 + 0.5j + 1))


def test_real_input_complex_intermediate_gives_real_gradient():
    g = cr.grad(lambda x: np.abs(np.exp(1j * x) * (2 + x)) ** 2)(0.7)
    assert isinstance(g, np.float64) and np.isclose(g, 2 * (2 + 0.7))


def _conjugating_square():
    """z**2 with the wrong (conjugated, PyTorch-style) VJP: check_grads must notice."""
    square = primitive(lambda z: z * z)
    defvjp(square, lambda ans, z: lambda g: g * np.conj(2 * z))
    defjvp(square, lambda t, ans, z: t * 2 * z)
    return square


def test_check_grads_perturbs_real_and_imaginary_parts():
    z = np.array([0.5 + 1.0j, -1.0 + 0.2j])
    cr.check_grads(lambda z: z * z, modes=("fwd", "rev"), order=2)(z)
    with pytest.raises(AssertionError):
        cr.check_grads(_conjugating_square(), modes=("rev",), order=1)(z)
    wrong_jvp = primitive(np.abs)  # tangent of |z| taken as t * conj(z)/|z| (complex): wrong
    defvjp(wrong_jvp, lambda ans, z: lambda g: g * np.conj(z) / ans)
    defjvp(wrong_jvp, lambda t, ans, z: t * np.conj(z) / ans)
    cr.check_grads(wrong_jvp, modes=("rev",), order=1)(z)
    with pytest.raises(AssertionError):
        cr.check_grads(wrong_jvp, modes=("fwd",), order=1)(z)
