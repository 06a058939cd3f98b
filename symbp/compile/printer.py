"""The NumPy printer for compiled models, and the batched array operations it prints.

Array names (X, Y, W1, b1, Z1, A1, D1, m) are plain sympy Symbols holding (m, n) arrays, so
`+`, `*` and `**` print as NumPy's elementwise operations. The operations that mix samples or
units are the sympy Functions below, each printed by one `_print_<Name>` method.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from .. import activations


class ArrayOp(sp.Function):
    """An operation on whole (m, n) arrays; never evaluated, only printed.

    Printed with `@` or `/`, it binds like a product, so a product around it brackets it.
    """

    precedence = PRECEDENCE["Mul"] - 1


class RowsDotT(ArrayOp):
    """RowsDotT(A, W) = A @ W.T: row i holds sum_k W[j, k] A[i, k] in column j."""

    nargs = 2


class RowsDot(ArrayOp):
    """RowsDot(D, W) = D @ W: row i holds sum_k W[k, j] D[i, k] in column j."""

    nargs = 2


class MeanOuter(ArrayOp):
    """MeanOuter(D, A, m) = D.T @ A / m: the batch mean of D[i, j] A[i, k]."""

    nargs = 3


class ScaledOuter(ArrayOp):
    """ScaledOuter(D, A, r, m) = (-r / m * D).T @ A: -r times the batch mean of D[i, j] A[i, k]."""

    nargs = 4


class MeanRows(ArrayOp):
    """MeanRows(E, m): the batch mean of each column of E."""

    nargs = 2


class MeanTotal(ArrayOp):
    """MeanTotal(E, m): the sum over units, averaged over the batch (a scalar)."""

    nargs = 2


class RowSum(ArrayOp):
    """RowSum(E): each sample's sum over units, as an (m, 1) column."""

    nargs = 1
    precedence = PRECEDENCE["Atom"]


# What each stable helper uses: NumPy names and other helpers (all defined in
# symbp/templates/numpy/module.py.jinja2).
HELPER_USES = {
    "_exp_or_zero": ("numpy.exp", "numpy.maximum"),
    "_sigmoid": ("numpy.multiply", "numpy.tanh"),
    "_tanh": ("numpy.tanh",),
    "_relu": ("numpy.maximum",),
    "_leaky_relu": ("numpy.where",),
    "_softplus": ("numpy.maximum", "numpy.abs", "numpy.log1p", "_exp_or_zero"),
    "_softmax": ("numpy.max", "numpy.sum", "_exp_or_zero"),
    "_logsumexp": ("numpy.log", "numpy.max", "numpy.sum", "_exp_or_zero"),
}


class CodePrinter(NumPyPrinter):
    """NumPyPrinter that prints activations as the stable helpers and the batched array ops."""

    printmethod = "_symbp_numpy"
    _default_settings = {**NumPyPrinter._default_settings, "strict": True}

    def __init__(self, settings=None):
        super().__init__(settings)
        self.helpers: set[str] = set()

    def _helper(self, name: str) -> str:
        self.helpers.add(name)
        for used in HELPER_USES[name]:
            if used.startswith("numpy."):
                self._module_format(used)
            else:
                self._helper(used)
        return name

    def _print_ActivationBase(self, expr):
        entry = activations.by_class(type(expr))
        args = ", ".join(self._print(a) for a in expr.args)
        return f"{self._helper(entry.helper)}({args})"

    def _print_LogSumExp(self, expr):
        args = ", ".join(self._print(a) for a in expr.args)
        return f"{self._helper('_logsumexp')}({args})"

    def _print_Heaviside(self, expr):
        z, h0 = expr.args
        return f"{self._module_format('numpy.heaviside')}({self._print(z)}, {self._print(h0)})"

    def _as_ordered_terms(self, expr, order=None):
        terms = super()._as_ordered_terms(expr, order=order)
        return sorted(terms, key=lambda t: not isinstance(t, ArrayOp))

    def _operand(self, expr) -> str:
        return self.parenthesize(expr, 100)

    def _print_RowsDotT(self, expr):
        a, w = expr.args
        return f"{self._operand(a)} @ {self._operand(w)}.T"

    def _print_RowsDot(self, expr):
        d, w = expr.args
        return f"{self._operand(d)} @ {self._operand(w)}"

    def _print_MeanOuter(self, expr):
        d, a, m = (self._operand(e) for e in expr.args)
        return f"({d} / {m}).T @ {a}"

    def _print_ScaledOuter(self, expr):
        d, a, r, m = (self._operand(e) for e in expr.args)
        return f"((-{r} / {m}) * {d}).T @ {a}"

    def _print_MeanRows(self, expr):
        e, m = expr.args
        total = f"{self._module_format('numpy.sum')}({self._print(e)}, axis=0)"
        return f"{total} / {self._operand(m)}"

    def _print_MeanTotal(self, expr):
        e, m = expr.args
        return f"{self._module_format('numpy.sum')}({self._print(e)}) / {self._operand(m)}"

    def _print_RowSum(self, expr):
        (e,) = expr.args
        return f"{self._module_format('numpy.sum')}({self._print(e)}, axis=1, keepdims=True)"

    def import_lines(self) -> list[str]:
        """The import statements for every module name printed so far."""
        return [f"import {name}" for name in sorted(self.module_imports)]
