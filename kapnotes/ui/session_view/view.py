"""`SessionView`: the live view of a dosing note while the session runs.

Built for a dim room and a therapist who must not look away for long:

* a header strip with the big session clock (``T+mm:ss`` from the first dose,
  "Pre-dose" before it), the wall clock, the client, weight, planned dose, the
  active alerts and the reminders due (vitals due, the esketamine 40-minute BP
  check, minimum monitoring);
* an observation line that keeps the focus: Enter stamps the text with the
  clock time and T+ minutes and writes it at once; quick tags toggle with
  Alt+1…Alt+8; Ctrl+E corrects the last (or the selected) entry, keeping its
  original time;
* vitals in one row (Ctrl+B), refused inline when implausible; the alert rules
  run after each reading (banner + marked row + "ALERT: …" written into the note);
* a live chart, and panels for doses (F3), adverse events and interventions
  (F4), monitoring time per clinician (F6) and discharge (F7);
* a privacy curtain (F12) and a dim theme (Ctrl+D).

No dialog ever opens: problems are shown inline and nothing takes the focus
from the entry line. Every entry is durable (committed) before it is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Final

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.clients import PRODUCT_LABELS, Product, no_known_allergies, weight_text
from kapnotes.domain.session import (
    ClinicSettings,
    ReminderKind,
    RuleId,
    Severity,
    active_alerts,
)
from kapnotes.domain.timeline import from_iso
from kapnotes.session import LiveSession, Logged, Refused, SessionClient
from kapnotes.session.record import ANNOTATES_KEY, ENTERED_AT_KEY, OBSERVATIONS, VITALS
from kapnotes.store.clients import ClientRecord
from kapnotes.store.notes import EVENT_KEY, NoteStore
from kapnotes.ui.curtain import CURTAIN_KEY as CURTAIN_KEY  # re-exported by the package
from kapnotes.ui.curtain import Curtain, covered
from kapnotes.ui.session_view.chart import ChartPoint, VitalsChart
from kapnotes.ui.session_view.panels import (
    DischargePanel,
    DosePanel,
    EventsPanel,
    Panel,
    TimePanel,
    TreatmentsPanel,
    template_options,
)
from kapnotes.ui.session_view.predose import PreDosePanel
from kapnotes.ui.session_view.style import (
    SessionScheme,
    app_scheme,
    session_palette,
    session_style_sheet,
    set_starts_dim,
    starts_dim,
    tokens,
)
from kapnotes.ui.widgets import label, set_invalid, set_role

DIM_KEY: Final = "Ctrl+D"

#: The quick tags of the observation log, in shortcut order (Alt+1 … Alt+8).
QUICK_TAGS: Final[tuple[tuple[str, str], ...]] = (
    ("nausea", "Nausea"),
    ("tearful", "Tearful"),
    ("verbalising", "Verbalising"),
    ("resting", "Resting"),
    ("music_change", "Music change"),
    ("bathroom", "Bathroom"),
    ("intervention", "Intervention"),
    ("client_quote", "Client quote"),
)

#: The vitals row: template column id, caption, width of the input.
VITALS_INPUTS: Final[tuple[tuple[str, str, int], ...]] = (
    ("systolic", "Sys", 62),
    ("diastolic", "Dia", 62),
    ("heart_rate", "HR", 62),
    ("spo2", "SpO2", 62),
    ("respiratory_rate", "RR", 56),
    ("moaas", "MOAA/S 0–5", 56),
    ("dissociation", "Dissoc. 0–10", 56),
)

log = logging.getLogger(__name__)
HELP_TEXT: Final = (
    "Enter save · Alt+1…8 tag · Ctrl+E correct · Ctrl+B vitals · F3 dose · F4 events · "
    "F5 pre-dose · F6 time · F7 discharge · F8 treatments · Esc to line · F12 curtain · "
    "Ctrl+D dim · Ctrl+L lock · Ctrl+W close"
)

VITALS_HEADERS: Final = ("", "Time", "T+", "BP", "HR", "SpO2", "RR", "MOAA/S", "Dissoc.")


def _client_of(client: ClientRecord | SessionClient) -> SessionClient:
    if isinstance(client, SessionClient):
        return client
    return SessionClient(client.data.name, client.data.weight_kg, client.data.allergies)


def _now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class SessionConfig:
    """Everything a live session view is built from.

    ``notes`` and ``note_id``: the draft dosing note; ``client`` and ``product``
    (the course's planned product when the note has none); the clinic's
    ``settings``; ``planned_dose`` as the course words it; ``now`` the clock (an
    aware instant; tests pass a fixed one); ``soft_sound`` a beep when a reminder
    falls due; ``scheme`` the colours to start in (default: the app's, or dim when
    ``preferences`` say live sessions start dim); ``preferences`` the QSettings
    where Ctrl+D remembers that choice (none: not remembered).
    """

    notes: NoteStore
    note_id: str
    client: ClientRecord | SessionClient
    product: Product | str
    settings: ClinicSettings
    planned_dose: str | None = None
    now: Callable[[], datetime] = field(default=_now)
    soft_sound: bool = False
    scheme: SessionScheme | None = None
    preferences: QSettings | None = None


class FittingLabel(QLabel):
    """Word-wrapped text in a box that does not grow: the font steps down until it fits.

    The alert row and the reminder cue have room for a fixed height; a second or
    third alert makes the text smaller (from ``largest`` to ``smallest`` points),
    never the box taller. ``room`` is the most height the label may take (its
    padding and border included); text still too long at ``smallest`` is cut at the
    box's edge (the tooltip holds it whole, and each alert is in the observation log).
    With ``whole_lines`` the label asks for the width of its longest line (up to its
    maximum width), so short lines are not wrapped early.
    """

    def __init__(self, largest: float, smallest: float, *, whole_lines: bool = False) -> None:
        super().__init__()
        self.largest = largest
        self.smallest = smallest
        self.whole_lines = whole_lines
        self.room = 0
        self._fitting = False
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(largest)
        self.setFont(font)

    def setText(self, text: str) -> None:
        """Show ``text`` in the largest font that fits the room."""
        super().setText(text)
        self.setToolTip(text)
        self.fit()

    def set_room(self, pixels: int) -> None:
        """The most height the label may take (its padding and border included)."""
        self.room = pixels
        self.setMaximumHeight(pixels)
        self.fit()

    def _set_points(self, points: float) -> None:
        if self.font().pointSizeF() != points:
            font = QFont(self.font())
            font.setPointSizeF(points)
            self.setFont(font)

    def _one_line_width(self) -> int:
        """The width the text takes unwrapped (each of its lines whole), padding included."""
        self.setWordWrap(False)
        width = self.sizeHint().width()
        self.setWordWrap(True)
        return width

    def fit(self) -> None:
        """Choose the font size (and with ``whole_lines`` the width) for the text and room."""
        if self.room <= 0 or not self.text() or self._fitting:
            return
        self._fitting = True
        try:
            points = self.largest
            while True:
                self._set_points(points)
                if self.whole_lines:
                    width = min(self._one_line_width(), self.maximumWidth())
                else:
                    width = self.width()
                if self.heightForWidth(width) <= self.room or points <= self.smallest:
                    break
                points -= 0.5
            if self.whole_lines:
                self.setMinimumWidth(width)
        finally:
            self._fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A new width may need another size."""
        super().resizeEvent(event)
        if not self.whole_lines:
            self.fit()


class SessionView(QWidget):
    """The live session of one dosing note.

    Signals: ``entry_written(str)`` with the log field (or event kind) after each
    durable write; ``alert_raised(str)`` with the message of each new alert;
    ``close_requested()`` is kept for a close button; Esc never closes the view.
    """

    entry_written = Signal(str)
    alert_raised = Signal(str)
    close_requested = Signal()

    def __init__(self, config: SessionConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionView")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.settings = config.settings
        self.product = Product(config.product)
        self.planned_dose = config.planned_dose
        self.soft_sound = config.soft_sound
        self.session = LiveSession(
            config.notes,
            config.note_id,
            _client_of(config.client),
            self.product,
            config.settings,
            config.now,
        )
        self.record = self.session.record
        self.preferences = config.preferences
        self.base_scheme: SessionScheme = config.scheme or app_scheme()
        self.scheme: SessionScheme = (
            "dim" if config.scheme is None and starts_dim(self.preferences) else self.base_scheme
        )
        self.reminder_kinds: set[ReminderKind] = set()
        self._correcting: str | None = None
        self._annotating: str | None = None
        self._focus_before_curtain: QWidget | None = None
        self._title_before_curtain: str | None = None
        # What the entries list, the vitals table and the chart show now: each is redrawn
        # only where what it shows changed (an observation redraws one line of the list).
        self._recent_shown: list[tuple[str, object, str | None]] = []
        self._vitals_shown: list[tuple[tuple[str, ...], bool]] | None = None
        self._vitals_colours: tuple[str, str] | None = None
        self._chart_shown: tuple[list[ChartPoint], float, bool] | None = None
        # After an observation the entry shows at once (after a vitals row, the inputs
        # clear); the rest of the view follows on the next turn of the event loop.
        self._refresh_soon = QTimer(self)
        self._refresh_soon.setObjectName("sessionRefreshSoon")
        self._refresh_soon.setSingleShot(True)
        self._refresh_soon.setInterval(0)
        self._refresh_soon.timeout.connect(self.refresh)

        self._build()
        self._shortcuts()
        self.apply_scheme(self.scheme)
        if not self.record.read_only:
            self._check_alerts()
        self.refresh()
        self._set_read_only(self.record.read_only)

        self.clock_timer = QTimer(self)
        self.clock_timer.setObjectName("sessionClockTimer")
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self.tick)
        self.clock_timer.start()
        self.tick()
        self.entry.setFocus()

    # -- construction ----------------------------------------------------------------

    def _build(self) -> None:
        """Header, the reserved alert row, the two columns, and the shortcut strip.

        Nothing appearing later moves anything else: the header's height is fixed
        (reminders fit their text into it), the alert row is always there (a calm
        "no active alerts" line when none), and the panels scroll inside their tabs.
        """
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._header())
        body = QWidget()
        body.setObjectName("sessionBody")
        column = QVBoxLayout(body)
        column.setContentsMargins(12, 8, 12, 6)
        column.setSpacing(8)
        column.addWidget(self._banner())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("sessionSplit")
        split.setChildrenCollapsible(False)
        split.setHandleWidth(10)
        split.addWidget(self._left_column())
        split.addWidget(self._right_column())
        split.setStretchFactor(0, 11)
        split.setStretchFactor(1, 10)
        split.setSizes([1100, 1000])
        column.addWidget(split, 1)
        outer.addWidget(body, 1)
        self.help_strip = QLabel(HELP_TEXT)
        self.help_strip.setObjectName("helpStrip")
        self.help_strip.setWordWrap(True)
        self.help_strip.setTextFormat(Qt.TextFormat.PlainText)
        outer.addWidget(self.help_strip)
        self.curtain = Curtain(self)
        # Tab from the observation line reaches the list of entries first (to correct one),
        # then the time field for an entry made late.
        QWidget.setTabOrder(self.entry, self.recent)
        QWidget.setTabOrder(self.recent, self.entry_time)
        # Outside a dialog a push button ignores Enter; here Enter on a focused button
        # presses it, as it does on every input next to it.
        for button in self.findChildren(QPushButton):
            if button.focusPolicy() & Qt.FocusPolicy.TabFocus:
                button.setAutoDefault(True)

    def _header(self) -> QFrame:
        self.header = QFrame()
        self.header.setObjectName("sessionHeader")
        self._header_lay = lay = QHBoxLayout(self.header)
        lay.setContentsMargins(18, 6, 18, 6)
        lay.setSpacing(22)
        self._clocks = clocks = QVBoxLayout()
        clocks.setSpacing(0)
        self.clock_label = QLabel("Pre-dose")
        self.clock_label.setObjectName("sessionClock")
        self.wall_label = QLabel("")
        self.wall_label.setObjectName("wallClock")
        clocks.addWidget(self.clock_label)
        clocks.addWidget(self.wall_label)
        clocks.addStretch(1)
        lay.addLayout(clocks)
        self._who = who = QVBoxLayout()
        who.setSpacing(1)
        self.client_label = QLabel(self.record.client.name)
        self.client_label.setObjectName("clientName")
        self.details_label = QLabel("")
        self.details_label.setObjectName("clientDetails")
        self.given_label = QLabel("")
        self.given_label.setObjectName("doseGiven")
        set_role(self.given_label, "muted")
        allergies = self.record.client.allergies
        # Allergies are never cut: up to two lines, the font stepping down if need be.
        self.allergy_label = FittingLabel(12, 9)
        self.allergy_label.setObjectName("clientAllergies")
        self.allergy_label.setVisible(bool(allergies) and not no_known_allergies(allergies or ""))
        for line in (self.client_label, self.details_label, self.allergy_label, self.given_label):
            line.setTextFormat(Qt.TextFormat.PlainText)
            # One line each: a long value is cut at the header's edge, not wrapped taller.
            line.setMinimumWidth(1)
            line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            who.addWidget(line)
        self.allergy_label.setWordWrap(True)  # the one header line that may take two
        self.allergy_label.setText(f"⚠  Allergies: {allergies}" if allergies else "")
        self.allergy_label.set_room(2 * self.allergy_label.fontMetrics().lineSpacing() + 4)
        who.addStretch(1)
        lay.addLayout(who, 1)
        self._side = side = QVBoxLayout()
        side.setSpacing(4)
        self.status_chip = QLabel("")
        self.status_chip.setObjectName("statusChip")
        self.reminder_cue = FittingLabel(12, 9, whole_lines=True)
        self.reminder_cue.setObjectName("reminderCue")
        self.reminder_cue.setMaximumWidth(460)
        self.reminder_cue.hide()
        side.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.reminder_cue, 0, Qt.AlignmentFlag.AlignRight)
        side.addStretch(1)
        lay.addLayout(side)
        return self.header

    def _banner(self) -> QWidget:
        """The alert row: always there, so an alert appearing moves nothing below it."""
        self.alert_slot = QWidget()
        self.alert_slot.setObjectName("alertSlot")
        slot = QGridLayout(self.alert_slot)
        slot.setContentsMargins(0, 0, 0, 0)
        self.no_alerts = QLabel("No active alerts")
        self.no_alerts.setObjectName("noAlerts")
        slot.addWidget(self.no_alerts, 0, 0)
        self.banner = QFrame()
        self.banner.setObjectName("alertBanner")
        self.banner.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._banner_lay = lay = QVBoxLayout(self.banner)
        lay.setContentsMargins(14, 4, 14, 4)
        self.banner_label = FittingLabel(13, 9)
        self.banner_label.setObjectName("alertText")
        self.banner_label.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.banner_label)
        slot.addWidget(self.banner, 0, 0)  # over the calm line
        self.banner.hide()
        return self.alert_slot

    def _left_column(self) -> QWidget:
        left = QWidget()
        left.setObjectName("sessionLeft")
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)

        obs = QFrame()
        obs.setProperty("role", "panel")
        obs_lay = QVBoxLayout(obs)
        obs_lay.setContentsMargins(12, 8, 12, 10)
        obs_lay.setSpacing(6)
        obs_lay.addWidget(label("Observations", "panel-title"))
        self.entry = QLineEdit()
        self.entry.setObjectName("observationEntry")
        self.entry.setPlaceholderText("Type what you observe, Enter to save (time is stamped)")
        self.entry.returnPressed.connect(self.submit_observation)
        self.entry_time = QLineEdit()
        self.entry_time.setObjectName("observationTime")
        self.entry_time.setPlaceholderText("at (now)")
        self.entry_time.setToolTip(
            "For an entry made late: the clock time it happened (blank = now)"
        )
        self.entry_time.setMaximumWidth(96)
        self.entry_time.returnPressed.connect(self.submit_observation)
        entry_row = QHBoxLayout()
        entry_row.setSpacing(6)
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.entry_time)
        obs_lay.addLayout(entry_row)
        tags = QGridLayout()
        tags.setHorizontalSpacing(6)
        tags.setVerticalSpacing(5)
        self.tag_buttons: dict[str, QPushButton] = {}
        for position, (value, text) in enumerate(QUICK_TAGS):
            button = QPushButton(f"{position + 1} {text}")
            button.setObjectName(f"tag_{value}")
            button.setProperty("role", "tag")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(
                f"Alt+{position + 1}: tag the entry being typed '{text}' "
                "(with the line empty: the last entry)"
            )
            tags.addWidget(button, position // 4, position % 4)
            self.tag_buttons[value] = button
        obs_lay.addLayout(tags)
        self.correction_hint = label("", "inline-warning", wrap=True)
        self.correction_hint.setObjectName("correctionHint")
        self.correction_hint.hide()
        obs_lay.addWidget(self.correction_hint)
        self.obs_message = label("", "inline-error", wrap=True)
        self.obs_message.setObjectName("observationMessage")
        self.obs_message.hide()
        obs_lay.addWidget(self.obs_message)
        self.recent = QListWidget()
        self.recent.setObjectName("recentEntries")
        self.recent.setWordWrap(True)
        # Long entries wrap at the list's width, whatever width it had when they came (the
        # vertical bar stays, or showing it would re-wrap the entries, and again).
        self.recent.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.recent.setMinimumHeight(72)
        # Tab from the entry line reaches the list: arrow to an older entry, Enter (or
        # Ctrl+E) corrects it.
        self.recent.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.recent.itemDoubleClicked.connect(lambda item: self.start_correction(item))
        self.recent.itemActivated.connect(lambda item: self.start_correction(item))
        obs_lay.addWidget(self.recent, 1)
        column.addWidget(obs, 1)

        vitals = QFrame()
        vitals.setProperty("role", "panel")
        v_lay = QVBoxLayout(vitals)
        v_lay.setContentsMargins(12, 8, 12, 10)
        v_lay.setSpacing(4)
        v_lay.addWidget(label("Vitals  (Ctrl+B, Enter records)", "panel-title"))
        row = QHBoxLayout()
        row.setSpacing(6)
        self.vitals_edits: dict[str, QLineEdit] = {}
        for field_id, text, width in VITALS_INPUTS:
            edit = QLineEdit()
            edit.setObjectName(f"vitals_{field_id}")
            edit.setMinimumWidth(width)
            edit.setMaxLength(4)
            edit.returnPressed.connect(self.submit_vitals)
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(label(text, "caption"))
            box.addWidget(edit)
            row.addLayout(box, 1)
            self.vitals_edits[field_id] = edit
        self.vitals_time = QLineEdit()
        self.vitals_time.setObjectName("vitals_time")
        self.vitals_time.setPlaceholderText("now")
        self.vitals_time.setToolTip("For a reading taken earlier: its clock time (blank = now)")
        self.vitals_time.setMinimumWidth(62)
        self.vitals_time.setMaxLength(9)
        self.vitals_time.returnPressed.connect(self.submit_vitals)
        time_box = QVBoxLayout()
        time_box.setSpacing(2)
        time_box.addWidget(label("At", "caption"))
        time_box.addWidget(self.vitals_time)
        row.addLayout(time_box, 1)
        self.vitals_button = QPushButton("Record")
        self.vitals_button.setObjectName("recordVitals")
        self.vitals_button.setProperty("role", "primary")
        self.vitals_button.clicked.connect(self.submit_vitals)
        row.addWidget(self.vitals_button, 0, Qt.AlignmentFlag.AlignBottom)
        v_lay.addLayout(row)
        self.vitals_message = label("", "inline-error", wrap=True)
        self.vitals_message.setObjectName("vitalsMessage")
        self.vitals_message.hide()
        v_lay.addWidget(self.vitals_message)
        self.vitals_table = QTableWidget(0, len(VITALS_HEADERS))
        self.vitals_table.setObjectName("vitalsTable")
        self.vitals_table.setHorizontalHeaderLabels(list(VITALS_HEADERS))
        self.vitals_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.vitals_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.vitals_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.vitals_table.verticalHeader().hide()
        self.vitals_table.verticalHeader().setDefaultSectionSize(24)
        self.vitals_table.setMinimumHeight(96)
        head = self.vitals_table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.vitals_table.setColumnWidth(0, 30)
        v_lay.addWidget(self.vitals_table, 1)
        column.addWidget(vitals, 1)
        return left

    def _right_column(self) -> QWidget:
        right = QWidget()
        right.setObjectName("sessionRight")
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.chart = VitalsChart(self.settings)
        # The chart and the tabs share the column by their stretch, whatever their contents
        # would like: the panels scroll, the chart draws in what it is given.
        self.chart.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        column.addWidget(self.chart, 3)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sessionTabs")
        self.tabs.setUsesScrollButtons(True)
        self.predose_panel = PreDosePanel(self.session)
        self.dose_panel = DosePanel(self.session)
        self.events_panel = EventsPanel(self.session)
        self.treatments_panel = TreatmentsPanel(self.session)
        self.time_panel = TimePanel(self.session)
        self.discharge_panel = DischargePanel(self.session)
        self.panels: list[tuple[Panel, str, str]] = [
            (self.predose_panel, "Pre-dose (F5)", "F5"),
            (self.dose_panel, "Dose (F3)", "F3"),
            (self.events_panel, "Events (F4)", "F4"),
            (self.treatments_panel, "Treatments (F8)", "F8"),
            (self.time_panel, "Time (F6)", "F6"),
            (self.discharge_panel, "Discharge (F7)", "F7"),
        ]
        for panel, title, _key in self.panels:
            panel.title.hide()
            # A panel taller than its tab scrolls inside it; the tab never grows the window.
            scroll = QScrollArea()
            scroll.setObjectName(f"panelScroll_{panel.objectName() or type(panel).__name__}")
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            scroll.setWidget(panel)
            self.tabs.addTab(scroll, title)
            panel.written.connect(self._panel_written)
        self.tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.tabs.setMinimumHeight(190)
        column.addWidget(self.tabs, 2)
        return right

    def _shortcuts(self) -> None:
        def bind(keys: str, slot: Callable[[], Any]) -> QShortcut:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            return shortcut

        self.shortcuts: dict[str, QShortcut] = {}
        for position, (value, _text) in enumerate(QUICK_TAGS):
            keys = f"Alt+{position + 1}"
            self.shortcuts[keys] = bind(keys, partial(self.toggle_tag, value))
        self.shortcuts["Ctrl+B"] = bind("Ctrl+B", self.focus_vitals)
        self.shortcuts["F2"] = bind("F2", self.focus_vitals)
        for index, (panel, _title, key) in enumerate(self.panels):
            self.shortcuts[key] = bind(key, partial(self.show_panel, index, panel))
        self.shortcuts["Ctrl+E"] = bind("Ctrl+E", self.correct_last)
        self.shortcuts["Esc"] = bind("Esc", self.escape)
        self.shortcuts[CURTAIN_KEY] = bind(CURTAIN_KEY, self.toggle_curtain)
        self.shortcuts[DIM_KEY] = bind(DIM_KEY, self.toggle_dim)
        self.curtain.installEventFilter(self)
        # Text inputs claim some Ctrl keys for editing on Linux desktops (Ctrl+E end of
        # line, Ctrl+D delete): the session's own shortcuts must win inside the view.
        self._shortcut_keys = {
            QKeySequence(keys).toString() for keys in self.shortcuts if keys != "Esc"
        }
        for child in self.findChildren(QLineEdit) + self.findChildren(QComboBox):
            child.installEventFilter(self)

    # -- time ------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: the clocks and the reminders."""
        now = self.session.now()
        self.clock_label.setText(self.session.clock_label(now))
        self.wall_label.setText(self.record.timeline.clock_seconds(now))
        if now.second == 0:  # once a minute the chart's time axis follows the clock
            self._fill_chart(follow_clock=True)
        self._update_reminders(now)

    def _update_reminders(self, now: datetime) -> None:
        due = self.session.reminders(now)
        if self.soft_sound and self.session.sounds_for(due, self.reminder_kinds):
            QApplication.beep()
        self.reminder_kinds = {r.kind for r in due}
        if due:
            self.reminder_cue.setText(
                "\n".join(("⚠ " if r.overdue else "• ") + r.message for r in due)
            )
        self.reminder_cue.setVisible(bool(due))

    # -- observations ----------------------------------------------------------------

    def toggle_tag(self, value: str) -> None:
        """Alt+1…8: toggle a quick tag on the entry being typed; with the line empty, on the
        last entry written (shown at once). The focus stays where it is."""
        button = self.tag_buttons[value]
        if not button.isEnabled():
            return
        if self.entry.text().strip() or self._correcting is not None or self._annotating:
            button.toggle()
            return
        outcome = self.session.toggle_tag_on_last(value)
        if isinstance(outcome, Refused):
            self._say(self.obs_message, outcome.reason)
            return
        self._say(self.obs_message, "")
        self.refresh()
        self.entry_written.emit(OBSERVATIONS)

    def selected_tags(self) -> list[str]:
        """The quick tags toggled on, in their order."""
        return [value for value, button in self.tag_buttons.items() if button.isChecked()]

    def _say(self, widget: QLabel, text: str) -> None:
        widget.setText(text)
        widget.setVisible(bool(text))

    def submit_observation(self) -> bool:
        """Enter: write the typed text (and tags) stamped with the time; or save a correction."""
        text = self.entry.text().strip()
        tags = self.selected_tags()
        if self.record.read_only or (not text and not tags):
            return False
        if self._annotating is not None:
            outcome = self.session.annotate(self._annotating, text)
        elif self._correcting is not None:
            outcome = self.session.correct_observation(self._correcting, text, tags)
        else:
            outcome = self.session.log_observation(text, tags, self.entry_time.text())
        if not isinstance(outcome, Logged):
            self._say(self.obs_message, outcome.reason if isinstance(outcome, Refused) else "")
            set_invalid(self.entry_time, isinstance(outcome, Refused) and outcome.field == "time")
            return False
        self._say(self.obs_message, "")
        set_invalid(self.entry_time, False)
        self._end_correction()
        self.entry.clear()
        self.entry_time.clear()
        for button in self.tag_buttons.values():
            button.setChecked(False)
        self._fill_recent()  # the entry, durable now, shows in this turn
        self._refresh_soon.start()
        self.entry_written.emit(OBSERVATIONS)
        return True

    def correct_last(self) -> None:
        """Ctrl+E: correct the selected entry, else the latest one."""
        item = self.recent.currentItem() or self.recent.item(0)
        if item is not None:
            self.start_correction(item)

    def start_correction(self, item: QListWidgetItem) -> None:
        """Load an entry into the line for correcting; Enter saves, Esc cancels."""
        if self.record.read_only:
            return
        event_id = item.data(Qt.ItemDataRole.UserRole)
        row = next(
            (r for r in self.record.rows(OBSERVATIONS) if r.get(EVENT_KEY) == event_id), None
        )
        if row is None:
            return
        if self.session.is_app_entry(row):
            # the app's own entries are never rewritten: a note is added to them instead
            self._end_correction()
            self._annotating = str(event_id)
            self.entry.clear()
            self._say(
                self.correction_hint,
                f"Adding a note to the {self._row_clock(OBSERVATIONS, row)} entry written by "
                "the app (it cannot be changed). Enter saves, Esc cancels.",
            )
            self.entry.setFocus()
            return
        self._correcting = str(event_id)
        self.entry.setText(str(row.get("text", "")))
        tags = row.get("tags") if isinstance(row.get("tags"), list) else []
        for value, button in self.tag_buttons.items():
            button.setChecked(value in (tags or []))
        self._say(
            self.correction_hint,
            f"Correcting the {self._row_clock(OBSERVATIONS, row)} entry (its time is kept). "
            "Enter saves, Esc cancels.",
        )
        self.entry.setFocus()
        self.entry.selectAll()

    def _end_correction(self) -> None:
        self._correcting = None
        self._annotating = None
        self._say(self.correction_hint, "")

    # -- vitals ----------------------------------------------------------------------

    def focus_vitals(self) -> None:
        """Ctrl+B: to the systolic input."""
        edit = self.vitals_edits["systolic"]
        edit.setFocus()
        edit.selectAll()

    def submit_vitals(self) -> bool:
        """Record the vitals row; implausible values are refused with a message naming them."""
        if self.record.read_only:
            return False
        for edit in (*self.vitals_edits.values(), self.vitals_time):
            set_invalid(edit, False)
        outcome = self.session.log_vitals(
            {field_id: edit.text() for field_id, edit in self.vitals_edits.items()},
            self.vitals_time.text(),
        )
        if isinstance(outcome, Refused):
            inputs = {**self.vitals_edits, "time": self.vitals_time}
            target = inputs.get(outcome.field or "")
            if target is not None:
                set_invalid(target, True)
                target.setFocus()
            self._say(self.vitals_message, outcome.reason)
            return False
        self._say(self.vitals_message, "")
        for edit in (*self.vitals_edits.values(), self.vitals_time):
            edit.clear()
        self._check_alerts()  # the rules run now; an alert is in the note before anything
        # The inputs clear in this turn; the table, chart and banner follow on the next,
        # so neither turn holds the screen for both the save and the redraw.
        self._refresh_soon.start()
        self.entry_written.emit(VITALS)
        self.entry.setFocus()
        return True

    def _check_alerts(self) -> None:
        """Run the alert rules; each new alert is written into the note once (by the session)."""
        for alert in self.session.check_alerts():
            self.alert_raised.emit(alert.message)

    @property
    def alerts(self) -> list[Any]:
        """Every alert episode of the session (active and resolved)."""
        return self.session.alerts

    # -- panels and focus --------------------------------------------------------------

    def show_panel(self, index: int, panel: Panel) -> None:
        """F3/F4/F6/F7: show a panel and put the focus in its first input."""
        self.tabs.setCurrentIndex(index)
        # As a shortcut: text already in the input is selected, so typing replaces it.
        panel.first_input().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _panel_written(self, what: str) -> None:
        if what not in ("interventions", "pre_dose_checklist"):
            self._check_alerts()
        self.session.store_time_summary()
        self.refresh()
        self.entry_written.emit(what)
        if what not in ("interventions", "pre_dose_checklist"):
            self.entry.setFocus()

    def escape(self) -> None:
        """Esc: cancel a correction, else back to the entry line. It never closes the view.

        A stray Esc mid-session must not take the clock and the alerts off the screen;
        closing is Ctrl+W, on purpose.
        """
        if self.curtain.isVisible():
            return
        if self._correcting is not None or self._annotating is not None:
            self._end_correction()
            self.entry.clear()
            for button in self.tag_buttons.values():
                button.setChecked(False)
            return
        if self.events_panel.is_correcting:
            self.events_panel.cancel_correction()
        self.entry.setFocus()

    # -- curtain and theme -------------------------------------------------------------

    @property
    def curtain_shown(self) -> bool:
        """Whether a privacy curtain hides the view (its own, or the app's over its window)."""
        return covered(self)

    def _shortcuts_enabled(self, enabled: bool) -> None:
        """Every shortcut but the curtain's: off while the curtain is up (nothing unseen)."""
        for keys, shortcut in self.shortcuts.items():
            if keys != CURTAIN_KEY:
                shortcut.setEnabled(enabled)

    def save_pending(self) -> bool:
        """Write an observation still in the entry line (the window is closing or locking)."""
        if self.record.read_only or self._correcting is not None:
            return False
        if not self.entry.text().strip():
            return False
        return self.submit_observation()

    def toggle_curtain(self) -> None:
        """F12: blank the window at once, or bring it back."""
        if self.curtain.isVisible():
            self.curtain.hide()
            self._shortcuts_enabled(True)
            if self._title_before_curtain is not None:
                self.window().setWindowTitle(self._title_before_curtain)
            target = self._focus_before_curtain or self.entry
            target.setFocus()
            self._focus_before_curtain = None
            return
        focus = QApplication.focusWidget()
        self._focus_before_curtain = (
            focus if focus is not None and self.isAncestorOf(focus) else None
        )
        self._title_before_curtain = self.window().windowTitle()
        self.window().setWindowTitle("kapnotes")  # no client name on the taskbar either
        self.curtain.setGeometry(self.rect())
        self._shortcuts_enabled(False)
        self.curtain.show()
        self.curtain.raise_()
        self.curtain.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Swallow typing under the curtain; let the session's shortcuts beat text inputs."""
        if watched is self.curtain and event.type() == QEvent.Type.KeyPress:
            return True
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and QKeySequence(event.keyCombination()).toString() in self._shortcut_keys
        ):
            return True  # not accepted by the input, so the shortcut fires
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the curtain over everything, and the shortcut strip whole at this width."""
        super().resizeEvent(event)
        self.curtain.setGeometry(self.rect())
        # A top-level layout does not ask a wrapping label its height for the width it
        # gets: the strip says how many lines it needs here.
        self.help_strip.setFixedHeight(self.help_strip.heightForWidth(event.size().width()))

    def toggle_dim(self) -> None:
        """Ctrl+D: the dim theme, or back to the app's light/dark; the next live session
        opens the same way (remembered in the preferences)."""
        self.apply_scheme(self.base_scheme if self.scheme == "dim" else "dim")
        set_starts_dim(self.preferences, self.scheme == "dim")

    def apply_scheme(self, scheme: SessionScheme) -> None:
        """Restyle the view (and the chart) in a scheme."""
        self.scheme = scheme
        self.setPalette(session_palette(scheme))
        self.setStyleSheet(session_style_sheet(scheme))
        self.chart.apply_colours(tokens(scheme))
        self._fix_heights()
        self._fill_vitals_table()

    def _fix_heights(self) -> None:
        """Fix the header's and the alert row's heights from the fonts the sheet gives.

        The header is as tall as the clocks or the client lines need; the reminder cue
        fits its text into that. The alert row holds two lines of the banner's largest
        font; more alerts make the text smaller, never the row taller.
        """
        self.ensurePolished()
        # The session clock keeps its width from "Pre-dose" to T+100:00 and beyond.
        widest = QFontMetrics(self.clock_label.font()).horizontalAdvance("T+888:88")
        self.clock_label.setMinimumWidth(widest + 4)
        margins = self._header_lay.contentsMargins()
        inner = max(self._clocks.sizeHint().height(), self._who.sizeHint().height())
        self.header.setFixedHeight(inner + margins.top() + margins.bottom())
        chip = self.status_chip.sizeHint().height() + self._side.spacing()
        self.reminder_cue.set_room(inner - chip)
        font = QFont(self.banner_label.font())
        font.setPointSizeF(self.banner_label.largest)
        lines = 2 * QFontMetrics(font).lineSpacing() + 2
        frame = self._banner_lay.contentsMargins()
        border = 2 * self.banner.frameWidth()  # the sheet's border
        self.alert_slot.setFixedHeight(lines + frame.top() + frame.bottom() + border)
        self.banner_label.set_room(lines)

    # -- showing what is stored --------------------------------------------------------

    def refresh(self) -> None:
        """Redraw everything from the note's values (after each durable write); each part
        only where what it shows changed."""
        self._refresh_soon.stop()
        self._fill_header()
        self._fill_recent()
        self._fill_vitals_table()
        self._fill_chart()
        self._fill_banner()
        self.dose_panel.refresh()
        self.events_panel.refresh()
        self.treatments_panel.refresh()
        self.time_panel.refresh()
        self.discharge_panel.refresh()
        self.tick()

    def _fill_header(self) -> None:
        client = self.record.client
        parts = [weight_text(client.weight_kg) if client.weight_kg else "weight not recorded"]
        parts.append(PRODUCT_LABELS[self.product])
        if self.planned_dose:
            parts.append(f"planned {self.planned_dose}")
        self.details_label.setText("  ·  ".join(parts))
        self.given_label.setText(self.session.given_text())
        if self.record.read_only:
            self.status_chip.setText("Signed · read-only")
        elif (discharged := self.record.discharge_time()) is not None:
            self.status_chip.setText(f"Discharged {self.session.clock(discharged)}")
        else:
            self.status_chip.setText("Draft · saved as you type")

    def _recent_lines(self) -> list[tuple[str, object, str | None]]:
        """Each entry as the list shows it, newest first: text, event id, and the colour
        token of an entry the app wrote (None for the clinician's own)."""
        tag_labels = {o.value: o.label for o in template_options(self.record, OBSERVATIONS, "tags")}
        clock = self.record.timeline.clock
        timed = self.record.timed_rows(OBSERVATIONS)
        stamps = {
            row.get(EVENT_KEY): clock(instant) if instant is not None else str(row.get("time", ""))
            for row, instant in timed
        }
        lines: list[tuple[str, object, str | None]] = []
        for row, _instant in reversed(timed):
            offset = row.get("t_plus_min")
            stamp = stamps.get(row.get(EVENT_KEY), "")
            if isinstance(offset, int):
                stamp += f"  T+{offset}" if offset >= 0 else f"  T{offset}"
            tags = row.get("tags") if isinstance(row.get("tags"), list) else []
            tag_text = f"  [{', '.join(tag_labels.get(t, t) for t in tags or [])}]" if tags else ""
            extra = ""
            event_id = row.get(EVENT_KEY)
            if event_id in self.record.corrected:
                first = self.record.originals.get(str(event_id), {}).get("text")
                extra += f"  (corrected; first: “{first}”)" if first else "  (corrected)"
            if row.get(ENTERED_AT_KEY):
                entered = from_iso(row.get(ENTERED_AT_KEY))
                extra += f"  (entered late{' at ' + clock(entered) if entered else ''})"
            text = str(row.get("text", ""))
            if row.get(ANNOTATES_KEY):
                text = f"↳ note on the {stamps.get(row.get(ANNOTATES_KEY), '')} entry: {text}"
            colour = tokens(self.scheme)["error"] if self.session.is_app_entry(row) else None
            lines.append((f"{stamp}{tag_text}  {text}{extra}", event_id, colour))
        return lines

    def _fill_recent(self) -> None:
        """The entries, newest first. Only the lines that changed are replaced (a new entry
        is one line inserted), so the list does not lay out and paint every entry again;
        the entry selected stays selected."""
        lines = self._recent_lines()
        shown = self._recent_shown
        current = self.recent.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        same = min(len(lines), len(shown))
        head = next((i for i in range(same) if lines[i] != shown[i]), same)
        tail = next((i for i in range(same - head) if lines[-1 - i] != shown[-1 - i]), same - head)
        for _ in range(len(shown) - head - tail):
            self.recent.takeItem(head)
        for position in range(head, len(lines) - tail):
            text, event_id, colour = lines[position]
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, event_id)
            if colour is not None:
                item.setForeground(QBrush(QColor(colour)))
            self.recent.insertItem(position, item)
        self._recent_shown = lines
        current = self.recent.currentItem()
        if keep is None or current is None or current.data(Qt.ItemDataRole.UserRole) != keep:
            row = next(
                (i for i, line in enumerate(lines) if keep is not None and line[1] == keep), -1
            )
            self.recent.setCurrentRow(row)

    def marked_rows(self) -> set[int]:
        """Rows of the vitals log (in order) that triggered an alert."""
        return self.session.marked_rows()

    def _row_clock(self, log_id: str, row: dict[str, Any]) -> str:
        """A row's clock time as the session shows it (with its zone across a change)."""
        for candidate, instant in self.record.timed_rows(log_id):
            if candidate.get(EVENT_KEY) == row.get(EVENT_KEY) and instant is not None:
                return self.session.clock(instant)
        return str(row.get("time", ""))

    def _fill_vitals_table(self) -> None:
        """The vitals rows (an alert's marked); redrawn only when they changed."""
        if not hasattr(self, "vitals_table"):
            return
        readings = self.record.readings()
        marked = self.marked_rows()
        clock = self.record.timeline.clock
        rows: list[tuple[tuple[str, ...], bool]] = []
        for position, (reading, row) in enumerate(readings):
            offset = row.get("t_plus_min")
            cells = (
                "⚠" if position in marked else "",
                clock(reading.time),
                "pre" if offset is None or offset < 0 else str(offset),
                reading.bp_text or "",
                *(
                    "" if getattr(reading, name) is None else str(getattr(reading, name))
                    for name in ("heart_rate", "spo2", "respiratory_rate", "moaas", "dissociation")
                ),
            )
            rows.append((cells, position in marked))
        colours = tokens(self.scheme)
        shown_colours = (colours["mark_bg"], colours["alert_text"])
        if rows == self._vitals_shown and shown_colours == self._vitals_colours:
            return
        self._vitals_shown, self._vitals_colours = rows, shown_colours
        self.vitals_table.setRowCount(len(rows))
        for position, (cells, alert) in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if alert:
                    item.setBackground(QBrush(QColor(colours["mark_bg"])))
                    item.setForeground(QBrush(QColor(colours["alert_text"])))
                    item.setData(Qt.ItemDataRole.UserRole, "alert")
                self.vitals_table.setItem(position, column, item)
        if rows:
            self.vitals_table.scrollToBottom()

    def _fill_chart(self, *, follow_clock: bool = False) -> None:
        """The chart, when its readings changed, or ``follow_clock`` (once a minute) for its
        time axis: an observation, which changes neither, leaves it as it is."""
        placed, now_minute = self.session.chart_minutes(self.session.now())
        points = [
            ChartPoint(minute, r.systolic, r.diastolic, r.heart_rate, r.spo2)
            for minute, r in placed
        ]
        dosed = self.record.clock.t0 is not None
        shown = self._chart_shown
        if (
            not follow_clock
            and shown is not None
            and shown[0] == points
            and shown[2] == dosed
            and abs(shown[1] - now_minute) < 1.0
        ):
            return
        self._chart_shown = (points, now_minute, dosed)
        self.chart.show_points(points, now_minute, dosed=dosed)

    def _fill_banner(self) -> None:
        shown = active_alerts(self.session.alerts)
        if not shown:
            self.banner.hide()
            return
        critical = any(a.severity is Severity.CRITICAL for a in shown)
        lines = [f"{'‼' if a.severity is Severity.CRITICAL else '⚠'}  {a.message}" for a in shown]
        self.banner_label.setText("\n".join(lines))
        self.banner.setProperty("critical", critical)
        self.banner.show()

    def active_rules(self) -> set[RuleId]:
        """The rules of the alerts the banner shows."""
        return {a.rule for a in active_alerts(self.session.alerts)}

    # -- read-only -------------------------------------------------------------------

    def _set_read_only(self, read_only: bool) -> None:
        for widget in (
            self.entry,
            self.entry_time,
            self.vitals_time,
            self.vitals_button,
            *self.vitals_edits.values(),
            *self.tag_buttons.values(),
        ):
            widget.setEnabled(not read_only)
        for panel, _title, _key in self.panels:
            panel.set_read_only(read_only)
        if read_only:
            self.entry.setPlaceholderText("This note is signed: read-only")

    @property
    def read_only(self) -> bool:
        """Whether the note is signed."""
        return self.record.read_only


def _caption(field_id: str) -> str:
    return next((text for fid, text, _w in VITALS_INPUTS if fid == field_id), field_id)
