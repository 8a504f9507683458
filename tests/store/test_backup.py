"""Backups and restore: a consistent encrypted copy, checked before it is kept or used."""

from __future__ import annotations

import tarfile
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kapnotes.session import Logged
from kapnotes.store import interchange
from kapnotes.store.backup import (
    BackupError,
    RestoreNeedsConfirmationError,
    copy_database,
    inspect_backup,
    restore_backup,
    write_backup,
)
from kapnotes.store.keys import WrongSecretError
from kapnotes.store.models import AuditEvent, NoteEvent
from kapnotes.store.vault import OpenVault, Vault, _engine
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.session import conftest as session_fixtures
from tests.session.conftest import Clinic, Clock

# The session layer's fixtures (a fictional client in a live session, a clock).
clinic = session_fixtures.clinic
clock = session_fixtures.clock

DAY = date(2026, 3, 2)
NURSE_PASSPHRASE = "nurse passphrase of fiction"


def _records(document: dict[str, Any]) -> dict[str, Any]:
    """An export without its audit chain and export-run facts: the records."""
    return {
        k: v
        for k, v in document.items()
        if k not in {"audit", "audit_events", "exported_at", "app_version"}
    }


def _audit(document: dict[str, Any]) -> list[Any]:
    for key in ("audit", "audit_events"):
        if key in document:
            return list(document[key])
    raise AssertionError(f"no audit chain in the export: {sorted(document)}")


def test_backup_during_a_live_session_restores_to_the_same_export(
    clinic: Clinic, clock: Clock, tmp_path: Path
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    for minute in range(5):
        clock.at(DAY, 10, minute)
        assert isinstance(session.log_observation(f"Resting, minute {minute}"), Logged)
    out = tmp_path / "mid-session.kapbackup"
    result = write_backup(clinic.vault, out)
    assert result.summary.notes == 1
    with clinic.vault.session() as s:
        # The backup's own event is the only thing written after the copy.
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.action == "vault.backup"
    at_backup = interchange.export_vault(clinic.vault)
    for minute in range(5, 8):  # the session goes on after the backup
        clock.at(DAY, 10, minute)
        assert isinstance(session.log_observation(f"Still resting, {minute}"), Logged)

    target = tmp_path / "restored"
    restored = restore_backup(out, target, PASSPHRASE, kdf=FAST_KDF)
    assert restored.safety_copy is None
    with Vault(target, FAST_KDF).unlock(PASSPHRASE) as opened:
        again = interchange.export_vault(opened)
    assert _records(again) == _records(at_backup)
    before, after = _audit(at_backup), _audit(again)
    # The chain is the backed-up one (everything up to the backup event), extended.
    assert after[: len(before) - 1] == before[:-1]
    assert "vault.restore" in [e["action"] for e in after[len(before) - 1 :]]


def test_the_copy_is_one_consistent_snapshot_while_another_thread_writes(
    clinic: Clinic, clock: Clock, tmp_path: Path
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            minute = 0
            while not stop.is_set():
                minute += 1
                clinic.notes.add_event(
                    session.record.note_id, "observation", {"text": f"entry {minute}"}
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    from kapnotes.store.clinicians import data_key_of

    key = data_key_of(clinic.vault)
    counts = []
    try:
        for i in range(5):
            target = tmp_path / f"copy{i}" / "kapnotes.db"
            target.parent.mkdir()
            copy_database(clinic.vault.vault.db_path, target, key)
            engine = _engine(target, key)
            with engine.connect() as conn:
                assert [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")] == ["ok"]
                counts.append(
                    conn.execute(select(func.count()).select_from(NoteEvent)).scalar_one()
                )
            engine.dispose()
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert counts == sorted(counts) and counts[-1] > 0


def _add_nurse(opened: OpenVault) -> str:
    from kapnotes.store.clinicians import Clinicians

    return Clinicians(opened).add("Nia Fictional", "RN", "nurse", NURSE_PASSPHRASE)


def test_a_restored_vault_opens_with_each_passphrase_and_the_recovery_key(
    vault: Vault, tmp_path: Path
) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    with created.vault as opened:
        nurse_id = _add_nurse(opened)
        write_backup(opened, tmp_path / "b.kapbackup")
    target = tmp_path / "elsewhere"
    result = restore_backup(tmp_path / "b.kapbackup", target, NURSE_PASSPHRASE, kdf=FAST_KDF)
    assert [c.role for c in result.summary.clinicians] == ["therapist", "nurse"]
    restored = Vault(target, FAST_KDF)
    with restored.unlock(PASSPHRASE) as opened:
        assert opened.clinician_id == created.vault.clinician_id
    with restored.unlock(NURSE_PASSPHRASE) as opened:
        assert opened.clinician_id == nurse_id
        with opened.session() as s:
            restore = s.scalars(select(AuditEvent).where(AuditEvent.action == "vault.restore"))
            assert [e.actor_id for e in restore] == [nurse_id]  # who restored it
    with restored.unlock_with_recovery(created.recovery_key):
        pass
    with pytest.raises(WrongSecretError):
        restored.unlock("not a passphrase of this vault")


def test_restore_over_a_vault_needs_confirmation_and_keeps_a_safety_copy(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    backup = tmp_path / "b.kapbackup"
    write_backup(open_vault, backup)
    open_vault.close()
    data_dir = open_vault.vault.data_dir
    before = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    with pytest.raises(RestoreNeedsConfirmationError):
        restore_backup(backup, data_dir, PASSPHRASE, kdf=FAST_KDF)
    assert {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()} == before
    assert not [p for p in tmp_path.rglob(".kapnotes-restore-*")]
    result = restore_backup(backup, data_dir, PASSPHRASE, kdf=FAST_KDF, replace=True)
    assert result.safety_copy is not None and result.safety_copy.parent == data_dir
    assert (result.safety_copy / "kapnotes.db").read_bytes() == before["kapnotes.db"]
    assert (result.safety_copy / "kapnotes.key").read_bytes() == before["kapnotes.key"]
    with Vault(data_dir, FAST_KDF).unlock(PASSPHRASE) as opened, opened.session() as s:
        restores = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "vault.restore")))
        assert restores[-1].detail["replaced"] == result.safety_copy.name


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "kapnotes.lock"
    }


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not a tar", "empty", "foreign key"])
def test_a_damaged_backup_is_refused_before_anything_is_touched(
    vault: Vault, tmp_path: Path, damage: str
) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    backup = tmp_path / "b.kapbackup"
    with created.vault as opened:
        write_backup(opened, backup)
    raw = backup.read_bytes()
    if damage == "truncated":
        backup.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped":
        index = raw.index(b"SQLite", 0) if b"SQLite" in raw else len(raw) // 3
        flipped = bytearray(raw)
        flipped[min(index + 4096, len(raw) - 2048)] ^= 0x10
        backup.write_bytes(bytes(flipped))
    elif damage == "not a tar":
        backup.write_bytes(b"this is not a backup\n" * 100)
    elif damage == "empty":
        backup.write_bytes(b"")
    else:  # another vault's key file in an otherwise sound archive
        other = Vault(tmp_path / "other", FAST_KDF)
        other.create("Dr Other", "MD", PASSPHRASE).vault.close()
        _swap_member(backup, "kapnotes.key", other.key_path.read_bytes())
    target = vault.data_dir  # the existing vault must be left exactly as it is
    before = _tree(target)
    with pytest.raises(BackupError):
        restore_backup(backup, target, PASSPHRASE, kdf=FAST_KDF, replace=True)
    with pytest.raises(BackupError):
        inspect_backup(backup, PASSPHRASE)
    empty = tmp_path / "empty"
    with pytest.raises(BackupError):
        restore_backup(backup, empty, PASSPHRASE, kdf=FAST_KDF)
    assert _tree(target) == before
    assert not empty.exists() or not any(empty.iterdir())
    assert not list(tmp_path.rglob(".kapnotes-restore-*"))


def _swap_member(archive_path: Path, name: str, data: bytes) -> None:
    """Replace one member's bytes and fix the manifest's hash for it (a consistent forgery)."""
    import hashlib
    import io
    import json

    with tarfile.open(archive_path) as archive:
        members = [(m, archive.extractfile(m).read()) for m in archive.getmembers()]  # type: ignore[union-attr]
    manifest = json.loads(members[0][1])
    for entry in manifest["files"]:
        if entry["name"] == name:
            entry["size"] = len(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
    rebuilt = []
    for member, body in members:
        if member.name == "manifest.json":
            body = json.dumps(manifest).encode()
        elif member.name == name:
            body = data
        member.size = len(body)
        rebuilt.append((member, body))
    with tarfile.open(archive_path, "w:") as archive:
        for member, body in rebuilt:
            archive.addfile(member, io.BytesIO(body))


def test_a_wrong_passphrase_for_the_backup_changes_nothing(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    backup = tmp_path / "b.kapbackup"
    write_backup(open_vault, backup)
    with pytest.raises(WrongSecretError):
        restore_backup(backup, tmp_path / "new", "not the passphrase", kdf=FAST_KDF)
    assert not (tmp_path / "new").exists() or not any((tmp_path / "new").iterdir())


def test_backup_to_a_missing_folder_is_refused(open_vault: OpenVault, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="does not exist"):
        write_backup(open_vault, tmp_path / "no" / "such" / "b.kapbackup")


def test_the_backup_file_holds_no_plaintext(clinic: Clinic, clock: Clock, tmp_path: Path) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    assert isinstance(session.log_observation("Canary-Zebra-Plaintext"), Logged)
    out = tmp_path / "b.kapbackup"
    write_backup(clinic.vault, out)
    raw = out.read_bytes()
    assert b"Sam Fictional" not in raw
    assert b"Canary-Zebra-Plaintext" not in raw
    assert b"SQLite format 3" not in raw


def test_clinic_settings_and_templates_travel_with_the_backup(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    from kapnotes.store.catalog import Catalog

    folder = open_vault.vault.data_dir
    catalog = Catalog(folder)
    settings, _ = catalog.clinic_settings()
    catalog.save_clinic_settings(settings.model_copy(update={"reminder_sound": True}))
    (folder / "templates" / "ours.json").write_text('{"fictional": true}')
    write_backup(open_vault, tmp_path / "b.kapbackup")
    restore_backup(tmp_path / "b.kapbackup", tmp_path / "new", PASSPHRASE, kdf=FAST_KDF)
    assert Catalog(tmp_path / "new").clinic_settings()[0].reminder_sound is True
    assert (tmp_path / "new" / "templates" / "ours.json").read_text() == '{"fictional": true}'


# --------------------------------------------------------------------------- refused targets


@pytest.mark.parametrize(
    "name", ["kapnotes.db", "kapnotes.key", "kapnotes.anchor", "new.kapbackup"]
)
def test_a_backup_inside_the_vault_folder_is_refused_and_the_vault_is_untouched(
    open_vault: OpenVault, name: str
) -> None:
    folder = open_vault.vault.data_dir
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with pytest.raises(BackupError, match="inside the vault's own data folder"):
        write_backup(open_vault, folder / name)
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before


def test_a_link_into_the_vault_folder_is_refused(open_vault: OpenVault, tmp_path: Path) -> None:
    db = open_vault.vault.db_path
    before = db.read_bytes()
    (tmp_path / "to-db.kapbackup").symlink_to(db)
    (tmp_path / "vault-link").symlink_to(open_vault.vault.data_dir)
    for target in (tmp_path / "to-db.kapbackup", tmp_path / "vault-link" / "b.kapbackup"):
        with pytest.raises(BackupError, match="inside the vault's own data folder"):
            write_backup(open_vault, target)
    assert db.read_bytes() == before


def test_a_backup_never_replaces_an_existing_file(open_vault: OpenVault, tmp_path: Path) -> None:
    first = tmp_path / "b.kapbackup"
    write_backup(open_vault, first)
    kept = first.read_bytes()
    other = tmp_path / "notes.txt"
    other.write_text("someone's file")
    for target in (first, other):
        with pytest.raises(BackupError, match="already exists; choose another name"):
            write_backup(open_vault, target)
    assert first.read_bytes() == kept and other.read_text() == "someone's file"


def test_a_missing_folder_named_with_a_slash_is_not_written_as_a_file(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    with pytest.raises(BackupError, match=r"the folder .*missingdir does not exist"):
        write_backup(open_vault, f"{tmp_path / 'missingdir'}/")
    assert not (tmp_path / "missingdir").exists()


def test_a_backup_failing_its_check_leaves_nothing_and_no_temp(
    open_vault: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kapnotes.store import backup as module

    def fail(path: Path, *_args: Any) -> Any:
        assert path.name.startswith(".b.kapbackup.")  # the temp file is checked, not `out`
        raise BackupError("simulated damage")

    monkeypatch.setattr(module, "_inspect_with_key", fail)
    (tmp_path / "out").mkdir()
    with pytest.raises(BackupError, match="failed its check, so it was not kept"):
        write_backup(open_vault, tmp_path / "out" / "b.kapbackup")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_full_disk_while_copying_says_so_and_names_the_target(
    open_vault: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlcipher3

    from kapnotes.store import backup as module

    def full(*_args: Any) -> None:
        raise sqlcipher3.OperationalError("database or disk is full")

    monkeypatch.setattr(module, "copy_database", full)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "b.kapbackup"
    with pytest.raises(BackupError) as caught:
        write_backup(open_vault, out)
    assert str(caught.value).startswith(f"{out}: ") and "the disk is full" in str(caught.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_backup_restores_with_the_recovery_key_alone(vault: Vault, tmp_path: Path) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    with created.vault as opened:
        ada = opened.clinician_id
        write_backup(opened, tmp_path / "b.kapbackup")
    inspected = inspect_backup(tmp_path / "b.kapbackup", recovery_key=created.recovery_key)
    assert inspected.by_recovery_key
    inspected.cleanup()
    target = tmp_path / "elsewhere"
    result = restore_backup(
        tmp_path / "b.kapbackup", target, None, recovery_key=created.recovery_key, kdf=FAST_KDF
    )
    assert [c.name for c in result.summary.clinicians] == ["Dr Ada Quill"]
    with Vault(target, FAST_KDF).unlock(PASSPHRASE) as again, again.session() as s:
        restore = s.scalars(select(AuditEvent).where(AuditEvent.action == "vault.restore"))
        assert [e.actor_id for e in restore] == [ada]  # the administrator, for the key
    with pytest.raises(WrongSecretError):
        restore_backup(
            tmp_path / "b.kapbackup",
            tmp_path / "other",
            None,
            recovery_key="AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
            kdf=FAST_KDF,
        )
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").iterdir())


def test_a_full_disk_while_checking_the_copy_says_so_and_keeps_nothing(
    open_vault: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    real = tarfile.TarFile.extractfile

    def full(self: tarfile.TarFile, member: Any) -> Any:
        source = real(self, member)
        if source is not None and getattr(member, "name", "") == "kapnotes.db":
            raise OSError(errno.ENOSPC, "No space left on device")
        return source

    monkeypatch.setattr(tarfile.TarFile, "extractfile", full)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "b.kapbackup"
    with pytest.raises(BackupError) as caught:
        write_backup(open_vault, out)
    assert str(caught.value) == (
        f"{out}: the backup could not be checked (the disk is full); nothing was kept"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_a_copy_restored_beside_the_vault_never_prunes_its_automatic_backups(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    from kapnotes.domain.backups import BackupSettings
    from kapnotes.session.backups import Backups
    from kapnotes.store.backup import last_backup_at
    from kapnotes.store.catalog import Catalog

    usb = tmp_path / "usb"
    usb.mkdir()
    catalog = Catalog(open_vault.vault.data_dir)
    settings, _ = catalog.clinic_settings()
    catalog.save_clinic_settings(
        settings.model_copy(update={"backup": BackupSettings(folder=str(usb), keep=1)})
    )
    clinic = Backups(
        open_vault, lambda: Catalog(open_vault.vault.data_dir).clinic_settings()[0].backup
    )
    first = clinic.automatic(quitting=True).result
    assert first is not None
    result = restore_backup(first.path, tmp_path / "test-copy", PASSPHRASE, kdf=FAST_KDF)
    assert result.automatic_folder_off == str(usb)
    copy_settings, warning = Catalog(tmp_path / "test-copy").clinic_settings()
    assert warning is None and copy_settings.backup.folder is None
    with Vault(tmp_path / "test-copy", FAST_KDF).unlock(PASSPHRASE) as copy:
        copy_backups = Backups(copy, lambda: copy_settings.backup)
        assert copy_backups.automatic(quitting=True).result is None  # writes nothing to usb
        # the backup it came from counts as its last good one (no "no backup yet")
        assert last_backup_at(copy) == first.summary.created_at
        with copy.session() as s:
            turned_off = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "settings.change")
            ).one()
        assert turned_off.detail["changes"]["backup.folder"] == {"old": str(usb), "new": None}
    assert [p.name for p in usb.iterdir()] == [first.path.name]  # the clinic's, untouched


def _plans_of(opened: OpenVault, ask: Any) -> list[str]:
    """SQLite's query plan of every statement ``ask()`` runs on the vault's engine."""
    from sqlalchemy import event

    ran: list[tuple[str, Any]] = []

    def seen(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        ran.append((statement, params))

    event.listen(opened.engine, "before_cursor_execute", seen)
    try:
        ask()
    finally:
        event.remove(opened.engine, "before_cursor_execute", seen)
    with opened.engine.connect() as conn:
        return [
            str(row[3])
            for statement, params in ran
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        ]


def test_the_last_backup_is_found_without_reading_the_whole_audit_trail(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    """The backup reminder asks at every unlock and the schedule every ten minutes: on a
    vault of years, reading every audit event for it stalled the window (migration 0011)."""
    from alembic import command

    from kapnotes.store.audit import record
    from kapnotes.store.backup import last_backup_at
    from kapnotes.store.vault import _alembic_config

    write_backup(open_vault, tmp_path / "b.kapbackup")
    with open_vault.session() as s:
        backed_up = s.scalars(
            select(AuditEvent.at).where(AuditEvent.action == "vault.backup")
        ).one()  # recorded once the copy is written and checked
        for n in range(300):  # a trail that goes on after the backup
            record(s, open_vault.clinician_id, "client.view", "client", None, {"n": n})

    def audit_reads() -> list[str]:
        plans = _plans_of(open_vault, lambda: last_backup_at(open_vault))
        return [p for p in plans if "audit_event" in p]

    indexed = audit_reads()
    assert last_backup_at(open_vault) == backed_up
    assert indexed and all("ix_audit_event_" in p for p in indexed), indexed
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0010")
    assert "SCAN audit_event" in audit_reads()  # before 0011: every event read
    assert last_backup_at(open_vault) == backed_up
    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    assert audit_reads() == indexed
    assert last_backup_at(open_vault) == backed_up


def test_a_backup_from_a_newer_kapnotes_is_refused_before_anything_is_touched(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This kapnotes could not open what it restored: the clinic's working vault must not
    be moved aside for it (as this kapnotes knew only up to 0010, here)."""
    from kapnotes.store import backup as backup_module

    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    backup = tmp_path / "b.kapbackup"
    with created.vault as opened:
        write_backup(opened, backup)
    monkeypatch.setattr(backup_module, "SCHEMA_HEAD", "0010")
    target = vault.data_dir
    before = _tree(target)
    with pytest.raises(BackupError, match="made by a newer kapnotes") as refused:
        restore_backup(backup, target, PASSPHRASE, kdf=FAST_KDF, replace=True)
    assert "nothing was changed" in str(refused.value)
    assert _tree(target) == before
    assert not [p for p in target.iterdir() if p.name.startswith("replaced-")]
    empty = tmp_path / "empty"
    with pytest.raises(BackupError, match="newer kapnotes"):
        restore_backup(backup, empty, PASSPHRASE, kdf=FAST_KDF)
    assert not empty.exists() or not any(empty.iterdir())


def test_a_backup_made_by_an_earlier_kapnotes_restores_and_is_upgraded(
    open_vault: OpenVault, tmp_path: Path
) -> None:
    """A clinic's backups from before an upgrade (here schema 0008: the search index still
    held its copy of the text) restore: checked as this kapnotes' storage, not refused as
    damaged."""
    from alembic import command

    from kapnotes.store.backup import last_backup_at
    from kapnotes.store.demo import populate_demo
    from kapnotes.store.notes import NoteStore
    from kapnotes.store.vault import SCHEMA_HEAD, _alembic_config

    populate_demo(open_vault, today=date(2026, 11, 2))
    found = [h.note_id for h in NoteStore(open_vault).search("lake")]
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0008")
    backup = tmp_path / "old.kapbackup"
    made = write_backup(open_vault, backup).summary
    target = tmp_path / "restored"
    result = restore_backup(backup, target, PASSPHRASE, kdf=FAST_KDF)
    assert result.summary == made
    with Vault(target, FAST_KDF).unlock(PASSPHRASE) as restored:
        with restored.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                SCHEMA_HEAD
            )
        assert [h.note_id for h in NoteStore(restored).search("lake")] == found and found
        assert last_backup_at(restored) == made.created_at
        with restored.session() as s:
            upgrades = s.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "vault.upgrade")
            ).all()
        assert upgrades == [{"from": "0008", "to": SCHEMA_HEAD}]


def test_an_older_backup_is_compacted_only_when_it_is_restored(
    open_vault: OpenVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Previewing a backup from before an upgrade upgrades a copy that is thrown away: it
    is not compacted too (seconds on a vault of years); the copy restored is."""
    from alembic import command

    from kapnotes.store import vault as vault_module
    from kapnotes.store.demo import populate_demo
    from kapnotes.store.vault import _alembic_config

    populate_demo(open_vault, today=date(2026, 11, 2))
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0011")
    backup = tmp_path / "old.kapbackup"
    write_backup(open_vault, backup)
    compacted: list[bool] = []
    real = vault_module.compact
    monkeypatch.setattr(vault_module, "compact", lambda e: compacted.append(True) or real(e))
    inspect_backup(backup, PASSPHRASE).cleanup()
    assert compacted == []
    target = tmp_path / "restored"
    restore_backup(backup, target, PASSPHRASE, kdf=FAST_KDF)
    assert compacted == [True]
    with Vault(target, FAST_KDF).unlock(PASSPHRASE) as restored, restored.engine.connect() as c:
        pending = "SELECT COUNT(*) FROM vault_meta WHERE key = 'compact_pending'"
        assert c.exec_driver_sql(pending).scalar() == 0
        assert c.exec_driver_sql("PRAGMA freelist_count").scalar() == 0
    assert compacted == [True]  # nothing left for the first unlock


def test_a_checked_copy_not_written_out_whole_is_never_moved_in(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the database file is moved into the vault folder: a checked copy whose update
    is still in its write-ahead log (a disk that filled up while it was folded) is
    refused, and the clinic's vault stays where it is."""
    from kapnotes.store import backup as backup_module

    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    backup = tmp_path / "b.kapbackup"
    with created.vault as opened:
        write_backup(opened, backup)
    real = backup_module._checked_in_folder

    def left_a_wal(folder: Path, *args: Any, **kwargs: Any) -> Any:
        summary = real(folder, *args, **kwargs)
        (folder / "kapnotes.db-wal").write_bytes(b"\0" * 4096)  # as a full disk leaves it
        return summary

    monkeypatch.setattr(backup_module, "_checked_in_folder", left_a_wal)
    before = _tree(vault.data_dir)
    with pytest.raises(BackupError, match="could not be written out whole"):
        restore_backup(backup, vault.data_dir, PASSPHRASE, kdf=FAST_KDF, replace=True)
    assert _tree(vault.data_dir) == before
    assert not [p for p in vault.data_dir.iterdir() if p.name.startswith("replaced-")]
    assert not list(tmp_path.rglob(".kapnotes-restore-*"))
