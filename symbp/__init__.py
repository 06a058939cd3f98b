"""symbp: backpropagation derived by sympy, proven, typeset, compiled and checked."""

from __future__ import annotations

from pathlib import Path

from . import spec as _spec
from .compile import compile
from .derive import Derivation, derive
from .errors import ClaimError, SpecError, SymbpError
from .network import Example, Layer, Network
from .spec import bundled as list_examples

__all__ = [
    "ClaimError",
    "Derivation",
    "Example",
    "Layer",
    "Network",
    "SpecError",
    "SymbpError",
    "compile",
    "derive",
    "list_examples",
    "load",
]


def _derivation_markdown(self: Derivation) -> str:
    """Jupyter shows a derivation as its Markdown document (render is imported only here)."""
    from .render import document

    return document(self, "md")


Derivation._repr_markdown_ = _derivation_markdown


def load(source: str | Path) -> Network:
    """Load a network from a TOML file or a bundled example's name (see `list_examples()`)."""
    return _spec.load(source)
