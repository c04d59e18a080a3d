"""TensorFlow-style GradientTape: watching, nested sources, persistence, jacobians, nested tapes, state restored."""
import numpy as np
import pytest

import chainrule as cr


def test_tape_gradient_of_the_textbook_example_with_nested_sources():
    w, x, y, z = (cr.Variable([v]) for v in (-1.0, 0.0, -2.0, 1.0))
    with cr.GradientTape() as tape:
        a, b = (w + x + y + z) ** 2, (w + x - y - z) ** 2
        u, v = (a + b) ** 2, (a - b) ** 2
        f = (u + v) ** 2
    grads = tape.gradient(f, {"w": w, "rest": [x, (y, z)]})
    assert set(grads) == {"w", "rest"} and isinstance(grads["rest"][1], tuple)
    for g in (grads["w"], grads["rest"][0], *grads["rest"][1]):
        np.testing.assert_array_equal(g, [-4096.0])
    assert f.numpy().tolist() == [1024.0]


def test_non_persistent_tape_allows_one_call():
    x = cr.Variable(2.0)
    with cr.GradientTape() as tape:
        y = x ** 2
    assert tape.gradient(y, x) == 4.0
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)
    with cr.GradientTape() as tape:
        y = x ** 2
    tape.jacobian(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.jacobian(y, x)


def test_persistent_tape_many_calls_and_jacobian_is_batched():
    x = cr.Variable([1.0, 2.0, 3.0])
    with cr.GradientTape(persistent=True) as tape:
        y = np.sin(x) * x[0]
        s = y.sum()
        first = y[0]
    J = tape.jacobian(y, x)
    assert J.shape == (3, 3)
    expected = np.diag(np.cos([1.0, 2.0, 3.0]) * 1.0)
    expected[:, 0] += np.sin([1.0, 2.0, 3.0])
    np.testing.assert_allclose(J, expected)
    np.testing.assert_allclose(tape.gradient(s, x), J.sum(axis=0))
    np.testing.assert_allclose(tape.gradient(y, x), J.sum(axis=0))  # non-scalar target: summed, as TF
    weights = np.array([1.0, 0.0, 2.0])
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=weights), weights @ J)
    np.testing.assert_allclose(tape.gradient([s, first], x), J.sum(axis=0) + J[0])  # a list of targets: added
    np.testing.assert_allclose(tape.gradient(s, y), np.ones(3))  # with respect to a recorded value


def test_unconnected_sources_give_none_or_zeros():
    x, unused = cr.Variable(1.0), cr.Variable([1.0, 2.0])
    with cr.GradientTape(persistent=True) as tape:
        y = x * 3.0
    assert tape.gradient(y, [x, unused]) == [3.0, None]
    grads = tape.gradient(y, [x, unused], unconnected_gradients="zero")
    np.testing.assert_array_equal(grads[1], [0.0, 0.0])
    assert tape.gradient(np.float64(1.0), x) is None
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="sometimes")


def test_watching_constants_and_the_watch_rules():
    c = cr.constant([1.0, 2.0])
    with cr.GradientTape() as tape:
        y = c * c
    assert tape.gradient(y, c) is None  # not trainable: not watched automatically
    with cr.GradientTape() as tape:
        tape.watch(c)
        y = c * c
    np.testing.assert_array_equal(tape.gradient(y, c), [2.0, 4.0])
    v = cr.Variable(3.0)
    with cr.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None and tape.watched_variables() == ()
    with cr.GradientTape() as tape:
        y = v * 2
    assert tape.watched_variables() == (v,)
    with cr.GradientTape() as tape:
        with pytest.raises(TypeError, match="constant"):
            tape.watch(np.array([1.0, 2.0]))


def test_recording_stops_outside_the_block_and_inside_stop_recording():
    x = cr.Variable(2.0)
    with cr.GradientTape(persistent=True) as tape:
        y = x * 3.0
        with tape.stop_recording():
            hidden = x * 5.0
    after = y * 10.0
    assert tape.gradient(y, x) == 3.0
    assert tape.gradient(hidden, x) is None and tape.gradient(after, x) is None


def test_nested_tapes_give_second_derivatives():
    x = cr.Variable(3.0)
    with cr.GradientTape() as outer:
        with cr.GradientTape() as inner:
            y = x ** 3
        dy_dx = inner.gradient(y, x)
    d2y_dx2 = outer.gradient(dy_dx, x)
    assert dy_dx.numpy() == 27.0 and d2y_dx2 == 18.0
    # a Hessian by a jacobian of a gradient
    w = cr.Variable([1.0, 2.0])
    with cr.GradientTape() as outer:
        with cr.GradientTape() as inner:
            loss = np.sum(w ** 3) + w[0] * w[1]
        gradient = inner.gradient(loss, w)
    np.testing.assert_allclose(outer.jacobian(gradient, w), [[6.0, 1.0], [1.0, 12.0]])


def test_state_is_restored_when_the_block_raises():
    x = cr.Variable(1.0)
    with pytest.raises(ZeroDivisionError):
        with cr.GradientTape() as tape:
            y = x * 2
            1 / 0
    assert tape.gradient(y, x) == 2.0
    plain = x * 2  # no tape is active any more: a plain value
    assert not isinstance(plain, cr.ArrayBox) and plain == 2.0


def test_variables_assign_and_numpy_interop():
    v = cr.Variable([1, 2])
    assert v.dtype == np.float64 and v.shape == (2,)
    v.assign_add([1.0, 1.0])
    v.assign_sub(np.array([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [1.5, 2.5])
    with pytest.raises(ValueError, match="shape"):
        v.assign([1.0, 2.0, 3.0])
    assert np.allclose(np.sin(v), np.sin([1.5, 2.5])) and float(v[0]) == 1.5
    with cr.GradientTape() as tape:
        with pytest.raises(cr.TracedValueError):
            np.asarray(v)  # would lose the derivative the tape is recording
        y = np.dot(np.ones(2), v) + np.maximum(v, 2.0).sum()
    np.testing.assert_allclose(tape.gradient(y, v), [1.0, 2.0])
    assert "Variable" in repr(v) and "numpy=[1.5, 2.5]" in repr(v)


def test_training_loop_with_a_tape():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 3))
    targets = X @ np.array([1.0, -2.0, 0.5])
    w = cr.Variable(np.zeros(3))
    for _ in range(150):
        with cr.GradientTape() as tape:
            loss = np.mean((X @ w - targets) ** 2)
        w.assign_sub(0.1 * tape.gradient(loss, w))
    np.testing.assert_allclose(w.numpy(), [1.0, -2.0, 0.5], atol=1e-3)


def test_tapes_and_transforms_nest_both_ways():
    # a tape inside a transformed function: the tape's gradient is still a function of x
    def f(x):
        c = cr.constant(x)
        with cr.GradientTape() as tape:
            tape.watch(c)
            y = np.sum(c ** 3)
        return np.sum(tape.gradient(y, c))  # 3 x^2 summed
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(cr.grad(f)(x), 6 * x)
    # a transform inside a tape block is recorded by the tape
    v = cr.Variable(2.0)
    with cr.GradientTape() as tape:
        slope = cr.grad(lambda t: v * t ** 2)(3.0)  # 2 v t = 12
    assert slope.numpy() == 12.0 and tape.gradient(slope, v) == 6.0
