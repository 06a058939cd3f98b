"""A hand derivation checked against the derivation: proved equal, or not equal with a diagnosis.

The truth of a quantity (dC/dw, dC/dz = delta, a chain factor such as dout_o1/dnet_o1) comes from
the derivation, in its intermediate symbols. Claim and truth are compared first in numbers at
random, non-symmetric points (forward and backward pass of `d.evaluate`), then, when they agree,
proved equal symbolically after expanding both into inputs, targets and parameters. When they
differ, the numbers say how: a constant ratio (sign, 1/2, 2), a symbol of the wrong unit or layer
(swapping it for a sibling makes the claim right), or a missing or extra factor that is one of the
derivation's own factors (an activation derivative, a weight, an activation, a delta).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from ..activations import defined
from ..derive import Derivation
from ..derive.proof import ExactEvaluator, atomize, tree_size
from ..errors import ClaimError, SymbpError
from ..network import Example
from ..parse import DEFAULT_FUNCTIONS, Node, Reader, index_letters, parse, syntax_tree
from ..parse.reader import _located, _OutOfRange

POINTS = 4
RTOL = 1e-8
MAX_BINDINGS = 256
MAX_VARIANTS = 600
SYMBOLIC_LIMIT = 3000  # tree nodes above which cancel gives way to exact evaluation
DEFINITION_LIMIT = 600
CANCEL_POWER = 8  # integer exponents above which cancel gives way to exact evaluation
EXACT_POINTS = 3


@dataclass(frozen=True)
class Factor:
    """A factor of the derivation shown in a diagnosis: its expression and what it is."""

    expr: sp.Expr
    kind: str  # activation_derivative, activation, weight, input, delta, loss_derivative
    symbol: sp.Symbol | None = None  # the unit's a, z, w or delta the factor belongs to
    activation: str | None = None  # the layer's activation, for an activation derivative


@dataclass(frozen=True)
class Diagnosis:
    """Why a claim is wrong. kind: sign, constant, index, missing_factor, extra_factor, factors,
    zero, not_equal, or unproved (equal at every check point, yet no symbolic proof found).
    `constant` is c in claim = c * truth; `swaps` (written, meant) Symbol pairs, or `written`
    (as written, meant, column) texts when an index letter of the claim is wrong;
    `missing`/`extra` the factors; `confirmed` when the explanation was proved symbolically."""

    kind: str
    constant: sp.Rational | float | None = None
    swaps: tuple[tuple[sp.Symbol, sp.Symbol], ...] = ()
    missing: tuple[Factor, ...] = ()
    extra: tuple[Factor, ...] = ()
    confirmed: bool = False
    written: tuple[tuple[str, str, int | None], ...] = ()  # (as written, meant, column)

    def __str__(self) -> str:
        from .report import describe

        return describe(self)


@dataclass(frozen=True)
class Point:
    """A numeric point: inputs, targets and parameters by claim spelling, and both values."""

    values: dict[str, float]
    claim: float
    truth: float


@dataclass
class Case:
    """One instance of a claim (one value of each free index letter)."""

    indices: dict[str, int]
    quantity: tuple[sp.Symbol, sp.Symbol | None]
    truth: sp.Expr
    claim: sp.Expr
    ok: bool
    method: str  # see Verdict.method
    diagnosis: Diagnosis | None = None
    counterexample: Point | None = None
    derived: sp.Expr | None = None  # the truth with every delta written out
    read: sp.Expr | None = None  # the claim as read, activations shown as the units' outputs


@dataclass
class Verdict:
    """The result of one claim: `.ok`, `.diagnosis` (first failing case), every case checked."""

    quantity: str
    claim: str
    cases: list[Case]
    skipped: list[dict[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cases)

    @property
    def failing(self) -> Case | None:
        return next((c for c in self.cases if not c.ok), None)

    @property
    def diagnosis(self) -> Diagnosis | None:
        case = self.failing
        return case.diagnosis if case else None

    @property
    def counterexample(self) -> Point | None:
        case = self.failing
        return case.counterexample if case else None

    @property
    def method(self) -> str:
        """How the cases were decided: identical, cancel, definitions, exact_evaluation (proofs),
        numbers (a counterexample) or unproved; several joined by "+"."""
        return "+".join(sorted({c.method for c in self.cases}))


def _random_example(d: Derivation, rng: np.random.Generator) -> Example:
    """Parameters and one sample drawn at random, rounded to 2 decimals, never 0 or symmetric."""

    def draw(shape):
        v = np.round(rng.uniform(-1, 1, size=shape), 2)
        return np.where(v == 0, 0.37, v)

    params = {k: draw(s) for k, s in d.net.parameter_shapes().items()}
    x = tuple(float(v) for v in draw(d.net.inputs))
    n = d.net.sizes[-1]
    if d.loss.targets_sum_to_one:
        y = np.round(rng.dirichlet(np.ones(n)), 2)
        y[-1] = 1 - y[:-1].sum()
    else:
        y = np.round(rng.uniform(0.01, 0.99, size=n), 2)
    return Example(x=(x,), y=(tuple(float(v) for v in y),), params=params)


class Checker:
    """Checks claims about one derivation; built once, used for many claims."""

    def __init__(self, d: Derivation, seed: int = 0, points: int = POINTS):
        self.d = d
        self.names = d.names.names()
        self.cost = d.cost_symbol
        self.z_layer = {z: (pos, j) for pos, lf in enumerate(d.layers) for j, z in enumerate(lf.z)}
        self.a_layer = {a: (pos, j) for pos, lf in enumerate(d.layers) for j, a in enumerate(lf.a)}
        self.d_layer = {
            s: (pos, j) for pos, ds in enumerate(d.delta_symbols) for j, s in enumerate(ds)
        }
        self.factors = {
            (f.num, f.den): f.value
            for chain in d.chains.values()
            for term in chain.terms
            for f in term
        }
        self.fixed = d.identity_substitution()
        self.outputs = {ad: a for lf in d.layers for ad, a in zip(lf.a_def, lf.a) if ad != a}
        self.mid: dict[sp.Symbol, sp.Expr] = {}
        for ds, lb in reversed(list(zip(d.delta_symbols, d.backward))):
            self.mid.update((s, e.xreplace(self.mid)) for s, e in zip(ds, lb.delta))
        self.families = self._families()
        rng = np.random.default_rng(seed)
        self.examples = [_random_example(d, rng) for _ in range(points)]
        self.values = [self._point_values(ex) for ex in self.examples]
        self.known = self._known_factors()
        self._known_values = [[self._eval(f.expr, i) for f in self.known] for i in range(points)]

    # ---- the derivation's side -----------------------------------------------------------
    def _point_values(self, ex: Example) -> dict[sp.Symbol, float]:
        worked = self.d.evaluate(ex)
        vals = {s: float(np.asarray(v).reshape(-1)[0]) for s, v in worked.values.items()}
        vals[self.cost] = float(worked.loss)
        return vals

    def _families(self) -> dict[sp.Symbol, tuple[str, int, tuple]]:
        """Each symbol's family (a, z, w, b, delta, y), layer and unit indices."""
        fam: dict[sp.Symbol, tuple[str, int, tuple]] = {}
        for k, x in enumerate(self.d.inputs):
            fam[x] = ("a", 0, (k,))
        for pos, lf in enumerate(self.d.layers):
            l = lf.index
            for j in range(len(lf.z)):
                fam[lf.z[j]] = ("z", l, (j,))
                fam[lf.a[j]] = ("a", l, (j,))
                fam[self.d.delta_symbols[pos][j]] = ("delta", l, (j,))
                for k, w in enumerate(lf.weights[j]):
                    fam[w] = ("w", l, (j, k))
            for j, b in enumerate(lf.biases):
                fam[b] = ("b", l, (j,) if lf.bias_mode == "per_unit" else ())
        last = self.d.layers[-1].index
        for j, y in enumerate(self.d.targets):
            fam[y] = ("y", last, (j,))
        return fam

    def _known_factors(self) -> list[Factor]:
        d = self.d
        out: list[Factor] = []
        for pos, (lf, lb) in enumerate(zip(d.layers, d.backward)):
            for j in range(len(lf.z)):
                if lf.activation.elementwise:
                    name = lf.activation.name
                    out.append(Factor(lb.jacobian[j, j], "activation_derivative", lf.z[j], name))
                out.append(Factor(lf.a[j], "activation", lf.a[j]))
                out.append(Factor(d.delta_symbols[pos][j], "delta", d.delta_symbols[pos][j]))
                out += [Factor(w, "weight", w) for w in lf.weights[j]]
            if pos == len(d.layers) - 1:
                out += [
                    Factor(lb.dC_da[j], "loss_derivative", lf.a[j])
                    for j in range(len(lf.a))
                    if lb.dC_da[j] not in (0, 1)
                ]
        out += [Factor(x, "input", x) for x in d.inputs]
        return [f for f in out if f.expr not in (0, 1)]

    def truth(self, num: sp.Symbol, den: sp.Symbol | None) -> sp.Expr:
        """The derivation's value of d num / d den (or of a delta symbol), intermediate symbols."""
        d = self.d
        if den is None:
            if num in self.d_layer:
                pos, j = self.d_layer[num]
                return d.backward[pos].delta[j]
            raise ClaimError(
                f"{num.name} is not a quantity: write a derivative such as "
                f"d{self.cost.name}/d{d.params[0].name}, or a delta"
            )
        if (num, den) in self.factors:
            return self.factors[(num, den)]
        if num == self.cost:
            if den in d.gradients:
                return d.gradients[den]
            if den in self.z_layer:
                pos, j = self.z_layer[den]
                return d.delta_symbols[pos][j]
            if den in self.a_layer:
                pos, j = self.a_layer[den]
                return d.backward[pos].dC_da[j]
        if num in self.z_layer:
            pos, j = self.z_layer[num]
            return sp.diff(d.layers[pos].z_def[j], den)
        if num in self.a_layer and den in self.z_layer:
            (pa, i), (pz, j) = self.a_layer[num], self.z_layer[den]
            if pa == pz:
                return d.backward[pa].jacobian[i, j]
            if pz > pa:
                return sp.Integer(0)
        raise ClaimError(f"symbp does not derive d{num.name}/d{den.name}")

    def functions(self) -> dict[str, Callable]:
        """The function table for claims: sigma and sigma' follow the layer of their argument."""
        table = dict(DEFAULT_FUNCTIONS)
        table["sigma"] = self._sigma
        table["sigma'"] = self._sigma_prime
        return table

    def _sigma(self, arg: sp.Expr) -> sp.Expr:
        if arg in self.z_layer:
            pos, j = self.z_layer[arg]
            return self.d.layers[pos].a_def[j]
        return DEFAULT_FUNCTIONS["sigma"](arg)

    def _sigma_prime(self, arg: sp.Expr) -> sp.Expr:
        if arg in self.z_layer:
            pos, j = self.z_layer[arg]
            lf = self.d.layers[pos]
            if not lf.activation.elementwise:
                raise ClaimError(
                    f"sigma' of layer {lf.index} ({lf.activation.name}) is a Jacobian matrix, "
                    f"not one number: write its entries, e.g. da^{lf.index}_i/dz^{lf.index}_j"
                )
            return sp.diff(lf.a_def[j], arg)
        return DEFAULT_FUNCTIONS["sigma'"](arg)

    # ---- numbers -------------------------------------------------------------------------
    def _eval(self, expr: sp.Expr, i: int) -> float:
        vals = self.values[i]
        missing = [s for s in expr.free_symbols if s not in vals]
        if missing:
            raise ClaimError(f"no value for {missing[0]} in this network")
        try:
            e = expr.xreplace({s: sp.Float(vals[s], 30) for s in expr.free_symbols})
            v = complex(sp.N(e, 20))
        except (TypeError, ValueError):
            return math.nan
        return v.real if abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) else math.nan

    def _values(self, expr: sp.Expr) -> list[float]:
        return [self._eval(expr, i) for i in range(len(self.values))]

    @staticmethod
    def _close(a: float, b: float) -> bool:
        return (
            math.isfinite(a) and math.isfinite(b) and abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-3)
        )

    @staticmethod
    def _constant(ratios: list[float]) -> float | None:
        usable = [r for r in ratios if math.isfinite(r)]
        if len(usable) < 2:
            return None
        if all(abs(r - usable[0]) <= 1e-7 * max(1.0, abs(usable[0])) for r in usable):
            return usable[0]
        return None

    # ---- proof ---------------------------------------------------------------------------
    def prove_equal(self, truth: sp.Expr, claim: sp.Expr) -> tuple[bool, str]:
        """Symbolic proof that truth == claim for all inputs, targets and parameters.

        Both sides are expanded into inputs, targets and parameters, the identities applied and
        every activation made a fresh symbol. Small differences without high powers go to
        `cancel`; the rest to exact rational evaluation at random points (Schwartz-Zippel), so
        the time stays bounded whatever powers a claim contains.
        """
        lhs, rhs = (self.d.expand(e).xreplace(self.fixed) for e in (truth, claim))
        a, b = atomize([lhs, rhs])
        diff = a - b
        if diff == 0:
            return True, "identical"
        small = tree_size(diff, SYMBOLIC_LIMIT) <= SYMBOLIC_LIMIT
        if small and _max_power(diff) <= CANCEL_POWER:
            if sp.cancel(sp.together(diff)) == 0:
                return True, "cancel"
            return self._prove_by_definitions(lhs, rhs)
        rng = random.Random(0)
        for _ in range(EXACT_POINTS):
            for _attempt in range(5):
                ev = ExactEvaluator(rng)
                try:
                    if ev(a) != ev(b):
                        return False, ""
                    break
                except ZeroDivisionError:
                    continue
                except TypeError:  # exp or log written in the claim: not a rational function
                    return False, ""
        return True, "exact_evaluation"

    def _prove_by_definitions(self, lhs: sp.Expr, rhs: sp.Expr) -> tuple[bool, str]:
        """For claims written with exp() instead of sigma(): activations by their definitions."""
        if (
            not (lhs.has(sp.exp) or rhs.has(sp.exp))
            or lhs.has(sp.Heaviside)
            or rhs.has(sp.Heaviside)
        ):
            return False, ""

        diff = defined(lhs) - defined(rhs)
        if tree_size(diff, DEFINITION_LIMIT) > DEFINITION_LIMIT or _max_power(diff) > CANCEL_POWER:
            return False, ""
        if sp.cancel(sp.together(sp.powsimp(diff))) == 0:
            return True, "definitions"
        return False, ""

    # ---- one claim -----------------------------------------------------------------------
    def check_case(self, quantity, truth: sp.Expr, claim: sp.Expr, indices, rewrites=()) -> Case:
        """Compare one instance; `rewrites` yields (written, meant, column, claim', right for
        every case) variants."""
        tv, cv = self._values(truth), self._values(claim)
        if all(self._close(t, c) for t, c in zip(tv, cv)):
            ok, method = self.prove_equal(truth, claim)
            if ok:
                return Case(indices, quantity, truth, claim, True, method)
            return Case(indices, quantity, truth, claim, False, "unproved", Diagnosis("unproved"))
        diagnosis = self.diagnose(truth, claim, tv, cv, rewrites)
        i = next(i for i, (t, c) in enumerate(zip(tv, cv)) if not self._close(t, c))
        point = Point(self._shown_values(i), cv[i], tv[i])
        return Case(indices, quantity, truth, claim, False, "numbers", diagnosis, point)

    def _shown_values(self, i: int) -> dict[str, float]:
        shown = [*self.d.inputs, *self.d.targets, *self.d.params]
        return {s.name: self.values[i][s] for s in shown}

    def diagnose(self, truth, claim, tv, cv, rewrites=()) -> Diagnosis:
        """Name the mistake: sign, constant, index, missing or extra factor, else not_equal."""
        if all(abs(c) <= 1e-300 for c in cv):
            return Diagnosis("zero")
        ratios = [c / t if t != 0 else math.nan for t, c in zip(tv, cv)]
        const = self._constant(ratios)
        if const is not None:
            c = _nice(const)
            confirmed = isinstance(c, sp.Rational) and self.prove_equal(c * truth, claim)[0]
            return Diagnosis("sign" if c == -1 else "constant", constant=c, confirmed=confirmed)
        found = self._index_slip(truth, claim, tv, self._variants(claim))
        if found is not None:
            return found
        for written, meant, column, variant, everywhere in rewrites:
            vv = self._values(variant)
            if all(self._close(t, v) for t, v in zip(tv, vv)) and everywhere():
                confirmed = self.prove_equal(truth, variant)[0]
                return Diagnosis("index", written=((written, meant, column),), confirmed=confirmed)
        found = self._factor(truth, claim, tv, cv)
        if found is not None:
            return found
        found = self._index_slip(truth, claim, tv, self._pair_variants(claim), scaled_ok=False)
        if found is not None:
            return found
        return Diagnosis("not_equal")

    def _variants(self, claim: sp.Expr):
        """(swaps, claim') with symbols moved to another unit or layer of the same family."""
        used = sorted((s for s in claim.free_symbols if s in self.families), key=lambda s: s.name)
        by_family: dict[str, list[sp.Symbol]] = {}
        for s, (fam, _, _) in self.families.items():
            by_family.setdefault(fam, []).append(s)
        where = {v: s for s, v in self.families.items()}
        for s in used:
            fam = self.families[s][0]
            for other in by_family[fam]:
                if other != s:
                    yield ((s, other),)
        layers = sorted({lay for _, lay, _ in self.families.values()})
        for fam in sorted({self.families[s][0] for s in used}):
            mine = [s for s in used if self.families[s][0] == fam]
            for lay, to in itertools.permutations(layers, 2):
                moved = [s for s in mine if self.families[s][1] == lay]
                target = [where.get((fam, to, self.families[s][2])) for s in moved]
                if len(moved) > 1 and all(t is not None for t in target):
                    yield tuple(zip(moved, target))
            if fam == "w":
                for lay in layers:
                    moved = [s for s in mine if self.families[s][1] == lay]
                    target = [where.get(("w", lay, self.families[s][2][::-1])) for s in moved]
                    pairs = tuple((s, t) for s, t in zip(moved, target) if t is not None and t != s)
                    if len(pairs) > 1 and len(pairs) == len(moved):
                        yield pairs

    def _pair_variants(self, claim: sp.Expr):
        """Two symbols moved to other units of their own layers at once (j and k exchanged)."""
        used = sorted((s for s in claim.free_symbols if s in self.families), key=lambda s: s.name)
        peers: dict[sp.Symbol, list[sp.Symbol]] = {}
        for s in used:
            fam, lay, _ = self.families[s]
            peers[s] = [o for o, f in self.families.items() if f[:2] == (fam, lay) and o != s]
        for s1, s2 in itertools.combinations(used, 2):
            for o1 in peers[s1]:
                for o2 in peers[s2]:
                    yield ((s1, o1), (s2, o2))

    def _index_slip(self, truth, claim, tv, variants, scaled_ok=True) -> Diagnosis | None:
        scaled = None
        for n, swaps in enumerate(variants):
            if n >= MAX_VARIANTS:
                break
            variant = claim.xreplace(dict(swaps))
            vv = self._values(variant)
            if all(self._close(t, v) for t, v in zip(tv, vv)):
                confirmed = self.prove_equal(truth, variant)[0]
                return Diagnosis("index", swaps=swaps, confirmed=confirmed)
            if scaled is None and scaled_ok:
                const = self._constant([v / t if t != 0 else math.nan for t, v in zip(tv, vv)])
                if const is not None:
                    scaled = (swaps, _nice(const))
        if scaled is not None:
            return Diagnosis("index", constant=scaled[1], swaps=scaled[0])
        return None

    def _factor(self, truth, claim, tv, cv) -> Diagnosis | None:
        ratios = [t / c if c != 0 else math.nan for t, c in zip(tv, cv)]  # truth = claim * r
        k = len(self.known)
        kv = self._known_values
        close = self._close

        def matches(fn) -> bool:
            return all(
                math.isfinite(r) and close(r, fn(i)) for i, r in enumerate(ratios) if tv[i] != 0
            ) and any(tv)

        for a in range(k):
            if matches(lambda i, a=a: kv[i][a]):
                return self._factor_result((a,), (), truth, claim)
            if matches(lambda i, a=a: 1 / kv[i][a] if kv[i][a] else math.nan):
                return self._factor_result((), (a,), truth, claim)
        for a, b in itertools.combinations_with_replacement(range(k), 2):
            if matches(lambda i, a=a, b=b: kv[i][a] * kv[i][b]):
                return self._factor_result((a, b), (), truth, claim)
            if matches(
                lambda i, a=a, b=b: 1 / (kv[i][a] * kv[i][b]) if kv[i][a] * kv[i][b] else math.nan
            ):
                return self._factor_result((), (a, b), truth, claim)
        for a, b in itertools.permutations(range(k), 2):
            if matches(lambda i, a=a, b=b: kv[i][a] / kv[i][b] if kv[i][b] else math.nan):
                return self._factor_result((a,), (b,), truth, claim)
        return None

    def _factor_result(self, missing, extra, truth, claim) -> Diagnosis:
        miss = tuple(self.known[i] for i in missing)
        ext = tuple(self.known[i] for i in extra)
        fixed = claim * sp.Mul(*[f.expr for f in miss]) / sp.Mul(*[f.expr for f in ext])
        confirmed = self.prove_equal(truth, fixed)[0]
        kind = "factors" if miss and ext else "missing_factor" if miss else "extra_factor"
        return Diagnosis(kind, missing=miss, extra=ext, confirmed=confirmed)

    # ---- text in, verdict out ------------------------------------------------------------
    def verify(self, quantity: str, claim: str) -> Verdict:
        """Check `claim` for `quantity` (free index letters: every value they can take);
        raises ClaimError naming the quantity or the claim, and the column."""
        try:
            quantity_raw = syntax_tree(quantity)
        except ClaimError as e:
            raise _labelled(e, "quantity", quantity) from None
        try:
            syntax_tree(claim)
        except ClaimError as e:
            raise _labelled(e, "claim", claim) from None
        try:
            self._bindings(quantity, sorted(index_letters(quantity_raw)))
        except ClaimError as e:
            raise _labelled(e, "quantity", quantity) from None
        try:
            return self._verify(quantity, claim)
        except ClaimError as e:
            raise _labelled(e, "claim", claim) from None

    def _verify(self, quantity: str, claim: str) -> Verdict:
        letters = sorted(index_letters(syntax_tree(quantity)))
        bindings = self._bindings(quantity, letters)
        cases, skipped = [], []
        claim_raw = syntax_tree(claim)
        functions = self.functions()
        for binding, q in bindings:
            reader = Reader(self.names, functions, self.truth, binding)
            try:
                node = reader.resolve(claim_raw)
            except _OutOfRange as e:
                if len(bindings) > 1:
                    skipped.append(binding)
                    continue
                raise _located(e, claim) from None
            except ClaimError as e:
                raise _located(e, claim) from None
            truth = self.truth(*q)
            rewrites = self._resolved_rewrites(claim_raw, functions, binding, bindings)
            case = self.check_case(q, truth, node.expr, binding, rewrites)
            case.derived = truth.xreplace(self.mid)
            case.read = node.expr.xreplace(self.outputs)
            cases.append(case)
        if not cases:
            raise ClaimError(
                "the claim names no symbol of this network for any value of " + ", ".join(letters),
                claim,
            )
        return Verdict(quantity, claim, cases, skipped)

    def _resolved_rewrites(self, raw: Node, functions, binding, bindings):
        """The claim with one written index changed (l -> l+1, jk -> kj, k -> j), resolved
        lazily; each comes with a test that it is right for every other case too."""
        for written, meant, column, variant in _rewrites(raw):
            try:
                expr = Reader(self.names, functions, self.truth, binding).resolve(variant).expr
            except ClaimError:
                continue

            def everywhere(variant=variant) -> bool:
                for other, q in bindings:
                    try:
                        e = Reader(self.names, functions, self.truth, other).resolve(variant).expr
                    except _OutOfRange:
                        continue
                    except ClaimError:
                        return False
                    tv, vv = self._values(self.truth(*q)), self._values(e)
                    if not all(self._close(t, v) for t, v in zip(tv, vv)):
                        return False
                return True

            yield written, meant, column, expr, everywhere

    def _bindings(self, quantity: str, letters: list[str]):
        raw = syntax_tree(quantity)
        if not letters:
            reader = Reader(self.names)
            try:
                q = reader.quantity(raw)
            except ClaimError as e:
                raise _located(e, quantity) from None
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
                q = Reader(self.names, indices=binding).quantity(raw)
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
    out = []
    for key, value in table.items():
        if not isinstance(value, str):
            raise ClaimError(
                f"{path}: {key}: a claim must be a string, got {type(value).__name__} "
                '(write `"dE/dw5" = "(out_o1 - target_o1) * ..."`)'
            )
        out.append((key, value))
    if not out:
        raise ClaimError(f'{path}: no claims (write one line per claim: quantity = "claim")')
    return out


def _index_text(n: Node) -> str:
    if n.op in ("token", "name", "number"):
        return str(n.value)
    if n.op in ("add", "sub"):
        return f"{_index_text(n.args[0])}{'+' if n.op == 'add' else '-'}{_index_text(n.args[1])}"
    if n.op == "neg":
        return "-" + _index_text(n.args[0])
    if n.op == "tuple":
        return ",".join(_index_text(a) for a in n.args)
    return "".join(_index_text(a) for a in n.args)


def _written(node: Node) -> str:
    base, *scripts = node.args
    out = str(base.value)
    for sc in scripts:
        out += ("_" if sc.op == "lower" else "^") + "{" + _index_text(sc.args[0]) + "}"
    return out


def _replace(root: Node, target: Node, new: Node) -> Node:
    if root is target:
        return new
    if not root.args:
        return root
    args = tuple(_replace(a, target, new) for a in root.args)
    if all(a is b for a, b in zip(args, root.args)):
        return root
    return dataclasses.replace(root, args=args)


def _swapped(arg: Node) -> Node | None:
    if arg.op in ("token", "name") and len(str(arg.value)) == 2:
        return dataclasses.replace(arg, value=str(arg.value)[::-1])
    if arg.op == "number" and arg.value.is_Integer and 10 <= arg.value <= 99:
        return dataclasses.replace(arg, value=sp.Integer(int(str(arg.value)[::-1])))
    if arg.op in ("jux", "tuple") and len(arg.args) == 2:
        return dataclasses.replace(arg, args=arg.args[::-1])
    return None


def _letters(raw: Node) -> list[str]:
    """Every single index letter the claim writes (free or bound by a sum)."""
    found = index_letters(raw) | {n.value[0] for n in raw.walk() if n.op == "bigsum"}
    return sorted(f for f in found if len(f) == 1 and f != "L")


def _rewrites(raw: Node):
    """(as written, meant, column, claim') for each name whose layer is off by one, whose two
    lower indices are exchanged, or whose one-letter lower index is another letter of the claim."""
    one = Node("token", (), "1")
    letters = _letters(raw)
    for node in raw.walk():
        if node.op != "scripted" or node.args[0].op != "name":
            continue
        for sc in node.args[1:]:
            arg = sc.args[0]
            if sc.op == "upper":
                news = [Node(op, (arg, one)) for op in ("add", "sub")]
            else:
                news = [n for n in (_swapped(arg),) if n is not None]
                if arg.op in ("token", "name") and str(arg.value) in letters:
                    news += [
                        dataclasses.replace(arg, op="token", value=c)
                        for c in letters
                        if c != arg.value
                    ]
            for new in news:
                changed = _replace(node, sc, dataclasses.replace(sc, args=(new,)))
                yield _written(node), _written(changed), node.column, _replace(raw, node, changed)


def _max_power(e: sp.Expr) -> int:
    """The largest |integer exponent| in `e` (0 when there is none)."""
    powers = [abs(int(p.exp)) for p in e.atoms(sp.Pow) if p.exp.is_Integer]
    return max(powers, default=0)


def _nice(value: float):
    """A float as a small fraction when it is one (1/2, -2, 1/3), else the float."""
    f = Fraction(value).limit_denominator(64)
    if abs(float(f) - value) <= 1e-9 * max(1.0, abs(value)):
        return sp.Rational(f.numerator, f.denominator)
    return value


def verify(d: Derivation, quantity: str, claim: str, seed: int = 0) -> Verdict:
    """Check one claim about derivation `d`; raises ClaimError when it cannot be read."""
    return Checker(d, seed).verify(quantity, claim)


def parse_claim(d: Derivation, claim: str) -> sp.Expr:
    """The claim's expression in `d`'s symbols (sigma per layer; derivatives by their value)."""
    checker = Checker(d, points=0)
    return parse(claim, checker.names, checker.functions(), checker.truth)
