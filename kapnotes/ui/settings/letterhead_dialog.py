"""Settings -> Clinic letterhead: what printed reports show at the top of their first page.

Name, address (up to four lines), phone, an optional logo (PNG or JPEG) and the
paper reports are laid out for. Saving checks everything (the model's bounds and
the logo file itself) and names each problem under its field; nothing is written
until all is well. The letterhead is part of the clinic's settings file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.letterhead import MAX_ADDRESS_LINES, Letterhead, LogoError, check_logo_file
from kapnotes.store.catalog import Catalog
from kapnotes.ui.dialogs.guarded import GuardedDialog

if TYPE_CHECKING:
    from kapnotes.domain.session import ClinicSettings
from kapnotes.ui.widgets import ErrorLabel, admin_only_note, label, set_invalid

PickLogo = Callable[[QWidget], Path | None]

PAPERS = {"letter": "US Letter (8.5 × 11 in)", "a4": "A4 (210 × 297 mm)"}


def pick_logo(parent: QWidget) -> Path | None:
    """The system's open dialog, for a PNG or JPEG picture."""
    name, _ = QFileDialog.getOpenFileName(
        parent, "Choose the clinic's logo", str(Path.home()), "Pictures (*.png *.jpg *.jpeg)"
    )
    return Path(name) if name else None


class LetterheadDialog(GuardedDialog):
    """Edit the clinic letterhead of printed reports (see the module docstring)."""

    def __init__(
        self,
        catalog: Catalog,
        parent: QWidget | None = None,
        *,
        pick: PickLogo = pick_logo,
        save: Callable[[ClinicSettings], object] | None = None,
        editable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("letterheadDialog")
        self.setWindowTitle("Clinic letterhead")
        self.setMinimumWidth(560)
        self._catalog = catalog
        self._pick = pick
        # ``save`` writes and audits (the main window's: administrators only); without
        # it the catalog's file is written directly.
        self._save = save if save is not None else catalog.save_clinic_settings
        self.editable = editable
        settings, warning = catalog.clinic_settings()
        current = settings.letterhead

        self.name_edit = QLineEdit(current.clinic_name)
        self.name_edit.setObjectName("clinicName")
        self.name_edit.setPlaceholderText("e.g. Lakeside Ketamine Clinic")
        self.address_edit = QPlainTextEdit(current.address)
        self.address_edit.setObjectName("clinicAddress")
        self.address_edit.setPlaceholderText(
            f"Street, town, postcode (up to {MAX_ADDRESS_LINES} lines)"
        )
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 14)
        self.phone_edit = QLineEdit(current.phone)
        self.phone_edit.setObjectName("clinicPhone")
        self.logo_edit = QLineEdit(current.logo_path or "")
        self.logo_edit.setObjectName("logoPath")
        self.logo_edit.setPlaceholderText("No logo")
        self.logo_edit.textChanged.connect(self._show_logo)
        self.browse_button = QPushButton("Choose…")
        self.browse_button.setObjectName("chooseLogo")
        self.browse_button.clicked.connect(self._browse)
        self.clear_button = QPushButton("No logo")
        self.clear_button.setObjectName("clearLogo")
        self.clear_button.clicked.connect(self.logo_edit.clear)
        self.logo_preview = QLabel()
        self.logo_preview.setObjectName("logoPreview")
        self.logo_preview.setFixedHeight(56)
        self.paper_combo = QComboBox()
        self.paper_combo.setObjectName("paper")
        for value, text in PAPERS.items():
            self.paper_combo.addItem(text, value)
        self.paper_combo.setCurrentIndex(list(PAPERS).index(current.paper))

        self.errors: dict[str, ErrorLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_edit, 1)
        logo_row.addWidget(self.browse_button)
        logo_row.addWidget(self.clear_button)
        rows: list[tuple[str, str, QWidget | QHBoxLayout]] = [
            ("clinic_name", "Clinic name", self.name_edit),
            ("address", "Address", self.address_edit),
            ("phone", "Phone", self.phone_edit),
            ("logo_path", "Logo", logo_row),
            ("paper", "Paper", self.paper_combo),
        ]
        row = 0
        for key, text, widget in rows:
            name = label(text, "formlabel")
            name.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(name, row, 0)
            if isinstance(widget, QHBoxLayout):
                grid.addLayout(widget, row, 1)
            else:
                grid.addWidget(widget, row, 1)
            error = ErrorLabel()
            error.setObjectName(f"error_{key}")
            self.errors[key] = error
            grid.addWidget(error, row + 1, 1)
            row += 2
            if key == "logo_path":
                grid.addWidget(self.logo_preview, row, 1)
                row += 1

        intro = label(
            "Printed at the top of the first page of every note and course report.",
            "muted",
            wrap=True,
        )
        self.message = label(warning or "", "error", wrap=True)
        self.message.setObjectName("letterheadMessage")
        self.message.setVisible(bool(warning))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save_button.setProperty("role", "primary")
        save_button.setObjectName("saveLetterhead")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(12)
        layout.addWidget(label("Clinic letterhead", "dialog-title"))
        layout.addWidget(intro)
        if not editable:
            self.read_only_note = admin_only_note("the clinic's letterhead", "letterheadReadOnly")
            layout.addWidget(self.read_only_note)
            for edit in (self.name_edit, self.phone_edit, self.logo_edit):
                edit.setReadOnly(True)
            self.address_edit.setReadOnly(True)
            for widget in (self.browse_button, self.clear_button, self.paper_combo, save_button):
                widget.setEnabled(False)
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._show_logo(self.logo_edit.text())
        self.saved: Letterhead | None = None
        self.remember_shown()

    discard_text = "The letterhead was changed and not saved. Discard the changes?"

    def form_state(self) -> tuple[object, ...]:
        """What the form shows (each field's text and the paper)."""
        return (
            self.name_edit.text(),
            self.address_edit.toPlainText(),
            self.phone_edit.text(),
            self.logo_edit.text(),
            self.paper_combo.currentData(),
        )

    def changes_matter(self) -> bool:
        """A read-only letterhead (not an administrator) has nothing to lose."""
        return self.editable

    def _browse(self) -> None:
        chosen = self._pick(self)
        if chosen is not None:
            self.logo_edit.setText(str(chosen))

    def _show_logo(self, text: str) -> None:
        pixmap = QPixmap(text.strip()) if text.strip() else QPixmap()
        if pixmap.isNull():
            self.logo_preview.clear()
            self.logo_preview.setVisible(False)
            return
        self.logo_preview.setPixmap(
            pixmap.scaledToHeight(52, Qt.TransformationMode.SmoothTransformation)
        )
        self.logo_preview.setVisible(True)

    def letterhead(self) -> Letterhead:
        """The letterhead as typed; ValidationError (the model's bounds) or LogoError (the
        logo file)."""
        head = Letterhead(
            clinic_name=self.name_edit.text(),
            address=self.address_edit.toPlainText(),
            phone=self.phone_edit.text(),
            logo_path=self.logo_edit.text().strip() or None,
            paper=self.paper_combo.currentData(),
        )
        if head.logo_path is not None:
            check_logo_file(head.logo_path)
        return head

    def problems(self) -> dict[str, str]:
        """What is wrong with what was typed, by field (empty when all is well)."""
        found: dict[str, str] = {}
        try:
            self.letterhead()
        except ValidationError as error:
            for item in error.errors():
                key = str(item["loc"][0]) if item["loc"] else "clinic_name"
                message = str(item["msg"]).removeprefix("Value error, ")
                found.setdefault(key, message[:1].upper() + message[1:])
        except LogoError as error:
            found["logo_path"] = str(error)
        logo = self.logo_edit.text().strip()
        if logo and "logo_path" not in found:
            try:  # the file is checked even while another field is wrong
                check_logo_file(logo)
            except LogoError as error:
                found["logo_path"] = str(error)
        return found

    def _show_errors(self, errors: dict[str, str]) -> None:
        widgets = {
            "clinic_name": self.name_edit,
            "address": self.address_edit,
            "phone": self.phone_edit,
            "logo_path": self.logo_edit,
            "paper": self.paper_combo,
        }
        for key, error in self.errors.items():
            error.show_message(errors.get(key))
            set_invalid(widgets[key], key in errors)
        first = next((widgets[k] for k in widgets if k in errors), None)
        if first is not None:
            first.setFocus()

    def save(self) -> bool:
        """Check everything, then write the clinic settings; True when saved."""
        if not self.editable:
            return False
        found = self.problems()
        if found:
            self._show_errors(found)
            return False
        head = self.letterhead()
        self._show_errors({})
        settings, warning = self._catalog.clinic_settings()
        if warning:
            # Saving would replace the clinic's file (with its mistake) by the defaults.
            self.message.setText(
                f"Not saved: {warning}. Correct the settings file first; saving now would "
                "replace it with the defaults."
            )
            self.message.show()
            return False
        try:
            self._save(settings.model_copy(update={"letterhead": head}))
        except OSError as error:
            self.message.setText(f"Not saved: {error.strerror or error}")
            self.message.show()
            return False
        except ValueError as error:  # NotAllowedError: not an administrator
            self.message.setText(f"Not saved: {error}")
            self.message.show()
            return False
        self.saved = head
        self.accept()
        return True
