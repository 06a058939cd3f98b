"""Hand-written gradient code checked at random, non-symmetric points (seeds/001's bug)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import symbp
from symbp.errors import SymbpError
from symbp.verify.code import check_gradients, load_function

FIXTURE = Path(__file__).parent / "fixtures" / "seed001_gradients.py"


@pytest.fixture(scope="module")
def seed001():
    spec = importlib.util.spec_from_file_location("seed001_gradients", FIXTURE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def deep():
    return symbp.derive(symbp.load("deep_logistic"))


def test_seed001_first_layer_bug_is_caught_and_located(deep, seed001):
    report = check_gradients(deep, seed001.gradients, "gradients")
    assert not report.ok
    assert {(e.key, e.index) for e in report.wrong} == {("W1", (0, 1)), ("W1", (1, 0))}
    for e in report.wrong:
        assert e.derived == pytest.approx(e.finite_difference, rel=1e-5, abs=1e-9)
        assert e.error > 1e-4


def test_seed001_bug_is_invisible_at_the_blogs_symmetric_point(deep, seed001):
    assert check_gradients(deep, seed001.gradients, examples=[deep.net.example]).ok


def test_seed001_code_with_each_units_own_delta_passes(deep, seed001):
    report = check_gradients(deep, seed001.gradients_fixed)
    assert report.ok and report.checked == 3 * 15
    assert report.reference_error < 1e-7


def test_numpy_reference_gradients_pass_on_a_softmax_network():
    d = symbp.derive(symbp.load("softmax"))

    def grads(params, X, Y):  # written by hand, vectorised: the textbook softmax classifier
        z1 = X @ params["W1"].T + params["b1"]
        a1 = np.maximum(z1, 0)
        z2 = a1 @ params["W2"].T + params["b2"]
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        a2 = e / e.sum(axis=1, keepdims=True)
        m = X.shape[0]
        d2 = (a2 - Y) / m
        d1 = (d2 @ params["W2"]) * (z1 > 0)
        return {"W1": d1.T @ X, "b1": d1.sum(0), "W2": d2.T @ a1, "b2": d2.sum(0)}

    assert check_gradients(d, grads).ok


def test_a_missing_batch_mean_is_reported_on_every_entry():
    d = symbp.derive(symbp.load("logistic"))

    def summed(params, X, Y):
        a = 1 / (1 + np.exp(-(X @ params["W1"].T + params["b1"])))
        dz = a - Y
        return {"W1": dz.T @ X, "b1": dz.sum(0)}

    report = check_gradients(d, summed, samples=3)
    assert len(report.wrong) == 3
    for e in report.wrong:
        assert e.got == pytest.approx(3 * e.derived)


def test_symbp_check_gradients_public_api(seed001):
    report = symbp.check_gradients(symbp.load("deep_logistic"), seed001.gradients)
    assert report.ok is False and len(report.wrong) == 2
    assert report.max_error > 1e-4


@pytest.mark.parametrize(
    "func,match",
    [
        ("not_a_dict", "returned int"),
        ("raises", "raised ValueError: shapes do not align"),
    ],
    ids=["not-a-dict", "raises"],
)
def test_broken_user_functions_are_bad_input(deep, seed001, func, match):
    with pytest.raises(SymbpError, match=match):
        check_gradients(deep, getattr(seed001, func), func)


def test_wrong_shape_is_bad_input(deep):
    def flat(params, X, Y):
        return {k: np.zeros(7) for k in params}

    with pytest.raises(SymbpError, match="'W1' has shape \\[7\\]"):
        check_gradients(deep, flat)


@pytest.mark.parametrize(
    "target,match",
    [
        ("nowhere.py:f", "no such file"),
        (f"{FIXTURE}:nope", "no function 'nope'"),
        (str(FIXTURE), "expected FILE.py:FUNCTION"),
    ],
    ids=["no-file", "no-function", "no-colon"],
)
def test_loading_errors_are_one_line(target, match):
    with pytest.raises(SymbpError, match=match):
        load_function(target)


def test_module_that_fails_on_import_is_bad_input(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nraise RuntimeError('boom')\n")
    with pytest.raises(SymbpError, match="importing it raised RuntimeError: boom"):
        load_function(f"{bad}:f")
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with pytest.raises(SymbpError, match="broken.py:1: syntax error"):
        load_function(f"{broken}:f")
