"""A user's gradient function checked against the derivation's gradients and finite differences.

`fn(params, X, Y) -> grads` (keyed like params) is called at random, non-symmetric points: every
parameter, input and target drawn at random, a batch of several samples. Symmetric points hide
bugs: a first-layer gradient built from the whole hidden delta (seeds/001) is right whenever
every hidden unit has the same delta, as with all-equal starting weights. The reference is the
derivation evaluated at the same point (`d.evaluate`, batch mean), itself checked against
central finite differences of the loss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..activations import numeric_namespace
from ..derive import EAGER_PARAMETERS, Derivation
from ..errors import SymbpError
from ..network import Example
from .causes import ATOL, RTOL, Cause, Entry, close, find_causes

FD_STEP = 1e-6


@dataclass
class CodeReport:
    """`.ok`, the wrong entries (worst point each), their causes and the points checked."""

    wrong: list[Entry]
    checked: int
    points: int
    samples: int
    reference_error: float  # largest |derived - finite difference|, relative
    examples: list[Example] = field(default_factory=list, repr=False)
    causes: list[Cause] = field(default_factory=list)
    layout: str = "columns"  # rows: weights given and returned as in x out (x @ W), transposed

    @property
    def ok(self) -> bool:
        return not self.wrong

    @property
    def max_error(self) -> float:
        return max((e.error for e in self.wrong), default=0.0)


class _Loss:
    """The batch-mean loss from the derivation's own layer expressions (for finite differences)."""

    def __init__(self, d: Derivation):
        ns = [numeric_namespace(), "numpy"]
        self.d = d
        self.steps = []
        for pos, lf in enumerate(d.layers):
            prev = d.layers[pos - 1].a if pos else d.inputs
            params = [w for row in lf.weights for w in row] + list(lf.biases)
            fz = sp.lambdify([list(prev), params], list(lf.z_def), modules=ns)
            fa = sp.lambdify([list(lf.z)], list(lf.a_def), modules=ns)
            self.steps.append((fz, fa, params))
        self.cost = sp.lambdify([list(d.layers[-1].a), list(d.targets)], d.cost, modules=ns)

    def __call__(self, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
        m = X.shape[0]
        index = self.d.param_index
        acts = [X[:, k] for k in range(X.shape[1])]
        with np.errstate(over="ignore", under="ignore"):
            for fz, fa, syms in self.steps:
                values = [float(params[index[s][0]][index[s][1]]) for s in syms]
                z = [np.broadcast_to(v, (m,)) for v in fz(acts, values)]
                acts = [np.broadcast_to(v, (m,)) for v in fa(z)]
            cost = self.cost(acts, [Y[:, j] for j in range(Y.shape[1])])
        return float(np.mean(np.broadcast_to(cost, (m,))))


def random_example(d: Derivation, rng: np.random.Generator, samples: int = 3) -> Example:
    """Random parameters, inputs and targets (targets valid for the loss), batch of `samples`."""
    params = {k: rng.uniform(-1.5, 1.5, size=s) for k, s in d.net.parameter_shapes().items()}
    X = rng.uniform(-1, 1, size=(samples, d.net.inputs))
    n = d.net.sizes[-1]
    if d.loss.targets_sum_to_one:
        Y = rng.dirichlet(np.ones(n), size=samples)
    else:
        Y = rng.uniform(0, 1, size=(samples, n))
    rows = lambda A: tuple(tuple(float(v) for v in r) for r in A)  # noqa: E731
    return Example(x=rows(X), y=rows(Y), params=params, single=False)


def _call(fn: Callable, name: str, params, X, Y, shapes, rows: bool) -> dict[str, np.ndarray]:
    """Call the user's function on copies (weights in x out when `rows`); its own errors become
    one SymbpError line. The gradients come back in the derivation's out x in layout."""
    given = {k: (v.T if rows and v.ndim == 2 else v).copy() for k, v in params.items()}
    try:
        result = fn(given, X.copy(), Y.copy())
    except Exception as e:  # the user's code, not symbp's: report it as bad input
        raise SymbpError(f"{name} raised {type(e).__name__}: {e}") from None
    if not isinstance(result, Mapping):
        raise SymbpError(
            f"{name} returned {type(result).__name__}; expected a dict keyed like the "
            f"parameters ({', '.join(shapes)})"
        )
    out = {}
    for key, expected in shapes.items():
        transpose = rows and len(expected) == 2
        shape = tuple(expected[::-1]) if transpose else tuple(expected)
        if key not in result:
            raise SymbpError(f"{name} returned no gradient for {key!r} (shape {list(shape)})")
        try:
            arr = np.asarray(result[key], dtype=float)
        except (TypeError, ValueError):
            raise SymbpError(f"{name}: gradient {key!r} is not an array of numbers") from None
        if arr.shape != shape:
            hint = ""
            if len(shape) == 2 and arr.shape == shape[::-1]:
                hint = " (in x out: the x @ W layout; pass --layout rows)"
                if transpose:
                    hint = " (with --layout rows it must be in x out, like the weights passed)"
            raise SymbpError(
                f"{name}: gradient {key!r} has shape {list(arr.shape)}, the parameter has "
                f"shape {list(shape)}{hint}"
            )
        out[key] = arr.T if transpose else arr
    return out


def _finite_difference(loss: _Loss, params, X, Y, key, idx) -> float:
    plus = {k: v.copy() for k, v in params.items()}
    minus = {k: v.copy() for k, v in params.items()}
    plus[key][idx] += FD_STEP
    minus[key][idx] -= FD_STEP
    return (loss(plus, X, Y) - loss(minus, X, Y)) / (2 * FD_STEP)


def check_gradients(
    d: Derivation,
    fn: Callable,
    name: str = "fn",
    points: int = 3,
    samples: int = 3,
    seed: int = 0,
    examples: list[Example] | None = None,
    layout: str = "columns",
) -> CodeReport:
    """Compare fn(params, X, Y) with the derived gradients at random points (or `examples`);
    layout "rows" passes and takes the weights as in x out (x @ W, Deep Learning from Scratch)."""
    if layout not in ("columns", "rows"):
        raise SymbpError(f"unknown layout {layout!r} (known: columns, rows)")
    if d.parameter_count > EAGER_PARAMETERS:
        raise SymbpError(
            f"checking gradient code works per entry, up to {EAGER_PARAMETERS:,} parameters; "
            f"{d.net.name} has {d.parameter_count:,}: check it on a narrower"
            " copy of the same layers"
        )
    rng = np.random.default_rng(seed)
    if examples is None:
        examples = [random_example(d, rng, samples) for _ in range(points)]
    shapes = d.net.parameter_shapes()
    loss = _Loss(d)
    names = {(key, idx): s.name for s, (key, idx) in d.param_index.items()}
    worst: dict[tuple[str, tuple[int, ...]], Entry] = {}
    reference = 0.0
    checked = 0
    seen: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    values: list[dict] = []
    for ex in examples:
        X, Y = ex.X, ex.Y
        params = {k: np.array(v, dtype=float) for k, v in ex.params.items()}
        worked = d.evaluate(ex)
        derived = worked.gradients
        values.append(worked.values)
        got = _call(fn, name, params, X, Y, shapes, layout == "rows")
        for key in shapes:
            seen.setdefault(key, []).append((got[key], np.asarray(derived[key], dtype=float)))
        for (key, idx), sym_name in names.items():
            fd = _finite_difference(loss, params, X, Y, key, idx)
            ref = float(derived[key][idx])
            reference = max(reference, abs(ref - fd) / max(1.0, abs(fd)))
            entry = Entry(key, tuple(int(i) for i in idx), sym_name, float(got[key][idx]), ref, fd)
            checked += 1
            if not entry.error <= ATOL + RTOL * abs(ref):
                prev = worst.get((key, idx))
                if prev is None or entry.error > prev.error:
                    worst[(key, idx)] = entry
    wrong = sorted(worst.values(), key=lambda e: (list(shapes).index(e.key), e.index))
    m = len(examples[0].x)
    if wrong and layout == "columns" and _rows_layout_fits(d, fn, name, examples, shapes):
        causes = [Cause("layout_rows")]
    else:
        causes = find_causes(d, wrong, seen, m, values)
    return CodeReport(wrong, checked, len(examples), m, reference, examples, causes, layout)


def _rows_layout_fits(d: Derivation, fn: Callable, name: str, examples, shapes) -> bool:
    """Whether fn, given and returning the weights as in x out (x @ W), is right everywhere:
    square weights keep their shape in either layout, so only this call tells them apart."""
    for ex in examples:
        params = {k: np.array(v, dtype=float) for k, v in ex.params.items()}
        derived = d.evaluate(ex).gradients
        try:
            got = _call(fn, name, params, ex.X, ex.Y, shapes, True)
        except SymbpError:
            return False
        if not all(close(got[k], np.asarray(derived[k], dtype=float)) for k in shapes):
            return False
    return True


def load_function(target: str) -> tuple[Callable, str]:
    """The function named by `FILE.py:FUNC`, loaded from that file (which runs the user's module
    code, as importing it would); every failure is one SymbpError line."""
    import importlib.util
    import os
    import sys

    path, sep, func = target.rpartition(":")
    if not sep or not path or not func:
        raise SymbpError(f"{target}: expected FILE.py:FUNCTION")
    if not os.path.isfile(path):
        raise SymbpError(f"{path}: no such file")
    module_name = "symbp_user_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SymbpError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        sys.modules.pop(module_name, None)
        raise SymbpError(f"{path}:{e.lineno}: syntax error: {e.msg}") from None
    except Exception as e:  # the user's module failed while loading: bad input, not a symbp bug
        sys.modules.pop(module_name, None)
        raise SymbpError(f"{path}: importing it raised {type(e).__name__}: {e}") from None
    fn = getattr(module, func, None)
    if fn is None:
        raise SymbpError(f"{path}: no function {func!r}")
    if not callable(fn):
        raise SymbpError(f"{path}: {func!r} is not a function")
    return fn, f"{os.path.basename(path)}:{func}"
