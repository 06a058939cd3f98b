"""The pieces of a whole-layer claim read as matrices: a subexpression's Value, a Slip where
shapes do not fit, and which raw nodes name whole layers or a batch.

A whole-layer name (a, z, delta, w or W, b with a layer and no unit; x, y; Δ^l, A^l, X, Y for a
batch) stands for the layer's column vector or weight matrix by kind and layer, never through a
notation's spelling, so vector claims read on every network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ..errors import ClaimError
from ..parse import Node

LAYER_KINDS = {"a": "a", "z": "z", "delta": "delta", "w": "w", "W": "w", "b": "b"}
BATCH_KINDS = {"Delta": "delta", "A": "a", "Z": "z"}  # one column per sample: Δ^l = [δ^(1) ...]
BATCH_NAMES = ("X", "Y")  # a batch's inputs and targets (DLfS adds T: targets, Y outputs)
BATCH_SIZES = ("m", "N")  # the batch size as Ng and DLfS write it
UNIT_KINDS = ("a", "z", "delta")  # families numbered by their own layer (UFLDL's shift)
COSTS = ("C", "E", "J", "E_total", "loss")
TRANSPOSE = "T"
SHIFTS = {"layer_up": 1, "layer_down": -1}  # a whole-layer name's layer written one off


class Absent(ClaimError):
    """A whole-layer quantity of a layer the network lacks (`w^3` in a two-layer network)."""


@dataclass(frozen=True)
class Value:
    """A claim's subexpression: its matrix, its text (layers as numbers) and whether it scales."""

    mat: sp.ImmutableMatrix
    text: str
    scalar: bool = False
    compound: bool = False  # a sum or product: bracketed inside a product
    before: str = ""  # the text before a transpose, so transposing twice reads as written

    @property
    def shape(self) -> str:
        return "scalar" if self.scalar else "×".join(map(str, self.mat.shape))

    @property
    def bracketed(self) -> str:
        return f"({self.text})" if self.compound else self.text

    def transposed(self) -> Value:
        if self.scalar:
            return self
        if self.before:
            return Value(self.mat.T, self.before, compound=True)
        return Value(self.mat.T, f"({self.text})^T", before=self.text)


@dataclass(frozen=True)
class Slip:
    """Where the shapes do not fit: the operation's text and its operands' shapes."""

    node: Node | None  # None: the claim's own shape differs from the quantity's
    text: str
    shapes: tuple[str, ...]
    meant: str = ""  # a name written one layer off: the name meant


class Mismatch(Exception):
    """Raised inside the evaluation when shapes do not fit; carries the Slip."""

    def __init__(self, slip: Slip):
        super().__init__(slip.text)
        self.slip = slip


def is_vector(raw: Node) -> bool:
    """True when a quantity names a whole layer: `delta^L`, `dC/dw^l`, `\\nabla_a C`, `dZ^{[2]}`."""
    kinds = {**LAYER_KINDS, **BATCH_KINDS}
    for n in raw.walk():
        if n.op == "nabla" or layer_name(n, kinds) is not None:
            return True
    return False


def layer_name(n: Node, kinds=LAYER_KINDS) -> tuple[str, Node] | None:
    """(kind, layer node) of a whole-layer name such as `w^{l+1}` or `dW^2` (`kinds`: the
    letters read as whole layers), else None."""
    if n.op != "scripted" or n.args[0].op != "name":
        return None
    base = n.args[0].value
    scripts = n.args[1:]
    if any(s.op == "lower" for s in scripts) or scripts[0].op != "upper":
        return None
    kind = kinds.get(base) or (kinds.get(base[1:]) if base[:1] == "d" else None)
    if kind is None:
        return None
    return kind, scripts[0].args[0]


def is_batch(raw: Node, names=BATCH_NAMES) -> bool:
    """A claim about a batch: a sum whose letter is a sample superscript, or Δ^l, A^l, or one
    of `names` (X, Y; DLfS: X, T, Y)."""
    for n in raw.walk():
        if n.op == "bigsum":
            letter = n.value[0]
            for inner in n.args[-1].walk():
                if inner.op in ("tuple", "jux", "upper") and any(
                    p.op in ("name", "token") and p.value == letter for p in inner.args
                ):
                    return True
        base = n.args[0] if n.op == "scripted" else None
        if base is not None and base.op == "name" and base.value.lstrip("d") in BATCH_KINDS:
            return True
    return any(n.op == "name" and n.value in names for n in _unscripted(raw))


def _unscripted(n: Node):
    """The nodes of `n` outside its sub- and superscripts (where T is a transpose)."""
    yield n
    for a in n.args:
        if a.op not in ("upper", "lower"):
            yield from _unscripted(a)


def unjoined(n: Node, kinds) -> Node:
    """`n` with DLfS's whole-layer names written as in its code (W1, a2, dW1) as W^1, a^2, dW^1."""
    if n.op == "name":
        m = re.fullmatch(r"(d?)([A-Za-z]+)([0-9]+)", str(n.value))
        if m and m.group(2) in kinds:
            layer = Node("token", (), m.group(3), n.column)
            base = Node("name", (), m.group(1) + m.group(2), n.column)
            return Node("scripted", (base, Node("upper", (layer,), None, n.column)), None, n.column)
        return n
    if n.op == "scripted" and n.args[0].op == "name" and any(s.op == "lower" for s in n.args):
        return n  # one entry: W1_{32}
    args = tuple(unjoined(a, kinds) for a in n.args)
    return Node(n.op, args, n.value, n.column)


def transposes(scripts) -> bool:
    return any(
        s.op == "upper" and s.args[0].op in ("token", "name") and s.args[0].value == TRANSPOSE
        for s in scripts
    )


def spell(node: Node) -> str:
    """A raw node written back as plain text (for a diagnosis)."""
    if node.op in ("name", "token", "number"):
        return str(node.value)
    if node.op == "scripted":
        base, *scripts = node.args
        marks = {"upper": "^", "lower": "_"}
        return spell(base) + "".join(f"{marks[s.op]}{{{spell(s.args[0])}}}" for s in scripts)
    if node.op == "call":
        return f"{node.value}({spell(node.args[0])})"
    if node.op == "tuple":
        return ",".join(spell(a) for a in node.args)
    ops = {"add": " + ", "sub": " - ", "mul": " ", "jux": " ", "div": "/"}
    if node.op in ops and len(node.args) == 2:
        return f"({spell(node.args[0])}{ops[node.op]}{spell(node.args[1])})"
    return node.op
