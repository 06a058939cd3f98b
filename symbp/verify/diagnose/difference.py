"""What a diagnoser looks at: a claim that is not equal to the truth, with both values."""

from __future__ import annotations

import math
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


def ratio(ck, tv: list[float], values: list[float]) -> float | None:
    """c with values = c * truth at every point, where that holds for a c other than 0: the
    values vanish where the truth does (a ReLU unit off), and agree in ratio elsewhere."""
    scale = max((abs(t) for t in tv if math.isfinite(t)), default=0.0)
    if any(t == 0 and not abs(v) <= 1e-12 * max(scale, 1e-300) for t, v in zip(tv, values)):
        return None
    const = ck._constant([v / t if t != 0 else math.nan for t, v in zip(tv, values)])
    if const is None or abs(const) <= 1e-9:
        return None
    return const
