"""Mini-batch SGD with a compiled model."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from .. import datasets, kernels
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
    `held_out` (X, Y) (None without). The BLAS runs on `threads` threads (None: as configured):
    SciPy's too, which the step's products use when it is installed, so it is loaded first
    (threadpoolctl limits the libraries loaded when the limit is set)."""
    kernels._scipy_blas()
    with threadpool_limits(limits=threads, user_api="blas"):
        return _train(
            model, params, X, Y, epochs, learning_rate, batch_size, seed, progress, held_out
        )


def _train(model, params, X, Y, epochs, learning_rate, batch_size, seed, progress, held_out):
    params = {k: np.array(v) for k, v in model._params(params).items()}  # updated or replaced
    X, Y = model._xy(X, Y)
    if held_out is not None:
        test_X, test_Y = model._xy(*held_out)
    rng = np.random.default_rng(seed)
    m = X.shape[0]
    step, loss = model._train_step, model._loss
    # batches of up to straight_rows rows (small networks) run the straight-line sgd_step, which
    # returns new arrays; X and Y were checked above, once
    straight, straight_step = model.straight_rows, model._sgd_step
    buffers = {}  # per batch size (the last batch of an epoch may be shorter): X, Y, workspace
    history = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
            n = len(batch)
            if n not in buffers:
                rows = (np.empty((n, X.shape[1]), X.dtype), np.empty((n, Y.shape[1]), Y.dtype))
                buffers[n] = (*rows, model._workspace(n, model.dtype))
            bx, by, work = buffers[n]
            np.take(X, batch, axis=0, out=bx)
            np.take(Y, batch, axis=0, out=by)
            if n <= straight:
                params = straight_step(params, bx, by, learning_rate)
            else:
                step(params, bx, by, learning_rate, work)
        history.append(float(loss(params, X, Y)))
        if progress:
            accuracy = None
            if held_out is not None:
                accuracy = datasets.accuracy(model._forward(params, test_X), test_Y)
            progress(epoch, epochs, history[-1], accuracy)
    return params, history
