"""Names of every quantity, once: the sympy Symbol (named by its claim spelling) and its LaTeX.

Nielsen: a^l_j, z^l_j, w^l_{jk}, b^l_j, delta^l_j, x_k, y_j, C (layer 0 is the input).
Mazur: i1.., net_h1/out_h1, net_o1/out_o1, w1..wN, b1.., delta_o1, target_o1, E (one hidden layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .errors import SpecError
from .keys import BiasMode

KNOWN = ("nielsen", "mazur")


def _pair(j: int, k: int) -> str:
    return f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}"


@dataclass
class Notation:
    """Builds the symbols of one network; `tex` maps each symbol made to its LaTeX."""

    kind: str
    sizes: tuple[int, ...]
    biases: tuple[BiasMode, ...]
    tex: dict[sp.Symbol, str] = field(default_factory=dict)
    _cache: dict[str, sp.Symbol] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KNOWN:
            raise SpecError(f"unknown notation {self.kind!r} (known: {', '.join(KNOWN)})")
        if self.kind == "mazur" and len(self.sizes) != 3:
            raise SpecError(
                f"mazur notation needs exactly one hidden layer (2 entries in layers), "
                f'got {len(self.sizes) - 1}; use notation = "nielsen"'
            )

    def _sym(self, name: str, tex: str) -> sp.Symbol:
        if name not in self._cache:
            s = sp.Symbol(name, real=True)
            self._cache[name] = s
            self.tex[s] = tex
        return self._cache[name]

    @property
    def mazur(self) -> bool:
        return self.kind == "mazur"

    def unit(self, l: int, j: int) -> str:
        """Mazur's unit name: i1, h1, o1."""
        return f"{'iho'[l]}{j}"

    def cost(self) -> sp.Symbol:
        return self._sym("E", r"E_{\mathrm{total}}") if self.mazur else self._sym("C", "C")

    def cost_term(self, j: int) -> sp.Symbol:
        """The cost's term of output j: Mazur's E_o1, or C_1."""
        if self.mazur:
            return self._sym(f"E_o{j}", rf"E_{{o{j}}}")
        return self._sym(f"C_{j}", f"C_{{{j}}}")

    def x(self, k: int) -> sp.Symbol:
        return self._sym(f"i{k}", f"i_{{{k}}}") if self.mazur else self._sym(f"x_{k}", f"x_{{{k}}}")

    def y(self, j: int) -> sp.Symbol:
        if self.mazur:
            return self._sym(f"target_o{j}", rf"\mathrm{{target}}_{{o{j}}}")
        return self._sym(f"y_{j}", f"y_{{{j}}}")

    def z(self, l: int, j: int) -> sp.Symbol:
        if self.mazur:
            u = self.unit(l, j)
            return self._sym(f"net_{u}", rf"\mathrm{{net}}_{{{u}}}")
        return self._sym(f"z^{l}_{j}", f"z^{{{l}}}_{{{j}}}")

    def a(self, l: int, j: int) -> sp.Symbol:
        if l == 0:
            return self.x(j)
        if self.mazur:
            u = self.unit(l, j)
            return self._sym(f"out_{u}", rf"\mathrm{{out}}_{{{u}}}")
        return self._sym(f"a^{l}_{j}", f"a^{{{l}}}_{{{j}}}")

    def delta(self, l: int, j: int) -> sp.Symbol:
        if self.mazur:
            u = self.unit(l, j)
            return self._sym(f"delta_{u}", rf"\delta_{{{u}}}")
        return self._sym(f"delta^{l}_{j}", rf"\delta^{{{l}}}_{{{j}}}")

    def w(self, l: int, j: int, k: int) -> sp.Symbol:
        if self.mazur:
            n = sum(self.sizes[i] * self.sizes[i - 1] for i in range(1, l))
            n += (j - 1) * self.sizes[l - 1] + k
            return self._sym(f"w{n}", f"w_{{{n}}}")
        return self._sym(f"w^{l}_{{{_pair(j, k)}}}", f"w^{{{l}}}_{{{_pair(j, k)}}}")

    def b(self, l: int, j: int | None) -> sp.Symbol:
        """The bias of unit j of layer l, or the layer's shared bias when j is None."""
        if self.mazur:
            n = 0
            for i in range(1, l):
                n += self.biases[i - 1].count(self.sizes[i])
            n += 1 if j is None else j
            return self._sym(f"b{n}", f"b_{{{n}}}")
        if j is None:
            return self._sym(f"b^{l}", f"b^{{{l}}}")
        return self._sym(f"b^{l}_{j}", f"b^{{{l}}}_{{{j}}}")

    def names(self) -> dict[str, sp.Symbol]:
        """Every symbol made so far, by its claim spelling."""
        return dict(self._cache)
