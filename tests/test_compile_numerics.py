"""Stable numerics of compiled models: the logit identities are proven, and pre-activations of
+-1000 give finite losses and gradients with no floating-point warning."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import symbp
from symbp.activations import REGISTRY, Sigmoid, Softmax, defined, logit_form

ACTIVATIONS = sorted(REGISTRY)
OUTPUTS = {
    "squared_error": ACTIVATIONS,
    "cross_entropy": ["sigmoid", "softmax"],
    "binary_cross_entropy": ["sigmoid"],
}


u = sp.Symbol("u", real=True)
zs = sp.symbols("z1:4", real=True)


@pytest.mark.parametrize(
    "log_of",
    [Sigmoid(u), 1 - Sigmoid(u), Softmax(1, *zs), Softmax(3, *zs)],
    ids=["log-sigmoid", "log-one-minus-sigmoid", "log-softmax-1", "log-softmax-3"],
)
def test_logit_rule_is_an_identity(log_of):
    lhs = sp.log(log_of)
    rhs = logit_form(lhs)
    assert rhs != lhs and not rhs.has(sp.log(log_of))
    # exp is injective on the reals: equal exponentials prove equal logarithms
    assert sp.simplify(sp.exp(defined(lhs)) - sp.exp(defined(rhs))) == 0


def _module(net: symbp.Network) -> dict:
    namespace: dict = {}
    exec(symbp.compile(net).source, namespace)
    return namespace


@pytest.mark.parametrize("z", [-1000.0, -40.0, -1.5, 0.0, 2.25, 40.0, 1000.0])
def test_stable_sigmoid_helper_matches_mpmath(z):
    sigmoid = _module(symbp.load("xor"))["_sigmoid"]
    want = float(1 / (1 + mpmath.exp(-mpmath.mpf(z))))
    with np.errstate(all="raise"):
        assert sigmoid(np.array([z]))[0] == pytest.approx(want, rel=1e-15, abs=1e-16)


def extreme_problem(net: symbp.Network):
    """Parameters making every first-layer pre-activation exactly +1000 or -1000."""
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, -1.0]])
    params = {}
    for key, shape in net.parameter_shapes().items():
        if key.startswith("W"):
            signs = np.where(np.add.outer(np.arange(shape[0]), np.arange(shape[1])) % 2, -1, 1)
            params[key] = 1000.0 * signs
        else:
            params[key] = np.zeros(shape)
    params["W1"][:, 1] = 0.0
    n = net.sizes[-1]
    Y = np.zeros((3, n))
    Y[:, 0] = 1.0 if net.loss == "cross_entropy" else 0.25
    if net.loss == "binary_cross_entropy":
        Y[:, 0] = 1.0
    return params, X, Y


EXTREME = [
    pytest.param(hidden, out, loss, id=f"{hidden}-{out}-{loss}")
    for loss, outs in OUTPUTS.items()
    for out in outs
    for hidden in ACTIVATIONS
]


@pytest.mark.parametrize(("hidden", "out", "loss"), EXTREME)
def test_pre_activations_of_1000_give_finite_values_without_warnings(hidden, out, loss):
    net = symbp.Network(2, [symbp.Layer(3, hidden), symbp.Layer(2, out)], loss=loss)
    model = symbp.compile(net)
    params, X, Y = extreme_problem(net)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        z1 = X @ params["W1"].T
        assert set(np.abs(z1).ravel()) == {1000.0}
        cost = model.loss(params, X, Y)
        grads = model.gradients(params, X, Y)
        out_rows = model.forward(params, X)
        stepped = {k: np.array(v) for k, v in params.items()}  # the trainer's in-place step
        model._train_step(stepped, X, Y, 0.1, model._workspace(len(X)))
    assert all(np.all(np.isfinite(v)) for v in stepped.values())
    assert np.isfinite(cost)
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    assert np.all(np.isfinite(out_rows))


def test_binary_cross_entropy_at_logit_1000_is_exactly_1000():
    net = symbp.load("logistic")
    params = {"W1": np.array([[500.0, 0.0]]), "b1": np.array([0.0])}
    with np.errstate(all="raise"):
        cost = symbp.compile(net).loss(params, [[2.0, 0.0]], [[0.0]])
    assert cost == 1000.0


def test_cross_entropy_at_logits_1000_apart_is_exactly_1000():
    net = symbp.Network(1, [symbp.Layer(2, "softmax", bias="none")], loss="cross_entropy")
    params = {"W1": np.array([[1000.0], [0.0]])}
    with np.errstate(all="raise"):
        cost = symbp.compile(net).loss(params, [[1.0]], [[0.0, 1.0]])
    assert cost == 1000.0
