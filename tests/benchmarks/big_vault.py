"""The big-vault benchmark: a clinic's years of notes, each figure beside its bare floor.

Run by ``make bench`` (``make bench BENCH_JSON=figures.json`` also writes JSON)::

    python -m tests.benchmarks.big_vault [--clients 2000] [--notes 20000]
                                         [--entries 200000] [--json FILE]
                                         [--growth 1000,5000]

It builds (once, cached under ``.bench-cache/`` keyed by its sizes) a fictional
vault through the app's own stores, then measures in one run: a live-session
entry saved, the longest UI-thread stall while typing observations, note
search, client search, opening a client, cold start to the lock screen and
resident memory (whole processes, several rounds), vault bytes per note and
the course PDF against bare reportlab when the reports package is there; with
``--growth`` also save, search and client open on smaller vaults, to show growth. Each
figure is printed beside the bare stack doing the same work, with the ratio
and the target, and written as JSON::

    {"machine": {...}, "vault": {"clients": N, "notes": N, "entries": N},
     "figures": [{"name", "value", "unit", "floor", "ratio", "target", "met"}]}

Only fictional data. Nothing here is a test: it prints and writes figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".bench-cache"
PASSPHRASE = "fictional bench passphrase"

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
    "garden",
    "river",
    "childhood",
    "mother",
    "father",
    "brother",
    "sister",
    "school",
    "fear",
    "relief",
    "laughter",
    "silence",
    "colours",
    "floating",
    "heavy",
    "open",
    "gentle",
    "steady",
    "quiet",
    "eyes",
    "hands",
    "chest",
    "shoulders",
    "memory",
    "forgiveness",
]
FIRST = [
    "Élodie",
    "Zoë",
    "Amara",
    "Bram",
    "Cato",
    "Dara",
    "Emil",
    "Farah",
    "Gideon",
    "Hana",
    "Ines",
    "Jonah",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
]
LAST = [
    "Bélanger",
    "Ñúñez",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Haddad",
    "Kowalski",
    "Tanaka",
    "Reyes",
    "Fischer",
]


@dataclass
class Figure:
    """One measured figure beside its floor."""

    name: str
    value: float
    unit: str
    floor: float | None
    ratio: float | None
    target: str
    met: bool | None


def _sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def _kdf() -> Any:
    from kapnotes.store.keys import KdfParams

    return KdfParams(time_cost=1, memory_kib=8192, parallelism=1)


# --------------------------------------------------------------------------- building


def build_vault(folder: Path, clients: int, notes: int, entries: int) -> dict[str, Any]:
    """A fictional vault built through the app's stores; returns what the run needs."""
    from kapnotes.domain.clients import ClientInput, CourseInput, Product
    from kapnotes.domain.note_times import place_times
    from kapnotes.domain.notes import Phase
    from kapnotes.domain.templates import load_templates
    from kapnotes.domain.timeline import SessionTimeline, to_iso
    from kapnotes.store.clients import ClientStore
    from kapnotes.store.notes import NewEntry, NoteStore, event_data, new_entry_id
    from kapnotes.store.vault import Vault

    rng = random.Random(42)
    opened = Vault(folder, kdf=_kdf()).create("Dr Bench Fictional", "PsyD", PASSPHRASE).vault
    client_store = ClientStore(opened)
    note_store = NoteStore(opened)
    templates = load_templates()
    specs = {
        phase: templates.for_phase(phase)[0] for phase in ("preparation", "dosing", "integration")
    }
    per_client = max(1, notes // clients)
    dosing_share = per_client // 3 or 1
    per_dosing = max(1, entries // max(1, clients * dosing_share))
    zone = "America/New_York"
    busiest: tuple[int, str] = (0, "")
    started = time.perf_counter()
    for c in range(clients):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}-{c:04d}"
        cid = client_store.create(ClientInput(name=name, weight_kg=55 + rng.random() * 40))
        course = client_store.add_course(
            cid,
            CourseInput(
                start_date=date(2023, 1, 1) + timedelta(days=c % 900),
                indication="Treatment-resistant depression (fictional)",
                planned_product=Product.KETAMINE_IM,
            ),
        )
        with note_store.transaction():
            for n in range(per_client):
                phase = "dosing" if n % 3 == 1 else ("preparation" if n % 3 == 0 else "integration")
                spec = specs[phase]
                day = date(2023, 1, 1) + timedelta(days=(c % 900) + n * 7)
                note_id = note_store.create(
                    course, Phase(phase), spec.snapshot(), day, {}, time_zone=zone
                )
                values: dict[str, Any] = {}
                new: list[NewEntry] = []
                if phase == "dosing":
                    timeline = SessionTimeline.of(zone, day)
                    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
                    rows: dict[str, list[dict[str, Any]]] = {
                        "vitals_log": [],
                        "observation_log": [],
                        "dose_log": [],
                    }
                    for e in range(per_dosing):
                        at = start + timedelta(minutes=5 * e)
                        kind = (
                            "dose_log"
                            if e == 2
                            else ("vitals_log" if e % 3 == 0 else "observation_log")
                        )
                        if kind == "dose_log":
                            row: dict[str, Any] = {
                                "product": "racemic_ketamine",
                                "route": "im",
                                "dose_mg": 60,
                            }
                        elif kind == "vitals_log":
                            row = {
                                "systolic": 120 + e % 30,
                                "diastolic": 80,
                                "heart_rate": 80,
                                "spo2": 98,
                            }
                        else:
                            row = {"text": _sentence(rng, 10)}
                        row["time"] = timeline.hhmm(at)
                        row["_instants"] = {"time": to_iso(at)}
                        entry_id = new_entry_id()
                        rows[kind].append({**row, "_event_id": entry_id})
                        new.append(NewEntry(entry_id, kind, event_data(row), at, None))
                    values.update(rows)
                    values["client_account"] = " ".join(_sentence(rng, 12) for _ in range(4))
                    values, _times = place_times(spec, values, timeline)
                    if per_dosing > busiest[0]:
                        busiest = (per_dosing, note_id)
                else:
                    for field_id in ("intentions_goals", "fears_concerns", "narrative_experience"):
                        values[field_id] = " ".join(_sentence(rng, 12) for _ in range(3))
                note_store.save_values(note_id, values, new_entries=new)
        if c and c % 200 == 0:
            print(
                f"  built {c}/{clients} clients ({time.perf_counter() - started:.0f} s)", flush=True
            )
    opened.close()
    return {"dosing_note": busiest[1]}


def cached_vault(clients: int, notes: int, entries: int) -> tuple[Path, dict[str, Any]]:
    """The vault for these sizes, built once and kept under .bench-cache/."""
    from kapnotes.store.vault import SCHEMA_HEAD

    # A new schema builds a new vault: a cached one migrated on opening would keep the
    # pages a migration frees (the file does not shrink), so its size would mislead.
    key = hashlib.sha256(f"{clients}:{notes}:{entries}:v4:{SCHEMA_HEAD}".encode()).hexdigest()[:12]
    folder = CACHE / f"vault-{clients}-{notes}-{entries}-{key}"
    info_file = folder / "bench-info.json"
    if info_file.exists():
        return folder, json.loads(info_file.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"building a fictional vault: {clients} clients, {notes} notes, {entries} entries …")
    info = build_vault(folder, clients, notes, entries)
    info_file.write_text(json.dumps(info))
    return folder, info


def working_copy(folder: Path) -> Path:
    """A copy of the cached vault to measure on (writes must not grow the cache)."""
    copy = CACHE / "work"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy)
    return copy


# --------------------------------------------------------------------------- floors


#: The vault's pragmas, given to the floors' connections as the vault gives them to its own.
VAULT_PRAGMAS = (
    "cipher_log_level = NONE",
    "foreign_keys = ON",
    "secure_delete = ON",
    "temp_store = MEMORY",
    "journal_mode = WAL",
    "synchronous = FULL",
)


def _bare_folder() -> Path:
    """An empty folder for a floor's database (the previous floor's removed)."""
    folder = CACHE / "bare"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _bare_connection(path: Path) -> Any:
    """A bare sqlcipher3 connection with the vault's pragmas (the floor of a save)."""
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    for pragma in VAULT_PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    return conn


def bare_commit_samples(payload: bytes, event: bytes, rounds: int) -> list[float]:
    """A commit of the same bytes a live entry writes (the note's values and one event)."""
    folder = _bare_folder()
    conn = _bare_connection(folder / "bare.db")
    conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body BLOB)")
    conn.execute("CREATE TABLE event (id INTEGER PRIMARY KEY, note INTEGER, body BLOB)")
    conn.execute("INSERT INTO note (id, body) VALUES (1, ?)", (payload,))
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO event (note, body) VALUES (1, ?)", (event,))
        conn.execute("UPDATE note SET body = ? WHERE id = 1", (payload,))
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    conn.close()
    return samples


def orm_commit_samples(payload: bytes, event: bytes, rounds: int) -> list[float]:
    """The same commit through SQLAlchemy's ORM (the layer kapnotes' stores stand on, as
    the architecture decides), same pragmas and key: the note read by its key, its body
    replaced, one event added, committed. For scale: what the stack costs before any of
    kapnotes' own work (the audit chain, the timeline, the search index)."""
    from sqlalchemy import ForeignKey, Integer, LargeBinary, create_engine
    from sqlalchemy import event as sa_event
    from sqlalchemy.engine import URL
    from sqlalchemy.orm import DeclarativeBase, Session, mapped_column

    folder = _bare_folder()
    url = URL.create(
        "sqlite+pysqlcipher", password=f"x'{os.urandom(32).hex()}'", database=str(folder / "o.db")
    )
    engine = create_engine(url)

    @sa_event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        for pragma in VAULT_PRAGMAS:
            dbapi_connection.execute(f"PRAGMA {pragma}")

    class Base(DeclarativeBase):
        pass

    class Row(Base):
        __tablename__ = "note"
        id = mapped_column(Integer, primary_key=True)
        body = mapped_column(LargeBinary)

    class Event(Base):
        __tablename__ = "event"
        id = mapped_column(Integer, primary_key=True)
        note = mapped_column(ForeignKey("note.id"))
        body = mapped_column(LargeBinary)

    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Row(id=1, body=payload))
        session.commit()
    samples = []
    for index in range(rounds):
        start = time.perf_counter()
        with Session(engine) as session:
            row = session.get(Row, 1)
            assert row is not None
            row.body = payload + bytes([index % 256])  # a changed value, as a save's is
            session.add(Event(note=1, body=event))
            session.commit()
        samples.append(time.perf_counter() - start)
    engine.dispose()
    return samples


# --------------------------------------------------------------------------- measuring


def _open(folder: Path) -> Any:
    from kapnotes.store.vault import Vault

    return Vault(folder, kdf=_kdf()).unlock(PASSPHRASE)


def measure_entry_save(
    folder: Path, note_id: str, rounds: int
) -> tuple[list[float], list[float], list[float]]:
    """Enter in the observation line, through the session layer, on the busiest note;
    then the bare commit of the same bytes and the same commit through the ORM."""
    from kapnotes.domain.clients import Product
    from kapnotes.domain.session import ClinicSettings
    from kapnotes.session import LiveSession, SessionClient
    from kapnotes.store.notes import NoteStore

    opened = _open(folder)
    notes = NoteStore(opened)
    clock = [datetime.now(UTC)]
    session = LiveSession(
        notes,
        note_id,
        SessionClient("Bench Fictional", 70.0),
        Product.KETAMINE_IM,
        ClinicSettings(),
        lambda: clock[0],
    )
    rng = random.Random(7)
    samples = []
    for _ in range(rounds):
        clock[0] += timedelta(seconds=20)
        start = time.perf_counter()
        session.log_observation(_sentence(rng, 10))
        samples.append(time.perf_counter() - start)
    payload = json.dumps(session.record.values).encode()
    event = json.dumps({"time": "10:00", "text": _sentence(rng, 10)}).encode()
    opened.close()
    return (
        samples,
        bare_commit_samples(payload, event, rounds),
        orm_commit_samples(payload, event, rounds),
    )


#: Notes of each client opened by the client-open figures (the issue's "a client with 50
#: notes"; the big vault's clients have ten each, so two are given more on the working copy).
NOTES_OF_OPENED_CLIENT = 50


def give_notes(opened: Any, count: int = 2, per_client: int = NOTES_OF_OPENED_CLIENT) -> list[str]:
    """Bring ``count`` clients of the vault (the first by name) to ``per_client`` notes
    each, through the stores, with the big vault's kinds of values; returns their ids."""
    from kapnotes.domain.notes import Phase
    from kapnotes.domain.templates import load_templates
    from kapnotes.store.clients import ClientStore
    from kapnotes.store.notes import NoteStore

    clients, notes = ClientStore(opened), NoteStore(opened)
    specs = {p: load_templates().for_phase(p)[0] for p in ("preparation", "dosing", "integration")}
    rng = random.Random(5)
    ids = [c.id for c in clients.search("", limit=count)]
    for client_id in ids:
        record = clients.get(client_id)
        course = record.courses[0]
        have = sum(len(c.notes) for c in record.courses)
        with notes.transaction():
            for n in range(have, per_client):
                phase = ("preparation", "dosing", "integration")[n % 3]
                note_id = notes.create(
                    course.id,
                    Phase(phase),
                    specs[phase].snapshot(),
                    course.start_date + timedelta(days=7 * n),
                    {},
                    time_zone="America/New_York",
                )
                text_field = "client_account" if phase == "dosing" else "intentions_goals"
                notes.save_values(note_id, {text_field: _sentence(rng, 40)})
    return ids


def heavy_clients(folder: Path) -> list[str]:
    """The ids of the clients with 50 notes the client-open figures time (made once on
    the working copy at ``folder``)."""
    opened = _open(folder)
    try:
        return give_notes(opened)
    finally:
        opened.close()


def measure_search(
    folder: Path, rounds: int, heavy: list[str]
) -> dict[str, tuple[list[float], list[float]]]:
    """Note search for a common word, client search, opening a client with 50 notes —
    and their floors."""
    from sqlalchemy import text

    from kapnotes.store.clients import ClientStore
    from kapnotes.store.models import stored_id
    from kapnotes.store.notes import NoteStore, fts_query

    opened = _open(folder)
    notes, clients = NoteStore(opened), ClientStore(opened)
    out: dict[str, tuple[list[float], list[float]]] = {}

    def timed(action: Callable[[], object]) -> list[float]:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            action()
            samples.append(time.perf_counter() - start)
        return samples

    words = ["calm", "music", "garden", "river", "tearful"]
    counter = iter(range(10**9))
    query = fts_query("calm")

    def raw_fts() -> None:
        with opened.session() as s:
            s.execute(
                text("SELECT rowid FROM note_fts WHERE note_fts MATCH :q ORDER BY rank LIMIT 100"),
                {"q": query},
            ).all()

    out["note_search_p95_ms"] = (
        timed(lambda: notes.search(words[next(counter) % len(words)])),
        timed(raw_fts),
    )
    names = ["ele", "Bela", "ñúñ", "kow", "zoë"]

    def raw_clients() -> None:
        with opened.session() as s:
            s.execute(
                text("SELECT id, name FROM client WHERE name LIKE :p ORDER BY name LIMIT 500"),
                {"p": "%ele%"},
            ).all()

    out["client_search_p95_ms"] = (
        timed(lambda: clients.search(names[next(counter) % len(names)])),
        timed(raw_clients),
    )
    picks = [heavy[n % len(heavy)] for n in range(rounds)]
    it = iter(picks * 2)

    def raw_open() -> None:
        with opened.session() as s:
            cid = stored_id(next(it))  # as the vault stores ids (16 bytes)
            s.execute(text("SELECT * FROM client WHERE id = :c"), {"c": cid}).all()
            s.execute(
                text(
                    "SELECT n.id, n.kind, n.status, n.session_date FROM note n "
                    "JOIN course c ON c.id = n.course_id WHERE c.client_id = :c"
                ),
                {"c": cid},
            ).all()

    opens = iter(picks)
    out["client_open_p95_ms"] = (timed(lambda: clients.get(next(opens))), timed(raw_open))
    opened.close()
    return out


def _probe(args: list[str], extra_env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and resident kilobytes of one probe process."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env.update(extra_env or {})
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python keeps its bytecode cache
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.startup_probe", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    elapsed = time.perf_counter() - start
    line = next((x for x in done.stdout.splitlines() if x.startswith("RSS_KB")), None)
    if line is None:
        raise RuntimeError(f"probe {args[0]} failed: {done.stderr[-2000:]}")
    return elapsed, int(line.split()[1])


def _paired_samples(
    probes: list[list[str]], rounds: int, extra_env: dict[str, str] | None = None
) -> list[tuple[list[float], list[int]]]:
    """Each probe ``rounds`` times, the probes taking turns (A B A B …), so that load from
    elsewhere on a shared machine falls on all of them alike; one warm-up round first
    (the disk cache and Python's bytecode cache, as a user's first start leaves them)."""
    out: list[tuple[list[float], list[int]]] = [([], []) for _ in probes]
    for index in range(rounds + 1):
        for probe, (seconds, rss) in zip(probes, out, strict=True):
            elapsed, kb = _probe(probe, extra_env)
            if index:
                seconds.append(elapsed)
                rss.append(kb)
    return out


def measure_processes(folder: Path, rounds: int) -> dict[str, tuple[float, float]]:
    """Cold start to the lock screen and memory, each beside a bare PySide6 window
    (paired rounds)."""
    (bare_s, bare_kb), (lock_s, lock_kb) = _paired_samples(
        [["bare"], ["lock", str(folder)]], rounds
    )
    from kapnotes.store.clinicians import data_key_of

    opened = _open(folder)
    key = data_key_of(opened).hex()  # the fictional bench vault's, for the bare stack's probe
    opened.close()
    (_open_s, open_kb), (_stack_s, stack_kb) = _paired_samples(
        [["open", str(folder), PASSPHRASE], ["stack", str(folder)]],
        max(2, rounds // 2),
        {"KAPNOTES_BENCH_KEY": key},
    )
    print(
        f"  start-up, lock screen: min {min(lock_s):.2f} s, median {statistics.median(lock_s):.2f}"
        f" s; bare window: min {min(bare_s):.2f} s, median {statistics.median(bare_s):.2f} s"
    )
    return {
        **measure_stack_memory(max(2, rounds // 2)),
        "cold_start_lock_ratio": (statistics.median(lock_s), statistics.median(bare_s)),
        "rss_lock_ratio": (statistics.median(lock_kb) / 1024, statistics.median(bare_kb) / 1024),
        "rss_big_vault_ratio": (
            statistics.median(open_kb) / 1024,
            statistics.median(bare_kb) / 1024,
        ),
        "rss_big_vault_stack_ratio": (
            statistics.median(open_kb) / 1024,
            statistics.median(stack_kb) / 1024,
        ),
    }


def measure_stack_memory(rounds: int) -> dict[str, tuple[float, float]]:
    """What each library an unlock needs adds to a bare window's resident memory (MB),
    added one after another in the order of ``startup_probe.STACK_STEPS``: for scale,
    the share of the memory target the stack itself takes before kapnotes opens anything.

    Returns ``{"rss_stack_adds_<slug>_mb": (MB with this step and those before it, MB
    without it)}`` and ``"rss_stack_libraries_mb"``: (all of them, the bare window). What a
    step adds depends on the order: the first library takes the standard-library modules
    they share (pydantic alone in a bare window adds about twice its share here).
    """
    from tests.benchmarks.startup_probe import STACK_STEPS

    probes = [["libs", str(n)] for n in range(len(STACK_STEPS) + 1)]
    medians = [statistics.median(kb) / 1024 for _s, kb in _paired_samples(probes, rounds)]
    out: dict[str, tuple[float, float]] = {}
    for n, (slug, name, _load) in enumerate(STACK_STEPS, start=1):
        print(f"  memory added to a bare window by {name}: {medians[n] - medians[n - 1]:.1f} MB")
        out[f"rss_stack_adds_{slug}_mb"] = (medians[n], medians[n - 1])
    out["rss_stack_libraries_mb"] = (medians[-1], medians[0])
    return out


def measure_course_pdf() -> tuple[float, float]:
    """Seconds for the course report (20 sessions × 300 vitals rows) and bare reportlab."""
    from tests.benchmarks.test_bench_reports import course_report_timings

    return course_report_timings()


def _ms(samples: list[float], p: float) -> float:
    return _percentile(samples, p) * 1000


GROWTH_FIGURES = (
    "entry_save_p50_ms",
    "entry_save_p99_ms",
    "note_search_p95_ms",
    "client_search_p95_ms",
    "client_open_p95_ms",
)


def measure_growth(size: int, rounds: int) -> dict[str, float]:
    """The per-action figures on a vault of ``size`` notes (clients and entries scaled
    as in the big vault: a tenth as many clients, ten entries a note)."""
    cached, info = cached_vault(max(1, size // 10), size, size * 10)
    folder = working_copy(cached)
    saves, _bare, _orm = measure_entry_save(folder, info["dosing_note"], rounds * 5)
    out = {"notes": float(size), "entry_save_p50_ms": _ms(saves, 50)}
    out["entry_save_p99_ms"] = _ms(saves, 99)
    searches = measure_search(folder, rounds * 4, heavy_clients(folder))
    for name, (samples, _floor) in searches.items():
        out[name] = _ms(samples, 95)
    return out


def print_growth(rows: list[dict[str, float]]) -> None:
    """How the per-action figures grow with the vault."""
    print("\ngrowth (ms)")
    print(f"{'notes':>7} " + " ".join(f"{name[:-3]:>21}" for name in GROWTH_FIGURES))
    for row in rows:
        print(f"{row['notes']:>7g} " + " ".join(f"{row[name]:>21.2f}" for name in GROWTH_FIGURES))


def run(
    clients: int,
    notes: int,
    entries: int,
    rounds: int,
    json_path: Path | None,
    growth: list[int] | None = None,
) -> int:
    """Build (or reuse) the vault, measure everything, print the table, write the JSON.

    ``growth``: smaller vault sizes (notes) whose per-action figures are printed and
    written beside this size's, to show how they grow.
    """
    cached, info = cached_vault(clients, notes, entries)
    folder = working_copy(cached)
    # The vault as built, before the measurements below write to their copy of it.
    size_mb = sum(p.stat().st_size for p in folder.glob("kapnotes.db*")) / 1e6
    figures: list[Figure] = []

    def add(
        name: str, value: float, unit: str, floor: float | None, target: str, met: bool
    ) -> None:
        ratio = value / floor if floor else None
        figures.append(
            Figure(
                name,
                round(value, 2),
                unit,
                None if floor is None else round(floor, 2),
                None if ratio is None else round(ratio, 2),
                target,
                met,
            )
        )

    saves, bare, orm = measure_entry_save(folder, info["dosing_note"], rounds * 5)
    p50, p99, floor50, floor99 = _ms(saves, 50), _ms(saves, 99), _ms(bare, 50), _ms(bare, 99)
    add("entry_save_p50_ms", p50, "ms", floor50, "<= 2x floor", p50 <= 2 * floor50)
    add(
        "entry_save_p99_ms",
        p99,
        "ms",
        floor99,
        "<= 25 ms and <= 2x floor",
        p99 <= 25 and p99 <= 2 * floor99,
    )
    # For scale: the same commit through SQLAlchemy's ORM alone, beside the bare commit.
    add("orm_commit_p50_ms", _ms(orm, 50), "ms", floor50, "(for scale)", True)
    stall = measure_ui_stall(folder, info["dosing_note"])
    if stall is not None:
        add("ui_stall_max_ms", stall[0], "ms", stall[1], "<= 50 ms", stall[0] <= 50)
    heavy = heavy_clients(folder)
    searches = measure_search(folder, rounds * 4, heavy)
    targets = {
        "note_search_p95_ms": ("<= 50 ms", 50.0),
        "client_search_p95_ms": ("<= 10 ms", 10.0),
        "client_open_p95_ms": ("<= 50 ms", 50.0),
    }
    for name, (app_samples, floor_samples) in searches.items():
        value, floor = _ms(app_samples, 95), _ms(floor_samples, 95)
        add(name, value, "ms", floor, targets[name][0], value <= targets[name][1])
    drawn, drawn_floor, note_windows = measure_windows_drawn(folder, rounds * 2, heavy)
    value = _ms(drawn, 95)
    add("client_open_drawn_p95_ms", value, "ms", _ms(drawn_floor, 95), "<= 100 ms", value <= 100)
    add("note_window_open_p95_ms", _ms(note_windows, 95), "ms", None, "(for scale)", True)
    processes = measure_processes(folder, max(3, rounds // 2))
    start, bare_start = processes["cold_start_lock_ratio"]
    add("cold_start_lock_ratio", start / bare_start, "x", None, "<= 2x", start / bare_start <= 2)
    figures[-1].floor, figures[-1].ratio = 1.0, figures[-1].value
    for name, limit in (("rss_lock_ratio", 1.5), ("rss_big_vault_ratio", 2.5)):
        mb, bare_mb = processes[name]
        add(name, mb / bare_mb, "x", None, f"<= {limit}x", mb / bare_mb <= limit)
        figures[-1].floor, figures[-1].ratio = 1.0, figures[-1].value
    # For scale: the big vault open beside the bare stack kapnotes stands on (its libraries,
    # the same database and client list, no kapnotes) rather than beside a bare window.
    mb, stack_mb = processes["rss_big_vault_stack_ratio"]
    bare_mb = processes["rss_big_vault_ratio"][1]
    add("rss_big_vault_mb", mb, "MB", stack_mb, "(for scale)", True)
    add("rss_bare_stack_ratio", stack_mb / bare_mb, "x", 1.0, "(for scale)", True)
    # For scale: the stack's libraries alone (imported, nothing opened) beside a bare window,
    # and what each adds; kapnotes' whole own share of the target is what is left of 2.5x.
    libs_mb, window_mb = processes["rss_stack_libraries_mb"]
    add("rss_stack_libraries_mb", libs_mb, "MB", window_mb, "(for scale)", True)
    for name, (with_step, without) in processes.items():
        if name.startswith("rss_stack_adds_"):
            add(name, with_step - without, "MB", None, "(for scale, in turn)", True)
    add("vault_mb", size_mb, "MB", None, "<= 100 MB", size_mb <= 100 * notes / 20000)
    add("vault_bytes_per_note", size_mb * 1e6 / notes, "B", None, "(for scale)", True)
    ours_s, bare_s = measure_course_pdf()
    add("course_pdf_ratio", ours_s / bare_s, "x", 1.0, "<= 1.5x", ours_s / bare_s <= 1.5)
    print_table(figures, clients, notes, entries)
    growth_rows = [measure_growth(size, rounds) for size in sorted(growth or []) if size < notes]
    by_name = {f.name: f.value for f in figures}
    growth_rows.append({"notes": float(notes), **{n: by_name[n] for n in GROWTH_FIGURES}})
    print_growth(growth_rows)
    if json_path is not None:
        document = {
            "machine": {
                "platform": platform.platform(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
            },
            "vault": {"clients": clients, "notes": notes, "entries": entries},
            "figures": [asdict(f) for f in figures],
            "growth": growth_rows,
        }
        json_path.write_text(json.dumps(document, indent=2) + "\n")
        print(f"figures written to {json_path}")
    return 0


def print_table(figures: list[Figure], clients: int, notes: int, entries: int) -> None:
    """The figures as a table."""
    print(f"\nbig vault: {clients} clients, {notes} notes, {entries} entries")
    width = max(24, *(len(f.name) for f in figures))
    print(f"{'figure':<{width}} {'value':>10} {'floor':>10} {'ratio':>7}  {'target':<26} met")
    for f in figures:
        floor = "" if f.floor is None else f"{f.floor:g}"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        print(
            f"{f.name:<{width}} {f.value:>8g} {f.unit:<2}{floor:>9} {ratio:>7}  {f.target:<26} "
            f"{'yes' if f.met else 'NO'}"
        )


def _application() -> Any:
    """The application as kapnotes makes it (its style, palette and style sheet, which
    every widget it draws is polished and painted under), once per process."""

    from PySide6.QtWidgets import QApplication

    from kapnotes.app import create_application
    from kapnotes.ui import theme

    existing = QApplication.instance()
    if isinstance(existing, QApplication) and existing.styleSheet():
        return existing  # made here before: the style again would polish it all again
    app = create_application()
    theme.ThemeManager(app, forced="light")  # the application's child: lives as long
    return app


def measure_windows_drawn(
    folder: Path, rounds: int, heavy: list[str]
) -> tuple[list[float], list[float], list[float]]:
    """Opening a client with 50 notes in the real main window of the application as
    kapnotes makes it, until its page is painted (``Workspace.show_client`` then a
    synchronous repaint), two such clients in turn; beside a bare window listing the
    same 50 note titles and painting them. Then, for scale, opening one of that
    client's notes in its window until painted (a preparation, a dosing and an
    integration note in turn; each window closed again untimed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QEvent, QSettings
    from PySide6.QtWidgets import QListWidget

    from kapnotes.app import build_main_window
    from kapnotes.store.clients import ClientStore
    from kapnotes.store.vault import Vault

    app = _application()
    opened = _open(folder)
    records = {cid: ClientStore(opened).get(cid) for cid in heavy}
    titles = {cid: [n.title for c in r.courses for n in c.notes] for cid, r in records.items()}
    first_of_kind = {n.kind: n.id for c in records[heavy[0]].courses for n in c.notes[::-1]}
    with tempfile.TemporaryDirectory() as scratch:
        preferences = QSettings(str(Path(scratch) / "bench.ini"), QSettings.Format.IniFormat)
        window = build_main_window(
            Vault(folder, kdf=_kdf()), open_vault=opened, settings=preferences
        )
        window.resize(1280, 800)
        window.show()
        window.repaint()  # its first paint installs the application's event filter
        app.processEvents()
        samples = []
        for n in range(rounds + 2):  # the first two draw each page for the first time
            start = time.perf_counter()
            window.workspace.show_client(heavy[n % len(heavy)])
            window.repaint()
            app.processEvents()
            # The previous page's widgets, which the event loop deletes as it goes on
            # (processEvents alone leaves deferred deletes to the loop).
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            if n >= 2:
                samples.append(time.perf_counter() - start)
        notes, note_ids = [], list(first_of_kind.values())
        for n in range(rounds + len(note_ids)):  # the first of each kind: unpolished classes
            start = time.perf_counter()
            note_window = window.open_note(note_ids[n % len(note_ids)])
            assert note_window is not None
            note_window.repaint()
            app.processEvents()
            if n >= len(note_ids):
                notes.append(time.perf_counter() - start)
            note_window.force_close = True
            note_window.close()
            app.processEvents()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        window.session.lock()
        window.close()
        bare, floor = QListWidget(), []
        bare.resize(1280, 800)
        bare.show()
        app.processEvents()
        for n in range(rounds + 2):
            start = time.perf_counter()
            bare.clear()
            bare.addItems(titles[heavy[n % len(heavy)]])
            bare.repaint()
            app.processEvents()
            if n >= 2:
                floor.append(time.perf_counter() - start)
        bare.close()
        app.processEvents()
    return samples, floor, notes


def measure_ui_stall(folder: Path, note_id: str) -> tuple[float, float] | None:
    """The longest gap of the UI thread while observations are typed and entered, in the
    real live view; beside a bare line edit committing the same bytes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from kapnotes.domain.clients import Product
    from kapnotes.domain.session import ClinicSettings
    from kapnotes.session import SessionClient
    from kapnotes.store.notes import NoteStore
    from kapnotes.ui.session_view import SessionConfig, SessionView

    app = _application()
    opened = _open(folder)
    view = SessionView(
        SessionConfig(
            NoteStore(opened),
            note_id,
            SessionClient("Bench Fictional", 70.0),
            Product.KETAMINE_IM,
            ClinicSettings(),
        )
    )
    view.show()
    rng = random.Random(11)

    def longest_gap(edit: QLineEdit, submit: Callable[[], None] | None) -> float:
        """Type like a person (a key every 30 ms, Enter after each sentence) inside the
        event loop, while a 5 ms heartbeat records how long the UI thread went unseen."""
        timer, gaps = QElapsedTimer(), [0.0]
        heartbeat, typist = QTimer(), QTimer()
        heartbeat.setInterval(5)
        typist.setInterval(30)
        script = [ch for _ in range(50) for ch in (*_sentence(rng, 6), "\n")]
        position = [0]

        def beat() -> None:
            gaps.append(timer.restart())

        def type_next() -> None:
            if position[0] >= len(script):
                typist.stop()
                heartbeat.stop()
                app.quit()
                return
            char = script[position[0]]
            position[0] += 1
            if char != "\n":
                QTest.keyClick(edit, char)
            elif submit is None:
                QTest.keyClick(edit, Qt.Key.Key_Return)
            else:
                submit()

        heartbeat.timeout.connect(beat)
        typist.timeout.connect(type_next)
        timer.start()
        heartbeat.start()
        typist.start()
        app.exec()
        return max(gaps)

    stall = longest_gap(view.entry, None)
    view.clock_timer.stop()
    view.close()
    payload = json.dumps(view.record.values).encode()
    opened.close()
    conn = _bare_connection(_bare_folder() / "stall.db")  # keyed afresh each run
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)")
    line = QLineEdit()
    line.show()

    def commit() -> None:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (body) VALUES (?)", (payload,))
        conn.execute("COMMIT")
        line.clear()

    floor = longest_gap(line, commit)
    conn.close()
    return stall, floor


def main(argv: list[str] | None = None) -> int:
    """``make bench``'s big-vault run (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=20000)
    parser.add_argument("--entries", type=int, default=200000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--growth",
        default="",
        help="smaller sizes in notes, comma-separated (e.g. 1000,5000): per-action figures "
        "at each, to show growth",
    )
    args = parser.parse_args(argv)
    growth = [int(n) for n in args.growth.split(",") if n.strip()]
    code = run(args.clients, args.notes, args.entries, args.rounds, args.json, growth)
    sys.stdout.flush()
    # Qt's objects are torn down with the process, not by Python's finaliser (which can
    # trip over PySide's reference counting after a long run).
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
