"""Whole-layer claims read as matrices of a network's own symbols (the reading half of
vector.py).

A whole-layer name (a, z, delta, w or W, b with a layer and no unit; x, y; Δ^l, A^l, X, Y for a
batch) stands for the layer's column vector or weight matrix by kind and layer, never through a
notation's spelling, so vector claims read on every network. `*`, ⊙ and ∘ are elementwise;
juxtaposition, `\\cdot` and `@` are matrix products; a number or a single unit's symbol scales.
Shapes that do not fit raise Mismatch; `fixes` (a node's id -> a correction) reads the claim
with one correction applied, so the checker can try them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..errors import ClaimError
from ..parse import Node, Reader
from .samples import Samples

LAYER_KINDS = {"a": "a", "z": "z", "delta": "delta", "w": "w", "W": "w", "b": "b"}
BATCH_KINDS = {"Delta": "delta", "A": "a", "Z": "z"}  # one column per sample: Δ^l = [δ^(1) ...]
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
    """True when a quantity names a whole layer: `delta^L`, `dC/dw^l`, `\\nabla_a C`."""
    for n in raw.walk():
        if n.op == "nabla" or layer_name(n) is not None:
            return True
    return False


def layer_name(n: Node) -> tuple[str, Node] | None:
    """(kind, layer node) of a whole-layer name such as `w^{l+1}` or `dW^2`, else None."""
    if n.op != "scripted" or n.args[0].op != "name":
        return None
    base = n.args[0].value
    scripts = n.args[1:]
    if any(s.op == "lower" for s in scripts) or scripts[0].op != "upper":
        return None
    kind = LAYER_KINDS.get(base) or (LAYER_KINDS.get(base[1:]) if base[:1] == "d" else None)
    if kind is None:
        return None
    return kind, scripts[0].args[0]


class Matrices:
    """Reads vector claims into Values for one Checker (`ck`); vector.Vectors checks them."""

    def __init__(self, ck):
        self.ck = ck
        self.d = ck.d
        self.L = len(self.d.layers)
        self.functions = ck.functions()
        self.samples: Samples | None = None  # built for the first batch claim
        self.bound: set[str] = set()  # the sample letters of the sums being read

    # ---- whole-layer quantities --------------------------------------------------------
    def symbols(self, kind: str, layer: int, column) -> Value:
        """The layer's vector or matrix of symbols; raises Absent."""
        d, text = self.d, f"{'delta' if kind == 'delta' else kind}^{layer}"
        if kind == "a" and layer == 0:
            return Value(sp.ImmutableMatrix(d.inputs), text)
        if not 1 <= layer <= self.L:
            raise Absent(f"no layer {layer} in this network (layers 1..{self.L})", column=column)
        lf = d.layers[layer - 1]
        if kind == "a":
            return Value(sp.ImmutableMatrix(lf.a), text)
        if kind == "z":
            return Value(sp.ImmutableMatrix(lf.z), text)
        if kind == "delta":
            return Value(sp.ImmutableMatrix(d.delta_symbols[layer - 1]), text)
        if kind == "w":
            return Value(sp.ImmutableMatrix(lf.weights), text)
        if not lf.biases:
            raise ClaimError(f"layer {layer} has no bias", column=column)
        if lf.bias_mode.shared:
            return Value(sp.ImmutableMatrix([lf.biases]), text, scalar=True)
        return Value(sp.ImmutableMatrix(lf.biases), text)

    def gradient(self, kind: str, layer: int, column) -> tuple[Value, list]:
        """dC/dX^l as the derivation gives it, and each entry's (num, den) quantity."""
        of = self.symbols(kind, layer, column)
        if kind == "delta":
            raise ClaimError("dC/ddelta is not a quantity: write delta^l or dC/dz^l", column=column)
        cost = self.ck.cost
        quantities = [(cost, s) for s in of.mat]
        values = [self.ck.truth(*q) for q in quantities]
        mat = sp.ImmutableMatrix(*of.mat.shape, values)
        return Value(mat, f"dC/d{of.text}", of.scalar), quantities

    def quantity(self, raw: Node, env) -> tuple[Value, list]:
        """The truth of a vector quantity and each entry's quantity; raises ClaimError."""
        found = layer_name(raw)
        if found is not None and found[0] == "delta" and raw.args[0].value == "delta":
            v = self.symbols("delta", self._layer(found[1], env), raw.column)
            quantities = [(s, None) for s in v.mat]
            truth = sp.ImmutableMatrix(*v.mat.shape, [self.ck.truth(*q) for q in quantities])
            return Value(truth, v.text), quantities
        if found is not None and self.ck.d_cost and raw.args[0].value[:1] == "d":
            return self.gradient(found[0], self._layer(found[1], env), raw.column)  # Ng's dz^l
        derivative = self._derivative(raw, env)
        if derivative is None:
            raise ClaimError(
                "not a vector quantity: write delta^l, dC/dw^l, dC/db^l or \\nabla_a C",
                column=raw.column,
            )
        return derivative

    def _derivative(self, raw: Node, env) -> tuple[Value, list] | None:
        """dC/dX^l, \\frac{\\partial C}{\\partial X^l} or \\nabla_X C, else None."""
        if raw.op == "nabla":
            wrt, body = raw.args
            if not (body.op == "name" and body.value in (*COSTS, self.ck.cost.name)):
                raise ClaimError("∇ is understood of the cost: \\nabla_a C", column=raw.column)
            if wrt.op in ("token", "name") and str(wrt.value) in LAYER_KINDS:
                return self.gradient(LAYER_KINDS[str(wrt.value)], self.L, raw.column)
            found = layer_name(wrt)
            if found is None:
                raise ClaimError("∇ needs a layer quantity: \\nabla_a C", column=raw.column)
            return self.gradient(found[0], self._layer(found[1], env), raw.column)
        parts = self._fraction(raw)
        if parts is None:
            return None
        num, den = parts
        if not self._is_cost(num):
            return None
        found = layer_name(den)
        if found is None:
            return None
        return self.gradient(found[0], self._layer(found[1], env), raw.column)

    @staticmethod
    def _fraction(raw: Node) -> tuple[Node, Node] | None:
        """(numerator, denominator) with the d or ∂ marks removed, of dC/dX or ∂C/∂X."""

        def unmark(n: Node) -> Node | None:
            if n.op == "jux" and (n.args[0].op == "partial" or n.args[0].value == "d"):
                return n.args[1]
            base = n.args[0] if n.op == "scripted" else n
            if base.op == "name" and str(base.value).startswith("d") and len(base.value) > 1:
                stripped = Node("name", (), base.value[1:], base.column)
                if n.op == "scripted":
                    return Node("scripted", (stripped, *n.args[1:]), None, n.column)
                return stripped
            return None

        if raw.op in ("frac", "div"):
            num, den = (unmark(x) for x in raw.args)
            return (num, den) if num is not None and den is not None else None
        if raw.op == "jux" and raw.args[0].op == "div":  # ∂C / ∂ w^l
            (left, mark), right = raw.args[0].args, raw.args[1]
            if mark.op == "partial" or (mark.op == "name" and mark.value == "d"):
                num = unmark(left)
                return (num, right) if num is not None else None
        return None

    def _is_cost(self, n: Node) -> bool:
        return n.op == "name" and n.value in (*COSTS, self.ck.cost.name)

    def _layer(self, node: Node, env) -> int:
        reader = Reader(self.ck.names, indices=env)
        reader.last = self.L
        layer = reader._index(node, env)
        if not isinstance(layer, int):
            raise ClaimError("a layer must be a whole number, L or l", column=node.column)
        return layer

    # ---- the claim ---------------------------------------------------------------------
    def evaluate(self, node: Node, env, fixes: dict) -> Value:
        """The claim's Value; raises Mismatch where shapes do not fit, ClaimError if unreadable."""
        method = getattr(self, f"_v_{node.op}", None)
        if method is None:
            return self._scalar(node, env)
        return method(node, env, fixes)

    def _scalar(self, node: Node, env) -> Value:
        reader = Reader(self.ck.names, self.functions, self.ck.truth, env)
        reader.last = self.L
        expr = reader.resolve(node).expr
        return Value(sp.ImmutableMatrix([expr]), _spell(node), scalar=True)

    def _v_number(self, node, env, fixes) -> Value:
        return Value(sp.ImmutableMatrix([node.value]), str(node.value), scalar=True)

    def _v_name(self, node, env, fixes) -> Value:
        d = self.d
        if node.value in ("x", "y"):
            symbols = d.inputs if node.value == "x" else d.targets
            return Value(sp.ImmutableMatrix(symbols), node.value)
        if self.samples is not None and node.value in ("X", "Y", "m"):
            if node.value == "m":
                return Value(sp.ImmutableMatrix([self.samples.m]), "m", scalar=True)
            symbols = d.inputs if node.value == "X" else d.targets
            return self._columns(Value(sp.ImmutableMatrix(symbols), ""), node.value)
        return self._scalar(node, env)

    def _columns(self, value: Value, text: str) -> Value:
        """The batch matrix of a layer's column vector: one column per sample."""
        columns = [value.mat.xreplace(sample) for sample in self.samples.maps]
        return Value(sp.ImmutableMatrix.hstack(*columns), text)

    def _sample_script(self, arg: Node) -> tuple[Node, str | None]:
        """(layer, sample letter) of a superscript such as {2,(i)}, {x,l} or {2(i)}."""
        if arg.op in ("tuple", "jux") and len(arg.args) == 2:
            for pos, part in enumerate(arg.args):
                if part.op in ("name", "token") and part.value in self.bound:
                    return arg.args[1 - pos], str(part.value)
        return arg, None

    def _v_bigsum(self, node, env, fixes) -> Value:
        """A sum over the samples of a batch: the body read for one sample, then added up."""
        var, bounded = node.value
        if self.samples is None or bounded:
            raise ClaimError(
                "in a vector claim a sum runs over the samples of a batch: \\sum_i with "
                "superscripts such as delta^{2,(i)}",
                column=node.column,
            )
        self.bound.add(var)
        try:
            body = self.evaluate(node.args[-1], env, fixes)
        finally:
            self.bound.discard(var)
        total = self.samples.total(body.mat)
        return Value(total, f"sum_{var} {body.bracketed}", body.scalar, True)

    def _v_scripted(self, node, env, fixes) -> Value:
        base, *scripts = node.args
        if scripts and scripts[0].op == "upper" and base.op == "name":
            arg = scripts[0].args[0]
            if base.value in ("x", "y") and arg.op in ("name", "token") and arg.value in self.bound:
                value = self._v_name(base, env, fixes)
                text = f"{base.value}^({arg.value})"
                return self._scripts(Value(value.mat, text), scripts[1:], env, fixes)
            layer, sample = self._sample_script(arg)
            if sample is not None and base.value in LAYER_KINDS:
                number = self._layer(layer, env) + SHIFTS.get(fixes.get(id(node)), 0)
                value = self.symbols(LAYER_KINDS[base.value], number, node.column)
                text = f"{value.text.partition('^')[0]}^{{{number},({sample})}}"
                return self._scripts(Value(value.mat, text, value.scalar), scripts[1:], env, fixes)
            if base.value in BATCH_KINDS and self.samples is not None:
                kind = BATCH_KINDS[base.value]
                number = self._layer(scripts[0].args[0], env)
                value = self.symbols(kind, number, node.column)
                batch = self._columns(value, f"{base.value}^{number}")
                return self._scripts(batch, scripts[1:], env, fixes)
        found = layer_name(Node("scripted", (base, scripts[0])) if scripts else node)
        if base.op == "name" and found is not None and base.value in LAYER_KINDS:
            number = self._layer(found[1], env) + SHIFTS.get(fixes.get(id(node)), 0)
            value = self.symbols(found[0], number, node.column)
            rest = scripts[1:]
        elif base.op == "name" and base.value == "m" and self.samples is not None:
            value, rest = self._v_name(base, env, fixes), scripts
        elif base.op in ("name", "hat") and not _transposes(scripts):
            return self._scalar(node, env)
        else:
            value, rest = self.evaluate(base, env, fixes), scripts
        return self._scripts(value, rest, env, fixes)

    def _scripts(self, value: Value, rest, env, fixes) -> Value:
        """Transposes and powers written after a value."""
        for s in rest:
            arg = s.args[0]
            if s.op == "upper" and arg.op in ("token", "name") and arg.value == TRANSPOSE:
                value = value.transposed()
            elif s.op == "upper":
                power = self.evaluate(arg, env, fixes)
                if not power.scalar:
                    raise ClaimError("an exponent must be a number", column=s.column)
                mat = value.mat.applyfunc(lambda e, p=power.mat[0]: e**p)
                value = Value(mat, f"{value.bracketed}^{power.text}", value.scalar)
            else:
                raise ClaimError("a subscript needs a name", column=s.column)
        return value

    def _v_nabla(self, node, env, fixes) -> Value:
        value, _ = self._derivative(node, env)
        return Value(value.mat, f"∇C({value.text})", value.scalar)

    def _v_frac(self, node, env, fixes) -> Value:
        derivative = self._derivative(node, env)
        if derivative is not None:
            return derivative[0]
        return self._divide(node, env, fixes)

    def _v_div(self, node, env, fixes) -> Value:
        derivative = self._derivative(node, env)
        if derivative is not None:
            return derivative[0]
        return self._divide(node, env, fixes)

    def _divide(self, node, env, fixes) -> Value:
        a, b = (self.evaluate(x, env, fixes) for x in node.args)
        if not b.scalar:
            raise ClaimError("division by a vector or matrix", column=node.column)
        return Value(a.mat / b.mat[0], f"{a.bracketed}/{b.bracketed}", a.scalar)

    def _v_neg(self, node, env, fixes) -> Value:
        a = self.evaluate(node.args[0], env, fixes)
        return Value(-a.mat, f"-{a.bracketed}", a.scalar)

    def _v_add(self, node, env, fixes) -> Value:
        return self._sum(node, env, fixes, 1)

    def _v_sub(self, node, env, fixes) -> Value:
        return self._sum(node, env, fixes, -1)

    def _sum(self, node, env, fixes, sign) -> Value:
        a, b = (self.evaluate(x, env, fixes) for x in node.args)
        a, b = self._fixed(node, a, b, fixes)
        text = f"{a.text} {'+' if sign > 0 else '-'} {b.bracketed if sign < 0 else b.text}"
        if a.scalar or b.scalar:
            big = b if a.scalar else a
            ones = sp.ones(*big.mat.shape)
            mat = (a.mat[0] * ones if a.scalar else a.mat) + sign * (
                b.mat[0] * ones if b.scalar else b.mat
            )
            return Value(sp.ImmutableMatrix(mat), text, a.scalar and b.scalar, True)
        if a.mat.shape != b.mat.shape:
            raise Mismatch(Slip(node, text, (a.shape, b.shape)))
        return Value(a.mat + sign * b.mat, text, compound=True)

    def _v_mul(self, node, env, fixes) -> Value:
        a, b = (self.evaluate(x, env, fixes) for x in node.args)
        a, b = self._fixed(node, a, b, fixes)
        op = fixes.get(id(node), "hadamard" if node.value == "hadamard" else "product")
        if op in ("order", "product_order"):
            a, b, op = b, a, "product"
        if a.scalar or b.scalar:
            scalar, other = (a, b) if a.scalar else (b, a)
            mat = sp.ImmutableMatrix(other.mat * scalar.mat[0])
            return Value(mat, f"{a.bracketed} {b.bracketed}", a.scalar and b.scalar)
        if op == "hadamard":
            text = f"{a.bracketed} ⊙ {b.bracketed}"
            if a.mat.shape != b.mat.shape:
                raise Mismatch(Slip(node, text, (a.shape, b.shape)))
            mat = sp.ImmutableMatrix(a.mat.multiply_elementwise(b.mat))
            return Value(mat, text, compound=True)
        text = f"{a.bracketed} {b.bracketed}"
        if a.mat.shape[1] != b.mat.shape[0]:
            raise Mismatch(Slip(node, text, (a.shape, b.shape)))
        return Value(sp.ImmutableMatrix(a.mat * b.mat), text, compound=True)

    _v_jux = _v_mul

    @staticmethod
    def _fixed(node, a: Value, b: Value, fixes) -> tuple[Value, Value]:
        fix = fixes.get(id(node))
        if fix == "transpose_left":
            return a.transposed(), b
        if fix == "transpose_right":
            return a, b.transposed()
        return a, b

    def _v_call(self, node, env, fixes) -> Value:
        arg = self.evaluate(node.args[0], env, fixes)
        fn = self.functions.get(node.value)
        if fn is None:
            return self._scalar(node, env)
        text = f"{node.value}({arg.text})"
        try:
            mat = arg.mat.applyfunc(fn)
        except ClaimError:
            jacobian = self._jacobian(node.value, arg)
            if jacobian is None:
                raise
            return Value(jacobian, text)
        return Value(sp.ImmutableMatrix(mat), text, arg.scalar)

    def _jacobian(self, name: str, arg: Value) -> sp.ImmutableMatrix | None:
        """σ'(z^l) of a softmax layer: its Jacobian da^l/dz^l, a matrix (Nielsen's Σ'(z^l))."""
        if not name.endswith("'") or arg.scalar:
            return None
        for lf, lb in zip(self.d.layers, self.d.backward):
            if list(arg.mat) == lf.z and arg.mat.shape[1] == 1:
                return sp.ImmutableMatrix(lb.jacobian)
        return None

    def _v_textcall(self, node, env, fixes) -> Value:
        fname, arg = node.args
        key = str(fname.value).lower() + ("'" if node.value else "")
        if key in self.functions:
            return self._v_call(Node("call", (arg,), key, node.column), env, fixes)
        return self._scalar(node, env)


def is_batch(raw: Node) -> bool:
    """A claim about a batch: a sum whose letter is a sample superscript, or Δ^l, A^l, X."""
    for n in raw.walk():
        if n.op == "bigsum":
            letter = n.value[0]
            for inner in n.args[-1].walk():
                if inner.op in ("tuple", "jux") and any(
                    p.op in ("name", "token") and p.value == letter for p in inner.args
                ):
                    return True
        if n.op == "scripted" and n.args[0].op == "name" and n.args[0].value in BATCH_KINDS:
            return True
        if n.op == "name" and n.value in ("X", "Y"):
            return True
    return False


def _transposes(scripts) -> bool:
    return any(
        s.op == "upper" and s.args[0].op in ("token", "name") and s.args[0].value == TRANSPOSE
        for s in scripts
    )


def _spell(node: Node) -> str:
    """A raw node written back as plain text (for a diagnosis)."""
    if node.op in ("name", "token", "number"):
        return str(node.value)
    if node.op == "scripted":
        base, *scripts = node.args
        marks = {"upper": "^", "lower": "_"}
        return _spell(base) + "".join(f"{marks[s.op]}{{{_spell(s.args[0])}}}" for s in scripts)
    if node.op == "call":
        return f"{node.value}({_spell(node.args[0])})"
    if node.op == "tuple":
        return ",".join(_spell(a) for a in node.args)
    ops = {"add": " + ", "sub": " - ", "mul": " ", "jux": " ", "div": "/"}
    if node.op in ops and len(node.args) == 2:
        return f"({_spell(node.args[0])}{ops[node.op]}{_spell(node.args[1])})"
    return node.op
