"""Diagnoses that name the mistake in the user's terms (one diagnoser of verify/diagnose/ each)."""

from __future__ import annotations

import pytest

import symbp
from symbp.verify.claims import Checker
from symbp.verify.report import describe

NETS = {
    "mazur": lambda: symbp.load("mazur"),
    "xor": lambda: symbp.load("xor"),
    "tanh322": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2, "tanh"), symbp.Layer(2)], loss="squared_error"
    ),
    "softmax_se": lambda: symbp.Network(
        inputs=2, layers=[symbp.Layer(3, "softmax")], loss="squared_error"
    ),
    "identity_se": lambda: symbp.Network(
        inputs=2, layers=[symbp.Layer(2, "tanh"), symbp.Layer(1, "identity")], loss="squared_error"
    ),
    "relu32": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2, "relu"), symbp.Layer(2)], loss="squared_error"
    ),
    "lrelu32": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2, "leaky_relu"), symbp.Layer(2)], loss="squared_error"
    ),
    "elu_id": lambda: symbp.Network(
        inputs=2, layers=[symbp.Layer(3, "elu"), symbp.Layer(2, "identity")], loss="squared_error"
    ),
    "softmax": lambda: symbp.load("softmax"),
}
_CHECKERS: dict[str, Checker] = {}


def checker(net: str) -> Checker:
    if net not in _CHECKERS:
        _CHECKERS[net] = Checker(symbp.derive(NETS[net]()))
    return _CHECKERS[net]


CASES = [
    # z <-> a (net <-> out) of the same unit
    ("mazur", "dE/dw5", "(out_o1 - target_o1) out_o1 (1 - out_o1) net_h1", "z_for_a", "net_h1"),
    ("xor", "dC/dw^2_{11}", "(a^2_1 - y_1) a^2_1 (1 - a^2_1) z^1_1", "z_for_a", "z^1_1"),
    # a function applied to the activation instead of the pre-activation
    ("xor", "dC/dw^2_{11}", r"\sigma'(a^2_1) (a^2_1 - y_1) a^1_1", "function_of_activation", "a^2"),
    ("mazur", "dE/dnet_o1", r"(out_o1 - target_o1) \sigma'(out_o1)", "function_of_activation", ""),
    # another activation's derivative
    (
        "tanh322",
        "delta^1_j",
        r"\sum_k w^2_{kj}\delta^2_k a^1_j (1 - a^1_j)",
        "wrong_derivative",
        "is the sigmoid derivative; this layer is tanh: 1 - a^1_1**2",
    ),
    (
        "tanh322",
        "delta^2_1",
        "(a^2_1 - y_1)(1 - (a^2_1)^2)",
        "wrong_derivative",
        "is the tanh derivative; this layer is sigmoid",
    ),
    # the layer's own derivative with its square taken over the sum
    (
        "tanh322",
        "delta^1_2",
        r"(w^2_{12}\delta^2_1 + w^2_{22}\delta^2_2)(1 - a^1_2)^2",
        "wrong_derivative",
        "(1 - a^1_2)**2 is written for the tanh derivative 1 - a^1_2**2",
    ),
    # written as a sum whose terms all carry the habit, on a ReLU layer (zero where z < 0)
    (
        "relu32",
        "delta^1_j",
        r"\sum_k w^2_{kj} \delta^2_k a^1_j (1 - a^1_j)",
        "wrong_derivative",
        "is the sigmoid derivative; this layer is relu: Heaviside(z^1_1, 0)",
    ),
    # another activation's derivative at z: ReLU's step on leaky ReLU and ELU layers
    (
        "lrelu32",
        "delta^1_j",
        r"\sum_k w^2_{kj}\delta^2_k H(z^1_j)",
        "wrong_derivative",
        "Heaviside(z^1_1, 0) is the relu derivative; this layer is leaky_relu",
    ),
    (
        "elu_id",
        "delta^1_j",
        r"\sum_k w^2_{kj} \delta^2_k H(z^1_j)",
        "wrong_derivative",
        "is the relu derivative; this layer is elu",
    ),
    (
        "relu32",
        "delta^1_1",
        "sigmoid'(z^1_1) (w^2_{11} delta^2_1 + w^2_{21} delta^2_2)",
        "wrong_derivative",
        "is the sigmoid derivative; this layer is relu",
    ),
    # a layer's pre-activation written for its input (z^1 for x)
    ("xor", "dC/dw^1_{21}", r"\delta^1_2 z^1_1", "layer_input", "z^1_1 where x_1"),
    (
        "xor",
        "dC/dw^1_{jk}",
        r"\delta^2_1 w^2_{1j} a^1_j (1 - a^1_j) z^1_k",
        "layer_input",
        "where x_1",
    ),
    # sigma' kept on a softmax output whose error with cross-entropy is a - y
    (
        "softmax",
        "delta^2_j",
        "(a^2_j - y_j) a^2_j (1 - a^2_j)",
        "extra_factor",
        "the diagonal entry of the softmax Jacobian at z^2_1",
    ),
    # two index letters exchanged throughout the claim (both in range on a 3-2-2 net)
    (
        "tanh322",
        "dC/dw^2_{jk}",
        r"\sigma'(z^2_k) (a^2_k - y_k) a^1_j",
        "index",
        "the index letters j and k are exchanged throughout",
    ),
    # a missing or an extra term of a sum
    ("mazur", "dE/dw1", "delta_o1 w5 out_h1 (1 - out_h1) i1", "missing_term", "w7"),
    (
        "mazur",
        "dE/dw1",
        "(delta_o1 w5 + delta_o2 w7 + delta_o2 w8) out_h1 (1 - out_h1) i1",
        "extra_term",
        "w8",
    ),
    ("tanh322", "delta^1_1", r"w^2_{11}\delta^2_1 (1 - (a^1_1)^2)", "missing_term", "w^2_{21}"),
    # softmax's Jacobian reduced to its diagonal
    ("softmax_se", "delta^1_j", "(a^1_j - y_j) a^1_j (1 - a^1_j)", "jacobian_diagonal", "diagonal"),
    # a - y where loss and output do not give it
    (
        "softmax_se",
        "delta^1_j",
        "a^1_j - y_j",
        "a_minus_y",
        "softmax with cross-entropy; this network has softmax with squared error",
    ),
]


@pytest.mark.parametrize(
    "net,quantity,claim,kind,text", CASES, ids=[f"{c[0]}:{c[3]}:{i}" for i, c in enumerate(CASES)]
)
def test_mistake_is_named(net, quantity, claim, kind, text):
    v = checker(net).verify(quantity, claim)
    assert v.status == "not_equal"
    dg = v.diagnosis
    assert dg.kind == kind, describe(dg)
    assert text in describe(dg)


def test_tanh_habit_on_a_tanh_layer_is_proved():
    v = checker("tanh322").verify("delta^1_j", r"\sum_k w^2_{kj}\delta^2_k (1 - (a^1_j)^2)")
    assert v.ok


def test_identity_output_with_squared_error_gives_a_minus_y():
    assert checker("identity_se").verify("delta^2_1", "a^2_1 - y_1").ok


def test_the_error_itself_is_never_named_as_a_missing_factor():
    dg = checker("softmax_se").verify("delta^1_1", "a^1_1 - y_1").diagnosis
    assert dg.kind != "factors" and not any(f.kind == "delta" for f in dg.missing)


@pytest.mark.parametrize(
    "net,quantity,claim,kind,text", CASES, ids=[f"{c[0]}:{c[3]}:{i}" for i, c in enumerate(CASES)]
)
def test_mistake_is_named_in_chinese_too(net, quantity, claim, kind, text):
    dg = checker(net).verify(quantity, claim).diagnosis
    zh, en = describe(dg, "zh"), describe(dg)
    assert zh and zh != en and "no single" not in zh


def test_elu_layer_claim_missing_its_derivative_is_diagnosed():
    # the ELU layer's kinks add check points; the known factors are evaluated at those too
    dg = checker("elu_id").verify("delta^1_j", r"\sum_k w^2_{kj}\delta^2_k").diagnosis
    assert dg.kind == "missing_factor" and dg.confirmed
    assert "the elu derivative at z^1_1" in describe(dg)


def test_a_dead_relu_unit_never_makes_a_constant_factor_of_zero():
    # a^1_2 is 0 wherever its ReLU is off, so claim / truth is 0 there and undefined elsewhere
    dg = checker("softmax").verify("dC/dw^2_{23}", "(a^2_3 - y_3) a^1_2").diagnosis
    assert dg.kind not in ("constant", "sign", "zero"), describe(dg)


def test_two_unit_numbers_exchanged_throughout_are_named():
    dg = checker("softmax").verify("dC/dw^2_{23}", "(a^2_3 - y_3) a^1_2").diagnosis
    assert dg.kind == "index" and dg.confirmed
    assert describe(dg).startswith(
        "wrong index: a^1_2 where a^1_3 is meant, a^2_3 where a^2_2 is meant, y_3 where y_2"
    )
