"""The jinja2 environment: the user's template directory first, then symbp's own templates.

Math goes through the `tex` filter (the one printer), numbers too (9 significant digits).
One set of delimiters for every format, chosen to be safe in LaTeX (where `{#` and `{{` occur):
`<< expr >>`, `<% statement %>`, `<# comment #>`. A user template can extend the template it
replaces through the `default/` prefix: `<% extends "default/tex/derivation.tex.jinja2" %>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path

import jinja2

from .. import templating
from ..errors import SymbpError
from .printer import number, tex


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


def environment(names: dict, kind: str, templates: Path | None = None) -> jinja2.Environment:
    """A fresh environment for one document format ("tex" or "md") and one notation table."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not Path(templates).is_dir():
            raise SymbpError(f"--templates: {templates}: not a directory")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    own = jinja2.FileSystemLoader(str(templating.template_root()))
    loaders += [own, jinja2.PrefixLoader({"default": own})]
    env = templating.environment(jinja2.ChoiceLoader(loaders))

    def math(item) -> str:
        if isinstance(item, At):
            return tex(item.expr, names, item.values, **({"order": "none"} if item.ordered else {}))
        if isinstance(item, Real) and not hasattr(item, "free_symbols"):
            return number(item)
        return tex(item, names)

    env.filters["tex"] = math
    env.filters["num"] = number
    env.filters["escape"] = tex_escape if kind == "tex" else md_escape
    env.globals["kind"] = kind
    return env
