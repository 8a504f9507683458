"""Vitals plausibility: implausible values are refused with a message naming the field."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapnotes.domain.session import VitalsReading, check_vitals
from kapnotes.domain.session.settings import Range, VitalsLimits

AT = datetime(2031, 3, 3, 10, 40)
LIMITS = VitalsLimits()


def _reading(**values: int) -> VitalsReading:
    return VitalsReading(time=AT, **values)


@pytest.mark.parametrize(
    "values",
    [
        {"systolic": 120, "diastolic": 80},
        {"spo2": 97},
        {"heart_rate": 72},
        {"moaas": 0},
        {"dissociation": 10},
        {"systolic": 50, "diastolic": 20},
        {"systolic": 300, "diastolic": 200},
        {
            "systolic": 182,
            "diastolic": 112,
            "heart_rate": 96,
            "spo2": 98,
            "respiratory_rate": 14,
            "moaas": 4,
            "dissociation": 6,
            "cadss_total": 30,
        },
    ],
)
def test_plausible_and_partial_readings_pass(values: dict[str, int]) -> None:
    assert check_vitals(_reading(**values)) == []


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"systolic": 49, "diastolic": 30}, "systolic", "Systolic BP 49 mmHg"),
        ({"systolic": 301, "diastolic": 100}, "systolic", "between 50 and 300"),
        ({"systolic": 120, "diastolic": 19}, "diastolic", "Diastolic BP 19"),
        ({"systolic": 250, "diastolic": 201}, "diastolic", "between 20 and 200"),
        ({"systolic": 120, "diastolic": 120}, "diastolic", "must be below systolic 120"),
        ({"systolic": 110, "diastolic": 130}, "diastolic", "must be below systolic"),
        ({"spo2": 49}, "spo2", "SpO2 49%"),
        ({"spo2": 101}, "spo2", "between 50 and 100"),
        ({"heart_rate": 19}, "heart_rate", "Heart rate 19 bpm"),
        ({"heart_rate": 251}, "heart_rate", "between 20 and 250"),
        ({"respiratory_rate": 3}, "respiratory_rate", "Respiratory rate 3/min"),
        ({"respiratory_rate": 61}, "respiratory_rate", "between 4 and 60"),
        ({"moaas": 6}, "moaas", "MOAA/S"),
        ({"moaas": -1}, "moaas", "between 0 and 5"),
        ({"dissociation": 11}, "dissociation", "Dissociation 11"),
        ({"systolic": 120}, "diastolic", "Diastolic BP is missing"),
        ({"diastolic": 80}, "systolic", "Systolic BP is missing"),
        ({}, "", "at least one value"),
    ],
)
def test_implausible_values_are_refused_naming_the_field(
    values: dict[str, int], field: str, words: str
) -> None:
    problems = check_vitals(_reading(**values))
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


def test_several_problems_are_all_reported() -> None:
    problems = check_vitals(_reading(systolic=400, diastolic=80, spo2=20, heart_rate=300))
    assert {p.field for p in problems} == {"systolic", "spo2", "heart_rate"}


def test_clinic_limits_are_used() -> None:
    strict = VitalsLimits(spo2=Range(min=70, max=100))
    assert [p.field for p in check_vitals(_reading(spo2=60), strict)] == ["spo2"]
    assert check_vitals(_reading(spo2=60)) == []


FIELDS = [
    "systolic",
    "diastolic",
    "heart_rate",
    "spo2",
    "respiratory_rate",
    "moaas",
    "dissociation",
]


def _outside(allowed: Range) -> st.SearchStrategy[int]:
    return st.one_of(
        st.integers(min_value=-1000, max_value=allowed.min - 1),
        st.integers(min_value=allowed.max + 1, max_value=5000),
    )


@given(data=st.data(), field=st.sampled_from(FIELDS))
def test_every_value_outside_its_range_is_refused(data: st.DataObject, field: str) -> None:
    value = data.draw(_outside(getattr(LIMITS, field)))
    values = {field: value}
    if field == "systolic":
        values["diastolic"] = 60
    if field == "diastolic":
        values["systolic"] = 250
    problems = check_vitals(_reading(**values))
    assert field in {p.field for p in problems}
    assert any(p.value == value for p in problems)


@given(
    systolic=st.integers(min_value=51, max_value=300),
    diastolic=st.integers(min_value=20, max_value=200),
    spo2=st.integers(min_value=50, max_value=100),
)
def test_values_inside_the_ranges_pass(systolic: int, diastolic: int, spo2: int) -> None:
    problems = check_vitals(_reading(systolic=systolic, diastolic=diastolic, spo2=spo2))
    assert problems == ([] if diastolic < systolic else [problems[0]])
    if diastolic >= systolic:
        assert problems[0].field == "diastolic"


def test_from_vitals_log_entry() -> None:
    entry = {"time": "10:40", "t_plus_min": 40, "systolic": 182, "diastolic": "112", "spo2": ""}
    reading = VitalsReading.from_entry(entry, date(2031, 3, 3))
    assert reading == VitalsReading(time=AT, systolic=182, diastolic=112)
    assert reading.bp_text == "182/112"
    with pytest.raises(ValueError, match="Heart rate must be a whole number"):
        VitalsReading.from_entry({"time": "10:40", "heart_rate": "fast"}, date(2031, 3, 3))
    with pytest.raises(ValueError, match="Time"):
        VitalsReading.from_entry({"time": "late"}, date(2031, 3, 3))
