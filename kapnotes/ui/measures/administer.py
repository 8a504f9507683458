"""``AdministerDialog``: give a client an outcome measure on its own, from the client page.

The dialog names the client. Choose the instrument (bundled and clinic ones from
the catalog), the date it was administered (today unless changed) and the course
it belongs to (by default the course whose days contain that date, as the store
decides), fill the form and save. An incomplete form is saved too: stored but not
scored, and the dialog says which items are missing before the clinician saves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.instruments import InstrumentSpec, LoadedInstruments
from kapnotes.domain.timeline import local_day
from kapnotes.store.measures import MeasureRecord, MeasureStore
from kapnotes.ui.dates import typing_format
from kapnotes.ui.errors import log_failure
from kapnotes.ui.measures.form import InstrumentForm, missing_text
from kapnotes.ui.widgets import ErrorLabel, label

log = logging.getLogger(__name__)

Instruments = LoadedInstruments | Iterable[InstrumentSpec]
"""What callers hand over as "the catalog's instruments"."""


# The spec's measures first, in its order; clinic instruments after them.
PREFERRED_ORDER = ("phq9", "gad7", "pcl5")


def unknown_name(instrument_id: str) -> str:
    """A readable name for a measure whose form is not set up here (``ebi`` → ``EBI``)."""
    return instrument_id.replace("_", " ").upper()


def instrument_list(instruments: Instruments) -> list[InstrumentSpec]:
    """One spec per instrument id (its highest version): PHQ-9, GAD-7, PCL-5, then the rest."""
    specs = instruments.instruments if isinstance(instruments, LoadedInstruments) else instruments
    best: dict[str, InstrumentSpec] = {}
    for spec in specs:
        current = best.get(spec.id)
        if current is None or spec.version > current.version:
            best[spec.id] = spec
    seen = list(best)

    def rank(spec: InstrumentSpec) -> tuple[int, int]:
        preferred = PREFERRED_ORDER.index(spec.id) if spec.id in PREFERRED_ORDER else 99
        return preferred, seen.index(spec.id)

    return sorted(best.values(), key=rank)


class AdministerDialog(QDialog):
    """Pick an instrument and a date, fill in the form, save through ``MeasureStore.save``.

    ``saved`` carries the stored :class:`MeasureRecord`; ``record`` keeps it after
    the dialog closes.
    """

    saved = Signal(object)

    def __init__(
        self,
        measures: MeasureStore,
        instruments: Instruments,
        client_id: str,
        parent: QWidget | None = None,
        *,
        instrument_id: str | None = None,
        client_name: str = "",
        courses: Sequence[tuple[str, str]] = (),
        today: Callable[[], date] | None = None,
    ) -> None:
        """``courses``: the client's courses as (id, title), newest first; ``today``: the
        clinic's date (default: today in the clinic's zone)."""
        super().__init__(parent)
        self.setObjectName("administerDialog")
        self.setWindowTitle(
            f"Administer a measure · {client_name}" if client_name else "Administer a measure"
        )
        self.setMinimumSize(720, 560)
        self.resize(880, 800)
        self._measures = measures
        self._client_id = client_id
        self.specs = instrument_list(instruments)
        self.record: MeasureRecord | None = None
        self.forms: dict[str, InstrumentForm] = {}

        heading = label("Administer a measure", "dialog-title", wrap=True)
        self.client_label = label(f"for {client_name}" if client_name else "", "muted")
        self.client_label.setObjectName("administerClient")
        self.client_label.setVisible(bool(client_name))

        self.instrument_combo = QComboBox()
        self.instrument_combo.setObjectName("instrumentCombo")
        self.instrument_combo.setAccessibleName("Measure")
        for spec in self.specs:
            self.instrument_combo.addItem(f"{spec.short_name} — {spec.title}", spec.id)
        now = today() if today is not None else local_day(datetime.now(UTC), measures.zone_name)
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("administeredDate")
        self.date_edit.setAccessibleName("Date administered")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(typing_format())
        self.date_edit.setMinimumDate(QDate(2000, 1, 1))
        self.date_edit.setMaximumDate(QDate(now.year, now.month, now.day))
        self.date_edit.setDate(QDate(now.year, now.month, now.day))
        self.date_edit.setMinimumWidth(150)

        self.course_combo = QComboBox()
        self.course_combo.setObjectName("courseCombo")
        self.course_combo.setAccessibleName("Course")
        for course_id, course_title in courses:
            self.course_combo.addItem(course_title, course_id)
        self._course_chosen_by_hand = False
        self.course_combo.activated.connect(self._course_picked)
        self.date_edit.dateChanged.connect(lambda _d: self._default_course())

        choose = QGridLayout()
        choose.setHorizontalSpacing(10)
        choose.setVerticalSpacing(8)
        choose.addWidget(label("Measure", "fieldname"), 0, 0)
        choose.addWidget(self.instrument_combo, 0, 1)
        choose.addWidget(label("Date administered", "fieldname"), 0, 2)
        choose.addWidget(self.date_edit, 0, 3)
        choose.addWidget(label("Course", "fieldname"), 1, 0)
        choose.addWidget(self.course_combo, 1, 1, 1, 3)
        self.no_course_label = label(
            "This client has no course yet; the measure is kept without one.", "hint"
        )
        choose.addWidget(self.no_course_label, 1, 1, 1, 3)
        choose.setColumnStretch(1, 1)
        self.course_combo.setVisible(bool(courses))
        self.no_course_label.setVisible(not courses)

        self.stack = QStackedWidget()
        self.stack.setObjectName("formStack")
        self.empty_label = label(
            "No measures are set up on this computer. Your clinic can add its own under "
            "Settings → Templates and instruments.",
            "muted",
            wrap=True,
        )
        self.stack.addWidget(self.empty_label)

        self.hint_label = label("", "hint", wrap=True)
        self.hint_label.setObjectName("incompleteHint")
        self.error_label = ErrorLabel()
        self.error_label.setObjectName("saveError")

        self.buttons = QDialogButtonBox()
        self.save_button: QPushButton = self.buttons.addButton(
            "Save", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("saveMeasureButton")
        self.save_button.setProperty("role", "primary")
        self.cancel_button: QPushButton = self.buttons.addButton(
            QDialogButtonBox.StandardButton.Cancel
        )
        self.cancel_button.setObjectName("cancelMeasureButton")
        self.save_button.clicked.connect(self._save)
        self.cancel_button.clicked.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 18)
        lay.setSpacing(12)
        lay.addWidget(heading)
        lay.addWidget(self.client_label)
        lay.addLayout(choose)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.hint_label)
        lay.addWidget(self.error_label)
        lay.addWidget(self.buttons)

        self.instrument_combo.currentIndexChanged.connect(self._instrument_chosen)
        start = self.instrument_combo.findData(instrument_id) if instrument_id else 0
        self.instrument_combo.setCurrentIndex(max(start, 0))
        self._instrument_chosen()
        self._default_course()

    # -- state ---------------------------------------------------------------------

    @property
    def spec(self) -> InstrumentSpec | None:
        """The chosen instrument."""
        index = self.instrument_combo.currentIndex()
        return self.specs[index] if 0 <= index < len(self.specs) else None

    @property
    def form(self) -> InstrumentForm | None:
        """The form of the chosen instrument."""
        spec = self.spec
        return self.forms.get(spec.id) if spec is not None else None

    def set_instrument(self, instrument_id: str) -> None:
        """Switch to an instrument by id (answers given to others are kept until saved)."""
        index = self.instrument_combo.findData(instrument_id)
        if index < 0:
            raise KeyError(instrument_id)
        self.instrument_combo.setCurrentIndex(index)

    def set_date(self, day: date) -> None:
        """Set the date administered."""
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    @property
    def course_id(self) -> str | None:
        """The course chosen (None when the client has none)."""
        data = self.course_combo.currentData()
        return str(data) if data is not None else None

    def set_course(self, course_id: str) -> None:
        """Choose the course as a user would (it then stays when the date changes)."""
        index = self.course_combo.findData(course_id)
        if index < 0:
            raise KeyError(course_id)
        self.course_combo.setCurrentIndex(index)
        self._course_picked(index)

    def _course_picked(self, _index: int) -> None:
        self._course_chosen_by_hand = True

    def _default_course(self) -> None:
        """The course whose days contain the date, unless the clinician chose one."""
        day = self.date_edit.date().toPython()
        if self._course_chosen_by_hand or not isinstance(day, date):
            return
        course_id = self._measures.course_for(self._client_id, day)
        index = self.course_combo.findData(course_id) if course_id is not None else -1
        if index >= 0:
            self.course_combo.setCurrentIndex(index)

    def _instrument_chosen(self, _index: int = 0) -> None:
        spec = self.spec
        if spec is None:
            self.stack.setCurrentWidget(self.empty_label)
            self._update_hint()
            return
        form = self.forms.get(spec.id)
        if form is None:
            form = InstrumentForm(spec, scrollable=True, show_title=False)
            form.answersChanged.connect(lambda _answers: self._update_hint())
            self.forms[spec.id] = form
            self.stack.addWidget(form)
        self.stack.setCurrentWidget(form)
        self._update_hint()

    def _update_hint(self) -> None:
        form = self.form
        answered = form is not None and any(v is not None for v in form.answers().values())
        self.save_button.setEnabled(answered)
        if form is None or not answered:
            self.hint_label.setText("")
            self.hint_label.hide()
            return
        result = form.result()
        if result.complete:
            self.hint_label.hide()
            return
        self.hint_label.setText(
            f"Incomplete ({missing_text(form.spec, result.missing_items)}): saving now "
            "stores the answers given, without a score."
        )
        self.hint_label.show()

    # -- saving --------------------------------------------------------------------

    def _save(self) -> None:
        form = self.form
        if form is None:
            return
        day = self.date_edit.date().toPython()
        if not isinstance(day, date):
            self.error_label.show_message("Choose the date the measure was given.")
            return
        try:
            self.record = self._measures.save(
                self._client_id,
                form.spec,
                form.answers(),
                course_id=self.course_id,
                administered_at=self._measures.instant_for(day),
            )
        except Exception as exc:
            log_failure(log, "saving a measure failed", exc)
            self.error_label.show_message(
                "The measure could not be saved. Your answers are still here; try again."
            )
            return
        self.error_label.show_message(None)
        self.saved.emit(self.record)
        self.accept()
