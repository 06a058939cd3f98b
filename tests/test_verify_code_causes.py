"""verify-code names the cause of wrong gradients: x m, x 2, sign, zeros, transpose, the x @ W
layout, one layer's delta, a wrong activation derivative; a wrong shape is never reshaped."""

from __future__ import annotations

import numpy as np
import pytest

import symbp
from symbp.errors import SymbpError
from symbp.verify.code import check_gradients
from symbp.verify.report import code_text

# 3-3-2, tanh then sigmoid, squared error: W1 is square (a transpose keeps its shape), W2 is not
NET = symbp.Network(inputs=3, layers=[symbp.Layer(3, "tanh"), symbp.Layer(2)], loss="squared_error")


@pytest.fixture(scope="module")
def d():
    return symbp.derive(NET)


def backprop(params, X, Y, *, scale=1.0, hidden_derivative=None, delta1_scale=1.0):
    """Hand-written, vectorised backprop (rows of samples); the knobs inject one mistake."""
    m = X.shape[0]
    z1 = X @ params["W1"].T + params["b1"]
    a1 = np.tanh(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    a2 = 1 / (1 + np.exp(-z2))
    d2 = (a2 - Y) * a2 * (1 - a2) / m
    deriv = 1 - a1**2 if hidden_derivative is None else hidden_derivative(a1)
    d1 = (d2 @ params["W2"]) * deriv * delta1_scale
    g = {"W1": d1.T @ X, "b1": d1.sum(0), "W2": d2.T @ a1, "b2": d2.sum(0)}
    return {k: v * scale for k, v in g.items()}


def test_hand_written_reference_passes(d):
    assert check_gradients(d, backprop).ok


@pytest.mark.parametrize(
    "scale,name",
    [(3.0, "m"), (2.0, "2"), (0.5, "1/2"), (-1.0, "-1")],
    ids=["m", "2", "half", "sign"],
)
def test_constant_ratio_is_named(d, scale, name):
    report = check_gradients(d, lambda p, X, Y: backprop(p, X, Y, scale=scale), samples=3)
    constants = {c.key: c.constant_name for c in report.causes if c.kind == "constant"}
    assert constants == {"W1": name, "b1": name, "W2": name, "b2": name}


def test_all_zeros_is_named(d):
    def fn(p, X, Y):
        return {**backprop(p, X, Y), "W2": np.zeros((2, 3))}

    report = check_gradients(d, fn)
    assert [(c.kind, c.key, c.layer) for c in report.causes] == [
        ("zeros", "W2", 0),
        ("weights_only", "", 2),
    ]


def test_transposed_square_gradient_is_named(d):
    def fn(p, X, Y):
        g = backprop(p, X, Y)
        return {**g, "W1": g["W1"].T}

    report = check_gradients(d, fn)
    assert ("transposed", "W1") in [(c.kind, c.key) for c in report.causes]


def test_wrong_shape_is_an_error_naming_both_shapes_never_reshaped(d):
    def fn(p, X, Y):
        g = backprop(p, X, Y)
        return {**g, "W2": g["W2"].T}

    with pytest.raises(
        SymbpError,
        match=r"'W2' has shape \[3, 2\], the parameter has shape "
        r"\[2, 3\] \(in x out: the x @ W layout; pass --layout rows\)",
    ):
        check_gradients(d, fn)


def test_layout_rows_takes_and_gives_in_by_out_weights(d):
    def dlfs(params, X, Y):  # Deep Learning from Scratch: z = x @ W with W of shape in x out
        cols = {k: (v.T if v.ndim == 2 else v) for k, v in params.items()}
        return {k: (v.T if v.ndim == 2 else v) for k, v in backprop(cols, X, Y).items()}

    report = check_gradients(d, dlfs, layout="rows")
    assert report.ok and report.layout == "rows"


def test_wrong_hidden_delta_is_located_at_its_layer(d):
    report = check_gradients(d, lambda p, X, Y: backprop(p, X, Y, delta1_scale=1.5))
    assert {e.key for e in report.wrong} == {"W1", "b1"}
    assert ("from_layer", 1) in [(c.kind, c.layer) for c in report.causes]


def test_sigmoid_derivative_on_the_tanh_layer_is_located(d):
    fn = lambda p, X, Y: backprop(p, X, Y, hidden_derivative=lambda a: a * (1 - a))  # noqa: E731
    report = check_gradients(d, fn)
    assert {e.key for e in report.wrong} == {"W1", "b1"}
    (cause,) = [c for c in report.causes if c.layer]
    assert (cause.kind, cause.layer, cause.habit, cause.activation) == (
        "activation_derivative",
        1,
        "sigmoid",
        "tanh",
    )


# 3-3-3: every weight matrix is square, so the x @ W layout keeps every shape
SQUARE = symbp.Network(
    inputs=3, layers=[symbp.Layer(3, "tanh"), symbp.Layer(3)], loss="squared_error"
)


def square_backprop(params, X, Y):
    """Hand-written backprop of SQUARE with out x in weights (z = x @ W.T)."""
    m = X.shape[0]
    a1 = np.tanh(X @ params["W1"].T + params["b1"])
    a2 = 1 / (1 + np.exp(-(a1 @ params["W2"].T + params["b2"])))
    d2 = (a2 - Y) * a2 * (1 - a2) / m
    d1 = (d2 @ params["W2"]) * (1 - a1**2)
    return {"W1": d1.T @ X, "b1": d1.sum(0), "W2": d2.T @ a1, "b2": d2.sum(0)}


def dlfs_square(params, X, Y):
    """The same network written as Deep Learning from Scratch does: z = x @ W, W in x out."""
    cols = {k: (v.T if v.ndim == 2 else v) for k, v in params.items()}
    return {k: (v.T if v.ndim == 2 else v) for k, v in square_backprop(cols, X, Y).items()}


def test_square_weights_in_the_x_at_w_layout_are_named_not_scrambled():
    d = symbp.derive(SQUARE)
    assert check_gradients(d, square_backprop).ok
    report = check_gradients(d, dlfs_square)
    assert not report.ok
    assert [c.kind for c in report.causes] == ["layout_rows"]
    text = code_text(report, "dlfs.py:grad", "square")
    assert "in x out" in text and "pass --layout rows" in text
    assert check_gradients(d, dlfs_square, layout="rows").ok


def test_activation_derivative_cause_writes_the_form_used(d):
    fn = lambda p, X, Y: backprop(p, X, Y, hidden_derivative=lambda a: a * (1 - a))  # noqa: E731
    report = check_gradients(d, fn)
    text = code_text(report, "fn.py:grad", "net")
    assert "uses the sigmoid derivative (a*(1 - a)); this layer is tanh" in text
