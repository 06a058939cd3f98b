"""The one LaTeX printer: sympy's LatexPrinter with symbp's names and conventions.

Activations print by their registry name (sigma, tanh, ReLU), sigma'(z) for the derivative of an
undefined sigma, Nielsen's indices for indexed quantities (a^l_j, w^l_{jk}), the Hadamard
product as an odot, and partial derivatives as fractions. With `symbol_values`, symbols print as
the given numbers, which shows an expression instantiated with the worked example's values.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .. import activations


class Updated(sp.Function):
    """A parameter after one gradient step, printed with a superscript plus."""

    nargs = 1


class Sample(sp.Function):
    """A per-sample quantity at sample i of a batch, printed with a superscript (i)."""

    nargs = 2


class BatchMean(sp.Function):
    """BatchMean(body, i, m): (1/m) sum_{i=1}^m body, the mean of a per-sample quantity."""

    nargs = 3


class SymbpLatexPrinter(LatexPrinter):
    """LatexPrinter with symbp's notation table and printing rules."""

    # compact: sums by their index alone, one-character subscripts bare (\sum_j y_j = 1), as the
    # identities a derivation uses are stated for every width.
    # cases: the words of a piecewise definition, from the document's prose table (prose/*.jinja2)
    _default_settings = {
        **LatexPrinter._default_settings,
        "symbol_values": {},
        "compact": False,
        "cases": ("for", "otherwise"),
    }

    _bare = None  # a symbol whose negative value needs no brackets where it is printed next

    def doprint(self, expr):
        self._bare = expr
        return super().doprint(expr)

    def _print_Symbol(self, expr, style="plain"):
        value = self._settings["symbol_values"].get(expr)
        if value is not None:
            bare, self._bare = self._bare is expr, None
            return rf"\left({value}\right)" if value.startswith("-") and not bare else value
        return super()._print_Symbol(expr, style)

    def _as_ordered_terms(self, expr, order=None):
        """sympy's term order (or the given one), then positive terms first: target - out."""
        terms = super()._as_ordered_terms(expr, order=order)
        positive = [t for t in terms if not t.could_extract_minus_sign()]
        if not positive:
            return terms
        return positive + [t for t in terms if t.could_extract_minus_sign()]

    def _print_Add(self, expr, order=None):
        first = self._as_ordered_terms(expr, order=order)[0]
        if self._bare is expr:
            self._bare = first
        return super()._print_Add(expr, order)

    def _print_ActivationBase(self, expr, exp=None):
        entry = activations.by_class(type(expr))
        subscripts, args = entry.split_args(expr.args)
        name = entry.latex
        if subscripts:
            name = rf"{name}_{{{', '.join(self._print(s) for s in subscripts)}}}"
        inner = ", ".join(self._print(a) for a in args)
        head = name if exp is None else rf"{name}^{{{exp}}}"
        return rf"{head}\left({inner}\right)"

    def _print_AppliedUndef(self, expr, exp=None):
        head = self._print(expr.func) if exp is None else rf"{self._print(expr.func)}^{{{exp}}}"
        return rf"{head}\left({', '.join(self._print(a) for a in expr.args)}\right)"

    def _print_NormalCdf(self, expr, exp=None):
        head = r"\Phi" if exp is None else rf"\Phi^{{{exp}}}"
        return rf"{head}\left({self._print(expr.args[0])}\right)"

    def _print_NormalPdf(self, expr, exp=None):
        head = r"\varphi" if exp is None else rf"\varphi^{{{exp}}}"
        return rf"{head}\left({self._print(expr.args[0])}\right)"

    def _print_Heaviside(self, expr, exp=None):
        head = "H" if exp is None else rf"H^{{{exp}}}"
        return rf"{head}\left({self._print(expr.args[0])}\right)"

    def _subscript(self, expr) -> str:
        text = self._print(expr)
        return text if self._settings["compact"] and len(text) == 1 else f"{{{text}}}"

    def _print_Piecewise(self, expr):
        when, otherwise = self._settings["cases"]
        rows = []
        for e, c in expr.args:
            cond = (
                rf"\text{{{otherwise}}}" if c == sp.true else rf"\text{{{when}}}\: {self._print(c)}"
            )
            rows.append(f"{self._print(e)} & {cond}")
        return r"\begin{cases} %s \end{cases}" % r" \\".join(rows)

    def _print_Sum(self, expr):
        if not self._settings["compact"] or len(expr.limits) != 1:
            return super()._print_Sum(expr)
        body = self.parenthesize(expr.function, PRECEDENCE["Mul"])
        return rf"\sum_{self._subscript(expr.limits[0][0])} {body}"

    def _print_Indexed(self, expr):
        label = self._print(expr.base.label)
        idx = expr.indices
        if len(idx) == 1:
            return rf"{label}_{self._subscript(idx[0])}"
        lower = idx[1:]
        sep = "" if all(isinstance(i, sp.Symbol) for i in lower) else ","
        return rf"{label}^{{{self._print(idx[0])}}}_{{{sep.join(self._print(i) for i in lower)}}}"

    def _print_Derivative(self, expr):
        (var, count), *rest = expr.variable_count
        inner = expr.expr
        if not rest and count == 1 and isinstance(inner, sp.core.function.AppliedUndef):
            if inner.args == (var,):
                return rf"{self._print(inner.func)}'\left({self._print(var)}\right)"
        if not rest and count == 1 and (inner.is_Symbol or inner.is_Indexed):
            return rf"\frac{{\partial {self._print(inner)}}}{{\partial {self._print(var)}}}"
        return super()._print_Derivative(expr)

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr):
        x = sp.Dummy("x")
        body = expr.function(x)
        if isinstance(body, sp.Derivative) and body.variables == (x,):
            name = rf"{self._print(body.expr.func)}'"
        else:
            name = self._print(expr.function.expr.func)
        return rf"{name}\left({self._print(expr.expr)}\right)"

    def _print_Transpose(self, expr):
        arg = expr.arg
        letter = getattr(arg, "name", "") if arg not in self._settings["symbol_names"] else ""
        if len(letter) == 1:  # W^T; a superscripted or compound argument keeps its brackets
            return rf"{self._print(arg)}^{{T}}"
        return rf"\left({self._print(arg)}\right)^{{T}}"

    def _print_Sample(self, expr, exp=None):
        quantity, i = (self._print(a) for a in expr.args)
        head = rf"{{{quantity}}}^{{({i})}}"
        return head if exp is None else rf"\left({head}\right)^{{{exp}}}"

    def _print_BatchMean(self, expr, exp=None):
        from sympy.printing.precedence import PRECEDENCE

        body, i, m = expr.args
        m = self._print(m)
        inner = self.parenthesize(body, PRECEDENCE["Mul"], strict=True)
        return rf"\frac{{1}}{{{m}}} \sum_{{{self._print(i)}=1}}^{{{m}}} {inner}"

    def _print_Updated(self, expr, exp=None):
        return rf"{{{self._print(expr.args[0])}}}^{{+}}"


def number(value: float) -> str:
    """A number to 9 significant digits; a power of ten only where %g would use an exponent."""
    v = float(value)
    if v == 0:
        return "0"
    text = f"{v:.9g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def tex(
    expr,
    names: dict | None = None,
    values: dict | None = None,
    **settings,
) -> str:
    """LaTeX for `expr`, with `names` (Symbol -> LaTeX) and optional `values` (Symbol -> str)."""
    settings.setdefault("mul_symbol", "dot" if values else None)
    printer = SymbpLatexPrinter(
        {"symbol_names": dict(names or {}), "symbol_values": dict(values or {}), **settings}
    )
    return printer.doprint(expr)


__all__ = ["BatchMean", "Sample", "SymbpLatexPrinter", "Updated", "number", "tex"]
