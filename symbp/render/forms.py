"""Forms the documents show that sympy has no class for, each printed by the printer's method of
the same name (_print_Updated, ...)."""

from __future__ import annotations

import sympy as sp


class Updated(sp.Function):
    """A parameter after one gradient step, printed with a superscript plus (Mazur's w5+)."""

    nargs = 1


class Sample(sp.Function):
    """A per-sample quantity at sample i of a batch, printed with a superscript (i)."""

    nargs = 2


class BatchMean(sp.Function):
    """BatchMean(body, i, m): (1/m) sum_{i=1}^m body, the mean of a per-sample quantity."""

    nargs = 3
