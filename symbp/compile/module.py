"""The source text of a compiled model: the array program printed, CSE'd and put in a template."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from .. import kernels, templating
from ..derive import Derivation
from . import straight
from .printer import CodePrinter
from .program import CompileError, M, Program, Step, X, Y, build
from .targets import PRINTERS, TARGETS

STDLIB = sys.stdlib_module_names
EQUATION_CHARS = 300  # longer per-unit equations are left out of docstrings (the sums get long)


@dataclass
class Function:
    """One generated function: derived equations for its docstring, body lines, return value."""

    equations: list[str]
    body: list[str]
    result: str


def _needed(steps: list[Step], outputs: set[sp.Symbol]) -> list[Step]:
    """The steps the outputs depend on, in order."""
    want, kept = set(outputs), []
    for step in reversed(steps):
        if step.target in want:
            kept.append(step)
            want |= step.expr.free_symbols
    return kept[::-1]


def _strip(code: str) -> str:
    """Drop one pair of parentheses around the whole of `code`."""
    if not (code.startswith("(") and code.endswith(")")):
        return code
    depth = 0
    for i, c in enumerate(code):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i < len(code) - 1:
            return code
    return code[1:-1]


def _equation(lhs: sp.Expr, rhs: sp.Expr) -> list[str]:
    if len(rhs.free_symbols) > EQUATION_CHARS // 8:
        return []
    text = f"{sp.sstr(lhs)} = {sp.sstr(rhs)}"
    if len(text) > EQUATION_CHARS:
        return []
    return textwrap.wrap(text, 88, subsequent_indent="    ", break_on_hyphens=False)


def _function(
    printer: CodePrinter, steps: list[Step], outputs: list[sp.Symbol], keys: list[str]
) -> list[str]:
    """Body lines: parameter look-ups, then cse temporaries scheduled before their first use."""
    steps = _needed(steps, set(outputs))
    replacements, reduced = sp.cse([s.expr for s in steps], sp.numbered_symbols("t"))
    temps = dict(replacements)
    order = [t for t, _ in replacements]
    free = set().union(*(e.free_symbols for e in [*reduced, *temps.values()]))
    computed = {s.target for s in steps} | set(temps) | {X, Y, M}
    params = {p.name for p in free - computed}
    lines = [f'{key} = params["{key}"]' for key in keys if key in params]
    if M in free:
        lines.append("m = X.shape[0]")
    done: set[sp.Symbol] = set()

    def emit(expr: sp.Expr) -> None:
        for t in order:
            if t in expr.free_symbols and t not in done:
                emit(temps[t])
                done.add(t)
                lines.append(f"{t} = {_strip(printer.doprint(temps[t]))}")

    for step, expr in zip(steps, reduced):
        emit(expr)
        lines.append(f"{step.target} = {_strip(printer.doprint(expr))}")
    return lines


def _equations(steps: list[Step], outputs: list[sp.Symbol]) -> list[str]:
    return [
        line
        for s in _needed(steps, set(outputs))
        if s.derived is not None
        for line in _equation(*s.derived)
    ]


def functions(program: Program, printer: CodePrinter, trained: list[str]) -> dict[str, Function]:
    """forward, loss, gradients and sgd_step as body lines printed by `printer`."""
    fwd, cost = program.forward, [*program.forward, program.cost]
    grads = [*program.forward, *program.backward]
    outs = list(program.gradients.values())
    result = "{" + ", ".join(f'"{k}": {v}' for k, v in program.gradients.items()) + "}"
    updates = [program.updates[k] for k in trained]
    new = {
        k: program.updates[k].target.name if k in trained else f'params["{k}"]'
        for k in program.keys
    }
    return {
        "sgd_step": Function(
            [],
            _function(printer, [*grads, *updates], [u.target for u in updates], program.keys),
            "{" + ", ".join(f'"{k}": {v}' for k, v in new.items()) + "}",
        ),
        "forward": Function(
            _equations(fwd, [program.outputs]),
            _function(printer, fwd, [program.outputs], program.keys),
            str(program.outputs),
        ),
        "loss": Function(
            _equations(cost, [program.cost.target]),
            _function(printer, cost, [program.cost.target], program.keys),
            str(program.cost.target),
        ),
        "gradients": Function(
            _equations(grads, outs), _function(printer, grads, outs, program.keys), result
        ),
    }


def _tuple_text(keys: list[str]) -> str:
    inner = ", ".join(f'"{k}"' for k in keys)
    return f"({inner},)" if len(keys) == 1 else f"({inner})"


def _dict_text(shapes: dict[str, tuple[int, ...]]) -> str:
    return "{" + ", ".join(f'"{k}": {v!r}' for k, v in shapes.items()) + "}"


def _import_block(lines: set[str]) -> list[str]:
    """The import lines sorted, the standard library's first and apart (as isort keeps them)."""
    stdlib = sorted(line for line in lines if line.split()[1].split(".")[0] in STDLIB)
    others = sorted(lines - set(stdlib))
    return [*stdlib, *([""] if stdlib and others else []), *others]


def trained_keys(d: Derivation, train_bias: bool) -> list[str]:
    """The parameter keys sgd_step updates: all, or the weights alone when biases are frozen."""
    return [k for k in d.net.parameter_shapes() if train_bias or k.is_weight]


def source(
    d: Derivation,
    train_bias: bool = True,
    header: bool = True,
    templates: Path | None = None,
    target: str = "numpy",
) -> str:
    """The module's source text for `target` (numpy, jax or torch); `header` adds the network's
    name and description; `templates` is a user's template folder searched first."""
    if target not in PRINTERS:
        raise CompileError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    program = build(d)
    printer = PRINTERS[target]()
    trained = trained_keys(d, train_bias)
    funcs = functions(program, printer, trained)
    scalar, reason, printers = {}, None, [printer]
    if target == "numpy" and straight.rows(d) >= 1:
        try:
            scalar_printer, bodies = straight.functions(d, trained)
        except CompileError as e:
            reason = str(e)
        else:
            printers.append(scalar_printer)
            scalar = {name: Function([], body, "") for name, body in bodies.items()}
    general = [line for lhs, rhs in program.general for line in _equation(lhs, rhs)]
    net = d.net
    layers = [(layer.units, layer.activation, layer.bias, layer.alpha) for layer in net.layers]
    comment = []
    if header:
        for text in (f"network: {net.name}", net.description):
            for line in text.splitlines():
                comment += textwrap.wrap(line, 96, break_on_hyphens=False) or [""]
    context = {
        "comment": comment,
        "inputs": net.inputs,
        "layers": layers,
        "loss": net.loss,
        "logits": program.logits,
        "general": general,
        "imports": _import_block({line for p in printers for line in p.import_lines()}),
        "helpers": [kernels.source(f) for p in printers for f in p.kernel_order()],
        "functions": funcs,
        "straight": scalar,
        "straight_rows": straight.rows(d),
        "straight_reason": reason,
        "shapes": _dict_text(net.parameter_shapes()),
        "trained": _tuple_text(trained),
    }
    name = f"{target}/module.py.jinja2"
    return templating.render(templating.environment(templates), name, context)
