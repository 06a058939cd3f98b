"""Where each node of a graph is drawn: inputs on the left, the output on the right.

A gate's column is one more than its inputs' deepest column; an input sits one column before its
first consumer. Leaves take successive rows in the order the expression is read and a gate sits
at the mean height of its inputs. Coordinates are in pixels; the TikZ template scales them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from .circuit import Graph
from .nodes import Node

COLUMN = 130.0  # pixels between columns
ROW = 80.0  # pixels between leaf rows
RADIUS = 20.0  # a gate's circle
MARGIN = 60.0
LEAF_GAP = 8.0  # between an input's name and the start of its edge
LABEL_AT = 0.4  # the numbers of an edge sit this far along it
DIGITS = 4  # significant digits of the numbers on the edges
BEND = 40.0  # pixels between two edges joining the same two nodes (x*x)
CLEARANCE = 14.0  # pixels an edge keeps from a node it passes


@dataclass(frozen=True)
class Place:
    """A node's drawing: centre, label, and whether it is a gate (a circle)."""

    id: int
    x: float
    y: float
    label: str
    gate: bool


@dataclass(frozen=True)
class Edge:
    """An arrow from (x1, y1) to (x2, y2), bent towards (cx, cy) when it is one of several
    between the same two nodes, carrying the values `forward` above and `backward` below (shown
    to DIGITS significant digits)."""

    source: int
    target: int
    x1: float
    y1: float
    x2: float
    y2: float
    forward: sp.Expr
    backward: sp.Expr
    cx: float
    cy: float

    def _at(self, a: float, c: float, b: float) -> float:
        t = LABEL_AT
        return (1 - t) ** 2 * a + 2 * t * (1 - t) * c + t**2 * b

    @property
    def mx(self) -> float:
        """Where the numbers go: before the middle, where converging edges are still apart."""
        return self._at(self.x1, self.cx, self.x2)

    @property
    def my(self) -> float:
        return self._at(self.y1, self.cy, self.y2)

    @property
    def bent(self) -> bool:
        return (self.cx, self.cy) != ((self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2)


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    places: list[Place]
    edges: list[Edge]
    radius: float = RADIUS


def _columns(nodes: list[Node]) -> dict[int, int]:
    column: dict[int, int] = {}
    for n in nodes:
        if n.inputs:
            column[id(n)] = 1 + max(column.get(id(i), 0) for i in n.inputs)
    for n in reversed(nodes):
        if not n.inputs:
            consumers = [column[id(c)] for c in nodes if any(i is n for i in c.inputs)]
            column[id(n)] = min(consumers, default=1) - 1
    return column


def _rows(root: Node) -> dict[int, float]:
    """Each use of a leaf takes the next row; a gate sits at the mean of its inputs' rows and
    a leaf used several times is drawn at its first use."""
    row: dict[int, float] = {}
    uses: dict[int, list[float]] = {}
    values: list[float] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not node.inputs:
            slot = float(sum(map(len, uses.values())))
            uses.setdefault(id(node), []).append(slot)
            values.append(slot)
        elif done:
            k = len(node.inputs)
            row[id(node)] = sum(values[-k:]) / k
            del values[-k:]
            values.append(row[id(node)])
        else:
            stack.append((node, True))
            stack.extend((i, False) for i in reversed(node.inputs))
    for key, slots in uses.items():
        row[key] = slots[0]
    return row


def _shorten(x1, y1, x2, y2, start: float, end: float) -> tuple[float, float, float, float]:
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    return x1 + ux * start, y1 + uy * start, x2 - ux * end, y2 - uy * end


def _detour(x1, y1, x2, y2, others: list[tuple[float, float]]) -> float:
    """The bend that keeps a straight edge clear of the nodes it would pass through (0 if none):
    away from the closest such node, by its radius and a margin."""
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    bend = 0.0
    for px, py in others:
        along = (px - x1) * ux + (py - y1) * uy
        side = (px - x1) * -uy + (py - y1) * ux  # signed distance, positive to the left
        if 0 < along < length and abs(side) < RADIUS + CLEARANCE:
            need = side - RADIUS - CLEARANCE if side >= 0 else side + RADIUS + CLEARANCE
            bend = need if abs(need) > abs(bend) else bend
    return bend


def _control(x1, y1, x2, y2, bend: float) -> tuple[float, float]:
    """The control point of a quadratic curve bulging `bend` pixels to the edge's left."""
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    nx, ny = (y1 - y2) / length, (x2 - x1) / length
    return (x1 + x2) / 2 + 2 * bend * nx, (y1 + y2) / 2 + 2 * bend * ny


def layout(g: Graph) -> Drawing:
    """The drawing of `g`: places of nodes and edges with their forward and backward numbers."""
    ids = g.ids()
    column, row = _columns(g.nodes), _rows(g.root)
    top = min(row.values())
    shift = 0 if g.root.inputs else 1  # a lone leaf still gets its output edge
    places, centres = [], {}
    for n in g.nodes:
        x = MARGIN + (column[id(n)] + shift) * COLUMN
        y = MARGIN + (row[id(n)] - top) * ROW
        centres[id(n)] = (x, y)
        places.append(Place(ids[id(n)], x, y, n.label, bool(n.inputs)))
    edges = []
    for n in g.nodes:
        for k, (child, sent) in enumerate(zip(n.inputs, n.sends())):
            (x1, y1), (x2, y2) = centres[id(child)], centres[id(n)]
            twins = [i for i, c in enumerate(n.inputs) if c is child]
            bend = BEND * (twins.index(k) - (len(twins) - 1) / 2)
            if not bend:
                others = [xy for key, xy in centres.items() if key not in (id(child), id(n))]
                bend = _detour(x1, y1, x2, y2, others)
            start = RADIUS if child.inputs else LEAF_GAP
            x1, y1, x2, y2 = _shorten(x1, y1, x2, y2, start, RADIUS)
            cx, cy = _control(x1, y1, x2, y2, bend)
            source, target = ids[id(child)], ids[id(n)]
            edges.append(Edge(source, target, x1, y1, x2, y2, child.value, sent, cx, cy))
    x, y = centres[id(g.root)]
    start = RADIUS if g.root.inputs else LEAF_GAP
    x1, x2 = x + start, x + COLUMN
    out = Edge(ids[id(g.root)], 0, x1, y, x2, y, g.value, sp.Integer(1), (x1 + x2) / 2, y)
    edges.append(out)
    width = max(p.x for p in places) + COLUMN + MARGIN
    height = max(p.y for p in places) + MARGIN
    return Drawing(width, height, places, edges)
