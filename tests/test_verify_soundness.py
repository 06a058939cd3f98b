"""Soundness of verify: a wrong claim is never proved; what cannot be decided says so."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symbp
from symbp.cli import main
from symbp.errors import ClaimError
from symbp.parse import syntax_tree
from symbp.verify.claims import Checker
from symbp.verify.report import describe
from symbp.verify.widths import proved_every_width

RELU = symbp.Network(
    inputs=3,
    layers=[symbp.Layer(2, "relu"), symbp.Layer(2, "sigmoid")],
    loss="squared_error",
    name="relu32",
)
_CHECKERS: dict[str, Checker] = {}


N324 = symbp.Network(  # no two widths equal: a transpose cannot hide
    inputs=3, layers=[symbp.Layer(2), symbp.Layer(4)], loss="squared_error", name="n324"
)


def checker(net: str) -> Checker:
    if net not in _CHECKERS:
        spec = {"relu32": RELU, "n324": N324}.get(net) or symbp.load(net)
        _CHECKERS[net] = Checker(symbp.derive(spec))
    return _CHECKERS[net]


ISSUE_WRONG = [
    ("xor", "dC/dw^2_{jk}", r"\delta^2_k a^1_j", "delta^2_2", ("j", "k"), ()),
    (
        "xor",
        "dC/dw^1_{jk}",
        r"\delta^2_1 w^2_{j1} \sigma'(z^1_j) x_k",
        "w^2_{21}",
        (),
        (("w^{2}_{j1}", "w^{2}_{1j}"),),
    ),
    ("logistic", "dC/dw^1_{jk}", "(a^1_k - y_k) x_j", "a^1_2", ("j", "k"), ()),
    (  # no index letters at all: the claim is wrong, not unreadable
        "xor",
        "delta^1_3",
        r"w^2_{31} \delta^2_1 a^1_3 (1 - a^1_3)",
        "w^2_31",
        (),
        (("w^{2}_{31}", "w^{2}_{13}"),),
    ),
]


@pytest.mark.parametrize(
    "net,quantity,claim,absent,letters,written",
    ISSUE_WRONG,
    ids=["xor-jk", "xor-w21", "logistic", "xor-no-letters"],
)
def test_claim_naming_a_unit_the_network_lacks_fails_and_names_it(
    net, quantity, claim, absent, letters, written
):
    v = checker(net).verify(quantity, claim)
    assert not v.ok and v.status == "not_equal"
    dg = v.diagnosis
    assert dg.kind == "no_symbol" and dg.absent == absent
    assert dg.letters == letters
    assert tuple((w, m) for w, m, _ in dg.written) == written
    assert describe(dg).startswith(f"{absent} does not exist in this network")


@pytest.mark.parametrize(
    "net,quantity,claim",
    [
        ("xor", "dC/dw^2_{jk}", r"\delta^2_j a^1_k"),
        ("xor", "dC/dw^1_{jk}", r"\delta^2_1 w^2_{1j} \sigma'(z^1_j) x_k"),
        ("logistic", "dC/dw^1_{jk}", "(a^1_j - y_j) x_k"),
    ],
    ids=["xor-jk", "xor-w1j", "logistic"],
)
def test_the_corrected_issue_claims_are_proved(net, quantity, claim):
    assert checker(net).verify(quantity, claim).status == "proved"


def test_bp2_for_every_layer_skips_only_the_output_layer():
    v = checker("xor").verify("delta^l_j", r"\sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)")
    assert v.ok and len(v.cases) == 4
    assert v.skipped == [{"j": 1, "l": 2}]


def test_each_relu_unit_is_seen_on_both_sides_of_zero():
    ck = checker("relu32")
    for z in ck.d.layers[0].z:
        signs = {v[z] > 0 for v in ck.values}
        assert signs == {True, False}, z


def test_forgotten_relu_derivative_is_a_missing_factor_not_a_constant():
    dg = checker("relu32").verify("delta^1_j", r"\sum_k w^2_{kj} \delta^2_k").diagnosis
    assert dg.kind == "missing_factor" and dg.confirmed
    (factor,) = dg.missing
    assert factor.activation == "relu"


@pytest.mark.parametrize(
    "claim",
    [r"\sum_k w^2_{kj}\delta^2_k H(a^1_j)", r"\sum_k w^2_{kj}\delta^2_k H(z^1_j)^2"],
    ids=["mask-of-activation", "squared-step"],
)
def test_step_identities_are_proved(claim):
    assert checker("relu32").verify("delta^1_j", claim).status == "proved"


UNDECIDED = r"\sum_k w^2_{kj}\delta^2_k a^1_j / z^1_j"  # relu(z)/z: H(z) wherever z != 0


def test_equal_at_every_point_but_unproved_is_undecided():
    v = checker("relu32").verify("delta^1_j", UNDECIDED)
    assert v.status == "undecided" and not v.ok
    assert v.diagnosis.kind == "unproved" and v.counterexample is None


def _spec(tmp_path):
    path = tmp_path / "relu32.toml"
    path.write_text(
        'loss = "squared_error"\ninputs = 3\n[[layers]]\nunits = 2\nactivation = "relu"\n'
        '[[layers]]\nunits = 2\nactivation = "sigmoid"\n'
    )
    return str(path)


def test_undecided_exits_3_and_says_undecided(tmp_path, capsys):
    args = ["verify", _spec(tmp_path), "--quantity", "delta^1_j", "--claim", UNDECIDED]
    assert main(args) == 3
    out = capsys.readouterr().out
    assert "UNDECIDED: equal at every check point" in out and "NOT EQUAL" not in out
    assert main([*args, "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["verdict"] == "undecided"


CORRECT = [
    ("mazur", "dE/dw5", "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"),
    ("mazur", "dE/dw1", "(delta_o1 w5 + delta_o2 w7) out_h1 (1 - out_h1) i1"),
    ("xor", "dC/dw^2_{jk}", r"\delta^2_j a^1_k"),
    ("xor", "dC/dw^1_{jk}", r"\delta^2_1 w^2_{1j} \sigma'(z^1_j) x_k"),
    ("xor", "delta^1_j", r"\sum_k w^2_{kj} \delta^2_k a^1_j (1 - a^1_j)"),
    ("logistic", "dC/dw^1_{jk}", "(a^1_j - y_j) x_k"),
    ("relu32", "delta^1_j", r"\sum_k w^2_{kj} \delta^2_k H(z^1_j)"),
    ("relu32", "dC/db^2_j", "(a^2_j - y_j) a^2_j (1 - a^2_j)"),
]


def _mutations(text: str) -> list[str]:
    """Texts differing from `text` by one index digit or letter, one sign, or one factor."""
    out = []
    for m in re.finditer(r"(?<=[_^{])[0-9jk]|(?<=[_^]\{)[0-9jk]|(?<=[a-z])[0-9]", text):
        for c in "12jk":
            if c != m.group(0):
                out.append(text[: m.start()] + c + text[m.end() :])
    out += [text.replace("-", "+", 1), f"2*({text})", f"-({text})"]
    out += [text.replace("(1 - ", "(1 + ", 1), text.replace("a^1_j", "z^1_j", 1)]
    return [t for t in out if t != text]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CORRECT), st.data())
def test_random_mutations_of_correct_claims_are_never_proved(case, data):
    net, quantity, claim = case
    mutated = data.draw(st.sampled_from(_mutations(claim)))
    try:
        v = checker(net).verify(quantity, mutated)
    except ClaimError:
        return
    if v.ok:  # only a mutation that means the same may be proved: numbers at 12 fresh points
        fresh = Checker(checker(net).d, seed=12345, points=12)
        for case in v.cases:
            got, want = fresh._values(case.claim), fresh._values(case.truth)
            assert all(fresh._close(g, w) for g, w in zip(got, want)), (quantity, mutated)


VECTOR_RIGHT = [
    ("delta^l", r"((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)"),
    ("delta^L", r"(a^L - y) \odot a^L \odot (1 - a^L)"),
    ("dC/dw^l", r"\delta^l (a^{l-1})^T"),
    ("dC/dw^1", r"(((w^2)^T \delta^2) \odot \sigma'(z^1)) x^T"),
    (r"\nabla_{a^1} C", r"(w^2)^T \delta^2"),
]


def _vector_mutations(text: str) -> list[str]:
    """Texts differing from `text` by one layer number or letter, transpose, product, sign,
    factor or function."""
    out = []
    for m in re.finditer(r"(?<=\^)[0-9lL]|(?<=\^\{)[0-9l]|(?<=[+-])1", text):
        for c in "12lL":
            if c != m.group(0):
                out.append(text[: m.start()] + c + text[m.end() :])
    out += [
        text.replace("^T", "", 1),
        text.replace(r"\odot", " ", 1),
        text.replace(" (", r" \odot (", 1),
    ]
    out += [text.replace("-", "+", 1), f"2 ({text})", f"-({text})", text.replace("'", "", 1)]
    out += [text.replace("a^", "z^", 1), text.replace("(1 - ", "(2 - ", 1)]
    return [t for t in out if t != text]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VECTOR_RIGHT), st.data())
def test_random_mutations_of_vector_claims_are_never_proved(case, data):
    """Neither verify nor, on its own, the proof for every width (widths.py) proves a mutation
    of a right vector claim unless it means the same."""
    quantity, right = case
    mutated = data.draw(st.sampled_from(_vector_mutations(right)))
    ck = checker("n324")
    try:
        v = ck.verify(quantity, mutated)
    except ClaimError:
        return
    if v.ok:  # only a mutation that means the same may be proved: numbers at 12 fresh points
        if "n324-fresh" not in _CHECKERS:
            _CHECKERS["n324-fresh"] = Checker(ck.d, seed=12345, points=12)
        fresh = _CHECKERS["n324-fresh"]
        for case in v.cases:
            got, want = fresh._values(case.claim), fresh._values(case.truth)
            assert all(fresh._close(g, w) for g, w in zip(got, want)), (quantity, mutated)
    q_raw, c_raw = syntax_tree(quantity, ck.written), syntax_tree(mutated, ck.written)
    right_cases = ck.verify(quantity, right).cases
    if proved_every_width(ck.vectors, q_raw, c_raw, right_cases):  # on its own, without numbers
        assert v.ok, mutated


@pytest.mark.parametrize(
    "quantity,claim",
    [
        ("delta^1_1", r"\sum_k w^2_{k1} \delta^2_k (1 - \tanh^2(z^1_1))"),
        ("delta^1_1", "(w^2_{11} δ^2_1 + w^2_{21} δ^2_2) (1 - (a^1_1)^2)"),
        ("dC/dW^2_{11}", r"\delta^2_1 a^1_1"),
        ("delta^2_1", "(a^2_1 - y_1) σ′(z^2_1)"),
    ],
    ids=["function-power", "unicode-delta", "capital-W-entry", "unicode-prime"],
)
def test_registry_spellings_are_read(quantity, claim):
    net = symbp.Network(
        inputs=3, layers=[symbp.Layer(1, "tanh"), symbp.Layer(2)], loss="squared_error"
    )
    assert Checker(symbp.derive(net)).verify(quantity, claim).ok


def test_inverse_function_power_is_refused():
    with pytest.raises(ClaimError, match="only a whole power"):
        checker("xor").verify("delta^1_1", r"\tanh^{-1}(z^1_1)")
