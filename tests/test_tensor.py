"""PyTorch-style tensors: the textbook example in three styles, accumulation, retain_graph, in-place checks, levels."""
import threading
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp


def backprop_example(w, x, y, z):
    a, b = (w + x + y + z) ** 2, (w + x - y - z) ** 2
    u, v = (a + b) ** 2, (a - b) ** 2
    return (u + v) ** 2


POINT = (-1.0, 0.0, -2.0, 1.0)


def test_textbook_backprop_example_is_identical_in_all_three_styles():
    # function transform
    value, grads = cr.value_and_grad(backprop_example, argnums=(0, 1, 2, 3))(*POINT)
    # PyTorch style
    leaves = [cr.tensor(v, requires_grad=True) for v in POINT]
    out = backprop_example(*leaves)
    out.backward()
    # TensorFlow style
    variables = [cr.Variable(v) for v in POINT]
    with cr.GradientTape() as tape:
        taped = backprop_example(*variables)
    tape_grads = tape.gradient(taped, variables)
    assert value == out.item() == float(taped) == 1024.0
    assert list(grads) == [leaf.grad for leaf in leaves] == list(tape_grads) == [-4096.0] * 4
    assert all(isinstance(leaf.grad, np.ndarray) and leaf.grad.shape == () for leaf in leaves)


def test_grad_accumulates_across_backward_calls_until_zeroed():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x ** 2).sum().backward()
    (x ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0, 11.0])
    x.zero_grad()
    assert x.grad is None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    x.grad = None
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    x.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    with pytest.raises(RuntimeError, match="shape"):
        x.grad = np.zeros(3)


def test_retain_graph_and_a_second_backward_through_a_freed_graph():
    x = cr.tensor(3.0, requires_grad=True)
    y = x ** 3
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 2 * 27.0
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    # a graph shared by two outputs: the first backward frees the shared part
    shared = x * 2.0
    first, second = shared * 3.0, shared ** 2
    first.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True") as info:
        second.backward()
    assert "multiply" in str(info.value)  # names the operation whose graph was freed


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(gradient=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, -2.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2.0).backward(gradient=np.ones(2))
    single = cr.tensor([2.0], requires_grad=True)
    (single * 3).backward()  # one element: allowed, as in PyTorch
    np.testing.assert_array_equal(single.grad, [3.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.tensor([1.0]).sum().backward()


def test_in_place_change_to_a_saved_tensor_raises_at_backward_naming_the_operation():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2.0
    c = b ** 2  # power saves b
    b += 1.0
    assert b._version == 1
    with pytest.raises(RuntimeError, match=r"in-place operation.*`power`.*`\+=`"):
        c.sum().backward()
    # the output saved by exp
    e = a.exp()
    e[0] = 0.0
    with pytest.raises(RuntimeError, match=r"`exp` saved its output.*__setitem__"):
        e.sum().backward()


def test_in_place_changes_the_graph_does_not_need_are_fine():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = a * 3.0        # multiply by a constant saves nothing of b
    c = b + 1.0        # add saves nothing
    b *= 2.0
    (c.sum() + b.sum()).backward()
    np.testing.assert_array_equal(a.grad, [3.0 + 6.0, 3.0 + 6.0])
    u = a * 1.0
    u[1] = a[0] * 10.0
    a.grad = None
    u.sum().backward()
    np.testing.assert_array_equal(a.grad, [11.0, 0.0])
    np.testing.assert_array_equal(u.detach().numpy(), [1.0, 10.0])


def test_in_place_on_a_leaf_that_requires_grad_needs_no_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 5.0
    loss = (w ** 2).sum()
    loss.backward(retain_graph=True)
    with cr.no_grad():
        w -= 0.1 * w.grad
    assert w.is_leaf and w.requires_grad and w._version == 1
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6])
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()  # the graph saved w before the update


def test_create_graph_makes_grad_differentiable():
    x = cr.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, cr.Tensor) and first.requires_grad and first.item() == 12.0
    x.grad = None
    first.backward()
    assert x.grad == 12.0  # d/dx 3x^2 = 6x
    # a gradient penalty: the gradient's norm, differentiated again
    w = cr.tensor([0.5, -1.0], requires_grad=True)
    loss = np.sum(np.sin(w) * w)
    loss.backward(create_graph=True)
    penalty = (w.grad ** 2).sum()
    w.grad = None
    penalty.backward()
    expected = cr.grad(lambda v: np.sum(cr.grad(lambda u: np.sum(np.sin(u) * u))(v) ** 2))(np.array([0.5, -1.0]))
    np.testing.assert_allclose(w.grad, expected)


def test_no_grad_is_restored_on_error_is_a_decorator_and_is_per_thread():
    x = cr.tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError):
        with cr.no_grad():
            assert not cr.is_grad_enabled()
            raise ValueError("boom")
    assert cr.is_grad_enabled()

    @cr.no_grad()
    def evaluate(t):
        return t * 2
    assert not evaluate(x).requires_grad and cr.is_grad_enabled()
    with cr.no_grad():
        with cr.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    seen = []
    with cr.no_grad():
        thread = threading.Thread(target=lambda: seen.append((x * 2).requires_grad))
        thread.start()
        thread.join()
    assert seen == [True]
    with cr.set_grad_enabled(False):
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()


def test_leaf_state_detach_numpy_item_retain_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.grad_fn is not None and x.grad_fn is None
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        y.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(y)
    assert y.numpy(force=True).tolist() == [2.0, 4.0] and np.asarray(d).tolist() == [2.0, 4.0]
    with pytest.raises(ValueError):
        d.numpy()[0] = 5.0  # read-only: the graph may still hold these values
    assert y.sum().item() == 6.0 and float(y[0]) == 2.0
    with pytest.raises(RuntimeError, match="2 elements"):
        y.item()
    y.retain_grad()
    (y ** 2).sum().backward()
    np.testing.assert_array_equal(y.grad, [4.0, 8.0])
    np.testing.assert_array_equal(x.grad, [8.0, 16.0])
    z = x * 3
    (z * 1).sum().backward()
    with pytest.warns(UserWarning, match="not a leaf"):
        assert z.grad is None
    t = cr.tensor([1, 2])
    assert t.dtype == np.int64 and not t.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad_()
    assert cr.tensor(2, requires_grad=True).dtype == np.float64
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_repr_and_torch_spellings():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MultiplyBackward>)"
    assert repr(cr.tensor(3.0)) == "tensor(3.)"
    assert repr(cr.tensor([1.0], dtype=np.float32)) == "tensor([1.], dtype=float32)"
    assert f"{x.sum():.2f}" == "3.00"
    m = cr.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert m.size() == (2, 3) and m.size(1) == 3 and m.size == 6 and m.numel() == 6 and m.dim() == 2
    assert m.view(3, 2).shape == (3, 2) and m.unsqueeze(0).shape == (1, 2, 3) and m.permute(1, 0).shape == (3, 2)
    values, indices = m.max(dim=1)
    assert values.tolist() == [2.0, 5.0] and indices.tolist() == [2, 2]
    assert m.sum(dim=0, keepdim=True).shape == (1, 3) and m.sum(0).tolist() == [3.0, 5.0, 7.0]
    out = (m.relu() + m.sigmoid() + m.tanh() + m.softmax(dim=1) + m.clamp(1.0, 4.0)).sum()
    out.backward()
    expected = cr.grad(lambda v: np.sum(np.where(v > 0, v, 0) + 1 / (1 + np.exp(-v)) + np.tanh(v)
                                        + np.exp(v) / np.sum(np.exp(v), axis=1, keepdims=True)
                                        + np.clip(v, 1.0, 4.0)))(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(m.grad, expected)
    assert isinstance(x > 1.0, cr.Tensor) and (x > 1.0).tolist() == [False, True]


def test_numpy_functions_and_chainrule_numpy_on_tensors():
    x = cr.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = np.sum(np.exp(np.sin(x)) * cnp.log(x)) + np.concatenate([x, x ** 2]).mean() + np.linalg.norm(x)
    assert isinstance(y, cr.Tensor)
    y.backward()
    expected = cr.grad(lambda v: np.sum(np.exp(np.sin(v)) * np.log(v)) + np.concatenate([v, v ** 2]).mean()
                       + np.linalg.norm(v))(np.array([0.5, 1.0, 2.0]))
    np.testing.assert_allclose(x.grad, expected)
    assert isinstance(np.unique(cr.tensor([2, 1, 2])), cr.Tensor)  # no derivative needed: allowed
    with pytest.raises(TypeError, match="no derivative rule"):
        np.unique(x)


def test_copy_pickle_and_numpy_functions_without_rules_on_constants():
    import copy
    import pickle
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    for clone in (copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
        assert clone is not w and clone.requires_grad and clone.is_leaf and clone.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="leaves"):
        copy.deepcopy(w * 2)
    assert np.ldexp(cr.tensor([1.0, 2.0]), 2).tolist() == [4.0, 8.0]  # no rule needed: nothing requires grad
    assert np.add.reduce(cr.tensor([1.0, 2.0])).item() == 3.0
    with pytest.raises(TypeError, match="no derivative rule"):
        np.add.reduce(w)


def test_float32_tensors_get_float32_gradients():
    x = cr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (x * 2.0).sum().backward()
    assert x.grad.dtype == np.float32


def test_transforms_of_tensor_functions_reach_the_tensor_graph():
    # a transform inside a tensor graph: grad(f)(w) is a tensor whose backward reaches w
    w = cr.tensor([0.3, -0.7], requires_grad=True)
    f = lambda v: np.sum(np.sin(v) * v[0])
    gradient = cr.grad(f)(w)
    assert isinstance(gradient, cr.Tensor)
    np.testing.assert_allclose(gradient.detach().numpy(), cr.grad(f)(np.array([0.3, -0.7])))
    gradient.sum().backward()
    np.testing.assert_allclose(w.grad, cr.hessian(f)(np.array([0.3, -0.7])).sum(axis=0))
    # a tensor closed over by a transformed function
    a = cr.tensor(2.0, requires_grad=True)
    slope = cr.grad(lambda x: a * x ** 2)(3.0)  # 2 a x
    slope.backward()
    assert slope.item() == 12.0 and a.grad == 6.0


def test_tensor_graphs_nested_inside_transforms():
    # a tensor graph built from the transform's traced value, with backward() inside the function
    def f(x):
        t = cr.tensor(x, requires_grad=True)
        y = (t ** 3).sum()
        y.backward()
        return np.sum(t.grad)  # 3 x^2 summed: still a function of x for the enclosing grad
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(cr.grad(f)(x), 6 * x)
    # a function written with tensors returns a tensor: the transform looks through it
    np.testing.assert_allclose(cr.grad(lambda x: (cr.tensor(x) ** 2).sum())(x), 2 * x)
    np.testing.assert_allclose(cr.jacobian(lambda x: cr.tensor(x) * 3.0)(x), 3 * np.eye(2))
    np.testing.assert_allclose(cr.jacfwd(lambda x: cr.tensor(x) * 3.0)(x), 3 * np.eye(2))


def test_tensors_on_two_levels_get_their_own_gradients():
    w = cr.tensor(3.0, requires_grad=True)

    def f(x):
        t = cr.tensor(x, requires_grad=True)  # lives above the transform
        y = (t * w) ** 2
        y.backward()
        return t.grad  # 2 x w^2
    assert cr.grad(f)(2.0) == 2 * 9.0
    assert w.grad == 2 * 2.0 ** 2 * 3.0  # w (below the transform) was reached too: dy/dw = 2 x^2 w
    assert type(w.grad) is np.ndarray  # a plain value: the transform ended, its trace is not kept


def test_linear_regression_training_loop():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    targets = X @ np.array([2.0, -3.0]) + 0.5
    w = cr.tensor(np.zeros(2), requires_grad=True)
    b = cr.tensor(0.0, requires_grad=True)
    for _ in range(200):
        loss = ((X @ w + b - targets) ** 2).mean()
        loss.backward()
        with cr.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
        w.zero_grad()
        b.zero_grad()
    np.testing.assert_allclose(w.detach().numpy(), [2.0, -3.0], atol=1e-3)
    assert abs(b.item() - 0.5) < 1e-3


def test_data_assignment_and_backward_inputs():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    w.data = w.data * 2
    assert w.is_leaf and w.requires_grad and w.tolist() == [2.0, 4.0]
    v = cr.tensor(1.0, requires_grad=True)
    (w.sum() * v).backward(inputs=[v])
    assert v.grad == 6.0 and w.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert w.grad is None  # a leaf: no warning
