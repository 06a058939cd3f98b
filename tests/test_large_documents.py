"""Documents at any size: 784-30-10 (Nielsen's MNIST net) from the layer rules alone."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import symbp
from symbp import render
from symbp.render import pdf
from symbp.render.compact import compact
from symbp.render.printer import number

SPEC = Path(__file__).parent / "fixtures" / "mnist_784_30_10.toml"


@pytest.fixture(scope="module")
def large():
    return symbp.derive(symbp.load(SPEC))


@pytest.fixture(scope="module")
def texts(large):
    return render.documents(large, ["tex", "md"])


def _seconds(spec) -> float:
    start = time.perf_counter()
    render.documents(symbp.derive(symbp.load(spec)), ["tex", "md"])
    return time.perf_counter() - start


def test_784_30_10_document_takes_a_few_times_mazur():
    _seconds("mazur")  # warm the caches both share (templates, activation proofs)
    small, big = _seconds("mazur"), _seconds(SPEC)
    assert big < 5 * small + 1.0, (big, small)


def test_large_document_builds_no_per_unit_expressions(large, texts):
    assert "layers" not in vars(large) and "backward" not in vars(large)
    for text in texts.values():
        assert len(text.splitlines()) < 400


def _torch(net):
    """Gradients and the cost after one step by autograd, from the spec's numbers alone."""
    torch = pytest.importorskip("torch")
    ex = net.example
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in ex.params.items()}
    X, Y = torch.tensor(ex.X), torch.tensor(ex.Y)

    def cost(q):
        a1 = torch.sigmoid(X @ q["W1"].T + q["b1"])
        a2 = torch.sigmoid(a1 @ q["W2"].T + q["b2"])
        return (0.5 * ((Y - a2) ** 2).sum(dim=1)).mean()

    c = cost(p)
    c.backward()
    after = {k: (v - ex.learning_rate * v.grad).detach() for k, v in p.items()}
    return float(c.detach()), {k: v.grad.numpy() for k, v in p.items()}, float(cost(after))


def test_large_document_numbers_agree_with_autograd(large, texts):
    loss, grads, loss_after = _torch(large.net)
    c = compact(large)
    assert c.loss == pytest.approx(loss, rel=1e-12)
    assert c.loss_after == pytest.approx(loss_after, rel=1e-12)
    tex = texts[render.filename(large.net.name, "tex", "en")]
    for u in c.units:
        g = grads[f"W{u.index}"]
        j, k = np.unravel_index(np.argmax(np.abs(g)), g.shape)
        assert (u.j, u.k) == (j + 1, k + 1)
        assert u.grad_w.parts[-1] == pytest.approx(g[j, k], rel=1e-12)
        assert u.grad_b.parts[-1] == pytest.approx(grads[f"b{u.index}"][j], rel=1e-12)
        assert number(g[j, k]) in tex
    assert number(loss) in tex and number(loss_after) in tex


@pytest.mark.skipif(not pdf.available("en") or not shutil.which("pdfinfo"), reason="no TeX")
def test_large_document_pdf_compiles_to_a_few_pages(texts, large, tmp_path):
    out = tmp_path / "large.pdf"
    out.write_bytes(pdf.compile_pdf(texts[render.filename(large.net.name, "tex", "en")], "large"))
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    assert 1 <= pages < 10


def test_compact_document_prints_the_textbooks_order_and_activation_names():
    """A compact document's unit rules put the bias last and w before its input, as the per-unit
    documents do, and its shapes table names the activation as the prose does (ReLU)."""
    text = render.document(symbp.derive(symbp.load("digits")), "md")
    forward = re.findall(r"^z\^\{\d\}_\{\d+\} &= (.*) \\\\$", text, re.M)
    assert forward and all(re.fullmatch(r"\\sum.* \+ b\^\{\d\}_\{\d+\}", f) for f in forward)
    assert all(re.search(r"w\^\{\d\}_\{[^}]*\} (a\^\{\d\}_\{k\}|x_\{k\})", f) for f in forward)
    assert "| ReLU |" in text and "| relu |" not in text
