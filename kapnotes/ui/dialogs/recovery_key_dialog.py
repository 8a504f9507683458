"""Shows the recovery key once, after the vault is created.

Continue stays disabled until the clinician ticks "I have written down the
recovery key". The key is never stored anywhere by the app.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kapnotes.ui import theme
from kapnotes.ui.widgets import enter_presses, label


def display_key(key: str) -> str:
    """The key in two lines of four groups, easier to copy by hand."""
    groups = key.split("-")
    if len(groups) == 8:
        return "-".join(groups[:4]) + "-\n" + "-".join(groups[4:])
    return key


class RecoveryKeyDialog(QDialog):
    """Displays the recovery key with a Copy button and a required confirmation."""

    def __init__(self, recovery_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryKeyDialog")
        self.setWindowTitle("Your recovery key")
        self.setMinimumWidth(560)
        self._key = recovery_key

        title = label("Write down your recovery key", "dialog-title", wrap=True)
        explain = label(
            "If you forget your passphrase, this key is the only way to open the vault. "
            "It is shown once, now, and never again. Write it on paper and keep it "
            "somewhere safe, away from this computer.",
            "muted",
            wrap=True,
        )

        self.key_label = label(display_key(recovery_key), "recovery-key")
        self.key_label.setObjectName("recoveryKey")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(font.pointSize(), 10) + 8)
        font.setWeight(QFont.Weight.DemiBold)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1.5)
        self.key_label.setFont(font)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.copy_button = theme.icon_button("Copy", "copy")
        self.copy_button.setObjectName("copyKeyButton")
        self.copy_button.clicked.connect(self.copy_key)
        self.copied_label = label("", "hint")
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_button)
        copy_row.addWidget(self.copied_label)
        copy_row.addStretch(1)

        self.confirm_check = QCheckBox("I have written down the recovery key")
        self.confirm_check.setObjectName("confirmWrittenDown")

        self.buttons = QDialogButtonBox()
        self.continue_button = self.buttons.addButton(
            "Continue", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.continue_button.setObjectName("continueButton")
        self.continue_button.setProperty("role", "primary")
        self.continue_button.setDefault(True)
        self.continue_button.setEnabled(False)
        self.confirm_check.toggled.connect(self.continue_button.setEnabled)
        self.buttons.accepted.connect(self._continue)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 24, 28, 20)
        lay.setSpacing(14)
        lay.addWidget(title)
        lay.addWidget(explain)
        lay.addWidget(self.key_label)
        lay.addLayout(copy_row)
        lay.addSpacing(4)
        lay.addWidget(self.confirm_check)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        enter_presses(self, self.continue_button)

    def copy_key(self) -> None:
        """Put the key on the clipboard (cleared again after two minutes if unchanged)."""
        clipboard = QGuiApplication.clipboard()
        data = QMimeData()
        data.setText(self._key)
        # Ask clipboard managers (KDE Klipper and others) not to keep it in their history.
        data.setData("x-kde-passwordManagerHint", QByteArray(b"secret"))
        clipboard.setMimeData(data)
        self.copied_label.setText("Copied. Paste it somewhere safe, then clear it.")

        def _forget() -> None:
            if clipboard.text() == self._key:
                clipboard.clear()

        QTimer.singleShot(120_000, clipboard, _forget)

    def _continue(self) -> None:
        if self.confirm_check.isChecked():
            self.accept()

    def reject(self) -> None:
        """Closing without confirming is not allowed: the key is shown only once."""
        if self.confirm_check.isChecked():
            super().reject()
