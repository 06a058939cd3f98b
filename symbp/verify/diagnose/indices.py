"""Diagnoses of index slips: a symbol of another unit or layer, an index letter written wrong,
two indices exchanged."""

from __future__ import annotations

import itertools

import sympy as sp

from ..points import nice
from ..verdict import Diagnosis, Kind
from .difference import Difference, matches, ratio

MAX_VARIANTS = 600


def unit_or_layer(ck, df: Difference) -> Diagnosis | None:
    """A symbol of the wrong unit or layer (one symbol, or a whole family moved at once)."""
    return _index_slip(ck, df, _variants(ck, df.claim))


def written_index(ck, df: Difference) -> Diagnosis | None:
    """An index letter written wrong (l for l+1, jk for kj, k for j), right in every case."""
    for written, meant, column, variant, everywhere in df.rewrites:
        vv = ck._values(variant)
        if all(ck._close(t, v) for t, v in zip(df.tv, vv)) and everywhere():
            confirmed = ck.prove_equal(df.truth, variant)[0]
            if column is None:  # two letters exchanged throughout
                return Diagnosis(Kind.INDEX, letters=(written, meant), confirmed=confirmed)
            return Diagnosis(Kind.INDEX, written=((written, meant, column),), confirmed=confirmed)
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
            const = ratio(ck, df.tv, vv)
            if const is not None:
                scaled = (swaps, nice(const))
    if scaled is not None:
        return Diagnosis(Kind.INDEX, constant=scaled[1], swaps=scaled[0])
    return None


def exchanged_units(ck, df: Difference) -> Diagnosis | None:
    """Two unit numbers exchanged in every symbol of the claim (a^2_3, y_3, a^1_2 written for
    a^2_2, y_2, a^1_3): the j/k exchange of a claim written with numbers."""
    families = ck.families
    where = {v: s for s, v in families.items()}
    used = sorted((s for s in df.claim.free_symbols if s in families), key=str)
    numbers = sorted({i for s in used for i in families[s][2]})
    for p, q in itertools.combinations(numbers, 2):
        swap = {p: q, q: p}
        moves = {}
        for s in used:
            fam, lay, idx = families[s]
            other = where.get((fam, lay, tuple(swap.get(i, i) for i in idx)))
            if other is None:
                break
            if other != s:
                moves[s] = other
        else:
            if len(moves) > 1 and matches(ck, df, df.claim.xreplace(moves)):
                swaps = tuple(sorted(moves.items(), key=str))
                confirmed = ck.prove_equal(df.truth, df.claim.xreplace(moves))[0]
                return Diagnosis(Kind.INDEX, swaps=swaps, confirmed=confirmed)
    return None
