"""The mazur document follows Mazur's post (seeds/002) section by section: forward pass, total
error from E_o1 and E_o2, the output weights (power rule, delta_o1 as a product, their step), the
hidden weights (through the original w5-w8), the error after the step and after 10,000 steps."""

from __future__ import annotations

import pytest
import sympy as sp
from bundled import documents as bundled

import symbp
from symbp.render.documents import model
from symbp.render.env import At

# The post's numbers in the post's order (symbp's own 9-digit values; the post rounds some).
POST_ORDER = [
    "0.3775",  # net_h1
    "0.593269992",  # out_h1
    "0.596884378",  # out_h2
    "1.10590597",  # net_o1
    "0.75136507",  # out_o1
    "0.772928465",  # out_o2
    "E_{o1}",
    "0.274811083",  # E_o1
    "E_{o2}",
    "0.0235600256",  # E_o2
    "0.298371109",  # E_total
    r"2 - 1",  # the power rule in dE_total/dout_o1
    "0.74136507",  # dE_total/dout_o1
    "0.186815602",  # dout_o1/dnet_o1
    "0.0821670406",  # dE_total/dw5
    r"0.74136507 \cdot 0.186815602",  # delta_o1 as a product
    "0.138498562",  # delta_o1
    "0.35891648",  # w5+
    "0.561370121",  # w8+
    "w_{5}$ to $w_{8}",  # the hidden layer uses the original w5-w8
    "0.0363503064",  # dE_total/dout_h1
    "0.241300709",  # dout_h1/dnet_h1
    "0.000438567734",  # dE_total/dw1
    "0.149780716",  # w1+
    "0.299502287",  # w4+
    "0.291027774",  # E_total after the step
    r"3.51018778 \times 10^{-5}",  # after 10,000 steps
    "0.0159136204",
    "0.984064274",
]


def _positions(text: str, needles: list[str]) -> list[int]:
    out, at = [], 0
    for n in needles:
        at = text.find(n, at)
        assert at >= 0, f"{n!r} missing after position {out[-1] if out else 0}"
        out.append(at)
    return out


@pytest.fixture(scope="module")
def mazur():
    return symbp.derive(symbp.load("mazur"))


@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_mazur_document_has_the_posts_numbers_in_the_posts_order(fmt):
    _positions(bundled()[f"mazur.{fmt}"], POST_ORDER)


def test_mazur_chain_rule_comes_after_the_worked_forward_pass():
    text = bundled()["mazur.md"]
    assert text.index("## Worked example") < text.index(r"\partial w_{5}} = \frac")


def test_power_rule_step_equals_sympys_derivative(mazur):
    doc = model(mazur, "en")
    out_o1 = mazur.layers[-1].a[0]
    first = next(c for c in doc.chains if c.per_output).factors[0]
    sum_of_terms, power_rule, derived = first.parts[:3]
    assert isinstance(sum_of_terms, At) and isinstance(power_rule, At)
    assert sp.simplify(power_rule.expr.doit() - derived) == 0
    assert derived == out_o1 - mazur.targets[0]
    zero = sp.Add.make_args(power_rule.expr)[-1]
    assert zero == 0  # E_o2 does not depend on out_o1


def test_output_error_is_shown_as_the_product_of_its_two_factors(mazur):
    doc = model(mazur, "en")
    output = doc.worked.backward[0]
    assert output.output and output.products
    line = output.deltas[0]
    assert line.parts[1].values and line.parts[-1] == pytest.approx(0.138498562, abs=5e-10)
