"""Command line: argparse in, library calls, output out. The only module that prints or writes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import spec as _spec
from .derive import derive
from .errors import CheckCostError, SymbpError

SPEC_HELP = "a spec file (TOML) or a bundled example's name (see `symbp examples`)"


def _progress(label: str):
    """A one-line progress display on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, what) -> None:
        end = "\n" if done + 1 == total else ""
        sys.stderr.write(f"\r{label} {done + 1}/{total}: {what}\033[K{end}")
        sys.stderr.flush()

    return show


def _cmd_examples(args: argparse.Namespace) -> int:
    names = _spec.bundled()
    width = max(map(len, names))
    for name, description in names.items():
        print(f"{name:<{width}}  {description}")
    return 0


CHECK_LIMIT_SECONDS = 120


def _cmd_check(args: argparse.Namespace) -> int:
    d = derive(_spec.load(args.spec))
    estimate = d.estimated_check_seconds()
    if estimate > CHECK_LIMIT_SECONDS and not args.force:
        raise CheckCostError(
            f"checking {d.net.name} ({len(d.gradients)} parameters) is estimated at "
            f"~{estimate:.0f} s, over the {CHECK_LIMIT_SECONDS} s limit; pass --force to run it"
        )
    report = d.check(progress=_progress("proving"))
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "seconds": round(report.seconds, 3),
                    "identities": report.identities,
                    "activations": [
                        {"name": a.name, "ok": a.ok, "method": a.method} for a in report.activations
                    ],
                    "parameters": [
                        {"param": p.param.name, "ok": p.ok, "method": p.method}
                        for p in report.parameters
                    ],
                },
                indent=2,
            )
        )
        return 0 if report.ok else 1
    for a in report.activations:
        verdict = "proved" if a.ok else "NOT PROVED"
        print(f"{a.name}' = {a.textbook}: {verdict} ({a.method})")
    cost = d.cost_symbol.name
    for p in report.parameters:
        verdict = "BP = direct differentiation" if p.ok else "BP != direct differentiation"
        print(f"d{cost}/d{p.param.name}: {verdict} ({p.method})")
    if report.identities:
        print("identities used: " + ", ".join(report.identities))
    n = len(report.parameters)
    status = "all proved" if report.ok else f"{len(report.failures)} NOT proved"
    print(f"{d.net.name}: {n} parameters, {status} in {report.seconds:.2f} s")
    return 0 if report.ok else 1


def _cmd_evaluate(args: argparse.Namespace) -> int:
    d = derive(_spec.load(args.spec))
    result = d.evaluate().as_json()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"loss: {result['loss']:.9g}")
    for group in ("forward", "deltas", "gradients", "updated_params"):
        print(f"{group}:")
        for key, value in result[group].items():
            print(f"  {key} = {json.dumps(value)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbp",
        description="Backpropagation derived by sympy: proven BP1-BP4, documents, "
        "compiled NumPy trainers and checked hand derivations.",
        epilog="Exit status: 0 success, 1 a check or claim does not hold, 2 bad input.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("examples", help="list the bundled example networks")
    p.set_defaults(func=_cmd_examples)

    p = sub.add_parser(
        "check",
        help="prove BP1-BP4 equal direct differentiation, for every parameter",
        description="Prove, for every parameter, that the backpropagated gradient equals "
        "sympy's direct differentiation of the fully expanded cost.",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--force",
        action="store_true",
        help=f"run even when the estimated time is over {CHECK_LIMIT_SECONDS} s",
    )
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser(
        "evaluate",
        help="the worked example's numbers (forward, deltas, gradients, one step)",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 does not hold, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        return args.func(args)
    except SymbpError as e:
        print(f"symbp: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbp: interrupted; nothing was written", file=sys.stderr)
        return 130
