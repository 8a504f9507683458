"""The session view's side panels: medicine log, adverse events and interventions,
monitoring time per clinician, and discharge (with the esketamine REMS block).

Each panel writes through the :class:`SessionRecord` it is handed (event first,
values next, durable before anything is shown) and emits ``written`` so the view
refreshes and hands the focus back to the observation line. Problems are shown
inline in the panel; nothing here opens a dialog.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.clients import PRODUCT_LABELS, Product
from kapnotes.domain.session import DoseInputError, product_from
from kapnotes.domain.templates import MultiChoiceField, SingleChoiceField
from kapnotes.domain.templates.model import Option as ChoiceOption
from kapnotes.session import (
    MG,
    MG_PER_KG,
    DoseRequest,
    LiveSession,
    Logged,
    NeedsReason,
    Outcome,
    PresenceRequest,
    Refused,
    SessionRecord,
)
from kapnotes.session.record import ADVERSE, CLINICIANS, DISCHARGE_EVENT, DOSES, TREATMENTS
from kapnotes.store.notes import EVENT_KEY
from kapnotes.ui.widgets import label, set_invalid, set_role

log = logging.getLogger(__name__)


def caption(text: str, widget: QWidget) -> QVBoxLayout:
    """A small caption above an input."""
    box = QVBoxLayout()
    box.setSpacing(2)
    box.addWidget(label(text, "caption"))
    box.addWidget(widget)
    return box


def template_options(record: SessionRecord, field_id: str, column: str | None = None) -> list[Any]:
    """The choice options of a template field (or of one column of a log field)."""
    try:
        field: Any = record.spec.field(field_id)
    except KeyError:
        return []
    if column is not None:
        field = next((c for c in getattr(field, "columns", ()) if c.id == column), None)
    if isinstance(field, SingleChoiceField | MultiChoiceField):
        return list(field.options)
    return []


class ChoiceCombo(QComboBox):
    """A drop-down the keyboard drives fully: type the start of a choice, Enter submits.

    A plain QComboBox opens its popup on Space, so a choice whose label has a space
    ("Racemic ketamine, intramuscular (IM)") cannot be typed, and it ignores Enter, so
    Enter on it records nothing. Here Space continues the typed search, and Enter
    emits ``returnPressed`` (the panels connect it to the same action as their inputs).
    Alt+Down (or Space before typing) still opens the popup.
    """

    returnPressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typed = ""
        self._typed_at = QElapsedTimer()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter submits; printable keys (Space within a search too) search the labels."""
        if self.isEditable():  # the line edit types and completes; Enter via its signal
            super().keyPressEvent(event)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.returnPressed.emit()
            return
        text = event.text()
        plain = not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.MetaModifier
        )
        searching = (
            self._typed_at.isValid()
            and self._typed_at.elapsed() < QApplication.keyboardInputInterval()
        )
        if plain and text.isprintable() and text and (text != " " or searching):
            typed = self._typed + text if searching else text
            index = self.findText(typed, Qt.MatchFlag.MatchStartsWith)
            if index < 0 and searching and text != " ":  # no such choice: start again
                typed = text
                index = self.findText(typed, Qt.MatchFlag.MatchStartsWith)
            self._typed = typed
            self._typed_at.start()
            if index >= 0:
                self.setCurrentIndex(index)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Each visit starts a new search."""
        self._typed = ""
        self._typed_at.invalidate()
        super().focusInEvent(event)


class Panel(QFrame):
    """A titled panel with an inline message line; ``written`` after each stored entry."""

    written = Signal(str)

    def __init__(self, title: str, session: LiveSession) -> None:
        super().__init__()
        self.setProperty("role", "panel")
        self.session = session
        self.record = session.record
        self.settings = session.settings
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 12, 14, 12)
        self.body.setSpacing(8)
        self.title = label(title, "panel-title")
        self.body.addWidget(self.title)
        self.message = label("", "inline-error", wrap=True)
        self.message.hide()

    def say(self, text: str, role: str = "inline-error") -> None:
        """Show (or with empty text hide) the panel's inline message."""
        self.message.setText(text)
        set_role(self.message, role)
        self.message.setVisible(bool(text))

    def ask_reason(self, text: str, field: QWidget) -> None:
        """Say why a reason is needed and put the cursor in ``field``, both scrolled into
        view (in a short window the panel scrolls inside its tab)."""
        self.say(text)
        field.setFocus()
        QTimer.singleShot(0, lambda: self._scroll_into_view(field, self.message))

    def _scroll_into_view(self, *widgets: QWidget) -> None:
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is None:
            return
        for widget in widgets:  # the last one wins where both cannot be shown
            area.ensureWidgetVisible(widget, 0, 12)

    def show_outcome(self, outcome: Outcome, inputs: dict[str, QWidget] | None = None) -> bool:
        """Show what the session answered: a message, the input at fault marked; True when
        the entry was written."""
        for widget in (inputs or {}).values():
            set_invalid(widget, False)
        if isinstance(outcome, Logged):
            if outcome.warnings:
                self.say(" ".join((outcome.message, *outcome.warnings)).strip(), "inline-warning")
            elif outcome.message:
                self.say(outcome.message, "inline-ok")
            else:
                self.say("")
            return True
        if isinstance(outcome, Refused):
            target = (inputs or {}).get(outcome.field or "")
            if target is not None:
                set_invalid(target, True)
                target.setFocus()
            self.say(outcome.reason)
            return False
        self.say(outcome.message)
        return False

    def set_read_only(self, read_only: bool) -> None:
        """Disable every input of the panel."""
        for widget in self.findChildren(QWidget):
            if isinstance(widget, QLineEdit | QComboBox | QPushButton | QCheckBox):
                widget.setEnabled(not read_only)

    def first_input(self) -> QWidget:
        """Where the panel's shortcut puts the focus."""
        return self


# --------------------------------------------------------------------------- medicine


class DosePanel(Panel):
    """Product, dose in mg or mg/kg (mg from the client's weight), lot number, time."""

    def __init__(self, session: LiveSession) -> None:
        super().__init__("Medicine log", session)
        record = session.record
        self.product = ChoiceCombo()
        self.product.setObjectName("doseProduct")
        for product in Product:
            self.product.addItem(PRODUCT_LABELS[product], product.value)
        self.product.setCurrentIndex(max(self.product.findData(record.product.value), 0))
        self.amount = QLineEdit()
        self.amount.setObjectName("doseAmount")
        self.amount.setPlaceholderText("dose")
        self.unit = ChoiceCombo()
        self.unit.setObjectName("doseUnit")
        self.unit.addItems([MG, MG_PER_KG])
        self.lot = QLineEdit()
        self.lot.setObjectName("doseLot")
        self.lot.setPlaceholderText("lot no.")
        self.time = QLineEdit()
        self.time.setObjectName("doseTime")
        self.time.setPlaceholderText("now")
        self.time.setMaximumWidth(90)
        self.minutes = QLineEdit()
        self.minutes.setObjectName("doseInfusionMinutes")
        self.minutes.setPlaceholderText("min")
        self.minutes.setToolTip("IV: the infusion's minutes (the rate is the dose over them)")
        self.minutes.setMaximumWidth(70)
        self.stop_button = QPushButton("Stop infusion")
        self.stop_button.setObjectName("stopInfusion")
        self.stop_button.setToolTip(
            "Stamp the running infusion's stop time (the Time field, or now)"
        )
        self.stop_button.clicked.connect(self.stop_infusion)
        self.override = QLineEdit()
        self.override.setObjectName("doseOverride")
        self.override.setPlaceholderText("Reason to dose despite the open checks or the BP hold")
        self.override_row = QWidget()
        override_lay = QVBoxLayout(self.override_row)
        override_lay.setContentsMargins(0, 0, 0, 0)
        override_lay.addWidget(self.override)
        self.override_row.hide()
        self.button = QPushButton("Log dose")
        self.button.setObjectName("logDose")
        self.button.setProperty("role", "primary")
        self.button.clicked.connect(self.log_dose)
        for edit in (self.amount, self.lot, self.time, self.minutes, self.override):
            edit.returnPressed.connect(self.log_dose)
        self.product.returnPressed.connect(self.log_dose)
        self.unit.returnPressed.connect(self.log_dose)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.addLayout(caption("Product and route", self.product), 0, 0, 1, 4)
        grid.addLayout(caption("Dose", self.amount), 1, 0)
        grid.addLayout(caption("Unit", self.unit), 1, 1)
        grid.addLayout(caption("Lot number", self.lot), 1, 2)
        grid.addLayout(caption("Time", self.time), 1, 3)
        self.minutes_box = QWidget()
        minutes_lay = caption("Over (min)", self.minutes)
        minutes_lay.setContentsMargins(0, 0, 0, 0)
        self.minutes_box.setLayout(minutes_lay)
        grid.addWidget(self.minutes_box, 1, 4)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(2, 2)
        self.body.addLayout(grid)
        self.body.addWidget(self.override_row)
        row = QHBoxLayout()
        self.computed = label("", "caption")
        self.computed.setObjectName("doseComputed")
        row.addWidget(self.computed, 1)
        row.addWidget(self.stop_button)
        row.addWidget(self.button)
        self.body.addLayout(row)
        self.body.addWidget(self.message)
        self.doses = QListWidget()
        self.doses.setObjectName("doseList")
        self.doses.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.doses.setMaximumHeight(90)
        self.body.addWidget(self.doses)
        self.body.addStretch(1)
        self.amount.textChanged.connect(self._preview)
        self.unit.currentIndexChanged.connect(self._preview)
        self.product.currentIndexChanged.connect(self._product_changed)
        self._product_changed()
        self.refresh()

    def _product_changed(self) -> None:
        """The infusion minutes show for IV only."""
        iv = self.product.currentData() == Product.KETAMINE_IV.value
        self.minutes_box.setVisible(iv)
        if not iv:
            self.minutes.clear()

    def first_input(self) -> QWidget:
        """The dose amount."""
        return self.amount

    def stop_infusion(self) -> bool:
        """Stamp the running infusion's stop time (the Time field, or now)."""
        if self.record.read_only:
            return False
        if not self.show_outcome(self.session.stop_infusion(self.time.text()), {"time": self.time}):
            return False
        self.time.clear()
        self.refresh()
        self.written.emit(DOSES)
        return True

    def _preview(self) -> None:
        self.computed.setText(
            self.session.dose_preview(self.amount.text(), self.unit.currentText())
        )

    def refresh(self) -> None:
        """List the doses given so far."""
        self.doses.clear()
        for row, instant in self.record.timed_rows(DOSES):
            per_kg = row.get("dose_mg_per_kg")
            extra = f" ({per_kg:g} mg/kg)" if isinstance(per_kg, int | float) else ""
            lot = f" · lot {row['lot_number']}" if row.get("lot_number") else ""
            try:
                what = PRODUCT_LABELS[product_from(str(row.get("product")), str(row.get("route")))]
            except DoseInputError:
                what = f"{row.get('product', '')} {row.get('route', '')}"
            when = self.session.clock(instant) if instant else str(row.get("time", ""))
            over = ""
            if row.get("infusion_min") is not None:
                stop = row.get("stop_time")
                over = f" over {row['infusion_min']} min" + (
                    f", stopped {stop}" if stop else ", running"
                )
            self.doses.addItem(f"{when}  {row.get('dose_mg', '')} mg{extra}{over}  {what}{lot}")
        self.stop_button.setVisible(self.session.running_infusion() is not None)

    def log_dose(self) -> bool:
        """Log the dose typed; refused (inline) while a hold needs a reason."""
        if self.record.read_only:
            return False
        outcome = self.session.log_dose(
            DoseRequest(
                Product(str(self.product.currentData())),
                self.amount.text(),
                self.unit.currentText(),
                self.lot.text(),
                self.time.text(),
                self.override.text(),
                self.minutes.text(),
            )
        )
        if isinstance(outcome, NeedsReason):
            self.override_row.show()
            self.ask_reason(outcome.message, self.override)
            return False
        inputs: dict[str, QWidget] = {
            "amount": self.amount,
            "time": self.time,
            "infusion_min": self.minutes,
        }
        if not self.show_outcome(outcome, inputs):
            return False
        for edit in (self.amount, self.lot, self.time, self.minutes, self.override):
            edit.clear()
        self.override_row.hide()
        self.refresh()
        self.written.emit(DOSES)
        return True


# --------------------------------------------------------------------------- events


class EventsPanel(Panel):
    """Adverse events: kind (from the list, or confirmed as new), severity, onset, action;
    resolved; corrected before signing (Enter on an event in the list)."""

    def __init__(self, session: LiveSession) -> None:
        super().__init__("Adverse events", session)
        record = session.record
        self._confirm_kind: str | None = None  # a new kind already asked about once
        self._correcting: str | None = None  # the event being corrected
        self.kind = QComboBox()
        self.kind.setObjectName("aeKind")
        self.kind.setEditable(True)
        # A kind typed that is not in the list is asked about, never added to the list.
        self.kind.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for option in template_options(record, ADVERSE, "kind"):
            self.kind.addItem(option.label, option.value)
        self.kind.setCurrentIndex(-1)
        self.severity = ChoiceCombo()
        self.severity.setObjectName("aeSeverity")
        for option in template_options(record, ADVERSE, "severity"):
            self.severity.addItem(option.label, option.value)
        self.onset = QLineEdit()
        self.onset.setObjectName("aeOnset")
        self.onset.setPlaceholderText("now")
        self.onset.setMaximumWidth(90)
        self.action = QLineEdit()
        self.action.setObjectName("aeAction")
        self.action.setPlaceholderText("Action taken")
        self.button = QPushButton("Record event")
        self.button.setObjectName("recordAdverse")
        self.button.setProperty("role", "primary")
        self.button.clicked.connect(self.record_adverse)
        self.onset.returnPressed.connect(self.record_adverse)
        self.severity.returnPressed.connect(self.record_adverse)
        kind_line = self.kind.lineEdit()
        if kind_line is not None:
            kind_line.returnPressed.connect(self.record_adverse)
            kind_line.textEdited.connect(lambda _t: self._forget_confirmation())
        self.action.returnPressed.connect(self.record_adverse)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.addLayout(caption("Event", self.kind), 0, 0)
        grid.addLayout(caption("Severity", self.severity), 0, 1)
        grid.addLayout(caption("Onset", self.onset), 0, 2)
        grid.addLayout(caption("Action taken", self.action), 1, 0, 1, 2)
        grid.addWidget(self.button, 1, 2, Qt.AlignmentFlag.AlignBottom)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)
        self.body.addWidget(self.message)
        self.events = QListWidget()
        self.events.setObjectName("aeList")
        self.events.setToolTip("Enter (or double-click) on an event corrects it")
        self.events.itemActivated.connect(self.start_correction)
        self.events.itemDoubleClicked.connect(self.start_correction)
        self.resolved = QPushButton("Resolved now")
        self.resolved.setObjectName("aeResolved")
        self.resolved.setToolTip("Stamp the selected (or latest open) event as resolved now")
        self.resolved.clicked.connect(self.resolve)
        self.body.addWidget(self.events, 1)
        self.body.addWidget(self.resolved, 0, Qt.AlignmentFlag.AlignRight)
        self.refresh()

    def first_input(self) -> QWidget:
        """The kind of event."""
        return self.kind

    def _forget_confirmation(self) -> None:
        self._confirm_kind = None

    def refresh(self) -> None:
        """List the adverse events."""
        self.events.clear()
        kinds = self.session.adverse_kinds()
        severities = {o.value: o.label for o in template_options(self.record, ADVERSE, "severity")}
        times = self.record.times()
        for position, row in enumerate(self.record.rows(ADVERSE)):
            onset = times.row(ADVERSE, position, "onset_time")
            resolved_at = times.row(ADVERSE, position, "resolution_time")
            resolved = self.session.clock(resolved_at) if resolved_at else None
            onset_text = self.session.clock(onset) if onset else str(row.get("onset_time", ""))
            corrected = "  (corrected)" if row.get(EVENT_KEY) in self.record.corrected else ""
            text = (
                f"{onset_text}  {kinds.get(str(row.get('kind')), row.get('kind'))}"
                f" ({severities.get(str(row.get('severity')), row.get('severity') or '')})"
                + (f" · resolved {resolved}" if resolved else " · open")
                + (f" · {row['action_taken']}" if row.get("action_taken") else "")
                + corrected
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, row.get(EVENT_KEY))
            self.events.addItem(item)

    def start_correction(self, item: QListWidgetItem) -> None:
        """Load an event into the inputs; Record saves the correction (the first is kept)."""
        if self.record.read_only:
            return
        event_id = item.data(Qt.ItemDataRole.UserRole)
        row = next((r for r in self.record.rows(ADVERSE) if r.get(EVENT_KEY) == event_id), None)
        if row is None:
            return
        self._correcting = str(event_id)
        found = self.kind.findData(row.get("kind"))
        if found >= 0:
            self.kind.setCurrentIndex(found)
        else:
            self.kind.setEditText(str(row.get("kind", "")))
        self.severity.setCurrentIndex(max(self.severity.findData(row.get("severity")), 0))
        self.onset.setText(str(row.get("onset_time", "")))
        self.action.setText(str(row.get("action_taken", "")))
        self.button.setText("Save correction")
        self.say(
            "Correcting this event (its first version is kept). Esc cancels.", "inline-warning"
        )
        self.kind.setFocus()

    @property
    def is_correcting(self) -> bool:
        """Whether an event is loaded for correcting."""
        return self._correcting is not None

    def cancel_correction(self) -> None:
        """Back to recording new events."""
        self._correcting = None
        self.button.setText("Record event")
        for edit in (self.onset, self.action):
            edit.clear()
        self.kind.setCurrentIndex(-1)
        self.say("")

    def record_adverse(self) -> bool:
        """Record the adverse event typed (or save the correction), stamped with its onset.
        A kind not in the list is asked about first: Enter again records it as new."""
        if self.record.read_only:
            return False
        text = self.kind.currentText().strip()
        index = self.kind.findText(text)
        kind = str(self.kind.itemData(index) if index >= 0 else text)
        confirm = self._confirm_kind is not None and self._confirm_kind == text
        args = (kind, self.severity.currentData(), self.onset.text(), self.action.text())
        if self._correcting is not None:
            outcome = self.session.correct_adverse(self._correcting, *args, confirm_new=confirm)
        else:
            outcome = self.session.record_adverse(*args, confirm_new=confirm)
        if isinstance(outcome, NeedsReason):
            self._confirm_kind = text
            self.say(outcome.message, "inline-warning")
            self.kind.setFocus()
            return False
        if not self.show_outcome(outcome, {"onset": self.onset, "kind": self.kind}):
            return False
        self._confirm_kind = None
        self.cancel_correction()
        self.refresh()
        self.written.emit(ADVERSE)
        return True

    def resolve(self) -> bool:
        """Stamp the selected (else the latest open) adverse event as resolved now."""
        if self.record.read_only:
            return False
        item = self.events.currentItem()
        event_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not self.show_outcome(self.session.resolve_adverse(event_id)):
            return False
        self.refresh()
        self.written.emit(ADVERSE)
        return True


class TreatmentsPanel(Panel):
    """Interventions (reassurance … prescriber called) and each drug or treatment given:
    drug, dose, route and time."""

    def __init__(self, session: LiveSession) -> None:
        super().__init__("Interventions and treatments", session)
        record = session.record
        self.interventions: dict[str, QCheckBox] = {}
        boxes = QGridLayout()
        boxes.setVerticalSpacing(4)
        options: list[ChoiceOption] = template_options(record, "interventions")
        for position, option in enumerate(options):
            box = QCheckBox(option.label)
            box.setObjectName(f"intervention_{option.value}")
            box.toggled.connect(lambda on, o=option: self._intervention(o, on))
            boxes.addWidget(box, position // 3, position % 3)
            self.interventions[option.value] = box
        self.body.addLayout(boxes)
        self.body.addWidget(label("Drug or treatment given", "panel-title"))
        self.drug = QLineEdit()
        self.drug.setObjectName("treatmentDrug")
        self.drug.setPlaceholderText("e.g. Ondansetron")
        self.dose = QLineEdit()
        self.dose.setObjectName("treatmentDose")
        self.dose.setPlaceholderText("e.g. 4 mg")
        self.dose.setMaximumWidth(110)
        self.route = ChoiceCombo()
        self.route.setObjectName("treatmentRoute")
        for option in template_options(record, TREATMENTS, "route"):
            self.route.addItem(option.label, option.value)
        self.time = QLineEdit()
        self.time.setObjectName("treatmentTime")
        self.time.setPlaceholderText("now")
        self.time.setMaximumWidth(90)
        self.button = QPushButton("Record")
        self.button.setObjectName("recordTreatment")
        self.button.setProperty("role", "primary")
        self.button.clicked.connect(self.give)
        for edit in (self.drug, self.dose, self.time):
            edit.returnPressed.connect(self.give)
        self.route.returnPressed.connect(self.give)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.addLayout(caption("Drug", self.drug), 0, 0)
        grid.addLayout(caption("Dose", self.dose), 0, 1)
        grid.addLayout(caption("Route", self.route), 0, 2)
        grid.addLayout(caption("At (blank = now)", self.time), 0, 3)
        grid.addWidget(self.button, 0, 4, Qt.AlignmentFlag.AlignBottom)
        grid.setColumnStretch(0, 2)
        self.body.addLayout(grid)
        self.body.addWidget(self.message)
        self.given = QListWidget()
        self.given.setObjectName("treatmentList")
        self.given.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body.addWidget(self.given, 1)
        self.refresh()

    def first_input(self) -> QWidget:
        """The drug given."""
        return self.drug

    def refresh(self) -> None:
        """Tick the interventions recorded; list the treatments given."""
        chosen = self.record.values.get("interventions")
        chosen = chosen if isinstance(chosen, list) else []
        for value, box in self.interventions.items():
            box.blockSignals(True)
            box.setChecked(value in chosen)
            box.blockSignals(False)
        self.given.clear()
        routes = {o.value: o.label for o in template_options(self.record, TREATMENTS, "route")}
        for row, instant in self.record.timed_rows(TREATMENTS):
            when = self.session.clock(instant) if instant else str(row.get("time", ""))
            parts = [
                str(row.get("drug", "")),
                str(row.get("dose", "")),
                routes.get(str(row.get("route", "")), str(row.get("route", ""))),
            ]
            self.given.addItem(f"{when}  " + "  ".join(p for p in parts if p))

    def give(self) -> bool:
        """Record the drug or treatment typed."""
        if self.record.read_only:
            return False
        outcome = self.session.give_treatment(
            self.drug.text(), self.dose.text(), self.route.currentData(), self.time.text()
        )
        if not self.show_outcome(outcome, {"drug": self.drug, "time": self.time}):
            return False
        for edit in (self.drug, self.dose, self.time):
            edit.clear()
        self.refresh()
        self.written.emit(TREATMENTS)
        return True

    def _intervention(self, option: ChoiceOption, on: bool) -> None:
        if self.record.read_only:
            return
        if self.show_outcome(self.session.set_intervention(option.value, option.label, on)):
            self.written.emit("interventions")


# --------------------------------------------------------------------------- time


ROLES: tuple[tuple[str, str], ...] = (
    ("therapist", "Therapist"),
    ("prescriber", "Prescriber"),
    ("nurse", "Nurse"),
    ("staff", "Staff"),
)


class TimePanel(Panel):
    """Who is present, in person, from when to when; totals and suggested billing units."""

    def __init__(self, session: LiveSession) -> None:
        super().__init__("Monitoring time", session)
        self.name = QLineEdit()
        self.name.setObjectName("clinicianName")
        self.name.setPlaceholderText("Name")
        self.role = ChoiceCombo()
        self.role.setObjectName("clinicianRole")
        for value, text in ROLES:
            self.role.addItem(text, value)
        self.credential = QLineEdit()
        self.credential.setObjectName("clinicianCredential")
        self.credential.setPlaceholderText("e.g. LMFT, RN")
        self.credential.setMaximumWidth(110)
        self.in_person = QCheckBox("In person")
        self.in_person.setObjectName("clinicianInPerson")
        self.in_person.setChecked(True)
        self.time = QLineEdit()
        self.time.setObjectName("clinicianTime")
        self.time.setPlaceholderText("now")
        self.time.setMaximumWidth(80)
        self.start = QPushButton("Start")
        self.start.setObjectName("clinicianStart")
        self.start.setProperty("role", "primary")
        self.start.setToolTip("Record this person's arrival (Enter in the name)")
        self.start.clicked.connect(self.start_presence)
        self.name.returnPressed.connect(self.start_presence)
        self._offer_roster()
        self.role.returnPressed.connect(self.start_presence)
        self.credential.returnPressed.connect(self.start_presence)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.addLayout(caption("Name", self.name), 0, 0)
        grid.addLayout(caption("Role", self.role), 0, 1)
        grid.addLayout(caption("Credential", self.credential), 0, 2)
        grid.addWidget(self.in_person, 1, 0)
        grid.addLayout(caption("At (blank = now)", self.time), 1, 1)
        grid.addWidget(self.start, 1, 2, Qt.AlignmentFlag.AlignBottom)
        grid.setColumnStretch(0, 2)
        self.body.addLayout(grid)
        self.body.addWidget(self.message)
        self.people = QListWidget()
        self.people.setObjectName("presenceList")
        self.people.setMaximumHeight(90)
        self.people.itemActivated.connect(lambda _item: self.stop_presence())
        self.stop = QPushButton("Stop (left the room)")
        self.stop.setObjectName("clinicianStop")
        self.stop.setToolTip("Record that the selected person left (Enter on the list)")
        self.stop.clicked.connect(self.stop_presence)
        self.body.addWidget(self.people)
        self.body.addWidget(self.stop, 0, Qt.AlignmentFlag.AlignRight)
        self.summary = label("", None, wrap=True)
        self.summary.setObjectName("billingSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.summary)
        self.body.addStretch(1)
        self.refresh()

    def first_input(self) -> QWidget:
        """The name of the person arriving."""
        return self.name

    def _offer_roster(self) -> None:
        """Complete the name from the vault's clinicians; picking one fills role and credential."""
        try:
            self.roster = {name: (cred, role) for name, cred, role in self.session.roster()}
        except Exception:
            log.warning("the vault's clinicians could not be listed for the clinicians log")
            self.roster = {}
        completer = QCompleter(sorted(self.roster), self.name)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # Inline: the rest of a name appears selected as it is typed (no popup that would
        # take the keyboard, or Enter, from a session being monitored).
        completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.name.setCompleter(completer)
        self.name.editingFinished.connect(lambda: self.fill_from_roster(self.name.text()))

    def fill_from_roster(self, name: str) -> None:
        """A clinician of the vault chosen by name: their role and credential filled in."""
        found = self.roster.get(name.strip())
        if found is None:
            return
        credential, role = found
        self.credential.setText(credential)
        index = self.role.findData(role)
        if index >= 0:
            self.role.setCurrentIndex(index)

    def start_presence(self) -> bool:
        """Record a person's arrival as a clinicians row."""
        if self.record.read_only:
            return False
        outcome = self.session.start_presence(
            PresenceRequest(
                self.name.text(),
                str(self.role.currentData()),
                self.credential.text(),
                self.in_person.isChecked(),
                self.time.text(),
            )
        )
        if not self.show_outcome(outcome, {"name": self.name, "time": self.time}):
            return False
        for edit in (self.name, self.credential, self.time):
            edit.clear()
        self.refresh()
        self.written.emit(CLINICIANS)
        return True

    def stop_presence(self) -> bool:
        """Record that the selected (or the only present) person left."""
        if self.record.read_only:
            return False
        item = self.people.currentItem()
        event_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        outcome = self.session.stop_presence(
            event_id if isinstance(event_id, str) else None, self.time.text()
        )
        if not self.show_outcome(outcome, {"time": self.time}):
            return False
        self.time.clear()
        self.refresh()
        self.written.emit(CLINICIANS)
        return True

    def refresh(self) -> None:
        """The people present and the billing summary."""
        current = self.people.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.people.clear()
        times = self.record.times()
        for position, row in enumerate(self.record.rows(CLINICIANS)):
            start = times.row(CLINICIANS, position, "start_time")
            stop = times.row(CLINICIANS, position, "end_time")
            where = "" if row.get("in_person") is not False else " · remote"
            item = QListWidgetItem(
                f"{row.get('name', '')} ({row.get('role', '')}{where})  "
                f"{self.session.clock(start) if start else '?'}–"
                f"{self.session.clock(stop) if stop else 'present'}"
            )
            item.setData(Qt.ItemDataRole.UserRole, row.get(EVENT_KEY))
            self.people.addItem(item)
            if row.get(EVENT_KEY) == keep:
                self.people.setCurrentItem(item)
        self.summary.setText(self.summary_text())

    def summary_text(self) -> str:
        """Per-person totals and the suggested units under the clinic's rounding."""
        return self.session.time_summary()


# --------------------------------------------------------------------------- discharge


class DischargePanel(Panel):
    """The clinic's checklist gates the discharge time; an override needs a reason (kept)."""

    def __init__(self, session: LiveSession) -> None:
        super().__init__("Discharge", session)
        record = session.record
        settings = session.settings
        self.boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setVerticalSpacing(4)
        ticked = record.values.get("discharge_criteria")
        ticked = ticked if isinstance(ticked, list) else []
        for position, item in enumerate(settings.discharge_checklist):
            box = QCheckBox(item.label)
            box.setObjectName(f"discharge_{item.value}")
            box.setChecked(item.value in ticked)
            box.toggled.connect(self._ticked)
            grid.addWidget(box, position // 2, position % 2)
            self.boxes[item.value] = box
        self.body.addLayout(grid)
        self.escort = QLineEdit()
        self.escort.setObjectName("escortName")
        self.escort.setPlaceholderText("Escort's name")
        escort = record.values.get("escort_name")
        self.escort.setText(escort if isinstance(escort, str) else "")
        self.override = QLineEdit()
        self.override.setObjectName("dischargeOverride")
        self.override.setPlaceholderText("Only if something listed above stays unmet")
        self.button = QPushButton("Record discharge")
        self.button.setObjectName("recordDischarge")
        self.button.setProperty("role", "primary")
        self.button.clicked.connect(self.record_discharge)
        self.escort.returnPressed.connect(self.record_discharge)
        self.override.returnPressed.connect(self.record_discharge)
        row = QHBoxLayout()
        row.addLayout(caption("Escort", self.escort), 1)
        row.addLayout(caption("Override reason", self.override), 2)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        self.body.addLayout(row)
        self.body.addWidget(self.message)
        self.rems = label("", None, wrap=True)
        self.rems.setObjectName("remsBlock")
        self.rems.setVisible(record.product is Product.ESKETAMINE_INTRANASAL)
        self.body.addWidget(self.rems)
        self.done = label("", "inline-ok", wrap=True)
        self.done.setObjectName("dischargeDone")
        self.body.addWidget(self.done)
        self.body.addStretch(1)
        self.refresh()

    def first_input(self) -> QWidget:
        """The first checklist item."""
        return next(iter(self.boxes.values()), self.escort)

    def checked(self) -> list[str]:
        """The criteria ticked, in checklist order."""
        return [value for value, box in self.boxes.items() if box.isChecked()]

    def _ticked(self) -> None:
        if self.record.read_only:
            return
        self.show_outcome(self.session.set_discharge_criteria(self.checked()))

    def refresh(self) -> None:
        """The REMS block (esketamine) and what discharge recorded."""
        discharge = self.record.discharge_time()
        if self.record.product is Product.ESKETAMINE_INTRANASAL:
            text, _values = self.session.rems(discharge or self.session.now())
            if discharge is None:
                text = text.replace("\nMissing:", "\nMissing if discharged now:")
            self.rems.setText(text)
        if discharge is not None:
            reason = self.record.values.get("discharge_override_reason")
            self.done.setText(
                f"Discharge recorded at {self.session.clock(discharge)}"
                + (f" (override: {reason})" if reason else "")
            )
        else:
            self.done.setText("")

    def record_discharge(self) -> bool:
        """Record discharge now; refused while an item is unticked unless a reason is given."""
        if self.record.read_only:
            return False
        outcome = self.session.record_discharge(
            self.checked(), self.escort.text(), self.override.text()
        )
        if isinstance(outcome, NeedsReason):
            self.ask_reason(outcome.message, self.override)
            return False
        if not self.show_outcome(outcome):
            return False
        self.override.clear()
        self.say("")
        self.refresh()
        self.written.emit(DISCHARGE_EVENT)
        return True
