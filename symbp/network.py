"""The network: frozen dataclasses whose invariants are checked on construction.

A Network built in Python fails exactly like one loaded from TOML: every check raises
SpecError with the key it concerns (`layers[1].activation`, `example.params.W2`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from . import activations, datasets, losses, notation
from .errors import SpecError
from .keys import BiasMode, ParamKey
from .values import (
    MAX_MAGNITUDE,
    Example,
    Training,
    check_params,
    default_params,
    is_int,
    is_number,
    sample_rows,
)


@dataclass(frozen=True)
class Layer:
    """One non-input layer: its width, activation, bias mode and (leaky ReLU) slope."""

    units: int
    activation: str = "sigmoid"
    bias: BiasMode | str = BiasMode.PER_UNIT
    alpha: float | None = None

    def __post_init__(self):
        if not is_int(self.units) or self.units < 1:
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
        if not is_int(self.inputs) or not 1 <= self.inputs <= 100_000:
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
        x, single = sample_rows(spec["x"], self.inputs, "example.x")
        y, single_y = sample_rows(spec["y"], self.sizes[-1], "example.y")
        if len(x) != len(y) or single != single_y:
            raise SpecError(f"{len(x)} input rows but {len(y)} target rows", "example.y")
        self._check_targets(y)
        lr = spec.get("learning_rate", 0.1)
        if not is_number(lr) or not math.isfinite(lr) or not 0 < lr <= MAX_MAGNITUDE:
            raise SpecError(f"must be a positive number, got {lr!r}", "example.learning_rate")
        train_bias = spec.get("train_bias", True)
        if not isinstance(train_bias, bool):
            raise SpecError(f"must be true or false, got {train_bias!r}", "example.train_bias")
        shapes = self.parameter_shapes()
        seed = spec.get("seed", 0)
        if not is_int(seed) or seed < 0:
            raise SpecError(f"must be a non-negative integer, got {seed!r}", "example.seed")
        if "params" in spec:
            params = check_params(spec["params"], shapes)
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
