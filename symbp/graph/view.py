"""A network shown as a graph of layer nodes (the book's Affine / ReLU / Sigmoid /
SoftmaxWithLoss view): each node's forward rule and its derived backward rules, and a drawing of
the chain with the forward quantity above each edge and the gradient it carries below."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from .. import templating
from ..errors import SymbpError
from .document import (
    LANGS,
    TEXT_WIDTH_CM,
    TexPrinter,
    check_formats,
    filename,
)
from .layers import Stage, backward_pass, network_rules

BOX_WIDTH = 130.0  # pixels, the narrowest box
CHAR_WIDTH = 10.0  # pixels per character of a label at 11 pt (50 px per cm), with room to spare
BOX_PADDING = 24.0
BOX_HEIGHT = 44.0
GAP = 90.0  # between boxes, room for the labels of an edge
MARGIN = 40.0
DIGITS = 4  # significant digits of the worked example's matrices
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    label: str
    width: float  # wide enough for its label ("SoftmaxWithLoss")


@dataclass(frozen=True)
class Arrow:
    x1: float
    y1: float
    x2: float
    y2: float
    forward: sp.Expr  # the quantity the edge carries forward
    backward: sp.Expr  # the gradient it carries back
    forward_text: str
    backward_text: str


@dataclass(frozen=True)
class Chain:
    width: float
    height: float
    boxes: list[Box]
    arrows: list[Arrow]
    box_height: float = BOX_HEIGHT


def _quantity(stage: Stage | None) -> str:
    """The name of what a stage outputs: Z^l after an Affine node, A^l after an activation."""
    if stage is None:
        return "X"
    return f"Z^{stage.index}" if stage.rule.name == "Affine" else f"A^{stage.index}"


def chain(stages: list[Stage]) -> Chain:
    """Boxes in a row, input on the left and the loss L on the right; T enters the last box."""
    L = sp.Symbol("L")
    y = MARGIN + 30.0
    boxes, arrows = [], []
    x = MARGIN + 40.0
    previous = None
    for stage in stages:
        left = x
        quantity = sp.Symbol(_quantity(previous))
        start = left - GAP if previous is not None else MARGIN
        arrows.append(_arrow(start, y, left, y, quantity, L))
        label = stage.rule.name + (f" {stage.index}" if stage.rule.name == "Affine" else "")
        width = max(BOX_WIDTH, CHAR_WIDTH * len(label) + BOX_PADDING)
        boxes.append(Box(left, y - BOX_HEIGHT / 2, label, width))
        x = left + width + GAP
        previous = stage
    end = x - GAP
    arrows.append(_arrow(end, y, end + GAP * 0.7, y, L, L))
    target = sp.Symbol("T")
    last = boxes[-1]
    arrows.append(
        _arrow(
            last.x + last.width / 2,
            y + BOX_HEIGHT / 2 + 50,
            last.x + last.width / 2,
            y + BOX_HEIGHT / 2,
            target,
            None,
        )
    )
    width = end + GAP * 0.7 + MARGIN
    return Chain(width, y + BOX_HEIGHT / 2 + 70, boxes, arrows)


def _arrow(x1, y1, x2, y2, quantity: sp.Symbol, loss: sp.Symbol | None) -> Arrow:
    if loss is None:
        backward, back_text = sp.Integer(0), ""
    elif quantity == loss:
        backward, back_text = sp.Integer(1), "1"
    else:
        backward = sp.Derivative(loss, quantity, evaluate=False)
        back_text = f"∂L/∂{_plain(quantity.name)}"
    return Arrow(x1, y1, x2, y2, quantity, backward, _plain(quantity.name), back_text)


def _plain(name: str) -> str:
    base, _, power = name.partition("^")
    return base + power.translate(SUPERSCRIPTS)


def _numbers(stages: list[Stage], net, worked) -> list[list[tuple]]:
    """For each stage, (symbol, matrix rounded to 4 digits) of what it receives and sends."""
    if worked is None:
        return [[] for _ in stages]
    params, forward = worked
    out = []
    for stage, sent in zip(stages, backward_pass(stages, net, params, forward)):
        rule = stage.rule
        rows = []
        upstream = next((m for m in rule.names if getattr(m, "name", "") == "dL/dY"), None)
        if sent["dL/dY"] is not None and upstream is not None:
            rows.append((upstream, sent["dL/dY"]))
        rows += [(g.lhs, sent[g.wrt.name]) for g in rule.gradients]
        out.append([(sym, m.applyfunc(_rounded)) for sym, m in rows])
    return out


def _rounded(v) -> sp.Number:
    """v to 4 significant digits; an exact 0 stays 0 (not 0.0)."""
    return sp.Integer(0) if v == 0 else sp.Float(v, DIGITS)


def view_documents(
    net,
    formats: list[str],
    lang: str,
    tex: TexPrinter,
    worked: tuple | None = None,
    templates: Path | None = None,
) -> dict[str, str]:
    """`<name>.graph.md` (with its SVG) and `<name>.graph.tex` for a Network, in memory; with
    `worked` = (params, forward values) of its example, the numbers each node receives and sends
    back, from the stated rules."""
    if lang not in LANGS:
        raise SymbpError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    check_formats(formats)
    stages = network_rules(net)
    drawing = chain(stages)
    stem = f"{net.name}.graph"
    context = {
        "net": net,
        "stages": stages,
        "numbers": _numbers(stages, net, worked),
        "drawing": drawing,
        "lang": lang,
        "svg_name": filename(stem, "svg", lang),
        "wide": drawing.width / 50 > TEXT_WIDTH_CM,
    }
    out: dict[str, str] = {}
    for fmt in formats:
        filters = {
            "px": lambda v: f"{v:.1f}",
            "cmx": lambda v: f"{v / 50:.2f}",
            "cmy": lambda v: f"{v / 50:.2f}",
            "math": lambda expr, names=None: tex(expr, names or {}, mul_symbol=None, order="none"),
        }
        env = templating.environment(templates, filters)
        if fmt == "md":
            svg = templating.render(env, "graph/layers.svg.jinja2", context)
            out[filename(stem, "svg", lang)] = svg
        out[filename(stem, fmt, lang)] = templating.render(
            env, f"graph/layers.{fmt}.jinja2", context
        )
    return out
