"""Vector and batch claims proved for every width: the claim read entry by entry with the widths,
unit, sample and batch size m as symbols, and compared with the layer rule (derive/layer.py).

For the layer l a binding names, a^{l-1} (or x), z^l, a^l, delta^l, w^l, b^l, w^{l+1}, delta^{l+1}
and y become the rule's a_prev, z, a, delta, W, b, W_next, delta_next and y; a batch's sums run to
m and Δ^l, A^l, X have one column per sample; a matrix product sums over a symbolic width. delta,
dC/da and a are written out (delta in g, g in the next layer, a = act(z)), sums split and renamed
alike, and the difference must cancel to 0: an identity in the widths and every free symbol. A
claim naming anything else (one unit, a layer further away) is left to vector.py's check.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sympy as sp

from ..derive import layer as R
from ..errors import ClaimError
from ..parse import Node, function_table, index_letters
from .sums import Tensor, fresh, one_sample, scalar, split_sums, sum_of_targets
from .values import BATCH_KINDS, COSTS, LAYER_KINDS, TRANSPOSE, layer_name

SCOPE = "every width"
BUDGET = 2.0  # seconds for one claim's proof; past it the check at the network's widths stands
SAMPLE = sp.Integer(1)  # a vector claim is about one sample; a batch claim's m is a symbol


class Unread(Exception):
    """The claim uses something this reading does not cover: no proof, the numbers stand."""


def proved_every_width(vectors, q_raw: Node, c_raw: Node, cases, batch: bool = False) -> bool:
    """Whether the claim equals the layer rule at every width (and batch size, for a `batch`
    claim) for each layer its cases bind."""
    start = time.monotonic()
    letters = index_letters(q_raw)
    bindings = {tuple((k, v) for k, v in sorted(c.indices.items()) if k in letters) for c in cases}
    try:
        for binding in bindings:
            if time.monotonic() - start > BUDGET:
                return False
            if not _Proof(vectors, dict(binding), batch).holds(q_raw, c_raw):
                return False
    except (Unread, ClaimError):
        return False
    return True


class _Proof:
    """One binding of the layer letter: the claim and the rule of that layer, compared."""

    def __init__(self, vectors, env: dict, batch: bool):
        self.v, self.env = vectors, env
        self.L = vectors.L
        self.d = vectors.d
        self.batch = batch
        self.bound: dict[str, sp.Dummy] = {}  # a batch claim's sample letters, in their sums

    # ---- the quantity ------------------------------------------------------------------
    def holds(self, q_raw: Node, c_raw: Node) -> bool:
        kind, self.l = self._quantity(q_raw)
        if not 1 <= self.l <= self.L:
            raise Unread
        self.rule = self.d.rules[self.l - 1]
        truth = self._truth(kind)
        claim = self.evaluate(c_raw)
        if claim.scalar != truth.scalar or (claim.rows, claim.cols) != (truth.rows, truth.cols):
            return False
        j, k = R.j, R.k
        return self._same(claim.entry(j, k), truth.entry(j, k))

    def _quantity(self, raw: Node) -> tuple[str, int]:
        """(kind, layer) of delta^l, dC/dX^l, ∇_X C or Ng's dX^l."""
        found = layer_name(raw)
        if found is not None and found[0] == "delta" and raw.args[0].value == "delta":
            return "delta", self.v._layer(found[1], self.env)
        if found is not None and self.v.ck.d_cost and raw.args[0].value[:1] == "d":
            return found[0], self.v._layer(found[1], self.env)
        if raw.op == "nabla":
            wrt, _ = raw.args
            if wrt.op in ("token", "name") and str(wrt.value) in LAYER_KINDS:
                return LAYER_KINDS[str(wrt.value)], self.L
            found = layer_name(wrt)
        else:
            parts = self.v._fraction(raw)
            costs = (*COSTS, self.v.ck.cost.name)
            if parts is None or not (parts[0].op == "name" and parts[0].value in costs):
                raise Unread
            found = layer_name(parts[1])
        if found is None:
            raise Unread
        return found[0], self.v._layer(found[1], self.env)

    def _truth(self, kind: str) -> Tensor:
        rule, n, n_prev = self.rule, R.n, R.n_prev
        if kind in ("delta", "z") and not self.batch:
            return Tensor(lambda i, k: self._at(rule.delta.rhs, SAMPLE, i), n)
        if kind == "a" and not self.batch:
            return Tensor(lambda i, k: self._at(rule.upstream.rhs, SAMPLE, i), n)
        batch = (lambda e: e) if self.batch else (lambda e: one_sample(e.xreplace({R.m: 1})))
        if kind == "w":
            grad = batch(rule.grad_w.rhs)
            return Tensor(lambda i, k: grad.xreplace({R.j: i, R.k: k}), n, n_prev)
        if kind == "b" and rule.grad_b is not None:
            grad = batch(rule.grad_b.rhs)
            if rule.bias_mode.shared:
                return scalar(grad)
            return Tensor(lambda i, k: grad.xreplace({R.j: i}), n)
        raise Unread

    # ---- the rule's definitions ----------------------------------------------------------
    def _at(self, e: sp.Expr, s: sp.Expr, i: sp.Expr) -> sp.Expr:
        """A rule's right-hand side at sample s, unit i (its own dummies kept apart)."""
        return fresh(e).xreplace({R.s: s, R.j: i})

    def _defined(self, e: sp.Expr) -> sp.Expr:
        """delta, g and a of the layer written out: delta in g, g in the next layer, a in z."""
        rule = self.rule
        for base, rhs in ((R.delta, rule.delta.rhs), (R.g, rule.upstream.rhs), (R.a, rule.a.rhs)):
            e = e.replace(
                lambda x, base=base: isinstance(x, sp.Indexed) and x.base == base,
                lambda x, rhs=rhs: self._at(rhs, *x.indices),
            )
        return e

    def _same(self, claim: sp.Expr, truth: sp.Expr) -> bool:
        left, right = (split_sums(self._defined(e)) for e in (claim, truth))
        diff = sp.expand(left - right)
        if self.rule.identities:  # sum_j y_j = 1, in every sample
            diff = sp.expand(diff.replace(sum_of_targets, lambda x: sp.Integer(1)))
        return diff == 0 or sp.cancel(sp.together(diff)) == 0

    # ---- the claim -----------------------------------------------------------------------
    def evaluate(self, node: Node) -> Tensor:
        method = getattr(self, f"_v_{node.op}", None)
        if method is None:
            raise Unread
        return method(node)

    def _v_number(self, node) -> Tensor:
        return scalar(node.value)  # the parser made it a sympy Rational

    def _v_token(self, node) -> Tensor:
        if not str(node.value).isdigit():
            raise Unread
        return scalar(sp.Integer(str(node.value)))

    def _v_name(self, node, s: sp.Expr | None = None) -> Tensor:
        if node.value == "x" and self.l == 1:
            return self._layer_symbol("a", 0, s)
        if node.value == "y" and self.l == self.L:
            s = self._sample(s)
            return Tensor(lambda i, k: R.y[s, i], R.n)
        if self.batch and node.value in ("X", "Y"):
            return self._columns(lambda t: self._v_name(Node("name", (), node.value.lower()), t))
        if self.batch and node.value == "m":
            return scalar(R.m)
        raise Unread

    def _sample(self, s: sp.Expr | None) -> sp.Expr:
        """The sample of a per-sample name: its own, else the one sample of a vector claim."""
        if s is not None:
            return s
        if self.batch:
            raise Unread  # a per-sample name in a batch claim without its sample
        return SAMPLE

    def _columns(self, column: Callable[[sp.Expr], Tensor]) -> Tensor:
        """A batch matrix, one column per sample (Δ^l, A^l, X): entry (i, t) of sample t."""
        rows = column(SAMPLE).rows
        return Tensor(lambda i, t: column(t).entry(i, 1), rows, R.m)

    def _layer_symbol(self, kind: str, layer: int, s: sp.Expr | None = None) -> Tensor:
        """A whole-layer name of layer l - 1, l or l + 1 as the rule's indexed symbols (at
        sample s for a, z and delta)."""
        l, rule = self.l, self.rule
        if layer == l - 1 and kind == "a":
            s = self._sample(s)
            return Tensor(lambda i, k: R.a_prev[s, i], R.n_prev)
        if layer == l and kind in ("a", "z", "delta"):
            base, s = {"a": R.a, "z": R.z, "delta": R.delta}[kind], self._sample(s)
            return Tensor(lambda i, k: base[s, i], R.n)
        if layer == l and kind == "w":
            return Tensor(lambda i, k: R.W[i, k], R.n, R.n_prev)
        if layer == l and kind == "b" and rule.bias_mode.per_unit:
            return Tensor(lambda i, k: R.b[i], R.n)
        if layer == l and kind == "b" and rule.bias_mode.shared:
            return scalar(R.beta)
        if layer == l + 1 <= self.L and kind == "w":
            return Tensor(lambda i, k: R.W_next[i, k], R.n_next, R.n)
        if layer == l + 1 <= self.L and kind == "delta":
            s = self._sample(s)
            return Tensor(lambda i, k: R.delta_next[s, i], R.n_next)
        raise Unread

    def _v_bigsum(self, node) -> Tensor:
        """A sum over the samples of a batch: the body read at a sample t, summed to m."""
        var, bounded = node.value
        if not self.batch or bounded or var in self.bound:
            raise Unread
        t = sp.Dummy("t", integer=True, positive=True)
        self.bound[var] = t
        try:
            body = self.evaluate(node.args[-1])
        finally:
            del self.bound[var]
        return Tensor(lambda i, k: sp.Sum(body.entry(i, k), (t, 1, R.m)), body.rows, body.cols)

    def _sample_script(self, arg: Node) -> tuple[Node, sp.Dummy] | None:
        """(layer, sample) of a superscript such as {2,(i)} whose letter a sum binds."""
        if arg.op in ("tuple", "jux") and len(arg.args) == 2:
            for pos, part in enumerate(arg.args):
                if part.op in ("name", "token") and part.value in self.bound:
                    return arg.args[1 - pos], self.bound[str(part.value)]
        return None

    def _v_scripted(self, node) -> Tensor:
        base, *scripts = node.args
        found = layer_name(Node("scripted", (base, scripts[0])) if scripts else node)
        arg = scripts[0].args[0] if scripts and scripts[0].op == "upper" else None
        sampled = self._sample_script(arg) if arg is not None else None
        if base.op == "name" and base.value in ("x", "y") and arg is not None:
            if arg.op in ("name", "token") and arg.value in self.bound:
                value, rest = self._v_name(base, self.bound[str(arg.value)]), scripts[1:]
                return self._scripts(value, rest)
        if base.op == "name" and sampled is not None and base.value in LAYER_KINDS:
            layer = self.v._layer(sampled[0], self.env)
            value = self._layer_symbol(LAYER_KINDS[base.value], layer, sampled[1])
            return self._scripts(value, scripts[1:])
        if base.op == "name" and self.batch and base.value in BATCH_KINDS and arg is not None:
            kind, layer = BATCH_KINDS[base.value], self.v._layer(arg, self.env)
            value = self._columns(lambda t: self._layer_symbol(kind, layer, t))
            return self._scripts(value, scripts[1:])
        if base.op == "name" and found is not None and base.value in LAYER_KINDS:
            value = self._layer_symbol(found[0], self.v._layer(found[1], self.env))
            rest = scripts[1:]
        elif base.op == "name" and base.value not in ("x", "y", "X", "Y", "m"):
            raise Unread
        else:
            value, rest = self.evaluate(base), scripts
        return self._scripts(value, rest)

    def _scripts(self, value: Tensor, rest) -> Tensor:
        """Transposes and powers written after a value."""
        for s in rest:
            arg = s.args[0]
            if s.op != "upper":
                raise Unread
            if arg.op in ("token", "name") and arg.value == TRANSPOSE:
                value = value.transposed()
                continue
            power = self.evaluate(arg)
            if not power.scalar:
                raise Unread
            exponent = power.entry(1, 1)
            value = value.map(lambda e, p=exponent: e**p)
        return value

    def _v_neg(self, node) -> Tensor:
        return self.evaluate(node.args[0]).map(lambda e: -e)

    def _v_add(self, node) -> Tensor:
        return self._sum(node, 1)

    def _v_sub(self, node) -> Tensor:
        return self._sum(node, -1)

    def _sum(self, node, sign: int) -> Tensor:
        a, b = (self.evaluate(x) for x in node.args)
        if not (a.scalar or b.scalar) and (a.rows, a.cols) != (b.rows, b.cols):
            raise Unread
        big = b if a.scalar else a
        return Tensor(
            lambda i, k: a.entry(i, k) + sign * b.entry(i, k),
            big.rows,
            big.cols,
            a.scalar and b.scalar,
        )

    def _v_mul(self, node) -> Tensor:
        a, b = (self.evaluate(x) for x in node.args)
        if a.scalar or b.scalar:
            big = b if a.scalar else a
            return Tensor(
                lambda i, k: a.entry(i, k) * b.entry(i, k),
                big.rows,
                big.cols,
                a.scalar and b.scalar,
            )
        if node.op == "mul" and node.value == "hadamard":
            if (a.rows, a.cols) != (b.rows, b.cols):
                raise Unread
            return Tensor(lambda i, k: a.entry(i, k) * b.entry(i, k), a.rows, a.cols)
        if a.cols != b.rows:
            raise Unread
        if a.cols == 1:
            return Tensor(lambda i, k: a.entry(i, 1) * b.entry(1, k), a.rows, b.cols)
        t = sp.Dummy("t", integer=True, positive=True)
        return Tensor(
            lambda i, k: sp.Sum(a.entry(i, t) * b.entry(t, k), (t, 1, a.cols)), a.rows, b.cols
        )

    _v_jux = _v_mul

    def _v_frac(self, node) -> Tensor:
        if self.v._fraction(node) is not None:
            raise Unread  # a derivative inside the claim
        a, b = (self.evaluate(x) for x in node.args)
        if not b.scalar:
            raise Unread
        return Tensor(lambda i, k: a.entry(i, k) / b.entry(1, 1), a.rows, a.cols, a.scalar)

    _v_div = _v_frac

    def _v_call(self, node) -> Tensor:
        return self._apply(str(node.value), self.evaluate(node.args[0]))

    def _v_textcall(self, node) -> Tensor:
        fname, arg = node.args
        return self._apply(
            str(fname.value).lower() + ("'" if node.value else ""), self.evaluate(arg)
        )

    def _apply(self, name: str, arg: Tensor) -> Tensor:
        """A function applied entry by entry; sigma and sigma' follow the layer of z^l."""
        layer_following = name.rstrip("'") in ("sigma", *self.d.names.functions)
        if layer_following:
            activation = self.rule.activation
            if not activation.elementwise:
                raise Unread  # softmax: sigma' is a Jacobian
            alpha = (R.alpha,) * len(activation.params)
            prime = name.endswith("'")
            x = sp.Dummy("x")
            form = activation.apply(x, *alpha)
            form = sp.diff(form, x) if prime else form

            def f(e: sp.Expr) -> sp.Expr:
                if not (isinstance(e, sp.Indexed) and e.base == R.z):
                    raise Unread
                return form.xreplace({x: e})

            return arg.map(f)
        fn = function_table().get(name)
        if fn is None:
            raise Unread
        return arg.map(fn)
