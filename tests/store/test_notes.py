"""Notes in the store: autosave, events, signing and its refusals, addenda, full-text search."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.domain.templates import LAYOUT_KEY, NarrativeLayout
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import (
    MissingFieldsError,
    NewEntry,
    NoteStore,
    SignedNoteError,
    SignError,
    UnreadableTemplateError,
    new_entry_id,
)
from kapnotes.store.search_index import MARK_CLOSE, MARK_OPEN
from kapnotes.store.vault import OpenVault, Vault
from tests.conftest import PASSPHRASE, as_stored

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SNAPSHOT = {
    "id": "test_integration",
    "version": 1,
    "title": "Integration session",
    "phase": "integration",
    "sections": [
        {
            "id": "session",
            "title": "Session",
            "fields": [{"id": "narrative", "type": "long_text", "label": "Narrative"}],
        }
    ],
}
# A preparation template with the kinds of signing rule a clinic writes: a plain
# required field, one required only when shown (show_if), one computed from the
# client's weight, and a required narrative section (SOAP, DAP or BIRP headings).
RULES = {
    "id": "test_preparation",
    "version": 1,
    "title": "Preparation session",
    "phase": "preparation",
    "sections": [
        {
            "id": "consent",
            "title": "Consent",
            "fields": [
                {
                    "id": "consent_signed",
                    "type": "yes_no",
                    "label": "Informed consent signed",
                    "required_to_sign": True,
                },
                {
                    "id": "consent_date",
                    "type": "date",
                    "label": "Consent signed on",
                    "required_to_sign": True,
                    "show_if": {"field": "consent_signed", "is_true": True},
                },
                {"id": "dose_mg_per_kg", "type": "number", "label": "Planned dose (mg/kg)"},
                {
                    "id": "dose_mg",
                    "type": "number",
                    "label": "Planned dose (mg)",
                    "required_to_sign": True,
                    "computed": {
                        "op": "multiply",
                        "args": ["dose_mg_per_kg", "$client.weight_kg"],
                    },
                },
            ],
        },
        {"id": "narrative", "title": "Progress note", "narrative": True, "required_to_sign": True},
    ],
}
SOAP = {
    "narrative_subjective": "Hopes to feel less numb.",
    "narrative_objective": "Calm, engaged.",
    "narrative_assessment": "Suitable for KAP.",
    "narrative_plan": "First dosing session next week.",
}
REPO = Path(__file__).resolve().parents[2]


def _course(vault: OpenVault) -> str:
    clients = ClientStore(vault)
    client_id = clients.create(ClientInput(name="Rowan Fictitious", weight_kg=80))
    return clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 1),
            indication="Treatment-resistant depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )


@pytest.fixture
def notes(open_vault: OpenVault) -> NoteStore:
    return NoteStore(open_vault)


@pytest.fixture
def note_id(open_vault: OpenVault, notes: NoteStore) -> str:
    return notes.create(_course(open_vault), "integration", SNAPSHOT, date(2026, 11, 20))


def test_values_and_events_survive_reopening(vault: Vault, open_vault: OpenVault) -> None:
    store = NoteStore(open_vault)
    nid = store.create(_course(open_vault), "dosing", SNAPSHOT, date(2026, 11, 20))
    store.save_values(nid, {"narrative": "Calm after the music changed.", "mood": 7})
    stamp = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
    store.add_event(nid, "observation", {"text": "resting, eyes closed"}, stamp, 900)
    open_vault.close()

    with vault.unlock(PASSPHRASE) as again:
        note = NoteStore(again).get(nid)
    assert note.values == {"narrative": "Calm after the music changed.", "mood": 7}
    assert [(e.kind, e.recorded_at, e.t_offset_s, e.data) for e in note.events] == [
        ("observation", stamp, 900, {"text": "resting, eyes closed"})
    ]
    assert note.template_snapshot == SNAPSHOT
    assert note.status == "draft"


def test_a_corrected_entry_keeps_its_time_and_original_text(notes: NoteStore, note_id: str) -> None:
    stamp = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
    event_id = notes.add_event(note_id, "observation", {"text": "tearfull"}, stamp, 600)
    notes.correct_event(event_id, {"text": "tearful"})
    (event,) = notes.get(note_id).events
    assert event.recorded_at == stamp
    assert event.data == {"text": "tearful", "original": {"text": "tearfull"}}


def test_signed_note_refuses_changes_through_the_store(notes: NoteStore, note_id: str) -> None:
    notes.save_values(note_id, {"narrative": "Integration went well."})
    digest = notes.sign(note_id)
    note = notes.get(note_id)
    assert note.is_signed
    assert note.content_hash == digest and len(digest) == 64
    assert note.signed_by == "Dr Ada Quill, PsyD"
    assert note.signed_at is not None

    with pytest.raises(SignedNoteError, match="addendum"):
        notes.save_values(note_id, {"narrative": "changed"})
    with pytest.raises(SignedNoteError):
        notes.add_event(note_id, "observation", {"text": "late entry"})
    with pytest.raises(SignedNoteError):
        notes.sign(note_id)
    assert notes.get(note_id).values == {"narrative": "Integration went well."}
    assert notes.verify_signature(note_id)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE note SET \"values\" = '{}' WHERE id = :id",
        "UPDATE note SET status = 'draft' WHERE id = :id",
        "DELETE FROM note WHERE id = :id",
        "INSERT OR REPLACE INTO note (id, course_id, kind, template_id, template_version, "
        'snapshot_hash, title, "values", status, session_date, created_at, updated_at) '
        "SELECT id, course_id, kind, template_id, template_version, snapshot_hash, title, "
        "'{\"plan\": \"tampered\"}', 'signed', session_date, created_at, updated_at "
        "FROM note WHERE id = :id",
        "INSERT INTO note_event (id, note_id, kind, recorded_at, data, created_at, updated_at) "
        "VALUES ('e1', :id, 'observation', '2026-11-20', '{}', '2026-11-20', '2026-11-20')",
    ],
)
def test_signed_note_refuses_changes_through_raw_sql(
    open_vault: OpenVault, notes: NoteStore, note_id: str, sql: str
) -> None:
    notes.save_values(note_id, {"narrative": "Integration went well."})
    notes.sign(note_id)
    with pytest.raises(DatabaseError, match="signed note is read-only"):  # noqa: SIM117
        with open_vault.engine.begin() as conn:
            conn.execute(text(sql), as_stored({"id": note_id}))
    assert notes.get(note_id).values == {"narrative": "Integration went well."}
    assert notes.verify_signature(note_id)


def test_addendum_is_appended_signed_and_searchable(notes: NoteStore, note_id: str) -> None:
    notes.save_values(note_id, {"narrative": "Integration went well."})
    with pytest.raises(ValueError, match="Drafts are edited directly"):
        notes.add_addendum(note_id, "too early")
    notes.sign(note_id)
    notes.add_addendum(note_id, "Correction: the session lasted 50 minutes, not 45.")
    (addendum,) = notes.get(note_id).addenda
    assert addendum.text.startswith("Correction:")
    assert addendum.author == "Dr Ada Quill, PsyD"
    assert len(addendum.content_hash) == 64
    assert [h.note_id for h in notes.search("lasted 50")] == [note_id]
    assert notes.verify_signature(note_id)


def test_search_finds_long_text_by_prefix_and_observation_entries(
    notes: NoteStore, note_id: str
) -> None:
    entry = NewEntry(
        new_entry_id(), "observation_log", {"text": "client hummed along to the cello"}, T0
    )
    notes.save_values(
        note_id,
        {
            "narrative": "Brief dissociation, then a sense of relief.",
            "observation_log": [{**entry.data, "_event_id": entry.id}],
        },
        new_entries=[entry],
    )

    (hit,) = notes.search("dissociat")
    assert hit.note_id == note_id
    assert hit.client_name == "Rowan Fictitious"
    assert f"{MARK_OPEN}dissociation{MARK_CLOSE}" in hit.snippet
    assert [h.note_id for h in notes.search("cello")] == [note_id]
    assert notes.search("trombone") == []
    assert notes.search("  ?? ") == []


def test_search_index_follows_edits(notes: NoteStore, note_id: str) -> None:
    notes.save_values(note_id, {"narrative": "walked by the harbour"})
    notes.save_values(note_id, {"narrative": "walked in the forest"})
    assert notes.search("harbour") == []
    assert len(notes.search("forest")) == 1


def test_a_common_word_lists_the_newest_notes_a_rare_one_the_best_match(
    open_vault: OpenVault, notes: NoteStore
) -> None:
    course = _course(open_vault)
    written = []
    for i, text_ in enumerate(
        ["calm, calm, calm and the river", "calm", "calm by the river", "calm", "calm"]
    ):
        written.append(notes.create(course, "integration", SNAPSHOT, date(2026, 11, 20 - i)))
        notes.save_values(written[-1], {"narrative": text_})
    # five notes hold "calm", more than are listed: the newest first
    assert [h.note_id for h in notes.search("calm", limit=2)] == written[:-3:-1]
    assert {h.note_id for h in notes.search("calm", limit=5)} == set(written)
    # two hold "river": ranked, the one saying it in fewer words first
    assert [h.note_id for h in notes.search("river", limit=2)] == [written[2], written[0]]


_CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import date
    from pathlib import Path
    from kapnotes.domain.clients import ClientInput, CourseInput, Product
    from kapnotes.store.clients import ClientStore
    from kapnotes.store.notes import NoteStore
    from kapnotes.store.vault import Vault
    from tests.conftest import FAST_KDF, PASSPHRASE

    vault = Vault(Path(sys.argv[1]), kdf=FAST_KDF).create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    clients = ClientStore(vault)
    cid = clients.create(ClientInput(name="Rowan Fictitious"))
    course = clients.add_course(cid, CourseInput(
        start_date=date(2026, 10, 1), indication="Depression", planned_product=Product.KETAMINE_IM))
    notes = NoteStore(vault)
    snapshot = {"id": "t", "version": 1, "title": "T"}
    nid = notes.create(course, "dosing", snapshot, date(2026, 11, 20))
    for i in range(1, 6):
        notes.save_values(nid, {"narrative": f"draft revision {i}"})
        notes.add_event(nid, "observation", {"text": f"entry {i}"})
    print(nid, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.slow
def test_autosaved_draft_survives_a_killed_process(tmp_path: Path, vault: Vault) -> None:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(vault.data_dir)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=REPO,
        text=True,
    ) as child:
        assert child.stdout is not None
        nid = child.stdout.readline().strip()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    with vault.unlock(PASSPHRASE) as reopened:
        note = NoteStore(reopened).get(nid)
    assert note.values == {"narrative": "draft revision 5"}
    assert [e.data["text"] for e in note.events] == [f"entry {i}" for i in range(1, 6)]


def test_log_rows_and_their_events_are_written_in_one_transaction(
    notes: NoteStore, note_id: str
) -> None:
    at = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    entry_id = new_entry_id()
    row = {"time": "10:05", "text": "Resting"}
    notes.save_values(
        note_id,
        {"observation_log": [{**row, "_event_id": entry_id}]},
        new_entries=[NewEntry(entry_id, "observation_log", row, at, 300)],
    )
    note = notes.get(note_id)
    assert note.values["observation_log"][0]["_event_id"] == entry_id
    assert [(e.id, e.data, e.t_offset_s) for e in note.events] == [(entry_id, row, 300)]

    # still being typed: filled in without history; later: corrected, first text kept
    filled = {"time": "10:05", "text": "Resting quietly"}
    notes.save_values(note_id, {"observation_log": [filled]}, fills={entry_id: filled})
    assert notes.get(note_id).events[0].data == filled
    fixed = {"time": "10:05", "text": "Resting, eyes closed"}
    notes.save_values(note_id, {"observation_log": [fixed]}, corrections={entry_id: fixed})
    assert notes.get(note_id).events[0].data == fixed | {"original": filled}


def test_a_failed_save_writes_neither_the_row_nor_the_event(notes: NoteStore, note_id: str) -> None:
    entry_id = new_entry_id()
    at = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    with pytest.raises(KeyError):
        notes.save_values(
            note_id,
            {"observation_log": [{"text": "x", "_event_id": entry_id}]},
            new_entries=[NewEntry(entry_id, "observation_log", {"text": "x"}, at)],
            corrections={"no-such-entry": {"text": "y"}},
        )
    note = notes.get(note_id)
    assert note.events == () and "observation_log" not in note.values


def test_search_ignores_corrected_away_text_and_bookkeeping(notes: NoteStore, note_id: str) -> None:
    entry = NewEntry(new_entry_id(), "observation_log", {"text": "mentioned Ballantyne"}, T0)
    event_id = entry.id
    notes.save_values(
        note_id,
        {"observation_log": [{**entry.data, "_event_id": event_id}]},
        new_entries=[entry],
    )
    corrected = {"text": "mentioned a colleague"}
    notes.save_values(
        note_id,
        {"observation_log": [{**corrected, "_event_id": event_id}]},
        corrections={event_id: corrected},
    )
    assert notes.search("Ballantyne") == []
    assert len(notes.search("colleague")) == 1
    assert notes.search(event_id[:8]) == []
    notes.save_values(note_id, {"linked_dosing_session": event_id, "narrative": "lake image"})
    (hit,) = notes.search("lake")
    assert event_id[-12:] not in hit.snippet


def test_status_and_phase_are_stored_as_the_same_strings_as_before(
    open_vault: OpenVault, notes: NoteStore, note_id: str
) -> None:
    # Vaults written before the enums existed hold these strings, and migration
    # 0002's triggers compare status with 'signed': both must keep matching.
    notes.sign(note_id)
    with open_vault.engine.connect() as conn:
        row = conn.execute(
            text("SELECT kind, status FROM note WHERE id = :id"), as_stored({"id": note_id})
        )
        assert tuple(row.one()) == ("integration", "signed")
    note = notes.get(note_id)
    assert note.kind is Phase.INTEGRATION
    assert note.status is NoteStatus.SIGNED


def test_a_note_must_belong_to_a_phase(open_vault: OpenVault, notes: NoteStore) -> None:
    with pytest.raises(ValueError, match="aftercare"):
        notes.create(_course(open_vault), "aftercare", SNAPSHOT, date(2026, 11, 20))


def _rules_note(open_vault: OpenVault, weight_kg: float | None = 80) -> tuple[NoteStore, str]:
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Rowan Fictitious", weight_kg=weight_kg))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 1),
            indication="Treatment-resistant depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(open_vault)
    return notes, notes.create(course_id, Phase.PREPARATION, RULES, date(2026, 10, 2))


def _assert_still_a_draft(notes: NoteStore, note_id: str) -> None:
    note = notes.get(note_id)
    assert note.status is NoteStatus.DRAFT
    assert (note.signed_by, note.signed_at, note.content_hash) == (None, None, None)
    notes.save_values(note_id, note.values)  # still editable


def test_signing_with_a_required_field_empty_is_refused_and_the_note_stays_a_draft(
    open_vault: OpenVault,
) -> None:
    notes, note_id = _rules_note(open_vault)
    notes.save_values(note_id, {"dose_mg_per_kg": 0.5, **SOAP})
    with pytest.raises(MissingFieldsError) as refused:
        notes.sign(note_id)
    assert refused.value.missing == ("Informed consent signed",)
    assert str(refused.value) == (
        "Not signed: 1 required item still to fill in: Informed consent signed"
    )
    assert isinstance(refused.value, SignError)
    _assert_still_a_draft(notes, note_id)

    # Consent given: its date is shown, so now it is required too.
    notes.save_values(note_id, {"dose_mg_per_kg": 0.5, "consent_signed": True, **SOAP})
    with pytest.raises(MissingFieldsError) as refused:
        notes.sign(note_id)
    assert refused.value.missing == ("Consent signed on",)
    _assert_still_a_draft(notes, note_id)


def test_signing_with_every_required_field_filled_signs(open_vault: OpenVault) -> None:
    notes, note_id = _rules_note(open_vault)
    # No consent: the consent date stays hidden by its show_if, so it is not required;
    # the planned dose in mg is computed from the client's 80 kg.
    notes.save_values(note_id, {"consent_signed": False, "dose_mg_per_kg": 0.5, **SOAP})
    digest = notes.sign(note_id)
    note = notes.get(note_id)
    assert note.is_signed
    assert note.content_hash == digest
    assert notes.verify_signature(note_id)


def test_signing_reads_the_clients_weight_as_the_editor_does(open_vault: OpenVault) -> None:
    notes, note_id = _rules_note(open_vault, weight_kg=None)
    notes.save_values(note_id, {"consent_signed": False, "dose_mg_per_kg": 0.5, **SOAP})
    assert notes.template_context(note_id)["client"]["weight_kg"] is None
    with pytest.raises(MissingFieldsError, match=r"Planned dose \(mg\)"):
        notes.sign(note_id)
    _assert_still_a_draft(notes, note_id)


def test_signing_checks_the_narrative_headings_of_the_notes_layout(
    open_vault: OpenVault,
) -> None:
    notes, note_id = _rules_note(open_vault)
    base = {"consent_signed": False, "dose_mg_per_kg": 0.5}
    notes.save_values(note_id, {**base, **SOAP, LAYOUT_KEY: "dap"})
    with pytest.raises(MissingFieldsError) as refused:
        notes.sign(note_id)
    assert refused.value.missing == ("Data",)  # assessment and plan are shared with SOAP
    # The editor passes the layout it shows, which wins over the recorded one.
    assert notes.sign(note_id, layout=NarrativeLayout.SOAP)


def test_a_note_whose_template_cannot_be_read_is_not_signed(
    open_vault: OpenVault, notes: NoteStore
) -> None:
    broken = {"id": "t", "version": 1, "title": "T"}  # no phase, no sections
    note_id = notes.create(_course(open_vault), Phase.DOSING, broken, date(2026, 11, 20))
    with pytest.raises(UnreadableTemplateError, match="'t' version 1"):
        notes.sign(note_id)
    _assert_still_a_draft(notes, note_id)


def test_the_template_context_holds_the_client_and_the_linked_note(
    open_vault: OpenVault,
) -> None:
    clients = ClientStore(open_vault)
    client_id = clients.create(
        ClientInput(name="Rowan Fictitious", weight_kg=80, date_of_birth=date(1984, 5, 2))
    )
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 1),
            indication="Treatment-resistant depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(open_vault)
    dosing = notes.create(course_id, Phase.DOSING, SNAPSHOT, date(2026, 10, 9))
    linking = {
        **SNAPSHOT,
        "sections": [
            {
                "id": "link",
                "title": "Link",
                "fields": [
                    {
                        "id": "dosing_note",
                        "type": "note_link",
                        "label": "Dosing session",
                        "link_phase": "dosing",
                    }
                ],
            }
        ],
    }
    integration = notes.create(
        course_id, Phase.INTEGRATION, linking, date(2026, 10, 11), {"dosing_note": dosing}
    )
    client = {
        "name": "Rowan Fictitious",
        "weight_kg": 80.0,
        "date_of_birth": "1984-05-02",
        "id": client_id,
    }
    assert notes.template_context(dosing) == {"client": client}
    assert notes.template_context(integration) == {
        "client": client,
        "linked": {"id": dosing, "session_date": "2026-10-09", "kind": "dosing"},
    }
