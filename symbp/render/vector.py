"""BP1-BP4 in vector form, as sympy matrix expressions."""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..derive import general as G
from .model import VectorForms


def _d(num, den) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


def vector_forms() -> VectorForms:
    """BP1-BP4 in vector form as sympy matrix expressions, with their LaTeX names.

    Substituting a concrete network's vectors and matrices (`symbols`, by name) gives its
    layer-by-layer equations from `d.backward` (tested).
    """
    L, l, sigma = G.L, G.l, G.sigma
    n = {s: sp.Symbol(f"n_{s}", integer=True, positive=True) for s in (L, l, l + 1, l - 1)}
    names: dict = {}

    def vec(name: str, tex_name: str, rows, cols=1) -> sp.MatrixSymbol:
        m = sp.MatrixSymbol(name, rows, cols)
        names[m] = tex_name
        return m

    sp_L, sp_l, sp_next, sp_prev = (sp.latex(s) for s in (L, l, l + 1, l - 1))
    deltaL = vec("delta^L", rf"\delta^{{{sp_L}}}", n[L])
    grad = vec("grad_a C", r"\nabla_{a} C", n[L])
    zL = vec("z^L", rf"z^{{{sp_L}}}", n[L])
    delta_l = vec("delta^l", rf"\delta^{{{sp_l}}}", n[l])
    delta_next = vec("delta^l+1", rf"\delta^{{{sp_next}}}", n[l + 1])
    w_next = vec("w^l+1", rf"w^{{{sp_next}}}", n[l + 1], n[l])
    z_l = vec("z^l", rf"z^{{{sp_l}}}", n[l])
    a_prev = vec("a^l-1", rf"a^{{{sp_prev}}}", n[l - 1])
    dC_db = vec("dC/db^l", rf"\frac{{\partial C}}{{\partial b^{{{sp_l}}}}}", n[l])
    dC_dw = vec("dC/dw^l", rf"\frac{{\partial C}}{{\partial w^{{{sp_l}}}}}", n[l], n[l - 1])
    x = sp.Dummy("x")
    dsigma = sp.Lambda(x, _d(sigma(x), x))
    dsigma_L = ElementwiseApplyFunction(dsigma, zL)
    dsigma_l = ElementwiseApplyFunction(dsigma, z_l)
    return VectorForms(
        names=names,
        symbols={**{m.name: m for m in names}, "sigma'(z^L)": dsigma_L, "sigma'(z^l)": dsigma_l},
        grad=grad,
        bp1=(deltaL, sp.HadamardProduct(grad, dsigma_L)),
        bp2=(delta_l, sp.HadamardProduct(w_next.T * delta_next, dsigma_l)),
        bp3=(dC_db, delta_l),
        bp4=(dC_dw, delta_l * a_prev.T),
    )
