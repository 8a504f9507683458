"""``MeasuresPanel``: a client's outcome measures on the client page, course by course.

A section per course that has measures (newest first; measures of a client
without a course last), and in it one card per instrument given: a summary of
the change from the course's baseline ("Baseline 22 (12 Sep) → latest 9 (17 Oct):
−13 points (−59%) · Response"), the trend chart over the course's days with the
severity bands, the course's dosing sessions and a ring around each flagged
administration, a table of every administration (date, total, band, flags; a
flag icon marks flagged rows) and, under it, who acknowledged each flag, when and
what was done. "Administer measure…" opens the :class:`AdministerDialog`; after a
save the panel reloads and emits ``measuresChanged`` (the client id) so every
other view can follow.

The panel keeps the store it was last given only while it shows that client;
``clear()`` drops it and every client detail (used when the vault locks).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.clients import product_label
from kapnotes.domain.instruments import InstrumentSpec
from kapnotes.domain.trends import Trend, compute_trend, trend_for
from kapnotes.store.measures import MeasureCourse, MeasureRecord, MeasureStore
from kapnotes.ui import theme
from kapnotes.ui.dates import show_date
from kapnotes.ui.measures import style
from kapnotes.ui.measures.administer import (
    AdministerDialog,
    Instruments,
    instrument_list,
    unknown_name,
)
from kapnotes.ui.measures.form import missing_text
from kapnotes.ui.measures.risk_banner import acknowledgement_text
from kapnotes.ui.widgets import Card, label

if TYPE_CHECKING:
    from kapnotes.ui.measures.chart import TrendChart

log = logging.getLogger(__name__)

MINUS = "\u2212"
"""The minus sign used in changes (−13 points)."""

AnyIndex = QModelIndex | QPersistentModelIndex

ROW_HEIGHT = 30
"""Height of a row in the administrations table."""

MAX_TABLE_ROWS = 6
"""Rows shown before the administrations table scrolls."""


def day_text(day: dt.date, *, year: bool = False) -> str:
    """``12 Sep`` (or ``12 Sep 2026`` with ``year``), in the locale's order."""
    return show_date(day, year=year)


def signed(value: int, suffix: str = "") -> str:
    """``−13`` / ``+3`` / ``0`` with a real minus sign."""
    if value < 0:
        return f"{MINUS}{-value}{suffix}"
    if value > 0:
        return f"+{value}{suffix}"
    return f"0{suffix}"


def summary_text(trend: Trend) -> str:
    """One line saying how the totals changed since baseline, and response / remission."""
    base, latest = trend.baseline, trend.latest
    year = base.date.year != latest.date.year
    start = f"Baseline {base.total} ({day_text(base.date, year=year)})"
    if len(trend.points) == 1:
        return f"{start} · one scored administration so far"
    change = f"{signed(trend.change_points)} point{'s' if abs(trend.change_points) != 1 else ''}"
    if trend.change_percent is not None:
        change += f" ({signed(trend.change_percent, '%')})"
    parts = [f"{start} → latest {latest.total} ({day_text(latest.date, year=year)}): {change}"]
    if trend.response:
        parts.append("Response")
    if trend.remission:
        parts.append("Remission")
    return " · ".join(parts)


class AdministrationsModel(QAbstractTableModel):
    """A read-only table of one instrument's administrations, newest first.

    A flagged administration has a flag icon on its date (red while open, grey once
    acknowledged; the accessible text says which), and its flags column says
    whether the flag is open or who acknowledged it and when; the tooltip adds
    what was done.
    """

    COLUMNS = ("Date", "Total", "Band", "Flags")

    def __init__(
        self,
        records: Sequence[MeasureRecord],
        spec: InstrumentSpec | None = None,
        parent: QWidget | None = None,
        *,
        zone_name: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.zone_name = zone_name
        self.records = sorted(records, key=lambda r: r.administered_at, reverse=True)
        self._icons: dict[bool, QIcon] = {}

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """One row per administration (a table: no children)."""
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Date, total, band, flags."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Selectable, never editable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _band_text(self, record: MeasureRecord) -> str:
        if record.complete:
            return record.band or ""
        if self.spec is None:
            return "Not scored (incomplete)"
        missing = [i for i in self.spec.item_ids if record.answers.get(i) is None]
        return f"Not scored — {missing_text(self.spec, missing)}"

    @staticmethod
    def _flags_text(record: MeasureRecord) -> str:
        if not record.flags:
            return ""
        if record.acknowledged_at is None:
            return f"{record.flag_labels} — open"
        who = f" by {record.acknowledged_by}" if record.acknowledged_by else ""
        return f"{record.flag_labels} — acknowledged{who}"

    @staticmethod
    def flag_state(record: MeasureRecord) -> str:
        """``"risk flag open"``, ``"risk flag acknowledged"`` or ``""`` (no flag)."""
        if not record.flags:
            return ""
        return "risk flag open" if record.open_flags else "risk flag acknowledged"

    def _flag_icon(self, is_open: bool) -> QIcon:
        if is_open not in self._icons:
            colour = style.colour("error" if is_open else "muted")
            self._icons[is_open] = theme.icon("flag", colour.name())
        return self._icons[is_open]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Display text, alignment, flag icons, colour of open flags, tooltips."""
        if not index.isValid() or not 0 <= index.row() < len(self.records):
            return None
        record = self.records[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return day_text(record.day, year=True)
            if column == 1:
                return "—" if record.total is None else f"{record.total:g}"
            if column == 2:
                return self._band_text(record)
            if column == 3:
                return self._flags_text(record)
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and record.flags:
            return self._flag_icon(bool(record.open_flags))
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            state = self.flag_state(record)
            return day_text(record.day, year=True) + (f", {state}" if state else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 3 and record.open_flags:
                return QBrush(style.colour("error"))
            if column in (1, 2) and not record.complete:
                return QBrush(style.colour("muted"))
        if role == Qt.ItemDataRole.ToolTipRole and record.flags and column in (0, 3):
            if record.acknowledged_at is None:
                return f"{record.flag_labels}: open — acknowledge it in the client's header"
            return f"{record.flag_labels}\n{acknowledgement_text(record, self.zone_name)}"
        return None


class InstrumentCard(Card):
    """One instrument's summary line, trend chart and administrations table in one course."""

    administer_requested = Signal(str)  # instrument id

    def __init__(
        self,
        instrument_id: str,
        spec: InstrumentSpec | None,
        records: Sequence[MeasureRecord],
        dosing_dates: Sequence[dt.date],
        parent: QWidget | None = None,
        *,
        course: MeasureCourse | None = None,
        zone_name: str | None = None,
    ) -> None:
        super().__init__(parent, margins=20, spacing=10)
        self.setObjectName(f"measureCard_{instrument_id}")
        self.instrument_id = instrument_id
        self.spec = spec
        self.course = course
        self.records = list(records)

        title = (
            f"{spec.short_name} · {spec.title}" if spec is not None else unknown_name(instrument_id)
        )
        head = QHBoxLayout()
        head.setSpacing(10)
        self.title_label = label(title, "heading", wrap=True)
        head.addWidget(self.title_label, 1)
        self.again_button = theme.icon_button("Administer again", "plus")
        self.again_button.setObjectName("administerAgainButton")
        self.again_button.setEnabled(spec is not None)
        self.again_button.clicked.connect(lambda: self.administer_requested.emit(instrument_id))
        head.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(head)
        if spec is None:
            self.body.addWidget(
                label(
                    "This measure's form is not set up on this computer, so its results "
                    "are listed without severity ranges.",
                    "muted",
                    wrap=True,
                )
            )

        series = [(r.day, round(r.total)) for r in self.records if r.total is not None]
        self.trend: Trend | None = None
        if series:
            try:
                self.trend = trend_for(spec, series) if spec is not None else compute_trend(series)
            except ValueError:
                self.trend = compute_trend(series)
        self.summary_label = label("", "summary", wrap=True)
        self.summary_label.setObjectName("trendSummary")
        self.summary_label.setText(
            summary_text(self.trend)
            if self.trend is not None
            else "No scored administration yet (incomplete forms are stored without a score)."
        )
        self.body.addWidget(self.summary_label)

        self.chart: TrendChart | None = None
        flagged = [
            (r.day, round(r.total), bool(r.open_flags))
            for r in self.records
            if r.flags and r.total is not None
        ]
        if series:
            # QtCharts is loaded with the first chart drawn (about 4 MB that a client
            # without measures, and the workspace before a client is opened, never need).
            from kapnotes.ui.measures.chart import TrendChart

            span = (course.start, course.end) if course is not None else None
            self.chart = TrendChart(spec, series, dosing_dates, span=span, flagged=flagged)
            self.body.addWidget(self.chart)
            self.legend_label = label(self._legend(len(self.chart.dosing_series), flagged), "hint")
            self.legend_label.setWordWrap(True)
            self.legend_label.setObjectName("chartLegend")
            self.body.addWidget(self.legend_label)

        self.model = AdministrationsModel(self.records, spec, self, zone_name=zone_name)
        self.table = QTableView()
        self.table.setObjectName("administrationsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        shown = min(len(self.records), MAX_TABLE_ROWS)
        self.table.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if len(self.records) > MAX_TABLE_ROWS
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        header_height = max(header.sizeHint().height(), ROW_HEIGHT)
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(header_height + shown * ROW_HEIGHT + frame + 2)
        self.body.addWidget(self.table)

        # who acknowledged each flag, when, and what was done
        self.acknowledgement_labels: list[QLabel] = []
        for record in self.model.records:
            if record.flags and record.acknowledged_at is not None:
                line = label(
                    f"{day_text(record.day, year=True)} · {record.flag_labels} — "
                    f"{acknowledgement_text(record, zone_name)}",
                    "hint",
                    wrap=True,
                )
                line.setObjectName("acknowledgementLine")
                line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.body.addWidget(line)
                self.acknowledgement_labels.append(line)

    @property
    def acknowledgement_texts(self) -> list[str]:
        """The acknowledgement lines under the table, newest administration first."""
        return [line.text() for line in self.acknowledgement_labels]

    @staticmethod
    def _legend(doses: int, flagged: Sequence[tuple[dt.date, int, bool]]) -> str:
        parts = [
            f"Dashed lines mark the {doses} dosing session{'s' if doses != 1 else ''} "
            "of this course"
            if doses
            else "No dosing sessions in this course yet",
            "shaded bands are the severity ranges",
        ]
        rings = []
        if any(is_open for _, _, is_open in flagged):
            rings.append("red an open risk flag")
        if any(not is_open for _, _, is_open in flagged):
            rings.append("grey an acknowledged one" if rings else "grey an acknowledged risk flag")
        if rings:
            parts.append("a ring marks a flagged administration (" + ", ".join(rings) + ")")
        return "; ".join(parts) + "."


def course_title(course: MeasureCourse | None) -> str:
    """A course section's heading: product and dates (open courses are "ongoing")."""
    if course is None:
        return "Not in a course"
    end = day_text(course.end, year=True) if course.end is not None else "ongoing"
    return f"{product_label(course.planned_product)} · {day_text(course.start, year=True)} – {end}"


class CourseSection(QWidget):
    """The measures of one course: a heading and one card per instrument."""

    administer_requested = Signal(str)  # instrument id

    def __init__(
        self,
        course: MeasureCourse | None,
        cards: Sequence[InstrumentCard],
        *,
        titled: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.course = course
        self.setObjectName(f"courseMeasures_{course.id if course else 'none'}")
        self.cards = {card.instrument_id: card for card in cards}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        self.title_label = label(course_title(course), "subheading", wrap=True)
        self.title_label.setObjectName("courseMeasuresTitle")
        self.title_label.setVisible(titled)
        lay.addWidget(self.title_label)
        for card in cards:
            card.administer_requested.connect(self.administer_requested)
            lay.addWidget(card)


class MeasuresPanel(QWidget):
    """A client's outcome measures, per course: one card per instrument, "Administer measure…"."""

    measuresChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measuresPanel")
        style.scheme_changed(self)
        self.setStyleSheet(style.style_sheet())
        self._store: MeasureStore | None = None
        self._specs: list[InstrumentSpec] = []
        self._client_id: str | None = None
        self._client_name = ""
        self._records: list[MeasureRecord] = []
        self._courses: list[MeasureCourse] = []
        self.sections: list[CourseSection] = []
        self.dialog: AdministerDialog | None = None

        head = QHBoxLayout()
        head.setSpacing(10)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(label("Outcome measures", "heading"))
        self.subtitle = label("", "muted", wrap=True)
        self.subtitle.setObjectName("measuresSubtitle")
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        self.administer_button = theme.icon_button("Administer measure…", "plus")
        self.administer_button.setObjectName("administerButton")
        self.administer_button.setProperty("role", "primary")
        self.administer_button.setEnabled(False)
        self.administer_button.clicked.connect(lambda: self.administer())
        head.addWidget(self.administer_button, 0, Qt.AlignmentFlag.AlignTop)

        self.empty_label = label(
            "No measures recorded yet. Administer the PHQ-9, GAD-7 or PCL-5 at baseline "
            "to follow the course.",
            "muted",
            wrap=True,
        )
        self.empty_label.setObjectName("measuresEmpty")
        self.sections_box = QVBoxLayout()
        self.sections_box.setSpacing(20)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        lay.addLayout(head)
        lay.addWidget(self.empty_label)
        lay.addLayout(self.sections_box)
        self.clear()

    # -- showing -------------------------------------------------------------------

    @property
    def client_id(self) -> str | None:
        """The client shown, if any."""
        return self._client_id

    @property
    def cards(self) -> list[InstrumentCard]:
        """Every instrument card, course by course (newest course first)."""
        return [card for section in self.sections for card in section.cards.values()]

    def card(self, instrument_id: str, course_id: str | None = None) -> InstrumentCard:
        """An instrument's card in a course (default: the newest course that has one)."""
        for section in self.sections:
            if course_id is not None and (section.course is None or section.course.id != course_id):
                continue
            if instrument_id in section.cards:
                return section.cards[instrument_id]
        raise KeyError((instrument_id, course_id))

    def show_client(
        self,
        measure_store: MeasureStore,
        catalog_instruments: Instruments,
        client_id: str,
        client_name: str = "",
    ) -> None:
        """Read and show ``client_id``'s measures, with the catalog's instruments."""
        self._store = measure_store
        self._specs = instrument_list(catalog_instruments)
        self._client_id = client_id
        self._client_name = client_name
        self.reload()

    def reload(self) -> None:
        """Read the shown client's measures again."""
        if self._store is None or self._client_id is None:
            return
        self._records = self._store.for_client(self._client_id)
        self._courses = self._store.courses(self._client_id)
        self._build()

    def clear(self) -> None:
        """Drop the client, the store and every card."""
        self._store = None
        self._client_id = None
        self._client_name = ""
        self._records = []
        self._courses = []
        self._specs = []
        self._remove_sections()
        self.administer_button.setEnabled(False)
        self.subtitle.setText("")
        self.empty_label.hide()

    def _remove_sections(self) -> None:
        for section in self.sections:
            section.hide()
            section.setParent(None)
            section.deleteLater()
        self.sections = []

    def _build(self) -> None:
        self._remove_sections()
        by_course: dict[str | None, list[MeasureRecord]] = {}
        for record in self._records:
            by_course.setdefault(record.course_id, []).append(record)
        known = {course.id: course for course in self._courses}
        order: list[MeasureCourse | None] = [c for c in self._courses if c.id in by_course]
        if any(course_id not in known for course_id in by_course):
            order.append(None)
        zone = self._store.zone_name if self._store is not None else None
        specs = {spec.id: spec for spec in self._specs}
        for course in order:
            records = [
                r
                for course_id, rs in by_course.items()
                if (course_id == course.id if course is not None else course_id not in known)
                for r in rs
            ]
            by_instrument: dict[str, list[MeasureRecord]] = {}
            for record in records:
                by_instrument.setdefault(record.instrument_id, []).append(record)
            instrument_order = [s.id for s in self._specs if s.id in by_instrument]
            instrument_order += [i for i in by_instrument if i not in specs]
            dosing = list(course.dosing_dates) if course is not None else []
            cards = [
                InstrumentCard(
                    instrument_id,
                    specs.get(instrument_id),
                    by_instrument[instrument_id],
                    dosing,
                    course=course,
                    zone_name=zone,
                )
                for instrument_id in instrument_order
            ]
            section = CourseSection(course, cards, titled=len(order) > 1 or course is None)
            section.administer_requested.connect(self.administer)
            self.sections_box.addWidget(section)
            section.show()
            self.sections.append(section)
        self.empty_label.setVisible(not order)
        self.administer_button.setEnabled(bool(self._specs))
        count = len(self._records)
        doses = sum(len(c.dosing_dates) for c in self._courses)
        courses = len([c for c in order if c is not None])
        parts = [f"{count} administration{'s' if count != 1 else ''}"]
        if courses > 1:
            parts.append(f"{courses} courses")
        elif courses == 1 and order[0] is not None:
            parts.append(course_title(order[0]))
        parts.append(f"{doses} dosing session{'s' if doses != 1 else ''}")
        self.subtitle.setText(" · ".join(parts) if count else "")
        self.subtitle.setVisible(bool(count))

    # -- administering -------------------------------------------------------------

    def administer(self, instrument_id: str | None = None) -> AdministerDialog | None:
        """Open the administer dialog (window-modal, not blocking); returns it."""
        if self._store is None or self._client_id is None or not self._specs:
            return None
        dialog = AdministerDialog(
            self._store,
            self._specs,
            self._client_id,
            self,
            instrument_id=instrument_id,
            client_name=self._client_name,
            courses=[(c.id, course_title(c)) for c in self._courses],
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)
        dialog.destroyed.connect(self._dialog_gone)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _dialog_gone(self) -> None:
        self.dialog = None

    def _saved(self, record: MeasureRecord) -> None:
        self.reload()
        self.measuresChanged.emit(record.client_id)

    def changeEvent(self, event: QEvent) -> None:
        """Follow the application's light/dark palette (charts are coloured when built)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and style.scheme_changed(self):
            self.setStyleSheet(style.style_sheet())
            if self._client_id is not None:
                self._build()
