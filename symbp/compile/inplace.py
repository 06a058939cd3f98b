"""A pass over a program's steps for the in-place step (`train_step`): each sigmoid layer's
output and the delta's sigma' share one exp through Q = sigma(-|Z|), once sympy has checked
that both forms equal the derived ones; a scaled softmax output error is written into the
workspace by its in-place kernel."""

from __future__ import annotations

from functools import cache

import sympy as sp

from ..activations import Sigmoid, SigmoidPrime, SoftmaxMinus
from .printer import SigmoidInto, SoftmaxMinusInto, TimesSigmoidPrime, Work
from .program import Step, _check


@cache
def _sigmoid_tail_holds() -> bool:
    """Whether |H(z) - q| = sigma(z) and q (1 - q) = sigma'(z) for q = sigma(-|z|), at z > 0
    and at z < 0 (sympy)."""
    p = sp.Symbol("p", positive=True)
    q = Sigmoid.definition(-p)
    for z in (p, -p):
        a = SigmoidInto.definition(z, q) - Sigmoid.definition(z)
        prime = TimesSigmoidPrime.definition(1, q) - SigmoidPrime(z).definition(z)
        if sp.simplify(a) != 0 or sp.simplify(prime.rewrite(sp.exp)) != 0:
            return False
    return True


def in_place(steps: list[Step]) -> list[Step]:
    """`steps` with each sigmoid layer's A = sigma(Z) written into the workspace through
    Q = sigma(-|Z|), and the delta's factor sigma'(Z) taken from Q (one exp per layer, not
    two), once sympy has checked both forms."""
    _check(_sigmoid_tail_holds(), "sigma(z) or sigma'(z) differs from its form in sigma(-|z|)")
    primes = [f for s in steps for f in s.expr.atoms(SigmoidPrime)]
    tails, out = {}, []
    for step in steps:
        expr = step.expr
        if isinstance(expr, Sigmoid) and isinstance(expr.args[0], sp.Symbol):
            z = expr.args[0]
            tails[z] = Work(f"Q{step.target.name[1:]}")
            expr = SigmoidInto(z, tails[z], Work(step.target.name))
        elif expr.is_Mul:
            for factor in expr.args:
                if isinstance(factor, SigmoidPrime) and factor.args[0] in tails:
                    rest = expr / factor
                    if primes.count(factor) == 1 and not rest.is_Symbol:
                        expr = TimesSigmoidPrime(rest, tails[factor.args[0]])
            expr = _softmax_into(step, expr, steps)
        out.append(Step(step.target, expr, step.derived))
    return out


def _softmax_into(step: Step, expr: sp.Expr, steps: list[Step]) -> sp.Expr:
    """scale * SoftmaxMinus(Z, Y) as SoftmaxMinusInto(Z, Y, scale, D), D the step's workspace
    array, when no other step reads Z (the kernel overwrites it); else `expr`."""
    minus = [f for f in expr.args if isinstance(f, SoftmaxMinus)]
    if len(expr.args) != 2 or len(minus) != 1 or not isinstance(minus[0].args[0], sp.Symbol):
        return expr
    (scale,) = set(expr.args) - set(minus)
    z, y = minus[0].args
    readers = [s for s in steps if z in s.expr.free_symbols]
    if len(readers) != 1 or not scale.is_Symbol:
        return expr
    return SoftmaxMinusInto(z, y, scale, Work(step.target.name))
