"""Vector and matrix claims (Nielsen's whole-layer BP1-BP4): proved entry by entry on the bundled
nets, wrong shapes and missing factors named, plain text and LaTeX, CLI exit codes and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import symbp
from symbp.cli import main
from symbp.errors import ClaimError
from symbp.parse import syntax_tree
from symbp.verify.claims import Checker
from symbp.verify.vector import Vectors

_CHECKERS: dict[str, Checker] = {}
MNIST = Path(__file__).parent / "fixtures" / "mnist_784_30_10.toml"


def checker(net: str) -> Checker:
    if net not in _CHECKERS:
        if net == "n324":  # non-square on purpose: a transpose cannot hide
            layers = [symbp.Layer(2, "tanh"), symbp.Layer(4)]
            spec = symbp.Network(inputs=3, layers=layers, loss="squared_error", name="n324")
        else:
            spec = symbp.load(MNIST if net == "mnist" else net)
        _CHECKERS[net] = Checker(symbp.derive(spec))
    return _CHECKERS[net]


BP1 = r"\delta^L = (a^L - y) \odot \sigma'(z^L)"
BP2 = r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)"
BP3 = r"\partial C/\partial b^l = \delta^l"
BP4 = r"\partial C/\partial w^l = \delta^l (a^{l-1})^T"

# (network, "quantity = claim") that must be proved
PROVED = [
    *[(net, form) for net in ("mazur", "xor", "n324") for form in (BP1, BP2, BP4)],
    *[(net, BP3) for net in ("xor", "softmax", "n324")],
    ("softmax", BP2),
    ("softmax", BP4),
    ("softmax", "delta^2 = a^2 - y"),
    ("softmax", r"\frac{\partial C}{\partial W^2} = (a^2 - y) (a^1)^T"),
    ("xor", r"\nabla_a C = a^L - y"),
    ("n324", r"\delta^L = \nabla_a C \odot \sigma'(z^L)"),
    ("xor", r"dC/dW^2 = \delta^2 (a^1)^T"),
    ("xor", r"dC/db^1 = \delta^1"),
    ("mazur", r"dC/dw^2 = \delta^2 (a^1)^{\top}"),
    ("n324", r"\delta^1 = ((w^2)^T \delta^2) \circ (1 - (a^1)^2)"),
    ("n324", r"dC/dw^1 = \delta^1 x^T"),
    # plain text: * is elementwise, @ and juxtaposition are matrix products, .T transposes
    ("xor", "delta^2 = (a^2 - y) * sigmoid'(z^2)"),
    ("xor", "delta^1 = (w^2.T @ delta^2) * sigmoid'(z^1)"),
    ("n324", "dC/dW^2 = delta^2 @ a^1.T"),
    ("mazur", "delta^2 = (a^2 - y) * a^2 * (1 - a^2)"),
]


@pytest.mark.parametrize("net,text", PROVED, ids=[f"{n}: {t}" for n, t in PROVED])
def test_vector_form_is_proved(net, text):
    quantity, claim = text.split(" = ", 1)
    v = checker(net).verify(quantity, claim)
    assert v.status == "proved", v.diagnosis
    assert v.form == "vector"


def softmax_squared_error() -> Checker:
    if "softmax_se" not in _CHECKERS:
        layers = [symbp.Layer(2), symbp.Layer(4, "softmax")]
        net = symbp.Network(inputs=3, layers=layers, loss="squared_error", name="softmax_se")
        _CHECKERS["softmax_se"] = Checker(symbp.derive(net))
    return _CHECKERS["softmax_se"]


@pytest.mark.parametrize("claim", [r"\sigma'(z^L) \nabla_a C", r"(\sigma'(z^L))^T \nabla_a C"])
def test_softmax_derivative_is_its_jacobian_matrix(claim):
    assert checker("softmax").verify(r"\delta^L", claim).status == "proved"
    assert softmax_squared_error().verify(r"\delta^L", claim).status == "proved"


def test_softmax_elementwise_bp1_names_the_jacobian_product():
    v = softmax_squared_error().verify(r"\delta^L", r"(a^L - y) \odot \sigma'(z^L)")
    dg = v.diagnosis
    assert (dg.kind, dg.confirmed, dg.shapes[:2]) == ("matrix_product", True, ("4×1", "4×4"))
    assert dg.written[0][1] == "sigma'(z^2) (a^2 - y)"


def test_fitting_shapes_that_are_still_wrong_are_not_called_the_fix():
    """With cross-entropy the Jacobian product fits the shapes but is not delta: said so."""
    v = checker("softmax").verify(r"\delta^L", r"(a^L - y) \odot \sigma'(z^L)")
    assert (v.diagnosis.kind, v.diagnosis.confirmed) == ("shape", False)
    assert "would fit the shapes, but it is not equal either" in str(v.diagnosis)


def test_layer_letter_skips_the_layer_without_a_next_one():
    v = checker("n324").verify(*BP2.split(" = "))
    assert v.skipped == [{"l": 2}]
    assert [c.indices for c in v.cases] == [{"l": 1, "j": 1}, {"l": 1, "j": 2}]


def test_weight_gradient_has_one_case_per_entry():
    v = checker("n324").verify(*BP4.split(" = "))
    assert len(v.cases) == 2 * 3 + 4 * 2
    assert v.cases[-1].indices == {"l": 2, "j": 4, "k": 2}


# (network, "quantity = claim", diagnosis kind, "as written", "meant")
WRONG = [
    ("n324", r"dC/dw^2 = \delta^2 a^1", "transpose", r"delta^2 a^1", "delta^2 (a^1)^T"),
    ("xor", r"dC/dw^2 = \delta^2 a^1", "transpose", r"delta^2 a^1", "delta^2 (a^1)^T"),
    ("n324", r"dC/dw^2 = (a^1)^T \delta^2", "order", "(a^1)^T delta^2", "delta^2 (a^1)^T"),
    (
        "softmax",
        r"\delta^1 = (w^2 \delta^2) \odot \sigma'(z^1)",
        "transpose",
        "w^2 delta^2",
        "((w^2)^T delta^2) ⊙ sigma'(z^1)",
    ),
    # a square w^2 hides the missing transpose from the shapes; the numbers show it
    (
        "mazur",
        r"\delta^1 = (w^2 \delta^2) \odot \sigma'(z^1)",
        "transpose",
        "(w^2 delta^2) ⊙ sigma'(z^1)",
        "((w^2)^T delta^2) ⊙ sigma'(z^1)",
    ),
    (
        "mazur",
        r"\delta^2 = (a^2 - y) \sigma'(z^2)",
        "hadamard",
        "(a^2 - y) sigma'(z^2)",
        "(a^2 - y) ⊙ sigma'(z^2)",
    ),
    ("n324", "delta^1 = (w^2.T * delta^2) * tanh'(z^1)", "matrix_product", "", ""),
    (
        "n324",
        r"dC/dw^2 = (\delta^2 (a^1)^T)^T",
        "transpose",
        "(delta^2 (a^1)^T)^T",
        "delta^2 (a^1)^T",
    ),
]


@pytest.mark.parametrize("net,text,kind,written,meant", WRONG, ids=[w[1] for w in WRONG])
def test_wrong_shape_names_the_correction_and_proves_it(net, text, kind, written, meant):
    v = checker(net).verify(*text.split(" = ", 1))
    assert v.status == "not_equal"
    dg = v.diagnosis
    assert dg.kind == kind
    assert dg.confirmed
    if written:
        assert dg.written[0][:2] == (written, meant)


@pytest.mark.parametrize("net", ["n324", "mazur"])
@pytest.mark.parametrize(
    "text,written,meant",
    [
        (r"\delta^l = ((w^l)^T \delta^{l+1}) \odot \sigma'(z^l)", "w^1", "w^2"),
        (r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^{l+1})", "z^2", "z^1"),
        (r"dC/dw^l = \delta^l (a^l)^T", "a^1", "a^0"),
    ],
)
def test_layer_written_one_off_is_named(net, text, written, meant):
    dg = checker(net).verify(*text.split(" = ")).diagnosis
    assert (dg.kind, dg.written[0][:2], dg.confirmed) == ("index", (written, meant), True)


# Correct forms with one habitual slip each: none may ever be proved (on nets where each slip
# changes the value: non-square neighbours, more than one output).
MUTATIONS = [
    r"\delta^L = (a^L - y) \odot \sigma'(a^L)",
    r"\delta^L = (a^L - y) \odot \sigma(z^L)",
    r"\delta^L = (y - a^L) \odot \sigma'(z^L)",
    r"\delta^L = (a^L - y) \odot a^L",
    r"\delta^L = (z^L - y) \odot \sigma'(z^L)",
    r"\delta^l = (w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)",
    r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^{l+1})",
    r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot a^l",
    r"\delta^l = (w^{l+1})^T \delta^{l+1}",
    r"\delta^l = ((w^l)^T \delta^{l+1}) \odot \sigma'(z^l)",
    r"dC/dw^l = \delta^l (a^l)^T",
    r"dC/dw^l = a^{l-1} (\delta^l)^T",
    r"dC/dw^l = (\delta^l (a^{l-1})^T)^T",
    r"dC/dw^l = \delta^l (z^{l-1})^T",
    r"dC/dw^l = 2 \delta^l (a^{l-1})^T",
    r"dC/db^l = -\delta^l",
    r"dC/db^l = \delta^{l-1}",
    r"dC/dW^2 = \sum_i \delta^{2,(i)} (a^{1,(i)})^T",
]


@pytest.mark.parametrize("net", ["n324", "mazur", "softmax"])
@pytest.mark.parametrize("text", MUTATIONS)
def test_mutated_vector_form_is_never_proved(net, text):
    quantity, claim = text.split(" = ")
    try:
        v = checker(net).verify(quantity, claim)
    except ClaimError:
        return  # unreadable here (softmax's σ' of the output is not elementwise): not proved
    assert v.status != "proved"


@pytest.mark.parametrize(
    "net,layer,activation", [("xor", 1, "sigmoid"), ("softmax", 1, "relu"), ("n324", 1, "tanh")]
)
def test_missing_activation_derivative_is_named_for_the_layer(net, layer, activation):
    v = checker(net).verify(rf"\delta^{layer}", rf"(w^{layer + 1})^T \delta^{layer + 1}")
    dg = v.diagnosis
    assert (dg.kind, dg.activation, dg.confirmed) == ("missing_derivative", activation, True)
    assert str(dg).startswith(f"missing ⊙ sigma'(z^{layer})")


def test_shared_bias_gradient_is_the_sum_of_the_delta_vector():
    v = checker("mazur").verify("dC/db^2", r"\delta^2")
    assert v.status == "not_equal"
    assert (v.diagnosis.kind, v.diagnosis.confirmed) == ("shared_bias", True)
    assert "the sum of the entries of delta^2" in str(v.diagnosis)


def test_final_shape_mismatch_lists_both_shapes_once():
    v = checker("n324").verify("dC/dw^2", r"\delta^2 \odot a^2")
    assert v.diagnosis.kind == "shape"
    assert v.diagnosis.shapes == ("4×1", "4×2")


def test_mismatch_without_a_single_correction_is_a_shape_diagnosis():
    v = checker("xor").verify(r"\delta^l", r"(a^l - y) \odot \sigma'(z^l)")
    dg = v.diagnosis
    assert (dg.kind, dg.written[0][0], dg.shapes[:2]) == ("shape", "a^1 - y", ("4×1", "1×1"))


def test_wrong_values_of_the_right_shape_are_refuted_per_entry():
    v = checker("n324").verify(r"\delta^2", r"(y - a^2) \odot \sigma'(z^2)")
    assert v.status == "not_equal"
    assert v.diagnosis.kind == "sign"


def test_unknown_layer_in_the_quantity_is_an_error():
    with pytest.raises(ClaimError, match="quantity 'dC/dW\\^5': no layer 5"):
        checker("xor").verify("dC/dW^5", r"\delta^5")


def test_vector_claim_matches_torch_autograd():
    """The matrix read from `delta^l (a^{l-1})^T` is dC/dW^l of torch, entry by entry."""
    torch = pytest.importorskip("torch")
    ck = checker("n324")
    ex = ck.examples[0]
    vec = Vectors(ck)
    params = {
        str(k): torch.tensor(np.asarray(v, dtype=float), requires_grad=True)
        for k, v in ex.params.items()
    }
    a = torch.tensor(ex.x[0], dtype=torch.float64)
    a = torch.tanh(params["W1"] @ a + params["b1"])
    a = torch.sigmoid(params["W2"] @ a + params["b2"])
    cost = 0.5 * ((torch.tensor(ex.y[0], dtype=torch.float64) - a) ** 2).sum()
    cost.backward()
    for layer in (1, 2):
        value = vec.evaluate(syntax_tree(r"\delta^l (a^{l-1})^T"), {"l": layer}, {})
        got = np.array([[ck._eval(e, 0) for e in row] for row in value.mat.tolist()])
        np.testing.assert_allclose(got, params[f"W{layer}"].grad.numpy(), rtol=1e-9)


def test_component_claims_still_read_odot_as_a_product():
    v = checker("xor").verify("dC/dw^2_{11}", r"\delta^2_1 \odot a^1_1")
    assert v.status == "proved" and v.form == "component"


BATCH = [
    ("xor", r"dC/dW^2 = \frac{1}{m}\sum_i \delta^{2,(i)} (a^{1,(i)})^T"),
    ("xor", r"dC/dW^2 = \frac{1}{m} \Delta^2 (A^1)^T"),
    ("xor", r"dC/db^1 = \frac{1}{m}\sum_i \delta^{1,(i)}"),
    ("n324", r"dC/db^2 = \frac{1}{m}\sum_i (a^{2,(i)} - y^{(i)}) \odot \sigma'(z^{2,(i)})"),
    # Nielsen's own order: the sample x first, then the layer
    ("mazur", r"dC/dw^1 = \frac{1}{m}\sum_x \delta^{x,1} (a^{x,0})^T"),
    ("softmax", r"dC/dW^1 = \frac{1}{m} \Delta^1 X^T"),
]


@pytest.mark.parametrize("net,text", BATCH, ids=[f"{n}: {t}" for n, t in BATCH])
def test_batch_form_is_proved_against_the_mean_over_samples(net, text):
    v = checker(net).verify(*text.split(" = ", 1))
    assert v.status == "proved", v.diagnosis
    assert v.form == "batch"


@pytest.mark.parametrize(
    "claim,kind",
    [
        (r"\sum_i \delta^{2,(i)} (a^{1,(i)})^T", "missing_mean"),
        (r"\frac{1}{m^2}\sum_i \delta^{2,(i)} (a^{1,(i)})^T", "extra_mean"),
        (r"\frac{1}{m}\sum_i \delta^{2,(i)} a^{1,(i)}", "transpose"),
    ],
)
def test_wrong_batch_form_is_named(claim, kind):
    v = checker("n324").verify("dC/dW^2", claim)
    assert (v.diagnosis.kind, v.diagnosis.confirmed) == (kind, True)


def test_batch_claim_about_a_delta_is_an_error():
    with pytest.raises(ClaimError, match="one sample's"):
        checker("xor").verify("delta^2", r"\frac{1}{m}\sum_i \delta^{2,(i)}")


def test_sum_whose_letter_is_not_in_its_body_is_an_error():
    with pytest.raises(ClaimError, match="letter j appears nowhere in its body"):
        checker("xor").verify("delta^1", r"\sum_j \delta^1")


@pytest.mark.parametrize("text", [BP1, BP2, BP3, BP4], ids=["BP1", "BP2", "BP3", "BP4"])
def test_vector_form_on_784_30_10_is_proved_for_every_width(text):
    v = checker("mnist").verify(*text.split(" = "))
    assert v.status == "proved", v.diagnosis
    assert v.scope == "every width"


def test_claim_through_two_layers_on_784_30_10_is_proved_on_a_narrow_copy():
    """a^2 in a claim about layer 1 is beyond the layer rule's names: the copy's check stands."""
    claim = r"(((w^2)^T ((a^2 - y) \odot \sigma'(z^2))) \odot \sigma'(z^1)) x^T"
    v = checker("mnist").verify("dC/dw^1", claim)
    assert v.status == "proved", v.diagnosis
    assert v.scope == "a copy at widths 3-2-4"


def test_wrong_order_on_784_30_10_is_named():
    v = checker("mnist").verify("dC/dw^2", r"(a^1)^T \delta^2")
    assert (v.diagnosis.kind, v.diagnosis.confirmed) == ("order", True)


def test_component_claim_on_784_30_10_is_refused_naming_vector_claims():
    with pytest.raises(symbp.errors.SymbpError, match="write it as a vector claim"):
        checker("mnist").verify("dC/dw^2_{11}", "delta^2_1 a^1_1")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_proved_vector_claim_exits_0(capsys):
    code, out, _ = run(capsys, "verify", "xor", "--quantity", "delta^L", "--claim", BP1[11:])
    assert code == 0
    assert "read as a vector claim (1×1): proved for every width (read entry by entry" in out


def test_cli_claim_right_only_at_width_one_is_checked_at_this_network(capsys):
    """(a^2 - y) σ'(z^2) is a matrix product of two columns: 1×1 here, no product at width n."""
    args = ("verify", "xor", "--quantity", "delta^2", "--claim", "(a^2 - y) \\sigma'(z^2)")
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "read as a vector claim (1×1): checked entry by entry at this network's widths." in out


def test_cli_wrong_vector_claim_exits_1_naming_the_transpose(capsys):
    args = ("verify", "softmax", "--quantity", "dC/dW^2", "--claim", r"\delta^2 a^1")
    code, out, _ = run(capsys, *args)
    assert code == 1
    assert "a transpose is missing: delta^2 (a^1)^T is meant" in out


def test_cli_unreadable_vector_claim_exits_2(capsys):
    code, out, err = run(capsys, "verify", "xor", "--quantity", "delta^L", "--claim", "(a^L - y")
    assert code == 2 and out == ""
    assert "a bracket is not closed" in err


def test_cli_json_fields_of_a_vector_claim(capsys):
    args = ("verify", "softmax", "--quantity", "dC/dW^2", "--claim", "delta^2 a^1", "--json")
    code, out, _ = run(capsys, *args)
    data = json.loads(out)
    assert code == 1
    assert (data["form"], data["shape"], data["scope"]) == ("vector", "3×5", "this network")
    assert data["diagnosis"]["kind"] == "transpose"
    assert data["diagnosis"]["shapes"] == ["3×1", "5×1", "3×5"]
    assert data["diagnosis"]["written"][0]["meant"] == "delta^2 (a^1)^T"


def test_claims_file_mixes_vector_and_component_claims(capsys, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text(
        '"delta^L" = "(a^L - y) \\\\odot \\\\sigma\'(z^L)"\n'
        '"dC/dW^2" = "\\\\delta^2 a^1"\n'
        '"dC/dw^1_{11}" = "delta^1_1 x_1"\n'
    )
    report = tmp_path / "report.md"
    code, out, _ = run(capsys, "verify", "xor", "--claims", str(claims), "--report", str(report))
    assert code == 1
    assert out.count("read as a vector claim") == 2
    assert "\\begin{matrix}" in report.read_text()  # the derived gradient shown as a matrix
