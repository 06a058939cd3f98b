"""One forward and backward pass over a batch, computed from the layer rules (layer.py) alone.

Per layer: z, a, the upstream gradient g, delta, and the batch-mean gradients of W and b, each
the value of the rule's derived right-hand side (tensor.Evaluator). The cost is evaluated in
the pre-activations z^L (log of sigmoid through softplus, log of softmax through log-sum-exp).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, singledispatch

import numpy as np
import sympy as sp

from .. import activations, losses
from ..keys import ParamKey
from . import layer as R
from .tensor import Evaluator


@dataclass
class Pass:
    """Arrays of one pass: per layer Z, A, D (rows are samples), the per-sample costs, grads."""

    Z: list
    A: list
    D: list
    costs: object
    gradients: dict[str, object]


def cost_form(rule: R.LayerRule, loss_name: str) -> sp.Expr:
    """The per-sample cost C_s in z[s, p]: finite wherever float64 can represent the answer."""
    term = losses.get(loss_name).cost([R.a[R.s, R.p]], [R.y[R.s, R.p]])
    out = rule.a.rhs.xreplace({R.j: R.p})
    per_unit = _finite_form(rule.activation, term.xreplace({R.a[R.s, R.p]: out}))
    return sp.Sum(per_unit, (R.p, 1, R.n))


@singledispatch
def _finite_form(activation: activations.Activation, term: sp.Expr) -> sp.Expr:
    """A unit's cost term in overflow-safe form: logs of the activation in logit terms."""
    return activations.logit_form(term)


@_finite_form.register
def _(activation: activations.VectorActivation, term: sp.Expr) -> sp.Expr:
    return sp.expand_log(term, force=True)


def has_pole(dC_da: list[sp.Expr]) -> bool:
    """Whether dC/da divides by an output (cross-entropy's y/a): its delta is then the
    simplified one, where loss and activation cancel, rather than dC/da times da/dz."""
    return any(p.exp.is_negative for e in dC_da for p in e.atoms(sp.Pow))


def _linear_sums(e: sp.Expr) -> sp.Expr:
    """`e` expanded, each sum split into sums of its terms over one common index."""
    u = sp.Dummy("u", integer=True, positive=True)

    def split(x: sp.Sum) -> sp.Expr:
        ((v, lo, hi),) = x.limits
        body = sp.expand(x.function.xreplace({v: u}))
        terms = (t.as_coeff_Mul() for t in sp.Add.make_args(body))
        return sp.Add(*[c * sp.Sum(rest, (u, lo, hi)) for c, rest in terms])

    return sp.expand(e.replace(lambda x: isinstance(x, sp.Sum), split))


@cache
def delta_form(rule: R.LayerRule) -> sp.Expr:
    """The rule's delta as its numbers are computed: dC/da times the entry's derivative from z
    (its `prime`, proven equal to the derived form once a is its definition), softmax's
    Jacobian times dC/da through its kernel (proven equal to the derived form), or an output
    error a - y through the kernels that keep a confident output's digits; else as derived."""
    entry, unit = rule.activation, (R.s, R.j)
    outputs = {R.a[unit]: rule.a.rhs}
    pole = rule.output and has_pole([rule.upstream.rhs])
    if entry.elementwise and entry.prime is not None and not pole:
        upstream = rule.upstream.rhs if rule.output else R.g[unit]
        prime = entry.derivative(R.z[unit], *(R.alpha,) * len(entry.params))
        derived = rule.delta.rhs.xreplace(outputs)
        if sp.expand(derived - (upstream * prime.definition(*prime.args)).xreplace(outputs)):
            raise ValueError(f"the derived delta of {entry.name} is not dC/da times its prime")
        return upstream * prime
    if not entry.elementwise and not pole:
        upstream = rule.upstream.rhs if rule.output else R.g[unit]
        vjp = R.a[unit] * (
            upstream - sp.Sum(R.a[R.s, R.q] * upstream.xreplace({R.j: R.q}), (R.q, 1, R.n))
        )
        if _linear_sums(rule.delta.rhs - vjp) != 0:
            raise ValueError(f"the derived delta of {entry.name} is not its Jacobian times g")
        return activations.SoftmaxJvp(R.a[unit], upstream)
    if pole:
        out = rule.a.rhs if entry.elementwise else entry.cls(R.z[unit])
        form = activations.difference_form(rule.delta.rhs.xreplace({R.a[unit]: out}))
        if not form.has(entry.cls):
            return form
    return rule.delta.rhs


def run(
    rules: list[R.LayerRule], net, params: dict, X, Y, make=Evaluator, delta=delta_form
) -> Pass:
    """Forward pass, deltas and batch-mean gradients of `params` on rows X, Y;
    `make(env)` builds the evaluator (NumPy floats by default), `delta(rule)` gives the
    expression each layer's delta is evaluated from."""
    m = X.shape[0]
    Z, A = [], []
    prev = X
    for l, (rule, layer) in enumerate(zip(rules, net.layers), start=1):
        env = {R.W: params[ParamKey.weight(l)], R.a_prev: prev}
        if rule.bias_mode.per_unit:
            env[R.b] = params[ParamKey.bias(l)]
        elif rule.bias_mode.shared:
            env[R.beta] = np.asarray(params[ParamKey.bias(l)]).reshape(())[()]
        if layer.alpha is not None:
            env[R.alpha] = layer.alpha
        ev = make(env)
        Z.append(ev(rule.z.rhs, (R.s, R.j)))
        env[R.z] = Z[-1]
        A.append(ev(rule.a.rhs, (R.s, R.j)))
        prev = A[-1]
    D = [None] * len(rules)
    for pos in range(len(rules) - 1, -1, -1):
        rule, layer = rules[pos], net.layers[pos]
        env = {R.z: Z[pos], R.a: A[pos], R.y: Y, R.alpha: layer.alpha}
        if pos < len(rules) - 1:
            env.update({R.W_next: params[ParamKey.weight(pos + 2)], R.delta_next: D[pos + 1]})
            ev = make(env)
            env[R.g] = ev(rules[pos].upstream.rhs, (R.s, R.j))
        ev = make(env)
        D[pos] = ev(delta(rule), (R.s, R.j))
    grads = {}
    for pos, rule in enumerate(rules):
        env = {R.delta: D[pos], R.a_prev: A[pos - 1] if pos else X, R.m: m}
        ev = make(env)
        grads[ParamKey.weight(pos + 1)] = ev(rule.grad_w.rhs, (R.j, R.k))
        if rule.grad_b is not None:
            key = ParamKey.bias(pos + 1)
            shape = rule.bias_mode.index(R.j)
            grads[key] = np.reshape(ev(rule.grad_b.rhs, shape), np.shape(params[key]))
    out = rules[-1]
    env = {R.z: Z[-1], R.y: Y, R.alpha: net.layers[-1].alpha}
    costs = make(env)(cost_form(out, net.loss), (R.s,))
    return Pass(Z, A, D, costs, grads)
