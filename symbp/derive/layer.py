"""BP1-BP4 for one layer at symbolic widths, derived by sympy from that layer's own definitions.

Every quantity is indexed by the sample s (1..m) and the unit: z[s, j], a[s, j], W[j, k], b[j],
the upstream gradient g[s, j] = dC_s/da[s, j] and delta[s, j] = dC_s/dz[s, j]. Widths n_prev, n
and the batch size m are symbols, so each equation holds for every width. The batch cost is
C = (1/m) sum_s C_s. Each right-hand side is sympy's derivative of a defining sum (the layer's
activation itself, not a generic sigma), collapsed by KroneckerDelta, then written in the
layer's outputs; `steps` keep sympy's raw derivative.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, singledispatch

import sympy as sp

from .. import activations, losses
from ..keys import BiasMode
from .general import TARGETS_SUM_TO_ONE, Equation

s, j, k, p, q = sp.symbols("s j k p q", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
n_prev, n, n_next = sp.symbols("n_prev n n_next", integer=True, positive=True)
z, a, a_prev = sp.IndexedBase("z"), sp.IndexedBase("a"), sp.IndexedBase("a_prev")
W, W_next, b = sp.IndexedBase("W"), sp.IndexedBase("W_next"), sp.IndexedBase("b")
g, y = sp.IndexedBase("g"), sp.IndexedBase("y")
delta, delta_next = sp.IndexedBase("delta"), sp.IndexedBase("delta_next")
beta = sp.Symbol("b")  # a shared bias
alpha = sp.Symbol("alpha", positive=True)
C = sp.Symbol("C")
BIAS = {BiasMode.PER_UNIT: b[j], BiasMode.SHARED: beta}  # unit j's bias parameter, if any
SUM_Y = sp.Sum(y[s, p], (p, 1, n))  # sum_j y_j, which TARGETS_SUM_TO_ONE sets to 1


@dataclass(frozen=True)
class LayerRule:
    """One layer's forward definitions and BP1/BP2 (delta), BP3 and BP4 at symbolic widths."""

    activation: activations.Activation
    bias_mode: BiasMode
    output: bool
    z: Equation
    a: Equation
    upstream: Equation
    delta: Equation
    grad_b: Equation | None
    grad_w: Equation
    identities: tuple[sp.Eq, ...]


def _collapse(e: sp.Expr) -> sp.Expr:
    """Evaluate the sums (KroneckerDelta) and keep the branch where the index is in range."""
    while True:
        done = e.doit().replace(lambda x: isinstance(x, sp.Piecewise), lambda x: x.args[0].expr)
        if done == e:
            return e
        e = done


def _collapse_nested(e: sp.Expr) -> sp.Expr:
    """Collapse the innermost sum of each multiple sum (the unit sum), keeping the sample sum."""

    def inner(x: sp.Sum) -> sp.Expr:
        if len(x.limits) == 1:
            return x
        return sp.Sum(_collapse(sp.Sum(x.function, x.limits[0])), *x.limits[1:])

    return e.replace(lambda x: isinstance(x, sp.Sum), inner)


def _d(num: sp.Expr, den: sp.Expr) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


@singledispatch
def _outputs(entry: activations.Activation, z_of):
    """a[s, i] as a function of the index i: the activation applied to z."""
    params = (alpha,) * len(entry.params)
    return lambda i: entry.apply(z_of(i), *params)


@_outputs.register(activations.VectorActivation)
def _(entry, z_of):
    """softmax: exp(z_i) / sum_q exp(z_q)."""
    total = sp.Sum(sp.exp(z[s, q]), (q, 1, n))
    return lambda i: sp.exp(z_of(i)) / total


@singledispatch
def _in_outputs(entry: activations.Activation, e: sp.Expr) -> sp.Expr:
    """Write act(z[s, i]) as a[s, i]."""
    return e.replace(
        lambda x: isinstance(x, entry.cls) and isinstance(x.args[0], sp.Indexed),
        lambda x: a[x.args[0].indices],
    )


@_in_outputs.register(activations.VectorActivation)
def _(entry, e: sp.Expr) -> sp.Expr:
    """softmax: exp(z[s, i]) / sum_q exp(z[s, q]) written a[s, i]."""
    total = sp.Sum(sp.exp(z[s, q]), (q, 1, n))
    S = sp.Dummy("S")
    e = e.xreplace({total: S})
    e = e.replace(
        lambda x: isinstance(x, sp.exp) and isinstance(x.args[0], sp.Indexed),
        lambda x: a[x.args[0].indices] * S,
    )
    e = sp.expand(e).replace(lambda x: isinstance(x, sp.Sum), lambda x: sp.factor_terms(x))
    e = sp.expand(e.replace(lambda x: isinstance(x, sp.Sum), lambda x: x.factor()))
    return sp.factor_terms(e.xreplace({S: 1})) if not e.has(S) else e


@singledispatch
def jacobian_entry(entry: activations.Activation) -> Equation | None:
    """da_q/dz_j at symbolic width n; None for an elementwise activation (a diagonal Jacobian)."""
    return None


@jacobian_entry.register(activations.VectorActivation)
def _(entry) -> Equation:
    """softmax: sympy's derivative of exp(z_q) / sum exp(z), written in the outputs."""
    raw = _collapse(sp.diff(_outputs(entry, lambda i: z[s, i])(q), z[s, j]))
    return Equation(_d(a[s, q], z[s, j]), _in_outputs(entry, raw), (raw,))


def _pull_constants(e: sp.Expr) -> sp.Expr:
    """sum_p (c * f_p) written c * sum_p f_p for factors c free of the summation index."""

    def pull(x: sp.Sum) -> sp.Expr:
        (var, lo, hi), body = x.limits[0], x.function
        inside, outside = [], []
        for f in sp.Mul.make_args(body):
            (inside if f.has(var) else outside).append(f)
        return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), (var, lo, hi))

    e = sp.expand(e)
    return sp.Add(*[t.replace(lambda x: isinstance(x, sp.Sum), pull) for t in sp.Add.make_args(e)])


def _shortest(*forms: sp.Expr) -> sp.Expr:
    return min(forms, key=lambda f: sp.count_ops(f))


@singledispatch
def _output_simplified(entry: activations.Activation, delta: sp.Expr) -> sp.Expr:
    """The output layer's delta, simplified: the shorter of it and its cancelled form."""
    return _shortest(delta, sp.factor(sp.cancel(delta)))


@_output_simplified.register(activations.VectorActivation)
def _(entry, delta: sp.Expr) -> sp.Expr:
    """softmax: the factors free of the summation index pulled out of the sums."""
    return sp.factor_terms(_pull_constants(delta))


@lru_cache(maxsize=None)
def layer_rule(entry_name: str, bias_mode: BiasMode | str, loss_name: str | None) -> LayerRule:
    """The rule of a layer with this activation and bias; `loss_name` for the output layer."""
    entry = activations.get(entry_name)
    bias_mode = BiasMode(bias_mode)
    z_def = sp.Sum(W[j, p] * a_prev[s, p], (p, 1, n_prev)) + BIAS.get(bias_mode, sp.Integer(0))
    out = _outputs(entry, lambda i: z[s, i])
    a_def = Equation(a[s, j], out(j))
    identities: list[sp.Eq] = []
    if loss_name is None:
        next_z = sp.Sum(W_next[q, p] * a[s, p], (p, 1, n)) + sp.Symbol("b_next")
        raw_g = _collapse(sp.diff(sp.Sum(delta_next[s, q] * next_z, (q, 1, n_next)), a[s, j]))
        upstream = Equation(g[s, j], raw_g, (raw_g,))
        jvp = sp.Sum(g[s, q] * out(q), (q, 1, n))
    else:
        loss = losses.get(loss_name)
        term = loss.cost([a[s, p]], [y[s, p]])
        cost = sp.Sum(term, (p, 1, n))
        raw_g = _collapse(sp.diff(cost, a[s, j]))
        upstream = Equation(g[s, j], raw_g, (raw_g,))
        jvp = cost.xreplace({a[s, p]: out(p)})
    raw = _collapse(sp.diff(jvp, z[s, j]))
    best = _in_outputs(entry, raw)
    if loss_name is not None:
        best = _output_simplified(entry, best)
        if best.has(SUM_Y):
            best, identities = sp.factor_terms(best.xreplace({SUM_Y: 1})), [TARGETS_SUM_TO_ONE]
    delta_def = Equation(delta[s, j], best, (raw,))
    # dC/dparam = (1/m) sum_s sum_q delta[s, q] dz[s, q]/dparam: BP3 and BP4 by sympy.
    z_batch = sp.Sum(sp.Sum(delta[s, q] * z_def.xreplace({j: q}), (q, 1, n)), (s, 1, m)) / m
    grad_w = Equation(_d(C, W[j, k]), _collapse_nested(sp.diff(z_batch, W[j, k])))
    grad_b = None
    if bias_mode.per_unit:
        grad_b = Equation(_d(C, b[j]), _collapse_nested(sp.diff(z_batch, b[j])))
    elif bias_mode.shared:
        grad_b = Equation(_d(C, beta), sp.diff(z_batch, beta).doit())
    return LayerRule(
        entry,
        bias_mode,
        loss_name is not None,
        Equation(z[s, j], z_def),
        a_def,
        upstream,
        delta_def,
        grad_b,
        grad_w,
        tuple(identities),
    )


def rules(net) -> list[LayerRule]:
    """Every layer's rule, input side first (the last one carries the loss)."""
    last = len(net.layers) - 1
    return [
        layer_rule(layer.activation, layer.bias, net.loss if pos == last else None)
        for pos, layer in enumerate(net.layers)
    ]
