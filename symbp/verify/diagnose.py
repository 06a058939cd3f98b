"""Why a claim differs from the truth: an ordered list of diagnosers, each a small function that
names one kind of mistake from the numbers at the check points, or returns None.

The first diagnoser that explains the difference wins; `confirmed` says whether the explanation
was proved symbolically.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sympy as sp

from ..activations import ActivationBase
from ..derive.proof import tree_size
from .points import nice
from .verdict import Diagnosis, Factor, Kind

MAX_VARIANTS = 600


@dataclass
class Difference:
    """A claim that is not equal to the truth: both expressions and their values per point."""

    truth: sp.Expr
    claim: sp.Expr
    tv: list[float]
    cv: list[float]
    rewrites: Iterable = ()  # (written, meant, column, claim', right for every case)


def zero(ck, df: Difference) -> Diagnosis | None:
    """The claim is 0 at every point."""
    if all(abs(c) <= 1e-300 for c in df.cv):
        return Diagnosis(Kind.ZERO)
    return None


def constant(ck, df: Difference) -> Diagnosis | None:
    """claim = c * truth: a sign (c = -1) or a constant factor."""
    ratios = [c / t if t != 0 else math.nan for t, c in zip(df.tv, df.cv)]
    const = ck._constant(ratios)
    if const is None:
        return None
    c = nice(const)
    confirmed = isinstance(c, sp.Rational) and ck.prove_equal(c * df.truth, df.claim)[0]
    return Diagnosis(Kind.SIGN if c == -1 else Kind.CONSTANT, constant=c, confirmed=confirmed)


def unit_or_layer(ck, df: Difference) -> Diagnosis | None:
    """A symbol of the wrong unit or layer (one symbol, or a whole family moved at once)."""
    return _index_slip(ck, df, _variants(ck, df.claim))


def written_index(ck, df: Difference) -> Diagnosis | None:
    """An index letter written wrong (l for l+1, jk for kj, k for j), right in every case."""
    for written, meant, column, variant, everywhere in df.rewrites:
        vv = ck._values(variant)
        if all(ck._close(t, v) for t, v in zip(df.tv, vv)) and everywhere():
            confirmed = ck.prove_equal(df.truth, variant)[0]
            return Diagnosis(Kind.INDEX, written=((written, meant, column),), confirmed=confirmed)
    return None


def factor(ck, df: Difference) -> Diagnosis | None:
    """A missing or extra factor (one or two) that is one of the derivation's own factors."""
    tv = df.tv
    ratios = [t / c if c != 0 else math.nan for t, c in zip(tv, df.cv)]  # truth = claim * r
    kv = ck._known_values

    def matches(fn) -> bool:
        return all(
            math.isfinite(r) and ck._close(r, fn(i)) for i, r in enumerate(ratios) if tv[i] != 0
        ) and any(tv)

    # "missing factor delta^1_1" for delta^1_1 itself explains nothing
    usable = [
        a for a in range(len(ck.known)) if not all(ck._close(kv[i][a], t) for i, t in enumerate(tv))
    ]
    for a in usable:
        if matches(lambda i, a=a: kv[i][a]):
            return _factor_result(ck, (a,), (), df)
        if matches(lambda i, a=a: 1 / kv[i][a] if kv[i][a] else math.nan):
            return _factor_result(ck, (), (a,), df)
    for a, b in itertools.combinations_with_replacement(usable, 2):
        if matches(lambda i, a=a, b=b: kv[i][a] * kv[i][b]):
            return _factor_result(ck, (a, b), (), df)
        if matches(
            lambda i, a=a, b=b: 1 / (kv[i][a] * kv[i][b]) if kv[i][a] * kv[i][b] else math.nan
        ):
            return _factor_result(ck, (), (a, b), df)
    for a, b in itertools.permutations(usable, 2):
        if matches(lambda i, a=a, b=b: kv[i][a] / kv[i][b] if kv[i][b] else math.nan):
            return _factor_result(ck, (a,), (b,), df)
    return None


def two_indices(ck, df: Difference) -> Diagnosis | None:
    """Two symbols moved to other units of their own layers at once (j and k exchanged)."""
    return _index_slip(ck, df, _pair_variants(ck, df.claim), scaled_ok=False)


def _variants(ck, claim: sp.Expr):
    """(swaps, claim') with symbols moved to another unit or layer of the same family."""
    families = ck.families
    used = sorted((s for s in claim.free_symbols if s in families), key=lambda s: s.name)
    by_family: dict[str, list[sp.Symbol]] = {}
    for s, (fam, _, _) in families.items():
        by_family.setdefault(fam, []).append(s)
    where = {v: s for s, v in families.items()}
    for s in used:
        fam = families[s][0]
        for other in by_family[fam]:
            if other != s:
                yield ((s, other),)
    layers = sorted({lay for _, lay, _ in families.values()})
    for fam in sorted({families[s][0] for s in used}):
        mine = [s for s in used if families[s][0] == fam]
        for lay, to in itertools.permutations(layers, 2):
            moved = [s for s in mine if families[s][1] == lay]
            target = [where.get((fam, to, families[s][2])) for s in moved]
            if len(moved) > 1 and all(t is not None for t in target):
                yield tuple(zip(moved, target))
        if fam == "w":
            for lay in layers:
                moved = [s for s in mine if families[s][1] == lay]
                target = [where.get(("w", lay, families[s][2][::-1])) for s in moved]
                pairs = tuple((s, t) for s, t in zip(moved, target) if t is not None and t != s)
                if len(pairs) > 1 and len(pairs) == len(moved):
                    yield pairs


def _pair_variants(ck, claim: sp.Expr):
    families = ck.families
    used = sorted((s for s in claim.free_symbols if s in families), key=lambda s: s.name)
    peers: dict[sp.Symbol, list[sp.Symbol]] = {}
    for s in used:
        fam, lay, _ = families[s]
        peers[s] = [o for o, f in families.items() if f[:2] == (fam, lay) and o != s]
    for s1, s2 in itertools.combinations(used, 2):
        for o1 in peers[s1]:
            for o2 in peers[s2]:
                yield ((s1, o1), (s2, o2))


def _index_slip(ck, df: Difference, variants, scaled_ok=True) -> Diagnosis | None:
    scaled = None
    for n, swaps in enumerate(variants):
        if n >= MAX_VARIANTS:
            break
        variant = df.claim.xreplace(dict(swaps))
        vv = ck._values(variant)
        if all(ck._close(t, v) for t, v in zip(df.tv, vv)):
            confirmed = ck.prove_equal(df.truth, variant)[0]
            return Diagnosis(Kind.INDEX, swaps=swaps, confirmed=confirmed)
        if scaled is None and scaled_ok:
            const = ck._constant([v / t if t != 0 else math.nan for t, v in zip(df.tv, vv)])
            if const is not None:
                scaled = (swaps, nice(const))
    if scaled is not None:
        return Diagnosis(Kind.INDEX, constant=scaled[1], swaps=scaled[0])
    return None


def _factor_result(ck, missing, extra, df: Difference) -> Diagnosis:
    miss = tuple(ck.known[i] for i in missing)
    ext = tuple(ck.known[i] for i in extra)
    fixed = df.claim * sp.Mul(*[f.expr for f in miss]) / sp.Mul(*[f.expr for f in ext])
    confirmed = ck.prove_equal(df.truth, fixed)[0]
    kind = Kind.FACTORS if miss and ext else Kind.MISSING_FACTOR if miss else Kind.EXTRA_FACTOR
    return Diagnosis(kind, missing=miss, extra=ext, confirmed=confirmed)


# ---- mistakes named in the user's terms ---------------------------------------------------
HABITS = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a**2}  # f' written in f's a
A_MINUS_Y = (("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy"))
TERM_LIMIT = 64


def _equal(ck, df: Difference, expr: sp.Expr) -> bool:
    return all(ck._close(t, v) for t, v in zip(df.tv, ck._values(expr)))


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
    if not _equal(ck, df, variant):
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
        if _equal(ck, df, variant):
            confirmed = ck.prove_equal(df.truth, variant)[0]
            return Diagnosis(Kind.Z_FOR_A, swaps=swaps, confirmed=confirmed)
    return None


def wrong_derivative(ck, df: Difference) -> Diagnosis | None:
    """Another activation's derivative (the sigmoid habit a(1 - a) on a tanh layer)."""
    d = ck.d
    for lf, lb in zip(d.layers, d.backward):
        name = lf.activation.name
        if not lf.activation.elementwise:
            continue
        for j, (z, a) in enumerate(zip(lf.z, lf.a)):
            true = lb.jacobian[j, j]
            for habit, form in HABITS.items():
                written = form(a)
                if habit == name or not df.claim.has(a):
                    continue
                variant = df.claim * true / written
                if _equal(ck, df, variant):
                    return Diagnosis(
                        Kind.WRONG_DERIVATIVE,
                        missing=(Factor(true, "activation_derivative", z, name),),
                        extra=(Factor(written, "activation_derivative", z, habit),),
                        confirmed=ck.prove_equal(df.truth, variant)[0],
                    )
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
            if _equal(ck, df, variant):
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
    if (lf.activation.name, d.loss.name) in A_MINUS_Y:
        return None
    simple = [a - y for a, y in zip(lf.a, d.targets)]
    variant = _output_variant(ck, df, simple)
    if all(ck._close(c, v) for c, v in zip(df.cv, ck._values(variant))):
        return Diagnosis(Kind.A_MINUS_Y, activation=lf.activation.name, loss=d.loss.name)
    return None


DIAGNOSERS: tuple[Callable, ...] = (
    zero,
    constant,
    function_of_activation,
    pre_activation,
    unit_or_layer,
    written_index,
    wrong_derivative,
    jacobian_diagonal,
    factor,
    a_minus_y,
    sum_term,
    two_indices,
)


def diagnose(ck, df: Difference) -> Diagnosis:
    """The first diagnosis of DIAGNOSERS that explains the difference, else not_equal."""
    for diagnoser in DIAGNOSERS:
        found = diagnoser(ck, df)
        if found is not None:
            return found
    return Diagnosis(Kind.NOT_EQUAL)
