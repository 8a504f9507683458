"""Passphrase and recovery-key fields have an eye button that shows or hides what was typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from kapnotes.store.vault import Vault
from kapnotes.ui.dialogs.setup_dialog import SetupDialog
from tests.ui.conftest import WindowFactory, unlock

HIDDEN, SHOWN = QLineEdit.EchoMode.Password, QLineEdit.EchoMode.Normal


def test_the_lock_screen_shows_the_passphrase_on_request_and_hides_it_on_lock(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window()
    screen = window.lock_screen
    eye = screen.reveal_button
    assert screen.secret_edit.echoMode() == HIDDEN
    assert eye.toolTip() == "Show passphrase" and eye.accessibleName() == "Show passphrase"
    assert eye.focusPolicy() & Qt.FocusPolicy.TabFocus  # reachable without a mouse
    qtbot.mouseClick(eye, Qt.MouseButton.LeftButton)
    assert screen.secret_edit.echoMode() == SHOWN
    assert eye.toolTip() == "Hide passphrase"
    qtbot.keyClick(eye, Qt.Key.Key_Space)
    assert screen.secret_edit.echoMode() == HIDDEN

    # the recovery key is long: shown while typed, and can be hidden too
    qtbot.mouseClick(screen.mode_link, Qt.MouseButton.LeftButton)
    assert screen.secret_edit.echoMode() == SHOWN
    assert eye.toolTip() == "Hide recovery key"
    qtbot.mouseClick(eye, Qt.MouseButton.LeftButton)
    assert screen.secret_edit.echoMode() == HIDDEN
    qtbot.mouseClick(screen.mode_link, Qt.MouseButton.LeftButton)
    assert screen.secret_edit.echoMode() == HIDDEN

    # shown, unlocked, locked again: the field is back to hidden
    qtbot.mouseClick(eye, Qt.MouseButton.LeftButton)
    unlock(qtbot, window)
    window.lock_action.trigger()
    assert screen.secret_edit.echoMode() == HIDDEN
    assert not eye.isChecked()


def test_the_setup_dialog_shows_both_passphrases_at_once(qtbot: QtBot, vault: Vault) -> None:
    dialog = SetupDialog(vault.create)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.passphrase_edit.echoMode() == dialog.confirm_edit.echoMode() == HIDDEN
    assert dialog.reveal_button.toolTip() == "Show passphrases"
    qtbot.mouseClick(dialog.reveal_button, Qt.MouseButton.LeftButton)
    assert dialog.passphrase_edit.echoMode() == dialog.confirm_edit.echoMode() == SHOWN
    qtbot.mouseClick(dialog.reveal_button, Qt.MouseButton.LeftButton)
    assert dialog.passphrase_edit.echoMode() == dialog.confirm_edit.echoMode() == HIDDEN
