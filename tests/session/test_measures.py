"""A note's instrument answers feed the client's measures; clearing them takes the result away."""

from __future__ import annotations

from datetime import date

import pytest

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.templates import load_templates
from kapnotes.session import sync_note_measures
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault

PHQ9 = {f"phq9_{i}": v for i, v in enumerate([3, 3, 2, 2, 2, 2, 2, 1, 1], start=1)}


def test_answers_sync_then_clearing_removes_result_and_flag(open_vault: OpenVault) -> None:
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Perrin Madeup"))
    course = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 9, 1),
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(open_vault)
    spec = load_templates().for_phase("preparation")[0]
    note_id = notes.create(course, "preparation", spec.snapshot(), date(2026, 9, 2))
    measures = MeasureStore(open_vault)
    instruments = load_instruments()

    values = {"phq9": PHQ9}
    assert sync_note_measures(measures, instruments, notes.get(note_id), values) == 1
    assert len(measures.open_risk_flags(client_id)) == 1
    # another autosave with the same answers changes nothing
    assert sync_note_measures(measures, instruments, notes.get(note_id), values) == 0

    assert sync_note_measures(measures, instruments, notes.get(note_id), {"phq9": None}) == 1
    assert measures.for_client(client_id) == []
    assert measures.open_risk_flags(client_id) == []


@pytest.mark.parametrize("zone", ["Pacific/Tongatapu", "Pacific/Honolulu"])  # UTC+13, UTC-10
def test_a_measure_for_a_past_date_shows_that_date_far_from_utc(
    open_vault: OpenVault, zone: str
) -> None:
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Perrin Madeup"))
    store = MeasureStore(open_vault, zone)
    phq9 = load_instruments().get("phq9")
    assert phq9 is not None
    day = date(2026, 9, 12)
    saved = store.save(client_id, phq9, PHQ9, administered_at=store.instant_for(day))
    assert saved.day == day
    assert store.series(client_id, "phq9") == [(day, 18)]
    assert [r.day for r in MeasureStore(open_vault, zone).for_client(client_id)] == [day]


def test_a_notes_measure_is_dated_on_its_session_day_in_the_notes_zone(
    open_vault: OpenVault,
) -> None:
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Perrin Madeup"))
    course = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 9, 1),
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(open_vault)
    prep = load_templates().for_phase("preparation")[0]
    day = date(2026, 9, 12)
    note_id = notes.create(
        course, "preparation", prep.snapshot(), day, time_zone="Pacific/Tongatapu"
    )
    measures = MeasureStore(open_vault, "Pacific/Tongatapu")
    field_id = next(f.id for f in prep.fields() if getattr(f, "instrument_id", None) == "phq9")
    sync_note_measures(measures, load_instruments(), notes.get(note_id), {field_id: PHQ9})
    assert [r.day for r in measures.for_note(note_id)] == [day]
