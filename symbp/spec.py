"""Spec loading: a TOML file or a bundled example's name becomes a Network. No math here."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from . import files, userdef
from .errors import SpecError, SymbpError
from .network import Layer, Network

TOP_KEYS = (
    "name",
    "notation",
    "loss",
    "inputs",
    "layers",
    "activations",
    "example",
    "train",
    "description",
)
LAYER_KEYS = ("units", "activation", "bias", "alpha")
MAX_SPEC_BYTES = 1_000_000


def bundled() -> dict[str, str]:
    """Bundled examples: name -> one-line description."""
    out = {}
    for entry in sorted(resources.files("symbp.examples").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            out[entry.name[:-5]] = data.get("description", "")
    return out


def load(source: str | Path) -> Network:
    """Load a Network from a TOML path or a bundled example's name; raise SpecError."""
    path = Path(source)
    text_name = str(source)
    if not text_name:
        raise SpecError("the spec argument is empty; give a TOML file or a bundled example's name")
    if _is_path(path):
        return loads_bytes(
            files.read_bytes(text_name, "spec", MAX_SPEC_BYTES), text_name, path.stem
        )
    names = bundled()
    if text_name in names:
        raw = resources.files("symbp.examples").joinpath(f"{text_name}.toml").read_bytes()
        return loads_bytes(raw, f"{text_name}.toml", text_name)
    if path.suffix == ".toml" or "/" in text_name:
        raise SpecError("no such file", file=text_name)
    raise SpecError(f"unknown example or file {text_name!r} (bundled examples: {', '.join(names)})")


def _is_path(path: Path) -> bool:
    """Whether `path` names something on disk (a dangling or looping link included)."""
    try:
        return path.is_symlink() or path.exists()
    except (OSError, ValueError):
        return True  # a loop, or a name the system refuses: let the reader say which


def _check_numbers(value, key: str = "") -> None:
    """Refuse integers outside TOML's 64-bit range (a 401-digit weight, rate or target)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise SpecError(
            f"integer of {len(str(abs(value)))} digits is out of range (TOML integers "
            "are 64-bit; write a float such as 1e30 if you mean a large number)",
            key,
        )
    if isinstance(value, dict):
        for k, v in value.items():
            _check_numbers(v, f"{key}.{k}" if key else k)
    if isinstance(value, list):
        for i, v in enumerate(value):
            _check_numbers(v, f"{key}[{i}]")


def loads_bytes(raw: bytes, label: str, stem: str) -> Network:
    """Parse TOML bytes into a Network; errors name `label` and the key."""
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"spec is larger than {MAX_SPEC_BYTES} bytes", file=label)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SpecError(f"not UTF-8 text (byte {e.start}); save it as UTF-8", file=label) from None
    try:
        data = files.parse_toml(text, label)
    except SymbpError as e:
        raise SpecError(str(e)) from None
    try:
        _check_numbers(data)
        return from_dict(data, stem)
    except SpecError as e:
        raise e.located(file=label) from None
    except RecursionError:
        raise SpecError("spec is nested too deeply", file=label) from None


def from_dict(data: dict, default_name: str = "network") -> Network:
    """Build a Network from the TOML table `data`; raise SpecError naming the key."""
    for key in data:
        if key not in TOP_KEYS:
            raise SpecError(f"unknown key {key!r} (known: {', '.join(TOP_KEYS)})", key)
    for key in ("inputs", "layers"):
        if key not in data:
            raise SpecError(f"the spec needs {key!r}", key)
    for key in ("name", "notation", "loss", "description"):
        if key in data and not isinstance(data[key], str):
            raise SpecError(f"must be a string, got {data[key]!r}", key)
    defined = data.get("activations", {})
    if not isinstance(defined, dict):
        raise SpecError("must be [activations.NAME] tables", "activations")
    for name, table in defined.items():
        userdef.define(name, table)
    raw_layers = data["layers"]
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError("must be one or more [[layers]] tables", "layers")
    if len(raw_layers) > 64:
        raise SpecError(f"at most 64 layers, got {len(raw_layers)}", "layers")
    layers = []
    for i, table in enumerate(raw_layers):
        where = f"layers[{i}]"
        if not isinstance(table, dict):
            raise SpecError(f"must be a table, got {table!r}", where)
        for key in table:
            if key not in LAYER_KEYS:
                raise SpecError(
                    f"unknown key {key!r} (known: {', '.join(LAYER_KEYS)})", f"{where}.{key}"
                )
        if "units" not in table:
            raise SpecError("the layer needs units", f"{where}.units")
        try:
            layers.append(Layer(**table))
        except SpecError as e:
            raise e.located(prefix=where) from None
    example = data.get("example")
    if example is not None and not isinstance(example, dict):
        raise SpecError("must be a table", "example")
    return Network(
        inputs=data["inputs"],
        layers=tuple(layers),
        loss=data.get("loss", "squared_error"),
        notation=data.get("notation", "nielsen"),
        name=data.get("name", default_name),
        example=example,
        description=data.get("description", ""),
        train=data.get("train"),
    )
