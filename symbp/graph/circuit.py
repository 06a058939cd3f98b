"""An expression's computational graph: parsed by the claim parser, built node by node from the
parse tree (the operations as written), run forward, then backward."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..errors import ClaimError
from ..parse import Node as ParseNode
from ..parse import function_table, parse_nodes
from ..parse.functions import reserved
from .backward import backward
from .nodes import Node, constant, decimal, gate, leaf, settle

NAME = r"[A-Za-z][A-Za-z0-9]*(?:_(?:[A-Za-z0-9]+|\{[A-Za-z0-9]+\}))?"
VALUE = r"[-+]?(?:[0-9]+/[0-9]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
_NAME = re.compile(rf"\s*({NAME})\s*=\s*")
_VALUE = re.compile(rf"({VALUE})\s*(,|$)")
MAX_INPUT_DIGITS = 40


def parse_at(text: str) -> dict[str, sp.Rational]:
    """`apple=100,n=2,tax=1.1` -> {name: exact Rational}; raises ClaimError with the column."""
    values: dict[str, sp.Rational] = {}
    pos = 0
    while pos < len(text) or not values:
        m = _NAME.match(text, pos)
        if m is None:
            what = "no name=value given" if not text.strip() else "expected name=value"
            raise _at_error(what, text, pos + len(text[pos:]) - len(text[pos:].lstrip()))
        name, start = m.group(1), m.start(1)
        v = _VALUE.match(text, m.end())
        if v is None:
            expected = f"{name}: expected a number (2, -1.5, 1e-3, 1/3), then a comma or the end"
            raise _at_error(expected, text, m.end())
        value = v.group(1)
        if name in reserved():
            raise _at_error(f"{name!r} is a function name", text, start)
        if name in values:
            raise _at_error(f"{name!r} is given twice", text, start)
        if sum(c.isdigit() for c in value) > MAX_INPUT_DIGITS:
            raise _at_error(f"{name}: more than {MAX_INPUT_DIGITS} digits", text, m.end())
        exponent = value.lower().partition("e")[2]
        if exponent and abs(int(exponent)) > 300:
            raise _at_error(f"{name}: exponent out of range", text, m.end())
        if re.fullmatch(r"[-+]?[0-9]+/0+", value):
            raise _at_error(f"{name}: division by zero", text, m.end())
        f = Fraction(value.lstrip("+"))
        values[name] = sp.Rational(f.numerator, f.denominator)
        pos = v.end()
        if v.group(2) == "," and not text[pos:].strip():
            raise _at_error("a name=value is missing after the comma", text, len(text))
    return values


def _at_error(message: str, text: str, pos: int) -> ClaimError:
    """An error at 0-based `pos` of the name=value text; the caller names its source."""
    return ClaimError(message, text, pos + 1, f"{text}\n{' ' * pos}^")


@dataclass
class Graph:
    """The graph of one expression at given input values, after forward and backward."""

    text: str
    root: Node
    nodes: list[Node]
    inputs: dict[str, Node]

    @property
    def value(self) -> sp.Expr:
        return self.root.value

    def gradients(self) -> dict[str, sp.Expr]:
        """d value / d each input, in the order the inputs were given."""
        return {name: node.grad for name, node in self.inputs.items()}

    def ids(self) -> dict[int, int]:
        """Each node's number (1, 2, ... in forward order), keyed by id()."""
        return {id(n): i for i, n in enumerate(self.nodes, start=1)}

    def as_json(self) -> dict:
        """`value`, `gradients` and `nodes` (forward order) as JSON-ready numbers."""
        ids = self.ids()
        nodes = []
        for n in self.nodes:
            entry = {"id": ids[id(n)], "op": n.op, "label": n.label}
            if n.op == "input":
                entry["name"] = n.symbol.name
            entry["inputs"] = [ids[id(i)] for i in n.inputs]
            entry["value"] = json_number(n.value)
            entry["grad"] = json_number(n.grad)
            entry["local"] = [json_number(g) for g in n.local]
            entry["sends"] = [json_number(g) for g in n.sends()]
            entry["column"] = n.column
            nodes.append(entry)
        return {
            "expression": self.text,
            "value": json_number(self.value),
            "gradients": {k: json_number(v) for k, v in self.gradients().items()},
            "nodes": nodes,
        }


def json_number(value: sp.Expr) -> int | float | str:
    """An int when whole, a float when it fits one, else its decimal text ("1.97e434")."""
    if value.is_Integer and abs(value) < 2**53:
        return int(value)
    if value == 0 or 1e-300 < abs(value) < 1e300:
        return float(value)
    return decimal(value, 17)


def build(text: str, at: dict[str, sp.Rational]) -> Graph:
    """The graph of `text` over the names in `at`, run forward and backward; raises ClaimError."""
    symbols = {name: sp.Symbol(name, real=True) for name in at}
    tree = parse_nodes(text, symbols, functions=function_table())
    inputs: dict[sp.Symbol, Node] = {}
    built: dict[int, Node] = {}
    try:
        for p in tree.walk():
            built[id(p)] = _node(p, built, inputs, at)
    except ClaimError as e:
        context = f"{text}\n{' ' * (e.column - 1)}^" if e.column else text
        raise ClaimError(e.message, text, e.column, context) from None
    root = built[id(tree)]
    nodes = backward(root)
    by_symbol = {n.symbol: n for n in nodes if n.op == "input"}
    named = {}
    for name, sym in symbols.items():
        named[name] = by_symbol.get(sym) or leaf(sym, at[name], None)
    _name_gates(nodes, set(at))
    return Graph(text, root, nodes, named)


def _node(p: ParseNode, built: dict, inputs: dict, at: dict) -> Node:
    if p.op == "symbol":
        if p.value not in inputs:
            inputs[p.value] = leaf(p.value, at[p.value.name], p.column)
        return inputs[p.value]
    if not p.expr.free_symbols:
        return constant(p.expr, p.column)
    args = [built[id(a)] for a in p.args]
    if p.op == "call":
        return gate("call", args, p.column, function_table()[p.value], p.value)
    return gate(p.op, args, p.column)


def _name_gates(nodes: list[Node], taken: set[str]) -> None:
    """Give each gate a symbol v_1, v_2, ... (another letter if an input is named like that)."""
    gates = [n for n in nodes if n.op not in ("input", "constant")]
    for letter in "vuhgqrst":
        names = [f"{letter}_{k}" for k in range(1, len(gates) + 1)]
        spelled = {s for n in names for s in (n, n.replace("_", ""))}
        if not spelled & taken:
            break
    for node, name in zip(gates, names):
        node.symbol = sp.Symbol(name)


__all__ = ["Graph", "build", "json_number", "parse_at", "settle"]
