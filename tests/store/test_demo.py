"""The demo vault: fictional clients and courses, valid by the same rules as real input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from kapnotes.store import interchange
from kapnotes.store.audit import verify_chain
from kapnotes.store.clients import ClientStore
from kapnotes.store.demo import DEMO_CLIENTS, populate_demo
from kapnotes.store.measures import MeasureStore
from kapnotes.store.models import Course, Note
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault

PLACEHOLDER_SURNAMES = {
    "Example",
    "Sample",
    "Placeholder",
    "Fictive",
    "Specimen",
    "Hypothetical",
    "Mockup",
    "Testperson",
}


def test_demo_holds_about_eight_fictional_clients(open_vault: OpenVault) -> None:
    populate_demo(open_vault, today=date(2026, 5, 1))
    clients = ClientStore(open_vault).search()
    assert len(clients) == len(DEMO_CLIENTS) == 8
    assert {c.name.split()[-1] for c in clients} == PLACEHOLDER_SURNAMES


def test_demo_is_varied(open_vault: OpenVault) -> None:
    populate_demo(open_vault)
    inputs = [d.client for d in DEMO_CLIENTS]
    assert len({c.pronouns for c in inputs}) >= 4
    assert len({c.weight_kg for c in inputs}) == len(inputs)
    assert any("PTSD" in (c.diagnoses or "") for c in inputs)
    assert any("Major depressive disorder, recurrent" in (c.diagnoses or "") for c in inputs)
    with open_vault.session() as session:
        courses = list(session.scalars(select(Course)))
        assert len({c.planned_product for c in courses}) == 5
        assert {c.status for c in courses} == {"planned", "active", "completed", "discontinued"}
        assert verify_chain(session) == []


def test_demo_has_notes_of_all_phases_some_signed_and_the_sample_cases(
    open_vault: OpenVault,
) -> None:
    populate_demo(open_vault, today=date(2026, 11, 25))
    with open_vault.session() as session:
        notes = list(session.scalars(select(Note)))
        assert {n.kind for n in notes} == {"preparation", "dosing", "integration"}
        assert {n.status for n in notes} == {"draft", "signed"}
        assert session.scalar(select(func.count()).select_from(Note)) == len(notes)
    note_store = NoteStore(open_vault)
    assert all(note_store.verify_signature(n.id) for n in notes if n.status == "signed")
    # sample case 3: vomiting at T+25 in the lozenge session, found by search
    (hit, *_rest) = note_store.search("ondansetron")
    assert hit.client_name == "Juniper Example"
    # sample case 2: the esketamine session held at 148/94 and cancelled
    assert [h.client_name for h in note_store.search("148/94")] == ["Sasha Fictive"]
    # sample cases 1 and 4: the PHQ-9 risk flag, and the fall from 22 to 9
    clients = {c.name: c.id for c in ClientStore(open_vault).search()}
    measures = MeasureStore(open_vault)
    assert len(measures.open_risk_flags(clients["Marlow Sample"])) == 1
    series = measures.series(clients["Juniper Example"], "phq9")
    assert [t for _, t in series] == [22, 19, 16, 13, 11, 10, 9]
    # and a draft dosing session dated today, to try the live session view on
    todays = [n for n in notes if n.kind == "dosing" and n.session_date == date(2026, 11, 25)]
    assert [n.status for n in todays] == ["draft"]


def test_demo_contacts_use_reserved_fictional_ranges() -> None:
    for demo in DEMO_CLIENTS:
        text = f"{demo.client.contact} {demo.client.emergency_contact}"
        for word in text.replace(",", " ").split():
            if word[:1].isdigit():
                assert word.startswith("555-01"), word
            if "@" in word:
                assert word.endswith("@example.org"), word


def test_demo_export_passes_import_validation(open_vault: OpenVault) -> None:
    populate_demo(open_vault)
    raw = interchange.dumps(interchange.export_vault(open_vault))
    doc = interchange.parse_document(raw, "demo.json")
    assert len(doc.clients) == 8


def test_a_clinic_east_of_utc_sees_each_measure_on_its_notes_day(
    open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kapnotes.domain.timeline import local_day
    from kapnotes.store.models import MeasureResult

    monkeypatch.setattr("kapnotes.store.demo_notes.system_zone_name", lambda: "Pacific/Auckland")
    monkeypatch.setattr("kapnotes.store.notes.system_zone_name", lambda: "Pacific/Auckland")
    populate_demo(open_vault, today=date(2026, 11, 2))
    with open_vault.session() as session:
        pairs = session.execute(
            select(MeasureResult.administered_at, Note.session_date).join(
                Note, MeasureResult.note_id == Note.id
            )
        ).all()
    assert pairs
    assert all(local_day(at, "Pacific/Auckland") == day for at, day in pairs)
