"""Computational graphs: published circuits, fan-out, node structure, finite differences, torch."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.activations import Sigmoid
from symbp.errors import ClaimError
from symbp.graph import build, decimal, parse_at
from symbp.parse import parse


def grads(text: str, at: str) -> tuple[sp.Expr, dict]:
    g = build(text, parse_at(at))
    return g.value, g.gradients()


# ---- published worked examples ------------------------------------------------------------


def test_two_apples_with_tax_are_220_with_the_books_gradients():
    # Saito, Deep Learning from Scratch, fig. 5-16 (seed 004): 2 apples at 100, tax 1.1
    value, g = grads("apple*n*tax", "apple=100,n=2,tax=1.1")
    assert value == 220
    assert g == {"apple": sp.Rational(11, 5), "n": 110, "tax": 200}


def test_apples_and_oranges_are_715_with_the_books_gradients():
    # fig. 5-17: 2 apples at 100, 3 oranges at 150, tax 1.1
    value, g = grads("(apple*n + orange*m)*tax", "apple=100,n=2,orange=150,m=3,tax=1.1")
    assert value == 715
    assert g == {
        "apple": sp.Rational(11, 5),
        "n": 110,
        "orange": sp.Rational(33, 10),
        "m": 165,
        "tax": 650,
    }


def test_the_books_gradients_print_as_plain_decimals():
    _, g = grads("(apple*n + orange*m)*tax", "apple=100,n=2,orange=150,m=3,tax=1.1")
    assert [decimal(v) for v in g.values()] == ["2.2", "110", "3.3", "165", "650"]


def test_cs231n_sum_times_z_circuit():
    # CS231n "Backpropagation, Intuitions": f = (x + y) z at x=-2, y=5, z=-4
    value, g = grads("(x + y)*z", "x=-2,y=5,z=-4")
    assert value == -12
    assert g == {"x": -4, "y": -4, "z": 3}


def test_cs231n_sigmoid_neuron_circuit():
    # CS231n "Backpropagation, Intuitions": w = [2, -3, -3], x = [-1, -2]; the notes quote
    # w grads about [-0.196, -0.393, 0.196] and x grads about [0.391, -0.589] (rounded)
    value, g = grads("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3")
    published = {"w0": -0.196, "x0": 0.391, "w1": -0.393, "x1": -0.589, "w2": 0.196}
    assert {k: float(v) for k, v in g.items()} == pytest.approx(published, abs=2.5e-3)
    s = 1 / (1 + math.exp(-1.0))  # the closed form: sigma(1) (1 - sigma(1)) times the other factor
    ds = s * (1 - s)
    exact = {"w0": -ds, "x0": 2 * ds, "w1": -2 * ds, "x1": -3 * ds, "w2": ds}
    assert float(value) == pytest.approx(s, rel=1e-14)
    assert {k: float(v) for k, v in g.items()} == pytest.approx(exact, rel=1e-14)


def test_cs231n_sigmoid_circuit_nodes_are_the_published_gates():
    g = build("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", parse_at("w0=2,x0=-1,w1=-3,x1=-2,w2=-3"))
    gates = [(n.label, decimal(n.value, 2), decimal(n.grad, 2)) for n in g.nodes if n.inputs]
    assert gates == [
        ("×", "-2", "0.2"),
        ("×", "6", "0.2"),
        ("+", "4", "0.2"),
        ("+", "1", "0.2"),
        ("−", "-1", "-0.2"),
        ("exp", "0.37", "-0.53"),
        ("1+", "1.4", "-0.53"),
        ("1/x", "0.73", "1"),
    ]


def test_sigmoid_gate_gives_the_same_gradients_as_the_expanded_circuit():
    at = "w0=2,x0=-1,w1=-3,x1=-2,w2=-3"
    _, expanded = grads("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", at)
    _, gate = grads("sigma(w0*x0 + w1*x1 + w2)", at)
    assert {k: float(v) for k, v in gate.items()} == pytest.approx(
        {k: float(v) for k, v in expanded.items()}, rel=1e-12
    )


# ---- structure --------------------------------------------------------------------------------


def test_subtraction_stays_one_sub_node():
    g = build("a - b", parse_at("a=3,b=5"))
    assert [n.op for n in g.nodes] == ["input", "input", "sub"]
    assert g.root.local == (1, -1)


def test_a_reused_input_accumulates_its_gradients():
    # d/dx (x*x + x) = 2x + 1 = 7 at x = 3: two edges from the one input node
    g = build("x*x + x", parse_at("x=3"))
    assert sum(n.op == "input" for n in g.nodes) == 1
    assert g.gradients() == {"x": 7}


def test_sigmoid_local_gradient_is_sigma_times_one_minus_sigma():
    g = build("sigma(x)", parse_at("x=0"))
    x = g.inputs["x"].symbol
    assert g.root.local == (sp.Rational(1, 4),)
    assert sp.simplify(g.root.local_formulas()[0] - Sigmoid(x) * (1 - Sigmoid(x))) == 0


def test_relu_gradient_at_zero_is_zero():
    assert grads("relu(x)", "x=0")[1] == {"x": 0}
    assert grads("relu(x)", "x=1/2")[1] == {"x": 1}


def test_constants_fold_into_their_gates():
    g = build("2*x + 1", parse_at("x=5"))
    assert [n.label for n in g.nodes] == ["x", "2×", "+1"]
    assert g.value == 11 and g.gradients() == {"x": 2}


def test_an_input_not_in_the_expression_has_gradient_zero():
    assert grads("x*x", "x=2,y=7")[1] == {"x": 4, "y": 0}


def test_exact_rationals_stay_exact():
    value, g = grads("x/y", "x=1,y=3")
    assert value == sp.Rational(1, 3) and g == {"x": sp.Rational(1, 3), "y": sp.Rational(-1, 9)}


def test_sigmoid_of_minus_1000_is_tiny_but_not_zero():
    value, g = grads("sigma(x)", "x=-1000")
    assert 0 < value < sp.Float("1e-434")
    assert abs(g["x"] - value * (1 - value)) < sp.Float("1e-460")


# ---- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "column", "words"),
    [
        ("apple*q", "apple=1", 7, "unknown name 'q'"),
        ("apple*", "apple=1", 7, "end"),
        ("log(x)", "x=-1", 1, "not a finite real number"),
        ("1/x", "x=0", 2, "not a finite real number"),
        ("x^y", "x=-2,y=1/2", 1, "not a finite real number"),
    ],
    ids=["unknown-name", "truncated", "log-of-negative", "division-by-zero", "root-of-negative"],
)
def test_bad_expression_is_a_claim_error_with_its_column(text, at, column, words):
    with pytest.raises(ClaimError) as info:
        build(text, parse_at(at))
    assert info.value.column == column
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("at", "words"),
    [
        ("x", "column 1: expected name=value"),
        ("x=1;y=2", "column 3: x: expected a number"),
        ("x=1,", "column 5: a name=value is missing"),
        ("x=1,x=2", "'x' is given twice"),
        ("exp=1", "'exp' is a function name"),
        ("x=1/0", "division by zero"),
        ("x=1e999", "exponent out of range"),
        ("x=abc", "column 3: x: expected a number"),
        ("", "no name=value"),
    ],
    ids=[
        "no-value",
        "semicolon",
        "trailing-comma",
        "twice",
        "function-name",
        "zero-denominator",
        "exponent",
        "not-a-number",
        "empty",
    ],
)
def test_bad_at_is_a_claim_error_naming_the_column_not_the_flag(at, words):
    with pytest.raises(ClaimError) as info:
        parse_at(at)
    assert str(info.value).startswith(f"column {info.value.column}: ")
    assert words in str(info.value)


def test_at_reads_decimals_exponents_and_fractions_exactly():
    assert parse_at("a=1.1, b=-2e-3,c=1/3,d=+.5") == {
        "a": sp.Rational(11, 10),
        "b": sp.Rational(-1, 500),
        "c": sp.Rational(1, 3),
        "d": sp.Rational(1, 2),
    }


# ---- oracles: finite differences and torch -----------------------------------------------------

NAMES = ("x", "y", "z")


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from([*NAMES, "2", "0.5", "3"]))
    kind = draw(st.sampled_from(["+", "-", "*", "/", "neg", "sigma", "tanh", "exp", "sq"]))
    a = draw(expressions(depth=depth - 1))
    if kind in ("+", "-", "*"):
        return f"({a}) {kind} ({draw(expressions(depth=depth - 1))})"
    if kind == "/":
        return f"({a}) / (2 + ({draw(expressions(depth=depth - 1))})^2)"
    if kind == "neg":
        return f"-({a})"
    if kind == "sq":
        return f"({a})^2"
    if kind == "exp":
        return f"exp(tanh({a}))"
    return f"{kind}({a})"


values = st.integers(-20, 20).map(lambda k: sp.Rational(k, 10))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), values, values, values)
def test_random_expressions_agree_with_finite_differences(text, x, y, z):
    at = {"x": x, "y": y, "z": z}
    g = build(text, at)
    symbols = {k: g.inputs[k].symbol for k in NAMES}
    expr = parse(text, symbols)  # the whole expression, never split into nodes

    def f(point: dict) -> sp.Float:
        return expr.xreplace({symbols[k]: sp.Float(v, 50) for k, v in point.items()}).evalf(50)

    assert float(g.value) == pytest.approx(float(f(at)), rel=1e-12, abs=1e-12)
    h = sp.Rational(1, 10**15)
    for name in NAMES:
        fd = (f({**at, name: at[name] + h}) - f({**at, name: at[name] - h})) / (2 * h)
        assert float(g.gradients()[name]) == pytest.approx(float(fd), rel=1e-9, abs=1e-12)


def test_mixed_expression_matches_torch_autograd_at_lopsided_inputs():
    torch = pytest.importorskip("torch")
    text = "relu(a*b + b^3)*sigma(a - b) + (a + b)^2/2 + 10/(a*b)^2 + tanh(b/a) - exp(-a*a/8)"
    g = build(text, parse_at("a=-4,b=2"))
    a = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    out = (
        torch.relu(a * b + b**3) * torch.sigmoid(a - b)
        + (a + b) ** 2 / 2
        + 10 / (a * b) ** 2
        + torch.tanh(b / a)
        - torch.exp(-a * a / 8)
    )
    out.backward()
    assert float(g.value) == pytest.approx(out.item(), rel=1e-12)
    assert float(g.gradients()["a"]) == pytest.approx(a.grad.item(), rel=1e-12)
    assert float(g.gradients()["b"]) == pytest.approx(b.grad.item(), rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="xyz+-*/^()0123456789.e ,sigmaexpln'\\{}", max_size=40))
def test_any_text_gives_a_graph_or_a_claim_error(text):
    try:
        g = build(text, {"x": sp.Rational(3, 2), "y": sp.Integer(-2), "z": sp.Rational(1, 3)})
    except ClaimError:
        return
    assert g.root in g.nodes


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="xyab_{}=,.-+/e0123456789 ;", max_size=30))
def test_any_at_text_gives_values_or_a_claim_error(text):
    try:
        values = parse_at(text)
    except ClaimError as e:
        assert e.column is not None and str(e).startswith(f"column {e.column}: ")
        return
    assert values and all(v.is_Rational for v in values.values())


def test_values_beyond_1e1000_are_refused_with_the_nodes_column():
    with pytest.raises(ClaimError) as info:
        build("exp(exp(x))", parse_at("x=10"))
    assert info.value.column == 1 and "beyond 1e1000" in str(info.value)


def test_written_out_sigmoid_at_minus_1000_stays_finite():
    g = build("1/(1 + exp(-x))", parse_at("x=-1000"))
    assert 0 < g.value < sp.Float("1e-434")
    assert g.as_json()["value"].startswith("5.07595889754945")
