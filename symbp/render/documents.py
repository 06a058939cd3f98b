"""The derivation document: its data model (`model.Document`) built from a derivation, and the
rendered text.

Everything mathematical in the model is a sympy expression taken from the derivation (or a
matrix expression whose rows are the derivation's layer equations); the templates print it
through the `tex` filter and hold all prose.
"""

from __future__ import annotations

from functools import singledispatch
from pathlib import Path

import numpy as np
import sympy as sp

from .. import activations, templating
from ..compile import compile as compile_model
from ..compile.train import train
from ..derive import EAGER_PARAMETERS, Derivation
from ..derive import general as G
from ..derive.general import Equation
from ..derive.layer import jacobian_entry
from ..errors import FormatError, SymbpError
from . import html
from .compact import compact, general_notation
from .diagram import diagram
from .env import environment
from .model import ActivationSteps, Document, LayerBackward, LayerEquations, Line, Summary, Trained
from .roles import roles
from .vector import vector_forms
from .worked import chain, shown_weight, values_of, worked_example, worked_samples

LANGS = ("en", "zh")
MD_FLAVORS = ("github", "plain")
FORMATS = ("tex", "md", "html")


def _d(num, den) -> sp.Derivative:
    return sp.Derivative(num, den, evaluate=False)


@singledispatch
def _activation_steps(entry: activations.Activation, alpha: sp.Expr | None) -> ActivationSteps:
    """f(z) = definition, then d/dz f from sympy's derivative of the definition to fdiff's form
    (with the layer's own slope for leaky ReLU); the proof is `prove_derivative`'s."""
    proof = activations.prove_derivative(entry)
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


@_activation_steps.register
def _(entry: activations.VectorActivation, alpha: sp.Expr | None) -> ActivationSteps:
    """s_1(z_1, z_2, z_3) = definition, and its partial derivatives in z_1 and z_2."""
    proof = activations.prove_derivative(entry)
    zs = sp.symbols("z_1:4", real=True)
    s1 = entry.cls(sp.Integer(1), *zs)
    lines = [
        Line(_d(s1, zi), [sp.diff(entry.cls.definition(1, *zs), zi), sp.diff(s1, zi)])
        for zi in zs[:2]
    ]
    definition = Line(s1, [entry.cls.definition(1, *zs)])
    return ActivationSteps(entry.name, proof, definition, lines, False, False)


@singledispatch
def _jacobian(activation: activations.Activation, lf, lb) -> tuple[list[Line], Line | None]:
    """(da_j/dz_j unit by unit, None): an elementwise activation's Jacobian is diagonal."""
    return [Line(_d(lf.a[j], lf.z[j]), [lb.jacobian[j, j]]) for j in range(len(lf.z))], None


@_jacobian.register
def _(activation: activations.VectorActivation, lf, lb) -> tuple[list[Line], Line | None]:
    """([da^l_i/dz^l_j = its entry at every width], da^l/dz^l = the matrix): one derivative of
    vectors on the left, not n^2 fractions."""
    a, z = sp.Symbol(f"a^{lf.index}"), sp.Symbol(f"z^{lf.index}")
    rule = jacobian_entry(activation)
    layer = {G.L: sp.Integer(lf.index)}
    entry = Line(
        general_notation(rule.lhs).xreplace(layer), [general_notation(rule.rhs).xreplace(layer)]
    )
    return [entry], Line(_d(a, z), [lb.jacobian])


def _layer_back(d: Derivation, pos: int) -> LayerBackward:
    lf, lb = d.layers[pos], d.backward[pos]
    C = d.cost_symbol
    jac, jac_matrix = _jacobian(lf.activation, lf, lb)
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


def _activations(d: Derivation) -> tuple[list[ActivationSteps], bool]:
    """Each activation the network uses, once, and whether the identity is among them."""
    seen: dict = {}
    for layer in d.net.layers:
        seen.setdefault(layer.activation, (activations.get(layer.activation), layer.alpha))
    steps = [_activation_steps(e, a) for e, a in seen.values() if e.name != "identity"]
    return steps, "identity" in seen


TRAINED_STEPS = 10_000  # Mazur's post reports the network after 10,000 iterations


def _trained(d: Derivation) -> Trained:
    """The example after TRAINED_STEPS full-batch steps of symbp's compiled trainer."""
    ex = d.net.example
    model = compile_model(d)
    params, history = train(
        model,
        ex.params,
        ex.X,
        ex.Y,
        epochs=TRAINED_STEPS,
        learning_rate=ex.learning_rate,
        batch_size=len(ex.X),
        seed=0,
    )
    outputs = [float(v) for v in np.asarray(model.forward(params, ex.X)).reshape(-1)]
    return Trained(TRAINED_STEPS, history[-1], outputs)


def _key(d: Derivation) -> list[tuple]:
    """Nielsen's symbols beside Mazur's, for the first output unit and weight."""
    names = d.names
    if not names.mazur:
        return []
    L = len(d.net.layers)
    return [
        (G.C, d.cost_symbol),
        (G.z[L, 1], names.z(L, 1)),
        (G.a[L, 1], names.a(L, 1)),
        (G.y[1], names.y(1)),
        (G.w[L, 1, 1], names.w(L, 1, 1)),
        (G.a[L - 1, 1], names.a(L - 1, 1)),
        (G.delta[L, 1], names.delta(L, 1)),
    ]


def _output_rule(d: Derivation) -> Equation | None:
    """BP1 of a non-elementwise output layer: its layer rule, sympy's derivative at symbolic
    width (raw Jacobian-vector product first), in the general notation."""
    return _layer_rule_bp1(d.rules[-1].activation, d.rules[-1])


@singledispatch
def _layer_rule_bp1(activation: activations.Activation, rule) -> Equation | None:
    return None  # the general elementwise BP1 is shown instead


@_layer_rule_bp1.register
def _(activation: activations.VectorActivation, rule) -> Equation | None:
    steps = tuple(general_notation(e) for e in rule.delta.steps)
    return Equation(G.delta[G.L, G.j], general_notation(rule.delta.rhs), steps)


def _compact_model(d: Derivation, lang: str) -> Document:
    """The data model of a large network: the per-unit parts left empty, `compact` instead."""
    net = d.net
    acts, identity_used = _activations(d)
    last = net.layers[-1]
    return Document(
        lang=lang,
        net=Summary(
            net.name, net.description, net.inputs, bool(net.example and len(net.example.x) > 1)
        ),
        layers=[
            LayerEquations([], [], [], [], layer.activation, layer.bias) for layer in net.layers
        ],
        cost=Line(d.general.cost.lhs, [d.general.cost.rhs]),
        loss=d.loss.tex,
        vector=vector_forms(d.names.preset),
        diagram=None,
        general=d.general,
        delta_def=Line(G.delta[G.l, G.j], [_d(G.C, G.z[G.l, G.j])]),
        output_delta=d.output_delta_general,
        elementwise_output=activations.get(last.activation).elementwise,
        output_rule=_output_rule(d),
        hidden_elementwise=len(d.rules) > 1 and all(r.activation.elementwise for r in d.rules[:-1]),
        hidden_layers=len(d.rules) - 1,
        activations=acts,
        identity_used=identity_used,
        backward=[],
        chains=[],
        worked=None,
        eta=sp.Symbol("eta"),
        parameters=d.parameter_count,
        compact=compact(d),
    )


def model(d: Derivation, lang: str) -> Document:
    """The data model the derivation templates receive."""
    if lang not in LANGS:
        raise SymbpError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    if d.parameter_count > EAGER_PARAMETERS:
        return _compact_model(d, lang)
    net = d.net
    raw = d.evaluate() if net.example is not None else None
    values = values_of(d, raw, 0) if raw is not None and worked_samples(raw) == 1 else None
    chains = [chain(d, shown_weight(d, -1, raw), raw, values)]
    if len(d.layers) > 1:
        chains.append(chain(d, shown_weight(d, 0, raw), raw, values))
    worked = worked_example(d, raw, chains) if raw is not None else None
    acts, identity_used = _activations(d)
    mazur = d.names.mazur and worked is not None and worked.single
    batch = bool(net.example and len(net.example.x) > 1)
    return Document(
        lang=lang,
        net=Summary(net.name, net.description, net.inputs, batch, d.names.mazur),
        layers=[
            LayerEquations(lf.z, lf.a, lf.z_def, lf.a_def, lf.activation.name, lf.bias_mode)
            for lf in d.layers
        ],
        cost=Line(d.cost_symbol, [d.cost]),
        loss=d.loss.tex,
        vector=vector_forms(d.names.preset),
        diagram=diagram(d),
        general=d.general,
        delta_def=Line(G.delta[G.l, G.j], [_d(G.C, G.z[G.l, G.j])]),
        output_delta=d.output_delta_general,
        elementwise_output=d.layers[-1].activation.elementwise,
        output_rule=_output_rule(d),
        hidden_elementwise=len(d.rules) > 1 and all(r.activation.elementwise for r in d.rules[:-1]),
        hidden_layers=len(d.rules) - 1,
        activations=acts,
        identity_used=identity_used,
        backward=[_layer_back(d, pos) for pos in range(len(d.layers) - 1, -1, -1)],
        chains=chains,
        worked=worked,
        eta=sp.Symbol("eta"),
        parameters=d.parameter_count,
        key=_key(d),
        trained=_trained(d) if mazur else None,
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
    check_format(fmt, md_flavor)
    return rendered(d, model(d, lang), fmt, templates, md_flavor)


def check_format(fmt: str, md_flavor: str = "github") -> None:
    """FormatError for an unknown text format, SymbpError for an unknown Markdown flavour."""
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)}, pdf)")
    if md_flavor not in MD_FLAVORS:
        raise SymbpError(f"unknown Markdown flavour {md_flavor!r} (known: github, plain)")


def rendered(d: Derivation, doc: Document, fmt: str, templates: Path | None, md_flavor: str) -> str:
    """`doc`, the data model of `d` in one language, as text in a format `check_format` passed:
    one model rendered in each format a caller asks for."""
    if fmt == "html":
        return html.page(d, doc, templates)
    if fmt == "md" and md_flavor == "plain":
        return html.plain_markdown(d, doc, templates)
    names = {**d.names.tex, **doc.vector.names}
    env = environment(names, fmt, templates, d.names, roles(d), doc.lang)
    kind = "derivation" if doc.compact is None else "compact"
    return templating.render(env, f"{fmt}/{kind}.{fmt}.jinja2", vars(doc))
