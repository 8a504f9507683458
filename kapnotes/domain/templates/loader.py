"""Loading template files: one file with clear errors, or whole folders with warnings.

Errors name the file, where in it (``field 'x'``, ``section 'y'`` or a JSON path)
and the problem, e.g. ``preparation.json: field 'readiness': scale needs anchors``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kapnotes.domain.assets import get_asset
from kapnotes.domain.notes import Phase
from kapnotes.domain.templates.errors import TemplateError
from kapnotes.domain.templates.model import (
    FIELD_TYPES,
    TemplateSpec,
    context_reference_problems,
)

#: The parts of a pydantic error location that are union tags, not JSON keys.
_ARG_TAGS = frozenset({"ref", "number", "expr"})


def bundled_templates_dir() -> Path:
    """The folder of templates shipped with the app (``resources/templates``)."""
    return get_asset("templates")


def _json_path(parts: Sequence[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _where(data: Any, loc: tuple[str | int, ...]) -> tuple[str, list[str | int], Any, str]:
    """Walk ``loc`` through the raw JSON.

    Returns the place (``field 'x'`` etc.), the part of ``loc`` below that place,
    the innermost JSON object reached, and the field type there ('' if none).
    """
    current: Any = data
    place = ""
    rest: list[str | int] = []
    json_path: list[str | int] = []
    field_type = ""
    parent_key: str | int | None = None
    lost = False  # the location left the raw JSON (a missing key)
    for part in loc:
        is_tag = (
            isinstance(current, dict)
            and part not in current
            and (part == current.get("type") or part in _ARG_TAGS)
        )
        if is_tag and not lost:
            continue
        if not lost and isinstance(current, list) and isinstance(part, int):
            lost = not 0 <= part < len(current)
        elif not lost:
            lost = not (isinstance(current, dict) and part in current)
        rest.append(part)
        if lost:
            continue
        current = current[part]
        json_path.append(part)
        if isinstance(current, dict) and isinstance(part, int):
            ident = current.get("id")
            ident_text = f"'{ident}'" if isinstance(ident, str) else _json_path(json_path)
            if parent_key == "sections":
                place, rest = f"section {ident_text}", []
            elif parent_key == "fields":
                place, rest = f"field {ident_text}", []
                field_type = str(current.get("type", ""))
            elif parent_key == "columns":
                place, rest = f"{place} column {ident_text}", []
                field_type = str(current.get("type", ""))
        parent_key = part
    return place, rest, current, field_type


def _problem(data: Any, error: Any) -> list[str]:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    place, rest, here, field_type = _where(data, loc)
    kind = str(error["type"])
    attr = _json_path(rest)
    what = field_type or "template"
    if kind == "value_error":
        lines = str(error["ctx"]["error"]).splitlines()
        if not place:
            return lines
        return [f"{place}: {line}" for line in lines]
    if kind == "missing":
        text = f"{what} needs {attr}" if field_type else f"missing '{attr}'"
    elif kind == "too_short":
        text = f"{what} needs {attr} (at least one)" if field_type else f"needs {attr}"
    elif kind == "extra_forbidden":
        text = f"unknown key '{attr}'"
    elif kind == "union_tag_invalid":
        text = f"unknown field type '{error['ctx']['tag']}' (known: {', '.join(FIELD_TYPES)})"
    elif kind == "union_tag_not_found":
        text = "missing 'type'"
    elif kind == "string_pattern_mismatch":
        text = (
            f"{attr or 'value'} {error['input']!r} must be snake_case"
            " (lower-case letters, digits and underscores)"
        )
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        text = f"{attr or 'value'} must be a whole number"
    elif kind == "model_type" and not isinstance(here, dict):
        text = f"{attr or 'entry'} must be a JSON object"
    else:
        message = str(error["msg"])
        text = f"{attr}: {message}" if attr else message
    return [f"{place}: {text}" if place else text]


def _format_errors(data: Any, exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        if error["type"] == "too_short" and error.get("input"):
            continue  # pydantic adds this when items of a non-empty list failed
        for line in _problem(data, error):
            if line not in problems:
                problems.append(line)
    return problems


def parse_template(data: Any, source: str | Path = "<template>") -> TemplateSpec:
    """Validate already-parsed JSON as a template file.

    Besides the format, every ``$client.…`` / ``$linked.…`` reference must name
    something a note's context holds (see :mod:`kapnotes.domain.templates.context`).
    Raises TemplateError naming ``source`` and each problem.
    """
    if not isinstance(data, dict):
        raise TemplateError(source, ["a template must be a JSON object"])
    try:
        spec = TemplateSpec.model_validate(data)
    except ValidationError as exc:
        raise TemplateError(source, _format_errors(data, exc)) from None
    problems = context_reference_problems(spec)
    if problems:
        raise TemplateError(source, problems)
    return spec


def load_template_file(path: str | Path) -> TemplateSpec:
    """Read and validate one template file (see :func:`parse_template`).

    Raises TemplateError naming the file and saying what is wrong where.
    """
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateError(name, [f"cannot read the file ({exc.strerror or exc})"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(name, [f"not UTF-8 text (byte {exc.start})"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(
            name, [f"bad JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from None
    return parse_template(data, name)


@dataclass
class LoadResult:
    """Templates by id (the highest version found), where each came from, and warnings."""

    templates: dict[str, TemplateSpec] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[TemplateError] = field(default_factory=list)

    def get(self, template_id: str) -> TemplateSpec | None:
        """The template with this id, if loaded."""
        return self.templates.get(template_id)

    def for_phase(self, phase: Phase | str) -> list[TemplateSpec]:
        """The loaded templates of one phase, sorted by title (none for an unknown phase)."""
        found = [spec for spec in self.templates.values() if spec.phase == phase]
        return sorted(found, key=lambda spec: (spec.title, spec.id))


def load_templates(dirs: Iterable[str | Path] | None = None) -> LoadResult:
    """Load every ``*.json`` in ``dirs`` in order (bundled first, then clinic folders).

    A bad file is skipped with a warning; the others still load. A folder that does
    not exist is skipped silently (a clinic may have none). When two files share an
    id, the higher version wins; an equal or lower version is ignored with a warning.
    ``dirs=None`` loads the bundled templates only.
    """
    folders = [bundled_templates_dir()] if dirs is None else [Path(d) for d in dirs]
    result = LoadResult()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                spec = load_template_file(path)
            except TemplateError as exc:
                result.errors.append(exc)
                result.warnings.append(f"{exc} (skipped {path})")
                continue
            current = result.templates.get(spec.id)
            if current is not None and spec.version <= current.version:
                result.warnings.append(
                    f"{path.name}: template '{spec.id}' version {spec.version} ignored;"
                    f" version {current.version} from {result.sources[spec.id]} is in use"
                )
                continue
            result.templates[spec.id] = spec
            result.sources[spec.id] = path
    return result
