"""Written derivatives: dX/dY, \\frac{\\partial X}{\\partial Y} and ∂X/∂Y inside a product chain."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from ..errors import ClaimError
from .nodes import Node


class Derivatives:
    """Reader's half for derivatives (a mixin of Reader): finds dX/dY in products and fractions."""

    def _differential(self, node: Node, env) -> sp.Symbol | None:
        """The symbol X of a written dX or ∂X, else None."""
        if node.op == "jux" and node.args[0].op == "partial":
            return self._marked(node.args[1], env)
        if node.op == "jux" and node.args[0].op == "name" and node.args[0].value == "d":
            return self._symbol_of(node.args[1], env)
        base = node.args[0] if node.op == "scripted" else node
        if base.op != "name" or not base.value.startswith("d") or len(base.value) < 2:
            return None
        if self._symbol_of(node, env) is not None:
            return None
        stripped = Node("name", (), base.value[1:], base.column)
        if node.op == "scripted":
            stripped = Node("scripted", (stripped, *node.args[1:]), None, node.column)
        return self._symbol_of(stripped, env)

    def _explain_differential(self, node: Node, env) -> None:
        """Raise the precise error for a written dX whose X is not a symbol of the network."""
        if node.op == "jux" and self._is_mark(node.args[0]):
            self._marked(node.args[1], env)
            return
        base = node.args[0] if node.op == "scripted" else node
        if base.op == "name" and base.value.startswith("d") and len(base.value) > 1:
            if self._symbol_of(node, env) is None:
                stripped = Node("name", (), base.value[1:], base.column)
                if node.op == "scripted":
                    stripped = Node("scripted", (stripped, *node.args[1:]), None, node.column)
                self._name(stripped, env)

    def _marked(self, node: Node, env) -> sp.Symbol:
        """The symbol after a written ∂; raises ClaimError (unknown or out of range) otherwise."""
        if node.op in ("name", "scripted", "hat"):
            saved = self.nodes
            resolved = self._name(node, env)
            self.nodes = saved
            if resolved.op == "symbol":
                return resolved.value
        raise ClaimError("∂ must be followed by one symbol", column=node.column)

    def _symbol_of(self, node: Node, env) -> sp.Symbol | None:
        if node.op not in ("name", "scripted", "hat"):
            return None
        saved = self.nodes
        try:
            r = self._name(node, env)
        except ClaimError:
            return None
        finally:
            self.nodes = saved
        return r.value if r.op == "symbol" else None

    @staticmethod
    def _flatten(node: Node) -> list:
        """A left-associated product chain as [(None, f0), (op1, f1), ...]."""
        items: list[tuple[str | None, Node, int | None]] = []
        while node.op in ("mul", "jux", "div"):
            items.append((node.op, node.args[1], node.column))
            node = node.args[0]
        items.append((None, node, node.column))
        return items[::-1]

    def _derivative_at(self, items, i: int, env):
        """(num, den, width) when a written derivative dX/dY or ∂X/∂Y starts at items[i]."""
        ops = [it[0] for it in items[i : i + 4]]
        nodes = [it[1] for it in items[i : i + 4]]
        if len(nodes) == 4 and ops[1:] == ["jux", "div", "jux"]:
            marks = [self._is_mark(nodes[0]), self._is_mark(nodes[2])]
            if all(marks):
                return self._marked(nodes[1], env), self._marked(nodes[3], env), 4
        if len(nodes) >= 2 and ops[1] == "div":
            num = self._differential(nodes[0], env)
            den = self._differential(nodes[1], env) if num is not None else None
            if num is not None and den is not None:
                return num, den, 2
        return None

    @staticmethod
    def _is_mark(node: Node) -> bool:
        return node.op == "partial" or (node.op == "name" and node.value == "d")

    def _chain(self, node: Node, env) -> Node:
        items = self._flatten(node)
        out: Node | None = None
        i = 0
        while i < len(items):
            op, _, column = items[i]
            found = self._derivative_at(items, i, env)
            if found is not None:
                num, den, width = found
                right = self._quantity_node(num, den, items[i][1].column)
                i += width
            else:
                right = self._resolve(items[i][1], env)
                i += 1
            if out is None:
                out = right
            elif op == "div":
                out = self._make("div", (out, right), None, column, out.expr / right.expr)
            else:
                expr = out.expr * right.expr
                out = self._make("mul", (out, right), None, column, expr, op == "jux")
        return out

    def _quantity_node(self, num, den, column) -> Node:
        if self.quantities is None:
            raise ClaimError("derivatives are not allowed in this expression", column=column)
        return self._make("quantity", (), (num, den), column, self.quantities(num, den))

    def _quantity(self, node: Node, env) -> Node | None:
        num_node, den_node = node.args
        num = self._differential(num_node, env)
        den = self._differential(den_node, env) if num is not None else None
        if num is None or den is None:
            return None
        return self._quantity_node(num, den, node.column)

    def quantity(self, node: Node, env: Mapping[str, int] | None = None):
        """(num, den) Symbols of a written derivative, or (symbol, None) for a lone symbol."""
        env = dict(self.indices if env is None else env)
        if node.op == "frac":
            num = self._differential(node.args[0], env)
            den = self._differential(node.args[1], env) if num is not None else None
            if num is not None and den is not None:
                return num, den
        if node.op in ("div", "jux", "mul"):
            items = self._flatten(node)
            found = self._derivative_at(items, 0, env)
            if found is not None and found[2] == len(items):
                return found[0], found[1]
        sym = self._symbol_of(node, env)
        if sym is not None:
            return sym, None
        x = self._cost_derivative(node, env)
        if x is not None:
            return self.cost, x
        if node.op in ("div", "frac"):
            for side in node.args:
                self._explain_differential(side, env)
        if node.op in ("name", "scripted"):
            self._name(node, env)  # raises the precise unknown-name error
        raise ClaimError(
            "not a quantity: write dC/dw^2_{12}, dE/dw5, delta^2_1 ...", column=node.column
        )
