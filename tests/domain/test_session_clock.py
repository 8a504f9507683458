"""The session clock: T0, T+ formatting and minutes, with explicit datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kapnotes.domain.session import SessionClock, format_minutes, format_t_plus, minutes_of

T0 = datetime(2031, 3, 3, 10, 0)


def test_pre_dose_before_t0_and_without_doses() -> None:
    assert SessionClock().t_plus(T0) is None
    assert SessionClock().label(T0) == "pre-dose"
    assert SessionClock(T0).t_plus(T0 - timedelta(seconds=1)) is None
    assert SessionClock(T0).label(T0 - timedelta(minutes=3)) == "pre-dose"


def test_t_plus_after_t0() -> None:
    clock = SessionClock(T0)
    assert clock.t_plus(T0) == timedelta(0)
    assert clock.t_plus(T0 + timedelta(minutes=12, seconds=5)) == timedelta(minutes=12, seconds=5)
    assert clock.label(T0 + timedelta(minutes=12, seconds=5)) == "T+12:05"


def test_t0_is_the_earliest_dose() -> None:
    clock = SessionClock.from_dose_times([T0 + timedelta(minutes=20), T0])
    assert clock.t0 == T0
    assert SessionClock.from_dose_times([]).t0 is None


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "T+00:00"),
        (timedelta(minutes=12, seconds=5), "T+12:05"),
        (timedelta(minutes=12, seconds=5, microseconds=999_999), "T+12:05"),
        (timedelta(minutes=59, seconds=59), "T+59:59"),
        (timedelta(hours=1, minutes=12, seconds=5), "T+1:12:05"),
        (timedelta(hours=2, minutes=30), "T+2:30:00"),
        (timedelta(minutes=-5), "T-05:00"),
    ],
)
def test_format_t_plus(delta: timedelta, text: str) -> None:
    assert format_t_plus(delta) == text


@pytest.mark.parametrize(
    ("delta", "minutes"),
    [
        (timedelta(0), 0),
        (timedelta(minutes=40, seconds=59), 40),
        (timedelta(seconds=-30), -1),
        (timedelta(minutes=-15), -15),
    ],
)
def test_minutes(delta: timedelta, minutes: int) -> None:
    assert minutes_of(delta) == minutes
    assert SessionClock(T0).minutes(T0 + delta) == minutes


def test_minutes_without_t0_is_none() -> None:
    assert SessionClock().minutes(T0) is None


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "0 min"), (45, "45 min"), (120, "2 h"), (130, "2 h 10 min"), (-5, "-5 min")],
)
def test_format_minutes(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text
