"""Activations defined in a spec (`[activations.swish]`): derived, proven and used everywhere
like a built-in; bad definitions refused with exit 2 and the key."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import symbp
from symbp import activations
from symbp.cli import main

SPEC = """
inputs = 3
loss = "squared_error"

[activations.swish]
definition = "z * sigmoid(z)"
latex = "\\\\operatorname{swish}"

[[layers]]
units = 3
activation = "swish"

[[layers]]
units = 2
activation = "sigmoid"

[example]
x = [[0.3, -1.2, 0.8], [-2.0, 0.1, 0.4]]
y = [[0.2, 0.9], [0.6, 0.1]]
"""


@pytest.fixture
def swish_spec(tmp_path):
    path = tmp_path / "swish.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_swish_derivative_is_written_in_its_own_output_and_proved(swish_spec):
    symbp.load(swish_spec)
    entry = activations.get("swish")
    assert activations.prove_derivative(entry).ok
    assert entry.cls.derivative.has(entry.cls)


def test_swish_network_checks(swish_spec, capsys):
    assert main(["check", str(swish_spec)]) == 0


def test_swish_evaluate_and_compile_match_torch_autograd(swish_spec):
    torch = pytest.importorskip("torch")
    net = symbp.load(swish_spec)
    ex = net.example

    want_loss, want = torch_gradients_silu(net, ex, torch)
    w = symbp.derive(net).evaluate()
    assert w.loss == pytest.approx(want_loss, rel=1e-12)
    got = symbp.compile(net).gradients(ex.params, ex.X, ex.Y)
    for key, value in want.items():
        np.testing.assert_allclose(w.gradients[key], value, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(got[key], value, rtol=1e-10, atol=1e-13)


def torch_gradients_silu(net, ex, torch):
    """torch autograd with the swish layer as torch.nn.functional.silu."""
    tp = {
        k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=True)
        for k, v in ex.params.items()
    }
    a = torch.tensor(ex.X, dtype=torch.float64)
    a = torch.nn.functional.silu(a @ tp["W1"].T + tp["b1"])
    a = torch.sigmoid(a @ tp["W2"].T + tp["b2"])
    loss = (0.5 * ((torch.tensor(ex.Y) - a) ** 2).sum(dim=1)).mean()
    loss.backward()
    return float(loss.detach()), {k: v.grad.numpy() for k, v in tp.items()}


def test_swish_exported_module_is_finite_at_1000(swish_spec, tmp_path):
    out = tmp_path / "swish_model.py"
    assert main(["compile", str(swish_spec), "-o", str(out)]) == 0
    namespace: dict = {}
    exec(compile(out.read_text(encoding="utf-8"), str(out), "exec"), namespace)
    net = symbp.load(swish_spec)
    params = {k: np.asarray(v) * 1000 for k, v in net.example.params.items()}
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        grads = namespace["gradients"](params, net.example.X, net.example.Y)
        cost = namespace["loss"](params, net.example.X, net.example.Y)
    assert np.isfinite(cost)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_verify_reads_a_claim_using_swish_prime(swish_spec, capsys):
    claim = (
        "((a^2_1 - y_1) a^2_1 (1 - a^2_1) w^2_{11} + (a^2_2 - y_2) a^2_2 (1 - a^2_2) w^2_{21})"
        " swish'(z^1_1)"
    )
    assert main(["verify", str(swish_spec), "--quantity", "dC/dz^1_1", "--claim", claim]) == 0
    wrong = claim.replace("swish'", "sigmoid'")
    assert main(["verify", str(swish_spec), "--quantity", "dC/dz^1_1", "--claim", wrong]) == 1


def test_swish_documents_print_its_latex_name(swish_spec, tmp_path, capsys):
    out = tmp_path / "docs"
    assert main(["derive", str(swish_spec), "-o", str(out), "--format", "tex,md"]) == 0
    assert r"\operatorname{swish}(z^{1}_{1})" in (out / "swish.tex").read_text("utf-8")
    assert main(["derive", str(swish_spec), "--view", "graph", "-o", str(tmp_path / "g")]) == 0
    assert "Swish" in (tmp_path / "g" / "swish.graph.md").read_text("utf-8")


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("x * sigmoid(z)", "unknown name 'x'"),
        ("foo(z)", "unknown name 'foo'"),
        ("2", "must be a function of z"),
        ("z * exp(z)", "not finite"),
        ("z +", "column"),
    ],
    ids=["other-variable", "unknown-function", "constant", "overflows", "unparseable"],
)
def test_bad_definition_exits_2_naming_the_key(tmp_path, capsys, definition, message):
    path = tmp_path / "bad.toml"
    path.write_text(SPEC.replace("z * sigmoid(z)", definition), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["derive", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "activations.swish.definition" in err and message in err
    assert len(err.splitlines()) == 1
    assert not out.exists()


def test_a_built_in_name_cannot_be_redefined(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(SPEC.replace("[activations.swish]", "[activations.sigmoid]"), "utf-8")
    assert main(["check", str(path)]) == 2
    assert "activations.sigmoid: 'sigmoid' is a built-in activation" in capsys.readouterr().err
