"""typed_json: test values survive the JSON round trip exactly, and what cannot be data is an error."""

from __future__ import annotations

import json
import math

import pytest

from mtcodegen import typed_json


def round_trip(value):
    return typed_json.loads(json.dumps(json.loads(typed_json.dumps(value))))


def same(a, b):
    """Equality with types, recursively (1 != 1.0 != True, tuple != list), NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(k1, k2) and same(a[k1], b[k2]) for k1, k2 in zip(a, b))
    return a == b


@pytest.mark.parametrize("value", [
    None, True, False, 0, 1, 1.0, -0.5, "", "ünïcode", [1, 2], (1, 2), (), [(), []], ((1,), [2.0]),
    float("inf"), float("-inf"), {1: "a", (2, 3): [4], None: (5,), "k": {"nested": (1.5,)}},
    {1, 2, 3}, frozenset({"a"}), set(), b"\x00\xffbytes", bytearray(b"ab"), 1 + 2j, 10**30,
])
def test_round_trip_keeps_value_and_type(value):
    expected = bytes(value) if isinstance(value, bytearray) else value
    assert same(round_trip(value), expected)


def test_nan_round_trips():
    assert math.isnan(round_trip(float("nan")))


def test_distinctions_plain_json_loses():
    assert typed_json.encode((1, 2)) != typed_json.encode([1, 2])
    assert typed_json.dumps(1) != typed_json.dumps(1.0)
    assert type(round_trip(1)) is int and type(round_trip(1.0)) is float
    assert type(round_trip(True)) is bool
    assert list(round_trip({2: 0, 1: 0})) == [2, 1]  # key order and non-string keys survive


def test_sets_encode_deterministically():
    assert typed_json.dumps({3, 1, 2}) == typed_json.dumps({2, 3, 1})
    assert typed_json.dumps({3, 1, 2}) == typed_json.dumps(set([1, 2, 3]))


@pytest.mark.parametrize("value", [object(), lambda x: x, range(3), [1, object()], {"k": type}])
def test_unsupported_types_raise_naming_the_type(value):
    with pytest.raises(TypeError, match="cannot encode a value of type"):
        typed_json.encode(value)


@pytest.mark.parametrize("data, message", [
    ({"__tuple__": [1], "extra": 1}, "exactly one tag"),
    ({"__nope__": 1}, "unknown tag"),
    ({"__dict__": [[[1], 2]]}, "key decoded to a list"),
])
def test_malformed_encodings_raise(data, message):
    with pytest.raises(ValueError, match=message):
        typed_json.decode(data)
