"""The client page: header (identity, age, weight, allergies), details, courses and notes.

It shows one `ClientRecord` handed to it and keeps no reference to the store;
`clear()` removes every client detail from its widgets (used when locking).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.clients import (
    WeightUnit,
    no_known_allergies,
    product_label,
    weight_text,
)
from kapnotes.domain.instruments import LoadedInstruments
from kapnotes.store.clients import ClientRecord, CourseRecord
from kapnotes.store.measures import MeasureStore
from kapnotes.ui import theme
from kapnotes.ui.dates import show_date
from kapnotes.ui.measures import MeasuresPanel, RiskFlagBanner
from kapnotes.ui.views.course_notes import CourseNotesView, align_columns
from kapnotes.ui.widgets import Card, label


def age_on(dob: date, today: date) -> int:
    """Whole years between `dob` and `today`."""
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def _weight(kg: float) -> str:
    return f"{weight_text(kg)} ({weight_text(kg, WeightUnit.LB)})"


def _clear_layout(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


@dataclass(frozen=True)
class MeasuresSource:
    """Where the page gets measures: the open vault's store (None while locked) and instruments."""

    store: Callable[[], MeasureStore | None]
    instruments: Callable[[], LoadedInstruments]


class ClientPage(QWidget):
    """Shows one client; asks (by signal) to edit it or to start a course."""

    edit_requested = Signal(str)
    new_course_requested = Signal(str)
    new_note_requested = Signal(str)  # course id
    note_requested = Signal(str)  # note id
    live_session_requested = Signal(str)  # note id of a draft dosing note
    course_report_requested = Signal(str)  # course id: preview its course report
    measures_changed = Signal(str)  # client id: a measure was given or a flag acknowledged

    DETAIL_FIELDS = (
        ("contact", "Contact"),
        ("emergency_contact", "Emergency contact"),
        ("diagnoses", "Diagnoses"),
        ("medications", "Medications"),
    )

    def __init__(
        self, measures: MeasuresSource | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clientPage")
        self._client_id: str | None = None
        self._measures = measures

        # header
        self.header = Card(margins=24, spacing=6)
        self.name_label = label("", "title", wrap=True)
        self.name_label.setObjectName("clientName")
        self.identity_label = label("", "muted", wrap=True)
        self.identity_label.setObjectName("clientIdentity")
        self.edit_button = theme.icon_button("Edit client", "edit")
        self.edit_button.setObjectName("editClientButton")
        self.edit_button.clicked.connect(self._edit)
        top = QHBoxLayout()
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.name_label)
        names.addWidget(self.identity_label)
        top.addLayout(names, 1)
        top.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        self.header.body.addLayout(top)

        chips = QHBoxLayout()
        chips.setSpacing(8)
        self.age_chip = label("", "chip")
        self.age_chip.setObjectName("clientAge")
        self.weight_chip = label("", "chip")
        self.weight_chip.setObjectName("clientWeight")
        chips.addWidget(self.age_chip)
        chips.addWidget(self.weight_chip)
        chips.addStretch(1)
        self.header.body.addSpacing(4)
        self.header.body.addLayout(chips)
        self.allergy_label = label("", "allergy", wrap=True)
        self.allergy_label.setObjectName("clientAllergies")
        self.header.body.addSpacing(4)
        self.header.body.addWidget(self.allergy_label)
        self.risk_banner = RiskFlagBanner(measures.store if measures else None)
        self.header.body.addWidget(self.risk_banner)

        # details
        self.details = Card(margins=24, spacing=10)
        self.details.body.addWidget(label("Details", "heading"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(1, 1)
        self.detail_labels: dict[str, QLabel] = {}
        for row, (key, title) in enumerate(self.DETAIL_FIELDS):
            name = label(title, "fieldname")
            name.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            value = label("", None, wrap=True)
            value.setObjectName(f"detail_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.detail_labels[key] = value
        self.details.body.addLayout(grid)

        # courses
        self.courses_card = Card(margins=24, spacing=12)
        head = QHBoxLayout()
        head.addWidget(label("Courses", "heading"))
        head.addStretch(1)
        self.new_course_button = theme.icon_button("New course", "plus")
        self.new_course_button.setObjectName("newCourseButton")
        self.new_course_button.clicked.connect(self._new_course)
        head.addWidget(self.new_course_button)
        self.courses_card.body.addLayout(head)
        self.courses_empty = QWidget()
        self.courses_empty.setObjectName("coursesEmpty")
        empty_lay = QHBoxLayout(self.courses_empty)
        empty_lay.setContentsMargins(0, 8, 0, 8)
        empty_lay.addWidget(label("No courses yet —", "muted"))
        add_link = QPushButton("add one")
        add_link.setObjectName("addCourseLink")
        add_link.setProperty("role", "link")
        add_link.setCursor(Qt.CursorShape.PointingHandCursor)
        add_link.clicked.connect(self._new_course)
        empty_lay.addWidget(add_link)
        empty_lay.addStretch(1)
        self.courses_card.body.addWidget(self.courses_empty)
        self.course_list = QVBoxLayout()
        self.course_list.setSpacing(12)
        self.courses_card.body.addLayout(self.course_list)

        inner = QWidget()
        inner.setObjectName("clientPageInner")
        col = QVBoxLayout(inner)
        col.setContentsMargins(24, 20, 24, 24)
        col.setSpacing(16)
        col.addWidget(self.header)
        col.addWidget(self.details)
        col.addWidget(self.courses_card)
        self.measures_panel = MeasuresPanel()
        self.measures_panel.measuresChanged.connect(lambda _id: self._measures_changed())
        self.risk_banner.acknowledged.connect(lambda _id: self._measures_changed())
        col.addWidget(self.measures_panel)
        col.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("clientScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    @property
    def client_id(self) -> str | None:
        """The id of the client shown, if any."""
        return self._client_id

    def show_record(self, record: ClientRecord, today: date | None = None) -> None:
        """Fill the page with `record`."""
        today = today or date.today()
        data = record.data
        self._client_id = record.id
        self.name_label.setText(data.name)
        identity = []
        if data.preferred_name:
            identity.append(f"Goes by {data.preferred_name}")
        if data.pronouns:
            identity.append(data.pronouns)
        self.identity_label.setText("  ·  ".join(identity))
        self.identity_label.setVisible(bool(identity))
        if data.date_of_birth:
            self.age_chip.setText(
                f"Age {age_on(data.date_of_birth, today)}  ·  born {show_date(data.date_of_birth)}"
            )
        else:
            self.age_chip.setText("Date of birth not recorded")
        self.weight_chip.setText(
            _weight(data.weight_kg) if data.weight_kg is not None else "Weight not recorded"
        )
        if data.allergies and not no_known_allergies(data.allergies):
            self.allergy_label.setProperty("role", "allergy")
            self.allergy_label.setText(f"⚠  Allergies: {data.allergies}")
        elif data.allergies:
            self.allergy_label.setProperty("role", "muted")
            self.allergy_label.setText(f"Allergies: {data.allergies}")
        else:
            self.allergy_label.setProperty("role", "muted")
            self.allergy_label.setText("No allergies recorded")
        self.allergy_label.style().unpolish(self.allergy_label)
        self.allergy_label.style().polish(self.allergy_label)
        for key, value_label in self.detail_labels.items():
            value = getattr(data, key)
            value_label.setText(value or "—")
        _clear_layout(self.course_list)
        lists: list[CourseNotesView] = []
        stops: list[QWidget] = [self.new_course_button]
        for course in record.courses:
            self.course_list.addWidget(self._course_card(course, lists, stops))
        align_columns(lists)  # dates and statuses line up from one course to the next
        # Tab goes down the page as it reads: the courses (made after the measures below
        # them, they came last in the order the widgets were made), then the measures.
        stops.append(self.measures_panel.administer_button)
        for before, after in itertools.pairwise(stops):
            QWidget.setTabOrder(before, after)
        self.courses_empty.setVisible(not record.courses)
        store = self._measures.store() if self._measures else None
        if store is not None and self._measures is not None:
            instruments = self._measures.instruments()
            self.risk_banner.set_instruments(instruments.instruments)
            self.risk_banner.show_client(record.id)
            self.measures_panel.show_client(store, instruments, record.id, data.name)

    def refresh_measures(self) -> None:
        """Read the shown client's risk flags and measures again."""
        self.risk_banner.refresh()
        self.measures_panel.reload()

    def _measures_changed(self) -> None:
        """Given here (a measure, an acknowledgement): show it, then tell the other views."""
        self.refresh_measures()
        if self._client_id is not None:
            self.measures_changed.emit(self._client_id)

    def clear(self) -> None:
        """Remove every client detail from the widgets."""
        self._client_id = None
        for lbl in (self.name_label, self.identity_label, self.age_chip, self.weight_chip):
            lbl.clear()
        self.allergy_label.clear()
        for value_label in self.detail_labels.values():
            value_label.clear()
        _clear_layout(self.course_list)
        self.courses_empty.show()
        self.risk_banner.clear()
        self.measures_panel.clear()

    def _course_card(
        self, course: CourseRecord, lists: list[CourseNotesView], stops: list[QWidget]
    ) -> QWidget:
        """A course's card; its list of notes joins ``lists``, its buttons and list (in
        the order Tab reaches them) join ``stops``."""
        card = Card(margins=16, spacing=6)
        card.setObjectName("courseCard")
        top = QHBoxLayout()
        title = label(product_label(course.planned_product), "subheading", wrap=True)
        top.addWidget(title, 1)
        status = label(course.status.replace("_", " ").capitalize(), "chip")
        status.setObjectName("courseStatus")
        top.addWidget(status, 0, Qt.AlignmentFlag.AlignTop)
        new_note = theme.icon_button("New note", "plus")
        new_note.setObjectName("newNoteButton")
        new_note.setToolTip("Start a preparation, dosing or integration note in this course")
        new_note.clicked.connect(lambda: self.new_note_requested.emit(course.id))
        top.addWidget(new_note, 0, Qt.AlignmentFlag.AlignTop)
        report = theme.icon_button("Course report…", "print")
        report.setObjectName("courseReportButton")
        report.setToolTip("Preview, print or save this course's report as a PDF")
        report.clicked.connect(lambda: self.course_report_requested.emit(course.id))
        top.addWidget(report, 0, Qt.AlignmentFlag.AlignTop)
        card.body.addLayout(top)
        stops += [new_note, report]
        facts = [f"Started {show_date(course.start_date)}", course.indication]
        if course.planned_route_detail:
            facts.append(course.planned_route_detail)
        card.body.addWidget(label("  ·  ".join(facts), "muted", wrap=True))
        if course.notes:
            name = f"Notes of the {product_label(course.planned_product)} course started "
            notes = CourseNotesView(course.notes, name + show_date(course.start_date))
            lists.append(notes)
            stops.append(notes)
            notes.open_requested.connect(self.note_requested)
            notes.live_requested.connect(self.live_session_requested)
            card.body.addSpacing(4)
            card.body.addWidget(notes)
        else:
            card.body.addWidget(label("No notes in this course yet.", "hint"))
        return card

    def _edit(self) -> None:
        if self._client_id:
            self.edit_requested.emit(self._client_id)

    def _new_course(self) -> None:
        if self._client_id:
            self.new_course_requested.emit(self._client_id)
