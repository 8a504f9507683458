"""Faults at scale (issue 12), behind the ``faults`` marker: ``make faults`` runs them,
``make test`` does not (they take a few minutes).

* 400 single-byte flips at random offsets (fixed seed): 100 in the database, 100 in
  the write-ahead log of a vault copied as a crash leaves it, 100 in the key file,
  100 in the anchor file (each named by verify, none harmful: the other slot is read).
  Each must be detected (the unlock refuses, or ``verify`` names a problem) or be
  provably harmless (the vault exports exactly what it held before the flip).
* kill -9 at 100+ random moments while a real process saves entries and clients:
  every save it acknowledged is in the vault afterwards, and the vault unlocks
  and verifies clean.
* 1,000 wrong passphrases through the store API: none unlocks, the delay grows to
  its ceiling and never shrinks, a restart finds it where it was (the clock is
  injected: the test never sleeps through a delay).
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.templates import load_templates
from kapnotes.store import interchange
from kapnotes.store.anchor import ANCHOR_NAME, SLOT_SIZE
from kapnotes.store.clients import ClientStore
from kapnotes.store.integrity import TORN_ANCHOR
from kapnotes.store.notes import NewEntry, NoteStore, new_entry_id
from kapnotes.store.throttle import MAX_DELAY_S
from kapnotes.store.vault import (
    OpenVault,
    UnlockDelayedError,
    Vault,
    VaultDamagedError,
    WrongSecretError,
)
from kapnotes.store.verify import verify_vault
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.signing import COMPLETE_DOSING

pytestmark = pytest.mark.faults

REPO = Path(__file__).resolve().parents[2]
INSTRUMENTS = load_instruments()
FLIPS_PER_FILE = 100
KILLS = 110
WRONG_TRIES = 1000


def records(document: dict[str, Any]) -> dict[str, Any]:
    """An export without the audit events of access (each unlock and lock is one)."""
    out = interchange.comparable(document)
    out["audit"] = [e for e in out["audit"] if e["action"] not in {"vault.unlock", "vault.lock"}]
    return out


def problems_found(folder: Path) -> list[str] | None:
    """What the unlock and verify name (None: nothing, the vault opened clean).

    A wrong-passphrase answer is a failure of the test: damage must never be
    reported as a wrong passphrase.
    """
    vault = Vault(folder, kdf=FAST_KDF)
    try:
        with vault.unlock(PASSPHRASE, problems="report") as opened:
            sections = verify_vault(opened, INSTRUMENTS)
            found = list(opened.findings) + [p for s in sections for p in s.problems]
    except VaultDamagedError as exc:
        return list(exc.problems)
    return found or None


def _work(opened: OpenVault, rounds: int, start: int) -> None:
    """Notes, values, entries and clients, saved one by one (as the app saves them)."""
    clients = ClientStore(opened)
    notes = NoteStore(opened)
    dosing = load_templates().for_phase("dosing")[0]
    for n in range(start, start + rounds):
        client = clients.create(ClientInput(name=f"Fictional Client {n}", weight_kg=70.0 + n))
        course = clients.add_course(
            client,
            CourseInput(
                start_date=date(2026, 2, 1),
                indication="Treatment-resistant depression (fictional)",
                planned_product=Product.KETAMINE_IM,
            ),
        )
        note_id = notes.create(
            course, "dosing", dosing.snapshot(), date(2026, 3, 2), time_zone="UTC"
        )
        vitals = {"time": "09:50", "systolic": 120 + n, "diastolic": 80, "heart_rate": 70}
        entry = NewEntry(
            new_entry_id(), "vitals_log", vitals, datetime(2026, 3, 2, 9, 50, tzinfo=UTC)
        )
        values = {
            **COMPLETE_DOSING,
            "session_date": "2026-03-02",
            "vitals_log": [{**vitals, "_event_id": entry.id}],
        }
        notes.save_values(note_id, values, new_entries=[entry])
        for k in range(3):
            notes.add_event(note_id, "observation_log", {"text": f"fictional entry {n}-{k}"})
        if n % 2 == 0:
            notes.sign(note_id)
            notes.add_addendum(note_id, f"Fictional addendum {n}.")


def _copy_as_crashed(source: Path, target: Path) -> Path:
    """The vault's files as a crash leaves them (copied while open; no lock file)."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_file() and path.name != "kapnotes.lock":
            shutil.copy2(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A vault copied while open (the WAL holds commits, some already folded into the
    database by the background checkpointer, some not) and what it holds."""
    base = tmp_path_factory.mktemp("flips")
    vault = Vault(base / "live", kdf=FAST_KDF)
    opened = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    _work(opened, 6, 0)
    assert opened.checkpointer is not None
    opened.checkpointer.fold()  # frames folded, still in the WAL
    _work(opened, 6, 6)
    folder = _copy_as_crashed(vault.data_dir, base / "crashed")
    opened.close()
    assert (folder / "kapnotes.db-wal").stat().st_size > 100_000
    reference = _copy_as_crashed(folder, base / "reference")
    with Vault(reference, kdf=FAST_KDF).unlock(PASSPHRASE) as o:
        held = records(interchange.export_vault(o))
    assert len(held["clients"]) == 12
    return folder, held


@pytest.mark.parametrize("target", ["kapnotes.db", "kapnotes.db-wal", "kapnotes.key"])
def test_byte_flips_are_detected_or_harmless(
    crashed: tuple[Path, dict[str, Any]], tmp_path: Path, target: str
) -> None:
    folder, held = crashed
    original = (folder / target).read_bytes()
    rng = random.Random(f"kapnotes flips {target}")
    outcomes: Counter[str] = Counter()
    undetected: list[str] = []
    for trial in range(FLIPS_PER_FILE):
        copy = tmp_path / f"flip{trial}"
        shutil.copytree(folder, copy)
        data = bytearray(original)
        offset = rng.randrange(len(data))
        data[offset] ^= rng.randrange(1, 256)
        (copy / target).write_bytes(bytes(data))
        try:
            found = problems_found(copy)
        except WrongSecretError:
            undetected.append(f"offset {offset}: reported as a wrong passphrase")
            continue
        if found:
            outcomes["detected"] += 1
            continue
        with Vault(copy, kdf=FAST_KDF).unlock(PASSPHRASE) as opened:
            now = records(interchange.export_vault(opened))
        if now == held:
            outcomes["harmless"] += 1
        else:
            undetected.append(f"offset {offset}: verify said OK but the vault changed")
        shutil.rmtree(copy)
    print(f"{target}: {dict(outcomes)}")
    assert undetected == []
    assert outcomes["detected"] + outcomes["harmless"] == FLIPS_PER_FILE
    assert outcomes["detected"] > 0


def test_byte_flips_in_the_anchor_file_are_named_and_harmless(
    crashed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """The anchor's two slots: a flip anywhere in a slot (its line of JSON or its padding)
    makes verify name that slot, and the other slot, read instead, accepts the vault: it
    unlocks and holds what it held. Half the flips land in the lines, half anywhere."""
    folder, held = crashed
    original = (folder / ANCHOR_NAME).read_bytes()
    lines = [
        offset
        for start in range(0, len(original), SLOT_SIZE)
        for offset in range(start, start + len(original[start : start + SLOT_SIZE].rstrip()))
    ]
    rng = random.Random("kapnotes flips kapnotes.anchor")
    for trial in range(FLIPS_PER_FILE):
        copy = tmp_path / f"flip{trial}"
        shutil.copytree(folder, copy)
        data = bytearray(original)
        offset = rng.choice(lines) if trial % 2 else rng.randrange(len(data))
        data[offset] ^= rng.randrange(1, 256)
        (copy / ANCHOR_NAME).write_bytes(bytes(data))
        assert problems_found(copy) == [TORN_ANCHOR], offset
        with Vault(copy, kdf=FAST_KDF).unlock(PASSPHRASE) as opened:
            assert records(interchange.export_vault(opened)) == held, offset
        assert problems_found(copy) is None, offset  # the unlock wrote the file whole
        shutil.rmtree(copy)


def _acks(output: str) -> tuple[set[str], set[str]]:
    entries, clients = set(), set()
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "ACK":
            (entries if parts[1] == "entry" else clients).add(parts[2])
    return entries, clients


def test_kill_9_during_saves_never_loses_an_acknowledged_save(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v", kdf=FAST_KDF)
    with vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault as opened:
        clients = ClientStore(opened)
        client = clients.create(ClientInput(name="Sam Fictional"))
        course = clients.add_course(
            client,
            CourseInput(
                start_date=date(2026, 2, 1),
                indication="Fictional indication",
                planned_product=Product.KETAMINE_IM,
            ),
        )
        note_id = NoteStore(opened).create(
            course, "dosing", {"id": "d", "version": 1}, date(2026, 3, 1)
        )
    rng = random.Random(1209)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    entries: set[str] = set()
    new_clients: set[str] = set()
    kills_while_saving = 0
    for round_no in range(KILLS):
        argv = [sys.executable, "-m", "tests.faults.saver", str(vault.data_dir), note_id]
        child = subprocess.Popen(
            [*argv, str(round_no)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdout is not None
        if round_no % 5 == 4:  # now and then, anywhere from start-up through the unlock
            time.sleep(rng.uniform(0.2, 1.5))
        else:
            assert child.stdout.readline().strip() == "READY"
            time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        printed = child.stdout.read()
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL, "the saver ended before it was killed"
        got_entries, got_clients = _acks(printed)
        kills_while_saving += bool(got_entries or got_clients)
        entries |= got_entries
        new_clients |= got_clients
        with Vault(vault.data_dir, kdf=FAST_KDF).unlock(PASSPHRASE) as opened:
            held = {e.id for e in NoteStore(opened).get(note_id).events}
            assert entries <= held, f"round {round_no}: acknowledged entries lost"
            with opened.session() as session:
                stored = set(session.scalars(text("SELECT id FROM client")).all())
            assert new_clients <= stored, f"round {round_no}: acknowledged clients lost"
    assert kills_while_saving >= KILLS // 2
    assert len(entries) > KILLS
    assert problems_found(vault.data_dir) is None


def test_a_thousand_wrong_passphrases_never_unlock_and_the_delay_only_grows(
    tmp_path: Path,
) -> None:
    Vault(tmp_path / "v", kdf=FAST_KDF).create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()
    now = [1_800_000_000.0]

    def clock() -> float:
        return now[0]

    vault = Vault(tmp_path / "v", kdf=FAST_KDF, clock=clock)
    waits: list[float] = []
    refused_during_wait = 0
    for attempt in range(WRONG_TRIES):
        with pytest.raises(WrongSecretError):
            vault.unlock(f"wrong fictional passphrase {attempt}")
        waits.append(vault.unlock_delay())
        if attempt == WRONG_TRIES // 2:
            vault = Vault(tmp_path / "v", kdf=FAST_KDF, clock=clock)  # a restart
            assert vault.unlock_delay() == waits[-1] > 0  # the wait is where it was
        if attempt % 50 == 49:  # a try during the wait is refused before it is looked at
            with pytest.raises(UnlockDelayedError):
                vault.unlock(PASSPHRASE)
            refused_during_wait += 1
        now[0] += waits[-1]
    assert refused_during_wait == WRONG_TRIES // 50
    assert waits[:3] == [0, 0, 2]
    assert all(later >= earlier for earlier, later in itertools.pairwise(waits))
    assert waits[-1] == MAX_DELAY_S
    restarted = Vault(tmp_path / "v", kdf=FAST_KDF, clock=clock)
    assert restarted.throttle.failures == WRONG_TRIES
    with restarted.unlock(PASSPHRASE) as opened, opened.session() as session:
        (detail,) = session.scalars(
            text("SELECT detail FROM audit_event WHERE action = 'vault.unlock_failed'")
        ).all()
    assert f'"count": {WRONG_TRIES}' in detail or f'"count":{WRONG_TRIES}' in detail
