"""What a diagnoser looks at: a claim that is not equal to the truth, with both values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp


@dataclass
class Difference:
    """A claim that is not equal to the truth: both expressions and their values per point."""

    truth: sp.Expr
    claim: sp.Expr
    tv: list[float]
    cv: list[float]
    rewrites: Iterable = ()  # (written, meant, column, claim', right for every case); column
    # None: the letters written and meant exchanged throughout the claim


def matches(ck, df: Difference, expr: sp.Expr) -> bool:
    """`expr` has the truth's value at every check point."""
    return all(ck._close(t, v) for t, v in zip(df.tv, ck._values(expr)))
