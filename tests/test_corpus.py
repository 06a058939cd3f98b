"""The claims corpus (tests/corpus/claims_*.toml): claims as people write them, each with the
verdict a grader gives, the kind of mistake a diagnosis should name and (`notation`) the preset
it is read in. Reports the rates."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

import symbp
from symbp.errors import ClaimError
from symbp.verify.claims import Checker

CORPUS = sorted((Path(__file__).parent / "corpus").glob("claims_*.toml"))
NETS = {
    "tanh322": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2, "tanh"), symbp.Layer(2)], loss="squared_error"
    ),
    "relu32": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2, "relu"), symbp.Layer(2)], loss="squared_error"
    ),
    "softmax_se": lambda: symbp.Network(
        inputs=2, layers=[symbp.Layer(3, "softmax")], loss="squared_error"
    ),
    "identity21": lambda: symbp.Network(
        inputs=2, layers=[symbp.Layer(2, "tanh"), symbp.Layer(1, "identity")], loss="squared_error"
    ),
    "lrelu32": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2, "leaky_relu"), symbp.Layer(2)], loss="squared_error"
    ),
    "elu_id": lambda: symbp.Network(
        inputs=2,
        layers=[symbp.Layer(3, "elu"), symbp.Layer(2, "identity")],
        loss="squared_error",
    ),
    "softplus_bce": lambda: symbp.Network(
        inputs=2,
        layers=[symbp.Layer(2, "softplus"), symbp.Layer(1)],
        loss="binary_cross_entropy",
    ),
    "gelu_id": lambda: symbp.Network(
        inputs=2,
        layers=[symbp.Layer(2, "gelu"), symbp.Layer(1, "identity")],
        loss="squared_error",
    ),
    "sig_bce": lambda: symbp.Network(
        inputs=3, layers=[symbp.Layer(2), symbp.Layer(2)], loss="binary_cross_entropy"
    ),
    "tanh_ce": lambda: symbp.Network(
        inputs=2,
        layers=[symbp.Layer(3, "tanh"), symbp.Layer(3, "softmax")],
        loss="cross_entropy",
    ),
    "sig_ce": lambda: symbp.Network(
        inputs=2, layers=[symbp.Layer(2, "sigmoid")], loss="cross_entropy"
    ),
    "shared22": lambda: symbp.Network(
        inputs=2,
        layers=[symbp.Layer(2, bias="shared"), symbp.Layer(2, bias="shared")],
        loss="squared_error",
    ),
}
# Measured on this corpus; raise them as verify learns more forms (the issue asks 0.95 / 0.90).
VERDICT_FLOOR = 0.95
DIAGNOSIS_FLOOR = 0.90


def _claims() -> list[dict]:
    out = []
    for path in CORPUS:
        with open(path, "rb") as f:
            out += [{**c, "file": path.name} for c in tomllib.load(f)["claim"]]
    return out


def _run(checkers: dict, c: dict) -> tuple[str, str | None]:
    key = (c["net"], c.get("notation"))
    if key not in checkers:
        net = NETS[c["net"]]() if c["net"] in NETS else symbp.load(c["net"])
        if "notation" in c:
            net = dataclasses.replace(net, notation=c["notation"])
        checkers[key] = Checker(symbp.derive(net))
    try:
        v = checkers[key].verify(c["quantity"], c["claim"])
    except ClaimError:
        return "unreadable", None
    return str(v.status), (str(v.diagnosis.kind) if v.diagnosis else None)


def test_corpus_verdicts_and_diagnoses(capsys):
    claims = _claims()
    checkers: dict = {}
    right, wrong_total, named, misses = 0, 0, 0, []
    for c in claims:
        verdict, kind = _run(checkers, c)
        ok = verdict == c["verdict"]
        right += ok
        if c["verdict"] == "not_equal":
            wrong_total += 1
            named += ok and kind == c["kind"]
        if not ok or (c["verdict"] == "not_equal" and kind != c["kind"]):
            misses.append(f"{c['net']}: {c['quantity']} = {c['claim']}: {verdict}/{kind}")
    rate, diag = right / len(claims), named / wrong_total
    with capsys.disabled():
        print(
            f"\ncorpus: {len(claims)} claims ({wrong_total} wrong), right verdicts {rate:.1%},"
            f" named {diag:.1%}"
        )
        for m in misses:
            print("  miss:", m)
    assert rate >= VERDICT_FLOOR and diag >= DIAGNOSIS_FLOOR, misses


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_entries_are_complete(path):
    with open(path, "rb") as f:
        for c in tomllib.load(f)["claim"]:
            assert {"net", "quantity", "claim", "verdict"} <= set(c)
            assert set(c) <= {"net", "quantity", "claim", "verdict", "kind", "notation"}
            assert c["verdict"] in ("proved", "not_equal", "undecided")
            assert ("kind" in c) == (c["verdict"] == "not_equal"), c
