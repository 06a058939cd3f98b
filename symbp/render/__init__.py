"""Derivation documents: LaTeX, Markdown, HTML and PDF, from jinja2 templates and one LaTeX
printer."""

from __future__ import annotations

from pathlib import Path

from ..derive import Derivation
from ..errors import FormatError
from . import pdf
from .documents import FORMATS, LANGS, MD_FLAVORS, check_format, document, rendered
from .documents import model as _model
from .printer import tex

__all__ = [
    "FORMATS",
    "LANGS",
    "MD_FLAVORS",
    "document",
    "documents",
    "filename",
    "parse_formats",
    "tex",
]


def filename(name: str, fmt: str, lang: str) -> str:
    """`mazur.tex` for English, `mazur.zh.tex` for Chinese."""
    return f"{name}.{fmt}" if lang == "en" else f"{name}.{lang}.{fmt}"


def parse_formats(text: str | None, lang: str = "en") -> list[str]:
    """The formats asked for (comma-separated), or tex,md plus pdf when it can be made."""
    if text is None:
        return ["tex", "md"] + (["pdf"] if pdf.available(lang) else [])
    formats = [f.strip() for f in text.split(",") if f.strip()]
    known = (*FORMATS, "pdf")
    for f in formats:
        if f not in known:
            raise FormatError(f"unknown format {f!r} (known: {', '.join(known)})")
    if not formats:
        raise FormatError(f"no format given (known: {', '.join(known)})")
    return list(dict.fromkeys(formats))


def documents(
    d: Derivation,
    formats: list[str],
    lang: str = "en",
    templates: Path | None = None,
    md_flavor: str = "github",
) -> dict[str, str | bytes]:
    """Every requested document of `d`, by file name, rendered in memory (nothing written)."""
    texts = [fmt for fmt in formats if fmt != "pdf"]
    for fmt in texts:
        check_format(fmt, md_flavor)
    if not formats:
        return {}
    doc = _model(d, lang)  # one data model, rendered in every format
    out: dict[str, str | bytes] = {
        filename(d.net.name, fmt, lang): rendered(d, doc, fmt, templates, md_flavor)
        for fmt in texts
    }
    if "pdf" in formats:
        tex_name = filename(d.net.name, "tex", lang)
        tex_text = out.get(tex_name) or rendered(d, doc, "tex", templates, md_flavor)
        out[filename(d.net.name, "pdf", lang)] = pdf.compile_pdf(tex_text, d.net.name, lang)
    return out
