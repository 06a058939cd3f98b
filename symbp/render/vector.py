"""BP1-BP4 in vector form, as sympy matrix expressions."""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..derive import general as G
from ..notation import PRESETS, Preset
from .model import VectorForms


def _d(num, den) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


def vector_forms(notation: Preset | None = None) -> VectorForms:
    """BP1-BP4 in vector form as sympy matrix expressions, with their LaTeX names in `notation`
    (default Nielsen's).

    Substituting a concrete network's vectors and matrices (`symbols`, by name) gives its
    layer-by-layer equations from `d.backward` (tested).
    """
    L, l, sigma = G.L, G.l, G.sigma
    preset = notation or PRESETS["nielsen"]
    n = {s: sp.Symbol(f"n_{s}", integer=True, positive=True) for s in (L, l, l + 1, l - 1)}
    names: dict = {}

    def vec(name: str, tex_name: str, rows, cols=1) -> sp.MatrixSymbol:
        m = sp.MatrixSymbol(name, *((cols, rows) if preset.rows else (rows, cols)))
        names[m] = tex_name
        return m

    def whole(family: str, layer) -> str:
        """A family's whole-layer LaTeX; UFLDL's weights and biases count one layer less."""
        shift = 0 if family in ("a", "z", "delta") else preset.shift
        return preset.whole[family].format(l=sp.latex(layer - shift))

    cost = preset.cost_tex
    deltaL = vec("delta^L", whole("delta", L), n[L])
    grad = vec("grad_a C", rf"\nabla_{{{preset.whole.get('output', 'a')}}} {cost}", n[L])
    zL = vec("z^L", whole("z", L), n[L])
    delta_l = vec("delta^l", whole("delta", l), n[l])
    delta_next = vec("delta^l+1", whole("delta", l + 1), n[l + 1])
    w_next = vec("w^l+1", whole("w", l + 1), n[l + 1], n[l])
    z_l = vec("z^l", whole("z", l), n[l])
    a_prev = vec("a^l-1", whole("a", l - 1), n[l - 1])
    dC_db = vec("dC/db^l", rf"\frac{{\partial {cost}}}{{\partial {whole('b', l)}}}", n[l])
    dC_dw = vec("dC/dw^l", rf"\frac{{\partial {cost}}}{{\partial {whole('w', l)}}}", n[l], n[l - 1])
    x = sp.Dummy("x")
    dsigma = sp.Lambda(x, _d(sigma(x), x))
    dsigma_L = ElementwiseApplyFunction(dsigma, zL)
    dsigma_l = ElementwiseApplyFunction(dsigma, z_l)
    if preset.rows:  # DLfS: a sample is a row and W is in x out, so x.W; every shape transposed
        back, grad_w = delta_next * w_next.T, a_prev.T * delta_l
    else:
        back, grad_w = w_next.T * delta_next, delta_l * a_prev.T
    return VectorForms(
        names=names,
        symbols={**{m.name: m for m in names}, "sigma'(z^L)": dsigma_L, "sigma'(z^l)": dsigma_l},
        grad=grad,
        bp1=(deltaL, sp.HadamardProduct(grad, dsigma_L)),
        bp2=(delta_l, sp.HadamardProduct(back, dsigma_l)),
        bp3=(dC_db, delta_l),
        bp4=(dC_dw, grad_w),
    )
