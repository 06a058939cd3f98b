"""symbp: backpropagation derived by sympy, proven, typeset, compiled and checked."""

from __future__ import annotations

from pathlib import Path

from . import _loading  # noqa: F401  (first: Ctrl-C while the package loads)
from . import spec as _spec
from .compile import compile
from .derive import Derivation, derive
from .errors import ClaimError, SpecError, SymbpError
from .network import Example, Layer, Network
from .spec import bundled as list_examples
from .verify import claims as _claims  # before `verify` below: the name must stay the function
from .verify import code as _code

__all__ = [
    "ClaimError",
    "Derivation",
    "Example",
    "Layer",
    "Network",
    "SpecError",
    "SymbpError",
    "check_gradients",
    "compile",
    "derive",
    "list_examples",
    "load",
    "verify",
]


def _derivation_markdown(self: Derivation) -> str:
    """Jupyter shows a derivation as its Markdown document (render is imported only here)."""
    from .render import document

    return document(self, "md")


Derivation._repr_markdown_ = _derivation_markdown


def load(source: str | Path) -> Network:
    """Load a network from a TOML file or a bundled example's name (see `list_examples()`)."""
    return _spec.load(source)


def _network(net: Network | str | Path) -> Network:
    return net if isinstance(net, Network) else load(net)


def verify(net: Network | str | Path, quantity: str, claim: str) -> _claims.Verdict:
    """Check a hand-derived `claim` for `quantity` (e.g. "dE/dw5"); the verdict has `.ok` and
    `.diagnosis`. Raises ClaimError when either cannot be read."""
    return _claims.verify(derive(_network(net)), quantity, claim)


def check_gradients(
    net: Network | str | Path, fn, points: int = 3, seed: int = 0
) -> _code.CodeReport:
    """Compare `fn(params, X, Y) -> grads` with the derived gradients at random points;
    the report has `.ok` and `.wrong` (the entries that differ, and by how much)."""
    name = getattr(fn, "__name__", "fn")
    return _code.check_gradients(derive(_network(net)), fn, name, points=points, seed=seed)
