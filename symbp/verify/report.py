"""Verdicts as data for templates, and their text, Markdown and JSON forms.

Prose comes from `symbp/templates/verify/<lang>/`; expressions are written in claim spelling
(`out_h1*(out_o1 - target_o1)`), the notation a claim is typed in. The Markdown report takes an
optional `math` filter from its caller (the CLI passes the LaTeX printer) for display math.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import jinja2
import sympy as sp

from .. import templating
from ..errors import SymbpError
from ..notation import Notation
from .claims import Diagnosis, Verdict
from .verdict import Unreadable

LANGS = ("en", "zh")


def plain(expr) -> str:
    """An expression in claim spelling (the names are the notation's own); a matrix on one line,
    as its rows."""
    if isinstance(expr, sp.MatrixBase):
        return sp.sstr(expr.tolist())
    if isinstance(expr, sp.Basic):
        return sp.sstr(expr)
    return str(expr)


def number(value) -> str:
    return f"{float(value):.9g}"


def md_escape(text: str) -> str:
    """User text (a network's name) made inert in Markdown."""
    return "".join("\\" + c if c in "\\`*_[]<>#|$" else c for c in str(text))


def _environment(lang: str, math: Callable | None, templates: Path | None) -> jinja2.Environment:
    """symbp's environment (the user's `templates` first) with the report filters; `math`
    (expr -> LaTeX) enables display math."""
    if lang not in LANGS:
        raise SymbpError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    filters = {"plain": plain, "num": number, "md": md_escape}
    return templating.environment(templates, filters, {"math": math})


def _render(
    name: str, lang: str, context: dict, math: Callable | None = None, templates: Path | None = None
) -> str:
    env = _environment(lang, math, templates)
    return templating.render(env, f"verify/{lang}/{name}", context)


def reading(names: Notation, layers: int) -> dict:
    """How claims are read: the notation's name and its output and input layers as written."""
    return {"name": names.kind, "output": names.layer(layers), "input": names.layer(0)}


def read_in(notation: dict, lang: str = "en") -> str:
    """One line saying which notation the claims were read in ("read in Ng's notation: ...")."""
    env = _environment(lang, None, None)
    module = env.get_template(f"verify/{lang}/notation.txt.jinja2").module
    return str(module.line(notation)).strip()


def describe(diagnosis: Diagnosis, lang: str = "en") -> str:
    """One line naming the mistake."""
    env = _environment(lang, None, None)
    module = env.get_template(f"verify/{lang}/diagnosis.txt.jinja2").module
    return str(module.line(diagnosis)).strip()


def view(v: Verdict | Unreadable) -> dict:
    """The data a template shows for one verdict."""
    if isinstance(v, Unreadable):
        return {
            "quantity": v.quantity,
            "claim": v.claim,
            "ok": False,
            "status": v.status,
            "error": v.error,
            "form": None,
        }
    case = v.failing or (v.cases[0] if v.cases else None)
    return {
        "quantity": v.quantity,
        "claim": v.claim,
        "ok": v.ok,
        "status": v.status,
        "points": v.points,
        "method": v.method,
        "cases": len(v.cases),
        "skipped": v.skipped,
        "indices": case.indices if case else {},
        "truth": case.derived if case else None,
        "claim_expr": case.read if case else None,
        "diagnosis": v.diagnosis,
        "counterexample": v.counterexample,
        "form": v.form,
        "shape": v.shape,
        "scope": v.scope,
    }


def text(
    verdicts: list[Verdict],
    lang: str = "en",
    templates: Path | None = None,
    notation: dict | None = None,
) -> str:
    """The plain-text report printed by `symbp verify`; `notation` (from `reading`) is stated."""
    context = {"verdicts": [view(v) for v in verdicts], "notation": notation}
    return _render("report.txt.jinja2", lang, context, templates=templates)


def markdown(
    verdicts: list[Verdict],
    title: str,
    lang: str = "en",
    math: Callable | None = None,
    templates: Path | None = None,
    notation: dict | None = None,
) -> str:
    """The Markdown report of a claims file; `notation` (from `reading`) is stated."""
    ok = sum(v.ok for v in verdicts)
    context = {
        "verdicts": [view(v) for v in verdicts],
        "title": title,
        "proved": ok,
        "notation": notation,
    }
    return _render("report.md.jinja2", lang, context, math, templates)


def notation_json(notation: dict, lang: str = "en") -> dict:
    """The notation claims were read in, as JSON-ready data with its sentence."""
    return {**notation, "text": read_in(notation, lang)}


def _factor_json(f) -> dict:
    out = {"expr": plain(f.expr), "kind": f.kind, "of": plain(f.symbol) if f.symbol else None}
    if f.activation:
        out["activation"] = f.activation
    return out


def as_json(v: Verdict | Unreadable, lang: str = "en") -> dict:
    """One verdict as JSON-ready data (numbers as floats, expressions in claim spelling)."""
    if isinstance(v, Unreadable):
        return {
            "quantity": v.quantity,
            "claim": v.claim,
            "ok": False,
            "verdict": str(v.status),
            "error": v.error,
        }
    case = v.failing or v.cases[0]
    out: dict = {
        "quantity": v.quantity,
        "claim": v.claim,
        "ok": v.ok,
        "verdict": str(v.status),
        "method": v.method,
        "cases": len(v.cases),
        "skipped": v.skipped,
        "truth": plain(case.derived),
        "parsed": None if case.read is None else plain(case.read),
    }
    if case.indices:
        out["indices"] = case.indices
    if v.form != "component":
        out.update(form=v.form, shape=v.shape, scope=v.scope)
    dg = v.diagnosis
    if dg is not None:
        const = dg.constant
        out["diagnosis"] = {
            "kind": dg.kind,
            "text": describe(dg, lang),
            "constant": None if const is None else plain(const),
            "swaps": [[plain(a), plain(b)] for a, b in dg.swaps],
            "written": [{"written": w, "meant": m, "column": c} for w, m, c in dg.written],
            "missing": [_factor_json(f) for f in dg.missing],
            "extra": [_factor_json(f) for f in dg.extra],
            "confirmed": dg.confirmed,
        }
        if dg.shapes:
            out["diagnosis"]["shapes"] = list(dg.shapes)
        if dg.absent:
            out["diagnosis"]["absent"] = dg.absent
            out["diagnosis"]["letters"] = list(dg.letters)
            out["diagnosis"]["existing"] = list(dg.existing)
    pt = v.counterexample
    if pt is not None:
        out["counterexample"] = {"at": pt.values, "claim": pt.claim, "truth": pt.truth}
    return out


def code_text(report, name: str, net: str, lang: str = "en") -> str:
    """The plain-text result of `symbp verify-code`."""
    return _render("code.txt.jinja2", lang, {"r": report, "name": name, "net": net})


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def code_json(report) -> dict:
    """A CodeReport as JSON-ready data."""
    return {
        "ok": report.ok,
        "checked": report.checked,
        "points": report.points,
        "samples": report.samples,
        "reference_error": report.reference_error,
        "max_error": _finite(report.max_error),
        "layout": report.layout,
        "causes": [
            {
                "kind": c.kind,
                "param": c.key or None,
                "constant": c.constant,
                "constant_name": c.constant_name or None,
                "layer": c.layer or None,
                "habit": c.habit or None,
                "form": c.form or None,
            }
            for c in report.causes
        ],
        "wrong": [
            {
                "param": e.key,
                "index": list(e.index),
                "name": e.name,
                "got": _finite(e.got),
                "derived": e.derived,
                "finite_difference": e.finite_difference,
                "error": _finite(e.error),
            }
            for e in report.wrong
        ],
    }
