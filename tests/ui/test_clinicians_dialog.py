"""Settings → Clinicians: add a nurse, deactivate, change a passphrase, a new recovery key."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from kapnotes.store.clinicians import Clinicians
from kapnotes.store.keys import WrongSecretError
from kapnotes.store.vault import Vault
from kapnotes.ui.dialogs.recovery_key_dialog import RecoveryKeyDialog
from kapnotes.ui.settings.clinicians_dialog import (
    AddClinicianDialog,
    ChangePassphraseDialog,
    CliniciansDialog,
)
from tests.ui.conftest import WindowFactory, unlock

NURSE = "nurse passphrase of fiction"


def test_an_administrator_adds_and_deactivates_a_nurse_from_the_menu(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault
) -> None:
    shown: list[QDialog] = []
    asked: list[str] = []

    def yes(_parent: QWidget, title: str, _text: str) -> bool:
        asked.append(title)
        return True

    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        shown.append(dialog)
        if isinstance(dialog, CliniciansDialog):
            dialog.ask = yes
            dialog.show()
            qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
            dialog.table.selectRow(1)
            dialog.deactivate()
            return 0
        assert isinstance(dialog, AddClinicianDialog)
        dialog.show()
        qtbot.keyClicks(dialog.name_edit, "Nia Fictional")
        qtbot.keyClicks(dialog.credential_edit, "RN")
        dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("nurse"))
        qtbot.keyClicks(dialog.passphrase.first, NURSE)
        qtbot.keyClicks(dialog.passphrase.second, NURSE + "x")
        dialog.accept()  # the two differ: said, nothing added
        assert "differ" in dialog.error.text()
        dialog.passphrase.second.setText(NURSE)
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    unlock(qtbot, window)
    window.clinicians_action.trigger()
    listing = next(d for d in shown if isinstance(d, CliniciansDialog))
    states = [listing.table.item(r, 3).text() for r in range(2)]  # type: ignore[union-attr]
    names = [listing.table.item(r, 0).text() for r in range(2)]  # type: ignore[union-attr]
    assert names == ["Dr Ada Quill", "Nia Fictional"]
    assert states == ["active — you", "deactivated"]
    assert asked == ["Deactivate a clinician"]
    window.session.lock()
    with pytest.raises(WrongSecretError):
        vault.unlock(NURSE)


def test_change_my_passphrase_and_a_new_recovery_key(
    qtbot: QtBot, vault: Vault, recovery_key: str
) -> None:
    opened = vault.unlock("fictional passphrase 42")
    try:
        runs: list[QDialog] = []

        def run(dialog: QDialog) -> int:
            runs.append(dialog)
            qtbot.addWidget(dialog)
            if isinstance(dialog, ChangePassphraseDialog):
                dialog.passphrase.first.setText("a changed passphrase here")
                dialog.passphrase.second.setText("a changed passphrase here")
                dialog.accept()
                return int(dialog.result())
            assert isinstance(dialog, RecoveryKeyDialog)
            return 1

        dialog = CliniciansDialog(Clinicians(opened), run_dialog=run, ask=lambda *_a: True)
        qtbot.addWidget(dialog)
        dialog.change_passphrase()
        assert "changed" in dialog.message.text()
        fresh = dialog.new_recovery_key()
        assert fresh is not None and isinstance(runs[-1], RecoveryKeyDialog)
    finally:
        opened.close()
    with vault.unlock("a changed passphrase here"):
        pass
    with pytest.raises(WrongSecretError):
        vault.unlock_with_recovery(recovery_key)
    with vault.unlock_with_recovery(fresh):
        pass
