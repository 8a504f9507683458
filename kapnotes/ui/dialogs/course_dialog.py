"""Start a course of treatment: start date, indication, planned product, route, status.

Validated by `CourseInput`; the dialog hands the result to the `save` function
it was given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from pydantic import ValidationError
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.clients import PRODUCT_LABELS, CourseInput, CourseStatus, field_errors
from kapnotes.ui.dates import typing_format
from kapnotes.ui.widgets import ErrorLabel, enter_presses, label, set_invalid

log = logging.getLogger(__name__)

SaveCourse = Callable[[CourseInput], str]


class CourseDialog(QDialog):
    """The course form; `saved_id` holds the course id after a successful save."""

    def __init__(
        self,
        save: SaveCourse,
        *,
        client_name: str = "",
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("courseDialog")
        self.setWindowTitle("New course")
        self.setMinimumWidth(560)
        self._save = save
        self.saved_id: str | None = None

        self.start_edit = QDateEdit()
        self.start_edit.setObjectName("start_date")
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDisplayFormat(typing_format())
        now = today()
        self.start_edit.setDate(QDate(now.year, now.month, now.day))
        self.start_edit.setMaximumWidth(160)
        self.indication_edit = QLineEdit()
        self.indication_edit.setObjectName("indication")
        self.indication_edit.setPlaceholderText("e.g. Treatment-resistant depression")
        self.product_combo = QComboBox()
        self.product_combo.setObjectName("planned_product")
        for product, text in PRODUCT_LABELS.items():
            self.product_combo.addItem(text, product.value)
        self.route_edit = QLineEdit()
        self.route_edit.setObjectName("planned_route_detail")
        self.route_edit.setPlaceholderText("e.g. 0.5 mg/kg IM, deltoid")
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("status")
        for status in CourseStatus:
            self.status_combo.addItem(status.value.capitalize(), status.value)

        self.errors = {
            key: ErrorLabel()
            for key in ("start_date", "indication", "planned_product", "planned_route_detail")
        }
        for key, err in self.errors.items():
            err.setObjectName(f"error_{key}")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        rows = (
            ("Start date", self.start_edit, "start_date"),
            ("Indication", self.indication_edit, "indication"),
            ("Planned product", self.product_combo, "planned_product"),
            ("Route detail", self.route_edit, "planned_route_detail"),
        )
        for title_text, field, key in rows:
            box = QVBoxLayout()
            box.setSpacing(3)
            box.addWidget(field)
            box.addWidget(self.errors[key])
            form.addRow(label(title_text, "formlabel"), box)
        form.addRow(label("Status", "formlabel"), self.status_combo)

        title = label("New course", "dialog-title")
        subtitle = label(f"for {client_name}" if client_name else "", "muted")
        subtitle.setVisible(bool(client_name))
        self.form_error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "Start course", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("saveButton")
        self.save_button.setProperty("role", "primary")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.try_save)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 22, 28, 20)
        lay.setSpacing(12)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addSpacing(6)
        lay.addLayout(form)
        lay.addWidget(self.form_error)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        enter_presses(self, self.save_button)

    def validate(self) -> CourseInput | None:
        """Check the form and show messages next to the fields."""
        values = {
            "start_date": self.start_edit.date().toPython(),
            "indication": self.indication_edit.text(),
            "planned_product": self.product_combo.currentData(),
            "planned_route_detail": self.route_edit.text().strip() or None,
            "status": self.status_combo.currentData(),
        }
        errors: dict[str, str] = {}
        result: CourseInput | None = None
        try:
            result = CourseInput.model_validate(values)
        except ValidationError as exc:
            errors = field_errors(exc)
        if errors.get("indication", "").startswith("String should have at least 1"):
            errors["indication"] = "The indication is required"
        for key, err in self.errors.items():
            err.show_message(errors.get(key))
        set_invalid(self.indication_edit, "indication" in errors)
        return result

    def try_save(self) -> None:
        """Save if valid; otherwise keep the dialog open with the messages."""
        data = self.validate()
        if data is None:
            return
        try:
            self.saved_id = self._save(data)
        except Exception as exc:
            log.error("saving a course failed: %s", type(exc).__name__)
            self.form_error.show_message("The course could not be saved. Try again.")
            return
        self.accept()
