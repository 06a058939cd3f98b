"""`symbp graph`: JSON and documents against golden files; bad input: exit 2, nothing written."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from symbp.cli import main

APPLES = ("(apple*n + orange*m)*tax", "apple=100,n=2,orange=150,m=3,tax=1.1")
SIGMOID = ("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_of_apples_and_oranges_has_the_books_numbers(capsys, golden):
    code, out, _ = run(capsys, "graph", APPLES[0], "--at", APPLES[1], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["value"] == 715
    assert data["gradients"] == {"apple": 2.2, "n": 110, "orange": 3.3, "m": 165, "tax": 650}
    golden("graph/apples_oranges.json", out)


def test_json_nodes_carry_operation_inputs_value_upstream_and_local_gradients(capsys):
    code, out, _ = run(capsys, "graph", "apple*n*tax", "--at", "apple=100,n=2,tax=1.1", "--json")
    nodes = json.loads(out)["nodes"]
    last = nodes[-1]
    assert (last["op"], last["inputs"], last["value"], last["grad"]) == ("mul", [3, 4], 220, 1)
    assert (last["local"], last["sends"]) == ([1.1, 200], [1.1, 200])
    first_mul = nodes[2]
    assert (first_mul["value"], first_mul["grad"], first_mul["sends"]) == (200, 1.1, [2.2, 110])


@pytest.mark.parametrize(
    ("stem", "expr", "at"),
    [("apples_oranges", *APPLES), ("sigmoid_neuron", *SIGMOID)],
    ids=["apples-oranges", "sigmoid-neuron"],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_documents_match_their_golden_files(capsys, golden, tmp_path, stem, expr, at, lang):
    code, out, _ = run(
        capsys, "graph", expr, "--at", at, "-o", str(tmp_path), "--lang", lang, "--name", stem
    )
    assert code == 0
    suffix = "" if lang == "en" else ".zh"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"{stem}{suffix}.{ext}" for ext in ("md", "svg", "tex"))
    for name in names:
        golden(f"graph/{name}", (tmp_path / name).read_text(encoding="utf-8"))


def test_plain_listing_names_each_node(capsys):
    code, out, _ = run(capsys, "graph", "(x + y)*z", "--at", "x=-2,y=5,z=-4")
    assert code == 0
    assert out.splitlines()[:4] == ["value = -12", "d/dx = -4", "d/dy = -4", "d/dz = 3"]
    assert "#5 ×(#3, #4): value -12, grad 1, local [-4, 3], sends [-4, 3]" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["apple*q", "--at", "apple=1"], "column 7: unknown name 'q'"),
        (["apple*(n", "--at", "apple=1,n=2"], "column 9"),
        (["x", "--at", "x=1,y"], "--at, column 5"),
        (["x", "--at", "x=1", "-o", "OUT", "--format", "docx"], "--format: unknown format 'docx'"),
        (["log(x)", "--at", "x=-1", "-o", "OUT"], "not a finite real number"),
    ],
    ids=["unknown-name", "unclosed-bracket", "bad-at", "bad-format", "complex-value"],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(capsys, tmp_path, argv, message):
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    code, out, err = run(capsys, "graph", *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_at_is_a_usage_error(capsys):
    code, _, err = run(capsys, "graph", "x")
    assert code == 2 and "--at" in err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_graph_tex_is_right_after_one_pdflatex_run_and_pdf_is_a_format(capsys, tmp_path):
    code, _, _ = run(
        capsys, "graph", SIGMOID[0], "--at", SIGMOID[1], "-o", str(tmp_path), "--format", "tex,pdf"
    )
    assert code == 0 and (tmp_path / "graph.pdf").read_bytes()[:5] == b"%PDF-"
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "graph.tex"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    log = (tmp_path / "graph.log").read_text(errors="replace")
    assert done.returncode == 0 and "Rerun" not in log and "Overfull" not in log


@pytest.mark.parametrize("fmt", ["tex", "md"])
def test_a_small_number_prints_as_a_power_of_ten_in_the_documents(capsys, tmp_path, fmt):
    # sigma'(10) = e^-10 / (1 + e^-10)^2 = 4.53958e-5 (mpmath: 4.5395807735951673e-05)
    code, _, _ = run(
        capsys, "graph", "1/(1 + exp(-x))", "--at", "x=10", "-o", str(tmp_path), "--format", fmt
    )
    text = (tmp_path / f"graph.{fmt}").read_text(encoding="utf-8")
    assert code == 0 and r"\frac{\partial f}{\partial x}" in text.replace("dfrac", "frac")
    assert r"4.53958 \times 10^{-5}" in text and "e-5" not in text
