"""Faults and tampering (issue 12): each reproducer of the probes, and that it no longer does
harm unseen.

The vault is damaged the way a crash, a failing disk or an attacker would: bytes of
the write-ahead log flipped (a fixed seed), the database emptied or a page changed,
the audit trail cut off or rewritten with the triggers dropped, signed notes and
their addenda and index rows changed in SQL. Every case must be refused at unlock
with a message that names the damage, or named by ``verify``; none may pass as OK.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.signatures import SIGNATURE_VERSION, Signer, addendum_hash, note_hash
from kapnotes.domain.templates import load_templates
from kapnotes.store import interchange
from kapnotes.store.audit import GENESIS, event_hash
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.models import Addendum, Note, from_stored_instant, id_from_stored
from kapnotes.store.notes import (
    NewEntry,
    NoteStore,
    SignedNoteError,
    new_entry_id,
    note_content,
)
from kapnotes.store.search_index import note_body
from kapnotes.store.vault import OpenVault, Vault, VaultDamagedError
from kapnotes.store.verify import Section, verify_vault
from tests.conftest import FAST_KDF, PASSPHRASE, as_stored
from tests.signing import COMPLETE_DOSING

INSTRUMENTS = load_instruments()
PHQ9 = INSTRUMENTS.get("phq9")
assert PHQ9 is not None


def _sections(vault: Vault) -> list[Section]:
    """Verify's sections (a vault opened only to report: nothing is written)."""
    with vault.unlock(PASSPHRASE, problems="report") as opened:
        return verify_vault(opened, INSTRUMENTS)


def verify(vault: Vault) -> list[str]:
    """Every problem verify names."""
    try:
        sections = _sections(vault)
    except VaultDamagedError as exc:
        return list(exc.problems)
    return [p for s in sections for p in s.problems]


def records(document: dict[str, Any]) -> dict[str, Any]:
    """An export without the audit events of access (each unlock is one)."""
    out = interchange.comparable(document)
    out["audit"] = [e for e in out["audit"] if e["action"] not in {"vault.unlock", "vault.lock"}]
    return out


def _clinic(opened: OpenVault) -> tuple[str, str, str]:
    """A fictional client with a course; returns (client, course, a second client)."""
    clients = ClientStore(opened)
    client = clients.create(ClientInput(name="Sam Fictional", weight_kg=80.0))
    other = clients.create(ClientInput(name="Robin Example"))
    course = clients.add_course(
        client,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    return client, course, other


def _signed_note(opened: OpenVault, course: str) -> str:
    """A completed dosing note with one vitals entry, signed."""
    notes = NoteStore(opened)
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
    return note_id


@pytest.fixture
def signed(vault: Vault) -> dict[str, str]:
    """A closed vault holding a signed dosing note with an addendum, and a draft."""
    with vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault as opened:
        client, course, other = _clinic(opened)
        note_id = _signed_note(opened, course)
        notes = NoteStore(opened)
        notes.add_addendum(note_id, "Escort was a neighbour, not the partner.")
        draft = notes.create(course, "preparation", {"id": "p", "version": 1}, date(2026, 3, 1))
    return {"client": client, "other": other, "course": course, "note": note_id, "draft": draft}


def _sql(vault: Vault, *statements: str, params: dict[str, Any] | None = None) -> None:
    """Run SQL with the data key, as someone who has it would: past the stores (and past
    the anchor, which the stores keep)."""
    with vault.unlock(PASSPHRASE) as opened, opened.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), as_stored(params or {}))


# --------------------------------------------------------------------------- 1. WAL flips


def _crash_copy(vault: Vault, target: Path) -> Path:
    """Files copied while the vault is open: the WAL holds the last commits unfolded."""
    target.mkdir()
    for path in vault.data_dir.iterdir():
        if path.is_file() and path.name != "kapnotes.lock":
            shutil.copy2(path, target / path.name)
    return target


def test_a_flipped_byte_in_the_write_ahead_log_never_loses_saved_work_unseen(
    vault: Vault, tmp_path: Path
) -> None:
    """28 of 100 random WAL flips used to drop the last notes while verify said OK."""
    opened = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    _client, course, _other = _clinic(opened)
    notes = NoteStore(opened)
    for n in range(4):
        note_id = notes.create(
            course, "preparation", {"id": "p", "version": 1}, date(2026, 3, n + 1)
        )
        for k in range(3):
            notes.save_values(note_id, {"intentions": f"intention {k} " * 30})
    crashed = _crash_copy(vault, tmp_path / "crashed")
    opened.close()
    with Vault(_crash_copy(Vault(crashed), tmp_path / "ref"), kdf=FAST_KDF).unlock(PASSPHRASE) as o:
        reference = records(interchange.export_vault(o))
    wal = (crashed / "kapnotes.db-wal").read_bytes()
    assert len(wal) > 100_000
    rng = random.Random(12)
    outcomes = {"detected": 0, "harmless": 0}
    for trial in range(20):
        copy = tmp_path / f"flip{trial}"
        shutil.copytree(crashed, copy)
        data = bytearray(wal)
        data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
        (copy / "kapnotes.db-wal").write_bytes(bytes(data))
        damaged = Vault(copy, kdf=FAST_KDF)
        problems = verify(damaged)
        if problems:
            outcomes["detected"] += 1
            assert any("saved changes are missing" in p for p in problems), problems
            with pytest.raises(VaultDamagedError, match="Saved changes are missing"):
                damaged.unlock(PASSPHRASE)  # the unlock says so too
            continue
        with damaged.unlock(PASSPHRASE) as o:
            assert records(interchange.export_vault(o)) == reference
        outcomes["harmless"] += 1
    assert outcomes["detected"] + outcomes["harmless"] == 20
    assert outcomes["detected"] > 0


def _fingerprints(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file in the folder (the empty instance-lock file aside)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != "kapnotes.lock"
    }


@pytest.mark.slow
def test_a_damaged_write_ahead_log_is_reported_and_left_exactly_as_it_was(
    vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A refused unlock, verify and export-json used to fold the WAL's valid frames into
    kapnotes.db and delete the damaged WAL they had just reported."""
    from kapnotes import cli

    opened = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    _client, course, _other = _clinic(opened)
    notes = NoteStore(opened)
    for n in range(3):
        note_id = notes.create(
            course, "preparation", {"id": "p", "version": 1}, date(2026, 3, n + 1)
        )
        notes.save_values(note_id, {"intentions": f"intention {n} " * 30})
    assert opened.checkpointer is not None
    opened.checkpointer.stop()  # the last commits stay in the WAL, as after a crash
    crashed = _crash_copy(vault, tmp_path / "crashed")
    opened.close()
    wal = bytearray((crashed / "kapnotes.db-wal").read_bytes())
    wal[len(wal) - 100] ^= 0x55  # late in the last frame: its commit is lost
    (crashed / "kapnotes.db-wal").write_bytes(bytes(wal))
    assert (crashed / "kapnotes.db-shm").exists()
    before = _fingerprints(crashed)
    damaged = Vault(crashed, kdf=FAST_KDF)

    with pytest.raises(VaultDamagedError, match="Saved changes are missing"):
        damaged.unlock(PASSPHRASE)
    assert _fingerprints(crashed) == before
    assert any("saved changes are missing" in p for p in verify(damaged))
    assert _fingerprints(crashed) == before

    monkeypatch.setenv("KAPNOTES_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(cli, "_interactive", lambda: False)
    data = ["--data-dir", str(crashed)]
    assert cli.main([*data, "verify"]) == 1
    assert "saved changes are missing" in capsys.readouterr().out
    assert _fingerprints(crashed) == before
    assert cli.main([*data, "export-json", str(tmp_path / "out.json")]) == 1
    assert "kapnotes.db-wal may be damaged" in capsys.readouterr().err
    assert _fingerprints(crashed) == before
    assert not (tmp_path / "out.json").exists()

    (crashed / "kapnotes.db-shm").unlink()  # a WAL without its index: read from a copy
    before = _fingerprints(crashed)
    assert any("saved changes are missing" in p for p in verify(damaged))
    with pytest.raises(VaultDamagedError, match="Saved changes are missing"):
        damaged.unlock(PASSPHRASE)
    assert _fingerprints(crashed) == before


def test_verify_of_a_sound_vault_writes_nothing(signed: dict[str, str], vault: Vault) -> None:
    """verify is documented as writing nothing: not an unlock event, not a checkpoint."""
    with vault.unlock(PASSPHRASE) as opened:
        NoteStore(opened).create(
            signed["course"], "preparation", {"id": "p", "version": 1}, date(2026, 3, 9)
        )
        assert opened.checkpointer is not None
        opened.checkpointer.stop()
        crashed = _crash_copy(vault, vault.data_dir.parent / "copy")
    for folder in (vault.data_dir, crashed):
        before = _fingerprints(folder)
        assert verify(Vault(folder, kdf=FAST_KDF)) == []
        assert _fingerprints(folder) == before


def test_a_vault_with_lost_changes_can_be_opened_as_it_is_and_the_choice_is_recorded(
    signed: dict[str, str], vault: Vault
) -> None:
    _sql(
        vault,
        "DROP TRIGGER audit_no_delete",
        "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)",
    )
    with pytest.raises(VaultDamagedError) as refused:
        vault.unlock(PASSPHRASE)
    assert refused.value.openable
    message = str(refused.value)
    assert "Audit event" in message and "is not the one that was saved" in message
    assert "Restore it from a backup" in message and "Or open it as it is" in message
    assert "Protective trigger audit_no_delete is missing" in message
    with vault.unlock(PASSPHRASE, problems="accept") as opened, opened.session() as session:
        accepted = session.scalars(
            text("SELECT detail FROM audit_event WHERE action = 'vault.problems_accepted'")
        ).all()
    assert len(accepted) == 1 and "is not the one that was saved" in accepted[0]
    # Accepted once: the anchor follows the vault as it now is; verify still names the
    # dropped trigger, and lists what was accepted.
    problems = verify(vault)
    assert problems == ["protective trigger audit_no_delete is missing (it was dropped)"]


# --------------------------------------------------------------------------- 2. empty database


def test_an_empty_database_file_is_refused_never_rebuilt_as_a_new_vault(
    signed: dict[str, str], vault: Vault
) -> None:
    vault.db_path.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{vault.db_path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(VaultDamagedError, match=r"is empty \(0 bytes\)") as refused:
        vault.unlock(PASSPHRASE)
    assert not refused.value.openable
    assert "will not start a new, empty vault" in str(refused.value)
    assert "Restore it from a backup" in str(refused.value)
    assert vault.db_path.stat().st_size == 0  # nothing was built into it
    assert verify(vault) == refused.value.problems


def test_another_vaults_database_is_refused_by_name(signed: dict[str, str], vault: Vault) -> None:
    """Another vault's (here: empty) database put in this vault's place."""
    vault.db_path.unlink()
    Path(f"{vault.db_path}-wal").unlink(missing_ok=True)
    fresh = Vault(vault.data_dir / "scratch", kdf=FAST_KDF)
    fresh.create("Dr Other", "MD", PASSPHRASE).vault.close()
    shutil.copy2(fresh.db_path, vault.db_path)
    with pytest.raises(VaultDamagedError, match="does not belong to this key file"):
        vault.unlock(PASSPHRASE)


def test_an_unencrypted_sqlite_file_is_refused_by_name(
    signed: dict[str, str], vault: Vault
) -> None:
    import sqlite3

    vault.db_path.unlink()
    Path(f"{vault.db_path}-wal").unlink(missing_ok=True)
    plain = sqlite3.connect(vault.db_path)
    plain.execute("CREATE TABLE t (x)")
    plain.commit()
    plain.close()
    with pytest.raises(VaultDamagedError, match="unencrypted SQLite database"):
        vault.unlock(PASSPHRASE)


# --------------------------------------------------------------------------- 3. a damaged page


def test_a_damaged_page_is_refused_at_unlock_and_named_by_verify(
    signed: dict[str, str], vault: Vault
) -> None:
    assert (
        not Path(f"{vault.db_path}-wal").exists()
        or Path(f"{vault.db_path}-wal").stat().st_size == 0
    )
    data = bytearray(vault.db_path.read_bytes())
    data[3 * 4096 + 700] ^= 0x5A  # inside page 4
    vault.db_path.write_bytes(bytes(data))
    with pytest.raises(
        VaultDamagedError,
        match=r"is damaged: 1 encrypted page fails its integrity check \(page 4\)",
    ):
        vault.unlock(PASSPHRASE)
    problems = verify(vault)
    assert len(problems) == 1 and "page 4" in problems[0]


# --------------------------------------------------------------------------- 6. audit trail


def test_cutting_off_the_audit_trail_is_detected(signed: dict[str, str], vault: Vault) -> None:
    _sql(
        vault,
        "DROP TRIGGER audit_no_delete",
        "DELETE FROM audit_event WHERE seq > (SELECT max(seq) - 5 FROM audit_event)",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'kapnotes: this record is append-only'); END",
    )
    problems = verify(vault)
    assert any(p.startswith("saved changes are missing: the audit trail ends at") for p in problems)


def test_an_id_written_back_as_text_is_named(signed: dict[str, str], vault: Vault) -> None:
    """Raw SQL that binds a UUID as text (not as the 16 bytes kapnotes stores): kapnotes
    no longer finds that row by its id, and verify says where."""
    with vault.unlock(PASSPHRASE) as opened, opened.engine.begin() as conn:
        conn.execute(
            text("UPDATE client SET id = :text WHERE id = :id"),
            {"text": signed["other"], **as_stored({"id": signed["other"]})},
        )
    problems = verify(vault)
    assert any(p.startswith("client.id: 1 id stored as text") for p in problems), problems


def test_a_reference_to_a_record_that_does_not_exist_is_named(
    signed: dict[str, str], vault: Vault
) -> None:
    """A note moved by raw SQL (foreign keys off) to a course that does not exist: verify
    names the note and what it refers to."""
    assert not [p for p in verify(vault) if "does not exist" in p]
    with vault.unlock(PASSPHRASE) as opened, opened.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.execute(
            text("UPDATE note SET course_id = :gone WHERE id = :id"),
            {"gone": "0F8FAD5B-D9CB-469F-A165-70867728950E", **as_stored({"id": signed["draft"]})},
        )
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
    problems = verify(vault)
    assert f"note {signed['draft']}: refers to a course that does not exist" in problems


def test_rewriting_an_event_and_recomputing_the_chain_is_detected(
    signed: dict[str, str], vault: Vault
) -> None:
    with vault.unlock(PASSPHRASE) as opened, opened.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_no_update"))
        rows = conn.execute(
            text(
                "SELECT seq, at, actor_id, action, entity, entity_id, detail "
                "FROM audit_event ORDER BY seq"
            )
        ).all()
        prev = GENESIS
        for seq, at, actor, action, entity, entity_id, detail in rows:
            body = json.loads(detail)
            if action == "client.create":
                body = {"rewritten": True}
            when = from_stored_instant(at)  # as stored: microseconds since 1970 UTC
            actor, entity_id = id_from_stored(actor), id_from_stored(entity_id)
            digest = event_hash(prev, when, actor, action, entity, entity_id, body)
            conn.execute(
                text(
                    "UPDATE audit_event SET detail = :d, prev_hash = :p, hash = :h WHERE seq = :s"
                ),
                {"d": json.dumps(body), "p": prev, "h": digest, "s": seq},
            )
            prev = digest
    problems = verify(vault)
    assert any("the audit trail was rewritten" in p for p in problems), problems


def test_appending_events_behind_the_apps_back_is_detected(
    signed: dict[str, str], vault: Vault
) -> None:
    with vault.unlock(PASSPHRASE) as opened, opened.engine.begin() as conn:
        last = conn.execute(text("SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1")).scalar()
        when = datetime(2026, 3, 3, tzinfo=UTC)
        digest = event_hash(str(last), when, None, "note.sign", "note", "x", {})
        conn.execute(
            text(
                "INSERT INTO audit_event (at, actor_id, action, entity, entity_id, detail, "
                "prev_hash, hash) VALUES (:at, NULL, 'note.sign', 'note', 'x', '{}', :p, :h)"
            ),
            {"at": when.replace(tzinfo=None), "p": last, "h": digest},
        )
    assert any("added outside kapnotes" in p for p in verify(vault))


def test_a_deleted_anchor_file_is_noticed(signed: dict[str, str], vault: Vault) -> None:
    vault.anchor_path.unlink()
    with pytest.raises(VaultDamagedError, match=r"kapnotes\.anchor is missing"):
        vault.unlock(PASSPHRASE)


def test_the_audit_trail_records_access_and_every_kind_of_change(vault: Vault) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    created.vault.close()
    with pytest.raises(Exception, match="does not open"):
        vault.unlock("not the passphrase at all")
    with vault.unlock(PASSPHRASE) as opened:
        client, course, _other = _clinic(opened)
        clients, notes = ClientStore(opened), NoteStore(opened)
        clients.get(client)
        assert clients.search("Fictional")
        note_id = notes.create(course, "preparation", {"id": "p", "version": 1}, date(2026, 3, 1))
        notes.save_values(note_id, {"intentions": "Kestrelwing words typed"})
        notes.search("Kestrelwing")
        MeasureStore(opened).save(client, PHQ9, dict.fromkeys(PHQ9.item_ids, 1))
    with vault.unlock(PASSPHRASE) as opened, opened.session() as session:
        events = [
            (a, id_from_stored(e), d)
            for a, e, d in session.execute(
                text("SELECT action, entity_id, detail FROM audit_event ORDER BY seq")
            )
        ]
    actions = [a for a, _e, _d in events]
    for action in (
        "vault.create",
        "vault.lock",
        "vault.unlock_failed",
        "vault.unlock",
        "client.open",
        "client.search",
        "note.create",
        "note.edit",
        "note.search",
        "measure.save",
    ):
        assert action in actions, action
    failed = next(json.loads(d) for a, _e, d in events if a == "vault.unlock_failed")
    assert failed["count"] == 1
    edit = next(e for a, e, _d in events if a == "note.edit")
    assert edit == note_id  # which note, never its text
    everything = json.dumps([list(e) for e in events])
    assert "Kestrelwing" not in everything and "Fictional" not in everything


# --------------------------------------------------------------------------- 7. signed notes


def test_new_signatures_cover_client_template_and_signer_and_old_ones_still_verify(
    signed: dict[str, str], vault: Vault
) -> None:
    with vault.unlock(PASSPHRASE) as opened, opened.session() as session:
        note = session.get(Note, signed["note"])
        assert note is not None and note.signature_version == SIGNATURE_VERSION
        assert note.signer == {"name": "Dr Ada Quill", "credential": "PsyD", "role": "therapist"}
        content = note_content(note)
        assert note.content_hash == note_hash(content, 2) != note_hash(content, 1)
        # Each of these changes the version-2 hash (version 1 covered none of them).
        for change in (
            {"client_id": signed["other"]},
            {"signer": Signer("Dr Someone Else", "MD", "therapist")},
            {"snapshot_hash": "0" * 64},
            {"time_zone": "Europe/London"},
        ):
            other = replace(content, **change)
            assert note_hash(other, 2) != note.content_hash, change
            assert note_hash(other, 1) == note_hash(content, 1), change


def test_a_forged_addendum_with_a_valid_hash_is_named(signed: dict[str, str], vault: Vault) -> None:
    with vault.unlock(PASSPHRASE) as opened, opened.session() as session:
        note = session.get(Note, signed["note"])
        assert note is not None
        author = opened.clinician_id
        when = datetime(2026, 3, 9, tzinfo=UTC)
        forged = "The client asked for a higher dose next time."
        digest = addendum_hash(note.id, note.content_hash, forged, author, when)
        note_hash_ = note.content_hash
    with vault.unlock(PASSPHRASE) as opened, opened.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO addendum (id, note_id, text, author_id, created_at, content_hash) "
                "VALUES ('forged-1', :n, :t, :a, :c, :h)"
            ),
            as_stored(
                {
                    "n": signed["note"],
                    "t": forged,
                    "a": author,
                    "c": when.replace(tzinfo=None),
                    "h": digest,
                }
            ),
        )
    assert note_hash_ is not None
    problems = verify(vault)
    assert any(
        "addendum forged-1" in p and "not recorded by the audit trail" in p for p in problems
    )
    assert any("search index row does not match" in p for p in problems)


def test_moving_a_signed_notes_course_to_another_client_is_refused_and_else_detected(
    signed: dict[str, str], vault: Vault
) -> None:
    move = "UPDATE course SET client_id = :other WHERE id = :course"
    params = {"other": signed["other"], "course": signed["course"]}
    with pytest.raises(DatabaseError, match="keeps its client"):
        _sql(vault, move, params=params)
    _sql(vault, "DROP TRIGGER course_signed_no_move", move, params=params)
    problems = verify(vault)
    assert any("content does not match its signature" in p for p in problems)
    assert "protective trigger course_signed_no_move is missing (it was dropped)" in problems


def test_renaming_the_signer_changes_nothing_the_signed_note_says(
    signed: dict[str, str], vault: Vault
) -> None:
    _sql(vault, "UPDATE clinician SET name = 'Dr Someone Else', credential = 'MD'")
    with vault.unlock(PASSPHRASE) as opened:
        note = NoteStore(opened).get(signed["note"])
        assert note.signed_by == "Dr Ada Quill, PsyD"  # as signed, not as renamed
        assert NoteStore(opened).verify_signature(signed["note"])
    _sql(
        vault,
        "DROP TRIGGER note_signed_no_update",
        'UPDATE note SET signer = json(\'{"name": "Dr Someone Else", "credential": "MD", '
        '"role": "therapist"}\') WHERE id = :id',
        params={"id": signed["note"]},
    )
    assert any("content does not match its signature" in p for p in verify(vault))


_REWRITE_ROW = (
    "UPDATE note_fts SET body = :body "
    "WHERE rowid = (SELECT fts_rowid FROM note_fts_row WHERE note_id = :id)"
)


def test_a_rewritten_search_index_row_is_named(signed: dict[str, str], vault: Vault) -> None:
    _sql(
        vault,
        _REWRITE_ROW,
        params={"id": signed["note"], "body": "nothing to see"},
    )
    problems = verify(vault)
    assert any(signed["note"] in p and "search index row does not match" in p for p in problems)
    assert not any(signed["draft"] in p for p in problems)


def test_one_word_swapped_in_the_search_index_is_named(
    signed: dict[str, str], vault: Vault
) -> None:
    """Same number of words, one of them changed: found word by word, not by counts."""
    with vault.unlock(PASSPHRASE) as opened:
        note = NoteStore(opened).get(signed["note"])
        body = note_body(note.values, (a.text for a in note.addenda))
    assert "neighbour" in body
    _sql(
        vault,
        _REWRITE_ROW,
        params={"id": signed["note"], "body": body.replace("neighbour", "stranger", 1)},
    )
    problems = verify(vault)
    assert [p for p in problems if "search index" in p] == [
        f"note {signed['note']}: its search index row does not match the note (searches "
        "would find words it does not hold, or miss words it does)"
    ]


def test_index_rows_swapped_between_two_notes_are_named(
    signed: dict[str, str], vault: Vault
) -> None:
    """Same words in total, same counts per row: only which row holds which words
    changed (a search for one note's word would list the other)."""
    with vault.unlock(PASSPHRASE) as opened:
        notes = NoteStore(opened)
        template = {"id": "p", "version": 1}
        a = notes.create(signed["course"], "preparation", template, date(2026, 3, 2))
        b = notes.create(signed["course"], "preparation", template, date(2026, 3, 3))
        notes.save_values(a, {"narrative": "Client spoke about herons today."})
        notes.save_values(b, {"narrative": "Client spoke about wombats today."})
    swap = "UPDATE note_fts_row SET fts_rowid = :to WHERE note_id = :id"
    with vault.unlock(PASSPHRASE) as opened, opened.engine.begin() as conn:
        rows = {
            id_from_stored(n): r
            for n, r in conn.execute(text("SELECT note_id, fts_rowid FROM note_fts_row"))
        }
        conn.execute(text(swap), as_stored({"to": -5, "id": a}))
        conn.execute(text(swap), as_stored({"to": rows[a], "id": b}))
        conn.execute(text(swap), as_stored({"to": rows[b], "id": a}))
    problems = [p for p in verify(vault) if "search index" in p]
    assert sorted(problems) == sorted(
        f"note {n}: its search index row does not match the note (searches would find "
        "words it does not hold, or miss words it does)"
        for n in (a, b)
    )


def test_a_damaged_or_redefined_index_is_named_and_the_other_checks_still_run(
    signed: dict[str, str], vault: Vault
) -> None:
    _sql(vault, "UPDATE note_fts_data SET block = zeroblob(length(block)) WHERE id > 10")
    sections = _sections(vault)
    index = next(s for s in sections if s.label.startswith("search index"))
    assert any(p.startswith("the search index is damaged") for p in index.problems)
    assert sections[-1].label.startswith("clients")  # the checks after it ran
    _sql(
        vault,
        "DROP TABLE note_fts",
        "CREATE VIRTUAL TABLE note_fts USING fts5(body, content='', contentless_delete=1, "
        "tokenize='unicode61 remove_diacritics 0')",
    )
    problems = verify(vault)
    assert any("not defined as kapnotes defines it" in p for p in problems)


def test_a_search_index_row_with_no_note_is_named(signed: dict[str, str], vault: Vault) -> None:
    _sql(vault, "INSERT INTO note_fts (rowid, body) VALUES (999999, 'planted words')")
    problems = verify(vault)
    assert "search index row for a note that does not exist (row 999999)" in problems


def test_triggers_dropped_and_hashes_recomputed_is_still_detected(
    signed: dict[str, str], vault: Vault
) -> None:
    """The last resort of someone with the key: every hash recomputed after the change."""
    with vault.unlock(PASSPHRASE) as opened:
        with opened.engine.begin() as conn:
            for name in ("note_signed_no_update", "addendum_no_update"):
                conn.execute(text(f"DROP TRIGGER {name}"))
        with opened.session() as session:
            note = session.get(Note, signed["note"])
            assert note is not None
            values = dict(note.values)
            values["therapist_observations"] = "Rewritten after signing."
            note.values = values
            session.flush()
            session.refresh(note)
            note.content_hash = note_hash(note_content(note), SIGNATURE_VERSION)
            for addendum in session.query(Addendum).filter(Addendum.note_id == note.id):
                addendum.content_hash = addendum_hash(
                    note.id,
                    note.content_hash,
                    addendum.text,
                    addendum.author_id,
                    addendum.created_at,
                    version=2,
                    author=Signer.from_json(addendum.signer),
                )
    problems = verify(vault)
    assert any("not the one the audit trail recorded at signing" in p for p in problems), problems
    assert "protective trigger note_signed_no_update is missing (it was dropped)" in problems


def test_a_trigger_or_view_kapnotes_did_not_create_is_named(
    signed: dict[str, str], vault: Vault
) -> None:
    """An extra trigger that rewrites every new entry used to pass verify and every unlock."""
    _sql(
        vault,
        """CREATE TRIGGER zz_note_rewrite AFTER INSERT ON note_event BEGIN
           UPDATE note_event SET data = '{}' WHERE id = NEW.id; END""",
        "CREATE VIEW zz_notes AS SELECT id FROM note",
    )
    problems = verify(vault)
    assert any(
        p.startswith("trigger zz_note_rewrite was not created by kapnotes") for p in problems
    )
    assert any(p.startswith("view zz_notes was not created by kapnotes") for p in problems)
    with pytest.raises(VaultDamagedError, match="zz_note_rewrite"):
        vault.unlock(PASSPHRASE)


def test_a_fresh_vault_holds_every_protective_trigger_and_verifies_clean(vault: Vault) -> None:
    with vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault as opened:
        _client, course, _other = _clinic(opened)
        _signed_note(opened, course)
    assert verify(vault) == []


# --------------------------------------------------------------------------- 8. measures


def test_a_signed_notes_measures_cannot_be_replaced_or_removed(vault: Vault) -> None:
    with vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault as opened:
        client, course, _other = _clinic(opened)
        notes, measures = NoteStore(opened), MeasureStore(opened)
        prep = load_templates().for_phase("preparation")[0]
        note_id = notes.create(course, "preparation", prep.snapshot(), date(2026, 3, 1))
        answers = dict.fromkeys(PHQ9.item_ids, 2)
        given = measures.save(client, PHQ9, answers, note_id=note_id)
        with opened.engine.begin() as conn:  # signed as a finished note is
            conn.execute(
                text("UPDATE note SET status = 'signed' WHERE id = :id"), as_stored({"id": note_id})
            )
        with pytest.raises(SignedNoteError, match="measures of a signed note"):
            measures.save(client, PHQ9, dict.fromkeys(PHQ9.item_ids, 0), note_id=note_id)
        with pytest.raises(SignedNoteError):
            measures.remove_for_note(note_id, "phq9")
        for statement in (
            "UPDATE measure_result SET total = 3 WHERE id = :id",
            "DELETE FROM measure_result WHERE id = :id",
        ):
            with (
                pytest.raises(DatabaseError, match="measures of a signed note are read-only"),
                opened.engine.begin() as conn,
            ):
                conn.execute(text(statement), as_stored({"id": given.id}))
        # Acknowledging its risk flag is still what a clinician does.
        assert measures.acknowledge(given.id, "Safety plan reviewed").acknowledged_at
        assert [m.total for m in measures.for_note(note_id)] == [18]


def test_addenda_go_only_on_signed_notes_even_in_sql(signed: dict[str, str], vault: Vault) -> None:
    with pytest.raises(DatabaseError, match="addenda are for signed notes only"):
        _sql(
            vault,
            "INSERT INTO addendum (id, note_id, text, author_id, created_at, content_hash) "
            "SELECT 'a1', :n, 'x', id, '2026-03-01 00:00:00', :h FROM clinician LIMIT 1",
            params={"n": signed["draft"], "h": "0" * 64},
        )


def test_an_audit_event_that_does_not_link_is_refused(signed: dict[str, str], vault: Vault) -> None:
    with pytest.raises(DatabaseError, match="must link to the last one"):
        _sql(
            vault,
            "INSERT INTO audit_event (at, action, entity, detail, prev_hash, hash) "
            "VALUES ('2026-03-01 00:00:00', 'x', 'x', '{}', :p, :p)",
            params={"p": "f" * 64},
        )


def test_verify_never_calls_a_damaged_vault_an_unexpected_error(
    signed: dict[str, str], vault: Vault
) -> None:
    _sql(vault, "DROP TRIGGER addendum_no_delete")
    problems = verify(vault)
    assert problems == ["protective trigger addendum_no_delete is missing (it was dropped)"]
