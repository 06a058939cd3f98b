"""Matrices at symbolic widths for widths.py: a Tensor is an entry function and a shape; sums are
split, their dummies renamed by depth, so that equal sums compare equal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ..derive import layer as R


@dataclass(frozen=True)
class Tensor:
    """A claim's subexpression at symbolic widths: entry(row, column) and its shape."""

    entry: Callable[[sp.Expr, sp.Expr], sp.Expr]
    rows: sp.Expr = sp.Integer(1)
    cols: sp.Expr = sp.Integer(1)
    scalar: bool = False

    def transposed(self) -> Tensor:
        if self.scalar:
            return self
        return Tensor(lambda i, k: self.entry(k, i), self.cols, self.rows)

    def map(self, f: Callable[[sp.Expr], sp.Expr]) -> Tensor:
        return Tensor(lambda i, k: f(self.entry(i, k)), self.rows, self.cols, self.scalar)


def scalar(value: sp.Expr) -> Tensor:
    return Tensor(lambda i, k: value, scalar=True)


def sum_of_targets(x: sp.Expr) -> bool:
    """sum_j y[s, j] over the output layer's units (1 when the targets sum to one)."""
    if not (isinstance(x, sp.Sum) and len(x.limits) == 1):
        return False
    var, lo, hi = x.limits[0]
    f = x.function
    return (
        (lo, hi) == (1, R.n) and isinstance(f, sp.Indexed) and f.base == R.y and f.indices[1] == var
    )


def one_sample(e: sp.Expr) -> sp.Expr:
    """A batch rule at m = 1: the sum over the samples taken at the one sample."""

    def at_one(x: sp.Sum) -> sp.Expr:
        limits = [lim for lim in x.limits if lim[0] != R.s]
        body = x.function.xreplace({R.s: sp.Integer(1)})
        return sp.Sum(body, *limits) if limits else body

    return e.replace(
        lambda x: isinstance(x, sp.Sum) and any(lim[0] == R.s for lim in x.limits), at_one
    )


def fresh(e: sp.Expr) -> sp.Expr:
    """`e` with the dummy of each sum renamed apart (so substituting an index cannot capture)."""
    return e.replace(
        lambda x: isinstance(x, sp.Sum),
        lambda x: x.xreplace(
            {v: sp.Dummy(v.name, integer=True, positive=True) for v, *_ in x.limits}
        ),
    )


def dummy(depth: int) -> sp.Symbol:
    return sp.Symbol(f"i_{depth}", integer=True, positive=True)


def split_sums(e: sp.Expr, depth: int = 0) -> sp.Expr:
    """Sums of sums split into sums of single terms, factors free of the dummy pulled out, each
    dummy renamed by its depth, so equal sums compare equal."""
    if isinstance(e, sp.Sum):
        (var, lo, hi), *outer = e.limits
        if outer:
            return split_sums(sp.Sum(sp.Sum(e.function, (var, lo, hi)), *outer), depth)
        I = dummy(depth)
        body = split_sums(e.function.xreplace({var: I}), depth + 1)
        terms = []
        for t in sp.Add.make_args(sp.expand(body)):
            inside = [f for f in sp.Mul.make_args(t) if f.has(I)]
            outside = [f for f in sp.Mul.make_args(t) if not f.has(I)]
            count = sp.Sum(sp.Mul(*inside), (I, lo, hi)) if inside else hi - lo + 1
            terms.append(sp.Mul(*outside) * count)
        return sp.Add(*terms)
    if not e.args or isinstance(e, sp.Indexed):
        return e
    return e.func(*[split_sums(a, depth) for a in e.args])
