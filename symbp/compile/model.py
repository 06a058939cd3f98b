"""`compile(net)`: the generated module loaded in-process, behind a small checking wrapper."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .. import losses
from ..derive import Derivation, batch, derive
from ..errors import SymbpError
from ..network import Network
from . import module, straight
from .program import CompileError

Params = Mapping[str, np.ndarray]
# (rtol, atol) of the generated gradients against the layer rules, by dtype
TOLERANCE = {"float64": (1e-9, 1e-12), "float32": (1e-4, 1e-6)}
TARGET_SUM_TOLERANCE = {"float64": 1e-9, "float32": 1e-6}  # of cross-entropy targets' sums

# what the straight-line code raises on arguments of the wrong shape or kind (it unpacks them)
_UNCHECKED = (AttributeError, KeyError, TypeError, ValueError, ZeroDivisionError)


class Model:
    """A compiled model: forward, loss, gradients and sgd_step generated from a derivation.

    `trained` lists the keys sgd_step updates; with frozen biases (the spec's
    `example.train_bias = false`, or `compile(net, train_bias=False)`) the biases are kept.
    Arguments are checked once: X and Y when they are new objects (an array changed in place
    is not checked again), the parameters by the straight-line code's own unpacking.
    """

    def __init__(self, d: Derivation, train_bias: bool, dtype: str = "float64"):
        module.check_dtype(dtype)
        self.derivation = d
        self.dtype = np.dtype(dtype)
        self.net = d.net
        self.train_bias = train_bias
        self.shapes = d.net.parameter_shapes()
        self.trained = tuple(module.trained_keys(d, train_bias))
        self.frozen = tuple(k for k in self.shapes if k not in self.trained)
        self.source = module.source(d, train_bias, header=False, dtype=dtype)
        namespace: dict = {}
        code = builtins.compile(self.source, "<symbp compiled model>", "exec")
        exec(code, namespace)
        self._forward = namespace["forward"]
        self._loss = namespace["loss"]
        self._gradients = namespace["gradients"]
        self._sgd_step = namespace["sgd_step"]
        self._train_step = namespace["train_step"]
        self._workspace = namespace["workspace"]
        self._workspaces: dict[int, dict[str, np.ndarray]] = {}  # by batch size, for sgd_step
        self.straight_rows = straight.rows(d) if "_matrix_sgd_step" in namespace else 0
        self._checked: tuple = (None, None)  # the last X and Y checked, when float arrays
        self._checked_rows: tuple = (None, None)  # the same, for sgd_step's matrix code
        if d.representative is not d:
            self._compare_with_rules()

    def _compare_with_rules(self, seed: int = 0) -> None:
        """Raise CompileError unless the generated gradients equal the layer rules' values at
        the real widths (the program itself was verified unit by unit at reduced widths)."""
        rng = np.random.default_rng(seed)
        params = self.init_params(seed)
        params = {k: v + rng.normal(0, 0.1, size=v.shape) for k, v in params.items()}
        X = rng.uniform(-1, 1, size=(2, self.net.inputs))
        Y = rng.uniform(0.05, 1, size=(2, self.net.sizes[-1]))
        if self.net.loss == "cross_entropy":
            Y = Y / Y.sum(axis=1, keepdims=True)
        want = batch.run(self.derivation.rules, self.net, params, X, Y).gradients
        got = self._gradients(params, X, Y)
        rtol, atol = TOLERANCE[self.dtype.name]
        for key, value in want.items():
            if not np.allclose(got[key], value, rtol=rtol, atol=atol):
                raise CompileError(f"{key}: the generated gradient differs from the layer rules")

    def module_source(self, templates: Path | None = None, target: str = "numpy") -> str:
        """The standalone module's text for `target` (numpy, jax or torch), headed by the
        network's name and description, from the template in `templates` (a folder) if it has
        one, else symbp's."""
        return module.source(
            self.derivation, self.train_bias, True, templates, target, self.dtype.name
        )

    def _params(self, params: Params) -> dict[str, np.ndarray]:
        if not isinstance(params, Mapping):
            raise SymbpError(f"params must be a mapping of arrays keyed {', '.join(self.shapes)}")
        out = {}
        for key, shape in self.shapes.items():
            if key not in params:
                raise SymbpError(f"params: missing {key!r} with shape {list(shape)}")
            arr = np.asarray(params[key], dtype=self.dtype)
            if arr.shape != shape:
                raise SymbpError(f"params: {key} has shape {list(arr.shape)}, not {list(shape)}")
            out[key] = arr
        return out

    def _rows(self, value, width: int, what: str) -> np.ndarray:
        arr = np.asarray(value, dtype=self.dtype)
        if arr.ndim != 2 or arr.shape[1] != width or arr.shape[0] == 0:
            raise SymbpError(f"{what} must have shape (m, {width}), got {list(arr.shape)}")
        bad = np.flatnonzero(~np.isfinite(arr).all(axis=1))
        if bad.size:
            raise SymbpError(f"{what} row {bad[0]} is not finite: {arr[bad[0]].tolist()}")
        return arr

    def _xy(self, X, Y) -> tuple[np.ndarray, np.ndarray]:
        X = self._rows(X, self.net.inputs, "X")
        Y = self._rows(Y, self.net.sizes[-1], "Y")
        if X.shape[0] != Y.shape[0]:
            raise SymbpError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
        loss = losses.get(self.net.loss)
        if loss.targets_sum_to_one:
            off = np.abs(Y.sum(axis=1) - 1) > TARGET_SUM_TOLERANCE[self.dtype.name]
            bad = np.flatnonzero((Y < 0).any(axis=1) | off)
            if bad.size:
                raise SymbpError(
                    f"Y row {bad[0]}: cross_entropy targets must be non-negative and sum to 1, "
                    f"got sum {Y[bad[0]].sum():g}"
                )
        if loss.targets_in_unit_interval:
            bad = np.flatnonzero(((Y < 0) | (Y > 1)).any(axis=1))
            if bad.size:
                raise SymbpError(
                    f"Y row {bad[0]}: binary_cross_entropy targets must lie in [0, 1], "
                    f"got {Y[bad[0]].tolist()}"
                )
        return X, Y

    def _run(self, fn, params: Params, X, Y, *rest) -> tuple[object, bool]:
        """fn's result and True when X and Y were checked before and the straight-line code
        takes the arguments as given; else (or when that code finds them wrong) fn's result
        on checked arguments and False."""
        if X is self._checked[0] and Y is self._checked[1]:
            try:
                return fn(params, X, Y, *rest), True
            except _UNCHECKED:
                pass
        X_checked, Y_checked = self._xy(X, Y)
        if X_checked is X and Y_checked is Y and len(X) <= self.straight_rows:
            self._checked = (X, Y)
        return fn(self._params(params), X_checked, Y_checked, *rest), False

    def _arrays(self, out: dict, fast: bool) -> dict[str, np.ndarray]:
        """The straight-line code's fresh arrays as they are (frozen parameters, passed through
        as given, made float arrays); any other result's entries as float arrays."""
        if not fast:
            return {k: np.asarray(out[k], dtype=self.dtype) for k in self.shapes}
        for key in self.frozen:
            out[key] = np.asarray(out[key], dtype=self.dtype)
        return out

    def forward(self, params: Params, X) -> np.ndarray:
        """The outputs a^L, one row per row of X."""
        return self._forward(self._params(params), self._rows(X, self.net.inputs, "X"))

    def loss(self, params: Params, X, Y) -> float:
        """The per-sample cost averaged over the batch."""
        return float(self._run(self._loss, params, X, Y)[0])

    def gradients(self, params: Params, X, Y) -> dict[str, np.ndarray]:
        """Batch-mean gradients keyed like params."""
        return self._arrays(*self._run(self._gradients, params, X, Y))

    def sgd_step(self, params: Params, X, Y, learning_rate: float) -> dict[str, np.ndarray]:
        """The parameters after one SGD step (keys not in `trained` unchanged): new arrays.
        Small networks run the straight-line code; others the generated train_step, in place
        on copies, with one workspace per batch size."""
        checked = self._checked
        if X is checked[0] and Y is checked[1]:
            try:  # the trainer's hot path: _run's fast branch, two calls less
                out = self._sgd_step(params, X, Y, learning_rate)
            except _UNCHECKED:
                pass
            else:
                return self._arrays(out, True) if self.frozen else out
        if self.straight_rows:
            return self._arrays(*self._run(self._sgd_step, params, X, Y, float(learning_rate)))
        new = {k: np.array(v) for k, v in self._params(params).items()}
        if X is not self._checked_rows[0] or Y is not self._checked_rows[1]:
            given = X, Y
            X, Y = self._xy(X, Y)
            if X is given[0] and Y is given[1]:
                self._checked_rows = given
        m = X.shape[0]
        if m not in self._workspaces:
            self._workspaces[m] = self._workspace(m, self.dtype)
        return self._train_step(new, X, Y, float(learning_rate), self._workspaces[m])

    def init_params(self, seed: int = 0) -> dict[str, np.ndarray]:
        """Weights drawn from N(0, 1/n_{l-1}) with `seed`; biases zero."""
        rng = np.random.default_rng(seed)
        out = {}
        for key, shape in self.shapes.items():
            if key.is_weight:
                w = rng.normal(0.0, 1.0 / np.sqrt(shape[1]), size=shape)
                out[key] = w.astype(self.dtype)
            else:
                out[key] = np.zeros(shape, self.dtype)
        return out


def compile(
    net: Network | Derivation, train_bias: bool | None = None, dtype: str = "float64"
) -> Model:
    """Compile `net` (or its derivation) into a NumPy Model computing in `dtype` (float64 or
    float32).

    `train_bias` defaults to the spec's `example.train_bias` (true when there is no example).
    """
    d = net if isinstance(net, Derivation) else derive(net)
    if train_bias is None:
        train_bias = d.net.example.train_bias if d.net.example is not None else True
    return Model(d, bool(train_bias), dtype)
