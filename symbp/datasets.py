"""Data sets that packages ship, by name, and the held-out split and accuracy used in training."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import SymbpError


@dataclass(frozen=True)
class Dataset:
    """A named data set: its width, number of classes, the extra that installs it, a loader."""

    name: str
    inputs: int
    classes: int
    extra: str
    load: Callable[[], tuple[np.ndarray, np.ndarray]]


def _digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits: 1797 rows of 64 pixels scaled from 0..16 to [0, 1], one-hot
    labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SymbpError(
            "the digits data set needs scikit-learn: pip install 'symbp[datasets]'"
        ) from None
    digits = load_digits()
    return digits.data / 16.0, np.eye(10)[digits.target]


DATASETS = {d.name: d for d in (Dataset("digits", 64, 10, "datasets", _digits),)}


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) of the data set `name`; SymbpError when its package is missing."""
    return DATASETS[name].load()


def split(
    X: np.ndarray, Y: np.ndarray, held_out: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X, Y) for training, then the held-out (X, Y): a `held_out` fraction of the rows drawn
    by a permutation seeded with `seed`."""
    order = np.random.default_rng(seed).permutation(len(X))
    n = round(held_out * len(X))
    test, keep = order[:n], order[n:]
    return X[keep], Y[keep], X[test], Y[test]


def accuracy(outputs: np.ndarray, Y: np.ndarray) -> float:
    """The fraction of rows classified right: the largest output is the largest target, or for
    one output unit, both lie on the same side of 1/2."""
    if outputs.shape[1] == 1:
        return float(np.mean((outputs[:, 0] > 0.5) == (Y[:, 0] > 0.5)))
    return float(np.mean(np.argmax(outputs, axis=1) == np.argmax(Y, axis=1)))
