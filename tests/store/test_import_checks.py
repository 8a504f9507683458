"""Import trusts nothing in the file (issue 12): signed notes' hashes, re-scored measures and
value types are checked, and a file that fails is refused whole, naming the JSON path."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from kapnotes import cli
from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.templates import load_templates
from kapnotes.store.clients import ClientStore
from kapnotes.store.interchange import InterchangeError, export_vault, parse_document
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import NewEntry, NoteStore, new_entry_id
from kapnotes.store.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.signing import COMPLETE_DOSING

PHQ9 = load_instruments().get("phq9")
assert PHQ9 is not None


@pytest.fixture
def exported(open_vault: OpenVault) -> dict[str, Any]:
    """An export holding a signed dosing note with an addendum, and two PHQ-9 results."""
    clients = ClientStore(open_vault)
    client = clients.create(ClientInput(name="Sam Fictional", weight_kg=80.0))
    course = clients.add_course(
        client,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Depression (fictional)",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(open_vault)
    dosing = load_templates().for_phase("dosing")[0]
    note_id = notes.create(course, "dosing", dosing.snapshot(), date(2026, 3, 2), time_zone="UTC")
    vitals = {"time": "09:50", "systolic": 128, "diastolic": 82, "heart_rate": 74}
    entry = NewEntry(new_entry_id(), "vitals_log", vitals, datetime(2026, 3, 2, 9, 50, tzinfo=UTC))
    values = {
        **COMPLETE_DOSING,
        "session_date": "2026-03-02",
        "vitals_log": [{**vitals, "_event_id": entry.id}],
    }
    notes.save_values(note_id, values, new_entries=[entry])
    notes.sign(note_id)
    notes.add_addendum(note_id, "Escort was a neighbour, not the partner.")
    measures = MeasureStore(open_vault)
    measures.save(client, PHQ9, dict.fromkeys(PHQ9.item_ids, 1), course_id=course)
    return export_vault(open_vault)


def _parse(doc: dict[str, Any]) -> list[str]:
    try:
        parse_document(json.dumps(doc).encode(), "in.json")
    except InterchangeError as exc:
        return exc.problems
    return []


def _phq9(doc: dict[str, Any]) -> dict[str, Any]:
    measure: dict[str, Any] = doc["measures"][0]
    return measure


def test_the_export_itself_passes_every_check(exported: dict[str, Any]) -> None:
    assert _parse(exported) == []


def test_a_signed_note_whose_content_no_longer_matches_its_hash_is_refused(
    exported: dict[str, Any],
) -> None:
    exported["notes"][0]["values"]["therapist_observations"] = "Changed after signing."
    assert _parse(exported) == [
        "$.notes[0].content_hash: does not match the note's content (the note or the file was "
        "changed after it was signed)"
    ]


def test_a_signed_note_moved_to_another_signer_is_refused(exported: dict[str, Any]) -> None:
    exported["notes"][0]["signer"]["name"] = "Dr Someone Else"
    assert [p.split(":")[0] for p in _parse(exported)] == ["$.notes[0].content_hash"]


def test_a_rehashed_note_still_needs_the_audit_event_that_recorded_its_signature(
    exported: dict[str, Any],
) -> None:
    from kapnotes.domain.canonical import content_hash
    from kapnotes.domain.signatures import NoteContent, SignedEvent, Signer, note_hash

    note = exported["notes"][0]
    note["values"]["therapist_observations"] = "Changed after signing."
    course = next(c for c in exported["courses"] if c["id"] == note["course_id"])
    content = NoteContent(
        note_id=note["id"],
        course_id=note["course_id"],
        client_id=course["client_id"],
        kind=note["kind"],
        template_id=note["template_id"],
        template_version=note["template_version"],
        snapshot_hash=content_hash(note["template_snapshot"]),
        session_date=date.fromisoformat(note["session_date"]),
        time_zone=note["time_zone"],
        started_at=datetime.fromisoformat(note["started_at"]),
        ended_at=datetime.fromisoformat(note["ended_at"]),
        values=note["values"],
        signed_by=note["signed_by_id"],
        signed_at=datetime.fromisoformat(note["signed_at"]),
        signer=Signer.from_json(note["signer"]),
        events=[
            SignedEvent(
                e["id"],
                e["kind"],
                datetime.fromisoformat(e["recorded_at"]),
                e["t_offset_s"],
                e["data"],
            )
            for e in note["events"]
        ],
    )
    note["content_hash"] = note_hash(content, 2)
    problems = _parse(exported)
    assert "$.notes[0].content_hash: no note.sign event in $.audit recorded this signature" in (
        problems
    )


def test_a_forged_addendum_text_is_refused(exported: dict[str, Any]) -> None:
    exported["notes"][0]["addenda"][0]["text"] = "Dose to be doubled next time."
    assert _parse(exported) == [
        "$.notes[0].addenda[0].content_hash: does not match the addendum (it was changed after "
        "it was signed)"
    ]


def test_a_phq9_total_the_answers_do_not_give_is_refused(exported: dict[str, Any]) -> None:
    measure = _phq9(exported)
    measure["answers"] = {"phq9_1": 3}
    measure["total"] = 40
    problems = _parse(exported)
    assert "$.measures[0].total: the answers give no total (the form is incomplete), not 40.0" in (
        problems
    )


def test_a_phq9_item_9_without_its_risk_flag_is_refused(exported: dict[str, Any]) -> None:
    measure = _phq9(exported)
    measure["answers"]["phq9_9"] = 2  # 1 before: all nine at 1 gave 9, "Mild", a flag
    measure["answers"]["phq9_1"] = 0  # so the total and band stay what the file says
    measure["flags"] = []
    problems = _parse(exported)
    assert problems == [
        "$.measures[0].flags: the answers raise suicide_risk, not what the file says"
    ]


def test_an_answer_outside_the_scale_is_refused(exported: dict[str, Any]) -> None:
    _phq9(exported)["answers"]["phq9_1"] = 7
    assert [p.split(":")[0] for p in _parse(exported)] == ["$.measures[0].answers"]


def test_text_in_a_date_field_is_refused(exported: dict[str, Any]) -> None:
    note = exported["notes"][0]
    note["status"] = "draft"  # a draft, so the hash is not what refuses it
    for key in ("signed_by_id", "signed_at", "content_hash", "signer", "signature_version"):
        note[key] = None
    note["addenda"] = []
    note["values"]["session_date"] = "last Tuesday"
    assert _parse(exported) == ["$.notes[0].values.session_date: must be a date (YYYY-MM-DD)"]


def test_the_command_line_refuses_the_whole_file_with_exit_2(
    exported: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _phq9(exported)["total"] = 40
    source = tmp_path / "in.json"
    source.write_text(json.dumps(exported))
    target = Vault(tmp_path / "t", kdf=FAST_KDF)
    target.create("Dr Importing", "MD", PASSPHRASE).vault.close()
    monkeypatch.setattr(cli, "_interactive", lambda: False)
    monkeypatch.setitem(os.environ, "KAPNOTES_PASSPHRASE", PASSPHRASE)
    code = cli.main(["--data-dir", str(tmp_path / "t"), "import-json", str(source)])
    err = capsys.readouterr().err
    assert code == 2
    assert "in.json: $.measures[0].total: the answers give 9, not 40.0" in err
    with target.unlock(PASSPHRASE) as opened:
        assert export_vault(opened)["clients"] == []
