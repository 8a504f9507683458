"""Benchmarks (run by `make bench`): autosave latency, live-entry latency, note search.

The issue asks that every change reaches the encrypted database within one
second and that a live entry is durable before it is shown; these print how
long one save, one event and one search take on a vault of realistic size.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import load_templates
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import Vault
from tests.conftest import FAST_KDF

WORDS = [
    "calm",
    "tearful",
    "music",
    "breathing",
    "nausea",
    "resting",
    "grief",
    "lake",
    "light",
    "warmth",
]


def _report(label: str, samples: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    print(
        f"{label:<44} median {statistics.median(ms):7.2f} ms   "
        f"p95 {sorted(ms)[int(len(ms) * 0.95) - 1]:7.2f} ms   max {max(ms):7.2f} ms"
    )


def test_autosave_event_and_search_on_a_busy_vault(tmp_path: Path) -> None:
    opened = (
        Vault(tmp_path / "v", kdf=FAST_KDF).create("Dr Bench", "PsyD", "bench passphrase").vault
    )
    clients = ClientStore(opened)
    notes = NoteStore(opened)
    spec = load_templates().for_phase("dosing")[0].snapshot()
    note_ids: list[str] = []
    for c in range(100):
        cid = clients.create(ClientInput(name=f"Fictional Client {c:03d}"))
        course = clients.add_course(
            cid,
            CourseInput(
                start_date=date(2026, 1, 1),
                indication="Depression",
                planned_product=Product.KETAMINE_IM,
            ),
        )
        for n in range(10):
            nid = notes.create(course, "dosing", spec, date(2026, 1, 1) + timedelta(days=n))
            notes.save_values(nid, {"therapist_observations": " ".join(WORDS[(c + n) % 10 :] * 20)})
            note_ids.append(nid)
    print(f"\nvault: 100 clients, {len(note_ids)} dosing notes")

    target = note_ids[-1]
    saves: list[float] = []
    for i in range(50):
        start = time.perf_counter()
        notes.save_values(target, {"therapist_observations": f"revision {i} " * 200})
        saves.append(time.perf_counter() - start)
    _report("autosave of a long note (save_values)", saves)

    events: list[float] = []
    for i in range(50):
        start = time.perf_counter()
        notes.add_event(target, "observation_log", {"time": "10:00", "text": f"entry {i}"})
        events.append(time.perf_counter() - start)
    _report("live entry (add_event, durable on return)", events)

    searches: list[float] = []
    for word in WORDS:
        start = time.perf_counter()
        notes.search(word[:5])
        searches.append(time.perf_counter() - start)
    _report("full-text search, 1000 notes (prefix)", searches)
    opened.close()
