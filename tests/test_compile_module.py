"""The generated module's text: golden files, output/ kept current, ruff-clean, NumPy alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import symbp
from symbp.cli import main

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(symbp.list_examples())

GOLDEN_NETS = {
    "tanh_leaky_softmax_squared": symbp.Network(
        3,
        [
            symbp.Layer(4, "tanh", bias="none"),
            symbp.Layer(3, "leaky_relu", bias="shared", alpha=0.05),
            symbp.Layer(2, "softmax"),
        ],
        loss="squared_error",
    ),
    "softplus_identity": symbp.Network(
        2, [symbp.Layer(3, "softplus"), symbp.Layer(2, "identity", bias="none")]
    ),
    "relu_sigmoid_cross_entropy": symbp.Network(
        2, [symbp.Layer(3, "relu"), symbp.Layer(2, "sigmoid")], loss="cross_entropy"
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_NETS))
def test_generated_module_matches_golden(name, golden):
    golden(f"compile/{name}.py", symbp.compile(GOLDEN_NETS[name]).module_source())


def test_generated_modules_pass_ruff(tmp_path):
    ruff = shutil.which("ruff")
    assert ruff, "ruff is part of the test extra: pip install '.[test]'"
    nets = {**{n: symbp.load(n) for n in BUNDLED}, **GOLDEN_NETS}
    for name, net in nets.items():
        (tmp_path / f"{name}.py").write_text(symbp.compile(net).module_source())
    result = subprocess.run(
        [ruff, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


BLOCK_ALL_BUT_NUMPY = """
import importlib.abc, importlib.util, json, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("symbp", "sympy", "jinja2", "lark", "mpmath", "torch", "scipy"):
            raise ImportError("blocked: " + name)

sys.meta_path.insert(0, Block())
spec = importlib.util.spec_from_file_location("mazur_model", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
import numpy as np
params = {"W1": np.array([[0.15, 0.20], [0.25, 0.30]]), "b1": np.array(0.35),
          "W2": np.array([[0.40, 0.45], [0.50, 0.55]]), "b2": np.array(0.60)}
X, Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
new = mod.sgd_step(params, X, Y, 0.5)
in_place = mod.train_step({k: v.copy() for k, v in params.items()}, X, Y, 0.5, mod.workspace(1))
print(json.dumps({"loss": float(mod.loss(params, X, Y)), "w5": float(new["W2"][0, 0]),
                  "b2": float(new["b2"]), "out": mod.forward(params, X).tolist(),
                  "w5 in place": float(in_place["W2"][0, 0])}))
"""


def test_exported_mazur_module_runs_with_numpy_alone(tmp_path):
    path = tmp_path / "mazur.py"
    assert main(["compile", "mazur", "-o", str(path)]) == 0
    result = subprocess.run(
        [sys.executable, "-I", "-c", BLOCK_ALL_BUT_NUMPY, str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert got["w5"] == pytest.approx(0.35891648, abs=1e-8)
    assert got["w5 in place"] == pytest.approx(0.35891648, abs=1e-8)  # NumPy's update, no SciPy
    assert got["b2"] == 0.60
    assert got["out"][0] == pytest.approx([0.75136507, 0.772928465], abs=1e-9)


def test_compile_without_output_prints_the_module(capsys):
    assert main(["compile", "logistic"]) == 0
    out = capsys.readouterr().out
    assert out == symbp.compile(symbp.load("logistic")).module_source()


def test_compile_bundled_writes_every_example_into_the_folder(tmp_path):
    assert main(["compile", "--bundled", "-o", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{n}.py" for n in BUNDLED]
    assert (tmp_path / "xor.py").read_text() == symbp.compile(symbp.load("xor")).module_source()


def test_compile_of_a_bad_spec_exits_2_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('inputs = 2\n[[layers]]\nunits = 1\nactivation = "sigmod"\n')
    target = tmp_path / "bad.py"
    assert main(["compile", str(spec), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "layers[0].activation" in err and "sigmod" in err
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [spec]


def _exported(net: symbp.Network) -> dict:
    namespace: dict = {}
    exec(symbp.compile(net).module_source(), namespace)  # symbp's own generated text
    return namespace


BAD_TARGETS = [
    ("softmax", [[0.5, 0.4, 0.0]], "Y row 0: cross_entropy targets must be non-negative"),
    ("softmax", [[1.2, -0.2, 0.0]], "Y row 0: cross_entropy targets must be non-negative"),
    ("logistic", [[1.5]], r"Y row 0: binary_cross_entropy targets must lie in \[0, 1\]"),
    ("mazur", [[0.1, float("nan")]], r"Y row 0 is not finite: \[0.1, nan\]"),
    ("mazur", [[0.1, 0.2, 0.3]], r"Y must have shape \(m, 2\), got \[1, 3\]"),
]


@pytest.mark.parametrize(
    ("example", "Y", "message"), BAD_TARGETS, ids=[f"{e}-{m[:14]}" for e, _, m in BAD_TARGETS]
)
@pytest.mark.parametrize("function", ["loss", "gradients", "sgd_step"])
def test_exported_module_rejects_bad_targets_with_one_message(example, Y, message, function):
    net = symbp.load(example)
    mod = _exported(net)
    params = symbp.compile(net).init_params()
    X = [[0.5] * net.inputs]
    args = (params, X, Y, 0.1) if function == "sgd_step" else (params, X, Y)
    with pytest.raises(ValueError, match=message):
        mod[function](*args)


def test_exported_module_rejects_rows_that_do_not_match():
    mod = _exported(symbp.load("mazur"))
    params = symbp.compile(symbp.load("mazur")).init_params()
    with pytest.raises(ValueError, match="X has 2 rows but Y has 1"):
        mod["gradients"](params, [[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.5]])


def test_exported_module_accepts_lists_and_agrees_with_the_compiled_model():
    net = symbp.load("softmax")
    model, mod = symbp.compile(net), _exported(net)
    params = model.init_params(3)
    X, Y = [[0.5, -1.0, 2.0, 0.25]], [[0.2, 0.3, 0.5]]
    want, got = model.gradients(params, X, Y), mod["gradients"](params, X, Y)
    assert all((want[k] == got[k]).all() for k in want)


def test_compiled_model_rejects_non_finite_inputs():
    model = symbp.compile(symbp.load("mazur"))
    with pytest.raises(symbp.SymbpError, match=r"X row 1 is not finite"):
        model.gradients(model.init_params(), [[0.1, 0.2], [float("inf"), 0.0]], [[0.5] * 2] * 2)
