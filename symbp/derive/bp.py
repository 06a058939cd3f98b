"""BP1-BP4 for a concrete network: the deltas and every parameter's gradient as sympy expressions.

Intermediate form: expressions in the network's own symbols (a^l_j, z^l_j, delta^{l+1}_k, w, y),
with activation derivatives rewritten in terms of the layer's outputs (sigma' = a(1 - a)).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .. import losses
from .forward import LayerForward, output_rewrite
from .general import TARGETS_SUM_TO_ONE


@dataclass
class LayerBackward:
    """One layer's Jacobian da/dz, deltas and gradients (intermediate form)."""

    index: int
    jacobian: sp.Matrix
    dC_da: list[sp.Expr]
    delta: list[sp.Expr]
    delta_raw: list[sp.Expr]
    identities: list[sp.Eq] = field(default_factory=list)
    grad_w: list[list[sp.Expr]] = field(default_factory=list)
    grad_b: list[sp.Expr] = field(default_factory=list)


def jacobian(lf: LayerForward) -> sp.Matrix:
    """da^l_i/dz^l_j, derived by sympy and rewritten in terms of the layer's outputs."""
    rewrite = output_rewrite(lf)
    n = len(lf.z)
    depends = [a.free_symbols for a in lf.a_def]

    def entry(i: int, j: int) -> sp.Expr:
        if lf.z[j] not in depends[i]:
            return sp.S.Zero  # what sp.diff returns; skipping it saves n^2 calls on wide layers
        return sp.diff(lf.a_def[i], lf.z[j]).xreplace(rewrite)

    return sp.Matrix(n, n, entry)


FACTOR_LIMIT = 30  # operations of an output delta above which cancel + factor is not tried (slow)


def _ops(e: sp.Expr) -> int:
    return sp.count_ops(e, visual=False)


def simplify_output_delta(
    raw: sp.Expr, a: list[sp.Symbol], y: list[sp.Symbol], loss: losses.Loss
) -> tuple[sp.Expr, list[sp.Eq]]:
    """The shortest of raw, cancel(raw) and (for cross-entropy) raw with sum(y) = 1 applied.

    Returns the chosen form and the identities used; each candidate is proven equal to raw.
    """
    best, used = raw, []
    if _ops(raw) <= FACTOR_LIMIT:  # factor is exponential in the size; wide layers skip it
        cancelled = sp.factor(sp.cancel(raw))
        if _ops(cancelled) < _ops(best) and sp.cancel(cancelled - raw) == 0:
            best = cancelled
    if loss.targets_sum_to_one and len(y) > 1:
        collected = sp.collect(sp.expand(raw), a).xreplace({sp.Add(*y): sp.Integer(1)})
        one = {y[-1]: 1 - sp.Add(*y[:-1])}
        if _ops(collected) < _ops(best) and sp.expand((collected - raw).xreplace(one)) == 0:
            best, used = collected, [TARGETS_SUM_TO_ONE]
    return best, used


def backward(
    layers: list[LayerForward],
    cost: sp.Expr,
    y: list[sp.Symbol],
    loss: losses.Loss,
    delta_syms: list[list[sp.Symbol]],
    inputs: list[sp.Symbol],
) -> list[LayerBackward]:
    """BP1 for the output layer, BP2 down to layer 1, then BP3 and BP4 for every parameter."""
    out: list[LayerBackward] = [None] * len(layers)  # type: ignore[list-item]
    for pos in range(len(layers) - 1, -1, -1):
        lf = layers[pos]
        J = jacobian(lf)
        n = len(lf.z)
        if pos == len(layers) - 1:
            dC_da = [sp.diff(cost, a) for a in lf.a]
        else:
            nxt = layers[pos + 1]
            dnext = delta_syms[pos + 1]
            dC_da = [
                sp.Add(*[nxt.weights[k][j] * dnext[k] for k in range(len(nxt.z))]) for j in range(n)
            ]
        raw = [sp.Add(*[dC_da[i] * J[i, j] for i in range(n)]) for j in range(n)]
        identities: list[sp.Eq] = []
        if pos == len(layers) - 1:
            delta = []
            for r in raw:
                d, used = simplify_output_delta(r, lf.a, y, loss)
                delta.append(d)
                identities += [u for u in used if u not in identities]
        else:
            delta = list(raw)
        lb = LayerBackward(lf.index, J, dC_da, delta, raw, identities)
        ds = delta_syms[pos]
        prev = layers[pos - 1].a if pos > 0 else inputs
        lb.grad_w = [[ds[j] * prev[k] for k in range(len(prev))] for j in range(n)]
        lb.grad_b = lf.bias_mode.gradients(ds)
        out[pos] = lb
    return out
