"""The derivation as one self-contained web page: the document model of the tex and md documents,
its LaTeX (from the one printer) converted to MathML by latex2mathml, the diagram as inline SVG.

Every quantity of the network prints wrapped in `\\class{q qN}{...}`, so the page's script can show
its value at the worked example and highlight it everywhere; chain-rule factors link to the
equation that derived them.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import numpy as np
import sympy as sp

from .. import templating
from ..derive import Derivation
from ..errors import FormatError
from .env import environment
from .model import Document, Line
from .roles import roles

_INLINE = re.compile(r"(?<!\\)\$([^$]+?)(?<!\\)\$")
# What Markdown acts on inside a paragraph, written as character references in inline math.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "\\_*`[]<>&~|"})


def _convert():
    try:
        from latex2mathml.converter import convert
    except ImportError:
        raise FormatError("html needs latex2mathml: pip install 'symbp[html]'") from None
    return convert


def anchor(expr) -> str:
    """A stable element id for the equation whose left side is `expr`."""
    return "e" + hashlib.sha1(sp.srepr(expr).encode()).hexdigest()[:10]


def _targets(doc: Document) -> dict:
    """Left sides -> the anchor of the equation deriving them (layer section, forward pass)."""
    out: dict = {}
    C = doc.cost.lhs
    for b in doc.backward:
        for line in b.dC_da + b.jacobian + b.deltas:
            out[line.lhs] = anchor(line.lhs)
        for z, line in zip(doc.layers[b.index - 1].z, b.deltas):  # dC/dz is the error delta
            out[sp.Derivative(C, z, evaluate=False)] = anchor(line.lhs)
    for lf in doc.layers:
        for s in (*lf.z, *lf.a):
            out[s] = anchor(s)
    return out


def _values(d: Derivation, doc: Document) -> dict:
    """Each quantity with a value at the worked example -> its value in every sample (one
    value for a parameter)."""
    if doc.compact is not None:
        return doc.compact.values
    if doc.worked is None:
        return {}
    out = {}
    for s, v in d.evaluate().values.items():
        out[s] = [float(x) for x in np.atleast_1d(np.asarray(v, dtype=float))]
    for item in [*doc.worked.cost_terms, doc.worked.cost]:
        s, vals = (item.lhs, [item.parts[-1]]) if isinstance(item, Line) else item
        out[s] = [float(x) for x in vals]
    return out


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _text(value: float) -> str:
    """A number as plain text to 9 significant digits (1.5 × 10⁻⁵), for a tooltip."""
    text = f"{value:.9g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def page(d: Derivation, doc: Document, templates: Path | None = None) -> str:
    """The derivation page of `d` (model `doc`) as HTML text."""
    convert = _convert()
    base = {**d.names.tex, **doc.vector.names}
    values = _values(d, doc)
    # only a quantity with a value is marked: hovering it always shows a number
    classes = {s: f"q{i}" for i, s in enumerate(d.names.tex) if s in values}
    names = {s: rf"\class{{q {classes[s]}}}{{{t}}}" if s in classes else t for s, t in base.items()}
    env = environment(names, "html", templates, d.names, roles(d), doc.lang)
    latex = env.filters["tex"]
    targets = _targets(doc)
    kind = "derivation" if doc.compact is None else "compact"

    def mathml(item, display: bool = False) -> str:
        return convert(latex(item), display="block" if display else "inline")

    def prose(text: str) -> str:
        return _INLINE.sub(lambda m: convert(m.group(1)), str(text))

    def href(line) -> str:
        lhs = line.lhs
        target = targets.get(lhs)
        if target is None and isinstance(lhs, sp.Derivative):
            target = targets.get(lhs.expr)
        return f"#{target}" if target else ""

    env.filters.update(
        m=mathml,
        dm=lambda item: mathml(item, True),
        prose=prose,
        prose_math=lambda text: convert(str(text)),  # LaTeX the template wrote itself (2 \\times 3)
        anchor=anchor,
        href=href,
        escape=lambda text: html.escape(str(text)).replace("$", "&#36;"),
    )
    context = {
        **vars(doc),
        "classes": classes,
        "values": json.dumps(
            {c: ", ".join(map(_text, values[s])) for s, c in classes.items()}, sort_keys=True
        ),
    }
    return templating.render(env, f"html/{kind}.html.jinja2", context)


def plain_markdown(d: Derivation, doc: Document, templates: Path | None = None) -> str:
    """The derivation of `d` (model `doc`) as Markdown whose math survives plain converters."""
    convert = _convert()
    names = {**d.names.tex, **doc.vector.names}
    env = environment(names, "md", templates, d.names, roles(d), doc.lang)
    latex = env.filters["tex"]

    def rows(lines) -> list[str]:
        return [
            f"{latex(line.lhs) if i == 0 else ''} &= {latex(p)}"
            for line in lines
            for i, p in enumerate(line.parts)
        ]

    env.filters.update(
        m=lambda item: convert(latex(item)),
        inline=lambda item: _span(latex(item)),
        rows=rows,
        prose=lambda text: _INLINE.sub(lambda m: _span(m.group(1)), str(text)),
    )
    kind = "derivation" if doc.compact is None else "compact"
    return templating.render(env, f"md/{kind}.plain.md.jinja2", vars(doc))


def _span(latex: str) -> str:
    """Inline math that Markdown leaves alone: \\( \\) and what Markdown acts on as character
    references."""
    inert = (r"\(" + latex + r"\)").translate(_INERT)
    return f'<span class="math">{inert}</span>'


__all__ = ["anchor", "page", "plain_markdown"]
