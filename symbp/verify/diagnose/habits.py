"""Mistakes named in the user's terms: z for a (net for out), a function of the activation,
another activation's derivative, a missing or extra term of a sum, softmax's Jacobian reduced
to its diagonal, a - y where loss and output do not give it."""

from __future__ import annotations

import sympy as sp

from ...activations import ActivationBase, entries
from ...derive.proof import tree_size
from ..verdict import Diagnosis, Factor, Kind
from .difference import Difference, matches

# the derivatives people write in the activation a (a(1 - a)), each entry's own
HABITS = tuple(e for e in entries() if e.derivative_of_a is not None)
TERM_LIMIT = 64


def _counterpart(ck):
    """Each unit's a -> its z and z -> its a (layers 1..L)."""
    where = {v: s for s, v in ck.families.items()}
    out = {}
    for s, (fam, lay, idx) in ck.families.items():
        other = {"a": "z", "z": "a"}.get(fam)
        if other and lay >= 1 and (other, lay, idx) in where:
            out[s] = where[(other, lay, idx)]
    return out


def function_of_activation(ck, df: Difference) -> Diagnosis | None:
    """A function (sigma, sigma', tanh, ...) applied to a unit's activation a, not to its z."""
    to_z = {a: z for a, z in _counterpart(ck).items() if ck.families[a][0] == "a"}
    calls = [
        f
        for f in df.claim.atoms(sp.Function)
        if isinstance(f, (ActivationBase, sp.Heaviside, sp.exp)) and f.free_symbols & set(to_z)
    ]
    if not calls:
        return None
    moved = {f: f.xreplace(to_z) for f in calls}
    variant = df.claim.xreplace(moved)
    if not matches(ck, df, variant):
        return None
    moved_a = {a for f in calls for a in f.free_symbols & set(to_z)}
    swaps = tuple(sorted(((a, to_z[a]) for a in moved_a), key=str))
    confirmed = ck.prove_equal(df.truth, variant)[0]
    return Diagnosis(Kind.FUNCTION_OF_ACTIVATION, swaps=swaps, confirmed=confirmed)


def pre_activation(ck, df: Difference) -> Diagnosis | None:
    """z written for a (net for out) of the same unit, or a for z: one symbol, or all at once."""
    other = _counterpart(ck)
    used = sorted((s for s in df.claim.free_symbols if s in other), key=str)
    tries = [((s, other[s]),) for s in used]
    if len(used) > 1:
        tries.append(tuple((s, other[s]) for s in used))
    for swaps in tries:
        variant = df.claim.xreplace(dict(swaps))
        if matches(ck, df, variant):
            confirmed = ck.prove_equal(df.truth, variant)[0]
            return Diagnosis(Kind.Z_FOR_A, swaps=swaps, confirmed=confirmed)
    return None


def _written_derivatives(own: str, z: sp.Symbol, a: sp.Symbol):
    """(entry, form) for the derivatives of other activations as people write them at this unit:
    in its activation (a(1 - a)), then at its pre-activation (sigmoid'(z), H(z))."""
    others = [e for e in entries() if e.elementwise and e.name not in (own, "identity")]
    for e in HABITS:
        if e.name != own:
            yield e, e.derivative_of_a(a)
        else:
            yield from ((e, slip) for slip in _power_slips(e.derivative_of_a(a), a))
    for e in others:
        yield e, e.claim_prime(z)


def _power_slips(form: sp.Expr, a: sp.Symbol) -> list[sp.Expr]:
    """The layer's own derivative with a power of a taken over the whole sum: 1 - a^2 written
    (1 - a)^2."""
    out = []
    for term in sp.Add.make_args(form) if isinstance(form, sp.Add) else ():
        for p in sp.Mul.make_args(term):
            if isinstance(p, sp.Pow) and p.base == a and p.exp.is_Integer:
                out.append(form.xreplace({p: a}) ** p.exp)
    return out


def wrong_derivative(ck, df: Difference) -> Diagnosis | None:
    """Another activation's derivative (the sigmoid habit a(1 - a) on a tanh layer, ReLU's
    H(z) on a leaky ReLU layer)."""
    d = ck.d
    claim = sp.factor_terms(df.claim)  # a factor common to the terms of a sum, taken out
    for lf, lb in zip(d.layers, d.backward):
        name = lf.activation.name
        if not lf.activation.elementwise:
            continue
        for j, (z, a) in enumerate(zip(lf.z, lf.a)):
            if not (claim.has(a) or claim.has(z)):
                continue
            true = lb.jacobian[j, j]
            for habit, written in _written_derivatives(name, z, a):
                if written.free_symbols - claim.free_symbols or written == true:
                    continue
                variant = claim * true / written
                if matches(ck, df, variant):
                    return Diagnosis(
                        Kind.WRONG_DERIVATIVE,
                        missing=(Factor(true, "activation_derivative", z, name),),
                        extra=(Factor(written, "activation_derivative", z, habit.name),),
                        confirmed=ck.prove_equal(df.truth, variant)[0],
                    )
    return None


def layer_input(ck, df: Difference) -> Diagnosis | None:
    """A layer's pre-activation z^l_k written for its input a^(l-1)_k (z^1_k for x_k): one
    symbol, or all at once."""
    families = ck.families
    where = {v: s for s, v in families.items()}
    below = {}
    for s in df.claim.free_symbols:
        fam, lay, idx = families.get(s, ("", 0, ()))
        if fam == "z" and ("a", lay - 1, idx) in where:
            below[s] = where[("a", lay - 1, idx)]
    used = sorted(below, key=str)
    tries = [((s, below[s]),) for s in used]
    if len(used) > 1:
        tries.append(tuple((s, below[s]) for s in used))
    for swaps in tries:
        variant = df.claim.xreplace(dict(swaps))
        if matches(ck, df, variant):
            confirmed = ck.prove_equal(df.truth, variant)[0]
            return Diagnosis(Kind.LAYER_INPUT, swaps=swaps, confirmed=confirmed)
    return None


def sum_term(ck, df: Difference) -> Diagnosis | None:
    """One term of a sum missing from the claim, or one too many."""
    d = ck.d
    hidden = {
        s: e for ds, lb in zip(d.delta_symbols[:-1], d.backward) for s, e in zip(ds, lb.delta)
    }
    truth = df.truth.xreplace(hidden)  # a hidden delta's sum over the next layer, written out
    for whole, kind in ((truth, Kind.MISSING_TERM), (df.claim, Kind.EXTRA_TERM)):
        if tree_size(whole, 400) > 400:
            continue
        for t in _sum_terms(whole):
            variant = df.claim + t if kind == Kind.MISSING_TERM else df.claim - t
            if matches(ck, df, variant):
                confirmed = ck.prove_equal(df.truth, variant)[0]
                return Diagnosis(kind, terms=(t,), confirmed=confirmed)
    return None


def _sum_terms(e: sp.Expr) -> list[sp.Expr]:
    """The terms of e's sums as written (a sum, or a product with a sum factor, distributed one
    level), then of its full expansion; at most TERM_LIMIT of each."""
    out: list[sp.Expr] = []
    for f in sp.Mul.make_args(e):
        if isinstance(f, sp.Add) and len(f.args) <= TERM_LIMIT:
            rest = e / f
            out += [rest * t for t in f.args]
    expanded = sp.Add.make_args(sp.expand(e))
    if 1 < len(expanded) <= TERM_LIMIT:
        out += [t for t in expanded if t not in out]
    return out


def _output_variant(ck, df: Difference, output_delta: list[sp.Expr]) -> sp.Expr:
    """The truth with the output layer's delta replaced (the other deltas recomputed from it)."""
    d = ck.d
    mid: dict[sp.Symbol, sp.Expr] = dict(zip(d.delta_symbols[-1], output_delta))
    for ds, lb in reversed(list(zip(d.delta_symbols[:-1], d.backward[:-1]))):
        mid.update((s, e.xreplace(mid)) for s, e in zip(ds, lb.delta))
    for pos, lb in enumerate(d.backward):
        for j, e in enumerate(lb.delta):
            if df.truth == e:
                return mid[d.delta_symbols[pos][j]]
    return df.truth.xreplace(mid)


def jacobian_diagonal(ck, df: Difference) -> Diagnosis | None:
    """softmax's Jacobian reduced to its diagonal: a_j (1 - a_j) alone, no -a_i a_j terms."""
    d = ck.d
    lf, lb = d.layers[-1], d.backward[-1]
    if lf.activation.elementwise:
        return None
    diagonal = [lb.jacobian[j, j] * lb.dC_da[j] for j in range(len(lf.z))]
    variant = _output_variant(ck, df, diagonal)
    if all(ck._close(c, v) for c, v in zip(df.cv, ck._values(variant))):
        return Diagnosis(Kind.JACOBIAN_DIAGONAL, activation=lf.activation.name)
    return None


def a_minus_y(ck, df: Difference) -> Diagnosis | None:
    """a - y used as the output error where this loss and output activation do not give it."""
    d = ck.d
    lf = d.layers[-1]
    if lf.activation.name == d.loss.matching_output:
        return None
    simple = [a - y for a, y in zip(lf.a, d.targets)]
    variant = _output_variant(ck, df, simple)
    if all(ck._close(c, v) for c, v in zip(df.cv, ck._values(variant))):
        return Diagnosis(Kind.A_MINUS_Y, activation=lf.activation.name, loss=d.loss.name)
    return None
