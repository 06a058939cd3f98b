"""The bundled examples reproduce the numbers published in the seeds' posts."""

from __future__ import annotations

from pathlib import Path

import pytest

import symbp

OUTPUT = Path(__file__).parent.parent / "output"


def worked(name: str):
    return symbp.derive(symbp.load(name)).evaluate()


def loss_after_step(name: str) -> float:
    net = symbp.load(name)
    d = symbp.derive(net)
    step = d.evaluate()
    ex = net.example
    moved = type(ex)(ex.x, ex.y, step.updated_params, ex.learning_rate, ex.train_bias, ex.single)
    return d.evaluate(moved).loss


def test_mazur_total_error_is_the_posts():
    assert worked("mazur").loss == pytest.approx(0.298371109, abs=5e-10)


def test_mazur_forward_values_are_the_posts():
    w = worked("mazur")
    assert w.forward["z1"][0][0] == pytest.approx(0.3775, abs=1e-12)
    assert w.forward["a1"][0].tolist() == pytest.approx([0.593269992, 0.596884378], abs=5e-10)
    assert w.forward["a2"][0].tolist() == pytest.approx([0.75136507, 0.772928465], abs=5e-9)


def test_mazur_dE_dw5_is_the_posts():
    assert worked("mazur").gradients["W2"][0][0] == pytest.approx(0.082167041, abs=5e-10)


def test_mazur_updated_weights_are_the_posts():
    up = worked("mazur").updated_params
    assert up["W2"][0][0] == pytest.approx(0.35891648, abs=5e-9)
    assert up["W2"].ravel().tolist() == pytest.approx(
        [0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=5e-9
    )
    assert up["W1"].ravel().tolist() == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=5e-9
    )


def test_mazur_frozen_biases_are_not_updated():
    up = worked("mazur").updated_params
    assert float(up["b1"]) == 0.35 and float(up["b2"]) == 0.60


def test_deep_logistic_loss_and_loss_after_one_step():
    assert worked("deep_logistic").loss == pytest.approx(2.0200034, abs=5e-8)
    assert loss_after_step("deep_logistic") == pytest.approx(1.8307847, abs=5e-8)


def test_logistic_loss_and_loss_after_one_step():
    assert worked("logistic").loss == pytest.approx(2.8590328, abs=5e-8)
    assert loss_after_step("logistic") == pytest.approx(1.6852985, abs=5e-8)


def test_logistic_any_parameters_with_the_same_pre_activation_give_the_same_loss():
    net = symbp.load("logistic")
    other = net.with_example(
        x=[2, 3], y=[0], learning_rate=0.1, params={"W1": [[0.1, 0.6]], "b1": [0.8]}
    )
    assert symbp.derive(other).evaluate().loss == pytest.approx(2.8590328, abs=5e-8)


@pytest.mark.parametrize("name", sorted(symbp.list_examples()))
def test_bundled_example_is_proved_by_check(name):
    d = symbp.derive(symbp.load(name))
    report = d.check()
    assert report.ok
    if d.checks_every_width:  # digits: the layer rules for every width, on the reduced copy
        assert report.scope == "every width"
        assert len(report.reduced.parameters) == len(d.representative.gradients) > 0
        assert report.obligations
    else:
        assert len(report.parameters) == len(d.gradients)


@pytest.mark.parametrize(
    "name, before, after",
    [
        ("logistic", "2.8590328", "1.6852985"),  # seeds/001, both cases
        ("deep_logistic", "2.0200034", "1.8307847"),
        ("mazur", "0.298371109", "0.291027774"),  # seeds/002 (the post: 0.291027924, rounded)
    ],
)
def test_documents_end_with_the_cost_after_the_step(name, before, after):
    text = (OUTPUT / f"{name}.md").read_text(encoding="utf-8")
    tail = text[text.rindex("###") :]
    assert before in tail and after in tail


def test_mazur_document_reports_ten_thousand_steps_from_the_compiled_trainer():
    # seeds/002: E = 3.51018778e-05, outputs 0.01591362 and 0.98406427 in exact float64
    # arithmetic (the post prints 0.0000351085, 0.015912196, 0.984065734 from rounded values)
    for name in ("mazur.md", "mazur.tex", "mazur.zh.md", "mazur.zh.tex"):
        text = (OUTPUT / name).read_text(encoding="utf-8")
        assert r"3.51018778 \times 10^{-5}" in text
        assert "0.0159136204" in text and "0.984064274" in text


def test_mazur_document_has_a_notation_key_before_the_mazur_named_sections():
    text = (OUTPUT / "mazur.md").read_text(encoding="utf-8")
    key = text.index("### Notation key")
    assert key < text.index("## Layer by layer")
    row = text[key:].split("\n\n")[2]
    assert r"$\mathrm{net}_{o1}$" in row and "$w_{5}$" in row and r"$E_{\mathrm{total}}$" in row
