"""A note editor killed mid-typing keeps everything its autosave reported as saved.

A child process opens a `NoteEditor` (the real widget and its autosave timer) on a
test vault, keeps typing words into the narrative, and prints the text each time
the status line says "Saved"; the test SIGKILLs it mid-typing and reopens the
vault: the draft holds at least the last text reported saved.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path

import pytest

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import load_templates
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import os
    import sys
    from pathlib import Path

    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from kapnotes.store.notes import NoteStore
    from kapnotes.store.vault import Vault
    from kapnotes.ui.editor import NoteEditor
    from tests.conftest import FAST_KDF

    data_dir, note_id = sys.argv[1], sys.argv[2]
    app = QApplication([])
    vault = Vault(Path(data_dir), kdf=FAST_KDF).unlock(os.environ["EDITOR_TEST_PASSPHRASE"])
    editor = NoteEditor(NoteStore(vault), note_id, autosave_ms=200)
    editor.show()
    QTest.qWaitForWindowExposed(editor)
    field = editor.widgets["narrative_subjective"].edit
    editor.saved.connect(lambda _stamp: print("SAVED " + field.toPlainText(), flush=True))
    word = 0
    while True:
        QTest.keyClicks(field, f"word{word} ")
        QTest.qWait(60)  # a clinician typing steadily, never pausing long
        word += 1
    """
)


@pytest.mark.slow
def test_editor_killed_mid_typing_keeps_what_autosave_saved(tmp_path: Path) -> None:
    data_dir = tmp_path / "vault"
    opened = Vault(data_dir, kdf=FAST_KDF).create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    clients = ClientStore(opened)
    client_id = clients.create(ClientInput(name="Sam Fictional", weight_kg=80.0))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1), indication="Fictional", planned_product=Product.KETAMINE_IM
        ),
    )
    spec = load_templates().for_phase("integration")[0]
    note_id = NoteStore(opened).create(course_id, "integration", spec.snapshot(), date.today())
    opened.close()

    script = tmp_path / "editor_child.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO), EDITOR_TEST_PASSPHRASE=PASSPHRASE)
    saved: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(script), str(data_dir), note_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
        text=True,
    ) as child:
        watchdog = threading.Timer(30, child.kill)  # a child that never saves cannot hang us
        watchdog.start()
        try:
            assert child.stdout is not None
            for line in child.stdout:
                if line.startswith("SAVED "):
                    saved.append(line.removeprefix("SAVED ").rstrip("\n"))
                if len(saved) >= 5:
                    break
        finally:
            watchdog.cancel()
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert len(saved) >= 5  # steady typing was saved again and again, not only at a pause

    with Vault(data_dir, kdf=FAST_KDF).unlock(PASSPHRASE) as reopened:
        stored = NoteStore(reopened).get(note_id).values.get("narrative_subjective", "")
    assert stored.startswith(saved[-1].rstrip())
