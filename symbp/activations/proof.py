"""Each entry's textbook derivative (its class's fdiff) proven equal to sympy's derivative of
its definition."""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import sympy as sp

from .functions import defined
from .registry import Activation, VectorActivation


@dataclass(frozen=True)
class DerivativeProof:
    """The textbook derivative of an activation and how it was shown equal to d/dz definition."""

    name: str
    textbook: sp.Expr
    direct: sp.Expr
    method: str
    ok: bool


@singledispatch
def prove_derivative(entry: Activation) -> DerivativeProof:
    """Prove the entry's fdiff equal to sympy's derivative of its defining expression."""
    z = sp.Symbol("z", real=True)
    # any parameter value: the proof holds for all of them
    params = [sp.Symbol(p.name, positive=True) for p in entry.params]
    f = entry.apply(z, *params)
    textbook = sp.diff(f, z) if f != z else sp.Integer(1)
    direct = defined(sp.diff(entry.cls.definition(z, *params), z))
    expanded = textbook.rewrite(sp.exp) if isinstance(textbook, sp.Expr) else textbook
    expanded = defined(expanded)
    if direct.has(sp.Piecewise) or expanded.has(sp.Heaviside):
        return _prove_piecewise(entry.name, textbook, direct, expanded, z)
    ok = sp.simplify(direct - expanded) == 0
    return DerivativeProof(entry.name, textbook, direct, "symbolic simplification", ok)


@prove_derivative.register
def _prove_vector(entry: VectorActivation) -> DerivativeProof:
    zs = sp.symbols("z1:4", real=True)
    ok = True
    textbook = sp.diff(entry.cls(sp.Integer(1), *zs), zs[0])
    for k in range(1, 4):
        for i in range(3):
            tb = sp.diff(entry.cls(sp.Integer(k), *zs), zs[i])
            tb = defined(tb)
            dr = sp.diff(entry.cls.definition(k, *zs), zs[i])
            ok = ok and sp.simplify(tb - dr) == 0
    direct = sp.diff(entry.cls.definition(1, *zs), zs[0])
    return DerivativeProof(entry.name, textbook, direct, "symbolic simplification, 3 outputs", ok)


def _prove_piecewise(name, textbook, direct, expanded, z) -> DerivativeProof:
    """Compare on each side of 0 symbolically and at 0 by the contract's convention (value 0)."""
    pos = sp.Symbol("p", positive=True)
    ok = True
    for side in (pos, -pos):
        lhs = sp.piecewise_fold(direct.subs(z, side))
        rhs = expanded.subs(z, side)
        ok = ok and sp.simplify(lhs - rhs) == 0
    at_zero = expanded.subs(z, 0)
    left_limit = sp.piecewise_fold(direct.subs(z, -pos)).subs(pos, 0)
    ok = ok and sp.simplify(at_zero - left_limit) == 0
    return DerivativeProof(
        name, textbook, direct, "symbolic on z > 0 and z < 0; at 0 the left derivative", ok
    )
