"""Computational graphs: an expression node by node, forward values and backward gradients."""

from .backward import backward, topological
from .circuit import Graph, build, json_number, parse_at
from .nodes import Node, decimal

__all__ = [
    "Graph",
    "Node",
    "backward",
    "build",
    "decimal",
    "json_number",
    "parse_at",
    "topological",
]
