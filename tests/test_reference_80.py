"""Issue 12: on random and saturated networks, `derive(net).evaluate()`, `compile(net)` and the
exported module (`module_source()` imported from a file) agree with an 80-digit mpmath reference
(tests/oracles.py `mp_reference`, its own forward and backward pass from CONTRACT.md's conventions).

Criterion, per loss and per gradient entry, with r the reference and g the float64 answer:
|g - r| <= 1e-9 * |r|, relative, wherever float64 determines the answer. Float64 does not determine
an entry r that is far below the terms it is summed from (cancellation): any float64 evaluation
of a sum of terms of size S carries an absolute error of a few ulp of S. Such entries are held to
|g - r| <= 1e-9 * |r| + 1e-13 * S, with S the largest |reference gradient| of the same network
(about 500 ulp of S). The hand-picked saturated cases below are built so that every entry has no
cancellation and are held to the purely relative bound.
"""

from __future__ import annotations

import importlib.util
import itertools

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import mp_reference

import symbp
from symbp.network import Example, Layer, Network

ACTIVATIONS = [e.name for e in symbp.activations.entries()]
LOSSES = ["squared_error", "cross_entropy", "binary_cross_entropy"]
BIASES = ["per_unit", "shared", "none"]
REL = 1e-9
CANCELLATION = 1e-13

_counter = itertools.count()


def exported(net: Network, tmp_path):
    """The module `symbp compile` would write, imported from a file."""
    path = tmp_path / f"exported_{next(_counter)}.py"
    path.write_text(symbp.compile(net).module_source(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def answers(net: Network, params: dict, X: np.ndarray, Y: np.ndarray, tmp_path) -> dict:
    """(loss, grads) from evaluate, the compiled model and the exported module."""
    m = len(X)
    ex = Example(tuple(map(tuple, X)), tuple(map(tuple, Y)), params, 0.1, True, single=(m == 1))
    worked = symbp.derive(net).evaluate(ex)
    model = symbp.compile(net)
    mod = exported(net, tmp_path)
    return {
        "evaluate": (worked.loss, worked.gradients),
        "compile": (model.loss(params, X, Y), model.gradients(params, X, Y)),
        "module": (mod.loss(params, X, Y), mod.gradients(params, X, Y)),
    }


def assert_agree(
    net, params, X, Y, tmp_path, cancellation: float = CANCELLATION, tiny: float = 0.0
) -> None:
    ref_loss, ref = mp_reference(net, params, X, Y)
    ref = {k: np.array(v, dtype=object) for k, v in ref.items()}
    scale = max(abs(v) for arr in ref.values() for v in np.ravel(arr))
    # an output error a - y has terms of the targets' size, and sums of it (a shared bias's
    # gradient, sum_j (a_j - y_j) = 0 under softmax) cancel to what float64 cannot resolve
    scale = max(scale, float(np.max(np.abs(Y))))
    for who, (loss, grads) in answers(net, params, X, Y, tmp_path).items():
        loss_bound = REL * abs(ref_loss) + tiny
        assert abs(mpmath.mpf(float(loss)) - ref_loss) <= loss_bound, (who, loss, ref_loss)
        assert set(grads) == set(ref), who
        for key, want in ref.items():
            got = np.asarray(grads[key], dtype=float)
            assert got.shape == want.shape, (who, key)
            for idx in np.ndindex(want.shape):
                r = want[idx]
                err = abs(mpmath.mpf(float(got[idx])) - r)
                bound = REL * abs(r) + cancellation * scale + tiny
                assert err <= bound, f"{who} {key}{list(idx)}: {float(got[idx])!r} vs {r} ({err})"


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(LOSSES))
    layers = []
    for i in range(depth):
        if i == depth - 1 and loss == "cross_entropy":
            act = draw(st.sampled_from(["softmax", "sigmoid"] if widths[-1] > 1 else ["sigmoid"]))
        elif i == depth - 1 and loss == "binary_cross_entropy":
            act = "sigmoid"
        else:  # softmax over one unit is rejected as a constant
            act = draw(
                st.sampled_from([a for a in ACTIVATIONS if widths[i + 1] > 1 or a != "softmax"])
            )
        entry = symbp.activations.get(act)
        alpha = draw(st.sampled_from([0.05, 0.3, 1.5])) if entry.params else None
        if act == "leaky_relu" and alpha > 1:
            alpha = 0.5
        layers.append(Layer(widths[i + 1], act, draw(st.sampled_from(BIASES)), alpha))
    net = Network(widths[0], tuple(layers), loss)
    m = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1.5, size=(m, widths[0]))
    if loss == "cross_entropy":
        Y = rng.dirichlet(np.ones(widths[-1]), size=m)
        Y[:, -1] = 1 - Y[:, :-1].sum(axis=1)
    elif loss == "binary_cross_entropy":
        Y = rng.uniform(0, 1, size=(m, widths[-1]))
    else:
        Y = rng.normal(0, 1, size=(m, widths[-1]))
    params = {k: rng.normal(0, 1.0, size=s) for k, s in net.parameter_shapes().items()}
    return net, params, X, Y


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(networks())
def test_random_networks_agree_with_the_80_digit_reference(tmp_path, case):
    assert_agree(*case, tmp_path)


ELEMENTWISE = [e.name for e in symbp.activations.entries() if e.elementwise]


def _alpha(act: str) -> float | None:
    return 0.2 if symbp.activations.get(act).params else None


@pytest.mark.parametrize("z", [-30.0, -29.5, 30.0])
@pytest.mark.parametrize("act", ELEMENTWISE)
def test_saturated_hidden_units(tmp_path, act, z):
    """A hidden layer of `act` at pre-activations z and z + 1, a sigmoid output, a batch of 2."""
    net = Network(1, (Layer(2, act, "per_unit", _alpha(act)), Layer(1, "sigmoid")), "squared_error")
    params = {
        "W1": np.array([[z], [z + 1.0]]),
        "b1": np.array([0.0, 0.0]),
        "W2": np.array([[0.7, -0.4]]),
        "b2": np.array([0.1]),
    }
    X, Y = np.array([[1.0], [1.0]]), np.array([[0.2], [0.9]])
    assert_agree(net, params, X, Y, tmp_path, cancellation=0.0)


@pytest.mark.parametrize("z", [-1000.0, 1000.0])
@pytest.mark.parametrize("act", ELEMENTWISE)
def test_huge_pre_activations(tmp_path, act, z):
    """Pre-activations of +-1000 where the answer is finite in float64; an entry below float64's
    smallest normal number (the derivative of a unit saturated that far) is held to that size."""
    net = Network(1, (Layer(1, act, "shared", _alpha(act)), Layer(1, "identity")), "squared_error")
    params = {
        "W1": np.array([[z]]),
        "b1": np.array(0.0),
        "W2": np.array([[1e-3]]),
        "b2": np.array([0.5]),
    }
    X, Y = np.array([[1.0]]), np.array([[0.25]])
    assert_agree(net, params, X, Y, tmp_path, cancellation=0.0, tiny=2.2250738585072014e-308)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.5])
@pytest.mark.parametrize("logit", [-40.0, 40.0])
def test_confident_binary_cross_entropy(tmp_path, logit, y):
    """A sigmoid output at logit +-40 under binary cross-entropy, per target."""
    net = Network(1, (Layer(1, "sigmoid"),), "binary_cross_entropy")
    params = {"W1": np.array([[logit]]), "b1": np.array([0.0])}
    X, Y = np.array([[1.0]]), np.array([[y]])
    assert_agree(net, params, X, Y, tmp_path, cancellation=0.0)


@pytest.mark.parametrize("logit", [-40.0, 40.0])
def test_confident_softmax_cross_entropy(tmp_path, logit):
    """Softmax logits (logit, 0, -logit) under cross-entropy, the target the first class."""
    net = Network(1, (Layer(3, "softmax", "none"),), "cross_entropy")
    params = {"W1": np.array([[logit], [0.0], [-logit]])}
    X, Y = np.array([[1.0]]), np.array([[1.0, 0.0, 0.0]])
    assert_agree(net, params, X, Y, tmp_path, cancellation=0.0)
