"""The layer-level derivation: rules at symbolic widths, and evaluate at real widths."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from oracles import torch_gradients

import symbp
from symbp.derive import layer as R
from symbp.derive.general import TARGETS_SUM_TO_ONE, Equation
from symbp.network import Layer, Network


def mnist(hidden: int = 30, loss: str = "squared_error", out: str = "sigmoid", batch: int = 1):
    rng = np.random.default_rng(7)
    X = rng.uniform(0, 1, size=(batch, 784))
    Y = np.zeros((batch, 10))
    Y[np.arange(batch), rng.integers(0, 10, size=batch)] = 1.0
    net = Network(784, (Layer(hidden, "sigmoid"), Layer(10, out)), loss=loss, name="mnist")
    return net.with_example(x=X.tolist(), y=Y.tolist(), seed=3)


def test_hidden_sigmoid_rule_is_bp2_times_sigma_prime():
    rule = R.layer_rule("sigmoid", "per_unit", None)
    g = sp.Sum(R.W_next[R.q, R.j] * R.delta_next[R.s, R.q], (R.q, 1, R.n_next))
    assert rule.upstream.rhs == g
    assert sp.expand(rule.delta.rhs - R.g[R.s, R.j] * R.a[R.s, R.j] * (1 - R.a[R.s, R.j])) == 0


def test_softmax_rule_is_the_jacobian_vector_product():
    rule = R.layer_rule("softmax", "per_unit", None)
    dot = sp.Sum(R.a[R.s, R.q] * R.g[R.s, R.q], (R.q, 1, R.n))
    assert sp.expand(rule.delta.rhs - R.a[R.s, R.j] * (R.g[R.s, R.j] - dot)) == 0


def test_softmax_cross_entropy_output_delta_uses_targets_summing_to_one():
    rule = R.layer_rule("softmax", "per_unit", "cross_entropy")
    assert rule.delta.rhs == R.a[R.s, R.j] - R.y[R.s, R.j]
    assert rule.identities == (TARGETS_SUM_TO_ONE,)


def test_batch_gradients_carry_one_over_m():
    rule = R.layer_rule("tanh", "shared", None)
    pair = R.delta[R.s, R.j] * R.a_prev[R.s, R.k]
    assert rule.grad_w.rhs == sp.Sum(pair, (R.s, 1, R.m)) / R.m
    assert rule.grad_b.rhs == sp.Sum(R.delta[R.s, R.q], (R.q, 1, R.n), (R.s, 1, R.m)) / R.m


@pytest.mark.parametrize(
    "loss, out, batch",
    [("squared_error", "sigmoid", 1), ("cross_entropy", "softmax", 4)],
    ids=["sigmoid-squared-one-sample", "softmax-ce-batch"],
)
def test_evaluate_784_30_10_matches_torch_autograd(loss, out, batch):
    pytest.importorskip("torch")
    net = mnist(loss=loss, out=out, batch=batch)
    worked = symbp.derive(net).evaluate()
    ex = net.example
    want_loss, want = torch_gradients(net, ex.params, ex.X, ex.Y)
    assert worked.loss == pytest.approx(want_loss, rel=1e-12)
    for key, g in want.items():
        np.testing.assert_allclose(worked.gradients[key], g, rtol=0, atol=1e-9)


def test_derive_784_30_10_builds_no_per_weight_expression():
    d = symbp.derive(mnist())
    assert "layers" not in d.__dict__ and "_per_parameter" not in d.__dict__
    assert len(d.rules) == 2


def plain(*sizes: int, act: str = "sigmoid") -> Network:
    return Network(sizes[0], tuple(Layer(n, act) for n in sizes[1:]), name="plain")


@pytest.mark.parametrize(
    "sizes",
    [(784, 30, 10), (784, 256, 10), (4, 16, 16, 4)],
    ids=["784-30-10", "784-256-10", "4-16-16-4"],
)
def test_large_networks_are_checked_for_every_width(sizes):
    report = symbp.derive(plain(*sizes)).check()
    assert report.scope == "every width"
    assert report.ok
    counts = report.counts()
    assert counts["symbolic, every width"] == len(sizes) - 1
    assert any(method.startswith("numeric at widths") for method in counts)
    assert report.reduced.parameters and all(p.ok for p in report.reduced.parameters)


def _dropped_sigma_prime(rule):
    if rule.output:
        return rule
    g = R.g[R.s, R.j]
    return dataclasses.replace(rule, delta=Equation(R.delta[R.s, R.j], g, (g,)))


def _swapped_bp4_index(rule):
    wrong = sp.Sum(R.delta[R.s, R.k] * R.a_prev[R.s, R.j], (R.s, 1, R.m)) / R.m
    return dataclasses.replace(rule, grad_w=Equation(rule.grad_w.lhs, wrong))


def _transposed_bp2(rule):
    if rule.output:
        return rule
    wrong = sp.Sum(R.W_next[R.j, R.q] * R.delta_next[R.s, R.q], (R.q, 1, R.n_next))
    return dataclasses.replace(rule, upstream=Equation(R.g[R.s, R.j], wrong, (wrong,)))


@pytest.mark.parametrize(
    "inject",
    [_dropped_sigma_prime, _swapped_bp4_index, _transposed_bp2],
    ids=["dropped-sigma-prime", "swapped-bp4-index", "transposed-bp2"],
)
def test_every_width_check_catches_an_injected_error(monkeypatch, inject):
    original = R.layer_rule
    monkeypatch.setattr(R, "layer_rule", lambda *args: inject(original(*args)))
    report = symbp.derive(plain(784, 30, 10)).check()
    assert report.scope == "every width"
    assert not report.ok
    assert any(not o.ok for o in report.obligations)


def test_compiled_784_256_10_matches_torch_autograd():
    pytest.importorskip("torch")
    net = mnist(hidden=256, loss="cross_entropy", out="softmax", batch=3)
    model = symbp.compile(net)
    ex = net.example
    _, want = torch_gradients(net, ex.params, ex.X, ex.Y)
    got = model.gradients(ex.params, ex.X, ex.Y)
    for key, g in want.items():
        np.testing.assert_allclose(got[key], g, rtol=0, atol=1e-9)


def test_compiled_model_rejects_cross_entropy_targets_that_do_not_sum_to_one():
    net = Network(3, (Layer(2, "softmax"),), loss="cross_entropy")
    model = symbp.compile(net)
    Y = [[0.5, 0.5], [0.7, 0.7]]
    with pytest.raises(symbp.SymbpError, match="Y row 1: cross_entropy targets"):
        model.gradients(model.init_params(), np.zeros((2, 3)), Y)


def test_compiled_model_rejects_binary_targets_outside_the_unit_interval():
    net = Network(3, (Layer(2, "sigmoid"),), loss="binary_cross_entropy")
    model = symbp.compile(net)
    with pytest.raises(symbp.SymbpError, match=r"Y row 0: binary_cross_entropy .* \[1.5, 0.0\]"):
        model.loss(model.init_params(), np.zeros((1, 3)), [[1.5, 0.0]])


@pytest.mark.parametrize(
    "hidden, out, loss, bias",
    [
        ("leaky_relu", "softmax", "cross_entropy", "per_unit"),
        ("tanh", "sigmoid", "binary_cross_entropy", "shared"),
        ("softplus", "identity", "squared_error", "none"),
        ("relu", "softmax", "squared_error", "per_unit"),
    ],
    ids=["leaky-softmax-ce", "tanh-sigmoid-bce-shared", "softplus-identity-nobias", "relu-softmax"],
)
def test_every_width_check_holds_for_mixed_stacks(hidden, out, loss, bias):
    alpha = 0.05 if hidden == "leaky_relu" else None
    layers = (Layer(12, hidden, bias, alpha), Layer(5, out, bias))
    report = symbp.derive(Network(20, layers, loss)).check()
    assert report.scope == "every width" and report.ok
