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
from ..parse import Node, OutOfRange, Reader
from ..parse.limits import MAX_INDEX
from .values import (
    BATCH_SIZES,
    SHIFTS,
    TRANSPOSE,
    Mismatch,
    Slip,
    Value,
    is_batch,
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
        if node.value in self.vectors_named:
            return self.named(node.value)
        if self.samples is not None and node.value in BATCH_SIZES:
            return Value(sp.ImmutableMatrix([self.samples.m]), node.value, scalar=True)
        if self.samples is not None and node.value.lower() in self.vectors_named:
            return self._columns(self.named(node.value.lower()), node.value)
        return self._scalar(node, env)

    def _columns(self, value: Value, text: str) -> Value:
        """The batch matrix of a layer's vector: one column (DLfS: one row) per sample."""
        return Value(self.samples.layout(value.mat, self.rows), text)

    def _sample_script(self, arg: Node) -> tuple[Node, str | None]:
        """(layer, sample letter) of a superscript such as {2,(i)}, {x,l} or {2(i)}."""
        if arg.op in ("tuple", "jux") and len(arg.args) == 2:
            for pos, part in enumerate(arg.args):
                if part.op in ("name", "token") and part.value in self.bound:
                    return arg.args[1 - pos], str(part.value)
        return arg, None

    def _v_bigsum(self, node, env, fixes) -> Value:
        """A sum over the samples of a batch (the body read for one sample, then added up), or
        over a unit index (`\\sum_j \\delta^2_j`: the body read for each unit, then added)."""
        var, bounded = node.value
        if not is_batch(node, self.batch_names):
            return self._unit_sum(node, env, fixes)
        if self.samples is None or (bounded and not self._whole_batch(node, env)):
            raise ClaimError(
                "in a vector claim a sum runs over a unit index or the samples of a batch: "
                "\\sum_i with superscripts such as delta^{2,(i)}",
                column=node.column,
            )
        self.bound.add(var)
        try:
            body = self.evaluate(node.args[-1], env, fixes)
        finally:
            self.bound.discard(var)
        total = self.samples.total(body.mat)
        return Value(total, f"sum_{var} {body.bracketed}", body.scalar, True)

    def _whole_batch(self, node: Node, env) -> bool:
        """Whether a sum's limits run over the whole batch: 1 to m (or N)."""
        lo, hi = node.args[0], node.args[1]
        return lo.op in ("number", "token") and str(lo.value) == "1" and _letter(hi) in BATCH_SIZES

    def _unit_sum(self, node: Node, env, fixes) -> Value:
        """`\\sum_j body` over the units: j from 1 until a name of the body has no such unit."""
        var, bounded = node.value
        body = node.args[-1]
        if not any(n.op in ("name", "token") and var in str(n.value) for n in body.walk()):
            raise ClaimError(
                f"the sum's letter {var} appears nowhere in its body", column=node.column
            )
        lo, hi = (self._layer(n, env) for n in node.args[:2]) if bounded else (1, None)
        total, k = None, lo
        while hi is None or k <= hi:
            if k - lo >= MAX_INDEX:
                raise ClaimError(f"sum over more than {MAX_INDEX} terms", column=node.column)
            try:
                term = self.evaluate(body, {**env, var: k}, fixes)
            except OutOfRange:
                if hi is not None or total is None:
                    raise
                break
            if total is not None and total.mat.shape != term.mat.shape:
                raise Mismatch(Slip(node, f"sum_{var} {term.bracketed}", (total.shape, term.shape)))
            mat = term.mat if total is None else total.mat + term.mat
            total = Value(sp.ImmutableMatrix(mat), f"sum_{var} {term.bracketed}", term.scalar, True)
            k += 1
        if total is None:
            raise ClaimError(f"the sum over {var} has no terms", column=node.column)
        return total

    def _v_scripted(self, node, env, fixes) -> Value:
        base, *scripts = node.args
        if any(s.op == "lower" for s in scripts):  # one unit's symbol: delta^2_j, w^2_{jk}
            return self._scalar(node, env)
        if scripts and scripts[0].op == "upper" and base.op == "name":
            arg, rest = _layer_transposed(scripts[0].args[0], scripts[1:])
            if base.value in self.vectors_named and _letter(arg) in self.bound:
                text = f"{base.value}^({arg.value})"
                return self._scripts(Value(self.named(base.value).mat, text), rest, env, fixes)
            layer, sample = self._sample_script(arg)
            kind = self.kinds.get(base.value) or self.batch_kind(base.value)
            if sample is not None and kind is not None:
                kind, derivative = kind if isinstance(kind, tuple) else (kind, False)
                number = self._layer(layer, env) + SHIFTS.get(fixes.get(id(node)), 0)
                value = self.sample_value(kind, derivative, number, node.column)
                text = f"{base.value}^{{{number},({sample})}}"
                return self._scripts(Value(value.mat, text, value.scalar), rest, env, fixes)
            batch = self.batch_kind(base.value)
            if batch is not None and self.samples is not None:
                number = self._layer(arg, env) + SHIFTS.get(fixes.get(id(node)), 0)
                value = self.sample_value(*batch, number, node.column)
                columns = self._columns(value, f"{base.value}^{number}")
                return self._scripts(columns, rest, env, fixes)
            one = self.one_sample_kind(base.value)
            if one is not None:
                number = self._layer(arg, env) + SHIFTS.get(fixes.get(id(node)), 0)
                value = self.sample_value(*one, number, node.column)
                return self._scripts(value, rest, env, fixes)
        if base.op == "name" and base.value in BATCH_SIZES and self.samples is not None:
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
        left, right = node.args
        if left.op in ("mul", "jux"):  # x^T dL/da1 is x^T (dL/da1), not (x^T dL)/da1
            inner = Node("div", (left.args[1], right), None, node.column)
            if self._derivative(inner, env) is not None:
                product = Node(left.op, (left.args[0], inner), left.value, left.column)
                if id(left) in fixes:
                    fixes = {**fixes, id(product): fixes[id(left)]}
                return self.evaluate(product, env, fixes)
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
        if fixes.get(id(node)) == "pre_activation":  # σ'(a^l) corrected to σ'(z^l)
            pre = {a: z for lf in self.d.layers for a, z in zip(lf.a, lf.z)}
            arg = Value(arg.mat.xreplace(pre), arg.text.replace("a", "z", 1), arg.scalar)
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


def _letter(n: Node) -> str | None:
    return str(n.value) if n.op in ("name", "token") else None


def _layer_transposed(arg: Node, rest: list) -> tuple[Node, list]:
    """A superscript such as [2]T (Ng's A^{[2]T}, DLfS's z^{1T}): the layer, then a transpose."""
    if arg.op == "jux" and _letter(arg.args[1]) == TRANSPOSE:
        upper = Node("upper", (Node("token", (), TRANSPOSE, arg.column),), None, arg.column)
        return arg.args[0], [upper, *rest]
    return arg, rest
