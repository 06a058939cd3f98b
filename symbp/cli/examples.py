"""`symbp examples`: the bundled networks, one line each."""

from __future__ import annotations

import argparse

from .. import spec as _spec


def register(sub) -> None:
    p = sub.add_parser(
        "examples",
        help="list the bundled example networks",
        description="List the bundled example networks, one line each; give a name as SPEC.",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    names = _spec.bundled()
    width = max(map(len, names))
    for name, description in names.items():
        print(f"{name:<{width}}  {description}")
    return 0
