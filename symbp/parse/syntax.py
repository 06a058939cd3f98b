"""Text -> raw Node tree: the lark grammar (syntax only) and a Transformer, one method per rule.

Names stay as written (base, sub- and superscripts); `reader.Reader` resolves them. Lark's errors
(and VisitError) become a ClaimError with the column and lark's context line.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from fractions import Fraction
from importlib import resources

import sympy as sp
from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    VisitError,
)

from ..errors import ClaimError
from .functions import SYMBOLS, func_pattern
from .limits import MAX_DECIMAL_EXPONENT, MAX_LENGTH, MAX_NESTING, MAX_NUMBER_DIGITS
from .nodes import Node, context, located, raw


def parser(functions: tuple[str, ...] = ()) -> Lark:
    """The LALR parser of grammar.lark, its FUNC terminal generated from the function table and
    the names a notation adds (`functions`)."""
    return _parser_for(func_pattern(functions))


@functools.cache
def _parser_for(pattern: str) -> Lark:
    """Built once per set of spellings (a spec that defines an activation adds one)."""
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    grammar += f"\nFUNC.3: /{pattern}/\n"
    return Lark(grammar, parser="lalr", propagate_positions=True)


def _col(meta_or_token) -> int | None:
    return getattr(meta_or_token, "column", None)


def _layer_mark(text: str) -> int | None:
    """The layer a function's superscript names: 1 in `^{[1]\\prime}` or `^{(1)}`."""
    found = re.search(r"[\[(]\s*(\d+)\s*[\])]", text)
    return None if found is None else int(found.group(1))


def _argument_layer(arg: Node) -> int | None:
    """The layer number of an argument written with one (`Z^{[2]}`, `z^{[1](i)}_j`), else None."""
    if arg.op != "scripted":
        return None
    for part in arg.args[1:]:
        if part.op == "upper" and part.args:
            first = part.args[0]
            if first.op == "jux":
                first = first.args[0]
            if first.op == "number":
                return int(first.value)
    return None


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
        return raw("number", value=sp.Rational(f.numerator, f.denominator), column=_col(tok))

    def name(self, *toks: Token):
        tok = toks[-1]
        text = _GREEK_NAMES.get(toks[0].type, str(tok))
        return raw("name", value=text, column=_col(toks[0]))

    def hat(self, tok, inner):
        if isinstance(inner, Token):
            inner = raw("name", value=str(inner), column=_col(inner))
        return raw("hat", (inner,), column=_col(tok))

    def partial(self, tok):
        return raw("partial", column=_col(tok))

    def _binary(op):  # noqa: N805 - a factory used while the class body runs
        def build(self, left, tok, right):
            return raw(op, (left, right), column=_col(tok))

        return build

    add = _binary("add")
    sub = _binary("sub")
    div = _binary("div")

    def mul(self, left, tok, right):
        """`.value` "hadamard" for an elementwise product (*, ⊙, \\circ), else None."""
        kind = "hadamard" if tok.type == "HADAMARD" else None
        return raw("mul", (left, right), value=kind, column=_col(tok))

    def jux(self, left, right):
        return raw("jux", (left, right), column=right.column)

    def neg(self, tok, arg):
        return raw("neg", (arg,), column=_col(tok))

    def pos(self, tok, arg):
        return arg

    def scripted(self, base, *scripts):
        return raw("scripted", (base, *scripts), column=base.column)

    def sub_script(self, tok, arg):
        return raw("lower", (arg,), column=_col(tok))

    def sup_script(self, tok, arg):
        return raw("upper", (arg,), column=_col(tok))

    def script_arg(self, *items):
        if len(items) == 1 and isinstance(items[0], Token):
            text = _GREEK_NAMES.get(items[0].type, str(items[0]))
            return raw("token", value=text, column=_col(items[0]))
        if len(items) == 1:
            return items[0]
        return raw("tuple", items, column=items[0].column)

    def neg_script(self, tok, item):
        inner = raw("token", value=str(item), column=_col(item))
        return raw("neg", (inner,), column=_col(tok))

    def transposed(self, base, tok):
        """`a.T`: the same node as `a^T`."""
        upper = raw("upper", (raw("token", value="T", column=_col(tok)),), column=_col(tok))
        return raw("scripted", (base, upper), column=base.column)

    def nabla(self, tok, under, wrt, body):
        """`\\nabla_a C`: the gradient of `body` by the vector `wrt`."""
        return raw("nabla", (wrt, body), column=_col(tok))

    def call(self, func, *rest):
        prime = len(rest) == 2
        arg = rest[-1]
        name = SYMBOLS.get(str(func), str(func).lstrip("\\"))
        return raw("call", (arg,), value=name + ("'" if prime else ""), column=_col(func))

    def layercall(self, func, *rest):
        """`g^{[1]\\prime}(z)`, `g^{[1]}'(z)`: the layer's function; which layer it is follows
        from the argument, as sigma's does."""
        prime = len(rest) == 3 or any(m in str(rest[0]) for m in ("prime", "'", "′"))
        stated, given = _layer_mark(str(rest[0])), _argument_layer(rest[-1])
        if stated is not None and given is not None and stated != given:
            o, c = ("(", ")") if "(" in str(rest[0]) else ("[", "]")
            raise ClaimError(
                f"{func}^{o}{stated}{c} is layer {stated}'s function but its argument is in "
                f"layer {given}: write {func}^{o}{given}{c} (or an argument of layer {stated})",
                column=_col(func),
            )
        return self.call(func, *(rest[-2:] if prime else rest[-1:]))

    def powcall(self, func, pow_tok, exponent, arg):
        """`\\tanh^2(z)`: the call raised to a whole power (never an inverse function)."""
        if exponent.op != "token" or not str(exponent.value).isdigit():
            raise ClaimError(
                f"{func}^... : only a whole power of a function is understood (tanh^2(z))",
                column=_col(pow_tok),
            )
        call = self.call(func, arg)
        return raw(
            "scripted", (call, raw("upper", (exponent,), column=_col(pow_tok))), column=call.column
        )

    def textcall(self, cmd, name, *rest):
        """`\\operatorname{ReLU}(z)`: a call when the name is a known function, else a product."""
        prime = len(rest) == 2
        fname = raw("name", value=str(name), column=_col(name))
        return raw("textcall", (fname, rest[-1]), value=prime, column=_col(cmd))

    def frac(self, tok, num, den):
        return raw("frac", (num, den), column=_col(tok))

    def sum_range(self, under, var, lo, pow_tok, hi):
        return (str(var), lo, hi)

    def sum_all(self, under, var):
        return (str(var), None, None)

    def bigsum(self, tok, limits, body):
        var, lo, hi = limits
        args = tuple(a for a in (lo, hi) if a is not None)
        return raw("bigsum", (*args, body), value=(var, lo is not None), column=_col(tok))


# Tokens that stand for a name: δ is delta, Δ is Delta, ⊤ (as in a^\\top) is T.
_GREEK_NAMES = {"GREEK": "delta", "CAPDELTA": "Delta", "TOP": "T"}


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
        raise ClaimError("a claim is one line", text, column, context(text, column))
    if not text.strip():
        raise ClaimError("empty claim", text, 1, context(text, 1))
    depth = 0
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ClaimError(
                    f"brackets nested deeper than {MAX_NESTING}", text, i + 1, context(text, i + 1)
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


# Typical mistakes, named by lark's match_examples (examples/advanced/error_reporting_lalr.py):
# label -> (examples, the unexpected tokens it may name; "" is the end of the text).
MISTAKES = {
    "no bracket is open here": (["x)", "(x))", "x]", "x}"], {")", "]", "}"}),
    "a bracket is not closed": (["(x", "((x)", "[x", "{x", "f(x"], {""}),
    "an operator needs something on both sides": (
        ["x + * y", "x * / y", "* x", "x / / y", "x ^ * y"],
        {"*", "/", "^", "**", "\\cdot", "\\times", "·", "×", "÷"},
    ),
    "an operator needs something after it": (["x +", "x *", "x /", "x ^", "-"], {""}),
}


def _describe(e: UnexpectedInput, text: str) -> str:
    if isinstance(e, UnexpectedCharacters):
        return _unexpected_character(text[e.pos_in_stream])
    tok = getattr(e, "token", None)
    at_end = isinstance(e, UnexpectedEOF) or (tok is not None and tok.type == "$END")
    if at_end:
        what, written = "unexpected end of claim", ""
    elif tok is None:
        return "cannot parse here"
    else:
        what, written = f"unexpected {str(tok)!r}", str(tok)
    examples = {label: ex for label, (ex, _) in MISTAKES.items()}
    mistake = e.match_examples(parser().parse, examples, use_accepts=True)
    if mistake and written in MISTAKES[mistake][1]:
        return f"{what}: {mistake}"
    return what


def syntax_tree(text: str, functions: tuple[str, ...] = ()) -> Node:
    """The raw Node tree of `text` (names as written, sums not unrolled), `functions` callable
    besides the table's; raises ClaimError."""
    _prescan(text)
    try:
        tree = parser(functions).parse(text)
    except UnexpectedInput as e:
        column = getattr(e, "column", None)
        token = getattr(e, "token", None)
        at_end = token is not None and token.type == "$END"
        if isinstance(e, UnexpectedEOF) or at_end or column in (None, -1):
            column = len(text) + 1
            where = context(text, column)
        else:
            where = e.get_context(text, span=MAX_LENGTH).rstrip("\n")
        raise ClaimError(_describe(e, text), text, column, where) from None
    except LarkError as e:
        raise ClaimError(f"cannot parse: {type(e).__name__}", text, None, text) from None
    try:
        node = _ToNodes().transform(tree)
    except VisitError as e:
        orig = e.orig_exc
        if isinstance(orig, ClaimError):
            raise located(orig, text) from None
        raise
    except ClaimError as e:
        raise located(e, text) from None
    if isinstance(node, Token):
        node = _ToNodes().number(node) if node.type == "NUMBER" else raw("name", value=str(node))
    return node
