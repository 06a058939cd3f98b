"""`symbp verify`: hand-derived formulas checked against the derivation."""

from __future__ import annotations

import argparse
import json
import sys

from .. import files
from ..errors import SymbpError
from . import common


def register(sub) -> None:
    p = sub.add_parser(
        "verify",
        parents=[
            common.spec_parent(),
            common.json_parent("the verdicts"),
            common.LANG,
            common.SEED,
            common.TEMPLATES,
            common.NOTATION,
        ],
        help="check a hand-derived formula: proved, or what is wrong with it",
        description="Check a claim such as dE/dw5 = (out_o1 - target_o1)*out_h1 against the "
        "derivation: proved equal symbolically, or not equal with a diagnosis (sign, constant, "
        "wrong index, missing or extra factor) and a numeric counterexample. Claims are parsed, "
        "never run; plain text or LaTeX, in the notation of --notation (or of the spec): "
        "nielsen, mazur, ng, ufldl or dlfs, which the report names; whole-layer vector and "
        "batch claims (delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l)) are checked entry by "
        "entry.",
    )
    p.add_argument(
        "--quantity", metavar="Q", help="e.g. dE/dw5, dC/dw^2_{12}, delta^2_1, dC/dW^2, delta^L"
    )
    p.add_argument("--claim", metavar="EXPR", help="the formula claimed for the quantity")
    p.add_argument(
        "--claims", metavar="FILE.toml", help='many claims at once: one line `"Q" = "EXPR"` each'
    )
    p.add_argument("--report", metavar="FILE.md", help="also write a Markdown report (--claims)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..derive import derive
    from ..verify import report
    from ..verify.claims import Checker, verify_file

    many = args.claims is not None
    if many and (args.quantity or args.claim):
        raise SymbpError("give either --claims FILE or --quantity with --claim, not both")
    if not many and not (args.quantity and args.claim):
        raise SymbpError("give --quantity Q and --claim EXPR, or --claims FILE.toml")
    if args.report is not None and not many:
        raise SymbpError("--report needs --claims FILE.toml")
    if args.report is not None:
        files.check_target(args.report)
        files.check_distinct({"--claims": args.claims, "--report": args.report})
    d = derive(common.load_spec(args.spec, args.notation))
    checker = Checker(d, seed=args.seed)
    if many:
        verdicts = verify_file(checker, args.claims)
    else:
        verdicts = [checker.verify(args.quantity, args.claim)]
    reading = report.reading(d.names, len(d.net.layers))
    markdown = None
    if args.report is not None:
        from ..render.printer import tex

        markdown = report.markdown(
            verdicts,
            d.net.name,
            args.lang,
            lambda e: tex(e, d.names.tex),
            args.templates,
            reading,
        )
    if args.json:
        data = [report.as_json(v, args.lang) for v in verdicts]
        notation = report.notation_json(reading, args.lang)
        ok = all(v.ok for v in verdicts)
        out = {**data[0], "notation": notation} if not many else {"ok": ok, "notation": notation}
        if many:
            out["claims"] = data
        print(json.dumps(out, indent=2))
    else:
        sys.stdout.write(report.text(verdicts, args.lang, args.templates, reading))
    if markdown is not None:
        files.write_files({args.report: markdown})
    statuses = {v.status for v in verdicts}
    if statuses & {"not_equal", "unreadable"}:
        return 1
    return 3 if "undecided" in statuses else 0
