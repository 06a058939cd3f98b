"""`symbp derive`: the derivation documents (or the layer graph view) into a folder."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .. import files
from .. import spec as _spec
from ..errors import SymbpError
from . import common


def register(sub) -> None:
    p = sub.add_parser(
        "derive",
        parents=[
            common.spec_parent(True, " (default: the bundled mazur)"),
            common.LANG,
            common.NOTATION,
        ],
        help="the derivation document: LaTeX, Markdown, PDF, HTML",
        description="Write the derivation document (network diagram, forward pass, BP1-BP4 in "
        "vector and index form and layer by layer, chain rules, worked example) as .tex, .md "
        "and, when a TeX engine is present, .pdf; or as one self-contained web page (.html).",
    )
    p.add_argument("-o", "--output", metavar="DIR", default="output", help="the output folder")
    p.add_argument(
        "--format",
        metavar="FORMATS",
        help="comma-separated tex, md, pdf, html (default: tex,md, plus pdf when a TeX engine "
        "is found)",
    )
    p.add_argument(
        "--md-flavor",
        choices=("github", "plain"),
        default="github",
        help="github: $$ math and a mermaid diagram (GitHub, GitLab, MathJax, KaTeX, Jupyter); "
        "plain: math in raw HTML blocks and spans that plain converters (python markdown, "
        "marked, WordPress) pass through verbatim, for MathJax or KaTeX on the page "
        "(default: github)",
    )
    p.add_argument(
        "--templates", metavar="DIR", help="your template directory, searched before symbp's"
    )
    p.add_argument(
        "--bundled",
        action="store_true",
        help="every bundled example in every language (regenerates output/)",
    )
    p.add_argument(
        "--view",
        choices=("derivation", "graph"),
        default="derivation",
        help="graph: the layers as computational-graph nodes (Affine, ReLU, Sigmoid, "
        "SoftmaxWithLoss) with their derived backward rules, as NAME.graph.md/.svg/.tex",
    )
    p.set_defaults(run=run)


def bundled_documents(
    formats: Sequence[str] = ("tex", "md"),
    templates: str | None = None,
    md_flavor: str = "github",
) -> dict[str, str | bytes]:
    """Every bundled example's documents in every language, by file name (what output/ holds)."""
    from .. import render
    from ..derive import derive

    out: dict[str, str | bytes] = {}
    for name in _spec.bundled():
        d = derive(_spec.load(name))
        for lang in render.LANGS:
            out.update(render.documents(d, list(formats), lang, templates, md_flavor))
    return out


def _write(folder: str, docs: dict[str, str | bytes]) -> int:
    for path in files.write_files(files.inside(folder, docs)):
        print(path)
    return 0


def run(args: argparse.Namespace) -> int:
    files.check_folder(args.output)
    if args.view == "graph":
        with common.format_option("--view graph --format"):
            return _graph_view(args)
    with common.format_option():
        return _derivation(args)


def _derivation(args: argparse.Namespace) -> int:
    from .. import render
    from ..derive import derive

    if args.bundled and args.spec is not None:
        raise SymbpError("derive: give a SPEC or --bundled, not both")
    if args.bundled and args.notation is not None:
        raise SymbpError("derive: --bundled keeps each example's own notation; drop --notation")
    if args.bundled:
        formats = render.parse_formats(args.format or "tex,md")
        docs = bundled_documents(formats, args.templates, args.md_flavor)
    else:
        formats = render.parse_formats(args.format, args.lang)
        d = derive(common.load_spec(args.spec, args.notation))
        docs = render.documents(d, formats, args.lang, args.templates, args.md_flavor)
    return _write(args.output, docs)


def _graph_view(args: argparse.Namespace) -> int:
    from ..derive import derive
    from ..graph.view import view_documents
    from ..render import tex

    if args.bundled:
        raise SymbpError("--view graph: give a SPEC; --bundled is not supported")
    from ..graph.document import filename
    from .graph import with_pdf

    formats = [f.strip() for f in (args.format or "md,tex").split(",") if f.strip()]
    net = common.load_spec(args.spec, args.notation)
    worked = None
    if net.example is not None:
        w = derive(net).evaluate()
        worked = (w.params, w.forward)
    docs = with_pdf(
        formats,
        lambda fmts: view_documents(net, fmts, args.lang, tex, worked, args.templates),
        filename(f"{net.name}.graph", "tex", args.lang),
        args.lang,
    )
    return _write(args.output, docs)
