"""Hostile and careless user math (issue 16): exit 2 and one line naming the problem and its column,
in bounded time; numbers that are right (scientific notation, underflow), never silently wrong."""

from __future__ import annotations

import json
import time

import mpmath
import pytest
import sympy as sp

from symbp.cli import main
from symbp.errors import ClaimError
from symbp.graph import build, parse_at
from symbp.parse import function_table, parse, parse_nodes

X = {"x": sp.Symbol("x", real=True)}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


REFUSED = [
    ("e^{e^{e^x}}", 4, "exponent tower"),
    ("x^{x^{x}}", 4, "exponent tower"),
    ("exp(exp(exp(x)))", 1, "exponent tower"),
    ("e^{e^{e^{e^{e^{e^{x}}}}}}", 13, "exponent tower"),
    ("10^{1e20}", 5, "exponent larger than 64"),
    ("x^{1e999}", 4, "exponent beyond ±300"),
    ("((2^{64})^{64})^{64}", 18, "more than 2000 digits"),
    ("((x^{64})^{64})^{64}", 18, "power 262144"),
    ("-" * 100_000 + "x", 2001, "characters long"),
    ("(" * 100_000 + "x" + ")" * 100_000, 2001, "characters long"),
    ("-" * 1000 + "x", 851, "nested deeper than 150"),
    ("оx", 1, "U+043E CYRILLIC SMALL LETTER O"),
    ("５*x", 1, "U+FF15 FULLWIDTH DIGIT FIVE); write '5'"),
    ("ln(0)*x", 1, "ln(0): the logarithm of zero"),
]
REFUSED_IDS = [
    "e-tower",
    "x-tower",
    "exp-tower",
    "tall-e-tower",
    "1e20-exponent",
    "1e999-number",
    "nested-numeric-powers",
    "nested-symbolic-powers",
    "100k-deep-minus",
    "100k-deep-brackets",
    "1000-deep-minus",
    "cyrillic-o",
    "fullwidth-5",
    "log-of-zero",
]


@pytest.mark.parametrize(("text", "column", "words"), REFUSED, ids=REFUSED_IDS)
def test_hostile_expression_is_a_claim_error_with_its_column(text, column, words):
    start = time.perf_counter()
    with pytest.raises(ClaimError) as info:
        parse(text, X)
    assert time.perf_counter() - start < 5
    assert info.value.column == column
    assert words in str(info.value)


@pytest.mark.parametrize(("text", "column", "words"), REFUSED, ids=REFUSED_IDS)
def test_hostile_graph_expression_exits_2_with_one_line(capsys, text, column, words):
    code, out, err = run(capsys, "graph", "--at", "x=2", "--", text)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and f"column {column}: " in err and words in err


@pytest.mark.parametrize(
    ("claim", "words"),
    [
        ("e^{e^{e^{out_h1}}}", "exponent tower"),
        ("out_h1^{out_h1^{out_h1}}", "exponent tower"),
        ("e^{e^{e^{e^{e^{e^{out_h1}}}}}}", "exponent tower"),
        ("10^{1e20}", "exponent larger than 64"),
        ("ln(0)", "ln(0): the logarithm of zero"),
        ("out_h1 ∗ 2", "U+2217 ASTERISK OPERATOR"),
    ],
    ids=["e-tower", "x-tower", "tall-e-tower", "1e20-exponent", "log-of-zero", "asterisk-operator"],
)
def test_hostile_claim_exits_2_with_one_line(capsys, claim, words):
    code, out, err = run(capsys, "verify", "mazur", "--quantity", "dE/dw5", "--claim", claim)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "column " in err and words in err


@pytest.mark.parametrize(
    ("text", "value"),
    [("2e-3", sp.Rational(1, 500)), ("1.5E+2", 150), ("2e3*x", 4000), (".5e1", 5)],
    ids=["negative-exponent", "capital-e-plus", "times-name", "leading-point"],
)
def test_scientific_notation_is_one_number(text, value):
    assert parse(text, X).subs(X["x"], 2) == value


def test_scientific_notation_in_a_graph_is_a_number_not_2e_minus_3():
    g = build("2e-3*x", parse_at("x=1"))
    assert g.value == sp.Rational(1, 500) and g.gradients() == {"x": sp.Rational(1, 500)}


def test_scientific_notation_in_a_claim_is_a_number(capsys):
    code, out, _ = run(capsys, "verify", "mazur", "--quantity", "dE/dw5", "--claim", "2e-3*out_h1")
    assert code == 1 and "claim read as: out_h1/500" in out


def test_a_name_with_a_word_after_its_underscore_is_one_name(capsys):
    at = "apple=100,apple_num=2,orange=150,orange_num=3,tax=1.1"
    expr = "(apple*apple_num + orange*orange_num)*tax"
    code, out, _ = run(capsys, "graph", expr, "--at", at, "--json")
    data = json.loads(out)
    assert code == 0 and data["value"] == 715
    grads = {"apple": 2.2, "apple_num": 110, "orange": 3.3, "orange_num": 165, "tax": 650}
    assert data["gradients"] == grads


@pytest.mark.parametrize(
    ("text", "exact"),
    [
        ("sigmoid(x)", lambda x: mpmath.exp(-x) / (1 + mpmath.exp(-x)) ** 2),
        ("tanh(x)", lambda x: 1 / mpmath.cosh(x) ** 2),
    ],
    ids=["sigmoid", "tanh"],
)
def test_graph_gradient_at_1000_is_the_true_tiny_number(text, exact):
    mpmath.mp.dps = 40
    true = exact(mpmath.mpf(1000))
    grad = build(text, parse_at("x=1000")).gradients()["x"]
    assert abs(grad._to_mpmath(200) / true - 1) < 1e-25


def test_graph_json_gives_the_underflowing_sigmoid_gradient_exactly(capsys):
    code, out, _ = run(capsys, "graph", "sigmoid(x)", "--at", "x=1000", "--json")
    assert code == 0 and json.loads(out)["gradients"]["x"].startswith("5.07595889754945")


def test_graph_refuses_ln_at_zero_as_a_log_of_zero(capsys):
    code, _, err = run(capsys, "graph", "ln(x)", "--at", "x=0")
    assert code == 2 and "ln(0): the logarithm of zero is not finite" in err


def test_at_error_is_prefixed_with_the_flag_by_the_cli_only(capsys):
    code, _, err = run(capsys, "graph", "x", "--at", "x=1,y")
    assert code == 2 and err == "symbp: error: --at, column 5: expected name=value\n"
    with pytest.raises(ClaimError) as info:
        parse_at("x=1,y")
    assert str(info.value) == "column 5: expected name=value"


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("x)", 2, "unexpected ')': no bracket is open here"),
        ("((x+1)*2", 9, "unexpected end of claim: a bracket is not closed"),
        ("x + * y", 5, "unexpected '*': an operator needs something on both sides"),
        ("x ^", 4, "unexpected end of claim: an operator needs something after it"),
        ("x ,", 3, "unexpected ','"),
    ],
    ids=["unopened-bracket", "unclosed-bracket", "two-operators", "dangling-power", "comma"],
)
def test_typical_syntax_mistakes_are_named(text, column, message):
    with pytest.raises(ClaimError) as info:
        parse(text, X)
    assert str(info.value) == f"column {column}: {message}"
    assert info.value.context.splitlines() == [text, " " * (column - 1) + "^"]


@pytest.mark.parametrize("name", sorted({k.rstrip("'") for k in function_table()}))
def test_every_name_of_the_function_table_is_callable_in_the_grammar(name):
    node = parse_nodes(f"{name}(x)", X)
    assert (node.op, node.value) == ("call", name)
    assert node.expr == function_table()[name](X["x"])


def test_a_bounded_function_between_exponentials_is_no_tower():
    expr = parse("exp(tanh(exp(tanh(exp(x)))))", X)
    want = mpmath.exp(mpmath.tanh(mpmath.exp(mpmath.tanh(1))))
    assert float(expr.subs(X["x"], 0).evalf(30)) == pytest.approx(float(want), rel=1e-14)
