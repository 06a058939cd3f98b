"""`symbp verify` and `symbp verify-code`: exit status 0/1/2, text, JSON, claims files, reports."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from symbp.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "seed001_gradients.py"
W5 = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"

CLAIMS_TOML = r"""
"dE/dw5" = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"
"dE/dw6" = "(out_o1 - target_o1)*out_h2"
"dE/dw1" = "(delta_o1 w5 + delta_o2 w6) out_h1 (1 - out_h1) i1"
"\\frac{\\partial E}{\\partial w_7}" = "(target_o2 - out_o2) \\cdot out_o2 (1-out_o2) out_h1"
"dout_o1/dnet_o1" = "out_o1 (1 - out_o1)"
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_proved_claim_exits_0(capsys):
    code, out, err = run(capsys, "verify", "mazur", "--quantity", "dE/dw5", "--claim", W5)
    assert code == 0 and err == ""
    assert "proved" in out


def test_wrong_claim_exits_1_with_diagnosis(capsys, golden):
    code, out, _ = run(
        capsys, "verify", "mazur", "--quantity", "dE/dw5", "--claim", "(out_o1 - target_o1)*out_h1"
    )
    assert code == 1
    golden("verify/mazur_missing_factor.txt", out)


def test_wrong_claim_in_chinese(capsys, golden):
    code, out, _ = run(
        capsys,
        "verify",
        "xor",
        "--quantity",
        r"\frac{\partial loss}{\partial w^L_{kj}}",
        "--claim",
        r"(y_k – \hat{y_k}) \sigma'(z_k^L) a_j^{L-1}",
        "--lang",
        "zh",
    )
    assert code == 1
    golden("verify/xor_seed000_sign.zh.txt", out)


def test_json_verdict(capsys, golden):
    code, out, _ = run(
        capsys,
        "verify",
        "mazur",
        "--quantity",
        "dE/dw1",
        "--claim",
        "(delta_o1 w5 + delta_o2 w6) out_h1 (1 - out_h1) i1",
        "--json",
    )
    assert code == 1
    data = json.loads(out)
    assert data["diagnosis"]["kind"] == "index"
    assert data["diagnosis"]["swaps"] == [["w6", "w7"]]
    golden("verify/mazur_index.json", out)


def test_claims_file_text_and_markdown_report(capsys, tmp_path, golden):
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIMS_TOML, encoding="utf-8")
    report = tmp_path / "report.md"
    code, out, err = run(
        capsys, "verify", "mazur", "--claims", str(claims), "--report", str(report)
    )
    assert code == 1 and err == ""
    golden("verify/mazur_claims.txt", out)
    golden("verify/mazur_claims.md", report.read_text(encoding="utf-8"))


def test_claims_file_json(capsys, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIMS_TOML, encoding="utf-8")
    code, out, _ = run(capsys, "verify", "mazur", "--claims", str(claims), "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    kinds = [c.get("diagnosis", {}).get("kind", "proved") for c in data["claims"]]
    assert kinds == ["proved", "missing_factor", "index", "sign", "proved"]


def test_malformed_claim_in_a_file_exits_2_and_writes_nothing(capsys, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text('"dE/dw5" = "out_h1 +"\n', encoding="utf-8")
    report = tmp_path / "report.md"
    code, out, err = run(
        capsys, "verify", "mazur", "--claims", str(claims), "--report", str(report)
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "dE/dw5" in err and "column 9" in err
    assert not report.exists()


@pytest.mark.parametrize(
    "args,match",
    [
        (["--quantity", "dE/dw5"], "give --quantity Q and --claim EXPR"),
        (["--claims", "nope.toml"], "cannot read"),
        (["--quantity", "dE/dw5", "--claim", "w5", "--report", "r.md"], "--report needs"),
    ],
    ids=["no-claim", "no-file", "report-without-claims"],
)
def test_bad_options_exit_2(capsys, args, match):
    code, out, err = run(capsys, "verify", "mazur", *args)
    assert code == 2 and out == "" and match in err


HOSTILE = [
    "__import__('os').system('touch PWNED')",
    "eval('1+1')",
    "().__class__.__mro__",
    "2^2^2^2^99",
    "(" * 10000 + "out_h1" + ")" * 10000,
    "out_h1 + " * 5000,
    "exec\n('x')",
]


@pytest.mark.parametrize("claim", HOSTILE, ids=[h[:20] for h in HOSTILE])
def test_hostile_claims_exit_2_quickly_and_run_nothing(capsys, tmp_path, monkeypatch, claim):
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    code, out, err = run(capsys, "verify", "mazur", "--quantity", "dE/dw5", "--claim", claim)
    assert code == 2 and out == ""
    assert err.startswith("symbp: error: ") and err.count("\n") == 1
    assert time.perf_counter() - start < 10
    assert list(tmp_path.iterdir()) == []


def test_verify_code_catches_seed001(capsys, golden):
    code, out, _ = run(capsys, "verify-code", "deep_logistic", f"{FIXTURE}:gradients")
    assert code == 1
    golden("verify/seed001_code.txt", out)


def test_verify_code_json_and_fixed_code(capsys):
    code, out, _ = run(
        capsys, "verify-code", "deep_logistic", f"{FIXTURE}:gradients_fixed", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and data["wrong"] == []
    assert data["checked"] == 45


@pytest.mark.parametrize(
    "target,match",
    [(f"{FIXTURE}:missing", "no function 'missing'"), (f"{FIXTURE}:raises", "raised ValueError")],
    ids=["missing-function", "raising-function"],
)
def test_verify_code_bad_input_exits_2(capsys, target, match):
    code, out, err = run(capsys, "verify-code", "deep_logistic", target)
    assert code == 2 and out == "" and match in err


def test_claims_file_reports_every_readable_claim_and_marks_the_others(capsys, tmp_path):
    claims = tmp_path / "claims.toml"
    claims.write_text(
        '"dE/dw5" = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"\n'
        '"dE/dw6" = "out_h1 +"\n"dE/dw7" = 3\n"dE/dw8" = "delta_o2 out_h2"\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "verify", "mazur", "--claims", str(claims), "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    verdicts = [c["verdict"] for c in data["claims"]]
    assert verdicts == ["proved", "unreadable", "unreadable", "proved"]
    assert "column 9" in data["claims"][1]["error"]
    assert "must be a string" in data["claims"][2]["error"]
    code, out, _ = run(capsys, "verify", "mazur", "--claims", str(claims))
    assert out.count("UNREADABLE: ") == 2 and out.count("proved: ") == 2


def test_claim_naming_an_absent_unit_exits_1_listing_the_units(capsys):
    code, out, err = run(capsys, "verify", "mazur", "--quantity", "dE/dw5", "--claim", "out_o9")
    assert code == 1 and err == ""
    assert "NOT EQUAL: out_o9 does not exist in this network (it has out_o1, out_o2)" in out
