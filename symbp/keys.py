"""Typed pieces of a network: a layer's bias mode and a parameter array's key (`W2`, `b1`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

import sympy as sp

from .errors import SpecError

T = TypeVar("T")
KEY = re.compile(r"([Wb])([1-9][0-9]*)")


class BiasMode(StrEnum):
    """How a layer adds its bias: one per unit, one shared by every unit, or none."""

    PER_UNIT = "per_unit"
    SHARED = "shared"
    NONE = "none"

    @property
    def per_unit(self) -> bool:
        return self is BiasMode.PER_UNIT

    @property
    def shared(self) -> bool:
        return self is BiasMode.SHARED

    @property
    def present(self) -> bool:
        """Whether the layer has a bias parameter at all."""
        return self is not BiasMode.NONE

    def shape(self, units: int) -> tuple[int, ...] | None:
        """The shape of the layer's `b` array, or None when the layer has no bias."""
        return {BiasMode.PER_UNIT: (units,), BiasMode.SHARED: ()}.get(self)

    def count(self, units: int) -> int:
        """How many bias numbers a layer of `units` units has."""
        return {BiasMode.PER_UNIT: units, BiasMode.SHARED: 1, BiasMode.NONE: 0}[self]

    def index(self, j: T) -> tuple[T, ...]:
        """The index of unit j's bias within the `b` array: (j,), or () when shared."""
        return (j,) if self.per_unit else ()

    def symbols(self, own: Callable[[int], T], shared: Callable[[], T], units: int) -> list[T]:
        """The layer's bias symbols: own(j) for j = 1..units, [shared()], or none."""
        if self.per_unit:
            return [own(j) for j in range(1, units + 1)]
        return [shared()] if self.shared else []

    def of_unit(self, biases: Sequence[sp.Expr], j: int) -> sp.Expr:
        """The bias added to unit j (0-based) from the layer's bias symbols: its own, the shared
        one, or 0."""
        if self.per_unit:
            return biases[j]
        return biases[0] if self.shared else sp.Integer(0)

    def gradients(self, deltas: Sequence[sp.Expr]) -> list[sp.Expr]:
        """dC/db for each bias symbol from the units' deltas: delta_j, their sum when shared."""
        if self.per_unit:
            return list(deltas)
        return [sp.Add(*deltas)] if self.shared else []


class ParamKind(StrEnum):
    """What a parameter array holds: a layer's weights or its biases."""

    WEIGHT = "W"
    BIAS = "b"


class ParamKey(str):
    """A parameter array's key, a string such as `W2` that knows its kind and layer."""

    kind: ParamKind
    layer: int

    def __new__(cls, kind: ParamKind | str, layer: int) -> ParamKey:
        kind = ParamKind(kind)
        key = super().__new__(cls, f"{kind}{layer}")
        key.kind, key.layer = kind, layer
        return key

    def __getnewargs__(self) -> tuple[ParamKind, int]:
        return self.kind, self.layer

    @classmethod
    def parse(cls, text: str) -> ParamKey:
        """The key spelled `text` (`W2`, `b1`); raises SpecError for anything else."""
        match = KEY.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise SpecError(f"{text!r} is not a parameter key (W<layer> or b<layer>)")
        return cls(match[1], int(match[2]))

    @classmethod
    def weight(cls, layer: int) -> ParamKey:
        return cls(ParamKind.WEIGHT, layer)

    @classmethod
    def bias(cls, layer: int) -> ParamKey:
        return cls(ParamKind.BIAS, layer)

    @property
    def is_weight(self) -> bool:
        return self.kind is ParamKind.WEIGHT
