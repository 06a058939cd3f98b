"""Training samples from a file: CSV (inputs, then targets) or NumPy .npy/.npz, checked."""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from . import files
from .errors import SpecError

MAX_DATA_BYTES = 200_000_000
TARGET_TOLERANCE = 1e-6


def read_csv(
    text: str, inputs: int, outputs: int, name: str = "data"
) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) from CSV text whose columns are the inputs, then the targets.

    A first line that is not all numbers is taken as a header; a byte-order mark is dropped.
    Raises SpecError naming the line.
    """
    width = inputs + outputs
    rows = []
    for number, fields in enumerate(csv.reader(io.StringIO(text.removeprefix("\ufeff"))), 1):
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
            raise SpecError(f"not a number: {bad.strip()[:40]!r}", where, name) from None
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


def _read_numpy(path: str, raw: bytes, inputs: int, outputs: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        loaded = np.load(io.BytesIO(raw), allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            if not {"X", "Y"} <= set(loaded.files):
                raise SpecError(
                    f"an .npz needs arrays X and Y, got {sorted(loaded.files)}", None, path
                )
            X, Y = loaded["X"], loaded["Y"]
        else:
            X, Y = loaded[..., :inputs], loaded[..., inputs:]
        X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    except (ValueError, OSError, TypeError, EOFError) as e:
        raise SpecError(f"not a NumPy array file: {e}", None, path) from None
    for label, a, n in (("inputs", X, inputs), ("targets", Y, outputs)):
        if a.ndim != 2 or a.shape[1] != n or a.shape[0] == 0:
            raise SpecError(f"{label} must be rows of {n} numbers, got shape {a.shape}", None, path)
    if len(X) != len(Y):
        raise SpecError(f"{len(X)} input rows but {len(Y)} target rows", None, path)
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise SpecError("entries must be finite numbers", None, path)
    return X, Y


def check_targets(Y: np.ndarray, loss: str, name: str) -> None:
    """Raise SpecError naming the first row whose targets the loss cannot take."""
    for i, row in enumerate(Y):
        where = f"row {i + 1}"
        if loss == "binary_cross_entropy" and not ((row >= 0) & (row <= 1)).all():
            raise SpecError(
                f"binary cross-entropy targets must lie in [0, 1], got {row.tolist()}", where, name
            )
        if loss == "cross_entropy" and (
            (row < 0).any() or abs(row.sum() - 1) > TARGET_TOLERANCE * max(1, len(row))
        ):
            raise SpecError(
                "cross-entropy targets must be a probability distribution (non-negative, "
                f"sum 1), got {row.tolist()}",
                where,
                name,
            )


def load(path: str, inputs: int, outputs: int, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) from a .csv, .npy or .npz file, the targets checked against the loss."""
    raw = files.read_bytes(path, "data", MAX_DATA_BYTES)
    if path.endswith((".npy", ".npz")):
        X, Y = _read_numpy(path, raw, inputs, outputs)
    else:
        X, Y = read_csv(files.decode(raw, path), inputs, outputs, path)
    check_targets(Y, loss, path)
    return X, Y
