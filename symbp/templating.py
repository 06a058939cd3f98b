"""The one jinja2 environment every symbp document is rendered in: derivations, verify reports,
graph documents and the compiled NumPy module.

One delimiter dialect, safe in LaTeX (where `{#` and `{{` occur) and in Python: `<< expr >>`,
`<% statement %>`, `<# comment #>`. One search path, as pdoc's: the user's template folder first,
then symbp's own templates (package data), which are also reachable under the `default/` prefix, so
that a user template can extend the one it replaces and change one block:
`<% extends "default/tex/derivation.tex.jinja2" %><% block worked %>...<% endblock %>`.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable, Mapping
from pathlib import Path

import jinja2

from .errors import SymbpError


def template_root() -> Path:
    """The folder of the templates shipped in the package (never the working directory)."""
    return Path(str(importlib.resources.files("symbp.templates")))


def environment(
    templates: Path | str | None = None,
    filters: Mapping[str, Callable] | None = None,
    globals: Mapping[str, object] | None = None,
) -> jinja2.Environment:
    """A fresh environment searching `templates` (a user's folder) before symbp's own, with
    strict undefined names and the given filters and globals; SymbpError if the folder is none."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not Path(templates).is_dir():
            raise SymbpError(f"template folder {templates}: not a directory")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    own = jinja2.FileSystemLoader(str(template_root()))
    loaders += [own, jinja2.PrefixLoader({"default": own})]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters.update(filters or {})
    env.globals.update(globals or {})
    return env


def render(env: jinja2.Environment, name: str, context: Mapping[str, object]) -> str:
    """Template `name` rendered with `context`; SymbpError naming the template (and the line of
    a syntax error) if it is broken."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        raise SymbpError(
            f"{e.filename or e.name}:{e.lineno}: template error: {e.message}"
        ) from None
    except jinja2.TemplateError as e:
        raise SymbpError(f"{name}: template error: {e}") from None
