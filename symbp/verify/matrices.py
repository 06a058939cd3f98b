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

import sympy as sp

from ..errors import ClaimError
from ..parse import Node, Reader
from .values import (
    BATCH_KINDS,
    LAYER_KINDS,
    SHIFTS,
    TRANSPOSE,
    Mismatch,
    Slip,
    Value,
    layer_name,
    spell,
    transposes,
)
from .wholes import Wholes


class Matrices(Wholes):
    """Reads vector claims into Values for one Checker (`ck`); vector.Vectors checks them."""

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
        return Value(sp.ImmutableMatrix([expr]), spell(node), scalar=True)

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
        elif base.op in ("name", "hat") and not transposes(scripts):
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
