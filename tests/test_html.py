"""`derive --format html`: one self-contained page, every formula MathML that Chromium renders,
values on hover from the worked example, chain-rule factors linked to their derivations."""

from __future__ import annotations

import html
import json
import re
import sys
from functools import cache
from html.parser import HTMLParser

import browser
import numpy as np
import pytest

import symbp
from symbp import render
from symbp.cli import main
from symbp.derive import derive
from symbp.render.documents import model


class _Math(HTMLParser):
    """Counts <math> elements and collects the text inside them, MathML errors and ids/links."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.math = 0
        self.errors = 0
        self.math_text: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "math":
            self.math += 1
            self.depth += 1
        if tag == "merror":
            self.errors += 1
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])

    def handle_endtag(self, tag):
        if tag == "math":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.math_text.append(data)


@cache
def _page(name: str, lang: str = "en") -> str:
    """A bundled example's page, built once for the tests that read it."""
    return render.document(derive(symbp.load(name)), "html", lang)


@pytest.fixture(scope="module")
def mazur_page() -> str:
    return _page("mazur")


def test_html_page_names_no_external_resource(mazur_page):
    urls = set(re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", mazur_page))
    namespaces = {
        "http://www.w3.org/1998/Math/MathML",
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xhtml",
    }
    assert urls <= namespaces
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=", mazur_page)


def test_html_prose_math_is_converted_leaving_no_dollar_or_backslash(mazur_page):
    p = _Math()
    p.feed(mazur_page)
    outside = re.sub(
        r"<math.*?</math>|<script>.*?</script>|<style>.*?</style>", "", mazur_page, flags=re.S
    )
    assert "$" not in outside and "\\" not in outside
    assert p.errors == 0 and p.math > 200
    assert not any("\\" in t for t in p.math_text)


def test_html_hover_value_of_out_o1_is_mazurs(mazur_page):
    values = json.loads(re.search(r"const VALUES = (\{.*?\});", mazur_page).group(1))
    d = derive(symbp.load("mazur"))
    out_o1 = next(s for s in d.names.tex if s.name == "out_o1")
    q = f"q{list(d.names.tex).index(out_o1)}"
    assert values[q] == "0.75136507"  # Mazur's post: out_o1 = 0.75136507
    assert mazur_page.count(f"q {q}") > 10  # the same quantity marked everywhere it appears


@pytest.mark.parametrize("name", ["mazur", "softmax"])
def test_html_every_chain_factor_links_to_an_equation_on_the_page(name):
    d = derive(symbp.load(name))
    factors = sum(len(c.factors) for c in model(d, "en").chains)
    p = _Math()
    p.feed(_page(name))
    assert len(p.links) == factors
    assert set(p.links) <= p.ids


def test_html_without_latex2mathml_exits_2_with_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "latex2mathml.converter", None)
    assert main(["derive", "mazur", "--format", "html", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "latex2mathml" in err and "\n" not in err
    assert not list(tmp_path.iterdir())


_CHROMIUM = browser.CHROMIUM


@pytest.mark.skipif(_CHROMIUM is None, reason="needs headless Chromium")
@pytest.mark.parametrize(
    "name,lang", [("mazur", "en"), ("mazur", "zh"), ("softmax", "en")], ids=str
)
def test_html_every_formula_renders_in_chromium(name, lang, tmp_path):
    page = _page(name, lang)
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    dom = browser.dom(path)
    before, after = _Math(), _Math()
    before.feed(page)
    after.feed(dom)
    assert after.math == before.math > 100
    assert after.errors == 0
    assert not any("\\" in t for t in after.math_text)
    # the script ran: every marked quantity became focusable
    assert dom.count('tabindex="0"') == page.count('class="q q') > 50


# Hovers every marked quantity in turn and writes what the tooltip then shows into the DOM.
_HOVER_ALL = """<script>
const seen = [...document.querySelectorAll(".q")].map((el) => {
  el.dispatchEvent(new Event("mouseenter"));
  const shown = [tip.style.display, tip.textContent, el.classList.contains("hl")];
  el.dispatchEvent(new Event("mouseleave"));
  return shown;
});
document.body.insertAdjacentHTML("beforeend", "<pre id='hovered'></pre>");
document.getElementById("hovered").textContent = JSON.stringify(seen);
</script></body>"""


def _hovered(page: str, tmp_path) -> list:
    """(display, text, highlighted) of the tooltip while each marked quantity is hovered."""
    path = tmp_path / "hover.html"
    path.write_text(page.replace("</body>", _HOVER_ALL), encoding="utf-8")
    dom = browser.dom(path)
    found = re.search(r"<pre id=\"hovered\">(.*?)</pre>", dom, re.S)
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.skipif(_CHROMIUM is None, reason="needs headless Chromium")
@pytest.mark.parametrize("name", ["xor", "digits"])
def test_html_hovering_any_marked_quantity_shows_a_number(name, tmp_path):
    page = _page(name)
    seen = _hovered(page, tmp_path)
    assert len(seen) == page.count('class="q q') > 10
    for display, text, highlighted in seen:
        assert display == "block" and highlighted
        assert all(re.fullmatch(r"-?\d[\d.]*( × 10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?", v) for v in text.split(", "))


LARGE = """
name = "wide"
inputs = 40
loss = "cross_entropy"
[[layers]]
units = 50
activation = "relu"
[[layers]]
units = 10
activation = "softmax"
[example]
x = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], [-0.5, 0.25]]
y = [[0, 0, 1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]]
"""


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    spec = tmp_path_factory.mktemp("wide") / "wide.toml"
    x = [[0.1 * (k % 10 + 1) for k in range(40)], [0.05 * (k % 7) - 0.2 for k in range(40)]]
    text = LARGE.replace(LARGE.splitlines()[11], f"x = {x}")
    spec.write_text(text, encoding="utf-8")
    d = derive(symbp.load(spec))
    assert d.parameter_count == 50 * 40 + 50 + 10 * 50 + 10 > 2000
    return d, render.document(d, "html")


def test_html_hover_values_of_a_large_network_are_numpys_forward_pass(wide):
    d, page = wide
    ex = d.net.example
    p = {k: np.asarray(v, dtype=float) for k, v in ex.params.items()}
    Z1 = ex.X @ p["W1"].T + p["b1"]
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ p["W2"].T + p["b2"]
    A2 = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    arrays = {1: (Z1, A1), 2: (Z2, A2)}
    values = json.loads(re.search(r"const VALUES = (\{.*?\});", page).group(1))
    q = {s: f"q{i}" for i, s in enumerate(d.names.tex)}

    def shown(s) -> list[float]:
        return [float(v) for v in values[q[s]].split(", ")]

    units = model(d, "en").compact.units
    assert len(units) == 2
    for u in units:
        Z, A = arrays[u.index]
        assert shown(d.names.z(u.index, u.j)) == pytest.approx(Z[:, u.j - 1], rel=1e-8)
        assert shown(d.names.a(u.index, u.j)) == pytest.approx(A[:, u.j - 1], rel=1e-8)
        assert shown(d.names.w(u.index, u.j, u.k)) == pytest.approx(
            [p[f"W{u.index}"][u.j - 1, u.k - 1]]
        )
    costs = -(ex.Y * np.log(A2)).sum(axis=1)
    assert shown(d.cost_symbol) == pytest.approx(costs, rel=1e-8)
    assert set(values) == set(re.findall(r'class="q (q\d+)"', page)) and len(values) >= 12


@pytest.mark.skipif(_CHROMIUM is None, reason="needs headless Chromium")
def test_html_of_a_network_too_large_to_list_unit_by_unit_renders_in_chromium(wide, tmp_path):
    d, page = wide
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    dom = browser.dom(path)
    before, after = _Math(), _Math()
    before.feed(page)
    after.feed(dom)
    assert after.math == before.math > 40 and after.errors == 0
    assert not any("\\" in t for t in after.math_text)
    assert "2560 parameters" in page and "<tr><td>1</td><td>40</td><td>50</td>" in page
    assert page.count("<h3>") >= 2  # one representative unit per layer
    assert page.count("(BP1)</td>") == 1  # softmax output: only its own rule, no elementwise BP1


def test_html_page_has_mazurs_notation_key_and_ends_with_the_cost_after_the_step(mazur_page):
    key = mazur_page.index("Notation key")
    assert mazur_page.index("The four equations") < key < mazur_page.index("Activation derivatives")
    tail = mazur_page[mazur_page.index("After the step") :]
    assert "0.291027774" in tail and "0.298371109" in tail  # Mazur's E before and after
    assert "0.0159136204" in tail and "0.984064274" in tail  # after 10,000 steps


# For each weight's label, how many arrows other than its own cross the label's text as drawn.
_LABEL_CROSSINGS = """<script>
const svg = document.querySelector("svg.net");
const m = svg.getScreenCTM();
const lines = [...svg.querySelectorAll("line")].map((l) => {
  const p = (k) => new DOMPoint(+l.getAttribute("x" + k), +l.getAttribute("y" + k));
  return [p(1).matrixTransform(m), p(2).matrixTransform(m)];
});
const crossings = [...svg.querySelectorAll(".wlabel span")].map((s) => {
  const r = s.getBoundingClientRect();
  return lines.filter(([a, b]) => {
    for (let i = 0; i <= 400; i++) {
      const x = a.x + (b.x - a.x) * i / 400, y = a.y + (b.y - a.y) * i / 400;
      if (x > r.left && x < r.right && y > r.top && y < r.bottom) return true;
    }
    return false;
  }).length - 1;
});
document.body.insertAdjacentHTML("beforeend", "<pre id='crossings'></pre>");
document.getElementById("crossings").textContent = JSON.stringify(crossings);
</script></body>"""


@pytest.mark.skipif(_CHROMIUM is None, reason="needs headless Chromium")
@pytest.mark.parametrize("name", ["softmax", "xor", "mazur", "deep_logistic"])
def test_html_diagram_labels_are_crossed_by_no_other_arrow(name, tmp_path):
    path = tmp_path / "diagram.html"
    path.write_text(_page(name).replace("</body>", _LABEL_CROSSINGS), encoding="utf-8")
    dom = browser.dom(path)
    crossings = json.loads(re.search(r'<pre id="crossings">(.*?)</pre>', dom, re.S).group(1))
    d = model(derive(symbp.load(name)), "en").diagram
    assert len(crossings) == sum(e.label is not None for e in d.edges)
    assert crossings == [0] * len(crossings)
