"""Help (F1): the shortcut reference and the user guide; About names the version and vault."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from kapnotes import __version__
from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import load_templates
from kapnotes.ui.dialogs.help_dialog import SHORTCUTS, HelpDialog
from kapnotes.ui.session_view import HELP_TEXT
from tests.ui.conftest import WindowFactory, unlock


def _reference_keys(where: str | None = None) -> set[str]:
    return {keys for place, rows in SHORTCUTS if where in (None, place) for keys, _ in rows}


def test_f1_opens_the_shortcuts_and_the_guide_from_any_window(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.workspace.search_edit, Qt.Key.Key_F1)
    dialog = window.help_dialog
    assert isinstance(dialog, HelpDialog) and dialog.isVisible()
    assert not dialog.isModal()
    shortcuts = dialog.shortcuts.toPlainText()
    assert "Ctrl+Shift+S" in shortcuts and "Sign the note" in shortcuts
    assert "Alt+1…8" in shortcuts
    guide = dialog.guide.toPlainText()
    for heading in ("First run", "Writing notes", "Running a dosing session live"):
        assert heading in guide
    assert "Clinicians present" in guide  # the README's text itself
    dialog.tabs.setCurrentWidget(dialog.guide)
    dialog.close()

    clients, notes = window.session.clients, window.session.notes
    assert clients is not None and notes is not None
    client_id = clients.create(ClientInput(name="Rowan Fictitious"))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Fictional",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    spec = load_templates().for_phase("integration")[0]
    note_window = window.open_note(
        notes.create(course_id, "integration", spec.snapshot(), date(2026, 3, 2))
    )
    assert note_window is not None
    note_window.activateWindow()
    qtbot.waitUntil(note_window.isActiveWindow, timeout=2000)
    focused = QApplication.focusWidget() or note_window
    qtbot.keyClick(focused, Qt.Key.Key_F1)
    assert dialog.isVisible()  # the same help, from the note window


def test_the_reference_lists_every_shortcut_of_the_main_window_and_the_live_view(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window()
    actions = [
        a for a in window.findChildren(type(window.lock_action)) if not a.shortcut().isEmpty()
    ]
    assert {a.shortcut().toString() for a in actions} <= _reference_keys()
    live_keys = {item.strip().split(" ", 1)[0] for item in HELP_TEXT.split("·")}
    assert live_keys <= _reference_keys("Live session")


def test_about_names_the_version_and_the_vault_folder(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    shown: list[str] = []

    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, QMessageBox)
        shown.append(dialog.text())
        return 0

    window = make_window(run_dialog=run)
    window.about_action.trigger()
    (text,) = shown
    assert __version__ in text
    assert str(window.session.vault.data_dir) in text
