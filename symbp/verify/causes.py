"""Why a user's gradients are wrong: a constant ratio, zeros, a transpose, the layer the error
starts at, or another activation's derivative in that layer's delta."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from ..activations import entries, get
from ..derive import Derivation

RTOL = 1e-5
ATOL = 1e-7


@dataclass(frozen=True)
class Entry:
    """One gradient entry: parameter key and index, its symbol's name, and the three values."""

    key: str
    index: tuple[int, ...]
    name: str
    got: float
    derived: float
    finite_difference: float

    @property
    def error(self) -> float:
        return abs(self.got - self.derived) if np.isfinite(self.got) else float("inf")


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether every entry of a is within the tolerance of b."""
    return bool(np.all(np.abs(a - b) <= ATOL + RTOL * np.abs(b)))


@dataclass(frozen=True)
class Cause:
    """Why one parameter's gradient is wrong. kind: zeros (all 0), constant (got = constant *
    derived; `constant` is the number, `batch` the batch size m, so m or 1/m can be named),
    transposed (got = derived^T), from_layer (every wrong entry is in layers 1..`layer`, the
    layers above are right, its bias too: layer `layer`'s delta is wrong, the layers below
    inherit it), activation_derivative (that delta used the derivative of the activation `habit`,
    written in a as `form`: a*(1 - a) for sigmoid), weights_only (only W of layer `layer` is
    wrong; its bias, the delta, is right), layout_rows (the weights are read as in x out, x @ W:
    with --layout rows every entry is right)."""

    kind: str
    key: str = ""
    constant: float | None = None
    batch: int = 0
    layer: int = 0
    habit: str = ""  # activation_derivative: whose derivative was used instead
    activation: str = ""  # activation_derivative: the layer's own activation
    form: str = ""  # activation_derivative: the derivative used, written in a

    @property
    def constant_name(self) -> str:
        """The constant as written: m, 1/m, -m, -1/m (m the batch size), or a small fraction."""
        c, m = self.constant, self.batch
        if c is None:
            return ""
        if m > 2:
            for value, text in ((m, "m"), (1 / m, "1/m"), (-m, "-m"), (-1 / m, "-1/m")):
                if abs(c - value) <= 1e-6 * abs(value):
                    return text
        f = Fraction(c).limit_denominator(16)
        if abs(float(f) - c) <= 1e-6 * abs(c):
            return str(f)
        return f"{c:.6g}"


def find_causes(d: Derivation, wrong: list[Entry], seen, m: int, values) -> list[Cause]:
    """Each wrong parameter's cause when one explains all of its entries, then the layer the
    error starts at."""
    causes = []
    for key in dict.fromkeys(e.key for e in wrong):
        pairs = seen[key]
        got = np.concatenate([g.ravel() for g, _ in pairs])
        ref = np.concatenate([r.ravel() for _, r in pairs])
        if np.all(got == 0):
            causes.append(Cause("zeros", key))
            continue
        if not np.all(np.isfinite(got)):
            continue  # overflowed entries: no ratio or layout explains them
        big = np.abs(ref) > 1e-6
        ratios = got[big] / ref[big]
        if ratios.size and np.allclose(ratios, ratios[0], rtol=1e-6, atol=0):
            causes.append(Cause("constant", key, float(ratios[0]), m))
            continue
        if all(g.ndim == 2 and g.shape[0] == g.shape[1] and close(g.T, r) for g, r in pairs):
            causes.append(Cause("transposed", key))
    layer_of = {
        d.param_index[p][0]: lf.index
        for lf in d.layers
        for p in [*(w for row in lf.weights for w in row), *lf.biases]
    }
    layers = {layer_of[e.key] for e in wrong}
    if len(d.layers) < 2 or not layers:
        return causes
    top = max(layers)
    lf = d.layers[top - 1]
    if lf.bias_mode == "none":
        return causes
    bias_wrong = any(e.key == d.param_index[lf.biases[0]][0] for e in wrong)
    if bias_wrong and layers == set(range(1, top + 1)) and top < len(d.layers):
        habit = _habit(d, top, seen[d.param_index[lf.biases[0]][0]], values)
        if habit:
            name, form = lf.activation.name, str(get(habit).derivative_of_a(sp.Symbol("a")))
            causes.append(
                Cause("activation_derivative", layer=top, habit=habit, activation=name, form=form)
            )
        else:
            causes.append(Cause("from_layer", layer=top))
    elif not bias_wrong and layers == {top}:
        causes.append(Cause("weights_only", layer=top))
    return causes


def _habit(d: Derivation, layer: int, bias: list, values: list[dict]) -> str:
    """The activation whose derivative (in terms of a) the code used for layer `layer`'s
    delta instead of the layer's own, when that explains its bias gradient; else ""."""
    lf, lb = d.layers[layer - 1], d.backward[layer - 1]
    if lf.bias_mode != "per_unit" or not lf.activation.elementwise:
        return ""
    for habit in entries():
        form = habit.derivative_of_a
        if form is None or habit.name == lf.activation.name:
            continue
        right = True
        for (got, _), vals in zip(bias, values):
            for j, (a, delta) in enumerate(zip(lf.a, d.delta_symbols[layer - 1])):
                true = lb.jacobian[j, j]
                own = sp.lambdify(sorted(true.free_symbols, key=str), true, "numpy")
                args = [vals[s] for s in sorted(true.free_symbols, key=str)]
                alt = np.mean(vals[delta] * form(vals[a]) / own(*args))
                right = right and bool(abs(alt - got[j]) <= ATOL + RTOL * abs(alt))
        if right:
            return habit.name
    return ""
