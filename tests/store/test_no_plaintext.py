"""No client name may reach the disk in plaintext: database, WAL, SHM or key file, the
temporary space a PDF is made in, copies of the vault folder (backups), the log."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.files import atomic_write
from kapnotes.domain.templates import load_templates
from kapnotes.reports.service import ReportService
from kapnotes.session.printing import OutputAction
from kapnotes.store.catalog import Catalog
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NewEntry, NoteStore, new_entry_id
from kapnotes.store.vault import Vault, VaultDamagedError, VaultLockedError, WrongSecretError
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.signing import COMPLETE_DOSING

CANARY = "Quentavious Canarywhistle"


def _files_containing(folder: Path, needle: str) -> list[str]:
    variants = [needle.encode("utf-8"), needle.encode("utf-16-le"), needle.lower().encode()]
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(v in data for v in variants):
                hits.append(path.name)
    return hits


def test_canary_never_in_plaintext_while_open_and_after_close(vault: Vault) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    store = ClientStore(created.vault)
    client_id = store.create(ClientInput(name=CANARY, allergies=f"{CANARY} is allergic to nothing"))
    store.update(client_id, ClientInput(name=CANARY, weight_kg=71))
    assert store.search("Canarywhistle")  # the data really is there

    names = sorted(p.name for p in vault.data_dir.iterdir() if p.is_file())
    assert "kapnotes.db-wal" in names  # the WAL is written while open, and checked too
    assert _files_containing(vault.data_dir, CANARY) == []

    created.vault.close()
    assert _files_containing(vault.data_dir, CANARY) == []

    with vault.unlock(PASSPHRASE) as reopened:
        assert ClientStore(reopened).get(client_id).data.name == CANARY
        assert _files_containing(vault.data_dir, CANARY) == []


# --------------------------------------------------------------------------- issue 12


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Every log record, at DEBUG, into a file the scan reads."""
    path = tmp_path / "logs" / "kapnotes.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def test_canary_not_in_pdf_temp_space_backups_or_logs(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug_log: Path
) -> None:
    """Printing to PDF, copying the vault folder (open or closed: the backup the README
    describes), wrong passphrases, a damaged vault and a refused save: the canary is
    only where the user asked for it (the PDF itself)."""
    temp_space = tmp_path / "temp-space"
    temp_space.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_space))
    monkeypatch.setenv("TMPDIR", str(temp_space))
    out = tmp_path / "out"
    out.mkdir()

    opened = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    clients = ClientStore(opened)
    client = clients.create(ClientInput(name=CANARY, allergies=f"{CANARY} reacts to nothing"))
    course = clients.add_course(
        client,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication=f"Depression ({CANARY} referral)",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(opened)
    dosing = load_templates().for_phase("dosing")[0]
    note_id = notes.create(course, "dosing", dosing.snapshot(), date(2026, 3, 2), time_zone="UTC")
    vitals = {"time": "09:50", "systolic": 128, "diastolic": 82, "heart_rate": 74}
    entry = NewEntry(new_entry_id(), "vitals_log", vitals, datetime(2026, 3, 2, 9, 50, tzinfo=UTC))
    values = {
        **COMPLETE_DOSING,
        "session_date": "2026-03-02",
        "vitals_log": [{**vitals, "_event_id": entry.id}],
        "therapist_observations": f"{CANARY} calm",
    }
    notes.save_values(note_id, values, new_entries=[entry])
    notes.add_event(note_id, "observation_log", {"text": f"{CANARY} resting"})
    notes.sign(note_id)

    service = ReportService(opened, Catalog(vault.data_dir))
    for name, document in (
        ("note.pdf", service.note(note_id)),
        ("course.pdf", service.course(client)),
    ):
        atomic_write(out / name, document.data)
        service.record(OutputAction.EXPORT, document)
    assert sorted(p.name for p in out.iterdir()) == ["course.pdf", "note.pdf"]  # no leftovers

    open_copy = tmp_path / "copy-while-open"  # what a backup tool copies mid-session
    shutil.copytree(vault.data_dir, open_copy, ignore=shutil.ignore_patterns("kapnotes.lock"))
    opened.close()
    with pytest.raises(VaultLockedError):
        clients.create(ClientInput(name=CANARY))  # a refused save after locking
    closed_copy = tmp_path / "copy-while-closed"  # the backup the README describes
    shutil.copytree(vault.data_dir, closed_copy)

    for attempt in range(2):
        with pytest.raises(WrongSecretError):
            vault.unlock(f"a wrong fictional passphrase {attempt}")
    damaged = tmp_path / "damaged"
    shutil.copytree(closed_copy, damaged)
    data = bytearray((damaged / "kapnotes.db").read_bytes())
    data[4 * 4096 + 100] ^= 0x10
    (damaged / "kapnotes.db").write_bytes(bytes(data))
    with pytest.raises(VaultDamagedError):
        Vault(damaged, kdf=FAST_KDF).unlock(PASSPHRASE)

    watched = [vault.data_dir, temp_space, open_copy, closed_copy, damaged, debug_log.parent]
    assert debug_log.stat().st_size > 0  # the log really was written
    for root in watched:
        assert _files_containing(root, CANARY) == [], root.name
        assert _files_containing(root, CANARY.split()[1]) == [], root.name
    # The PDF holds what the user asked for, compressed or not: it is theirs to protect.
    assert PdfReader(out / "note.pdf").pages[0].extract_text().count("Canarywhistle") >= 1
