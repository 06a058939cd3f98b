"""The claim parser: plain text and LaTeX to sympy over declared names, errors with a column."""

from __future__ import annotations

import functools
import time

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symbp
from symbp.activations import Sigmoid
from symbp.errors import ClaimError
from symbp.parse import parse, parse_nodes, parse_quantity, syntax_tree


@pytest.fixture(scope="module")
def xor():
    return symbp.derive(symbp.load("xor")).names.names()


@pytest.fixture(scope="module")
def mazur():
    return symbp.derive(symbp.load("mazur")).names.names()


def S(names, *keys):
    return [names[k] for k in keys]


NIELSEN_SAME = [
    ("a^2_1 (1 - a^2_1)", "a^2_1*(1 - a^2_1)"),
    ("a^{2}_{1}", "a^2_1"),
    ("a_1^2", "a^2_1"),
    ("a_{1}^{2}", "a^2_1"),
    ("w^{2}_{12}", "w^2_{12}"),
    ("w^2_{1,2}", "w^2_{12}"),
    ("a^0_2", "x_2"),
    (r"\delta^2_1", "delta^2_1"),
    ("δ^2_1", "delta^2_1"),
    (r"a^2_1 \cdot y_1", "a^2_1*y_1"),
    (r"a^2_1 \times y_1", "a^2_1*y_1"),
    (r"a^2_1 \odot y_1", "a^2_1*y_1"),
    ("a^2_1 · y_1", "a^2_1*y_1"),
    (r"\frac{a^2_1}{y_1}", "a^2_1/y_1"),
    (r"\left( a^2_1 - y_1 \right)", "a^2_1 - y_1"),
    ("(a^2_1 – y_1)", "a^2_1 - y_1"),
    ("(a^2_1 − y_1)", "a^2_1 - y_1"),
    (r"\hat{y_1} - y_1", "a^2_1 - y_1"),
    (r"\hat{y}_1", "a^2_1"),
    (r"a^{L}_1 a^{L-1}_2", "a^2_1*a^1_2"),
    (r"\sum_{k=1}^{4} a^1_k", "a^1_1 + a^1_2 + a^1_3 + a^1_4"),
    (
        r"\sum_{k=1}^{n} w^2_{1k} a^1_k",
        "w^2_{11}*a^1_1 + w^2_{12}*a^1_2 + w^2_{13}*a^1_3 + w^2_{14}*a^1_4",
    ),
    (r"\sum_k a^1_k", "a^1_1 + a^1_2 + a^1_3 + a^1_4"),
    ("sum_{j=2}^{3} x_1 a^1_j", "x_1*a^1_2 + x_1*a^1_3"),
    ("x_1**2 + x_2^-1", "x_1**2 + 1/x_2"),
    ("1/2 (y_1 - a^2_1)^2", "(y_1 - a^2_1)**2/2"),
    ("0.5 x_1", "x_1/2"),
    ("-x_1^2", "-(x_1**2)"),
    ("2 a^2_1 a^1_1 / 4", "a^2_1*a^1_1/2"),
    ("$a^2_1$", "a^2_1"),
    (r"a^2_1\,y_1\;x_1\!x_2", "a^2_1*y_1*x_1*x_2"),
]


@pytest.mark.parametrize("text,same", NIELSEN_SAME, ids=[t for t, _ in NIELSEN_SAME])
def test_nielsen_spellings_parse_to_the_same_expression(xor, text, same):
    assert parse(text, xor) == parse(same, xor)


def test_sigma_and_its_derivative_default_to_the_sigmoid(xor):
    z = xor["z^2_1"]
    assert parse(r"\sigma(z^2_1)", xor) == Sigmoid(z)
    assert parse(r"\sigma'(z^2_1)", xor) == Sigmoid(z) * (1 - Sigmoid(z))
    assert parse(r"\sigma^{\prime}(z^2_1)", xor) == Sigmoid(z) * (1 - Sigmoid(z))
    assert parse("sigma z^2_1", xor) == Sigmoid(z)


def test_exp_ln_and_e_power(xor):
    x = xor["x_1"]
    assert parse(r"\exp(x_1) + \ln(x_1) + \log x_1 + e^{-x_1}", xor) == (
        sp.exp(x) + 2 * sp.log(x) + sp.exp(-x)
    )


def test_call_binds_its_parenthesis_and_powers_apply_after(xor):
    z = xor["z^2_1"]
    assert parse(r"\sigma(z^2_1)^2", xor) == Sigmoid(z) ** 2


@pytest.mark.parametrize(
    "text,same",
    [
        ("(out_o1 - target_o1)*out_h1", "out_h1*(out_o1 - target_o1)"),
        (r"\mathrm{out}_{o1}", "out_o1"),
        (r"\text{net}_{h2}", "net_h2"),
        ("w_5", "w5"),
        ("w_{5} i_1", "w5*i1"),
        ("E_{total}", "E"),
        (r"\delta_{o1}", "delta_o1"),
        ("out_h1^2", "out_h1**2"),
    ],
    ids=["plain", "mathrm", "text", "w_5", "braced", "E_total", "delta", "power"],
)
def test_mazur_spellings(mazur, text, same):
    assert parse(text, mazur) == parse(same, mazur)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("dE/dw5", ("E", "w5")),
        ("dout_o1/dnet_o1", ("out_o1", "net_o1")),
        ("dnet_o1/dw5", ("net_o1", "w5")),
        ("dE/dout_o1", ("E", "out_o1")),
        (r"\frac{\partial E_{total}}{\partial w_5}", ("E", "w5")),
        (r"\partial E / \partial out_{h1}", ("E", "out_h1")),
        ("delta_o1", ("delta_o1", None)),
    ],
    ids=["dE/dw5", "dout/dnet", "dnet/dw", "dE/dout", "frac-partial", "partial-slash", "delta"],
)
def test_mazur_quantities(mazur, text, expected):
    num, den = parse_quantity(text, mazur)
    assert (num.name, den.name if den is not None else None) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("dC/dw^2_{12}", ("C", "w^2_{12}")),
        (r"\frac{\partial C}{\partial w^{2}_{12}}", ("C", "w^2_{12}")),
        ("dC/db^1_3", ("C", "b^1_3")),
        (r"\delta^2_1", ("delta^2_1", None)),
        (r"\frac{\partial loss}{\partial z^1_2}", ("C", "z^1_2")),
    ],
    ids=["plain", "frac", "bias", "delta", "loss-alias"],
)
def test_nielsen_quantities(xor, text, expected):
    num, den = parse_quantity(text, xor)
    assert (num.name, den.name if den is not None else None) == expected


def test_node_tree_keeps_subtraction_and_implicit_product(xor):
    node = parse_nodes("a^2_1 (1 - a^2_1)", xor)
    assert node.op == "mul" and node.implicit
    assert node.args[1].op == "sub"
    assert [n.op for n in node.walk()] == ["symbol", "number", "symbol", "sub", "mul"]
    assert node.args[1].column == 10  # a binary node sits at its operator


def test_derivative_inside_a_claim_uses_the_quantity_table(xor):
    seen = []

    def table(num, den):
        seen.append((num.name, den.name))
        return sp.Symbol("q")

    assert parse(r"\frac{\partial C}{\partial z^2_1} a^1_1", xor, quantities=table) == (
        sp.Symbol("q") * xor["a^1_1"]
    )
    assert seen == [("C", "z^2_1")]


def test_derivative_without_a_quantity_table_is_refused(xor):
    with pytest.raises(ClaimError, match="derivatives are not allowed"):
        parse("dC/dz^2_1", xor)


def test_bound_indices_fill_free_letters(xor):
    assert parse("a^1_j w^2_{1j}", xor, indices={"j": 3}) == parse("a^1_3 w^2_{13}", xor)


def test_function_table_restricts_calls(xor):
    with pytest.raises(ClaimError, match="function 'exp' is not allowed"):
        parse("exp(x_1)", xor, functions={})


ERRORS = [
    ("a^2_1 +", 8, "unexpected end"),
    ("a^2_1 ) ", 7, "unexpected"),
    ("foo + x_1", 1, "unknown name 'foo'"),
    ("x_1 + a^3_1", 7, r"no symbol 'a\^3_1'"),
    ("x_k", 3, "not bound by a sum"),
    ("x_1 & x_2", 5, "unexpected character '&'"),
    ("1/(x_1 - x_1 + 0)", None, None),
    ("1/0", 2, "division by zero"),
    ("a^2_1\nb", 6, "one line"),
    ("   ", 1, "empty claim"),
    (r"\partial x_1", 1, "outside a derivative"),
    (r"\hat{x_1}", 1, r"\\hat is only understood on y"),
]


@pytest.mark.parametrize("text,column,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_parse_errors_name_the_column(xor, text, column, message):
    if message is None:  # sympy cancels x_1 - x_1 to 0: division by zero is still caught
        with pytest.raises(ClaimError, match="division by zero"):
            parse(text, xor)
        return
    with pytest.raises(ClaimError, match=message) as info:
        parse(text, xor)
    assert info.value.column == column
    assert info.value.context.splitlines()[-1] == " " * (column - 1) + "^"


HOSTILE = [
    "__import__('os').system('echo hacked')",
    "().__class__.__bases__[0].__subclasses__()",
    "exec('1')",
    "lambda: 0",
    "x_1.__class__",
    "2^2^2^2^99",
    "9^{9^{9^{9}}}",
    "x_1^{100000}",
    "(" * 10000,
    "(" * 10000 + "x_1" + ")" * 10000,
    "{" * 5000 + "x_1" + "}" * 5000,
    "x_1+" * 5000 + "x_1",
    "-" * 1900 + "x_1",
    "x_1 " * 600,
    "9" * 100,
    r"\sum_{k=1}^{1000000} x_1",
    r"\sum_{i=1}^{99}\sum_{j=1}^{99}\sum_{k=1}^{99} x_1",
    r"\input{/etc/passwd}",
    "open('/etc/passwd').read()",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[h[:24] for h in HOSTILE])
def test_hostile_claims_are_refused_quickly(xor, text):
    start = time.perf_counter()
    with pytest.raises(ClaimError):
        parse(text, xor)
    assert time.perf_counter() - start < 5, "a hostile claim must be refused in bounded time"


def test_syntax_tree_keeps_names_as_written():
    raw = syntax_tree(r"\mathrm{out}_{o1}")
    assert raw.op == "scripted" and raw.args[0].value == "out"


@functools.cache
def _logistic_names():
    return symbp.derive(symbp.load("logistic")).names.names()


@settings(deadline=None, max_examples=150)
@given(st.text(max_size=60))
def test_any_text_gives_an_expression_or_a_claim_error(text):
    names = _logistic_names()
    try:
        result = parse(text, names)
    except ClaimError:
        return
    assert isinstance(result, sp.Basic)


ALPHABET = list("axwyzbdeE0123456789_^{}()+-*/ ,.'") + [
    r"\frac",
    r"\sigma",
    r"\partial",
    r"\sum",
    r"\cdot",
    r"\hat",
    "^1_1",
    "_{11}",
    "out_o1",
    "C",
]


@settings(deadline=None, max_examples=200)
@given(st.lists(st.sampled_from(ALPHABET), max_size=25).map("".join))
def test_claim_like_text_gives_an_expression_or_a_claim_error(text):
    names = _logistic_names()
    try:
        result = parse(text, names, quantities=lambda num, den: sp.Symbol("q"))
    except ClaimError:
        return
    assert isinstance(result, sp.Basic)


def _derived_expressions(d) -> list:
    out = []
    for lf, lb in zip(d.layers, d.backward):
        out += list(lb.delta) + list(lb.dC_da) + list(lb.jacobian) + list(lf.z_def)
        if lf.activation.elementwise:  # softmax_k(z_1, ..., z_n) has no claim syntax
            out += list(lf.a_def)
    return out + list(d.gradients.values())


@pytest.mark.parametrize("name", ["mazur", "xor", "deep_logistic", "softmax"])
def test_latex_printed_by_symbp_parses_back_to_the_same_expression(name):
    from symbp.render.printer import tex
    from symbp.verify.claims import Checker

    d = symbp.derive(symbp.load(name))
    functions = Checker(d, points=0).functions()
    names = d.names.names()
    for expr in _derived_expressions(d):
        text = tex(expr, d.names.tex)
        assert sp.expand(parse(text, names, functions) - expr) == 0, text


def test_operatorname_calls_and_products(xor):
    z, x = xor["z^1_1"], xor["x_1"]
    assert parse(r"\operatorname{ReLU}\left(z^{1}_{1}\right)", xor) == symbp.activations.Relu(z)
    assert parse(r"H\left(z^{1}_{1}\right)", xor) == sp.Heaviside(z, 0)
    assert parse(r"\mathrm{foo}(x_1)", {"foo": x, "x_1": x}) == x**2


@pytest.mark.parametrize(
    "claim",
    [r"g^{[1]\prime}(Z^{[2]})", r"g^{[2]}'(z^{[1](i)}_j)", r"f^{(2)}(z^{(3)})"],
)
def test_a_layers_function_applied_to_another_layers_argument_is_refused(claim):
    """g^{[1]} names layer 1's activation: given layer 2's Z it is never read as layer 2's own
    (which could prove a wrong claim where the two layers' activations differ)."""
    from symbp.parse.syntax import syntax_tree

    with pytest.raises(ClaimError, match=r"is layer \d's function but its argument is in layer"):
        syntax_tree(claim, ("g", "f"))


def test_a_layers_function_of_its_own_argument_is_read():
    from symbp.parse.syntax import syntax_tree

    assert syntax_tree(r"g^{[1]\prime}(Z^{[1]})", ("g",)).value == "g'"
