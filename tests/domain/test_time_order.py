"""Times that do not add up (a stop before its start, or at the same moment), on instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kapnotes.domain.note_times import read_times, session_timeline
from kapnotes.domain.templates import TemplateSpec, load_templates
from kapnotes.domain.time_order import interval_pairs, time_conflicts
from kapnotes.domain.timeline import to_iso

DAY = date(2026, 3, 2)
TIMELINE = session_timeline("America/New_York", DAY)


def _dosing() -> TemplateSpec:
    return load_templates().for_phase("dosing")[0]


def _at(hour: int, minute: int, day: date = DAY) -> datetime:
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TIMELINE.zone)
    return local.astimezone(UTC)


def _timed(**times: datetime) -> dict[str, Any]:
    """Clock texts with their instants, as the editor and the live view store them."""
    return {
        **{name: TIMELINE.hhmm(instant) for name, instant in times.items()},
        "_instants": {name: to_iso(instant) for name, instant in times.items()},
    }


def _conflicts(values: dict[str, Any]) -> list[str]:
    spec = _dosing()
    times = read_times(spec, values, TIMELINE)
    return [c.message(times.timeline.clock) for c in time_conflicts(spec, times)]


def test_pairs_are_found_by_their_start_and_end_words() -> None:
    ids = [
        "start_time",
        "end_time",
        "onset_time",
        "resolution_time",
        "infusion_start_time",
        "infusion_stop_time",
        "discharge_time",
        "time",
    ]
    assert interval_pairs(ids) == [
        ("start_time", "end_time"),
        ("onset_time", "resolution_time"),
        ("infusion_start_time", "infusion_stop_time"),
    ]
    assert interval_pairs(["start_time", "time"]) == []


def test_a_consistent_dosing_note_has_no_conflict() -> None:
    values = {
        **_timed(start_time=_at(9, 45), end_time=_at(12, 0), discharge_time=_at(11, 55)),
        "dose_log": [{**_timed(time=_at(10, 0)), "dose_mg": 60}],
        "clinicians": [{"name": "Dr Ada Quill", **_timed(start_time=_at(9, 45))}],
        "adverse_events": [
            {"kind": "nausea", **_timed(onset_time=_at(10, 20), resolution_time=_at(10, 40))}
        ],
    }
    assert _conflicts(values) == []


def test_each_kind_of_interval_is_checked() -> None:
    values = {
        **_timed(start_time=_at(9, 45), end_time=_at(9, 30), discharge_time=_at(9, 55)),
        "dose_log": [{**_timed(time=_at(10, 0)), "dose_mg": 60}],
        "clinicians": [
            {"name": "Dr Ada Quill", **_timed(start_time=_at(9, 45), end_time=_at(12, 0))},
            {"name": "Nurse Example", **_timed(start_time=_at(11, 0), end_time=_at(10, 0))},
        ],
        "adverse_events": [
            {"kind": "nausea", **_timed(onset_time=_at(10, 20), resolution_time=_at(10, 20))}
        ],
    }
    assert _conflicts(values) == [
        "End time 09:30 is before Start time 09:45",
        "Discharge time 09:55 is before the first dose 10:00",
        "Clinicians present (row 2): Stop 10:00 is before Start 11:00",
        "Adverse events (row 1): Resolved 10:20 is the same time as Onset 10:20",
    ]


def test_a_session_past_midnight_is_not_flagged() -> None:
    late, next_day = _at(23, 30), _at(0, 50, DAY + timedelta(days=1))
    values = {
        **_timed(start_time=late, end_time=next_day, discharge_time=next_day),
        "dose_log": [{**_timed(time=_at(23, 40)), "dose_mg": 60}],
        "clinicians": [{"name": "Dr Ada Quill", **_timed(start_time=late, end_time=next_day)}],
    }
    assert _conflicts(values) == []


@pytest.mark.parametrize("missing", ["start_time", "end_time"])
def test_an_interval_with_one_time_missing_is_not_checked(missing: str) -> None:
    times = {"start_time": _at(11, 0), "end_time": _at(10, 0)}
    del times[missing]
    assert _conflicts(_timed(**times)) == []
