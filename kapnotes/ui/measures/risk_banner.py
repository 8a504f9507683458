"""``RiskFlagBanner``: a client's open risk flags, for the client page header.

Each open flag (instrument, date, flag label) has an "Acknowledge…" button that
opens an inline note field: the clinician says what was done (e.g. "safety plan
reviewed") and confirms; the flag is then closed through
``MeasureStore.acknowledge``. An empty note is refused with a message. The banner
hides itself when the client has no open flag, and ``clear()`` forgets the client
(used when the vault locks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.instruments import InstrumentSpec, load_instruments
from kapnotes.domain.timeline import system_zone_name, zone_named
from kapnotes.store.measures import MeasureRecord, MeasureStore
from kapnotes.ui import theme
from kapnotes.ui.dates import show_date
from kapnotes.ui.errors import log_failure
from kapnotes.ui.measures import style
from kapnotes.ui.widgets import label

log = logging.getLogger(__name__)

MeasuresProvider = Callable[[], MeasureStore | None]
"""Returns the measure store of the open vault, or None while it is locked."""

EMPTY_NOTE_MESSAGE = "Say what was done about the flag (e.g. safety plan reviewed)."


def short_date(record: MeasureRecord) -> str:
    """The administration date as the app shows it, e.g. ``12 Sep 2026`` (locale order)."""
    return show_date(record.day)


def acknowledgement_text(record: MeasureRecord, zone_name: str | None = None) -> str:
    """Who acknowledged a result's flags, when (in the clinic's zone) and what was done:

    ``Acknowledged by Dr Ada Quill, PsyD on 14 Sep 2026 at 14:05: safety plan reviewed``.
    Empty while the flags are open.
    """
    if record.acknowledged_at is None:
        return ""
    local = record.acknowledged_at.astimezone(zone_named(zone_name or system_zone_name()))
    who = record.acknowledged_by or "a clinician"
    when = f"{show_date(local.date())} at {local:%H:%M}"
    what = f": {record.acknowledgement}" if record.acknowledgement else ""
    return f"Acknowledged by {who} on {when}{what}"


class FlagRow(QWidget):
    """One open flag: what and when, and the inline acknowledgement."""

    confirmed = Signal(str, str)  # measure id, note

    def __init__(
        self, record: MeasureRecord, instrument: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.record = record
        self.setObjectName(f"riskFlag_{record.id}")
        flags = " · ".join(str(flag.get("label", flag.get("id", "flag"))) for flag in record.flags)
        self.text = f"{instrument} · {short_date(record)} · {flags}"
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)

        top = QHBoxLayout()
        top.setSpacing(10)
        self.text_label = label(self.text, "risk-title", wrap=True)
        self.text_label.setObjectName("riskFlagText")
        top.addWidget(self.text_label, 1)
        self.ack_button = QPushButton("Acknowledge…")
        self.ack_button.setObjectName("acknowledgeButton")
        self.ack_button.clicked.connect(self.start_acknowledging)
        top.addWidget(self.ack_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)

        self.editor = QWidget()
        self.editor.setObjectName("acknowledgeEditor")
        edit_lay = QHBoxLayout(self.editor)
        edit_lay.setContentsMargins(0, 0, 0, 0)
        edit_lay.setSpacing(8)
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("acknowledgeNote")
        self.note_edit.setPlaceholderText("What was done, e.g. safety plan reviewed, no intent")
        self.note_edit.setAccessibleName("Acknowledgement note")
        self.note_edit.setMaxLength(500)
        self.note_edit.returnPressed.connect(self._confirm)
        self.confirm_button = QPushButton("Confirm")
        self.confirm_button.setObjectName("confirmAcknowledgeButton")
        self.confirm_button.setProperty("role", "primary")
        self.confirm_button.clicked.connect(self._confirm)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelAcknowledgeButton")
        self.cancel_button.clicked.connect(self.cancel)
        edit_lay.addWidget(self.note_edit, 1)
        edit_lay.addWidget(self.confirm_button)
        edit_lay.addWidget(self.cancel_button)
        lay.addWidget(self.editor)
        self.error_label = label("", "risk-error", wrap=True)
        self.error_label.setObjectName("acknowledgeError")
        lay.addWidget(self.error_label)
        self.editor.hide()
        self.error_label.hide()

    def start_acknowledging(self) -> None:
        """Open the note field."""
        self.ack_button.hide()
        self.editor.show()
        self.note_edit.setFocus()

    def cancel(self) -> None:
        """Close the note field without acknowledging."""
        self.note_edit.clear()
        self.editor.hide()
        self.error_label.hide()
        self.ack_button.show()

    def show_error(self, message: str) -> None:
        """Say why the acknowledgement was not recorded."""
        self.error_label.setText(message)
        self.error_label.show()

    def _confirm(self) -> None:
        note = self.note_edit.text().strip()
        if not note:
            self.show_error(EMPTY_NOTE_MESSAGE)
            self.note_edit.setFocus()
            return
        self.confirmed.emit(self.record.id, note)


class RiskFlagBanner(QFrame):
    """Open risk flags of one client with an inline "Acknowledge…" for each.

    ``measures`` is the store, or a provider returning it (None while locked).
    ``acknowledged`` carries the measure id after a flag is closed;
    ``flagsChanged`` the number of open flags shown.
    """

    acknowledged = Signal(str)
    flagsChanged = Signal(int)

    def __init__(
        self,
        measures: MeasureStore | MeasuresProvider | None = None,
        parent: QWidget | None = None,
        *,
        instruments: Iterable[InstrumentSpec] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("riskFlagBanner")
        self.setProperty("role", "risk")
        style.scheme_changed(self)
        self.setStyleSheet(style.style_sheet())
        self._measures = measures
        self._client_id: str | None = None
        self._names: dict[str, str] | None = None
        if instruments is not None:
            self.set_instruments(instruments)
        self.rows: list[FlagRow] = []

        lay = QHBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.setSpacing(12)
        self.icon_label = QLabel()
        self.icon_label.setFixedSize(22, 22)
        lay.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(8)
        self.title_label = label("Open risk flag — review safety", "risk-title")
        self.title_label.setObjectName("riskBannerTitle")
        column.addWidget(self.title_label)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(10)
        column.addLayout(self.rows_box)
        lay.addLayout(column, 1)
        self._paint_icon()
        self.hide()

    # -- data ----------------------------------------------------------------------

    def set_instruments(self, instruments: Iterable[InstrumentSpec]) -> None:
        """Instruments whose short names label the flags (default: the bundled ones)."""
        self._names = {spec.id: spec.short_name for spec in instruments}

    def _store(self) -> MeasureStore | None:
        if self._measures is None or isinstance(self._measures, MeasureStore):
            return self._measures
        return self._measures()

    def _instrument_name(self, instrument_id: str) -> str:
        if self._names is None:
            self.set_instruments(load_instruments().instruments)
        return (self._names or {}).get(instrument_id, instrument_id.replace("_", " ").upper())

    @property
    def client_id(self) -> str | None:
        """The client shown, if any."""
        return self._client_id

    @property
    def flag_texts(self) -> list[str]:
        """One line per open flag: instrument · date · flag label."""
        return [row.text for row in self.rows]

    def show_client(self, client_id: str) -> None:
        """Show ``client_id``'s open flags (hidden when there are none)."""
        self._client_id = client_id
        self.refresh()

    def refresh(self) -> None:
        """Read the open flags again."""
        store = self._store()
        records: list[MeasureRecord] = []
        if store is not None and self._client_id is not None:
            records = store.open_risk_flags(self._client_id)
        self._show(records)

    def clear(self) -> None:
        """Forget the client and hide."""
        self._client_id = None
        self._show([])

    def _show(self, records: list[MeasureRecord]) -> None:
        for row in self.rows:
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for record in sorted(records, key=lambda r: r.administered_at, reverse=True):
            row = FlagRow(record, self._instrument_name(record.instrument_id))
            row.confirmed.connect(self._acknowledge)
            self.rows_box.addWidget(row)
            row.show()
            self.rows.append(row)
        self.title_label.setText(
            "Open risk flag — review safety"
            if len(self.rows) == 1
            else f"{len(self.rows)} open risk flags — review safety"
        )
        self.setVisible(bool(self.rows))
        self.flagsChanged.emit(len(self.rows))

    def _acknowledge(self, measure_id: str, note: str) -> None:
        row = next((r for r in self.rows if r.record.id == measure_id), None)
        store = self._store()
        if store is None:
            if row is not None:
                row.show_error("The vault is locked; unlock it to acknowledge the flag.")
            return
        try:
            store.acknowledge(measure_id, note)
        except ValueError as exc:
            if row is not None:
                row.show_error(str(exc))
            return
        except Exception as exc:
            log_failure(log, "acknowledging a risk flag failed", exc)
            if row is not None:
                row.show_error("The acknowledgement could not be saved; try again.")
            return
        self.refresh()
        self.acknowledged.emit(measure_id)

    # -- look ----------------------------------------------------------------------

    def _paint_icon(self) -> None:
        self.icon_label.setPixmap(theme.icon("alert", style.colour("error").name()).pixmap(22, 22))

    def changeEvent(self, event: QEvent) -> None:
        """Follow the application's light/dark palette."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and style.scheme_changed(self):
            self.setStyleSheet(style.style_sheet())
            self._paint_icon()
