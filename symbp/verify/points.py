"""Check points: random, non-symmetric examples run through the derivation, and the numbers of an
expression at each of them."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp

from ..derive import Derivation
from ..errors import ClaimError
from ..network import Example

POINTS = 4
MAX_DRAWS = 64  # extra examples drawn, at most, to see each kink from both sides
RTOL = 1e-8


def random_example(d: Derivation, rng: np.random.Generator) -> Example:
    """Parameters and one sample drawn at random, rounded to 2 decimals, never 0 or symmetric."""

    def draw(shape):
        v = np.round(rng.uniform(-1, 1, size=shape), 2)
        return np.where(v == 0, 0.37, v)

    params = {k: draw(s) for k, s in d.net.parameter_shapes().items()}
    x = tuple(float(v) for v in draw(d.net.inputs))
    n = d.net.sizes[-1]
    if d.loss.targets_sum_to_one:
        y = np.round(rng.dirichlet(np.ones(n)), 2)
        y[-1] = 1 - y[:-1].sum()
    else:
        y = np.round(rng.uniform(0.01, 0.99, size=n), 2)
    return Example(x=(x,), y=(tuple(float(v) for v in y),), params=params)


class Points:
    """The check points of a Checker (a mixin): `values[i]` maps each symbol to its number."""

    d: Derivation
    cost: sp.Symbol
    values: list[dict[sp.Symbol, float]]

    def _check_points(self, rng: np.random.Generator, points: int) -> list[Example]:
        """`points` random examples, and more (up to MAX_DRAWS) until every unit whose
        derivative has a kink (ReLU, leaky ReLU) is seen on both sides of 0; fills `values`."""
        examples = [random_example(self.d, rng) for _ in range(points)]
        self.values = [self._point_values(ex) for ex in examples]
        kinks = [
            z
            for lf, lb in zip(self.d.layers, self.d.backward)
            for j, z in enumerate(lf.z)
            if lb.jacobian[j, j].has(sp.Heaviside)
        ]
        need = {(z, side) for z in kinks for side in (True, False)} if points else set()
        need -= {(z, v[z] > 0) for v in self.values for z in kinks if v[z] != 0}
        for _ in range(MAX_DRAWS):
            if not need:
                break
            ex = random_example(self.d, rng)
            vals = self._point_values(ex)
            seen = {(z, vals[z] > 0) for z in kinks if vals[z] != 0} & need
            if seen:
                examples.append(ex)
                self.values.append(vals)
                need -= seen
        return examples

    def _point_values(self, ex: Example) -> dict[sp.Symbol, float]:
        worked = self.d.evaluate(ex)
        vals = {s: float(np.asarray(v).reshape(-1)[0]) for s, v in worked.values.items()}
        vals[self.cost] = float(worked.loss)
        return vals

    def _eval(self, expr: sp.Expr, i: int) -> float:
        vals = self.values[i]
        missing = [s for s in expr.free_symbols if s not in vals]
        if missing:
            raise ClaimError(f"no value for {missing[0]} in this network")
        try:
            e = expr.xreplace({s: sp.Float(vals[s], 30) for s in expr.free_symbols})
            v = complex(sp.N(e, 20))
        except (TypeError, ValueError, OverflowError):
            return math.nan
        return v.real if abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) else math.nan

    def _values(self, expr: sp.Expr) -> list[float]:
        return [self._eval(expr, i) for i in range(len(self.values))]

    @staticmethod
    def _close(a: float, b: float) -> bool:
        return (
            math.isfinite(a) and math.isfinite(b) and abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-3)
        )

    @staticmethod
    def _constant(ratios: list[float]) -> float | None:
        usable = [r for r in ratios if math.isfinite(r)]
        if len(usable) < 2:
            return None
        if all(abs(r - usable[0]) <= 1e-7 * max(1.0, abs(usable[0])) for r in usable):
            return usable[0]
        return None

    def _shown_values(self, i: int) -> dict[str, float]:
        shown = [*self.d.inputs, *self.d.targets, *self.d.params]
        return {s.name: self.values[i][s] for s in shown}


def nice(value: float):
    """A float as a small fraction when it is one (1/2, -2, 1/3), else the float."""
    f = Fraction(value).limit_denominator(64)
    if abs(float(f) - value) <= 1e-9 * max(1.0, abs(value)):
        return sp.Rational(f.numerator, f.denominator)
    return value
