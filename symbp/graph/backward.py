"""Backward pass: a topological order, then one reversed loop that accumulates gradients."""

from __future__ import annotations

import sympy as sp

from .nodes import Node, settle


def topological(root: Node) -> list[Node]:
    """Every node reachable from `root`, each after its inputs (forward order), each once."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((n, False) for n in reversed(node.inputs) if id(n) not in seen)
    return order


def backward(root: Node) -> list[Node]:
    """Set every node's `grad` to d root / d node; return the nodes in forward order."""
    order = topological(root)
    for node in order:
        node.grad = sp.Integer(0)
    root.grad = sp.Integer(1)
    for node in reversed(order):
        for child, local in zip(node.inputs, node.local):
            child.grad = settle(child.grad + node.grad * local, node)
    return order
