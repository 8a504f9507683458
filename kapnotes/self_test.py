"""``kapnotes self-test``: what a clinic relies on, exercised in a temporary folder.

It runs in a source install, a wheel and the PyInstaller bundle alike (``make
dist`` runs the built executable's), with no display. Each step is one entry of
:data:`STEPS`: a name and a function of the shared :class:`Run`; the first step
that fails stops the test, which names it (``FAIL: <step>: <why>``) and exits 1.
The folder is deleted at the end either way. All data is fictional.

The notes go through the rules the GUI applies: a note is started with
:func:`~kapnotes.session.new_note.start_note`, saved through
:class:`~kapnotes.session.NoteDraft` (measures kept in step), its dosing session
run by :class:`~kapnotes.session.LiveSession`, and signed by the store's own
check (required fields, times on the session timeline). PDFs are made by the
report service the app and ``export-pdf`` use, written to files, and read back
with QtPdf (the engine of the in-app preview), so the bundle's PDF stack is
proved too.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kapnotes.domain.clients import ClientInput, CourseInput, CourseStatus, Product
from kapnotes.domain.files import atomic_write
from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.notes import Phase
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.templates import ChecklistField, TemplateSpec, load_templates, visible_items
from kapnotes.session import DoseRequest, LiveSession, Logged, NoteDraft, SessionClient
from kapnotes.session.new_note import start_note
from kapnotes.store import interchange
from kapnotes.store.audit import verify_chain
from kapnotes.store.catalog import Catalog
from kapnotes.store.clients import ClientStore
from kapnotes.store.demo_notes import sample_values
from kapnotes.store.keys import KdfParams
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import MissingFieldsError, NoteStore
from kapnotes.store.vault import OpenVault, Vault, WrongSecretError

#: A cheap but valid Argon2id cost, for the self-test's own throwaway vaults only.
SELF_TEST_KDF = KdfParams(time_cost=1, memory_kib=8192, parallelism=1)
PASSPHRASE = "self-test passphrase"  # noqa: S105 - a throwaway vault of fictional data
CLIENT_NAME = "Testy Fictional-Ünïcødé 测试"
ZONE = "UTC"
#: The session day: yesterday, so every instant of the session lies in the past.
SESSION_DAY = date.today() - timedelta(days=1)
#: A template whose one field must be filled in before signing (the refusal step).
REQUIRED_FIELD_TEMPLATE: dict[str, Any] = {
    "id": "self_test",
    "version": 1,
    "title": "Self-test note",
    "phase": "dosing",
    "sections": [
        {
            "id": "note",
            "title": "Note",
            "fields": [
                {
                    "id": "observations",
                    "type": "long_text",
                    "label": "Observations",
                    "required_to_sign": True,
                }
            ],
        }
    ],
}


class SelfTestFailure(Exception):
    """A self-test step did not hold; the message says what."""


@dataclass
class Run:
    """What the steps share: the folder, the open vault and what earlier steps made."""

    root: Path
    vault: Vault | None = None
    opened: OpenVault | None = None
    client_id: str = ""
    course_id: str = ""
    notes: dict[Phase, str] = field(default_factory=dict)
    export: dict[str, Any] = field(default_factory=dict)

    @property
    def open(self) -> OpenVault:
        """The open vault (an earlier step created it)."""
        if self.opened is None:
            raise SelfTestFailure("the vault is not open (an earlier step did not run)")
        return self.opened

    @property
    def store(self) -> NoteStore:
        """The notes of the open vault."""
        return NoteStore(self.open)


def expect(condition: bool, why: str) -> None:
    """Fail the current step with ``why`` unless ``condition`` holds."""
    if not condition:
        raise SelfTestFailure(why)


# --------------------------------------------------------------------------- steps


def create_vault(run: Run) -> str:
    """A new vault: the database file is encrypted and SQLCipher is active."""
    run.vault = Vault(run.root / "vault", kdf=SELF_TEST_KDF)
    run.opened = run.vault.create("Dr Self Test", "PsyD", PASSPHRASE).vault
    header = run.vault.db_path.read_bytes()[:16]
    expect(header != b"SQLite format 3\x00", "the database file is plain SQLite")
    with run.open.engine.connect() as conn:
        version = conn.exec_driver_sql("PRAGMA cipher_version").scalar()
    expect(bool(version), "PRAGMA cipher_version is empty")
    return f"SQLCipher {version}"


def write_client(run: Run) -> str:
    """A fictional client and an active course."""
    clients = ClientStore(run.open)
    run.client_id = clients.create(
        ClientInput(
            name=CLIENT_NAME,
            date_of_birth=None,
            pronouns="they/them",
            weight_kg=70.5,
            diagnoses="Major depressive disorder, recurrent",
        )
    )
    run.course_id = clients.add_course(
        run.client_id,
        CourseInput(
            start_date=SESSION_DAY - timedelta(days=14),
            indication="Self-test course (fictional)",
            planned_product=Product.KETAMINE_SUBLINGUAL,
            status=CourseStatus.ACTIVE,
        ),
    )
    return "one course"


def refuse_required_field(run: Run) -> str:
    """Signing a note with a required field empty is refused; it stays a draft."""
    notes = run.store
    note_id = notes.create(run.course_id, Phase.DOSING, REQUIRED_FIELD_TEMPLATE, SESSION_DAY)
    try:
        notes.sign(note_id)
    except MissingFieldsError as exc:
        expect(exc.missing == ("Observations",), f"named {exc.missing}, not the empty field")
    else:
        raise SelfTestFailure("the note was signed")
    expect(not notes.get(note_id).is_signed, "the refused note is marked signed")
    return "names the empty field"


def _template(phase: Phase) -> TemplateSpec:
    return load_templates().for_phase(phase)[0]


def _sign(run: Run, phase: Phase, note_id: str) -> str:
    notes = run.store
    digest = notes.sign(note_id)
    expect(notes.verify_signature(note_id), f"the signed {phase} note does not verify")
    return digest


def _write_and_sign(run: Run, phase: Phase, extra: dict[str, Any] | None = None) -> str:
    """Start a note of ``phase`` as the app does, save complete values through the draft
    (measures kept in step), sign it."""
    spec = _template(phase)
    notes = run.store
    note_id = start_note(notes, run.course_id, spec, SESSION_DAY, time_zone=ZONE)
    note = notes.get(note_id)
    draft = NoteDraft(
        notes, note, spec, measures=MeasureStore(run.open), instruments=load_instruments()
    )
    product = note.values.get("planned_product") or Product.KETAMINE_SUBLINGUAL.value
    values = {
        **note.values,
        "session_date": SESSION_DAY.isoformat(),
        **sample_values(phase, SESSION_DAY, product),
        **(extra or {}),
    }
    draft.save(values)
    run.notes[phase] = note_id
    _sign(run, phase, note_id)
    return spec.id


def preparation_note(run: Run) -> str:
    """A preparation note, complete, signed."""
    return _write_and_sign(run, Phase.PREPARATION)


def record_measure(run: Run) -> str:
    """A PHQ-9 given on its own, scored; plus those the preparation note's answers made."""
    phq9 = load_instruments().get("phq9")
    expect(phq9 is not None, "the bundled PHQ-9 did not load")
    assert phq9 is not None
    measures = MeasureStore(run.open)
    answers = {f"phq9_{i}": 1 for i in range(1, 10)}
    when = datetime.combine(SESSION_DAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
    measures.save(run.client_id, phq9, answers, course_id=run.course_id, administered_at=when)
    results = measures.for_client(run.client_id, "phq9")
    expect(len(results) >= 2, f"{len(results)} PHQ-9 results, expected the note's and this one")
    return f"PHQ-9 scored; {len(measures.for_client(run.client_id))} results"


class _Clock:
    """The session's clock: the session day's morning, moved on by the steps."""

    def __init__(self) -> None:
        self.moment = datetime.combine(SESSION_DAY, datetime.min.time(), tzinfo=UTC).replace(hour=9)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, minutes: int) -> None:
        self.moment += timedelta(minutes=minutes)


def _logged(outcome: object, what: str) -> None:
    expect(isinstance(outcome, Logged), f"{what}: {outcome}")


def dosing_session(run: Run) -> str:
    """A short dosing session through the session layer: pre-dose checks, vitals, a dose,
    an observation, vitals again, discharge; then the note completed and signed."""
    spec = _template(Phase.DOSING)
    notes = run.store
    clock = _Clock()
    note_id = start_note(notes, run.course_id, spec, SESSION_DAY, time_zone=ZONE, now=clock)
    settings = ClinicSettings()
    live = LiveSession(
        notes,
        note_id,
        SessionClient(CLIENT_NAME, 70.5),
        Product.KETAMINE_SUBLINGUAL,
        settings,
        clock,
    )
    checklist = live.record.spec.field("pre_dose_checklist")
    expect(isinstance(checklist, ChecklistField), "the dosing template has no pre-dose checks")
    assert isinstance(checklist, ChecklistField)
    shown = visible_items(checklist, live.record.values, live.record.context())
    _logged(live.set_checklist([item.value for item in shown]), "pre-dose checks")
    _logged(live.log_vitals({"systolic": "122", "diastolic": "78", "heart_rate": "70"}), "vitals")
    clock.advance(5)
    _logged(live.log_dose(DoseRequest(Product.KETAMINE_SUBLINGUAL, "200", lot="ST-1")), "dose")
    clock.advance(20)
    _logged(live.log_observation("Eyes closed, music on, breathing slow."), "observation")
    clock.advance(20)
    _logged(live.log_vitals({"systolic": "134", "diastolic": "84", "spo2": "97"}), "vitals")
    clock.advance(95)
    _logged(live.log_vitals({"systolic": "124", "diastolic": "80", "spo2": "98"}), "vitals")
    ticked = [item.value for item in settings.discharge_checklist]
    _logged(live.record_discharge(ticked, "Alder Example", ""), "discharge")
    expect(live.check_alerts() == [], "an alert was raised for normal vitals")

    note = notes.get(note_id)
    sample = sample_values(Phase.DOSING, SESSION_DAY, Product.KETAMINE_SUBLINGUAL.value)
    sample["session_date"] = SESSION_DAY.isoformat()
    filled = {k: v for k, v in sample.items() if not note.values.get(k)}
    NoteDraft(notes, note, spec).save({**note.values, **filled})
    run.notes[Phase.DOSING] = note_id
    _sign(run, Phase.DOSING, note_id)
    doses = len(live.record.rows("dose_log"))
    return f"{doses} dose, discharge at {live.clock(clock())}, signed"


def integration_note(run: Run) -> str:
    """An integration note linked to the dosing session, signed."""
    return _write_and_sign(
        run, Phase.INTEGRATION, {"linked_dosing_session": run.notes[Phase.DOSING]}
    )


def _pdf_text(path: Path) -> tuple[int, str]:
    """The page count and text of the PDF at ``path``, read by QtPdf (no display needed)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtPdf import QPdfDocument

    if QCoreApplication.instance() is None:
        QCoreApplication(sys.argv[:1])
    document = QPdfDocument()
    error = document.load(str(path))
    expect(error == QPdfDocument.Error.None_, f"QtPdf cannot read {path.name}: {error}")
    pages = document.pageCount()
    text = "\n".join(document.getAllText(page).text() for page in range(pages))
    document.close()
    return pages, text


def _export_pdf(run: Run, name: str, make: Callable[[Any], Any], words: Sequence[str]) -> str:
    from kapnotes.reports import ReportService

    service = ReportService(run.open, Catalog(run.root / "vault"))
    document = make(service)
    out = run.root / name
    atomic_write(out, document.data)
    pages, text = _pdf_text(out)
    expect(pages == document.pages, f"{pages} pages read back, {document.pages} written")
    flat = " ".join(text.split())
    for word in words:
        expect(word in flat, f"{name} does not say {word!r}")
    return f"{pages} page{'s' if pages != 1 else ''}, read back"


def _printed_name() -> str:
    """The client's name as the reports print it on this computer: its Latin letters with
    diacritics from the bundled font; its CJK from a system fallback font where there is
    one, else as ``[U+…]`` (the reports say so)."""
    from kapnotes.reports.fonts import Typesetter, load_fonts

    return Typesetter(load_fonts()).printed(CLIENT_NAME)


def note_pdf(run: Run) -> str:
    """The dosing note as a PDF, read back: the client's name (bundled Unicode font)."""
    note_id = run.notes[Phase.DOSING]
    words = [_printed_name(), "Alder Example"]
    return _export_pdf(run, "note.pdf", lambda s: s.note(note_id), words)


def course_pdf(run: Run) -> str:
    """The course report as a PDF, read back."""
    return _export_pdf(
        run,
        "course.pdf",
        lambda s: s.course(run.client_id, run.course_id),
        [_printed_name(), "Self-test course (fictional)", "PHQ-9"],
    )


def reopen(run: Run) -> str:
    """Close, reopen with the passphrase; a wrong passphrase is refused."""
    assert run.vault is not None
    run.open.close()
    run.opened = None
    try:
        run.vault.unlock("not the passphrase")
    except WrongSecretError:
        pass
    else:
        raise SelfTestFailure("a wrong passphrase opened the vault")
    run.opened = run.vault.unlock(PASSPHRASE)
    for phase, note_id in run.notes.items():
        expect(run.store.get(note_id).is_signed, f"the {phase} note is not signed after reopening")
    return "wrong passphrase refused"


def interchange_round_trip(run: Run) -> str:
    """Export, import into a second vault, export again: lossless; signatures verify."""
    path = run.root / "export.json"
    interchange.export_json(run.open, path)
    document = interchange.read_document(path)
    second = Vault(run.root / "second", kdf=SELF_TEST_KDF)
    with second.create("Dr Self Test Two", "MD", PASSPHRASE).vault as other:
        interchange.import_document(other, document)
        for phase, note_id in run.notes.items():
            expect(NoteStore(other).verify_signature(note_id), f"{phase} signature after import")
        again = interchange.export_vault(other)
        expect(
            interchange.comparable(again, importer_id=other.clinician_id)
            == interchange.comparable(json.loads(path.read_bytes())),
            "export -> import -> export changed the data",
        )
    path.unlink()
    return "lossless"


def verify(run: Run) -> str:
    """Integrity, encrypted pages (HMAC), audit chain, signatures."""
    opened = run.open
    opened.checkpoint()
    with opened.engine.connect() as conn:
        integrity = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        pages = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA cipher_integrity_check")]
    expect(integrity == ["ok"], f"integrity check: {integrity[:3]}")
    expect(not pages, f"encrypted page check: {pages[:3]}")
    with opened.session() as session:
        chain = verify_chain(session)
    expect(not chain, f"audit chain: {chain[:3]}")
    signed, problems = NoteStore(opened).signature_problems()
    expect(not problems, f"signatures: {problems[:3]}")
    expect(signed >= 3, f"{signed} signed notes, expected 3")
    return f"{signed} signed notes"


def backup_and_restore(run: Run) -> str:
    """Back up the open vault, restore it into an empty folder, open it: the same records;
    restoring over a vault without confirmation is refused."""
    from kapnotes.store.backup import RestoreNeedsConfirmationError, restore_backup, write_backup

    written = write_backup(run.open, run.root / "self-test.kapbackup")
    target = run.root / "restored"
    restore_backup(written.path, target, PASSPHRASE, kdf=SELF_TEST_KDF)
    with Vault(target, kdf=SELF_TEST_KDF).unlock(PASSPHRASE) as restored:
        for phase, note_id in run.notes.items():
            expect(NoteStore(restored).verify_signature(note_id), f"{phase} signature restored")
        expect(
            interchange.comparable(interchange.export_vault(restored))["notes"]
            == interchange.comparable(interchange.export_vault(run.open))["notes"],
            "the restored vault's notes differ from the backed-up ones",
        )
    try:
        restore_backup(written.path, target, PASSPHRASE, kdf=SELF_TEST_KDF)
    except RestoreNeedsConfirmationError:
        pass
    else:
        raise SelfTestFailure("a restore replaced a vault without confirmation")
    return f"{written.size // 1024} KiB backup restored"


#: The steps in order.
STEPS: list[tuple[str, Callable[[Run], str]]] = [
    ("create an encrypted vault", create_vault),
    ("write a client and course", write_client),
    ("refuse to sign with a required field empty", refuse_required_field),
    ("write and sign a preparation note", preparation_note),
    ("record a measure", record_measure),
    ("run a dosing session and sign its note", dosing_session),
    ("write and sign an integration note", integration_note),
    ("export a note PDF and read it back", note_pdf),
    ("export a course PDF and read it back", course_pdf),
    ("reopen the vault", reopen),
    ("export, import, export", interchange_round_trip),
    ("back up and restore", backup_and_restore),
    ("verify", verify),
]


def run_self_test(
    steps: Sequence[tuple[str, Callable[[Run], str]]] = STEPS,
    out: Callable[[str], None] | None = None,
) -> int:
    """Run ``steps`` in a temporary folder, deleted afterwards; 0 when all pass, else 1."""
    if out is None:

        def out(line: str) -> None:
            print(line, flush=True)

    out("kapnotes self-test")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kapnotes-self-test-") as tmp:
        run = Run(Path(tmp))
        try:
            for name, step in steps:
                try:
                    detail = step(run)
                except SelfTestFailure as exc:
                    print(f"FAIL: {name}: {exc}", file=sys.stderr, flush=True)
                    return 1
                except Exception as exc:  # the step's name and the error's type, no data
                    print(f"FAIL: {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                    return 1
                out(f"  ok  {name}" + (f" ({detail})" if detail else ""))
        finally:
            if run.opened is not None:
                run.opened.close()
    out(f"{len(steps)} steps in {time.perf_counter() - started:.1f} s")
    out("PASS")
    return 0
