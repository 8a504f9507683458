"""First run: the setup dialog creates the vault; the recovery key dialog insists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from kapnotes.store.vault import Vault
from kapnotes.ui.dialogs.recovery_key_dialog import RecoveryKeyDialog, display_key
from kapnotes.ui.dialogs.setup_dialog import SetupDialog, first_run, passphrase_strength
from tests.conftest import PASSPHRASE


def _fill(qtbot: QtBot, dialog: SetupDialog, passphrase: str, confirm: str) -> None:
    qtbot.keyClicks(dialog.name_edit, "Dr Ada Quill")
    qtbot.keyClicks(dialog.credential_edit, "LMFT")
    qtbot.keyClicks(dialog.passphrase_edit, passphrase)
    qtbot.keyClicks(dialog.confirm_edit, confirm)


def test_mismatched_passphrase_shows_error_and_creates_nothing(qtbot: QtBot, vault: Vault) -> None:
    dialog = SetupDialog(vault.create)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog, PASSPHRASE, PASSPHRASE + "x")
    assert dialog.confirm_error.isVisible()
    assert "do not match" in dialog.confirm_error.text()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.created is None
    assert not vault.exists()
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_short_passphrase_and_missing_name_are_refused(qtbot: QtBot, vault: Vault) -> None:
    dialog = SetupDialog(vault.create)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase_edit, "short")
    assert dialog.passphrase_error.isVisible()
    assert "at least" in dialog.passphrase_error.text()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.name_error.isVisible()
    assert not vault.exists()


def test_valid_setup_creates_the_vault(qtbot: QtBot, vault: Vault) -> None:
    dialog = SetupDialog(vault.create)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog, PASSPHRASE, PASSPHRASE)
    assert not dialog.confirm_error.isVisible()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.created is not None
    assert vault.exists()
    assert dialog.passphrase_edit.text() == ""
    dialog.created.vault.close()
    reopened = vault.unlock(PASSPHRASE)
    reopened.close()


def test_recovery_dialog_continue_needs_the_checkbox(qtbot: QtBot) -> None:
    key = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"
    dialog = RecoveryKeyDialog(key)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.key_label.text() == display_key(key)
    assert not dialog.continue_button.isEnabled()
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    dialog.reject()  # Escape / close is refused too
    assert dialog.isVisible()
    dialog.confirm_check.setChecked(True)
    assert dialog.continue_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)


def test_copy_puts_the_key_on_the_clipboard(qtbot: QtBot) -> None:
    key = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567"
    dialog = RecoveryKeyDialog(key)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    clipboard = QApplication.clipboard()
    assert clipboard.text() == key
    mime = clipboard.mimeData()
    assert mime is not None
    assert bytes(mime.data("x-kde-passwordManagerHint").data()) == b"secret"
    clipboard.clear()


def test_first_run_flow_returns_the_open_vault(qtbot: QtBot, vault: Vault) -> None:
    seen: list[str] = []

    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        seen.append(type(dialog).__name__)
        if isinstance(dialog, SetupDialog):
            dialog.name_edit.setText("Dr Ada Quill")
            dialog.passphrase_edit.setText(PASSPHRASE)
            dialog.confirm_edit.setText(PASSPHRASE)
            dialog.create_vault()
        elif isinstance(dialog, RecoveryKeyDialog):
            assert not dialog.continue_button.isEnabled()
            dialog.confirm_check.setChecked(True)
            dialog.continue_button.click()
        return dialog.result()

    opened = first_run(vault, run)
    assert seen == ["SetupDialog", "RecoveryKeyDialog"]
    assert opened is not None
    opened.close()
    assert vault.exists()


def test_first_run_cancelled_creates_nothing(qtbot: QtBot, vault: Vault) -> None:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.reject()
        return dialog.result()

    assert first_run(vault, run) is None
    assert not vault.exists()


def test_strength_hint_grows_with_length() -> None:
    assert passphrase_strength("")[1] == ""
    assert passphrase_strength("abc")[1] == "weak"
    assert passphrase_strength("aaaaaaaaaaaa")[1] == "weak"
    assert passphrase_strength("maple harbor violet 7")[1] == "strong"


def test_cancelling_the_first_run_set_up_quits_cleanly(tmp_path: Path) -> None:
    """The set-up cancelled (as the start-up smoke test does) ends with exit code 0, not
    a crash at exit; the crash came now and then, so it is tried several times."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for attempt in range(6):
        folder = str(tmp_path / f"v{attempt}")
        done = subprocess.run(
            [sys.executable, "-m", "kapnotes", "--data-dir", folder, "--quit-after-first-window"],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "first window: SetupDialog" in done.stdout
        assert not (tmp_path / f"v{attempt}" / "kapnotes.key").exists()  # nothing created
