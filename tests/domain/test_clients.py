"""Client input rules: what a clinician sees next to a field when a value is wrong."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kapnotes.domain.clients import (
    TEMPLATE_CLIENT_FIELDS,
    ClientInput,
    WeightUnit,
    course_for_day,
    course_span,
    field_errors,
    template_client_values,
    weight_range_text,
)

TODAY = date(2026, 11, 25)


def _errors(**values: Any) -> dict[str, str]:
    try:
        ClientInput.model_validate(values, context={"today": TODAY})
    except ValidationError as exc:
        return field_errors(exc)
    return {}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": ""}, "name", "Name is required"),
        ({"name": "   "}, "name", "Name is required"),
        ({"name": "A", "date_of_birth": TODAY + timedelta(days=1)}, "date_of_birth", "future"),
        ({"name": "A", "date_of_birth": "1850-01-01"}, "date_of_birth", "after 1900"),
        ({"name": "A", "weight_kg": 19.9}, "weight_kg", "between 20 and 300 kg"),
        ({"name": "A", "weight_kg": 300.5}, "weight_kg", "between 20 and 300 kg"),
        ({"name": "A", "weight_kg": "heavy"}, "weight_kg", "valid number"),
    ],
)
def test_each_rule_names_its_field(values: dict[str, Any], field: str, message: str) -> None:
    errors = _errors(**values)
    assert field in errors
    assert message in errors[field]


@pytest.mark.parametrize("weight", [20, 20.0, 64.5, 300])
def test_weights_at_and_inside_the_limits_are_accepted(weight: float) -> None:
    assert _errors(name="Juniper Testcase", weight_kg=weight) == {}


def test_today_is_an_acceptable_date_of_birth_and_blanks_become_none() -> None:
    client = ClientInput.model_validate(
        {"name": "  Juniper  ", "date_of_birth": TODAY, "weight_kg": "", "pronouns": " "},
        context={"today": TODAY},
    )
    assert client.name == "Juniper"
    assert client.weight_kg is None
    assert client.pronouns is None


_NAME_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"))


@given(st.text(_NAME_CHARS, min_size=1, max_size=190))
def test_any_unicode_name_is_kept_and_surrounding_spaces_trimmed(name: str) -> None:
    client = ClientInput(name=f"  {name} ")
    assert client.name == name


def test_templates_are_given_exactly_the_client_fields_they_may_read() -> None:
    client = ClientInput(
        name="Rowan Fictitious",
        date_of_birth=date(1984, 5, 2),
        weight_kg=72.5,
        allergies="Penicillin",
    )
    values = template_client_values("c-1", client)
    assert tuple(values) == TEMPLATE_CLIENT_FIELDS
    assert values == {
        "name": "Rowan Fictitious",
        "weight_kg": 72.5,
        "date_of_birth": "1984-05-02",
        "id": "c-1",
    }
    assert template_client_values("c-2", ClientInput(name="Sam"))["weight_kg"] is None


def test_a_weight_out_of_range_is_named_in_the_unit_it_was_typed_in() -> None:
    assert _errors(name="A", weight_kg=12)["weight_kg"] == "Weight must be between 20 and 300 kg"
    assert weight_range_text(WeightUnit.LB) == "Weight must be between 44.1 and 661.4 lb"


def test_a_measure_belongs_to_the_course_whose_days_contain_it_else_the_latest() -> None:
    first = course_span("first", date(2026, 1, 5), "completed", date(2026, 3, 1))
    second = course_span("second", date(2026, 6, 1), "active", date(2026, 7, 1))
    assert first.end == date(2026, 3, 1)
    assert second.end is None  # an active course is open
    spans = [first, second]
    assert course_for_day(spans, date(2026, 2, 10)) == "first"
    assert course_for_day(spans, date(2026, 3, 1)) == "first"  # its last session's day
    assert course_for_day(spans, date(2026, 9, 1)) == "second"
    # between courses, and before the first: the client's latest course
    assert course_for_day(spans, date(2026, 4, 20)) == "second"
    assert course_for_day(spans, date(2025, 12, 1)) == "second"
    assert course_for_day([], date(2026, 1, 1)) is None
    # overlapping courses: the one started later
    again = course_span("again", date(2026, 2, 1), "planned", None)
    assert course_for_day([first, again], date(2026, 2, 10)) == "again"
