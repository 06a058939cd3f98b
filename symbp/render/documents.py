"""The derivation document: its data model (`model.Document`) built from a derivation, and the
rendered text.

Everything mathematical in the model is a sympy expression taken from the derivation (or a
matrix expression whose rows are the derivation's layer equations); the templates print it
through the `tex` filter and hold all prose.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from .. import activations, templating
from ..derive import Derivation
from ..derive import general as G
from ..errors import SymbpError
from . import html
from .diagram import diagram
from .env import environment
from .model import ActivationSteps, Document, LayerBackward, LayerEquations, Line, Summary
from .vector import vector_forms
from .worked import chain, shown_weight, values_of, worked_example

LANGS = ("en", "zh")
MD_FLAVORS = ("github", "plain")
FORMATS = ("tex", "md", "html")


def _d(num, den) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


def _activation_steps(entry: activations.Activation, alpha: sp.Expr | None) -> ActivationSteps:
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
        definition = Line(f, [entry.cls.definition(*args)])
        heaviside = textbook.has(sp.Heaviside)
        return ActivationSteps(entry.name, proof, definition, lines, True, heaviside)
    zs = sp.symbols("z_1:4", real=True)
    s1 = entry.cls(sp.Integer(1), *zs)
    lines = [
        Line(_d(s1, zi), [sp.diff(entry.cls.definition(1, *zs), zi), sp.diff(s1, zi)])
        for zi in zs[:2]
    ]
    definition = Line(s1, [entry.cls.definition(1, *zs)])
    return ActivationSteps(entry.name, proof, definition, lines, False, False)


def _layer_back(d: Derivation, pos: int) -> LayerBackward:
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
    return LayerBackward(
        index=lf.index,
        output=pos == len(d.layers) - 1,
        activation=lf.activation.name,
        jacobian=jac,
        jacobian_matrix=jac_matrix,
        dC_da=dC_da,
        deltas=deltas,
        identities=lb.identities,
        grads_w=grads_w,
        grads_b=grads_b,
        bias_mode=lf.bias_mode,
    )


def model(d: Derivation, lang: str) -> Document:
    """The data model the derivation templates receive."""
    if lang not in LANGS:
        raise SymbpError(f"--lang: unknown language {lang!r} (known: {', '.join(LANGS)})")
    net = d.net
    raw = d.evaluate() if net.example is not None else None
    worked = worked_example(d, raw) if raw is not None else None
    values = values_of(d, raw, 0) if worked and worked.single else None
    chains = [chain(d, shown_weight(d, -1, raw), raw, values)]
    if len(d.layers) > 1:
        chains.append(chain(d, shown_weight(d, 0, raw), raw, values))
    seen: dict = {}
    for lf in d.layers:
        seen.setdefault(lf.activation.name, (lf.activation, lf.alpha))
    batch = bool(net.example and len(net.example.x) > 1)
    return Document(
        lang=lang,
        net=Summary(net.name, net.description, net.inputs, batch),
        layers=[
            LayerEquations(lf.z, lf.a, lf.z_def, lf.a_def, lf.activation.name, lf.bias_mode)
            for lf in d.layers
        ],
        cost=Line(d.cost_symbol, [d.cost]),
        loss=d.loss.tex,
        vector=vector_forms(),
        diagram=diagram(d),
        general=d.general,
        delta_def=Line(G.delta[G.l, G.j], [_d(G.C, G.z[G.l, G.j])]),
        output_delta=d.output_delta_general,
        elementwise_output=d.layers[-1].activation.elementwise,
        activations=[_activation_steps(e, a) for e, a in seen.values() if e.name != "identity"],
        identity_used="identity" in seen,
        backward=[_layer_back(d, pos) for pos in range(len(d.layers) - 1, -1, -1)],
        chains=chains,
        worked=worked,
        eta=sp.Symbol("eta"),
    )


def document(
    d: Derivation,
    fmt: str,
    lang: str = "en",
    templates: Path | None = None,
    md_flavor: str = "github",
) -> str:
    """The derivation document of `d` as text, in format "tex", "md" (flavour "github" or
    "plain") or "html"."""
    if fmt not in FORMATS:
        raise SymbpError(f"--format: unknown format {fmt!r} (known: {', '.join(FORMATS)}, pdf)")
    if md_flavor not in MD_FLAVORS:
        raise SymbpError(f"--md-flavor: unknown flavour {md_flavor!r} (known: github, plain)")
    doc = model(d, lang)
    if fmt == "html":
        return html.page(d, doc, templates)
    if fmt == "md" and md_flavor == "plain":
        return html.plain_markdown(d, doc, templates)
    env = environment({**d.names.tex, **doc.vector.names}, fmt, templates)
    return templating.render(env, f"{fmt}/derivation.{fmt}.jinja2", vars(doc))
