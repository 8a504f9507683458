"""The anchor file's two slots (:mod:`kapnotes.store.anchor`): one sync per save, written in
place, and whatever a crash or a power cut leaves of it still accepts the saved vault.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.store import anchor as anchor_module
from kapnotes.store import keys
from kapnotes.store.anchor import (
    SLOT_SIZE,
    Anchor,
    AnchorError,
    AnchorFile,
    Head,
    compare,
)
from kapnotes.store.clients import ClientStore
from kapnotes.store.integrity import TORN_ANCHOR
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import Vault, VaultDamagedError
from kapnotes.store.verify import verify_vault
from tests.conftest import PASSPHRASE

NOTE_ID = "note-id.txt"  # beside the vault folder: the fixture's note
KEY = hashlib.sha256(b"fictional anchor key").digest()


def head(seq: int) -> Head:
    """The (fictional) audit head after ``seq`` events."""
    return Head(seq, hashlib.sha256(str(seq).encode()).hexdigest())


def _anchor_key(vault: Vault) -> bytes:
    opened = keys.unwrap_with_passphrase(keys.KeyFile.read(vault.key_path), PASSPHRASE)
    return keys.derived_key(opened.data_key, "anchor")


def _problems(vault: Vault) -> list[str]:
    """What an unlock that only reports (as ``kapnotes verify``) names."""
    from kapnotes.domain.instruments import load_instruments

    try:
        with vault.unlock(PASSPHRASE, problems="report") as opened:
            sections = verify_vault(opened, load_instruments())
            return list(opened.findings) + [p for s in sections for p in s.problems]
    except VaultDamagedError as exc:
        return list(exc.problems)


@pytest.fixture
def saved(vault: Vault) -> Vault:
    """A closed vault with a client and a note saved a few times (its id in NOTE_ID)."""
    with vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault as opened:
        clients = ClientStore(opened)
        notes = NoteStore(opened)
        client = clients.create(ClientInput(name="Sam Fictional"))
        course = clients.add_course(
            client,
            CourseInput(
                start_date=date(2026, 2, 1),
                indication="Fictional indication",
                planned_product=Product.KETAMINE_IM,
            ),
        )
        note_id = notes.create(course, "preparation", {"id": "p", "version": 1}, date(2026, 3, 1))
        for n in range(3):
            notes.save_values(note_id, {"intentions": f"fictional intention {n}"})
    (vault.data_dir.parent / NOTE_ID).write_text(note_id)
    return vault


def _slots(path: Path) -> list[dict[str, Any] | None]:
    data = path.read_bytes()
    out: list[dict[str, Any] | None] = []
    for index in range(2):
        line = data[index * SLOT_SIZE : (index + 1) * SLOT_SIZE].strip()
        out.append(json.loads(line) if line else None)
    return out


# --------------------------------------------------------------------------- the file


def test_the_file_is_two_slots_of_numbers_and_hashes(saved: Vault) -> None:
    data = saved.anchor_path.read_bytes()
    assert len(data) == 2 * SLOT_SIZE
    slots = [s for s in _slots(saved.anchor_path) if s is not None]
    assert len(slots) == 2
    for slot in slots:
        assert set(slot) == {"format", "version", "seq", "confirmed", "pending", "mac"}
        assert slot["version"] == 2
    # the newest slot confirms the last write (the lock), the other is its pending anchor
    newest, older = sorted(slots, key=lambda s: -s["seq"])
    assert newest["pending"] is None and older["pending"] == newest["confirmed"]
    assert newest["seq"] == older["seq"] + 1


def test_a_save_syncs_the_anchor_once_and_writes_it_in_place(
    saved: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One fdatasync for the pending anchor, none for the confirmation, no new file (the
    database's own WAL sync is SQLite's, not counted here)."""
    with saved.unlock(PASSPHRASE) as opened:
        notes = NoteStore(opened)
        note_id = (saved.data_dir.parent / NOTE_ID).read_text()
        inode = saved.anchor_path.stat().st_ino  # the unlock wrote the file whole
        syncs: list[str] = []
        for name in ("fsync", "fdatasync"):
            real = getattr(os, name, None)
            if real is not None:

                def counted(fd: int, _real: Any = real, _name: str = name) -> None:
                    syncs.append(_name)
                    _real(fd)

                monkeypatch.setattr(os, name, counted)
        for n in range(5):
            notes.save_values(note_id, {"intentions": f"fictional intention again {n}"})
        assert len(syncs) == 5
        assert saved.anchor_path.stat().st_ino == inode
    assert _problems(saved) == []


# --------------------------------------------------------------------------- crashes


@dataclass
class Disk:
    """The anchor file as a disk keeps it: per slot, what reached the disk and what is
    still only in the page cache (lost, kept or torn by a power cut)."""

    durable: list[bytes] = field(default_factory=lambda: [b"", b""])
    cached: list[bytes] = field(default_factory=lambda: [b"", b""])
    db_head: Head = field(default_factory=lambda: head(0))

    def outcomes(self) -> Iterator[bytes]:
        """Every file a power cut now could leave."""
        choices = []
        for durable, cached in zip(self.durable, self.cached, strict=True):
            if durable == cached:
                choices.append([durable])
            else:
                # torn inside its line of JSON (the rest of a slot is padding)
                torn = cached[:100] + durable[100:] if durable else cached[:100]
                choices.append([durable, cached, torn])
        for slot0, slot1 in itertools.product(*choices):
            yield slot0.ljust(SLOT_SIZE, b"\0") + slot1 if slot1 else slot0


def test_a_power_cut_at_any_moment_leaves_an_anchor_that_accepts_the_vault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saves by two unlocks in a row; after each write to the anchor, and with each slot
    not yet synced lost, kept or torn, the anchor read back accepts the database's
    durable head (which moves at each COMMIT, between the pending anchor and its
    confirmation)."""
    disk = Disk()
    checked: list[int] = []
    real_write_at = anchor_module._write_at
    real_sync = anchor_module._sync_data
    real_atomic = anchor_module.atomic_write

    def check() -> None:
        reader = AnchorFile(tmp_path / "cut", KEY)
        reader.path.parent.mkdir(exist_ok=True)
        for data in disk.outcomes():
            reader.path.write_bytes(data)
            anchor = reader.read()
            hashes = {n: head(n).hash for n in range(disk.db_head.seq + 1)}
            assert compare(anchor, disk.db_head, hashes) == [], (anchor, disk.db_head)
            checked.append(1)

    def write_at(fd: int, data: bytes, offset: int) -> None:
        real_write_at(fd, data, offset)
        disk.cached[offset // SLOT_SIZE] = data
        check()

    def sync(fd: int) -> None:
        real_sync(fd)
        disk.durable = list(disk.cached)
        check()

    def atomic(path: Path, data: bytes, *args: Any, **kwargs: Any) -> None:
        real_atomic(path, data, *args, **kwargs)
        disk.durable = [data[:SLOT_SIZE], data[SLOT_SIZE:]]
        disk.cached = list(disk.durable)
        check()

    monkeypatch.setattr(anchor_module, "_write_at", write_at)
    monkeypatch.setattr(anchor_module, "_sync_data", sync)
    monkeypatch.setattr(anchor_module, "atomic_write", atomic)
    seq = 0
    for _unlock in range(2):
        writer = AnchorFile(tmp_path, KEY)
        for _save in range(4):
            writer.write(Anchor(head(seq), head(seq + 1)))
            seq += 1
            disk.db_head = head(seq)  # COMMIT: durable from here on
            check()
            writer.write(Anchor(head(seq)))
    assert AnchorFile(tmp_path, KEY).read() == Anchor(head(seq))
    assert len(checked) > 50


def test_a_damaged_slot_is_passed_over_and_verify_names_it(saved: Vault) -> None:
    """A torn newest slot (the lock's confirmation): its pending anchor accepts the vault;
    the unlock opens, verify names the slot, and the unlock wrote the file whole again."""
    data = bytearray(saved.anchor_path.read_bytes())
    slots = _slots(saved.anchor_path)
    newest = max(range(2), key=lambda i: (slots[i] or {}).get("seq", -1))
    data[newest * SLOT_SIZE + 40] ^= 0x20
    saved.anchor_path.write_bytes(bytes(data))
    assert _problems(saved) == [TORN_ANCHOR]
    with saved.unlock(PASSPHRASE):
        pass
    assert _problems(saved) == []


def test_both_slots_damaged_is_refused(saved: Vault) -> None:
    data = bytearray(saved.anchor_path.read_bytes())
    data[40] ^= 0x20
    data[SLOT_SIZE + 40] ^= 0x20
    saved.anchor_path.write_bytes(bytes(data))
    with pytest.raises(VaultDamagedError, match=r"kapnotes\.anchor is damaged"):
        saved.unlock(PASSPHRASE)


# --------------------------------------------------------------------------- version 1


def _write_version_1(vault: Vault, anchor: Anchor) -> None:
    """The anchor file as kapnotes wrote it before slots: one JSON document."""
    body: dict[str, Any] = {
        "format": "kapnotes-anchor",
        "version": 1,
        "confirmed": anchor.confirmed.as_json(),
        "pending": anchor.pending.as_json() if anchor.pending is not None else None,
    }
    body["mac"] = anchor_module._mac(_anchor_key(vault), body)
    vault.anchor_path.write_bytes(json.dumps(body, indent=1).encode())


def test_an_anchor_of_the_earlier_format_opens_and_becomes_two_slots(saved: Vault) -> None:
    current = AnchorFile(saved.data_dir, _anchor_key(saved)).read()
    _write_version_1(saved, current)
    assert AnchorFile(saved.data_dir, _anchor_key(saved)).read() == current
    assert _problems(saved) == []  # read as it is (verify writes nothing)
    assert saved.anchor_path.read_bytes().startswith(b"{\n")
    with saved.unlock(PASSPHRASE) as opened:
        NoteStore(opened)  # the unlock itself writes: the file is two slots from now on
        assert len(saved.anchor_path.read_bytes()) == 2 * SLOT_SIZE
    assert all(s is not None and s["version"] == 2 for s in _slots(saved.anchor_path))
    assert _problems(saved) == []


def test_an_anchor_of_the_earlier_format_still_tells_lost_changes(saved: Vault) -> None:
    current = AnchorFile(saved.data_dir, _anchor_key(saved)).read()
    ahead = Head(current.confirmed.seq + 2, "f" * 64)
    _write_version_1(saved, Anchor(ahead))
    with pytest.raises(VaultDamagedError, match="Saved changes are missing"):
        saved.unlock(PASSPHRASE)
    _write_version_1(saved, Anchor(ahead))
    raw = bytearray(saved.anchor_path.read_bytes())
    raw[30] ^= 0x01
    saved.anchor_path.write_bytes(bytes(raw))
    with pytest.raises(AnchorError):
        AnchorFile(saved.data_dir, _anchor_key(saved)).read()
