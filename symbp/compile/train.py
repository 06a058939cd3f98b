"""Mini-batch SGD with a compiled model, and reading training data from CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable

import numpy as np

from ..errors import SpecError
from .model import Model


def read_csv(
    text: str, inputs: int, outputs: int, name: str = "data"
) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) from CSV text whose columns are the inputs, then the targets.

    A first line that is not all numbers is taken as a header. Raises SpecError naming the line.
    """
    width = inputs + outputs
    rows = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        where = f"line {number}"
        if len(fields) != width:
            raise SpecError(
                f"expected {width} columns ({inputs} inputs, then {outputs} targets), "
                f"got {len(fields)}",
                where,
                name,
            )
        try:
            values = [float(f) for f in fields]
        except ValueError:
            if number == 1 and not rows:
                continue
            bad = next(f for f in fields if not _is_float(f))
            raise SpecError(f"not a number: {bad.strip()!r}", where, name) from None
        if not all(math.isfinite(v) for v in values):
            raise SpecError("entries must be finite numbers", where, name)
        rows.append(values)
    if not rows:
        raise SpecError("no data rows", None, name)
    data = np.array(rows)
    return data[:, :inputs], data[:, inputs:]


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def train(
    model: Model,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    seed: int,
    progress: Callable[[int, int, float], None] | None = None,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Parameters after `epochs` passes over shuffled mini-batches, and the loss after each."""
    params = model._params(params)
    X, Y = model._xy(X, Y)
    rng = np.random.default_rng(seed)
    m = X.shape[0]
    step, loss = model._sgd_step, model._loss
    history = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
            params = step(params, X[batch], Y[batch], learning_rate)
        history.append(float(loss(params, X, Y)))
        if progress:
            progress(epoch, epochs, history[-1])
    return params, history
