"""Vector claims proved for every width (verify/widths.py): right claims on every activation, loss
and bias, the scope said in text and JSON, and claims right only at this network's widths or
wrong never proved by the symbolic reading itself."""

from __future__ import annotations

import json

import pytest

import symbp
from symbp.cli import main
from symbp.parse import syntax_tree
from symbp.verify.claims import Checker
from symbp.verify.widths import proved_every_width

_CHECKERS: dict[tuple, Checker] = {}


def checker(acts=("sigmoid", "sigmoid"), loss="squared_error", bias="per_unit") -> Checker:
    """A 3-2-4 net (no two widths equal, so a transpose cannot hide) of these layers."""
    key = (acts, loss, bias)
    if key not in _CHECKERS:
        layers = [symbp.Layer(n, a, bias) for n, a in zip((2, 4), acts)]
        net = symbp.Network(inputs=3, layers=layers, loss=loss, name="n324")
        _CHECKERS[key] = Checker(symbp.derive(net))
    return _CHECKERS[key]


S, SE = ("sigmoid", "sigmoid"), "squared_error"
BP2 = r"((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)"
RIGHT = [
    (S, SE, "delta^L", r"(a^L - y) \odot \sigma'(z^L)"),
    (S, SE, "delta^l", BP2),
    (S, SE, "dC/dw^l", r"\delta^l (a^{l-1})^T"),
    (S, SE, "dC/db^l", r"\delta^l"),
    (S, SE, r"\nabla_a C", "a^L - y"),
    (S, SE, r"\nabla_{a^1} C", "(w^2)^T delta^2"),
    (S, SE, "dC/dw^1", r"(x (\delta^1)^T)^T"),
    (("tanh", "sigmoid"), SE, "delta^1", "((w^2)^T delta^2) * (1 - (a^1)^2)"),
    (("tanh", "sigmoid"), SE, "delta^1", r"((w^2)^T delta^2) \odot \tanh'(z^1)"),
    (("relu", "sigmoid"), SE, "delta^1", r"((w^2)^T delta^2) \odot \sigma'(z^1)"),
    (("leaky_relu", "identity"), SE, "delta^1", r"((w^2)^T \delta^2) \odot \sigma'(z^1)"),
    (("softplus", "sigmoid"), SE, "delta^1", r"((w^2)^T delta^2) \odot \sigma'(z^1)"),
    (S, "binary_cross_entropy", "delta^L", "a^L - y"),
    (("sigmoid", "softmax"), "cross_entropy", "delta^L", "a^L - y"),
]


@pytest.mark.parametrize(
    "acts,loss,quantity,claim",
    RIGHT,
    ids=[f"{a[0]}-{q}-{i}" for i, (a, _, q, _) in enumerate(RIGHT)],
)
def test_right_vector_claim_is_proved_for_every_width(acts, loss, quantity, claim):
    v = checker(acts, loss).verify(quantity, claim)
    assert v.status == "proved", v.diagnosis
    assert v.scope == "every width"


@pytest.mark.parametrize("bias", ["shared", "none"])
def test_weight_gradient_is_proved_for_every_width_whatever_the_bias(bias):
    v = checker(bias=bias).verify("dC/dw^l", r"\delta^l (a^{l-1})^T")
    assert (v.status, v.scope) == ("proved", "every width")


def test_json_scope_of_a_vector_claim_proved_for_every_width(capsys):
    args = ["verify", "xor", "--quantity", "dC/dw^l", "--claim", r"\delta^l (a^{l-1})^T", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["scope"] == "every width"


def test_column_times_column_is_checked_only_at_this_network():
    """(a^2 - y) σ'(z^2) as a matrix product is 1×1 on xor, and no product at width n."""
    v = Checker(symbp.derive(symbp.load("xor"))).verify("delta^2", r"(a^2 - y) \sigma'(z^2)")
    assert (v.status, v.scope) == ("proved", "this network")


def test_wrong_claim_keeps_this_networks_scope():
    v = checker().verify("dC/dw^2", r"\delta^2 (a^2)^T")
    assert v.status == "not_equal" and v.scope == "this network"


def _cases(ck: Checker, quantity: str, claim: str):
    return ck.verify(quantity, claim).cases


@pytest.mark.parametrize(
    "quantity,right,wrong",
    [
        (
            "delta^1",
            r"((w^2)^T \delta^2) \odot \sigma'(z^1)",
            r"((w^2)^T \delta^2) \odot \sigma(z^1)",
        ),
        ("delta^L", r"(a^L - y) \odot \sigma'(z^L)", r"(y - a^L) \odot \sigma'(z^L)"),
        ("dC/dw^l", r"\delta^l (a^{l-1})^T", r"2 \delta^l (a^{l-1})^T"),
        ("delta^L", r"(a^L - y) \odot \sigma'(z^L)", r"(a^L - y) \odot a^L \odot (1 + a^L)"),
    ],
    ids=["sigma-for-prime", "sign", "factor-2", "one-plus"],
)
def test_symbolic_reading_alone_refuses_a_wrong_claim(quantity, right, wrong):
    """Called without the numeric check in front of it, the proof still says no."""
    ck = checker()
    cases = _cases(ck, quantity, right)
    q_raw, c_raw = syntax_tree(quantity, ck.written), syntax_tree(wrong, ck.written)
    assert not proved_every_width(ck.vectors, q_raw, c_raw, cases)


BATCH = [
    ("dC/dw^l", r"\frac{1}{m}\sum_i \delta^{l,(i)} (a^{l-1,(i)})^T"),
    ("dC/dw^2", r"\frac{1}{m} \Delta^2 (A^1)^T"),
    ("dC/dw^1", r"\frac{1}{m} \Delta^1 X^T"),
    ("dC/db^2", r"\frac{1}{m}\sum_i \delta^{2,(i)}"),
    ("dC/dw^1", r"\frac{1}{m}\sum_x (((w^2)^T \delta^{x,2}) \odot \sigma'(z^{x,1})) (x^{(x)})^T"),
]


@pytest.mark.parametrize(
    "quantity,claim", BATCH, ids=[f"{q}-{i}" for i, (q, _) in enumerate(BATCH)]
)
def test_batch_claim_is_proved_for_every_width_and_batch_size(quantity, claim):
    v = checker().verify(quantity, claim)
    assert (v.form, v.status, v.scope) == ("batch", "proved", "every width")


def test_batch_mean_written_for_this_batch_size_is_checked_only_at_this_network():
    """1/3 for 1/m is right for the 3 samples checked, and for no other batch size."""
    v = checker().verify("dC/dw^2", r"\frac{1}{3}\sum_i \delta^{2,(i)} (a^{1,(i)})^T")
    assert (v.status, v.scope) == ("proved", "this network")


def test_symbolic_reading_alone_refuses_a_batch_claim_without_its_mean():
    ck = checker()
    quantity = "dC/dw^2"
    cases = ck.verify(quantity, r"\frac{1}{m}\sum_i \delta^{2,(i)} (a^{1,(i)})^T").cases
    wrong = r"\sum_i \delta^{2,(i)} (a^{1,(i)})^T"
    q_raw, c_raw = syntax_tree(quantity, ck.written), syntax_tree(wrong, ck.written)
    assert not proved_every_width(ck.vectors, q_raw, c_raw, cases, batch=True)
