"""Typed input in one place: each field type's parser, and text that never becomes a value."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.domain.clients import WeightUnit, weight_text
from kapnotes.domain.parse import (
    DateOrder,
    InputError,
    parse_clock_time,
    parse_day,
    parse_integer,
    parse_number,
    parse_value,
    parse_weight,
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


# -- the client form's typed values: dates in the locale's order, weights in kg or lb ----


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("3/14/1985", DateOrder.MDY),
        ("14/03/1985", DateOrder.DMY),
        ("14.3.1985", DateOrder.DMY),
        ("1985-03-14", DateOrder.DMY),  # ISO is read whatever the locale
        ("1985/3/14", DateOrder.MDY),  # a four-digit first number is a year
        ("14 Mar 1985", DateOrder.MDY),
        ("March 14, 1985", DateOrder.DMY),
    ],
)
def test_a_date_is_read_in_the_locales_order_or_with_a_month_name(
    text: str, order: DateOrder
) -> None:
    assert parse_day(text, order) == date(1985, 3, 14)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("3/14/85", "type the year with four digits"),
        ("2/30/1985", "February has no day 30"),
        ("14/3/1985", "there is no month 14; type it as MM/DD/YYYY"),
        ("soon", "is not a date; type it as MM/DD/YYYY"),
        ("14 Smarch 1985", "'Smarch' in '14 Smarch 1985' is not a month"),
        ("1985-03", "is not a date"),
    ],
)
def test_a_date_that_cannot_be_read_says_how_to_type_it(text: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_day(text, DateOrder.MDY, "Date of birth")
    assert caught.value.label == "Date of birth"
    assert problem in caught.value.problem
    assert parse_day("  ", DateOrder.MDY) is None


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(list(DateOrder)),
    st.sampled_from(["/", ".", "-", " "]),
)
def test_every_date_written_in_an_order_reads_back(day: date, order: DateOrder, sep: str) -> None:
    parts = {"d": str(day.day), "m": str(day.month), "y": f"{day.year:04d}"}
    text = sep.join(parts[letter] for letter in order.value)
    assert parse_day(text, order) == day


@pytest.mark.parametrize(
    ("text", "unit", "kg", "entered_unit"),
    [
        ("70", WeightUnit.KG, 70, WeightUnit.KG),
        ("70 kg", WeightUnit.LB, 70, WeightUnit.KG),  # a typed unit wins over the selector
        ("154 lb", WeightUnit.KG, 69.9, WeightUnit.LB),
        ("154lbs", WeightUnit.KG, 69.9, WeightUnit.LB),
        ("154", WeightUnit.LB, 69.9, WeightUnit.LB),
        ("61,5", WeightUnit.KG, 61.5, WeightUnit.KG),
    ],
)
def test_a_weight_is_typed_in_kg_or_lb_and_kept_in_kg(
    text: str, unit: WeightUnit, kg: float, entered_unit: WeightUnit
) -> None:
    weight = parse_weight(text, unit)
    assert weight is not None
    assert weight.kg == kg
    assert weight.unit is entered_unit


@pytest.mark.parametrize("text", ["heavy", "70 stone", "-70", "0", "7 0"])
def test_a_weight_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_weight(text)
    assert caught.value.label == "Weight"
    assert parse_weight("") is None


@given(st.floats(min_value=20, max_value=300, allow_nan=False))
def test_a_weight_shown_in_lb_and_typed_back_is_the_same_to_a_tenth_of_a_kg(kg: float) -> None:
    kg = round(kg, 1)
    again = parse_weight(weight_text(kg, WeightUnit.LB))
    assert again is not None
    assert abs(again.kg - kg) <= 0.1
