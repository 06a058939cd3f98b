"""PDF through latexmk (or pdflatex run twice) when a TeX engine is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import FormatError, SymbpError

# pdflatex stamps dates and a document ID; fixing the epoch makes two runs byte-identical.
_REPRODUCIBLE = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}


def engine() -> str | None:
    """'latexmk', 'pdflatex', or None when no TeX engine is on PATH."""
    if shutil.which("pdflatex") is None:
        return None
    return "latexmk" if shutil.which("latexmk") else "pdflatex"


def _has_package(sty: str) -> bool:
    if shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", sty], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def available(lang: str = "en") -> bool:
    """Whether a PDF in `lang` can be made here (Chinese needs the CJKutf8 package)."""
    return engine() is not None and (lang != "zh" or _has_package("CJKutf8.sty"))


def _first_error(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("!"):
            return line[1:].strip()
    return "see the LaTeX log"


def compile_pdf(tex: str, name: str, lang: str = "en") -> bytes:
    """The PDF of a standalone .tex text; raise SymbpError when it cannot be made."""
    tool = engine()
    if tool is None:
        raise FormatError(
            "no TeX engine found for pdf (install pdflatex and latexmk, e.g. "
            "apt-get install texlive-latex-recommended texlive-pictures latexmk)"
        )
    if lang == "zh" and not _has_package("CJKutf8.sty"):
        raise FormatError(
            "pdf in Chinese needs the LaTeX package CJKutf8, which is missing "
            "(e.g. apt-get install latex-cjk-chinese)"
        )
    with tempfile.TemporaryDirectory(prefix="symbp-pdf-") as tmp:
        src = Path(tmp) / f"{name}.tex"
        src.write_text(tex, encoding="utf-8")
        flags = ["-interaction=nonstopmode", "-halt-on-error"]
        if tool == "latexmk":
            runs = [["latexmk", "-pdf", "-quiet", *flags, src.name]]
        else:
            runs = [["pdflatex", *flags, src.name]] * 2
        env = {**os.environ, **_REPRODUCIBLE}
        for cmd in runs:
            done = subprocess.run(cmd, cwd=tmp, capture_output=True, env=env, check=False)
            if done.returncode != 0:
                log = Path(tmp) / f"{name}.log"
                text = log.read_text(errors="replace") if log.exists() else ""
                error = _first_error(text)
                if "capacity exceeded" in error:
                    error += (
                        " (too large a network for one PDF; its .tex and .md have no such limit)"
                    )
                raise SymbpError(f"{name}.tex: LaTeX failed: {error}")
        return (Path(tmp) / f"{name}.pdf").read_bytes()
