"""The worked example's numbers, computed from the layer rules with NumPy in one pass.

`evaluate_exprs` evaluates per-unit expressions (for documents that show one unit's numbers)
through sympy's lambdify (on expressions symbp derived, never on user text), on the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from ..activations import numeric_namespace
from ..network import Example
from . import batch


def evaluate_exprs(exprs: Sequence[sp.Expr], env: dict[sp.Symbol, object], m: int) -> list:
    """Evaluate each expression on the batch; `env` maps symbols to scalars or (m,) arrays."""
    namespace = [numeric_namespace(), "numpy"]
    out = []
    for e in exprs:
        used = sorted(e.free_symbols & set(env), key=lambda s: s.name)
        f = sp.lambdify(used, e, modules=namespace)
        v = np.asarray(f(*[env[s] for s in used]), dtype=float)
        out.append(np.broadcast_to(v, (m,)).copy())
    return out


@dataclass(repr=False)
class WorkedExample:
    """Every number of one forward and backward pass and one SGD step (arrays per layer)."""

    loss: float
    forward: dict[str, np.ndarray]
    deltas: dict[str, np.ndarray]
    gradients: dict[str, np.ndarray]
    updated_params: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    learning_rate: float
    single: bool
    derivation: object
    inputs: np.ndarray
    targets: np.ndarray

    @cached_property
    def values(self) -> dict[sp.Symbol, object]:
        """Each per-unit symbol's value: (m,) arrays for samples, numbers for parameters."""
        d = self.derivation
        env: dict[sp.Symbol, object] = {}
        env.update((s, self.inputs[:, k]) for k, s in enumerate(d.inputs))
        env.update((s, self.targets[:, j]) for j, s in enumerate(d.targets))
        env.update((s, float(self.params[key][idx])) for s, (key, idx) in d.param_index.items())
        for lf, ds in zip(d.layers, d.delta_symbols):
            for name, syms in ((f"z{lf.index}", lf.z), (f"a{lf.index}", lf.a)):
                env.update((s, self.forward[name][:, j]) for j, s in enumerate(syms))
            env.update((s, self.deltas[f"delta{lf.index}"][:, j]) for j, s in enumerate(ds))
        return env

    @cached_property
    def param_gradients(self) -> dict[sp.Symbol, float]:
        """Each parameter symbol's batch-mean gradient."""
        d = self.derivation
        return {s: float(self.gradients[key][idx]) for s, (key, idx) in d.param_index.items()}

    def __repr__(self) -> str:
        m = len(self.inputs)
        samples = "1 sample" if m == 1 else f"{m} samples"
        return (
            f"<WorkedExample {self.derivation.net.name}: loss {self.loss:.9g}, {samples}, "
            f"learning rate {self.learning_rate:g}; {', '.join(self._arrays())}>"
        )

    def _repr_markdown_(self) -> str:
        """Jupyter: the loss and one table row per array, long arrays cut short."""
        head = f"**{self.derivation.net.name}**: loss {self.loss:.9g}\n\n"
        rows = [
            f"| {group}.{key} | {shape} | {values} |" for group, key, shape, values in self._table()
        ]
        return head + "| array | shape | values |\n|---|---|---|\n" + "\n".join(rows) + "\n"

    def _groups(self) -> dict[str, dict[str, np.ndarray]]:
        return {
            "forward": self.forward,
            "deltas": self.deltas,
            "gradients": self.gradients,
            "updated_params": self.updated_params,
        }

    def _arrays(self) -> list[str]:
        return [f".{g} ({', '.join(arrays)})" for g, arrays in self._groups().items()]

    def _table(self, shown: int = 6) -> list[tuple[str, str, str, str]]:
        out = []
        for group, arrays in self._groups().items():
            for key, v in arrays.items():
                flat = np.ravel(v)
                values = ", ".join(f"{x + 0.0:.6g}" for x in flat[:shown])
                out.append(
                    (
                        group,
                        key,
                        "×".join(map(str, np.shape(v))) or "1",
                        values + (", …" if flat.size > shown else ""),
                    )
                )
        return out

    def as_json(self) -> dict:
        """Nested lists shaped like the example's x (one sample: vectors)."""

        def rows(arr: np.ndarray):
            return (arr[0] if self.single else arr).tolist()

        return {
            "loss": float(self.loss),
            "forward": {k: rows(v) for k, v in self.forward.items()},
            "deltas": {k: rows(v) for k, v in self.deltas.items()},
            "gradients": {k: v.tolist() for k, v in self.gradients.items()},
            "updated_params": {k: v.tolist() for k, v in self.updated_params.items()},
            "params": {k: v.tolist() for k, v in self.params.items()},
            "learning_rate": self.learning_rate,
        }


def run(d, example: Example) -> WorkedExample:
    """Forward pass, deltas, batch-mean gradients and one SGD step, from the layer rules."""
    X, Y = example.X, example.Y
    one = batch.run(d.rules, d.net, example.params, X, Y)
    forward, deltas = {}, {}
    for l, (Z, A, D) in enumerate(zip(one.Z, one.A, one.D), start=1):
        forward[f"z{l}"], forward[f"a{l}"] = Z, A
        deltas[f"delta{l}"] = D
    grads = {key: np.asarray(one.gradients[key], dtype=float) for key in example.params}
    updated = {}
    for key, v in example.params.items():
        frozen = not key.is_weight and not example.train_bias
        updated[key] = v.copy() if frozen else v - example.learning_rate * grads[key]
    return WorkedExample(
        float(np.mean(one.costs)),
        forward,
        deltas,
        grads,
        updated,
        {k: v.copy() for k, v in example.params.items()},
        example.learning_rate,
        example.single,
        d,
        X,
        Y,
    )
