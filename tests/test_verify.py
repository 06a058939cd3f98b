"""Hand derivations checked: right claims proved in both notations and syntaxes, wrong named."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symbp
from symbp.errors import ClaimError
from symbp.verify.claims import Checker
from symbp.verify.report import describe

NETS = {
    "mazur": lambda: symbp.load("mazur"),
    "xor": lambda: symbp.load("xor"),
    "logistic": lambda: symbp.load("logistic"),
    "deep_logistic": lambda: symbp.load("deep_logistic"),
    "softmax": lambda: symbp.load("softmax"),
    # non-square on purpose: a transposed index cannot hide
    "n324": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2), symbp.Layer(4)], loss="squared_error", name="n324"
    ),
}

_CHECKERS: dict[str, Checker] = {}


def checker(net: str) -> Checker:
    if net not in _CHECKERS:
        _CHECKERS[net] = Checker(symbp.derive(NETS[net]()))
    return _CHECKERS[net]


MAZUR_LATEX_W5 = (
    r"\left(\mathrm{out}_{o1} - \mathrm{target}_{o1}\right) \cdot \mathrm{out}_{o1}"
    r"\left(1 - \mathrm{out}_{o1}\right) \cdot \mathrm{out}_{h1}"
)
W5 = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"
SEED000_OUTPUT = r"(y_k – \hat{y_k}) \sigma'(z_k^L) a_j^{L-1}"
SEED000_HIDDEN = (
    r"\sum_{k=1}^{m}(\frac{\partial loss}{\partial z_k^l}\cdot w_{kj}^{l+1}) \cdot "
    r"\sigma'(z_j^l) \cdot a_i^{l-1}"
)
SEED000_HIDDEN_FIXED = SEED000_HIDDEN.replace("z_k^l}", "z_k^{l+1}}")

# (network, quantity, claim, expected: "proved" or the diagnosis kind)
CLAIMS = [
    # Mazur notation, plain text and LaTeX
    ("mazur", "dE/dw5", W5, "proved"),
    ("mazur", "dE/dw5", MAZUR_LATEX_W5, "proved"),
    ("mazur", r"\frac{\partial E_{total}}{\partial w_5}", W5, "proved"),
    ("mazur", "dE/dw6", "(out_o1 - target_o1) out_o1 (1 - out_o1) out_h2", "proved"),
    ("mazur", "dE/dw7", "(out_o2 - target_o2) out_o2 (1 - out_o2) out_h1", "proved"),
    ("mazur", "dE/dw8", "delta_o2 out_h2", "proved"),
    ("mazur", "dE/dout_o1", "out_o1 - target_o1", "proved"),
    ("mazur", "dE/dout_o1", "-(target_o1 - out_o1)", "proved"),
    ("mazur", "dout_o1/dnet_o1", "out_o1(1 - out_o1)", "proved"),
    ("mazur", "dout_o1/dnet_o1", r"\sigma'(net_o1)", "proved"),
    ("mazur", "dnet_o1/dw5", "out_h1", "proved"),
    ("mazur", "dE/dout_h1", "delta_o1 w5 + delta_o2 w7", "proved"),
    ("mazur", "dE/dout_h1", "(dE/dnet_o1) w5 + (dE/dnet_o2) w7", "proved"),
    ("mazur", "dE/dw1", "(delta_o1 w5 + delta_o2 w7) out_h1 (1 - out_h1) i1", "proved"),
    ("mazur", "dE/db2", "delta_o1 + delta_o2", "proved"),
    ("mazur", "delta_o1", "(out_o1 - target_o1) out_o1 (1 - out_o1)", "proved"),
    ("mazur", "delta_h1", "(delta_o1 w5 + delta_o2 w7) out_h1 (1 - out_h1)", "proved"),
    (
        "mazur",
        "dE/dw5",
        r"\frac{1}{1+e^{-net_o1}}(1-\sigma(net_o1))(out_o1 - target_o1) out_h1",
        "proved",
    ),
    (
        "mazur",
        r"\frac{\partial E_{\mathrm{total}}}{\partial w_{5}}",
        r"\frac{\partial E_{total}}{\partial out_{o1}} \cdot "
        r"\frac{\partial out_{o1}}{\partial net_{o1}} \cdot \frac{\partial net_{o1}}{\partial w_5}",
        "proved",
    ),
    ("mazur", "dE/dw5", "dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5", "proved"),
    ("mazur", "dE/dw5", "dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw6", "index"),
    ("mazur", "dnet_o1/dw5", "out_h2", "index"),
    ("mazur", "dE/dw1", "(delta_o1 w5 + delta_o2 w6) out_h1 (1 - out_h1) i1", "index"),
    ("mazur", "dE/dw5", "(out_o1 - target_o1)*out_h1", "missing_factor"),
    ("mazur", "dE/dnet_o1", "out_o1 - target_o1", "missing_factor"),
    ("mazur", "dE/dw5", "(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1", "sign"),
    ("mazur", "dE/dw5", "2 " + W5, "constant"),
    ("mazur", "dE/dw5", "1/2 " + W5, "constant"),
    ("mazur", "dE/dw5", W5 + " w5", "extra_factor"),
    ("mazur", "dE/dw5", W5 + " out_o1 (1 - out_o1)", "extra_factor"),
    ("mazur", "dE/db2", "delta_o1", "missing_term"),
    ("mazur", "dE/dw5", "0", "zero"),
    # Nielsen notation, plain text and LaTeX
    ("xor", "dC/dw^2_{13}", "(a^2_1 - y_1) a^2_1 (1 - a^2_1) a^1_3", "proved"),
    (
        "xor",
        r"\frac{\partial C}{\partial w^{2}_{13}}",
        r"(a^{2}_{1} - y_{1})\,\sigma'(z^{2}_{1})\,a^{1}_{3}",
        "proved",
    ),
    ("xor", "dC/dw^2_{13}", r"(a^2_1 - y_1) \sigma(z^2_1)(1-\sigma(z^2_1)) a^1_3", "proved"),
    ("xor", "dC/db^2_1", "(a^2_1 - y_1) a^2_1 (1 - a^2_1)", "proved"),
    ("xor", "dC/db^1_3", r"\delta^2_1 w^2_{13} a^1_3 (1 - a^1_3)", "proved"),
    ("xor", "dC/dw^1_{32}", r"\delta^2_1 w^2_{13} a^1_3(1 - a^1_3) x_2", "proved"),
    ("xor", "delta^1_2", r"w^2_{12} \delta^2_1 \sigma'(z^1_2)", "proved"),
    ("xor", r"\delta^2_1", r"(a^2_1 - y_1) \odot \sigma'(z^2_1)", "proved"),
    ("xor", "dC/da^2_1", "a^2_1 - y_1", "proved"),
    ("xor", "da^1_2/dz^1_2", "a^1_2 (1 - a^1_2)", "proved"),
    ("xor", "dz^2_1/dw^2_{12}", "a^1_2", "proved"),
    ("xor", "dz^2_1/da^1_4", "w^2_{14}", "proved"),
    ("xor", r"\frac{\partial loss}{\partial w^L_{kj}}", SEED000_OUTPUT, "sign"),
    (
        "xor",
        r"\frac{\partial loss}{\partial w^L_{kj}}",
        r"(\hat{y_k} – y_k) \sigma'(z_k^L) a_j^{L-1}",
        "proved",
    ),
    ("xor", r"\frac{\partial loss}{\partial b^L_k}", r"(y_k – \hat{y_k}) \sigma'(z_k^L)", "sign"),
    ("xor", "dC/dw^2_{13}", "(a^2_1 - y_1) a^2_1 (1 - a^2_1) a^1_1", "index"),
    ("xor", "dC/dw^1_{32}", r"\delta^2_1 w^2_{13} a^1_3(1 - a^1_3) x_1", "index"),
    ("xor", "dC/dw^1_{32}", r"\delta^2_1 w^2_{13} x_2", "missing_factor"),
    ("xor", "dC/dz^2_1", "(y_1 - a^2_1) a^2_1 (1 - a^2_1)", "sign"),
    # 3-2-4: the seed's hidden-layer formula, sums, free indices, transposed weights
    ("n324", r"\frac{\partial loss}{\partial w^l_{ji}}", SEED000_HIDDEN, "index"),
    ("n324", r"\frac{\partial loss}{\partial w^l_{ji}}", SEED000_HIDDEN_FIXED, "proved"),
    (
        "n324",
        r"\frac{\partial loss}{\partial b^l_j}",
        r"\sum_{k=1}^{m}(\frac{\partial loss}{\partial z_k^l}\cdot w_{kj}^{l+1}) \sigma'(z_j^l)",
        "index",
    ),
    ("n324", "dC/dw^1_{21}", r"\sum_k w^2_{2k} delta^2_k a^1_2(1-a^1_2) x_1", "index"),
    ("n324", "dC/dw^1_{21}", r"\sum_{k=1}^{4} w^2_{k2} \delta^2_k a^1_2(1-a^1_2) x_1", "proved"),
    ("n324", "dC/dw^2_{21}", "delta^2_1 a^1_2", "index"),
    ("n324", "dC/dw^2_{jk}", "delta^2_j a^1_k", "proved"),
    ("n324", "dC/dw^2_{jk}", "delta^2_k a^1_j", "index"),
    ("n324", "dC/db^2_j", r"\delta^2_j", "proved"),
    ("n324", "dC/dw^1_{ji}", r"\sum_{k} w^2_{kj} \delta^2_k \sigma'(z^1_j) x_i", "proved"),
    # binary cross-entropy (seeds/001)
    ("logistic", "dC/dw^1_{11}", "(a^1_1 - y_1) x_1", "proved"),
    ("logistic", "dC/db^1_1", "a^1_1 - y_1", "proved"),
    ("logistic", "dC/da^1_1", "-y_1/a^1_1 + (1 - y_1)/(1 - a^1_1)", "proved"),
    ("logistic", "dC/da^1_1", "(a^1_1 - y_1)/(a^1_1 (1 - a^1_1))", "proved"),
    ("logistic", "dC/dw^1_{11}", "(a^1_1 - y_1) a^1_1 (1 - a^1_1) x_1", "extra_factor"),
    ("logistic", "dC/dw^1_{12}", "(a^1_1 - y_1) x_1", "index"),
    ("deep_logistic", "dC/dw^3_{12}", "(a^3_1 - y_1) a^2_2", "proved"),
    ("deep_logistic", "dC/dz^2_1", "(a^3_1 - y_1) w^3_{11} a^2_1 (1 - a^2_1)", "proved"),
    (
        "deep_logistic",
        "dC/dz^1_1",
        r"(\delta^2_1 w^2_{11} + \delta^2_2 w^2_{21}) a^1_1 (1 - a^1_1)",
        "proved",
    ),
    ("deep_logistic", "dC/dw^1_{21}", r"\sum_k w^2_{k2} delta^2_k a^1_2(1-a^1_2) x_1", "proved"),
    # softmax + cross-entropy (sum of y = 1), ReLU hidden layer
    ("softmax", "dC/dz^2_1", "a^2_1 - y_1", "proved"),
    ("softmax", "dC/dz^2_1", "y_1 - a^2_1", "sign"),
    ("softmax", "dC/dw^2_{12}", "(a^2_1 - y_1) a^1_2", "proved"),
    ("softmax", "da^2_1/dz^2_2", "-a^2_1 a^2_2", "proved"),
    ("softmax", "da^2_1/dz^2_1", "a^2_1 (1 - a^2_1)", "proved"),
    ("softmax", "dC/dw^1_{11}", r"\sum_k (a^2_k - y_k) w^2_{k1} relu'(z^1_1) x_1", "proved"),
    ("softmax", "dC/dw^1_{11}", r"\sum_k (a^2_k - y_k) w^2_{k1} \sigma'(z^1_1) x_1", "proved"),
]


def _id(row) -> str:
    net, q, claim, kind = row
    return f"{net}:{q}={claim[:40]}->{kind}"


@pytest.mark.parametrize("net,quantity,claim,expected", CLAIMS, ids=[_id(r) for r in CLAIMS])
def test_claim_verdict(net, quantity, claim, expected):
    verdict = checker(net).verify(quantity, claim)
    if expected == "proved":
        assert verdict.ok, f"not proved: {verdict.diagnosis}"
        assert verdict.diagnosis is None
        assert all(c.method for c in verdict.cases)
    else:
        assert not verdict.ok
        assert verdict.diagnosis.kind == expected, str(verdict.diagnosis)
        if expected != "unproved":
            point = verdict.counterexample
            assert point is not None and abs(point.claim - point.truth) > 1e-12


def test_claim_table_has_at_least_sixty_claims_right_and_wrong():
    kinds = [row[3] for row in CLAIMS]
    assert len(CLAIMS) >= 60
    assert kinds.count("proved") >= 30 and len(kinds) - kinds.count("proved") >= 20


def test_missing_sigmoid_derivative_is_named():
    dg = checker("mazur").verify("dE/dw5", "(out_o1 - target_o1)*out_h1").diagnosis
    (factor,) = dg.missing
    assert factor.kind == "activation_derivative" and factor.activation == "sigmoid"
    names = checker("mazur").names
    assert factor.expr == names["out_o1"] * (1 - names["out_o1"])
    assert dg.confirmed
    assert describe(dg).startswith("missing factor out_o1*(1 - out_o1), the sigmoid derivative")


def test_sign_flip_of_seed000_output_formula_is_named_with_its_case():
    verdict = checker("xor").verify(r"\frac{\partial loss}{\partial w^L_{kj}}", SEED000_OUTPUT)
    assert verdict.diagnosis.kind == "sign" and verdict.diagnosis.constant == -1
    assert len(verdict.cases) == 4  # k = 1, j = 1..4
    assert verdict.failing.indices == {"j": 1, "k": 1}
    assert describe(verdict.diagnosis).startswith("sign flip")


def test_seed000_hidden_slip_names_the_layer_of_z():
    verdict = checker("n324").verify(r"\frac{\partial loss}{\partial w^l_{ji}}", SEED000_HIDDEN)
    dg = verdict.diagnosis
    assert dg.kind == "index" and dg.confirmed
    ((written, meant, column),) = dg.written
    assert (written, meant) == ("z_{k}^{l}", "z_{k}^{l+1}")
    assert SEED000_HIDDEN[column - 1 :].startswith("z_k^l")
    assert verdict.skipped  # l = 2 has no layer l + 1: those cases do not apply


def test_wrong_weight_index_names_the_right_weight():
    dg = checker("mazur").verify("dE/dw1", "(delta_o1 w5 + delta_o2 w6) out_h1 (1-out_h1) i1")
    names = checker("mazur").names
    assert dg.diagnosis.swaps == ((names["w6"], names["w7"]),)
    assert describe(dg.diagnosis).startswith("wrong index: w6 where w7 is meant")


def test_exchanged_unit_indices_are_found_as_a_pair():
    dg = checker("n324").verify("dC/dw^2_{21}", "delta^2_1 a^1_2").diagnosis
    n = checker("n324").names
    assert set(dg.swaps) == {(n["a^1_2"], n["a^1_1"]), (n["delta^2_1"], n["delta^2_2"])}


@pytest.mark.parametrize("factor,text", [("2", "2"), ("1/2", "1/2")], ids=["two", "half"])
def test_constant_factor_is_named(factor, text):
    dg = checker("mazur").verify("dE/dw5", f"{factor} {W5}").diagnosis
    assert dg.constant == sp.Rational(text)
    assert f"the claim is {text} times the derived value" in describe(dg)


def test_one_over_m_of_a_batch_is_a_constant_factor():
    dg = checker("xor").verify("dC/db^2_1", "1/4 (a^2_1 - y_1) a^2_1 (1 - a^2_1)").diagnosis
    assert dg.kind == "constant" and dg.constant == sp.Rational(1, 4)


def test_extra_weight_factor_is_named():
    dg = checker("mazur").verify("dE/dw5", W5 + " w5").diagnosis
    assert [f.kind for f in dg.extra] == ["weight"]
    assert describe(dg).startswith("extra factor the weight w5")


def test_counterexample_lists_inputs_targets_and_parameters():
    point = checker("mazur").verify("dE/dw5", "(out_o1 - target_o1)*out_h1").counterexample
    assert {"i1", "target_o1", "w5", "b2"} <= set(point.values)
    assert point.claim != pytest.approx(point.truth)


def test_diagnosis_in_chinese():
    dg = checker("mazur").verify("dE/dw5", "(target_o1 - out_o1)*out_o1*(1-out_o1)*out_h1")
    assert describe(dg.diagnosis, "zh").startswith("符号错误")


@pytest.mark.parametrize(
    "quantity,claim,match",
    [
        ("dE/dw9", "out_h1", r"quantity 'dE/dw9': no symbol 'w9'"),
        ("dE/dw5", "foo_h1", r"claim 'foo_h1': unknown name 'foo_h1'"),
        ("dE/dw5", "os.system('ls')", r"claim .*unexpected"),
        ("w5", "out_h1", "not a quantity"),
        ("dE/di1", "w1", "does not derive"),
        ("dE/dw5", "", "empty claim"),
        ("d1/dnet_o1", "out_o1", "unknown name '1'"),
    ],
    ids=[
        "unknown-quantity",
        "unknown-name",
        "code",
        "not-a-derivative",
        "underived",
        "empty",
        "fuzz-number-as-numerator",
    ],
)
def test_malformed_claims_raise_claim_error(quantity, claim, match):
    with pytest.raises(ClaimError, match=match):
        checker("mazur").verify(quantity, claim)


def test_claim_naming_a_unit_the_network_lacks_is_not_equal_listing_the_units():
    """No index letters, out_h3 on a two-unit hidden layer: a wrong claim, not a malformed one."""
    v = checker("mazur").verify("dE/dw5", "out_h3")
    assert v.status == "not_equal" and v.diagnosis.kind == "no_symbol"
    assert describe(v.diagnosis) == "out_h3 does not exist in this network (it has out_h1, out_h2)"


def test_sigma_prime_of_a_softmax_layer_is_refused():
    with pytest.raises(ClaimError, match="Jacobian"):
        checker("softmax").verify("delta^2_1", r"\sigma'(z^2_1)")


def test_symbp_verify_public_api():
    verdict = symbp.verify(symbp.load("mazur"), "dE/dw5", "(out_o1 - target_o1)*out_h1")
    assert verdict.ok is False
    assert "missing factor" in str(verdict.diagnosis)
    assert symbp.verify("mazur", "dE/dw5", W5).ok is True


ALPHABET = [*"0123456789+-*/^_{}() .'", "a^1_1", "x_1", "x_2", "y_1", "w^1_{11}", "b^1_1"] + [
    r"\sigma",
    r"\frac",
    r"\partial",
    r"\sum_{k=1}^{2}",
    "x_k",
    "C",
    "d",
    "e",
    r"\ln",
    "exp",
]


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=14).map("".join))
def test_any_claim_gives_a_verdict_or_a_claim_error(claim):
    try:
        verdict = checker("logistic").verify("dC/dw^1_{11}", claim)
    except ClaimError:
        return
    assert verdict.ok in (True, False)
    if not verdict.ok:
        assert verdict.diagnosis is not None


@pytest.mark.parametrize(
    "claim",
    [
        r"\frac{e^{net_o1}}{1+e^{net_o1}} (1 - out_o1)(out_o1 - target_o1) out_h1",
        r"\frac{1}{1+\exp(-net_o1)} (1 - out_o1)(out_o1 - target_o1) out_h1",
    ],
    ids=["e-over-1-plus-e", "one-over-1-plus-exp"],
)
def test_sigmoid_written_with_exp_is_proved(claim):
    verdict = checker("mazur").verify("dE/dw5", claim)
    assert verdict.ok and verdict.method == "definitions"


def test_high_powers_are_proved_by_exact_evaluation_in_bounded_time():
    claim = W5 + " + (out_h1 + i1)^{30} - (out_h1^2 + 2 out_h1 i1 + i1^2)^{15}"
    verdict = checker("mazur").verify("dE/dw5", claim)
    assert verdict.ok and verdict.method == "exact_evaluation"


def test_wrong_index_letter_inside_a_sum_is_named():
    claim = r"\sum_{k} w^2_{kj} \delta^2_k \sigma'(z^1_k) x_i"
    verdict = checker("n324").verify("dC/dw^1_{ji}", claim)
    ((written, meant, _),) = verdict.diagnosis.written
    assert (written, meant) == ("z^{1}_{k}", "z^{1}_{j}")
