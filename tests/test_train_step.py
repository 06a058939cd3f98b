"""train_step, the in-place step `symbp train` runs: workspaces reused, -learning_rate / m in
the deltas, updates added to the parameters; it must equal sgd_step."""

from __future__ import annotations

import numpy as np
import pytest
from test_compile import CASES, random_net, random_problem

import symbp


@pytest.mark.parametrize("hidden, out, loss", CASES, ids=["-".join(c) for c in CASES])
def test_train_step_equals_sgd_step_twice_with_one_workspace(hidden, out, loss):
    for seed in (1, 2):  # one and two hidden layers, bias modes by seed
        net = random_net(hidden, out, loss, seed)
        model = symbp.compile(net)
        params, X, Y = random_problem(net, seed)
        want = model.sgd_step(model.sgd_step(params, X, Y, 0.3), X, Y, 0.3)
        mine = {k: np.array(v) for k, v in params.items()}
        work = model._workspace(len(X))
        model._train_step(mine, X, Y, 0.3, work)
        model._train_step(mine, X, Y, 0.3, work)
        for key in want:
            np.testing.assert_allclose(mine[key], want[key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_train_step_leaves_frozen_biases_and_writes_only_into_the_workspace():
    net = symbp.load("mazur")
    model = symbp.compile(net)
    ex = net.example
    params = {k: np.array(v) for k, v in ex.params.items()}
    ids = {k: id(v) for k, v in params.items()}
    work = model._workspace(1)
    model._train_step(params, ex.X, ex.Y, 0.5, work)
    assert {k: id(v) for k, v in params.items()} == ids
    assert float(params["b1"]) == 0.35 and float(params["b2"]) == 0.6
    # Mazur's post (seeds/002): w5+ = 0.35891648 after one step at lr 0.5
    assert abs(params["W2"][0, 0] - 0.35891648) < 5e-9
    assert sorted(work) == ["D1", "Z1", "Z2", "dW1", "dW2"]


def test_exported_module_offers_workspace_and_train_step(tmp_path):
    namespace: dict = {}
    exec(symbp.compile(symbp.load("softmax")).module_source(), namespace)
    ex = symbp.load("softmax").example
    params = {k: np.array(v) for k, v in ex.params.items()}
    want = namespace["sgd_step"](params, ex.X, ex.Y, 0.1)
    got = namespace["train_step"](params, ex.X, ex.Y, 0.1, namespace["workspace"](3))
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-13, atol=1e-15)
