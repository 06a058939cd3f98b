"""A network without a hidden layer (logistic regression, seeds/001) shows no BP2, whose error of
a layer from the next has nothing to apply to; and ln keeps its space from a bare argument on the
web page, where latex2mathml writes none."""

from __future__ import annotations

import re

import pytest

import symbp
from symbp import render


@pytest.fixture(scope="module")
def logistic():
    return symbp.derive(symbp.load("logistic"))


@pytest.mark.parametrize("fmt", ["tex", "md"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_bp2_is_displayed_without_a_hidden_layer(logistic, fmt, lang):
    text = render.document(logistic, fmt, lang=lang)
    assert r"\text{(BP2)}" not in text
    assert r"\text{(BP1)}" in text and r"\text{(BP4)}" in text
    assert ("no hidden layer" if lang == "en" else "没有隐藏层") in text


def test_bp2_is_displayed_with_a_hidden_layer():
    text = render.document(symbp.derive(symbp.load("xor")), "md")
    assert r"\text{(BP2)}" in text and "no hidden layer" not in text


def test_ln_of_a_bare_symbol_is_spaced_on_the_web_page(logistic):
    pytest.importorskip("latex2mathml")
    page = render.document(logistic, "html")
    lns = re.findall(r"<mi>ln</mi>(<[a-z]+)", page)
    assert lns, "the cross-entropy's ln is on the page"
    # a bare argument follows a thin space; a bracketed one its bracket
    assert set(lns) <= {"<mspace", "<mo"} and "<mspace" in lns
