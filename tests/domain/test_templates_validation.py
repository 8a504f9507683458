"""Template validation: each kind of mistake gives a message naming file, place and problem."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kapnotes.domain.templates import TemplateError, TemplateSpec, load_template_file

Mutation = Callable[[dict[str, Any]], None]


def _base() -> dict[str, Any]:
    return {
        "id": "preparation",
        "version": 1,
        "title": "Preparation",
        "phase": "preparation",
        "sections": [
            {
                "id": "main",
                "title": "Main",
                "fields": [
                    {
                        "id": "planned_product",
                        "type": "single_choice",
                        "label": "Product",
                        "options": [
                            {"value": "ketamine_iv", "label": "Racemic ketamine IV"},
                            {"value": "esketamine_intranasal", "label": "Esketamine intranasal"},
                        ],
                    },
                    {
                        "id": "readiness",
                        "type": "scale",
                        "label": "Readiness",
                        "anchors": {"low": "Not ready", "high": "Fully ready"},
                    },
                    {"id": "dose_mg_per_kg", "type": "number", "label": "Dose (mg/kg)"},
                ],
            }
        ],
    }


def _fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = data["sections"][0]["fields"]
    return fields


def _add(field: dict[str, Any]) -> Mutation:
    return lambda data: _fields(data).append(field)


def _drop_anchors(data: dict[str, Any]) -> None:
    del _fields(data)[1]["anchors"]


def _retype(data: dict[str, Any]) -> None:
    _fields(data)[1]["type"] = "slider"


def _pop(key: str) -> Mutation:
    return lambda data: data.pop(key)


CASES: list[tuple[str, Mutation, list[str]]] = [
    ("scale-anchors", _drop_anchors, ["field 'readiness'", "scale needs anchors"]),
    ("unknown-type", _retype, ["field 'readiness'", "unknown field type 'slider'"]),
    (
        "duplicate-id",
        _add({"id": "readiness", "type": "date", "label": "Again"}),
        ["field 'readiness'", "duplicate field id"],
    ),
    (
        "show-if-unknown-field",
        _add(
            {
                "id": "rems_note",
                "type": "long_text",
                "label": "REMS",
                "show_if": {"field": "planned_prodct", "equals": "esketamine_intranasal"},
            }
        ),
        ["field 'rems_note'", "show_if refers to unknown field 'planned_prodct'"],
    ),
    (
        "show-if-unknown-option",
        _add(
            {
                "id": "rems_note",
                "type": "long_text",
                "label": "REMS",
                "show_if": {"field": "planned_product", "equals": "esketamine"},
            }
        ),
        ["field 'rems_note'", "'esketamine' is not an option of 'planned_product'"],
    ),
    (
        "show-if-no-operator",
        _add({"id": "x", "type": "date", "label": "X", "show_if": {"field": "readiness"}}),
        ["field 'x'", "show_if needs exactly one of"],
    ),
    (
        "computed-unknown-op",
        _add(
            {
                "id": "dose_mg",
                "type": "number",
                "label": "Dose",
                "computed": {"op": "power", "args": ["dose_mg_per_kg"]},
            }
        ),
        ["field 'dose_mg'", "computed op 'power' unknown"],
    ),
    (
        "computed-unknown-field",
        _add(
            {
                "id": "dose_mg",
                "type": "number",
                "label": "Dose",
                "computed": {"op": "multiply", "args": ["dose_per_kg", "$client.weight_kg"]},
            }
        ),
        ["field 'dose_mg'", "computed refers to unknown field 'dose_per_kg'"],
    ),
    (
        "computed-unknown-context",
        _add(
            {
                "id": "dose_mg",
                "type": "number",
                "label": "Dose",
                "computed": {"op": "multiply", "args": ["dose_mg_per_kg", "$patient.weight"]},
            }
        ),
        ["field 'dose_mg'", "unknown context reference '$patient.weight'"],
    ),
    (
        "computed-arity",
        _add(
            {
                "id": "days",
                "type": "integer",
                "label": "Days",
                "computed": {"op": "days_between", "args": ["readiness"]},
            }
        ),
        ["field 'days'", "'days_between' takes 2 args, got 1"],
    ),
    (
        "computed-cycle",
        _add(
            {
                "id": "loop",
                "type": "number",
                "label": "Loop",
                "computed": {"op": "add", "args": ["loop", 1]},
            }
        ),
        ["field 'loop'", "computed fields refer to each other"],
    ),
    (
        "range-min-above-max",
        _add({"id": "weight", "type": "number", "label": "Weight", "range": [300, 20]}),
        ["field 'weight'", "range min 300 > max 20"],
    ),
    (
        "plausible-min-above-max",
        _add({"id": "weight", "type": "integer", "label": "Weight", "plausible": [9, 1]}),
        ["field 'weight'", "plausible min 9 > max 1"],
    ),
    (
        "choice-without-options",
        _add({"id": "route", "type": "single_choice", "label": "Route"}),
        ["field 'route'", "single_choice needs options"],
    ),
    (
        "choice-empty-options",
        _add({"id": "route", "type": "multi_choice", "label": "Route", "options": []}),
        ["field 'route'", "multi_choice needs options"],
    ),
    (
        "duplicate-option",
        _add(
            {
                "id": "route",
                "type": "single_choice",
                "label": "Route",
                "options": [{"value": "iv", "label": "IV"}, {"value": "iv", "label": "IV"}],
            }
        ),
        ["field 'route'", "duplicate option 'iv'"],
    ),
    (
        "checklist-without-items",
        _add({"id": "screen", "type": "checklist", "label": "Screen"}),
        ["field 'screen'", "checklist needs items"],
    ),
    ("missing-id", _pop("id"), ["missing 'id'"]),
    ("missing-version", _pop("version"), ["missing 'version'"]),
    ("version-not-int", lambda d: d.update(version="2"), ["version must be a whole number"]),
    (
        "bad-field-id",
        _add({"id": "Blood Pressure", "type": "date", "label": "X"}),
        ["field 'Blood Pressure'", "must be snake_case"],
    ),
    (
        "field-without-id",
        _add({"type": "date", "label": "X"}),
        ["sections[0].fields[3]", "date needs id"],
    ),
    (
        "field-without-type",
        _add({"id": "x", "label": "X"}),
        ["field 'x'", "missing 'type'"],
    ),
    (
        "unknown-key",
        _add({"id": "x", "type": "date", "label": "X", "colour": "red"}),
        ["field 'x'", "unknown key 'colour'"],
    ),
    (
        "log-missing-column",
        _add(
            {
                "id": "vitals",
                "type": "vitals_log",
                "label": "Vitals",
                "columns": [{"id": "time", "type": "time", "label": "Time"}],
            }
        ),
        ["field 'vitals'", "vitals_log needs a column 'systolic'"],
    ),
    (
        "log-column-problem",
        _add(
            {
                "id": "notes",
                "type": "observation_log",
                "label": "Observations",
                "columns": [
                    {"id": "time", "type": "time", "label": "Time"},
                    {"id": "text", "type": "long_text", "label": "Text"},
                    {"id": "tags", "type": "multi_choice", "label": "Tags"},
                ],
            }
        ),
        ["field 'notes' column 'tags'", "multi_choice needs options"],
    ),
    (
        "unknown-phase",
        lambda d: d.update(phase="aftercare"),
        ["phase"],
    ),
    (
        "section-without-fields",
        lambda d: d["sections"].append({"id": "empty", "title": "Empty"}),
        ["section 'empty'", "has no fields"],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_mistake_is_named(tmp_path: Path, mutate: Mutation, expected: list[str]) -> None:
    data = copy.deepcopy(_base())
    mutate(data)
    path = tmp_path / "preparation.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    message = str(caught.value)
    assert message.startswith("preparation.json: ")
    for words in expected:
        assert words in message
    assert caught.value.problems


def test_example_message_is_exact(tmp_path: Path) -> None:
    data = _base()
    _drop_anchors(data)
    path = tmp_path / "preparation.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        TemplateError, match=r"^preparation.json: field 'readiness': scale needs anchors$"
    ):
        load_template_file(path)


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "clinic.json"
    path.write_text('{"id": "x",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"clinic.json: bad JSON at line 2, column 16"):
        load_template_file(path)


def test_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"list\.json: a template must be a JSON object"):
        load_template_file(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"title": "caf\xe9"}')
    with pytest.raises(TemplateError, match=r"latin\.json: not UTF-8"):
        load_template_file(path)


def test_several_problems_are_all_listed(tmp_path: Path) -> None:
    data = _base()
    _drop_anchors(data)
    _add({"id": "route", "type": "single_choice", "label": "Route"})(data)
    path = tmp_path / "preparation.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    assert len(caught.value.problems) == 2
    assert "2 problems" in str(caught.value)


def test_valid_base_loads_and_snapshot_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "preparation.json"
    path.write_text(json.dumps(_base()), encoding="utf-8")
    spec = load_template_file(path)
    assert spec.id == "preparation"
    assert TemplateSpec.model_validate(spec.snapshot()) == spec


# -- $ references: checked against what a note's context holds --------------------------

CLIENT_FIELDS = "client fields are: name, weight_kg, date_of_birth, id"


def _dose_mg(*args: Any) -> Mutation:
    return _add(
        {
            "id": "dose_mg",
            "type": "number",
            "label": "Dose (mg)",
            "computed": {"op": "multiply", "args": list(args)},
        }
    )


def _load(tmp_path: Path, data: dict[str, Any], name: str = "dosing-custom.json") -> TemplateSpec:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_template_file(path)


def test_a_client_field_that_does_not_exist_is_refused_naming_file_field_and_known_fields(
    tmp_path: Path,
) -> None:
    data = _base()
    _dose_mg("dose_mg_per_kg", "$client.weight")(data)
    with pytest.raises(TemplateError) as caught:
        _load(tmp_path, data)
    assert str(caught.value) == (
        "dosing-custom.json: field 'dose_mg': computed reads $client.weight, which does not "
        f"exist; {CLIENT_FIELDS}"
    )


def test_a_client_field_that_exists_is_accepted(tmp_path: Path) -> None:
    data = _base()
    _dose_mg("dose_mg_per_kg", "$client.weight_kg")(data)
    spec = _load(tmp_path, data)
    assert spec.field("dose_mg").computed is not None


REFERENCE_CASES: list[tuple[str, Mutation, str]] = [
    (
        "show-if-client",
        _add(
            {
                "id": "paediatric_note",
                "type": "long_text",
                "label": "Paediatric dosing note",
                "show_if": {"field": "$client.age", "is_true": True},
            }
        ),
        f"field 'paediatric_note': show_if reads $client.age, which does not exist; "
        f"{CLIENT_FIELDS}",
    ),
    (
        "section-show-if-nested",
        lambda d: d["sections"].append(
            {
                "id": "heavy",
                "title": "Heavier clients",
                "show_if": {"not": {"field": "$client.weight", "is_true": False}},
                "fields": [{"id": "heavy_note", "type": "long_text", "label": "Note"}],
            }
        ),
        f"section 'heavy': show_if reads $client.weight, which does not exist; {CLIENT_FIELDS}",
    ),
    (
        "log-column",
        _add(
            {
                "id": "dose_log",
                "type": "dose_log",
                "label": "Doses",
                "columns": [
                    {"id": "time", "type": "time", "label": "Time"},
                    {
                        "id": "product",
                        "type": "single_choice",
                        "label": "Product",
                        "options": [{"value": "ketamine_im", "label": "IM"}],
                    },
                    {"id": "mg_per_kg", "type": "number", "label": "mg/kg"},
                    {
                        "id": "dose_mg",
                        "type": "number",
                        "label": "Dose (mg)",
                        "computed": {"op": "multiply", "args": ["mg_per_kg", "$client.kg"]},
                    },
                ],
            }
        ),
        f"field 'dose_log' column 'dose_mg': computed reads $client.kg, which does not exist; "
        f"{CLIENT_FIELDS}",
    ),
    (
        "linked-field",
        lambda d: (
            _add(
                {
                    "id": "dosing_note",
                    "type": "note_link",
                    "label": "Dosing session",
                    "link_phase": "dosing",
                }
            )(d),
            _dose_mg("$linked.dose_mg", 1)(d),
        ),
        "field 'dose_mg': computed reads $linked.dose_mg, which does not exist; "
        "linked note fields are: id, session_date, kind",
    ),
    (
        "linked-without-note-link",
        _dose_mg("$linked.session_date", 1),
        "field 'dose_mg': computed reads $linked.session_date, but the template has no "
        "note_link field to choose that note",
    ),
    (
        "namespace-nothing-fills",
        _dose_mg("dose_mg_per_kg", "$settings.max_mg_per_kg"),
        "field 'dose_mg': computed reads $settings.max_mg_per_kg, which the app does not "
        "provide; templates can read $client.…, $linked.…",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [c[1:] for c in REFERENCE_CASES], ids=[c[0] for c in REFERENCE_CASES]
)
def test_each_reference_is_checked_against_the_context(
    tmp_path: Path, mutate: Mutation, expected: str
) -> None:
    data = _base()
    mutate(data)
    with pytest.raises(TemplateError) as caught:
        _load(tmp_path, data)
    assert caught.value.problems == [expected]


def test_a_stored_snapshot_with_an_unknown_reference_still_opens() -> None:
    # An old note keeps the template it was written with; the stricter file check
    # must not make it unreadable (its value simply stays blank, as it always was).
    data = _base()
    _dose_mg("dose_mg_per_kg", "$client.weight")(data)
    spec = TemplateSpec.model_validate(data)
    assert spec.field("dose_mg").computed is not None
