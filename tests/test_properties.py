"""Property tests over random topologies and random spec input (hypothesis, bounded)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import mp_central_differences

import symbp
from symbp import activations, spec
from symbp.errors import SpecError
from symbp.network import Example, Layer, Network

HIDDEN = [e.name for e in activations.entries()]


@st.composite
def networks(draw, max_depth: int = 3, max_width: int = 3):
    depth = draw(st.integers(1, max_depth))
    widths = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1))
    loss = draw(st.sampled_from(["squared_error", "cross_entropy", "binary_cross_entropy"]))
    layers = []
    for i in range(depth):
        if i == depth - 1 and loss == "cross_entropy":
            act = draw(st.sampled_from(["sigmoid", "softmax"]))
        elif i == depth - 1 and loss == "binary_cross_entropy":
            act = "sigmoid"
        else:
            act = draw(st.sampled_from(HIDDEN))
        if act == "softmax" and widths[i + 1] == 1:
            act = "sigmoid"
        bias = draw(st.sampled_from(["per_unit", "shared", "none"]))
        alpha = 0.1 if activations.get(act).params else None
        layers.append(Layer(widths[i + 1], act, bias, alpha))
    return Network(widths[0], tuple(layers), loss)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_bp_equals_direct_differentiation_on_random_networks(net):
    assert symbp.derive(net).check().ok


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_depth=2), st.integers(0, 2**32 - 1))
def test_evaluate_matches_finite_differences_on_random_networks(net, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, size=(2, net.inputs))
    n = net.sizes[-1]
    if net.loss == "cross_entropy":
        Y = rng.dirichlet(np.ones(n), size=2)
    else:
        Y = rng.uniform(0, 1, size=(2, n))
    params = {k: rng.normal(0, 1, size=s) for k, s in net.parameter_shapes().items()}
    ex = Example(tuple(map(tuple, X)), tuple(map(tuple, Y)), params, 0.1, True, False)
    got = symbp.derive(net).evaluate(ex).gradients
    want = mp_central_differences(net, params, X, Y, digits=30)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-8, atol=1e-10, err_msg=key)


toml_values = st.recursive(
    st.none().map(lambda _: 0)
    | st.booleans()
    | st.integers(-5, 10)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["sigmoid", "softmax", "shared", "none", "cross_entropy", "mazur"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "units",
                    "activation",
                    "bias",
                    "alpha",
                    "x",
                    "y",
                    "W1",
                    "b1",
                    "params",
                    "learning_rate",
                    "train_bias",
                    "zzz",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)

spec_dicts = st.fixed_dictionaries(
    {},
    optional={
        "inputs": st.one_of(st.integers(-2, 4), toml_values),
        "layers": st.one_of(st.lists(toml_values, max_size=3), toml_values),
        "loss": st.one_of(st.sampled_from(["squared_error", "cross_entropy"]), toml_values),
        "notation": st.one_of(st.sampled_from(["mazur", "nielsen"]), toml_values),
        "example": toml_values,
        "name": toml_values,
    },
)


@settings(max_examples=400, deadline=None)
@given(spec_dicts)
def test_any_spec_table_gives_a_network_or_a_spec_error(data):
    try:
        net = spec.from_dict(data)
    except SpecError as e:
        assert "\n" not in str(e)
    else:
        assert isinstance(net, Network)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_network_or_a_spec_error(raw):
    try:
        spec.loads_bytes(raw, "fuzz.toml", "fuzz")
    except SpecError as e:
        assert str(e).startswith("fuzz.toml") and "\n" not in str(e)
