"""`symbp evaluate`: the worked example's numbers."""

from __future__ import annotations

import argparse
import json

from . import common


def register(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        parents=[common.spec_parent(), common.json_parent("one object")],
        help="the worked example's numbers (forward, deltas, gradients, one step)",
        description="Evaluate the spec's [example] with the derived expressions: the loss, "
        "z and a per layer, the deltas, the gradients and the parameters after one SGD step. "
        "Numbers are shown to 9 significant digits; --json prints them in full.",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..derive import derive

    result = derive(common.load_spec(args.spec)).evaluate().as_json()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"loss: {_short(result['loss'])}")
    for group in ("forward", "deltas", "gradients", "updated_params"):
        print(f"{group}:")
        for key, value in result[group].items():
            print(f"  {key} = {_short(value)}")
    return 0


def _short(value) -> str:
    """A number or nested list with 9 significant digits for reading (--json keeps all 17)."""
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return f"{value + 0.0:.9g}"  # + 0.0: no "-0"
