"""What verifying a claim returns: the verdict, its cases, a diagnosis and a counterexample."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import sympy as sp


class Kind(enum.StrEnum):
    """A diagnosis' kind; compares equal to its name ("sign", "constant", ...)."""

    SIGN = "sign"
    CONSTANT = "constant"
    INDEX = "index"
    MISSING_FACTOR = "missing_factor"
    EXTRA_FACTOR = "extra_factor"
    FACTORS = "factors"
    ZERO = "zero"
    NOT_EQUAL = "not_equal"
    UNPROVED = "unproved"
    NO_SYMBOL = "no_symbol"
    Z_FOR_A = "z_for_a"  # the pre-activation written for the activation of the same unit
    LAYER_INPUT = "layer_input"  # z^l_k written for the layer's input a^(l-1)_k (z^1_k for x_k)
    FUNCTION_OF_ACTIVATION = "function_of_activation"  # sigma'(a) where sigma'(z) is meant
    WRONG_DERIVATIVE = "wrong_derivative"  # another activation's derivative (a(1-a) on tanh)
    MISSING_TERM = "missing_term"
    EXTRA_TERM = "extra_term"
    JACOBIAN_DIAGONAL = "jacobian_diagonal"  # softmax's Jacobian reduced to its diagonal
    A_MINUS_Y = "a_minus_y"  # a - y as the output error where loss and output do not give it
    # vector claims (vector.py): shapes that do not fit, and the correction that fits them
    TRANSPOSE = "transpose"  # a transpose missing (w δ for w^T δ) or the whole claim transposed
    ORDER = "order"  # the factors of a product exchanged (a^T δ for δ a^T)
    HADAMARD = "hadamard"  # a matrix product of two vectors where ⊙ is meant
    MATRIX_PRODUCT = "matrix_product"  # ⊙ (or *) where a matrix product is meant
    MISSING_DERIVATIVE = "missing_derivative"  # ⊙ σ'(z^l) missing from every entry
    MISSING_MEAN = "missing_mean"  # a batch sum without its 1/m
    EXTRA_MEAN = "extra_mean"  # a batch mean divided by m once more
    SHARED_BIAS = "shared_bias"  # the delta vector for a bias the layer's units share
    SHAPE = "shape"  # shapes that do not fit, and no single correction that makes the claim right


class Status(enum.StrEnum):
    """A verdict: proved, not_equal (a counterexample or a symbol the network lacks), or
    undecided (equal at every check point, yet neither proved nor refuted)."""

    PROVED = "proved"
    NOT_EQUAL = "not_equal"
    UNDECIDED = "undecided"
    UNREADABLE = "unreadable"  # a claims file's entry that cannot be read


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
    `missing`/`extra` the factors; `confirmed` when the explanation was proved symbolically.
    no_symbol: `absent` names the symbol the claim asks for that the network lacks (`w^2_21`),
    `letters` the index letters whose exchange makes the claim right, if any, `existing` the
    names of the same family and layer the network has (out_h1, out_h2 for out_h3)."""

    kind: str
    constant: sp.Rational | float | None = None
    swaps: tuple[tuple[sp.Symbol, sp.Symbol], ...] = ()
    missing: tuple[Factor, ...] = ()
    extra: tuple[Factor, ...] = ()
    confirmed: bool = False
    written: tuple[tuple[str, str, int | None], ...] = ()  # (as written, meant, column)
    absent: str = ""
    letters: tuple[str, ...] = ()
    existing: tuple[str, ...] = ()  # no_symbol: the names of that family the network has
    terms: tuple[sp.Expr, ...] = ()  # missing_term / extra_term: the terms of the sum
    activation: str | None = None  # the output layer's activation (a_minus_y, jacobian_diagonal)
    loss: str | None = None
    shapes: tuple[str, ...] = ()  # vector claims: the operands' shapes, then the quantity's

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
    claim: sp.Expr | None  # None when the claim names a symbol the network lacks
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
    points: int = 0  # the number of check points each case was compared at
    form: str = "component"  # "vector": a whole-layer claim, one case per entry (vector.py)
    shape: str = ""  # a vector claim's quantity shape ("2×3", "scalar")
    scope: str = ""  # a vector claim's: "this network", "a copy at widths 3-2-4", "every width"

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.cases)

    @property
    def status(self) -> Status:
        if any(not c.ok and c.method != "unproved" for c in self.cases):
            return Status.NOT_EQUAL
        if any(not c.ok for c in self.cases):
            return Status.UNDECIDED
        return Status.PROVED

    @property
    def failing(self) -> Case | None:
        """The first case refuted, else the first undecided one, else None."""
        refuted = (c for c in self.cases if not c.ok and c.method != "unproved")
        return next(refuted, None) or next((c for c in self.cases if not c.ok), None)

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
        numbers (a counterexample), no_symbol or unproved; several joined by "+"."""
        return "+".join(sorted({c.method for c in self.cases}))


@dataclass
class Unreadable:
    """A claims file's entry that cannot be read: its key, its text and why."""

    quantity: str
    claim: str
    error: str
    ok: bool = False
    status: Status = Status.UNREADABLE
