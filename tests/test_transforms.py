"""JAX-style transforms: every transform agrees with every other on the rule table; pytrees; custom rules; checkpoint."""
import gc
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule.core import tree_flatten
from rule_table import cases

CASES = cases()
IDS = [case[0] for case in CASES]
rng = np.random.default_rng(7)


def assert_tree_close(actual, expected, rtol=1e-9, atol=1e-11):
    actual_leaves, actual_spec = tree_flatten(actual)
    expected_leaves, expected_spec = tree_flatten(expected)
    assert actual_spec == expected_spec, (actual_spec, expected_spec)
    for a, e in zip(actual_leaves, expected_leaves):
        assert np.shape(a) == np.shape(e), (np.shape(a), np.shape(e))
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def _positions(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _of_positions(fun, args, positions):
    """`fun` as a function of the differentiated arguments only (the others fixed)."""
    def restricted(*chosen):
        full = list(args)
        for position, value in zip(positions, chosen):
            full[position] = value
        return fun(*full)
    return restricted


def _like(value):
    draw = rng.standard_normal(np.shape(value))
    return draw if np.ndim(value) else np.float64(draw)


@pytest.mark.parametrize("name,fun,args,argnums", CASES, ids=IDS)
def test_jacfwd_equals_jacrev_and_linearize_equals_jvp(name, fun, args, argnums):
    positions = _positions(argnums)
    assert_tree_close(cr.jacfwd(fun, positions)(*args), cr.jacrev(fun, positions)(*args))
    restricted = _of_positions(fun, args, positions)
    primals = tuple(args[i] for i in positions)
    tangents = tuple(_like(p) for p in primals)
    value, f_jvp = cr.linearize(restricted, *primals)
    expected_value, expected_tangent = cr.jvp(restricted, primals, tangents)
    assert_tree_close(value, expected_value)
    assert_tree_close(f_jvp(*tangents), expected_tangent)


def test_reverse_over_reverse_through_a_python_complex_scalar():
    # x * (-1j) on a NumPy float is a Python complex without a dtype: its cotangent must still be cast to real
    assert cr.grad(cr.grad(lambda x: (x + np.imag(x)) ** 2))(0.3) == 2.0


@pytest.mark.parametrize("name,fun,args,argnums", CASES, ids=IDS)
def test_hessian_agrees_with_every_composition_and_hvp_with_hessian(name, fun, args, argnums):
    positions = _positions(argnums)
    restricted = _of_positions(fun, args, positions)
    primals = tuple(args[i] for i in positions)
    everything = tuple(range(len(primals)))

    def scalar(*chosen):
        return np.sum(np.sin(restricted(*chosen)))
    hessian = cr.hessian(scalar, everything)(*primals)
    assert_tree_close(hessian, cr.jacfwd(cr.jacrev(scalar, everything), everything)(*primals))
    assert_tree_close(hessian, cr.jacrev(cr.jacfwd(scalar, everything), everything)(*primals))
    assert_tree_close(hessian, cr.jacrev(cr.jacrev(scalar, everything), everything)(*primals), rtol=1e-8, atol=1e-10)
    tangents = tuple(_like(p) for p in primals)
    product = cr.hvp(scalar, primals, tangents)
    product = product if len(primals) > 1 else (product,)
    for i, row in enumerate(product):
        expected = sum(np.tensordot(hessian[i][j], tangents[j], np.ndim(tangents[j])) for j in everything)
        np.testing.assert_allclose(row, expected, rtol=1e-9, atol=1e-11)


# --- shapes and pytrees ------------------------------------------------------------------------
def test_jacobians_of_pytrees_have_jax_layout():
    def f(params, x):
        return {"y": params["w"] @ x + params["b"], "norm": np.sum(x ** 2)}
    params = {"w": rng.standard_normal((2, 3)), "b": rng.standard_normal(2)}
    x = rng.standard_normal(3)
    for jac in (cr.jacfwd, cr.jacrev):
        J = jac(f, argnums=(0, 1))(params, x)
        assert set(J) == {"y", "norm"}
        (dy_dparams, dy_dx), (dn_dparams, dn_dx) = J["y"], J["norm"]
        assert dy_dparams["w"].shape == (2, 2, 3) and dy_dparams["b"].shape == (2, 2) and dy_dx.shape == (2, 3)
        assert dn_dparams["w"].shape == (2, 3) and dn_dx.shape == (3,)
        np.testing.assert_allclose(dy_dx, params["w"])
        np.testing.assert_allclose(dy_dparams["b"], np.eye(2))
        np.testing.assert_allclose(dn_dx, 2 * x)
        np.testing.assert_allclose(dn_dparams["w"], 0)


def test_jacobian_shape_is_out_shape_plus_in_shape_and_has_aux():
    x = rng.standard_normal((2, 3))
    f = lambda x: (np.outer(x[0], x[1]), "aux")
    for jac in (cr.jacfwd, cr.jacrev):
        J, aux = jac(f, has_aux=True)(x)
        assert J.shape == (3, 3, 2, 3) and aux == "aux"
    np.testing.assert_allclose(cr.jacfwd(lambda x: f(x)[0])(x), cr.jacrev(lambda x: f(x)[0])(x))


def test_hessian_of_the_benchmark_function_is_exact_and_non_scalar_hessians_work():
    A = rng.standard_normal((6, 6))
    x = rng.standard_normal(6)
    f = lambda x: np.sum(x * np.exp(-x ** 2)) + x @ A @ x
    exact = np.diag(np.exp(-x ** 2) * (4 * x ** 3 - 6 * x)) + A + A.T
    np.testing.assert_allclose(cr.hessian(f)(x), exact, rtol=1e-12, atol=1e-12)
    H = cr.hessian(lambda x: x ** 3)(x[:3])
    assert H.shape == (3, 3, 3)
    np.testing.assert_allclose(H, np.einsum("i,ij,ik->ijk", 6 * x[:3], np.eye(3), np.eye(3)))
    np.testing.assert_allclose(cr.hessian(f, argnum=0)(x), exact, rtol=1e-12, atol=1e-12)


def test_hvp_never_forms_the_hessian_and_matches_it():
    A = rng.standard_normal((5, 5))
    x, v = rng.standard_normal(5), rng.standard_normal(5)
    f = lambda x: np.sum(np.tanh(A @ x) ** 2)
    np.testing.assert_allclose(cr.hvp(f, (x,), (v,)), cr.hessian(f)(x) @ v, rtol=1e-10)
    g = lambda x, y: np.sum(x ** 2 * y)
    hx, hy = cr.hvp(g, (1.0, 2.0), (1.0, 0.0))
    assert np.isclose(hx, 4.0) and np.isclose(hy, 2.0)


def test_jvp_and_vjp_are_jax_shaped():
    f = lambda x, y: (x * y, {"s": np.sum(x)})
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    out, tangent = cr.jvp(f, (x, y), (np.ones(2), np.zeros(2)))
    assert isinstance(out, tuple) and set(out[1]) == {"s"}
    np.testing.assert_allclose(tangent[0], y) and np.testing.assert_allclose(tangent[1]["s"], 2.0)
    out, pull = cr.vjp(f, x, y)
    gx, gy = pull((np.ones(2), {"s": 1.0}))
    np.testing.assert_allclose(gx, y + 1) and np.testing.assert_allclose(gy, x)
    with pytest.raises(ValueError, match="structure"):
        pull((np.ones(2), np.ones(2), np.ones(2)))
    out, pull, aux = cr.vjp(lambda x: (x ** 2, "note"), x, has_aux=True)
    assert aux == "note" and isinstance(pull(np.ones(2)), tuple)
    with pytest.raises(ValueError, match="structure"):
        pull((np.ones(2),))
    out, tangent, aux = cr.jvp(lambda x: (x ** 2, "note"), (x,), (np.ones(2),), has_aux=True)
    np.testing.assert_allclose(tangent, 2 * x) and aux == "note"
    with pytest.raises(ValueError, match="shape"):
        cr.jvp(np.sin, (x,), (np.ones(3),))


# --- linearize -------------------------------------------------------------------------------------
def test_linearize_does_not_rerun_the_function_and_is_differentiable():
    W = rng.standard_normal((3, 4))
    calls = []

    def f(x):
        calls.append(1)
        return np.tanh(W @ x) * np.sum(x ** 2)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    jacobian = cr.jacfwd(f)(x)
    value, f_jvp = cr.linearize(f, x)
    assert len(calls) == 2
    for _ in range(3):
        np.testing.assert_allclose(f_jvp(v), jacobian @ v, rtol=1e-12)
    assert len(calls) == 2  # the three f_jvp calls did not run f
    np.testing.assert_allclose(value, f(x))
    np.testing.assert_allclose(cr.jacfwd(f_jvp)(v), cr.jacfwd(f)(x), rtol=1e-12)
    with pytest.raises(ValueError, match="shape"):
        f_jvp(np.ones(3))


# --- custom rules -------------------------------------------------------------------------------------
def _custom_sin_times():
    @cr.custom_vjp
    def f(x, y):
        return np.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (np.cos(x), np.sin(x), y)

    def f_bwd(residuals, g):
        cos_x, sin_x, y = residuals
        return cos_x * g * y, sin_x * g
    f.defvjp(f_fwd, f_bwd)
    return f


def test_custom_vjp_agrees_with_the_plain_function_in_every_transform():
    f = _custom_sin_times()
    plain = lambda x, y: np.sin(x) * y
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    for jac in (cr.jacrev, cr.jacfwd):
        assert_tree_close(jac(f, (0, 1))(x, y), jac(plain, (0, 1))(x, y))
    scalar = lambda g: (lambda x: np.sum(g(x, y) ** 2))
    np.testing.assert_allclose(cr.hessian(scalar(f))(x), cr.hessian(scalar(plain))(x), rtol=1e-12)
    second = lambda g: cr.grad(cr.grad(lambda t: g(t, 2.0)))(0.3)
    assert np.isclose(second(f), second(plain))
    assert np.allclose(f(x, y), plain(x, y))


def test_custom_vjp_really_uses_the_rule_and_checks_it():
    @cr.custom_vjp
    def clip_gradient(x):
        return x
    clip_gradient.defvjp(lambda x: (x, None), lambda residuals, g: (np.clip(g, -1.0, 1.0),))
    assert cr.grad(lambda x: 5.0 * clip_gradient(x))(2.0) == 1.0
    np.testing.assert_allclose(cr.jacrev(lambda x: 5.0 * clip_gradient(x))(np.ones(2)), np.eye(2))

    @cr.custom_vjp
    def undefined(x):
        return x
    with pytest.raises(TypeError, match="defvjp"):
        cr.grad(undefined)(1.0)

    @cr.custom_vjp
    def wrong(x, y):
        return x * y
    wrong.defvjp(lambda x, y: (x * y, None), lambda residuals, g: (g,))
    with pytest.raises(TypeError, match="one cotangent per"):
        cr.grad(wrong)(1.0, 2.0)
    wrong.defvjp(lambda x, y: (x * y, None), lambda residuals, g: (np.ones(3), g))
    with pytest.raises(ValueError, match="shape"):
        cr.grad(wrong)(1.0, 2.0)


def test_custom_vjp_pytrees_and_nondiff_argnums():
    @cr.custom_vjp
    def p(x):
        return {"a": x * 2, "b": (x ** 2, np.sum(x))}
    p.defvjp(lambda x: (p(x), x), lambda x, g: (2 * g["a"] + 2 * x * g["b"][0] + g["b"][1],))
    x = rng.standard_normal(3)
    plain = lambda x: {"a": x * 2, "b": (x ** 2, np.sum(x))}
    assert_tree_close(cr.jacrev(p)(x), cr.jacrev(plain)(x))

    def power(n, x):
        return x ** n
    power = cr.custom_vjp(power, nondiff_argnums=(0,))
    power.defvjp(lambda n, x: (x ** n, x), lambda n, x, g: (g * n * x ** (n - 1),))
    assert cr.grad(power, 1)(3, 2.0) == 12.0

    @cr.custom_vjp
    def weighted(params):
        return params["w"] * params["x"]
    weighted.defvjp(lambda p: (weighted(p), p), lambda p, g: ({"w": g * p["x"], "x": g * p["w"]},))
    gradient = cr.grad(lambda p: weighted(p))({"w": 2.0, "x": 5.0})
    assert gradient == {"w": 5.0, "x": 2.0}


def test_custom_jvp_stable_rule_forward_and_reverse():
    @cr.custom_jvp
    def softplus(x):
        return np.logaddexp(0.0, x)

    @softplus.defjvp
    def softplus_jvp(primals, tangents):
        (x,), (x_dot,) = primals, tangents
        return softplus(x), x_dot * 0.5 * (1.0 + np.tanh(x / 2.0))
    assert cr.grad(softplus)(1000.0) == 1.0
    assert cr.jvp(softplus, (1000.0,), (2.0,))[1] == 2.0
    x = np.array([-3.0, 0.0, 2.0])
    sigmoid = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(cr.jacrev(softplus)(x), np.diag(sigmoid))
    np.testing.assert_allclose(cr.jacfwd(softplus)(x), np.diag(sigmoid))
    np.testing.assert_allclose(cr.hessian(lambda x: np.sum(softplus(x)))(x), np.diag(sigmoid * (1 - sigmoid)))


def test_custom_jvp_defjvps_and_nondiff_argnums():
    @cr.custom_jvp
    def f(x, y):
        return x * np.sin(y)
    f.defjvps(lambda x_dot, out, x, y: x_dot * np.sin(y), lambda y_dot, out, x, y: y_dot * x * np.cos(y))
    grads = cr.grad(f, argnums=(0, 1))(2.0, 0.5)
    assert np.allclose(grads, (np.sin(0.5), 2.0 * np.cos(0.5)))

    def scale(k, x):
        return k * x
    scale = cr.custom_jvp(scale, nondiff_argnums=(0,))
    scale.defjvp(lambda k, primals, tangents: (scale(k, *primals), 10.0 * tangents[0]))  # a deliberately odd rule
    assert cr.grad(scale, 1)(3.0, 1.0) == 10.0
    assert cr.jvp(lambda x: scale(3.0, x), (1.0,), (1.0,))[1] == 10.0


def test_custom_rules_work_with_tensors_and_tapes():
    f = _custom_sin_times()
    x, y = np.array([0.3, 0.7]), np.array([1.5, -2.0])
    w = cr.tensor(x, requires_grad=True)
    f(w, y).sum().backward()
    np.testing.assert_allclose(w.grad, np.cos(x) * y)
    v = cr.Variable(x)
    with cr.GradientTape() as tape:
        out = np.sum(f(v, y))
    np.testing.assert_allclose(tape.gradient(out, v), np.cos(x) * y)


# --- stop_gradient and checkpoint -------------------------------------------------------------------
def test_stop_gradient_everywhere():
    assert cr.grad(lambda x: x * cr.stop_gradient(x))(3.0) == 3.0
    assert cr.grad(cr.grad(lambda x: x * cr.stop_gradient(x) ** 2))(3.0) == 0.0
    assert cr.stop_gradient({"a": cr.tensor(2.0, requires_grad=True)})["a"] == 2.0
    v = cr.Variable(3.0)
    with cr.GradientTape() as tape:
        y = v * cr.stop_gradient(v)
    assert tape.gradient(y, v) == 3.0


def _chain(x, steps):
    for _ in range(steps):
        x = np.sin(x)
    return x


def _peak_bytes(fun, x):
    gc.collect()
    tracemalloc.start()
    try:
        result = fun(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def test_checkpoint_lowers_peak_memory_of_a_long_chain_and_gives_the_same_gradient():
    steps, segment_steps = 10_000, 100
    segment = cr.checkpoint(lambda x: _chain(x, segment_steps))

    def plain(x):
        return np.sum(_chain(x, steps))

    def checkpointed(x):
        for _ in range(steps // segment_steps):
            x = segment(x)
        return np.sum(x)
    x = np.linspace(-1.0, 1.0, 64)
    expected, plain_peak = _peak_bytes(cr.grad(plain), x)
    result, checkpoint_peak = _peak_bytes(cr.grad(checkpointed), x)
    np.testing.assert_allclose(result, expected, rtol=1e-12)
    assert checkpoint_peak * 10 < plain_peak, (checkpoint_peak, plain_peak)  # measured: about 45x lower


def test_checkpoint_with_several_arguments_forward_mode_and_higher_order():
    calls = []

    def body(x, y):
        calls.append(1)
        return np.sin(x) * y
    segment = cr.checkpoint(body)
    x, y = np.array([0.2, 0.4]), np.array([1.0, 3.0])
    gx, gy = cr.grad(lambda x, y: np.sum(segment(x, y)), argnums=(0, 1))(x, y)
    assert len(calls) == 2  # the forward pass once, the backward pass recomputes once for both arguments
    np.testing.assert_allclose(gx, np.cos(x) * y) and np.testing.assert_allclose(gy, np.sin(x))
    np.testing.assert_allclose(cr.jacfwd(segment)(x, y), np.diag(np.cos(x) * y))
    np.testing.assert_allclose(cr.hessian(lambda x: np.sum(segment(x, y)))(x), np.diag(-np.sin(x) * y))
