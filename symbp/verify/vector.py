"""Vector and matrix claims: Nielsen's BP1-BP4 written for a whole layer, read as matrices
(matrices.py) and checked entry by entry (scope: this network, at its widths).

`delta^L = (a^L - y) ⊙ σ'(z^L)`, `delta^l = ((w^{l+1})^T delta^{l+1}) ⊙ σ'(z^l)`,
`dC/dw^l = delta^l (a^{l-1})^T`, `dC/db^l = delta^l`, `∇_a C = a^L - y`, and batch forms. A
product or sum of shapes that do not fit is a result, not an error: the one transpose, exchanged
order, elementwise product or layer that makes the claim right is named, and the claim proved
with it corrected; one that only fits the shapes is said to be still wrong.
"""

from __future__ import annotations

import sympy as sp

from ..errors import ClaimError
from ..network import Layer, Network
from ..parse import Node, index_letters, located, syntax_tree
from .matrices import Matrices
from .samples import Samples
from .values import SHIFTS, Absent, Mismatch, Slip, Value, is_batch, is_vector, unjoined
from .verdict import Case, Diagnosis, Kind, Verdict
from .widths import SCOPE as EVERY_WIDTH
from .widths import proved_every_width

NARROW = (3, 2, 4)  # the widths of a wide network's copy, in turn: no two neighbours equal
SCOPE = "this network"  # entry by entry at the network's own widths
FIXES = {
    "product": ("transpose_left", "transpose_right", "order", "hadamard"),
    "hadamard": ("product", "product_order", "transpose_left", "transpose_right"),
    "sum": ("transpose_left", "transpose_right"),
}
NODE_FIXES = (*SHIFTS, "pre_activation")  # corrections of one node, named by its text
KIND_OF_FIX = {
    "transpose_left": Kind.TRANSPOSE,
    "transpose_right": Kind.TRANSPOSE,
    "transpose_result": Kind.TRANSPOSE,
    "order": Kind.ORDER,
    "hadamard": Kind.HADAMARD,
    "product": Kind.MATRIX_PRODUCT,
    "product_order": Kind.MATRIX_PRODUCT,
    "pre_activation": Kind.FUNCTION_OF_ACTIVATION,
    "layer_up": Kind.INDEX,
    "layer_down": Kind.INDEX,
}


def narrow_copy(net: Network) -> Network:
    """The same layers at widths 3, 2, 4, 3, ... (never wider than the network's own), for
    vector claims about a network too wide to check per unit."""
    widths = [min(n, NARROW[i % len(NARROW)]) for i, n in enumerate(net.sizes)]
    layers = tuple(
        Layer(n, layer.activation, layer.bias, layer.alpha)
        for n, layer in zip(widths[1:], net.layers)
    )
    return Network(widths[0], layers, net.loss, net.notation, net.name)


class Vectors(Matrices):
    """Checks vector claims for one Checker (`ck`)."""

    def is_vector(self, raw: Node) -> bool:
        """Whether a quantity names a whole layer, in this notation's spelling."""
        return is_vector(unjoined(raw, self.kinds) if self.rows else raw)

    def verify(self, quantity: str, claim: str) -> Verdict:
        """Check a vector claim for every value of the quantity's layer letter."""
        q_raw = syntax_tree(quantity, self.ck.written)
        c_raw = syntax_tree(claim, self.ck.written)
        if self.rows:  # DLfS writes a layer's number after its letter: W1, a2
            kinds = {**self.kinds, **self.batch_kinds}
            q_raw, c_raw = unjoined(q_raw, kinds), unjoined(c_raw, kinds)
        batch = is_batch(c_raw, self.batch_names)
        if batch and self.samples is None:
            self.samples = Samples(self.ck)
        saved, self.samples = self.samples, self.samples if batch else None
        try:
            return self._verify(quantity, claim, q_raw, c_raw)
        finally:
            self.samples = saved

    def _verify(self, quantity: str, claim: str, q_raw: Node, c_raw: Node) -> Verdict:
        letters = sorted(index_letters(q_raw))
        top = self.L + 2 + self.shift
        bindings = [{}] if not letters else [{letters[0]: l} for l in range(0, top)]
        if len(letters) > 1:
            raise ClaimError(f"a vector quantity has one layer letter, not {', '.join(letters)}")
        cases, skipped, shape = [], [], ""
        for env in bindings:
            try:
                truth, quantities = self.quantity(q_raw, env)
            except ClaimError as e:
                if letters and isinstance(e, Absent):
                    continue
                raise located(e, quantity) from None
            if self.samples is not None and not self._per_sample(q_raw):
                if quantities[0][1] is None:
                    raise ClaimError(
                        f"{truth.text} is one sample's; a batch claim is about the gradient of "
                        "the batch cost: dC/dw^l, dC/db^l",
                        quantity,
                    )
                truth = Value(self.samples.mean(truth.mat), truth.text, truth.scalar)
            shape = shape or truth.shape
            try:
                cases += self._cases(c_raw, env, truth, quantities)
            except Absent as e:
                if not letters:
                    raise located(e, claim) from None
                skipped.append(env)
            except ClaimError as e:
                raise located(e, claim) from None
        if not cases:
            raise ClaimError(f"the claim applies to no layer of this network: {claim}", claim)
        if self.samples is not None:
            self._batch_mean(cases)
        verdict = Verdict(quantity, claim, cases, skipped, len(self.ck.values))
        verdict.form, verdict.shape = "batch" if self.samples else "vector", shape
        verdict.scope = SCOPE
        if self.ck.wide is not None:
            verdict.scope = "a copy at widths " + "-".join(map(str, self.d.net.sizes))
        if verdict.ok and proved_every_width(self, q_raw, c_raw, cases, self.samples is not None):
            verdict.scope = EVERY_WIDTH
        return verdict

    def _per_sample(self, raw: Node) -> bool:
        """Ng's dZ^l and dA^l: one column per sample, each sample's own derivative."""
        batch = self.batch_kind(raw.args[0].value) if raw.op == "scripted" else None
        return batch is not None and batch[1]

    def _cases(self, raw: Node, env, truth: Value, quantities) -> list[Case]:
        try:
            value = self.evaluate(raw, env, {})
            if _fits(value, truth):
                if self._equal_in_numbers(value, truth):
                    return self._entries(env, truth, quantities, value)
                return self._misread(raw, env, truth, quantities, value)
            if truth.scalar and value.mat.shape[1] == 1:
                return self._shared_bias(env, truth, quantities, value)
            slip = Slip(None, value.text, (value.shape, truth.shape))
        except Mismatch as e:
            slip = e.slip
        return self._corrected(raw, env, truth, quantities, slip)

    def _batch_mean(self, cases: list[Case]) -> None:
        """A batch claim m or 1/m times the mean: the 1/m is missing, or written twice."""
        failing = next((c for c in cases if not c.ok), None)
        dg = failing.diagnosis if failing is not None else None
        if dg is None or dg.kind != Kind.CONSTANT:
            return
        m = self.samples.m
        kind = {sp.Integer(m): Kind.MISSING_MEAN, sp.Rational(1, m): Kind.EXTRA_MEAN}.get(
            dg.constant
        )
        if kind is not None:
            failing.diagnosis = Diagnosis(kind, constant=dg.constant, confirmed=dg.confirmed)

    def _shared_bias(self, env, truth, quantities, value) -> list[Case]:
        """A vector claimed for one shared bias: right when its entries sum to the gradient."""
        total = Value(sp.ImmutableMatrix([sum(value.mat)]), f"sum of {value.text}", scalar=True)
        cases = self._entries(env, truth, quantities, total)
        if all(c.ok for c in cases):
            diagnosis = Diagnosis(
                Kind.SHARED_BIAS,
                written=((value.text, "", None),),
                shapes=(value.shape, truth.shape),
                confirmed=True,
            )
            case = Case(env, quantities[0], truth.mat[0], None, False, "shape", diagnosis)
            case.derived = truth.mat[0].xreplace(self.ck.mid)
            return [case]
        slip = Slip(None, value.text, (value.shape, truth.shape))
        return [self._slip_case(env, truth, quantities, slip, None, None, None)]

    def _misread(self, raw, env, truth, quantities, value) -> list[Case]:
        """The cases of a claim whose shapes fit yet which is not equal: a transpose or order
        that makes it right (a square matrix hides it), σ' missing from every entry, or else
        each entry's own diagnosis."""
        for fixes, fix, n in self._candidates(raw):
            try:
                fixed = self.evaluate(raw, env, fixes)
            except (Mismatch, ClaimError):
                continue
            if fix == "transpose_result":
                fixed = fixed.transposed()
            if _fits(fixed, truth) and self._equal_in_numbers(fixed, truth):
                slip = Slip(None, value.text, ())
                right = self._entries(env, truth, quantities, fixed)
                slip = self._node_slip(n, env, fixes) if fix in NODE_FIXES else slip
                return [self._slip_case(env, truth, quantities, slip, fix, fixed, right)]
        missing = self._missing_derivative(env, truth, quantities, value)
        cases = self._entries(env, truth, quantities, value, diagnosed=missing is None)
        if missing is not None:
            next(c for c in cases if not c.ok).diagnosis = missing
        return cases

    def _missing_derivative(self, env, truth, quantities, value) -> Diagnosis | None:
        """The claim ⊙ σ'(z^l) of a layer of its shape is right: that factor is missing."""
        if value.scalar:
            return None
        for lf in self.d.layers:
            try:
                prime = sp.ImmutableMatrix(lf.z).applyfunc(self.functions["sigma'"])
            except ClaimError:  # softmax: a Jacobian, not a vector
                continue
            prime = prime.T if self.rows else prime
            if self.samples is not None and prime.shape != value.mat.shape:
                prime = self.samples.layout(prime, self.rows)
            if prime.shape != value.mat.shape:
                continue
            fixed = Value(sp.ImmutableMatrix(value.mat.multiply_elementwise(prime)), "")
            if self._equal_in_numbers(fixed, truth):
                right = self._entries(env, truth, quantities, fixed)
                return Diagnosis(
                    Kind.MISSING_DERIVATIVE,
                    written=((f"z^{lf.index + self.shift}", "", None),),
                    activation=lf.activation.name,
                    confirmed=all(c.ok for c in right),
                )
        return None

    def _candidates(self, raw: Node):
        yield {None: "transpose_result"}, "transpose_result", None
        for n in raw.walk():
            for fix in FIXES.get(_operation(n), ()):
                yield {id(n): fix}, fix, n
        for n in raw.walk():
            if n.op == "call" and n.value in self.functions:
                yield {id(n): "pre_activation"}, "pre_activation", n
        for n in raw.walk():
            base = n.args[0] if n.op == "scripted" else None
            if base is not None and base.op == "name" and self._layered(base.value):
                for fix in SHIFTS:
                    yield {id(n): fix}, fix, n

    def _layered(self, base: str) -> bool:
        return base in self.kinds or self.batch_kind(base) is not None

    def _entries(self, env, truth: Value, quantities, value: Value, diagnosed=True) -> list[Case]:
        """One case per entry; only the first entry that differs is diagnosed (`diagnosed`)."""
        cols = truth.mat.shape[1]
        out = []
        for i, (q, t) in enumerate(zip(quantities, truth.mat)):
            entry = {"j": i // cols + 1, "k": i % cols + 1} if cols > 1 else {"j": i + 1}
            if truth.scalar:
                entry = {}
            claim = value.mat[0] if value.scalar else value.mat[i]
            differs = not self._close(t, claim)
            if differs and (not diagnosed or any(not c.ok for c in out)):
                case = Case({**env, **entry}, q, t, claim, False, "numbers")
            else:
                case = self.ck.check_case(q, t, claim, {**env, **entry})
            case.derived = t.xreplace(self.ck.mid)
            case.read = claim.xreplace(self.ck.outputs)
            out.append(case)
        return out

    def _corrected(self, raw: Node, env, truth: Value, quantities, slip: Slip) -> list[Case]:
        """One failing case naming the slip, and the correction that makes the claim right."""
        fitting = []
        for fixes, fix, n in self._candidates(raw):
            try:
                value = self.evaluate(raw, env, fixes)
            except (Mismatch, ClaimError):
                continue
            if fix == "transpose_result":
                if slip.node is not None:
                    continue
                value = value.transposed()
            if not _fits(value, truth):
                continue
            fitting.append((fix, n, value))
            if self._equal_in_numbers(value, truth):
                cases = self._entries(env, truth, quantities, value)
                slip = self._node_slip(n, env, fixes) if fix in NODE_FIXES else slip
                return [self._slip_case(env, truth, quantities, slip, fix, value, cases)]
        near = [f for f in fitting if f[1] is slip.node or slip.node is None]
        value = near[0][2] if near else None  # fits the shapes, yet is not equal either
        return [self._slip_case(env, truth, quantities, slip, None, value, None)]

    def _node_slip(self, node: Node, env, fixes) -> Slip:
        """A whole-layer name written one layer off, or a function of the activation: the
        node as written, and as meant."""
        meant = self.evaluate(node, env, fixes).text
        return Slip(node, self.evaluate(node, env, {}).text, (), meant)

    def _equal_in_numbers(self, value: Value, truth: Value) -> bool:
        entries = [value.mat[0]] * len(truth.mat) if value.scalar else list(value.mat)
        return all(self._close(t, c) for t, c in zip(truth.mat, entries))

    def _close(self, truth: sp.Expr, claim: sp.Expr) -> bool:
        """One entry equal to the truth at every check point."""
        ck = self.ck
        return all(ck._close(t, c) for t, c in zip(ck._values(truth), ck._values(claim)))

    def _slip_case(self, env, truth, quantities, slip: Slip, fix, value, cases) -> Case:
        kind = KIND_OF_FIX.get(fix, Kind.SHAPE)
        meant = slip.meant or (value.text if value is not None else "")
        confirmed = cases is not None and all(c.ok for c in cases)
        if fix == "pre_activation":
            diagnosis = Diagnosis(kind, swaps=((slip.text, slip.meant),), confirmed=confirmed)
            case = Case(env, quantities[0], truth.mat[0], None, False, "shape", diagnosis)
            case.derived = truth.mat.xreplace(self.ck.mid)
            return case
        diagnosis = Diagnosis(
            kind,
            written=((slip.text, meant, slip.node.column if slip.node else None),),
            shapes=(*slip.shapes, truth.shape) if slip.shapes and slip.node else slip.shapes,
            confirmed=confirmed,
        )
        case = Case(env, quantities[0], truth.mat[0], None, False, "shape", diagnosis)
        case.derived = truth.mat.xreplace(self.ck.mid)
        return case


def _fits(value: Value, truth: Value) -> bool:
    if value.scalar:
        return truth.scalar or truth.mat.shape == (1, 1)
    return value.mat.shape == truth.mat.shape and not (truth.scalar and value.mat.shape != (1, 1))


def _operation(n: Node) -> str | None:
    if n.op == "mul" and n.value == "hadamard":
        return "hadamard"
    if n.op in ("mul", "jux"):
        return "product"
    if n.op in ("add", "sub"):
        return "sum"
    return None
