"""The worked example as numbers the templates show: each equation with the example's values
substituted (one sample) or tables of per-sample values (a batch), and the chain rules."""

from __future__ import annotations

from functools import singledispatch

import numpy as np
import sympy as sp

from .. import activations
from ..derive import Derivation, batch
from ..derive.example import evaluate_exprs
from .env import At, number
from .forms import BatchMean, Sample, Updated
from .model import Chain, DeadUnit, Line, Update, Worked, WorkedLayer
from .roles import ordered_terms, roles


def _d(num, den) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


def values_of(d: Derivation, worked, sample: int) -> dict:
    """Symbol -> its value in the worked example as a 9-digit string, for one sample."""
    out = {}
    for s, v in worked.values.items():
        arr = np.asarray(v, dtype=float)
        out[s] = number(arr.reshape(-1)[sample] if arr.ndim else arr)
    out[sp.Symbol("eta")] = number(worked.learning_rate)
    return out


def _per_output_cost(d: Derivation) -> list[sp.Expr]:
    """The cost's terms grouped by output unit (E_o1, E_o2 for Mazur)."""
    terms = sp.Add.make_args(d.cost)
    return [sp.Add(*[t for t in terms if t.has(a)]) for a in d.layers[-1].a]


def _eval(d: Derivation, worked, expr: sp.Expr) -> np.ndarray:
    """The value of a derived expression on every sample of the worked example."""
    return evaluate_exprs([expr], worked.values, worked_samples(worked))[0]


def worked_samples(worked) -> int:
    return max(np.asarray(v).size for v in worked.values.values())


def _instantiated(d: Derivation, worked, expr: sp.Expr, values: dict) -> list:
    """expr at the example's numbers; for a sum of products, each term's number; the value."""
    parts: list = [At(expr, values)]
    terms = ordered_terms(expr.as_ordered_terms(), roles(d)) if expr.is_Add else [expr]
    if len(terms) > 1 and not all(t.is_Atom or (-t).is_Atom for t in terms):
        syms = [sp.Symbol(f"_t{i:04d}") for i in range(len(terms))]
        nums = {s: number(_eval(d, worked, t)[0]) for s, t in zip(syms, terms)}
        parts.append(At(sp.Add(*syms, evaluate=False), nums))
    parts.append(float(_eval(d, worked, expr)[0]))
    return parts


def _power_rule(term: sp.Expr, a: sp.Symbol) -> sp.Expr:
    """d term / d a written out as Mazur does: n c u^(n-1) du/da for a term c u^n, else sympy's
    derivative (0 for a term without `a`)."""
    c, u = term.as_coeff_Mul()
    if term.has(a) and u.is_Pow and u.exp.is_Integer and not c.has(a):
        n = u.exp
        less = sp.Pow(u.base, sp.Add(n, -1, evaluate=False), evaluate=False)
        return sp.Mul(n, c, less, sp.diff(u.base, a), evaluate=False)
    return sp.diff(term, a)


def _cost_steps(d: Derivation, a: sp.Symbol) -> list:
    """dC/da as the sum of the per-output terms' derivatives, each by the power rule: the terms
    of the other outputs give 0 (Mazur's dE_total/dout_o1)."""
    if len(d.targets) < 2 or a not in d.layers[-1].a:
        return []
    terms = _per_output_cost(d)
    names = [d.names.cost_term(j) for j in range(1, len(terms) + 1)]
    return [
        At(sp.Add(*[_d(e, a) for e in names], evaluate=False), ordered=True),
        At(sp.Add(*[_power_rule(t, a) for t in terms], evaluate=False), ordered=True),
    ]


def chain(d: Derivation, param: sp.Symbol, worked, values: dict | None) -> Chain:
    """The chain rule for `param` as factors, with each factor's number for a single sample."""
    (term,) = d.chains[param].terms
    C = d.cost_symbol
    factors = []
    for f in term:
        parts: list = (_cost_steps(d, f.den) if f.num == C else []) + [f.value]
        if values is not None and not f.value.is_Symbol:
            parts += _instantiated(d, worked, f.value, values)
        elif values is not None:
            parts.append(float(_eval(d, worked, f.value)[0]))
        factors.append(Line(_d(f.num, f.den), parts))
    syms = [sp.Symbol(f"_f{i:04d}") for i in range(len(term))]
    product: list = [At(sp.Mul(*[f.value for f in term], evaluate=False), ordered=True)]
    if values is not None:
        nums = {s: number(_eval(d, worked, f.value)[0]) for s, f in zip(syms, term)}
        product.append(At(sp.Mul(*syms, evaluate=False), nums, ordered=True))
    if worked is not None and values is None:
        product = [_batch_mean(d, [f.value for f in term], worked)]
    if worked is not None:
        product.append(float(worked.param_gradients[param]))
    symbols = At(sp.Mul(*[_d(f.num, f.den) for f in term], evaluate=False), ordered=True)
    split = any(isinstance(line.parts[0], At) for line in factors)
    return Chain(param, symbols, factors, Line(_d(C, param), product), split)


def _batch_mean(d: Derivation, factors: list[sp.Expr], worked) -> At:
    """(1/m) sum_i of a product of per-sample factors, each sample-dependent symbol at i."""
    i = sp.Symbol("i", integer=True, positive=True)
    fixed = set(d.param_index)
    indexed = {s: Sample(s, i) for f in factors for s in f.free_symbols if s not in fixed}

    def at_i(e: sp.Expr) -> sp.Expr:
        if e in indexed:
            return indexed[e]
        if isinstance(e, sp.Mul):  # evaluated: the printer orders its factors by role
            return sp.Mul(*[at_i(a) for a in e.args])
        if isinstance(e, (sp.Add, sp.Pow)):
            return e.func(*[at_i(a) for a in e.args], evaluate=False)
        return e.func(*[at_i(a) for a in e.args]) if e.args else e

    body = sp.Mul(*[at_i(f) for f in factors], evaluate=False)
    return At(BatchMean(body, i, worked_samples(worked)), ordered=True)


def _numeral(value: float) -> sp.Number:
    """A sympy number printed with 9 significant digits (an Integer when it is whole)."""
    text = f"{value:.9g}"
    return sp.Integer(int(float(text))) if float(text).is_integer() else sp.Float(text)


def _param_blocks(d: Derivation, values: dict) -> list[Line]:
    """Each layer's weight matrix and biases, as symbols = numbers."""
    out = []
    for lf in d.layers:
        W = sp.Matrix(lf.weights)
        out.append(Line(W, [W.applyfunc(lambda s: _numeral(values[s]))]))
        if lf.bias_mode.shared:
            out.append(Line(lf.biases[0], [values[lf.biases[0]]]))
        elif lf.biases:
            b = sp.Matrix(lf.biases)
            out.append(Line(b, [b.applyfunc(lambda s: _numeral(values[s]))]))
    return out


@singledispatch
def _delta_factors(activation: activations.Activation, lb, j: int) -> tuple | None:
    """(dC/da_j, da_j/dz_j): an elementwise unit's error is their product."""
    return lb.dC_da[j], lb.jacobian[j, j]


@_delta_factors.register
def _(activation: activations.VectorActivation, lb, j: int) -> tuple | None:
    return None  # every output depends on z_j: the error is the whole Jacobian-vector product


@singledispatch
def _jacobians(activation: activations.Activation, d: Derivation, pos: int, worked) -> list[Line]:
    """Nothing for an elementwise activation: its Jacobian's diagonal is in the errors."""
    return []


@_jacobians.register
def _(activation: activations.VectorActivation, d: Derivation, pos: int, worked) -> list[Line]:
    """da/dz at each sample: the derived Jacobian at the forward pass's outputs, in decimals."""
    lf, lb = d.layers[pos], d.backward[pos]
    n, m = len(lf.z), worked_samples(worked)
    values = evaluate_exprs(list(lb.jacobian), worked.values, m)
    lhs = _d(sp.Symbol(f"a^{lf.index}"), sp.Symbol(f"z^{lf.index}"))
    out = []
    for t in range(m):
        matrix = sp.Matrix(n, n, [_numeral(float(v[t])) for v in values])
        out.append(Line(lhs if m == 1 else Sample(lhs, sp.Integer(t + 1)), [matrix]))
    return out


UPDATE_TABLE_FROM = 17  # this many trained parameters or more: the step is a table


def _dead_units(d: Derivation, pos: int, worked) -> list[DeadUnit]:
    """The units of layer `pos` whose column of the activation's Jacobian (every da_i/dz_j) is
    0 at every sample: delta_j = sum_i da_i/dz_j dC/da_i is then 0, and so are its weights' and
    bias's gradients."""
    lf, lb = d.layers[pos], d.backward[pos]
    out = []
    for j, z in enumerate(lf.z):
        column = [lb.jacobian[i, j] for i in range(len(lf.z))]
        if all(
            np.all(v == 0) for v in evaluate_exprs(column, worked.values, worked_samples(worked))
        ):
            params = list(lf.weights[j]) + ([lf.biases[j]] if lf.bias_mode.per_unit else [])
            out.append(DeadUnit(z, float(np.max(worked.values[z])), params))
    return out


def worked_example(d: Derivation, worked, chains: list[Chain]) -> Worked:
    """Every number of one forward pass, backward pass and SGD step of `worked` (d.evaluate()),
    the backward pass layer by layer from the output with the `chains` of its weights.

    One sample: each quantity as an equation with the numbers substituted (as Mazur's post does).
    A batch: tables of per-sample values.
    """
    m = worked_samples(worked)
    single = m == 1
    values = values_of(d, worked, 0) if single else None

    def rows(symbols, exprs):
        if single:
            return [
                Line(s, [e] + _instantiated(d, worked, e, values)) for s, e in zip(symbols, exprs)
            ]
        return [(s, [float(x) for x in _eval(d, worked, s)]) for s in symbols]

    def product(factors) -> list:
        """f1 f2 = the factors' numbers multiplied = the value."""
        syms = [sp.Symbol(f"_f{i:04d}") for i in range(len(factors))]
        nums = {s: number(_eval(d, worked, f)[0]) for s, f in zip(syms, factors)}
        value = float(_eval(d, worked, sp.Mul(*factors))[0])
        return [
            At(sp.Mul(*factors, evaluate=False), ordered=True),
            At(sp.Mul(*syms, evaluate=False), nums, ordered=True),
            value,
        ]

    def deltas(pos: int) -> tuple[list, bool]:
        lf, lb = d.layers[pos], d.backward[pos]
        factors = [_delta_factors(lf.activation, lb, j) for j in range(len(lf.z))]
        if not single or None in factors:
            return rows(d.delta_symbols[pos], lb.delta), False
        return [Line(ds, product(f)) for ds, f in zip(d.delta_symbols[pos], factors)], True

    eta = sp.Symbol("eta")
    C = d.cost_symbol
    ex = d.net.example
    g = sp.Symbol("grad")  # sorts after eta: the step prints as eta * gradient
    updates: dict[int, list[Update]] = {}
    frozen = []
    for p in d.gradients:
        value = float(worked.values[p])
        key = d.param_index[p][0]
        if not key.is_weight and not ex.train_bias:
            frozen.append(Line(Updated(p), [value]))
            continue
        nums = {
            p: number(value),
            eta: number(worked.learning_rate),
            g: number(worked.param_gradients[p]),
        }
        new = value - worked.learning_rate * worked.param_gradients[p]
        rule = At(sp.Add(p, -eta * _d(C, p), evaluate=False), ordered=True)
        step = At(sp.Add(p, -eta * g, evaluate=False), nums, ordered=True)
        row = (p, value, worked.param_gradients[p], new)
        updates.setdefault(key.layer, []).append(Update(Line(Updated(p), [rule, step, new]), row))
    shown = {c.param: c for c in chains}
    backward = []
    for pos in range(len(d.layers) - 1, -1, -1):
        lf = d.layers[pos]
        params = [w for row in lf.weights for w in row] + list(lf.biases)
        later = d.layers[pos + 1].weights if pos + 1 < len(d.layers) else []
        shown_deltas, products = deltas(pos)
        backward.append(
            WorkedLayer(
                index=lf.index,
                output=pos == len(d.layers) - 1,
                chain=next((shown[p] for p in params if p in shown), None),
                deltas=shown_deltas,
                gradients=[Line(_d(C, p), [worked.param_gradients[p]]) for p in params],
                updates=updates.get(lf.index, []),
                products=products,
                dead=_dead_units(d, pos, worked),
                jacobians=_jacobians(lf.activation, d, pos, worked),
                later=[later[0][0], later[-1][-1]] if later else [],
            )
        )
    cost_terms = []
    if len(d.targets) > 1:
        names = [d.names.cost_term(j) for j in range(1, len(d.targets) + 1)]
        for name, term in zip(names, _per_output_cost(d)):
            if single:
                cost_terms.append(Line(name, [term] + _instantiated(d, worked, term, values)))
            else:
                cost_terms.append((name, [float(x) for x in _eval(d, worked, term)]))
    if single and cost_terms:
        total = sp.Add(*[t.lhs for t in cost_terms], evaluate=False)
        syms = [sp.Symbol(f"_t{i:04d}") for i in range(len(cost_terms))]
        nums = {s: number(t.parts[-1]) for s, t in zip(syms, cost_terms)}
        cost = Line(
            C,
            [At(total, ordered=True), At(sp.Add(*syms, evaluate=False), nums), worked.loss],
        )
    elif single:
        cost = Line(C, [d.cost] + _instantiated(d, worked, d.cost, values))
    else:
        cost = (C, [float(x) for x in _eval(d, worked, d.cost)])
    theta = sp.Symbol("theta")
    after = batch.run(d.rules, d.net, worked.updated_params, worked.inputs, worked.targets)
    return Worked(
        m=m,
        single=single,
        learning_rate=worked.learning_rate,
        train_bias=ex.train_bias,
        params=_param_blocks(d, {p: float(worked.values[p]) for p in d.gradients}),
        inputs=[(s, [float(x) for x in _eval(d, worked, s)]) for s in d.inputs + d.targets],
        layers=[rows(lf.z, lf.z_def) + rows(lf.a, lf.a_def) for lf in d.layers],
        cost_terms=cost_terms,
        cost=cost,
        loss=worked.loss,
        backward=backward,
        frozen=frozen,
        update_table=sum(len(u) for u in updates.values()) >= UPDATE_TABLE_FROM,
        rule=Line(
            Updated(theta), [At(sp.Add(theta, -eta * _d(C, theta), evaluate=False), ordered=True)]
        ),
        loss_after=float(np.mean(after.costs)),
    )


def shown_weight(d: Derivation, pos: int, worked) -> sp.Symbol:
    """The layer's first weight whose gradient in the example is not zero (else its first)."""
    weights = [w for row in d.layers[pos].weights for w in row]
    if worked is not None:
        for w in weights:
            if worked.param_gradients[w] != 0:
                return w
    return weights[0]
