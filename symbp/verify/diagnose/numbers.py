"""Diagnoses from the ratio of claim to truth: zero, a sign or constant, a missing or extra
factor of the derivation's own."""

from __future__ import annotations

import itertools
import math

import sympy as sp

from ..points import nice
from ..verdict import Diagnosis, Kind
from .difference import Difference, ratio


def zero(ck, df: Difference) -> Diagnosis | None:
    """The claim is 0 at every point."""
    if all(abs(c) <= 1e-300 for c in df.cv):
        return Diagnosis(Kind.ZERO)
    return None


def constant(ck, df: Difference) -> Diagnosis | None:
    """claim = c * truth: a sign (c = -1) or a constant factor."""
    const = ratio(ck, df.tv, df.cv)
    if const is None:
        return None
    c = nice(const)
    confirmed = isinstance(c, sp.Rational) and ck.prove_equal(c * df.truth, df.claim)[0]
    return Diagnosis(Kind.SIGN if c == -1 else Kind.CONSTANT, constant=c, confirmed=confirmed)


def factor(ck, df: Difference) -> Diagnosis | None:
    """A missing or extra factor (one or two) that is one of the derivation's own factors."""
    tv = df.tv
    ratios = [t / c if c != 0 else math.nan for t, c in zip(tv, df.cv)]  # truth = claim * r
    kv = ck._known_values

    def matches(fn) -> bool:
        return all(
            math.isfinite(r) and ck._close(r, fn(i)) for i, r in enumerate(ratios) if tv[i] != 0
        ) and any(tv)

    # "missing factor delta^1_1" for delta^1_1 itself explains nothing
    usable = [
        a for a in range(len(ck.known)) if not all(ck._close(kv[i][a], t) for i, t in enumerate(tv))
    ]
    for a in usable:
        if matches(lambda i, a=a: kv[i][a]):
            return _factor_result(ck, (a,), (), df)
        if matches(lambda i, a=a: 1 / kv[i][a] if kv[i][a] else math.nan):
            return _factor_result(ck, (), (a,), df)
    for a, b in itertools.combinations_with_replacement(usable, 2):
        if matches(lambda i, a=a, b=b: kv[i][a] * kv[i][b]):
            return _factor_result(ck, (a, b), (), df)
        if matches(
            lambda i, a=a, b=b: 1 / (kv[i][a] * kv[i][b]) if kv[i][a] * kv[i][b] else math.nan
        ):
            return _factor_result(ck, (), (a, b), df)
    for a, b in itertools.permutations(usable, 2):
        if matches(lambda i, a=a, b=b: kv[i][a] / kv[i][b] if kv[i][b] else math.nan):
            return _factor_result(ck, (a,), (b,), df)
    return None


def _factor_result(ck, missing, extra, df: Difference) -> Diagnosis:
    miss = tuple(ck.known[i] for i in missing)
    ext = tuple(ck.known[i] for i in extra)
    fixed = df.claim * sp.Mul(*[f.expr for f in miss]) / sp.Mul(*[f.expr for f in ext])
    confirmed = ck.prove_equal(df.truth, fixed)[0]
    kind = Kind.FACTORS if miss and ext else Kind.MISSING_FACTOR if miss else Kind.EXTRA_FACTOR
    return Diagnosis(kind, missing=miss, extra=ext, confirmed=confirmed)
