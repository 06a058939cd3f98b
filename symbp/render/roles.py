"""Each quantity's role in the derivation (weight, bias, activation, target, error), which the
printer orders products and sums by: from the derivation's own layers, never from names."""

from __future__ import annotations

from ..derive import EAGER_PARAMETERS, Derivation
from ..derive import general as G
from .printer import Role


def roles(d: Derivation) -> dict:
    """Symbol or IndexedBase -> Role, for the general notation and this network's."""
    out = {G.w: Role.WEIGHT, G.b: Role.BIAS, G.a: Role.ACTIVATION, G.z: Role.ACTIVATION}
    out.update({G.y: Role.TARGET, G.delta: Role.DELTA})
    out.update({x: Role.ACTIVATION for x in d.inputs})
    out.update({y: Role.TARGET for y in d.targets})
    if d.parameter_count > EAGER_PARAMETERS:  # a compact document: per-unit symbols not built
        return out
    for lf, deltas in zip(d.layers, d.delta_symbols):
        out.update({w: Role.WEIGHT for row in lf.weights for w in row})
        out.update({b: Role.BIAS for b in lf.biases})
        out.update({s: Role.ACTIVATION for s in (*lf.a, *lf.z)})
        out.update({s: Role.DELTA for s in deltas})
    return out
