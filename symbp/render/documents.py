"""One function per document: the data model a template receives, and the rendered text.

Everything mathematical here is a sympy expression taken from the derivation (or a matrix
expression whose rows are the derivation's layer equations); the templates print it through the
`tex` filter and hold all prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .. import activations
from ..derive import Derivation
from ..derive import general as G
from ..derive.example import evaluate_exprs
from ..errors import SymbpError
from .env import At, environment, number
from .printer import Updated

LANGS = ("en", "zh")
FORMATS = ("tex", "md")


@dataclass
class Line:
    """lhs = parts[0] = parts[1] = ...; each part an expression, an `At`, or a number."""

    lhs: object
    parts: list = field(default_factory=list)


def _d(num, den) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


def vector_forms() -> dict:
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
    return {
        "names": names,
        "symbols": {
            **{m.name: m for m in names},
            "sigma'(z^L)": dsigma_L,
            "sigma'(z^l)": dsigma_l,
        },
        "grad": grad,
        "bp1": (deltaL, sp.HadamardProduct(grad, dsigma_L)),
        "bp2": (delta_l, sp.HadamardProduct(w_next.T * delta_next, dsigma_l)),
        "bp3": (dC_db, delta_l),
        "bp4": (dC_dw, delta_l * a_prev.T),
    }


def _values(d: Derivation, worked, sample: int) -> dict:
    """Symbol -> its value in the worked example as a 9-digit string, for one sample."""
    out = {}
    for s, v in worked.values.items():
        arr = np.asarray(v, dtype=float)
        out[s] = number(arr.reshape(-1)[sample] if arr.ndim else arr)
    out[sp.Symbol("eta")] = number(worked.learning_rate)
    return out


def _per_output_cost(d: Derivation) -> list[sp.Expr]:
    """The cost's terms grouped by output unit (E_o1, E_o2 for Mazur)."""
    terms = sp.Add.make_args(d.cost)
    return [sp.Add(*[t for t in terms if t.has(a)]) for a in d.layers[-1].a]


def _activation_steps(entry: activations.Activation, alpha: sp.Expr | None) -> dict:
    """f(z) = definition, then d/dz f from sympy's derivative of the definition to fdiff's form
    (with the layer's own slope for leaky ReLU); the proof is `prove_derivative`'s."""
    proof = activations.prove_derivative(entry)
    if entry.elementwise:
        z = sp.Symbol("z", real=True)
        args = [z] if alpha is None else [z, alpha]
        f = entry.apply(*args)
        direct = sp.diff(entry.cls.definition(*args), z)
        textbook = sp.diff(f, z)
        mid = activations.defined(textbook)
        steps = [direct]
        if mid not in (direct, textbook):
            steps.append(mid)
        steps.append(textbook)
        lines = [Line(_d(f, z), steps)]
        return {
            "name": entry.name,
            "proof": proof,
            "definition": Line(f, [entry.cls.definition(*args)]),
            "lines": lines,
            "elementwise": True,
            "heaviside": textbook.has(sp.Heaviside),
        }
    zs = sp.symbols("z_1:4", real=True)
    s1 = entry.cls(sp.Integer(1), *zs)
    lines = [
        Line(_d(s1, zi), [sp.diff(entry.cls.definition(1, *zs), zi), sp.diff(s1, zi)])
        for zi in zs[:2]
    ]
    return {
        "name": entry.name,
        "proof": proof,
        "definition": Line(s1, [entry.cls.definition(1, *zs)]),
        "lines": lines,
        "elementwise": False,
        "heaviside": False,
    }


def _layer_back(d: Derivation, pos: int) -> dict:
    lf, lb = d.layers[pos], d.backward[pos]
    C = d.cost_symbol
    n = len(lf.z)
    if lf.activation.elementwise:
        jac = [Line(_d(lf.a[j], lf.z[j]), [lb.jacobian[j, j]]) for j in range(n)]
        jac_matrix = None
    else:
        jac = []
        jac_matrix = Line(sp.Matrix(n, n, lambda i, j: _d(lf.a[i], lf.z[j])), [lb.jacobian])
    dC_da = [Line(_d(C, a), [e]) for a, e in zip(lf.a, lb.dC_da)]
    deltas = []
    for ds, raw, simple in zip(d.delta_symbols[pos], lb.delta_raw, lb.delta):
        deltas.append(Line(ds, [raw] if raw == simple else [raw, simple]))
    grads_w = [
        Line(_d(C, w), [lb.grad_w[j][k]])
        for j, row in enumerate(lf.weights)
        for k, w in enumerate(row)
    ]
    grads_b = [Line(_d(C, b), [g]) for b, g in zip(lf.biases, lb.grad_b)]
    return {
        "index": lf.index,
        "output": pos == len(d.layers) - 1,
        "activation": lf.activation,
        "jacobian": jac,
        "jacobian_matrix": jac_matrix,
        "dC_da": dC_da,
        "deltas": deltas,
        "identities": lb.identities,
        "grads_w": grads_w,
        "grads_b": grads_b,
        "bias_mode": lf.bias_mode,
    }


def _eval(d: Derivation, worked, expr: sp.Expr) -> np.ndarray:
    """The value of a derived expression on every sample of the worked example."""
    return evaluate_exprs([expr], worked.values, worked_samples(worked))[0]


def worked_samples(worked) -> int:
    return max(np.asarray(v).size for v in worked.values.values())


def _instantiated(d: Derivation, worked, expr: sp.Expr, values: dict) -> list:
    """expr at the example's numbers; for a sum of products, each term's number; the value."""
    parts: list = [At(expr, values)]
    terms = sp.Add.make_args(expr)
    if len(terms) > 1 and not all(t.is_Atom or (-t).is_Atom for t in terms):
        syms = [sp.Symbol(f"_t{i:04d}") for i in range(len(terms))]
        nums = {s: number(_eval(d, worked, t)[0]) for s, t in zip(syms, terms)}
        parts.append(At(sp.Add(*syms, evaluate=False), nums))
    parts.append(float(_eval(d, worked, expr)[0]))
    return parts


def _chain(d: Derivation, param: sp.Symbol, worked, values: dict | None) -> dict:
    """The chain rule for `param` as factors, with each factor's number for a single sample."""
    (term,) = d.chains[param].terms
    C = d.cost_symbol
    factors = []
    for f in term:
        parts: list = [f.value]
        if values is not None and not f.value.is_Symbol:
            parts += _instantiated(d, worked, f.value, values)
        elif values is not None:
            parts.append(float(_eval(d, worked, f.value)[0]))
        factors.append(Line(_d(f.num, f.den), parts))
    syms = [sp.Symbol(f"_f{i:04d}") for i in range(len(term))]
    product: list = [At(sp.Mul(*[f.value for f in term], evaluate=False), ordered=True)]
    if values is not None:
        nums = {s: number(_eval(d, worked, f.value)[0]) for s, f in zip(syms, term)}
        product.append(At(sp.Mul(*syms, evaluate=False), nums, ordered=True))
    if worked is not None:
        product.append(float(worked.param_gradients[param]))
    return {
        "param": param,
        "symbols": At(sp.Mul(*[_d(f.num, f.den) for f in term], evaluate=False), ordered=True),
        "factors": factors,
        "product": Line(_d(C, param), product),
    }


def diagram(d: Derivation) -> dict:
    """Node positions (cm) and labelled edges of the network drawing.

    Weights label their arrows (near the source, so that labels leaving one unit fan out); a
    shared bias is its own node with an arrow to each unit; a per-unit bias labels its unit.
    """
    layers = [d.inputs] + [lf.a for lf in d.layers]
    dense = max(len(a) * len(b) for a, b in zip(layers, layers[1:])) > 6
    # Dense layers get the text width (15 cm between centres) and more height: labels fan out.
    dx = min(15.0 / (len(layers) - 1), 8.0) if dense else 4.2
    dy = 2.8 if dense else 2.2
    top = (max(map(len, layers)) - 1) * dy / 2
    biases = {
        lf.a[j]: b for lf in d.layers if lf.bias_mode == "per_unit" for j, b in enumerate(lf.biases)
    }
    nodes, edges = [], []
    for l, units in enumerate(layers):
        step = 2 * top / (len(units) - 1) if len(units) > 1 else 0.0
        for j, s in enumerate(units):
            nodes.append(
                {
                    "id": f"n{l}u{j + 1}",
                    "x": l * dx,
                    "y": round(top - j * step, 3) if step else 0.0,
                    "label": s,
                    "kind": "input" if l == 0 else "unit",
                    "bias": biases.get(s),
                }
            )
    for lf in d.layers:
        l = lf.index
        for j, row in enumerate(lf.weights):
            for k, w in enumerate(row):
                pos = (0.12, 0.22)[j % 2] if dense else 0.28
                edges.append(
                    {"src": f"n{l - 1}u{k + 1}", "dst": f"n{l}u{j + 1}", "label": w, "pos": pos}
                )
        if lf.bias_mode == "shared":
            bid = f"b{l}"
            nodes.append(
                {
                    "id": bid,
                    "x": (l - 0.5) * dx,
                    "y": -top - dy,
                    "label": lf.biases[0],
                    "kind": "bias",
                    "bias": None,
                }
            )
            edges += [
                {"src": bid, "dst": f"n{l}u{j + 1}", "label": None, "pos": None}
                for j in range(len(lf.z))
            ]
    return {"nodes": nodes, "edges": edges}


def _numeral(value: float) -> sp.Number:
    """A sympy number printed with 9 significant digits (an Integer when it is whole)."""
    text = f"{value:.9g}"
    return sp.Integer(int(float(text))) if float(text).is_integer() else sp.Float(text)


def _param_blocks(d: Derivation, values: dict) -> list[Line]:
    """Each layer's weight matrix and biases, as symbols = numbers."""
    out = []
    for lf in d.layers:
        W = sp.Matrix(lf.weights)
        out.append(Line(W, [W.applyfunc(lambda s: _numeral(values[s]))]))
        if lf.bias_mode == "shared":
            out.append(Line(lf.biases[0], [values[lf.biases[0]]]))
        elif lf.biases:
            b = sp.Matrix(lf.biases)
            out.append(Line(b, [b.applyfunc(lambda s: _numeral(values[s]))]))
    return out


def _worked(d: Derivation) -> dict | None:
    """Every number of one forward pass, backward pass and SGD step.

    One sample: each quantity as an equation with the numbers substituted (as Mazur's post does).
    A batch: tables of per-sample values.
    """
    if d.net.example is None:
        return None
    worked = d.evaluate()
    m = worked_samples(worked)
    single = m == 1
    values = _values(d, worked, 0) if single else None

    def rows(symbols, exprs):
        if single:
            return [
                Line(s, [e] + _instantiated(d, worked, e, values)) for s, e in zip(symbols, exprs)
            ]
        return [(s, [float(x) for x in _eval(d, worked, s)]) for s in symbols]

    eta = sp.Symbol("eta")
    C = d.cost_symbol
    ex = d.net.example
    params = [(p, float(worked.values[p])) for p in d.gradients]
    updates = []
    g = sp.Symbol("grad")  # sorts after eta: the step prints as eta * gradient
    for p, value in params:
        frozen = d.param_index[p][0].startswith("b") and not ex.train_bias
        nums = {
            p: number(value),
            eta: number(worked.learning_rate),
            g: number(worked.param_gradients[p]),
        }
        new = value - worked.learning_rate * worked.param_gradients[p]
        rule = At(sp.Add(p, -eta * _d(C, p), evaluate=False), ordered=True)
        step = At(sp.Add(p, -eta * g, evaluate=False), nums, ordered=True)
        parts = [value] if frozen else [rule, step, new]
        updates.append({"frozen": frozen, "line": Line(Updated(p), parts)})
    cost_terms = []
    if len(d.targets) > 1:
        for term in _per_output_cost(d):
            if single:
                cost_terms.append(Line(term, _instantiated(d, worked, term, values)))
            else:
                cost_terms.append((term, [float(x) for x in _eval(d, worked, term)]))
    theta = sp.Symbol("theta")
    cost_values = [float(x) for x in _eval(d, worked, d.cost)]
    return {
        "m": m,
        "single": single,
        "learning_rate": worked.learning_rate,
        "train_bias": ex.train_bias,
        "params": _param_blocks(d, dict(params)),
        "inputs": [(s, [float(x) for x in _eval(d, worked, s)]) for s in d.inputs + d.targets],
        "layers": [rows(lf.z, lf.z_def) + rows(lf.a, lf.a_def) for lf in d.layers],
        "cost_terms": cost_terms,
        "cost": Line(C, [d.cost] + _instantiated(d, worked, d.cost, values))
        if single
        else (C, cost_values),
        "loss": worked.loss,
        "deltas": [rows(ds, lb.delta) for ds, lb in zip(d.delta_symbols, d.backward)],
        "gradients": [Line(_d(C, p), [worked.param_gradients[p]]) for p in d.gradients],
        "updates": updates,
        "rule": Line(
            Updated(theta), [At(sp.Add(theta, -eta * _d(C, theta), evaluate=False), ordered=True)]
        ),
        "raw": worked,
    }


def _shown_weight(d: Derivation, pos: int, worked) -> sp.Symbol:
    """The layer's first weight whose gradient in the example is not zero (else its first)."""
    weights = [w for row in d.layers[pos].weights for w in row]
    if worked is not None:
        for w in weights:
            if worked.param_gradients[w] != 0:
                return w
    return weights[0]


def context(d: Derivation, lang: str) -> dict:
    """The data model every template receives."""
    if lang not in LANGS:
        raise SymbpError(f"--lang: unknown language {lang!r} (known: {', '.join(LANGS)})")
    worked = _worked(d)
    raw = worked["raw"] if worked else None
    values = _values(d, raw, 0) if worked and worked["single"] else None
    chains = [_chain(d, _shown_weight(d, -1, raw), raw, values)]
    if len(d.layers) > 1:
        chains.append(_chain(d, _shown_weight(d, 0, raw), raw, values))
    seen: dict = {}
    for lf in d.layers:
        seen.setdefault(lf.activation.name, (lf.activation, lf.alpha))
    return {
        "lang": lang,
        "d": d,
        "net": d.net,
        "mazur": d.names.mazur,
        "C": d.cost_symbol,
        "inputs": d.inputs,
        "layers": d.layers,
        "cost": Line(d.cost_symbol, [d.cost]),
        "loss": d.loss,
        "vector": vector_forms(),
        "diagram": diagram(d),
        "general": d.general,
        "delta_def": Line(G.delta[G.l, G.j], [_d(G.C, G.z[G.l, G.j])]),
        "output_delta": d.output_delta_general,
        "elementwise_output": d.layers[-1].activation.elementwise,
        "activations": [_activation_steps(e, a) for e, a in seen.values() if e.name != "identity"],
        "identity_used": "identity" in seen,
        "backward": [_layer_back(d, pos) for pos in range(len(d.layers) - 1, -1, -1)],
        "chains": chains,
        "worked": worked,
        "eta": sp.Symbol("eta"),
    }


def document(d: Derivation, fmt: str, lang: str = "en", templates: Path | None = None) -> str:
    """The derivation document of `d` as text, in format "tex" or "md"."""
    if fmt not in FORMATS:
        raise SymbpError(f"--format: unknown format {fmt!r} (known: {', '.join(FORMATS)}, pdf)")
    ctx = context(d, lang)
    names = {**d.names.tex, **ctx["vector"]["names"]}
    env = environment(names, fmt, templates)
    try:
        return env.get_template(f"{fmt}/derivation.{fmt}.jinja2").render(ctx)
    except jinja2.TemplateSyntaxError as e:
        raise SymbpError(
            f"{e.filename or e.name}:{e.lineno}: template error: {e.message}"
        ) from None
    except jinja2.TemplateError as e:
        raise SymbpError(f"{fmt}/derivation.{fmt}.jinja2: template error: {e}") from None
