"""The worked example's numbers, computed by evaluating the derived expressions with NumPy.

Each expression becomes a function through sympy's lambdify (on expressions symbp derived, never
on user text) and is applied to the whole batch at once: one array of samples per symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..activations import numeric_namespace
from ..network import Example


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


@dataclass
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
    values: dict[sp.Symbol, np.ndarray]
    param_gradients: dict[sp.Symbol, float]

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
    """Forward pass, deltas, batch-mean gradients and one SGD step for derivation `d`."""
    X, Y = example.X, example.Y
    m = X.shape[0]
    env: dict[sp.Symbol, object] = {}
    for k, s in enumerate(d.inputs):
        env[s] = X[:, k]
    for j, s in enumerate(d.targets):
        env[s] = Y[:, j]
    for s, (key, idx) in d.param_index.items():
        env[s] = float(example.params[key][idx])
    forward, deltas = {}, {}
    for lf in d.layers:
        env.update(zip(lf.z, evaluate_exprs(lf.z_def, env, m)))
        env.update(zip(lf.a, evaluate_exprs(lf.a_def, env, m)))
        forward[f"z{lf.index}"] = np.stack([env[s] for s in lf.z], axis=1)
        forward[f"a{lf.index}"] = np.stack([env[s] for s in lf.a], axis=1)
    for lf, lb, ds in reversed(list(zip(d.layers, d.backward, d.delta_symbols))):
        env.update(zip(ds, evaluate_exprs(lb.delta, env, m)))
        deltas[f"delta{lf.index}"] = np.stack([env[s] for s in ds], axis=1)
    deltas = dict(sorted(deltas.items(), key=lambda kv: int(kv[0][5:])))
    (cost,) = evaluate_exprs([d.logit_cost], env, m)
    grads = {key: np.zeros_like(v, dtype=float) for key, v in example.params.items()}
    exprs = list(d.gradients.values())
    per_param = {}
    for s, v in zip(d.gradients, evaluate_exprs(exprs, env, m)):
        key, idx = d.param_index[s]
        per_param[s] = float(v.mean())
        grads[key][idx] = per_param[s]
    updated = {}
    for key, v in example.params.items():
        frozen = key.startswith("b") and not example.train_bias
        updated[key] = v.copy() if frozen else v - example.learning_rate * grads[key]
    return WorkedExample(
        float(cost.mean()),
        forward,
        deltas,
        grads,
        updated,
        {k: v.copy() for k, v in example.params.items()},
        example.learning_rate,
        example.single,
        env,
        per_param,
    )
