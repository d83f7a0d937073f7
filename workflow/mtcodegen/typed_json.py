"""Lossless JSON for Python test values (call-style test arguments and expected results).

Plain JSON loses the difference between a tuple and a list, turns dict keys into strings, and cannot write
NaN or infinity. Test data must survive the round trip exactly, because the grader compares the candidate's
return value against it with strict types. The encoding:

- ``None``, ``bool``, ``int``, ``str`` and finite ``float`` are plain JSON (``1`` and ``1.0`` stay distinct);
- a non-finite float is ``{"__float__": "nan" | "inf" | "-inf"}``;
- ``list`` is a JSON array;
- ``tuple`` is ``{"__tuple__": [...]}``, ``set`` ``{"__set__": [...]}``, ``frozenset`` ``{"__frozenset__": [...]}``;
- ``dict`` is always ``{"__dict__": [[key, value], ...]}`` (so every JSON object is a tag: no ambiguity);
- ``bytes`` is ``{"__bytes__": "<base64>"}``; ``complex`` is ``{"__complex__": [re, im]}``.

Anything else raises ``TypeError`` naming the type: a test value that cannot be stored as data is an error in
the dataset, not something to smuggle through as code.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

_FLOAT_NAMES = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_SIMPLE_TAGS = {"__tuple__": tuple, "__set__": set, "__frozenset__": frozenset}


def encode(value: Any) -> Any:
    """Turn a Python value into a JSON-ready structure (see module doc)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, frozenset):
        return {"__frozenset__": [encode(v) for v in _stable_order(value)]}
    if isinstance(value, set):
        return {"__set__": [encode(v) for v in _stable_order(value)]}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, complex):
        return {"__complex__": [encode(value.real), encode(value.imag)]}
    raise TypeError(f"typed_json cannot encode a value of type {type(value).__name__}: {value!r:.80}")


def decode(data: Any) -> Any:
    """Inverse of :func:`encode`."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        if len(data) != 1:
            raise ValueError(f"typed_json: an object must hold exactly one tag, got keys {sorted(data)}")
        ((tag, payload),) = data.items()
        if tag in _SIMPLE_TAGS:
            return _SIMPLE_TAGS[tag](decode(v) for v in payload)
        if tag == "__dict__":
            return {_hashable(decode(k)): decode(v) for k, v in payload}
        if tag == "__float__":
            return _FLOAT_NAMES[payload]
        if tag == "__bytes__":
            return base64.b64decode(payload)
        if tag == "__complex__":
            return complex(decode(payload[0]), decode(payload[1]))
        raise ValueError(f"typed_json: unknown tag {tag!r}")
    raise TypeError(f"typed_json: not JSON data: {type(data).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(encode(value), ensure_ascii=False, allow_nan=False)


def loads(text: str) -> Any:
    return decode(json.loads(text))


def _stable_order(items):
    """Sets have no order; sort by the encoded form so that encoding is deterministic (hashes stay stable)."""
    return sorted(items, key=lambda v: json.dumps(encode(v), sort_keys=True))


def _hashable(key: Any) -> Any:
    if isinstance(key, list):  # a decoded list cannot be a key; it was never one in Python either
        raise ValueError("typed_json: a dict key decoded to a list")
    return key
