"""The network drawing: where each unit sits and which arrows carry which weight."""

from __future__ import annotations

from ..derive import Derivation
from .model import Diagram, Edge, Node


def diagram(d: Derivation) -> Diagram:
    """Node positions (cm) and labelled edges of the network drawing.

    Weights label their arrows (each at its own distance from the source, so that the labels
    leaving one unit do not pile up); a
    shared bias is its own node with an arrow to each unit; a per-unit bias labels its unit.
    """
    layers = [d.inputs] + [lf.a for lf in d.layers]
    dense = max(len(a) * len(b) for a, b in zip(layers, layers[1:])) > 6
    # Dense layers get the text width (15 cm between centres) and more height: labels fan out.
    dx = min(15.0 / (len(layers) - 1), 8.0) if dense else 4.2
    dy = 2.8 if dense else 2.2
    top = (max(map(len, layers)) - 1) * dy / 2
    biases = {
        lf.a[j]: b for lf in d.layers if lf.bias_mode.per_unit for j, b in enumerate(lf.biases)
    }
    nodes, edges = [], []
    for l, units in enumerate(layers):
        step = 2 * top / (len(units) - 1) if len(units) > 1 else 0.0
        for j, s in enumerate(units):
            y = round(top - j * step, 3) if step else 0.0
            kind = "input" if l == 0 else "unit"
            nodes.append(Node(f"n{l}u{j + 1}", l * dx, y, s, kind, biases.get(s)))
    for lf in d.layers:
        l = lf.index
        for j, row in enumerate(lf.weights):
            for k, w in enumerate(row):
                # labels leaving one unit sit at different distances along their arrows
                pos = round(0.12 + 0.5 * j / max(len(lf.weights) - 1, 1), 3) if dense else 0.28
                edges.append(Edge(f"n{l - 1}u{k + 1}", f"n{l}u{j + 1}", w, pos))
        if lf.bias_mode.shared:
            bid = f"b{l}"
            nodes.append(Node(bid, (l - 0.5) * dx, -top - dy, lf.biases[0], "bias", None))
            edges += [Edge(bid, f"n{l}u{j + 1}", None, None) for j in range(len(lf.z))]
    return Diagram(nodes, edges, dense)
