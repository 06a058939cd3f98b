"""Layer nodes (Affine, ReLU, Sigmoid, SoftmaxWithLoss, ...): backward rules derived by sympy.

Each rule is derived on small explicit matrices (batch N = 2, lopsided widths): with G the
upstream gradient dL/dY, the gradient of any input entry is sum_kl G_kl dY_kl/dX_ij, computed
by `sp.diff`. The stated matrix form (dX = G W^T, dW = X^T G, db = sum_n G_n, ...) is made
explicit on the same matrices and compared entry by entry; `holds` records the outcome.
Matrices follow the book: samples are rows, Y = X W + b with W of shape (inputs, outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

from .. import activations, losses
from ..errors import SpecError
from ..keys import BiasMode

N, D, M = 2, 3, 4  # batch, input and output widths of the proofs (all different)


def explicit(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    """A matrix of real Symbols name_ij (1-based)."""
    return sp.ImmutableMatrix(
        rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True)
    )


@dataclass(frozen=True)
class Gradient:
    """d L / d one input of a layer: its stated matrix form and the rule sympy derived."""

    wrt: sp.MatrixSymbol
    lhs: sp.MatrixSymbol  # dL/d<wrt>, printed as a fraction
    stated: sp.MatrixExpr | None  # None: no closed matrix form is claimed (a loss's dL/dA)
    derived: sp.ImmutableMatrix
    holds: bool | None  # stated == derived on the explicit matrices (None when nothing stated)


@dataclass(frozen=True)
class LayerRule:
    """A layer node: its forward rule Y = f(inputs) and one Gradient per input."""

    name: str
    output: sp.MatrixSymbol
    forward: sp.Expr
    gradients: list[Gradient]
    names: dict = field(default_factory=dict)  # MatrixSymbol -> LaTeX
    constants: dict = field(default_factory=dict)  # ones matrices, the batch size N
    loss: tuple | None = None  # (L, its definition) for a node that also computes the loss

    @property
    def holds(self) -> bool:
        return all(g.holds is not False for g in self.gradients)

    def evaluate(self, values: Mapping[str, object]) -> dict[str, sp.ImmutableMatrix]:
        """Each stated gradient at numeric matrices given by name ("X", "W", "dL/dY", ...)."""
        out = {}
        for g in self.gradients:
            subs = dict(self.constants)
            for sym in g.stated.atoms(sp.MatrixSymbol):
                if sym not in subs:
                    subs[sym] = sp.ImmutableMatrix(values[sym.name]).reshape(*sym.shape)
            out[g.wrt.name] = _explicit(g.stated, subs).evalf()
        return out


def _vjp(y: sp.Matrix, g: sp.Matrix, x: sp.Matrix) -> sp.ImmutableMatrix:
    """sum_kl G_kl dY_kl/dX_ij for every entry of X: the chain rule through the layer."""
    s = sum((g[k] * y[k] for k in range(len(y))), sp.Integer(0))
    return sp.ImmutableMatrix(x.rows, x.cols, lambda i, j: sp.diff(s, x[i, j]))


def _plain(e: sp.Expr) -> sp.Expr:
    """Activations replaced by their definitions, Heaviside by a Piecewise."""
    e = activations.defined(e)
    return sp.piecewise_fold(e.rewrite(sp.Piecewise))


def _equal(a: sp.Matrix, b: sp.Matrix) -> bool:
    """Entry by entry, a - b simplifies to zero."""
    diff = (sp.Matrix(a) - sp.Matrix(b)).applyfunc(lambda e: sp.simplify(_plain(e)))
    return diff.is_zero_matrix is True


def _symbols(*specs):
    return [sp.MatrixSymbol(name, r, c) for name, r, c in specs]


def _lhs(wrt: sp.MatrixSymbol, names: dict) -> sp.MatrixSymbol:
    lhs = sp.MatrixSymbol(f"dL/d{wrt.name}", *wrt.shape)
    names[lhs] = rf"\frac{{\partial L}}{{\partial {wrt.name}}}"
    return lhs


def _upstream(rows: int, cols: int):
    g = sp.MatrixSymbol("dL/dY", rows, cols)
    return g, explicit("g", rows, cols), {g: r"\frac{\partial L}{\partial Y}"}


BATCH = sp.Symbol("N", integer=True, positive=True)  # the batch size in stated forms


def _ones(name: str, rows: int, cols: int, tex: str, subs: dict, names: dict) -> sp.MatrixSymbol:
    """A matrix of ones, printed as `tex`, made explicit through `subs`."""
    ones = sp.MatrixSymbol(name, rows, cols)
    subs[ones], names[ones] = sp.ones(rows, cols), tex
    return ones


def affine(
    bias: BiasMode | str = BiasMode.PER_UNIT, n: int = N, d: int = D, m: int = M
) -> LayerRule:
    """Y = X W + b: dX = G W^T, dW = X^T G, db = sum over the batch of G (all of G if shared)."""
    bias = BiasMode(bias)
    X, W, Y = _symbols(("X", n, d), ("W", d, m), ("Y", n, m))
    G, g, names = _upstream(n, m)
    x, w = explicit("x", n, d), explicit("w", d, m)
    subs = {X: x, W: w, G: g}
    col_n, row_n, col_m, all_ones = (
        _ones("1_N", n, 1, r"\mathbf{1}", subs, names),
        _ones("1_N^T", 1, n, r"\mathbf{1}^{T}", subs, names),
        _ones("1_M", m, 1, r"\mathbf{1}", subs, names),
        _ones("1_NM", n, m, r"\mathbf{1}", subs, names),
    )
    b = None
    with sp.evaluate(False):
        if bias.per_unit:
            b = sp.MatrixSymbol("b", 1, m)
            subs[b] = explicit("b", 1, m)
            forward = sp.MatAdd(X * W, col_n * b)
            db_stated = row_n * G
        elif bias.shared:
            b, scalar = sp.MatrixSymbol("b", 1, 1), sp.Symbol("b", real=True)
            subs[b] = sp.ImmutableMatrix([[scalar]])
            forward = sp.MatAdd(X * W, sp.MatMul(scalar, all_ones))
            db_stated = sp.MatMul(row_n, G, col_m)
        else:
            forward = X * W
        stated = {X: G * W.T, W: X.T * G}
    y = _explicit(forward, subs)
    if b is not None:
        stated[b] = db_stated
    grads = []
    for wrt, form in stated.items():
        derived = _vjp(y, g, subs[wrt])
        holds = _equal(derived, _explicit(form, subs))
        grads.append(Gradient(wrt, _lhs(wrt, names), form, derived, holds))
    constants = {k: v for k, v in subs.items() if k.name.startswith("1_")}
    return LayerRule("Affine", Y, forward, grads, names, constants)


def _explicit(expr: sp.MatrixExpr, subs: dict) -> sp.ImmutableMatrix:
    """A matrix expression with explicit matrices in place of its MatrixSymbols."""
    return sp.ImmutableMatrix(expr.xreplace(subs).doit().as_explicit()).applyfunc(sp.expand)


def elementwise(activation: str, alpha: float | None = None, n: int = N, m: int = M) -> LayerRule:
    """Y = f(X) entry by entry: dX = G ⊙ f'(X); ReLU's f' is the mask [X > 0], sigmoid's
    f' is Y ⊙ (1 - Y) in its own output."""
    entry = activations.get(activation)
    X, Y = _symbols(("X", n, m), ("Y", n, m))
    G, g, names = _upstream(n, m)
    x, yv = explicit("x", n, m), explicit("y", n, m)

    def f(z):
        return entry.apply(z, *entry.layer_params(() if alpha is None else (alpha,)))

    y = x.applyfunc(f)
    derived = _vjp(y, g, x)
    if activation == "sigmoid":
        # in the layer's output, as the book keeps `out`: sigma(x_ij) -> y_ij
        derived = derived.xreplace({f(x[k]): yv[k] for k in range(len(x))})
        ones = sp.MatrixSymbol("1", n, m)
        names[ones] = r"\mathbf{1}"
        with sp.evaluate(False):
            stated = sp.HadamardProduct(G, Y, sp.MatAdd(ones, -Y))
        explicit_stated = g.multiply_elementwise(yv).multiply_elementwise(sp.ones(n, m) - yv)
    elif activation == "relu":
        mask = sp.MatrixSymbol("[X > 0]", n, m)
        names[mask] = r"[X > 0]"
        stated = sp.HadamardProduct(G, mask)
        ones = x.applyfunc(lambda e: sp.Piecewise((1, e > 0), (0, True)))
        explicit_stated = g.multiply_elementwise(ones)
    else:
        prime = sp.MatrixSymbol("f'(X)", n, m)
        names[prime] = rf"{entry.latex}'(X)"
        stated = sp.HadamardProduct(G, prime)
        derivative = x.applyfunc(lambda e: sp.diff(entry.cls.definition(e, *f(e).args[1:]), e))
        explicit_stated = g.multiply_elementwise(derivative)
    holds = _equal(derived, explicit_stated)
    name = entry.layer_name
    forward = sp.MatrixSymbol(f"{name}(X)", n, m)
    names[forward] = rf"{entry.latex}(X)"
    constants = {ones: sp.ones(n, m)} if activation == "sigmoid" else {}
    gradient = Gradient(X, _lhs(X, names), stated, derived, holds)
    return LayerRule(name, Y, forward, [gradient], names, constants)


def softmax_with_loss(k: int = 3, n: int = N) -> LayerRule:
    """Y = softmax(X) by rows, L = -(1/N) sum T log Y with rows of T summing to one:
    dX = (Y - T) / N."""
    X, T, Y = _symbols(("X", n, k), ("T", n, k), ("Y", n, k))
    x, t, yv = explicit("x", n, k), explicit("t", n, k), explicit("y", n, k)
    soft = sp.ImmutableMatrix(n, k, lambda r, j: activations.Softmax(j + 1, *x.row(r)))
    loss = -sp.Add(*[t[r, j] * sp.log(soft[r, j]) for r in range(n) for j in range(k)]) / n
    derived = sp.ImmutableMatrix(n, k, lambda i, j: sp.diff(loss, x[i, j]))
    derived = derived.xreplace({soft[q]: yv[q] for q in range(len(soft))})
    one_hot = {t[r, k - 1]: 1 - sum(t[r, j] for j in range(k - 1)) for r in range(n)}
    with sp.evaluate(False):
        stated = sp.MatMul(1 / BATCH, sp.MatAdd(Y, -T))
    explicit_stated = _explicit(stated, {Y: yv, T: t, BATCH: n})
    holds = _equal(derived.xreplace(one_hot), explicit_stated.xreplace(one_hot))
    forward = sp.MatrixSymbol("softmax(X)", n, k)
    cost, mean = sp.MatrixSymbol("L", 1, 1), sp.MatrixSymbol("mean CE", 1, 1)
    names = {
        forward: r"\operatorname{softmax}(X)",
        mean: r"-\frac{1}{N} \sum_{n=1}^{N} \sum_{k} T_{nk} \ln Y_{nk}",
    }
    gradient = Gradient(X, _lhs(X, names), stated, derived, holds)
    rule = LayerRule("SoftmaxWithLoss", Y, forward, [gradient], names, {BATCH: n}, (cost, mean))
    return rule


def loss_layer(loss: str, n: int = N, m: int = M) -> LayerRule:
    """L = (1/N) sum_n C(A_n, T_n) for a loss of the registry; dL/dA derived entry by entry and
    compared with its matrix form: (A - T)/N, -(T ⊘ A)/N or (A - T) ⊘ (A ⊙ (1 - A))/N."""
    entry = losses.get(loss)
    A, T = _symbols(("A", n, m), ("T", n, m))
    a, t = explicit("a", n, m), explicit("t", n, m)
    cost = sp.Add(*[entry.cost(list(a.row(r)), list(t.row(r))) for r in range(n)]) / n
    derived = sp.ImmutableMatrix(n, m, lambda i, j: sp.diff(cost, a[i, j]))
    ones = sp.MatrixSymbol("1", n, m)
    names = {ones: r"\mathbf{1}"}
    with sp.evaluate(False):
        if loss == "squared_error":
            stated = sp.MatMul(1 / BATCH, sp.MatAdd(A, -T))
        elif loss == "cross_entropy":
            stated = sp.MatMul(-1 / BATCH, sp.HadamardProduct(T, sp.HadamardPower(A, -1)))
        else:
            spread = sp.HadamardPower(sp.HadamardProduct(A, sp.MatAdd(ones, -A)), -1)
            stated = sp.MatMul(1 / BATCH, sp.HadamardProduct(sp.MatAdd(A, -T), spread))
    constants = {ones: sp.ones(n, m), BATCH: n}
    explicit_stated = _explicit(stated, {A: a, T: t, **constants})
    holds = _equal(derived, explicit_stated)
    output = sp.MatrixSymbol("L", 1, 1)
    forward = sp.MatrixSymbol("mean C", 1, 1)
    names[forward] = r"\frac{1}{N} \sum_{n=1}^{N} C(A_{n}, T_{n})"
    gradient = Gradient(A, _lhs(A, names), stated, derived, holds)
    return LayerRule("Loss", output, forward, [gradient], names, constants)


@dataclass(frozen=True)
class Stage:
    """One node of a network's layer graph: layer `index` (1-based) and its rule."""

    index: int
    rule: LayerRule


def network_rules(net) -> list[Stage]:
    """The layer graph of a Network (Affine, activation, ..., loss), each rule derived at the
    network's shapes (the batch of its example, else N = 2); raises SpecError for a softmax
    output without cross-entropy."""
    sizes = [net.inputs, *(layer.units for layer in net.layers)]
    n = len(net.example.x) if net.example is not None else N
    stages = []
    last = len(net.layers)
    for l, layer in enumerate(net.layers, start=1):
        stages.append(Stage(l, affine(layer.bias, n, sizes[l - 1], sizes[l])))
        if l == last and layer.activation == "softmax":
            if net.loss != "cross_entropy":
                raise SpecError(
                    "the graph view shows a softmax output only with cross_entropy",
                    f"layers[{l - 1}].activation",
                )
            stages.append(Stage(l, softmax_with_loss(sizes[l], n)))
            return stages
        if layer.activation == "softmax":
            raise SpecError(
                "the graph view shows softmax only as the output layer",
                f"layers[{l - 1}].activation",
            )
        stages.append(Stage(l, elementwise(layer.activation, layer.alpha, n, sizes[l])))
    stages.append(Stage(last, loss_layer(net.loss, n, sizes[-1])))
    return stages


def book_layers() -> list[LayerRule]:
    """The four layers of seed 004 (Saito, ch. 5): Affine, ReLU, Sigmoid, SoftmaxWithLoss."""
    return [affine(), elementwise("relu"), elementwise("sigmoid"), softmax_with_loss()]


def _matrix(value, rows: int) -> sp.ImmutableMatrix:
    """An array-like (nested lists, a NumPy array, a number) as a matrix of `rows` rows."""
    data = value.tolist() if hasattr(value, "tolist") else value
    flat = sp.flatten([data])
    return sp.ImmutableMatrix(flat).reshape(rows, len(flat) // rows)


def backward_pass(stages: list[Stage], net, params: dict, forward: dict) -> list[dict]:
    """What each stage receives from upstream and sends back at the worked example, from the
    stated rules evaluated at numbers: one dict per stage ("dL/dY" and one entry per input, W
    in the book's orientation). `params` and `forward` ("z1", "a1", ...) as `evaluate` gives."""
    x = _matrix(net.example.x, len(net.example.x))
    n = x.rows
    target = _matrix(net.example.y, n)
    acts = {0: x}
    acts.update({l: _matrix(forward[f"a{l}"], n) for l in range(1, len(net.layers) + 1)})
    u = sp.Symbol("u", real=True)
    out: list[dict] = []
    upstream = None
    for stage in reversed(stages):
        l, rule = stage.index, stage.rule
        received = upstream
        if rule.name == "Loss":
            sent = rule.evaluate({"A": acts[l], "T": target})
        elif rule.name == "SoftmaxWithLoss":
            sent = rule.evaluate({"Y": acts[l], "T": target})
        elif rule.name == "Affine":
            w = _matrix(params[f"W{l}"], net.layers[l - 1].units).T
            sent = rule.evaluate({"dL/dY": upstream, "X": acts[l - 1], "W": w})
        else:
            z = _matrix(forward[f"z{l}"], n)
            layer = net.layers[l - 1]
            entry = activations.get(layer.activation)
            prime = sp.diff(entry.apply(u, *entry.layer_params(layer.params)), u)
            slope = z.applyfunc(lambda v: prime.subs(u, v))
            values = {"dL/dY": upstream, "Y": acts[l], "X": z, "[X > 0]": slope, "f'(X)": slope}
            sent = rule.evaluate(values)
        upstream = sent["X" if "X" in sent else "A"]
        out.append({"dL/dY": received, **sent})
    return out[::-1]
