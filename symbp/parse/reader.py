"""Raw Node tree -> resolved Node tree with sympy values, over a table of allowed names.

`Reader` walks the tree from `syntax.syntax_tree` top-down (sums bind their index for the body),
one `_resolve_<op>` method per operation: it picks each name's Symbol (`names.Names`), finds
written derivatives (`derivatives.Derivatives`), unrolls sums over bound indices, applies
functions from a fixed table and builds every node's sympy expression. Nothing is evaluated as code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import sympy as sp

from ..errors import ClaimError
from .derivatives import Derivatives
from .functions import function_table
from .limits import MAX_INDEX, MAX_NODES, MAX_TOWER
from .names import Names, OutOfRange, tower
from .nodes import Node, located
from .syntax import syntax_tree

_COSTS = ("C", "E", "J", "L")
Quantities = Callable[[sp.Symbol, sp.Symbol], sp.Expr]


class Reader(Names, Derivatives):
    """Resolves raw Nodes against `names` (claim spelling -> Symbol) and a function table."""

    def __init__(
        self,
        names: Mapping[str, sp.Symbol],
        functions: Mapping[str, Callable] | None = None,
        quantities: Quantities | None = None,
        indices: Mapping[str, int] | None = None,
        d_cost: bool = False,
    ):
        """`d_cost`: a name dX stands for the cost's derivative dC/dX (Ng's dz, dW, db)."""
        self.names = dict(names)
        self.d_cost = d_cost
        self.functions = dict(function_table() if functions is None else functions)
        self.quantities = quantities
        self.indices = dict(indices or {})
        self.nodes = 0
        layers = [int(m.group(1)) for n in self.names if (m := re.match(r"a\^(\d+)_", n))]
        self.last = max(layers, default=None)
        self.cost = next((self.names[c] for c in _COSTS if c in self.names), None)

    def resolve(self, node: Node, env: Mapping[str, int] | None = None) -> Node:
        """The resolved Node tree of a raw one (see `Node`); raises ClaimError."""
        env = dict(self.indices if env is None else env)
        return self._resolve(node, env)

    def _make(self, op, args, value, column, expr, implicit=False) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ClaimError(f"claim expands to more than {MAX_NODES} terms", column=column)
        if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ClaimError("division by zero", column=column)
        return Node(op, tuple(args), value, column, expr, implicit)

    def _resolve(self, node: Node, env) -> Node:
        method = getattr(self, f"_resolve_{node.op}", None)
        if method is None:
            raise ClaimError(f"cannot use {node.op} here", column=node.column)
        return method(node, env)

    # ---- one method per raw operation ------------------------------------------------------
    def _resolve_number(self, node: Node, env) -> Node:
        return self._make("number", (), node.value, node.column, node.value)

    def _resolve_name(self, node: Node, env) -> Node:
        return self._name(node, env)

    _resolve_scripted = _resolve_hat = _resolve_name

    def _resolve_partial(self, node: Node, env) -> Node:
        raise ClaimError("∂ outside a derivative ∂X/∂Y", column=node.column)

    def _resolve_frac(self, node: Node, env) -> Node:
        q = self._quantity(node, env)
        if q is not None:
            return q
        a, b = (self._resolve(x, env) for x in node.args)
        return self._make("div", (a, b), None, node.column, a.expr / b.expr)

    def _resolve_mul(self, node: Node, env) -> Node:
        return self._chain(node, env)

    _resolve_div = _resolve_jux = _resolve_mul

    def _resolve_add(self, node: Node, env) -> Node:
        a, b = (self._resolve(x, env) for x in node.args)
        return self._make("add", (a, b), None, node.column, a.expr + b.expr)

    def _resolve_sub(self, node: Node, env) -> Node:
        a, b = (self._resolve(x, env) for x in node.args)
        return self._make("sub", (a, b), None, node.column, a.expr - b.expr)

    def _resolve_neg(self, node: Node, env) -> Node:
        a = self._resolve(node.args[0], env)
        return self._make("neg", (a,), None, node.column, -a.expr)

    def _resolve_call(self, node: Node, env) -> Node:
        name = node.value
        fn = self.functions.get(name)
        if fn is None:
            known = ", ".join(sorted(self.functions)) or "none"
            raise ClaimError(
                f"function {name!r} is not allowed here (known: {known})", column=node.column
            )
        arg = self._resolve(node.args[0], env)
        if fn is sp.log and arg.expr == 0:
            raise ClaimError(f"{name}(0): the logarithm of zero is not finite", column=node.column)
        out = fn(arg.expr)
        if tower(out) > MAX_TOWER:
            raise ClaimError(f"exponent tower higher than {MAX_TOWER} levels", column=node.column)
        return self._make("call", (arg,), name, node.column, out)

    def _resolve_textcall(self, node: Node, env) -> Node:
        """`\\operatorname{ReLU}(z)`: a call when the name is a known function, else a product."""
        fname, arg = node.args
        key = str(fname.value).lower() + ("'" if node.value else "")
        if key in self.functions:
            return self._resolve_call(Node("call", (arg,), key, node.column), env)
        if node.value:
            raise ClaimError(f"unknown function {fname.value!r}", column=node.column)
        return self._chain(Node("jux", (fname, arg), None, arg.column), env)

    def _resolve_token(self, node: Node, env) -> Node:
        text = str(node.value)
        if text.isdigit():
            value = sp.Integer(int(text))
            return self._make("number", (), value, node.column, value)
        return self._name(Node("name", (), text, node.column), env)

    def _resolve_tuple(self, node: Node, env) -> Node:
        raise ClaimError("misplaced index", column=node.column)

    _resolve_lower = _resolve_upper = _resolve_tuple

    def _resolve_bigsum(self, node: Node, env) -> Node:
        var, bounded = node.value
        body = node.args[-1]
        lo, hi = 1, None
        if bounded:
            lo = self._index(node.args[0], env)
            try:
                hi = self._index(node.args[1], env)
            except ClaimError:
                hi = None  # an upper limit such as n or m: the network's range
            if not isinstance(lo, int) or (hi is not None and not isinstance(hi, int)):
                raise ClaimError("sum limits must be whole numbers", column=node.column)
            if hi is not None and hi - lo > MAX_INDEX:
                raise ClaimError(f"sum over more than {MAX_INDEX} terms", column=node.column)
        terms = []
        k = lo
        while hi is None or k <= hi:
            if k - lo > MAX_INDEX:
                raise ClaimError(f"sum over more than {MAX_INDEX} terms", column=node.column)
            try:
                terms.append(self._resolve(body, {**env, var: k}))
            except OutOfRange:
                if hi is not None or not terms:
                    raise
                break
            k += 1
        if not terms:
            return self._make("number", (), sp.Integer(0), node.column, sp.Integer(0))
        out = terms[0]
        for t in terms[1:]:
            out = self._make("add", (out, t), None, node.column, out.expr + t.expr)
        return out


def parse_nodes(
    text: str,
    allowed_names: Mapping[str, sp.Symbol],
    functions: Mapping[str, Callable] | None = None,
    quantities: Quantities | None = None,
    indices: Mapping[str, int] | None = None,
) -> Node:
    """The resolved Node tree of `text` (each node with its sympy `expr`); raises ClaimError."""
    raw = syntax_tree(text)
    reader = Reader(allowed_names, functions, quantities, indices)
    try:
        return reader.resolve(raw)
    except ClaimError as e:
        raise located(e, text) from None


def parse(
    text: str,
    allowed_names: Mapping[str, sp.Symbol],
    functions: Mapping[str, Callable] | None = None,
    quantities: Quantities | None = None,
    indices: Mapping[str, int] | None = None,
) -> sp.Expr:
    """The sympy expression of `text` over `allowed_names`; raises ClaimError."""
    return parse_nodes(text, allowed_names, functions, quantities, indices).expr


def parse_quantity(
    text: str, allowed_names: Mapping[str, sp.Symbol], indices: Mapping[str, int] | None = None
) -> tuple[sp.Symbol, sp.Symbol | None]:
    """(num, den) of `dC/dw^2_{12}`, `\\frac{\\partial E}{\\partial w_5}`; (symbol, None) for
    `delta^2_1`. Raises ClaimError."""
    raw = syntax_tree(text)
    try:
        return Reader(allowed_names, indices=indices).quantity(raw)
    except ClaimError as e:
        raise located(e, text) from None
