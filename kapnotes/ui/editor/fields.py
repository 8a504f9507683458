"""One input widget per template field type, all behind the `FieldWidget` interface.

Each widget shows its label (with a • when the field is required to sign), the
help text as tooltip and caption, the input itself and an inline problem line
(amber for a plausibility warning, red for a rejected value). `changed` fires
on every user edit, never while the editor loads a value with `set_value`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from datetime import datetime, time
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTime, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.parse import InputError, parse_value
from kapnotes.domain.templates import (
    AnyField,
    ChecklistField,
    DateField,
    IntegerField,
    LongTextField,
    MultiChoiceField,
    NoteLinkField,
    NumberField,
    ScaleField,
    ShortTextField,
    SingleChoiceField,
    TimeField,
    YesNoField,
)
from kapnotes.domain.templates.model import parse_date, parse_time
from kapnotes.ui.editor.style import colour
from kapnotes.ui.widgets import set_invalid, set_role

LABEL_WIDTH = 230
#: What a read-only (e.g. signed) input shows when nothing was entered.
NOT_RECORDED = "—"
WIDE_TYPES = frozenset(
    {
        "long_text",
        "multi_choice",
        "checklist",
        "scale",
        "instrument",
        "vitals_log",
        "dose_log",
        "observation_log",
        "adverse_events",
        "clinicians",
    }
)


def words_of(query: str) -> list[str]:
    """The lower-case words of a search query."""
    return [w for w in "".join(c if c.isalnum() else " " for c in query.lower()).split() if w]


def find_word(text: str, words: Sequence[str]) -> tuple[int, int] | None:
    """Start and length of the first word in `text` that begins with one of `words`."""
    lowered = text.lower()
    best: tuple[int, int] | None = None
    for word in words:
        start = 0
        while True:
            at = lowered.find(word, start)
            if at < 0:
                break
            if at == 0 or not lowered[at - 1].isalnum():
                end = at
                while end < len(lowered) and lowered[end].isalnum():
                    end += 1
                if best is None or at < best[0]:
                    best = (at, end - at)
                break
            start = at + 1
    return best


def format_number(value: float) -> str:
    """A number as a clinician would type it: no trailing ``.0``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


class FieldWidget(QWidget):
    """Label, input, caption and problem line of one field; subclasses add the input."""

    changed = Signal()

    def __init__(self, field: AnyField, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.setObjectName(f"field_{field.id}")
        self._loading = False
        self._read_only = False
        self._rejection: str | None = None  # why the text typed is not stored (see reject)
        self.computed = field.computed is not None
        wide = field.type in WIDE_TYPES
        self.title = QLabel()
        self.title.setObjectName(f"label_{field.id}")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        mark = (
            f" <span style='color:{colour('accent')}; font-weight:700'>•</span>"
            if field.required_to_sign
            else ""
        )
        self.title.setText(html.escape(field.label, quote=False) + mark)
        if field.required_to_sign:
            self.title.setToolTip("Required to sign")
        self.required = field.required_to_sign
        set_role(self.title, "subheading" if wide else "fieldname")
        self.caption = QLabel(field.help)
        self.caption.setWordWrap(True)
        set_role(self.caption, "caption")
        self.caption.setVisible(bool(field.help))
        if field.help:
            self.title.setToolTip(field.help + ("  (required to sign)" if self.required else ""))
        self.issue = QLabel()
        self.issue.setObjectName(f"issue_{field.id}")
        self.issue.setWordWrap(True)
        self.issue.hide()
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(6)

        inputs = QVBoxLayout()
        inputs.setContentsMargins(0, 0, 0, 0)
        inputs.setSpacing(4)
        if wide:
            outer = QVBoxLayout(self)
            outer.setContentsMargins(0, 0, 0, 0)
            outer.setSpacing(4)
            outer.addWidget(self.title)
            outer.addWidget(self.caption)
            outer.addSpacing(2)
            outer.addLayout(self.body)
            outer.addWidget(self.issue)
        else:
            inputs.addLayout(self.body)
            inputs.addWidget(self.issue)
            inputs.addWidget(self.caption)
            row = QHBoxLayout(self)
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(16)
            self.title.setFixedWidth(LABEL_WIDTH)
            self.title.setContentsMargins(0, 6, 0, 0)
            row.addWidget(self.title, 0, Qt.AlignmentFlag.AlignTop)
            row.addLayout(inputs, 1)
        if self.computed and not field.help:
            self.caption.setText(
                "Calculated; type a value when it cannot be."
                if field.allow_manual
                else "Calculated from other entries."
            )
            self.caption.setVisible(True)

    # -- the interface the editor uses ---------------------------------------------------

    def value(self) -> Any:
        """The value as stored in the note (None when empty)."""
        raise NotImplementedError

    def rejection(self) -> str | None:
        """Why the text typed cannot be stored (shown in red under the input), or None.
        The editor then keeps :meth:`kept_value`: rejected input never erases a value."""
        return self._rejection

    def reject(self, message: str | None) -> None:
        """Show in red why the text typed cannot be stored (None: it can), and remember it
        for :meth:`rejection`."""
        self._rejection = message
        self.show_issue("error" if message else None, message or "")

    def kept_value(self) -> Any:
        """What stays stored while the input is rejected: the value the field had before
        the clinician started typing in it (valid beginnings of a rejected number, "5"
        and "50" of "500", are not kept)."""
        return self.value()

    def set_value(self, value: Any) -> None:
        """Show `value` without emitting `changed` (a stored value: nothing rejected)."""
        self._loading = True
        try:
            if self._rejection is not None:
                self.reject(None)
            self._show(value)
        finally:
            self._loading = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        """Freeze (or thaw) the input."""
        self._read_only = read_only
        for widget in self.focus_widgets():
            self._freeze(widget, read_only)

    @staticmethod
    def _freeze(widget: QWidget, read_only: bool) -> None:
        if isinstance(widget, QLineEdit | QPlainTextEdit):
            widget.setReadOnly(read_only)
            # A frozen empty input says so, instead of inviting typing with its hint.
            hint = widget.property("hint_when_editable")
            if read_only:
                if hint is None:
                    widget.setProperty("hint_when_editable", widget.placeholderText())
                widget.setPlaceholderText(NOT_RECORDED)
            elif hint is not None:
                widget.setPlaceholderText(str(hint))
        else:
            widget.setEnabled(not read_only)

    @property
    def read_only(self) -> bool:
        """Whether the input is frozen."""
        return self._read_only

    def focus_widgets(self) -> list[QWidget]:
        """The focusable inputs in tab order."""
        return []

    def focus_input(self) -> None:
        """Put the keyboard focus on the first input."""
        widgets = [w for w in self.focus_widgets() if w.isVisible()] or self.focus_widgets()
        if widgets:
            widgets[0].setFocus()

    def highlight(self, words: Sequence[str]) -> bool:
        """Select the first word of the field's text starting with one of `words`."""
        return False

    def show_issue(self, severity: str | None, message: str = "") -> None:
        """Show a warning (amber) or an error (red) under the input; None hides it."""
        if severity is None:
            self.issue.hide()
            self.issue.setText("")
        else:
            self.issue.setText(("⚠  " if severity == "warning" else "✕  ") + message)
            set_role(self.issue, "warning" if severity == "warning" else "field-error")
            self.issue.show()
        for widget in self.focus_widgets():
            set_invalid(widget, severity == "error")
            if isinstance(widget, QLineEdit):
                widget.setProperty("warning", severity == "warning")
                widget.style().unpolish(widget)
                widget.style().polish(widget)

    def _emit(self) -> None:
        if not self._loading and not self._read_only:
            self.changed.emit()


# --------------------------------------------------------------------------- text


class ShortTextWidget(FieldWidget):
    """One line of text."""

    def __init__(self, field: ShortTextField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"input_{field.id}")
        if field.max_length:
            self.edit.setMaxLength(field.max_length)
        self.edit.setToolTip(field.help)
        self.edit.textChanged.connect(lambda _t: self._emit())
        self.body.addWidget(self.edit)

    def value(self) -> Any:
        """The text, or None when blank."""
        text = self.edit.text()
        return None if not text.strip() else text

    def _show(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_widgets(self) -> list[QWidget]:
        """The line edit."""
        return [self.edit]

    def highlight(self, words: Sequence[str]) -> bool:
        """Select the first matching word."""
        found = find_word(self.edit.text(), words)
        if found is None:
            return False
        self.edit.setSelection(*found)
        return True


class LongTextWidget(FieldWidget):
    """Free prose."""

    def __init__(self, field: LongTextField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName(f"input_{field.id}")
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(72)
        self.edit.setMaximumHeight(110)
        self.edit.setToolTip(field.help)
        self.edit.textChanged.connect(self._emit)
        self.body.addWidget(self.edit)

    def value(self) -> Any:
        """The text, or None when blank."""
        text = self.edit.toPlainText()
        return None if not text.strip() else text

    def _show(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))
        self._fit()

    def set_read_only(self, read_only: bool) -> None:
        """Freeze (or thaw) the text; frozen and empty, it takes one line, not a box."""
        super().set_read_only(read_only)
        self._fit()

    def _fit(self) -> None:
        empty = not self.edit.toPlainText().strip()
        if self.read_only and empty:
            line = self.edit.fontMetrics().lineSpacing()
            self.edit.setMinimumHeight(line + 16)
            self.edit.setMaximumHeight(line + 16)
            self.edit.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        else:
            self.edit.setMinimumHeight(72)
            self.edit.setMaximumHeight(110)
            self.edit.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

    def focus_widgets(self) -> list[QWidget]:
        """The text edit."""
        return [self.edit]

    def highlight(self, words: Sequence[str]) -> bool:
        """Select the first matching word and scroll the text to it."""
        found = find_word(self.edit.toPlainText(), words)
        if found is None:
            return False
        cursor = QTextCursor(self.edit.document())
        cursor.setPosition(found[0])
        cursor.setPosition(found[0] + found[1], QTextCursor.MoveMode.KeepAnchor)
        self.edit.setTextCursor(cursor)
        self.edit.ensureCursorVisible()
        return True


# --------------------------------------------------------------------------- numbers


class NumberWidget(FieldWidget):
    """A decimal or whole number typed as text, with its unit beside it.

    Text that is not a number, or a number outside ``range``, is rejected (red; the
    value last stored stays stored); a number outside ``plausible`` is kept with an
    amber note.
    """

    def __init__(self, field: NumberField | IntegerField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.number_field = field
        self.integer = isinstance(field, IntegerField)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"input_{field.id}")
        self.edit.setMaximumWidth(140)
        self.edit.setToolTip(field.help)
        if field.range is not None:
            self.edit.setPlaceholderText(
                f"{format_number(field.range[0])}–{format_number(field.range[1])}"
            )
        self.edit.textChanged.connect(self._on_text)
        self.edit.installEventFilter(self)  # focus in: what to keep if the typing is rejected
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.edit)
        self.unit_label = QLabel(field.unit)
        set_role(self.unit_label, "muted")
        self.unit_label.setVisible(bool(field.unit))
        row.addWidget(self.unit_label)
        row.addStretch(1)
        self.body.addLayout(row)
        self._value: float | int | None = None
        self._kept: float | int | None = None

    def parse(self, text: str) -> tuple[float | int | None, str | None, str]:
        """(value, severity, message) for typed text."""
        try:
            number = parse_value(self.number_field, text)
        except InputError:
            return None, "error", "must be a whole number" if self.integer else "must be a number"
        if number is None:
            return None, None, ""
        for issue in self.number_field.check_value(number):
            if issue.severity == "error":
                return None, "error", issue.message
            return number, "warning", issue.message
        return number, None, ""

    def _on_text(self, text: str) -> None:
        self._value, severity, message = self.parse(text)
        self._rejection = message if severity == "error" else None
        self.show_issue(severity, message)
        self._emit()

    def value(self) -> Any:
        """The number, or None when blank or rejected."""
        return self._value

    def kept_value(self) -> Any:
        """The number the field held when the typing began (see the base class)."""
        return self._kept

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Focus coming in: the value now is what a rejected typing keeps."""
        if watched is self.edit and event.type() == QEvent.Type.FocusIn and not self._rejection:
            self._kept = self._value
        return super().eventFilter(watched, event)

    def _show(self, value: Any) -> None:
        if value is None or isinstance(value, bool):
            self.edit.setText("")
        else:
            self.edit.setText(format_number(value))
        self._on_text(self.edit.text())
        if not self._rejection:
            self._kept = self._value

    def focus_widgets(self) -> list[QWidget]:
        """The line edit."""
        return [self.edit]


# --------------------------------------------------------------------------- choices


class SingleChoiceWidget(FieldWidget):
    """Radio buttons for a few short options, otherwise a drop-down list."""

    def __init__(self, field: SingleChoiceField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.choice_field = field
        labels = [o.label for o in field.options]
        self.use_radios = (
            not field.allow_other and len(labels) <= 4 and sum(len(t) for t in labels) <= 60
        )
        self.combo: QComboBox | None = None
        self.group: QButtonGroup | None = None
        self.radios: list[QRadioButton] = []
        if self.use_radios:
            self.group = QButtonGroup(self)
            row = QHBoxLayout()
            row.setSpacing(18)
            for index, option in enumerate(field.options):
                radio = QRadioButton(option.label)
                radio.setObjectName(f"input_{field.id}_{option.value}")
                radio.setToolTip(option.help or field.help)
                self.group.addButton(radio, index)
                self.radios.append(radio)
                row.addWidget(radio)
            row.addStretch(1)
            self.group.idToggled.connect(self._on_toggled)
            self.body.addLayout(row)
        else:
            combo = QComboBox()
            combo.setObjectName(f"input_{field.id}")
            combo.addItem("—", None)
            for option in field.options:
                combo.addItem(option.label, option.value)
            combo.setEditable(field.allow_other)
            line = combo.lineEdit() if field.allow_other else None
            if line is not None:
                line.setPlaceholderText(f"Choose, or type {field.other_label.lower()}")
            combo.setMinimumWidth(280)
            combo.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            combo.currentIndexChanged.connect(lambda _i: self._emit())
            if field.allow_other:
                combo.editTextChanged.connect(lambda _t: self._emit())
            self.combo = combo
            row = QHBoxLayout()
            row.addWidget(combo)
            row.addStretch(1)
            self.body.addLayout(row)

    def _on_toggled(self, _id: int, on: bool) -> None:
        if on:
            self._emit()

    def value(self) -> Any:
        """The chosen option's value (or typed text when other answers are allowed)."""
        if self.group is not None:
            checked = self.group.checkedId()
            return None if checked < 0 else self.choice_field.options[checked].value
        assert self.combo is not None
        if self.choice_field.allow_other:
            text = self.combo.currentText().strip()
            for option in self.choice_field.options:
                if text == option.label:
                    return option.value
            return text or None
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def _show(self, value: Any) -> None:
        values = self.choice_field.option_values()
        if self.group is not None:
            if value in values:
                self.radios[values.index(value)].setChecked(True)
            else:
                self.group.setExclusive(False)
                for radio in self.radios:
                    radio.setChecked(False)
                self.group.setExclusive(True)
            return
        assert self.combo is not None
        if value in values:
            self.combo.setCurrentIndex(values.index(value) + 1)
        elif value is None:
            self.combo.setCurrentIndex(0)
            if self.choice_field.allow_other:
                self.combo.setEditText("")
        else:
            self.combo.setEditText(str(value))

    def focus_widgets(self) -> list[QWidget]:
        """The radio buttons or the combo box."""
        return list(self.radios) if self.radios else [self.combo] if self.combo else []


def _checkbox_grid(count: int) -> int:
    return 1 if count <= 4 else 2 if count <= 12 else 3


class MultiChoiceWidget(FieldWidget):
    """Check boxes for the options, plus free text for other answers when allowed."""

    def __init__(self, field: MultiChoiceField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.choice_field = field
        self.boxes: list[QCheckBox] = []
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        columns = _checkbox_grid(len(field.options))
        rows = math.ceil(len(field.options) / columns)
        for index, option in enumerate(field.options):
            box = QCheckBox(option.label)
            box.setObjectName(f"input_{field.id}_{option.value}")
            box.setToolTip(option.help)
            box.toggled.connect(lambda _on: self._emit())
            grid.addWidget(box, index % rows, index // rows)
            self.boxes.append(box)
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        self.body.addLayout(grid)
        self.other: QLineEdit | None = None
        if field.allow_other:
            self.other = QLineEdit()
            self.other.setObjectName(f"input_{field.id}_other")
            self.other.setPlaceholderText(f"{field.other_label} (separate several with commas)")
            self.other.textChanged.connect(lambda _t: self._emit())
            self.body.addWidget(self.other)

    def value(self) -> Any:
        """The ticked option values and any other answers; None when nothing is chosen."""
        chosen = [
            option.value
            for option, box in zip(self.choice_field.options, self.boxes, strict=True)
            if box.isChecked()
        ]
        if self.other is not None:
            chosen += [t.strip() for t in self.other.text().split(",") if t.strip()]
        return chosen or None

    def _show(self, value: Any) -> None:
        chosen = list(value) if isinstance(value, list | tuple) else []
        known = self.choice_field.option_values()
        for option, box in zip(self.choice_field.options, self.boxes, strict=True):
            box.setChecked(option.value in chosen)
        if self.other is not None:
            self.other.setText(", ".join(str(v) for v in chosen if v not in known))

    def focus_widgets(self) -> list[QWidget]:
        """The check boxes, then the other-answer line."""
        return [*self.boxes, *([self.other] if self.other is not None else [])]

    def highlight(self, words: Sequence[str]) -> bool:
        """Select a matching other answer."""
        if self.other is None:
            return False
        found = find_word(self.other.text(), words)
        if found is None:
            return False
        self.other.setSelection(*found)
        return True


class ChecklistWidget(FieldWidget):
    """Items to tick; "None apply" records a review with nothing ticked.

    The value is None (not reviewed), the ticked item values, or ``[]`` when the
    clinician ticked "None apply" (only offered when not every item is required).
    """

    def __init__(self, field: ChecklistField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.checklist = field
        self.boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        columns = 1 if len(field.items) <= 6 else 2
        rows = math.ceil(len(field.items) / columns)
        for index, item in enumerate(field.items):
            box = QCheckBox(item.label)
            box.setObjectName(f"input_{field.id}_{item.value}")
            box.setToolTip(item.help)
            box.toggled.connect(self._on_item)
            grid.addWidget(box, index % rows, index // rows)
            self.boxes[item.value] = box
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        self.body.addLayout(grid)
        self.none_box: QCheckBox | None = None
        if not field.require_all:
            self.none_box = QCheckBox("None of these apply")
            self.none_box.setObjectName(f"input_{field.id}_none")
            self.none_box.toggled.connect(self._on_none)
            self.body.addWidget(self.none_box)
        self.progress = QLabel()
        set_role(self.progress, "caption")
        self.progress.setVisible(field.require_all)
        self.body.addWidget(self.progress)
        self._update_progress()

    def _on_item(self, on: bool) -> None:
        if on and self.none_box is not None and self.none_box.isChecked():
            self.none_box.blockSignals(True)
            self.none_box.setChecked(False)
            self.none_box.blockSignals(False)
        self._update_progress()
        self._emit()

    def _on_none(self, on: bool) -> None:
        if on:
            for box in self.boxes.values():
                box.blockSignals(True)
                box.setChecked(False)
                box.blockSignals(False)
        self._update_progress()
        self._emit()

    def _update_progress(self) -> None:
        shown = [box for box in self.boxes.values() if not box.isHidden()]
        ticked = sum(box.isChecked() for box in shown)
        self.progress.setText(f"{ticked} of {len(shown)} ticked; every item is needed to sign")

    def show_items(self, visible: Sequence[str]) -> None:
        """Show only these items (item ``show_if``)."""
        for value, box in self.boxes.items():
            box.setVisible(value in visible)
        self._update_progress()

    def value(self) -> Any:
        """Ticked item values, ``[]`` for "none apply", None when not reviewed."""
        ticked = [value for value, box in self.boxes.items() if box.isChecked()]
        if ticked:
            return ticked
        if self.none_box is not None and self.none_box.isChecked():
            return []
        return None

    def _show(self, value: Any) -> None:
        ticked = list(value) if isinstance(value, list | tuple) else []
        for item_value, box in self.boxes.items():
            box.setChecked(item_value in ticked)
        if self.none_box is not None:
            self.none_box.setChecked(isinstance(value, list | tuple) and not ticked)
        self._update_progress()

    def focus_widgets(self) -> list[QWidget]:
        """The item boxes, then "None apply"."""
        return [*self.boxes.values(), *([self.none_box] if self.none_box is not None else [])]


class ScaleWidget(FieldWidget):
    """A row of numbered buttons (0–10 by default) with the anchor words under the ends.

    Clicking the chosen number again clears the answer.
    """

    def __init__(self, field: ScaleField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.scale = field
        self.buttons: list[QPushButton] = []
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)
        row = QHBoxLayout()
        row.setSpacing(4)
        for number in range(field.min, field.max + 1):
            button = QPushButton(str(number))
            button.setObjectName(f"input_{field.id}_{number}")
            button.setCheckable(True)
            button.setProperty("role", "segment")
            button.setFixedWidth(38)
            self.group.addButton(button, number)
            self.buttons.append(button)
            row.addWidget(button)
        row.addStretch(1)
        self.group.idClicked.connect(self._on_click)
        anchors = QHBoxLayout()
        low = QLabel(f"{field.min} = {field.anchors.low}")
        high = QLabel(f"{field.max} = {field.anchors.high}")
        for lbl in (low, high):
            set_role(lbl, "caption")
        high.setAlignment(Qt.AlignmentFlag.AlignRight)
        anchors.addWidget(low)
        anchors.addStretch(1)
        anchors.addWidget(high)
        holder = QWidget()
        holder.setLayout(anchors)
        anchors.setContentsMargins(0, 0, 0, 0)
        holder.setFixedWidth(42 * len(self.buttons))
        self.body.addLayout(row)
        self.body.addWidget(holder)
        self._value: int | None = None

    def _on_click(self, number: int) -> None:
        self._value = None if self._value == number else number
        self._sync()
        self._emit()

    def _sync(self) -> None:
        for button in self.buttons:
            button.setChecked(self.group.id(button) == self._value)

    def value(self) -> Any:
        """The number chosen, or None."""
        return self._value

    def _show(self, value: Any) -> None:
        ok = isinstance(value, int) and not isinstance(value, bool)
        self._value = value if ok and self.scale.min <= value <= self.scale.max else None
        self._sync()

    def focus_widgets(self) -> list[QWidget]:
        """The number buttons."""
        return list(self.buttons)


class YesNoWidget(FieldWidget):
    """Two radio buttons; unanswered until one is chosen."""

    def __init__(self, field: YesNoField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.yes = QRadioButton("Yes")
        self.yes.setObjectName(f"input_{field.id}_yes")
        self.no = QRadioButton("No")
        self.no.setObjectName(f"input_{field.id}_no")
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes, 1)
        self.group.addButton(self.no, 0)
        self.group.idToggled.connect(self._on_toggled)
        row = QHBoxLayout()
        row.setSpacing(18)
        row.addWidget(self.yes)
        row.addWidget(self.no)
        row.addStretch(1)
        self.body.addLayout(row)

    def _on_toggled(self, _id: int, on: bool) -> None:
        if on:
            self._emit()

    def value(self) -> Any:
        """True, False, or None when unanswered."""
        checked = self.group.checkedId()
        return None if checked < 0 else checked == 1

    def _show(self, value: Any) -> None:
        if value is True:
            self.yes.setChecked(True)
        elif value is False:
            self.no.setChecked(True)
        else:
            self.group.setExclusive(False)
            self.yes.setChecked(False)
            self.no.setChecked(False)
            self.group.setExclusive(True)

    def focus_widgets(self) -> list[QWidget]:
        """Yes, then No."""
        return [self.yes, self.no]


# --------------------------------------------------------------------------- date and time


class _Blankable(FieldWidget):
    """An input that may be empty: "Not recorded" with a set button, or the input + clear."""

    SET_TEXT = "Set"

    def _build(self, editor: QWidget) -> None:
        self.stack = QStackedWidget()
        self.stack.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        empty = QWidget()
        empty_row = QHBoxLayout(empty)
        empty_row.setContentsMargins(0, 0, 0, 0)
        self.empty_label = QLabel("Not recorded")
        set_role(self.empty_label, "muted")
        self.set_button = QPushButton(self.SET_TEXT)
        self.set_button.setObjectName(f"set_{self.field.id}")
        self.set_button.clicked.connect(self._start)
        empty_row.addWidget(self.empty_label)
        empty_row.addWidget(self.set_button)
        empty_row.addStretch(1)
        filled = QWidget()
        filled_row = QHBoxLayout(filled)
        filled_row.setContentsMargins(0, 0, 0, 0)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName(f"clear_{self.field.id}")
        self.clear_button.setProperty("role", "link")
        self.clear_button.setToolTip("Leave this empty")
        self.clear_button.clicked.connect(self._clear)
        filled_row.addWidget(editor)
        filled_row.addWidget(self.clear_button)
        filled_row.addStretch(1)
        self.stack.addWidget(empty)
        self.stack.addWidget(filled)
        row = QHBoxLayout()
        row.addWidget(self.stack)
        row.addStretch(1)
        self.body.addLayout(row)

    @property
    def is_blank(self) -> bool:
        """Whether nothing is recorded."""
        return self.stack.currentIndex() == 0

    def _start(self) -> None:
        self._fill_now()
        self.stack.setCurrentIndex(1)
        self.focus_widgets()[1].setFocus()
        self._emit()

    def _clear(self) -> None:
        self.stack.setCurrentIndex(0)
        self.set_button.setFocus()
        self._emit()

    def _fill_now(self) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        """Freeze the input and hide the set/clear buttons."""
        super().set_read_only(read_only)
        self.set_button.setVisible(not read_only)
        self.clear_button.setVisible(not read_only)


class DateWidget(_Blankable):
    """A date that can be blank; "Today" fills in today's date."""

    SET_TEXT = "Today"

    def __init__(self, field: DateField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QDateEdit()
        self.edit.setObjectName(f"input_{field.id}")
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setMinimumDate(QDate(1900, 1, 1))
        self.edit.setMaximumDate(QDate(2100, 12, 31))
        self.edit.setMinimumWidth(140)
        self.edit.dateChanged.connect(lambda _d: self._emit())
        self._build(self.edit)

    def _fill_now(self) -> None:
        self.edit.blockSignals(True)
        self.edit.setDate(QDate.currentDate())
        self.edit.blockSignals(False)

    def value(self) -> Any:
        """``YYYY-MM-DD`` or None."""
        if self.is_blank:
            return None
        return self.edit.date().toString("yyyy-MM-dd")

    def _show(self, value: Any) -> None:
        parsed = parse_date(value)
        if parsed is None:
            self.stack.setCurrentIndex(0)
            return
        self.edit.setDate(QDate(parsed.year, parsed.month, parsed.day))
        self.stack.setCurrentIndex(1)

    def focus_widgets(self) -> list[QWidget]:
        """The set button and the date edit."""
        return [self.set_button, self.edit, self.clear_button]


class TimeWidget(_Blankable):
    """A clock time that can be blank; "Now" fills in the current time."""

    SET_TEXT = "Now"

    def __init__(
        self,
        field: TimeField,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], time] | None = None,
    ) -> None:
        super().__init__(field, parent)
        # "Now" on the note's clock (its clinic's zone), not necessarily this computer's.
        self._clock = clock or (lambda: datetime.now().time())
        self.edit = QTimeEdit()
        self.edit.setObjectName(f"input_{field.id}")
        self.edit.setDisplayFormat("HH:mm")
        self.edit.setFixedWidth(84)
        inner = self.edit.findChild(QLineEdit)
        if inner is not None:
            inner.setTextMargins(6, 0, 0, 0)
        self.edit.timeChanged.connect(lambda _t: self._emit())
        self._build(self.edit)

    def _fill_now(self) -> None:
        now = self._clock()
        self.edit.blockSignals(True)
        self.edit.setTime(QTime(now.hour, now.minute))
        self.edit.blockSignals(False)

    def value(self) -> Any:
        """``HH:MM`` or None."""
        if self.is_blank:
            return None
        return self.edit.time().toString("HH:mm")

    def _show(self, value: Any) -> None:
        parsed = parse_time(value)
        if not isinstance(parsed, time):
            self.stack.setCurrentIndex(0)
            return
        self.edit.setTime(QTime(parsed.hour, parsed.minute, parsed.second))
        self.stack.setCurrentIndex(1)

    def focus_widgets(self) -> list[QWidget]:
        """The set button and the time edit."""
        return [self.set_button, self.edit, self.clear_button]


# --------------------------------------------------------------------------- note link


class NoteLinkWidget(FieldWidget):
    """A drop-down of this client's notes of the linked phase."""

    def __init__(
        self,
        field: NoteLinkField,
        choices: Sequence[tuple[str, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(field, parent)
        self.combo = QComboBox()
        self.combo.setObjectName(f"input_{field.id}")
        self.combo.setMinimumWidth(320)
        self.combo.addItem("— not linked —", None)
        for note_id, text in choices:
            self.combo.addItem(text, note_id)
        self.combo.currentIndexChanged.connect(lambda _i: self._emit())
        row = QHBoxLayout()
        row.addWidget(self.combo)
        row.addStretch(1)
        self.body.addLayout(row)

    def value(self) -> Any:
        """The linked note's id, or None."""
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value) if isinstance(value, str) else 0
        if index < 0:
            self.combo.addItem(f"Note {value}", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)

    def focus_widgets(self) -> list[QWidget]:
        """The combo box."""
        return [self.combo]


__all__ = [
    "ChecklistWidget",
    "DateWidget",
    "FieldWidget",
    "LongTextWidget",
    "MultiChoiceWidget",
    "NoteLinkWidget",
    "NumberWidget",
    "ScaleWidget",
    "ShortTextWidget",
    "SingleChoiceWidget",
    "TimeWidget",
    "YesNoWidget",
]
