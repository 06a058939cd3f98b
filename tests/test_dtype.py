"""dtype float32: the compiled model, the exported module and `train` compute in float32 and
agree with float64 to float32 precision."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_compile import random_net, random_problem

import symbp
from symbp.cli import main
from symbp.errors import SymbpError

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    ("sigmoid", "sigmoid", "binary_cross_entropy"),
    ("tanh", "softmax", "cross_entropy"),
    ("relu", "identity", "squared_error"),
    ("softplus", "sigmoid", "squared_error"),
]


@pytest.mark.parametrize("hidden, out, loss", CASES, ids=["-".join(c) for c in CASES])
def test_float32_gradients_match_float64_to_float32_precision(hidden, out, loss):
    net = random_net(hidden, out, loss, seed=3)
    params, X, Y = random_problem(net, 3)
    want = symbp.compile(net).gradients(params, X, Y)
    got = symbp.compile(net, dtype="float32").gradients(params, X, Y)
    scale = max(float(np.max(np.abs(v))) for v in want.values())
    for key in want:
        assert got[key].dtype == np.float32
        np.testing.assert_allclose(got[key], want[key], rtol=1e-4, atol=1e-5 * scale, err_msg=key)
        assert np.max(np.abs(got[key] - want[key])) > 0 or np.all(want[key] == 0)


def test_float32_step_differs_from_float64_by_rounding_only():
    net = symbp.load("softmax")
    ex = net.example
    m64, m32 = symbp.compile(net), symbp.compile(net, dtype="float32")
    p64 = m64.sgd_step(ex.params, ex.X, ex.Y, 0.1)
    p32 = m32.sgd_step(ex.params, ex.X, ex.Y, 0.1)
    gaps = [float(np.max(np.abs(p32[k] - p64[k]))) for k in p64]
    assert all(v.dtype == np.float32 for v in p32.values())
    assert 0 < max(gaps) < 1e-6


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_exported_float32_module_converts_its_arguments(tmp_path):
    out = tmp_path / "softmax32.py"
    assert main(["compile", "softmax", "--dtype", "float32", "-o", str(out)]) == 0
    mod = _import(out)
    net = symbp.load("softmax")
    ex = net.example
    new = mod.sgd_step(ex.params, ex.X, ex.Y, 0.1)  # float64 arguments
    want = symbp.compile(net).sgd_step(ex.params, ex.X, ex.Y, 0.1)
    for key, value in new.items():
        assert value.dtype == np.float32
        np.testing.assert_allclose(value, want[key], atol=1e-6)
    assert mod.forward(ex.params, ex.X).dtype == np.float32


def test_exported_float32_module_passes_ruff(tmp_path):
    ruff = shutil.which("ruff")
    assert ruff, "ruff is part of the test extra: pip install '.[test]'"
    model = symbp.compile(symbp.load("mazur"), dtype="float32")
    (tmp_path / "m.py").write_text(model.module_source())
    result = subprocess.run(
        [ruff, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_train_in_float32_follows_float64(tmp_path):
    h32, h64 = tmp_path / "a.csv", tmp_path / "b.csv"
    base = ["train", "xor", "--epochs", "200", "--lr", "2"]
    assert main([*base, "--dtype", "float32", "--history", str(h32)]) == 0
    assert main([*base, "--history", str(h64)]) == 0
    a = [float(line.split(",")[1]) for line in h32.read_text().splitlines()[1:]]
    b = [float(line.split(",")[1]) for line in h64.read_text().splitlines()[1:]]
    assert a != b and np.allclose(a, b, rtol=1e-4)


def test_unknown_dtype_is_refused():
    with pytest.raises(SymbpError, match="unknown dtype 'float16' \\(known: float64, float32\\)"):
        symbp.compile(symbp.load("xor"), dtype="float16")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compile", "xor", "--dtype", "float16"], "invalid choice: 'float16'"),
        (["compile", "xor", "--dtype", "float32", "--target", "jax"], "numpy target only"),
        (["train", "xor", "--dtype", "half"], "invalid choice: 'half'"),
    ],
    ids=["compile-float16", "jax-float32", "train-half"],
)
def test_bad_dtype_exits_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
