"""Diagnoses that name the mistake in the user's terms (one diagnoser of diagnose.py each)."""

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
