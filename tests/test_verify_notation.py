"""Claims read in each notation preset (ng, ufldl, dlfs): the textbooks' own component formulas
are proved, the same formula in another preset's numbering or index order is not, and every
report says which notation it read."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np
import pytest

import symbp
from symbp.cli import main
from symbp.verify.claims import Checker


@functools.cache
def checker(example: str, notation: str) -> Checker:
    net = dataclasses.replace(symbp.load(example), notation=notation)
    return Checker(symbp.derive(net))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# (notation, example, quantity, claim): formulas as each source writes them, plain text and LaTeX.
PROVED = [
    # UFLDL (seeds/003): the input is layer 1, so xor's output is layer (3); W^{(l)}_{ij} leaves l.
    ("ufldl", "xor", r"\delta^{(3)}_1", r"-(y_1 - a^{(3)}_1) f'(z^{(3)}_1)"),
    ("ufldl", "xor", "delta^(3)_1", "-(y_1 - a^(3)_1)*f'(z^(3)_1)"),
    (
        "ufldl",
        "xor",
        r"\delta^{(2)}_2",
        r"\left(\sum_j W^{(2)}_{j2} \delta^{(3)}_j\right) f'(z^{(2)}_2)",
    ),
    ("ufldl", "xor", r"\frac{\partial J}{\partial W^{(1)}_{32}}", r"a^{(1)}_2 \delta^{(2)}_3"),
    ("ufldl", "xor", "dJ/dW^(1)_32", "x_2*delta^(2)_3"),
    ("ufldl", "xor", "dJ/db^(2)_1", "delta^(3)_1"),
    ("ufldl", "xor", "dJ/da^(2)_4", "W^(2)_{14} delta^(3)_1"),
    # Ng (seeds/001): bracketed layers, dX the cost's derivative, g the activation.
    ("ng", "deep_logistic", "dz^{[3]}_1", "a^{[3]}_1 - y_1"),
    ("ng", "deep_logistic", "dz^[3]_1", "a^[3]_1 - y_1"),
    ("ng", "deep_logistic", "dW^{[3]}_{12}", r"dz^{[3]}_1 \, a^{[2]}_2"),
    ("ng", "deep_logistic", "da^{[2]}_1", r"W^{[3]}_{11} dz^{[3]}_1"),
    ("ng", "deep_logistic", "dz^{[2]}_1", r"da^{[2]}_1 \, g'(z^{[2]}_1)"),
    ("ng", "deep_logistic", "dz^[2]_2", "dz^[3]_1 * W^[3]_12 * a^[2]_2 * (1 - a^[2]_2)"),
    ("ng", "deep_logistic", "dW^[1]_{21}", "dz^[1]_2 * x_1"),
    ("ng", "deep_logistic", "db^{[1]}_2", "dz^{[1]}_2"),
    ("ng", "deep_logistic", r"\frac{\partial J}{\partial W^{[1]}_{12}}", r"dz^{[1]}_1 a^{[0]}_2"),
    ("ng", "logistic", "dz^{[1]}_1", "a^{[1]}_1 - y_1"),
    ("ng", "logistic", "dW^{[1]}_{12}", "x_2 (a^{[1]}_1 - y_1)"),
    # Deep Learning from Scratch (seeds/004): rows x.W1 + b1 = a1, z1 = h(a1), y the softmax
    # output, t the target; W1 has shape in x out, so W1_{kj} joins input k to unit j.
    ("dlfs", "softmax", r"\frac{\partial L}{\partial a2_1}", "y_1 - t_1"),
    ("dlfs", "softmax", "dL/da2_3", "y_3 - t_3"),
    ("dlfs", "softmax", "dL/dW2_{41}", "z1_4 (y_1 - t_1)"),
    (
        "dlfs",
        "softmax",
        r"\frac{\partial L}{\partial W^{(2)}_{52}}",
        r"z^{(1)}_5 \cdot (y_2 - t_2)",
    ),
    ("dlfs", "softmax", "dL/db2_2", "y_2 - t_2"),
    ("dlfs", "softmax", "dL/dW1_{32}", r"x_3 H(a1_2) \sum_j W2_{2j} (y_j - t_j)"),
    ("dlfs", "softmax", "dL/dz1_2", r"\sum_j W2_{2j} (y_j - t_j)"),
    ("dlfs", "xor", "dL/dW2_{31}", "(y_1 - t_1) y_1 (1 - y_1) z1_3"),
    ("dlfs", "xor", r"\delta^{(2)}_1", r"(y_1 - t_1) h'(a^{(2)}_1)"),
]


@pytest.mark.parametrize(
    "notation, example, quantity, claim", PROVED, ids=[f"{p[0]}:{p[2]}={p[3]}" for p in PROVED]
)
def test_textbook_claim_in_its_notation_is_proved(notation, example, quantity, claim):
    verdict = checker(example, notation).verify(quantity, claim)
    assert verdict.ok, verdict


# Right formulas read in the wrong convention: Nielsen's layer numbers in UFLDL, Nielsen's
# (to, from) weight indices in DLfS, the output's a - y written for a hidden layer in Ng's.
WRONG = [
    ("ufldl", "xor", r"\delta^{(2)}_1", r"-(y_1 - a^{(2)}_1) f'(z^{(2)}_1)"),
    ("ufldl", "xor", "dJ/dW^(2)_11", "delta^(2)_1 a^(1)_1"),
    ("dlfs", "softmax", "dL/dW2_{13}", "z1_3 (y_1 - t_1)"),
    ("dlfs", "softmax", r"\frac{\partial L}{\partial z1_1}", "y_1 - t_1"),
    ("ng", "deep_logistic", "dz^{[2]}_1", "a^{[2]}_1 - y_1"),
    ("ng", "deep_logistic", "dW^{[3]}_{12}", "dz^{[3]}_1 a^{[2]}_1"),
]


@pytest.mark.parametrize(
    "notation, example, quantity, claim", WRONG, ids=[f"{p[0]}:{p[2]}={p[3]}" for p in WRONG]
)
def test_claim_in_another_convention_is_not_proved(notation, example, quantity, claim):
    verdict = checker(example, notation).verify(quantity, claim)
    assert not verdict.ok and verdict.status == "not_equal"


def test_dlfs_weight_entry_is_the_in_by_out_matrix_entry_torch_differentiates():
    """W1_{kj} names row k, column j of DLfS's W1 (x @ W1): its derived gradient is torch's."""
    torch = pytest.importorskip("torch")
    net = dataclasses.replace(symbp.load("softmax"), notation="dlfs")
    d = symbp.derive(net)
    ex = net.example
    gradients = symbp.compile(net).gradients(ex.params, ex.x, ex.y)
    x = torch.tensor(np.asarray(ex.x, dtype=float))
    t = torch.tensor(np.asarray(ex.y, dtype=float))
    w1 = torch.tensor(np.asarray(ex.params["W1"], dtype=float).T, requires_grad=True)  # in x out
    w2 = torch.tensor(np.asarray(ex.params["W2"], dtype=float).T, requires_grad=True)
    b1 = torch.tensor(np.asarray(ex.params["b1"], dtype=float))
    b2 = torch.tensor(np.asarray(ex.params["b2"], dtype=float))
    y = torch.softmax(torch.relu(x @ w1 + b1) @ w2 + b2, dim=1)
    (-(t * torch.log(y)).sum(dim=1).mean()).backward()
    names = d.names.names()
    for layer, grad in ((1, w1.grad), (2, w2.grad)):
        weights = d.layers[layer - 1].weights
        k, j = 3, 2
        symbol = names[f"W{layer}_{{{k}{j}}}"]
        assert weights[j - 1][k - 1] == symbol
        ours = np.asarray(gradients[f"W{layer}"])[j - 1, k - 1]
        assert ours == pytest.approx(float(grad[k - 1, j - 1]), rel=1e-12)


@pytest.mark.parametrize(
    "notation, example, line",
    [
        (
            "ng",
            "deep_logistic",
            "read in Ng's notation: layer [3] is the output, layer [0] the input",
        ),
        ("ufldl", "xor", "read in UFLDL's notation: layer 3 is the output, layer 1 the input"),
        ("nielsen", "xor", "read in Nielsen's notation: layer 2 is the output, layer 0 the input"),
        ("mazur", "mazur", "read in Mazur's notation: the o units are the output, the i units"),
    ],
    ids=["ng", "ufldl", "nielsen", "mazur"],
)
def test_text_report_states_the_notation(capsys, notation, example, line):
    q = {"mazur": "dE/dw5", "ng": "dz^{[3]}_1", "ufldl": "delta^(3)_1"}.get(notation, "delta^2_1")
    code, out, _ = run(
        capsys, "verify", example, "--notation", notation, "--quantity", q, "--claim", "1"
    )
    assert out.startswith(line)


def test_json_report_names_the_notation_and_its_layers(capsys):
    argv = ["verify", "xor", "--notation", "ufldl", "--json"]
    code, out, _ = run(capsys, *argv, "--quantity", "dJ/db^(2)_1", "--claim", "delta^(3)_1")
    data = json.loads(out)
    assert code == 0 and data["ok"]
    assert data["notation"]["name"] == "ufldl"
    assert (data["notation"]["output"], data["notation"]["input"]) == ("3", "1")
    assert data["notation"]["text"].startswith("read in UFLDL's notation")


def test_chinese_report_states_the_notation(capsys):
    argv = ["verify", "deep_logistic", "--notation", "ng", "--lang", "zh"]
    code, out, _ = run(capsys, *argv, "--quantity", "db^{[1]}_2", "--claim", "dz^{[1]}_2")
    assert code == 0 and out.startswith("按吴恩达(Ng)的记号读取:第 [3] 层为输出层")


def test_spec_notation_key_selects_the_preset(tmp_path, capsys):
    text = (Path(symbp.__file__).parent / "examples" / "xor.toml").read_text(encoding="utf-8")
    assert "notation" not in text
    spec = tmp_path / "net.toml"
    spec.write_text('notation = "ufldl"\n' + text, encoding="utf-8")
    code, out, _ = run(
        capsys, "verify", str(spec), "--quantity", "dJ/db^(2)_1", "--claim", "delta^(3)_1"
    )
    assert code == 0 and out.startswith("read in UFLDL's notation")


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--notation", "bishop"], "invalid choice: 'bishop'"),
        (["--notation", "mazur"], "mazur notation needs exactly one hidden layer"),
        (["--notation", "ng", "--quantity", "dZ^{[5]}", "--claim", "A^{[5]} - Y"], "no layer 5"),
    ],
    ids=["unknown", "mazur-on-deep-net", "ng-absent-layer"],
)
def test_bad_notation_or_whole_layer_claim_exits_2_with_one_line(capsys, argv, match):
    if "--quantity" not in argv:
        argv = [*argv, "--quantity", "dz^{[3]}_1", "--claim", "a^{[3]}_1 - y_1"]
    code, out, err = run(capsys, "verify", "deep_logistic", *argv)
    assert code == 2 and out == "" and match in err and err.count("\n") == 1


# Ng's whole-layer forms: his layer numbers are Nielsen's, so hQ's vector reading applies, with
# dz^{[l]}, dW^{[l]}, db^{[l]} as the cost's derivatives and g' his activation's derivative.
NG_VECTORS = [
    ("dz^{[3]}", "a^{[3]} - y", True),
    ("dz^{[2]}", r"\left(\left(W^{[3]}\right)^T \delta^{[3]}\right) \odot g'(z^{[2]})", True),
    ("db^{[1]}", r"\delta^{[1]}", True),
    ("dW^{[2]}", r"\delta^{[2]} (a^{[1]})^T", True),
    ("dz^{[2]}", r"\left(\left(W^{[3]}\right)^T \delta^{[3]}\right) \odot a^{[2]}", False),
    ("dz^{[2]}", "a^{[2]} - y", False),
]


@pytest.mark.parametrize(
    "quantity, claim, right", NG_VECTORS, ids=[q + "=" + c for q, c, _ in NG_VECTORS]
)
def test_ng_whole_layer_claims_are_read_in_his_notation(quantity, claim, right):
    verdict = checker("deep_logistic", "ng").verify(quantity, claim)
    assert verdict.ok is right


# Each preset's correct claims in component, vector and batch form, in plain text and LaTeX.
FORMS = [
    ("nielsen", "xor", "component", "dC/dw^2_{13}", "delta^2_1 * a^1_3"),
    ("nielsen", "xor", "component", r"\frac{\partial C}{\partial w^2_{13}}", r"\delta^2_1 a^1_3"),
    ("nielsen", "xor", "vector", "delta^1", "((w^2)^T delta^2) * sigma'(z^1)"),
    ("nielsen", "xor", "vector", r"\delta^1", r"((w^2)^T \delta^2) \odot \sigma'(z^1)"),
    ("nielsen", "xor", "batch", "dC/dw^2", "(1/m) sum_i delta^{2,(i)} (a^{1,(i)})^T"),
    (
        "nielsen",
        "xor",
        "batch",
        r"\frac{\partial C}{\partial w^2}",
        r"\frac{1}{m}\sum_i \delta^{2,(i)} (a^{1,(i)})^T",
    ),
    ("mazur", "mazur", "component", "dE/dw5", "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"),
    (
        "mazur",
        "mazur",
        "component",
        r"\frac{\partial E}{\partial w5}",
        r"\delta_{o1} \cdot out_{h1}",
    ),
    ("mazur", "mazur", "vector", "dC/dw^2", "delta^2 (a^1)^T"),
    ("mazur", "mazur", "vector", r"\frac{\partial C}{\partial w^2}", r"\delta^2 (a^1)^{\top}"),
    ("mazur", "mazur", "batch", "dC/dw^1", "(1/m) sum_i delta^{1,(i)} (x^{(i)})^T"),
    (
        "mazur",
        "mazur",
        "batch",
        r"\nabla_{w^2} C",
        r"\frac{1}{m}\sum_i \delta^{2,(i)} (a^{1,(i)})^T",
    ),
    ("ng", "deep_logistic", "component", "dW^[1]_{21}", "dz^[1]_2 * x_1"),
    ("ng", "deep_logistic", "component", "dW^{[3]}_{12}", r"dz^{[3]}_1 \, a^{[2]}_2"),
    ("ng", "deep_logistic", "vector", "dz^[2]", "W^[3].T dz^[3] * g'(z^[2])"),
    ("ng", "deep_logistic", "vector", "dz^{[2]}", r"W^{[3]T} dz^{[3]} * g^{[2]\prime}(z^{[2]})"),
    ("ng", "deep_logistic", "batch", "dW^[2]", "(1/m) dZ^[2] A^[1].T"),
    ("ng", "deep_logistic", "batch", "db^{[1]}", r"\frac{1}{m}\sum_{i=1}^m dZ^{[1](i)}"),
    ("ufldl", "tanh322", "component", "delta^(3)_1", "-(y_1 - a^(3)_1)*f'(z^(3)_1)"),
    ("ufldl", "tanh322", "component", r"\delta^{(3)}_1", r"-(y_1 - a^{(3)}_1) f'(z^{(3)}_1)"),
    ("ufldl", "tanh322", "vector", "delta^(2)", "((W^(2))^T delta^(3)) * f'(z^(2))"),
    (
        "ufldl",
        "tanh322",
        "vector",
        r"\delta^{(2)}",
        r"((W^{(2)})^T \delta^{(3)}) \bullet f'(z^{(2)})",
    ),
    ("ufldl", "tanh322", "batch", "dJ/dW^(1)", "(1/m) sum_i delta^{(2),(i)} (a^{(1),(i)})^T"),
    (
        "ufldl",
        "tanh322",
        "batch",
        r"\nabla_{W^{(1)}} J",
        r"\frac{1}{m}\sum_i \delta^{(2),(i)} (a^{(1),(i)})^T",
    ),
    ("dlfs", "softmax", "component", "dL/dW2_{41}", "z1_4 (y_1 - t_1)"),
    (
        "dlfs",
        "softmax",
        "component",
        r"\frac{\partial L}{\partial W^{(2)}_{52}}",
        r"z^{(1)}_5 \cdot (y_2 - t_2)",
    ),
    ("dlfs", "softmax", "vector", "dL/dW2", "z1.T @ (y - t)"),
    ("dlfs", "softmax", "vector", r"\frac{\partial L}{\partial W^2}", r"z^{1T} \cdot (y - t)"),
    ("dlfs", "softmax", "batch", "dL/dW2", "Z1.T @ (Y - T) / N"),
    (
        "dlfs",
        "softmax",
        "batch",
        r"\frac{\partial L}{\partial W^2}",
        r"\frac{1}{N} Z^{1T} \cdot (Y - T)",
    ),
]
BACKSLASH = "\\"
NETS = {
    "tanh322": symbp.Network(
        inputs=3, layers=[symbp.Layer(2, "tanh"), symbp.Layer(2)], loss="squared_error"
    )
}


@pytest.mark.parametrize(
    "notation, example, form, quantity, claim",
    FORMS,
    ids=[f"{f[0]}-{f[2]}-{'latex' if BACKSLASH in f[3] + f[4] else 'plain'}" for f in FORMS],
)
def test_each_preset_proves_component_vector_and_batch_forms(
    notation, example, form, quantity, claim
):
    net = NETS.get(example) or symbp.load(example)
    ck = Checker(symbp.derive(dataclasses.replace(net, notation=notation)))
    v = ck.verify(quantity, claim)
    assert v.status == "proved", v.diagnosis
    assert getattr(v, "form", "component") == form
