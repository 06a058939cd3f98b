"""Straight-line code for small networks: the derivation's per-unit expressions, printed for
Python floats, one sample at a time.

Below `WORK` (parameters x rows of the batch) a step costs a few Python float operations per
parameter and sample, where the matrix code pays about a microsecond for each of its ~25 NumPy
calls. Measured crossover (one interleaved run): 4-8-3 tanh/softmax at parameters x rows ~400,
XOR 2-4-1 above 540; at XOR's batch of 4 the straight-line step takes 0.25 of the matrix one.
The generated functions unpack the parameters into one name per number, loop over the samples
(z, a and delta of every unit, as derived, with cse), accumulate the gradients and build the
result arrays once. A sigmoid unit's output and derivative share one exp (`sigmoid_terms`), and
the output deltas carry 1/m (-learning_rate/m in sgd_step), so nothing is scaled per parameter.
At XOR's batch of 4 a step is then ~13 us: ~9 in the loop, ~2 building the four result arrays,
~1.5 unpacking; unrolling the batch of 4 measured 5-7 % faster, not worth four copies of the
body (one interleaved run, thread time). Larger batches go to the matrix code.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from ..activations.functions import Sigmoid, SigmoidPrime, difference_form
from ..derive import Derivation
from ..derive.batch import has_pole
from .kernels import scalar as scalar_kernels
from .program import CompileError, logit_cost
from .targets import ScalarCodePrinter

WORK = 400  # the straight-line code runs while parameters x batch rows is at most this
WIDTH = 100  # generated lines are wrapped to this width, as ruff checks them

R = sp.Symbol("r")  # the output deltas' factor: 1 / m in gradients, -learning_rate / m in sgd_step


def rows(d: Derivation) -> int:
    """The largest batch the straight-line code takes (0: the network is too large)."""
    return WORK // d.parameter_count


class _Names:
    """One Python name per number of a sample: x_k, y_j, z<l>_j, a<l>_j, d<l>_j (delta), and
    per parameter number w<l>_j_k, b<l>_j (or b<l> when shared) with its accumulator g_..."""

    def __init__(self, d: Derivation):
        self.map: dict[sp.Symbol, sp.Symbol] = {}
        self.map.update((s, sp.Symbol(f"x_{k}")) for k, s in enumerate(d.inputs, 1))
        self.map.update((s, sp.Symbol(f"y_{j}")) for j, s in enumerate(d.targets, 1))
        self.params: dict[str, list] = {}
        for lf, ds in zip(d.layers, d.delta_symbols):
            l = lf.index
            for j, (z, a, delta) in enumerate(zip(lf.z, lf.a, ds), 1):
                self.map[z], self.map[a] = sp.Symbol(f"z{l}_{j}"), sp.Symbol(f"a{l}_{j}")
                self.map[delta] = sp.Symbol(f"d{l}_{j}")
            for j, row in enumerate(lf.weights, 1):
                self.map.update((w, sp.Symbol(f"w{l}_{j}_{k}")) for k, w in enumerate(row, 1))
            shared = lf.bias_mode.shared
            for j, b in enumerate(lf.biases, 1):
                self.map[b] = sp.Symbol(f"b{l}" if shared else f"b{l}_{j}")
        for p, (key, idx) in d.param_index.items():
            self.params.setdefault(key, []).append((self.map[p], idx))
        self.grad = {self.map[p]: sp.Symbol(f"g_{self.map[p]}") for p in d.param_index}

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace(self.map)


def _nest(shape: tuple[int, ...], values: dict[tuple[int, ...], str]) -> str:
    """A nested list literal of `shape` whose entry at each index is `values[index]`."""
    if not shape:
        return values[()]
    if len(shape) == 1:
        return "[" + ", ".join(values[(i,)] for i in range(shape[0])) + "]"
    inner = [{k[1:]: v for k, v in values.items() if k[0] == i} for i in range(shape[0])]
    return "[" + ", ".join(_nest(shape[1:], part) for part in inner) + "]"


def _breakable(code: str) -> bool:
    """Whether `code` has a space inside brackets (where a line may break)."""
    depth = 0
    for c in code:
        depth += c in "([{"
        depth -= c in ")]}"
        if c == " " and depth > 0:
            return True
    return False


def _fit(line: str, indent: int) -> list[str]:
    """`line` broken at spaces inside brackets so each piece fits WIDTH (an assignment's right
    side gets brackets of its own when it has none to break in)."""
    if indent + len(line) <= WIDTH:
        return [line]
    lhs, op, rhs = line.partition(" = ") if " = " in line else line.partition(" += ")
    if op and "[" not in lhs and not _breakable(rhs):
        line = f"{lhs}{op}({rhs})"
    pieces, start, depth, last = [], 0, 0, None
    for i, c in enumerate(line):
        depth += c in "([{"
        depth -= c in ")]}"
        if c == " " and depth > 0:
            width = WIDTH - indent - (4 if pieces else 0)
            if i - start > width and last is not None:
                pieces.append(line[start:last])
                start = last + 1
            last = i
    width = WIDTH - indent - (4 if pieces else 0)
    if len(line) - start > width and last is not None and last > start:
        pieces.append(line[start:last])
        start = last + 1
    pieces.append(line[start:])
    return [pieces[0]] + ["    " + p for p in pieces[1:]]


class _Writer:
    """Body lines printed by the scalar printer, cse temporaries before their first use."""

    def __init__(self, printer: ScalarCodePrinter):
        self.printer = printer
        self.lines: list[str] = []

    def add(self, text: str, indent: int = 4) -> None:
        """Add `text` at `indent` (4: the function body; 8: the loop over samples)."""
        self.lines += [" " * indent + p for p in _fit(text, indent)]

    def expr(self, expr: sp.Expr) -> str:
        return self.printer.doprint(expr)

    def assignments(self, pairs: list[tuple[sp.Symbol, sp.Expr]], uses: list[sp.Expr]) -> None:
        """The loop's assignments `uses` depend on, in order, with cse."""
        want, kept = set().union(*(u.free_symbols for u in uses)), []
        for target, expr in reversed(pairs):
            if target in want:
                kept.append((target, expr))
                want |= expr.free_symbols
        pairs, indent = kept[::-1], 8
        replacements, reduced = sp.cse([e for _, e in pairs], sp.numbered_symbols("t"))
        temps, done = dict(replacements), set()

        def emit(expr: sp.Expr) -> None:
            for t, value in replacements:
                if t in expr.free_symbols and t not in done:
                    emit(value)
                    done.add(t)
                    self.add(f"{t} = {self.expr(temps[t])}", indent)

        for (target, _), expr in zip(pairs, reduced):
            emit(expr)
            self.add(f"{target} = {self.expr(expr)}", indent)


def _unpack(w: _Writer, names: _Names, d: Derivation, keys: list[str]) -> None:
    shapes = d.net.parameter_shapes()
    for key in keys:
        values = {idx: str(name) for name, idx in names.params[key]}
        w.add(f'{_nest(shapes[key], values)} = params["{key}"].tolist()', 4)


def sigmoid_terms(z: sp.Expr, e: sp.Expr, s: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """With e = exp(-|z|) <= 1 and s = 1 / (1 + e): the values of e and s, sigma(z) (s for
    z >= 0, e s below) and sigma'(z) = e s^2, as the scalar kernels compute them (never an
    overflow), so a unit's forward pass and its derivative share one exp. e is exp(z) or
    exp(-z) by the sign of z (a comparison costs less than a call of abs); the two tests are
    written z < 0 and z >= 0, so cse leaves each inside its conditional expression, where
    Python compares and jumps in one step."""
    one = sp.Float(1)  # float literals: Python adds two floats faster than an int and a float
    e_value = sp.Piecewise((sp.exp(z), z < 0), (sp.exp(-z), True))
    return e_value, one / (one + e), sp.Piecewise((s, z >= 0), (e * s, True)), e * s**2


def _forward_pairs(
    d: Derivation, names: _Names
) -> tuple[list[tuple[sp.Symbol, sp.Expr]], dict[sp.Expr, sp.Expr]]:
    """The forward assignments, a sigmoid unit's through its e<l>_j and s<l>_j
    (`sigmoid_terms`), and the replacement of each such unit's sigma'(z) by e s^2."""
    pairs, primes = [], {}
    for lf in d.layers:
        pairs += [(names(z), names(e)) for z, e in zip(lf.z, lf.z_def)]
        for a, z, value in zip(lf.a, lf.z, lf.a_def):
            a, z = names(a), names(z)
            if not isinstance(value, Sigmoid):
                pairs.append((a, names(value)))
                continue
            tail = str(z)[1:]
            e, s = sp.Symbol(f"e{tail}"), sp.Symbol(f"s{tail}")
            e_value, s_value, a_value, prime = sigmoid_terms(z, e, s)
            pairs += [(e, e_value), (s, s_value), (a, a_value)]
            primes[SigmoidPrime(z)] = prime
    return pairs, primes


class _SoftmaxMinusUnit(sp.Function):
    """_SoftmaxMinusUnit(k, z_1, .., z_n, y) = softmax_k(z) - y, printed as its scalar kernel."""

    def _mathcode(self, printer: ScalarCodePrinter) -> str:  # the printer's printmethod
        return printer._call(scalar_kernels._scalar_softmax_minus, self.args)


class _SoftmaxJvpUnit(sp.Function):
    """_SoftmaxJvpUnit(k, a_1..a_n, g_1..g_n) = a_k (g_k - sum_i a_i g_i): entry k of softmax's
    Jacobian times g, printed as its scalar kernel."""

    def _mathcode(self, printer: ScalarCodePrinter) -> str:  # the printer's printmethod
        return printer._call(scalar_kernels._scalar_softmax_jvp, self.args)


def _softmax_jvp(lf, lb, j: int) -> sp.Expr:
    """Unit j's delta a_j (g_j - sum_i a_i g_i), g = dC/da, checked equal to the derived one."""
    a, g = list(lf.a), list(lb.dC_da)
    if sp.expand(lb.delta[j] - a[j] * (g[j] - sp.Add(*[x * v for x, v in zip(a, g)]))) != 0:
        raise CompileError(f"layer {lf.index}: delta of unit {j + 1} is not softmax's J^T g")
    return _SoftmaxJvpUnit(j + 1, *a, *g)


def _delta(d: Derivation, pos: int, j: int) -> sp.Expr:
    """Unit j's delta in layer `pos` as the numbers are best computed: the derived delta with
    the activation's derivative taken from z (its `prime`), and an output's error
    sigma(z) - y or softmax(z) - y kept whole, as the matrix code computes them (program.py);
    each form checked equal to the derived one."""
    lf, lb = d.layers[pos], d.backward[pos]
    entry, last = lf.activation, pos == len(d.layers) - 1
    outputs = dict(zip(lf.a, lf.a_def))
    if not entry.elementwise:
        out = lf.a_def[j]
        rest = sp.expand(lb.delta[j].xreplace(outputs)) - out
        if not last or rest.has(type(out)):
            return _softmax_jvp(lf, lb, j)
        return _SoftmaxMinusUnit(*out.args, -rest)
    if last and has_pole(lb.dC_da):
        return difference_form(lb.delta[j].xreplace(outputs))
    if entry.prime is None:
        return lb.delta[j]
    prime = entry.derivative(lf.z[j], *lf.a_def[j].args[1:])
    derived = lb.dC_da[j] * prime.definition(*prime.args)
    if sp.expand((lb.delta[j] - derived).xreplace(outputs)) != 0:
        raise CompileError(f"layer {lf.index}: delta of unit {j + 1} is not dC/da times da/dz")
    return lb.dC_da[j] * prime


def _backward_pairs(
    d: Derivation, names: _Names, primes: dict[sp.Expr, sp.Expr]
) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The deltas, output layer first, those of the output layer times R (the gradients are
    linear in them, so the accumulated sums come out scaled: no multiplication per parameter)."""
    pairs, last = [], len(d.layers) - 1
    for pos in range(last, -1, -1):
        scale = R if pos == last else 1
        for j, s in enumerate(d.delta_symbols[pos]):
            pairs.append((names(s), scale * names(_delta(d, pos, j)).xreplace(primes)))
    return pairs


def _loop(w: _Writer, d: Derivation, names: _Names, targets: bool) -> None:
    xs = "[" + ", ".join(str(names(x)) for x in d.inputs) + "]"
    if targets:
        ys = "[" + ", ".join(str(names(y)) for y in d.targets) + "]"
        w.add(f"for {xs}, {ys} in zip(X.tolist(), Y.tolist(), strict=True):", 4)
    else:
        w.add(f"for {xs} in X.tolist():", 4)


def _accumulate(w: _Writer, d: Derivation, names: _Names) -> None:
    for p, g in d.gradients.items():
        w.add(f"{names.grad[names(p)]} += {w.expr(names(g))}", 8)


def _zeros(w: _Writer, names: _Names) -> None:
    for g in names.grad.values():
        w.add(f"{g} = 0.0", 4)


def _arrays(w: _Writer, d: Derivation, names: _Names, value, keys: list[str]) -> str:
    """Add the line making one array `flat` of value(name, accumulator) for every number of the
    keys in `keys`; return the result dict of views into it (one NumPy call instead of one per
    array, whose nested-list parsing costs more), the other keys passed through from params."""
    shapes = d.net.parameter_shapes()
    entries, numbers, start = [], [], 0
    for key, shape in shapes.items():
        if key not in keys:
            entries.append(f'"{key}": params["{key}"]')
            continue
        by_index = dict((idx, n) for n, idx in names.params[key])
        numbers += [
            w.expr(value(by_index[idx], names.grad[by_index[idx]])) for idx in np.ndindex(shape)
        ]
        stop = start + len(by_index)
        view = f"flat[{start}:{stop}]" + ("" if len(shape) == 1 else f".reshape({shape!r})")
        entries.append(f'"{key}": {view}')
        start = stop
    w.add(f"flat = {w.printer._module_format('numpy.array')}([{', '.join(numbers)}])")
    return "{" + ", ".join(entries) + "}"


def functions(d: Derivation, trained: list[str]) -> tuple[ScalarCodePrinter, dict]:
    """The printer and the straight-line body lines of forward, loss, gradients and sgd_step
    (each ending in its return); raise CompileError when an expression has no scalar form."""
    printer = ScalarCodePrinter()
    names = _Names(d)
    keys = list(d.net.parameter_shapes())
    forward, primes = _forward_pairs(d, names)
    backward = _backward_pairs(d, names, primes)
    cost = logit_cost(d)
    cost = names(d.cost if cost is None else cost)
    out: dict[str, list[str]] = {}
    try:
        w = _Writer(printer)
        _unpack(w, names, d, keys)
        w.add("outputs = []", 4)
        _loop(w, d, names, targets=False)
        w.assignments(forward, [names(a) for a in d.layers[-1].a])
        outs = ", ".join(str(names(a)) for a in d.layers[-1].a)
        w.add(f"outputs.append(({outs},))", 8)
        w.add(f"return {printer._module_format('numpy.array')}(outputs)")
        out["forward"] = w.lines

        w = _Writer(printer)
        _unpack(w, names, d, keys)
        w.add("total = 0.0", 4)
        _loop(w, d, names, targets=True)
        w.assignments(forward, [cost])
        w.add(f"total += {w.expr(cost)}", 8)
        w.add("return total / len(X)")
        out["loss"] = w.lines

        for name in ("gradients", "sgd_step"):
            w = _Writer(printer)
            _unpack(w, names, d, keys)
            _zeros(w, names)
            w.add("r = 1.0 / len(X)" if name == "gradients" else "r = -learning_rate / len(X)")
            _loop(w, d, names, targets=True)
            w.assignments(forward + backward, [names(g) for g in d.gradients.values()])
            _accumulate(w, d, names)
            if name == "gradients":
                result = _arrays(w, d, names, lambda p, g: g, keys)
            else:
                result = _arrays(w, d, names, lambda p, g: p + g, trained)
            w.add(f"return {result}")
            out[name] = w.lines
    except PrintMethodNotImplementedError as e:
        raise CompileError(f"no scalar code for {e}") from None
    unknown = [n for n in printer.module_imports.get("math", ()) if not hasattr(math, n)]
    if unknown:
        raise CompileError(f"no scalar function math.{unknown[0]}")
    return printer, out
