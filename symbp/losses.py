"""Registry of per-sample costs: each entry builds the cost from outputs a^L_j and targets y_j."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from .errors import SpecError


@dataclass(frozen=True)
class Loss:
    """One registry entry: the cost expression and the identities the derivation may use;
    `matching_output` is the output activation with which the output error is a - y."""

    name: str
    cost: Callable[[list[sp.Expr], list[sp.Expr]], sp.Expr]
    tex: str
    targets_sum_to_one: bool = False
    targets_in_unit_interval: bool = False
    matching_output: str = ""


def _squared_error(a, y):
    return sp.Rational(1, 2) * sp.Add(*[(yj - aj) ** 2 for aj, yj in zip(a, y)])


def _cross_entropy(a, y):
    return -sp.Add(*[yj * sp.log(aj) for aj, yj in zip(a, y)])


def _binary_cross_entropy(a, y):
    return -sp.Add(*[yj * sp.log(aj) + (1 - yj) * sp.log(1 - aj) for aj, yj in zip(a, y)])


REGISTRY: dict[str, Loss] = {
    "squared_error": Loss(
        "squared_error", _squared_error, "squared error", matching_output="identity"
    ),
    "cross_entropy": Loss(
        "cross_entropy",
        _cross_entropy,
        "cross-entropy",
        targets_sum_to_one=True,
        matching_output="softmax",
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        _binary_cross_entropy,
        "binary cross-entropy",
        targets_in_unit_interval=True,
        matching_output="sigmoid",
    ),
}


def get(name: str) -> Loss:
    """Return the registry entry for `name`; raise SpecError naming the known ones."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join(REGISTRY)
        raise SpecError(f"unknown loss {name!r} (known: {known})") from None
