"""Saturated units (z = +-30, +-1000) and confident outputs in all five implementations:
`evaluate`, the compiled model, the exported NumPy module and the JAX and torch modules.

The oracle is PyTorch float64 autograd of the same network written with torch's own functions
and losses (from logits), except where torch itself loses the answer (measured with torch 2.13,
and checked by the last test): it computes sigma' at +30 and tanh' at +-30 from the rounded
output (0 for tanh, 1e-3 relative error for sigma), GELU' at -30 with Phi(-30) rounded to 0
(1e-3), the gradient of a confident correct binary or softmax cross-entropy output as a - y = 0
instead of about -4.2e-18, and binary cross-entropy's loss at logit -40, target 0, as 0 instead
of 4.2e-18. There the 80-digit mpmath reference (tests/oracles.py) is the oracle.

Criterion: |g - r| <= 1e-9 |r| for the loss and every gradient entry, plus float64's smallest
normal number for entries that underflow (exp(-1000)).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from oracles import mp_reference, torch_gradients

import symbp
from symbp.network import Example, Layer, Network

REL, TINY = 1e-9, 2.2250738585072014e-308
ELEMENTWISE = [e.name for e in symbp.activations.entries() if e.elementwise]
TORCH_LOSES = {("sigmoid", 30.0), ("tanh", 30.0), ("tanh", -30.0), ("gelu", -30.0)}
TORCH_LOSES |= {("binary_cross_entropy", 40.0, 1.0), ("binary_cross_entropy", -40.0, 0.0)}
TORCH_LOSES |= {("cross_entropy", 40.0)}


def _module(source: str, name: str) -> dict:
    namespace: dict = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)  # symbp's own generated text
    return namespace


def _jax(model, params, X, Y):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    mod = _module(model.module_source(target="jax"), "jax_module")
    jp = {k: jax.numpy.asarray(v) for k, v in params.items()}
    return mod["loss"](jp, X, Y), mod["gradients"](jp, X, Y)


def _torch(model, params, X, Y):
    torch = pytest.importorskip("torch")
    mod = _module(model.module_source(target="torch"), "torch_module")

    def t(v):
        return torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64)

    tp = {k: t(v) for k, v in params.items()}
    loss, grads = mod["loss"](tp, t(X), t(Y)), mod["gradients"](tp, t(X), t(Y))
    return float(loss), {k: v.numpy() for k, v in grads.items()}


def answers(net: Network, params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """(loss, grads) of each implementation."""
    ex = Example(tuple(map(tuple, X)), tuple(map(tuple, Y)), params, 0.1, True, single=True)
    worked = symbp.derive(net).evaluate(ex)
    model = symbp.compile(net)
    exported = _module(model.module_source(), "numpy_module")
    return {
        "evaluate": (worked.loss, worked.gradients),
        "compile": (model.loss(params, X, Y), model.gradients(params, X, Y)),
        "module": (exported["loss"](params, X, Y), exported["gradients"](params, X, Y)),
        "jax": _jax(model, params, X, Y),
        "torch": _torch(model, params, X, Y),
    }


def oracle(net, params, X, Y, reference: bool):
    """(loss, grads) as mpmath numbers: torch autograd, or (`reference`) the 80-digit one."""
    if reference:
        return mp_reference(net, params, X, Y)
    pytest.importorskip("torch")
    loss, grads = torch_gradients(net, params, X, Y, from_logits=True)
    return mpmath.mpf(loss), {
        k: np.vectorize(mpmath.mpf, otypes=[object])(v) for k, v in grads.items()
    }


def assert_agree(net, params, X, Y, reference: bool) -> None:
    ref_loss, ref = oracle(net, params, X, Y, reference)
    for who, (loss, grads) in answers(net, params, X, Y).items():
        err = abs(mpmath.mpf(float(loss)) - ref_loss)
        assert err <= REL * abs(ref_loss) + TINY, (who, float(loss), ref_loss)
        for key, want in ref.items():
            got = np.asarray(grads[key], dtype=float)
            want = np.array(want, dtype=object)
            assert got.shape == want.shape, (who, key)
            for idx in np.ndindex(want.shape):
                r = want[idx]
                err = abs(mpmath.mpf(float(got[idx])) - r)
                assert err <= REL * abs(r) + TINY, f"{who} {key}{list(idx)}: {got[idx]!r} vs {r}"


def _alpha(act: str) -> float | None:
    return 0.2 if symbp.activations.get(act).params else None


@pytest.mark.parametrize("z", [-1000.0, -30.0, 30.0, 1000.0])
@pytest.mark.parametrize("act", ELEMENTWISE)
def test_saturated_unit_in_every_implementation(act, z):
    """One hidden unit of `act` at pre-activation z, an identity output, squared error."""
    net = Network(1, (Layer(1, act, "shared", _alpha(act)), Layer(1, "identity")), "squared_error")
    params = {
        "W1": np.array([[z]]),
        "b1": np.array(0.0),
        "W2": np.array([[1e-3]]),
        "b2": np.array([0.5]),
    }
    X, Y = np.array([[1.0]]), np.array([[0.25]])
    assert_agree(net, params, X, Y, (act, z) in TORCH_LOSES)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.5])
@pytest.mark.parametrize("logit", [-1000.0, -40.0, 40.0, 1000.0])
def test_confident_binary_cross_entropy_in_every_implementation(logit, y):
    net = Network(1, (Layer(1, "sigmoid"),), "binary_cross_entropy")
    params = {"W1": np.array([[logit]]), "b1": np.array([0.0])}
    X, Y = np.array([[1.0]]), np.array([[y]])
    assert_agree(net, params, X, Y, ("binary_cross_entropy", logit, y) in TORCH_LOSES)


@pytest.mark.parametrize("logit", [-1000.0, -40.0, 40.0, 1000.0])
def test_confident_softmax_cross_entropy_in_every_implementation(logit):
    """Softmax logits (logit, 0, -logit) under cross-entropy, the target the first class."""
    net = Network(1, (Layer(3, "softmax", "none"),), "cross_entropy")
    params = {"W1": np.array([[logit], [0.0], [-logit]])}
    X, Y = np.array([[1.0]]), np.array([[1.0, 0.0, 0.0]])
    assert_agree(net, params, X, Y, ("cross_entropy", logit) in TORCH_LOSES)


@pytest.mark.parametrize("z", [-1000.0, -30.0, 30.0, 1000.0])
def test_saturated_softmax_layers_in_every_implementation(z):
    """Softmax at logits (z, 0, -z) as a hidden layer and as a squared-error output, against the
    80-digit reference (the top output rounds to 1; a (g - sum(a g)) would cancel)."""
    hidden = Network(1, (Layer(3, "softmax", "none"), Layer(1, "identity")), "squared_error")
    W1 = np.array([[z], [0.0], [-z]])
    params = {"W1": W1, "W2": np.array([[1e-3, 2e-3, -1e-3]]), "b2": np.array([0.5])}
    assert_agree(hidden, params, np.array([[1.0]]), np.array([[0.25]]), reference=True)
    output = Network(1, (Layer(3, "softmax", "none"),), "squared_error")
    Y = np.array([[0.2, 0.3, 0.5]])
    assert_agree(output, {"W1": W1}, np.array([[1.0]]), Y, reference=True)


def _torch_loses_case(case):
    if case[0] == "binary_cross_entropy":
        _, logit, y = case
        net = Network(1, (Layer(1, "sigmoid"),), "binary_cross_entropy")
        return net, {"W1": np.array([[logit]]), "b1": np.array([0.0])}, [[1.0]], [[y]]
    if case[0] == "cross_entropy":
        net = Network(1, (Layer(3, "softmax", "none"),), "cross_entropy")
        return net, {"W1": np.array([[case[1]], [0.0], [-case[1]]])}, [[1.0]], [[1.0, 0.0, 0.0]]
    act, z = case
    net = Network(1, (Layer(1, act, "shared", _alpha(act)), Layer(1, "identity")), "squared_error")
    params = {
        "W1": np.array([[z]]),
        "b1": np.array(0.0),
        "W2": np.array([[1e-3]]),
        "b2": np.array([0.5]),
    }
    return net, params, [[1.0]], [[0.25]]


@pytest.mark.parametrize("case", sorted(TORCH_LOSES, key=str), ids=str)
def test_torch_autograd_itself_loses_these_cases(case):
    """Why those cases use the mpmath reference: torch's loss or some entry of its gradient is
    off by more than 1e-6 relative."""
    pytest.importorskip("torch")
    net, params, X, Y = _torch_loses_case(case)
    X, Y = np.array(X), np.array(Y)
    ref_loss, ref = mp_reference(net, params, X, Y)
    loss, grads = torch_gradients(net, params, X, Y, from_logits=True)
    errors = [abs(mpmath.mpf(loss) - ref_loss) / abs(ref_loss)] + [
        abs(mpmath.mpf(float(g)) - r) / abs(r)
        for key in ref
        for g, r in zip(np.ravel(grads[key]), np.ravel(np.array(ref[key], dtype=object)))
        if r != 0
    ]
    assert max(errors) > 1e-6
