"""evaluate() on 100+ random networks agrees with PyTorch autograd and with high-precision central
finite differences, to 1e-9 relative: every activation, every loss, every bias mode, samples and
batches, lopsided non-square layers."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from oracles import mp_central_differences, mp_cost, torch_gradients

import symbp
from symbp.network import Example, Layer, Network

ACTIVATIONS = [e.name for e in symbp.activations.entries() if e.elementwise]
LOSSES = ["squared_error", "cross_entropy", "binary_cross_entropy"]
BIASES = ["per_unit", "shared", "none"]


def random_case(seed: int) -> tuple[Network, Example]:
    rng = np.random.default_rng(seed)
    depth = 1 + seed % 3
    widths = [int(rng.integers(1, 5)) for _ in range(depth + 1)]
    loss = LOSSES[seed % 3]
    layers = []
    for i in range(depth):
        act = ACTIVATIONS[(seed // 3 + i) % len(ACTIVATIONS)]
        if i == depth - 1 and loss != "squared_error":
            act = "softmax" if loss == "cross_entropy" and widths[-1] > 1 else "sigmoid"
        elif i == depth - 1 and seed % 7 == 0 and widths[-1] > 1:
            act = "softmax"
        alpha = 0.05 if symbp.activations.get(act).params else None
        layers.append(Layer(widths[i + 1], act, BIASES[(seed // 2 + i) % 3], alpha))
    net = Network(widths[0], tuple(layers), loss)
    m = 1 if seed % 2 else int(rng.integers(2, 4))
    X = rng.normal(0, 1.5, size=(m, widths[0]))
    n_out = widths[-1]
    if loss == "cross_entropy":
        Y = rng.dirichlet(np.ones(n_out), size=m)
    elif loss == "binary_cross_entropy":
        Y = rng.uniform(0, 1, size=(m, n_out))
    else:
        Y = rng.normal(0, 1, size=(m, n_out))
    params = {k: rng.normal(0, 0.9, size=s) for k, s in net.parameter_shapes().items()}
    ex = Example(tuple(map(tuple, X)), tuple(map(tuple, Y)), params, 0.1, True, single=(m == 1))
    return net, ex


SEEDS = list(range(120))


@cache
def worked_case(seed: int):
    """The random case and symbp's worked numbers for it, derived once for both oracles."""
    net, ex = random_case(seed)
    return net, ex, symbp.derive(net).evaluate(ex)


def _close(got: dict, want: dict, rel: float) -> None:
    scale = max(float(np.max(np.abs(v))) if np.size(v) else 0.0 for v in want.values())
    for key in want:
        np.testing.assert_allclose(
            got[key], want[key], rtol=rel, atol=rel * max(scale, 1e-3), err_msg=key
        )


@pytest.mark.parametrize("seed", SEEDS, ids=[f"net{s}" for s in SEEDS])
def test_evaluate_matches_high_precision_finite_differences(seed):
    net, ex, worked = worked_case(seed)
    assert worked.loss == pytest.approx(float(mp_cost(net, ex.params, ex.X, ex.Y)), rel=1e-12)
    _close(worked.gradients, mp_central_differences(net, ex.params, ex.X, ex.Y), 1e-9)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"net{s}" for s in SEEDS])
def test_evaluate_matches_torch_autograd(seed):
    pytest.importorskip("torch")
    net, ex, worked = worked_case(seed)
    loss, grads = torch_gradients(net, ex.params, ex.X, ex.Y)
    assert worked.loss == pytest.approx(loss, rel=1e-12)
    _close(worked.gradients, grads, 1e-9)


def test_random_cases_cover_every_activation_loss_and_bias_mode():
    seen = set()
    for seed in SEEDS:
        net, ex = random_case(seed)
        seen |= {("act", layer.activation) for layer in net.layers}
        seen |= {("bias", layer.bias) for layer in net.layers}
        seen |= {("loss", net.loss), ("batch", len(ex.x) > 1), ("depth", len(net.layers))}
    want = {("act", e.name) for e in symbp.activations.entries()}
    want |= {("bias", b) for b in BIASES} | {("loss", lo) for lo in LOSSES}
    want |= {("batch", True), ("batch", False)} | {("depth", d) for d in (1, 2, 3)}
    assert want <= seen
