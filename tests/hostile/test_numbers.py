"""Training numbers that are right or refused: targets the loss cannot take, divergence,
data files (CSV, .npy, .npz) with odd contents."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hostile._run import files_under, refused, run

from symbp.data import load

SOFTMAX = 'inputs = 2\nloss = "cross_entropy"\n[[layers]]\nunits = 3\nactivation = "softmax"\n'
LOGISTIC = (
    'inputs = 2\nloss = "binary_cross_entropy"\n[[layers]]\nunits = 1\nactivation = "sigmoid"\n'
)


def _spec(tmp_path, text: str):
    path = tmp_path / "net.toml"
    path.write_text(text)
    return path


# (id, CSV rows: 2 inputs, then 3 probability targets; the row that is wrong)
NOT_DISTRIBUTIONS = [
    ("sum-above-1", "0,0,1,0,0\n1,1,0.5,0.6,0\n", "row 2"),
    ("sum-below-1", "0,0,0.2,0.2,0.2\n", "row 1"),
    ("negative", "0,0,1,0,0\n0,1,0,1,0\n1,1,1.5,-0.5,0\n", "row 3"),
    ("all-zero", "0,0,0,0,0\n", "row 1"),
    ("counts-not-probabilities", "0,0,2,1,1\n", "row 1"),
    ("large", "0,0,1e300,0,0\n", "row 1"),
]


@pytest.mark.parametrize(
    "rows,where", [c[1:] for c in NOT_DISTRIBUTIONS], ids=[c[0] for c in NOT_DISTRIBUTIONS]
)
def test_cross_entropy_targets_must_be_distributions(tmp_path, capsys, rows, where):
    (tmp_path / "d.csv").write_text(rows)
    argv = ["train", _spec(tmp_path, SOFTMAX), "--data", tmp_path / "d.csv", "--epochs", "1"]
    err = refused(capsys, argv, f"d.csv: {where}: cross-entropy targets")
    assert "probability distribution" in err


@pytest.mark.parametrize("target", ["-0.1", "1.5", "2", "-1e-9", "1e300"])
def test_binary_targets_must_lie_in_0_1(tmp_path, capsys, target):
    (tmp_path / "d.csv").write_text(f"0,0,0\n0,1,1\n1,1,{target}\n")
    argv = ["train", _spec(tmp_path, LOGISTIC), "--data", tmp_path / "d.csv", "--epochs", "1"]
    refused(capsys, argv, "d.csv: row 3: binary cross-entropy targets must lie in [0, 1]")


@pytest.mark.parametrize("target", ["0", "1", "0.25", "1.0"])
def test_binary_targets_in_0_1_train(tmp_path, capsys, target):
    (tmp_path / "d.csv").write_text(f"0,0,0\n1,1,{target}\n")
    argv = ["train", _spec(tmp_path, LOGISTIC), "--data", tmp_path / "d.csv", "--epochs", "3"]
    code, out, err = run(capsys, argv)
    assert code == 0, err
    assert float(out.split("loss ")[1].split()[0]) >= 0


def test_distributions_within_rounding_train(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("0,0,0.1,0.2,0.7\n1,1,0.3333333,0.3333333,0.3333334\n")
    argv = ["train", _spec(tmp_path, SOFTMAX), "--data", tmp_path / "d.csv", "--epochs", "3"]
    assert run(capsys, argv)[0] == 0


@pytest.mark.parametrize("lr", ["1e300", "1e100", "1e30"])
@pytest.mark.parametrize("spec", ["xor", "mazur", "softmax", "logistic"])
def test_divergence_is_reported_with_exit_1_and_nothing_written(tmp_path, capsys, spec, lr):
    save = tmp_path / "p.json"
    argv = ["train", spec, "--lr", lr, "--epochs", "50", "--save", save]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy overflow warning would be a second stderr line
        err = refused(capsys, argv, "training diverged", status=1)
    assert "smaller --lr" in err
    assert files_under(tmp_path) == set()


def test_a_modest_learning_rate_does_not_diverge(tmp_path, capsys):
    assert run(capsys, ["train", "xor", "--lr", "2", "--epochs", "2000"])[0] == 0


@pytest.mark.parametrize("value", ["1e400", "-1e400"])
def test_a_lr_that_overflows_a_float_is_refused(capsys, value):
    refused(capsys, ["train", "xor", "--lr", value], "--lr")


def test_a_huge_seed_is_refused_not_an_overflow(capsys):
    refused(capsys, ["train", "xor", "--seed", "9" * 401], "--seed")


def test_a_huge_epoch_count_text_is_refused(capsys):
    refused(capsys, ["train", "xor", "--epochs", "9" * 5000], "--epochs")


CSV_CASES = [
    ("inf", "0,0,inf\n", "finite"),
    ("nan", "0,0,nan\n", "finite"),
    ("overflowing-number", "0,0,1e400\n", "finite"),
    ("only-a-header", "a,b,c\n", "no data rows"),
    ("empty", "", "no data rows"),
    ("blank-lines", "\n\n\n", "no data rows"),
    ("too-many-columns", "0,0,0,0\n", "expected 3 columns"),
    ("quoted-garbage", '0,0,0\n0,0,"1,2"\n', "line 2: not a number"),
    ("a-second-header", "a,b,c\n0,0,0\nx,y,z\n", "line 3"),
    ("nul-byte", "0,0,0\n0,0,\x000\n", "line 2"),
    ("empty-field", "0,0,0\n0,,1\n", "line 2: not a number: ''"),
]


@pytest.mark.parametrize("text,fragment", [c[1:] for c in CSV_CASES], ids=[c[0] for c in CSV_CASES])
def test_odd_csv_contents_are_refused_by_line(tmp_path, capsys, text, fragment):
    (tmp_path / "d.csv").write_text(text)
    refused(capsys, ["train", "xor", "--data", tmp_path / "d.csv", "--epochs", "1"], fragment)


def test_crlf_and_spaces_are_read(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"x1, x2, y\r\n0, 1, 1\r\n1 ,0 ,1\r\n")
    X, Y = load(str(tmp_path / "d.csv"), 2, 1, "squared_error")
    assert X.tolist() == [[0, 1], [1, 0]] and Y.ravel().tolist() == [1, 1]


def test_npz_data_trains(tmp_path, capsys):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    np.savez(tmp_path / "d.npz", X=X, Y=np.array([[0], [1], [1], [0]], dtype=float))
    code, out, err = run(capsys, ["train", "xor", "--data", tmp_path / "d.npz", "--epochs", "5"])
    assert code == 0 and "samples 4" in out, err


def test_npy_rows_train_like_the_same_csv(tmp_path, capsys):
    rows = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float)
    np.save(tmp_path / "d.npy", rows)
    (tmp_path / "d.csv").write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n")
    npy = run(capsys, ["train", "xor", "--data", tmp_path / "d.npy", "--epochs", "20"])
    csv = run(capsys, ["train", "xor", "--data", tmp_path / "d.csv", "--epochs", "20"])
    assert npy[0] == csv[0] == 0 and npy[1] == csv[1]


NPY_CASES = [
    ("wrong-width", lambda p: np.save(p / "d.npy", np.zeros((4, 5))), "d.npy", "shape"),
    ("one-dimensional", lambda p: np.save(p / "d.npy", np.zeros(3)), "d.npy", "shape"),
    ("no-rows", lambda p: np.save(p / "d.npy", np.zeros((0, 3))), "d.npy", "shape"),
    ("nan", lambda p: np.save(p / "d.npy", np.full((2, 3), np.nan)), "d.npy", "finite"),
    (
        "objects",
        lambda p: np.save(p / "d.npy", np.array([None, 1], dtype=object)),
        "d.npy",
        "NumPy",
    ),
    ("missing-Y", lambda p: np.savez(p / "d.npz", X=np.zeros((2, 2))), "d.npz", "X and Y"),
    (
        "rows-differ",
        lambda p: np.savez(p / "d.npz", X=np.zeros((2, 2)), Y=np.zeros((3, 1))),
        "d.npz",
        "rows",
    ),
    ("not-numpy", lambda p: (p / "d.npy").write_text("0,0,0\n"), "d.npy", "NumPy"),
]


@pytest.mark.parametrize(
    "make,name,fragment", [c[1:] for c in NPY_CASES], ids=[c[0] for c in NPY_CASES]
)
def test_odd_numpy_data_is_refused(tmp_path, capsys, make, name, fragment):
    make(tmp_path)
    refused(capsys, ["train", "xor", "--data", tmp_path / name, "--epochs", "1"], fragment)
