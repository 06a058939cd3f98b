"""The derivation's per-unit expressions mapped onto batched arrays, every mapping verified.

For each layer, unit j's symbols become array names (a^l_j -> A<l>, z^l_j -> Z<l>,
delta^l_j -> D<l>, y_j -> Y, b^l_j -> b<l>), and sums over the neighbouring layer's units
become matrix products. Code generation checks that every unit's derived expression maps to
the same array expression; anything else raises, so the vector code is the derived code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch

import sympy as sp

from ..activations import (
    Activation,
    ActivationBase,
    LogSoftmax,
    SoftmaxJvp,
    VectorActivation,
    difference_form,
)
from ..derive import Derivation
from ..derive.batch import has_pole
from ..errors import SymbpError
from ..keys import ParamKey
from .printer import (
    MeanOuter,
    MeanRows,
    MeanTotal,
    RowsDot,
    RowsDotT,
    ScaledOuter,
)


class CompileError(SymbpError):
    """A derived expression does not have the per-unit form the vector code assumes."""


@singledispatch
def _layer_maps(activation: Activation, lf, j: int, Z: sp.Symbol) -> dict:
    """Unit j's expressions that only the whole layer's array Z gives: none for an elementwise
    activation."""
    return {}


@_layer_maps.register
def _(activation: VectorActivation, lf, j: int, Z: sp.Symbol) -> dict:
    return {
        lf.a_def[j]: activation.cls(Z),
        LogSoftmax(sp.Integer(j + 1), *lf.z): LogSoftmax(Z),
    }


@dataclass(frozen=True)
class Step:
    """One array assignment, with the derived per-unit equation (unit 1) it implements."""

    target: sp.Symbol
    expr: sp.Expr
    derived: tuple[sp.Expr, sp.Expr] | None = None


@dataclass
class Program:
    """Forward, cost and gradient steps in order; names of inputs, outputs and parameters."""

    forward: list[Step]
    cost: Step
    backward: list[Step]
    gradients: dict[str, sp.Symbol]
    updates: dict[str, Step]
    outputs: sp.Symbol
    keys: list[str]
    logits: bool
    general: list[tuple[sp.Expr, sp.Expr]] = field(default_factory=list)


def array(name: str) -> sp.Symbol:
    return sp.Symbol(name)


X, Y, M, LR = array("X"), array("Y"), array("m"), array("learning_rate")


def logit_cost(d: Derivation) -> sp.Expr | None:
    """The derivation's `logit_cost` in output symbols, or None when a log of an activation
    remains (or there is no log)."""
    out = d.layers[-1]
    if not d.cost.has(sp.log):
        return None
    cost = d.logit_cost
    if any(
        isinstance(e.args[0], ActivationBase) or e.args[0].has(ActivationBase)
        for e in cost.atoms(sp.log)
    ):
        return None
    back = {ad: a for ad, a in zip(out.a_def, out.a) if ad != a}
    return cost.xreplace(back)


class _Layer:
    """Array names and the unit-j -> array maps of one layer."""

    def __init__(self, d: Derivation, pos: int):
        lf = d.layers[pos]
        self.lf, self.l, self.n = lf, lf.index, len(lf.z)
        self.Z, self.A, self.D = array(f"Z{self.l}"), array(f"A{self.l}"), array(f"D{self.l}")
        self.W = array(f"W{self.l}")
        self.b = array(f"b{self.l}") if lf.biases else None
        self.maps = []
        for j in range(self.n):
            m = {lf.z[j]: self.Z, lf.a[j]: self.A, d.delta_symbols[pos][j]: self.D}
            if lf.biases:
                m[lf.bias_of(j)] = self.b
            if pos == len(d.layers) - 1:
                m[d.targets[j]] = Y
            m.update(_layer_maps(lf.activation, lf, j, self.Z))
            self.maps.append(m)
        self.arrays = {self.Z, self.A, self.D, X, Y} | ({self.b} if self.b is not None else set())

    def uniform(self, exprs: list[sp.Expr], what: str) -> sp.Expr:
        """The one array expression every unit's expression maps to; raise if they differ."""
        first = None
        for j, e in enumerate(exprs):
            v = e.xreplace(self.maps[j])
            stray = v.free_symbols - self.arrays
            if stray:
                names = ", ".join(sorted(s.name for s in stray))
                raise CompileError(
                    f"layer {self.l}: {what} of unit {j + 1} is not elementwise (uses {names})"
                )
            if first is None:
                first = v
            elif v != first:
                raise CompileError(
                    f"layer {self.l}: {what} of unit {j + 1} maps to {v}, unit 1 to {first}"
                )
        return first


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise CompileError(message)


def _is_dot(expr: sp.Expr, left: list, right: list, rest: sp.Expr) -> bool:
    """Whether `expr` is sum_k left[k]*right[k] + rest, compared term by term (no expansion)."""
    terms = list(sp.Add.make_args(expr))
    products = {frozenset(t.args): n for n, t in enumerate(terms) if t.is_Mul and len(t.args) == 2}
    used = set()
    for u, v in zip(left, right):
        n = products.get(frozenset((u, v)))
        if n is None or n in used:
            return False
        used.add(n)
    return sp.Add(*[t for n, t in enumerate(terms) if n not in used]) == rest


def _is_product(expr: sp.Expr, u: sp.Expr, v: sp.Expr) -> bool:
    """Whether `expr` is the product u*v (structurally)."""
    return expr.is_Mul and len(expr.args) == 2 and set(expr.args) == {u, v}


def _forward(d: Derivation, layers: list[_Layer]) -> list[Step]:
    steps = []
    prev_syms, prev = d.inputs, X
    for L in layers:
        lf = L.lf
        for j in range(L.n):
            ok = _is_dot(lf.z_def[j], lf.weights[j], prev_syms, lf.bias_of(j))
            _check(ok, f"layer {L.l}: z of unit {j + 1} is not sum_k w_jk a_k + b_j")
        bias = L.uniform([lf.bias_of(j) for j in range(L.n)], "bias")
        steps.append(Step(L.Z, RowsDotT(prev, L.W) + bias, (lf.z[0], lf.z_def[0])))
        steps.append(Step(L.A, L.uniform(lf.a_def, "activation"), (lf.a[0], lf.a_def[0])))
        prev_syms, prev = lf.a, L.A
    return steps


def _softmax_delta(L: _Layer, J: sp.Matrix, G: sp.Expr) -> sp.Expr:
    """delta = J^T g for J = diag(a) - a a^T, after checking the derived Jacobian has that form."""
    a = L.lf.a
    for i in range(L.n):
        for j in range(L.n):
            want = (a[i] if i == j else 0) - a[i] * a[j]
            _check(
                sp.expand(J[i, j] - want) == 0,
                f"layer {L.l}: Jacobian entry ({i + 1}, {j + 1}) is not that of softmax",
            )
    return SoftmaxJvp(L.A, G)


def _from_z(L: _Layer, j: int, dadz: sp.Expr) -> sp.Expr:
    """Unit j's da/dz as the entry's derivative from z (its `prime`), checked equal to the
    derived `dadz` (written in the output a) once a is its definition; else `dadz`."""
    entry, lf = L.lf.activation, L.lf
    if entry.prime is None:
        return dadz
    prime = entry.derivative(lf.z[j], *lf.a_def[j].args[1:])
    derived = dadz.xreplace({lf.a[j]: lf.a_def[j]})
    _check(
        sp.expand(derived - prime.definition(*prime.args)) == 0,
        f"layer {L.l}: da/dz of unit {j + 1} is not the derivative of {entry.name}",
    )
    return prime


def _backward(d: Derivation, layers: list[_Layer]) -> list[Step]:
    steps = []
    last = len(layers) - 1
    for pos in range(last, -1, -1):
        L, lb = layers[pos], d.backward[pos]
        J = lb.jacobian
        if pos == last and L.lf.activation.elementwise and not has_pole(lb.dC_da):
            G, D = L.uniform(lb.dC_da, "dC/da"), None
        elif pos == last:
            G = None
            try:
                D = L.uniform(lb.delta, "delta")
            except CompileError:
                G = L.uniform(lb.dC_da, "dC/da")
                D = None
            else:
                outputs = L.uniform(L.lf.a_def, "activation")
                D = difference_form(D.xreplace({L.A: outputs}))
        else:
            nxt = d.layers[pos + 1]
            dnext = d.delta_symbols[pos + 1]
            for j in range(L.n):
                column = [row[j] for row in nxt.weights]
                _check(
                    _is_dot(lb.dC_da[j], column, dnext, sp.Integer(0)),
                    f"layer {L.l}: dC/da of unit {j + 1} is not sum_k w_kj delta_k",
                )
            G, D = RowsDot(layers[pos + 1].D, layers[pos + 1].W), None
        if D is None and L.lf.activation.elementwise:
            for i in range(L.n):
                for j in range(L.n):
                    _check(i == j or J[i, j] == 0, f"layer {L.l}: Jacobian is not diagonal")
            for j in range(L.n):
                raw = lb.dC_da[j] * J[j, j]
                _check(
                    lb.delta_raw[j] == raw or sp.expand(lb.delta_raw[j] - raw) == 0,
                    f"layer {L.l}: delta of unit {j + 1} is not dC/da times da/dz",
                )
            primes = [_from_z(L, j, J[j, j]) for j in range(L.n)]
            D = G * L.uniform(primes, "activation derivative")
        elif D is None:
            for j in range(L.n):
                raw = sp.Add(*[lb.dC_da[i] * J[i, j] for i in range(L.n)])
                _check(
                    sp.expand(lb.delta_raw[j] - raw) == 0,
                    f"layer {L.l}: delta of unit {j + 1} is not dC/da times the Jacobian",
                )
            D = _softmax_delta(L, J, G)
        steps.append(Step(L.D, D, (d.delta_symbols[pos][0], lb.delta[0])))
    return steps


def _gradients(d: Derivation, layers: list[_Layer]) -> tuple[list[Step], dict[str, Step]]:
    """Batch-mean gradient steps, and the SGD update P - learning_rate * gradient of each key."""
    by_key: dict[ParamKey, list[tuple[sp.Symbol, tuple[int, ...]]]] = {}
    for p, (key, idx) in d.param_index.items():
        by_key.setdefault(key, []).append((p, idx))
    steps, updates = [], {}
    for key, entries in by_key.items():
        l = key.layer
        L = layers[l - 1]
        ds = d.delta_symbols[l - 1]
        prev_syms = d.layers[l - 2].a if l > 1 else d.inputs
        prev = layers[l - 2].A if l > 1 else X
        for p, idx in entries:
            g = d.gradients[p]
            if key.is_weight:
                j, k = idx
                _check(_is_product(g, ds[j], prev_syms[k]), f"dC/d{p.name} is not delta_j a_k")
            elif idx:
                _check(g == ds[idx[0]], f"dC/d{p.name} is not delta_j")
            else:
                _check(g == sp.Add(*ds), f"dC/d{p.name} is not sum_j delta_j")
        P = array(key)
        if key.is_weight:
            expr = MeanOuter(L.D, prev, M)
            update = P + ScaledOuter(L.D, prev, LR, M)
        else:
            expr = MeanRows(L.D, M) if entries[0][1] else MeanTotal(L.D, M)
            update = P - LR * expr
        first = entries[0][0]
        shown = (sp.Symbol(f"d{d.cost_symbol.name}/d{first.name}"), d.gradients[first])
        steps.append(Step(array(f"d{key}"), expr, shown))
        updates[key] = Step(array(f"new_{key}"), update, shown)
    return steps, updates


def _cost(d: Derivation, out: _Layer) -> tuple[Step, bool]:
    cost = logit_cost(d)
    logits = cost is not None
    cost = d.cost if cost is None else cost
    units: list[list[sp.Expr]] = [[] for _ in range(out.n)]
    for term in sp.Add.make_args(cost):
        owners = [j for j in range(out.n) if term.has(out.lf.a[j]) or term.has(d.targets[j])]
        if not owners:
            owners = [j for j in range(out.n) if term.has(out.lf.z[j])]
        _check(len(owners) == 1, f"cost term {term} does not belong to one output unit")
        units[owners[0]].append(term)
    per_unit = [sp.Add(*t) for t in units]
    step = Step(array("cost"), MeanTotal(out.uniform(per_unit, "cost"), M), (d.cost_symbol, cost))
    return step, logits


def build(d: Derivation) -> Program:
    """The verified array program for derivation `d`.

    Array code does not depend on the widths, so a large network's program is built and
    verified unit by unit on its representative (the same stack at widths of at most 3);
    `model.Model` then compares it with the layer rules at the real widths.
    """
    keys = list(d.net.parameter_shapes())
    d = d.representative
    layers = [_Layer(d, pos) for pos in range(len(d.layers))]
    forward = _forward(d, layers)
    cost, logits = _cost(d, layers[-1])
    backward = _backward(d, layers)
    grad_steps, updates = _gradients(d, layers)
    g = d.general
    general = [(e.lhs, e.rhs) for e in (g.z_def, g.a_def, g.cost, g.bp1, g.bp2, g.bp3, g.bp4)]
    return Program(
        forward=forward,
        cost=cost,
        backward=backward + grad_steps,
        gradients={key: step.target for key, step in zip(updates, grad_steps)},
        updates=updates,
        outputs=layers[-1].A,
        keys=keys,
        logits=logits,
        general=general,
    )
