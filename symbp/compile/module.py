"""The source text of a compiled model: the array program printed, CSE'd and put in a template."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from .. import kernels, losses, templating
from ..derive import Derivation
from . import straight
from .inplace import in_place
from .printer import (
    CodePrinter,
    MeanOuter,
    MeanTotal,
    RowsDot,
    RowsDotT,
    TimesSigmoidPrime,
    Work,
)
from .program import LR, CompileError, M, Program, Step, X, Y, build
from .targets import PRINTERS, TARGETS

DTYPES = ("float64", "float32")
PRODUCTS = (RowsDotT, RowsDot)
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


def _into(printer: CodePrinter, target: sp.Symbol, expr: sp.Expr) -> list[str] | None:
    """`target = expr` as the one matrix product among expr's terms (or factors) written into
    the workspace's array, then the rest added (multiplied) in place; None without one."""
    buffer = f'work["{target}"]'
    if isinstance(expr, TimesSigmoidPrime) and isinstance(expr.args[0], PRODUCTS):
        product, q = expr.args
        into = printer.product_into(product, buffer)
        return [f"{target} = {into}", f"{target} = {printer.doprint(expr.func(target, q))}"]
    args = [expr] if isinstance(expr, PRODUCTS) else list(expr.args)
    if not isinstance(expr, (sp.Add, sp.Mul, *PRODUCTS)):
        return None
    products = [a for a in args if isinstance(a, PRODUCTS)]
    if len(products) != 1:
        return None
    lines = [f"{target} = {printer.product_into(products[0], buffer)}"]
    rest = [a for a in args if a is not products[0]]
    if rest:
        op = "+=" if isinstance(expr, sp.Add) else "*="
        lines.append(f"{target} {op} {_strip(printer.doprint(expr.func(*rest)))}")
    return lines


def _function(
    printer: CodePrinter,
    steps: list[Step],
    outputs: list[sp.Symbol],
    keys: list[str],
    cast: bool = False,
    into: list[sp.Symbol] | None = None,
) -> list[str]:
    """Body lines: parameter look-ups, then cse temporaries scheduled before their first use;
    with `cast`, every array argument is first converted to the module's DTYPE; given a list
    `into`, matrix products are written into the workspace `work`, their targets appended."""
    steps = _needed(steps, set(outputs))
    replacements, reduced = sp.cse([s.expr for s in steps], sp.numbered_symbols("t"))
    temps = dict(replacements)
    order = [t for t, _ in replacements]
    free = set().union(*(e.free_symbols for e in [*reduced, *temps.values()]))
    computed = {s.target for s in steps} | set(temps) | {X, Y, M}
    params = {p.name for p in free - computed}
    inputs = [(key, f'params["{key}"]') for key in keys if key in params]
    if cast:
        asarray = printer._array_fn("asarray")
        inputs = [(n, f"{asarray}({v}, DTYPE)") for n, v in inputs]
        inputs += [(a.name, f"{asarray}({a}, DTYPE)") for a in (X, Y) if a in free]
    lines = [f"{name} = {value}" for name, value in inputs]
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
        written = _into(printer, step.target, expr) if into is not None else None
        if written:
            into.append(step.target)
        lines += written or [f"{step.target} = {_strip(printer.doprint(expr))}"]
    return lines


SCALE = sp.Symbol("scale")


def _train_step(
    program: Program, printer: CodePrinter, trained: list[str]
) -> tuple[Function, list[str]]:
    """Body lines of train_step: sgd_step in place, every matrix product written into the
    workspace, -learning_rate / m folded into the output delta (so into every delta, BP2 being
    linear), and each update added to its parameter; and the workspace's array names."""
    gradient_targets = set(program.gradients.values())
    grads = {s.target: s.expr for s in program.backward if s.target in gradient_targets}
    backward = [s for s in program.backward if s.target not in gradient_targets]
    out_delta = backward[0].target
    backward[0] = Step(out_delta, SCALE * backward[0].expr, backward[0].derived)
    used = {program.gradients[key]: grads[program.gradients[key]].args for key in trained}
    outputs = {e for args in used.values() for e in args[:2] if e != M}
    steps = in_place(_needed([Step(SCALE, -LR / M), *program.forward, *backward], outputs))
    written: list[sp.Symbol] = []
    lines = _function(printer, steps, sorted(outputs, key=str), program.keys, into=written)
    kernel_arrays = {w.name for s in _needed(steps, outputs) for w in s.expr.atoms(Work)}
    names = [t.name for t in written] + sorted(kernel_arrays)
    for key in sorted(trained, key=lambda k: (k.layer, k.is_weight)):  # b<l> while D<l> is hot
        grad = grads[program.gradients[key]]
        if isinstance(grad, MeanOuter):
            d, a, _ = grad.args
            buffer = f'work["d{key}"]'
            lines.append(printer.add_outer(key, d, a, buffer))
            names.append(f"d{key}")
        else:
            total = isinstance(grad, MeanTotal)
            lines.append(printer.add_column_sums(key, grad.args[0], total))
    return Function([], lines, "params"), names


def _workspace(d: Derivation, names: list[str]) -> list[tuple[str, str]]:
    """(name, shape text) of the arrays `names`: a layer's Z<l>, A<l>, D<l> or Q<l> is (m, n_l), the
    gradient d<key> has its weight's shape."""
    shapes = {}
    for l, n in enumerate(d.net.sizes[1:], start=1):
        shapes.update({f"{a}{l}": f"(m, {n})" for a in "ZADQ"})
    shapes.update({f"d{k}": repr(shape) for k, shape in d.net.parameter_shapes().items()})
    return [(name, shapes[name]) for name in names]


def _equations(steps: list[Step], outputs: list[sp.Symbol]) -> list[str]:
    return [
        line
        for s in _needed(steps, set(outputs))
        if s.derived is not None
        for line in _equation(*s.derived)
    ]


def functions(
    program: Program, printer: CodePrinter, trained: list[str], cast: bool = False
) -> dict[str, Function]:
    """forward, loss, gradients and sgd_step as body lines printed by `printer`; `cast`
    converts the arguments to the module's DTYPE first."""
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
            _function(printer, [*grads, *updates], [u.target for u in updates], program.keys, cast),
            "{" + ", ".join(f'"{k}": {v}' for k, v in new.items()) + "}",
        ),
        "forward": Function(
            _equations(fwd, [program.outputs]),
            _function(printer, fwd, [program.outputs], program.keys, cast),
            str(program.outputs),
        ),
        "loss": Function(
            _equations(cost, [program.cost.target]),
            _function(printer, cost, [program.cost.target], program.keys, cast),
            str(program.cost.target),
        ),
        "gradients": Function(
            _equations(grads, outs), _function(printer, grads, outs, program.keys, cast), result
        ),
    }


def _tuple_text(keys: list[str]) -> str:
    inner = ", ".join(f'"{k}"' for k in keys)
    return f"({inner},)" if len(keys) == 1 else f"({inner})"


def _dict_text(shapes: dict[str, tuple[int, ...]]) -> str:
    return "{" + ", ".join(f'"{k}": {v!r}' for k, v in shapes.items()) + "}"


def check_dtype(dtype: str) -> None:
    """Raise CompileError unless `dtype` is one the NumPy code computes in."""
    if dtype not in DTYPES:
        raise CompileError(f"unknown dtype {dtype!r} (known: {', '.join(DTYPES)})")


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
    dtype: str = "float64",
) -> str:
    """The module's source text for `target` (numpy, jax or torch) computing in `dtype`
    (float64 or float32, NumPy only); `header` adds the network's name and description and
    (NumPy) the checks of X and Y that the in-process Model makes itself; `templates` is a
    user's template folder searched first."""
    if target not in PRINTERS:
        raise CompileError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    check_dtype(dtype)
    if dtype != "float64" and target != "numpy":
        raise CompileError(f"dtype {dtype} is for the numpy target only, not {target}")
    program = build(d)
    printer = PRINTERS[target]()
    trained = trained_keys(d, train_bias)
    cast = dtype != "float64"
    funcs = functions(program, printer, trained, cast)
    workspace = []
    if target == "numpy":
        funcs["train_step"], names = _train_step(program, printer, trained)
        workspace = _workspace(d, names)
    scalar, reason, printers = {}, None, [printer]
    if target == "numpy" and not cast and straight.rows(d) >= 1:  # scalar code is float64
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
        "outputs": net.sizes[-1],
        "checks": header,
        "targets_sum_to_one": losses.get(net.loss).targets_sum_to_one,
        "targets_in_unit_interval": losses.get(net.loss).targets_in_unit_interval,
        "logits": program.logits,
        "general": general,
        "imports": _import_block({line for p in printers for line in p.import_lines()}),
        "helpers": [kernels.source(f) for p in printers for f in p.kernel_order()],
        "optional_blas": any(kernels._scipy_blas in p.helpers for p in printers),
        "functions": funcs,
        "straight": scalar,
        "straight_rows": straight.rows(d),
        "straight_reason": reason,
        "shapes": _dict_text(net.parameter_shapes()),
        "trained": _tuple_text(trained),
        "dtype": dtype if cast else None,
        "workspace": workspace,
    }
    name = f"{target}/module.py.jinja2"
    return templating.render(templating.environment(templates), name, context)
