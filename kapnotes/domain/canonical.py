"""Canonical JSON and the content hash used when a note is signed.

``canonical_json`` writes JSON with sorted keys, no insignificant whitespace,
UTF-8 text (no ``\\u`` escapes for non-ASCII) and no NaN or infinity, so the same
content always gives the same bytes whatever order its keys were built in.
``content_hash`` is the SHA-256 hex digest of those bytes. Only JSON data is
accepted (dict with str keys, list, tuple, str, int, float, bool, None): dates and
other objects must be turned into strings first, so that nothing is hashed in a
form that cannot be read back.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any


def _check(obj: Any, path: str) -> None:
    """Reject what JSON cannot hold unambiguously; the message names the JSON path."""
    if obj is None or isinstance(obj, str | bool | int):
        return
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"{path}: {obj!r} has no JSON form")
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be text, not {type(key).__name__}")
            _check(value, f"{path}.{key}")
        return
    if isinstance(obj, list | tuple):
        for index, value in enumerate(obj):
            _check(value, f"{path}[{index}]")
        return
    raise TypeError(f"{path}: {type(obj).__name__} is not JSON data")


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value (sorted keys, compact separators)."""
    _check(obj, "$")
    text = json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def content_hash(obj: Any) -> str:
    """SHA-256 hex digest of ``canonical_json(obj)``."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()
