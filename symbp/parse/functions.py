"""The one table of functions a claim or expression may call, built from `symbp.activations`.

The grammar's FUNC terminal is generated from the same table (`func_pattern`), so a name is
callable in exactly one place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import sympy as sp

from .. import activations

Function = Callable[[sp.Expr], sp.Expr]

# Spellings that are LaTeX commands (\sigma, \exp, ...) and single characters that name a function.
LATEX_COMMANDS = ("sigma", "exp", "ln", "log", "tanh")
SYMBOLS = {"σ": "sigma"}


def _sigmoid_prime(z: sp.Expr) -> sp.Expr:
    return activations.Sigmoid(z) * (1 - activations.Sigmoid(z))


@functools.cache
def function_table() -> dict[str, Function]:
    """Name as written in a call (a prime is part of the key) -> function of a sympy expression."""
    return {
        "sigma": activations.Sigmoid,
        "sigma'": _sigmoid_prime,
        "sigmoid": activations.Sigmoid,
        "sigmoid'": _sigmoid_prime,
        "tanh": activations.Tanh,
        "tanh'": lambda z: 1 - activations.Tanh(z) ** 2,
        "relu": activations.Relu,
        "relu'": lambda z: sp.Heaviside(z, 0),
        "softplus": activations.Softplus,
        "softplus'": activations.Sigmoid,
        "H": lambda z: sp.Heaviside(z, 0),
        "exp": sp.exp,
        "ln": sp.log,
        "log": sp.log,
    }


def func_pattern() -> str:
    """The regular expression of the grammar's FUNC terminal: every callable spelling."""
    names = sorted({k.rstrip("'") for k in function_table()}, key=lambda n: (-len(n), n))
    commands = "|".join(sorted(LATEX_COMMANDS, key=lambda n: (-len(n), n)))
    plain = "|".join(re.escape(n) for n in names)
    chars = "|".join(SYMBOLS)
    return rf"\\({commands})(?![A-Za-z])|({plain})(?![A-Za-z0-9])|{chars}"
