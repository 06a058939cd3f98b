"""Names as written -> Symbols: indices (bound letters, labels such as o1), the lookup of a name
with its scripts in the table of allowed names, \\hat y, and bounded powers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import sympy as sp

from .. import activations
from ..errors import ClaimError
from .limits import MAX_DIGITS, MAX_EXPONENT, MAX_TOWER
from .nodes import Node

_BOUNDED = (activations.Sigmoid, activations.Tanh, sp.Heaviside, sp.tanh)
_COST_ALIASES = ("loss", "Loss", "J", "E_total", "Etotal")
_INDEX_RE = re.compile(r"[A-Za-z]|[0-9]")
_ENTRIES = "claims here name one entry at a time (a unit, a weight)"


def tower(expr: sp.Expr) -> int:
    """Height of the tallest tower of symbolic exponents: e^x is 1, x^x 2, e^{e^{e^x}} 3; a bounded
    function (sigma, tanh, H) starts afresh: exp(tanh(exp(x))) is 1."""
    if isinstance(expr, _BOUNDED):
        return 0
    if isinstance(expr, sp.exp):
        return 1 + tower(expr.args[0])
    if isinstance(expr, sp.Pow) and expr.exp.free_symbols:
        return max(tower(expr.base), (1 if expr.base.free_symbols else 0) + 1 + tower(expr.exp))
    return max((tower(a) for a in expr.args), default=0)


class OutOfRange(ClaimError):
    """A known family of symbols (a^l_j, w5, ...) asked for at an index the network lacks.

    `spelled` is the name with its indices' values (`w^2_21`); `layer` is True when the layer
    itself does not exist (`w^3` in a two-layer network), False when only the unit does not."""

    def __init__(self, message: str, spelled: str = "", layer: bool = False, **kw):
        super().__init__(message, **kw)
        self.spelled = spelled
        self.layer = layer


class Names:
    """Reader's half for names: indices, a name's Symbol, hats and powers (a mixin of Reader)."""

    names: dict[str, sp.Symbol]
    last: int | None
    cost: sp.Symbol | None
    d_cost: bool

    # ---- indices -------------------------------------------------------------------------
    def _index(self, node: Node, env: Mapping[str, int]):
        """An index: an int, a label such as "o1", or a tuple (j, k); raises ClaimError."""
        op = node.op
        if op == "number":
            if node.value.is_Integer:
                return int(node.value)
            raise ClaimError("an index must be a whole number", column=node.column)
        if op in ("token", "name"):
            return self._index_text(str(node.value), env, node.column)
        if op in ("add", "sub"):
            a, b = (self._index(x, env) for x in node.args)
            if isinstance(a, int) and isinstance(b, int):
                return a + b if op == "add" else a - b
        if op == "neg":
            a = self._index(node.args[0], env)
            if isinstance(a, int):
                return -a
        if op in ("jux", "tuple"):
            parts = []
            for x in node.args:
                v = self._index(x, env)
                parts.extend(v if isinstance(v, tuple) else (v,))
            if all(isinstance(p, int) for p in parts):
                return tuple(parts)
        raise ClaimError("not an index", column=node.column)

    def _index_text(self, text: str, env: Mapping[str, int], column):
        if text.isdigit():
            return int(text)
        if text in env:
            return env[text]
        if text == "L" and self.last is not None:
            return self.last
        chars = _INDEX_RE.findall(text)
        if len(chars) > 1 and all(c.isdigit() or c in env for c in chars):
            return tuple(int(c) if c.isdigit() else env[c] for c in chars)
        if len(text) == 1:
            raise ClaimError(f"index {text!r} is not bound by a sum", column=column)
        return text

    @staticmethod
    def _spell_lower(v) -> list[str]:
        if isinstance(v, tuple):
            if len(v) == 1:
                return Names._spell_lower(v[0])
            joined = "".join(map(str, v))
            return [f"{{{joined}}}", f"{{{','.join(map(str, v))}}}", joined]
        return [str(v), f"{{{v}}}"]

    def _lookup(self, base: str, lower, upper, column) -> sp.Symbol | None:
        """The Symbol spelled by base with these indices, or None."""
        if base == "W" and lower is not None:  # an entry of the matrix W^l is w^l_{jk}
            base = "w"
        cands = []
        lowers = self._spell_lower(lower) if lower is not None else [None]
        for lo in lowers:
            if upper is not None and lo is not None:
                cands.append(f"{base}^{upper}_{lo}")
            elif upper is not None:
                cands.append(f"{base}^{upper}")
            elif lo is not None:
                cands += [f"{base}_{lo}", f"{base}{lo.strip('{}')}"]
            else:
                cands.append(base)
        for c in cands:
            if c in self.names:
                return self.names[c]
        if self.cost is not None and upper is None:
            spelled = base + ("" if lower is None else f"_{lower}")
            if spelled in _COST_ALIASES or (base == self.cost.name and lower == "total"):
                return self.cost
        return None

    def _name(self, node: Node, env) -> Node:
        scripts = []
        base = node
        if node.op == "scripted":
            base, *scripts = node.args
        lowers = [s.args[0] for s in scripts if s.op == "lower"]
        uppers = [s.args[0] for s in scripts if s.op == "upper"]
        if len(lowers) > 1:
            raise ClaimError("two subscripts on one name", column=scripts[-1].column)
        if base.op == "hat":
            return self._powers(self._hat(base, lowers, env), uppers, env)
        if base.op != "name":
            if lowers:
                raise ClaimError("a subscript needs a name", column=node.column)
            return self._powers(self._resolve(base, env), uppers, env)
        text = base.value
        lower = self._index(lowers[0], env) if lowers else None
        if uppers:
            try:
                upper = self._index(uppers[0], env)
            except ClaimError:
                upper = None
            if upper is not None and not isinstance(upper, tuple):
                sym = self._lookup(text, lower, upper, base.column)
                if sym is not None:
                    leaf = self._make("symbol", (), sym, base.column, sym)
                    return self._powers(leaf, uppers[1:], env)
        sym = self._lookup(text, lower, None, base.column)
        if sym is None:
            x = self._cost_derivative(node, env)
            if x is not None:
                return self._quantity_node(self.cost, x, base.column)
            if text == "e" and lower is None:
                leaf = self._make("constant", (), sp.E, base.column, sp.E)
                return self._powers(leaf, uppers, env)
            self._unknown(text, lower, uppers, env, base.column)
        leaf = self._make("symbol", (), sym, base.column, sym)
        return self._powers(leaf, uppers, env)

    def _family(self, stem: str, any_case: bool = False) -> list[str]:
        """The names spelled with this stem (a, W, out), in either case when `any_case`."""
        fold = str.lower if any_case else str
        return [
            n for n in self.names if fold(re.split(r"[\^_0-9{]", n, maxsplit=1)[0]) == fold(stem)
        ]

    def _cost_derivative(self, node: Node, env) -> sp.Symbol | None:
        """X of a name written dX when the notation makes dX the cost's derivative (Ng's dz,
        dW, db), else None."""
        base = node.args[0] if node.op == "scripted" else node
        if not self.d_cost or base.op != "name" or not base.value.startswith("d"):
            return None
        if len(base.value) < 2 or self.cost is None:
            return None
        stripped = Node("name", (), base.value[1:], base.column)
        if node.op == "scripted":
            stripped = Node("scripted", (stripped, *node.args[1:]), None, node.column)
        x = self._symbol_of(stripped, env)
        return None if x == self.cost else x

    def _unknown(self, text, lower, uppers, env, column):
        spelled, upper = text, None
        if uppers:
            try:
                upper = self._index(uppers[0], env)
                spelled += f"^{upper}"
            except ClaimError:
                pass
        if isinstance(lower, tuple):
            spelled += "_{" + "".join(map(str, lower)) + "}"
        elif lower is not None:
            spelled += f"_{lower}"
        letters = re.match(r"[A-Za-z]+", text)
        stem = letters.group(0) if letters else text
        numbered = stem != text and text[len(stem) :].isdigit()
        family = self._family(stem)
        if family and (lower is not None or uppers or numbered):
            shown = ", ".join(family[:8]) + (", ..." if len(family) > 8 else "")
            layer = upper is not None and not any(n.startswith(f"{stem}^{upper}") for n in family)
            what = f"no symbol {spelled!r} in this network (it has {shown})"
            if lower is None and not numbered:
                what = f"{spelled!r} is a whole layer; {_ENTRIES} (this network has {shown})"
            raise OutOfRange(what, spelled, layer, column=column)
        entries = self._family(stem[1:] if self.d_cost and stem[:1] == "d" else stem, True)
        if lower is None and entries:
            raise ClaimError(
                f"{spelled!r} is a whole layer's vector or matrix; {_ENTRIES}, e.g. {entries[0]}",
                column=column,
            )
        known = ", ".join(list(self.names)[:12]) + (", ..." if len(self.names) > 12 else "")
        raise ClaimError(f"unknown name {spelled!r} (known: {known})", column=column)

    def _hat(self, node: Node, lowers, env) -> Node:
        inner = node.args[0]
        ib, ilow = inner, []
        if inner.op == "scripted":
            ib, *rest = inner.args
            ilow = [s.args[0] for s in rest if s.op == "lower"]
        if ib.op != "name" or ib.value != "y" or len(ilow) + len(lowers) > 1:
            raise ClaimError(
                "\\hat is only understood on y (the network's output)", column=node.column
            )
        idx = ilow or lowers
        j = self._index(idx[0], env) if idx else 1
        sym = self.names.get(f"a^{self.last}_{j}") or self.names.get(f"out_o{j}")
        if sym is None:
            raise OutOfRange(
                f"no output unit {j} in this network", f"hat y_{j}", column=node.column
            )
        return self._make("symbol", (), sym, node.column, sym)

    def _powers(self, base: Node, uppers: list[Node], env) -> Node:
        """base^u1^u2^...: right-associative, each numeric exponent bounded."""
        if not uppers:
            return base
        exps = [
            self._resolve(u.args[0] if u.op == "tuple" and len(u.args) == 1 else u, env)
            for u in uppers
        ]
        out = exps[-1]
        for b in [base, *exps[:-1]][::-1]:
            out = self._pow(b, out)
        return out

    def _pow(self, b: Node, e: Node) -> Node:
        ev, bv = e.expr, b.expr
        if ev.is_Number:
            if abs(ev) > MAX_EXPONENT:
                raise ClaimError(f"exponent larger than {MAX_EXPONENT}", column=e.column)
            if bv.is_Rational and bv != 0:
                size = max(abs(bv.p), abs(bv.q))
                if float(abs(ev)) * math.log10(size) > MAX_DIGITS:
                    raise ClaimError(f"number with more than {MAX_DIGITS} digits", column=e.column)
        elif bv.is_Number and not ev.free_symbols:
            raise ClaimError("exponent must be a number or contain symbols", column=e.column)
        out = bv**ev
        for p in out.atoms(sp.Pow):
            if p.exp.is_Number and abs(p.exp) > MAX_EXPONENT**2:
                raise ClaimError(f"power {p.exp} beyond ±{MAX_EXPONENT**2}", column=e.column)
        if tower(out) > MAX_TOWER:
            raise ClaimError(f"exponent tower higher than {MAX_TOWER} levels", column=e.column)
        return self._make("pow", (b, e), None, b.column, out)
