"""Names of every quantity, once: the sympy Symbol (named by its claim spelling) and its LaTeX.

Nielsen: a^l_j, z^l_j, w^l_{jk}, b^l_j, delta^l_j, x_k, y_j, C (layer 0 is the input).
Mazur: i1.., net_h1/out_h1, net_o1/out_o1, w1..wN, b1.., delta_o1, target_o1, E (one hidden layer).
The other presets are rows of `PRESETS`: Ng's course (a^{[l]}, W^{[l]}, dz = dJ/dz, J), UFLDL
(the input is layer 1: z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}, f, J) and Deep Learning from Scratch
(rows x.W1 with W1 of shape in x out, so W1_{kj} is w^1_{jk}; a1 = x.W1 + b1 and z1 = h(a1) as in
its code, y the output, t the targets, L).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .errors import SpecError
from .keys import BiasMode


@dataclass(frozen=True)
class Preset:
    """One notation as data. `spell` maps a family (x, y, z, a, delta, w, b, b_shared) to its
    (claim spelling, LaTeX) format, with fields l (layer), j (unit), k (input unit), jk and kj
    (both lower indices); `aliases` are further claim spellings of a family, read but never
    printed. Unit families (x, z, a, delta) add `shift` to the layer; w and b keep ours, which
    UFLDL numbers by the layer a weight leaves (our layer l is its l+1)."""

    name: str
    cost: str
    cost_tex: str
    spell: dict[str, tuple[str, str]]
    shift: int = 0
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cost_aliases: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()  # names written for a layer's activation (f, g)
    d_cost: bool = False  # a name dX is the cost's derivative dJ/dX (Ng's dz, dW, db)
    layer: str = "{l}"  # a layer's number as written: [2], (3)
    whole: dict[str, str] = field(default_factory=dict)  # a family's whole-layer LaTeX, by l
    rows: bool = False  # whole layers as rows (a batch of samples), W of shape in x out (DLfS)
    letters: dict[str, str] = field(default_factory=dict)  # whole-layer letters: DLfS's a is z
    single: dict[str, tuple[str, ...]] = field(default_factory=dict)  # one unit's bare names


_LAYERED = {
    "a": ("a^{l}_{j}",),
    "z": ("z^{l}_{j}",),
    "delta": ("delta^{l}_{j}",),
    "w": ("w^{l}_{jk}",),
    "b": ("b^{l}_{j}",),
    "b_shared": ("b^{l}",),
}
"""The claim reader drops the brackets of a superscript (a^{[2]}, a^{(3)} read as a^2, a^3), so the
bracketed presets list these spellings as aliases."""

PRESETS = {
    "nielsen": Preset(
        "nielsen",
        "C",
        "C",
        {
            "x": ("x_{k}", "x_{{{k}}}"),
            "y": ("y_{j}", "y_{{{j}}}"),
            "z": ("z^{l}_{j}", "z^{{{l}}}_{{{j}}}"),
            "a": ("a^{l}_{j}", "a^{{{l}}}_{{{j}}}"),
            "delta": ("delta^{l}_{j}", r"\delta^{{{l}}}_{{{j}}}"),
            "w": ("w^{l}_{{{jk}}}", "w^{{{l}}}_{{{jk}}}"),
            "b": ("b^{l}_{j}", "b^{{{l}}}_{{{j}}}"),
            "b_shared": ("b^{l}", "b^{{{l}}}"),
        },
        aliases={"x": ("a^{l}_{k}",)},
        whole={
            "a": "a^{{{l}}}",
            "z": "z^{{{l}}}",
            "delta": r"\delta^{{{l}}}",
            "w": "w^{{{l}}}",
            "b": "b^{{{l}}}",
        },
    ),
    "ng": Preset(
        "ng",
        "J",
        "J",
        {
            "x": ("x_{k}", "x_{{{k}}}"),
            "y": ("y_{j}", "y_{{{j}}}"),
            "z": ("z^[{l}]_{j}", "z^{{[{l}]}}_{{{j}}}"),
            "a": ("a^[{l}]_{j}", "a^{{[{l}]}}_{{{j}}}"),
            "delta": ("delta^[{l}]_{j}", "dz^{{[{l}]}}_{{{j}}}"),
            "w": ("W^[{l}]_{{{jk}}}", "W^{{[{l}]}}_{{{jk}}}"),
            "b": ("b^[{l}]_{j}", "b^{{[{l}]}}_{{{j}}}"),
            "b_shared": ("b^[{l}]", "b^{{[{l}]}}"),
        },
        aliases={"x": ("a^{l}_{k}",), **_LAYERED},
        cost_aliases=("L",),
        functions=("g",),
        d_cost=True,
        single={
            "z": ("z",),
            "a": ("a",),
            "y": ("y",),
            "w": ("w_{k}",),
            "b": ("b",),
            "b_shared": ("b",),
        },
        layer="[{l}]",
        whole={
            "a": "A^{{[{l}]}}",
            "z": "Z^{{[{l}]}}",
            "delta": "dZ^{{[{l}]}}",
            "w": "W^{{[{l}]}}",
            "b": "b^{{[{l}]}}",
        },
    ),
    "ufldl": Preset(
        "ufldl",
        "J",
        "J",
        {
            "x": ("x_{k}", "x_{{{k}}}"),
            "y": ("y_{j}", "y_{{{j}}}"),
            "z": ("z^({l})_{j}", "z^{{({l})}}_{{{j}}}"),
            "a": ("a^({l})_{j}", "a^{{({l})}}_{{{j}}}"),
            "delta": ("delta^({l})_{j}", r"\delta^{{({l})}}_{{{j}}}"),
            "w": ("W^({l})_{{{jk}}}", "W^{{({l})}}_{{{jk}}}"),
            "b": ("b^({l})_{j}", "b^{{({l})}}_{{{j}}}"),
            "b_shared": ("b^({l})", "b^{{({l})}}"),
        },
        shift=1,
        aliases={"x": ("a^{l}_{k}",), **_LAYERED},
        functions=("f",),
        whole={
            "a": "a^{{({l})}}",
            "z": "z^{{({l})}}",
            "delta": r"\delta^{{({l})}}",
            "w": "W^{{({l})}}",
            "b": "b^{{({l})}}",
        },
    ),
    "dlfs": Preset(
        "dlfs",
        "L",
        "L",
        {
            "x": ("x_{k}", "x_{{{k}}}"),
            "y": ("t_{j}", "t_{{{j}}}"),
            "z": ("a{l}_{j}", "a^{{({l})}}_{{{j}}}"),
            "a": ("z{l}_{j}", "z^{{({l})}}_{{{j}}}"),
            "output": ("y_{j}", "y_{{{j}}}"),
            "delta": ("delta{l}_{j}", r"\delta^{{({l})}}_{{{j}}}"),
            "w": ("W{l}_{{{kj}}}", "W^{{({l})}}_{{{kj}}}"),
            "b": ("b{l}_{j}", "b^{{({l})}}_{{{j}}}"),
            "b_shared": ("b{l}", "b^{{({l})}}"),
        },
        aliases={
            "z": ("a^{l}_{j}",),
            "a": ("z^{l}_{j}",),
            "output": ("z^{l}_{j}",),
            "delta": ("delta^{l}_{j}",),
            "w": ("w^{l}_{kj}",),
            "b": ("b^{l}_{j}",),
            "b_shared": ("b^{l}",),
        },
        rows=True,
        functions=("h",),
        letters={"a": "z", "z": "a", "A": "z", "Z": "a"},
        whole={
            "output": "y",
            "y": "t",
            "a": "z^{{({l})}}",
            "z": "a^{{({l})}}",
            "delta": r"\delta^{{({l})}}",
            "w": "W^{{({l})}}",
            "b": "b^{{({l})}}",
        },
    ),
}
KNOWN = (*PRESETS, "mazur")


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
    _aliases: dict[str, sp.Symbol] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KNOWN:
            raise SpecError(f"unknown notation {self.kind!r} (known: {', '.join(KNOWN)})")
        if self.kind == "mazur" and len(self.sizes) != 3:
            raise SpecError(
                f"mazur notation needs exactly one hidden layer (2 entries in layers), "
                f'got {len(self.sizes) - 1}; use notation = "nielsen"'
            )

    @property
    def preset(self) -> Preset | None:
        """The table of a tabled notation; None for Mazur's (unit names, running numbers)."""
        return PRESETS.get(self.kind)

    def _sym(self, name: str, tex: str) -> sp.Symbol:
        if name not in self._cache:
            s = sp.Symbol(name, real=True)
            self._cache[name] = s
            self.tex[s] = tex
        return self._cache[name]

    def _spelled(self, family: str, l: int = 0, j: int = 0, k: int = 0) -> sp.Symbol:
        p = self.preset
        if family in ("x", "z", "a", "delta"):
            l += p.shift
        fields = {"l": l, "j": j, "k": k, "jk": _pair(j, k), "kj": _pair(k, j)}
        name, tex = (f.format(**fields) for f in p.spell[family])
        s = self._sym(name, tex)
        aliases = p.aliases.get(family, ())
        if self.sizes[1:] == (1,):  # logistic regression: z, a, w_1, b (Ng's dz, dw_1, db)
            aliases = (*aliases, *p.single.get(family, ()))
        for alias in aliases:
            self._aliases.setdefault(alias.format(**fields), s)
        return s

    @property
    def mazur(self) -> bool:
        return self.kind == "mazur"

    def unit(self, l: int, j: int) -> str:
        """Mazur's unit name: i1, h1, o1."""
        return f"{'iho'[l]}{j}"

    def cost(self) -> sp.Symbol:
        if self.mazur:
            return self._sym("E", r"E_{\mathrm{total}}")
        p = self.preset
        s = self._sym(p.cost, p.cost_tex)
        for alias in p.cost_aliases:
            self._aliases.setdefault(alias, s)
        return s

    def cost_term(self, j: int) -> sp.Symbol:
        """The cost's term of output j: Mazur's E_o1, or C_1."""
        if self.mazur:
            return self._sym(f"E_o{j}", rf"E_{{o{j}}}")
        return self._sym(f"C_{j}", f"C_{{{j}}}")

    def x(self, k: int) -> sp.Symbol:
        if self.mazur:
            return self._sym(f"i{k}", f"i_{{{k}}}")
        return self._spelled("x", 0, k=k)

    def y(self, j: int) -> sp.Symbol:
        if self.mazur:
            return self._sym(f"target_o{j}", rf"\mathrm{{target}}_{{o{j}}}")
        return self._spelled("y", j=j)

    def z(self, l: int, j: int) -> sp.Symbol:
        if self.mazur:
            u = self.unit(l, j)
            return self._sym(f"net_{u}", rf"\mathrm{{net}}_{{{u}}}")
        return self._spelled("z", l, j)

    def a(self, l: int, j: int) -> sp.Symbol:
        if l == 0:
            return self.x(j)
        if self.mazur:
            u = self.unit(l, j)
            return self._sym(f"out_{u}", rf"\mathrm{{out}}_{{{u}}}")
        if l == len(self.sizes) - 1 and "output" in self.preset.spell:
            return self._spelled("output", l, j)
        return self._spelled("a", l, j)

    def delta(self, l: int, j: int) -> sp.Symbol:
        if self.mazur:
            u = self.unit(l, j)
            return self._sym(f"delta_{u}", rf"\delta_{{{u}}}")
        return self._spelled("delta", l, j)

    def w(self, l: int, j: int, k: int) -> sp.Symbol:
        if self.mazur:
            n = sum(self.sizes[i] * self.sizes[i - 1] for i in range(1, l))
            n += (j - 1) * self.sizes[l - 1] + k
            return self._sym(f"w{n}", f"w_{{{n}}}")
        return self._spelled("w", l, j, k)

    def b(self, l: int, j: int | None) -> sp.Symbol:
        """The bias of unit j of layer l, or the layer's shared bias when j is None."""
        if self.mazur:
            n = 0
            for i in range(1, l):
                n += self.biases[i - 1].count(self.sizes[i])
            n += 1 if j is None else j
            return self._sym(f"b{n}", f"b_{{{n}}}")
        if j is None:
            return self._spelled("b_shared", l)
        return self._spelled("b", l, j)

    def names(self) -> dict[str, sp.Symbol]:
        """Every symbol made so far, by its claim spelling, then the aliases a claim may use."""
        return {**self._cache, **{k: v for k, v in self._aliases.items() if k not in self._cache}}

    @property
    def functions(self) -> tuple[str, ...]:
        """Names this notation writes for a layer's activation, as sigma is (f, g, h)."""
        return () if self.mazur else self.preset.functions

    def layer(self, l: int) -> str:
        """Our layer l as this notation writes it: 2, [2], (3); Mazur's unit letter i, h, o."""
        if self.mazur:
            return "iho"[l]
        return self.preset.layer.format(l=l + self.preset.shift)

    @property
    def d_cost(self) -> bool:
        """Whether a name written dX is the cost's derivative (Ng's dz, dW, db)."""
        return not self.mazur and self.preset.d_cost
