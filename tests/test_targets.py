"""`--target jax` and `--target torch`: the NumPy module's derived program printed for JAX and
PyTorch agrees with the NumPy module to 1e-12 in float64 on random networks (every activation,
every loss, every bias mode), runs under jax.jit / torch.inference_mode, and JAX's gradients
equal jax.grad of its own loss."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_random_networks import random_case

import symbp
from symbp.cli import main
from symbp.compile.targets import TARGETS

ROOT = Path(__file__).resolve().parent.parent
SEEDS = list(range(36))
IDS = [f"net{s}" for s in SEEDS]


def _load(source: str, name: str) -> dict:
    namespace: dict = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace


def _case(seed: int):
    net, ex = random_case(seed)
    model = symbp.compile(net)
    X, Y = np.array(ex.x, dtype=float), np.array(ex.y, dtype=float)
    params = {k: np.asarray(v, dtype=float) for k, v in ex.params.items()}
    ref = _load(model.module_source(), "numpy_module")
    return model, params, X, Y, ref


def _close(got, want, key=""):
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=key)


def test_random_cases_cover_every_activation_and_loss():
    nets = [random_case(s)[0] for s in SEEDS]
    used = {layer.activation for net in nets for layer in net.layers}
    assert used == {e.name for e in symbp.activations.entries()}
    assert {net.loss for net in nets} == {"squared_error", "cross_entropy", "binary_cross_entropy"}


@pytest.mark.parametrize("seed", SEEDS, ids=IDS)
def test_jax_module_agrees_with_numpy_module_under_jit(seed):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    model, params, X, Y, ref = _case(seed)
    mod = _load(model.module_source(target="jax"), "jax_module")
    jp = {k: jax.numpy.asarray(v) for k, v in params.items()}
    _close(jax.jit(mod["forward"])(jp, X), ref["forward"](params, X))
    _close(jax.jit(mod["loss"])(jp, X, Y), ref["loss"](params, X, Y))
    grads, want = jax.jit(mod["gradients"])(jp, X, Y), ref["gradients"](params, X, Y)
    new, want_new = jax.jit(mod["sgd_step"])(jp, X, Y, 0.3), ref["sgd_step"](params, X, Y, 0.3)
    for key in params:
        _close(grads[key], want[key], key)
        _close(new[key], want_new[key], key)


@pytest.mark.parametrize("seed", SEEDS, ids=IDS)
def test_jax_module_gradients_equal_jax_grad_of_its_loss(seed):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    model, params, X, Y, _ = _case(seed)
    mod = _load(model.module_source(target="jax"), "jax_module")
    jp = {k: jax.numpy.asarray(v) for k, v in params.items()}
    auto = jax.grad(mod["loss"])(jp, X, Y)
    derived = mod["gradients"](jp, X, Y)
    for key in params:
        np.testing.assert_allclose(derived[key], auto[key], rtol=1e-10, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("seed", SEEDS, ids=IDS)
def test_torch_module_agrees_with_numpy_module_under_inference_mode(seed):
    torch = pytest.importorskip("torch")
    model, params, X, Y, ref = _case(seed)
    mod = _load(model.module_source(target="torch"), "torch_module")
    tp = {k: torch.from_numpy(v) for k, v in params.items()}
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    with torch.inference_mode():
        _close(mod["forward"](tp, tX), ref["forward"](params, X))
        _close(mod["loss"](tp, tX, tY), ref["loss"](params, X, Y))
        grads, want = mod["gradients"](tp, tX, tY), ref["gradients"](params, X, Y)
        new, want_new = mod["sgd_step"](tp, tX, tY, 0.3), ref["sgd_step"](params, X, Y, 0.3)
    for key in params:
        assert grads[key].dtype == torch.float64
        _close(grads[key], want[key], key)
        _close(new[key], want_new[key], key)


def test_torch_step_builds_no_autograd_graph_even_for_parameters_that_require_grad():
    torch = pytest.importorskip("torch")
    model, params, X, Y, _ = _case(4)
    mod = _load(model.module_source(target="torch"), "torch_module")
    tp = {k: torch.from_numpy(v).requires_grad_() for k, v in params.items()}
    new = mod["sgd_step"](tp, torch.from_numpy(X), torch.from_numpy(Y), 0.1)
    assert all(v.grad_fn is None and not v.requires_grad for v in new.values())


@pytest.mark.parametrize("target", ["jax", "torch"])
def test_cli_compile_target_writes_the_module_source(target, tmp_path, capsys):
    assert main(["compile", "xor", "--target", target]) == 0
    assert capsys.readouterr().out == symbp.compile(symbp.load("xor")).module_source(None, target)


def test_cli_compile_unknown_target_exits_2(capsys):
    assert main(["compile", "xor", "--target", "tensorflow"]) == 2
    assert "--target" in capsys.readouterr().err


def test_unknown_target_in_python_raises_a_symbp_error():
    with pytest.raises(symbp.errors.SymbpError, match="unknown target 'mlx'"):
        symbp.compile(symbp.load("xor")).module_source(target="mlx")


@pytest.mark.parametrize("target", TARGETS)
def test_generated_target_modules_pass_ruff(target, tmp_path):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    for name in symbp.spec.bundled():
        text = symbp.compile(symbp.load(name)).module_source(target=target)
        (tmp_path / f"{name}.py").write_text(text)
    result = subprocess.run(
        [ruff, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
