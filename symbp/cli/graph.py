"""`symbp graph`: an expression's computational graph, node by node."""

from __future__ import annotations

import argparse
import json

from .. import files
from ..errors import ClaimError, SymbpError
from . import common


def register(sub) -> None:
    p = sub.add_parser(
        "graph",
        parents=[common.json_parent("value, gradients and nodes"), common.LANG, common.TEMPLATES],
        help="an expression's computational graph, node by node, forward and backward",
        description="Split an expression into nodes (one per operation as written), run it "
        "forward at the given values and backward from the output: every node's value, "
        "upstream gradient and local gradients (derived by sympy).",
    )
    p.add_argument("expr", metavar="EXPR", help="e.g. '(x + y)*z' or '1/(1 + exp(-(w0*x0 + w1))'")
    p.add_argument(
        "--at", metavar="NAME=VALUE,...", required=True, help="the inputs, e.g. x=-2,y=5,z=-4"
    )
    p.add_argument("-o", "--output", metavar="DIR", help="write the documents into DIR")
    p.add_argument(
        "--format", metavar="FORMATS", help="comma-separated md, tex, pdf (default: md,tex)"
    )
    p.add_argument("--name", default="graph", help="file stem of the documents")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import graph

    if args.output is not None:
        files.check_folder(args.output)
    try:
        at = graph.parse_at(args.at)
    except ClaimError as e:
        raise SymbpError(f"--at, {e}") from None
    g = graph.build(args.expr, at)
    docs = {}
    if args.output is not None:
        with common.format_option():
            docs = _documents(args, g)
    if args.json:
        print(json.dumps(g.as_json(), indent=2, ensure_ascii=False))
    written = files.write_files(files.inside(args.output, docs)) if docs else []
    if not args.json:
        for path in written:
            print(path)
    if args.json or args.output is not None:
        return 0
    ids = g.ids()
    print(f"value = {graph.decimal(g.value)}")
    for name, grad in g.gradients().items():
        print(f"d/d{name} = {graph.decimal(grad)}")
    for n in g.nodes:
        inputs = ", ".join(f"#{ids[id(i)]}" for i in n.inputs)
        head = f"#{ids[id(n)]} {n.label}" + (f"({inputs})" if inputs else "")
        local = ", ".join(graph.decimal(v) for v in n.local)
        sends = ", ".join(graph.decimal(v) for v in n.sends())
        line = f"{head}: value {graph.decimal(n.value)}, grad {graph.decimal(n.grad)}"
        print(line + (f", local [{local}], sends [{sends}]" if n.inputs else ""))
    return 0


def _documents(args: argparse.Namespace, g) -> dict[str, str | bytes]:
    from ..graph.document import documents, filename
    from ..render import tex

    formats = [f.strip() for f in (args.format or "md,tex").split(",") if f.strip()]
    stem = files.safe_stem(args.name, "graph")
    return with_pdf(
        formats,
        lambda fmts: documents(g, fmts, args.lang, tex, stem, args.templates),
        filename(stem, "tex", args.lang),
        args.lang,
    )


def with_pdf(formats: list[str], make, tex_name: str, lang: str) -> dict[str, str | bytes]:
    """make(formats) for the text formats; with "pdf" asked for, also the PDF of its .tex."""
    from ..render import pdf

    text = [f for f in formats if f != "pdf"]
    if "pdf" not in formats:
        return make(text)
    docs: dict[str, str | bytes] = make(text if "tex" in text else text + ["tex"])
    source = docs[tex_name] if "tex" in text else docs.pop(tex_name)
    stem = tex_name.removesuffix(".tex")
    docs[f"{stem}.pdf"] = pdf.compile_pdf(source, stem.replace(".", "-"), lang)
    return docs
