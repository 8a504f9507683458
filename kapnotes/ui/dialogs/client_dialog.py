"""Create or edit a client: every field of `ClientInput`, checked by the domain rules.

Messages from `kapnotes.domain.clients` appear in red under the field they
belong to; Save refuses until they are fixed. The dialog hands the validated
`ClientInput` to the `save` function it was given and never touches the store.

Enter in a field moves on to the next field (a half-filled form is never saved by
accident); the main button saves by click or Ctrl+Enter. The date of birth is
empty until typed in the locale's order (or picked from a calendar), and the
weight is typed in kg or lb (a unit after the number, or the unit beside it),
stored in kg, with the other unit shown; both are read by
:mod:`kapnotes.domain.parse`, and the date read is shown in words under the field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.clients import (
    MAX_WEIGHT_KG,
    MIN_WEIGHT_KG,
    ClientInput,
    WeightUnit,
    field_errors,
    weight_in,
    weight_range_text,
    weight_text,
)
from kapnotes.domain.parse import InputError, Weight, parse_weight
from kapnotes.ui.dates import show_date
from kapnotes.ui.dialogs.guarded import GuardedDialog
from kapnotes.ui.widgets import DateInput, ErrorLabel, label, set_invalid

log = logging.getLogger(__name__)

SaveClient = Callable[[ClientInput], str]
SAVE_SHORTCUT = "Ctrl+Return"
"""Saves the form from any field (Enter alone moves to the next field)."""
PRONOUNS = ("she/her", "he/him", "they/them", "she/they", "he/they")
TEXT_FIELDS = ("name", "preferred_name", "contact", "emergency_contact")
AREA_FIELDS = ("contact", "emergency_contact", "diagnoses", "medications", "allergies")


def _area(object_name: str, placeholder: str, lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(object_name)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 20)
    return edit


def friendly(field: str, message: str) -> str:
    """Reword pydantic's generic messages for a form."""
    if message.startswith("String should have at least 1"):
        return "This field is required"
    if message.startswith("Input should be a valid number"):
        return "Enter a number"
    return message


class ClientDialog(GuardedDialog):
    """The client form; `saved_id` holds the client's id after a successful save."""

    def __init__(
        self,
        save: SaveClient,
        initial: ClientInput | None = None,
        *,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clientDialog")
        self._save = save
        self._today = today
        self._attempted = False
        self._touched: set[str] = set()
        # The stored weight and how it was shown (to 0.1): saved as it was while that
        # text and unit stay, so opening and saving a client never rounds its weight.
        self._shown_weight: tuple[str, str, float] | None = None
        self.saved_id: str | None = None
        editing = initial is not None
        self.setWindowTitle("Edit client" if editing else "New client")
        self.setMinimumWidth(920)

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("name")
        self.name_edit.setPlaceholderText("Full legal name")
        self.preferred_edit = QLineEdit()
        self.preferred_edit.setObjectName("preferred_name")
        self.preferred_edit.setPlaceholderText("Optional")
        self.dob_edit = DateInput(latest=today())
        self.dob_edit.setObjectName("date_of_birth")
        self.dob_hint = label("", "hint")
        self.dob_hint.setObjectName("dobReading")
        self.dob_hint.hide()
        self.pronouns_edit = QComboBox()
        self.pronouns_edit.setObjectName("pronouns")
        self.pronouns_edit.setEditable(True)
        self.pronouns_edit.addItems(PRONOUNS)
        self.pronouns_edit.setCurrentIndex(-1)
        self.weight_edit = QLineEdit()
        self.weight_edit.setObjectName("weight_kg")
        self.weight_edit.setPlaceholderText("e.g. 68 or 150 lb")
        self.weight_edit.setMaximumWidth(150)
        self.weight_edit.setAccessibleName("Weight")
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("weightUnit")
        self.unit_combo.setAccessibleName("Weight unit")
        for unit in WeightUnit:
            self.unit_combo.addItem(unit.value, unit.value)
        self.weight_hint = label("", "hint")
        self.weight_hint.setObjectName("weightConversion")
        self.contact_edit = _area("contact", "Phone, email, address")
        self.emergency_edit = _area("emergency_contact", "Name, relationship, phone")
        self.diagnoses_edit = _area("diagnoses", "e.g. Major depressive disorder, recurrent", 4)
        self.medications_edit = _area("medications", "Name, dose, frequency", 5)
        self.allergies_edit = _area("allergies", "Drug and other allergies", 3)

        self.errors: dict[str, ErrorLabel] = {}
        for key in (
            "name",
            "preferred_name",
            "date_of_birth",
            "pronouns",
            "weight_kg",
            *AREA_FIELDS,
        ):
            err = ErrorLabel()
            err.setObjectName(f"error_{key}")
            self.errors[key] = err

        weight_row = QHBoxLayout()
        weight_row.setSpacing(8)
        weight_row.addWidget(self.weight_edit)
        weight_row.addWidget(self.unit_combo)
        weight_row.addWidget(self.weight_hint)
        weight_row.addStretch(1)
        dob_box = QVBoxLayout()
        dob_box.setSpacing(2)
        dob_row = QHBoxLayout()
        dob_row.addWidget(self.dob_edit)
        dob_row.addStretch(1)
        dob_box.addLayout(dob_row)
        dob_box.addWidget(self.dob_hint)

        left = self._form()
        self._add(left, "Name", self.name_edit, "name")
        self._add(left, "Preferred name", self.preferred_edit, "preferred_name")
        self._add(left, "Date of birth", dob_box, "date_of_birth")
        self._add(left, "Pronouns", self.pronouns_edit, "pronouns")
        self._add(left, "Weight", weight_row, "weight_kg")
        self._add(left, "Contact", self.contact_edit, "contact")
        self._add(left, "Emergency contact", self.emergency_edit, "emergency_contact")

        right = self._form()
        self._add(right, "Diagnoses", self.diagnoses_edit, "diagnoses")
        self._add(right, "Medications", self.medications_edit, "medications")
        self._add(right, "Allergies", self.allergies_edit, "allergies")

        left_col = QVBoxLayout()
        left_col.addWidget(label("Identity and contact", "heading"))
        left_col.addLayout(left)
        left_col.addStretch(1)
        right_col = QVBoxLayout()
        right_col.addWidget(label("Clinical", "heading"))
        right_col.addLayout(right)
        right_col.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(32)
        columns.addLayout(left_col, 1)
        columns.addLayout(right_col, 1)

        self.form_error = ErrorLabel()
        self.form_error.setObjectName("formError")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "Save changes" if editing else "Create client", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("saveButton")
        self.save_button.setProperty("role", "primary")
        shortcut_text = (
            QKeySequence(SAVE_SHORTCUT)
            .toString(QKeySequence.SequenceFormat.NativeText)
            .replace("Return", "Enter")
        )
        self.save_button.setToolTip(f"{self.save_button.text()} ({shortcut_text})")
        self.buttons.accepted.connect(self.try_save)
        self.buttons.rejected.connect(self.cancel)
        self._no_default_button()
        self.save_shortcuts = [
            QShortcut(QKeySequence(keys), self, self.try_save)
            for keys in (SAVE_SHORTCUT, "Ctrl+Enter")
        ]
        self.shortcut_hint = label(f"{shortcut_text} saves · Enter goes to the next field", "hint")
        self.shortcut_hint.setObjectName("saveShortcutHint")
        bottom = QHBoxLayout()
        bottom.addWidget(self.shortcut_hint, 1)
        bottom.addWidget(self.buttons)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 22, 28, 20)
        lay.setSpacing(14)
        lay.addLayout(columns)
        lay.addWidget(self.form_error)
        lay.addLayout(bottom)

        if initial is not None:
            self.set_values(initial)
        self.remember_shown()
        self._connect_live_validation()
        self.name_edit.setFocus()

    discard_text = "The client's details were changed and not saved. Discard the changes?"

    def form_state(self) -> tuple[str, ...]:
        """What the form shows (every field's text and the weight unit)."""
        texts = (
            self.name_edit.text(),
            self.preferred_edit.text(),
            self.dob_edit.text(),
            self.pronouns_edit.currentText(),
            self.weight_edit.text(),
            str(self.unit_combo.currentData()),
        )
        return texts + tuple(edit.toPlainText() for edit in self._areas().values())

    @staticmethod
    def _form() -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        return form

    def _add(
        self, form: QFormLayout, title: str, field: QWidget | QHBoxLayout | QVBoxLayout, key: str
    ) -> None:
        box = QVBoxLayout()
        box.setSpacing(3)
        if isinstance(field, QWidget):
            box.addWidget(field)
        else:
            box.addLayout(field)
        box.addWidget(self.errors[key])
        form.addRow(label(title, "formlabel"), box)

    def _connect_live_validation(self) -> None:
        def touched(key: str) -> Callable[..., None]:
            def _on_change(*_args: object) -> None:
                self._touched.add(key)
                self.validate()

            return _on_change

        self.name_edit.textEdited.connect(touched("name"))
        self.preferred_edit.textEdited.connect(touched("preferred_name"))
        self.dob_edit.edited.connect(touched("date_of_birth"))
        self.pronouns_edit.currentTextChanged.connect(touched("pronouns"))
        self.weight_edit.textEdited.connect(touched("weight_kg"))
        self.unit_combo.currentIndexChanged.connect(lambda _i: self.validate())
        for key, edit in self._areas().items():
            edit.textChanged.connect(touched(key))

    def _areas(self) -> dict[str, QPlainTextEdit]:
        return {
            "contact": self.contact_edit,
            "emergency_contact": self.emergency_edit,
            "diagnoses": self.diagnoses_edit,
            "medications": self.medications_edit,
            "allergies": self.allergies_edit,
        }

    def _inputs(self) -> dict[str, QWidget]:
        return {
            "name": self.name_edit,
            "preferred_name": self.preferred_edit,
            "date_of_birth": self.dob_edit,
            "pronouns": self.pronouns_edit,
            "weight_kg": self.weight_edit,
            **self._areas(),
        }

    def set_values(self, data: ClientInput) -> None:
        """Fill the form from an existing client."""
        self.name_edit.setText(data.name)
        self.preferred_edit.setText(data.preferred_name or "")
        self.dob_edit.set_value(data.date_of_birth)
        self.pronouns_edit.setCurrentText(data.pronouns or "")
        unit = WeightUnit(self.unit_combo.currentData())
        self.weight_edit.setText(
            f"{weight_in(data.weight_kg, unit):g}" if data.weight_kg is not None else ""
        )
        self._shown_weight = (
            None
            if data.weight_kg is None
            else (self.weight_edit.text(), unit.value, data.weight_kg)
        )
        for key, edit in self._areas().items():
            edit.setPlainText(getattr(data, key) or "")
        self._touched.clear()
        self.validate()

    def _stored_or(self, kg: float) -> float:
        """The stored weight while the form still shows it unchanged, else ``kg``."""
        shown = self._shown_weight
        if shown is not None and shown[:2] == (
            self.weight_edit.text(),
            self.unit_combo.currentData(),
        ):
            return shown[2]
        return kg

    def _weight(self) -> Weight | None:
        """The weight typed (InputError for text that is not one)."""
        return parse_weight(self.weight_edit.text(), WeightUnit(self.unit_combo.currentData()))

    def raw_values(self) -> tuple[dict[str, object], dict[str, str]]:
        """The form's values as ClientInput fields, and errors found before the model."""
        pre: dict[str, str] = {}
        weight: Weight | None = None
        try:
            weight = self._weight()
        except InputError as exc:
            pre["weight_kg"] = exc.problem[:1].upper() + exc.problem[1:]
        if weight is not None and not MIN_WEIGHT_KG <= weight.kg <= MAX_WEIGHT_KG:
            pre["weight_kg"] = weight_range_text(weight.unit)
        if weight is not None and weight.unit.value != self.unit_combo.currentData():
            # "154 lb" typed: the selector follows the unit typed
            self.unit_combo.blockSignals(True)
            self.unit_combo.setCurrentIndex(self.unit_combo.findData(weight.unit.value))
            self.unit_combo.blockSignals(False)
        other = WeightUnit.LB if weight is None or weight.unit is WeightUnit.KG else WeightUnit.KG
        self.weight_hint.setText(f"= {weight_text(weight.kg, other)}" if weight else "")
        born = None
        try:
            born = self.dob_edit.day("Date of birth")
        except InputError as exc:
            pre["date_of_birth"] = exc.problem[:1].upper() + exc.problem[1:]
        self.dob_hint.setText(self._dob_reading(born))
        self.dob_hint.setVisible(bool(self.dob_hint.text()))
        values: dict[str, object] = {
            "name": self.name_edit.text(),
            "preferred_name": self.preferred_edit.text(),
            "date_of_birth": born,
            "pronouns": self.pronouns_edit.currentText(),
            "weight_kg": None if weight is None else self._stored_or(weight.kg),
        }
        for key, edit in self._areas().items():
            values[key] = edit.toPlainText()
        return values, pre

    def validate(self) -> ClientInput | None:
        """Check the form; show messages for touched fields (all after a Save attempt)."""
        values, errors = self.raw_values()
        result: ClientInput | None = None
        try:
            result = ClientInput.model_validate(values, context={"today": self._today()})
        except ValidationError as exc:
            for key, msg in field_errors(exc).items():
                errors.setdefault(key, friendly(key, msg))
        if errors:
            result = None
        inputs = self._inputs()
        for key, err in self.errors.items():
            message = errors.get(key) if (self._attempted or key in self._touched) else None
            err.show_message(message)
            widget = inputs[key]
            if isinstance(widget, DateInput):
                widget.set_invalid(bool(message))
            else:
                set_invalid(widget, bool(message))
        return result

    def _dob_reading(self, born: date | None) -> str:
        """The date read from the field, in words, with the age (or nothing)."""
        if born is None:
            return ""
        today = self._today()
        if born > today:
            return show_date(born)
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return f"{show_date(born)} · age {years}"

    def _no_default_button(self) -> None:
        """Enter never presses a button it is not on: it moves to the next field."""
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)

    def showEvent(self, event: QShowEvent) -> None:
        """The button box makes its accept button the default when shown: undo that."""
        super().showEvent(event)
        self._no_default_button()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter moves to the next field (or presses the focused button); Ctrl+Enter saves."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if modifiers == Qt.KeyboardModifier.NoModifier:
                focus = self.focusWidget()
                if isinstance(focus, QAbstractButton):
                    focus.click()
                else:
                    self.focusNextChild()
                return
        super().keyPressEvent(event)

    def try_save(self) -> None:
        """Save if the form is valid; otherwise show every message and stay open."""
        self._attempted = True
        data = self.validate()
        if data is None:
            first = next((k for k, e in self.errors.items() if e.isVisibleTo(self)), None)
            if first is not None:
                self._inputs()[first].setFocus()
            return
        try:
            self.saved_id = self._save(data)
        except Exception as exc:
            log.error("saving a client failed: %s", type(exc).__name__)
            self.form_error.show_message(
                "The client could not be saved. Your entries are still here; try again."
            )
            return
        self.accept()
