"""The derivation: activation derivatives, simplified deltas, chain rules, general forms, proofs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp

import symbp
from symbp import activations
from symbp.derive import general, proof
from symbp.graph import build, parse_at
from symbp.graph.layers import network_rules
from symbp.kernels import _sigmoid
from symbp.network import Layer, Network
from symbp.render.printer import tex


@pytest.mark.parametrize("name", list(activations.REGISTRY), ids=list(activations.REGISTRY))
def test_activation_textbook_derivative_is_proved_against_its_definition(name):
    assert activations.prove_derivative(activations.get(name)).ok


def test_a_wrong_textbook_derivative_is_not_proved():
    class WrongSigmoid(activations.Sigmoid):
        def fdiff(self, argindex=1):
            return WrongSigmoid(self.args[0]) * (1 + WrongSigmoid(self.args[0]))

    wrong = activations.Activation("wrong", WrongSigmoid, "s", None)
    assert not activations.prove_derivative(wrong).ok


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma():
    z = sp.Symbol("z")
    s = activations.Sigmoid(z)
    assert sp.diff(s, z) == s * (1 - s)


def test_tanh_derivative_is_one_minus_tanh_squared():
    z = sp.Symbol("z")
    assert sp.diff(activations.Tanh(z), z) == 1 - activations.Tanh(z) ** 2


def test_softplus_derivative_is_sigmoid():
    z = sp.Symbol("z")
    assert sp.diff(activations.Softplus(z), z) == activations.Sigmoid(z)


def test_relu_derivative_at_zero_is_zero():
    z = sp.Symbol("z")
    d = sp.diff(activations.Relu(z), z)
    assert d.subs(z, 0) == 0 and d.subs(z, 2) == 1 and d.subs(z, -2) == 0


def test_relu_derivative_at_zero_is_zero_numerically():
    f = activations.numeric_namespace()["Heaviside"]
    assert f(np.array([0.0]))[0] == 0.0


def test_leaky_relu_derivative_is_alpha_below_zero_and_one_above():
    z = sp.Symbol("z")
    d = sp.diff(activations.LeakyRelu(z, sp.Rational(1, 10)), z)
    assert (
        d.subs(z, -3) == sp.Rational(1, 10)
        and d.subs(z, 3) == 1
        and d.subs(z, 0) == sp.Rational(1, 10)
    )


def test_softmax_jacobian_is_s_i_times_kronecker_minus_s_j():
    zs = sp.symbols("z1:4")
    s = [activations.Softmax(k, *zs) for k in (1, 2, 3)]
    assert sp.diff(s[0], zs[0]) == s[0] * (1 - s[0])
    assert sp.diff(s[0], zs[1]) == -s[0] * s[1]


def test_sigmoid_output_with_binary_cross_entropy_gives_a_minus_y():
    d = symbp.derive(symbp.load("deep_logistic"))
    a, y = d.layers[-1].a[0], d.targets[0]
    assert d.backward[-1].delta[0] == a - y


def test_softmax_with_cross_entropy_gives_a_minus_y_using_sum_y_is_one():
    d = symbp.derive(symbp.load("softmax"))
    out = d.layers[-1]
    assert d.backward[-1].delta == [a - y for a, y in zip(out.a, d.targets)]
    (identity,) = d.backward[-1].identities
    assert identity.rhs == 1 and tex(identity, compact=True) == r"\sum_j y_j = 1"


def test_squared_error_sigmoid_delta_is_written_in_the_layer_outputs():
    d = symbp.derive(symbp.load("mazur"))
    out_o1, t = d.layers[-1].a[0], d.targets[0]
    assert sp.expand(d.backward[-1].delta[0] - (out_o1 - t) * out_o1 * (1 - out_o1)) == 0
    assert not d.backward[-1].delta[0].has(activations.Sigmoid)


def test_hidden_delta_is_bp2_in_the_next_layers_deltas():
    d = symbp.derive(symbp.load("mazur"))
    n = d.names.names()
    expected = (n["delta_o1"] * n["w5"] + n["delta_o2"] * n["w7"]) * n["out_h1"] * (1 - n["out_h1"])
    assert sp.expand(d.backward[0].delta[0] - expected) == 0


def test_mazur_w5_chain_has_the_posts_three_factors():
    d = symbp.derive(symbp.load("mazur"))
    n = d.names.names()
    (term,) = d.chains[n["w5"]].terms
    assert [(f.num.name, f.den.name) for f in term] == [
        ("E", "out_o1"),
        ("out_o1", "net_o1"),
        ("net_o1", "w5"),
    ]
    assert term[2].value == n["out_h1"]


def test_shared_bias_chain_sums_over_the_layers_units():
    d = symbp.derive(symbp.load("mazur"))
    b2 = d.names.names()["b2"]
    assert len(d.chains[b2].terms) == 2


@pytest.mark.parametrize("name", sorted(symbp.list_examples()))
def test_every_chain_multiplies_out_to_the_gradient(name):
    d = symbp.derive(symbp.load(name))
    for p, chain in d.chains.items():
        gap = d.expand(chain.value()) - d.expand(d.gradients[p])
        assert proof.prove(gap, sp.S.Zero, d.identity_substitution(), p).ok, p


def test_absent_bias_has_no_parameter():
    net = Network(2, (Layer(3, "tanh", "none"), Layer(1, "sigmoid")))
    d = symbp.derive(net)
    assert not any(s.name.startswith("b^1") for s in d.gradients)
    assert len(d.gradients) == 6 + 3 + 1


def test_weight_layout_is_w_l_jk_from_unit_k_to_unit_j():
    net = Network(3, (Layer(2, "identity", "none"),))
    d = symbp.derive(net)
    n = d.names.names()
    assert (
        d.layers[0].z_def[1]
        == n["w^1_{21}"] * n["x_1"] + n["w^1_{22}"] * n["x_2"] + n["w^1_{23}"] * n["x_3"]
    )
    assert d.param_index[n["w^1_{23}"]] == ("W1", (1, 2))


def test_proof_rejects_a_gradient_missing_the_activation_derivative():
    d = symbp.derive(symbp.load("mazur"))
    w1 = d.names.names()["w1"]
    good = d.expand(d.gradients[w1])
    wrong = d.expand(
        d.gradients[w1] / (d.names.names()["out_h1"] * (1 - d.names.names()["out_h1"]))
    )
    assert proof.prove(d.direct_gradient(w1), good, {}, w1).ok
    assert not proof.prove(d.direct_gradient(w1), wrong, {}, w1).ok


def test_exact_evaluation_rejects_a_subtly_wrong_gradient(monkeypatch):
    monkeypatch.setattr(proof, "SYMBOLIC_LIMIT", 0)
    d = symbp.derive(symbp.load("xor"))
    p = d.params[0]
    direct = d.direct_gradient(p)
    result = proof.prove(direct, d.expand(d.gradients[p]), {}, p)
    assert result.ok and result.probabilistic
    assert result.method.startswith("verified at") and "(probabilistic" in result.method
    assert not proof.prove(direct, d.expand(d.gradients[p]) * sp.Rational(101, 100), {}, p).ok


def test_random_point_verification_draws_enough_points_for_a_small_error_bound(monkeypatch):
    monkeypatch.setattr(proof, "SYMBOLIC_LIMIT", 0)
    x, y = sp.symbols("x y")
    result = proof.prove((x + y) ** 3, x**3 + 3 * x**2 * y + 3 * x * y**2 + y**3, {}, x)
    points = int(result.method.split()[2])
    bound = float(result.method.split("<= ")[1].rstrip(")"))
    assert result.ok and result.probabilistic
    assert bound <= proof.TARGET and bound >= (3 / (2 * proof.RANGE + 1)) ** points


def test_points_at_a_pole_are_not_counted(monkeypatch):
    monkeypatch.setattr(proof, "SYMBOLIC_LIMIT", 0)
    x = sp.Symbol("x")
    pole = sp.Pow(sp.Add(x, -x, evaluate=False), -1, evaluate=False)  # 1/0 at every point
    result = proof.prove(pole, sp.S.One, {}, x)
    assert not result.ok and "no point" in result.method


def test_degree_bound_counts_numerator_after_combining_fractions():
    x, y = sp.symbols("x y")
    assert proof.degree_bound(x**2 * y + 1 / x) == 4  # (x^3 y + 1) / x


def test_general_bp2_is_derived_with_sigma_prime_and_transposed_weight_index():
    g = general.general_form(symbp.losses.get("squared_error"))
    l, j, k = general.l, general.j, general.k
    term = g.bp2.rhs.function
    assert term.has(general.w[l + 1, k, j]) and term.has(general.delta[l + 1, k])
    assert term.has(sp.Derivative(general.sigma(general.z[l, j]), general.z[l, j]))


def test_general_bp4_is_a_times_delta():
    g = general.general_form(symbp.losses.get("squared_error"))
    assert g.bp4.rhs == general.a[general.l - 1, general.k] * general.delta[general.l, general.j]
    assert g.bp3.rhs == general.delta[general.l, general.j]


def test_general_bp1_for_sigmoid_and_binary_cross_entropy_is_a_minus_y():
    eq = general.output_delta(symbp.losses.get("binary_cross_entropy"), activations.get("sigmoid"))
    assert eq.rhs == general.a[general.L, general.j] - general.y[general.j]


def test_logit_rules_are_proved_from_the_definitions():
    assert activations.prove_logit_rules()


@pytest.mark.parametrize("name", sorted(symbp.list_examples()))
@pytest.mark.parametrize("scale", [1000.0, -1000.0], ids=["plus1000", "minus1000"])
def test_evaluate_is_finite_without_warnings_at_pre_activations_of_1000(name, scale):
    net = symbp.load(name)
    ex = net.example
    params = {k: np.full_like(v, scale, dtype=float) for k, v in ex.params.items()}
    moved = type(ex)(ex.x, ex.y, params, ex.learning_rate, True, ex.single)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            worked = symbp.derive(net).evaluate(moved)
    assert np.isfinite(worked.loss)
    assert all(np.all(np.isfinite(g)) for g in worked.gradients.values())


@pytest.mark.parametrize("name", sorted(symbp.list_examples()))
def test_general_bp_equations_instantiate_to_the_derived_expressions(name):
    instances = general.prove_instances(symbp.derive(symbp.load(name)))
    assert instances and all(p.ok for p in instances)
    assert {"BP4"} <= {p.equation for p in instances}


def test_general_bp2_instance_detects_a_wrong_hidden_delta():
    d = symbp.derive(symbp.load("mazur"))
    d.backward[0].delta[0] = d.backward[0].delta[0] * 2
    bad = [p for p in general.prove_instances(d) if not p.ok]
    assert [(p.equation, p.layer) for p in bad] == [("BP2", 1)]


class Swish(activations.ActivationBase):
    """z * sigmoid(z): an activation the registry does not ship, added by one entry."""

    nargs = 1

    @classmethod
    def definition(cls, z):
        return z / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        z = self.args[0]
        s = activations.Sigmoid(z)
        return s + z * s * (1 - s)


def _swish(z):
    """z sigmoid(z)."""
    return z * _sigmoid(z)


@pytest.fixture
def swish_registered():
    entry = activations.Activation(
        "silu", Swish, r"\operatorname{SiLU}", _swish, spellings=("silu",), layer_name="SiLU"
    )
    activations.register(entry)
    yield entry
    del activations.REGISTRY["silu"]


def test_adding_an_activation_is_one_registry_entry(swish_registered):
    assert activations.prove_derivative(swish_registered).ok
    net = Network(3, (Layer(2, "silu"), Layer(2, "sigmoid")), "squared_error")
    d = symbp.derive(net)
    assert d.check().ok
    rng = np.random.default_rng(5)
    params = {k: rng.normal(size=s) for k, s in net.parameter_shapes().items()}
    ex = symbp.Example(((0.3, -1.2, 0.8),), ((0.2, 0.9),), params, 0.1)
    grads = d.evaluate(ex).gradients

    def cost(p):
        return d.evaluate(symbp.Example(ex.x, ex.y, p, 0.1)).loss

    h = 1e-6
    for key, value in params.items():
        for idx in np.ndindex(value.shape):
            up = {k: v.copy() for k, v in params.items()}
            down = {k: v.copy() for k, v in params.items()}
            up[key][idx] += h
            down[key][idx] -= h
            fd = (cost(up) - cost(down)) / (2 * h)
            assert grads[key][idx] == pytest.approx(fd, rel=1e-6, abs=1e-9), (key, idx)
    # the same entry reaches the compiled model, its exported source, claims and graphs
    model = symbp.compile(net)
    compiled = model.gradients(params, ex.X, ex.Y)
    for key in params:
        np.testing.assert_allclose(compiled[key], grads[key], rtol=1e-12)
    assert "def _swish(z):" in model.module_source()
    net_ex = net.with_example(x=[0.3, -1.2, 0.8], y=[0.2, 0.9])
    claim = "(a^2_1 - y_1) a^2_1 (1 - a^2_1) w^2_{11} silu'(z^1_1)"
    claim += " + (a^2_2 - y_2) a^2_2 (1 - a^2_2) w^2_{21} silu'(z^1_1)"
    assert symbp.verify(net_ex, "delta^1_1", claim).ok
    g = build("silu(x)", parse_at("x=1/2"))
    s = 1 / (1 + np.exp(-0.5))
    assert float(g.gradients()["x"]) == pytest.approx(s + 0.5 * s * (1 - s), rel=1e-14)
    assert [s.rule.name for s in network_rules(net_ex)][:2] == ["Affine", "SiLU"]


def test_general_bp1_for_sigmoid_and_squared_error_reads_a_minus_y_times_sigma_prime():
    eq = general.output_delta(symbp.losses.get("squared_error"), activations.get("sigmoid"))
    a, y = general.a[general.L, general.j], general.y[general.j]
    assert eq.rhs == (a - y) * a * (1 - a)
