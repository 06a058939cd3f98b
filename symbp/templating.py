"""The one way symbp's document templates are loaded: package data `symbp.templates`, and
LaTeX-safe delimiters (`<< expr >>`, `<% statement %>`, `<# comment #>`) so that TeX braces and
`{#` never clash with jinja2. Used by render, verify and graph alike."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import jinja2


def template_root() -> Path:
    """The folder of the templates shipped in the package (never the working directory)."""
    return Path(str(importlib.resources.files("symbp.templates")))


def environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """A jinja2 environment with symbp's delimiters and strict undefined names."""
    return jinja2.Environment(
        loader=loader,
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
