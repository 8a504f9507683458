"""Read instrument files: one file strictly, or whole folders leniently.

``load_instrument_file`` raises :class:`InstrumentError` naming the file, where the
problem is (the item id and JSON path) and what it is. ``load_instruments`` reads
the bundled folder and any clinic folders, skipping bad files and returning a
warning for each, so one broken clinic file never hides the shipped measures.

Files are parsed with :mod:`json` and validated by the pydantic models; nothing in
a file is executed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kapnotes.domain.assets import get_asset
from kapnotes.domain.instruments.errors import InstrumentError
from kapnotes.domain.instruments.model import CONDITION_TAGS, InstrumentSpec

MAX_FILE_BYTES = 1_000_000
"""Instrument files larger than this are refused (real ones are a few kilobytes)."""

_NAMED_LISTS = {"items": "item", "flags": "flag", "rules": "rule", "clusters": "cluster"}
_CONDITION_LISTS = {"all", "any_of"}
_TYPE_MESSAGES = {
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
}


class _BadJsonError(ValueError):
    """JSON that json.loads accepts but we do not: repeated keys, NaN, Infinity."""


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _BadJsonError(f"invalid JSON: key '{key}' appears twice in one object")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise _BadJsonError(f"invalid JSON: {name} is not a number")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_condition_position(loc: Sequence[int | str], index: int) -> bool:
    """Whether ``loc[:index]`` leads to a condition (where pydantic adds a tag)."""
    if index >= 1 and loc[index - 1] == "when":
        return True
    return index >= 2 and isinstance(loc[index - 1], int) and loc[index - 2] in _CONDITION_LISTS


def _where(loc: Sequence[int | str], data: object) -> str:
    """Render a pydantic error location as ``item 'x' (items[3].options[1].value)``."""
    path = ""
    subject = ""
    current: object = data
    for index, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
            current = current[part] if isinstance(current, list) and part < len(current) else None
            if index == 1 and isinstance(current, dict) and loc[0] in _NAMED_LISTS:
                named = current.get("id")
                if isinstance(named, str):
                    subject = f"{_NAMED_LISTS[str(loc[0])]} '{named}'"
            continue
        if part in CONDITION_TAGS and _is_condition_position(loc, index):
            continue  # pydantic's tag for the kind of condition, not a key in the file
        if not isinstance(current, dict):
            continue  # a union member's name (e.g. 'int' / 'float'), not a key
        path += f".{part}" if path else part
        current = current.get(part)
    if subject:
        return f"{subject} ({path})"
    return path or "top level"


def _problems_from(error: ValidationError, data: object) -> list[str]:
    """One readable line per validation problem."""
    problems: list[tuple[str, str, str]] = []  # (where, error type, message)
    for detail in error.errors(include_url=False):
        loc = detail["loc"]
        kind = detail["type"]
        message = detail["msg"]
        if kind == "value_error":
            message = message.removeprefix("Value error, ")
            if not loc:  # whole-file checks: each line already says where
                problems.extend(("", kind, line) for line in message.splitlines())
                continue
        elif kind == "extra_forbidden":
            problems.append((_where(loc[:-1], data), kind, f"unknown key '{loc[-1]}'"))
            continue
        elif kind == "missing":
            problems.append((_where(loc[:-1], data), kind, f"missing key '{loc[-1]}'"))
            continue
        elif kind in ("string_too_short", "too_short"):
            message = "must not be empty"
        elif kind in _TYPE_MESSAGES:
            message = f"{_TYPE_MESSAGES[kind]}, got {_short(detail.get('input'))}"
        elif "input" in detail and kind != "condition_kind":
            message = message.replace("Input should be", "must be", 1)
            message = f"{message} (got {_short(detail['input'])})"
        where = _where(loc, data)
        if (
            problems
            and problems[-1][0] == where
            and {kind, problems[-1][1]}
            <= {
                "int_type",
                "float_type",
            }
        ):
            # ``int | float`` reports one error per member: say it once.
            problems[-1] = (where, kind, f"must be a number, got {_short(detail.get('input'))}")
            continue
        problems.append((where, kind, message))
    return [f"{where}: {message}" if where else message for where, _, message in problems]


def parse_instrument(data: object, source: str | Path = "<instrument>") -> InstrumentSpec:
    """Validate already-decoded JSON as an instrument; ``source`` names it in errors."""
    if not isinstance(data, dict):
        raise InstrumentError(source, ["top level: an instrument file must hold a JSON object"])
    try:
        return InstrumentSpec.model_validate(data)
    except ValidationError as error:
        raise InstrumentError(source, _problems_from(error, data)) from None


def load_instrument_file(path: str | Path) -> InstrumentSpec:
    """Read and validate one instrument file, or raise :class:`InstrumentError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InstrumentError(path, [f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"])
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InstrumentError(path, [f"not UTF-8 text (byte {error.start})"]) from None
    except OSError as error:
        raise InstrumentError(path, [f"cannot read the file: {error.strerror}"]) from None
    try:
        data = json.loads(
            text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as error:
        raise InstrumentError(
            path, [f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"]
        ) from None
    except _BadJsonError as error:
        raise InstrumentError(path, [str(error)]) from None
    except RecursionError:
        raise InstrumentError(path, ["invalid JSON: nested too deeply"]) from None
    return parse_instrument(data, path)


def bundled_instruments_dir() -> Path:
    """The folder of instruments shipped with the app."""
    return get_asset("instruments")


@dataclass(frozen=True)
class LoadedInstruments:
    """The instruments found in some folders, and what was skipped and why."""

    instruments: tuple[InstrumentSpec, ...]
    warnings: tuple[str, ...]
    sources: Mapping[tuple[str, int], Path] = field(default_factory=dict)

    def get(self, instrument_id: str, version: int | None = None) -> InstrumentSpec | None:
        """One instrument by id: the given version, else the highest one loaded."""
        matches = [spec for spec in self.instruments if spec.id == instrument_id]
        if version is not None:
            matches = [spec for spec in matches if spec.version == version]
        return max(matches, key=lambda spec: spec.version, default=None)

    @property
    def ids(self) -> list[str]:
        """Ids of the loaded instruments, each once, in load order."""
        return list(dict.fromkeys(spec.id for spec in self.instruments))


def load_instruments(
    dirs: Iterable[str | Path] = (), *, include_bundled: bool = True
) -> LoadedInstruments:
    """Load every ``*.json`` in the bundled folder (first) and then in ``dirs``.

    A bad file is skipped with a warning. A file whose id and version are already
    loaded is skipped too, so a clinic file cannot silently replace a shipped one
    (it must use another id or a higher version).
    """
    folders = [bundled_instruments_dir()] if include_bundled else []
    folders.extend(Path(folder) for folder in dirs)
    instruments: list[InstrumentSpec] = []
    warnings: list[str] = []
    sources: dict[tuple[str, int], Path] = {}
    for folder in folders:
        if not folder.is_dir():
            warnings.append(f"{folder}: instrument folder not found")
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                spec = load_instrument_file(path)
            except InstrumentError as error:
                warnings.append(f"skipped {error}")
                continue
            key = (spec.id, spec.version)
            if key in sources:
                warnings.append(
                    f"skipped {path}: instrument '{spec.id}' version {spec.version} is "
                    f"already loaded from {sources[key]}"
                )
                continue
            sources[key] = path
            instruments.append(spec)
    return LoadedInstruments(tuple(instruments), tuple(warnings), sources)
