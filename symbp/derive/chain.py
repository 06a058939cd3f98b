"""Per-parameter chain rules kept as their factors (Mazur's dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1
* dnet_o1/dw5), in intermediate symbols."""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import sympy as sp

from .. import activations
from .bp import LayerBackward
from .forward import LayerForward


@dataclass(frozen=True)
class Factor:
    """d num / d den, and its value as a sympy expression."""

    num: sp.Symbol
    den: sp.Symbol
    value: sp.Expr


@dataclass(frozen=True)
class Chain:
    """dC/d param as a sum of products of factors (one product, or one per unit for a shared b)."""

    param: sp.Symbol
    terms: tuple[tuple[Factor, ...], ...]

    def value(self) -> sp.Expr:
        return sp.Add(*[sp.Mul(*[f.value for f in term]) for term in self.terms])


def _to_z(cost: sp.Symbol, lf: LayerForward, lb: LayerBackward, j: int) -> tuple[Factor, ...]:
    """The factors from the cost down to z^l_j (the activation's class decides the path)."""
    return _factors(lf.activation, cost, lf, lb, j)


@singledispatch
def _factors(entry: activations.Activation, cost, lf, lb, j: int) -> tuple[Factor, ...]:
    """Through a^l_j: an elementwise activation's output depends on z^l_j alone."""
    return (
        Factor(cost, lf.a[j], lb.dC_da[j]),
        Factor(lf.a[j], lf.z[j], lb.jacobian[j, j]),
    )


@_factors.register(activations.VectorActivation)
def _(entry, cost, lf, lb, j: int) -> tuple[Factor, ...]:
    """Straight to z^l_j through delta: every output of a vector activation depends on it."""
    return (Factor(cost, lf.z[j], lb.delta[j]),)


def chains(
    cost: sp.Symbol,
    layers: list[LayerForward],
    backs: list[LayerBackward],
    inputs: list[sp.Symbol],
) -> dict[sp.Symbol, Chain]:
    """Every parameter's chain rule, in the network's parameter order."""
    out: dict[sp.Symbol, Chain] = {}
    for pos, (lf, lb) in enumerate(zip(layers, backs)):
        prev = layers[pos - 1].a if pos else inputs
        for j, row in enumerate(lf.weights):
            for k, w in enumerate(row):
                out[w] = Chain(w, (_to_z(cost, lf, lb, j) + (Factor(lf.z[j], w, prev[k]),),))
        if lf.bias_mode.per_unit:
            for j, b in enumerate(lf.biases):
                out[b] = Chain(b, (_to_z(cost, lf, lb, j) + (Factor(lf.z[j], b, sp.S.One),),))
        elif lf.bias_mode.shared:
            b = lf.biases[0]
            out[b] = Chain(
                b,
                tuple(
                    _to_z(cost, lf, lb, j) + (Factor(lf.z[j], b, sp.S.One),)
                    for j in range(len(lf.z))
                ),
            )
    return out
