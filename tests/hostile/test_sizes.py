"""Network size versus the work asked: what works per unit is refused at once on a network far
larger than that (784-256-10, 203,530 parameters), with one line saying what to do instead."""

from __future__ import annotations

import time

import pytest
from hostile._run import refused

BIG = """inputs = 784
[[layers]]
units = 256
activation = "sigmoid"
[[layers]]
units = 10
activation = "sigmoid"
"""


@pytest.fixture
def big(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(BIG)
    return path


def test_a_claim_about_a_784_256_10_network_is_refused_at_once(big, capsys):
    start = time.perf_counter()
    argv = ["verify", big, "--quantity", "dC/dw^2_{11}", "--claim", "delta^2_1 a^1_1"]
    err = refused(capsys, argv, "203,530")
    assert "narrower copy" in err
    assert time.perf_counter() - start < 60  # it took minutes and then misread the quantity


def test_gradient_code_for_a_784_256_10_network_is_refused_at_once(big, tmp_path, capsys):
    (tmp_path / "g.py").write_text("def g(params, X, Y):\n    return params\n")
    refused(capsys, ["verify-code", big, f"{tmp_path / 'g.py'}:g"], "203,530")
