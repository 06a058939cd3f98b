"""Each quantity's role in the derivation (weight, bias, activation, target, error), which the
printer orders products and sums by: from the derivation's own layers, never from names."""

from __future__ import annotations

import enum

import sympy as sp

from ..derive import EAGER_PARAMETERS, Derivation
from ..derive import general as G
from .forms import Sample


class Role(enum.IntEnum):
    """What a quantity is to a derivation, which fixes its place in a printed product, in the
    textbooks' order: w delta sigma'(z), (a - y) sigma'(z), a delta; and in a sum: the bias last."""

    WEIGHT = 0
    TARGET = 1  # a target, and whatever holds one: the cost's derivative (a - y)
    ACTIVATION = 2  # an input, an activation, a pre-activation
    DELTA = 3
    DERIVATIVE = 4  # sigma'(z), sigma(z), and a (1 - a) written from the outputs
    LOG = 5
    BIAS = 6


def ordered_terms(terms: list, roles: dict) -> list:
    """Positive terms first (target - out), a term with a complement (1 - a) after one without
    (y ln a + (1 - y) ln(1 - a)), the bias after weighted terms (w x + b)."""
    positive = [t for t in terms if not t.could_extract_minus_sign()]
    if positive:
        terms = positive + [t for t in terms if t.could_extract_minus_sign()]
    weighted = any(Role.WEIGHT in _roles_in(t, roles) for t in terms)  # w x + b, not b - eta g
    return sorted(
        terms, key=lambda t: (weighted and Role.BIAS in _roles_in(t, roles), _has_complement(t))
    )


def _has_complement(term) -> bool:
    """A sum of a number and a quantity among the term's factors or a logarithm's argument."""
    factors = term.args if term.is_Mul else (term,)
    inner = [f.args[0] if isinstance(f, sp.log) else f for f in factors]
    return any(f.is_Add and any(t.is_Number for t in f.args) for f in inner)


def _role(s, roles: dict):
    return roles.get(s.base) if isinstance(s, sp.Indexed) else roles.get(s)


def _roles_in(expr, roles: dict) -> set:
    return {_role(s, roles) for s in expr.atoms(sp.Symbol, sp.Indexed)} - {None}


def _derivative_like(add: sp.Add, roles: dict) -> bool:
    """1 - a, 1 - a^2, 1 - sigma(z): an activation's derivative written from its output."""
    if add.atoms(sp.Function):
        return True
    return any(t.is_Number for t in add.args) and _roles_in(add, roles) <= {Role.ACTIVATION}


def rank(f, factors, roles: dict) -> tuple[int, bool]:
    """A factor's place in a product: its role, then plain factors before sums; a quantity at
    sample i has the quantity's place."""
    base = f.base if f.is_Pow and f.exp.is_Integer and f.exp > 0 else f
    if isinstance(base, Sample):
        base = base.args[0]
    if base.is_Symbol or base.is_Indexed:
        role = _role(base, roles)
        if role is None:
            return -1, False  # a constant of the step (eta, m): first, as a coefficient
        if role is Role.BIAS:
            role = Role.ACTIVATION
        if role is Role.ACTIVATION and any(
            g.is_Add and g.has(base) and _derivative_like(g, roles) for g in factors
        ):
            role = Role.DERIVATIVE
        return role, False
    if base.is_Add:
        inside = _roles_in(base, roles)
        if Role.TARGET in inside:
            return Role.TARGET, True
        if Role.DELTA in inside:
            return Role.DELTA, True
        return (Role.DERIVATIVE if _derivative_like(base, roles) else Role.ACTIVATION), True
    if isinstance(base, sp.log):
        return Role.LOG, False
    if isinstance(base, sp.Derivative) and (base.expr.is_Symbol or base.expr.is_Indexed):
        return Role.TARGET, False  # dC/da: the cost's derivative
    if isinstance(base, sp.Sum):
        return Role.DELTA, False
    return Role.DERIVATIVE, False


def roles(d: Derivation) -> dict:
    """Symbol or IndexedBase -> Role, for the general notation and this network's."""
    out = {G.w: Role.WEIGHT, G.b: Role.BIAS, G.a: Role.ACTIVATION, G.z: Role.ACTIVATION}
    out.update({G.y: Role.TARGET, G.delta: Role.DELTA})
    out.update({x: Role.ACTIVATION for x in d.inputs})
    out.update({y: Role.TARGET for y in d.targets})
    if d.parameter_count > EAGER_PARAMETERS:  # a compact document: per-unit symbols not built
        out[sp.IndexedBase("x")] = Role.ACTIVATION  # the first layer's input in its rules
        for l, n in enumerate(d.net.sizes[1:], 1):  # biases are few: one per unit at most
            out.update({d.names.b(l, j): Role.BIAS for j in (None, *range(1, n + 1))})
        return out
    for lf, deltas in zip(d.layers, d.delta_symbols):
        out.update({w: Role.WEIGHT for row in lf.weights for w in row})
        out.update({b: Role.BIAS for b in lf.biases})
        out.update({s: Role.ACTIVATION for s in (*lf.a, *lf.z)})
        out.update({s: Role.DELTA for s in deltas})
    return out


def complement(term):
    """-(y - 1) s as (1 - y) s, the complement the textbooks write: a negative product whose one
    sum holds a negative number changes both signs; any other term is returned as it is."""
    if not term.is_Mul or not term.could_extract_minus_sign():
        return term
    sums = [f for f in term.args if f.is_Add and any(t.is_Number and t < 0 for t in f.args)]
    if len(sums) != 1:
        return term
    return sp.Mul(*[-f if f is sums[0] else f for f in (-term).args])
