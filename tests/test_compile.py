"""chainrule.compile: a replayed recording gives what the eager function gives, on new values too.

The whole rule table runs through `compile(value_and_grad(...))`: the first call (the
recording) and a replay on perturbed inputs of the same shapes must both equal the eager
gradient. A recording that cannot be replayed must say so (CompileWarning) and still be right.
"""
from __future__ import annotations

import pathlib
import re
import sys
import warnings

import numpy as np
import pytest

import chainrule as cr
from test_rules import PARAMS, Case, _require

def _scalar_loss(fun, args):
    """A real scalar of `fun`'s output, with fixed weights so every output element (and part) matters."""
    shape = np.shape(fun(*args))
    weights = np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape)
    reversed_weights = weights.ravel()[::-1].reshape(shape)

    def loss(*a):
        out = fun(*a)
        return np.sum(np.real(out) * weights) + np.sum(np.imag(out) * reversed_weights)
    return loss


def _changed(args, positions, change):
    """`args` with `change` applied to the float and complex ones at `positions`, each keeping its type."""
    new = list(args)
    for i in positions:
        x = np.asarray(args[i])
        if x.dtype.kind in "fc":
            changed = np.asarray(change(x)).astype(x.dtype)
            if isinstance(args[i], np.ndarray):
                new[i] = changed
            else:
                new[i] = changed[()] if isinstance(args[i], np.generic) else changed.item()
    return tuple(new)


def _perturbed(args, positions, rng):
    return _changed(args, positions, lambda x: x * (1 + 1e-3 * rng.standard_normal(x.shape)))


def _assert_same(got, expected):
    for g, e in zip(cr.core.tree_flatten(got)[0], cr.core.tree_flatten(expected)[0]):
        assert np.shape(g) == np.shape(e) and np.result_type(g) == np.result_type(e)
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", PARAMS)
def test_compiled_gradient_is_the_eager_gradient(case: Case):
    _require(case)
    positions = (case.argnums,) if isinstance(case.argnums, int) else case.argnums
    loss = _scalar_loss(case.fun, case.args)
    eager = cr.value_and_grad(loss, case.argnums)
    compiled = cr.compile(eager)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cr.CompileWarning)  # some cases run eagerly: still the same numbers
        _assert_same(compiled(*case.args), eager(*case.args))
    new_args = _perturbed(case.args, positions, np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cr.CompileWarning)
        _assert_same(compiled(*new_args), eager(*new_args))


def test_most_of_the_real_table_is_replayed():
    """The compile is worth having: every case of the real table replays (none falls back to eager)."""
    fell_back = []
    for case in (p.values[0] for p in PARAMS if p.values[0] is not None and p.values[0].table == "real"):
        compiled = cr.compile(cr.value_and_grad(_scalar_loss(case.fun, case.args), case.argnums))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compiled(*case.args)
        if any(issubclass(w.category, cr.CompileWarning) for w in caught):
            fell_back.append(case.name)
    assert fell_back == []


# --- value-dependent derivatives: the replay must follow the new values, not the recorded ones ---
def _compiled_grad(fun, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.CompileWarning)  # these must replay, not fall back
        compiled = cr.compile(cr.grad(fun))
        compiled(*args, **kwargs)
    return compiled


@pytest.mark.parametrize("fun", [
    lambda x: np.sum(np.abs(x)),
    lambda x: np.sum(np.where(x > 0, x, 0.1 * x)),
    lambda x: np.sum(np.maximum(x, 0.0) ** 2),
    lambda x: np.sum(np.clip(x, -0.5, 0.5)),
    lambda x: np.max(x) + np.min(x),
    lambda x: np.prod(x),
    lambda x: np.linalg.norm(x),
    lambda x: np.sum(np.sign(x) * x ** 2),
], ids=["abs", "leaky-relu", "relu", "clip", "max-min", "prod", "norm", "sign"])
def test_replay_follows_signs_ties_and_zeros_of_the_new_values(fun):
    compiled = _compiled_grad(fun, np.array([0.3, -1.2, 2.0, 0.7]))
    for x in (np.array([-0.3, 1.2, -2.0, -0.7]), np.array([1.0, 1.0, -1.0, -1.0]), np.array([0.0, 2.0, 0.0, -3.0]),
              np.zeros(4)):
        np.testing.assert_allclose(compiled(x), cr.grad(fun)(x), rtol=1e-13, atol=1e-15)


def test_mlp_gradient_replays_with_new_parameters_and_data():
    def loss(params, X, Y):
        hidden = np.tanh(X @ params["W1"] + params["b1"])
        logits = hidden @ params["W2"] + params["b2"]
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        return -np.sum(Y * (shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True)))) / X.shape[0]

    rng = np.random.default_rng(1)

    def draw():
        params = {"W1": rng.standard_normal((5, 4)), "b1": rng.standard_normal(4),
                  "W2": rng.standard_normal((4, 3)), "b2": rng.standard_normal(3)}
        return params, rng.standard_normal((6, 5)), np.eye(3)[rng.integers(0, 3, 6)]

    compiled = _compiled_grad(loss, *draw())
    for _ in range(3):
        args = draw()
        got, expected = compiled(*args), cr.grad(loss)(*args)
        assert got.keys() == expected.keys()
        for key in expected:
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-13)
    assert "def replay" in compiled.explain()


def test_each_shape_and_dtype_gets_its_own_recording():
    compiled = cr.compile(cr.grad(lambda x: np.sum(x ** 3)))
    for x in (np.arange(3.0), np.arange(4.0), np.arange(3.0).astype(np.float32), np.float64(2.0)):
        got = compiled(x)
        assert np.shape(got) == np.shape(x) and np.result_type(got) == np.result_type(x)
        np.testing.assert_allclose(got, 3 * x ** 2)
    assert len(compiled.recordings) == 4


def test_python_numbers_are_constants_of_the_recording():
    compiled = cr.compile(cr.grad(lambda x, scale: np.sum(scale * x ** 2)))
    np.testing.assert_allclose(compiled(np.ones(2), 2.0), [4.0, 4.0])
    np.testing.assert_allclose(compiled(np.ones(2), 3.0), [6.0, 6.0])
    assert len(compiled.recordings) == 2


@pytest.mark.parametrize("fun, why", [
    (lambda x: np.sum(x ** 2) if np.sum(x) > 0 else np.sum(x ** 3), "bool()"),
    (lambda x: np.sum(x * float(np.max(cr.stop_gradient(x)))), "float()"),
    (lambda x: np.sum(x * np.random.rand(*x.shape)), "random"),
], ids=["branch", "float", "random"])
def test_value_dependent_code_runs_eagerly_and_says_why(fun, why):
    compiled = cr.compile(cr.grad(fun))
    state = np.random.get_state()
    with pytest.warns(cr.CompileWarning, match=why):
        first = compiled(np.array([1.0, -2.0, 0.5]))
    np.random.set_state(state)
    np.testing.assert_allclose(first, cr.grad(fun)(np.array([1.0, -2.0, 0.5])))
    x = np.array([-1.0, -2.0, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.CompileWarning)  # warned once per signature
        np.random.set_state(state)
        got = compiled(x)
    np.random.set_state(state)
    np.testing.assert_allclose(got, cr.grad(fun)(x))


def test_indexing_by_arrays_computed_from_the_inputs_replays():
    def cross_entropy(logits, labels):
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        return -np.mean(log_probs[np.arange(len(labels)), labels])

    rng = np.random.default_rng(2)
    compiled = _compiled_grad(cross_entropy, rng.standard_normal((5, 3)), rng.integers(0, 3, 5))
    for _ in range(3):
        logits, labels = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
        np.testing.assert_allclose(compiled(logits, labels), cr.grad(cross_entropy)(logits, labels), rtol=1e-13)
    top_two = lambda x: np.sum(np.sort(x)[-2:] * np.array([1.0, 10.0]))  # noqa: E731
    compiled = _compiled_grad(top_two, np.array([3.0, 1.0, 2.0]))
    for x in (np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 1.0])):
        np.testing.assert_allclose(compiled(x), cr.grad(top_two)(x))


def test_a_boolean_mask_replays_until_the_count_changes():
    fun = lambda x: np.sum(x[x > 0] ** 2)  # noqa: E731
    compiled = cr.compile(cr.grad(fun))
    compiled(np.array([1.0, -2.0, 0.5]))
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.CompileWarning)
        np.testing.assert_allclose(compiled(np.array([-1.0, 2.0, 0.5])), [0.0, 4.0, 1.0])
    with pytest.warns(cr.CompileWarning, match="shape or dtype depends"):
        np.testing.assert_allclose(compiled(np.array([1.0, 2.0, 0.5])), [2.0, 4.0, 1.0])


def test_a_number_taken_from_a_value_dependent_shape_is_checked_at_replay():
    fun = lambda x: np.sum(x ** 2) * len(np.flatnonzero(x > 0))  # noqa: E731  (the count is a Python int)
    compiled = cr.compile(cr.value_and_grad(fun))
    compiled(np.array([1.0, -1.0, 1.0]))
    value, _ = compiled(np.array([2.0, -1.0, 1.0]))
    assert value == fun(np.array([2.0, -1.0, 1.0]))
    with pytest.warns(cr.CompileWarning, match="shape or dtype depends"):
        value, gradient = compiled(np.array([1.0, 1.0, 1.0]))
    assert value == 9.0 and gradient.tolist() == [6.0, 6.0, 6.0]


def test_arguments_that_are_neither_arrays_nor_constants_run_eagerly():
    class Model:
        weight = np.ones(2)

    compiled = cr.compile(cr.grad(lambda x, model: np.sum(model.weight * x ** 2)))
    with pytest.warns(cr.CompileWarning, match="neither an array nor a constant"):
        np.testing.assert_allclose(compiled(np.ones(2), Model()), [2.0, 2.0])


def test_compile_of_plain_functions_custom_rules_and_second_derivatives():
    @cr.custom_vjp
    def clipped_square(x):
        return x ** 2

    clipped_square.defvjp(lambda x: (x ** 2, x), lambda x, g: (np.clip(2 * x * g, -1, 1),))
    x = np.array([0.2, -3.0, 0.4])
    for fun in (lambda x: np.tanh(x) * 2, cr.grad(lambda x: np.sum(clipped_square(x))),
                cr.hessian(lambda x: np.sum(np.sin(x) * x[::-1])), cr.jacobian(lambda x: np.cumsum(x ** 2))):
        compiled = cr.compile(fun)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cr.CompileWarning)
            for value in (x, -2 * x):
                np.testing.assert_allclose(compiled(value), fun(value), rtol=1e-13)
                np.testing.assert_allclose(compiled(value), fun(value), rtol=1e-13)


def test_traced_errors_are_the_eager_errors():
    compiled = cr.compile(cr.grad(lambda x: float(x) ** 2))
    with pytest.raises(cr.TracedValueError):
        compiled(np.float64(2.0))
    with pytest.raises(TypeError, match="scalar"):
        cr.compile(cr.grad(lambda x: x ** 2))(np.ones(3))


def test_transforms_of_a_compiled_function_trace_through_it():
    square_sum = cr.compile(lambda x: np.sum(np.sin(x) ** 2))
    x = np.array([0.1, 0.7])
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.CompileWarning)
        np.testing.assert_allclose(cr.grad(square_sum)(x), np.sin(2 * x))
        np.testing.assert_allclose(cr.compile(cr.grad(square_sum))(x), np.sin(2 * x))


def test_the_compile_docs_example_runs_and_replays():
    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "compile.md").read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.CompileWarning)
        for block in re.findall(r"```python\n(.*?)```", text, re.S):
            exec(compile(block, "docs/compile.md", "exec"), {})


def test_outputs_that_do_not_depend_on_the_inputs_are_fresh_and_closures_are_not_frozen():
    compiled = cr.compile(lambda x: (np.sum(x), np.zeros(2), "label", 3))
    first = compiled(np.ones(2))
    first[1][0] = 5.0  # mutating a returned constant must not change the next call's
    second = compiled(np.ones(2))
    assert second[1].tolist() == [0.0, 0.0] and second[2:] == ("label", 3)
    make = cr.compile(lambda x: cr.make_vjp(lambda y: np.sin(y))(x)[0])
    with pytest.warns(cr.CompileWarning, match="function"):
        pull = make(np.array([0.5]))
    np.testing.assert_allclose(pull(np.ones(1)), np.cos([0.5]))
    np.testing.assert_allclose(make(np.array([1.0]))(np.ones(1)), np.cos([1.0]))


def test_an_exception_caught_inside_the_function_is_not_replayed():
    def robust_logdet(A):
        try:
            L = np.linalg.cholesky(A)
        except np.linalg.LinAlgError:
            return np.sum(A) * 0.0
        return 2 * np.sum(np.log(np.diagonal(L)))

    compiled = cr.compile(cr.grad(robust_logdet))
    singular = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.warns(cr.CompileWarning, match="LinAlgError"):
        np.testing.assert_allclose(compiled(singular), np.zeros((2, 2)))
    spd = np.array([[2.0, 0.5], [0.5, 1.0]])
    np.testing.assert_allclose(compiled(spd), cr.grad(robust_logdet)(spd))


def test_a_python_number_that_changes_every_call_stops_recording_with_a_warning(monkeypatch):
    monkeypatch.setattr(sys.modules["chainrule.compile"], "MAX_SIGNATURES", 3)
    compiled = cr.compile(cr.grad(lambda x, scale: np.sum(scale * x ** 2)))
    with pytest.warns(cr.CompileWarning, match="3 argument signatures"):
        for scale in range(6):
            np.testing.assert_allclose(compiled(np.ones(2), float(scale)), [2.0 * scale] * 2)
    assert len(compiled.recordings) == 4  # three recordings and the signature that went eager


def test_replays_from_two_threads_and_without_memory_growth():
    import threading
    import tracemalloc

    fun = lambda w, x: np.sum(np.tanh(x @ w) ** 2)  # noqa: E731
    compiled = _compiled_grad(fun, np.ones((3, 2)), np.ones((4, 3)))
    rng = np.random.default_rng(3)
    data = [(rng.standard_normal((3, 2)), rng.standard_normal((4, 3))) for _ in range(2)]
    errors = []

    def worker(w, x):
        expected = cr.grad(fun)(w, x)
        for _ in range(200):
            if not np.allclose(compiled(w, x), expected, rtol=1e-13):
                errors.append("mismatch")

    threads = [threading.Thread(target=worker, args=pair) for pair in data]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    w, x = data[0]
    compiled(w, x)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(2000):
        compiled(w, x)
    growth = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(before, "filename"))
    tracemalloc.stop()
    assert growth < 50_000, growth


def test_gaussian_log_likelihood_replays_and_keeps_its_checks():
    y = np.array([0.3, -1.0, 0.5])

    def neg_log_likelihood(K):
        L = np.linalg.cholesky(K)
        return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * np.linalg.slogdet(K)[1] + np.sum(np.log(np.diagonal(L)))

    rng = np.random.default_rng(4)
    spd = lambda: (lambda A: A @ A.T + 3 * np.eye(3))(rng.standard_normal((3, 3)))  # noqa: E731
    compiled = _compiled_grad(neg_log_likelihood, spd())
    for _ in range(3):
        K = spd()
        np.testing.assert_allclose(compiled(K), cr.grad(neg_log_likelihood)(K), rtol=1e-12)
    lopsided = spd() + np.triu(np.ones((3, 3)), 1)  # the replay still warns, as the eager gradient does
    with pytest.warns(cr.DegenerateDerivativeWarning, match="not symmetric"):
        compiled(lopsided)
    logdet = cr.compile(cr.grad(lambda K: np.linalg.slogdet(K)[1]))
    logdet(spd())
    with pytest.raises(cr.DegenerateDerivativeError, match="singular"):
        logdet(np.ones((3, 3)))


def _outcome(fun, args):
    """The value or the exception type of `fun(*args)`, warnings silenced (both sides see the same ones)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fun(*args)
        except Exception as error:  # noqa: BLE001  (compared by type below)
            return type(error)


def _assert_same_outcome(got, expected, rtol: float, atol: float):
    """The same exception type, or the same values leaf by leaf."""
    if isinstance(expected, type):
        assert got is expected
        return
    for g, e in zip(cr.core.tree_flatten(got)[0], cr.core.tree_flatten(expected)[0]):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", [p for p in PARAMS if p.values[0] is not None])
def test_replay_on_very_different_values_is_the_eager_result(case: Case):
    """Negated and reordered inputs cross signs, ties, zeros and domain edges that the recording did not see."""
    positions = (case.argnums,) if isinstance(case.argnums, int) else case.argnums
    loss = _scalar_loss(case.fun, case.args)
    eager = cr.value_and_grad(loss, case.argnums)
    compiled = cr.compile(eager)
    _outcome(compiled, case.args)
    for change in (np.negative, np.flip, np.round):
        new_args = _changed(case.args, positions, change)
        _assert_same_outcome(_outcome(compiled, new_args), _outcome(eager, new_args), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", [p for p in PARAMS if p.values[0] is not None and p.values[0].table in ("real", "complex")])
def test_compiled_hessian_replays_and_follows_new_values(case: Case):
    """Forward over reverse under a recording: every JVP rule of the real and complex tables is staged too."""
    position = case.argnums if isinstance(case.argnums, int) else case.argnums[0]
    hessian = cr.hessian(_scalar_loss(case.fun, case.args), position)
    compiled = cr.compile(hessian)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        compiled(*case.args)
    assert not [str(w.message) for w in caught if issubclass(w.category, cr.CompileWarning)]
    for change in (np.positive, np.negative, np.flip):
        new_args = _changed(case.args, (position,), change)
        _assert_same_outcome(_outcome(compiled, new_args), _outcome(hessian, new_args), rtol=1e-10, atol=1e-12)


def test_a_recording_longer_than_max_operations_runs_eagerly(monkeypatch):
    monkeypatch.setattr(sys.modules["chainrule.compile"], "MAX_OPERATIONS", 50)

    def chain(y):
        for _ in range(20):
            y = np.sin(y) * 1.0001 + 0.1 * y
        return y

    compiled = cr.compile(cr.grad(chain))
    with pytest.warns(cr.CompileWarning, match="MAX_OPERATIONS"):
        assert compiled(np.float64(0.5)) == cr.grad(chain)(0.5)


def test_the_tensor_and_tape_front_doors_replay():
    def torch_style(w, x):
        w = cr.tensor(w, requires_grad=True)
        loss = ((x @ w).tanh() ** 2).sum()
        loss.backward()
        return w.grad

    def tape_style(w, x):
        v = cr.Variable(w)
        with cr.GradientTape() as tape:
            loss = np.sum(np.tanh(x @ v) ** 2)
        return tape.gradient(loss, v)

    expected = cr.grad(lambda w, x: np.sum(np.tanh(x @ w) ** 2))
    rng = np.random.default_rng(5)
    for fun in (torch_style, tape_style):
        compiled = cr.compile(fun)
        with warnings.catch_warnings():
            warnings.simplefilter("error", cr.CompileWarning)
            for _ in range(3):
                w, x = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
                got = compiled(w, x)
                np.testing.assert_allclose(got, expected(w, x), rtol=1e-13)
                got[...] = 0.0  # a fresh array each call, as .grad and tape.gradient give


def test_explain_reads_as_the_chain_rule():
    compiled = cr.compile(cr.grad(lambda x: np.sum(np.tanh(x) ** 2)))
    compiled(np.zeros(3))
    calls = [line.split("=")[1].split("(")[0].strip() for line in compiled.explain().splitlines()
             if line.startswith("    v")]
    assert calls == ["tanh", "power", "sum", "multiply", "multiply", "power", "subtract", "multiply"]


def test_a_compiled_method_gets_its_instance_and_runs_eagerly_with_a_reason():
    class Model:
        scale = 2.0

        @cr.compile
        def loss(self, x):
            return np.sum(self.scale * x ** 2)

    with pytest.warns(cr.CompileWarning, match="Model"):
        assert Model().loss(np.ones(2)) == 4.0


def test_in_place_update_of_an_argument_by_another_runs_eagerly_like_numpy():
    def accumulate(total, step):
        total += step  # changes the caller's array, as plain NumPy code does
        return np.sum(total)

    compiled = cr.compile(accumulate)
    total = np.zeros(2)
    with pytest.warns(cr.CompileWarning, match="in-place add"):
        assert compiled(total, np.ones(2)) == 2.0
    assert total.tolist() == [1.0, 1.0]


def test_explain_says_why_a_signature_runs_eagerly():
    compiled = cr.compile(cr.grad(lambda x: np.sum(x ** 2) if np.sum(x) > 0 else np.sum(x ** 3)))
    with pytest.warns(cr.CompileWarning):
        compiled(np.ones(2))
    assert "run eagerly" in compiled.explain() and "bool()" in compiled.explain()
