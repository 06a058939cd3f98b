"""The activation registry as the one source: generated tables, ELU and GELU through every
stage, the kernels against mpmath at 80 digits, and an activation added by one entry."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from oracles import mp_cost, torch_gradients

import symbp
from symbp import activations, kernels
from symbp.cli import main
from symbp.graph import build, parse_at
from symbp.graph.layers import elementwise
from symbp.kernels import _sigmoid
from symbp.network import Layer, Network
from symbp.parse import function_table
from symbp.verify.claims import Checker

NEW = ["elu", "gelu"]


def _mp(f, z):
    with mpmath.workdps(80):
        return f(mpmath.mpf(z))


# ---- generated tables ------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "layer"), [("elu", "ELU"), ("gelu", "GELU"), ("relu", "ReLU")])
def test_layer_view_names_come_from_the_entry(name, layer):
    assert elementwise(name, 0.5 if activations.get(name).params else None).name == layer


@pytest.mark.parametrize(
    ("spelling", "name"),
    [("sigmoid", "sigmoid"), ("sigma", "sigmoid"), ("LReLU", "leaky_relu"), ("elu", "elu")],
)
def test_claim_table_is_generated_from_the_spellings(spelling, name):
    z = sp.Symbol("z")
    assert type(function_table()[spelling](z)) is activations.get(name).cls


def test_oracles_refuse_an_activation_they_do_not_know():
    net = Network(1, (Layer(2, "sigmoid"),))
    object.__setattr__(net.layers[0], "activation", "sigmod")
    with pytest.raises(KeyError, match="sigmod"):
        mp_cost(net, {"W1": np.ones((2, 1)), "b1": np.zeros(2)}, np.ones((1, 1)), np.ones((1, 2)))


# ---- kernels vs mpmath at 80 digits ----------------------------------------------------------
@pytest.mark.parametrize("z", [-600.0, -100.0, -37.5, -30.0, -1.0, 0.0, 2.5, 40.0])
def test_sigmoid_kernel_keeps_full_relative_accuracy_for_negative_z(z):
    want = _mp(lambda v: 1 / (1 + mpmath.exp(-v)), z)
    assert float(_sigmoid(np.float64(z))) == pytest.approx(float(want), rel=4e-16)


@pytest.mark.parametrize("z", [-30.0, -5.0, -0.5, 0.0, 0.25, 3.0, 1000.0])
def test_gelu_kernel_matches_mpmath(z):
    want = _mp(lambda v: v * mpmath.ncdf(v), z)
    assert float(kernels._gelu(np.float64(z))) == pytest.approx(float(want), rel=1e-13)


@pytest.mark.parametrize("z", [-1000.0, -20.0, -1e-3, 0.5, 1000.0])
def test_elu_kernel_matches_mpmath(z):
    want = _mp(lambda v: v if v > 0 else 0.7 * mpmath.expm1(v), z)
    assert float(kernels._elu(np.float64(z), 0.7)) == pytest.approx(float(want), rel=1e-15)


def test_log_softmax_of_a_confident_sample_matches_mpmath():
    z = np.array([[40.0, 3.0, -2.5]])
    with mpmath.workdps(80):
        zs = [mpmath.mpf(v) for v in z[0]]
        want = [float(v - mpmath.log(sum(mpmath.exp(u) for u in zs))) for v in zs]
    got = kernels._log_softmax(z)[0]
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_compiled_cross_entropy_of_a_confident_sample_matches_mpmath():
    net = symbp.load("softmax")
    model = symbp.compile(net)
    params = {k: np.asarray(v) * 8 for k, v in net.example.params.items()}
    X, Y = net.example.X, net.example.Y
    with mpmath.workdps(80):
        want = mp_cost(net, params, X, Y)
    assert model.loss(params, X, Y) == pytest.approx(float(want), rel=1e-13)


# ---- parameters are exact ---------------------------------------------------------------------
def test_an_irrational_looking_alpha_is_not_simplified_and_checks():
    net = Network(2, (Layer(2, "leaky_relu", alpha=0.7071067811865476), Layer(1, "sigmoid")))
    d = symbp.derive(net)
    assert d.layers[0].alpha == sp.Rational("0.7071067811865476")
    assert d.check().ok


# ---- ELU and GELU through every stage ---------------------------------------------------------
def _net(name: str) -> Network:
    return Network(
        3, (Layer(2, name), Layer(2, "sigmoid")), "squared_error", name=name
    ).with_example(
        x=[[0.3, -1.2, 0.8], [-2.0, 0.1, 0.4]],
        y=[[0.2, 0.9], [0.6, 0.1]],
        params={
            "W1": [[0.5, -1.1, 0.3], [-0.7, 0.2, 1.4]],
            "b1": [0.1, -0.4],
            "W2": [[0.9, -0.6], [0.3, 1.2]],
            "b2": [0.05, -0.2],
        },
    )


@pytest.mark.parametrize("name", NEW)
def test_new_activation_derivative_is_proved(name):
    assert activations.prove_derivative(activations.get(name)).ok


@pytest.mark.parametrize("name", NEW)
def test_new_activation_network_checks(name):
    assert symbp.derive(_net(name)).check().ok


@pytest.mark.parametrize("name", NEW)
def test_new_activation_evaluate_and_compile_match_torch(name):
    pytest.importorskip("torch")
    net = _net(name)
    ex = net.example
    want_loss, want = torch_gradients(net, ex.params, ex.X, ex.Y)
    w = symbp.derive(net).evaluate()
    assert w.loss == pytest.approx(want_loss, rel=1e-12)
    model = symbp.compile(net)
    got = model.gradients(ex.params, ex.X, ex.Y)
    for key, value in want.items():
        np.testing.assert_allclose(w.gradients[key], value, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(got[key], value, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", NEW)
def test_new_activation_exported_module_is_finite_at_1000(name, tmp_path):
    net = _net(name)
    namespace: dict = {}
    exec(compile(symbp.compile(net).module_source(), "m.py", "exec"), namespace)
    params = {k: np.asarray(v) * 1000 for k, v in net.example.params.items()}
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        grads = namespace["gradients"](params, net.example.X, net.example.Y)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


@pytest.mark.parametrize("name", NEW)
def test_new_activation_documents_name_it(name, tmp_path):
    spec = tmp_path / f"{name}.toml"
    spec.write_text(
        f'inputs = 2\nloss = "squared_error"\n[[layers]]\nunits = 2\nactivation = "{name}"\n'
        '[[layers]]\nunits = 1\nactivation = "sigmoid"\n[example]\nx = [0.5, -0.25]\ny = [0.3]\n'
    )
    assert main(["derive", str(spec), "-o", str(tmp_path), "--format", "tex,md"]) == 0
    tex = (tmp_path / f"{name}.tex").read_text(encoding="utf-8")
    assert rf"\operatorname{{{name.upper()}}}" in tex
    assert main(["derive", str(spec), "--view", "graph", "-o", str(tmp_path / "g")]) == 0
    md = (tmp_path / "g" / f"{name}.graph.md").read_text(encoding="utf-8")
    assert activations.get(name).layer_name in md


@pytest.mark.parametrize("name", NEW)
def test_new_activation_layer_rule_holds(name):
    assert elementwise(name, 0.5 if activations.get(name).params else None).holds


def test_verify_reads_elus_derivative_written_with_elu_itself():
    net = _net("elu")
    claim = "H(z^1_1) + (1 - H(z^1_1))*(elu(z^1_1) + 1)"
    assert symbp.verify(net, "da^1_1/dz^1_1", claim).ok
    assert symbp.verify(net, "da^1_1/dz^1_1", "elu'(z^1_1)").ok
    assert symbp.verify(net, "da^1_1/dz^1_1", "elu(z^1_1) + 1").ok is False


def test_verify_reads_a_latex_gelu_prime():
    net = _net("gelu")
    claim = r"(a^2_1 - y_1)\,a^2_1(1 - a^2_1)\,w^2_{11}\,\mathrm{GELU}'(z^1_1)"
    assert symbp.verify(net, "delta^1_1", claim).ok is False  # delta^1_1 sums over both outputs
    full = (
        r"((a^2_1 - y_1) a^2_1 (1 - a^2_1) w^2_{11} + (a^2_2 - y_2) a^2_2 (1 - a^2_2) w^2_{21})"
        r"\,\mathrm{GELU}'(z^1_1)"
    )
    assert symbp.verify(net, "delta^1_1", full).ok


def test_graph_expression_with_gelu_has_the_derivative_as_its_gradient():
    g = build("gelu(x*y)", parse_at("x=1.5,y=-0.5"))
    with mpmath.workdps(40):
        u = mpmath.mpf(-0.75)
        slope = mpmath.ncdf(u) + u * mpmath.npdf(u)
        assert float(g.value) == pytest.approx(float(u * mpmath.ncdf(u)), rel=1e-14)
        assert float(g.gradients()["x"]) == pytest.approx(float(slope * -0.5), rel=1e-14)


FACT_POINTS = (-3.7, -0.4, -1e-3, 1e-3, 0.6, 2.9)
ELEMENTWISE = [e.name for e in activations.entries() if e.elementwise and e.name != "identity"]


def _mp_function(name: str):
    """The activation from its definition, as an mpmath function (30 digits)."""
    u = sp.Symbol("u", real=True)
    return sp.lambdify(u, activations.defined(activations.get(name).claim(u)), "mpmath")


def _mp_value(name: str, z: float) -> mpmath.mpf:
    with mpmath.workdps(30):
        return _mp_function(name)(mpmath.mpf(z))


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if activations.get(n).keeps_sign])
def test_keeps_sign_entries_are_zero_at_zero_and_positive_exactly_for_positive_z(name):
    assert _mp_value(name, 0.0) == 0
    assert all((_mp_value(name, z) > 0) == (z > 0) for z in FACT_POINTS)


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if activations.get(n).positive])
def test_positive_entries_are_positive_everywhere(name):
    assert all(_mp_value(name, z) > 0 for z in (-30.0, *FACT_POINTS, 30.0))


@pytest.mark.parametrize(
    "name", [n for n in ELEMENTWISE if activations.get(n).derivative_of_a is not None]
)
def test_derivative_written_in_a_is_the_derivative(name):
    entry, f = activations.get(name), _mp_function(name)
    with mpmath.workdps(30):
        for z in FACT_POINTS:
            assert abs(entry.derivative_of_a(f(mpmath.mpf(z))) - mpmath.diff(f, z)) < 1e-20


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy", "binary_cross_entropy"])
def test_each_loss_matching_output_gives_a_minus_y(loss):
    output = symbp.losses.get(loss).matching_output
    d = symbp.derive(Network(2, (Layer(2, output),), loss))
    checker = Checker(d)
    (lf,) = d.layers
    for delta, a, y in zip(d.backward[0].delta, lf.a, d.targets):
        assert checker.prove_equal(delta, a - y)[0]
