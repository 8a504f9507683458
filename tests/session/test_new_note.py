"""Starting a note prefilled from the clinician, the course and the client record (no Qt)."""

from __future__ import annotations

from datetime import date

from kapnotes.domain.clients import ClientInput
from kapnotes.domain.templates import LAYOUT_KEY, load_templates
from kapnotes.session.new_note import start_note
from kapnotes.store.notes import EVENT_KEY
from tests.session.conftest import Clinic, Clock

DAY = date(2026, 3, 2)


def test_a_new_note_is_prefilled_and_its_clinician_row_is_an_entry(
    clinic: Clinic, clock: Clock
) -> None:
    clinic.clients.update(
        clinic.client_id,
        ClientInput(
            name="Sam Fictional",
            weight_kg=80.0,
            emergency_contact="Alder Example (partner), 555-0100",
            medications="Sertraline 100 mg mornings",
        ),
    )
    preparation = load_templates().for_phase("preparation")[0]
    first = start_note(clinic.notes, clinic.course_id, preparation, DAY, now=clock)
    second = start_note(
        clinic.notes,
        clinic.course_id,
        preparation,
        DAY,
        values={LAYOUT_KEY: "dap"},
        time_zone="America/New_York",
        now=clock,
    )

    note = clinic.notes.get(second)
    assert note.values["session_number"] == 2  # the course's second preparation note
    assert clinic.notes.get(first).values["session_number"] == 1
    assert note.values["planned_product"] == "ketamine_im"
    assert note.values["emergency_contact"] == "Alder Example (partner), 555-0100"
    assert note.values["medication_notes"] == "Sertraline 100 mg mornings"
    assert note.values[LAYOUT_KEY] == "dap"
    assert note.time_zone == "America/New_York"
    (row,) = note.values["clinicians"]
    assert {k: v for k, v in row.items() if k != EVENT_KEY} == {
        "name": "Dr Ada Quill",
        "role": "therapist",
        "credential": "PsyD",
    }
    (event,) = note.events  # the row lives twice, like every log row
    assert (event.id, event.kind) == (row[EVENT_KEY], "clinicians")
    assert event.data == {"name": "Dr Ada Quill", "role": "therapist", "credential": "PsyD"}
    assert event.recorded_at == clock.moment


def test_a_prefilled_dosing_note_runs_as_a_live_session(clinic: Clinic, clock: Clock) -> None:
    note_id = start_note(clinic.notes, clinic.course_id, clinic.dosing, DAY, now=clock)
    assert clinic.notes.get(note_id).values["session_number"] == 1
    live = clinic.live(note_id, clock)
    assert [r["name"] for r in live.record.rows("clinicians")] == ["Dr Ada Quill"]
    assert live.record.presence() == []  # no start time yet: no billable time invented
