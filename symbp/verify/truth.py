"""The derivation's side: what each quantity equals per the derivation, each symbol's family, the
factors a diagnosis may name, and sigma/sigma' that follow the layer of their argument."""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatch

import sympy as sp

from .. import activations
from ..derive import Derivation
from ..errors import ClaimError
from ..parse import function_table
from .verdict import Factor


class Truth:
    """The derivation-side truth of a Checker (a mixin); `index_maps` fills the lookups."""

    d: Derivation
    cost: sp.Symbol

    def index_maps(self) -> None:
        """z, a and delta symbols by (layer position, unit); chain factors; symbol families."""
        d = self.d
        self.cost = d.cost_symbol
        self.z_layer = {z: (pos, j) for pos, lf in enumerate(d.layers) for j, z in enumerate(lf.z)}
        self.a_layer = {a: (pos, j) for pos, lf in enumerate(d.layers) for j, a in enumerate(lf.a)}
        self.d_layer = {
            s: (pos, j) for pos, ds in enumerate(d.delta_symbols) for j, s in enumerate(ds)
        }
        self.factors = {
            (f.num, f.den): f.value
            for chain in d.chains.values()
            for term in chain.terms
            for f in term
        }
        self.fixed = d.identity_substitution()
        self.outputs = {ad: a for lf in d.layers for ad, a in zip(lf.a_def, lf.a) if ad != a}
        self.mid: dict[sp.Symbol, sp.Expr] = {}
        for ds, lb in reversed(list(zip(d.delta_symbols, d.backward))):
            self.mid.update((s, e.xreplace(self.mid)) for s, e in zip(ds, lb.delta))
        self.families = self._families()

    def _families(self) -> dict[sp.Symbol, tuple[str, int, tuple]]:
        """Each symbol's family (a, z, w, b, delta, y), layer and unit indices."""
        fam: dict[sp.Symbol, tuple[str, int, tuple]] = {}
        for k, x in enumerate(self.d.inputs):
            fam[x] = ("a", 0, (k,))
        for pos, lf in enumerate(self.d.layers):
            l = lf.index
            for j in range(len(lf.z)):
                fam[lf.z[j]] = ("z", l, (j,))
                fam[lf.a[j]] = ("a", l, (j,))
                fam[self.d.delta_symbols[pos][j]] = ("delta", l, (j,))
                for k, w in enumerate(lf.weights[j]):
                    fam[w] = ("w", l, (j, k))
            for j, b in enumerate(lf.biases):
                fam[b] = ("b", l, lf.bias_mode.index(j))
        last = self.d.layers[-1].index
        for j, y in enumerate(self.d.targets):
            fam[y] = ("y", last, (j,))
        return fam

    def _known_factors(self) -> list[Factor]:
        d = self.d
        out: list[Factor] = []
        for pos, (lf, lb) in enumerate(zip(d.layers, d.backward)):
            for j in range(len(lf.z)):
                out += _derivative_factors(lf.activation, lb.jacobian[j, j], lf.z[j])
                out.append(Factor(lf.a[j], "activation", lf.a[j]))
                out.append(Factor(d.delta_symbols[pos][j], "delta", d.delta_symbols[pos][j]))
                out += [Factor(w, "weight", w) for w in lf.weights[j]]
            if pos == len(d.layers) - 1:
                out += [
                    Factor(lb.dC_da[j], "loss_derivative", lf.a[j])
                    for j in range(len(lf.a))
                    if lb.dC_da[j] not in (0, 1)
                ]
        out += [Factor(x, "input", x) for x in d.inputs]
        return [f for f in out if f.expr not in (0, 1)]

    def truth(self, num: sp.Symbol, den: sp.Symbol | None) -> sp.Expr:
        """The derivation's value of d num / d den (or of a delta symbol), intermediate symbols."""
        d = self.d
        if den is None:
            if num in self.d_layer:
                pos, j = self.d_layer[num]
                return d.backward[pos].delta[j]
            raise ClaimError(
                f"{num.name} is not a quantity: write a derivative such as "
                f"d{self.cost.name}/d{d.params[0].name}, or a delta"
            )
        if (num, den) in self.factors:
            return self.factors[(num, den)]
        if num == self.cost:
            if den in d.gradients:
                return d.gradients[den]
            if den in self.z_layer:
                pos, j = self.z_layer[den]
                return d.delta_symbols[pos][j]
            if den in self.a_layer:
                pos, j = self.a_layer[den]
                return d.backward[pos].dC_da[j]
        if num in self.z_layer:
            pos, j = self.z_layer[num]
            return sp.diff(d.layers[pos].z_def[j], den)
        if num in self.a_layer and den in self.z_layer:
            (pa, i), (pz, j) = self.a_layer[num], self.z_layer[den]
            if pa == pz:
                return d.backward[pa].jacobian[i, j]
            if pz > pa:
                return sp.Integer(0)
        raise ClaimError(f"symbp does not derive d{num.name}/d{den.name}")

    def functions(self) -> dict[str, Callable]:
        """The function table for claims: sigma and sigma' follow the layer of their argument."""
        table = dict(function_table())
        for name in ("sigma", *self.d.names.functions):
            table[name] = self._sigma
            table[name + "'"] = self._sigma_prime
        return table

    def _sigma(self, arg: sp.Expr) -> sp.Expr:
        if arg in self.z_layer:
            pos, j = self.z_layer[arg]
            return self.d.layers[pos].a_def[j]
        return function_table()["sigma"](arg)

    def _sigma_prime(self, arg: sp.Expr) -> sp.Expr:
        if arg in self.z_layer:
            pos, j = self.z_layer[arg]
            lf = self.d.layers[pos]
            return _sigma_prime(lf.activation, lf.a_def[j], arg, lf.index)
        return function_table()["sigma'"](arg)


@singledispatch
def _derivative_factors(activation: activations.Activation, value, z) -> list[Factor]:
    """sigma'(z^l_j) as a factor a hand derivation may show: one number per unit."""
    return [Factor(value, "activation_derivative", z, activation.name)]


@_derivative_factors.register
def _(activation: activations.VectorActivation, value, z) -> list[Factor]:
    """The Jacobian's diagonal entry da_j/dz_j: the factor written when softmax is treated as
    elementwise."""
    return [Factor(value, "jacobian_diagonal", z, activation.name)]


@singledispatch
def _sigma_prime(activation: activations.Activation, a_def, z, layer: int) -> sp.Expr:
    """sigma'(z^l_j) of a claim: the derivative of the unit's output."""
    return sp.diff(a_def, z)


@_sigma_prime.register
def _(activation: activations.VectorActivation, a_def, z, layer: int) -> sp.Expr:
    raise ClaimError(
        f"sigma' of layer {layer} ({activation.name}) is a Jacobian matrix, "
        f"not one number: write its entries, e.g. da^{layer}_i/dz^{layer}_j"
    )
