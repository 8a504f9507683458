"""Canonical JSON for signing: stable bytes whatever the key order."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.domain.canonical import canonical_json, content_hash

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=30,
)


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(inner, rng) for key, inner in items}
    if isinstance(value, list):
        return [_shuffled(inner, rng) for inner in value]
    return value


@given(json_values, st.integers(min_value=0, max_value=2**32))
def test_stable_under_key_reordering(value: Any, seed: int) -> None:
    reordered = _shuffled(value, random.Random(seed))
    assert canonical_json(reordered) == canonical_json(value)
    assert content_hash(reordered) == content_hash(value)
    assert json.loads(canonical_json(value)) == value


def test_exact_bytes_and_hash() -> None:
    note = {"values": {"readiness": 7, "client_quote": "Ich fühle mich leicht"}, "id": "n1"}
    expected = '{"id":"n1","values":{"client_quote":"Ich fühle mich leicht","readiness":7}}'
    assert canonical_json(note) == expected.encode("utf-8")
    assert content_hash(note) == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert len(content_hash(note)) == 64


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"x": float("nan")}, ValueError),
        ({"x": float("inf")}, ValueError),
        ({1: "int key"}, TypeError),
        ({"when": object()}, TypeError),
    ],
)
def test_rejects_what_json_cannot_hold(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"\$"):
        canonical_json(value)
