"""Tests of check_grads' diagnostic, check_rule, debug_nans, and numeric against AD."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import chainrule as cr
from chainrule import numeric
from chainrule.core import primitive as core_primitive
from chainrule.extend import defjvp, defvjp, primitive
from numeric_cases import all_points, relative_error


# ----------------------------------------------------------------------------- numeric vs AD


@pytest.mark.parametrize("name, kind, f, x, exact", list(all_points()), ids=lambda v: v if isinstance(v, str) else "")
def test_hand_written_derivatives_match_ad_and_numeric_matches_ad(name, kind, f, x, exact):
    ad = cr.grad(f)(x)
    assert relative_error(ad, exact) < 1e-13, (name, x, ad, exact)
    est = numeric.derivative(f, x) if kind == "derivative" else numeric.gradient(f, x)
    assert relative_error(est.value, ad) < 1e-10, (name, x, est, ad)


def test_jacobian_and_hessian_layouts_match_ad():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3))
    w = rng.normal(size=(3, 4))

    def f(x):
        return np.tanh(x @ w)

    def g(x):
        return np.sum(np.sin(x) ** 2 * x[::-1])

    assert np.allclose(numeric.jacobian(f, x).value, cr.jacobian(f)(x), rtol=1e-9, atol=1e-12)
    assert np.allclose(numeric.hessian(g, x).value, cr.hessian(g)(x), rtol=1e-7, atol=1e-8)
    v = rng.normal(size=x.shape)
    assert np.allclose(numeric.directional(f, x, v).value, cr.make_jvp(f)(x)(v)[1], rtol=1e-9)


def test_difference_table_uses_ad_by_default():
    table = numeric.difference_quotients(lambda x: 3 * x**2 - 4 * x, 1.0)
    assert table.exact == 2.0 and table.source == "automatic differentiation"
    assert "automatic differentiation" in repr(table)


# ----------------------------------------------------------------------------- check_grads


def test_check_grads_passes_on_a_correct_function():
    cr.check_grads(lambda x: np.sin(x) * x, modes=("fwd", "rev"), order=2)(np.array([0.3, -1.2]))


def test_a_crude_difference_no_longer_gives_a_false_alarm():
    # the 2-point difference with step 1e-6 is off by 1.7e-5 relative here; Richardson is not
    f = lambda x: np.sin(1e4 * x)  # noqa: E731
    x = np.array([0.3])
    crude = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
    assert not np.allclose(crude, 1e4 * np.cos(1e4 * x), rtol=1e-5, atol=1e-6)
    cr.check_grads(f, modes=("fwd", "rev"), order=2)(x)


def _planted():
    def my_sin(x):
        return np.sin(x)

    wrong = primitive(my_sin)
    defvjp(wrong, lambda ans, x: lambda g: g * np.sin(x))  # deliberately wrong: should be cos
    defjvp(wrong, lambda t, ans, x: t * np.cos(x))  # right
    return wrong


def test_the_acceptance_wrong_rule_is_caught_and_named():
    bad = primitive(lambda x: np.sin(x))
    defvjp(bad, lambda ans, x: lambda g: g * np.sin(x))
    with pytest.raises(AssertionError) as caught:
        cr.check_grads(bad, modes=("rev",), order=1)(np.array([0.3, -1.2]))
    assert "<lambda> defined at" in str(caught.value) and "test_numeric_check.py" in str(caught.value)


def test_a_planted_wrong_rule_inside_a_function_is_named_with_the_evidence():
    my_sin = _planted()

    def loss(x):
        y = np.exp(0.5 * x)
        z = my_sin(y) * x  # the line the report must point to
        return np.sum(z**2) + np.sum(np.tanh(x))

    with pytest.raises(AssertionError) as caught:
        cr.check_grads(loss, modes=("fwd", "rev"), order=2)(np.array([0.3, -1.2, 0.8]))
    message = str(caught.value)
    assert "reverse mode (VJP) derivative of loss" in message
    for piece in ("direction tested: v =", "AD ", "numerical ", "+-", "relative error"):
        assert piece in message, (piece, message)
    assert "first primitive whose VJP rule disagrees with its own numerical derivative: my_sin" in message
    assert "z = my_sin(y) * x" in message and "test_numeric_check.py:" in message
    assert "argument 0, VJP: WRONG" in message


def test_forward_mode_finds_a_wrong_jvp():
    def my_cube(x):
        return x**3

    cube = primitive(my_cube)
    defvjp(cube, lambda ans, x: lambda g: g * 3 * x**2)
    defjvp(cube, lambda t, ans, x: t * 2 * x**2)  # wrong
    with pytest.raises(AssertionError, match="JVP rule disagrees .*: my_cube"):
        cr.check_grads(lambda x: np.sum(np.sin(cube(x))), modes=("fwd",), order=1)(np.array([0.4, 1.3]))
    cr.check_grads(lambda x: np.sum(np.sin(cube(x))), modes=("rev",), order=1)(np.array([0.4, 1.3]))


def test_a_wrong_rule_used_inside_a_rule_is_found_at_order_two():
    def sloppy_exp(x):
        return np.exp(x)

    def my_exp(x):
        return np.exp(x)

    sloppy = primitive(sloppy_exp)  # right values, wrong derivatives
    defvjp(sloppy, lambda ans, x: lambda g: g * 2 * np.exp(x))
    defjvp(sloppy, lambda t, ans, x: t * 2 * ans)
    expo = primitive(my_exp)  # right rules, written with the sloppy primitive
    defvjp(expo, lambda ans, x: lambda g: g * sloppy(x))
    defjvp(expo, lambda t, ans, x: t * sloppy(x))
    cr.check_grads(expo, modes=("fwd", "rev"), order=1)(np.array([0.2, 0.5]))
    with pytest.raises(AssertionError, match="(?s)the VJP of my_exp.*disagrees .*: sloppy_exp"):
        cr.check_grads(expo, modes=("rev",), order=2)(np.array([0.2, 0.5]))


# ----------------------------------------------------------------------------- check_rule


def test_check_rule_on_correct_primitives():
    report = cr.check_rule(np.sin, np.array([0.3, 1.2]))
    assert report.ok and len(report.comparisons) == 2 and "all rules agree" in repr(report)
    report = cr.check_rule(np.matmul, np.ones((2, 3)), np.arange(6.0).reshape(3, 2))
    assert report.ok and {argnum for argnum, _, _ in report.comparisons} == {0, 1}
    report = cr.check_rule(np.sum, np.arange(6.0).reshape(2, 3), axis=1)
    assert report.ok


def test_check_rule_names_the_wrong_rule_and_skips_non_float_arguments():
    with pytest.raises(AssertionError, match=r"(?s)my_sin.*argument 0, JVP: ok.*argument 0, VJP: WRONG"):
        cr.check_rule(_planted(), np.array([0.3, 1.2]))
    report = cr.check_rule(np.take, np.array([1.0, 2.0, 3.0]), np.array([2, 0]))
    assert report.ok and report.skipped and report.skipped[0][0] == 1


# ----------------------------------------------------------------------------- debug_nans


def masked_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))  # LINE-OF-SQRT


def test_debug_nans_names_sqrt_and_the_users_line_and_the_fix():
    x = np.array([0.0, 4.0])
    with np.errstate(all="ignore"):
        assert np.isnan(cr.grad(masked_sqrt)(x)[0])  # off: IEEE NaN, as in every peer
        with pytest.raises(cr.NaNError) as caught:
            with cr.debug_nans():
                cr.grad(masked_sqrt)(x)
    message = str(caught.value)
    line = next(i for i, text in enumerate(open(__file__), 1) if "LINE-OF-SQRT" in text and "def" not in text)
    assert "VJP) of sqrt" in message
    assert f"test_numeric_check.py:{line} in masked_sqrt" in message
    assert "shape (2,)" in message and "values [0., 4.]" in message
    assert "mask the input, not the output" in message and "np.where(cond, x, 1.0)" in message
    assert core_primitive.debug_hook is None  # restored


def test_debug_nans_catches_a_forward_nan_and_restores_state_after_errors():
    with np.errstate(all="ignore"), pytest.raises(cr.NaNError, match=r"log returned nan/inf from finite inputs"):
        with cr.debug_nans():
            cr.grad(lambda x: np.sum(np.log(x - 1.0)))(np.array([0.5, 4.0]))
    assert core_primitive.debug_hook is None
    with cr.debug_nans():
        assert cr.grad(lambda x: np.sum(np.sqrt(x)))(np.array([1.0, 4.0])).tolist() == [0.5, 0.25]
        with cr.debug_nans(False):
            assert core_primitive.debug_hook is None
        assert core_primitive.debug_hook is not None
    assert core_primitive.debug_hook is None


def test_debug_nans_checks_forward_mode_tangents():
    with np.errstate(all="ignore"), pytest.raises(cr.NaNError, match="JVP"):
        with cr.debug_nans():
            cr.make_jvp(lambda x: np.sqrt(x))(np.array([0.0, 1.0]))(np.array([1.0, 1.0]))


def test_debug_nans_environment_variable(tmp_path):
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent("""
        import numpy as np, chainrule as cr
        np.seterr(all="ignore")
        def f(x):
            return np.sum(np.where(x > 0, np.sqrt(x), 0.0))
        try:
            cr.grad(f)(np.array([0.0, 4.0]))
        except cr.NaNError as error:
            print("NaNError", error)
    """))
    env = dict(os.environ, CHAINRULE_DEBUG_NANS="1")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert "NaNError" in result.stdout and "user_script.py:5 in f" in result.stdout, result.stdout + result.stderr


def test_debug_nans_is_off_by_default():
    assert core_primitive.debug_hook is None or os.environ.get("CHAINRULE_DEBUG_NANS")


# ----------------------------------------------------------------------------- every rule, walked


def test_every_rule_in_the_rule_table_agrees_with_its_own_numerical_derivative():
    from chainrule.diagnose import find_wrong_rule
    from rule_table import cases

    checked = 0
    for name, fun, args, argnums in cases():
        if name.endswith(("-scalar", "-matrix")):  # the vector and broadcast cases cover every rule
            continue
        positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

        def on_chosen(chosen, fun=fun, args=args, positions=positions):
            full = list(args)
            for position, value in zip(positions, chosen):
                full[position] = value
            return fun(*full)

        with np.errstate(all="ignore"):
            wrong = find_wrong_rule(on_chosen, tuple(args[p] for p in positions), ("fwd", "rev"))
        assert wrong is None, (name, wrong[0].primitive, wrong[1])
        checked += 1
    assert checked > 150


def test_a_sawtooth_does_not_fool_the_error_bar():
    # steps h0 / 2**k line up with remainder's period here: three equal quotients far from 1
    x, y, v = 2.86916385, 1.52826316, 0.64042265
    est = numeric.derivative(lambda t: np.remainder(x + t * v, y), 0.0, step=2 * np.log(np.e - 1 + x) / v)
    assert abs(est.value - v) < 1e-12 and abs(est.value - v) <= est.error
