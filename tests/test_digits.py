"""`symbp train digits`: scikit-learn's 8x8 digits, a seeded held-out split, accuracy per epoch."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import symbp
from symbp import datasets
from symbp.cli import main
from symbp.errors import SpecError


def test_digits_trains_to_95_percent_held_out_accuracy(tmp_path, capsys):
    pytest.importorskip("sklearn")
    hist = tmp_path / "h.csv"
    assert main(["train", "digits", "--history", str(hist)]) == 0
    out = capsys.readouterr().out
    lines = hist.read_text().splitlines()
    assert lines[0] == "epoch,loss,accuracy"
    accuracy = [float(line.split(",")[2]) for line in lines[1:]]
    assert len(accuracy) == 30 and accuracy[-1] >= 0.95
    assert out.count("held-out accuracy") == 31  # one line per epoch, then the summary
    assert "epoch 30/30:" in out and "(359 samples)" in out


def test_held_out_accuracy_is_that_of_the_saved_parameters(tmp_path, capsys):
    sklearn = pytest.importorskip("sklearn.datasets")
    saved = tmp_path / "p.json"
    assert main(["train", "digits", "--epochs", "2", "--save", str(saved)]) == 0
    last = capsys.readouterr().out.splitlines()[-2]
    params = {k: np.array(v) for k, v in json.loads(saved.read_text()).items()}
    digits = sklearn.load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))[:359]
    X, labels = digits.data[order] / 16, digits.target[order]
    hidden = np.maximum(X @ params["W1"].T + params["b1"], 0)
    predicted = np.argmax(hidden @ params["W2"].T + params["b2"], axis=1)
    assert f"held-out accuracy {100 * np.mean(predicted == labels):.1f} %" in last


def test_plot_shows_loss_and_accuracy(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "digits.png"
    assert main(["train", "digits", "--epochs", "2", "--plot", str(plot)]) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "digits.csv").read_text().startswith("epoch,loss,accuracy\n")


def test_progress_bar_shows_the_accuracy_on_a_terminal(capsys, monkeypatch):
    pytest.importorskip("sklearn")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["train", "digits", "--epochs", "2"]) == 0
    err = capsys.readouterr().err
    assert "2/2" in err and "held-out accuracy" in err


def test_missing_scikit_learn_exits_2_with_the_pip_command(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    saved = tmp_path / "p.json"
    assert main(["train", "digits", "--save", str(saved)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'symbp[datasets]'" in err and len(err.splitlines()) == 1
    assert not saved.exists()


def test_split_is_seeded_and_disjoint():
    X = np.arange(20.0)[:, None]
    a = datasets.split(X, X, 0.25, 3)
    b = datasets.split(X, X, 0.25, 3)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    train_X, _, test_X, _ = a
    assert len(test_X) == 5 and sorted([*train_X[:, 0], *test_X[:, 0]]) == list(range(20))


def test_accuracy_counts_argmax_and_one_unit_thresholds():
    Y = np.eye(3)[[0, 1, 2, 1]]
    outputs = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    assert datasets.accuracy(outputs, Y) == 0.5
    assert datasets.accuracy(np.array([[0.9], [0.4]]), np.array([[1.0], [1.0]])) == 0.5


@pytest.mark.parametrize(
    "table, message",
    [
        ({"data": "mnist"}, "train.data: unknown data set 'mnist' (known: digits)"),
        ({"held_out": 1}, "train.held_out: must be a fraction in [0, 1), got 1"),
        ({"epochs": 0}, "train.epochs: must be a positive integer, got 0"),
        ({"rate": 1}, "train.rate: unknown key 'rate'"),
    ],
    ids=["unknown-data", "held-out-1", "epochs-0", "unknown-key"],
)
def test_bad_train_table_names_the_key(table, message):
    with pytest.raises(SpecError) as e:
        symbp.Network(64, (symbp.Layer(10, "softmax"),), "cross_entropy", train=table)
    assert message in str(e.value)


def test_data_set_must_fit_the_network():
    with pytest.raises(SpecError, match="train.data: digits has 64 inputs and 10 classes"):
        symbp.Network(64, (symbp.Layer(3, "softmax"),), "cross_entropy", train={"data": "digits"})


def test_digits_is_listed_among_the_examples(capsys):
    assert main(["examples"]) == 0
    assert "digits" in capsys.readouterr().out
