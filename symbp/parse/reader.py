"""Claim text -> Node tree -> sympy, over a table of allowed names; nothing is evaluated as code.

Two stages. `syntax_tree(text)` runs the lark grammar and a non-recursive Transformer that builds
raw `Node`s (names still as written: base, sub- and superscripts). `Reader.resolve` then walks that
tree with the table of allowed symbols: it picks each name's Symbol, unrolls sums over bound
indices, applies functions from a fixed table and builds every node's sympy expression.
Limits on length, nesting, tree depth, expansion size and exponents make hostile input fail with a
ClaimError in bounded time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    VisitError,
)

from .. import activations
from ..errors import ClaimError

MAX_LENGTH = 2000  # characters of claim text
MAX_NESTING = 40  # open brackets at once
MAX_DEPTH = 150  # depth of the syntax tree (long operator chains count)
MAX_NODES = 20000  # resolved nodes, after sums are unrolled
MAX_EXPONENT = 64  # |n| for a numeric exponent
MAX_TOWER = 2  # levels of symbolic exponents (e^{e^x}, x^x); x^{x^x} and e^{e^{e^x}} are refused
MAX_DIGITS = 2000  # digits of an exact numeric result
MAX_NUMBER_DIGITS = 40  # digits of one written number
MAX_DECIMAL_EXPONENT = 300  # |n| in a written 2e-3 or 1.5E+n
MAX_INDEX = 4096  # largest index value a sum may reach

_LARK: Lark | None = None


def _parser() -> Lark:
    global _LARK
    if _LARK is None:
        _LARK = Lark.open_from_package(
            "symbp.parse", "grammar.lark", ("",), parser="lalr", propagate_positions=True
        )
    return _LARK


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


def _raw(op, args=(), value=None, column=None) -> Node:
    depth = 1 + max((a.depth for a in args), default=0)
    if depth > MAX_DEPTH:
        raise ClaimError(f"expression nested deeper than {MAX_DEPTH} levels", column=column)
    return Node(op, tuple(args), value, column, depth=depth)


def _col(meta_or_token) -> int | None:
    return getattr(meta_or_token, "column", None)


_FUNC_NAMES = {"σ": "sigma"}


@v_args(inline=True)
class _ToNodes(Transformer_NonRecursive):
    """lark tree -> raw Nodes (names unresolved), keeping each node's column."""

    def number(self, tok: Token):
        mantissa, _, exponent = str(tok).lower().partition("e")
        if sum(c.isdigit() for c in mantissa) > MAX_NUMBER_DIGITS:
            raise ClaimError(f"number with more than {MAX_NUMBER_DIGITS} digits", column=_col(tok))
        if exponent and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
            raise ClaimError(
                f"number {str(tok)!r} has an exponent beyond ±{MAX_DECIMAL_EXPONENT}",
                column=_col(tok),
            )
        f = Fraction(str(tok))
        return _raw("number", value=sp.Rational(f.numerator, f.denominator), column=_col(tok))

    def name(self, *toks: Token):
        tok = toks[-1]
        text = "delta" if toks[0].type == "GREEK" else str(tok)
        return _raw("name", value=text, column=_col(toks[0]))

    def hat(self, tok, inner):
        if isinstance(inner, Token):
            inner = _raw("name", value=str(inner), column=_col(inner))
        return _raw("hat", (inner,), column=_col(tok))

    def partial(self, tok):
        return _raw("partial", column=_col(tok))

    def _binary(op):  # noqa: N805 - a factory used while the class body runs
        def build(self, left, tok, right):
            return _raw(op, (left, right), column=_col(tok))

        return build

    add = _binary("add")
    sub = _binary("sub")
    mul = _binary("mul")
    div = _binary("div")

    def jux(self, left, right):
        return _raw("jux", (left, right), column=right.column)

    def neg(self, tok, arg):
        return _raw("neg", (arg,), column=_col(tok))

    def pos(self, tok, arg):
        return arg

    def scripted(self, base, *scripts):
        return _raw("scripted", (base, *scripts), column=base.column)

    def sub_script(self, tok, arg):
        return _raw("lower", (arg,), column=_col(tok))

    def sup_script(self, tok, arg):
        return _raw("upper", (arg,), column=_col(tok))

    def script_arg(self, *items):
        if len(items) == 1 and isinstance(items[0], Token):
            return _raw("token", value=str(items[0]), column=_col(items[0]))
        if len(items) == 1:
            return items[0]
        return _raw("tuple", items, column=items[0].column)

    def neg_script(self, tok, item):
        inner = _raw("token", value=str(item), column=_col(item))
        return _raw("neg", (inner,), column=_col(tok))

    def call(self, func, *rest):
        prime = len(rest) == 2
        arg = rest[-1]
        name = _FUNC_NAMES.get(str(func), str(func).lstrip("\\"))
        return _raw("call", (arg,), value=name + ("'" if prime else ""), column=_col(func))

    def textcall(self, cmd, name, *rest):
        """`\\operatorname{ReLU}(z)`: a call when the name is a known function, else a product."""
        prime = len(rest) == 2
        fname = _raw("name", value=str(name), column=_col(name))
        return _raw("textcall", (fname, rest[-1]), value=prime, column=_col(cmd))

    def frac(self, tok, num, den):
        return _raw("frac", (num, den), column=_col(tok))

    def sum_range(self, under, var, lo, pow_tok, hi):
        return (str(var), lo, hi)

    def sum_all(self, under, var):
        return (str(var), None, None)

    def bigsum(self, tok, limits, body):
        var, lo, hi = limits
        args = tuple(a for a in (lo, hi) if a is not None)
        return _raw("bigsum", (*args, body), value=(var, lo is not None), column=_col(tok))


def _context(text: str, column: int | None) -> str:
    if column is None:
        return text
    return f"{text}\n{' ' * (column - 1)}^"


def _located(err: ClaimError, text: str) -> ClaimError:
    return ClaimError(err.message, text, err.column, _context(text, err.column))


def _prescan(text: str) -> None:
    if not isinstance(text, str):
        raise ClaimError(f"a claim must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ClaimError(
            f"claim is {len(text)} characters long (limit {MAX_LENGTH})",
            text[:80],
            MAX_LENGTH + 1,
        )
    if "\n" in text or "\r" in text:
        column = min(i for i in (text.find("\n"), text.find("\r")) if i >= 0) + 1
        raise ClaimError("a claim is one line", text, column, _context(text, column))
    if not text.strip():
        raise ClaimError("empty claim", text, 1, _context(text, 1))
    depth = 0
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ClaimError(
                    f"brackets nested deeper than {MAX_NESTING}", text, i + 1, _context(text, i + 1)
                )
        elif c in ")]}":
            depth -= 1


def _unexpected_character(c: str) -> str:
    """Name a non-ASCII character by its code point, so a look-alike (Cyrillic о) is visible."""
    if c.isascii():
        return f"unexpected character {c!r}"
    name = unicodedata.name(c, "unnamed character")
    plain = unicodedata.normalize("NFKC", c)
    hint = f"; write {plain!r}" if plain.isascii() and plain.isprintable() else ""
    return f"unexpected character {c!r} (U+{ord(c):04X} {name}){hint}"


def _describe(e: UnexpectedInput, text: str) -> str:
    if isinstance(e, UnexpectedEOF):
        return "unexpected end of claim"
    if isinstance(e, UnexpectedCharacters):
        return _unexpected_character(text[e.pos_in_stream])
    tok = getattr(e, "token", None)
    if tok is not None and tok.type == "$END":
        return "unexpected end of claim"
    return f"unexpected {str(tok)!r}" if tok is not None else "cannot parse here"


def syntax_tree(text: str) -> Node:
    """The raw Node tree of `text` (names as written, sums not unrolled); raises ClaimError."""
    _prescan(text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        column = getattr(e, "column", None)
        token = getattr(e, "token", None)
        at_end = token is not None and token.type == "$END"
        if isinstance(e, UnexpectedEOF) or at_end or column in (None, -1):
            column = len(text) + 1
        raise ClaimError(_describe(e, text), text, column, _context(text, column)) from None
    except LarkError as e:
        raise ClaimError(f"cannot parse: {type(e).__name__}", text, None, text) from None
    try:
        node = _ToNodes().transform(tree)
    except VisitError as e:
        orig = e.orig_exc
        if isinstance(orig, ClaimError):
            raise _located(orig, text) from None
        raise
    except ClaimError as e:
        raise _located(e, text) from None
    if isinstance(node, Token):
        node = _ToNodes().number(node) if node.type == "NUMBER" else _raw("name", value=str(node))
    return node


def _sigmoid_prime(z):
    return activations.Sigmoid(z) * (1 - activations.Sigmoid(z))


DEFAULT_FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "sigma": activations.Sigmoid,
    "sigma'": _sigmoid_prime,
    "sigmoid": activations.Sigmoid,
    "sigmoid'": _sigmoid_prime,
    "tanh": activations.Tanh,
    "tanh'": lambda z: 1 - activations.Tanh(z) ** 2,
    "relu": activations.Relu,
    "relu'": lambda z: sp.Heaviside(z, 0),
    "softplus": activations.Softplus,
    "softplus'": activations.Sigmoid,
    "H": lambda z: sp.Heaviside(z, 0),
    "exp": sp.exp,
    "ln": sp.log,
    "log": sp.log,
}

Quantities = Callable[[sp.Symbol, sp.Symbol], sp.Expr]
_COST_ALIASES = ("loss", "Loss", "J", "E_total", "Etotal")
_INDEX_RE = re.compile(r"[A-Za-z]|[0-9]")
_INDEX_WORD = re.compile(r"[ijklmnpqrs]{2,3}|[ijklmnpqrs][0-9]+|[0-9]+[ijklmnpqrs]")


def _tower(expr: sp.Expr) -> int:
    """Height of the tallest tower of symbolic exponents: e^x is 1, x^x 2, e^{e^{e^x}} 3."""
    if isinstance(expr, sp.exp):
        return 1 + _tower(expr.args[0])
    if isinstance(expr, sp.Pow) and expr.exp.free_symbols:
        return max(_tower(expr.base), (1 if expr.base.free_symbols else 0) + 1 + _tower(expr.exp))
    return max((_tower(a) for a in expr.args), default=0)


class _OutOfRange(ClaimError):
    """A known family of symbols (a^l_j, w5, ...) asked for at an index the network lacks."""


class Reader:
    """Resolves raw Nodes against `names` (claim spelling -> Symbol) and a function table."""

    def __init__(
        self,
        names: Mapping[str, sp.Symbol],
        functions: Mapping[str, Callable] | None = None,
        quantities: Quantities | None = None,
        indices: Mapping[str, int] | None = None,
    ):
        self.names = dict(names)
        self.functions = dict(DEFAULT_FUNCTIONS if functions is None else functions)
        self.quantities = quantities
        self.indices = dict(indices or {})
        self.nodes = 0
        layers = [int(m.group(1)) for n in self.names if (m := re.match(r"a\^(\d+)_", n))]
        self.last = max(layers, default=None)
        self.cost = self.names.get("C") or self.names.get("E")

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
                return Reader._spell_lower(v[0])
            joined = "".join(map(str, v))
            return [f"{{{joined}}}", f"{{{','.join(map(str, v))}}}", joined]
        return [str(v), f"{{{v}}}"]

    def _lookup(self, base: str, lower, upper, column) -> sp.Symbol | None:
        """The Symbol spelled by base with these indices, or None."""
        if base == "a" and upper == 0 and lower is not None:
            base, upper = "x", None
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

    # ---- resolution ----------------------------------------------------------------------
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
        op = node.op
        if op == "number":
            return self._make("number", (), node.value, node.column, node.value)
        if op in ("name", "scripted", "hat"):
            return self._name(node, env)
        if op == "partial":
            raise ClaimError("∂ outside a derivative ∂X/∂Y", column=node.column)
        if op == "frac":
            q = self._quantity(node, env)
            if q is not None:
                return q
            a, b = (self._resolve(x, env) for x in node.args)
            return self._make("div", (a, b), None, node.column, a.expr / b.expr)
        if op in ("div", "mul", "jux"):
            return self._chain(node, env)
        if op in ("add", "sub"):
            a, b = (self._resolve(x, env) for x in node.args)
            if op == "add":
                return self._make("add", (a, b), None, node.column, a.expr + b.expr)
            return self._make("sub", (a, b), None, node.column, a.expr - b.expr)
        if op == "neg":
            a = self._resolve(node.args[0], env)
            return self._make("neg", (a,), None, node.column, -a.expr)
        if op == "call":
            return self._call(node, env)
        if op == "textcall":
            fname, arg = node.args
            key = str(fname.value).lower() + ("'" if node.value else "")
            if key in self.functions:
                return self._call(Node("call", (arg,), key, node.column), env)
            if node.value:
                raise ClaimError(f"unknown function {fname.value!r}", column=node.column)
            return self._chain(Node("jux", (fname, arg), None, arg.column), env)
        if op == "bigsum":
            return self._sum(node, env)
        if op == "token":
            text = str(node.value)
            if text.isdigit():
                value = sp.Integer(int(text))
                return self._make("number", (), value, node.column, value)
            return self._name(Node("name", (), text, node.column), env)
        if op in ("tuple", "lower", "upper"):
            raise ClaimError("misplaced index", column=node.column)
        raise ClaimError(f"cannot use {op} here", column=node.column)

    def _call(self, node: Node, env) -> Node:
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
        if _tower(out) > MAX_TOWER:
            raise ClaimError(f"exponent tower higher than {MAX_TOWER} levels", column=node.column)
        return self._make("call", (arg,), name, node.column, out)

    def _sum(self, node: Node, env) -> Node:
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
            except _OutOfRange:
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
            if text == "e" and lower is None:
                leaf = self._make("constant", (), sp.E, base.column, sp.E)
                return self._powers(leaf, uppers, env)
            self._unknown(text, lower, uppers, env, base.column)
        leaf = self._make("symbol", (), sym, base.column, sym)
        return self._powers(leaf, uppers, env)

    def _unknown(self, text, lower, uppers, env, column):
        spelled = text
        if uppers:
            try:
                spelled += f"^{self._index(uppers[0], env)}"
            except ClaimError:
                pass
        if lower is not None:
            spelled += f"_{lower}"
        letters = re.match(r"[A-Za-z]+", text)
        stem = letters.group(0) if letters else text
        numbered = stem != text and text[len(stem) :].isdigit()
        family = [n for n in self.names if re.split(r"[\^_0-9{]", n, maxsplit=1)[0] == stem]
        if family and (lower is not None or uppers or numbered):
            shown = ", ".join(family[:8]) + (", ..." if len(family) > 8 else "")
            raise _OutOfRange(
                f"no symbol {spelled!r} in this network (it has {shown})", column=column
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
            raise _OutOfRange(f"no output unit {j} in this network", column=node.column)
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
        if _tower(out) > MAX_TOWER:
            raise ClaimError(f"exponent tower higher than {MAX_TOWER} levels", column=e.column)
        return self._make("pow", (b, e), None, b.column, out)

    # ---- derivatives ---------------------------------------------------------------------
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
        if node.op in ("div", "frac"):
            for side in node.args:
                self._explain_differential(side, env)
        if node.op in ("name", "scripted"):
            self._name(node, env)  # raises the precise unknown-name error
        raise ClaimError(
            "not a quantity: write dC/dw^2_{12}, dE/dw5, delta^2_1 ...", column=node.column
        )


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
        raise _located(e, text) from None


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
        raise _located(e, text) from None
