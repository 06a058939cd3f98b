"""What the commands share: parent parsers for common options, argparse types, progress bars."""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .. import files
from .. import spec as _spec
from ..errors import FormatError, SpecError, SymbpError
from ..network import Network
from ..notation import KNOWN

SPEC_HELP = "a spec file (TOML) or a bundled example's name (see `symbp examples`)"


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


def int_between(lowest: int, highest: int | None = None):
    """An argparse type: an integer in [lowest, highest]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text[:40]!r}") from None
        if value < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest}, got {value}")
        if highest is not None and value > highest:
            raise argparse.ArgumentTypeError(f"must be at most {highest}, got {value}")
        return value

    return parse


positive_int = int_between(1)
seed_int = int_between(0, 2**63 - 1)


def learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text[:40]}")
    return value


def spec_parent(optional: bool = False, default: str | None = None) -> argparse.ArgumentParser:
    p = _parent()
    if optional:
        p.add_argument("spec", metavar="SPEC", nargs="?", help=SPEC_HELP + (default or ""))
    else:
        p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    return p


def json_parent(what: str) -> argparse.ArgumentParser:
    p = _parent()
    p.add_argument("--json", action="store_true", help=f"print {what} as JSON")
    return p


@contextmanager
def format_option(option: str = "--format") -> Iterator[None]:
    """Name `option` in a FormatError (an unknown format, or one that cannot be made here)."""
    try:
        yield
    except FormatError as e:
        raise SymbpError(f"{option}: {e}") from None


LANG = _parent()
LANG.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the prose")

TEMPLATES = _parent()
TEMPLATES.add_argument(
    "--templates", metavar="DIR", help="your template directory, searched before symbp's"
)

SEED = _parent()
SEED.add_argument("--seed", type=seed_int, default=0, help="seed of the random check points")


NOTATION = _parent()
NOTATION.add_argument(
    "--notation",
    choices=KNOWN,
    help="the names to read and write: nielsen (a^l_j, w^l_{jk}, C), mazur (out_h1, w5, E), "
    "ng (a^{[l]}_j, W^{[l]}_{jk}, dz^{[l]}_j = dJ/dz, g), ufldl (the input is layer 1: "
    "a^{(l+1)}_j, W^{(l)}_{jk}, f, J), dlfs (x.W1 with W1 in x out: W1_{kj}, a1_j = x.W1 + b1, "
    "z1_j = h(a1_j), output y_j, targets t_j, L) (default: the spec's `notation`)",
)


def load_spec(source: str | None, notation: str | None = None) -> Network:
    """The network of a spec file or bundled name, its name made safe as a file stem, in
    `notation` when given (else the spec's)."""
    net = _spec.load(source if source is not None else "mazur")
    stem = files.safe_stem(net.name)
    changes = {} if stem == net.name else {"name": stem}
    if notation is not None and notation != net.notation:
        changes["notation"] = notation
    if not changes:
        return net
    try:
        return dataclasses.replace(net, **changes)
    except SpecError as e:
        raise SymbpError(f"--notation {notation}: {e.message}") from None


def progress(label: str, unit: str = "step"):
    """A tqdm bar on stderr, shown only on a terminal: show(done, total, what) per finished step."""
    from tqdm import tqdm

    bar = None

    def show(done: int, total: int, what) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(
                total=total,
                desc=label,
                unit=unit,
                file=sys.stderr,
                leave=False,
                disable=not sys.stderr.isatty(),
            )
        bar.set_postfix_str(str(what), refresh=False)
        bar.update(1)
        if done + 1 >= total:
            bar.close()

    return show
