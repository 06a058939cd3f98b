"""The NumPy printer for compiled models, and the batched array operations it prints.

Array names (X, Y, W1, b1, Z1, A1, D1, m) are plain sympy Symbols holding (m, n) arrays, so
`+`, `*` and `**` print as NumPy's elementwise operations. The operations that mix samples or
units are the sympy Functions below, each printed by one `_print_<Name>` method.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from .. import activations, kernels


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


class Work(sp.Symbol):
    """An array of train_step's workspace `work`, printed as work["name"]."""


class SigmoidInto(sp.Function):
    """SigmoidInto(Z, Q, A) = sigma(Z) written into A, through Q = sigma(-|Z|), which it writes
    into Q for TimesSigmoidPrime: sigma(z) = |H(z) - q|."""

    nargs = 3

    @classmethod
    def definition(cls, z, q, out=None):
        return sp.Abs(sp.Heaviside(z, 1) - q)


class TimesSigmoidPrime(sp.Function):
    """TimesSigmoidPrime(G, Q) = G sigma'(Z) as G Q (1 - Q), Q = sigma(-|Z|) from SigmoidInto,
    written into G's array (Q is overwritten)."""

    nargs = 2

    @classmethod
    def definition(cls, g, q):
        return g * q * (1 - q)


class SoftmaxMinusInto(sp.Function):
    """SoftmaxMinusInto(Z, Y, S, D) = S (softmax(Z) - Y) written into D (Z is overwritten)."""

    nargs = 4


class CodePrinter(NumPyPrinter):
    """NumPyPrinter that prints activations as the stable helpers and the batched array ops."""

    printmethod = "_symbp_numpy"
    _axis = "axis"  # the reduction keyword of the array library
    _default_settings = {**NumPyPrinter._default_settings, "strict": True}

    def __init__(self, settings=None):
        super().__init__(settings)
        self.helpers: set[Callable] = set()

    def _helper(self, kernel: Callable) -> str:
        """Record the kernel (and the modules and kernels it uses) for the module; its name."""
        self.helpers.add(kernel)
        for used in kernels.uses(kernel):
            if callable(used):
                self._helper(used)
            else:
                self._module_format(used)
        return kernel.__name__

    def _array_fn(self, name: str) -> str:
        """The array module's function `name` (numpy.sum, jax.numpy.sum), recorded for import."""
        return self._module_format(f"{self._module}.{name}")

    def _call(self, kernel, args) -> str:
        """A call of `kernel` (recorded as a helper) on the printed `args`."""
        return f"{self._helper(kernel)}({', '.join(self._print(a) for a in args)})"

    def _print_ActivationBase(self, expr):
        entry = activations.by_class(type(expr))
        if entry.kernel is None:  # defined in a spec: printed through its definition
            return f"({self._print(entry.cls.definition(*expr.args))})"
        return self._call(entry.kernel, expr.args)

    def _print_PrimeBase(self, expr):
        return self._call(activations.by_class(expr.of).prime[1], expr.args)

    def _print_SigmoidMinus(self, expr):
        return self._call(kernels._sigmoid_minus, expr.args)

    def _print_SoftmaxMinus(self, expr):
        return self._call(kernels._softmax_minus, expr.args)

    def _print_SoftmaxMinusInto(self, expr):
        return self._call(kernels._softmax_minus_into, expr.args)

    def _print_SoftmaxJvp(self, expr):
        return self._call(kernels._softmax_jvp, expr.args)

    def _print_LogSoftmax(self, expr):
        return self._call(kernels._log_softmax, expr.args)

    def _print_NormalPdf(self, expr):
        return self._call(kernels._normal_pdf, expr.args)

    def _print_NormalCdf(self, expr):
        return self._call(kernels._normal_cdf, expr.args)

    def _print_Work(self, expr):
        return f'work["{expr.name}"]'

    def _print_SigmoidInto(self, expr):
        return self._call(kernels._sigmoid_into, expr.args)

    def _print_TimesSigmoidPrime(self, expr):
        return self._call(kernels._times_sigmoid_prime, expr.args)

    def _print_Heaviside(self, expr):
        z, h0 = expr.args
        return f"{self._array_fn('heaviside')}({self._print(z)}, {self._print(h0)})"

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

    def product_into(self, expr, out: str) -> str:
        """The matrix product `expr` (RowsDotT or RowsDot) written into the array `out` (by
        the BLAS library that adds the updates, see kernels._rows_dot_t_into)."""
        kernel = kernels._rows_dot_t_into if isinstance(expr, RowsDotT) else kernels._rows_dot_into
        a, b = (self._print(e) for e in expr.args)
        return f"{self._helper(kernel)}({a}, {b}, {out})"

    def add_outer(self, w: str, d: sp.Expr, a: sp.Expr, buffer: str) -> str:
        """The call adding D.T @ A, the batch sum of D[i, j] A[i, k], to the array `w` in place
        (`buffer` holds the product where no BLAS call adds it)."""
        return (
            f"{self._helper(kernels._add_outer)}({w}, {self._print(d)}, {self._print(a)}, {buffer})"
        )

    def add_column_sums(self, b: str, d: sp.Expr, total: bool) -> str:
        """The statement adding to the array `b` the sum of each column of `d` over the batch,
        or with `total` the sum of every entry."""
        if total:
            return f"{b} += {self._array_fn('sum')}({self._print(d)})"
        return f"{self._helper(kernels._add_column_sums)}({b}, {self._print(d)})"

    def _print_MeanOuter(self, expr):
        d, a, m = (self._operand(e) for e in expr.args)
        return f"({d} / {m}).T @ {a}"

    def _print_ScaledOuter(self, expr):
        d, a, r, m = (self._operand(e) for e in expr.args)
        return f"((-{r} / {m}) * {d}).T @ {a}"

    def _print_MeanRows(self, expr):
        e, m = expr.args
        total = f"{self._array_fn('sum')}({self._print(e)}, {self._axis}=0)"
        return f"{total} / {self._operand(m)}"

    def _print_MeanTotal(self, expr):
        e, m = expr.args
        return f"{self._array_fn('sum')}({self._print(e)}) / {self._operand(m)}"

    def kernel_order(self) -> list[Callable]:
        """The recorded helpers in the order the generated module defines them."""
        return kernels.order(self.helpers)

    def import_lines(self) -> list[str]:
        """The import statements for every module name printed so far."""
        return [f"import {name}" for name in sorted(self.module_imports)]
