"""The typed pieces: a layer's bias mode and a parameter's key."""

import json
import pickle

import pytest
import sympy as sp

import symbp
from symbp.errors import SpecError
from symbp.keys import BiasMode, ParamKey, ParamKind


@pytest.mark.parametrize(
    "mode, shape, count",
    [("per_unit", (3,), 3), ("shared", (), 1), ("none", None, 0)],
    ids=["per_unit", "shared", "none"],
)
def test_bias_mode_gives_the_b_array_shape_and_its_count(mode, shape, count):
    assert BiasMode(mode).shape(3) == shape
    assert BiasMode(mode).count(3) == count


def test_shared_bias_gradient_is_the_sum_of_the_deltas():
    d1, d2 = sp.symbols("d1 d2")
    assert BiasMode.SHARED.gradients([d1, d2]) == [d1 + d2]
    assert BiasMode.PER_UNIT.gradients([d1, d2]) == [d1, d2]
    assert BiasMode.NONE.gradients([d1, d2]) == []


def test_unit_bias_is_its_own_the_shared_one_or_zero():
    b1, b2 = sp.symbols("b1 b2")
    assert BiasMode.PER_UNIT.of_unit([b1, b2], 1) == b2
    assert BiasMode.SHARED.of_unit([b1], 1) == b1
    assert BiasMode.NONE.of_unit([], 1) == 0


def test_layer_reads_its_bias_mode_from_a_string():
    layer = symbp.load("mazur").layers[0]
    assert layer.bias is BiasMode.SHARED and layer.bias.shared


def test_param_key_prints_as_the_spec_key_and_knows_its_kind_and_layer():
    key = ParamKey.weight(2)
    assert key == "W2" and str(key) == "W2" and json.dumps({key: 1}) == '{"W2": 1}'
    assert (key.kind, key.layer, key.is_weight) == (ParamKind.WEIGHT, 2, True)
    assert pickle.loads(pickle.dumps(ParamKey.bias(11))).layer == 11


@pytest.mark.parametrize("text", ["W0", "w1", "b", "B2", "W1x", "W01"])
def test_malformed_param_key_is_refused(text):
    with pytest.raises(SpecError, match="not a parameter key"):
        ParamKey.parse(text)


def test_parsed_key_equals_the_built_one():
    assert ParamKey.parse("b12") == ParamKey.bias(12) and ParamKey.parse("b12").layer == 12


def test_parameter_shapes_are_keyed_by_param_keys():
    shapes = symbp.load("mazur").parameter_shapes()
    assert [(k.kind, k.layer) for k in shapes] == [("W", 1), ("b", 1), ("W", 2), ("b", 2)]
