"""A vault of years stays small and searchable: templates stored once, one index row per
note re-keyed by rowid, client names folded for search (migration 0005)."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from kapnotes.domain.clients import ClientInput
from kapnotes.store import notes as notes_module
from kapnotes.store.clients import ClientStore
from kapnotes.store.demo import populate_demo
from kapnotes.store.models import Base, StoredId, UTCDateTime, id_from_stored
from kapnotes.store.notes import NoteRecord, NoteStore
from kapnotes.store.vault import SCHEMA_HEAD, OpenVault, Vault, _alembic_config
from tests.conftest import PASSPHRASE, as_stored


def test_client_search_folds_case_and_accents_in_every_script(open_vault: OpenVault) -> None:
    clients = ClientStore(open_vault)
    elodie = clients.create(ClientInput(name="Élodie Bélanger"))
    zoe = clients.create(ClientInput(name="Zoë Ñúñez-Ołowska", preferred_name="Ζωή"))
    clients.create(ClientInput(name="Marlow Sample"))
    for typed in ("élodie", "ELODIE", "Elodie", "Bela", "élodie bél"):
        assert [c.id for c in clients.search(typed)] == [elodie], typed
    for typed in ("zoe", "NUNEZ", "ołowska", "ζωη", "ΖΩΉ"):
        assert [c.id for c in clients.search(typed)] == [zoe], typed
    clients.update(zoe, ClientInput(name="Zoë Ñúñez-Ołowska", preferred_name="Zoya"))
    assert [c.id for c in clients.search("zoya")] == [zoe]
    assert clients.search("ζωη") == []


def test_a_client_search_is_recorded_but_a_reread_of_its_badges_is_not(
    open_vault: OpenVault,
) -> None:
    clients = ClientStore(open_vault)
    clients.create(ClientInput(name="Élodie Bélanger"))

    def searches() -> int:
        with open_vault.engine.connect() as conn:
            found = conn.execute(
                text("SELECT COUNT(*) FROM audit_event WHERE action = 'client.search'")
            ).scalar()
        return int(found or 0)

    assert len(clients.search("bela")) == 1 and searches() == 1
    assert len(clients.search("bela", recorded=False)) == 1 and searches() == 1
    assert len(clients.search("")) == 1 and searches() == 1  # the list is not a search


def test_templates_are_stored_once_and_notes_keep_their_titles(open_vault: OpenVault) -> None:
    populate_demo(open_vault, today=date(2026, 11, 2))
    with open_vault.engine.connect() as conn:
        notes = conn.execute(text("SELECT COUNT(*), COUNT(DISTINCT snapshot_hash) FROM note")).one()
        stored = conn.execute(text("SELECT COUNT(*) FROM template_snapshot")).scalar()
        titles = {r[0] for r in conn.execute(text("SELECT title FROM note"))}
    assert notes[0] > 10
    assert stored == notes[1] <= 4  # one row per distinct template, however many notes
    assert "" not in titles


def test_migration_0005_keeps_signed_notes_verifying_and_search_working(
    open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Notes signed before migration 0006 carry version-1 signatures (0006's columns go
    # with the downgrade): sign them that way, as the vault then did.
    monkeypatch.setattr(notes_module, "SIGNATURE_VERSION", 1)
    populate_demo(open_vault, today=date(2026, 11, 2))
    store = NoteStore(open_vault)
    with open_vault.engine.connect() as conn:
        ids = [id_from_stored(r[0]) for r in conn.execute(text("SELECT id FROM note ORDER BY id"))]
        signed = [
            id_from_stored(r[0])
            for r in conn.execute(text("SELECT id FROM note WHERE status='signed'"))
        ]
    before = {i: store.get(i) for i in ids}
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0004")
    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    fresh = NoteStore(open_vault)
    assert {i: fresh.get(i) for i in ids} == before
    assert signed and all(fresh.verify_signature(i) for i in signed)
    with open_vault.engine.connect() as conn:
        rows = conn.execute(text("SELECT COUNT(*) FROM note_fts")).scalar()
        mapped = conn.execute(text("SELECT COUNT(*) FROM note_fts_row")).scalar()
    assert rows == mapped == len(ids)
    assert fresh.search("lake")  # the demo's lake image is found again


def test_reindexing_a_note_replaces_its_one_row(open_vault: OpenVault) -> None:
    populate_demo(open_vault, today=date(2026, 11, 2))
    store = NoteStore(open_vault)
    draft = next(n for n in _draft_ids(open_vault))
    store.save_values(draft, {"narrative_subjective": "Walked by the harbour"})
    store.save_values(draft, {"narrative_subjective": "Walked in the forest"})
    assert store.search("harbour") == []
    assert [h.note_id for h in store.search("forest")] == [draft]
    with open_vault.engine.connect() as conn:
        count = conn.execute(
            text(
                "SELECT COUNT(*) FROM note_fts_docsize WHERE id IN "
                "(SELECT fts_rowid FROM note_fts_row WHERE note_id = :id)"
            ),
            as_stored({"id": draft}),
        ).scalar()
        rows = conn.execute(text("SELECT COUNT(*) FROM note_fts_docsize")).scalar()
        notes = conn.execute(text("SELECT COUNT(*) FROM note")).scalar()
    assert count == 1
    assert rows == notes  # one row per note, the old one gone


def _draft_ids(vault: OpenVault) -> list[str]:
    with vault.engine.connect() as conn:
        return [
            id_from_stored(r[0])
            for r in conn.execute(text("SELECT id FROM note WHERE status = 'draft'"))
        ]


def test_the_client_list_counts_its_marks_from_indexes_alone(open_vault: OpenVault) -> None:
    """Typing in the client search runs this on every key: it must never read a note's
    row (its values fill several pages) nor scan every measure."""
    from kapnotes.store.clients import _search_sql

    populate_demo(open_vault, today=date(2026, 11, 2))
    params = {"w0": "%a%", "day": "2026-11-02", "draft": "draft", "limit": 500}
    with open_vault.engine.connect() as conn:
        plan = [
            str(row[-1])
            for row in conn.execute(
                text(f"EXPLAIN QUERY PLAN {_search_sql(1).element.text}"), params
            )
        ]
    note_steps = [step for step in plan if step.startswith(("SEARCH n ", "SCAN n"))]
    assert note_steps and all("COVERING INDEX ix_note_course_marks" in s for s in note_steps)
    assert any("ix_measure_result_open_flags" in step for step in plan), plan
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0006")
    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    counted = ClientStore(open_vault).search("", today=date(2026, 11, 2))
    assert any(c.drafts for c in counted)


def test_note_values_are_stored_compressed_and_read_back_the_same(open_vault: OpenVault) -> None:
    populate_demo(open_vault, today=date(2026, 11, 2))
    store = NoteStore(open_vault)
    with open_vault.engine.connect() as conn:
        ids = [id_from_stored(r[0]) for r in conn.execute(text("SELECT id FROM note ORDER BY id"))]
        signed = [
            id_from_stored(r[0])
            for r in conn.execute(text("SELECT id FROM note WHERE status='signed'"))
        ]
    before = {i: store.get(i) for i in ids}

    def stored() -> tuple[set[str], int]:
        with open_vault.engine.connect() as conn:
            kinds = {r[0] for r in conn.execute(text('SELECT typeof("values") FROM note'))}
            size = conn.execute(text('SELECT SUM(length("values")) FROM note')).scalar()
        return kinds, int(size or 0)

    packed_kinds, packed_size = stored()
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0007")
    plain_kinds, plain_size = stored()
    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    assert packed_kinds == {"blob"} and plain_kinds == {"text"}
    assert packed_size * 2 < plain_size  # less than half the bytes
    fresh = NoteStore(open_vault)
    assert {i: fresh.get(i) for i in ids} == before
    assert signed and all(fresh.verify_signature(i) for i in signed)
    assert stored()[0] == {"blob"}


def test_the_search_index_keeps_no_copy_of_the_text_and_migrates_both_ways(
    open_vault: OpenVault,
) -> None:
    """Migration 0009: the index is contentless; searches find the same notes with the
    same marked words, before and after, and verify finds the index sound."""
    from kapnotes.store.verify import _search_index

    populate_demo(open_vault, today=date(2026, 11, 2))
    store = NoteStore(open_vault)

    def tables() -> set[str]:
        with open_vault.engine.connect() as conn:
            return {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}

    def found(word: str) -> list[tuple[str, str]]:
        return [(h.note_id, h.snippet) for h in store.search(word)]

    after = {w: found(w) for w in ("lake", "escort", "nausea")}
    assert all(after.values())
    assert "note_fts_content" not in tables()
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0008")
    assert "note_fts_content" in tables()  # the old index held a copy of every note's text
    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    assert "note_fts_content" not in tables()
    assert {w: found(w) for w in after} == after
    assert _search_index(open_vault).problems == []
    assert any("\x02lake\x03" in s.lower() for _, s in after["lake"])


def _instant_columns() -> dict[str, tuple[str, ...]]:
    """Every instant column of the models, by table."""
    return {
        table.name: tuple(c.name for c in table.columns if isinstance(c.type, UTCDateTime))
        for table in Base.metadata.sorted_tables
        if any(isinstance(c.type, UTCDateTime) for c in table.columns)
    }


def test_migration_0010_rewrites_every_instant_column_of_the_models() -> None:
    migration = importlib.import_module(
        "kapnotes.store.migrations.versions.0010_instants_as_integers"
    )
    assert _instant_columns() == migration.INSTANTS


def _instant_kinds(vault: OpenVault) -> set[str]:
    """How every instant of the vault is stored (SQLite's typeof)."""
    kinds: set[str] = set()
    with vault.engine.connect() as conn:
        for table, columns in _instant_columns().items():
            for column in columns:
                kinds |= {
                    r[0]
                    for r in conn.execute(
                        text(f"SELECT DISTINCT typeof({column}) FROM {table}")  # noqa: S608
                    )
                }
    return kinds - {"null"}


def test_instants_are_stored_as_integers_and_read_back_to_the_microsecond(
    open_vault: OpenVault,
) -> None:
    """Migration 0010: 8 bytes an instant instead of 26, the same instant exactly; both
    ways, signatures, the audit chain and the protective triggers as they were."""
    from kapnotes.store.audit import verify_chain
    from kapnotes.store.integrity import trigger_findings

    populate_demo(open_vault, today=date(2026, 11, 2))
    store = NoteStore(open_vault)
    draft = _draft_ids(open_vault)[0]
    when = datetime(2026, 11, 2, 9, 41, 7, 123456, tzinfo=UTC)
    event_id = store.add_event(draft, "observation_log", {"time": "09:41", "text": "Calm."}, when)
    assert next(e for e in store.get(draft).events if e.id == event_id).recorded_at == when
    with open_vault.engine.connect() as conn:
        ids = [id_from_stored(r[0]) for r in conn.execute(text("SELECT id FROM note ORDER BY id"))]
        signed = [
            id_from_stored(r[0])
            for r in conn.execute(text("SELECT id FROM note WHERE status='signed'"))
        ]
        stored = conn.execute(
            text("SELECT recorded_at FROM note_event WHERE id = :id"), as_stored({"id": event_id})
        ).scalar()
    assert stored == 1_793_612_467_123_456  # microseconds since 1970-01-01 UTC
    assert _instant_kinds(open_vault) == {"integer"}
    before = {i: store.get(i) for i in ids}
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0009")
    assert _instant_kinds(open_vault) == {"text"}
    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    assert _instant_kinds(open_vault) == {"integer"}
    fresh = NoteStore(open_vault)
    assert {i: fresh.get(i) for i in ids} == before
    assert signed and all(fresh.verify_signature(i) for i in signed)
    with open_vault.session() as session:
        assert verify_chain(session) == []
    with open_vault.engine.connect() as conn:
        assert trigger_findings(conn) == []


def _older_vault(vault: Vault) -> dict[str, NoteRecord]:
    """A closed vault at schema 0008, with the demo's notes (as an earlier kapnotes left
    it); its drafts as they read then."""
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    populate_demo(created, today=date(2026, 11, 2))
    drafts = {i: NoteStore(created).get(i) for i in _draft_ids(created)}
    with created.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0008")
    created.checkpoint()
    created.close()
    return drafts


def test_unlocking_an_older_vault_upgrades_and_compacts_it(vault: Vault) -> None:
    """The pages 0009 and 0010 free are given back: the file shrinks, nothing is lost."""
    before = _older_vault(vault)
    old_size = vault.db_path.stat().st_size
    with vault.unlock(PASSPHRASE) as opened:
        with opened.engine.connect() as conn:
            assert conn.execute(text("PRAGMA freelist_count")).scalar() == 0
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                SCHEMA_HEAD
            )
        assert {i: NoteStore(opened).get(i) for i in before} == before
        assert NoteStore(opened).search("lake")
        assert _instant_kinds(opened) == {"integer"}
        assert _id_kinds(opened) == {("blob", 16)}
        opened.checkpoint()
        assert vault.db_path.stat().st_size < old_size


def test_an_upgrade_that_fails_half_way_leaves_the_vault_as_it_was(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0009's CREATE and the rest are one transaction: a failure after it (a full disk)
    leaves schema 0008 and its index untouched, said plainly; the next unlock upgrades."""
    from alembic import command as alembic_command
    from sqlalchemy.exc import OperationalError

    from kapnotes.store.vault import UpgradeFailedError

    _older_vault(vault)
    real_upgrade = alembic_command.upgrade
    seen: list[tuple[str, set[str]]] = []

    def fails_after_0009(config: Any, _target: str) -> None:
        real_upgrade(config, "0009")
        raise OperationalError("INSERT …", {}, Exception("database or disk is full"))

    def looks(config: Any, _target: str) -> None:
        conn = config.attributes["connection"]
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        seen.append((version, names))
        raise OperationalError("…", {}, Exception("stop here"))

    monkeypatch.setattr(alembic_command, "upgrade", fails_after_0009)
    with pytest.raises(UpgradeFailedError, match="Nothing was changed") as failed:
        vault.unlock(PASSPHRASE)
    assert "disk is full" in str(failed.value)
    monkeypatch.setattr(alembic_command, "upgrade", looks)
    with pytest.raises(UpgradeFailedError):
        vault.unlock(PASSPHRASE)
    version, names = seen[0]
    assert version == "0008"
    assert "note_fts_content" in names and "note_fts_contentless" not in names
    monkeypatch.setattr(alembic_command, "upgrade", real_upgrade)
    with vault.unlock(PASSPHRASE) as opened:
        assert NoteStore(opened).search("lake")
        assert _instant_kinds(opened) == {"integer"}


def test_a_vault_saved_by_a_newer_kapnotes_is_refused_unchanged(vault: Vault) -> None:
    from kapnotes.store.vault import NewerVaultError

    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    with created.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    created.close()
    upgrades: list[bool] = []
    vault.on_upgrade = lambda: upgrades.append(True)
    with pytest.raises(NewerVaultError, match="saved by a newer kapnotes"):
        vault.unlock(PASSPHRASE)
    assert upgrades == []  # never said to be updating


def test_a_compaction_left_undone_is_tried_again_at_the_next_unlock(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kapnotes.store import vault as vault_module

    _older_vault(vault)
    monkeypatch.setattr(vault_module, "compact", lambda _engine: False)  # no room, say
    with vault.unlock(PASSPHRASE) as opened, opened.engine.connect() as conn:
        assert conn.execute(text("PRAGMA freelist_count")).scalar()
        pending = "SELECT COUNT(*) FROM vault_meta WHERE key = 'compact_pending'"
        assert conn.execute(text(pending)).scalar() == 1
    monkeypatch.undo()
    with vault.unlock(PASSPHRASE) as opened, opened.engine.connect() as conn:
        assert conn.execute(text("PRAGMA freelist_count")).scalar() == 0
        assert conn.execute(text(pending)).scalar() == 0


def test_an_unlock_stopped_after_the_upgrade_still_leaves_it_in_the_audit_trail(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed during the compaction (after the upgrade committed, before the unlock's own
    events): the next unlock records the upgrade from the schema it started at."""
    from kapnotes.store import vault as vault_module

    _older_vault(vault)

    def killed(_engine: Any) -> bool:
        raise KeyboardInterrupt  # the process stopping there

    monkeypatch.setattr(vault_module, "compact", killed)
    with pytest.raises(KeyboardInterrupt):
        vault.unlock(PASSPHRASE)
    monkeypatch.undo()
    with vault.unlock(PASSPHRASE) as opened, opened.engine.connect() as conn:
        upgrades = conn.execute(
            text("SELECT detail FROM audit_event WHERE action = 'vault.upgrade'")
        ).all()
        left = conn.execute(
            text("SELECT COUNT(*) FROM vault_meta WHERE key = 'upgraded_from'")
        ).scalar()
    assert [json.loads(d[0]) for d in upgrades] == [{"from": "0008", "to": SCHEMA_HEAD}]
    assert left == 0


def _columns_of(kind: type) -> dict[str, tuple[str, ...]]:
    """The models' columns of one stored type, by table."""
    return {
        table.name: tuple(c.name for c in table.columns if type(c.type) is kind)
        for table in Base.metadata.sorted_tables
        if any(type(c.type) is kind for c in table.columns)
    }


def test_migration_0012_rewrites_every_id_and_json_column_of_the_models() -> None:
    from sqlalchemy import JSON

    migration = importlib.import_module("kapnotes.store.migrations.versions.0012_ids_as_bytes")
    # note_fts_row is the search index's map, made by migration 0009 (no model)
    assert {**_columns_of(StoredId), "note_fts_row": ("note_id",)} == migration.IDS
    assert _columns_of(JSON) == migration.JSONS


def _id_kinds(vault: OpenVault) -> set[tuple[str, int]]:
    """How every id of the vault is stored (SQLite's typeof, and length in bytes)."""
    migration = importlib.import_module("kapnotes.store.migrations.versions.0012_ids_as_bytes")
    kinds: set[tuple[str, int]] = set()
    with vault.engine.connect() as conn:
        for table, columns in migration.IDS.items():
            for column in columns:
                sql = (
                    f"SELECT DISTINCT typeof({column}), length(CAST({column} AS BLOB)) "  # noqa: S608
                    f"FROM {table}"
                )
                kinds |= {(r[0], r[1]) for r in conn.execute(text(sql)) if r[0] != "null"}
    return kinds


def test_ids_are_stored_as_16_bytes_and_read_back_exactly_both_ways(
    open_vault: OpenVault,
) -> None:
    """Migration 0012: an id takes 16 bytes instead of 36 and reads back as it was given
    (an id that is not kapnotes' own UUID form stays text); JSON loses its spaces; both
    ways, signatures, the audit chain, the triggers and foreign keys as they were."""
    from kapnotes.store.audit import verify_chain
    from kapnotes.store.integrity import trigger_findings
    from kapnotes.store.models import Client

    populate_demo(open_vault, today=date(2026, 11, 2))
    clients = ClientStore(open_vault)
    given = ("Legacy-Client-0001", "0F8FAD5B-D9CB-469F-A165-70867728950E")
    with open_vault.session() as session:
        for client_id in given:
            session.add(Client(id=client_id, name=f"Imported {client_id[:6]}", search_key=""))
    for client_id in given:
        assert clients.get(client_id).id == client_id
    store = NoteStore(open_vault)
    spaced = {"time": "09:41", "text": "Calm, «tranquille»."}
    when = datetime(2026, 11, 2, 9, 41, tzinfo=UTC)
    event_id = store.add_event(_draft_ids(open_vault)[0], "observation_log", spaced, when)
    ids = _note_ids(open_vault)
    signed = _note_ids(open_vault, "WHERE status = 'signed'")
    before = {i: store.get(i) for i in ids}
    assert _id_kinds(open_vault) == {("blob", 16), ("text", 18), ("text", 36)}
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0011")
    assert _id_kinds(open_vault) == {("text", 36), ("text", 18)}
    with open_vault.engine.begin() as conn:  # as kapnotes wrote JSON before 0012
        conn.execute(
            text("UPDATE note_event SET data = :d WHERE id = :id"),
            {"d": json.dumps(spaced), "id": event_id},
        )
        command.upgrade(_alembic_config(conn), "head")
    assert _id_kinds(open_vault) == {("blob", 16), ("text", 18), ("text", 36)}
    fresh = NoteStore(open_vault)
    assert {i: fresh.get(i) for i in ids} == before
    assert signed and all(fresh.verify_signature(i) for i in signed)
    assert fresh.search("lake")
    assert [clients.get(i).id for i in given] == list(given)
    with open_vault.engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM note_event")).scalars().all()
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert trigger_findings(conn) == []
    assert stored and all(d == json.dumps(json.loads(d), separators=(",", ":")) for d in stored)
    with open_vault.session() as session:
        assert verify_chain(session) == []


def _note_ids(vault: OpenVault, where: str = "") -> list[str]:
    with vault.engine.connect() as conn:
        sql = f"SELECT id FROM note {where} ORDER BY id"  # noqa: S608
        return [str(id_from_stored(r[0])) for r in conn.execute(text(sql))]


def test_the_compaction_folds_the_upgrades_log_in_before_it_starts(vault: Vault) -> None:
    """The upgrade's pages wait in the write-ahead log: the VACUUM's must not come on top
    of them (on a nearly full disk the compaction then failed, and the next unlock found
    no room for its own writes)."""
    from pathlib import Path

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _older_vault(vault)
    wal = Path(f"{vault.db_path}-wal")
    seen: list[int] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() == "VACUUM":
            seen.append(wal.stat().st_size if wal.exists() else 0)

    event.listen(Engine, "before_cursor_execute", before)
    try:
        vault.unlock(PASSPHRASE).close()
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    assert seen == [0]


def test_an_unlock_that_cannot_write_its_anchor_says_so_and_leaves_no_thread(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk at the unlock's own writes: a message saying what and where (was: a
    file-write error the lock screen did not catch, its button stuck), and the WAL thread
    started for the vault stopped."""
    import errno
    import threading

    from kapnotes.domain.files import FileWriteError
    from kapnotes.store.anchor import AnchorFile
    from kapnotes.store.vault import VaultError

    vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()

    def full(self: AnchorFile, _anchor: Any) -> None:
        raise FileWriteError(self.path, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(AnchorFile, "write", full)
    with pytest.raises(VaultError, match="make room on that disk") as refused:
        vault.unlock(PASSPHRASE)
    assert f"{vault.anchor_path} cannot be written (the disk is full)" in str(refused.value)
    assert not [t for t in threading.enumerate() if t.name == "kapnotes-wal-fold"]
    monkeypatch.undo()
    with vault.unlock(PASSPHRASE) as opened:
        assert opened.clinician_id


def test_an_upgrade_without_room_on_the_disk_is_refused_before_it_starts(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade committed without room to fold it in left a full disk and a vault
    neither version opened: it is refused up front, the files as they were."""
    import shutil

    from kapnotes.store import vault as vault_module
    from kapnotes.store.vault import UpgradeFailedError

    before = _older_vault(vault)
    files = {p.name: p.read_bytes() for p in vault.data_dir.iterdir() if p.is_file()}
    size = vault.db_path.stat().st_size
    usage = shutil.disk_usage(vault.data_dir)
    tight = usage._replace(free=size + size // 20)  # the database's size and a little

    monkeypatch.setattr(vault_module.shutil, "disk_usage", lambda _path: tight)
    updating: list[bool] = []
    vault.on_upgrade = lambda: updating.append(True)
    with pytest.raises(UpgradeFailedError, match=r"needs about .* MB free on its disk"):
        vault.unlock(PASSPHRASE)
    assert updating == []  # never said to be updating
    after = {p.name: p.read_bytes() for p in vault.data_dir.iterdir() if p.is_file()}
    assert {n: b for n, b in after.items() if n != "kapnotes.attempts"} == files
    monkeypatch.undo()
    with vault.unlock(PASSPHRASE) as opened:
        assert {i: NoteStore(opened).get(i) for i in before} == before
