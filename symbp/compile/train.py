"""Mini-batch SGD with a compiled model."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from .. import datasets
from .model import Model

Progress = Callable[[int, int, float, float | None], None]


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
    progress: Progress | None = None,
    threads: int | None = None,
    held_out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Parameters after `epochs` passes over shuffled mini-batches, and the loss after each;
    `progress(epoch, epochs, loss, accuracy)` follows each epoch, the accuracy that on the
    `held_out` (X, Y) (None without). The BLAS runs on `threads` threads (None: as configured)."""
    with threadpool_limits(limits=threads, user_api="blas"):
        return _train(
            model, params, X, Y, epochs, learning_rate, batch_size, seed, progress, held_out
        )


def _train(model, params, X, Y, epochs, learning_rate, batch_size, seed, progress, held_out):
    params = model._params(params)
    X, Y = model._xy(X, Y)
    if held_out is not None:
        test_X, test_Y = model._xy(*held_out)
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
            accuracy = None
            if held_out is not None:
                accuracy = datasets.accuracy(model._forward(params, test_X), test_Y)
            progress(epoch, epochs, history[-1], accuracy)
    return params, history
