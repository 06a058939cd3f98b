"""Proof that BP equals sympy's direct differentiation of the fully expanded cost.

Every activation application (and every Heaviside step) is replaced by a fresh symbol, which makes
both sides rational functions of independent symbols: if they agree as such, they agree for the
activations' true values. Small cases are proven by `cancel`; larger ones are verified by exact
rational evaluation at random points with 60-bit integer coordinates (Schwartz-Zippel: a nonzero
numerator of degree d vanishes at a random point with probability at most d / 2^61), and the
report says "verified ... (probabilistic)" with that bound, never "proved".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..activations import ActivationBase

SYMBOLIC_LIMIT = 3000  # tree nodes above which `cancel` is replaced by exact evaluation
RANGE = 2**60  # coordinates are integers in [-RANGE, RANGE]
TARGET = 1e-30  # points are drawn until the error bound is at most this (or MAX_POINTS)
MAX_POINTS = 12


@dataclass(frozen=True)
class ParameterProof:
    """The verdict for one parameter: BP result vs direct differentiation."""

    param: sp.Symbol
    ok: bool
    method: str
    probabilistic: bool = False


def _is_atom(e: sp.Basic) -> bool:
    return isinstance(e, (ActivationBase, sp.Heaviside))


def atomize(exprs: list[sp.Expr]) -> list[sp.Expr]:
    """Replace each distinct activation or step application by its own fresh symbol."""
    table: dict[sp.Expr, sp.Symbol] = {}
    for e in exprs:
        for f in sp.preorder_traversal(e):
            if _is_atom(f) and f not in table:
                table[f] = sp.Dummy(f"s{len(table)}")
    return [e.xreplace(table) for e in exprs]


def tree_size(e: sp.Expr, limit: int) -> int:
    """The number of nodes of `e`, counted up to limit + 1."""
    n = 0
    for _ in sp.preorder_traversal(e):
        n += 1
        if n > limit:
            break
    return n


class ExactEvaluator:
    """Exact rational value of an expression at a point; atoms get random rational values.

    Memoised per node, so shared subtrees of large derivatives are evaluated once.
    """

    def __init__(self, rng: random.Random, fixed: dict[sp.Symbol, Fraction] | None = None):
        self.rng = rng
        self.values: dict[sp.Basic, Fraction] = dict(fixed or {})

    def _random(self) -> Fraction:
        return Fraction(self.rng.randint(-RANGE, RANGE))

    def __call__(self, e: sp.Basic) -> Fraction:
        hit = self.values.get(e)
        if hit is not None:
            return hit
        if e.is_Symbol or _is_atom(e):
            v = self._random()
        elif e.is_Integer:
            v = Fraction(int(e))
        elif e.is_Rational:
            v = Fraction(int(e.p), int(e.q))
        elif e.is_Add:
            v = sum((self(a) for a in e.args), Fraction(0))
        elif e.is_Mul:
            v = Fraction(1)
            for a in e.args:
                v *= self(a)
        elif e.is_Pow and e.exp.is_Integer:
            base = self(e.base)
            if base == 0 and e.exp < 0:
                raise ZeroDivisionError
            v = base ** int(e.exp)
        else:
            raise TypeError(f"cannot evaluate {type(e).__name__} exactly")
        self.values[e] = v
        return v


def degree_bound(e: sp.Expr) -> int:
    """An upper bound on the degree of the numerator of `e` written as one fraction."""
    memo: dict[sp.Basic, tuple[int, int]] = {}

    def walk(x: sp.Basic) -> tuple[int, int]:
        if x in memo:
            return memo[x]
        if x.is_Symbol or _is_atom(x):
            out = (1, 0)
        elif x.is_Number:
            out = (0, 0)
        elif x.is_Add:
            parts = [walk(a) for a in x.args]
            q = sum(pq[1] for pq in parts)
            out = (max(pq[0] + q - pq[1] for pq in parts), q)
        elif x.is_Mul:
            parts = [walk(a) for a in x.args]
            out = (sum(pq[0] for pq in parts), sum(pq[1] for pq in parts))
        elif x.is_Pow and x.exp.is_Integer:
            p, q = walk(x.base)
            k = int(x.exp)
            out = (k * p, k * q) if k >= 0 else (-k * q, -k * p)
        else:
            raise TypeError(f"cannot bound the degree of {type(x).__name__}")
        memo[x] = out
        return out

    return walk(e)[0]


def prove(
    direct: sp.Expr,
    bp: sp.Expr,
    fixed: dict[sp.Symbol, sp.Expr],
    param: sp.Symbol,
    seed: int = 0,
) -> ParameterProof:
    """Compare `direct` and `bp` after substituting `fixed` (identities such as y_n = 1 - ...)."""
    lhs, rhs = atomize([direct.xreplace(fixed), bp.xreplace(fixed)])
    diff = lhs - rhs
    if tree_size(diff, SYMBOLIC_LIMIT) <= SYMBOLIC_LIMIT:
        return ParameterProof(param, sp.cancel(sp.together(diff)) == 0, "symbolic (cancel)")
    per_point = min(1.0, degree_bound(diff) / (2 * RANGE + 1))
    rng = random.Random(seed)
    evaluated, draws, bound = 0, 0, 1.0
    while evaluated < MAX_POINTS and bound > TARGET and draws < 2 * MAX_POINTS:
        draws += 1
        ev = ExactEvaluator(rng)
        try:
            if ev(lhs) != ev(rhs):
                return ParameterProof(param, False, "exact rational evaluation (differs)")
        except ZeroDivisionError:
            continue  # a pole of either side: this point is not counted
        evaluated += 1
        bound *= per_point
    if evaluated == 0:
        return ParameterProof(param, False, "exact rational evaluation (no point evaluable)")
    method = (
        f"verified at {evaluated} random points (probabilistic, error probability <= {bound:.0e})"
    )
    return ParameterProof(param, True, method, probabilistic=True)
