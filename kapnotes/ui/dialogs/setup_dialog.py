"""First run: the clinician's name and credential and a passphrase typed twice.

On "Create vault" the dialog calls the `create` function it was handed (the
vault's `create`) and keeps the `CreatedVault` for the caller, which then shows
the recovery key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from kapnotes import APP_NAME
from kapnotes.store.vault import MIN_PASSPHRASE_LENGTH, CreatedVault, OpenVault, Vault, VaultError
from kapnotes.ui import theme
from kapnotes.ui.widgets import ErrorLabel, RevealButton, enter_presses, label, set_invalid

log = logging.getLogger(__name__)

CreateVault = Callable[[str, str, str], CreatedVault]

CREDENTIALS = ("LMFT", "LCSW", "LPC", "LMHC", "PsyD", "PhD", "MD", "DO", "NP", "PMHNP", "RN")


def passphrase_strength(text: str) -> tuple[int, str]:
    """A rough 0–100 score and a word (weak, fair, strong) for the strength hint.

    Length counts most: a long phrase of ordinary words beats a short jumble.
    """
    if not text:
        return 0, ""
    classes = sum(
        (
            any(c.islower() for c in text),
            any(c.isupper() for c in text),
            any(c.isdigit() for c in text),
            any(not c.isalnum() for c in text),
        )
    )
    distinct = len(set(text))
    score = min(100, len(text) * 4 + classes * 6 + min(distinct, 15) * 2)
    if len(text) < MIN_PASSPHRASE_LENGTH or distinct < 5:
        score = min(score, 30)
    if score < 45:
        return score, "weak"
    if score < 75:
        return score, "fair"
    return score, "strong"


def _stacked(*widgets: QWidget | QHBoxLayout) -> QVBoxLayout:
    box = QVBoxLayout()
    box.setSpacing(4)
    for widget in widgets:
        if isinstance(widget, QHBoxLayout):
            box.addLayout(widget)
        else:
            box.addWidget(widget)
    return box


class SetupDialog(QDialog):
    """Creates the vault on first run."""

    def __init__(self, create: CreateVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle(f"Set up {APP_NAME}")
        self.setMinimumWidth(520)
        self._create = create
        self.created: CreatedVault | None = None

        title = label(f"Welcome to {APP_NAME}", "dialog-title")
        intro = label(
            "Your notes are kept in an encrypted vault on this computer. Choose the "
            "passphrase that opens it. Nobody, including us, can recover your notes "
            "without the passphrase or the recovery key shown next.",
            "muted",
            wrap=True,
        )

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("clinicianName")
        self.name_edit.setPlaceholderText("e.g. Dr Ada Quill")
        self.credential_edit = QComboBox()
        self.credential_edit.setObjectName("credential")
        self.credential_edit.setEditable(True)
        self.credential_edit.addItems(CREDENTIALS)
        self.credential_edit.setCurrentIndex(-1)
        line = self.credential_edit.lineEdit()
        if line is not None:
            line.setPlaceholderText("e.g. LMFT, PsyD, MD")
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("passphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setPlaceholderText(f"At least {MIN_PASSPHRASE_LENGTH} characters")
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("confirmPassphrase")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setPlaceholderText("Type it again")
        self.reveal_button = RevealButton(
            self.passphrase_edit, self.confirm_edit, what="passphrases"
        )
        passphrase_row = QHBoxLayout()
        passphrase_row.setSpacing(6)
        passphrase_row.addWidget(self.passphrase_edit, 1)
        passphrase_row.addWidget(self.reveal_button)

        self.strength_bar = QProgressBar()
        self.strength_bar.setObjectName("strengthBar")
        self.strength_bar.setRange(0, 100)
        self.strength_bar.setTextVisible(False)
        self.strength_bar.setFixedHeight(6)
        self.strength_hint = label(
            "A few unrelated words make a passphrase that is long and easy to remember.",
            "hint",
            wrap=True,
        )
        self.strength_hint.setObjectName("strengthHint")

        self.name_error = ErrorLabel()
        self.name_error.setObjectName("nameError")
        self.passphrase_error = ErrorLabel()
        self.passphrase_error.setObjectName("passphraseError")
        self.confirm_error = ErrorLabel()
        self.confirm_error.setObjectName("confirmError")
        self.form_error = ErrorLabel()
        self.form_error.setObjectName("formError")

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        form.addRow(label("Your name", "formlabel"), _stacked(self.name_edit, self.name_error))
        form.addRow(label("Credential", "formlabel"), self.credential_edit)
        form.addRow(
            label("Passphrase", "formlabel"),
            _stacked(passphrase_row, self.strength_bar, self.strength_hint, self.passphrase_error),
        )
        form.addRow(
            label("Confirm passphrase", "formlabel"),
            _stacked(self.confirm_edit, self.confirm_error),
        )

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton(
            "Create vault", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setObjectName("createVaultButton")
        self.create_button.setIcon(theme.icon("shield", theme.colour("accent_text")))
        self.create_button.setDefault(True)
        self.create_button.setProperty("role", "primary")
        self.buttons.accepted.connect(self.create_vault)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 24, 28, 20)
        lay.setSpacing(12)
        lay.addWidget(title)
        lay.addWidget(intro)
        lay.addSpacing(6)
        lay.addLayout(form)
        lay.addWidget(self.form_error)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        enter_presses(self, self.create_button)

        self.name_edit.textEdited.connect(lambda _t: self._validate(show_required=False))
        self.passphrase_edit.textChanged.connect(lambda _t: self._validate(show_required=False))
        self.confirm_edit.textChanged.connect(lambda _t: self._validate(show_required=False))
        self._validate(show_required=False)

    def _errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.name_edit.text().strip():
            errors["name"] = "Your name is required."
        pw = self.passphrase_edit.text()
        if len(pw) < MIN_PASSPHRASE_LENGTH:
            errors["passphrase"] = (
                f"Use at least {MIN_PASSPHRASE_LENGTH} characters ({len(pw)} so far)."
            )
        confirm = self.confirm_edit.text()
        if confirm and confirm != pw:
            errors["confirm"] = "The two passphrases do not match."
        elif not confirm:
            errors["confirm"] = "Type the passphrase again."
        return errors

    def _validate(self, *, show_required: bool) -> dict[str, str]:
        errors = self._errors()
        pw = self.passphrase_edit.text()
        score, word = passphrase_strength(pw)
        self.strength_bar.setValue(score)
        if self.strength_bar.property("strength") != word:
            self.strength_bar.setProperty("strength", word)
            self.strength_bar.style().unpolish(self.strength_bar)
            self.strength_bar.style().polish(self.strength_bar)
        if word:
            self.strength_hint.setText(
                f"Strength: {word}. A few unrelated words make a passphrase that is long "
                "and easy to remember."
            )
        name_msg = errors.get("name") if show_required else None
        self.name_error.show_message(name_msg)
        set_invalid(self.name_edit, bool(name_msg))
        pw_msg = errors.get("passphrase") if (show_required or pw) else None
        self.passphrase_error.show_message(pw_msg)
        set_invalid(self.passphrase_edit, bool(pw_msg))
        confirm_msg = errors.get("confirm")
        if not show_required and not self.confirm_edit.text():
            confirm_msg = None
        self.confirm_error.show_message(confirm_msg)
        set_invalid(self.confirm_edit, bool(confirm_msg))
        return errors

    def create_vault(self) -> None:
        """Validate, then create the vault; on success the dialog is accepted."""
        if self._validate(show_required=True):
            return
        self.form_error.show_message(None)
        self.create_button.setEnabled(False)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.created = self._create(
                self.name_edit.text().strip(),
                self.credential_edit.currentText().strip(),
                self.passphrase_edit.text(),
            )
        except VaultError as exc:
            log.warning("vault creation refused: %s", type(exc).__name__)
            self.form_error.show_message(str(exc))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
            self.create_button.setEnabled(True)
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self.accept()


def first_run(
    vault: Vault,
    run_dialog: Callable[[QDialog], int] = QDialog.exec,
    parent: QWidget | None = None,
) -> OpenVault | None:
    """Set up a new vault (setup dialog, then the recovery key); None if cancelled."""
    from kapnotes.ui.dialogs.recovery_key_dialog import RecoveryKeyDialog

    setup = SetupDialog(vault.create, parent)
    try:
        if run_dialog(setup) != QDialog.DialogCode.Accepted or setup.created is None:
            return None
        created = setup.created
    finally:
        _dispose(setup)
    recovery = RecoveryKeyDialog(created.recovery_key, parent)
    try:
        run_dialog(recovery)
    finally:
        _dispose(recovery)
    return created.vault


def _dispose(dialog: QDialog) -> None:
    """Delete a finished dialog through Qt, now (not by Python's garbage collection at
    exit, which crashed PySide's teardown now and then after a cancelled set-up)."""
    dialog.deleteLater()
    QCoreApplication.sendPostedEvents(dialog, QEvent.Type.DeferredDelete)
