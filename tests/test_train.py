"""`symbp train`: XOR trains reproducibly below 0.01, CSV data, history, plot, bad input."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import symbp
from symbp.cli import main
from symbp.compile.train import train
from symbp.data import read_csv
from symbp.errors import SpecError


def history(path) -> list[float]:
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss"
    return [float(line.split(",")[1]) for line in lines[1:]]


def test_xor_trains_below_0_01_with_the_defaults(tmp_path, capsys):
    path = tmp_path / "h.csv"
    assert main(["train", "xor", "--history", str(path)]) == 0
    losses = history(path)
    assert len(losses) == 10000
    assert losses[-1] < 0.01
    assert losses[0] > 0.1
    assert "xor: loss" in capsys.readouterr().out


def test_training_is_reproducible_with_a_seed(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    base = ["train", "xor", "--epochs", "300", "--batch-size", "2", "--lr", "2"]
    assert main([*base, "--history", str(a)]) == 0
    assert main([*base, "--history", str(b)]) == 0
    assert main([*base, "--seed", "1", "--history", str(c)]) == 0
    assert a.read_text() == b.read_text()
    assert a.read_text() != c.read_text()


def test_training_lowers_the_loss_on_csv_data_and_saves_parameters(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    data = tmp_path / "data.csv"
    data.write_text("x1,x2,y\n" + "".join(f"{a},{b},{t}\n" for (a, b), t in zip(X, y)))
    hist, saved = tmp_path / "h.csv", tmp_path / "p.json"
    args = ["train", "logistic", "--data", str(data), "--epochs", "50", "--lr", "0.5"]
    assert main([*args, "--history", str(hist), "--save", str(saved)]) == 0
    losses = history(hist)
    assert losses[-1] < 0.5 * losses[0]
    params = json.loads(saved.read_text())
    model = symbp.compile(symbp.load("logistic"))
    assert model.loss(params, X, y[:, None]) == pytest.approx(losses[-1], rel=1e-12)


def test_frozen_biases_stay_unchanged_while_training():
    net = symbp.load("mazur")
    model = symbp.compile(net)
    start = model.init_params(0)
    start["b1"], start["b2"] = np.array(0.35), np.array(0.6)
    params, losses = train(
        model,
        start,
        net.example.X,
        net.example.Y,
        epochs=20,
        learning_rate=0.5,
        batch_size=1,
        seed=0,
    )
    assert float(params["b1"]) == 0.35 and float(params["b2"]) == 0.6
    assert losses[-1] < losses[0]


def test_bad_csv_value_exits_2_naming_the_line(tmp_path, capsys):
    data = tmp_path / "bad.csv"
    data.write_text("0,0,0\n0,1,1\n1,0,one\n")
    hist = tmp_path / "h.csv"
    assert main(["train", "xor", "--data", str(data), "--history", str(hist)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv: line 3: not a number: 'one'" in err
    assert not hist.exists()


def test_csv_with_wrong_column_count_names_the_line():
    with pytest.raises(SpecError, match="line 2: expected 3 columns"):
        read_csv("0,0,0\n1,1\n", 2, 1, "d.csv")


def test_csv_header_is_skipped_and_blank_lines_ignored():
    X, Y = read_csv("a,b,t\n\n1,2,3\n4,5,6\n", 2, 1)
    assert X.tolist() == [[1, 2], [4, 5]] and Y.tolist() == [[3], [6]]


def test_missing_data_file_exits_2(tmp_path, capsys):
    assert main(["train", "xor", "--data", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option",
    [["--epochs", "0"], ["--lr", "-1"], ["--batch-size", "x"], ["--seed", "-2"]],
    ids=["epochs", "lr", "batch-size", "seed"],
)
def test_bad_option_exits_2(option, capsys):
    assert main(["train", "xor", *option]) == 2
    assert "error: argument" in capsys.readouterr().err


def test_plot_without_matplotlib_exits_2_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    plot = tmp_path / "loss.png"
    assert main(["train", "xor", "--epochs", "5", "--plot", str(plot)]) == 2
    assert "pip install 'symbp[plot]'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_plot_writes_a_png_and_the_history_beside_it(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "loss.png"
    assert main(["train", "xor", "--epochs", "50", "--plot", str(plot)]) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(history(tmp_path / "loss.csv")) == 50


def test_train_reports_the_effective_batch_and_where_each_file_went(tmp_path, capsys):
    plot, saved = tmp_path / "loss.png", tmp_path / "p.json"
    pytest.importorskip("matplotlib")
    argv = ["train", "xor", "--epochs", "5", "--plot", str(plot), "--save", str(saved)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "(samples 4, batch 4," in lines[0]  # --batch-size 32 on 4 samples steps on 4
    assert lines[1:] == [
        f"plot: {plot}",
        f"history: {tmp_path / 'loss.csv'}",
        f"parameters: {saved}",
    ]


def test_progress_bar_with_the_loss_goes_to_a_terminal_stderr(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["train", "xor", "--epochs", "20"]) == 0
    captured = capsys.readouterr()
    assert "20/20" in captured.err and "loss 0.12553" in captured.err
    assert "epoch" not in captured.out.split("after")[0]


def test_progress_bar_is_quiet_when_stderr_is_not_a_terminal(capsys):
    assert main(["train", "xor", "--epochs", "20"]) == 0
    assert capsys.readouterr().err == ""


def test_spec_without_example_needs_data(tmp_path, capsys):
    spec = tmp_path / "net.toml"
    spec.write_text('inputs = 2\n[[layers]]\nunits = 1\nactivation = "sigmoid"\n')
    assert main(["train", str(spec), "--epochs", "1"]) == 2
    assert "give the samples with --data" in capsys.readouterr().err


def test_from_example_starts_at_the_specs_params_mazurs_published_first_step(tmp_path, capsys):
    saved = tmp_path / "p.json"
    assert main(["train", "mazur", "--from-example", "--epochs", "1", "--save", str(saved)]) == 0
    params = json.loads(saved.read_text())
    # Mazur's post (seeds/002): w5+ = 0.35891648, w1+ = 0.149780716 after one step at lr 0.5
    assert abs(params["W2"][0][0] - 0.35891648) < 5e-9
    assert abs(params["W1"][0][0] - 0.149780716) < 5e-10


def test_from_example_needs_an_example_table(tmp_path, capsys):
    spec = tmp_path / "net.toml"
    spec.write_text('inputs = 1\n[[layers]]\nunits = 1\nactivation = "sigmoid"\n')
    assert main(["train", str(spec), "--from-example", "--data", str(spec)]) == 2
    assert "--from-example" in capsys.readouterr().err


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


@pytest.mark.parametrize("threads", [1, 2])
def test_train_runs_the_blas_on_the_threads_asked_for(threads):
    net = symbp.load("xor")
    model = symbp.compile(net)
    seen = []
    train(
        model,
        model.init_params(0),
        net.example.X,
        net.example.Y,
        epochs=2,
        learning_rate=0.5,
        batch_size=4,
        seed=0,
        progress=lambda *_: seen.append(_blas_threads()),
        threads=threads,
    )
    # every BLAS loaded (scikit-learn brings SciPy's OpenBLAS beside NumPy's) runs on `threads`
    assert seen and all(t and set(t) == {threads} for t in seen)


def test_cli_train_defaults_to_one_blas_thread_per_core(monkeypatch, capsys):
    import importlib
    import os

    train_module = importlib.import_module("symbp.compile.train")
    asked = []
    real = train_module.train

    def spy(*args, **kwargs):
        asked.append(kwargs["threads"])
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "train", spy)
    assert main(["train", "xor", "--epochs", "3"]) == 0
    assert asked == [os.cpu_count()]


def test_train_limits_scipys_blas_even_when_the_step_loads_it(tmp_path):
    """In a fresh process SciPy's BLAS is loaded by the step's first product, after the limit
    is set unless train loads it first: every BLAS must still run on the threads asked for."""
    import subprocess
    import sys

    pytest.importorskip("scipy")
    code = (
        "import sys, symbp\n"
        "from threadpoolctl import threadpool_info\n"
        "from symbp.compile.train import train\n"
        "assert 'scipy' not in sys.modules\n"
        "net = symbp.Network(30, (symbp.Layer(20, 'sigmoid'), symbp.Layer(10, 'softmax')),"
        " loss='cross_entropy')\n"
        "import numpy as np\n"
        "rng = np.random.default_rng(0)\n"
        "X, Y = rng.uniform(size=(64, 30)), np.eye(10)[rng.integers(10, size=64)]\n"
        "model = symbp.compile(net)\n"
        "seen = []\n"
        "info = lambda: sorted((i['internal_api'], i['filepath'].rsplit('/', 1)[-1],"
        " i['num_threads']) for i in threadpool_info() if i['user_api'] == 'blas')\n"
        "train(model, model.init_params(0), X, Y, epochs=1, learning_rate=0.1, batch_size=64,"
        " seed=0, threads=1, progress=lambda *_: seen.append(info()))\n"
        "print(seen)\n"
        "assert len(seen[0]) >= 2 and all(n == 1 for _, _, n in seen[0]), seen\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_small_networks_train_through_the_straight_line_step_to_the_same_parameters():
    """XOR's batches (4 rows) run the straight-line sgd_step, not the matrix train_step, and end
    where the matrix step ends."""
    net = symbp.load("xor")
    model = symbp.compile(net)
    assert model.straight_rows >= 4
    args = (model.init_params(0), net.example.X, net.example.Y)
    kwargs = {"epochs": 300, "learning_rate": 0.5, "batch_size": 4, "seed": 0}
    matrix_step, calls = model._train_step, []
    model._train_step = lambda *a: calls.append(1) or matrix_step(*a)
    straight, _ = train(model, *args, **kwargs)
    assert calls == []
    model.straight_rows = 0  # every batch through train_step
    matrix, _ = train(model, *args, **kwargs)
    assert len(calls) == 300
    for key in matrix:
        np.testing.assert_allclose(straight[key], matrix[key], rtol=1e-10, atol=1e-12)
