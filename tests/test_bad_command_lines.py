"""Bad command lines and odd output paths: exit 2, one line on stderr, no traceback, nothing
written (the corpus grows with every command)."""

from __future__ import annotations

import os

import pytest

from symbp.cli import main

BAD_CSV = "0,0,0\n0,1,one\n"
SHORT_CSV = "0,0,0\n0,1\n"

# (id, argv with {tmp} for the scratch folder, a fragment of the message)
CASES = [
    ("no-command", [], "required: COMMAND"),
    ("unknown-command", ["frobnicate"], "invalid choice: 'frobnicate'"),
    ("check-without-spec", ["check"], "required: SPEC"),
    ("evaluate-extra-argument", ["evaluate", "mazur", "--json", "more"], "unrecognized"),
    ("evaluate-unknown-option", ["evaluate", "mazur", "--yaml"], "unrecognized arguments"),
    ("check-unknown-example", ["check", "mazurr"], "unknown example or file 'mazurr'"),
    ("check-missing-file", ["check", "{tmp}/none.toml"], "no such file"),
    ("check-a-folder", ["check", "{tmp}"], "is a folder"),
    ("derive-unknown-example", ["derive", "nope", "-o", "{tmp}/out"], "unknown example"),
    ("derive-unknown-format", ["derive", "mazur", "--format", "docx", "-o", "{tmp}/out"], "docx"),
    ("derive-empty-format", ["derive", "mazur", "--format", "", "-o", "{tmp}/out"], "format"),
    (
        "derive-unknown-language",
        ["derive", "mazur", "--lang", "fr", "-o", "{tmp}/out"],
        "invalid choice: 'fr'",
    ),
    ("derive-output-is-a-file", ["derive", "mazur", "-o", "{tmp}/afile"], "{tmp}/afile"),
    ("derive-output-unwritable", ["derive", "mazur", "-o", "/proc/symbp-out"], "/proc"),
    (
        "derive-missing-templates",
        ["derive", "mazur", "--templates", "{tmp}/nope", "-o", "{tmp}/out"],
        "nope",
    ),
    ("compile-unknown-example", ["compile", "nope", "-o", "{tmp}/m.py"], "unknown example"),
    (
        "compile-under-a-file",
        ["compile", "mazur", "-o", "{tmp}/afile/m.py"],
        "{tmp}/afile",
    ),
    ("compile-into-a-folder", ["compile", "mazur", "-o", "{tmp}"], "{tmp}"),
    ("train-zero-epochs", ["train", "xor", "--epochs", "0"], "--epochs"),
    ("train-negative-epochs", ["train", "xor", "--epochs", "-5"], "--epochs"),
    ("train-epochs-not-a-number", ["train", "xor", "--epochs", "many"], "--epochs"),
    ("train-negative-lr", ["train", "xor", "--lr", "-0.5"], "--lr"),
    ("train-nan-lr", ["train", "xor", "--lr", "nan"], "--lr"),
    ("train-zero-batch", ["train", "xor", "--batch-size", "0"], "--batch-size"),
    ("train-negative-seed", ["train", "xor", "--seed", "-1"], "--seed"),
    ("train-missing-data", ["train", "xor", "--data", "{tmp}/none.csv"], "none.csv"),
    ("train-bad-csv", ["train", "xor", "--data", "{tmp}/bad.csv", "--epochs", "1"], "bad.csv"),
    (
        "train-short-csv-row",
        ["train", "xor", "--data", "{tmp}/short.csv", "--epochs", "1"],
        "short.csv",
    ),
    (
        "train-plot-under-a-file",
        ["train", "xor", "--epochs", "1", "--plot", "{tmp}/afile/p.png"],
        "{tmp}/afile",
    ),
    ("verify-without-claim", ["verify", "mazur", "--quantity", "dE/dw5"], "--claim"),
    (
        "verify-unclosed-bracket",
        ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "(out_o1 - target_o1"],
        "column",
    ),
    (
        "verify-python-code",
        [
            "verify",
            "mazur",
            "--quantity",
            "dE/dw5",
            "--claim",
            "__import__('os').system('touch {tmp}/pwned')",
        ],
        "column",
    ),
    (
        "verify-dunder",
        ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "out_o1.__class__"],
        "column",
    ),
    (
        "verify-huge-power",
        ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "2^2^2^2^99"],
        "exponent",
    ),
    (
        "verify-deep-nesting",
        ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "(" * 5000 + "w5" + ")" * 5000],
        "claim",
    ),
    (
        "verify-very-long",
        ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "+".join(["w5"] * 3000)],
        "claim",
    ),
    (
        "verify-unknown-weight",
        ["verify", "mazur", "--quantity", "dE/dw99", "--claim", "1"],
        "no symbol 'w99'",
    ),
    (
        "verify-unknown-name",
        ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "foo_o1"],
        "foo_o1",
    ),
    ("verify-missing-claims-file", ["verify", "mazur", "--claims", "{tmp}/none.toml"], "none.toml"),
    (
        "verify-report-without-claims",
        ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "1", "--report", "{tmp}/r.md"],
        "--report",
    ),
    ("verify-code-missing-file", ["verify-code", "mazur", "{tmp}/none.py:grads"], "none.py"),
    ("verify-code-no-function", ["verify-code", "mazur", "nocolon"], "FILE.py:FUNCTION"),
    ("graph-without-at", ["graph", "x+y"], "--at"),
    ("graph-unknown-name", ["graph", "x+q", "--at", "x=1"], "unknown name 'q'"),
    ("graph-bad-at", ["graph", "x+y", "--at", "x=1,y"], "--at"),
    ("graph-at-not-a-number", ["graph", "x", "--at", "x=abc"], "--at"),
    ("graph-division-by-zero", ["graph", "1/x", "--at", "x=0"], "column 2"),
    ("graph-python-code", ["graph", "__import__('os')", "--at", "x=1"], "column"),
    (
        "graph-unknown-format",
        ["graph", "x", "--at", "x=1", "--format", "docx", "-o", "{tmp}/g"],
        "docx",
    ),
    ("derive-unknown-view", ["derive", "mazur", "--view", "bogus"], "--view"),
]


@pytest.mark.parametrize("argv,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_command_line_exits_2_with_one_line_and_writes_nothing(
    tmp_path, capsys, argv, fragment
):
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "bad.csv").write_text(BAD_CSV)
    (tmp_path / "short.csv").write_text(SHORT_CSV)
    before = sorted(os.listdir(tmp_path))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert fragment.replace("{tmp}", str(tmp_path)) in err
    assert sorted(os.listdir(tmp_path)) == before


def test_interrupt_while_rendering_leaves_no_file(tmp_path, monkeypatch, capsys):
    from symbp import render

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "documents", interrupted)
    assert main(["derive", "mazur", "-o", str(tmp_path / "out")]) == 130
    assert "interrupted; nothing was written" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_interrupt_while_writing_leaves_no_file_and_no_temporary(tmp_path, monkeypatch, capsys):
    real_replace = os.replace

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    out = tmp_path / "out"
    assert main(["derive", "mazur", "-o", str(out), "--format", "tex,md"]) == 130
    monkeypatch.setattr(os, "replace", real_replace)
    assert list(out.iterdir()) == []
