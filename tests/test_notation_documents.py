"""`derive --notation NAME`: each preset's document names every quantity the way its source does
(UFLDL's layers shifted by one, Ng's bracketed layers, DLfS's in x out W and a/z), in every
format and language, and the output errors it shows still hold for the network."""

from __future__ import annotations

import dataclasses
import functools

import pytest
import sympy as sp

import symbp
from symbp import render
from symbp.cli import main
from symbp.derive import general as G
from symbp.render.documents import model


@functools.cache
def derived(example: str, notation: str):
    return symbp.derive(dataclasses.replace(symbp.load(example), notation=notation))


# Lines of deep_logistic's tex document (2-2-2-1) as each source writes them, and spellings of
# another notation that must not appear.
EXPECTED = {
    "ng": (
        [
            r"dZ^{[l]} &= ((W^{[l + 1]})^{T} dZ^{[l + 1]}) \odot g'(Z^{[l]})",
            r"\frac{\partial J}{\partial W^{[l]}} &= dZ^{[l]} (A^{[l - 1]})^{T}",
            r"z^{[1]}_{1} &= W^{[1]}_{11} x_{1} + W^{[1]}_{12} x_{2} + b^{[1]}_{1}",
            r"dz^{[3]}_{1}",
            "Layer [3] (output, Sigmoid)",
        ],
        [r"\delta", "w^{", "a^{3}", r"\partial C"],
    ),
    "ufldl": (
        [
            # UFLDL's BP2: delta^(l) = ((W^(l))^T delta^(l+1)) .* f'(z^(l)).
            r"\delta^{(l)} &= ((W^{(l)})^{T} \delta^{(l + 1)}) \odot f'(z^{(l)})",
            r"\frac{\partial J}{\partial W^{(l - 1)}_{jk}} &= a^{(l - 1)}_{k} \delta^{(l)}_{j}",
            # the input is layer 1: z^(2) = W^(1) x + b^(1)
            r"z^{(2)}_{1} &= W^{(1)}_{11} x_{1} + W^{(1)}_{12} x_{2} + b^{(1)}_{1}",
            r"\delta^{(4)}_{1}",
            "Layer 4 (output, Sigmoid)",
            "Layer 2 (hidden, Sigmoid)",
        ],
        ["Layer 1 (", "z^{(1)}", "w^{", r"\partial C"],
    ),
    "dlfs": (
        [
            # rows: delta^(l) = (delta^(l+1) W^(l+1)T) .* h'(a^(l)), dL/dW = z^T delta
            r"\delta^{(l)} &= (\delta^{(l + 1)} (W^{(l + 1)})^{T}) \odot h'(a^{(l)})",
            r"\frac{\partial L}{\partial W^{(l)}} &= (z^{(l - 1)})^{T} \delta^{(l)}",
            # a1 = x.W1 + b1, W1 in x out: W1_{21} joins x_2 to unit 1
            r"a^{(1)}_{1} &= W^{(1)}_{11} x_{1} + W^{(1)}_{21} x_{2} + b^{(1)}_{1}",
            r"y_{1} &= \sigma(a^{(3)}_{1})",
            r"\nabla_{y} L",
            r"\delta^{(L)}_{j} &= y_{j} - t_{j}",  # the Softmax-with-Loss error, y - t
        ],
        ["w^{", r"\partial C", "a^{3}_{1}"],
    ),
}


@pytest.mark.parametrize("notation", sorted(EXPECTED))
def test_document_writes_the_notation_of_its_source(notation):
    text = render.document(derived("deep_logistic", notation), "tex")
    present, absent = EXPECTED[notation]
    for line in present:
        assert line in text
    for spelling in absent:
        assert spelling not in text


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("notation", sorted(EXPECTED))
def test_every_format_and_language_renders_in_the_notation(notation, fmt):
    d = derived("deep_logistic", notation)
    for lang in ("en", "zh"):
        text = render.document(d, fmt, lang)
        if fmt == "md":
            marker = {"ng": "W^{[1]}", "ufldl": "W^{(1)}", "dlfs": "W^{(1)}_{21}"}[notation]
        else:  # MathML: Ng's brackets, UFLDL's f, DLfS's h
            marker = {
                "ng": '<mo stretchy="false">[</mo>',
                "ufldl": "<mi>f</mi>",
                "dlfs": "<mi>h</mi>",
            }
            marker = marker[notation]
        assert marker in text


def test_chinese_headings_number_layers_as_ufldl_does():
    text = render.document(derived("deep_logistic", "ufldl"), "md", "zh")
    assert "第 4 层（输出层" in text and "第 1 层（" not in text


def _holds(d, shown: sp.Expr, jj: int) -> bool:
    """The general output error `shown` at output unit jj equals the network's BP1 there."""
    out, L = d.layers[-1], sp.Integer(len(d.layers))
    expr = shown.xreplace({G.n[G.L]: len(out.z), G.L: L, G.j: jj + 1}).doit()
    units = {}
    for i, (zi, ai, yi) in enumerate(zip(out.z, out.a, d.targets), start=1):
        units.update({G.z[L, i]: zi, G.a[L, i]: ai, G.y[i]: yi})
    want = d.backward[-1].delta[jj]
    diff = d.expand(expr.xreplace(units) - want).xreplace(d.identity_substitution())
    return sp.simplify(diff.rewrite(sp.exp)) == 0


@pytest.mark.parametrize(
    "example, notation",
    [("deep_logistic", "ng"), ("xor", "ufldl"), ("softmax", "dlfs"), ("logistic", "ng")],
)
def test_shown_output_errors_hold_in_every_notation(example, notation):
    d = derived(example, notation)
    doc = model(d, "en")
    shown = []
    if doc.output_rule is not None:
        shown += [doc.output_rule.rhs, *doc.output_rule.steps]
    if doc.output_delta is not None:
        shown.append(doc.output_delta.rhs)
    assert shown or doc.elementwise_output
    for expr in shown:
        assert all(_holds(d, expr, jj) for jj in range(len(d.layers[-1].z))), expr


def test_derive_notation_option_writes_the_preset(tmp_path, capsys):
    code = main(["derive", "xor", "--notation", "ufldl", "-o", str(tmp_path), "--format", "md"])
    assert code == 0
    assert r"\delta^{(3)}_{1}" in (tmp_path / "xor.md").read_text(encoding="utf-8")


def test_derive_bundled_with_notation_is_refused(tmp_path, capsys):
    code = main(["derive", "--bundled", "--notation", "ng", "-o", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "--notation" in err and not any(tmp_path.iterdir())
