"""`--md-flavor plain`: every formula of every bundled example's Markdown comes out of plain
converters (python markdown; npm marked when node has it) as the very TeX symbp wrote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import browser
import pytest

import symbp
from symbp import render, spec
from symbp.derive import derive


class _MathText(HTMLParser):
    """The text of every element with class "math" (character references resolved, as a
    browser's DOM holds it), and the text outside them."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.math: list[str] = []
        self.outside: list[str] = []

    def handle_starttag(self, tag, attrs):
        is_math = ("class", "math") in attrs
        if is_math:
            self.math.append("")
        self.stack.append(is_math)

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if any(self.stack):
            self.math[-1] += data
        else:
            self.outside.append(data)


def _math(html_text: str) -> _MathText:
    p = _MathText()
    p.feed(html_text)
    p.close()
    return p


# every bundled example, digits' compact document (too many parameters to list) among them
_ALL = list(spec.bundled())
_CASES = [(name, lang) for name in _ALL for lang in render.LANGS]


@pytest.fixture(scope="module")
def plain_docs() -> dict:
    out = {}
    for name in _ALL:
        d = derive(symbp.load(name))
        for lang in render.LANGS:
            out[name, lang] = render.document(d, "md", lang, md_flavor="plain")
    return out


@pytest.mark.parametrize("name,lang", _CASES, ids=[f"{n}-{lang}" for n, lang in _CASES])
def test_plain_markdown_math_survives_python_markdown_verbatim(plain_docs, name, lang):
    markdown = pytest.importorskip("markdown")
    source = plain_docs[name, lang]
    written = _math(source).math
    converted = _math(markdown.markdown(source))
    assert len(written) > 25
    assert converted.math == written
    assert not any("$" in t for t in converted.outside)


def _marked() -> Path | None:
    """A folder where `npm i marked` was run, named by SYMBP_MARKED_DIR."""
    root = os.environ.get("SYMBP_MARKED_DIR")
    if root and (Path(root) / "node_modules" / "marked").is_dir():
        return Path(root)
    return None


@pytest.mark.skipif(shutil.which("node") is None or _marked() is None, reason="needs node + marked")
def test_plain_markdown_math_survives_marked_verbatim(plain_docs):
    script = (
        "const {marked} = require('marked'); const docs = JSON.parse(require('fs')"
        ".readFileSync(0, 'utf8')); console.log(JSON.stringify(docs.map((d) => marked.parse(d))));"
    )
    sources = list(plain_docs.values())
    out = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        cwd=_marked(),
        check=True,
        timeout=120,
    ).stdout
    for source, html_text in zip(sources, json.loads(out)):
        assert _math(html_text).math == _math(source).math


def test_plain_markdown_puts_bp1_to_bp4_on_their_own_lines_with_one_column(plain_docs):
    source = plain_docs["mazur", "en"]
    for k in range(1, 5):
        (line,) = [x for x in source.splitlines() if rf"\text{{(BP{k})}}" in x and "_{j" not in x]
        assert line.count("&") == 1
    assert "&&" not in source


def test_plain_markdown_single_sample_table_has_no_header_row(plain_docs):
    source = plain_docs["mazur", "en"]
    table = source[source.index('<table class="values">') :]
    table = table[: table.index("</table>")]
    assert "<th></th>" not in table and table.count("<tr>") == 4


_CHROMIUM = browser.CHROMIUM


@pytest.mark.skipif(
    _CHROMIUM is None or _marked() is None or not (_marked() / "node_modules/mathjax").is_dir(),
    reason="needs Chromium and `npm i mathjax@3` in SYMBP_MARKED_DIR",
)
@pytest.mark.parametrize(
    "name,lang", [("mazur", "en"), ("softmax", "zh"), ("digits", "en")], ids=str
)
def test_plain_markdown_through_python_markdown_typesets_in_mathjax(
    plain_docs, name, lang, tmp_path
):
    markdown = pytest.importorskip("markdown")
    source = plain_docs[name, lang]
    mathjax = (_marked() / "node_modules/mathjax/es5/tex-chtml.js").as_uri()
    page = f'<meta charset="utf-8"><script src="{mathjax}"></script>' + markdown.markdown(source)
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    dom = browser.dom(path, "--allow-file-access-from-files", "--virtual-time-budget=20000")
    assert dom.count("<mjx-container") == len(_math(source).math)
    assert "<mjx-merror" not in dom and "data-mjx-error" not in dom


def test_plain_markdown_of_a_compact_document_shows_each_layers_representative_unit(plain_docs):
    source = plain_docs["digits", "en"]
    assert "digits" in spec.bundled() and "2410 parameters" in source
    units = [line for line in source.splitlines() if line.startswith("### Layer ")]
    assert units == [
        "### Layer 2 (output): unit 1, input 2",
        "### Layer 1 (hidden): unit 24, input 12",
    ]
    assert "<table" in source and "|---" not in source and "$$" not in source
