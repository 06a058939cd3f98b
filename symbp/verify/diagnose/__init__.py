"""Why a claim differs from the truth: an ordered list of diagnosers, each a small function that
names one kind of mistake from the numbers at the check points, or returns None.

The first diagnoser that explains the difference wins; `confirmed` says whether the explanation
was proved symbolically.
"""

from __future__ import annotations

from collections.abc import Callable

from ..verdict import Diagnosis, Kind
from .difference import Difference
from .habits import (
    a_minus_y,
    function_of_activation,
    jacobian_diagonal,
    layer_input,
    pre_activation,
    sum_term,
    wrong_derivative,
)
from .indices import exchanged_units, two_indices, unit_or_layer, written_index
from .numbers import constant, factor, zero

__all__ = ["DIAGNOSERS", "Difference", "diagnose"]

DIAGNOSERS: tuple[Callable, ...] = (
    zero,
    constant,
    function_of_activation,
    pre_activation,
    layer_input,
    unit_or_layer,
    written_index,
    wrong_derivative,
    jacobian_diagonal,
    factor,
    a_minus_y,
    sum_term,
    two_indices,
    exchanged_units,
)


def diagnose(ck, df: Difference) -> Diagnosis:
    """The first diagnosis of DIAGNOSERS that explains the difference, else not_equal."""
    for diagnoser in DIAGNOSERS:
        found = diagnoser(ck, df)
        if found is not None:
            return found
    return Diagnosis(Kind.NOT_EQUAL)
