"""Whole-layer quantities of one Checker's derivation: a layer's vector or matrix of symbols,
and the truth of a vector quantity (`delta^l`, `dC/dw^l`, `\\nabla_a C`, Ng's `dW^2`)."""

from __future__ import annotations

import sympy as sp

from ..errors import ClaimError
from ..parse import Node, Reader
from .samples import Samples
from .values import BATCH_KINDS, COSTS, LAYER_KINDS, UNIT_KINDS, Absent, Value, layer_name


class Wholes:
    """The whole-layer quantities of one Checker (`ck`); matrices.Matrices reads claims of them."""

    def __init__(self, ck):
        self.ck = ck
        self.d = ck.d
        self.L = len(self.d.layers)
        self.functions = ck.functions()
        self.samples: Samples | None = None  # built for the first batch claim
        self.bound: set[str] = set()  # the sample letters of the sums being read
        preset = self.d.names.preset
        self.shift = preset.shift if preset else 0  # UFLDL: the input is layer 1
        self.rows = bool(preset and preset.rows)  # DLfS: a sample is a row, W is in x out
        letters = preset.letters if preset else {}
        self.kinds = {**LAYER_KINDS, **{k: v for k, v in letters.items() if k in LAYER_KINDS}}
        self.batch_kinds = {**BATCH_KINDS, **{k: v for k, v in letters.items() if k in BATCH_KINDS}}
        whole = preset.whole if preset else {}
        self.vectors_named = {"x": "inputs", whole.get("y", "y"): "targets"}
        if "output" in whole:
            self.vectors_named[whole["output"]] = "outputs"
        self.batch_names = tuple(letter.upper() for letter in self.vectors_named)

    def batch_kind(self, base: str) -> tuple[str, bool] | None:
        """(kind, derivative) of a batch name: A^l is ("a", False); Ng's dZ^l and dA^l, the
        cost's derivatives per sample, are ("z", True) and ("a", True)."""
        if base in self.batch_kinds:
            return self.batch_kinds[base], False
        if self.ck.d_cost and base[:1] == "d" and base[1:] in self.batch_kinds:
            return self.batch_kinds[base[1:]], True
        return None

    def one_sample_kind(self, base: str) -> tuple[str, bool] | None:
        """(kind, derivative) of one sample's whole-layer name: a^l, w^l; Ng's dz^l, da^l."""
        if base in self.kinds:
            return self.kinds[base], False
        if self.ck.d_cost and base[:1] == "d" and base[1:] in self.kinds:
            return self.kinds[base[1:]], True
        return None

    def sample_value(self, kind: str, derivative: bool, layer: int, column) -> Value:
        """One sample's whole-layer value: the symbols, or (Ng's dZ, dA) the cost's derivative
        by them (dZ is delta's symbols)."""
        if derivative and kind == "z":
            return self.symbols("delta", layer, column)
        if derivative:
            return self.gradient(kind, layer, column)[0]
        return self.symbols(kind, layer, column)

    def named(self, letter: str) -> Value:
        """x, y (DLfS: x, t, and y the output) as the layer's vector."""
        d, what = self.d, self.vectors_named[letter]
        symbols = {"inputs": d.inputs, "targets": d.targets, "outputs": d.layers[-1].a}[what]
        return self._oriented(sp.ImmutableMatrix(symbols), letter)

    def _oriented(self, column: sp.ImmutableMatrix, text: str, scalar=False) -> Value:
        """A layer's column vector or matrix as the notation lays it out (DLfS: transposed)."""
        return Value(column.T if self.rows and not scalar else column, text, scalar)

    # ---- whole-layer quantities --------------------------------------------------------
    def symbols(self, kind: str, written: int, column) -> Value:
        """The vector or matrix of symbols of a layer as the notation numbers it; raises Absent."""
        d, text = self.d, f"{'delta' if kind == 'delta' else kind}^{written}"
        layer = written - self.shift if kind in UNIT_KINDS else written
        if kind == "a" and layer == 0:
            return self._oriented(sp.ImmutableMatrix(d.inputs), text)
        if not 1 <= layer <= self.L:
            shift = self.shift if kind in UNIT_KINDS else 0
            raise Absent(
                f"no layer {written} in this network (layers {1 + shift}..{self.L + shift})",
                column=column,
            )
        lf = d.layers[layer - 1]
        if kind == "a":
            return self._oriented(sp.ImmutableMatrix(lf.a), text)
        if kind == "z":
            return self._oriented(sp.ImmutableMatrix(lf.z), text)
        if kind == "delta":
            return self._oriented(sp.ImmutableMatrix(d.delta_symbols[layer - 1]), text)
        if kind == "w":
            return self._oriented(sp.ImmutableMatrix(lf.weights), text)
        if not lf.biases:
            raise ClaimError(f"layer {layer} has no bias", column=column)
        if lf.bias_mode.shared:
            return Value(sp.ImmutableMatrix([lf.biases]), text, scalar=True)
        return self._oriented(sp.ImmutableMatrix(lf.biases), text)

    def last(self, kind: str) -> int:
        """The output layer's number as the notation writes it for `kind`."""
        return self.L + self.shift if kind in UNIT_KINDS else self.L

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
        found = layer_name(raw, self.kinds)
        batch = self.batch_kind(raw.args[0].value) if raw.op == "scripted" else None
        if batch is not None and batch[1] and self.samples is not None:  # Ng's dZ^l, dA^l
            kind, layer = batch[0], self._layer(raw.args[1].args[0], env)
            one = self.gradient(kind, layer, raw.column)
            value = self.samples.layout(one[0].mat, self.rows)
            quantities = [one[1][i // self.samples.m] for i in range(len(value))]
            return Value(value, f"d{raw.args[0].value[1:]}^{layer}"), quantities
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
            if wrt.op in ("token", "name") and str(wrt.value) in self.kinds:
                kind = self.kinds[str(wrt.value)]
                return self.gradient(kind, self.last(kind), raw.column)
            found = layer_name(wrt, self.kinds)
            if found is None:
                raise ClaimError("∇ needs a layer quantity: \\nabla_a C", column=raw.column)
            return self.gradient(found[0], self._layer(found[1], env), raw.column)
        parts = self._fraction(raw)
        if parts is None:
            return None
        num, den = parts
        if not self._is_cost(num):
            return None
        found = layer_name(den, self.kinds)
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
