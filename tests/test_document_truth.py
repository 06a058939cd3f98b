"""Every equation a document shows for the output error holds for that network: instantiated at
each output unit, it equals the concrete BP1 (which `check` proves against direct
differentiation), and a form that does not apply (elementwise BP1 for softmax) is not shown."""

from __future__ import annotations

import pytest
import sympy as sp

import symbp
from symbp import render
from symbp.derive import general as G
from symbp.render.documents import model
from symbp.render.printer import tex

BUNDLED = ["mazur", "xor", "logistic", "deep_logistic", "softmax"]


def _at_unit(d, expr: sp.Expr, jj: int) -> sp.Expr:
    """A general-notation output expression at output unit jj of `d`, in d's own symbols."""
    out, L = d.layers[-1], sp.Integer(len(d.layers))
    table = {G.n[G.L]: len(out.z), G.L: L, G.j: jj + 1}
    expr = expr.xreplace(table).doit()
    units = {}
    for i, (zi, ai, yi) in enumerate(zip(out.z, out.a, d.targets), start=1):
        units.update({G.z[L, i]: zi, G.a[L, i]: ai, G.y[i]: yi})
    return expr.xreplace(units)


def _holds(d, shown: sp.Expr, jj: int) -> bool:
    want = d.backward[-1].delta[jj]
    diff = d.expand(_at_unit(d, shown, jj) - want).xreplace(d.identity_substitution())
    return sp.simplify(diff.rewrite(sp.exp)) == 0


@pytest.mark.parametrize("name", BUNDLED)
def test_every_shown_output_error_holds_for_the_network(name):
    d = symbp.derive(symbp.load(name))
    doc = model(d, "en")
    shown = []
    if doc.output_rule is not None:
        shown += [doc.output_rule.rhs, *doc.output_rule.steps]
    if doc.output_delta is not None:
        shown.append(doc.output_delta.rhs)
    assert shown or doc.elementwise_output
    for expr in shown:
        assert all(_holds(d, expr, jj) for jj in range(len(d.layers[-1].z))), expr


def test_softmax_document_shows_no_elementwise_bp1():
    d = symbp.derive(symbp.load("softmax"))
    text = render.document(d, "tex")
    names = model(d, "en").vector.names
    assert tex(d.general.bp1_loss.rhs) not in text
    assert tex(d.general.bp1.rhs) not in text
    assert tex(model(d, "en").vector.bp1[1], names) not in text
    assert "a^{L}_{j} - y_{j}" in text


def test_softmax_jacobian_entry_shown_is_the_networks_jacobian_at_every_unit():
    d = symbp.derive(symbp.load("softmax"))
    (back,) = [b for b in model(d, "en").backward if b.jacobian_matrix is not None]
    (entry,) = back.jacobian
    out, L = d.layers[-1], sp.Integer(len(d.layers))
    units = {G.a[L, i]: a for i, a in enumerate(out.a, start=1)}
    for i in range(len(out.a)):
        for j in range(len(out.a)):
            shown = entry.parts[0].xreplace({G.i: i + 1, G.j: j + 1}).doit().xreplace(units)
            assert sp.expand(shown - d.backward[-1].jacobian[i, j]) == 0


def test_softmax_worked_jacobian_is_torch_autograds_at_each_sample():
    torch = pytest.importorskip("torch")
    d = symbp.derive(symbp.load("softmax"))
    worked = model(d, "en").worked
    (layer,) = [b for b in worked.backward if b.jacobians]
    z = d.evaluate().forward[f"z{len(d.layers)}"]  # (samples, units)
    for sample, line in zip(torch.tensor(z, dtype=torch.float64), layer.jacobians):
        want = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), sample)
        rows = [[float(x) for x in row] for row in line.parts[0].tolist()]
        got = torch.tensor(rows, dtype=torch.float64)
        assert torch.allclose(got, want, rtol=1e-8, atol=1e-12)  # 9 significant digits
