"""The one table of functions a claim or expression may call: every registered activation's
spellings (`symbp.activations`, read when used, so an activation a spec defines is callable too),
then H, exp, ln and log.

The grammar's FUNC terminal is generated from the same registry (`func_pattern`), so a name is
callable in exactly one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp

from .. import activations

Function = Callable[[sp.Expr], sp.Expr]

# Single characters that name a function, and the key each is looked up by.
SYMBOLS = {"σ": "sigma"}

_BASE: dict[str, Function] = {
    "H": lambda z: sp.Heaviside(z, 0),
    "exp": sp.exp,
    "ln": sp.log,
    "log": sp.log,
}


def function_table() -> dict[str, Function]:
    """Name as written in a call (a prime is part of the key) -> function of a sympy expression."""
    return {**activations.claim_functions(), **_BASE}


def reserved() -> set[str]:
    """Names that call a function, so cannot name an input."""
    return {"sum", *(name.rstrip("'") for name in function_table())}


def func_pattern(extra: tuple[str, ...] = ()) -> str:
    """The regular expression of the grammar's FUNC terminal: every callable spelling, and the
    `extra` names a notation writes for an activation (UFLDL's f)."""
    spelled = {k.rstrip("'") for k in function_table()} | set(extra)
    names = sorted(spelled, key=lambda n: (-len(n), n))
    plain = "|".join(re.escape(n) for n in names)
    base = rf"\\(exp|ln|log)(?![A-Za-z])|({plain})(?![A-Za-z0-9])"
    return f"{activations.spelling_pattern()}|{base}"
