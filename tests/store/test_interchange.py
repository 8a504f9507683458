"""The JSON interchange format: lossless round trip, whole-file validation, atomic import."""

from __future__ import annotations

import json
import stat
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DatabaseError

from kapnotes.domain.clients import ClientInput, CourseInput, CourseStatus, Product
from kapnotes.domain.instruments import load_instruments, score
from kapnotes.domain.signatures import addendum_hash, note_hash
from kapnotes.store import interchange
from kapnotes.store.audit import record, verify_chain
from kapnotes.store.clients import ClientStore
from kapnotes.store.interchange import (
    ImportConflictError,
    InterchangeError,
    comparable,
    export_json,
    export_vault,
    import_document,
    parse_document,
)
from kapnotes.store.models import (
    Addendum,
    AuditEvent,
    Client,
    MeasureResult,
    Note,
    NoteEvent,
    id_from_stored,
)
from kapnotes.store.notes import note_content
from kapnotes.store.vault import OpenVault, Vault
from tests.conftest import FAST_KDF, PASSPHRASE

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PHQ9 = load_instruments().get("phq9")
assert PHQ9 is not None


def _new_vault(folder: Path, name: str = "Dr Importing Clinician") -> OpenVault:
    return Vault(folder, kdf=FAST_KDF).create(name, "MD", PASSPHRASE).vault


@pytest.fixture
def target(tmp_path: Path) -> Any:
    """A second, empty vault to import into."""
    opened = _new_vault(tmp_path / "target")
    yield opened
    opened.close()


def populate(vault: OpenVault) -> dict[str, str]:
    """Fictional clients, courses, a draft and a signed note with events and an addendum,
    and a measure result: every table the interchange carries."""
    store = ClientStore(vault)
    juniper = store.create(
        ClientInput(
            name="Juniper Example",
            preferred_name="June",
            date_of_birth=date(1984, 3, 14),
            pronouns="she/her",
            contact="555-0101",
            weight_kg=64.5,
            diagnoses="Major depressive disorder, recurrent",
            medications="Sertraline 100 mg",
            allergies="Penicillin",
        )
    )
    store.create(ClientInput(name="Marlow Sample", pronouns="he/him"))
    course = store.add_course(
        juniper,
        CourseInput(
            start_date=date(2026, 3, 1),
            indication="Treatment-resistant depression",
            planned_product=Product.KETAMINE_SUBLINGUAL,
            status=CourseStatus.ACTIVE,
        ),
    )
    me = vault.clinician_id
    with vault.session() as session:
        draft = Note(
            course_id=course,
            kind="preparation",
            template_id="kap-preparation",
            template_version=1,
            template_snapshot={"id": "kap-preparation", "version": 1, "title": "Preparation"},
            values={"intentions": "Reconnect with music", "readiness": 7},
            session_date=date(2026, 3, 1),
            started_at=T0 - timedelta(days=1),
        )
        signed = Note(
            course_id=course,
            kind="dosing",
            template_id="kap-dosing",
            template_version=2,
            template_snapshot={"id": "kap-dosing", "version": 2, "title": "Dosing session"},
            values={"account": "Felt calm; tearful at T+30", "nausea": True},
            session_date=date(2026, 3, 2),
            started_at=T0,
            ended_at=T0 + timedelta(hours=2),
        )
        session.add_all([draft, signed])
        session.flush()
        session.add_all(
            [
                NoteEvent(
                    note_id=signed.id,
                    kind="vitals",
                    recorded_at=T0 + timedelta(minutes=5),
                    t_offset_s=300,
                    data={"sbp": 128, "dbp": 82, "hr": 76, "spo2": 98},
                ),
                NoteEvent(
                    note_id=signed.id,
                    kind="observation",
                    recorded_at=T0 + timedelta(minutes=25),
                    t_offset_s=1500,
                    data={"text": "Vomiting; antiemetic given", "tags": ["nausea"]},
                ),
                NoteEvent(
                    note_id=draft.id, kind="observation", recorded_at=T0, data={"text": "Ok"}
                ),
            ]
        )
        session.flush()
        # Signed the way notes were before signatures were versioned (version 1): the
        # round trip must keep such a note verifying exactly as it was made.
        signed.signed_by_id = me
        signed.signed_at = T0 + timedelta(hours=3)
        session.flush()
        session.refresh(signed)
        signed.content_hash = note_hash(note_content(signed), 1)
        signed.status = "signed"
        session.flush()
        added = T0 + timedelta(days=1)
        text_ = "Lot number corrected to 24-117."
        session.add(
            Addendum(
                note_id=signed.id,
                text=text_,
                author_id=me,
                created_at=added,
                content_hash=addendum_hash(signed.id, signed.content_hash, text_, me, added),
            )
        )
        answers = dict(zip(PHQ9.item_ids, [3, 3, 2, 2, 2, 2, 2, 1, 1], strict=True))
        session.add(
            MeasureResult(
                client_id=juniper,
                note_id=draft.id,
                course_id=course,
                instrument_id="phq9",
                instrument_version=1,
                answers=answers,
                total=18.0,
                band="Moderately severe",
                flags=[{"id": f.id, "label": f.label} for f in score(PHQ9, answers).flags],
                administered_at=T0 - timedelta(days=1),
                acknowledged_by_id=me,
                acknowledged_at=T0 - timedelta(days=1, minutes=-5),
                acknowledgement="Safety plan reviewed",
            )
        )
        record(session, me, "note.sign", "note", signed.id, {"hash": signed.content_hash})
        record(
            session,
            me,
            "note.addendum",
            "note",
            signed.id,
            {"hash": addendum_hash(signed.id, signed.content_hash, text_, me, added)},
        )
    return {"client": juniper, "course": course, "signed": signed.id, "draft": draft.id}


def _roundtrip(source: OpenVault, target: OpenVault, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "export.json"
    export_json(source, path)
    import_document(target, interchange.read_document(path), source=path.name)
    loaded: dict[str, Any] = json.loads(path.read_bytes())
    return loaded


# --------------------------------------------------------------------------- round trip


def test_export_import_export_is_lossless(
    open_vault: OpenVault, target: OpenVault, tmp_path: Path
) -> None:
    populate(open_vault)
    first = _roundtrip(open_vault, target, tmp_path)
    second = export_vault(target)
    assert len(first["notes"]) == 2 and len(first["measures"]) == 1
    assert comparable(second, importer_id=target.clinician_id) == comparable(first)
    # Nothing is dropped except what the docs name: the importer's clinician and events.
    assert {c["id"] for c in second["clinicians"]} == {c["id"] for c in first["clinicians"]} | {
        target.clinician_id
    }
    own = [ev["action"] for ev in second["audit"] if ev["actor_id"] == target.clinician_id]
    assert own == ["vault.create", "vault.import"]


def test_a_file_from_before_measures_had_courses_imports_them_into_their_course(
    open_vault: OpenVault, target: OpenVault
) -> None:
    ids = populate(open_vault)
    doc = export_vault(open_vault)
    assert doc["measures"][0]["course_id"] == ids["course"]
    old = json.loads(json.dumps(doc))
    for measure in old["measures"]:
        del measure["course_id"]  # as version 1 files were written before
    import_document(target, interchange.parse_document(_raw(old), "old.json"), source="old.json")
    assert [m["course_id"] for m in export_vault(target)["measures"]] == [ids["course"]]


def test_a_measure_in_another_clients_course_is_refused(good: dict[str, Any]) -> None:
    other_client = next(c["id"] for c in good["clients"] if c["name"] == "Marlow Sample")
    doc = _set(good, ("measures", 0, "client_id"), other_client)
    doc = _set(doc, ("measures", 0, "note_id"), None)
    with pytest.raises(InterchangeError, match=r"\$\.measures\[0\]\.course_id: that course"):
        interchange.parse_document(_raw(doc), "mixed.json")


def test_imported_vault_verifies_and_keeps_signed_notes_read_only(
    open_vault: OpenVault, target: OpenVault, tmp_path: Path
) -> None:
    ids = populate(open_vault)
    first = _roundtrip(open_vault, target, tmp_path)
    with target.session() as session:
        assert verify_chain(session) == []
        assert interchange.verify_imported_segments(session) == []
        imp = session.scalars(select(AuditEvent).where(AuditEvent.action == "vault.import")).one()
        assert imp.detail["source_chain_head"] == first["audit"][-1]["hash"]
        assert imp.detail["segment_last_seq"] - imp.detail["segment_first_seq"] + 1 == len(
            first["audit"]
        )
        # imported notes are in the search index: what they show (values, addenda)
        hits = session.execute(
            text(
                "SELECT r.note_id FROM note_fts JOIN note_fts_row AS r ON r.fts_rowid = "
                "note_fts.rowid WHERE note_fts MATCH 'tearful'"
            )
        ).all()
        assert [id_from_stored(h[0]) for h in hits] == [ids["signed"]]
    with pytest.raises(DatabaseError, match="read-only"), target.session() as session:
        session.execute(update(Note).where(Note.id == ids["signed"]).values(kind="x"))


def test_a_chain_of_imports_still_verifies(
    open_vault: OpenVault, target: OpenVault, tmp_path: Path
) -> None:
    populate(open_vault)
    _roundtrip(open_vault, target, tmp_path)
    third = _new_vault(tmp_path / "third", "Dr Third")
    try:
        second_file = tmp_path / "second.json"
        export_json(target, second_file)
        import_document(third, interchange.read_document(second_file))
        with third.session() as session:
            assert verify_chain(session) == []
            assert interchange.verify_imported_segments(session) == []
        assert comparable(export_vault(third), importer_id=third.clinician_id) == comparable(
            json.loads(second_file.read_bytes())
        )
    finally:
        third.close()


def test_importing_existing_ids_is_refused_and_writes_nothing(
    open_vault: OpenVault, target: OpenVault, tmp_path: Path
) -> None:
    populate(open_vault)
    _roundtrip(open_vault, target, tmp_path)
    before = export_vault(target)
    doc = interchange.read_document(tmp_path / "export.json")
    with pytest.raises(ImportConflictError) as err:
        import_document(target, doc, source="export.json")
    message = str(err.value)
    assert "export.json: $.clients[0].id: this vault already holds a client" in message
    assert "nothing was imported" in message
    assert comparable(export_vault(target)) == comparable(before)


def test_import_is_one_transaction(
    open_vault: OpenVault, target: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(open_vault)
    path = tmp_path / "export.json"
    export_json(open_vault, path)
    before = export_vault(target)

    def explode(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(interchange, "_import_audit", explode)
    with pytest.raises(RuntimeError):
        import_document(target, interchange.read_document(path))
    assert comparable(export_vault(target)) == comparable(before)


def test_export_json_writes_atomically_and_is_audited(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    populate(open_vault)
    out = tmp_path / "out" / "vault.json"
    out.parent.mkdir()
    out.write_text("old contents")
    counts = export_json(open_vault, out)
    assert counts["clients"] == 2
    assert sorted(p.name for p in out.parent.iterdir()) == ["vault.json"]  # no temp left
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = json.loads(out.read_bytes())
    assert doc["format"] == "kapnotes" and doc["version"] == 1
    assert doc["audit"][-1]["action"] == "vault.export"
    assert "vault.json" not in json.dumps(doc["audit"][-1])  # the path is not recorded


def test_export_json_refuses_a_missing_folder(open_vault: OpenVault, tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match="does not exist"):
        export_json(open_vault, tmp_path / "nowhere" / "x.json")
    with pytest.raises(InterchangeError, match="is a folder"):
        export_json(open_vault, tmp_path)


def test_export_validates_against_the_shipped_schema(open_vault: OpenVault) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    populate(open_vault)
    schema = json.loads(interchange.schema_path().read_text(encoding="utf-8"))
    jsonschema.validate(export_vault(open_vault), schema)


def test_shipped_schema_is_the_generated_one() -> None:
    shipped = interchange.schema_path().read_text(encoding="utf-8")
    assert shipped == interchange.schema_text(), (
        "resources/schema is stale: run `python -m kapnotes.store.interchange --write-schema`"
    )


# --------------------------------------------------------------------------- validation


@pytest.fixture
def good(open_vault: OpenVault) -> dict[str, Any]:
    """A valid export with every kind of record in it."""
    populate(open_vault)
    return export_vault(open_vault)


def _raw(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _without(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != key}


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    here = doc
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = value
    return doc


def _drop(doc: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    here = doc
    for part in path[:-1]:
        here = here[part]
    del here[path[-1]]
    return doc


FUTURE = (date.today() + timedelta(days=30)).isoformat()

BAD_DOCUMENTS: dict[str, tuple[Any, str]] = {
    # name: (function of a good document -> raw bytes, text the message must hold)
    "bad JSON": (lambda d: _raw(d)[:-40], "line 1, column"),
    "not UTF-8": (lambda d: b"\xff\xfe{}", "not UTF-8"),
    "not an object": (lambda d: b"[1, 2]", "$: expected a JSON object"),
    "not kapnotes": (lambda d: _raw(_set(d, ("format",), "other")), "$.format"),
    "unknown version": (lambda d: _raw(_set(d, ("version",), 2)), "$.version: version 2"),
    "missing list": (lambda d: _raw(_without(d, "clients")), "$.clients: required field"),
    "missing field": (
        lambda d: _raw(_drop(d, ("courses", 0, "indication"))),
        "$.courses[0].indication: required field is missing",
    ),
    "unknown field": (
        lambda d: _raw(_set(d, ("clients", 1, "shoe_size"), 42)),
        "$.clients[1].shoe_size: unknown field",
    ),
    "wrong type": (
        lambda d: _raw(_set(d, ("notes", 0, "template_version"), "2")),
        "$.notes[0].template_version:",
    ),
    "wrong type in event": (
        lambda d: _raw(_set(d, ("notes", 1, "events", 0, "t_offset_s"), 1.5)),
        "$.notes[1].events[0].t_offset_s",
    ),
    "bad enum": (
        lambda d: _raw(_set(d, ("courses", 0, "planned_product"), "mdma")),
        "$.courses[0].planned_product",
    ),
    "note of no phase": (
        lambda d: _raw(_set(d, ("notes", 0, "kind"), "aftercare")),
        "$.notes[0].kind: Input should be 'preparation', 'dosing' or 'integration'",
    ),
    "note status unknown": (
        lambda d: _raw(_set(d, ("notes", 0, "status"), "final")),
        "$.notes[0].status: Input should be 'draft' or 'signed'",
    ),
    "naive datetime": (
        lambda d: _raw(_set(d, ("clients", 0, "created_at"), "2026-03-01T10:00:00")),
        "$.clients[0].created_at",
    ),
    "future date of birth": (
        lambda d: _raw(_set(d, ("clients", 0, "date_of_birth"), FUTURE)),
        "$.clients[0].date_of_birth: Date of birth cannot be in the future",
    ),
    "weight out of range": (
        lambda d: _raw(_set(d, ("clients", 0, "weight_kg"), 2.0)),
        "$.clients[0].weight_kg: Weight must be between",
    ),
    "blank client name": (
        lambda d: _raw(_set(d, ("clients", 1, "name"), "   ")),
        "$.clients[1].name: Name is required",
    ),
    "dangling course client": (
        lambda d: _raw(_set(d, ("courses", 0, "client_id"), "no-such-client")),
        "$.courses[0].client_id: client 'no-such-client' is not in the file",
    ),
    "dangling signer": (
        lambda d: _raw(_set(d, ("notes", 1, "signed_by_id"), "ghost")),
        "$.notes[1].signed_by_id: clinician 'ghost' is not in the file",
    ),
    "duplicate id": (
        lambda d: _raw(_set(d, ("clients", 1, "id"), d["clients"][0]["id"])),
        "$.clients[1].id: another client in the file has this id",
    ),
    "signed without signer": (
        lambda d: _raw(_set(d, ("notes", 1, "signed_at"), None)),
        "$.notes[1]: a signed note needs",
    ),
    "measure in no course of the file": (
        lambda d: _raw(_set(d, ("measures", 0, "course_id"), "ghost")),
        "$.measures[0].course_id: course 'ghost' is not in the file",
    ),
    "tampered audit event": (
        lambda d: _raw(_set(d, ("audit", 1, "detail"), {"edited": True})),
        "$.audit[1].hash: this audit event does not match its hash",
    ),
    "missing audit event": (
        lambda d: _raw(_set(d, ("audit",), d["audit"][:1] + d["audit"][2:])),
        "$.audit[1].prev_hash: the audit chain is broken here",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_bad_documents_name_the_file_and_json_path(good: dict[str, Any], case: str) -> None:
    make, expected = BAD_DOCUMENTS[case]
    with pytest.raises(InterchangeError) as err:
        parse_document(make(good), "backup.json")
    message = str(err.value)
    assert message.startswith("backup.json: ")
    assert expected in message
    assert "Juniper" not in message  # values are not echoed, only where they are


def test_the_good_document_parses(good: dict[str, Any]) -> None:
    doc = parse_document(_raw(good), "backup.json")
    assert [c.name for c in doc.clients] == ["Juniper Example", "Marlow Sample"]


def test_today_can_be_fixed_for_the_date_of_birth_rule(good: dict[str, Any]) -> None:
    raw = _raw(_set(good, ("clients", 0, "date_of_birth"), "2030-01-01"))
    with pytest.raises(InterchangeError, match="future"):
        parse_document(raw, "x.json", today=date(2029, 12, 31))
    assert parse_document(raw, "x.json", today=date(2030, 1, 1)).clients[0].date_of_birth


def test_many_problems_are_listed_with_a_count(good: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(good))
    for i in range(20):
        doc["clients"].append(dict(doc["clients"][1], id=f"c{i}", weight_kg=1.0))
    with pytest.raises(InterchangeError) as err:
        parse_document(_raw(doc), "big.json")
    assert len(err.value.problems) == 20
    assert str(err.value).splitlines()[-1] == "big.json: … and 8 more problems"


def test_json_path_quotes_odd_keys() -> None:
    assert interchange.json_path(("notes", 0, "values", "item 9")) == '$.notes[0].values["item 9"]'


def test_client_entries_reuse_the_domain_rules() -> None:
    assert issubclass(interchange.ClientEntry, ClientInput)
    assert issubclass(interchange.CourseEntry, CourseInput)
    with pytest.raises(ValidationError):
        interchange.ClientEntry.model_validate({"name": "x", "weight_kg": 500})


# --------------------------------------------------------------------------- property

TEXT = st.text(max_size=40)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.text(min_size=1, max_size=60),
    preferred=TEXT,
    pronouns=st.text(max_size=20),
    contact=TEXT,
    diagnoses=st.text(max_size=200),
    medications=TEXT,
    allergies=TEXT,
)
def test_client_text_survives_export_import_export(
    name: str,
    preferred: str,
    pronouns: str,
    contact: str,
    diagnoses: str,
    medications: str,
    allergies: str,
) -> None:
    try:
        data = ClientInput(
            name=name,
            preferred_name=preferred,
            pronouns=pronouns,
            contact=contact,
            emergency_contact=contact[::-1],
            diagnoses=diagnoses,
            medications=medications,
            allergies=allergies,
        )
    except ValidationError:
        assume(False)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with _new_vault(root / "a", "Dr A") as a, _new_vault(root / "b", "Dr B") as b:
            ClientStore(a).create(data)
            first = export_vault(a)
            raw = interchange.dumps(first)
            import_document(b, parse_document(raw, "p.json"))
            second = export_vault(b)
            assert comparable(second, importer_id=b.clinician_id) == comparable(first)
            (client,) = second["clients"]
            for key, value in data.model_dump(exclude={"date_of_birth", "weight_kg"}).items():
                assert client[key] == value
            with b.session() as session:
                assert session.scalar(select(func.count()).select_from(Client)) == 1


def test_the_example_in_the_docs_is_a_valid_document() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "interchange.md"
    example = docs.read_text(encoding="utf-8").split("```json\n")[1].split("```")[0]
    doc = parse_document(example.encode(), "interchange.md")
    assert doc.clients[0].name == "Juniper Example"


def test_notes_written_by_the_note_store_survive_with_signature_and_search(
    open_vault: OpenVault, target: OpenVault, tmp_path: Path
) -> None:
    from kapnotes.store.notes import NoteStore

    course = populate(open_vault)["course"]
    notes = NoteStore(open_vault)
    snapshot = {
        "id": "test_dosing",
        "version": 1,
        "title": "Dosing session",
        "phase": "dosing",
        "sections": [
            {
                "id": "account",
                "title": "Account",
                "fields": [{"id": "account", "type": "long_text", "label": "Account"}],
            }
        ],
    }
    note_id = notes.create(
        course, "dosing", snapshot, date(2026, 3, 9), {"account": "Calm; ondansetron given"}
    )
    notes.add_event(note_id, "adverse_event", {"kind": "nausea", "action": "ondansetron"})
    notes.sign(note_id)
    notes.add_addendum(note_id, "Escort was a neighbour, not the partner.")
    _roundtrip(open_vault, target, tmp_path)
    imported = NoteStore(target)
    assert imported.verify_signature(note_id)
    assert [h.note_id for h in imported.search("ondansetron")] == [note_id]
    assert [h.note_id for h in imported.search("neighbour")] == [note_id]
    assert imported.get(note_id) == notes.get(note_id)


def test_a_value_that_is_not_of_its_fields_type_is_refused_naming_its_path(
    good: dict[str, Any],
) -> None:
    from kapnotes.domain.templates import load_templates

    doc = json.loads(json.dumps(good))
    draft = next(n for n in doc["notes"] if n["status"] == "draft")
    position = doc["notes"].index(draft)
    dosing = load_templates().for_phase("dosing")[0]
    draft["kind"] = "dosing"
    draft["template_id"], draft["template_version"] = dosing.id, dosing.version
    draft["template_snapshot"] = dosing.snapshot()
    draft["values"] = {
        "session_number": "three",
        "vitals_log": [{"time": "25:61", "systolic": "abc", "diastolic": 80}],
    }
    with pytest.raises(InterchangeError) as refused:
        parse_document(_raw(doc), "bad.json")
    problems = refused.value.problems
    here = f"$.notes[{position}].values"
    assert f"{here}.session_number: must be a whole number" in problems
    assert any(p.startswith(f"{here}.vitals_log: row 1, Time: ") for p in problems)
    assert any(p.startswith(f"{here}.vitals_log: row 1, Systolic BP: ") for p in problems)


def test_export_orders_records_by_time_then_id_whatever_form_the_id_is_stored_in(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    """Imported ids that are not kapnotes' UUIDs are stored as text, kapnotes' own as 16
    bytes (SQLite sorts the text first): the export still lists time, then id."""
    when = datetime(2026, 3, 1, tzinfo=UTC)
    given = ("client-A", "37803c7e-6f0b-4a8e-9d1c-2b5e8f4a7c10", "0-first")
    with open_vault.session() as session:
        for client_id in given:
            session.add(
                Client(id=client_id, name="Tie", search_key="", created_at=when, updated_at=when)
            )
    path = tmp_path / "out.json"
    export_json(open_vault, path)
    listed = [c["id"] for c in json.loads(path.read_text())["clients"] if c["id"] in given]
    assert listed == sorted(given)
