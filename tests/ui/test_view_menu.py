"""View → Live sessions start dim: the main window's side of the dim preference.

The live view's side (Ctrl+D remembered) is in test_session_view_layout.py.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import load_templates
from kapnotes.ui.session_view.style import START_DIM_KEY
from tests.ui.conftest import WindowFactory, unlock

DAY = date(2026, 3, 2)


def test_live_sessions_start_dim_from_the_view_menu(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, settings: QSettings
) -> None:
    window = make_window()
    unlock(qtbot, window)
    action = window.start_dim_action
    assert not action.isChecked()
    action.trigger()
    assert settings.value(START_DIM_KEY) in (True, "true")

    clients, notes = window.session.clients, window.session.notes
    assert clients is not None and notes is not None
    client_id = clients.create(ClientInput(name="Odalys Quillfeather", weight_kg=68))
    course_id = clients.add_course(
        client_id,
        CourseInput(start_date=DAY, indication="Fictional", planned_product=Product.KETAMINE_IM),
    )
    dosing = load_templates().for_phase("dosing")[0]
    note_id = notes.create(course_id, "dosing", dosing.snapshot(), DAY, {})
    session = window.open_live_session(note_id)
    assert session is not None
    try:
        assert session.view.scheme == "dim"
        session.activateWindow()
        qtbot.waitUntil(session.isActiveWindow, timeout=2000)
        qtbot.keyClick(session.view.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        assert session.view.scheme != "dim"
        menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&View")
        menu.aboutToShow.emit()
        assert not action.isChecked()  # the menu shows the choice Ctrl+D made
    finally:  # a session left running would make closing the main window ask
        session.view.clock_timer.stop()
        session.close()
