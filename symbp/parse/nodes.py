"""The Node of a claim (raw as written, then resolved with its sympy value), and index letters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from ..errors import ClaimError
from .limits import MAX_DEPTH

_INDEX_WORD = re.compile(r"[ijklmnpqrs]{2,3}|[ijklmnpqrs][0-9]+|[0-9]+[ijklmnpqrs]")


@dataclass(frozen=True, eq=False)
class Node:
    """One node of a claim. Resolved ops and their `value`:

    number (sympy Rational), symbol (Symbol), constant (sympy.E), add, sub, mul, div, neg, pow
    (args base, exponent), call (function name such as "sigma" or "sigma'"), quantity ((num, den)
    Symbols; `expr` is what the caller's quantity table gave). `expr` is the node's sympy value,
    `column` its 1-based place in the text (for a binary operation, the operator's place);
    `implicit` marks a product written by juxtaposition.
    """

    op: str
    args: tuple[Node, ...] = ()
    value: object = None
    column: int | None = None
    expr: sp.Expr | None = None
    implicit: bool = False
    depth: int = field(default=1, repr=False)

    def walk(self):
        """Nodes in forward order (children before parents), each once."""
        out, stack, seen = [], [(self, False)], set()
        while stack:
            node, done = stack.pop()
            if done:
                if id(node) not in seen:
                    seen.add(id(node))
                    out.append(node)
                continue
            stack.append((node, True))
            stack.extend((a, False) for a in reversed(node.args))
        return out


def raw(op, args=(), value=None, column=None) -> Node:
    """A raw (unresolved) node; raises ClaimError when the tree grows deeper than MAX_DEPTH."""
    depth = 1 + max((a.depth for a in args), default=0)
    if depth > MAX_DEPTH:
        raise ClaimError(f"expression nested deeper than {MAX_DEPTH} levels", column=column)
    return Node(op, tuple(args), value, column, depth=depth)


def index_letters(node: Node) -> set[str]:
    """Letters written as indices (`k`, `jk`, `k1`) and not bound by a sum in the text; `L` (the
    last layer) and labels such as `o1`, `h2`, `total` are not index letters."""
    found: set[str] = set()
    stack: list[tuple[Node, frozenset[str], bool]] = [(node, frozenset(), False)]
    while stack:
        n, bound, in_index = stack.pop()
        if n.op == "bigsum":
            var = n.value[0]
            *limits, body = n.args
            stack.extend((a, bound, True) for a in limits)
            stack.append((body, bound | {var}, in_index))
            continue
        if in_index and n.op in ("token", "name"):
            text = str(n.value)
            if len(text) == 1 or _INDEX_WORD.fullmatch(text):
                found.update(c for c in text if c.isalpha() and c not in bound and c != "L")
        index_now = in_index or n.op in ("lower", "upper")
        if n.op == "upper":
            index_now = True
        stack.extend((a, bound, index_now) for a in n.args)
    return found


def context(text: str, column: int | None) -> str:
    """`text` and, below it, a caret under `column`."""
    if column is None:
        return text
    return f"{text}\n{' ' * (column - 1)}^"


def located(err: ClaimError, text: str) -> ClaimError:
    """`err` placed in `text`: the same message and column, with the caret line."""
    return ClaimError(err.message, text, err.column, context(text, err.column))
