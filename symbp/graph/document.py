"""A graph's documents: Markdown with an SVG drawing, LaTeX with a TikZ drawing, en and zh.

Templates live in symbp/templates/graph/ and use the delimiters of symbp's other documents
(`<< >>`, `<% %>`, `<# #>`). The LaTeX of formulas comes from the `tex` callable the caller
passes in (symbp's one printer), so this package does not print math itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import jinja2
import sympy as sp

from .. import templating
from ..errors import FormatError, SymbpError
from .circuit import Graph
from .layout import DIGITS, layout
from .nodes import decimal, shown

LANGS = ("en", "zh")
FORMATS = ("md", "tex")
TexPrinter = Callable[..., str]
TEXT_WIDTH_CM = 16.0  # A4 with the 2.2 cm margins of the LaTeX template


@dataclass(frozen=True)
class Local:
    """d node / d one input: its formula in the inputs' symbols and its value."""

    derivative: sp.Derivative
    formula: sp.Expr
    value: sp.Number
    sent: sp.Number


@dataclass(frozen=True)
class Row:
    """One line of the node table."""

    id: int
    symbol: sp.Symbol
    label: str
    gate: bool
    formula: sp.Expr | None
    value: sp.Number
    grad: sp.Number
    locals: list[Local]


def _rows(g: Graph) -> list[Row]:
    ids = g.ids()
    rows = []
    for n in g.nodes:
        locals_ = [
            Local(sp.Derivative(n.symbol, i.symbol, evaluate=False), f, shown(v), shown(s))
            for i, f, v, s in zip(n.inputs, n.local_formulas(), n.local, n.sends())
        ]
        formula = n.formula() if n.inputs else None
        rows.append(
            Row(
                ids[id(n)],
                n.symbol,
                n.label,
                bool(n.inputs),
                formula,
                shown(n.value),
                shown(n.grad),
                locals_,
            )
        )
    return rows


def tex_names(g: Graph) -> dict[sp.Symbol, str]:
    """LaTeX of the inputs' names: upright for words (`\\mathrm{apple}`), sympy's default else."""
    return {
        n.symbol: rf"\mathrm{{{n.symbol.name}}}"
        for n in g.inputs.values()
        if re.fullmatch(r"[A-Za-z]{2,}", n.symbol.name)
    }


def _environment(
    g: Graph, kind: str, tex: TexPrinter, width: float, templates: Path | None
) -> jinja2.Environment:
    names = tex_names(g)
    across = min(1 / 50, TEXT_WIDTH_CM / width)  # cm per pixel: the drawing fits the text width
    filters = {
        "math": lambda expr: tex(expr, names, mul_symbol="dot", order="none"),
        "xml": xml_escape,
        "edge": lambda v: shown(v, DIGITS),  # an edge's number, printed by `math`
        "decimal": lambda v: decimal(v, DIGITS),  # an edge's number as SVG text
        "tokens": lambda label: re.findall(r"[A-Za-z]+|[^A-Za-z]", label),
        "px": lambda v: f"{v:.1f}",
        "cmx": lambda v: f"{v * across:.2f}",
        "cmy": lambda v: f"{v / 50:.2f}",
    }
    return templating.environment(templates, filters, {"kind": kind})


def check_formats(formats: list[str]) -> None:
    """Raise FormatError unless `formats` is a non-empty list of md and tex."""
    if not formats:
        raise FormatError(f"no format given (known: {', '.join(FORMATS)})")
    for fmt in formats:
        if fmt not in FORMATS:
            raise FormatError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)}, pdf)")


def filename(stem: str, fmt: str, lang: str) -> str:
    """`graph.md` for English, `graph.zh.md` for Chinese."""
    return f"{stem}.{fmt}" if lang == "en" else f"{stem}.{lang}.{fmt}"


def documents(
    g: Graph,
    formats: list[str],
    lang: str,
    tex: TexPrinter,
    stem: str = "graph",
    templates: Path | None = None,
) -> dict[str, str]:
    """The requested documents of `g` by file name (Markdown comes with its SVG), in memory."""
    if lang not in LANGS:
        raise SymbpError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    check_formats(formats)
    drawing = layout(g)
    context = {
        "g": g,
        "text": g.text,
        "value": shown(g.value),
        "gradients": [(n.symbol, shown(n.grad)) for n in g.inputs.values()],
        "rows": _rows(g),
        "drawing": drawing,
        "lang": lang,
        "svg_name": filename(stem, "svg", lang),
    }
    out: dict[str, str] = {}
    for fmt in formats:
        env = _environment(g, fmt, tex, drawing.width, templates)
        if fmt == "md":
            svg = templating.render(env, "graph/drawing.svg.jinja2", context)
            out[filename(stem, "svg", lang)] = svg
        text = templating.render(env, f"graph/graph.{fmt}.jinja2", context)
        out[filename(stem, fmt, lang)] = text
    return out
