"""The registry: one entry per activation carries every face of it (sympy class, LaTeX name,
NumPy kernel, claim spellings, layer-view name, gate label, parameters); every table that
lists activations (claim parser, grammar, printers, layer view, evaluate) is read from here."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import sympy as sp

from .. import kernels
from ..errors import SpecError
from .functions import (
    Elu,
    EluPrime,
    Gelu,
    Identity,
    LeakyRelu,
    Relu,
    Sigmoid,
    SigmoidPrime,
    Softmax,
    Softplus,
    Tanh,
    TanhPrime,
)


def _rows(zs) -> np.ndarray:
    """The scalars or (m,) arrays z_1..z_n as the last axis of one array."""
    return np.stack(np.broadcast_arrays(*[np.asarray(z, dtype=float) for z in zs]), axis=-1)


@dataclass(frozen=True)
class Param:
    """A numeric parameter of an activation (leaky ReLU's slope): default and allowed range."""

    name: str
    default: float
    low: float
    high: float  # exclusive

    def check(self, value) -> float:
        """The value as a float; raise SpecError naming the parameter when out of range."""
        v = self.default if value is None else value
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        if not ok or not self.low <= v < self.high:
            raise SpecError(
                f"{self.name} must be a number in [{self.low:g}, {self.high:g}), got {v!r}",
                self.name,
            )
        return float(v)


def exact(value: float) -> sp.Rational:
    """The decimal a float prints as, as an exact Rational (0.1 -> 1/10; never sqrt(2)/2)."""
    return sp.Rational(repr(float(value)))


@dataclass(frozen=True)
class Activation:
    """One registry entry: every face of an elementwise activation.

    `cls` is the sympy Function (its fdiff the textbook derivative); `latex` its LaTeX name;
    `kernel` its NumPy implementation (a function in `kernels`, or any function written the same
    way; None for the identity, which sympy never leaves applied); `spellings` how claims may call
    it (`\\sigma`, `sigmoid`, `σ`); `layer_name` its node in the layer view; `label` its gate
    in computational graphs; `params` its numeric parameters, passed after z. The facts verify
    uses: `keeps_sign` (f(0) = 0 and, for positive parameters, f(z) > 0 exactly where z > 0,
    so H(f(z)) = H(z)), `positive` (f(z) > 0 everywhere, so H(f(z)) = 1), and
    `derivative_of_a`, the derivative written in the activation a as people write it
    (a(1 - a)), which spots that form used on another activation's layer. `prime` is the
    derivative as numeric code computes it, from z (a `PrimeBase` class and its kernel), where
    the textbook fdiff is written in the output (sigma(1 - sigma), 1 - tanh^2).
    """

    name: str
    cls: type
    latex: str
    kernel: Callable | None
    spellings: tuple[str, ...] = ()
    layer_name: str = ""
    label: str | None = None
    params: tuple[Param, ...] = ()
    keeps_sign: bool = False
    positive: bool = False
    derivative_of_a: Callable[[sp.Expr], sp.Expr] | None = None
    prime: tuple[type, Callable] | None = None

    elementwise: ClassVar[bool] = True
    min_units: ClassVar[int] = 1

    def apply(self, z: sp.Expr, *params: sp.Expr) -> sp.Expr:
        """Return the activation applied to the scalar pre-activation `z`."""
        return self.cls(z, *params)

    def apply_layer(self, zs: list[sp.Expr], params: tuple = ()) -> list[sp.Expr]:
        """Return the layer's outputs for the pre-activations `zs`."""
        return [self.apply(z, *params) for z in zs]

    def derivative(self, z: sp.Expr, *params: sp.Expr) -> sp.Expr:
        """The derivative at `z` as numeric code computes it: `prime` applied to z, else sympy's
        derivative (already a function of z: Heaviside, sigma, Phi + z phi)."""
        if self.prime is not None:
            return self.prime[0](z, *params)
        u = sp.Dummy("u", real=True)
        return sp.diff(self.apply(u, *params), u).xreplace({u: z})

    def layer_params(self, values: tuple) -> tuple[sp.Rational, ...]:
        """The layer's parameter values as exact sympy numbers, in the order `cls` takes them."""
        return tuple(exact(v) for v in values)

    def claim_keys(self) -> list[str]:
        """The names a claim's call is looked up by: each ASCII spelling without a backslash,
        and lower-cased, as `\\operatorname{ReLU}` is read."""
        bare = [s.lstrip("\\") for s in self.spellings if s.isascii()]
        return list(dict.fromkeys(k for b in bare for k in (b, b.lower())))

    def claim(self, z: sp.Expr) -> sp.Expr:
        """The activation a claim's call denotes: default parameters."""
        return self.apply(z, *self.layer_params(tuple(p.default for p in self.params)))

    def claim_prime(self, z: sp.Expr) -> sp.Expr:
        """Its derivative (the textbook form) at `z`."""
        u = sp.Dummy("u", real=True)
        return sp.diff(self.claim(u), u).xreplace({u: z})

    def split_args(self, args: tuple) -> tuple[tuple, tuple]:
        """(subscripts, arguments) of an applied instance, as printed: LReLU_{alpha}(z)."""
        return args[1:], args[:1]

    def numeric(self, namespace: dict[str, object]):
        """The NumPy function evaluate calls for the sympy class (the kernel itself); the
        `namespace` holds the functions of the entries registered before this one."""
        return self.kernel


@dataclass(frozen=True)
class VectorActivation(Activation):
    """An activation of the whole layer (softmax): cls(k, z_1, ..., z_n) is its k-th output."""

    elementwise: ClassVar[bool] = False
    min_units: ClassVar[int] = 2

    def apply_layer(self, zs: list[sp.Expr], params: tuple = ()) -> list[sp.Expr]:
        return [self.cls(sp.Integer(k), *zs) for k in range(1, len(zs) + 1)]

    def split_args(self, args: tuple) -> tuple[tuple, tuple]:
        return args[:1], args[1:]

    def numeric(self, namespace: dict[str, object]):
        return lambda k, *zs: self.kernel(_rows(zs))[..., int(k) - 1]


REGISTRY: dict[str, Activation] = {}


def register(entry: Activation) -> Activation:
    """Add `entry` to the registry (every table that lists activations reads it)."""
    REGISTRY[entry.name] = entry
    return entry


def entries() -> list[Activation]:
    """Every registered activation, in registration order."""
    return list(REGISTRY.values())


register(
    Activation(
        "sigmoid",
        Sigmoid,
        latex=r"\sigma",
        kernel=kernels._sigmoid,
        spellings=("sigmoid", "sigma", r"\sigma", "σ"),
        layer_name="Sigmoid",
        label="σ",
        positive=True,
        derivative_of_a=lambda a: a * (1 - a),
        prime=(SigmoidPrime, kernels._sigmoid_prime),
    )
)
register(
    Activation(
        "tanh",
        Tanh,
        r"\tanh",
        kernels._tanh,
        ("tanh", r"\tanh"),
        "Tanh",
        keeps_sign=True,
        derivative_of_a=lambda a: 1 - a**2,
        prime=(TanhPrime, kernels._tanh_prime),
    )
)
register(
    Activation(
        "relu",
        Relu,
        r"\operatorname{ReLU}",
        kernels._relu,
        ("relu",),
        "ReLU",
        "ReLU",
        keeps_sign=True,
    )
)
register(
    Activation(
        "leaky_relu",
        LeakyRelu,
        latex=r"\operatorname{LReLU}",
        kernel=kernels._leaky_relu,
        spellings=("leaky_relu", "LReLU", "LeakyReLU"),
        layer_name="LeakyReLU",
        params=(Param("alpha", 0.01, 0.0, 1.0),),
        keeps_sign=True,
    )
)
register(
    Activation(
        "softplus",
        Softplus,
        r"\operatorname{softplus}",
        kernels._softplus,
        ("softplus",),
        "Softplus",
        positive=True,
    )
)
register(Activation("identity", Identity, r"\operatorname{id}", None, (), "Identity"))
register(VectorActivation("softmax", Softmax, r"\operatorname{softmax}", kernels._softmax))
register(
    Activation(
        "elu",
        Elu,
        latex=r"\operatorname{ELU}",
        kernel=kernels._elu,
        spellings=("elu", "ELU"),
        layer_name="ELU",
        params=(Param("alpha", 1.0, 0.0, 1e6),),
        keeps_sign=True,
        prime=(EluPrime, kernels._elu_prime),
    )
)
register(
    Activation(
        "gelu",
        Gelu,
        r"\operatorname{GELU}",
        kernels._gelu,
        ("gelu", "GELU"),
        "GELU",
        keeps_sign=True,
    )
)


def claim_functions() -> dict[str, Callable[[sp.Expr], sp.Expr]]:
    """The claim parser's table: each of `claim_keys`, and with a prime its derivative."""
    table: dict[str, Callable[[sp.Expr], sp.Expr]] = {}
    for entry in REGISTRY.values():
        for key in entry.claim_keys():
            table[key] = entry.claim
            table[key + "'"] = entry.claim_prime
    return table


def claim_labels() -> dict[str, str]:
    """Each unprimed key of `claim_functions` -> its entry's gate label, where it has one."""
    return {key: e.label for e in REGISTRY.values() if e.label for key in e.claim_keys()}


def spelling_pattern() -> str:
    """A regular expression matching every spelling: LaTeX commands, names, symbols."""
    spellings = {s for entry in REGISTRY.values() for s in entry.spellings}
    commands = sorted((s[1:] for s in spellings if s.startswith("\\")), key=lambda s: (-len(s), s))
    names = sorted(
        (s for s in spellings if s.isascii() and s.isidentifier()), key=lambda s: -len(s)
    )
    symbols = sorted(s for s in spellings if not s.isascii())
    parts = [
        rf"\\({'|'.join(commands)})(?![A-Za-z])",
        rf"({'|'.join(names)})(?![A-Za-z0-9])",
        *(re.escape(s) for s in symbols),
    ]
    return "|".join(parts)


def get(name: str) -> Activation:
    """Return the registry entry for `name`; raise SpecError naming the known ones."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join(REGISTRY)
        raise SpecError(f"unknown activation {name!r} (known: {known})") from None


def by_class(cls: type) -> Activation:
    """Return the registry entry whose sympy class is `cls`."""
    for entry in REGISTRY.values():
        if entry.cls is cls:
            return entry
    raise KeyError(cls.__name__)


def numeric_namespace() -> dict[str, object]:
    """Return the class-name -> NumPy function table used to evaluate derived expressions."""
    table: dict[str, object] = {
        "Heaviside": lambda z, h0=0: np.heaviside(z, h0),
        "NormalCdf": kernels._normal_cdf,
        "NormalPdf": kernels._normal_pdf,
        "SigmoidMinus": kernels._sigmoid_minus,
        "SoftmaxMinus": kernels._softmax_minus,
        "SoftmaxJvp": kernels._softmax_jvp,
        "LogSoftmax": lambda k, *zs: kernels._log_softmax(_rows(zs))[..., int(k) - 1],
    }
    for entry in REGISTRY.values():  # an entry's form may use those registered before it
        f = entry.numeric(table)
        if f is not None:
            table[entry.cls.__name__] = f
        if entry.prime is not None:
            table[entry.prime[0].__name__] = entry.prime[1]
    return table
