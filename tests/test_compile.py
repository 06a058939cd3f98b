"""Compiled models against independent oracles: Mazur's published numbers, PyTorch float64
autograd and high-precision finite differences of a plain mpmath forward pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import ORACLES, mp_central_differences, oracle_gradients

import symbp
from symbp.activations import REGISTRY, Tanh
from symbp.compile import CompileError
from symbp.errors import SymbpError

ACTIVATIONS = sorted(REGISTRY)
OUTPUTS = {
    "squared_error": ACTIVATIONS,
    "cross_entropy": ["sigmoid", "softmax"],
    "binary_cross_entropy": ["sigmoid"],
}
CASES = [
    (hidden, out, loss)
    for loss, outs in OUTPUTS.items()
    for out in outs
    for hidden in ACTIVATIONS
    if loss == "squared_error" or hidden in ("tanh", "softplus", "leaky_relu")
]
BIASES = ["per_unit", "shared", "none"]


def targets(loss: str, rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    """Valid targets for `loss`: probability rows for cross-entropy, [0, 1] for BCE."""
    if loss == "cross_entropy":
        y = rng.uniform(0.1, 1.0, size=(m, n))
        return y / y.sum(axis=1, keepdims=True)
    if loss == "binary_cross_entropy":
        return rng.uniform(0.0, 1.0, size=(m, n))
    return rng.normal(size=(m, n))


def random_net(hidden: str, out: str, loss: str, seed: int) -> symbp.Network:
    """A non-square 3-4-2 (or 3-4-3-2) network with bias modes picked by `seed`."""
    rng = np.random.default_rng(seed)
    widths = [4, 3, 2] if seed % 2 else [4, 2]
    acts = [hidden] * (len(widths) - 1) + [out]
    layers = [symbp.Layer(w, a, bias=BIASES[int(rng.integers(3))]) for w, a in zip(widths, acts)]
    return symbp.Network(3, layers, loss=loss)


def random_problem(net: symbp.Network, seed: int):
    rng = np.random.default_rng(seed + 100)
    params = {k: rng.normal(0.0, 0.8, size=s) for k, s in net.parameter_shapes().items()}
    X = rng.normal(size=(5, net.inputs))
    Y = targets(net.loss, rng, 5, net.sizes[-1])
    return params, X, Y


def assert_close(got: dict, want: dict, rtol: float) -> None:
    assert set(got) == set(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=rtol, atol=1e-13, err_msg=key)


def test_mazur_loss_matches_the_published_total_error():
    net = symbp.load("mazur")
    model = symbp.compile(net)
    ex = net.example
    assert model.loss(ex.params, ex.X, ex.Y) == pytest.approx(0.298371109, abs=1e-9)


def test_mazur_step_gives_the_published_w5_and_keeps_frozen_biases():
    net = symbp.load("mazur")
    model = symbp.compile(net)
    ex = net.example
    new = model.sgd_step(ex.params, ex.X, ex.Y, ex.learning_rate)
    assert model.trained == ("W1", "W2")
    assert new["W2"][0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert new["W1"][0, 0] == pytest.approx(0.149780716, abs=1e-9)
    assert float(new["b1"]) == 0.35 and float(new["b2"]) == 0.60


def test_mazur_gradient_dE_dw5_matches_the_published_value():
    net = symbp.load("mazur")
    ex = net.example
    grads = symbp.compile(net).gradients(ex.params, ex.X, ex.Y)
    assert grads["W2"][0, 0] == pytest.approx(0.082167041, abs=1e-9)


def test_train_bias_override_updates_biases():
    net = symbp.load("mazur")
    ex = net.example
    model = symbp.compile(net, train_bias=True)
    new = model.sgd_step(ex.params, ex.X, ex.Y, ex.learning_rate)
    grads = model.gradients(ex.params, ex.X, ex.Y)
    assert float(new["b2"]) == pytest.approx(0.60 - 0.5 * float(grads["b2"]), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_sgd_step_is_params_minus_learning_rate_times_gradients(seed):
    net = random_net(ACTIVATIONS[seed], "softmax", "cross_entropy", seed)
    params, X, Y = random_problem(net, seed)
    model = symbp.compile(net)
    grads = model.gradients(params, X, Y)
    want = {k: params[k] - 0.3 * grads[k] for k in params}
    assert_close(model.sgd_step(params, X, Y, 0.3), want, rtol=1e-12)


def test_sgd_step_does_not_modify_its_arguments():
    net = symbp.load("xor")
    model = symbp.compile(net)
    ex = net.example
    before = {k: v.copy() for k, v in ex.params.items()}
    model.sgd_step(ex.params, ex.X, ex.Y, 0.5)
    assert_close(ex.params, before, rtol=0)


@pytest.mark.parametrize("name", ["xor", "logistic", "deep_logistic", "softmax"])
def test_bundled_examples_match_the_derivations_worked_numbers(name):
    net = symbp.load(name)
    ex = net.example
    worked = symbp.derive(net).evaluate()
    model = symbp.compile(net)
    assert model.loss(ex.params, ex.X, ex.Y) == pytest.approx(worked.loss, rel=1e-12)
    assert_close(model.gradients(ex.params, ex.X, ex.Y), worked.gradients, rtol=1e-12)
    np.testing.assert_allclose(
        model.forward(ex.params, ex.X), worked.forward[f"a{net.depth}"], rtol=1e-12
    )


@pytest.mark.parametrize("oracle", ORACLES)
@pytest.mark.parametrize(
    ("hidden", "out", "loss"), CASES, ids=[f"{h}-{o}-{l}" for h, o, l in CASES]
)
def test_gradients_match_an_independent_oracle(hidden, out, loss, oracle):
    seed = CASES.index((hidden, out, loss))
    net = random_net(hidden, out, loss, seed)
    params, X, Y = random_problem(net, seed)
    model = symbp.compile(net)
    want_loss, want = oracle_gradients(oracle, net, params, X, Y)
    assert model.loss(params, X, Y) == pytest.approx(want_loss, rel=1e-12)
    assert_close(model.gradients(params, X, Y), want, rtol=1e-9)


@pytest.mark.parametrize(
    ("hidden", "out", "loss"),
    [
        ("sigmoid", "sigmoid", "squared_error"),
        ("tanh", "softmax", "cross_entropy"),
        ("leaky_relu", "sigmoid", "binary_cross_entropy"),
        ("softplus", "identity", "squared_error"),
        ("relu", "tanh", "squared_error"),
        ("softmax", "sigmoid", "binary_cross_entropy"),
    ],
    ids=lambda v: v,
)
def test_gradients_match_high_precision_finite_differences(hidden, out, loss):
    net = symbp.Network(3, [symbp.Layer(2, hidden, bias="shared"), symbp.Layer(2, out)], loss=loss)
    params, X, Y = random_problem(net, 7)
    X, Y = X[:2], Y[:2]
    want = mp_central_differences(net, params, X, Y, digits=40)
    assert_close(symbp.compile(net).gradients(params, X, Y), want, rtol=1e-9)


@pytest.mark.parametrize("oracle", ORACLES)
@settings(max_examples=15, deadline=None)
@given(
    widths=st.lists(st.integers(2, 4), min_size=1, max_size=3),
    acts=st.lists(st.sampled_from(ACTIVATIONS), min_size=3, max_size=3),
    biases=st.lists(st.sampled_from(BIASES), min_size=3, max_size=3),
    loss=st.sampled_from(sorted(OUTPUTS)),
    seed=st.integers(0, 2**16),
)
def test_random_networks_match_an_independent_oracle(widths, acts, biases, loss, seed, oracle):
    acts = acts[: len(widths)]
    if acts[-1] not in OUTPUTS[loss]:
        acts[-1] = "sigmoid"
    layers = [symbp.Layer(w, a, bias=b) for w, a, b in zip(widths, acts, biases)]
    net = symbp.Network(2, layers, loss=loss)
    params, X, Y = random_problem(net, seed)
    want_loss, want = oracle_gradients(oracle, net, params, X, Y)
    model = symbp.compile(net)
    assert model.loss(params, X, Y) == pytest.approx(want_loss, rel=1e-10)
    assert_close(model.gradients(params, X, Y), want, rtol=1e-9)


def tampered(change) -> symbp.Derivation:
    """The 2-3-2 sigmoid derivation with one derived expression altered by `change(d)`."""
    net = symbp.Network(2, [symbp.Layer(3, "sigmoid"), symbp.Layer(2, "sigmoid")])
    d = symbp.derive(net)
    change(d)
    return d


def _set_gradient(d):
    w = d.layers[0].weights[1][0]
    d.gradients[w] = 2 * d.gradients[w]


def _set_hidden_delta(d):
    d.backward[0].delta_raw[2] = d.backward[0].delta_raw[2] + d.layers[0].a[2]


def _set_z(d):
    d.layers[1].z_def[1] = d.layers[1].z_def[1] + d.layers[0].a[0]


def _set_activation(d):
    d.layers[0].a_def[1] = Tanh(d.layers[0].z[1])


def _set_cost(d):
    d.cost = d.cost + d.layers[1].a[1] ** 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set_gradient, r"dC/dw\^1_\{21\} is not delta_j a_k"),
        (_set_hidden_delta, "layer 1: delta of unit 3"),
        (_set_z, "layer 2: z of unit 2"),
        (_set_activation, "layer 1: activation of unit 2 maps to"),
        (_set_cost, "layer 2: cost of unit 2 maps to"),
    ],
    ids=["gradient", "hidden-delta", "pre-activation", "activation", "cost"],
)
def test_compile_refuses_a_derivation_whose_units_do_not_share_one_form(change, message):
    with pytest.raises(CompileError, match=message):
        symbp.compile(tampered(change))


def test_compile_accepts_a_derivation():
    d = symbp.derive(symbp.load("logistic"))
    assert symbp.compile(d).derivation is d


def test_missing_parameter_is_a_symbp_error():
    net = symbp.load("xor")
    with pytest.raises(SymbpError, match="missing 'b2'"):
        symbp.compile(net).loss(
            {"W1": np.zeros((4, 2)), "b1": np.zeros(4), "W2": np.zeros((1, 4))},
            net.example.X,
            net.example.Y,
        )


def test_wrong_input_width_is_a_symbp_error():
    net = symbp.load("xor")
    with pytest.raises(SymbpError, match=r"X must have shape \(m, 2\)"):
        symbp.compile(net).forward(net.example.params, np.zeros((4, 3)))


def test_init_params_is_reproducible_and_shaped_like_the_spec():
    model = symbp.compile(symbp.load("mazur"))
    a, b = model.init_params(5), model.init_params(5)
    assert {k: v.shape for k, v in a.items()} == model.shapes
    assert_close(a, b, rtol=0)
