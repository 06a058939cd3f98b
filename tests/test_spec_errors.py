"""Bad specs are refused with one line naming the file and key; the CLI exits 2, no traceback."""

from __future__ import annotations

import pytest

import symbp
from symbp.cli import main
from symbp.errors import SpecError

GOOD = """
inputs = 2
loss = "squared_error"
[[layers]]
units = 2
activation = "sigmoid"
[[layers]]
units = 1
activation = "sigmoid"
[example]
x = [0.5, -0.2]
y = [1.0]
"""

# (id, TOML text, expected key, a fragment of the message)
BAD = [
    (
        "unknown-activation",
        GOOD.replace('"sigmoid"', '"sigmod"', 1),
        "layers[0].activation",
        "unknown activation 'sigmod'",
    ),
    (
        "bce-with-softmax-output",
        GOOD.replace('"squared_error"', '"binary_cross_entropy"')
        .replace('units = 1\nactivation = "sigmoid"', 'units = 2\nactivation = "softmax"')
        .replace("y = [1.0]", "y = [1.0, 0.0]"),
        "layers[1].activation",
        "use sigmoid outputs",
    ),
    (
        "softmax-single-unit",
        GOOD.replace('units = 1\nactivation = "sigmoid"', 'units = 1\nactivation = "softmax"'),
        "layers[1].units",
        "single unit",
    ),
    ("units-zero", GOOD.replace("units = 2", "units = 0"), "layers[0].units", "positive integer"),
    ("units-string", GOOD.replace("units = 2", 'units = "2"'), "layers[0].units", "positive"),
    ("units-float", GOOD.replace("units = 2", "units = 2.5"), "layers[0].units", "positive"),
    ("units-bool", GOOD.replace("units = 2", "units = true"), "layers[0].units", "positive"),
    ("units-missing", GOOD.replace("units = 2\n", ""), "layers[0].units", "needs units"),
    (
        "unknown-layer-key",
        GOOD.replace("units = 2", "units = 2\nsize = 3"),
        "layers[0].size",
        "unknown key",
    ),
    (
        "bad-bias",
        GOOD.replace("units = 2", 'units = 2\nbias = "some"'),
        "layers[0].bias",
        "unknown bias mode",
    ),
    (
        "alpha-on-sigmoid",
        GOOD.replace("units = 2", "units = 2\nalpha = 0.1"),
        "layers[0].alpha",
        "only applies to leaky_relu",
    ),
    (
        "alpha-too-big",
        GOOD.replace(
            'units = 2\nactivation = "sigmoid"', 'units = 2\nactivation = "leaky_relu"\nalpha = 2'
        ),
        "layers[0].alpha",
        "[0, 1)",
    ),
    ("inputs-zero", GOOD.replace("inputs = 2", "inputs = 0"), "inputs", "positive integer"),
    ("inputs-missing", GOOD.replace("inputs = 2\n", ""), "inputs", "needs 'inputs'"),
    ("layers-missing", "inputs = 2\n", "layers", "needs 'layers'"),
    ("layers-not-tables", "inputs = 2\nlayers = [1, 2]\n", "layers[0]", "must be a table"),
    ("unknown-top-key", "color = 1\n" + GOOD, "color", "unknown key"),
    ("unknown-loss", GOOD.replace('"squared_error"', '"hinge"'), "loss", "unknown loss 'hinge'"),
    ("loss-not-string", GOOD.replace('"squared_error"', "3"), "loss", "must be a string"),
    ("unknown-notation", 'notation = "einstein"\n' + GOOD, "notation", "unknown notation"),
    (
        "mazur-needs-one-hidden",
        'notation = "mazur"\ninputs = 2\n[[layers]]\nunits = 1\n',
        "notation",
        "exactly one hidden layer",
    ),
    (
        "ce-with-tanh-output",
        GOOD.replace('"squared_error"', '"cross_entropy"').replace(
            'units = 1\nactivation = "sigmoid"', 'units = 1\nactivation = "tanh"'
        ),
        "layers[1].activation",
        "sigmoid or softmax",
    ),
    (
        "x-wrong-length",
        GOOD.replace("x = [0.5, -0.2]", "x = [0.5]"),
        "example.x",
        "must have 2 entries",
    ),
    (
        "y-wrong-length",
        GOOD.replace("y = [1.0]", "y = [1.0, 2.0]"),
        "example.y",
        "must have 1 entries",
    ),
    (
        "x-not-numbers",
        GOOD.replace("x = [0.5, -0.2]", 'x = ["a", "b"]'),
        "example.x",
        "finite numbers",
    ),
    ("x-nan", GOOD.replace("x = [0.5, -0.2]", "x = [nan, 1.0]"), "example.x", "finite"),
    ("x-inf", GOOD.replace("x = [0.5, -0.2]", "x = [inf, 1.0]"), "example.x", "finite"),
    ("x-empty", GOOD.replace("x = [0.5, -0.2]", "x = []"), "example.x", "non-empty"),
    (
        "rows-mismatch",
        GOOD.replace("x = [0.5, -0.2]", "x = [[0.5, -0.2], [1, 2]]").replace(
            "y = [1.0]", "y = [[1.0]]"
        ),
        "example.y",
        "2 input rows but 1 target rows",
    ),
    ("y-missing", GOOD.replace("y = [1.0]\n", ""), "example.y", "needs y"),
    (
        "negative-learning-rate",
        GOOD + "learning_rate = -0.1\n",
        "example.learning_rate",
        "positive number",
    ),
    ("zero-learning-rate", GOOD + "learning_rate = 0\n", "example.learning_rate", "positive"),
    ("train-bias-not-bool", GOOD + 'train_bias = "no"\n', "example.train_bias", "true or false"),
    ("unknown-example-key", GOOD + "epochs = 3\n", "example.epochs", "unknown key"),
    (
        "param-wrong-shape",
        GOOD + "[example.params]\nW1 = [[1, 2]]\nb1 = [0, 0]\nW2 = [[1, 1]]\nb2 = [0]\n",
        "example.params.W1",
        "shape [2, 2]",
    ),
    (
        "param-missing",
        GOOD + "[example.params]\nW1 = [[1, 2], [3, 4]]\nb1 = [0, 0]\nW2 = [[1, 1]]\n",
        "example.params.b2",
        "missing parameter",
    ),
    (
        "param-unknown",
        GOOD + "[example.params]\nW1 = [[1, 2], [3, 4]]\nb1 = [0, 0]\nW2 = [[1, 1]]\n"
        "b2 = [0]\nW3 = [[1]]\n",
        "example.params.W3",
        "unknown parameter",
    ),
    (
        "param-nan",
        GOOD + "[example.params]\nW1 = [[1, nan], [3, 4]]\nb1 = [0, 0]\nW2 = [[1, 1]]\nb2 = [0]\n",
        "example.params.W1",
        "finite",
    ),
    (
        "param-strings",
        GOOD + "[example.params]\nW1 = [['a', 'b'], [3, 4]]\nb1 = [0, 0]\n"
        "W2 = [[1, 1]]\nb2 = [0]\n",
        "example.params.W1",
        "array of numbers",
    ),
    (
        "shared-bias-given-list",
        GOOD.replace("units = 2\n", 'units = 2\nbias = "shared"\n', 1)
        + "[example.params]\nW1 = [[1, 2], [3, 4]]\nb1 = [0, 0]\nW2 = [[1, 1]]\nb2 = [0]\n",
        "example.params.b1",
        "one number (the bias is shared)",
    ),
    (
        "ce-targets-not-distribution",
        GOOD.replace('"squared_error"', '"cross_entropy"')
        .replace("units = 1\nactivation", "units = 2\nactivation")
        .replace("y = [1.0]", "y = [0.5, 0.6]"),
        "example.y",
        "probability vector",
    ),
    (
        "bce-target-out-of-range",
        GOOD.replace('"squared_error"', '"binary_cross_entropy"').replace("y = [1.0]", "y = [1.5]"),
        "example.y",
        "[0, 1]",
    ),
]


@pytest.mark.parametrize("text,key,fragment", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_spec_error_names_the_key(tmp_path, text, key, fragment):
    path = tmp_path / "net.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        symbp.load(path)
    assert info.value.key == key
    assert fragment in info.value.message
    assert str(info.value).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize("text,key,fragment", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_spec_exits_2_with_one_line_and_no_traceback(tmp_path, capsys, text, key, fragment):
    path = tmp_path / "net.toml"
    path.write_text(text)
    assert main(["evaluate", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and key in err and "Traceback" not in err


def test_invalid_toml_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("inputs = 2\n[[layers]\nunits = 2\n")
    with pytest.raises(SpecError, match=r"broken.toml: invalid TOML: .*line 2"):
        symbp.load(path)


def test_unknown_example_name_lists_the_bundled_ones():
    with pytest.raises(SpecError, match="bundled examples: deep_logistic, digits, logistic, mazur"):
        symbp.load("mazurr")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SpecError, match="nothere.toml: no such file"):
        symbp.load(tmp_path / "nothere.toml")


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "bin.toml"
    path.write_bytes(b"inputs = 2\n\xff\xfe")
    with pytest.raises(SpecError, match="not UTF-8"):
        symbp.load(path)


def test_network_built_in_python_fails_like_a_spec():
    with pytest.raises(SpecError) as info:
        symbp.Network(2, (symbp.Layer(2, "sigmod"),))
    assert info.value.key == "activation"


def test_good_spec_loads_with_the_file_stem_as_name(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(GOOD)
    assert symbp.load(path).name == "tiny"
