"""`symbp examples`, `symbp check` and `symbp evaluate` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import symbp
from symbp.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_examples_lists_every_bundled_example_with_one_line(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["deep_logistic", "digits", "logistic", "mazur", "softmax", "xor"]


def test_evaluate_mazur_json_has_the_posts_numbers(capsys):
    code, out, _ = run(capsys, "evaluate", "mazur", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["loss"] == pytest.approx(0.298371109, abs=5e-10)
    assert data["gradients"]["W2"][0][0] == pytest.approx(0.082167041, abs=5e-10)
    assert data["updated_params"]["W2"][0][0] == pytest.approx(0.35891648, abs=5e-9)
    assert data["updated_params"]["W1"][0][0] == pytest.approx(0.14978072, abs=5e-9)
    assert set(data["forward"]) == {"z1", "a1", "z2", "a2"}
    assert set(data["deltas"]) == {"delta1", "delta2"}
    assert data["forward"]["a1"] == pytest.approx([0.593269992, 0.596884378], abs=5e-10)


def test_evaluate_batch_json_keeps_rows(capsys):
    code, out, _ = run(capsys, "evaluate", "xor", "--json")
    data = json.loads(out)
    assert code == 0 and len(data["forward"]["a2"]) == 4 and len(data["forward"]["a2"][0]) == 1


def test_evaluate_mazur_json_golden(capsys, golden):
    _, out, _ = run(capsys, "evaluate", "mazur", "--json")
    golden("evaluate/mazur.json", out)


def test_evaluate_text_shows_9_significant_digits(capsys):
    code, out, _ = run(capsys, "evaluate", "mazur")
    assert code == 0 and out.startswith("loss: 0.298371109\n")
    assert "  z1 = [0.3775, 0.3925]\n" in out  # not 0.39249999999999996
    assert "  a2 = [0.75136507, 0.772928465]\n" in out  # Mazur's out_o1 and out_o2


def test_derivation_and_worked_example_reprs_are_one_line_summaries():
    d = symbp.derive(symbp.load("mazur"))
    assert repr(d) == "<Derivation mazur: 2-2-2, sigmoid/sigmoid, squared_error, 10 parameters>"
    w = d.evaluate()
    assert repr(w).startswith("<WorkedExample mazur: loss 0.298371109, 1 sample,")
    table = w._repr_markdown_()
    assert "| gradients.W2 | 2×2 | 0.082167, 0.0826676, -0.0226025, -0.0227402 |" in table
    assert len(table) < 2000


def test_check_proves_mazur_and_exits_0(capsys):
    code, out, _ = run(capsys, "check", "mazur")
    assert code == 0
    assert "dE/dw5: BP = direct differentiation" in out
    assert "mazur: 10 parameters, all proved" in out


def test_check_json_lists_every_parameter(capsys):
    code, out, _ = run(capsys, "check", "softmax", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] and len(data["parameters"]) == 5 * 4 + 5 + 3 * 5 + 3
    assert data["identities"] == [r"\sum_j y_j = 1"]


def test_bad_option_exits_2(capsys):
    code, _, err = run(capsys, "evaluate", "mazur", "--bogus")
    assert code == 2 and "unrecognized arguments" in err


def test_spec_without_example_cannot_be_evaluated(tmp_path, capsys):
    path = tmp_path / "plain.toml"
    path.write_text("inputs = 1\n[[layers]]\nunits = 1\n")
    code, out, err = run(capsys, "evaluate", str(path))
    assert code == 2 and out == "" and "has no [example] table" in err


def test_module_entry_point_runs(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "symbp", "examples"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0 and "mazur" in done.stdout


def test_check_on_a_wide_network_holds_for_every_width(tmp_path, capsys):
    path = tmp_path / "wide.toml"
    path.write_text("inputs = 4\n" + "".join(f"[[layers]]\nunits = {n}\n" for n in (16, 16, 4)))
    code, out, err = run(capsys, "check", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["scope"] == "every width"
    assert report["counts"]["symbolic, every width"] == 3


def test_check_on_a_deep_network_states_its_cost_and_asks_for_force(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    widths = [16] * 6 + [4]
    path.write_text("inputs = 4\n" + "".join(f"[[layers]]\nunits = {n}\n" for n in widths))
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == ""
    assert "1508 parameters" in err and "estimated at" in err and "--force" in err
