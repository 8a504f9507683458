"""A session process killed mid-session loses no entry that was on screen.

A child process opens a `SessionView` on a test vault, types observations and
vitals through the widgets and prints a line once each entry is visible; the
test SIGKILLs it mid-stream, reopens the vault and finds every printed entry in
the note (in its values, as the editor shows them, and as events).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import load_templates
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import Vault
from tests.conftest import PASSPHRASE

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import os
    import sys
    from pathlib import Path

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from kapnotes.domain.session import ClinicSettings
    from kapnotes.store.notes import NoteStore
    from kapnotes.store.vault import Vault
    from kapnotes.session import SessionClient
    from kapnotes.ui.session_view import SessionConfig, SessionView
    from tests.conftest import FAST_KDF

    data_dir, note_id = sys.argv[1], sys.argv[2]
    app = QApplication([])
    vault = Vault(Path(data_dir), kdf=FAST_KDF).unlock(os.environ["SESSION_TEST_PASSPHRASE"])
    view = SessionView(SessionConfig(
        NoteStore(vault), note_id, SessionClient("Sam Fictional", 80.0), "ketamine_im",
        ClinicSettings(),
    ))
    view.show()
    QTest.qWaitForWindowExposed(view)
    number = 0
    while True:
        text = f"observation {number}"
        QTest.keyClicks(view.entry, text)
        QTest.keyClick(view.entry, Qt.Key.Key_Return)
        assert view.recent.item(0).text().endswith(text), view.recent.item(0).text()
        print(f"OBS {text}", flush=True)
        if number % 3 == 0:
            systolic = 110 + number % 50
            for field, value in (("systolic", systolic), ("diastolic", 70), ("heart_rate", 80)):
                QTest.keyClicks(view.vitals_edits[field], str(value))
            QTest.keyClick(view.vitals_edits["systolic"], Qt.Key.Key_Return)
            QTest.qWait(0)  # the table is drawn on the next turn of the event loop
            while view._refresh_soon.isActive():
                QTest.qWait(1)
            shown = view.vitals_table.item(view.vitals_table.rowCount() - 1, 3).text()
            assert shown == f"{systolic}/70", shown
            print(f"VITALS {systolic}", flush=True)
        number += 1
    """
)


@pytest.mark.slow
def test_killed_process_loses_no_entry_on_screen(tmp_path: Path) -> None:
    from tests.conftest import FAST_KDF

    data_dir = tmp_path / "vault"
    created = Vault(data_dir, kdf=FAST_KDF).create("Dr Ada Quill", "PsyD", PASSPHRASE)
    open_vault = created.vault
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Sam Fictional", weight_kg=80.0))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Fictional",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    dosing = load_templates().for_phase("dosing")[0]
    note_id = NoteStore(open_vault).create(course_id, "dosing", dosing.snapshot(), date.today(), {})
    open_vault.close()

    script = tmp_path / "session_child.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(REPO),
        SESSION_TEST_PASSPHRASE=PASSPHRASE,
    )
    child = subprocess.Popen(
        [sys.executable, str(script), str(data_dir), note_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
        text=True,
    )
    shown: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            shown.append(line.strip())
            if len(shown) >= 14:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    observations = [s.removeprefix("OBS ") for s in shown if s.startswith("OBS ")]
    systolics = [int(s.removeprefix("VITALS ")) for s in shown if s.startswith("VITALS ")]
    assert len(observations) >= 10 and systolics

    reopened = Vault(data_dir, kdf=FAST_KDF).unlock(PASSPHRASE)
    try:
        note = NoteStore(reopened).get(note_id)
    finally:
        reopened.close()
    texts = [row.get("text") for row in note.values["observation_log"]]
    for text in observations:
        assert text in texts
    stored_systolics = [row.get("systolic") for row in note.values["vitals_log"]]
    for systolic in systolics:
        assert systolic in stored_systolics
    event_ids = {e.id for e in note.events}
    for row in [*note.values["observation_log"], *note.values["vitals_log"]]:
        assert row["_event_id"] in event_ids
