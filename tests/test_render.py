"""Derivation documents: the printer, the vector forms, golden documents, output/ and the CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from bundled import documents as bundled

import symbp
from symbp import cli, render
from symbp.activations import LeakyRelu, Relu, Sigmoid, Softmax
from symbp.derive import general as G
from symbp.errors import FormatError
from symbp.render import pdf
from symbp.render.env import tex_escape
from symbp.render.printer import BatchMean, Sample, Updated, number, tex
from symbp.render.vector import vector_forms

EXAMPLES = sorted(symbp.list_examples())

# --- the printer: tiny goldens beside the input, as sympy's test_latex.py does ---------------

z = sp.Symbol("z")


@pytest.mark.parametrize(
    "expr, expected",
    [
        (Sigmoid(z), r"\sigma(z)"),
        (Relu(z), r"\operatorname{ReLU}(z)"),
        (LeakyRelu(z, sp.Rational(1, 100)), r"\operatorname{LReLU}_{\frac{1}{100}}(z)"),
        (Softmax(2, z, sp.Symbol("u")), r"\operatorname{softmax}_{2}(z, u)"),
        (sp.Heaviside(z, 0), r"H(z)"),
        (G.w[G.l + 1, G.k, G.j], r"w^{l + 1}_{kj}"),
        (G.a[G.L, G.j], r"a^{L}_{j}"),
        (G.y[G.j], r"y_{j}"),
        (sp.Derivative(G.sigma(G.z[G.l, G.j]), G.z[G.l, G.j]), r"\sigma'(z^{l}_{j})"),
        (sp.Derivative(G.C, G.b[G.l, G.j]), r"\frac{\partial C}{\partial b^{l}_{j}}"),
        (Updated(sp.Symbol("w5")), r"w_{5}^{+}"),
    ],
    ids=[
        "sigmoid",
        "relu",
        "leaky_relu_slope_as_subscript",
        "softmax_output_index",
        "heaviside_as_H",
        "indexed_weight_superscript_layer",
        "indexed_activation",
        "indexed_target",
        "sigma_prime",
        "partial_fraction",
        "updated_parameter",
    ],
)
def test_printer_prints_symbp_notation(expr, expected):
    assert tex(expr) == expected


def test_printer_uses_the_notation_table():
    d = symbp.derive(symbp.load("mazur"))
    out_h1 = d.layers[0].a[0]
    assert tex(out_h1, d.names.tex) == r"\mathrm{out}_{h1}"
    assert tex(d.cost_symbol, d.names.tex) == r"E_{\mathrm{total}}"


def test_printer_values_parenthesize_negative_numbers_in_products():
    a, b = sp.symbols("a b")
    assert tex(a * b, values={a: "0.5", b: "-0.25"}) == r"0.5 \cdot (-0.25)"


def test_printer_values_leading_negative_number_needs_no_brackets():
    a, b = sp.symbols("a b")
    expr = sp.Add(a, -b, evaluate=False)
    assert tex(expr, values={a: "-1", b: "2"}, order="none") == "-1 - 2"
    assert tex(a, values={a: "-1"}) == "-1"


def test_compact_printing_states_a_sum_by_its_index_alone():
    y, j = G.y, G.j
    assert tex(G.TARGETS_SUM_TO_ONE, compact=True) == r"\sum_j y_j = 1"
    assert tex(G.TARGETS_SUM_TO_ONE) == r"\sum_{j=1}^{n_{L}} y_{j} = 1"
    assert tex(sp.Sum(2 * y[j] + 1, (j, 1, 3)), compact=True) == r"\sum_j (2 y_j + 1)"


def test_hadamard_product_prints_as_odot():
    bp2 = vector_forms().bp2[1]
    assert r"\odot" in tex(bp2) and r"^{T}" in tex(bp2)


@pytest.mark.parametrize(
    "value, expected",
    [(0.08216704056423078, "0.0821670406"), (0.3775, "0.3775"), (2.0, "2"), (-1.5e-07, None)],
    ids=["nine_significant_digits", "short_stays_short", "integer", "tiny_uses_power_of_ten"],
)
def test_number_has_nine_significant_digits(value, expected):
    text = number(value)
    if expected is None:
        assert text == r"-1.5 \times 10^{-7}"
    else:
        assert text == expected


@pytest.mark.parametrize("name", ["mazur", "xor", "deep_logistic", "logistic"])
def test_printed_equations_parse_back_to_the_same_expression(name):
    """Print, then read with the claim parser: every forward and backward expression survives."""
    from symbp.parse.reader import parse

    d = symbp.derive(symbp.load(name))
    exprs = [d.cost] + [e for lf in d.layers for e in lf.z_def + lf.a_def]
    exprs += [e for lb in d.backward for e in lb.dC_da + lb.delta_raw + lb.delta]
    for e in exprs:
        back = parse(tex(e, d.names.tex), d.names.names())
        assert sp.simplify(back - e) == 0, tex(e, d.names.tex)


# --- the vector forms are the derivation, row by row ------------------------------------------

NON_SQUARE = """
inputs = 3
loss = "squared_error"
[[layers]]
units = 2
activation = "tanh"
[[layers]]
units = 4
activation = "sigmoid"
"""


@pytest.fixture(scope="module")
def non_square(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "n324.toml"
    path.write_text(NON_SQUARE)
    return symbp.derive(symbp.load(path))


def _explicit(expr, table):
    return sp.Matrix(expr.xreplace(table).doit())


def test_vector_bp1_and_bp2_rows_equal_the_layer_deltas(non_square):
    d = non_square
    v = vector_forms()
    s = v.symbols
    (_, o), (bh, bo) = d.layers, d.backward
    bp1 = _explicit(
        v.bp1[1],
        {
            s["grad_a C"]: sp.Matrix(bo.dC_da),
            s["sigma'(z^L)"]: sp.Matrix([bo.jacobian[i, i] for i in range(4)]),
        },
    )
    assert sp.expand(bp1 - sp.Matrix(bo.delta)) == sp.zeros(4, 1)
    bp2 = _explicit(
        v.bp2[1],
        {
            s["w^l+1"]: sp.Matrix(o.weights),
            s["delta^l+1"]: sp.Matrix(d.delta_symbols[1]),
            s["sigma'(z^l)"]: sp.Matrix([bh.jacobian[i, i] for i in range(2)]),
        },
    )
    assert sp.expand(bp2 - sp.Matrix(bh.delta)) == sp.zeros(2, 1)


def test_vector_bp4_is_the_outer_product_of_delta_and_previous_outputs(non_square):
    d = non_square
    v = vector_forms()
    s = v.symbols
    grad = _explicit(
        v.bp4[1],
        {s["delta^l"]: sp.Matrix(d.delta_symbols[1]), s["a^l-1"]: sp.Matrix(d.layers[0].a)},
    )
    assert grad == sp.Matrix(d.backward[1].grad_w)
    assert grad.shape == (4, 2)


# --- documents --------------------------------------------------------------------------------


def test_rendering_is_deterministic():
    d1 = symbp.derive(symbp.load("xor"))
    d2 = symbp.derive(symbp.load("xor"))
    assert render.document(d1, "tex") == render.document(d2, "tex")


MAZUR_NUMBERS = (
    "0.3775 0.593269992 0.596884378 0.75136507 0.772928465 0.274811083 0.023560026 0.298371109 "
    "0.74136507 0.186815602 0.082167041 0.35891648 0.408666186 0.511301270 0.561370121 "
    "0.036350306 0.241300709 0.000438568 0.149780716 0.19956143 0.24975114 0.29950229"
).split()


@pytest.mark.parametrize("fmt", ["tex", "md"])
@pytest.mark.parametrize("number_text", MAZUR_NUMBERS)
def test_mazur_document_contains_every_number_of_the_post(fmt, number_text):
    """Mazur rounds to 8 or 9 decimals; the document shows 9 significant digits."""
    text = bundled()[f"mazur.{fmt}"]
    shown = {float(s) for s in re.findall(r"-?\d+\.\d+", text)}
    decimals = len(number_text.split(".")[1])
    assert any(round(s, decimals) == float(number_text) for s in shown), number_text


@pytest.mark.parametrize("fmt", ["tex", "md"])
def test_mazur_document_names_bp1_to_bp4(fmt):
    text = bundled()[f"mazur.{fmt}"]
    for name in ("BP1", "BP2", "BP3", "BP4"):
        assert f"\\text{{({name})}}" in text


def test_mazur_document_shows_the_chain_rule_for_w5_and_w1():
    text = bundled()["mazur.tex"]
    for p in ("w_{5}", "w_{1}"):
        assert rf"\frac{{\partial E_{{\mathrm{{total}}}}}}{{\partial {p}}}" in text


def test_chinese_document_has_chinese_prose():
    assert "反向传播" in bundled()["mazur.zh.md"]


def test_derivation_displays_itself_in_jupyter():
    d = symbp.derive(symbp.load("logistic"))
    assert d._repr_markdown_() == render.document(d, "md")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("lang", render.LANGS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_tex_compiles_without_overfull_lines(name, lang, tmp_path):
    if not pdf.available(lang):
        pytest.skip(f"no LaTeX support for {lang} here (CJKutf8)")
    fname = render.filename(name, "tex", lang)
    (tmp_path / fname).write_text(bundled()[fname], encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", fname],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    log = (tmp_path / fname.replace(".tex", ".log")).read_text(errors="replace")
    assert run.returncode == 0, log[-2000:]
    assert "Overfull \\hbox" not in log


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler)")
@pytest.mark.parametrize("lang", render.LANGS)
@pytest.mark.parametrize("name", ["deep_logistic", "softmax"])
def test_no_page_starts_with_the_rest_of_a_derivation(name, lang, tmp_path):
    if not pdf.available(lang):
        pytest.skip(f"no LaTeX support for {lang} here (CJKutf8)")
    fname = render.filename(name, "tex", lang)
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf.compile_pdf(bundled()[fname], "doc", lang))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    firsts = [page.strip().splitlines()[0].strip() for page in text.split("\f") if page.strip()]
    orphans = [n for n, line in enumerate(firsts, start=1) if line.startswith("=")]
    assert orphans == [], f"pages {orphans} start with an '= ...' line cut from its derivation"


LEAKY = """
name = "my_net%"
description = 'user text with _ & $ # ^ { } ~ < > \\input{x} \\\\ \\'
inputs = 3
loss = "squared_error"
[[layers]]
units = 2
activation = "leaky_relu"
alpha = 0.1
[[layers]]
units = 2
activation = "softplus"
[example]
x = [0.5, -1.0, 2.0]
y = [1, 0.5]
"""


def test_backslash_and_word_commands_keep_their_braces_in_tex():
    text = r"a\input{x} ~b ^c 50% <d>"
    expected = r"a\textbackslash{}input\{x\} \textasciitilde{}b \textasciicircum{}c 50\% $<$d$>$"
    assert tex_escape(text) == expected


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_user_names_and_underscored_activations_are_escaped_in_tex(tmp_path):
    spec = tmp_path / "leaky.toml"
    spec.write_text(LEAKY)
    text = render.document(symbp.derive(symbp.load(spec)), "tex")
    (tmp_path / "leaky.tex").write_text(text, encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "leaky.tex"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert run.returncode == 0, (tmp_path / "leaky.log").read_text(errors="replace")[-2000:]


# --- the command line -------------------------------------------------------------------------


def test_derive_without_spec_writes_mazur(tmp_path):
    out = tmp_path / "docs"
    assert cli.main(["derive", "-o", str(out), "--format", "tex,md"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["mazur.md", "mazur.tex"]
    assert (out / "mazur.tex").read_text(encoding="utf-8") == bundled()["mazur.tex"]


def test_derive_zh_writes_separate_files(tmp_path):
    assert (
        cli.main(["derive", "logistic", "-o", str(tmp_path), "--lang", "zh", "--format", "md"]) == 0
    )
    assert [p.name for p in tmp_path.iterdir()] == ["logistic.zh.md"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["derive", "--format", "tex,docx"], "unknown format 'docx'"),
        (["derive", "no_such_example"], "no_such_example"),
        (["derive", "--templates", "/no/such/dir"], "not a directory"),
    ],
    ids=["unknown_format", "unknown_spec", "missing_template_dir"],
)
def test_derive_bad_input_exits_2_and_writes_nothing(argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main([*argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_derive_writes_all_documents_or_none(tmp_path, capsys):
    (tmp_path / "mazur.md").mkdir()
    assert cli.main(["derive", "-o", str(tmp_path), "--format", "tex,md"]) == 2
    assert "mazur.md: is a folder, not a file name" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mazur.md"]


def test_derive_pdf_without_tex_engine_exits_2_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pdf, "engine", lambda: None)
    out = tmp_path / "out"
    assert cli.main(["derive", "-o", str(out), "--format", "tex,pdf"]) == 2
    assert "no TeX engine" in capsys.readouterr().err
    assert not out.exists()


def test_default_formats_add_pdf_only_when_an_engine_exists(monkeypatch):
    monkeypatch.setattr(pdf, "engine", lambda: None)
    assert render.parse_formats(None) == ["tex", "md"]
    monkeypatch.setattr(pdf, "engine", lambda: "pdflatex")
    assert render.parse_formats(None) == ["tex", "md", "pdf"]


def test_user_template_overrides_one_block(tmp_path):
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "derivation.md.jinja2").write_text(
        '<% extends "default/md/derivation.md.jinja2" %><% block worked %>MY EXAMPLE<% endblock %>'
    )
    out = tmp_path / "out"
    argv = ["derive", "logistic", "-o", str(out), "--format", "md", "--templates", str(tmp_path)]
    assert cli.main(argv) == 0
    text = (out / "logistic.md").read_text(encoding="utf-8")
    assert "MY EXAMPLE" in text and "Worked example" not in text and "BP1" in text


def test_broken_user_template_is_a_clean_error(tmp_path, capsys):
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "derivation.md.jinja2").write_text("<% if %>")
    out = tmp_path / "out"
    argv = ["derive", "-o", str(out), "--format", "md", "--templates", str(tmp_path)]
    assert cli.main(argv) == 2
    assert "template error" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.skipif(pdf.engine() is None, reason="no TeX engine")
def test_pdf_is_byte_identical_across_runs(tmp_path):
    d = symbp.derive(symbp.load("logistic"))
    text = render.document(d, "tex")
    assert pdf.compile_pdf(text, "logistic") == pdf.compile_pdf(text, "logistic")


def test_batch_mean_prints_the_sum_over_samples_with_sample_indices():
    i, a, y = sp.Symbol("i"), sp.Symbol("a"), sp.Symbol("y")
    body = sp.Mul(sp.Add(a, -y, evaluate=False), a, evaluate=False)
    e = BatchMean(body.xreplace({a: Sample(a, i), y: Sample(y, i)}), i, 4)
    assert tex(e) == r"\frac{1}{4} \sum_{i=1}^{4} ({a}^{(i)} - {y}^{(i)}) {a}^{(i)}"


def test_batch_chain_rule_is_written_as_a_mean_over_the_samples():
    text = (Path(__file__).parent.parent / "output" / "xor.md").read_text(encoding="utf-8")
    chain = text[text.index("Multiplied together") : text.index("### After the step")]
    assert chain.count(r"\frac{1}{4} \sum_{i=1}^{4}") == 2
    assert "{a^{1}_{1}}^{(i)}" in chain and "{x_{1}}^{(i)}" in chain


def test_library_format_errors_name_no_option_and_the_cli_adds_it(tmp_path, capsys):
    known = "(known: tex, md, html, pdf)"
    with pytest.raises(FormatError) as e:
        render.parse_formats("tex,docx")
    assert str(e.value) == f"unknown format 'docx' {known}"
    assert cli.main(["derive", "--format", "tex,docx", "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"symbp: error: --format: unknown format 'docx' {known}\n"
    argv = ["derive", "softmax", "--view", "graph", "--format", "docx", "-o", str(tmp_path)]
    assert cli.main(argv) == 2
    message = "--view graph --format: unknown format 'docx' (known: md, tex, pdf)"
    assert capsys.readouterr().err == f"symbp: error: {message}\n"


def test_a_relu_unit_off_at_every_sample_is_called_dead_with_its_zero_gradients():
    from symbp.render.worked import worked_example

    d = symbp.derive(symbp.load("softmax"))
    raw = d.evaluate()
    hidden, output = reversed(worked_example(d, raw, []).backward)
    (dead,) = hidden.dead  # listed in the layer it belongs to
    assert output.dead == []
    assert np.all(raw.forward["z1"][:, 0] <= 0) and np.all(raw.forward["z1"][:, 1:].max(0) > 0)
    assert dead.z == d.layers[0].z[0] and dead.largest_z == pytest.approx(-0.274)
    assert dead.params == d.layers[0].weights[0] + [d.layers[0].biases[0]]
    assert np.all(raw.gradients["W1"][0] == 0) and raw.gradients["b1"][0] == 0
    assert "the unit is dead" in bundled()["softmax.md"]
    assert "dead" not in bundled()["mazur.md"]


def test_a_step_of_many_parameters_is_one_table_row_each():
    md = bundled()["softmax.md"]
    head = "| parameter | value | gradient | after the step |"
    output, hidden = (
        part.split("\n\n", 1)[0].strip().splitlines()[1:] for part in md.split(head)[1:]
    )  # one table per layer, the output layer first
    assert (len(output), len(hidden)) == (18, 25)  # 3x5 + 3 and 5x4 + 5 parameters
    assert output[-1] == "| $b^{2}_{3}$ | $0.37$ | $-0.121781955$ | $0.382178196$ |"
    assert head not in bundled()["mazur.md"]  # 8 parameters: three lines each, as in the post


@pytest.mark.parametrize("name", EXAMPLES)
def test_chinese_documents_leave_no_english_prose(name):
    for fmt in ("md", "tex"):
        text = bundled()[render.filename(name, fmt, "zh")]
        description = symbp.load(name).description
        assert description not in text.replace("\\", "")  # the description is translated
        for english in ("\\text{for}", "\\text{otherwise}", "symbolic", "(sigmoid)", "relu)"):
            assert english not in text, (fmt, english)


def test_piecewise_definitions_use_the_documents_language():
    text = bundled()["softmax.zh.md"]
    assert r"\begin{cases} 0 & \text{若}\: z \leq 0 \\z & \text{其他} \end{cases}" in text
    assert "### ReLU\n" in text and "（隐含层，ReLU）" in text
    assert r"\text{for}\: z \leq 0" in bundled()["softmax.md"]


def test_softmax_jacobian_is_one_vector_derivative_equal_to_sympys_matrix():
    d = symbp.derive(symbp.load("softmax"))
    lf = d.layers[-1]
    z = sp.Matrix(lf.z)
    by_sympy = sp.Matrix(lf.a_def).jacobian(z).xreplace(dict(zip(lf.a_def, lf.a)))
    assert sp.simplify(
        d.backward[-1].jacobian.xreplace(dict(zip(lf.a, lf.a_def)))
        - by_sympy.xreplace(dict(zip(lf.a, lf.a_def)))
    ) == sp.zeros(3, 3)
    md = bundled()["softmax.md"]
    assert r"\frac{\partial a^{2}}{\partial z^{2}} = \left[\begin{matrix}a^{2}_{1} (1" in md
    assert r"\begin{matrix}\frac{\partial a^{2}_{1}}" not in md


@pytest.mark.parametrize("name", ["softmax", "xor"])
def test_weight_labels_leaving_one_unit_are_not_stacked(name):
    from symbp.render.diagram import LABEL_HEIGHT, diagram

    d = diagram(symbp.derive(symbp.load(name)))
    at = {n.id: np.array([n.x, n.y]) for n in d.nodes}
    by_source: dict = {}
    for e in d.edges:
        if e.label is not None:
            centre = at[e.src] + e.pos * (at[e.dst] - at[e.src])
            by_source.setdefault(e.src, []).append(centre)
    for centres in by_source.values():
        for i, c in enumerate(centres):
            assert all(np.hypot(*(c - o)) > LABEL_HEIGHT for o in centres[i + 1 :])
    assert all(0.1 <= e.pos <= 0.9 for e in d.edges if e.label is not None)
