"""The forward pass as sympy: z^l_j and a^l_j per layer, in intermediate symbols and expanded."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import activations
from ..keys import BiasMode
from ..network import Network
from ..notation import Notation


@dataclass
class LayerForward:
    """One layer's symbols and defining expressions (z in terms of a^{l-1}; a in terms of z)."""

    index: int
    activation: activations.Activation
    alpha: sp.Expr | None
    z: list[sp.Symbol]
    a: list[sp.Symbol]
    weights: list[list[sp.Symbol]]
    biases: list[sp.Symbol]
    bias_mode: BiasMode
    z_def: list[sp.Expr]
    a_def: list[sp.Expr]

    def bias_of(self, j: int) -> sp.Expr:
        """The bias added to unit j (0-based): its own, the shared one, or 0."""
        return self.bias_mode.of_unit(self.biases, j)


def build_layers(net: Network, names: Notation) -> list[LayerForward]:
    """Return the symbols and forward definitions of every non-input layer."""
    out = []
    prev = [names.x(k) for k in range(1, net.inputs + 1)]
    for l, layer in enumerate(net.layers, start=1):
        n = layer.units
        entry = activations.get(layer.activation)
        params = entry.layer_params(layer.params)
        alpha = params[0] if params else None
        weights = [[names.w(l, j, k) for k in range(1, len(prev) + 1)] for j in range(1, n + 1)]
        biases = layer.bias.symbols(lambda j: names.b(l, j), lambda: names.b(l, None), n)
        lf = LayerForward(
            l,
            entry,
            alpha,
            z=[names.z(l, j) for j in range(1, n + 1)],
            a=[names.a(l, j) for j in range(1, n + 1)],
            weights=weights,
            biases=biases,
            bias_mode=layer.bias,
            z_def=[],
            a_def=[],
        )
        lf.z_def = [
            sp.Add(*[w * a for w, a in zip(weights[j], prev)]) + lf.bias_of(j) for j in range(n)
        ]
        lf.a_def = entry.apply_layer(lf.z, params)
        out.append(lf)
        prev = lf.a
    return out


def expansion(layers: list[LayerForward]) -> dict[sp.Symbol, sp.Expr]:
    """Map every z and a symbol to its expression in inputs and parameters alone."""
    full: dict[sp.Symbol, sp.Expr] = {}
    for lf in layers:
        zs = [zd.xreplace(full) for zd in lf.z_def]
        full.update(zip(lf.z, zs))
        zmap = dict(zip(lf.z, zs))
        full.update((a, ad.xreplace(zmap)) for a, ad in zip(lf.a, lf.a_def))
    return full


def output_rewrite(lf: LayerForward) -> dict[sp.Expr, sp.Symbol]:
    """Map each activation application act(z^l_j) to its output symbol a^l_j."""
    return {ad: a for ad, a in zip(lf.a_def, lf.a) if ad != a}
