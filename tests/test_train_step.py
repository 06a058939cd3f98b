"""train_step, the in-place step `symbp train` runs: workspaces reused, -learning_rate / m in
the deltas, updates added to the parameters; it must equal sgd_step."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from test_compile import CASES, random_net, random_problem

import symbp
from symbp import kernels
from symbp.network import Layer, Network

SATURATED = [-1000.0, -700.0, -30.0, -1e-10, 0.0, 1e-10, 0.5, 30.0, 1000.0]


@pytest.mark.parametrize("z", SATURATED)
def test_sigmoid_kernels_through_the_tail_match_mpmath(z):
    mpmath.mp.dps = 80
    zs = np.full((2, 3), z)
    q, a, d = np.empty_like(zs), np.empty_like(zs), np.full_like(zs, -3.0)
    kernels._sigmoid_into(zs, q, a)
    kernels._times_sigmoid_prime(d, q)
    s = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
    for got, want in ((a, s), (d, -3 * s * (1 - s))):
        want = 0.0 if abs(z) >= 600 and abs(want) < 1 else float(want)  # exp(-600) and below: 0
        assert np.all(np.abs(got - want) <= 2e-16 * abs(want)), (got[0, 0], want)


@pytest.mark.parametrize("hidden, out, loss", CASES, ids=["-".join(c) for c in CASES])
def test_train_step_equals_sgd_step_twice_with_one_workspace(hidden, out, loss):
    for seed in (1, 2):  # one and two hidden layers, bias modes by seed
        net = random_net(hidden, out, loss, seed)
        model = symbp.compile(net)
        params, X, Y = random_problem(net, seed)
        want = model.sgd_step(model.sgd_step(params, X, Y, 0.3), X, Y, 0.3)
        mine = {k: np.array(v) for k, v in params.items()}
        work = model._workspace(len(X))
        model._train_step(mine, X, Y, 0.3, work)
        model._train_step(mine, X, Y, 0.3, work)
        for key in want:
            np.testing.assert_allclose(mine[key], want[key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_train_step_leaves_frozen_biases_and_writes_only_into_the_workspace():
    net = symbp.load("mazur")
    model = symbp.compile(net)
    ex = net.example
    params = {k: np.array(v) for k, v in ex.params.items()}
    ids = {k: id(v) for k, v in params.items()}
    work = model._workspace(1)
    model._train_step(params, ex.X, ex.Y, 0.5, work)
    assert {k: id(v) for k, v in params.items()} == ids
    assert float(params["b1"]) == 0.35 and float(params["b2"]) == 0.6
    # Mazur's post (seeds/002): w5+ = 0.35891648 after one step at lr 0.5
    assert abs(params["W2"][0, 0] - 0.35891648) < 5e-9
    assert sorted(work) == ["A1", "A2", "D1", "Q1", "Q2", "Z1", "Z2", "dW1", "dW2"]


def test_exported_module_offers_workspace_and_train_step(tmp_path):
    namespace: dict = {}
    exec(symbp.compile(symbp.load("softmax")).module_source(), namespace)
    ex = symbp.load("softmax").example
    params = {k: np.array(v) for k, v in ex.params.items()}
    want = namespace["sgd_step"](params, ex.X, ex.Y, 0.1)
    got = namespace["train_step"](params, ex.X, ex.Y, 0.1, namespace["workspace"](3))
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("z", [-1000.0, -30.0, 30.0, 1000.0])
def test_train_step_updates_of_saturated_sigmoid_units_keep_their_digits(monkeypatch, z):
    net = Network(2, (Layer(3, "sigmoid"), Layer(2, "sigmoid")), loss="squared_error")
    model = symbp.compile(net)
    monkeypatch.setitem(model._train_step.__globals__, "_BLAS", [None])  # updates via work
    params = {
        "W1": np.array([[z, 0.0], [0.0, z / 30], [z / 1000, 0.0]]),
        "b1": np.zeros(3),
        "W2": np.array([[0.4, -0.5, 0.3], [z / 100, 0.2, -0.1]]),
        "b2": np.array([0.1, -0.2]),
    }
    X = np.array([[1.0, 0.5], [0.25, 1.0]] * 300)  # past the straight-line code's rows
    Y = np.tile([[0.2, 0.9]], (600, 1))
    grads = model.gradients(params, X, Y)  # sigma' from z, as the saturation tests check
    work = model._workspace(600)
    model._train_step({k: v.copy() for k, v in params.items()}, X, Y, 0.5, work)
    for key in ("W1", "W2"):  # the update each weight received, before it was added
        np.testing.assert_allclose(work[f"d{key}"], -0.5 * grads[key], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("blas", [True, False], ids=["scipy-gemm", "numpy"])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_add_outer_adds_the_batch_sum_of_products_in_place(monkeypatch, blas, order, dtype):
    if blas:
        pytest.importorskip("scipy")
    else:
        monkeypatch.setattr(kernels, "_BLAS", [None])
    rng = np.random.default_rng(3)
    d, a = rng.normal(size=(4, 30)).astype(dtype), rng.normal(size=(4, 50)).astype(dtype)
    w = np.asarray(rng.normal(size=(30, 50)), dtype=dtype, order=order)  # 1024+: SciPy's gemm
    want = w.astype(float) + d.T.astype(float) @ a.astype(float)
    got = kernels._add_outer(w, d, a, np.empty((30, 50), dtype))
    assert got is w
    tol = 1e-5 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(w, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("blas", [True, False], ids=["scipy-gemm", "numpy"])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_products_are_written_into_their_workspace_array(monkeypatch, blas, order, dtype):
    if blas:
        pytest.importorskip("scipy")
    else:
        monkeypatch.setattr(kernels, "_BLAS", [None])
    rng = np.random.default_rng(4)
    a = np.asarray(rng.normal(size=(60, 5)), dtype=dtype, order=order)
    w = rng.normal(size=(30, 5)).astype(dtype)
    d = rng.normal(size=(60, 30)).astype(dtype)[:, ::-1]  # a strided view: copied, not misread
    tol = 1e-5 if dtype == np.float32 else 1e-14
    for kernel, args, want in (
        (kernels._rows_dot_t_into, (a, w), a.astype(float) @ w.astype(float).T),
        (kernels._rows_dot_into, (d, w), d.astype(float) @ w.astype(float)),
    ):
        out = np.full(want.shape, np.nan, dtype=dtype, order=order)
        assert kernel(*args, out) is out
        np.testing.assert_allclose(out, want, rtol=tol, atol=tol)


def test_a_step_runs_its_products_on_one_blas_library(monkeypatch):
    """With SciPy installed every product of train_step (of 1024 entries or more) goes through
    its gemm (NumPy and SciPy each ship an OpenBLAS, and two libraries' idle threads slow each
    other down)."""
    pytest.importorskip("scipy")
    net = Network(30, (Layer(40, "sigmoid"), Layer(32, "softmax")), loss="cross_entropy")
    model = symbp.compile(net)
    rng = np.random.default_rng(5)
    params = model.init_params(5)
    X, Y = rng.normal(size=(64, 30)), np.eye(32)[rng.integers(32, size=64)]  # 1024+ entries
    want = model.sgd_step(params, X, Y, 0.2)

    def refused(*args, **kwargs):
        raise AssertionError("numpy.matmul called in train_step")

    monkeypatch.setattr(np, "matmul", refused)
    got = {k: np.array(v) for k, v in params.items()}
    model._train_step(got, X, Y, 0.2, model._workspace(len(X)))
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-12, atol=1e-15)


def test_softmax_error_in_place_matches_mpmath_on_confident_tied_and_saturated_rows():
    mpmath.mp.dps = 80
    z = np.array(
        [
            [40.0, 0.0, -3.0, 1.0],  # confident: a_top rounds to 1, 1 - a_top ~ 1e-17
            [2.0, 2.0, -1.0, 0.5],  # a tie at the top
            [1000.0, -1000.0, 0.0, 999.0],
            [-1000.0, -1000.0, -1000.0, -1000.0],  # four ties
            [0.1, 0.2, 0.3, 0.4],
        ]
    )
    y = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 0, 1.0], [0.25] * 4, [0.1, 0.2, 0.3, 0.4]])
    scale = -0.3
    got = kernels._softmax_minus_into(z.copy(), y, scale, np.empty_like(z))
    for i, row in enumerate(z):
        e = [mpmath.exp(mpmath.mpf(v)) for v in row]
        for k in range(len(row)):
            a = e[k] / sum(e)
            want = float(scale * (a - mpmath.mpf(y[i, k])))
            # relative to the result; in the last row (soft targets) a - y cancels as it does
            # in any a - y, so there to the terms
            terms = abs(scale) * float(a + y[i, k]) if i == 4 else 0.0
            assert abs(got[i, k] - want) <= 4e-16 * (abs(want) + terms), (i, k, got[i, k], want)


@pytest.mark.parametrize("blas", [True, False], ids=["scipy-gemv", "numpy"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("strided", [False, True])
def test_column_sums_are_added_to_the_bias_in_place(monkeypatch, blas, dtype, strided):
    if blas:
        pytest.importorskip("scipy")
    else:
        monkeypatch.setattr(kernels, "_BLAS", [None])
    rng = np.random.default_rng(6)
    d = rng.normal(size=(70, 40)).astype(dtype)  # 1024 entries or more: SciPy's gemv
    base = rng.normal(size=80).astype(dtype)
    b = base[::2] if strided else base[:40].copy()  # a strided bias is summed by NumPy
    want = b.astype(float) + d.astype(float).sum(axis=0)
    assert kernels._add_column_sums(b, d) is b
    np.testing.assert_allclose(b, want, rtol=1e-5 if dtype == np.float32 else 1e-14)


def test_small_products_stay_in_numpy(monkeypatch):
    """Below 1024 entries SciPy's call costs more than the product: NumPy's matmul does it."""
    pytest.importorskip("scipy")
    a, w = np.ones((4, 2)), np.ones((3, 2))
    calls = []
    real = np.matmul

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "matmul", counted)
    out = np.empty((4, 3))
    assert kernels._rows_dot_t_into(a, w, out) is out and calls
    np.testing.assert_array_equal(out, 2.0)
