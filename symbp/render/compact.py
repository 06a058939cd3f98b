"""The document of a large network: shapes, each layer's rules for one representative weight and
bias with their numbers, and the worked example as array summaries.

Every equation is a layer rule (derive/layer.py) with the widths and one unit's indices put in,
printed in the network's notation; every number is the rule's value from the one-pass
evaluation (derive/batch.py). No per-unit expression of the whole network is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..derive import Derivation, batch
from ..derive import general as G
from ..derive import layer as R
from ..derive.tensor import Evaluator
from .env import At, number
from .model import Line
from .printer import Updated


@dataclass(frozen=True)
class Shape:
    """One layer: its width, its input's width and its activation."""

    index: int
    inputs: int
    units: int
    activation: str
    bias_mode: str


@dataclass(frozen=True)
class UnitRules:
    """One layer's rules at its representative unit j and input k, each with its numbers."""

    index: int
    output: bool
    j: int
    k: int
    forward: list[Line]
    delta: Line
    grad_w: Line
    grad_b: Line | None
    update_w: Line


@dataclass(frozen=True)
class Summary:
    """An array of the worked example: its name, shape and range."""

    name: object
    shape: str
    low: float
    mean: float
    high: float


@dataclass(frozen=True)
class Compact:
    shapes: list[Shape]
    units: list[UnitRules]
    arrays: list[Summary]
    loss: float | None
    loss_after: float | None
    learning_rate: float | None
    values: dict = field(default_factory=dict)  # each symbol shown -> its value in every sample


def _per_sample(e: sp.Expr) -> sp.Expr:
    """A batch rule (1/m) sum_s f_s for one sample s: f_s."""
    e = e.replace(lambda x: isinstance(x, sp.Sum) and x.limits[0][0] == R.s, lambda x: x.function)
    return e.xreplace({R.m: 1})


def _outermost_sums(e: sp.Expr) -> list[sp.Sum]:
    sums = [x for x in sp.preorder_traversal(e) if isinstance(x, sp.Sum)]
    return [x for x in sums if not any(x != y and y.has(x) for y in sums)]


class _Unit:
    """Writes one layer's rule expressions for unit j, input k in the network's notation."""

    def __init__(self, d: Derivation, l: int, j: int, k: int):
        self.names, self.l, self.j, self.k = d.names, l, j, k
        sizes = d.net.sizes
        nxt = sizes[l + 1] if l + 1 < len(sizes) else 1
        self.fixed = {R.j: j, R.k: k, R.n_prev: sizes[l - 1], R.n: sizes[l], R.n_next: nxt}

    def _map(self, x: sp.Indexed) -> sp.Expr:
        names, l = self.names, self.l
        idx = [i for i in x.indices if i != R.s]
        concrete = all(i.is_Integer for i in idx)
        ints = [int(i) for i in idx] if concrete else idx
        base = x.base
        if base == R.z:
            return names.z(l, *ints) if concrete else G.z[l, idx[0]]
        if base == R.a:
            return names.a(l, *ints) if concrete else G.a[l, idx[0]]
        if base == R.a_prev:
            if concrete:
                return names.a(l - 1, *ints)
            return sp.IndexedBase("x")[idx[0]] if l == 1 else G.a[l - 1, idx[0]]
        if base == R.W:
            return names.w(l, *ints) if concrete else G.w[l, *idx]
        if base == R.W_next:
            return names.w(l + 1, *ints) if concrete else G.w[l + 1, *idx]
        if base == R.b:
            return names.b(l, *ints)
        if base == R.delta:
            return names.delta(l, *ints) if concrete else G.delta[l, idx[0]]
        if base == R.delta_next:
            return names.delta(l + 1, *ints) if concrete else G.delta[l + 1, idx[0]]
        if base == R.y:
            return names.y(*ints) if concrete else G.y[idx[0]]
        raise ValueError(f"no notation for {x}")

    def __call__(self, e: sp.Expr) -> sp.Expr:
        e = e.xreplace(self.fixed)
        bound = {v for x in e.atoms(sp.Sum) for v, *_ in x.limits}
        if len(bound) == 1:
            e = e.xreplace({bound.pop(): R.k})
        e = e.replace(lambda x: isinstance(x, sp.Indexed), self._map)
        return e.xreplace({R.beta: self.names.b(self.l, None)})


def general_notation(e: sp.Expr) -> sp.Expr:
    """An output-layer rule in the general index notation: z^L_j, a^L_j, y_j, n_L (one sample)."""
    e = e.xreplace({R.n: G.n[G.L], R.p: G.k, R.q: G.i})
    bases = {R.z: G.z, R.a: G.a}

    def index(x: sp.Indexed) -> sp.Expr:
        (unit,) = [i for i in x.indices if i != R.s]
        if x.base == R.y:
            return G.y[unit]
        if x.base == R.g:
            return sp.Derivative(G.C, G.a[G.L, unit])
        return bases[x.base][G.L, unit]

    ours = {R.z, R.a, R.y, R.g}
    return e.replace(lambda x: isinstance(x, sp.Indexed) and x.base in ours, index)


def _line(unit: _Unit, lhs, rhs_R: sp.Expr, ev: Evaluator, values: dict) -> Line:
    """lhs = rule = rule at the numbers (each unit sum as its number) = value."""
    placeholders, nums = {}, dict(values)
    for i, x in enumerate(_outermost_sums(rhs_R)):
        sym = sp.Symbol(f"_s{i:04d}")
        placeholders[x] = sym
        nums[sym] = number(_value(ev, x))
    shown = unit(rhs_R)
    parts: list = [shown]
    if not shown.is_Symbol and (shown.free_symbols & set(values) or placeholders):
        parts.append(At(unit(rhs_R.xreplace(placeholders)), nums))
    parts.append(_value(ev, rhs_R))
    return Line(lhs, parts)


def _value(ev: Evaluator, e: sp.Expr) -> float:
    """The entry of `e` at the evaluator's pinned sample and unit."""
    return float(np.asarray(ev(e, (R.s, R.j, R.k))).reshape(-1)[0])


def _evaluator(d: Derivation, pos: int, params: dict, one: batch.Pass, X, Y) -> Evaluator:
    l = pos + 1
    rule, layer = d.rules[pos], d.net.layers[pos]
    env = {
        R.W: params[f"W{l}"],
        R.a_prev: one.A[pos - 1] if pos else X,
        R.z: one.Z[pos],
        R.a: one.A[pos],
        R.delta: one.D[pos],
        R.y: Y,
        R.m: X.shape[0],
    }
    if rule.bias_mode == "per_unit":
        env[R.b] = params[f"b{l}"]
    elif rule.bias_mode == "shared":
        env[R.beta] = float(np.asarray(params[f"b{l}"]).reshape(()))
    if layer.alpha is not None:
        env[R.alpha] = layer.alpha
    if pos + 1 < len(d.rules):
        env[R.W_next], env[R.delta_next] = params[f"W{l + 1}"], one.D[pos + 1]
    return env


def _representative(grad: np.ndarray) -> tuple[int, int]:
    """(j, k), 1-based: the weight with the largest gradient (a unit whose gradients are all 0
    shows nothing of the rules)."""
    j, k = np.unravel_index(int(np.argmax(np.abs(grad))), grad.shape)
    return int(j) + 1, int(k) + 1


def _summary(name, arr) -> Summary:
    arr = np.asarray(arr, dtype=float)
    shape = " \\times ".join(str(n) for n in arr.shape) or "1"
    return Summary(name, shape, float(arr.min()), float(arr.mean()), float(arr.max()))


def compact(d: Derivation) -> Compact:
    """The large-network view of `d` (with the worked example when the spec has one)."""
    net = d.net
    sizes = net.sizes
    shapes = [
        Shape(l, sizes[l - 1], sizes[l], layer.activation, layer.bias)
        for l, layer in enumerate(net.layers, start=1)
    ]
    ex = net.example
    if ex is None:
        return Compact(shapes, [], [], None, None, None)
    X, Y = ex.X, ex.Y
    one = batch.run(d.rules, net, ex.params, X, Y)
    single = X.shape[0] == 1
    updated = {}
    for key, v in ex.params.items():
        frozen = key.startswith("b") and not ex.train_bias
        updated[key] = v if frozen else v - ex.learning_rate * np.asarray(one.gradients[key])
    after = batch.run(d.rules, net, updated, X, Y)
    units, arrays = [], []
    shown = {d.cost_symbol: [float(c) for c in np.atleast_1d(one.costs)]}
    arrays.append(_summary(sp.Symbol("x"), X))
    for pos, rule in enumerate(d.rules):
        l = pos + 1
        j, k = _representative(np.asarray(one.gradients[f"W{l}"]))
        unit = _Unit(d, l, j, k)
        env = _evaluator(d, pos, ex.params, one, X, Y)
        samples = {
            d.names.z(l, j): one.Z[pos][:, j - 1],
            d.names.a(l, j): one.A[pos][:, j - 1],
            d.names.delta(l, j): one.D[pos][:, j - 1],
            d.names.a(l - 1, k): (one.A[pos - 1] if pos else X)[:, k - 1],
            d.names.w(l, j, k): [ex.params[f"W{l}"][j - 1, k - 1]],
        }
        if rule.output:
            samples[d.names.y(j)] = Y[:, j - 1]
        if rule.bias_mode == "per_unit":
            samples[d.names.b(l, j)] = [ex.params[f"b{l}"][j - 1]]
        elif rule.bias_mode == "shared":
            samples[d.names.b(l, None)] = [float(np.asarray(ex.params[f"b{l}"]))]
        shown.update((s, [float(v) for v in vs]) for s, vs in samples.items())
        values = {s: number(vs[0]) for s, vs in samples.items()}
        if pos + 1 < len(d.rules):
            env[R.g] = Evaluator(env)(rule.upstream.rhs, (R.s, R.j))
        ev = Evaluator(env, at={R.s: 0, R.j: j - 1, R.k: k - 1})
        delta_rhs = rule.delta.rhs.replace(
            lambda x: isinstance(x, sp.Indexed) and x.base == R.g,
            lambda x: rule.upstream.rhs.xreplace({R.j: x.indices[1]}),
        )
        grad_w = _per_sample(rule.grad_w.rhs)
        forward = [
            _line(unit, d.names.z(l, j), rule.z.rhs, ev, values),
            _line(unit, d.names.a(l, j), rule.a.rhs, ev, values),
        ]
        dC = d.cost_symbol if single else sp.Symbol("C_1")  # a batch: the first sample's cost
        w = d.names.w(l, j, k)
        gw = float(np.asarray(one.gradients[f"W{l}"])[j - 1, k - 1])
        grad_b = None
        if rule.grad_b is not None:
            b = d.names.b(l, j if rule.bias_mode == "per_unit" else None)
            grad_b = _line(unit, sp.Derivative(dC, b), _per_sample(rule.grad_b.rhs), ev, values)
        eta, g = sp.Symbol("eta"), sp.Symbol("grad")
        step = At(
            sp.Add(w, -eta * g, evaluate=False),
            {w: values[w], eta: number(ex.learning_rate), g: number(gw)},
            ordered=True,
        )
        units.append(
            UnitRules(
                l,
                rule.output,
                j,
                k,
                forward,
                _line(unit, d.names.delta(l, j), delta_rhs, ev, values),
                _line(unit, sp.Derivative(dC, w), grad_w, ev, values),
                grad_b,
                Line(Updated(w), [step, float(updated[f"W{l}"][j - 1, k - 1])]),
            )
        )
        W, Z, A, D = (sp.Symbol(f"{n}^{l}") for n in ("W", "z", "a", "delta"))
        arrays += [_summary(W, ex.params[f"W{l}"])]
        if f"b{l}" in ex.params:
            arrays.append(_summary(sp.Symbol(f"b^{l}"), ex.params[f"b{l}"]))
        arrays += [_summary(Z, one.Z[pos]), _summary(A, one.A[pos]), _summary(D, one.D[pos])]
        arrays.append(_summary(sp.Derivative(d.cost_symbol, W), one.gradients[f"W{l}"]))
    arrays.append(_summary(sp.Symbol("y"), Y))
    loss, loss_after = float(np.mean(one.costs)), float(np.mean(after.costs))
    return Compact(shapes, units, arrays, loss, loss_after, ex.learning_rate, shown)
