"""How the one printer writes updated parameters, brackets and logarithms, in every document."""

from __future__ import annotations

import sympy as sp

from symbp.render.printer import Updated, tex


def test_updated_mazur_weight_is_w5_plus():
    w5 = sp.Symbol("w5")
    assert tex(Updated(w5), {w5: "w_{5}"}) == "w_{5}^{+}"


def test_updated_parameter_with_a_layer_superscript_is_bracketed():
    b = sp.Symbol("b^1_1")
    assert tex(Updated(b), {b: "b^{1}_{1}"}) == "(b^{1}_{1})^{+}"
