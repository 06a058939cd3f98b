"""The network: frozen dataclasses whose invariants are checked on construction.

A Network built in Python fails exactly like one loaded from TOML: every check raises
SpecError with the key it concerns (`layers[1].activation`, `example.params.W2`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from . import activations, datasets, losses, notation
from .errors import SpecError
from .keys import BiasMode, ParamKey

MAX_MAGNITUDE = 1e6  # example values beyond this are typos, and would overflow deep products


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Layer:
    """One non-input layer: its width, activation, bias mode and (leaky ReLU) slope."""

    units: int
    activation: str = "sigmoid"
    bias: BiasMode | str = BiasMode.PER_UNIT
    alpha: float | None = None

    def __post_init__(self):
        if not _is_int(self.units) or self.units < 1:
            raise SpecError(f"units must be a positive integer, got {self.units!r}", "units")
        if self.units > 4096:
            raise SpecError(f"units must be at most 4096, got {self.units}", "units")
        try:
            entry = activations.get(self.activation)
        except SpecError as e:
            raise e.located(prefix="activation") from None
        if self.units < entry.min_units:
            raise SpecError(
                f"{self.activation} over a single unit is the constant 1; use sigmoid or give "
                "it 2 or more units",
                "units",
            )
        if self.bias not in tuple(BiasMode):
            known = ", ".join(BiasMode)
            raise SpecError(f"unknown bias mode {self.bias!r} (known: {known})", "bias")
        object.__setattr__(self, "bias", BiasMode(self.bias))
        if entry.params:
            (param,) = entry.params
            object.__setattr__(self, "alpha", param.check(self.alpha))
        elif self.alpha is not None:
            takes = ", ".join(e.name for e in activations.entries() if e.params)
            raise SpecError(f"alpha only applies to {takes}, not {self.activation}", "alpha")

    @property
    def params(self) -> tuple[float, ...]:
        """The activation's parameter values (leaky ReLU's alpha), in the order it takes them."""
        return () if self.alpha is None else (self.alpha,)


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
        if not _is_number(h) or not 0 <= h < 1:
            raise SpecError(f"must be a fraction in [0, 1), got {h!r}", "held_out")
        if not _is_int(self.split_seed) or self.split_seed < 0:
            seed = self.split_seed
            raise SpecError(f"must be a non-negative integer, got {seed!r}", "split_seed")
        for key in ("epochs", "batch_size"):
            v = getattr(self, key)
            if v is not None and (not _is_int(v) or v < 1):
                raise SpecError(f"must be a positive integer, got {v!r}", key)
        lr = self.learning_rate
        if lr is not None and (not _is_number(lr) or not 0 < lr <= MAX_MAGNITUDE):
            raise SpecError(f"must be a positive number, got {lr!r}", "learning_rate")


def _rows(value, width: int, key: str) -> tuple[tuple[tuple[float, ...], ...], bool]:
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
            if not _is_number(v) or not math.isfinite(v):
                raise SpecError(f"entries must be finite numbers, got {v!r}", where)
            if abs(v) > MAX_MAGNITUDE:
                raise SpecError(
                    f"entries must be at most {MAX_MAGNITUDE:g} in size, got {v!r}", where
                )
        out.append(tuple(float(v) for v in row))
    return tuple(out), single


def parameter_shapes(inputs: int, layers: tuple[Layer, ...]) -> dict[ParamKey, tuple[int, ...]]:
    """Return the shape of every parameter array, keyed W1, b1, W2, ... as in the spec."""
    shapes: dict[ParamKey, tuple[int, ...]] = {}
    prev = inputs
    for l, layer in enumerate(layers, start=1):
        shapes[ParamKey.weight(l)] = (layer.units, prev)
        shape = layer.bias.shape(layer.units)
        if shape is not None:
            shapes[ParamKey.bias(l)] = shape
        prev = layer.units
    return shapes


def default_params(shapes: dict[str, tuple[int, ...]], seed: int = 0) -> dict[str, np.ndarray]:
    """Parameters drawn from a fixed seed: uniform on [-1, 1], rounded to 2 decimals."""
    rng = np.random.default_rng(seed)
    return {k: np.round(rng.uniform(-1, 1, size=s), 2) for k, s in shapes.items()}


def _check_params(params, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
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


@dataclass(frozen=True)
class Network:
    """A feed-forward network: input width, layers (input side first), loss and notation."""

    inputs: int
    layers: tuple[Layer, ...]
    loss: str = "squared_error"
    notation: str = "nielsen"
    name: str = "network"
    example: Example | dict | None = None
    description: str = ""
    train: Training | dict | None = None

    def __post_init__(self):
        if not _is_int(self.inputs) or not 1 <= self.inputs <= 100_000:
            raise SpecError(f"inputs must be a positive integer, got {self.inputs!r}", "inputs")
        layers = self.layers
        if isinstance(layers, list):
            layers = tuple(layers)
            object.__setattr__(self, "layers", layers)
        if not isinstance(layers, tuple) or not layers:
            raise SpecError("at least one layer is needed ([[layers]] tables)", "layers")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise SpecError(f"must be a Layer, got {layer!r}", f"layers[{i}]")
        try:
            loss = losses.get(self.loss)
        except SpecError as e:
            raise e.located(prefix="loss") from None
        out = activations.get(layers[-1].activation)
        if loss.name in ("cross_entropy", "binary_cross_entropy") and out.name not in (
            "sigmoid",
            "softmax",
        ):
            raise SpecError(
                f"{loss.name} needs outputs in (0, 1): the last layer's activation must be "
                f"sigmoid or softmax, not {out.name}",
                f"layers[{len(layers) - 1}].activation",
            )
        if loss.name == "binary_cross_entropy" and out.name == "softmax":
            raise SpecError(
                "binary_cross_entropy treats each output as its own probability: use sigmoid "
                "outputs with it, or cross_entropy with softmax",
                f"layers[{len(layers) - 1}].activation",
            )
        try:
            notation.Notation(self.notation, self.sizes, self.bias_modes)
        except SpecError as e:
            raise e.located(prefix="notation") from None
        if not isinstance(self.name, str) or not self.name:
            raise SpecError("name must be a non-empty string", "name")
        if isinstance(self.example, dict):
            object.__setattr__(self, "example", self._build_example(self.example))
        elif self.example is not None and not isinstance(self.example, Example):
            raise SpecError(f"must be a table, got {self.example!r}", "example")
        object.__setattr__(self, "train", self._build_training(self.train))

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.inputs, *(layer.units for layer in self.layers))

    @property
    def bias_modes(self) -> tuple[BiasMode, ...]:
        return tuple(layer.bias for layer in self.layers)

    @property
    def depth(self) -> int:
        return len(self.layers)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        return parameter_shapes(self.inputs, self.layers)

    def _build_example(self, spec: dict) -> Example:
        known = {"x", "y", "learning_rate", "train_bias", "params", "seed"}
        for key in spec:
            if key not in known:
                raise SpecError(
                    f"unknown key {key!r} (known: {', '.join(sorted(known))})", f"example.{key}"
                )
        for key in ("x", "y"):
            if key not in spec:
                raise SpecError(f"the example needs {key}", f"example.{key}")
        x, single = _rows(spec["x"], self.inputs, "example.x")
        y, single_y = _rows(spec["y"], self.sizes[-1], "example.y")
        if len(x) != len(y) or single != single_y:
            raise SpecError(f"{len(x)} input rows but {len(y)} target rows", "example.y")
        self._check_targets(y)
        lr = spec.get("learning_rate", 0.1)
        if not _is_number(lr) or not math.isfinite(lr) or not 0 < lr <= MAX_MAGNITUDE:
            raise SpecError(f"must be a positive number, got {lr!r}", "example.learning_rate")
        train_bias = spec.get("train_bias", True)
        if not isinstance(train_bias, bool):
            raise SpecError(f"must be true or false, got {train_bias!r}", "example.train_bias")
        shapes = self.parameter_shapes()
        seed = spec.get("seed", 0)
        if not _is_int(seed) or seed < 0:
            raise SpecError(f"must be a non-negative integer, got {seed!r}", "example.seed")
        if "params" in spec:
            params = _check_params(spec["params"], shapes)
        else:
            params = default_params(shapes, seed)
        return Example(x, y, params, float(lr), train_bias, single)

    def _build_training(self, spec: Training | dict | None) -> Training | None:
        if isinstance(spec, dict):
            known = [f.name for f in fields(Training)]
            for key in spec:
                if key not in known:
                    raise SpecError(
                        f"unknown key {key!r} (known: {', '.join(known)})", f"train.{key}"
                    )
            try:
                spec = Training(**spec)
            except SpecError as e:
                raise e.located(prefix="train") from None
        elif spec is not None and not isinstance(spec, Training):
            raise SpecError(f"must be a table, got {spec!r}", "train")
        if spec is not None and spec.data is not None:
            ds = datasets.DATASETS[spec.data]
            if (ds.inputs, ds.classes) != (self.inputs, self.sizes[-1]):
                raise SpecError(
                    f"{ds.name} has {ds.inputs} inputs and {ds.classes} classes; the network has "
                    f"{self.inputs} inputs and {self.sizes[-1]} outputs",
                    "train.data",
                )
        return spec

    def _check_targets(self, rows) -> None:
        loss = losses.get(self.loss)
        for i, row in enumerate(rows):
            key = "example.y" if len(rows) == 1 else f"example.y[{i}]"
            if loss.targets_sum_to_one and (any(v < 0 for v in row) or abs(sum(row) - 1) > 1e-9):
                raise SpecError(
                    f"cross_entropy targets must be a probability vector (non-negative, "
                    f"sum 1), got {list(row)}",
                    key,
                )
            if loss.targets_in_unit_interval and any(not 0 <= v <= 1 for v in row):
                raise SpecError(
                    f"binary_cross_entropy targets must lie in [0, 1], got {list(row)}", key
                )

    def with_example(self, **spec) -> Network:
        """Return a copy with a worked example built from spec-style keyword values."""
        return Network(
            self.inputs,
            self.layers,
            self.loss,
            self.notation,
            self.name,
            spec,
            self.description,
            self.train,
        )
