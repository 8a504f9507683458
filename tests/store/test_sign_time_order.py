"""Signing refuses a note whose times do not add up, whoever asks (a store rule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.domain.templates import load_templates
from kapnotes.domain.timeline import to_iso
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import InconsistentTimesError, NoteStore, SignError
from kapnotes.store.vault import OpenVault
from tests.signing import COMPLETE_DOSING, THERAPIST

DAY = date(2026, 3, 2)


def _at(hour: int, minute: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _timed(**times: datetime) -> dict[str, Any]:
    """Clock texts with their instants, as the editor and the live view store them."""
    return {
        **{name: f"{instant:%H:%M}" for name, instant in times.items()},
        "_instants": {name: to_iso(instant) for name, instant in times.items()},
    }


@pytest.fixture
def dosing_note(open_vault: OpenVault) -> tuple[NoteStore, str]:
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Rowan Fictitious", weight_kg=80))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(open_vault)
    spec = load_templates().for_phase("dosing")[0]
    return notes, notes.create(course_id, Phase.DOSING, spec.snapshot(), DAY, time_zone="UTC")


def _values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        **COMPLETE_DOSING,
        "session_date": DAY.isoformat(),
        **_timed(
            start_time=_at(9, 45),
            end_time=_at(12, 0),
            monitoring_end_time=_at(11, 50),
            discharge_time=_at(12, 0),
        ),
        "dose_log": [
            {**_timed(time=_at(10, 0)), "product": "racemic_ketamine", "route": "im", "dose_mg": 60}
        ],
        "clinicians": [{**THERAPIST, **_timed(start_time=_at(9, 45), end_time=_at(12, 0))}],
        "vitals_log": [
            {**_timed(time=_at(9, 50)), "systolic": 128, "diastolic": 82, "heart_rate": 74}
        ],
    }
    for key, value in changes.items():
        if key == "_instants":
            values["_instants"] = {**values["_instants"], **value}
        else:
            values[key] = value
    return values


def test_a_stop_before_its_start_is_refused_and_the_note_stays_a_draft(
    dosing_note: tuple[NoteStore, str],
) -> None:
    notes, note_id = dosing_note
    notes.save_values(
        note_id,
        _values(
            clinicians=[{**THERAPIST, **_timed(start_time=_at(11, 0), end_time=_at(10, 0))}],
            adverse_events=[
                {
                    "kind": "nausea",
                    "severity": "mild",
                    **_timed(onset_time=_at(10, 20), resolution_time=_at(10, 20)),
                }
            ],
        ),
    )
    with pytest.raises(InconsistentTimesError) as refused:
        notes.sign(note_id)
    assert refused.value.problems == (
        "Clinicians present (row 1): Stop 10:00 is before Start 11:00",
        "Adverse events (row 1): Resolved 10:20 is the same time as Onset 10:20",
    )
    assert str(refused.value).startswith("Not signed: 2 times do not add up: Clinicians present")
    assert isinstance(refused.value, SignError)
    note = notes.get(note_id)
    assert note.status is NoteStatus.DRAFT
    assert note.content_hash is None


def test_session_end_and_discharge_are_checked(dosing_note: tuple[NoteStore, str]) -> None:
    notes, note_id = dosing_note
    notes.save_values(
        note_id,
        _values(
            **_timed(end_time=_at(9, 45), discharge_time=_at(9, 55)),
        ),
    )
    with pytest.raises(InconsistentTimesError) as refused:
        notes.sign(note_id)
    assert refused.value.problems == (
        "End time 09:45 is the same time as Start time 09:45",
        "Discharge time 09:55 is before the first dose 10:00",
    )


def test_the_corrected_note_signs(dosing_note: tuple[NoteStore, str]) -> None:
    notes, note_id = dosing_note
    notes.save_values(note_id, _values())
    assert notes.sign(note_id)
    assert notes.verify_signature(note_id)


def test_a_session_past_midnight_signs(dosing_note: tuple[NoteStore, str]) -> None:
    notes, note_id = dosing_note
    after_midnight = DAY + timedelta(days=1)
    notes.save_values(
        note_id,
        _values(
            **_timed(
                start_time=_at(23, 30),
                end_time=_at(1, 0, after_midnight),
                monitoring_end_time=_at(0, 50, after_midnight),
                discharge_time=_at(1, 0, after_midnight),
            ),
            dose_log=[
                {
                    **_timed(time=_at(23, 40)),
                    "product": "racemic_ketamine",
                    "route": "im",
                    "dose_mg": 60,
                }
            ],
            clinicians=[
                {**THERAPIST, **_timed(start_time=_at(23, 30), end_time=_at(1, 0, after_midnight))}
            ],
        ),
    )
    assert notes.sign(note_id)
