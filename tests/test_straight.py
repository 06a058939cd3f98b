"""Straight-line code of small networks: the same numbers as the matrix code and as PyTorch
autograd, Mazur's published numbers, the batch threshold, the fallback and the check-once path."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from oracles import torch_gradients

import symbp
from symbp.activations import REGISTRY, Sigmoid, SigmoidPrime
from symbp.compile import straight, targets
from symbp.errors import SymbpError

ACTIVATIONS = sorted(REGISTRY)
LOSSES = ["squared_error", "cross_entropy", "binary_cross_entropy"]
BIASES = ["per_unit", "shared", "none"]
FUNCTIONS = ["forward", "loss", "gradients", "sgd_step"]


def _case(seed: int):
    """A random 1-3 layer net of width 1-4 (activation, loss, bias mode and batch 1-4 by seed)
    with its parameters and a batch."""
    rng = np.random.default_rng(seed)
    loss = LOSSES[seed % 3]
    depth = 1 + seed % 3 if loss == "squared_error" else 2
    widths = [int(rng.integers(1, 5)) for _ in range(depth + 1)]
    layers = []
    for i in range(depth):
        act = ACTIVATIONS[(seed // 3 + i) % len(ACTIVATIONS)]
        if act == "softmax" and widths[i + 1] < 2:
            widths[i + 1] = 2
        if i == depth - 1 and loss == "cross_entropy":
            act = "softmax"
            widths[-1] = max(widths[-1], 2)
        elif i == depth - 1 and loss == "binary_cross_entropy":
            act = "sigmoid"
        alpha = 0.05 if REGISTRY[act].params else None
        layers.append(symbp.Layer(widths[i + 1], act, BIASES[(seed // 2 + i) % 3], alpha))
    net = symbp.Network(widths[0], tuple(layers), loss)
    m = 1 + seed % 4
    X = rng.normal(0, 1.5, size=(m, widths[0]))
    n = widths[-1]
    if loss == "cross_entropy":
        Y = rng.dirichlet(np.ones(n), size=m)
    elif loss == "binary_cross_entropy":
        Y = rng.uniform(0, 1, size=(m, n))
    else:
        Y = rng.normal(0, 1, size=(m, n))
    params = {k: rng.normal(0, 0.9, size=s) for k, s in net.parameter_shapes().items()}
    return net, params, X, Y


def _module(net: symbp.Network, train_bias: bool = True) -> dict:
    namespace: dict = {}
    source = symbp.compile(net, train_bias=train_bias).module_source()
    exec(compile(source, "<straight>", "exec"), namespace)
    return namespace


def _arrays(params) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=float) for k, v in params.items()}


def _close(got, want, what: str) -> None:
    if isinstance(want, dict):
        assert set(got) == set(want)
        for key in want:
            _close(got[key], want[key], f"{what} {key}")
        return
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=what)


SEEDS = list(range(48))


def test_random_cases_cover_every_activation_loss_bias_mode_and_batch_1_to_4():
    cases = [_case(s) for s in SEEDS]
    assert {layer.activation for net, *_ in cases for layer in net.layers} == set(REGISTRY)
    assert {net.loss for net, *_ in cases} == set(LOSSES)
    assert {layer.bias for net, *_ in cases for layer in net.layers} == set(BIASES)
    assert {len(X) for *_, X, _ in cases} == {1, 2, 3, 4}


@pytest.mark.parametrize("seed", SEEDS, ids=[f"net{s}" for s in SEEDS])
def test_straight_line_code_agrees_with_the_matrix_code(seed):
    net, params, X, Y = _case(seed)
    mod = _module(net, train_bias=seed % 5 != 0)
    assert "_matrix_sgd_step" in mod, "expected straight-line code for a small network"
    assert len(X) <= straight.rows(symbp.derive(net))
    for name in FUNCTIONS:
        args = (params, X) if name == "forward" else (params, X, Y)
        args += (0.3,) if name == "sgd_step" else ()
        _close(mod[name](*args), mod[f"_matrix_{name}"](*args), f"{net}: {name}")


@pytest.mark.parametrize("seed", SEEDS, ids=[f"net{s}" for s in SEEDS])
def test_straight_line_gradients_agree_with_torch_autograd(seed):
    pytest.importorskip("torch")
    net, params, X, Y = _case(seed)
    mod = _module(net)
    loss, grads = torch_gradients(net, params, X, Y)
    _close(mod["loss"](params, X, Y), loss, f"{net}: loss")
    _close(mod["gradients"](params, X, Y), grads, f"{net}: gradients")


def test_mazur_published_step_comes_out_of_the_straight_line_code():
    net = symbp.load("mazur")
    ex = net.example
    mod = _module(net, train_bias=False)
    new = mod["sgd_step"](_arrays(ex.params), ex.X, ex.Y, ex.learning_rate)
    assert new["W2"][0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert new["W1"][0, 0] == pytest.approx(0.149780716, abs=1e-9)


def test_mazur_after_10000_straight_line_steps_has_the_published_error():
    net = symbp.load("mazur")
    ex = net.example
    model = symbp.compile(net)
    assert model.straight_rows >= 1
    params, X, Y = _arrays(ex.params), ex.X, ex.Y
    for _ in range(10_000):
        params = model.sgd_step(params, X, Y, ex.learning_rate)
    assert model.loss(params, X, Y) == pytest.approx(3.51018778e-05, rel=1e-8)
    np.testing.assert_allclose(model.forward(params, X), [[0.0159136204, 0.984064274]], 1e-8)


def test_batches_above_the_threshold_run_the_matrix_code_with_the_same_numbers():
    net = symbp.load("xor")
    d = symbp.derive(net)
    rows = straight.rows(d)
    assert rows == straight.WORK // d.parameter_count
    mod = _module(net)
    rng = np.random.default_rng(1)
    params = {k: rng.normal(size=s) for k, s in net.parameter_shapes().items()}
    for m in (rows, rows + 1):
        X, Y = rng.normal(size=(m, 2)), rng.uniform(size=(m, 1))
        _close(mod["sgd_step"](params, X, Y, 0.5), mod["_matrix_sgd_step"](params, X, Y, 0.5), m)


def test_networks_above_the_threshold_get_matrix_code_alone():
    net = symbp.Network(40, (symbp.Layer(10, "sigmoid"), symbp.Layer(2, "sigmoid")))
    assert straight.rows(symbp.derive(net)) == 0
    source = symbp.compile(net).module_source()
    assert "_matrix_" not in source and "straight-line" not in source


def test_an_expression_without_a_scalar_kernel_falls_back_with_the_reason(monkeypatch):
    class NoKernels:
        __name__ = targets.ScalarCodePrinter.kernel_module.__name__

    monkeypatch.setattr(targets.ScalarCodePrinter, "kernel_module", NoKernels())
    net = symbp.Network(2, (symbp.Layer(3, "tanh"), symbp.Layer(1, "identity")))
    source = symbp.compile(net).module_source()
    assert "No straight-line code (_tanh has no scalar kernel)" in source
    assert "_matrix_" not in source


def test_model_checks_x_and_y_once_then_runs_the_fast_path(monkeypatch):
    net = symbp.load("xor")
    model = symbp.compile(net)
    X, Y = net.example.X, net.example.Y
    params = model.init_params(0)
    calls = []
    check = model._xy
    monkeypatch.setattr(model, "_xy", lambda *a: calls.append(1) or check(*a))
    for _ in range(5):
        params = model.sgd_step(params, X, Y, 0.5)
    assert len(calls) == 1
    model.sgd_step(params, X.copy(), Y, 0.5)
    assert len(calls) == 2


def test_fast_path_still_rejects_wrong_parameter_shapes():
    net = symbp.load("xor")
    model = symbp.compile(net)
    X, Y = net.example.X, net.example.Y
    params = model.init_params(0)
    model.sgd_step(params, X, Y, 0.5)
    bad = {**params, "W1": np.zeros((2, 4))}
    with pytest.raises(SymbpError, match=r"W1 has shape \[2, 4\], not \[4, 2\]"):
        model.sgd_step(bad, X, Y, 0.5)
    with pytest.raises(SymbpError, match="missing 'b2'"):
        model.gradients({k: v for k, v in params.items() if k != "b2"}, X, Y)


def test_fast_path_checks_new_targets():
    net = symbp.load("logistic")
    model = symbp.compile(net)
    X = np.zeros((2, 2))
    params = model.init_params(0)
    model.sgd_step(params, X, np.array([[0.0], [1.0]]), 0.5)
    with pytest.raises(SymbpError, match="binary_cross_entropy targets must lie in"):
        model.sgd_step(params, X, np.array([[0.0], [2.0]]), 0.5)


def test_frozen_parameters_come_back_as_float_arrays():
    net = symbp.load("mazur")
    model = symbp.compile(net)
    X, Y = net.example.X, net.example.Y
    params = {**_arrays(net.example.params), "b1": np.array(1)}
    model.sgd_step(params, X, Y, 0.5)
    new = model.sgd_step(params, X, Y, 0.5)
    assert new["b1"].dtype == float and float(new["b1"]) == 1.0


@pytest.mark.parametrize("sign", [1, -1], ids=["z>0", "z<0"])
def test_sigmoid_terms_equal_sigma_and_its_derivative(sign):
    t = sp.Symbol("t", positive=True)
    z, e, s = sign * t, sp.exp(-t), 1 / (1 + sp.exp(-t))  # e = exp(-|z|), s = 1 / (1 + e)
    terms = straight.sigmoid_terms(z, e, s)
    e_value, s_value, a_value, prime = (sp.nsimplify(t) for t in terms)
    assert sp.simplify(e_value - e) == 0 and sp.simplify(s_value - s) == 0
    assert sp.simplify(a_value - Sigmoid.definition(z)) == 0
    assert sp.simplify(prime - SigmoidPrime.definition(z).rewrite(sp.exp)) == 0


def test_a_sigmoid_unit_takes_one_exp_for_its_output_and_its_derivative():
    net = symbp.load("xor")
    mod = _module(net)
    calls = []

    class CountingMath:
        def exp(self, v):
            calls.append(v)
            return math.exp(v)

    mod["math"] = CountingMath()
    mod["sgd_step"](_arrays(net.example.params), net.example.X, net.example.Y, 0.5)
    assert len(calls) == 5 * 4  # 4 hidden units and the output, 4 samples


def test_straight_line_code_saturates_like_the_matrix_code():
    net = symbp.load("xor")
    mod = _module(net)
    params = {k: np.ones(s) for k, s in net.parameter_shapes().items()}
    X = np.array([[1000.0, 0.0], [-1000.0, 0.0], [-30.0, 0.5], [0.0, 0.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.5]])
    _close(mod["forward"](params, X), mod["_matrix_forward"](params, X), "forward")
    _close(mod["gradients"](params, X, Y), mod["_matrix_gradients"](params, X, Y), "gradients")


def test_scalar_printer_squares_a_name_by_a_product_and_compares_with_floats():
    z, y = sp.symbols("z y")
    printer = targets.ScalarCodePrinter()
    assert printer.doprint(y * z**2) == "y*(z*z)"
    assert printer.doprint((y - z) ** 2) == "(y - z)**2"
    assert printer.doprint(y / (z + 1)) == "y/(z + 1)"
    assert printer.doprint(sp.Piecewise((y, z >= 0), (z, True))) == "((y) if (z >= 0.0) else (z))"
