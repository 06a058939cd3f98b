"""The network drawing: where each unit sits and which arrows carry which weight."""

from __future__ import annotations

import numpy as np

from ..derive import Derivation
from .model import Diagram, Edge, Node

# A weight's label as drawn (cm): about 0.6 x 0.36, centred on its arrow in the SVG (60 px per cm)
# and sloped just above it in TikZ; each shape sampled as a grid of points.
LABEL_WIDTH, LABEL_HEIGHT = 0.6, 0.36
CLEARANCE = 0.05  # the gap kept between a label and any other arrow or label
_ALONG = np.round(np.arange(0.14, 0.861, 0.02), 3)  # where on its arrow a label may sit
_U, _V = (g.reshape(-1) for g in np.meshgrid(np.linspace(-1, 1, 7), np.linspace(-1, 1, 4)))


def footprint(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points covering the label at each fraction t of the arrow a -> b, in both drawings:
    shape (len(t), points, 2)."""
    d = (b - a) / np.hypot(*(b - a))
    n = np.array([-d[1], d[0]])
    half_w, half_h = LABEL_WIDTH / 2, LABEL_HEIGHT / 2
    upright = np.stack([_U * half_w, _V * half_h], axis=1)
    sloped = np.outer(_U * half_w, d) + np.outer((_V + 1) * half_h, n)
    centres = a + np.outer(t, b - a)
    return centres[:, None, :] + np.concatenate([upright, sloped])[None]


def _distances(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each point's distance to the segment a b (points: (..., 2))."""
    d = b - a
    t = np.clip((points - a) @ d / (d @ d), 0.0, 1.0)
    return np.linalg.norm(points - a - t[..., None] * d, axis=-1)


def place_labels(segments: list[tuple], start: list[float]) -> list[float]:
    """Where along each arrow (a, b) its label sits: the spot nearest `start` that keeps
    CLEARANCE from every other arrow and every label placed before it, else the one that
    intrudes least."""
    placed: list[np.ndarray] = []
    out = []
    for i, ((a, b), t0) in enumerate(zip(segments, start)):
        pts = footprint(a, b, _ALONG)  # (T, P, 2)
        near = [_distances(pts, r, s).min(axis=1) for j, (r, s) in enumerate(segments) if j != i]
        reach = LABEL_WIDTH + LABEL_HEIGHT + CLEARANCE  # labels farther from this arrow cannot meet
        for q in placed:
            if _distances(q.mean(axis=0), a, b) < reach:
                gaps = np.linalg.norm(pts[:, :, None] - q[None, None], axis=-1)
                near.append(gaps.min(axis=(1, 2)))
        intrusion = np.clip(CLEARANCE - np.stack(near, axis=1), 0.0, None).sum(axis=1)
        best = np.lexsort((np.abs(_ALONG - t0), np.round(intrusion, 6)))[0]
        placed.append(pts[best])
        out.append(float(_ALONG[best]))
    return out


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
    at = {n.id: np.array([n.x, n.y]) for n in nodes}
    for lf in d.layers:
        l = lf.index
        weights = [
            (f"n{l - 1}u{k + 1}", f"n{l}u{j + 1}", w, 0.12 + 0.5 * j / max(len(lf.weights) - 1, 1))
            for j, row in enumerate(lf.weights)
            for k, w in enumerate(row)
        ]
        if dense:  # labels leaving one unit start at different distances along their arrows
            segments = [(at[src], at[dst]) for src, dst, _, _ in weights]
            spots = place_labels(segments, [t for *_, t in weights])
        else:
            spots = [0.28] * len(weights)
        edges += [Edge(src, dst, w, t) for (src, dst, w, _), t in zip(weights, spots)]
        if lf.bias_mode.shared:
            bid = f"b{l}"
            nodes.append(Node(bid, (l - 0.5) * dx, -top - dy, lf.biases[0], "bias", None))
            edges += [Edge(bid, f"n{l}u{j + 1}", None, None) for j in range(len(lf.z))]
    return Diagram(nodes, edges, dense)
