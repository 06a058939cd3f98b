"""Input files: kind and size checked before reading, one place per input kind (spec TOML,
claims file, CSV or NumPy data, verify-code Python file); a byte-order mark is accepted."""

from __future__ import annotations

import os

import pytest
from hostile._run import refused, run

CLAIM = '"dE/dw5" = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"\n'
GRADS = "def grads(params, X, Y):\n    return {k: 0 * v for k, v in params.items()}\n"

# each input kind: how a command line takes a file of that kind
KINDS = {
    "spec": lambda p: ["check", p],
    "claims": lambda p: ["verify", "mazur", "--claims", p],
    "csv": lambda p: ["train", "xor", "--epochs", "1", "--data", p],
    "python": lambda p: ["verify-code", "mazur", f"{p}:grads"],
}


def _fifo(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    return str(tmp_path / "fifo"), "FIFO"


def _loop(tmp_path):
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    return str(tmp_path / "loop"), "symbolic link loop"


def _dangling(tmp_path):
    os.symlink(tmp_path / "gone", tmp_path / "dangling")
    return str(tmp_path / "dangling"), "no such file"


def _folder(tmp_path):
    (tmp_path / "folder.toml").mkdir()
    return str(tmp_path / "folder.toml"), "is a folder"


def _sparse(tmp_path):
    path = tmp_path / "sparse.toml"
    with open(path, "wb") as f:
        f.truncate(2_500_000_000)  # 2.5 GB that takes no disk: refused from its size alone
    return str(path), "byte limit"


BAD = {
    "fifo": _fifo,
    "dev-zero": lambda tmp_path: ("/dev/zero", "device"),
    "dev-null": lambda tmp_path: ("/dev/null", "device"),
    "symlink-loop": _loop,
    "dangling-link": _dangling,
    "folder": _folder,
    "sparse-2.5GB": _sparse,
    "missing": lambda tmp_path: (str(tmp_path / "none.toml"), "no such file"),
}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("kind", list(KINDS))
def test_an_input_that_is_not_a_regular_file_is_named_without_reading_it(
    tmp_path, capsys, kind, bad
):
    path, fragment = BAD[bad](tmp_path)
    if kind == "spec" and bad == "missing":
        fragment = "no such file"
    err = refused(capsys, KINDS[kind](path), fragment)
    assert path in err


@pytest.mark.parametrize("kind", ["claims", "csv"])
def test_an_empty_file_argument_is_named(capsys, kind):
    refused(capsys, KINDS[kind](""), "empty")


def test_an_empty_spec_argument_is_named(capsys):
    refused(capsys, ["check", ""], "spec argument is empty")


def test_an_empty_python_file_argument_is_named(capsys):
    refused(capsys, ["verify-code", "mazur", ":grads"], "FILE.py:FUNCTION")


BOM = b"\xef\xbb\xbf"


def _mazur_bytes() -> bytes:
    from importlib import resources

    return resources.files("symbp.examples").joinpath("mazur.toml").read_bytes()


def test_a_spec_with_a_bom_reads_like_one_without(tmp_path, capsys):
    (tmp_path / "plain.toml").write_bytes(_mazur_bytes())
    (tmp_path / "bom.toml").write_bytes(BOM + _mazur_bytes())
    plain = run(capsys, ["evaluate", tmp_path / "plain.toml", "--json"])
    bom = run(capsys, ["evaluate", tmp_path / "bom.toml", "--json"])
    assert plain[0] == bom[0] == 0 and plain[1] == bom[1]


def test_a_claims_file_with_a_bom_is_read(tmp_path, capsys):
    (tmp_path / "c.toml").write_bytes(BOM + CLAIM.encode())
    code, out, err = run(capsys, ["verify", "mazur", "--claims", tmp_path / "c.toml"])
    assert code == 0, err


def test_a_csv_with_a_bom_keeps_its_first_sample(tmp_path):
    from symbp.data import load

    (tmp_path / "d.csv").write_bytes(BOM + b"0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    X, Y = load(str(tmp_path / "d.csv"), 2, 1, "squared_error")
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and Y.ravel().tolist() == [0, 1, 1, 0]


def test_a_csv_with_a_bom_and_a_header_skips_only_the_header(tmp_path):
    from symbp.data import load

    (tmp_path / "d.csv").write_bytes(BOM + b"x1,x2,y\n0,0,0\n1,1,0\n")
    X, _ = load(str(tmp_path / "d.csv"), 2, 1, "squared_error")
    assert X.tolist() == [[0, 0], [1, 1]]


@pytest.mark.parametrize("kind", ["spec", "claims", "csv"])
def test_a_file_that_is_not_utf8_names_the_byte(tmp_path, capsys, kind):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    refused(capsys, KINDS[kind](str(path)), "not UTF-8 text (byte 11)")


DEEP = {
    "arrays": "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "inline-tables": "x = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n",
    "arrays-of-tables": "x = [" + "{a = [" * 20_000 + "1" + "]}" * 20_000 + "]\n",
}


@pytest.mark.parametrize("shape", list(DEEP))
@pytest.mark.parametrize("kind", ["spec", "claims"])
def test_deeply_nested_toml_is_refused_not_a_recursion_error(tmp_path, capsys, kind, shape):
    path = tmp_path / "deep.toml"
    path.write_text(DEEP[shape])
    refused(capsys, KINDS[kind](str(path)), "nested too deeply")


def _mazur_with(old: str, new: str) -> str:
    text = _mazur_bytes().decode()
    assert old in text
    return text.replace(old, new, 1)


BIG = "9" * 401
HUGE_INTS = {
    "x": ("x = [0.05, 0.10]", f"x = [{BIG}, 0.10]", "example.x[0]"),
    "weight": ("W1 = [[0.15, 0.20]", f"W1 = [[{BIG}, 0.20]", "example.params.W1[0][0]"),
    "learning-rate": ("learning_rate = 0.5", f"learning_rate = {BIG}", "example.learning_rate"),
    "target": ("y = [0.01, 0.99]", f"y = [{BIG}, 0.99]", "example.y[0]"),
    "bias": ("b1 = 0.35", f"b1 = -{BIG}", "example.params.b1"),
    "units": ("units = 2", f"units = {BIG}", "layers[0].units"),
    "inputs": ("inputs = 2", f"inputs = {BIG}", "inputs"),
}


@pytest.mark.parametrize("case", list(HUGE_INTS))
def test_a_401_digit_integer_is_refused_naming_its_key(tmp_path, capsys, case):
    old, new, key = HUGE_INTS[case]
    (tmp_path / "big.toml").write_text(_mazur_with(old, new))
    refused(capsys, ["evaluate", tmp_path / "big.toml"], f"{key}: integer of 401 digits")


def test_a_401_digit_alpha_is_refused(tmp_path, capsys):
    text = _mazur_with('activation = "sigmoid"', f'activation = "leaky_relu"\nalpha = {BIG}')
    (tmp_path / "big.toml").write_text(text)
    refused(capsys, ["evaluate", tmp_path / "big.toml"], "alpha: integer of 401 digits")


def test_an_integer_past_4300_digits_is_refused(tmp_path, capsys):
    (tmp_path / "big.toml").write_text(_mazur_with("inputs = 2", "inputs = " + "9" * 5000))
    refused(capsys, ["evaluate", tmp_path / "big.toml"], "over 4300 digits")


def test_a_bigger_than_limit_claims_file_is_refused(tmp_path, capsys):
    (tmp_path / "c.toml").write_text(CLAIM + "# padding\n" * 200_000)
    refused(capsys, ["verify", "mazur", "--claims", tmp_path / "c.toml"], "byte limit")


def test_a_python_file_that_is_a_fifo_is_not_run(tmp_path, capsys):
    os.mkfifo(tmp_path / "g.py")
    refused(capsys, ["verify-code", "mazur", f"{tmp_path / 'g.py'}:grads"], "FIFO")


def test_the_readers_agree_on_a_regular_file(tmp_path, capsys):
    (tmp_path / "g.py").write_text(GRADS)
    code, _, err = run(capsys, ["verify-code", "mazur", f"{tmp_path / 'g.py'}:grads"])
    assert code == 1 and err == ""
