"""The filters of the derivation documents, on symbp's one environment (`symbp.templating`).

Math goes through the `tex` filter (the one printer), numbers too (9 significant digits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path

import jinja2

from .. import templating
from ..derive import general as G
from ..notation import Notation
from .printer import label, number, tex


@dataclass(frozen=True)
class At:
    """An expression shown with numbers in place of its symbols (Symbol -> printed number);
    `ordered` keeps a product's factors in the order given (a chain rule)."""

    expr: object
    values: dict = field(default_factory=dict)
    ordered: bool = False


# Every character LaTeX treats specially, as text; the word commands keep their braces so that a
# following letter cannot extend them (`\textbackslash{}input`, never `\textbackslashinput`).
_TEX_TEXT = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
        **{c: "\\" + c for c in "&%$#_{}"},
        "<": "$<$",
        ">": "$>$",
    }
)


def tex_escape(text: str) -> str:
    """User text made inert in LaTeX (< and > in math, as the OT1 fonts lack them)."""
    return str(text).translate(_TEX_TEXT)


def md_escape(text: str) -> str:
    """User text (a network's name or description) made inert in Markdown."""
    return "".join("\\" + c if c in "\\`*_[]<>#|$" else c for c in str(text))


def environment(
    names: dict,
    kind: str,
    templates: Path | None = None,
    notation: Notation | None = None,
    roles: dict | None = None,
    lang: str = "en",
) -> jinja2.Environment:
    """symbp's environment with the filters of one document format ("tex" or "md"), one
    notation table, the quantities' roles (which order printed products and sums) and the
    words of `lang`'s prose table that formulas use (`cases`); `notation` also names the
    general forms and numbers the layers."""
    words: dict = {}  # filled below, once the filters that the prose table uses exist
    if kind == "html":
        words["function_space"] = r"\,"  # latex2mathml spaces no function name from its argument
    roles = dict(roles or {})
    preset = None if notation is None else notation.preset
    if preset is not None:
        names = {G.C: preset.cost_tex, **names}

    def math(item) -> str:
        if isinstance(item, At):
            order = {"order": "none"} if item.ordered else {}
            return tex(
                item.expr, names, item.values, notation=preset, roles=roles, **order, **words
            )
        if isinstance(item, Real) and not hasattr(item, "free_symbols"):
            return number(item)
        return tex(item, names, notation=preset, roles=roles, **words)

    def identity(eq) -> str:
        return tex(eq, names, compact=True, notation=preset, roles=roles, **words)

    def layer(index: int) -> str:
        return str(index) if preset is None else notation.layer(index)

    filters = {
        "tex": math,
        "identity": identity,
        "num": number,
        "layer": layer,
        "label": label,
        "escape": tex_escape if kind == "tex" else md_escape,
    }
    env = templating.environment(templates, filters, {"kind": kind})
    words["cases"] = tuple(env.get_template(f"prose/{lang}.jinja2").module.cases)
    return env
