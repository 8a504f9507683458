"""Settings → Clinicians: who can unlock the vault, their roles; passphrases; the recovery key.

The list shows every clinician (name, credential, role, active or deactivated,
administrator). **Add…** (administrators) asks for the new clinician's name,
credential, role and their own passphrase (typed twice, by them); **Deactivate**
(administrators) removes a clinician's passphrase, keeping their notes and
signatures; **Change my passphrase…** replaces the passphrase of whoever unlocked;
**New recovery key…** (administrators) issues a new recovery key, shown once, and
the old one stops working. The rules live in :mod:`kapnotes.store.clinicians`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kapnotes.store.clinicians import ROLES, ClinicianError, Clinicians
from kapnotes.ui.widgets import ErrorLabel, RevealButton, label

RunDialog = Callable[[QDialog], int]
Confirm = Callable[[QWidget, str, str], bool]
HEADERS = ("Name", "Credential", "Role", "State")


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask Yes/No (No is the default)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class PassphrasePair(QWidget):
    """A new passphrase typed twice, with a show button."""

    def __init__(self) -> None:
        super().__init__()
        self.first = QLineEdit()
        self.first.setObjectName("newPassphrase")
        self.first.setPlaceholderText("new passphrase")
        self.second = QLineEdit()
        self.second.setObjectName("newPassphraseAgain")
        self.second.setPlaceholderText("the same again")
        reveal = RevealButton(self.first, self.second)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.first, 1)
        row.addWidget(self.second, 1)
        row.addWidget(reveal)

    def value(self) -> str:
        """The passphrase; ValueError when the two differ."""
        if self.first.text() != self.second.text():
            raise ValueError("The two passphrases differ.")
        return self.first.text()


class AddClinicianDialog(QDialog):
    """Name, credential, role and the new clinician's own passphrase."""

    def __init__(self, staff: Clinicians, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addClinicianDialog")
        self.setWindowTitle("Add a clinician")
        self.setMinimumWidth(560)
        self._staff = staff
        self.added_id: str | None = None
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newClinicianName")
        self.name_edit.setPlaceholderText("as it appears on signed notes")
        self.credential_edit = QLineEdit()
        self.credential_edit.setObjectName("newClinicianCredential")
        self.credential_edit.setPlaceholderText("e.g. RN, MD, LCSW")
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("newClinicianRole")
        for role in ROLES:
            self.role_combo.addItem(role.capitalize(), role)
        self.passphrase = PassphrasePair()
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Credential", self.credential_edit)
        form.addRow("Role", self.role_combo)
        form.addRow("Their passphrase", self.passphrase)
        hint = label(
            "The new clinician types their own passphrase (at least 10 characters; a "
            "sentence is best). They unlock with it and act as themselves.",
            "muted",
            wrap=True,
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Add the clinician, or say why not (nothing is written then)."""
        try:
            passphrase = self.passphrase.value()
            self.added_id = self._staff.add(
                self.name_edit.text(),
                self.credential_edit.text(),
                str(self.role_combo.currentData()),
                passphrase,
            )
        except (ClinicianError, ValueError) as exc:
            self.error.show_message(str(exc))
            return
        super().accept()


class ChangePassphraseDialog(QDialog):
    """Your new passphrase, typed twice."""

    def __init__(
        self, staff: Clinicians, parent: QWidget | None = None, *, after_recovery: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName("changePassphraseDialog")
        self.setWindowTitle("Set a new passphrase" if after_recovery else "Change my passphrase")
        self.setMinimumWidth(520)
        self._staff = staff
        self.passphrase = PassphrasePair()
        self.error = ErrorLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        #: After the recovery key: who is setting a new passphrase (active clinicians only).
        self.who_combo: QComboBox | None = None
        if after_recovery:
            acting = next((c for c in staff.list() if c.id == staff.acting_id), None)
            as_whom = f", as the administrator {acting.display}" if acting else ""
            layout.addWidget(
                label(
                    f"You opened the vault with the recovery key{as_whom}. Say who you are "
                    "and choose your new passphrase now (at least 10 characters; a sentence "
                    "is best): it replaces the forgotten one. The recovery key keeps "
                    "working. Cancel locks the vault again.",
                    wrap=True,
                )
            )
            self.who_combo = QComboBox()
            self.who_combo.setObjectName("recoveryWho")
            for person in staff.list():
                if person.active:
                    self.who_combo.addItem(f"{person.display} ({person.role})", person.id)
            self.who_combo.setCurrentIndex(max(0, self.who_combo.findData(staff.acting_id)))
            layout.addWidget(label("Who is setting a new passphrase:"))
            layout.addWidget(self.who_combo)
        layout.addWidget(
            label(
                "The new passphrase replaces the old one at once (the old one stops "
                "opening the vault). Backups made before keep the old one.",
                "muted",
                wrap=True,
            )
        )
        layout.addWidget(self.passphrase)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Change it, or say why not."""
        try:
            if self.who_combo is not None:
                self._staff.act_as_after_recovery(str(self.who_combo.currentData()))
            self._staff.change_passphrase(self.passphrase.value())
        except (ClinicianError, ValueError) as exc:
            self.error.show_message(str(exc))
            return
        super().accept()


class CliniciansDialog(QDialog):
    """Settings → Clinicians (see the module docstring)."""

    def __init__(
        self,
        staff: Clinicians,
        parent: QWidget | None = None,
        *,
        run_dialog: RunDialog = lambda d: d.exec(),
        ask: Confirm = confirm,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cliniciansDialog")
        self.setWindowTitle("Clinicians")
        self.resize(720, 420)
        self._staff = staff
        self._run = run_dialog
        self.ask = ask
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("cliniciansTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        admin = staff.is_admin()
        self.add_button = QPushButton("Add…")
        self.add_button.setObjectName("addClinician")
        self.add_button.clicked.connect(self.add)
        self.deactivate_button = QPushButton("Deactivate")
        self.deactivate_button.setObjectName("deactivateClinician")
        self.deactivate_button.clicked.connect(self.deactivate)
        self.passphrase_button = QPushButton("Change my passphrase…")
        self.passphrase_button.setObjectName("changeMyPassphrase")
        self.passphrase_button.clicked.connect(self.change_passphrase)
        self.recovery_button = QPushButton("New recovery key…")
        self.recovery_button.setObjectName("newRecoveryKey")
        self.recovery_button.clicked.connect(self.new_recovery_key)
        for button in (self.add_button, self.deactivate_button, self.recovery_button):
            button.setEnabled(admin)
            if not admin:
                button.setToolTip("For an administrator")
        self.message = label("", "muted", wrap=True)
        self.message.setObjectName("cliniciansMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.deactivate_button)
        row.addStretch(1)
        row.addWidget(self.passphrase_button)
        row.addWidget(self.recovery_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            label(
                "Each clinician unlocks with their own passphrase and acts as themselves: "
                "notes, entries, signatures and the audit trail name them. Adding and "
                "deactivating clinicians is for an administrator (the first clinician is one).",
                "muted",
                wrap=True,
            )
        )
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Read the clinicians again."""
        people = self._staff.list()
        self.table.setRowCount(len(people))
        for row, person in enumerate(people):
            extra = person.administrator and person.role != "administrator"
            role = person.role + (" (administrator)" if extra else "")
            state = "active" if person.active else "deactivated"
            if person.id == self._staff.acting_id:
                state += " — you"
            for column, text in enumerate((person.name, person.credential, role, state)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, person.id)
                self.table.setItem(row, column, item)

    def selected_id(self) -> str | None:
        """The clinician selected in the list."""
        items = self.table.selectedItems()
        return str(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def add(self) -> None:
        """Add… (administrators)."""
        dialog = AddClinicianDialog(self._staff, self)
        if self._run(dialog) == QDialog.DialogCode.Accepted:
            self.message.setText(f"{dialog.name_edit.text().strip()} can now unlock the vault.")
            self.refresh()
        dialog.deleteLater()

    def deactivate(self) -> None:
        """Deactivate the selected clinician (administrators), after asking."""
        chosen = self.selected_id()
        if chosen is None:
            self.message.setText("Select the clinician to deactivate.")
            return
        person = self._staff.get(chosen)
        if not self.ask(
            self,
            "Deactivate a clinician",
            f"{person.name} will no longer be able to unlock the vault. Their notes and "
            "signatures stay as they are. Deactivate?",
        ):
            return
        try:
            self._staff.deactivate(chosen)
        except ClinicianError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"{person.name} can no longer unlock the vault.")
        self.refresh()

    def change_passphrase(self) -> None:
        """Change my passphrase…."""
        dialog = ChangePassphraseDialog(self._staff, self)
        if self._run(dialog) == QDialog.DialogCode.Accepted:
            self.message.setText("Your passphrase is changed; the old one no longer opens it.")
        dialog.deleteLater()

    def new_recovery_key(self) -> str | None:
        """New recovery key… (administrators): the old one stops working; shown once."""
        if not self.ask(
            self,
            "New recovery key",
            "A new recovery key replaces the old one, which stops working at once. "
            "It is shown once: have paper ready. Issue a new recovery key?",
        ):
            return None
        try:
            recovery = self._staff.reset_recovery_key()
        except ClinicianError as exc:
            self.message.setText(str(exc))
            return None
        from kapnotes.ui.dialogs.recovery_key_dialog import RecoveryKeyDialog

        shown = RecoveryKeyDialog(recovery, self)
        self._run(shown)
        shown.deleteLater()
        self.message.setText("A new recovery key is issued; the old one no longer works.")
        return recovery
