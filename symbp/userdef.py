"""Activations a spec defines (`[activations.swish]`): a definition of z, parsed by symbp's
grammar (never evaluated), becomes a registry entry like a built-in one.

Its derivative is sympy's, through the built-ins' own derivatives, rewritten in terms of the
activation itself where that form is proven equal; `prove_derivative` proves it against the
definition. Evaluate calls a NumPy function lambdified from the parsed expression (built from
the built-in kernels); the compiled module prints the definition through the same kernels.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import sympy as sp

from . import activations
from .errors import ClaimError, SpecError
from .parse import parse

Z = sp.Symbol("z", real=True)
PROBES = np.array([-1000.0, -100.0, -30.0, -1.5, 0.0, 1.5, 30.0, 100.0, 1000.0])
KEYS = ("definition", "latex")


class DefinedBase(activations.ActivationBase):
    """An activation of one argument whose definition and derivative a spec gave (via z)."""

    nargs = 1
    expr: sp.Expr = Z
    derivative: sp.Expr = sp.Integer(1)

    @classmethod
    def definition(cls, z):
        return cls.expr.xreplace({Z: z})

    def fdiff(self, argindex=1):
        return type(self).derivative.xreplace({Z: self.args[0]})


class Defined(activations.Activation):
    """A registry entry defined in a spec; its NumPy form is lambdified from the definition."""

    def numeric(self, namespace: dict[str, object]):
        return sp.lambdify(Z, self.cls.expr, modules=[namespace, "numpy"])


def _derivative(cls: type, expr: sp.Expr) -> sp.Expr:
    """d expr / dz, in terms of cls(z) itself where that form is proven equal."""
    plain = sp.diff(expr, Z)
    own = plain.subs(expr, cls(Z))
    if own != plain and own.has(cls):
        definitions = [activations.defined(e) for e in (own, plain)]
        if sp.simplify(definitions[0] - definitions[1]) == 0:
            return own
    return plain


def _finite(entry: activations.Activation, key: str) -> None:
    """Refuse a definition whose value or derivative is not finite at +-1000 in NumPy."""
    namespace = activations.numeric_namespace()
    namespace[entry.cls.__name__] = entry.numeric(namespace)
    for what, e in (("value", entry.cls.expr), ("derivative", entry.cls.derivative)):
        f = sp.lambdify(Z, e, modules=[namespace, "numpy"])
        try:
            with warnings.catch_warnings(), np.errstate(all="raise"):
                warnings.simplefilter("error")
                values = np.broadcast_to(np.asarray(f(PROBES), dtype=float), PROBES.shape)
        except (FloatingPointError, RuntimeWarning, OverflowError, ValueError, TypeError):
            values = np.array([np.nan])
        if not np.all(np.isfinite(values)):
            raise SpecError(
                f"its {what} is not finite at every z in [-1000, 1000] in NumPy "
                "(write it through sigmoid, softplus, tanh, ...)",
                key,
            )


def define(name: str, table: object) -> activations.Activation:
    """Register the activation `name` from its spec table; raise SpecError naming the key."""
    where = f"activations.{name}"
    if not re.fullmatch(r"[a-z][a-z0-9]*", name):
        raise SpecError("an activation's name is lower-case letters and digits", where)
    existing = activations.REGISTRY.get(name)
    if existing is not None and not isinstance(existing, Defined):
        raise SpecError(f"{name!r} is a built-in activation", where)
    if hasattr(sp, name) or hasattr(sp, name.capitalize()):
        raise SpecError(f"{name!r} is a sympy name; choose another", where)
    if not isinstance(table, dict):
        raise SpecError(f"must be a table, got {table!r}", where)
    for key in table:
        if key not in KEYS:
            raise SpecError(f"unknown key {key!r} (known: {', '.join(KEYS)})", f"{where}.{key}")
    text, latex = table.get("definition"), table.get("latex", rf"\operatorname{{{name}}}")
    key = f"{where}.definition"
    if not isinstance(text, str):
        raise SpecError('needs a definition: a string such as "z * sigmoid(z)"', key)
    if not isinstance(latex, str) or not latex:
        raise SpecError("must be a non-empty string", f"{where}.latex")
    if existing is not None:
        activations.REGISTRY.pop(name)  # a spec read again may redefine its own activation
    try:
        expr = parse(text, {"z": Z})
    except ClaimError as e:
        raise SpecError(f"{e}", key) from None
    if expr.free_symbols != {Z}:
        raise SpecError("must be a function of z", key)
    cls = type(name.capitalize(), (DefinedBase,), {"expr": expr})
    cls.derivative = _derivative(cls, expr)
    entry = Defined(name, cls, latex, None, (name,), name.capitalize())
    _finite(entry, key)
    if not activations.prove_derivative(entry).ok:
        raise SpecError("symbp could not prove its derivative", key)
    return activations.register(entry)
