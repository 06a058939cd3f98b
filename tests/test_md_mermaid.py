"""The mermaid diagram of every bundled example's Markdown, rendered by mermaid itself (npm
`mermaid` in SYMBP_MARKED_DIR, as .ci/run installs it) in headless Chromium: no parse error, one
drawn node per unit and bias, every weight's label on its arrow, biases dashed."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import browser
import pytest

import symbp
from symbp import render, spec
from symbp.derive import derive
from symbp.render.documents import model

_CHROMIUM = browser.CHROMIUM


def _mermaid() -> Path | None:
    """mermaid's browser bundle in the folder where `npm i mermaid` was run."""
    root = os.environ.get("SYMBP_MARKED_DIR")
    js = Path(root or ".") / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    return js if root and js.is_file() else None


pytestmark = pytest.mark.skipif(
    _CHROMIUM is None or _mermaid() is None,
    reason="needs Chromium and `npm i mermaid` in SYMBP_MARKED_DIR",
)

# Renders each diagram in turn and writes what mermaid drew (or its error) into the DOM.
_PAGE = """<!DOCTYPE html><meta charset="utf-8"><body><script src="{js}"></script>
<div id="drawn"></div><pre id="result"></pre>
<script>
mermaid.initialize({{startOnLoad: false}});
(async () => {{
  const out = [];
  for (const [i, text] of {texts}.entries()) {{
    try {{
      await mermaid.parse(text);
      const {{svg}} = await mermaid.render("d" + i, text);
      const box = document.createElement("div");
      box.innerHTML = svg;
      document.getElementById("drawn").appendChild(box);
      out.push({{
        nodes: [...box.querySelectorAll("g.node")].map((g) => g.textContent.trim()),
        labels: [...box.querySelectorAll("g.edgeLabel")].map((g) => g.textContent.trim())
          .filter((t) => t),
        edges: box.querySelectorAll(".edgePaths path, path.flowchart-link").length,
        dashed: [...box.querySelectorAll("g.node.bias rect.label-container")]
          .map((r) => getComputedStyle(r).strokeDasharray !== "none"),
      }});
    }} catch (e) {{
      out.push({{error: String(e)}});
    }}
  }}
  document.getElementById("result").textContent = JSON.stringify(out);
}})();
</script>"""

_CASES = [
    (name, lang) for name in spec.bundled() if name != "digits" for lang in render.LANGS
]  # digits' compact document draws no network


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict:
    texts, diagrams = [], []
    for name, lang in _CASES:
        d = derive(symbp.load(name))
        md = render.document(d, "md", lang)
        texts.append(re.search(r"```mermaid\n(.*?)```", md, re.S).group(1))
        diagrams.append(model(d, lang).diagram)
    page = tmp_path_factory.mktemp("mermaid") / "page.html"
    page.write_text(_PAGE.format(js=_mermaid().as_uri(), texts=json.dumps(texts)), "utf-8")
    dom = browser.dom(
        page, "--allow-file-access-from-files", "--virtual-time-budget=30000", timeout=300
    )
    result = json.loads(html.unescape(re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)[1]))
    return {case: (r, diagram) for case, r, diagram in zip(_CASES, result, diagrams)}


@pytest.mark.parametrize("name,lang", _CASES, ids=[f"{n}-{lang}" for n, lang in _CASES])
def test_mermaid_draws_every_unit_bias_and_arrow_of_the_network(drawn, name, lang):
    r, diagram = drawn[name, lang]
    assert "error" not in r, r.get("error")
    per_unit = [n for n in diagram.nodes if n.bias is not None]
    assert len(r["nodes"]) == len(diagram.nodes) + len(per_unit)
    assert r["edges"] == len(diagram.edges) + len(per_unit)
    biases = [n for n in diagram.nodes if n.kind == "bias"] + per_unit
    assert len(r["dashed"]) == len(biases) and all(r["dashed"])


@pytest.mark.parametrize("name", ["mazur", "deep_logistic"])
def test_mermaid_labels_each_arrow_with_its_weight(drawn, name):
    r, diagram = drawn[name, "en"]
    assert not diagram.dense
    assert sorted(r["labels"]) == sorted(
        render.printer.label(e.label) for e in diagram.edges if e.label is not None
    )
    if name == "mazur":
        assert "w₅" in r["labels"] and "outₒ₁" in r["nodes"]
