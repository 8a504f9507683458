"""End to end: a canary client typed through the real GUI never reaches the disk in plaintext.

The therapist's path: create a client, a course and a note, write in the note,
run a live session, lock, close. At every step every file the app could write
is scanned: the data folder (database, WAL, SHM, key file, lock, settings,
templates), the window-layout settings file, and the log (at DEBUG level).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from unittest.mock import patch

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from kapnotes.app import build_main_window
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import Vault
from kapnotes.ui.dialogs.client_dialog import ClientDialog
from kapnotes.ui.dialogs.course_dialog import CourseDialog
from kapnotes.ui.editor import NewNoteDialog
from kapnotes.ui.editor.fields import LongTextWidget
from tests.conftest import PASSPHRASE

CANARY = "Zephyrine Quillbottom"
NOTE_CANARY = "Canarybirch"


def _variants(text: str) -> list[bytes]:
    return [text.encode(), text.encode("utf-16-le"), text.lower().encode(), text.upper().encode()]


def _leaks(paths: list[Path]) -> list[str]:
    found = []
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            data = path.read_bytes()
            for needle in (CANARY, CANARY.split()[1], NOTE_CANARY):
                if any(v in data for v in _variants(needle)):
                    found.append(f"{path.name}: {needle}")
    return found


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kapnotes.log"
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


def _runner(qtbot: QtBot) -> object:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, ClientDialog):
            qtbot.keyClicks(dialog.name_edit, CANARY)
            qtbot.keyClicks(dialog.weight_edit, "72")
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        elif isinstance(dialog, CourseDialog):
            qtbot.keyClicks(dialog.indication_edit, f"Depression ({NOTE_CANARY} referral)")
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        elif isinstance(dialog, NewNoteDialog):
            dialog.phase_buttons["dosing"].setChecked(True)
            dialog.accept()
        return dialog.result()

    return run


def test_the_canary_never_reaches_the_disk(
    qtbot: QtBot, vault: Vault, tmp_path: Path, log_file: Path
) -> None:
    vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()
    settings_path = tmp_path / "layout.ini"
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    window = build_main_window(
        vault, settings=settings, run_dialog=_runner(qtbot), today=lambda: date(2026, 11, 25)
    )
    qtbot.addWidget(window)
    window.show()
    window.session.unlock(PASSPHRASE)
    watched = [vault.data_dir, settings_path, log_file]

    window.new_client_action.trigger()
    assert window.workspace.page.name_label.text() == CANARY
    client_id = window.workspace.page.client_id
    assert client_id is not None
    window.new_course(client_id)
    (new_note,) = window.workspace.page.findChildren(QPushButton, "newNoteButton")
    qtbot.mouseClick(new_note, Qt.MouseButton.LeftButton)
    (note_id,) = window.note_windows
    editor = window.note_windows[note_id].editor
    observations = editor.widgets["therapist_observations"]
    assert isinstance(observations, LongTextWidget)
    qtbot.keyClicks(observations.edit, f"{CANARY} spoke of {NOTE_CANARY} Lane.")
    assert editor.flush()
    assert _leaks(watched) == []

    live = window.open_live_session(note_id)
    assert live is not None
    qtbot.keyClicks(live.view.entry, f"{CANARY} resting, mentions {NOTE_CANARY}")
    with qtbot.waitSignal(live.view.entry_written, timeout=3000):
        qtbot.keyClick(live.view.entry, Qt.Key.Key_Return)
    assert _leaks(watched) == []

    window.lock()
    # The session goes on behind the lock screen, which shows nothing of the client …
    assert window.lock_screen.running.isVisible()
    assert not any(CANARY in text for text in window.lock_screen.running.texts())
    # … and quitting while it runs asks first.
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes) as ask:
        window.close()
    ask.assert_called_once()
    settings.sync()
    assert settings_path.exists()  # the layout was saved, and holds no client data
    assert _leaks(watched) == []

    with vault.unlock(PASSPHRASE) as opened:  # and the data really is in the vault
        values = NoteStore(opened).get(note_id).values
        assert NOTE_CANARY in values["therapist_observations"]
        assert NOTE_CANARY in values["observation_log"][0]["text"]
