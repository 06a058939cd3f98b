"""The numbers a spec carries besides its shape: a worked example (samples, targets and
parameter values) and the defaults for training, each checked on construction like the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import datasets
from .errors import SpecError
from .keys import ParamKey

MAX_MAGNITUDE = 1e6  # example values beyond this are typos, and would overflow deep products


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Example:
    """A worked example: samples as rows, targets, learning rate and parameter values."""

    x: tuple[tuple[float, ...], ...]
    y: tuple[tuple[float, ...], ...]
    params: dict[str, np.ndarray]
    learning_rate: float = 0.1
    train_bias: bool = True
    single: bool = True

    def __post_init__(self):
        keyed = {ParamKey.parse(k): v for k, v in self.params.items()}
        object.__setattr__(self, "params", keyed)

    @property
    def X(self) -> np.ndarray:
        return np.array(self.x, dtype=float)

    @property
    def Y(self) -> np.ndarray:
        return np.array(self.y, dtype=float)


@dataclass(frozen=True)
class Training:
    """Defaults for training: a bundled data set by name, the fraction of it held out for
    testing (drawn with `split_seed`), and epochs, batch size and learning rate."""

    data: str | None = None
    held_out: float = 0.0
    split_seed: int = 0
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None

    def __post_init__(self):
        if self.data is not None and self.data not in datasets.DATASETS:
            known = ", ".join(datasets.DATASETS)
            raise SpecError(f"unknown data set {self.data!r} (known: {known})", "data")
        h = self.held_out
        if not is_number(h) or not 0 <= h < 1:
            raise SpecError(f"must be a fraction in [0, 1), got {h!r}", "held_out")
        if not is_int(self.split_seed) or self.split_seed < 0:
            seed = self.split_seed
            raise SpecError(f"must be a non-negative integer, got {seed!r}", "split_seed")
        for key in ("epochs", "batch_size"):
            v = getattr(self, key)
            if v is not None and (not is_int(v) or v < 1):
                raise SpecError(f"must be a positive integer, got {v!r}", key)
        lr = self.learning_rate
        if lr is not None and (not is_number(lr) or not 0 < lr <= MAX_MAGNITUDE):
            raise SpecError(f"must be a positive number, got {lr!r}", "learning_rate")


def sample_rows(value, width: int, key: str) -> tuple[tuple[tuple[float, ...], ...], bool]:
    """Return (rows, single) for one sample or a list of rows of `width` finite numbers."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value:
        raise SpecError(f"must be a non-empty list of numbers or of rows, got {value!r}", key)
    single = not isinstance(value[0], (list, tuple))
    rows = [value] if single else list(value)
    if len(rows) > 100_000:
        raise SpecError(f"at most 100000 samples, got {len(rows)}", key)
    out = []
    for i, row in enumerate(rows):
        where = key if single else f"{key}[{i}]"
        if not isinstance(row, (list, tuple)):
            raise SpecError(f"must be a list of {width} numbers, got {row!r}", where)
        if len(row) != width:
            raise SpecError(f"must have {width} entries, got {len(row)}", where)
        for v in row:
            if not is_number(v) or not math.isfinite(v):
                raise SpecError(f"entries must be finite numbers, got {v!r}", where)
            if abs(v) > MAX_MAGNITUDE:
                raise SpecError(
                    f"entries must be at most {MAX_MAGNITUDE:g} in size, got {v!r}", where
                )
        out.append(tuple(float(v) for v in row))
    return tuple(out), single


def default_params(shapes: dict[str, tuple[int, ...]], seed: int = 0) -> dict[str, np.ndarray]:
    """Parameters drawn from a fixed seed: uniform on [-1, 1], rounded to 2 decimals."""
    rng = np.random.default_rng(seed)
    return {k: np.round(rng.uniform(-1, 1, size=s), 2) for k, s in shapes.items()}


def check_params(params, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    if not isinstance(params, dict):
        raise SpecError(f"must be a table of arrays, got {params!r}", "example.params")
    unknown = sorted(set(params) - set(shapes))
    if unknown:
        raise SpecError(
            f"unknown parameter {unknown[0]!r} (expected: {', '.join(shapes)})",
            f"example.params.{unknown[0]}",
        )
    missing = [k for k in shapes if k not in params]
    if missing:
        raise SpecError(
            f"missing parameter {missing[0]!r} with shape {list(shapes[missing[0]])}",
            f"example.params.{missing[0]}",
        )
    out = {}
    for k, shape in shapes.items():
        key = f"example.params.{k}"
        try:
            arr = np.array(params[k], dtype=float)
        except (TypeError, ValueError):
            raise SpecError(f"must be an array of numbers of shape {list(shape)}", key) from None
        if arr.shape != shape:
            want = "one number (the bias is shared)" if shape == () else f"shape {list(shape)}"
            raise SpecError(f"must have {want}, got shape {list(arr.shape)}", key)
        if not np.all(np.isfinite(arr)):
            raise SpecError("entries must be finite numbers", key)
        if np.any(np.abs(arr) > MAX_MAGNITUDE):
            raise SpecError(f"entries must be at most {MAX_MAGNITUDE:g} in size", key)
        out[k] = arr
    return out
