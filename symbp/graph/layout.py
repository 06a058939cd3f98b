"""Where each node of a graph is drawn: inputs on the left, the output on the right.

A gate's column is one more than its inputs' deepest column; an input sits one column before its
first consumer. Leaves take successive rows in the order the expression is read and a gate sits
at the mean height of its inputs. Coordinates are in pixels; the TikZ template scales them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .circuit import Graph
from .nodes import Node, decimal

COLUMN = 130.0  # pixels between columns
ROW = 80.0  # pixels between leaf rows
RADIUS = 20.0  # a gate's circle
MARGIN = 60.0
LEAF_GAP = 8.0  # between an input's name and the start of its edge
LABEL_AT = 0.4  # the numbers of an edge sit this far along it
DIGITS = 4  # significant digits of the numbers on the edges


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
    """An arrow from (x1, y1) to (x2, y2) carrying `forward` above and `backward` below."""

    source: int
    target: int
    x1: float
    y1: float
    x2: float
    y2: float
    forward: str
    backward: str

    @property
    def mx(self) -> float:
        """Where the numbers go: before the middle, where converging edges are still apart."""
        return self.x1 + LABEL_AT * (self.x2 - self.x1)

    @property
    def my(self) -> float:
        return self.y1 + LABEL_AT * (self.y2 - self.y1)


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
    row: dict[int, float] = {}
    leaves = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in row:
            continue
        if not node.inputs:
            row[id(node)] = float(leaves)
            leaves += 1
        elif done:
            row[id(node)] = sum(row[id(i)] for i in node.inputs) / len(node.inputs)
        else:
            stack.append((node, True))
            stack.extend((i, False) for i in reversed(node.inputs))
    return row


def _shorten(x1, y1, x2, y2, start: float, end: float) -> tuple[float, float, float, float]:
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    return x1 + ux * start, y1 + uy * start, x2 - ux * end, y2 - uy * end


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
        for child, sent in zip(n.inputs, n.sends()):
            (x1, y1), (x2, y2) = centres[id(child)], centres[id(n)]
            start = RADIUS if child.inputs else LEAF_GAP
            line = _shorten(x1, y1, x2, y2, start, RADIUS)
            forward, back = decimal(child.value, DIGITS), decimal(sent, DIGITS)
            edges.append(Edge(ids[id(child)], ids[id(n)], *line, forward, back))
    x, y = centres[id(g.root)]
    start = RADIUS if g.root.inputs else LEAF_GAP
    out = Edge(ids[id(g.root)], 0, x + start, y, x + COLUMN, y, decimal(g.value, DIGITS), "1")
    edges.append(out)
    width = max(p.x for p in places) + COLUMN + MARGIN
    height = max(p.y for p in places) + MARGIN
    return Drawing(width, height, places, edges)
