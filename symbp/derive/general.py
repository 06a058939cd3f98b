"""BP1-BP4 in general index form, with symbolic layer sizes, derived by sympy.

Indexed quantities a[l, j], z[l, j], w[l, j, k], b[l, j], delta[l, j]; sigma is an undefined
function, so its derivative stays sigma'(z). Each equation is the derivative of a defining sum,
evaluated by sympy (KroneckerDelta collapses the sum), not typed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import sympy as sp

from .. import activations, losses

l, L, i, j, k = sp.symbols("l L i j k", integer=True, positive=True)
n = sp.IndexedBase("n")
a = sp.IndexedBase("a")
z = sp.IndexedBase("z")
w = sp.IndexedBase("w")
b = sp.IndexedBase("b")
y = sp.IndexedBase("y")
delta = sp.IndexedBase("delta")
sigma = sp.Function("sigma")
C = sp.Symbol("C")
# The identity cross-entropy's targets satisfy, which the derivation may use.
TARGETS_SUM_TO_ONE = sp.Eq(sp.Sum(y[j], (j, 1, n[L])), 1)


@dataclass(frozen=True)
class Equation:
    """lhs = rhs, both sympy expressions; `steps` are the intermediate forms sympy produced."""

    lhs: sp.Expr
    rhs: sp.Expr
    steps: tuple[sp.Expr, ...] = ()


@dataclass(frozen=True)
class GeneralForm:
    """The four equations, the loss-specific BP1, and the forward definitions."""

    z_def: Equation
    a_def: Equation
    cost: Equation
    bp1: Equation
    bp1_loss: Equation
    bp2: Equation
    bp3: Equation
    bp4: Equation


def _collapse(e: sp.Expr) -> sp.Expr:
    """Evaluate the sum and drop the range condition that holds for every index in range."""
    e = e.doit()
    if isinstance(e, sp.Piecewise):
        e = e.args[0].expr
    return e


def _d(num: sp.Expr, den: sp.Expr) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


def _in_outputs(e: sp.Expr, layer: sp.Expr) -> sp.Expr:
    """Write sigma(z[layer, j]) as a[layer, j], leaving sigma'(z) as it is."""
    keep = sp.Dummy("dsigma")
    d = sp.Derivative(sigma(z[layer, j]), z[layer, j])
    return e.xreplace({d: keep}).xreplace({sigma(z[layer, j]): a[layer, j]}).xreplace({keep: d})


def _sign_absorbed(e: sp.Expr, target: sp.Expr) -> sp.Expr:
    """-(y - a) * rest written as (a - y) * rest: the minus taken into the sum that holds the
    target (the output error), else into the first sum."""
    coeff, factors = e.as_coeff_mul()
    sums = [i for i, f in enumerate(factors) if f.is_Add]
    if coeff != -1 or not sums:
        return e
    i = next((i for i in sums if factors[i].has(target)), sums[0])
    return sp.Mul(*factors[:i], -factors[i], *factors[i + 1 :])


def _shortest(*forms: sp.Expr) -> sp.Expr:
    return min(forms, key=lambda f: sp.count_ops(f))


def output_delta(loss: losses.Loss, activation: activations.Activation) -> Equation | None:
    """BP1 for this loss with an elementwise output activation's own derivative substituted."""
    return _output_delta(activation, loss)


@singledispatch
def _output_delta(activation: activations.Activation, loss: losses.Loss) -> Equation | None:
    if activation.params:
        return None
    zz = sp.Symbol("zeta")
    act = activation.cls
    cost_term = loss.cost([act(zz)], [y[j]])
    raw = sp.diff(cost_term, zz)
    aj = sp.Symbol("a_j_out")
    rewritten = raw.xreplace({act(zz): aj} if act(zz) != zz else {zz: aj})
    best = _shortest(
        rewritten,
        _sign_absorbed(rewritten, y[j]),
        sp.factor_terms(rewritten),
        sp.factor(sp.cancel(rewritten)),
    )
    if best.has(zz):
        return None
    return Equation(delta[L, j], best.xreplace({aj: a[L, j]}), (rewritten,))


@_output_delta.register
def _(activation: activations.VectorActivation, loss: losses.Loss) -> None:
    return None  # its derivative is a Jacobian: BP1 stays the layer rule


def general_form(loss: losses.Loss) -> GeneralForm:
    """Derive BP1-BP4 for sigmoid-like elementwise activations and the given loss."""
    z_sum = sp.Sum(w[l, j, k] * a[l - 1, k], (k, 1, n[l - 1])) + b[l, j]
    z_def = Equation(z[l, j], z_sum)
    a_def = Equation(a[l, j], sigma(z[l, j]))
    aL = [a[L, k]]
    yk = [y[k]]
    cost_term = loss.cost(aL, yk)
    cost = Equation(C, sp.Sum(cost_term, (k, 1, n[L])))

    # BP1: dC/dz^L_j through a^L_j = sigma(z^L_j), chain rule by sympy on a generic C(a).
    Cf = sp.Function("C")
    chained = sp.diff(Cf(sigma(z[L, j])), z[L, j])
    generic = _in_outputs(
        chained.replace(
            lambda e: isinstance(e, (sp.Subs, sp.Derivative)) and e.has(Cf),
            lambda e: _d(C, a[L, j]),
        ),
        L,
    )
    bp1 = Equation(delta[L, j], generic, (chained,))

    cost_in_z = cost.rhs.xreplace({a[L, k]: sigma(z[L, k])})
    raw = _collapse(sp.diff(cost_in_z, z[L, j]))
    bp1_loss = Equation(delta[L, j], _in_outputs(raw, L), (raw,))

    # BP2: delta^l_j = sum_k delta^{l+1}_k dz^{l+1}_k/dz^l_j, the derivative found by sympy.
    z_next = sp.Sum(w[l + 1, k, i] * sigma(z[l, i]), (i, 1, n[l])) + b[l + 1, k]
    dz = _collapse(sp.diff(z_next, z[l, j]))
    bp2 = Equation(delta[l, j], sp.Sum(delta[l + 1, k] * dz, (k, 1, n[l + 1])), (dz,))

    # BP3, BP4: dC/db = delta * dz/db, dC/dw = delta * dz/dw.
    dzdb = _collapse(sp.diff(z_sum, b[l, j]))
    bp3 = Equation(_d(C, b[l, j]), delta[l, j] * dzdb, (dzdb,))
    dzdw = _collapse(sp.diff(z_sum.xreplace({k: i}), w[l, j, k]))
    bp4 = Equation(_d(C, w[l, j, k]), dzdw * delta[l, j], (dzdw,))
    return GeneralForm(z_def, a_def, cost, bp1, bp1_loss, bp2, bp3, bp4)


@dataclass(frozen=True)
class InstanceProof:
    """A general equation instantiated at one layer of a concrete network, compared with BP."""

    equation: str
    layer: int
    ok: bool


def _instantiate(expr: sp.Expr, table: dict[sp.Expr, sp.Expr], sizes: dict) -> sp.Expr:
    indices = {s: v for s, v in sizes.items() if s.is_Symbol}
    counts = {s: v for s, v in sizes.items() if not s.is_Symbol}
    expr = expr.xreplace(indices).xreplace(counts).doit()
    return expr.xreplace(table)


@singledispatch
def _derivative_at(activation: activations.Activation, layer, J, value) -> dict:
    """sigma'(z^l_j) of the general equations, for an elementwise activation at one unit."""
    return {sp.Derivative(sigma(z[layer, J]), z[layer, J]): value}


@_derivative_at.register
def _(activation: activations.VectorActivation, layer, J, value) -> dict:
    return {}


@singledispatch
def _delta_proofs(activation: activations.Activation, prove) -> list[InstanceProof]:
    """The elementwise BP1/BP2 instantiated at a layer of this activation (by `prove()`)."""
    return [prove()]


@_delta_proofs.register
def _(activation: activations.VectorActivation, prove) -> list[InstanceProof]:
    return []  # a Jacobian, not sigma'(z): the general elementwise form does not apply


def prove_instances(d) -> list[InstanceProof]:
    """Instantiate BP1-BP4 at every layer of derivation `d` and prove each equal to the concrete
    expressions (which `Derivation.check` proves equal to direct differentiation)."""
    out = []
    fixed = d.identity_substitution()
    last = len(d.layers) - 1
    prev_a = d.inputs
    for pos, (lf, lb) in enumerate(zip(d.layers, d.backward)):
        layer = sp.Integer(lf.index)
        ds = d.delta_symbols[pos]
        n_l = len(lf.z)
        table: dict[sp.Expr, sp.Expr] = {}
        for jj in range(n_l):
            J = sp.Integer(jj + 1)
            table[delta[layer, J]] = ds[jj]
            table[a[layer, J]] = lf.a[jj]
            table[z[layer, J]] = lf.z[jj]
            for kk, wk in enumerate(lf.weights[jj]):
                table[w[layer, J, sp.Integer(kk + 1)]] = wk
            table.update(_derivative_at(lf.activation, layer, J, lb.jacobian[jj, jj]))
        for kk, ak in enumerate(prev_a):
            table[a[layer - 1, sp.Integer(kk + 1)]] = ak
        if pos < last:
            nxt, nds = d.layers[pos + 1], d.delta_symbols[pos + 1]
            for kk in range(len(nxt.z)):
                table[delta[layer + 1, sp.Integer(kk + 1)]] = nds[kk]
                for jj in range(n_l):
                    table[w[layer + 1, sp.Integer(kk + 1), sp.Integer(jj + 1)]] = nxt.weights[kk][
                        jj
                    ]
        for jj, yj in enumerate(d.targets):
            table[y[sp.Integer(jj + 1)]] = yj
        sizes = {
            l: layer,
            L: layer,
            n[layer]: n_l,
            n[layer + 1]: len(d.layers[pos + 1].z) if pos < last else 0,
        }

        def same(lhs, rhs) -> bool:
            return sp.cancel(sp.expand((lhs - rhs).xreplace(fixed))) == 0

        def delta_proof() -> InstanceProof:
            eq, general = ("BP1", d.general.bp1_loss) if pos == last else ("BP2", d.general.bp2)
            ok = all(
                same(
                    _instantiate(general.rhs, table, {**sizes, j: sp.Integer(jj + 1)}), lb.delta[jj]
                )
                for jj in range(n_l)
            )
            return InstanceProof(eq, lf.index, ok)

        out.extend(_delta_proofs(lf.activation, delta_proof))
        bp3 = [
            _instantiate(d.general.bp3.rhs, table, {**sizes, j: sp.Integer(jj + 1)})
            for jj in range(n_l)
        ]
        bp3 = lf.bias_mode.gradients(bp3)
        ok3 = all(same(g, want) for g, want in zip(bp3, lb.grad_b))
        ok4 = all(
            same(
                _instantiate(
                    d.general.bp4.rhs,
                    table,
                    {**sizes, j: sp.Integer(jj + 1), k: sp.Integer(kk + 1)},
                ),
                lb.grad_w[jj][kk],
            )
            for jj in range(n_l)
            for kk in range(len(prev_a))
        )
        if lf.bias_mode.present:
            out.append(InstanceProof("BP3", lf.index, ok3))
        out.append(InstanceProof("BP4", lf.index, ok4))
        prev_a = lf.a
    return out
