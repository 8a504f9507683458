"""``MeasuresPanel``: a client's outcome measures on the client page.

One card per instrument given: a summary of the change from baseline ("Baseline
22 (12 Sep) → latest 9 (17 Oct): −13 points (−59%) · Response"), the trend chart
with the severity bands and the dosing sessions, and a table of every
administration (date, total, band, flags). "Administer measure…" opens the
:class:`AdministerDialog`; after a save the panel reloads and emits
``measuresChanged`` so the page can refresh its risk banner.

The panel keeps the store it was last given only while it shows that client;
``clear()`` drops it and every client detail (used when the vault locks).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.instruments import InstrumentSpec
from kapnotes.domain.trends import Trend, compute_trend, trend_for
from kapnotes.store.measures import MeasureRecord, MeasureStore
from kapnotes.ui import theme
from kapnotes.ui.dates import show_date
from kapnotes.ui.measures import style
from kapnotes.ui.measures.administer import AdministerDialog, Instruments, instrument_list
from kapnotes.ui.measures.chart import TrendChart
from kapnotes.ui.measures.form import missing_text
from kapnotes.ui.widgets import Card, label

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
    """A read-only table of one instrument's administrations, newest first."""

    COLUMNS = ("Date", "Total", "Band", "Flags")

    def __init__(
        self,
        records: Sequence[MeasureRecord],
        spec: InstrumentSpec | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.records = sorted(records, key=lambda r: r.administered_at, reverse=True)

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
        labels = "; ".join(str(f.get("label", f.get("id", ""))) for f in record.flags)
        if record.acknowledged_at is None:
            return f"{labels} (open)"
        when = record.acknowledged_at.astimezone().date()  # the local day, not UTC
        return f"{labels} (acknowledged {day_text(when, year=True)})"

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Display text, alignment, colour of open flags, tooltips."""
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
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 3 and record.open_flags:
                return QBrush(style.colour("error"))
            if column in (1, 2) and not record.complete:
                return QBrush(style.colour("muted"))
        if role == Qt.ItemDataRole.ToolTipRole and column == 3 and record.acknowledgement:
            return f"Acknowledged: {record.acknowledgement}"
        return None


class InstrumentCard(Card):
    """One instrument's summary line, trend chart and administrations table."""

    administer_requested = Signal(str)  # instrument id

    def __init__(
        self,
        instrument_id: str,
        spec: InstrumentSpec | None,
        records: Sequence[MeasureRecord],
        dosing_dates: Sequence[dt.date],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, margins=20, spacing=10)
        self.setObjectName(f"measureCard_{instrument_id}")
        self.instrument_id = instrument_id
        self.spec = spec
        self.records = list(records)

        title = f"{spec.short_name} · {spec.title}" if spec is not None else instrument_id
        head = QHBoxLayout()
        head.setSpacing(10)
        self.title_label = label(title, "heading", wrap=True)
        head.addWidget(self.title_label, 1)
        self.again_button = QPushButton(theme.icon("plus"), "Administer again")
        self.again_button.setObjectName("administerAgainButton")
        self.again_button.setEnabled(spec is not None)
        self.again_button.clicked.connect(lambda: self.administer_requested.emit(instrument_id))
        head.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(head)
        if spec is None:
            self.body.addWidget(
                label(
                    "This instrument's definition is not installed on this computer; "
                    "its results are listed without bands.",
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
        if series:
            self.chart = TrendChart(spec, series, dosing_dates)
            self.body.addWidget(self.chart)
            doses = len(self.chart.dosing_series)
            legend = (
                f"Dashed lines mark the {doses} dosing session{'s' if doses != 1 else ''}; "
                "shaded bands are the instrument's severity ranges."
                if doses
                else "No dosing sessions recorded yet; shaded bands are the severity ranges."
            )
            self.legend_label = label(legend, "hint", wrap=True)
            self.legend_label.setObjectName("chartLegend")
            self.body.addWidget(self.legend_label)

        self.model = AdministrationsModel(self.records, spec, self)
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


class MeasuresPanel(QWidget):
    """A client's outcome measures: one card per instrument, and "Administer measure…"."""

    measuresChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measuresPanel")
        style.scheme_changed(self)
        self.setStyleSheet(style.style_sheet())
        self._store: MeasureStore | None = None
        self._specs: list[InstrumentSpec] = []
        self._client_id: str | None = None
        self._records: list[MeasureRecord] = []
        self._dosing: list[dt.date] = []
        self.cards: dict[str, InstrumentCard] = {}
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
        self.administer_button = QPushButton(theme.icon("plus"), "Administer measure…")
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
        self.cards_box = QVBoxLayout()
        self.cards_box.setSpacing(16)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        lay.addLayout(head)
        lay.addWidget(self.empty_label)
        lay.addLayout(self.cards_box)
        self.clear()

    # -- showing -------------------------------------------------------------------

    @property
    def client_id(self) -> str | None:
        """The client shown, if any."""
        return self._client_id

    def show_client(
        self, measure_store: MeasureStore, catalog_instruments: Instruments, client_id: str
    ) -> None:
        """Read and show ``client_id``'s measures, with the catalog's instruments."""
        self._store = measure_store
        self._specs = instrument_list(catalog_instruments)
        self._client_id = client_id
        self.reload()

    def reload(self) -> None:
        """Read the shown client's measures again."""
        if self._store is None or self._client_id is None:
            return
        self._records = self._store.for_client(self._client_id)
        self._dosing = self._store.dosing_dates(self._client_id)
        self._build()

    def clear(self) -> None:
        """Drop the client, the store and every card."""
        self._store = None
        self._client_id = None
        self._records = []
        self._dosing = []
        self._specs = []
        self._remove_cards()
        self.administer_button.setEnabled(False)
        self.subtitle.setText("")
        self.empty_label.hide()

    def _remove_cards(self) -> None:
        for card in self.cards.values():
            card.hide()
            card.setParent(None)
            card.deleteLater()
        self.cards = {}

    def _build(self) -> None:
        self._remove_cards()
        by_instrument: dict[str, list[MeasureRecord]] = {}
        for record in self._records:
            by_instrument.setdefault(record.instrument_id, []).append(record)
        specs = {spec.id: spec for spec in self._specs}
        order = [s.id for s in self._specs if s.id in by_instrument]
        order += [i for i in by_instrument if i not in specs]
        for instrument_id in order:
            card = InstrumentCard(
                instrument_id, specs.get(instrument_id), by_instrument[instrument_id], self._dosing
            )
            card.administer_requested.connect(self.administer)
            self.cards_box.addWidget(card)
            card.show()
            self.cards[instrument_id] = card
        self.empty_label.setVisible(not order)
        self.administer_button.setEnabled(bool(self._specs))
        count = len(self._records)
        doses = len(self._dosing)
        self.subtitle.setText(
            f"{count} administration{'s' if count != 1 else ''} · "
            f"{doses} dosing session{'s' if doses != 1 else ''}"
            if count
            else ""
        )
        self.subtitle.setVisible(bool(count))

    # -- administering -------------------------------------------------------------

    def administer(self, instrument_id: str | None = None) -> AdministerDialog | None:
        """Open the administer dialog (window-modal, not blocking); returns it."""
        if self._store is None or self._client_id is None or not self._specs:
            return None
        dialog = AdministerDialog(
            self._store, self._specs, self._client_id, self, instrument_id=instrument_id
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
