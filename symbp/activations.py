"""Registry of activations: each a sympy Function whose fdiff is the textbook derivative.

The textbook form is proven equal to sympy's derivative of the defining expression by
`prove_derivative`; nothing here is asserted without that proof.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import sympy as sp

from . import kernels
from .errors import SpecError


class ActivationBase(sp.Function):
    """An activation applied to a pre-activation; subclasses define `definition` and `fdiff`."""

    @classmethod
    def definition(cls, *args: sp.Expr) -> sp.Expr:
        raise NotImplementedError

    def _eval_evalf(self, prec):
        return self.definition(*self.args).evalf(prec)

    def _eval_rewrite_as_exp(self, *args, **kwargs):
        return self.definition(*args)

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None


class Sigmoid(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return 1 / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        return Sigmoid(self.args[0]) * (1 - Sigmoid(self.args[0]))


class Tanh(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z))

    def fdiff(self, argindex=1):
        return 1 - Tanh(self.args[0]) ** 2


class Relu(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return sp.Piecewise((0, z <= 0), (z, True))

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)


class LeakyRelu(ActivationBase):
    """Leaky ReLU with slope `alpha` (the second argument) for negative inputs."""

    nargs = 2

    @classmethod
    def definition(cls, z, alpha):
        return sp.Piecewise((alpha * z, z <= 0), (z, True))

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        z, alpha = self.args
        return alpha + (1 - alpha) * sp.Heaviside(z, 0)


class Elu(ActivationBase):
    """ELU with scale `alpha` (the second argument): alpha (exp(z) - 1) for z <= 0."""

    nargs = 2

    @classmethod
    def definition(cls, z, alpha):
        return sp.Piecewise((alpha * (sp.exp(z) - 1), z <= 0), (z, True))

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        z, alpha = self.args
        step = sp.Heaviside(z, 0)
        return step + (1 - step) * (Elu(z, alpha) + alpha)


class SpecialBase(sp.Function):
    """A function symbp keeps unevaluated for its own kernel; `definition` gives its value."""

    def _eval_evalf(self, prec):
        return self.definition(*self.args).evalf(prec)

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None


class NormalPdf(SpecialBase):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi), the standard normal density."""

    nargs = 1

    @classmethod
    def definition(cls, z):
        return sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)

    def fdiff(self, argindex=1):
        return -self.args[0] * NormalPdf(self.args[0])


class NormalCdf(SpecialBase):
    """Phi(z), the standard normal distribution function: kept unevaluated so its kernel can
    compute erfc(-z / sqrt 2) / 2 (sympy would print 1 + erf, which cancels for z << 0)."""

    nargs = 1

    @classmethod
    def definition(cls, z):
        return (1 + sp.erf(z / sp.sqrt(2))) / 2

    def fdiff(self, argindex=1):
        return NormalPdf(self.args[0])


class Gelu(ActivationBase):
    """The exact GELU z Phi(z), Phi the standard normal distribution function."""

    nargs = 1

    @classmethod
    def definition(cls, z):
        return z * (1 + sp.erf(z / sp.sqrt(2))) / 2

    def fdiff(self, argindex=1):
        z = self.args[0]
        return NormalCdf(z) + z * NormalPdf(z)


class Softplus(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return sp.log(1 + sp.exp(z))

    def fdiff(self, argindex=1):
        return Sigmoid(self.args[0])


class Identity(ActivationBase):
    nargs = 1

    @classmethod
    def eval(cls, z):
        return z

    @classmethod
    def definition(cls, z):
        return z


class Softmax(ActivationBase):
    """Softmax(k, z_1, ..., z_n): the k-th output (k counts from 1) of softmax over the z's."""

    @classmethod
    def definition(cls, k, *zs):
        return sp.exp(zs[int(k) - 1]) / sp.Add(*[sp.exp(z) for z in zs])

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sp.ArgumentIndexError(self, argindex)
        k, *zs = self.args
        i = argindex - 1
        same = 1 if int(k) == i else 0
        return Softmax(k, *zs) * (same - Softmax(i, *zs))


class LogSoftmax(SpecialBase):
    """LogSoftmax(k, z_1, ..., z_n) = log softmax_k(z) = z_k - log(sum_i exp(z_i))."""

    @classmethod
    def definition(cls, k, *zs):
        return zs[int(k) - 1] - sp.log(sp.Add(*[sp.exp(z) for z in zs]))

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sp.ArgumentIndexError(self, argindex)
        k, *zs = self.args
        i = argindex - 1
        return (1 if int(k) == i else 0) - Softmax(i, *zs)


def defined(expr: sp.Expr) -> sp.Expr:
    """`expr` with every activation and special function replaced by its definition (again
    while a definition brings in more: a spec's swish is z sigmoid(z))."""
    kinds = (ActivationBase, SpecialBase)
    while isinstance(expr, sp.Basic) and expr.has(*kinds):
        expr = expr.replace(lambda e: isinstance(e, kinds), lambda e: e.definition(*e.args))
    return expr


def logit_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite log(sigmoid(z)), log(1 - sigmoid(z)) and log(softmax_k(z)) through softplus and
    log-softmax, which stay finite for any z; each rule is proven by `prove_logit_rules`."""

    def rule(e: sp.Expr) -> sp.Expr:
        (arg,) = e.args
        if isinstance(arg, Sigmoid):
            return -Softplus(-arg.args[0])
        one_minus = 1 - arg
        if isinstance(one_minus, Sigmoid):
            return -Softplus(one_minus.args[0])
        if isinstance(arg, Softmax):
            return LogSoftmax(*arg.args)
        return e

    return expr.replace(lambda e: isinstance(e, sp.log), rule)


def prove_logit_rules() -> bool:
    """Prove each rewrite of `logit_form` from the definitions."""
    z = sp.Symbol("z", real=True)
    zs = sp.symbols("z1:4", real=True)
    cases = [sp.log(Sigmoid(z)), sp.log(1 - Sigmoid(z)), sp.log(Softmax(sp.Integer(2), *zs))]
    for case in cases:
        rewritten = logit_form(case)
        if rewritten == case:
            return False
        definitions = [defined(c) for c in (case, rewritten)]
        if sp.simplify(sp.expand_log(definitions[0] - definitions[1], force=True)) != 0:
            return False
    return True


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
    in computational graphs; `params` its numeric parameters, passed after z.
    """

    name: str
    cls: type
    latex: str
    kernel: Callable | None
    spellings: tuple[str, ...] = ()
    layer_name: str = ""
    label: str | None = None
    params: tuple[Param, ...] = ()

    elementwise: ClassVar[bool] = True
    min_units: ClassVar[int] = 1

    def apply(self, z: sp.Expr, *params: sp.Expr) -> sp.Expr:
        """Return the activation applied to the scalar pre-activation `z`."""
        return self.cls(z, *params)

    def apply_layer(self, zs: list[sp.Expr], params: tuple = ()) -> list[sp.Expr]:
        """Return the layer's outputs for the pre-activations `zs`."""
        return [self.apply(z, *params) for z in zs]

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
    )
)
register(Activation("tanh", Tanh, r"\tanh", kernels._tanh, ("tanh", r"\tanh"), "Tanh"))
register(Activation("relu", Relu, r"\operatorname{ReLU}", kernels._relu, ("relu",), "ReLU", "ReLU"))
register(
    Activation(
        "leaky_relu",
        LeakyRelu,
        latex=r"\operatorname{LReLU}",
        kernel=kernels._leaky_relu,
        spellings=("leaky_relu", "LReLU", "LeakyReLU"),
        layer_name="LeakyReLU",
        params=(Param("alpha", 0.01, 0.0, 1.0),),
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
    )
)
register(Activation("gelu", Gelu, r"\operatorname{GELU}", kernels._gelu, ("gelu", "GELU"), "GELU"))


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
        "LogSoftmax": lambda k, *zs: kernels._log_softmax(_rows(zs))[..., int(k) - 1],
    }
    for entry in REGISTRY.values():  # an entry's form may use those registered before it
        f = entry.numeric(table)
        if f is not None:
            table[entry.cls.__name__] = f
    return table


@dataclass(frozen=True)
class DerivativeProof:
    """The textbook derivative of an activation and how it was shown equal to d/dz definition."""

    name: str
    textbook: sp.Expr
    direct: sp.Expr
    method: str
    ok: bool


def prove_derivative(entry: Activation) -> DerivativeProof:
    """Prove the entry's fdiff equal to sympy's derivative of its defining expression."""
    if not entry.elementwise:
        return _prove_vector(entry)
    z = sp.Symbol("z", real=True)
    # any parameter value: the proof holds for all of them
    params = [sp.Symbol(p.name, positive=True) for p in entry.params]
    f = entry.apply(z, *params)
    textbook = sp.diff(f, z) if f != z else sp.Integer(1)
    direct = defined(sp.diff(entry.cls.definition(z, *params), z))
    expanded = textbook.rewrite(sp.exp) if isinstance(textbook, sp.Expr) else textbook
    expanded = defined(expanded)
    if direct.has(sp.Piecewise) or expanded.has(sp.Heaviside):
        return _prove_piecewise(entry.name, textbook, direct, expanded, z)
    ok = sp.simplify(direct - expanded) == 0
    return DerivativeProof(entry.name, textbook, direct, "symbolic simplification", ok)


def _prove_vector(entry: Activation) -> DerivativeProof:
    zs = sp.symbols("z1:4", real=True)
    ok = True
    textbook = sp.diff(entry.cls(sp.Integer(1), *zs), zs[0])
    for k in range(1, 4):
        for i in range(3):
            tb = sp.diff(entry.cls(sp.Integer(k), *zs), zs[i])
            tb = defined(tb)
            dr = sp.diff(entry.cls.definition(k, *zs), zs[i])
            ok = ok and sp.simplify(tb - dr) == 0
    direct = sp.diff(entry.cls.definition(1, *zs), zs[0])
    return DerivativeProof(entry.name, textbook, direct, "symbolic simplification, 3 outputs", ok)


def _prove_piecewise(name, textbook, direct, expanded, z) -> DerivativeProof:
    """Compare on each side of 0 symbolically and at 0 by the contract's convention (value 0)."""
    pos = sp.Symbol("p", positive=True)
    ok = True
    for side in (pos, -pos):
        lhs = sp.piecewise_fold(direct.subs(z, side))
        rhs = expanded.subs(z, side)
        ok = ok and sp.simplify(lhs - rhs) == 0
    at_zero = expanded.subs(z, 0)
    left_limit = sp.piecewise_fold(direct.subs(z, -pos)).subs(pos, 0)
    ok = ok and sp.simplify(at_zero - left_limit) == 0
    return DerivativeProof(
        name, textbook, direct, "symbolic on z > 0 and z < 0; at 0 the left derivative", ok
    )
