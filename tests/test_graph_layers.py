"""Layer nodes: backward rules derived by sympy equal the book's matrix forms and, chained over a
network, reproduce the derivation engine's gradients."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symbp import activations, derive, load
from symbp.cli import main
from symbp.graph import layers
from symbp.graph.layers import affine, elementwise, loss_layer, network_rules, softmax_with_loss
from symbp.render import pdf

BOOK = {rule.name: rule for rule in layers.book_layers()}


@pytest.mark.parametrize("name", ["Affine", "ReLU", "Sigmoid", "SoftmaxWithLoss"])
def test_book_layer_rule_equals_its_derivation(name):
    rule = BOOK[name]
    assert [g.holds for g in rule.gradients] == [True] * len(rule.gradients)


def test_affine_weight_gradient_entry_is_a_sum_over_the_batch():
    dW = BOOK["Affine"].gradients[1]
    x11, x21, g11, g21 = sp.symbols("x_11 x_21 g_11 g_21", real=True)
    assert dW.wrt.name == "W" and dW.derived[0, 0] == x11 * g11 + x21 * g21


def test_affine_bias_gradient_sums_the_upstream_over_the_batch():
    db = BOOK["Affine"].gradients[2]
    g = layers.explicit("g", layers.N, layers.M)
    assert db.derived == sp.ImmutableMatrix([[sum(g.col(j)) for j in range(layers.M)]])


@pytest.mark.parametrize("bias", ["shared", "none"])
def test_affine_rules_hold_for_other_bias_modes(bias):
    assert affine(bias).holds


@pytest.mark.parametrize(
    ("activation", "alpha"),
    [(e.name, 0.1 if e.params else None) for e in activations.entries() if e.elementwise],
)
def test_elementwise_rules_hold_for_every_elementwise_activation(activation, alpha):
    assert elementwise(activation, alpha).holds


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy", "binary_cross_entropy"])
def test_loss_layer_rule_equals_its_derivation(loss):
    assert loss_layer(loss).holds


def test_a_sigmoid_rule_missing_its_one_minus_y_factor_is_refused():
    rule = BOOK["Sigmoid"]
    g, y = layers.explicit("g", layers.N, layers.M), layers.explicit("y", layers.N, layers.M)
    assert not layers._equal(rule.gradients[0].derived, g.multiply_elementwise(y))


def test_softmax_with_loss_needs_the_rows_of_t_to_sum_to_one():
    rule = softmax_with_loss()
    n, k = layers.N, 3
    y, t = layers.explicit("y", n, k), layers.explicit("t", n, k)
    assert not layers._equal(rule.gradients[0].derived, (y - t) / n)


def test_network_rules_of_the_seed_004_network_are_the_books_layers():
    names = [(s.index, s.rule.name) for s in network_rules(load("softmax"))]
    assert names == [(1, "Affine"), (1, "ReLU"), (2, "Affine"), (2, "SoftmaxWithLoss")]


def _backward_through_rules(net):
    """dL/dW, dL/db of every layer from the layer rules, at the engine's forward values; the
    upstream gradient of every Affine node is checked against the engine's delta / N."""
    w = derive(net).evaluate()
    stages = network_rules(net)
    passes = layers.backward_pass(stages, net, w.params, w.forward)
    m = len(net.example.x)
    grads = {}
    for stage, sent in zip(stages, passes):
        if stage.rule.name != "Affine":
            continue
        l = stage.index
        delta = np.asarray(w.deltas[f"delta{l}"], dtype=float).reshape(m, -1)
        np.testing.assert_allclose(np.array(sent["dL/dY"], dtype=float), delta / m, atol=1e-12)
        grads[f"W{l}"] = np.array(sent["W"], dtype=float).T
        if "b" in sent:
            grads[f"b{l}"] = np.array(sent["b"], dtype=float).reshape(-1)
    return grads, w.gradients


@pytest.mark.parametrize("name", ["mazur", "xor", "logistic", "deep_logistic", "softmax"])
def test_layer_rules_chained_over_a_network_give_the_engines_gradients(name):
    grads, expected = _backward_through_rules(load(name))
    assert set(grads) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key].reshape(np.shape(value)), value, atol=1e-12)


def test_derive_view_graph_writes_the_layer_documents(tmp_path, capsys, golden):
    code = main(["derive", "softmax", "--view", "graph", "-o", str(tmp_path)])
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["softmax.graph.md", "softmax.graph.svg", "softmax.graph.tex"]
    for name in names:
        golden(f"graph/{name}", (tmp_path / name).read_text(encoding="utf-8"))


def test_derive_view_graph_with_a_bad_format_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["derive", "softmax", "--view", "graph", "-o", str(out), "--format", "md,docx"])
    assert code == 2
    assert "unknown format 'docx'" in capsys.readouterr().err
    assert not out.exists()


def test_graph_view_prints_exact_zeros_as_0_and_the_transpose_without_brackets(tmp_path):
    assert main(["derive", "softmax", "--view", "graph", "-o", str(tmp_path)]) == 0
    text = (tmp_path / "softmax.graph.md").read_text(encoding="utf-8")
    assert r"\frac{\partial L}{\partial Y} W^{T}" in text and r"\left(W\right)" not in text
    assert "0.0 " not in text and "0.0\\" not in text  # the dead ReLU unit's column
    assert r"\begin{matrix}0 & -0.09605 & 0 & 0.2801 & -0.1742" in text


def test_graph_view_boxes_are_wide_enough_for_their_labels():
    from symbp.graph.view import chain

    boxes = chain(layers.network_rules(load("softmax"))).boxes
    loss = next(b for b in boxes if b.label == "SoftmaxWithLoss")
    assert loss.width >= 15 * 10  # 15 letters of about 0.19 cm (9.5 px) each at 11 pt


@pytest.mark.skipif(not pdf.available(), reason="no TeX engine")
def test_graph_view_pdf_is_written_in_one_step(tmp_path, capsys):
    argv = ["derive", "softmax", "--view", "graph", "-o", str(tmp_path), "--format", "pdf"]
    assert main(argv) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["softmax.graph.pdf"]
    assert (tmp_path / "softmax.graph.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize(
    ("hidden", "alpha", "loss"),
    [("tanh", None, "binary_cross_entropy"), ("leaky_relu", 0.1, "squared_error")],
    ids=["tanh-bce", "leaky-relu-se"],
)
def test_other_activations_chain_to_the_engines_gradients_on_a_3_2_4_net(hidden, alpha, loss):
    from symbp import Example, Layer, Network

    params = {
        "W1": [[0.3, -0.8, 0.5], [0.9, 0.1, -0.4]],
        "b1": [0.2, -0.3],
        "W2": [[0.7, -0.2], [-0.5, 0.6], [0.4, 0.8], [-0.9, 0.3]],
        "b2": [0.1, -0.1, 0.05, 0.0],
    }
    example = Example(
        x=((0.5, -1.0, 2.0), (-0.3, 0.8, 0.1)),
        y=((0.0, 1.0, 1.0, 0.0), (1.0, 0.0, 0.2, 0.9)),
        params={k: np.asarray(v) for k, v in params.items()},
        single=False,
    )
    net = Network(
        inputs=3,
        layers=(Layer(2, hidden, alpha=alpha), Layer(4, "sigmoid")),
        loss=loss,
        example=example,
    )
    grads, expected = _backward_through_rules(net)
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key].reshape(np.shape(value)), value, atol=1e-12)
