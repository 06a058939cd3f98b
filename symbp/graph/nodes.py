"""Graph nodes: each node's operation next to its local gradients, micrograd's layout.

A node's `operation` is a sympy expression in the placeholders `U` (its inputs, in order). Its
forward value is the operation at the inputs' values, and each local gradient is `sp.diff` of the
operation with respect to one placeholder, at the same values: nothing is hand-coded per op.
A constant written in the expression is folded into its gate (`x + 1` is one "+1" node, `1/x` one
"1/x" node), as in the textbook figures, so only inputs and gates are nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from .. import activations
from ..activations import defined
from ..errors import ClaimError

U = sp.symbols("u0 u1", real=True)  # a node's inputs, as they appear in its operation
PRECISION = 30  # digits kept for values that are not exact rationals
MAX_BITS = 4000  # an exact rational larger than this is kept as a float of PRECISION digits
MAX_MAGNITUDE = 1000  # values beyond 10^1000 (or below 10^-1000) are refused

BINARY = {
    "add": U[0] + U[1],
    "sub": U[0] - U[1],
    "mul": U[0] * U[1],
    "div": U[0] / U[1],
    "pow": U[0] ** U[1],
}
SIGNS = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^", "neg": "−"}
FUNCTION_LABELS = activations.claim_labels()


@dataclass(eq=False)
class Node:
    """One node: an input (a leaf with a name), a constant, or a gate over its `inputs`.

    `value` is the forward value, `grad` the gradient of the output with respect to this node (the
    upstream gradients it receives, summed over its uses), `local` d operation / d each input.
    """

    op: str
    inputs: tuple[Node, ...]
    operation: sp.Expr
    label: str
    column: int | None = None
    symbol: sp.Symbol | None = None
    value: sp.Expr = sp.Integer(0)
    grad: sp.Expr = sp.Integer(0)
    local: tuple[sp.Expr, ...] = ()

    def forward(self) -> None:
        """Compute `value` and `local` from the inputs' values."""
        at = {u: n.value for u, n in zip(U, self.inputs)}
        if isinstance(self.operation, sp.log) and self.operation.args[0].xreplace(at) == 0:
            message = f"{self.label}(0): the logarithm of zero is not finite"
            raise ClaimError(message, column=self.column)
        self.value = settle(self.operation.xreplace(at), self)
        self.local = tuple(
            settle(sp.diff(self.operation, u).xreplace(at), self) for u in U[: len(self.inputs)]
        )

    def sends(self) -> tuple[sp.Expr, ...]:
        """The gradient sent back along each input edge: upstream times local."""
        return tuple(settle(self.grad * g, self) for g in self.local)

    def formula(self) -> sp.Expr:
        """The operation written in the inputs' symbols, in the written order (unevaluated)."""
        names = {u: n.symbol for u, n in zip(U, self.inputs)}
        with sp.evaluate(False):
            return self.operation.xreplace(names)

    def local_formulas(self) -> tuple[sp.Expr, ...]:
        """Each local gradient written in the inputs' symbols."""
        names = {u: n.symbol for u, n in zip(U, self.inputs)}
        derivatives = [sp.diff(self.operation, u) for u in U[: len(self.inputs)]]
        with sp.evaluate(False):
            return tuple(d.xreplace(names) for d in derivatives)


def settle(value: sp.Expr, node: Node | None = None) -> sp.Expr:
    """An exact rational when the value is one, else a float of PRECISION digits; raises
    ClaimError (naming the node's column) when the value is not a finite real number or its
    size is beyond 10^MAX_MAGNITUDE."""
    value = defined(sp.sympify(value, strict=True))  # numbers only, never text
    if value.is_Rational and max(abs(value.p), value.q).bit_length() <= MAX_BITS:
        return value
    try:
        # maxn lets evalf work past cancellation (1 - sigma(1000) is 5.08e-435, not 0.e-141)
        number = value.evalf(PRECISION, maxn=MAX_MAGNITUDE + 2 * PRECISION)
    except OverflowError:
        number = sp.oo
    where = f"{node.label!r} " if node is not None else ""
    column = node.column if node is not None else None
    if not (number.is_Number and number.is_finite and number.is_extended_real):
        shown = number.evalf(6) if number.is_number else number
        raise ClaimError(f"{where}gives {shown}, not a finite real number", column=column)
    if number != 0 and abs(mpmath.log10(abs(number._to_mpmath(64)))) > MAX_MAGNITUDE:
        raise ClaimError(
            f"{where}gives a number of size beyond 1e{MAX_MAGNITUDE} or below 1e-{MAX_MAGNITUDE}",
            column=column,
        )
    if number.is_Float and abs(number) < 2**53 and number == int(number):
        return sp.Integer(int(number))
    return number


def decimal(value: sp.Expr, digits: int = 6) -> str:
    """A plain decimal: exact when the value is a terminating rational of at most 12 significant
    digits (2.2, 715), else rounded to `digits` significant digits."""
    if value.is_Rational:
        q = int(value.q)
        for p in (2, 5):
            while q % p == 0:
                q //= p
        if q == 1:
            text = _exact(value)
            if sum(c.isdigit() for c in text.lstrip("-0.")) <= 12:
                return text
    if 1e-300 < abs(value) < 1e300:
        text = f"{float(value):.{digits}g}"
    else:
        text = mpmath.nstr(sp.Float(value, PRECISION)._to_mpmath(128), digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def shown(value: sp.Expr, digits: int = 6) -> sp.Number:
    """The number `decimal` writes, as a sympy number for a printer: an Integer when whole, else
    a Float of exactly the decimal's significant digits."""
    text = decimal(value, digits)
    mantissa = text.split("e")[0]
    if "e" not in text and "." not in text:
        return sp.Integer(text)
    return sp.Float(text, sum(c.isdigit() for c in mantissa.lstrip("-0.")))


def _exact(value: sp.Rational) -> str:
    """The exact decimal of a rational whose denominator has only the factors 2 and 5."""
    p, q = int(value.p), int(value.q)
    places = 0
    while 10**places % q:
        places += 1
    scaled = abs(p) * (10**places // q)
    whole, frac = divmod(scaled, 10**places)
    text = str(whole) + (f".{frac:0{places}d}".rstrip("0") if places else "")
    return ("-" if p < 0 else "") + text


def leaf(symbol: sp.Symbol, value: sp.Expr, column: int | None) -> Node:
    """An input: a named value that receives a gradient."""
    return Node("input", (), symbol, symbol.name, column, symbol, value)


def constant(value: sp.Expr, column: int | None) -> Node:
    """A constant leaf, its exact value as its symbol; folded into the gate that uses it."""
    label = _constant_label(value)
    return Node("constant", (), value, label, column, value, settle(value))


def _constant_label(value: sp.Expr) -> str:
    if value == sp.E:
        return "e"
    text = decimal(settle(value))
    return f"({text})" if text.startswith("-") else text


def gate(op: str, inputs: list[Node], column: int | None, function=None, name: str = "") -> Node:
    """A gate over `inputs`; a constant input is folded into the operation and its label."""
    if op == "neg":
        node = Node("neg", (inputs[0],), -U[0], "−", column)
    elif op == "call":
        base = name.rstrip("'")
        label = FUNCTION_LABELS.get(base, base) + name[len(base) :]
        node = Node("call", (inputs[0],), function(U[0]), label, column)
    else:
        node = _binary(op, inputs, column)
    node.forward()
    return node


def _binary(op: str, inputs: list[Node], column: int | None) -> Node:
    a, b = inputs
    if b.op == "constant":
        operation = BINARY[op].xreplace({U[1]: b.symbol})
        return Node(op, (a,), operation, f"{SIGNS[op]}{b.label}", column)
    if a.op == "constant":
        c = a.label
        label = f"{c}/x" if op == "div" else f"{c}^x" if op == "pow" else f"{c}{SIGNS[op]}"
        operation = BINARY[op].xreplace({U[0]: a.symbol, U[1]: U[0]})
        return Node(op, (b,), operation, label, column)
    return Node(op, (a, b), BINARY[op], SIGNS[op], column)
