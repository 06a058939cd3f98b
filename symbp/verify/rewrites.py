"""A claim's raw tree with one written index changed (l -> l+1, jk -> kj, k -> j), for the
diagnosis that names the index as written."""

from __future__ import annotations

import dataclasses

import sympy as sp

from ..parse import Node, index_letters


def _index_text(n: Node) -> str:
    if n.op in ("token", "name", "number"):
        return str(n.value)
    if n.op in ("add", "sub"):
        return f"{_index_text(n.args[0])}{'+' if n.op == 'add' else '-'}{_index_text(n.args[1])}"
    if n.op == "neg":
        return "-" + _index_text(n.args[0])
    if n.op == "tuple":
        return ",".join(_index_text(a) for a in n.args)
    return "".join(_index_text(a) for a in n.args)


def _written(node: Node) -> str:
    base, *scripts = node.args
    out = str(base.value)
    for sc in scripts:
        out += ("_" if sc.op == "lower" else "^") + "{" + _index_text(sc.args[0]) + "}"
    return out


def _replace(root: Node, target: Node, new: Node) -> Node:
    if root is target:
        return new
    if not root.args:
        return root
    args = tuple(_replace(a, target, new) for a in root.args)
    if all(a is b for a, b in zip(args, root.args)):
        return root
    return dataclasses.replace(root, args=args)


def _swapped(arg: Node) -> Node | None:
    if arg.op in ("token", "name") and len(str(arg.value)) == 2:
        return dataclasses.replace(arg, value=str(arg.value)[::-1])
    if arg.op == "number" and arg.value.is_Integer and 10 <= arg.value <= 99:
        return dataclasses.replace(arg, value=sp.Integer(int(str(arg.value)[::-1])))
    if arg.op in ("jux", "tuple") and len(arg.args) == 2:
        return dataclasses.replace(arg, args=arg.args[::-1])
    return None


def _letters(raw: Node) -> list[str]:
    """Every single index letter the claim writes (free or bound by a sum)."""
    found = index_letters(raw) | {n.value[0] for n in raw.walk() if n.op == "bigsum"}
    return sorted(f for f in found if len(f) == 1 and f != "L")


def rewrites(raw: Node):
    """(as written, meant, column, claim') for each name whose layer is off by one, whose two
    lower indices are exchanged, or whose one-letter lower index is another letter of the claim."""
    one = Node("token", (), "1")
    letters = _letters(raw)
    for node in raw.walk():
        if node.op != "scripted" or node.args[0].op != "name":
            continue
        for sc in node.args[1:]:
            arg = sc.args[0]
            if sc.op == "upper":
                news = [Node(op, (arg, one)) for op in ("add", "sub")]
            else:
                news = [n for n in (_swapped(arg),) if n is not None]
                if arg.op in ("token", "name") and str(arg.value) in letters:
                    news += [
                        dataclasses.replace(arg, op="token", value=c)
                        for c in letters
                        if c != arg.value
                    ]
            for new in news:
                changed = _replace(node, sc, dataclasses.replace(sc, args=(new,)))
                yield _written(node), _written(changed), node.column, _replace(raw, node, changed)
