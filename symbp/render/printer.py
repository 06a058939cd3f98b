"""The one LaTeX printer: sympy's LatexPrinter with symbp's names and conventions.

Activations print by their registry name (sigma, tanh, ReLU), sigma'(z) for the derivative of an
undefined sigma, Nielsen's indices for indexed quantities (a^l_j, w^l_{jk}), the Hadamard
product as an odot, and partial derivatives as fractions. With `symbol_values`, symbols print as
the given numbers, which shows an expression instantiated with the worked example's values.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from mpmath.libmp import prec_to_dps
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .. import activations
from ..derive import general as G
from .forms import BatchMean, Sample, Updated
from .roles import complement, ordered_terms, rank

_UNIT_FAMILIES = ("x", "z", "a", "delta", "y")


_TALL = (r"\frac", r"\sum", r"\prod", r"\int", r"\begin", r"\left")


def bracket(text: str) -> str:
    """(text), with \\left( \\right) only around something tall (a fraction, a sum, a matrix)."""
    return rf"\left({text}\right)" if any(t in text for t in _TALL) else f"({text})"


class SymbpLatexPrinter(LatexPrinter):
    """LatexPrinter with symbp's notation table and printing rules."""

    # compact: sums by their index alone, one-character subscripts bare (\sum_j y_j = 1), as the
    # identities a derivation uses are stated for every width.
    # notation: a notation.Preset naming the general forms' indexed quantities (None: Nielsen's).
    # roles: Symbol or IndexedBase -> Role, which orders the factors of products and the terms
    # of sums as the textbooks do; ln_notation: the contract's ln, in every document.
    # cases: the words of a piecewise definition, from the document's prose table (prose/*.jinja2)
    # function_space: what follows ln before its bare argument (MathML converters space none)
    _default_settings = {
        **LatexPrinter._default_settings,
        "symbol_values": {},
        "compact": False,
        "notation": None,
        "roles": {},
        "ln_notation": True,
        "cases": ("for", "otherwise"),
        "function_space": "",
    }

    _bare = None  # a symbol whose negative value needs no brackets where it is printed next

    def doprint(self, expr):
        self._bare = expr
        return super().doprint(expr)

    def _print_Symbol(self, expr, style="plain"):
        value = self._settings["symbol_values"].get(expr)
        if value is not None:
            bare, self._bare = self._bare is expr, None
            return f"({value})" if value.startswith("-") and not bare else value
        return super()._print_Symbol(expr, style)

    def _print_Float(self, expr):
        """Its own significant digits; a power of ten where %g writes one, 4.5 \\times 10^{-5}."""
        digits = prec_to_dps(expr._prec)
        text = mpmath.nstr(expr._to_mpmath(expr._prec), digits, min_fixed=-5, max_fixed=digits)
        mantissa, _, exponent = text.partition("e")
        mantissa = mantissa.removesuffix(".0")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa

    def _add_parens(self, s) -> str:
        return bracket(s)

    def _add_parens_lspace(self, s) -> str:
        return bracket(s)

    def _as_ordered_terms(self, expr, order=None):
        """sympy's term order (or the given one), then positive terms first (target - out) and
        the bias last; a given order "none" is kept."""
        if self._kept(expr):
            return list(expr.args)
        if (order or self.order) == "none":
            order = None
        terms = [complement(t) for t in super()._as_ordered_terms(expr, order=order)]
        return ordered_terms(terms, self._settings["roles"])

    def _kept(self, expr) -> bool:
        """Under order "none", a sum or product built unevaluated (a chain rule's factors) keeps
        its order; everything sympy made inside it is ordered as usual."""
        return self.order == "none" and expr.func(*expr.args).args != expr.args

    def _print_Mul(self, expr):
        """The factors in the textbooks' order (by role), each bracketed only where needed, a
        rational coefficient in front (1/2 (y - a)^2); a product with a fraction as one fraction
        of two such products."""
        if self._kept(expr):
            return self._join(list(expr.args))
        coeff, factors = expr.as_coeff_mul()
        if any(f.is_Pow and f.exp.is_negative for f in factors):
            return self._fraction(expr)
        roles = self._settings["roles"]
        if roles:
            factors = sorted(factors, key=lambda f: rank(f, factors, roles))
        elif self.order != "none":
            factors = sorted(factors, key=lambda f: f.sort_key())
        sign = "- " if coeff.is_negative else ""
        magnitude = abs(coeff)
        return sign + self._join(([magnitude] if magnitude != 1 else []) + list(factors))

    def _fraction(self, expr) -> str:
        """sympy's \\frac{numerator}{denominator}, each printed as a product of its own."""
        sign = ""
        if expr.could_extract_minus_sign():
            expr, sign = -expr, "- "
        numer, denom = sp.fraction(expr, exact=True)
        return rf"{sign}\frac{{{self._print(numer)}}}{{{self._print(denom)}}}"

    def _join(self, factors: list) -> str:
        """Factors in the given order, bracketed where sympy would, a dot between two numbers."""
        out = ""
        for i, f in enumerate(factors):
            text = self._print(f)
            if self._needs_mul_brackets(f, first=i == 0, last=i == len(factors) - 1):
                text = bracket(text)
            if i:
                sep = self._settings["mul_symbol_latex"]
                numbers = (f.is_Number and factors[i - 1].is_Number) or (
                    out[-1].isdigit() and (text[0].isdigit() or text.startswith("-"))
                )  # 2 \cdot \frac{1}{2}, never the mixed number 2 1/2
                out += r" \cdot " if sep == " " and numbers else sep
            out += text
        return out

    def _print_log(self, expr, exp=None):
        arg = expr.args[0]
        inner = self._print(arg)
        head = r"\ln" if exp is None else rf"\ln^{{{exp}}}"
        if arg.is_Symbol or arg.is_Indexed:
            return rf"{head}{self._settings['function_space']} {inner}"
        return head + bracket(inner)

    def _print_Add(self, expr, order=None):
        """sympy's sum of the ordered terms; a sum of negative terms as the negative of one sum,
        - (y ln a + (1 - y) ln(1 - a))."""
        terms = self._as_ordered_terms(expr, order=order)
        if len(terms) > 1 and all(t.could_extract_minus_sign() for t in terms):
            if self._bare is expr:
                self._bare = -expr
            return "- " + bracket(self._print(-expr))
        if self._bare is expr:
            self._bare = terms[0]
        return super()._print_Add(expr, order)

    def _print_ActivationBase(self, expr, exp=None):
        entry = activations.by_class(type(expr))
        subscripts, args = entry.split_args(expr.args)
        name = entry.latex
        if subscripts:
            name = rf"{name}_{{{', '.join(self._print(s) for s in subscripts)}}}"
        inner = ", ".join(self._print(a) for a in args)
        head = name if exp is None else rf"{name}^{{{exp}}}"
        return head + bracket(inner)

    def _print_AppliedUndef(self, expr, exp=None):
        head = self._print(expr.func) if exp is None else rf"{self._print(expr.func)}^{{{exp}}}"
        return head + bracket(", ".join(self._print(a) for a in expr.args))

    def _print_NormalCdf(self, expr, exp=None):
        head = r"\Phi" if exp is None else rf"\Phi^{{{exp}}}"
        return head + bracket(self._print(expr.args[0]))

    def _print_NormalPdf(self, expr, exp=None):
        head = r"\varphi" if exp is None else rf"\varphi^{{{exp}}}"
        return head + bracket(self._print(expr.args[0]))

    def _print_Heaviside(self, expr, exp=None):
        head = "H" if exp is None else rf"H^{{{exp}}}"
        return head + bracket(self._print(expr.args[0]))

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
        """sympy's sum with a sum inside in plain brackets; the sum of negative terms as the
        negative of a sum, - \\sum_k (y_k ln a_k + ...); by its index alone when compact."""
        body = expr.function
        if all(t.could_extract_minus_sign() for t in sp.Add.make_args(body)):
            return "- " + self._print(sp.Sum(-body, *expr.limits))
        if len(expr.limits) != 1:
            return super()._print_Sum(expr)
        if self._settings["compact"]:
            body = self.parenthesize(body, PRECEDENCE["Mul"])
            return rf"\sum_{self._subscript(expr.limits[0][0])} {body}"
        i, low, high = (self._print(e) for e in expr.limits[0])
        inner = bracket(self._print(body)) if body.is_Add else self._print(body)
        return rf"\sum_{{{i}={low}}}^{{{high}}} {inner}"

    def _layer(self, e, unit: bool):
        """A general form's layer index in the notation: UFLDL numbers units from 1 (the input),
        so with l renamed to l - 1 a unit's layer stays l and a weight's becomes l - 1."""
        shift = self._settings["notation"].shift
        return e.xreplace({G.l: G.l - shift, G.L: G.L - shift}) + (shift if unit else 0)

    def _print_Indexed(self, expr):
        preset = self._settings["notation"]
        label = str(expr.base.label)
        idx = expr.indices
        if preset is None:
            label = self._print(expr.base.label)
        elif len(idx) == 1:
            if label == "n":
                idx = (self._layer(idx[0], True),)
            label = preset.whole.get(label, label)
        else:
            return self._preset_indexed(preset, label, idx)
        if len(idx) == 1:
            return rf"{label}_{self._subscript(idx[0])}"
        lower = [self._print(i) for i in idx[1:]]
        return rf"{label}^{{{self._print(idx[0])}}}_{{{_joined(lower)}}}"

    def _preset_indexed(self, preset, label: str, idx) -> str:
        """a[l, j], w[l, j, k], ... through the notation's LaTeX table (W^{[l]}_{jk}, W1_{kj})."""
        layer = self._print(self._layer(idx[0], label in _UNIT_FAMILIES))
        lower = [self._print(i) for i in idx[1:]]
        fields = {"l": layer, "j": lower[0], "k": lower[-1]}
        fields.update(jk=_joined(lower), kj=_joined(lower[::-1]))
        if label == "a" and idx[0] == G.L and "output" in preset.spell:
            label = "output"  # DLfS's y: the output layer's activations have their own name
        return preset.spell[label][1].format(**fields)

    def _print_UndefinedFunction(self, expr):
        preset = self._settings["notation"]
        if preset is not None and str(expr) == "sigma" and preset.functions:
            return preset.functions[0]
        return super()._print_UndefinedFunction(expr)

    def _print_Derivative(self, expr):
        (var, count), *rest = expr.variable_count
        inner = expr.expr
        if not rest and count == 1 and isinstance(inner, sp.core.function.AppliedUndef):
            if inner.args == (var,):
                return rf"{self._print(inner.func)}'" + bracket(self._print(var))
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
        return name + bracket(self._print(expr.expr))

    def _print_Transpose(self, expr):
        arg = expr.arg
        letter = getattr(arg, "name", "") if arg not in self._settings["symbol_names"] else ""
        if len(letter) == 1:  # W^T; a superscripted or compound argument keeps its brackets
            return rf"{self._print(arg)}^{{T}}"
        return rf"{bracket(self._print(arg))}^{{T}}"

    def _print_Sample(self, expr, exp=None):
        quantity, i = (self._print(a) for a in expr.args)
        head = rf"{{{quantity}}}^{{({i})}}"
        return head if exp is None else rf"{bracket(head)}^{{{exp}}}"

    def _print_BatchMean(self, expr, exp=None):
        body, i, m = expr.args
        m = self._print(m)
        inner = self.parenthesize(body, PRECEDENCE["Mul"], strict=True)
        return rf"\frac{{1}}{{{m}}} \sum_{{{self._print(i)}=1}}^{{{m}}} {inner}"

    def _print_Updated(self, expr, exp=None):
        """Mazur's w5+: w_{5}^{+}; a symbol that has a superscript of its own is bracketed first,
        (b^{1}_{1})^{+}, as sympy's parenthesize_super does for powers, so the plus cannot be
        read as part of the layer index."""
        base = self._print(expr.args[0])
        return rf"({base})^{{+}}" if "^" in base else rf"{base}^{{+}}"


def _joined(indices: list[str]) -> str:
    """Lower indices side by side (jk, 11), with commas where one is longer (k,24; l+1,j)."""
    return "".join(indices) if all(len(i) == 1 for i in indices) else ",".join(indices)


def label(symbol: sp.Symbol) -> str:
    """A plain-text name with Unicode sub- and superscripts (a¹₁, w²₁₁, outₕ₁, w₅), by sympy's
    pretty printer, for renderers without math (a mermaid diagram); the claim spelling where
    Unicode has no such form."""
    text = sp.pretty(sp.Symbol(symbol.name.replace("{", "").replace("}", "")), use_unicode=True)
    return symbol.name if "_" in text else text


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


__all__ = [
    "BatchMean",
    "Sample",
    "SymbpLatexPrinter",
    "Updated",
    "bracket",
    "label",
    "number",
    "tex",
]
