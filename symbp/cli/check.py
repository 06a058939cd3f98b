"""`symbp check`: BP1-BP4 proved equal to direct differentiation, parameter by parameter."""

from __future__ import annotations

import argparse
import json

from ..errors import CheckCostError
from . import common

LIMIT_SECONDS = 120


def register(sub) -> None:
    p = sub.add_parser(
        "check",
        parents=[common.spec_parent(), common.json_parent("the report")],
        help="prove BP1-BP4 equal direct differentiation, for every parameter",
        description="Prove, for every parameter, that the backpropagated gradient equals "
        "sympy's direct differentiation of the fully expanded cost.",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=f"run even when the estimated time is over {LIMIT_SECONDS} s",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..derive import derive
    from ..render.printer import tex

    d = derive(common.load_spec(args.spec))
    estimate = d.estimated_check_seconds()
    if estimate > LIMIT_SECONDS and not args.force:
        raise CheckCostError(
            f"checking {d.net.name} ({d.parameter_count} parameters) is estimated at "
            f"~{estimate:.0f} s, over the {LIMIT_SECONDS} s limit; pass --force to run it"
        )
    report = d.check(progress=common.progress("proving", "parameter"))
    identities = [tex(i, compact=True) for i in report.identities]
    if args.json:
        data = {
            "ok": report.ok,
            "scope": report.scope,
            "counts": report.counts(),
            "seconds": round(report.seconds, 3),
            "identities": identities,
            "activations": [
                {"name": a.name, "ok": a.ok, "method": a.method} for a in report.activations
            ],
            "parameters": [
                {"param": p.param.name, "ok": p.ok, "method": p.method} for p in report.parameters
            ],
            "obligations": [
                {"statement": o.statement, "ok": o.ok, "method": o.method}
                for o in report.obligations
            ],
        }
        print(json.dumps(data, indent=2))
        return 0 if report.ok else 1
    for a in report.activations:
        verdict = "proved" if a.ok else "NOT PROVED"
        print(f"{a.name}' = {a.textbook}: {verdict} ({a.method})")
    for g in report.general:
        verdict = "equals" if g.ok else "DIFFERS FROM"
        print(f"{g.equation} (general form) at layer {g.layer} {verdict} the derived expressions")
    cost = d.cost_symbol.name
    for p in report.parameters:
        verdict = "BP = direct differentiation" if p.ok else "BP != direct differentiation"
        print(f"d{cost}/d{p.param.name}: {verdict} ({p.method})")
    for o in report.obligations:
        print(f"{o.statement}: {'holds' if o.ok else 'DOES NOT HOLD'} ({o.method})")
    if identities:
        print("identities used: " + ", ".join(identities))
    proofs = report.parameters or report.reduced.parameters
    failed = [p for p in proofs if not p.ok] + [o for o in report.obligations if not o.ok]
    sampled = sum(p.ok and p.probabilistic for p in proofs)
    if failed:
        status = f"{len(failed)} NOT proved"
    elif sampled:
        status = (
            f"{len(proofs) - sampled} proved, {sampled} verified at random points (probabilistic)"
        )
    else:
        status = "all proved"
    if report.scope == "every width":
        status = f"every width: layer rules, {len(proofs)} parameters of the reduced copy {status}"
    n = d.parameter_count
    print(f"{d.net.name}: {n} parameters, {status} in {report.seconds:.2f} s")
    return 0 if report.ok else 1
