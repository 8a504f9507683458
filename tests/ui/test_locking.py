"""Locking (by hand, or after idle minutes) clears client data and closes the vault."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.ui.dialogs.client_dialog import ClientDialog
from kapnotes.ui.main_window import MainWindow
from tests.ui.conftest import FakeClock, WindowFactory, all_top_level_texts, unlock

NAME = "Quenby Larkspur"


def _with_client(qtbot: QtBot, window: MainWindow) -> str:
    store = window.session.clients
    assert store is not None
    client_id = store.create(
        ClientInput(name=NAME, preferred_name="Quen", date_of_birth=date(1984, 8, 1))
    )
    window.workspace.refresh(select_id=client_id)
    assert window.workspace.page.name_label.text() == NAME
    return client_id


def _nothing_shows_the_client(window: MainWindow) -> None:
    model = window.workspace.model
    assert model.rowCount() == 0
    for text in all_top_level_texts():
        assert NAME not in text
        assert "Quen" not in text
    assert window.workspace.page.client_id is None
    # hidden widgets too: the workspace keeps no client text behind the lock screen
    for widget in window.workspace.findChildren(QLabel) + window.workspace.findChildren(QLineEdit):
        assert NAME not in widget.text()


def test_lock_clears_every_widget(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    _with_client(qtbot, window)
    qtbot.keyClicks(window.workspace.search_edit, "Quen")
    assert NAME in all_top_level_texts()

    window.lock_action.trigger()
    assert window.stack.currentWidget() is window.lock_screen
    assert not window.session.is_unlocked
    assert window.session.clients is None
    _nothing_shows_the_client(window)
    assert window.workspace.search_edit.text() == ""
    assert not window.new_client_action.isEnabled()


def test_lock_closes_an_open_dialog(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    results: list[int] = []

    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, ClientDialog)
        dialog.show()
        assert dialog.name_edit.text() == NAME
        window.lock()  # e.g. the idle timer fires while the dialog is open
        assert not dialog.isVisible()
        results.append(dialog.result())
        return dialog.result()

    window = make_window(run_dialog=run)
    unlock(qtbot, window)
    client_id = _with_client(qtbot, window)
    window.edit_client(client_id)
    assert results == [QDialog.DialogCode.Rejected]
    _nothing_shows_the_client(window)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert window.findChildren(ClientDialog) == []


def test_auto_lock_after_idle_minutes(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, clock: FakeClock
) -> None:
    window = make_window(idle_minutes=5)
    unlock(qtbot, window)
    _with_client(qtbot, window)
    assert window.idle.active

    clock.advance(4 * 60)
    qtbot.keyClick(window.workspace.search_edit, Qt.Key.Key_A)  # activity resets the count
    clock.advance(4 * 60)
    window.idle.check()
    assert window.session.is_unlocked

    clock.advance(61)
    with qtbot.waitSignal(window.session.locked, timeout=3000):
        window.idle.check()
    assert window.stack.currentWidget() is window.lock_screen
    _nothing_shows_the_client(window)
    assert not window.idle.active

    unlock(qtbot, window)
    assert window.idle.active


def test_geometry_only_in_settings(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, settings: object
) -> None:
    from PySide6.QtCore import QSettings

    assert isinstance(settings, QSettings)
    window = make_window()
    unlock(qtbot, window)
    _with_client(qtbot, window)
    window.close()
    settings.sync()
    assert sorted(settings.allKeys()) == ["window/geometry", "window/splitter", "window/state"]
    raw = Path(settings.fileName()).read_bytes()
    assert NAME.encode() not in raw
