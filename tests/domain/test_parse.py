"""Typed input in one place: each field type's parser, and text that never becomes a value."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.domain.parse import (
    InputError,
    parse_clock_time,
    parse_integer,
    parse_number,
    parse_value,
)
from kapnotes.domain.templates.model import (
    DateField,
    IntegerField,
    MultiChoiceField,
    NumberField,
    Option,
    ScaleField,
    SingleChoiceField,
    TimeField,
    YesNoField,
)

OPTIONS = (Option(value="im", label="Intramuscular"), Option(value="iv", label="Intravenous"))


def test_numbers_take_a_comma_or_a_point() -> None:
    assert parse_number("1,5") == 1.5
    assert parse_number(" 60 ") == 60
    assert parse_number("") is None


@pytest.mark.parametrize("text", ["abc", "1.2.3", "12 mg", "nan", "inf", "1e400"])
def test_text_that_is_not_a_number_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InputError, match=r"^Dose: "):
        parse_number(text, "Dose")


def test_integers_refuse_fractions() -> None:
    assert parse_integer("120") == 120
    with pytest.raises(InputError, match=r"Systolic BP: '12\.5' is not a whole number"):
        parse_integer("12.5", "Systolic BP")


@pytest.mark.parametrize(
    ("text", "want"), [("9:05", time(9, 5)), ("0905", time(9, 5)), ("09.05", time(9, 5))]
)
def test_clock_times(text: str, want: time) -> None:
    assert parse_clock_time(text) == want


@pytest.mark.parametrize("text", ["25:00", "9:60", "noon", "9"])
def test_text_that_is_not_a_clock_time_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="not a clock time"):
        parse_clock_time(text, "Onset")


def test_parse_value_by_field_type() -> None:
    assert parse_value(IntegerField(type="integer", id="n", label="N"), "7") == 7
    assert parse_value(NumberField(type="number", id="w", label="W"), "70,5") == 70.5
    assert parse_value(TimeField(type="time", id="t", label="T"), "9:05") == "09:05"
    assert parse_value(DateField(type="date", id="d", label="D"), "2026-03-02") == "2026-03-02"
    scale = ScaleField(
        type="scale", id="s", label="Readiness", anchors={"low": "not", "high": "very"}
    )
    assert parse_value(scale, "7") == 7
    with pytest.raises(InputError, match="Readiness: 11 is not between 0 and 10"):
        parse_value(scale, "11")
    route = SingleChoiceField(type="single_choice", id="r", label="Route", options=OPTIONS)
    assert parse_value(route, "intravenous") == "iv"
    with pytest.raises(InputError, match="Route: 'oral' is not one of the choices"):
        parse_value(route, "oral")
    routes = MultiChoiceField(type="multi_choice", id="m", label="Routes", options=OPTIONS)
    assert parse_value(routes, "Intramuscular, iv") == ["im", "iv"]
    assert parse_value(YesNoField(type="yes_no", id="y", label="Consent"), "yes") is True
    with pytest.raises(InputError, match="Date: 'tomorrow' is not a date"):
        parse_value(DateField(type="date", id="d", label="Date"), "tomorrow")
    assert parse_value(DateField(type="date", id="d2", label="D"), date(2026, 3, 2)) == "2026-03-02"


@given(st.text(max_size=20))
def test_any_text_is_a_value_of_the_field_or_refused_never_kept_as_text(text: str) -> None:
    field = IntegerField(type="integer", id="n", label="Heart rate")
    try:
        value = parse_value(field, text)
    except InputError as error:
        assert str(error).startswith("Heart rate: ")
        return
    assert value is None or isinstance(value, int)


@given(st.text(max_size=20))
def test_any_text_is_a_number_or_refused(text: str) -> None:
    try:
        value = parse_number(text)
    except InputError:
        return
    assert value is None or isinstance(value, int | float)
