"""Registry of activations: each a sympy Function whose fdiff is the textbook derivative.

The textbook form is proven equal to sympy's derivative of the defining expression by
`prove_derivative`; nothing here is asserted without that proof.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

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


class LogSumExp(sp.Function):
    """log(sum_k exp(z_k)), for costs computed from logits."""

    @classmethod
    def definition(cls, *zs):
        return sp.log(sp.Add(*[sp.exp(z) for z in zs]))

    def fdiff(self, argindex=1):
        return Softmax(sp.Integer(argindex), *self.args)

    def _eval_evalf(self, prec):
        return self.definition(*self.args).evalf(prec)


def defined(expr: sp.Expr) -> sp.Expr:
    """`expr` with every activation and LogSumExp replaced by its defining expression."""
    return expr.replace(
        lambda e: isinstance(e, (ActivationBase, LogSumExp)), lambda e: e.definition(*e.args)
    )


def logit_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite log(sigmoid(z)), log(1 - sigmoid(z)) and log(softmax_k(z)) through softplus and
    log-sum-exp, which stay finite for any z; each rule is proven by `prove_logit_rules`."""

    def rule(e: sp.Expr) -> sp.Expr:
        (arg,) = e.args
        if isinstance(arg, Sigmoid):
            return -Softplus(-arg.args[0])
        one_minus = 1 - arg
        if isinstance(one_minus, Sigmoid):
            return -Softplus(one_minus.args[0])
        if isinstance(arg, Softmax):
            k, *zs = arg.args
            return zs[int(k) - 1] - LogSumExp(*zs)
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


def _np_logsumexp(*zs):
    stacked = np.stack(np.broadcast_arrays(*[np.asarray(z, dtype=float) for z in zs]))
    top = stacked.max(axis=0)
    return top + np.log(np.exp(stacked - top).sum(axis=0))


def _np_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _np_tanh(z):
    return np.tanh(z)


def _np_relu(z):
    return np.maximum(z, 0.0)


def _np_leaky_relu(z, alpha):
    return np.where(np.asarray(z) > 0, z, alpha * np.asarray(z))


def _np_softplus(z):
    return np.logaddexp(0.0, z)


def _np_softmax(k, *zs):
    stacked = np.stack(np.broadcast_arrays(*[np.asarray(z, dtype=float) for z in zs]))
    shifted = stacked - stacked.max(axis=0)
    e = np.exp(shifted)
    return e[int(k) - 1] / e.sum(axis=0)


@dataclass(frozen=True)
class Activation:
    """One registry entry: the sympy class, its names in print and code, and its numeric form."""

    name: str
    cls: type
    tex: str
    helper: str
    numeric: object
    elementwise: bool = True
    takes_alpha: bool = False

    def apply(self, z: sp.Expr, alpha: sp.Expr | None = None) -> sp.Expr:
        """Return the activation applied to the scalar pre-activation `z`."""
        if self.takes_alpha:
            return self.cls(z, alpha)
        return self.cls(z)

    def apply_layer(self, zs: list[sp.Expr], alpha: sp.Expr | None = None) -> list[sp.Expr]:
        """Return the layer's outputs for the pre-activations `zs`."""
        if not self.elementwise:
            return [self.cls(sp.Integer(k), *zs) for k in range(1, len(zs) + 1)]
        return [self.apply(z, alpha) for z in zs]


REGISTRY: dict[str, Activation] = {}


def register(name: str, cls: type, tex: str, helper: str, numeric, **kw) -> None:
    REGISTRY[name] = Activation(name, cls, tex, helper, numeric, **kw)


register("sigmoid", Sigmoid, r"\sigma", "_sigmoid", _np_sigmoid)
register("tanh", Tanh, r"\tanh", "_tanh", _np_tanh)
register("relu", Relu, r"\operatorname{ReLU}", "_relu", _np_relu)
register(
    "leaky_relu",
    LeakyRelu,
    r"\operatorname{LReLU}",
    "_leaky_relu",
    _np_leaky_relu,
    takes_alpha=True,
)
register("softplus", Softplus, r"\operatorname{softplus}", "_softplus", _np_softplus)
register("identity", Identity, r"\operatorname{id}", "_identity", lambda z: z)
register("softmax", Softmax, r"\operatorname{softmax}", "_softmax", _np_softmax, elementwise=False)


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
    table = {entry.cls.__name__: entry.numeric for entry in REGISTRY.values()}
    table["Heaviside"] = lambda z, h0=0: np.heaviside(z, h0)
    table["LogSumExp"] = _np_logsumexp
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
    z = sp.Symbol("z", real=True)
    alpha = sp.Symbol("alpha", positive=True)  # any slope: the proof holds for all of them
    if entry.elementwise:
        f = entry.apply(z, alpha)
        textbook = sp.diff(f, z) if f != z else sp.Integer(1)
        direct = sp.diff(entry.cls.definition(*([z, alpha] if entry.takes_alpha else [z])), z)
        expanded = textbook.rewrite(sp.exp) if isinstance(textbook, sp.Expr) else textbook
        expanded = defined(expanded)
        if direct.has(sp.Piecewise) or expanded.has(sp.Heaviside):
            return _prove_piecewise(entry.name, textbook, direct, expanded, z)
        ok = sp.simplify(direct - expanded) == 0
        return DerivativeProof(entry.name, textbook, direct, "symbolic simplification", ok)
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
