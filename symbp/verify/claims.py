"""A hand derivation checked against the derivation: proved equal, or not equal with a diagnosis.

The truth of a quantity (dC/dw, dC/dz = delta, a chain factor such as dout_o1/dnet_o1) comes from
the derivation (`truth.py`), in its intermediate symbols. Claim and truth are compared first in
numbers at random, non-symmetric check points (`points.py`), then, when they agree, proved equal
symbolically (`proof.py`). When they differ, an ordered list of diagnosers (`diagnose.py`) says
how; the results are the types of `verdict.py`.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import sympy as sp

from ..derive import EAGER_PARAMETERS, Derivation, derive
from ..errors import ClaimError, SymbpError
from ..parse import Node, OutOfRange, Reader, index_letters, located, parse, syntax_tree
from .diagnose import Difference, diagnose
from .points import POINTS, Points
from .proof import Proof
from .rewrites import rewrites
from .truth import Truth
from .vector import Vectors, narrow_copy
from .verdict import Case, Diagnosis, Kind, Point, Unreadable, Verdict

MAX_BINDINGS = 256
SHOWN = 8  # names of an absent symbol's family listed in its diagnosis


def too_large(d: Derivation, what: str) -> None:
    """Raise SymbpError at once when `d` is larger than per-unit claims are checked for."""
    if d.parameter_count > EAGER_PARAMETERS:
        raise SymbpError(
            f"{what} works per unit, up to {EAGER_PARAMETERS:,} parameters; {d.net.name} has "
            f"{d.parameter_count:,}: write it as a vector claim (delta^l, dC/dw^l), or for a "
            "narrower copy of the same layers (the rules do not depend on the widths; "
            "`symbp check` proves that for every width)"
        )


class Checker(Truth, Points, Proof):
    """Checks claims about one derivation; built once, used for many claims."""

    def __init__(self, d: Derivation, seed: int = 0, points: int = POINTS):
        self.wide = None  # a network too wide for per-unit claims: vector claims use a copy
        if d.parameter_count > EAGER_PARAMETERS:
            self.wide, d = d, derive(narrow_copy(d.net))
        self.d = d
        self.names = d.names.names()
        self.written = d.names.functions  # the notation's name for sigma (UFLDL's f)
        self.d_cost = d.names.d_cost
        self.index_maps()
        rng = np.random.default_rng(seed)
        self.examples = self._check_points(rng, points)
        self.known = self._known_factors()
        self._known_values = [
            [self._eval(f.expr, i) for f in self.known] for i in range(len(self.values))
        ]

    @functools.cached_property
    def vectors(self) -> Vectors:
        """The reader of vector claims (its batch samples are drawn once)."""
        return Vectors(self)

    # ---- one claim -----------------------------------------------------------------------
    def check_case(self, quantity, truth: sp.Expr, claim: sp.Expr, indices, rewrites=()) -> Case:
        """Compare one instance; `rewrites` yields (written, meant, column, claim', right for
        every case) variants."""
        tv, cv = self._values(truth), self._values(claim)
        if all(self._close(t, c) for t, c in zip(tv, cv)):
            ok, method = self.prove_equal(truth, claim)
            if ok:
                return Case(indices, quantity, truth, claim, True, method)
            unproved = Diagnosis(Kind.UNPROVED)
            return Case(indices, quantity, truth, claim, False, "unproved", unproved)
        diagnosis = diagnose(self, Difference(truth, claim, tv, cv, rewrites))
        i = next(i for i, (t, c) in enumerate(zip(tv, cv)) if not self._close(t, c))
        point = Point(self._shown_values(i), cv[i], tv[i])
        return Case(indices, quantity, truth, claim, False, "numbers", diagnosis, point)

    # ---- text in, verdict out ------------------------------------------------------------
    def verify(self, quantity: str, claim: str) -> Verdict:
        """Check `claim` for `quantity` (free index letters: every value they can take);
        raises ClaimError naming the quantity or the claim, and the column."""
        try:
            quantity_raw = syntax_tree(quantity, self.written)
        except ClaimError as e:
            raise _labelled(e, "quantity", quantity) from None
        try:
            syntax_tree(claim, self.written)
        except ClaimError as e:
            raise _labelled(e, "claim", claim) from None
        if self.vectors.is_vector(quantity_raw):
            try:
                return self.vectors.verify(quantity, claim)
            except ClaimError as e:
                what = "quantity" if e.text == quantity else "claim"
                raise _labelled(e, what, claim if what == "claim" else quantity) from None
        if self.wide is not None:
            too_large(self.wide, "checking a claim")
        try:
            self._bindings(quantity, sorted(index_letters(quantity_raw)))
        except ClaimError as e:
            raise _labelled(e, "quantity", quantity) from None
        try:
            return self._verify(quantity, claim)
        except ClaimError as e:
            raise _labelled(e, "claim", claim) from None

    def _verify(self, quantity: str, claim: str) -> Verdict:
        letters = sorted(index_letters(syntax_tree(quantity, self.written)))
        bindings = self._bindings(quantity, letters)
        cases, skipped = [], []
        claim_raw = syntax_tree(claim, self.written)
        functions = self.functions()
        for binding, q in bindings:
            reader = Reader(self.names, functions, self.truth, binding, self.d_cost)
            try:
                node = reader.resolve(claim_raw)
            except OutOfRange as e:
                if not binding and not _names_a_unit(e.spelled):
                    raise located(e, claim) from None
                if e.layer and len(bindings) > 1:
                    skipped.append(binding)
                    continue
                cases.append(self._absent_case(q, binding, e, claim_raw, functions, bindings))
                continue
            except ClaimError as e:
                raise located(e, claim) from None
            truth = self.truth(*q)
            rewrites = itertools.chain(
                self._resolved_rewrites(claim_raw, functions, binding, bindings),
                self._exchanges(claim_raw, functions, binding, bindings),
            )
            case = self.check_case(q, truth, node.expr, binding, rewrites)
            case.derived = truth.xreplace(self.mid)
            case.read = node.expr.xreplace(self.outputs)
            cases.append(case)
        if not cases:
            raise ClaimError(
                "the claim names no symbol of this network for any value of " + ", ".join(letters),
                claim,
            )
        return Verdict(quantity, claim, cases, skipped, len(self.values))

    def _absent_case(self, q, binding, e: OutOfRange, raw: Node, functions, bindings) -> Case:
        """A failing case: for this value of the quantity's letters the claim names a unit the
        network lacks; says which rewrite or exchange of letters would make it right."""
        truth = self.truth(*q)
        tv = self._values(truth)
        written = ()
        for w, m, column, variant, everywhere in self._resolved_rewrites(
            raw, functions, binding, bindings
        ):
            if all(self._close(t, v) for t, v in zip(tv, self._values(variant))) and everywhere():
                written = ((w, m, column),)
                break
        letters = () if written else self._exchanged_letters(raw, functions, bindings)
        stem = e.spelled.rstrip("0123456789")
        existing = tuple(n for n in self.names if n.startswith(stem))[:SHOWN]
        diagnosis = Diagnosis(
            Kind.NO_SYMBOL, absent=e.spelled, written=written, letters=letters, existing=existing
        )
        case = Case(binding, q, truth, None, False, "no_symbol", diagnosis)
        case.derived = truth.xreplace(self.mid)
        return case

    def _exchanged_letters(self, raw: Node, functions, bindings) -> tuple[str, ...]:
        """Two index letters whose exchange in the claim makes it right in every case, or ()."""
        letters = sorted(bindings[0][0])
        for a, b in itertools.combinations(letters, 2):
            if self._exchange_right(raw, functions, bindings, a, b):
                return (a, b)
        return ()

    def _swapped(self, raw: Node, functions, binding, a: str, b: str):
        """The claim read with index letters a and b exchanged in `binding`, or None."""
        swapped = {**binding, a: binding[b], b: binding[a]}
        try:
            return Reader(self.names, functions, self.truth, swapped, self.d_cost).resolve(raw).expr
        except ClaimError:
            return None

    def _exchange_right(self, raw: Node, functions, bindings, a: str, b: str) -> bool:
        for binding, q in bindings:
            e = self._swapped(raw, functions, binding, a, b)
            if e is None:
                return False
            tv, vv = self._values(self.truth(*q)), self._values(e)
            if not all(self._close(t, v) for t, v in zip(tv, vv)):
                return False
        return True

    def _exchanges(self, raw: Node, functions, binding, bindings):
        """The claim with two index letters exchanged (column None), as `_resolved_rewrites`
        yields its variants."""
        for a, b in itertools.combinations(sorted(binding), 2):
            expr = self._swapped(raw, functions, binding, a, b)
            if expr is None:
                continue
            yield (
                a,
                b,
                None,
                expr,
                lambda a=a, b=b: self._exchange_right(raw, functions, bindings, a, b),
            )

    def _resolved_rewrites(self, raw: Node, functions, binding, bindings):
        """The claim with one written index changed (l -> l+1, jk -> kj, k -> j), resolved
        lazily; each comes with a test that it is right for every other case too."""
        for written, meant, column, variant in rewrites(raw):
            try:
                expr = (
                    Reader(self.names, functions, self.truth, binding, self.d_cost)
                    .resolve(variant)
                    .expr
                )
            except ClaimError:
                continue

            def everywhere(variant=variant) -> bool:
                for other, q in bindings:
                    try:
                        e = (
                            Reader(self.names, functions, self.truth, other, self.d_cost)
                            .resolve(variant)
                            .expr
                        )
                    except OutOfRange:
                        continue
                    except ClaimError:
                        return False
                    tv, vv = self._values(self.truth(*q)), self._values(e)
                    if not all(self._close(t, v) for t, v in zip(tv, vv)):
                        return False
                return True

            yield written, meant, column, expr, everywhere

    def _bindings(self, quantity: str, letters: list[str]):
        raw = syntax_tree(quantity, self.written)
        if not letters:
            reader = Reader(self.names, d_cost=self.d_cost)
            try:
                q = reader.quantity(raw)
            except ClaimError as e:
                raise located(e, quantity) from None
            self.truth(*q)
            return [({}, q)]
        top = max(self.d.net.sizes + (len(self.d.layers),))
        if top ** len(letters) > MAX_BINDINGS * 16:
            raise ClaimError(
                f"too many index letters in the quantity: {', '.join(letters)}", quantity
            )
        out = []
        for values in itertools.product(range(0, top + 1), repeat=len(letters)):
            binding = dict(zip(letters, values))
            try:
                q = Reader(self.names, indices=binding, d_cost=self.d_cost).quantity(raw)
                self.truth(*q)
            except ClaimError:
                continue
            out.append((binding, q))
        if not out:
            raise ClaimError(
                "the quantity names no symbol of this network for any value of "
                + ", ".join(letters),
                quantity,
            )
        if len(out) > MAX_BINDINGS:
            raise ClaimError(f"the quantity stands for more than {MAX_BINDINGS} cases", quantity)
        return out


def _labelled(e: ClaimError, what: str, text: str) -> ClaimError:
    """The error with the claim or quantity it concerns named in its message."""
    if e.message.startswith(("claim ", "quantity ")):
        return e
    shown = text if len(text) <= 60 else text[:57] + "..."
    return ClaimError(f"{what} {shown!r}: {e.message}", text, e.column, e.context)


MAX_CLAIMS_BYTES = 1_000_000


def read_claims(path: str) -> list[tuple[str, str]]:
    """(quantity, claim) pairs of a TOML claims file (`"dE/dw5" = "..."`), in file order."""
    from .. import files

    try:
        table = files.parse_toml(files.read_text(path, "claims", MAX_CLAIMS_BYTES), path)
    except SymbpError as e:
        raise ClaimError(str(e)) from None
    out = list(table.items())
    if not out:
        raise ClaimError(f'{path}: no claims (write one line per claim: quantity = "claim")')
    return out


def verify_file(checker: Checker, path: str) -> list[Verdict | Unreadable]:
    """Every claim of a claims file checked, the unreadable ones marked; raises ClaimError only
    when none can be read."""
    out: list[Verdict | Unreadable] = []
    for key, value in read_claims(path):
        if not isinstance(value, str):
            error = (
                f"a claim must be a string, got {type(value).__name__} "
                '(write `"dE/dw5" = "(out_o1 - target_o1) * ..."`)'
            )
            out.append(Unreadable(key, repr(value), error))
            continue
        try:
            out.append(checker.verify(key, value))
        except ClaimError as e:
            out.append(Unreadable(key, value, str(e)))
    if all(isinstance(v, Unreadable) for v in out):
        first = out[0]
        raise ClaimError(f"{path}: no claim could be read; {first.quantity}: {first.error}")
    return out


def verify(d: Derivation, quantity: str, claim: str, seed: int = 0) -> Verdict:
    """Check one claim about derivation `d`; raises ClaimError when it cannot be read."""
    return Checker(d, seed).verify(quantity, claim)


def parse_claim(d: Derivation, claim: str) -> sp.Expr:
    """The claim's expression in `d`'s symbols (sigma per layer; derivatives by their value)."""
    checker = Checker(d, points=0)
    return parse(claim, checker.names, checker.functions(), checker.truth)


def _names_a_unit(spelled: str) -> bool:
    """Whether a name the network lacks names one unit (w^2_31, out_h3, w9), not a whole layer."""
    return "_" in spelled or "^" not in spelled
