"""Symbolic proof that a claim equals the derivation's truth for all inputs and parameters."""

from __future__ import annotations

import random

import sympy as sp

from .. import activations as act
from ..activations import defined
from ..derive import Derivation
from ..derive.proof import ExactEvaluator, atomize, tree_size

SYMBOLIC_LIMIT = 3000  # tree nodes above which cancel gives way to exact evaluation
DEFINITION_LIMIT = 600
CANCEL_POWER = 8  # integer exponents above which cancel gives way to exact evaluation
EXACT_POINTS = 3
SAME_SIGN = (*(e.cls for e in act.entries() if e.keeps_sign), sp.tanh)  # H(f(u)) = H(u)
POSITIVE = (*(e.cls for e in act.entries() if e.positive), sp.exp)  # H(f(u)) = 1


class Proof:
    """prove_equal for a Checker (a mixin)."""

    d: Derivation
    fixed: dict

    def prove_equal(self, truth: sp.Expr, claim: sp.Expr) -> tuple[bool, str]:
        """Symbolic proof that truth == claim for all inputs, targets and parameters.

        Both sides are expanded into inputs, targets and parameters, the identities applied and
        every activation made a fresh symbol. Small differences without high powers go to
        `cancel`; the rest to exact rational evaluation at random points (Schwartz-Zippel), so
        the time stays bounded whatever powers a claim contains.
        """
        lhs, rhs = (steps(self.d.expand(e).xreplace(self.fixed)) for e in (truth, claim))
        a, b = atomize([lhs, rhs])
        diff = a - b
        if diff == 0:
            return True, "identical"
        small = tree_size(diff, SYMBOLIC_LIMIT) <= SYMBOLIC_LIMIT
        if small and max_power(diff) <= CANCEL_POWER:
            if sp.cancel(sp.together(diff)) == 0:
                return True, "cancel"
            return self._prove_by_definitions(lhs, rhs)
        rng = random.Random(0)
        for _ in range(EXACT_POINTS):
            for _attempt in range(5):
                ev = ExactEvaluator(rng)
                try:
                    if ev(a) != ev(b):
                        return False, ""
                    break
                except ZeroDivisionError:
                    continue
                except TypeError:  # exp or log written in the claim: not a rational function
                    return False, ""
        return True, "exact_evaluation"

    def _prove_by_definitions(self, lhs: sp.Expr, rhs: sp.Expr) -> tuple[bool, str]:
        """For claims written with exp() instead of sigma(): activations by their definitions."""
        if (
            not (lhs.has(sp.exp) or rhs.has(sp.exp))
            or lhs.has(sp.Heaviside)
            or rhs.has(sp.Heaviside)
        ):
            return False, ""

        diff = defined(lhs) - defined(rhs)
        if tree_size(diff, DEFINITION_LIMIT) > DEFINITION_LIMIT or max_power(diff) > CANCEL_POWER:
            return False, ""
        if sp.cancel(sp.together(sp.powsimp(diff))) == 0:
            return True, "definitions"
        return False, ""


def max_power(e: sp.Expr) -> int:
    """The largest |integer exponent| in `e` (0 when there is none)."""
    powers = [abs(int(p.exp)) for p in e.atoms(sp.Pow) if p.exp.is_Integer]
    return max(powers, default=0)


def steps(e: sp.Expr) -> sp.Expr:
    """`e` with the step identities applied: H(f(u)) = H(u) for an f that keeps the sign and
    maps 0 to 0 (ReLU, leaky ReLU and ELU with a positive slope, tanh, GELU), H(f(u)) = 1 for a
    positive f (sigmoid, softplus, exp), and H^n = H."""

    def rule(h: sp.Heaviside) -> sp.Expr:
        inner, rest = h.args[0], h.args[1:]
        if isinstance(inner, SAME_SIGN) and all(p.is_positive for p in inner.args[1:]):
            return rule(sp.Heaviside(inner.args[0], *rest))
        if isinstance(inner, POSITIVE):
            return sp.Integer(1)
        return h

    e = e.replace(lambda x: isinstance(x, sp.Heaviside), rule)
    return e.replace(
        lambda x: x.is_Pow and isinstance(x.base, sp.Heaviside) and x.exp.is_Integer and x.exp > 0,
        lambda x: x.base,
    )
