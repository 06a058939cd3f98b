"""How the one printer writes updated parameters, brackets and logarithms, in every document."""

from __future__ import annotations

import pytest
import sympy as sp
from bundled import documents as bundled

import symbp
from symbp import render
from symbp.render.printer import Updated, label, tex


def test_updated_mazur_weight_is_w5_plus():
    w5 = sp.Symbol("w5")
    assert tex(Updated(w5), {w5: "w_{5}"}) == "w_{5}^{+}"


def test_updated_parameter_with_a_layer_superscript_is_bracketed():
    b = sp.Symbol("b^1_1")
    assert tex(Updated(b), {b: "b^{1}_{1}"}) == "(b^{1}_{1})^{+}"


@pytest.fixture(scope="module")
def docs():
    """The printed text of three bundled documents, by name."""
    return {n: bundled()[f"{n}.md"] for n in ("mazur", "xor", "softmax", "logistic")}


@pytest.mark.parametrize(
    "name, equation",
    [
        # Nielsen's BP2 order: w^{l+1}_{kj} delta^{l+1}_k sigma'(z^l_j)
        ("xor", r"\sum_{k=1}^{n_{l + 1}} w^{l + 1}_{kj} \delta^{l + 1}_{k} \sigma'(z^{l}_{j})"),
        # (a - y) sigma'(z), with sigma' written a (1 - a)
        ("xor", r"\delta^{L}_{j} &= (a^{L}_{j} - y_{j}) a^{L}_{j} (1 - a^{L}_{j})"),
        # BP4 a^{l-1}_k delta^l_j in every layer, the bias last in every sum
        ("xor", r"\frac{\partial C}{\partial w^{l}_{jk}} &= a^{l - 1}_{k} \delta^{l}_{j}"),
        (
            "mazur",
            r"\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} &= \mathrm{out}_{h1} \delta_{o1}",
        ),
        ("mazur", r"\frac{\partial E_{\mathrm{total}}}{\partial w_{1}} &= i_{1} \delta_{h1}"),
        ("mazur", r"\mathrm{net}_{h1} &= w_{1} i_{1} + w_{2} i_{2} + b_{1}"),
        (
            "mazur",
            r"\mathrm{net}_{o1} &= w_{5} \mathrm{out}_{h1} + w_{6} \mathrm{out}_{h2} + b_{2}",
        ),
        ("mazur", r"&= 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 \\"),
        (
            "mazur",
            r"\delta_{h1} &= (w_{5} \delta_{o1} + w_{7} \delta_{o2}) \mathrm{out}_{h1} "
            r"(1 - \mathrm{out}_{h1})",
        ),
        ("mazur", r"&= \sigma(z) (1 - \sigma(z))"),
        # -y ln a, ln as the contract writes it
        ("softmax", r"C &= - (y_{1} \ln a^{2}_{1} + y_{2} \ln a^{2}_{2} + y_{3} \ln a^{2}_{3})"),
        ("softmax", r"C &= - \sum_{k=1}^{n_{L}} y_{k} \ln a^{L}_{k}"),
        # the binary cross-entropy as the textbooks write it: -(y ln a + (1 - y) ln(1 - a))
        ("logistic", r"C &= - (y_{1} \ln a^{1}_{1} + (1 - y_{1}) \ln(1 - a^{1}_{1}))"),
        (
            "logistic",
            r"C &= - \sum_{k=1}^{n_{L}} (y_{k} \ln a^{L}_{k} + (1 - y_{k}) \ln(1 - a^{L}_{k}))",
        ),
        # a fraction's factors in role order, the complement 1 - y, plain brackets
        (
            "logistic",
            r"- \frac{y_{j} \sigma'(z^{L}_{j})}{a^{L}_{j}} "
            r"+ \frac{(1 - y_{j}) \sigma'(z^{L}_{j})}{1 - a^{L}_{j}}",
        ),
        ("xor", r"\delta^{l} &= ((w^{l + 1})^{T} \delta^{l + 1}) \odot \sigma'(z^{l})"),
        # a bias's step: the bias first, b - eta g (the bias goes last only after weights)
        ("logistic", r"&= 0.6 - 0.1 \cdot 0.942675824"),
        # a batch mean's factors in role order: w delta, a quantity at sample i like itself
        ("xor", r"\sum_{i=1}^{4} w^{2}_{11} {\delta^{2}_{1}}^{(i)} {a^{1}_{1}}^{(i)}"),
    ],
    ids=[
        "bp2",
        "bp1",
        "bp4",
        "w5",
        "w1",
        "net_h1",
        "net_o1",
        "net_h1_values",
        "delta_h1",
        "sigma_prime",
        "cross_entropy",
        "cross_entropy_general",
        "binary_cross_entropy",
        "binary_cross_entropy_general",
        "binary_cross_entropy_delta",
        "bp2_vector_transpose",
        "bias_step",
        "batch_mean",
    ],
)
def test_equations_print_in_the_textbooks_order(docs, name, equation):
    assert equation in docs[name]


def test_brackets_grow_only_around_tall_content():
    a, b = sp.symbols("a b")
    assert tex((a - b) * a) == "a (a - b)"
    assert r"\left(" in tex((1 + 1 / (1 + sp.exp(-a))) ** 2)


def test_a_fraction_prints_its_factors_with_plain_brackets_and_the_complement():
    y, a, s = sp.symbols("y a s")
    negative = sp.Mul(-1, y - 1, s, 1 / (1 - a))  # as sympy's derivative leaves it
    assert tex(negative - s * y / a) == r"- \frac{s y}{a} + \frac{s (1 - y)}{1 - a}"


def _left_brackets(text: str):
    """The content of every \\left( ... \\right) in text, nested ones included."""
    opened = []
    for i in range(len(text)):
        if text.startswith(r"\left(", i):
            opened.append(i + len(r"\left("))
        elif text.startswith(r"\right)", i) and opened:
            start = opened.pop()
            yield text[start:i]


def test_every_left_bracket_of_a_document_holds_something_tall(docs):
    tall = (r"\frac", r"\sum", r"\begin", r"\left")
    for name, doc in docs.items():
        short = [c for c in _left_brackets(doc) if not any(t in c for t in tall)]
        assert not short, (name, short[:3])


@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_no_document_prints_log(docs, fmt):
    d = symbp.derive(symbp.load("logistic"))
    assert r"\log" not in render.document(d, fmt) and r"\ln" in render.document(d, fmt)


@pytest.mark.parametrize(
    "name, text",
    [("a^1_1", "a¹₁"), ("w^2_{11}", "w²₁₁"), ("out_h1", "outₕ₁"), ("w5", "w₅"), ("b^1", "b¹")],
)
def test_diagram_label_uses_unicode_sub_and_superscripts(name, text):
    assert label(sp.Symbol(name)) == text


def _mermaid(doc: str) -> str:
    return doc[doc.index("```mermaid") : doc.index("```", doc.index("```mermaid") + 3)]


@pytest.mark.parametrize("name", ["mazur", "xor", "softmax"])
def test_mermaid_diagram_holds_no_tex(docs, name):
    block = _mermaid(docs[name])
    assert not any(c in block for c in "^\\$+") and "_" not in block.replace("classDef", "")


def test_mermaid_labels_arrows_only_where_few(docs):
    assert '-->|"w₅"| n2u1' in _mermaid(docs["mazur"])
    assert "-->|" not in _mermaid(docs["softmax"])


def test_mermaid_draws_a_per_unit_bias_as_its_own_node(docs):
    block = _mermaid(docs["softmax"])
    assert 'n1u1b["b¹₁"]:::bias' in block and "n1u1b --> n1u1" in block


def test_two_numbers_in_a_kept_product_have_a_dot_between_them(docs):
    assert (
        r"2 \cdot \frac{1}{2} (\mathrm{target}_{o1} - \mathrm{out}_{o1})^{2 - 1} (-1) + 0"
        in docs["mazur"]
    )
