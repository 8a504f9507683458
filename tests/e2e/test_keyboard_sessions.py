"""A full IM and a full esketamine dosing session, run from the main window by keyboard alone.

Issue 4 is done when a whole session (pre-dose checks to discharge) can be run
in the GUI with the keyboard alone. These tests do exactly that: after the
live session window opens (``MainWindow.open_live_session``), every step is a
key pressed on the widget that has the focus (``QApplication.focusWidget()``),
as a clinician's hands would; between steps only the injected session clock
moves. No widget method is called and no mouse is used to run the session.
(The main window gives a live session the real clock; the fixture hands its
``SessionWindow`` the fake one, the same ``now=`` the view takes in its own tests.)

Then they check what the vault holds (values and events), the esketamine REMS
block, the suggested billing units, and that the normal note editor opens the
same note with every entry in its tables. All names and data are fictional.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

import kapnotes.ui.session_view as session_view_package
from kapnotes.app import build_main_window
from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.session import ClinicSettings, Presence, billing
from kapnotes.domain.templates import load_templates
from kapnotes.store.notes import NoteRecord, NoteStore
from kapnotes.store.vault import Vault
from kapnotes.ui.editor.log_table import LogWidget, cell_text
from kapnotes.ui.main_window import MainWindow
from kapnotes.ui.session_view import SessionConfig, SessionView, SessionWindow
from tests.conftest import PASSPHRASE
from tests.ui.conftest import FakeClock, unlock

pytestmark = pytest.mark.slow

DAY = date(2026, 3, 2)
Key = Qt.Key
NO_MOD = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


class SessionClock:
    """The live session's wall clock: it moves only when the test sets it."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 2, 9, 30)

    def __call__(self) -> datetime:
        return self.moment

    def at(self, hour: int, minute: int, second: int = 0) -> None:
        """Move the clock forward to `hour:minute:second` on the session day."""
        later = self.moment.replace(hour=hour, minute=minute, second=second)
        assert later >= self.moment, "the session clock only moves forward"
        self.moment = later


class Keyboard:
    """A clinician's hands: every key goes to whatever widget has the focus."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot

    @property
    def focus(self) -> QWidget:
        """The widget with the keyboard focus (there must be one)."""
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def on(self, name: str) -> None:
        """Assert the focus is on the widget named `name` (or inside it)."""
        widget: QWidget | None = self.focus
        names = []
        while widget is not None:
            names.append(widget.objectName())
            if widget.objectName() == name:
                return
            widget = widget.parentWidget()
        pytest.fail(f"focus is on {names[0]!r} ({type(self.focus).__name__}), not on {name!r}")

    def press(
        self, key: Qt.Key, modifiers: Qt.KeyboardModifier = NO_MOD, *, times: int = 1
    ) -> None:
        """Press (and release) a key on the focused widget."""
        for _ in range(times):
            self.qtbot.keyClick(self.focus, key, modifiers)

    def type(self, text: str) -> None:
        """Type text into the focused widget."""
        self.qtbot.keyClicks(self.focus, text)

    def tab(self, times: int = 1) -> None:
        """Tab forward."""
        self.press(Key.Key_Tab, times=times)

    def tab_to(self, name: str, limit: int = 40) -> None:
        """Tab forward until the widget named `name` has the focus."""
        for _ in range(limit):
            if self.focus.objectName() == name:
                return
            self.tab()
        pytest.fail(f"Tab never reached {name!r}")

    def enter(self) -> None:
        """Press Enter."""
        self.press(Key.Key_Return)


# -- fixtures ------------------------------------------------------------------------------


@dataclass
class Session:
    """The main window, the live session window it opened, the keyboard and the clock."""

    window: MainWindow
    live: SessionWindow
    keys: Keyboard
    clock: SessionClock
    notes: NoteStore
    note_id: str

    @property
    def view(self) -> SessionView:
        """The live session view."""
        return self.live.view

    def stored(self) -> NoteRecord:
        """The note as the vault holds it now."""
        return self.notes.get(self.note_id)


@pytest.fixture
def session_clock() -> SessionClock:
    """The clock the live session reads."""
    return SessionClock()


@pytest.fixture
def main_window(
    qtbot: QtBot,
    vault: Vault,
    tmp_path: Path,
    session_clock: SessionClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[MainWindow]:
    """The unlocked main window; live sessions it opens read the session clock."""
    vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()
    monkeypatch.setattr(
        session_view_package, "SessionConfig", partial(SessionConfig, now=session_clock)
    )
    window = build_main_window(
        vault,
        settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
        clock=FakeClock(),
        today=lambda: DAY,
        search_debounce_ms=10,
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    unlock(qtbot, window)
    # A test that fails mid-session leaves it monitored: closing the window at teardown must
    # not wait on the "quit anyway?" question.
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    yield window
    for live in list(window.session_windows.values()):
        live.view.clock_timer.stop()
        live.close()
    window.session.lock()


def open_session(
    qtbot: QtBot,
    window: MainWindow,
    clock: SessionClock,
    *,
    name: str,
    weight_kg: float,
    product: Product,
) -> Session:
    """A fictional client with a course and a draft dosing note, run live from the main window."""
    clients, notes = window.session.clients, window.session.notes
    assert clients is not None and notes is not None
    client_id = clients.create(ClientInput(name=name, weight_kg=weight_kg))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression (fictional)",
            planned_product=product,
        ),
    )
    spec = load_templates().for_phase("dosing")[0]
    note_id = notes.create(course_id, "dosing", spec.snapshot(), DAY, {})
    window.workspace.refresh(select_id=client_id)
    live = window.open_live_session(note_id)
    assert live is not None
    qtbot.waitExposed(live)
    qtbot.waitUntil(live.isActiveWindow, timeout=2000)
    keys = Keyboard(qtbot)
    keys.on("observationEntry")  # the view opens with the focus on the observation line
    return Session(window, live, keys, clock, notes, note_id)


# -- what a clinician does, key by key --------------------------------------------------


def tick_pre_dose_checks(s: Session) -> None:
    """F5, Space on each check, Tab between them."""
    keys = s.keys
    keys.press(Key.Key_F5)
    boxes = list(s.view.predose_panel.boxes)
    for position, value in enumerate(boxes):
        if position:
            keys.tab()
        keys.on(f"predose_{value}")
        keys.press(Key.Key_Space)
    assert s.view.predose_panel.status.text() == "Every pre-dose check is ticked."
    keys.press(Key.Key_Escape)
    keys.on("observationEntry")


VITALS_ORDER = (
    "systolic",
    "diastolic",
    "heart_rate",
    "spo2",
    "respiratory_rate",
    "moaas",
    "dissociation",
)


def record_vitals(s: Session, *values: int | None) -> None:
    """Ctrl+B, type each value (blank for None), Tab between, Enter."""
    keys = s.keys
    keys.press(Key.Key_B, CTRL)
    for position, value in enumerate(values):
        if position:
            keys.tab()
        keys.on(f"vitals_{VITALS_ORDER[position]}")
        if value is not None:
            keys.type(str(value))
    with s.keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    assert not s.view.vitals_message.isVisible(), s.view.vitals_message.text()
    keys.on("observationEntry")


def observe(s: Session, text: str, *tags: int) -> None:
    """The text, Alt+n for each quick tag (they tag the entry being typed), Enter."""
    keys = s.keys
    keys.on("observationEntry")
    keys.type(text)
    for tag in tags:
        keys.press(getattr(Key, f"Key_{tag}"), ALT)
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    keys.on("observationEntry")


def log_dose(s: Session, product_label: str, amount: str, unit: str, lot: str) -> None:
    """F3, product and route (Shift+Tab back to it), dose, unit, lot number, Enter."""
    keys = s.keys
    keys.press(Key.Key_F3)
    keys.on("doseAmount")
    keys.press(Key.Key_Tab, SHIFT)
    keys.on("doseProduct")
    keys.type(product_label)
    keys.tab()
    keys.on("doseAmount")
    keys.type(amount)
    keys.tab()
    keys.on("doseUnit")
    keys.type(unit)
    keys.tab()
    keys.on("doseLot")
    keys.type(lot)
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    keys.on("observationEntry")


def arrive(s: Session, name: str, role: str, credential: str) -> None:
    """F6, the clinician's name, role (typed into the combo), credential, Enter."""
    keys = s.keys
    keys.press(Key.Key_F6)
    keys.on("clinicianName")
    keys.type(name)
    keys.tab()
    keys.on("clinicianRole")
    keys.type(role)
    keys.tab()
    keys.on("clinicianCredential")
    keys.type(credential)
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    keys.on("observationEntry")


def leave(s: Session, row: int) -> None:
    """F6, Tab to the people present, arrow down to the person, Enter (they left now)."""
    keys = s.keys
    keys.press(Key.Key_F6)
    keys.tab_to("presenceList")
    keys.press(Key.Key_Home)
    keys.press(Key.Key_Down, times=row)
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    keys.on("observationEntry")


def adverse_event(s: Session, kind: str, severity: str, action: str) -> None:
    """F4, kind (typed), severity (typed), onset blank (= now), action taken, Enter."""
    keys = s.keys
    keys.press(Key.Key_F4)
    keys.on("aeKind")
    keys.type(kind)
    keys.tab()
    keys.on("aeSeverity")
    keys.type(severity)
    keys.tab()
    keys.on("aeOnset")
    keys.tab()
    keys.on("aeAction")
    keys.type(action)
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    keys.on("observationEntry")


def intervention(s: Session, value: str) -> None:
    """F8, Tab to the intervention, Space, Esc back to the observation line."""
    keys = s.keys
    keys.press(Key.Key_F8)
    keys.tab_to(f"intervention_{value}")
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.press(Key.Key_Space)
    keys.on(f"intervention_{value}")
    keys.press(Key.Key_Escape)
    keys.on("observationEntry")


def resolve_event(s: Session) -> None:
    """F4, Tab to "Resolved now", Space."""
    keys = s.keys
    keys.press(Key.Key_F4)
    keys.tab_to("aeResolved")
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.press(Key.Key_Space)
    keys.on("observationEntry")


def discharge(s: Session, escort: str) -> None:
    """F7, Space on every criterion (Tab between), Tab to the escort, name, Enter."""
    keys = s.keys
    keys.press(Key.Key_F7)
    criteria = list(s.view.discharge_panel.boxes)
    for position, value in enumerate(criteria):
        if position:
            keys.tab()
        keys.on(f"discharge_{value}")
        keys.press(Key.Key_Space)
    keys.tab_to("escortName")
    keys.type(escort)
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    assert not s.view.discharge_panel.message.isVisible(), s.view.discharge_panel.message.text()
    keys.on("observationEntry")


def correct_older_entry(s: Session, back: int, text: str) -> None:
    """Tab to the entries, arrow to one `back` from the newest, Enter, retype it, Enter."""
    keys = s.keys
    keys.on("observationEntry")
    keys.tab()
    keys.on("recentEntries")
    keys.press(Key.Key_Home)
    keys.press(Key.Key_Down, times=back)
    keys.enter()
    keys.on("observationEntry")
    keys.type(text)  # the old text is selected: typing replaces it
    with keys.qtbot.waitSignal(s.view.entry_written, timeout=2000):
        keys.enter()
    keys.on("observationEntry")


def privacy_curtain(s: Session) -> None:
    """F12 blanks the window (typing is swallowed); F12 again, and the focus is back."""
    keys = s.keys
    keys.press(Key.Key_F12)
    assert s.view.curtain_shown
    keys.on("privacyCurtain")
    keys.type("unseen")
    keys.press(Key.Key_F12)
    assert not s.view.curtain_shown
    keys.on("observationEntry")
    assert s.view.entry.text() == ""


def close_session(s: Session) -> None:
    """Esc on the observation line does not close the window; Ctrl+W does."""
    s.keys.on("observationEntry")
    s.keys.press(Key.Key_Escape)
    assert s.note_id in s.window.session_windows  # a stray Esc keeps the session on screen
    s.keys.on("observationEntry")
    s.keys.press(Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    s.keys.qtbot.waitUntil(lambda: s.note_id not in s.window.session_windows, timeout=3000)


# -- checking what was stored ------------------------------------------------------------


LOG_FIELDS = ("vitals_log", "dose_log", "observation_log", "adverse_events", "clinicians")


def rows(note: NoteRecord, field_id: str) -> list[dict[str, Any]]:
    """The rows of one log field as stored."""
    value = note.values.get(field_id)
    assert isinstance(value, list), field_id
    return [dict(r) for r in value]


def assert_every_row_is_an_event(note: NoteRecord, *field_ids: str) -> None:
    """Each log row is also a note event of its field, with the same id."""
    for field_id in field_ids:
        ids = {r["_event_id"] for r in rows(note, field_id)}
        assert ids == {e.id for e in note.events if e.kind == field_id}, field_id


def assert_editor_tables(s: Session, note: NoteRecord, spot_checks: dict[str, str]) -> None:
    """The normal note editor opens the note with every stored entry in its tables.

    Each log table holds the stored rows, cell by cell as the table shows them;
    `spot_checks` maps ``field.column`` to the text expected in its first row.
    """
    note_window = s.window.open_note(s.note_id)
    assert note_window is not None
    s.keys.qtbot.waitExposed(note_window)
    for field_id in LOG_FIELDS:
        widget = note_window.editor.widgets[field_id]
        assert isinstance(widget, LogWidget)
        model = widget.model
        stored_rows = rows(note, field_id)
        assert model.rowCount() == len(stored_rows), field_id
        for r, row in enumerate(stored_rows):
            for c, column in enumerate(model.columns):
                shown = model.data(model.index(r, c))
                assert shown == cell_text(column, row.get(column.id)), (field_id, r, column.id)
    for where, text in spot_checks.items():
        field_id, column_id = where.split(".")
        widget = note_window.editor.widgets[field_id]
        assert isinstance(widget, LogWidget)
        c = next(i for i, col in enumerate(widget.model.columns) if col.id == column_id)
        assert widget.model.data(widget.model.index(0, c)) == text, where
    note_window.close()


# -- the sessions ------------------------------------------------------------------------


def test_full_im_session_by_keyboard(
    qtbot: QtBot, main_window: MainWindow, session_clock: SessionClock
) -> None:
    clock = session_clock
    s = open_session(
        qtbot,
        main_window,
        clock,
        name="Sam Fictional",
        weight_kg=80.0,
        product=Product.KETAMINE_IM,
    )
    clock.at(9, 40)
    tick_pre_dose_checks(s)
    clock.at(9, 45)
    arrive(s, "Dr Lee Fictional", "Therapist", "LMFT")
    arrive(s, "Pat Nurse", "Nurse", "RN")
    clock.at(9, 50)
    record_vitals(s, 128, 82, 74, 98, 14, 5, 0)
    observe(s, "Settling in, intention: gentleness toward self", 8)

    clock.at(10, 0)
    log_dose(s, "Racemic ketamine IM", "0.75", "mg/kg", "FICT-IM-0426")
    clock.at(10, 0, 30)
    qtbot.waitUntil(lambda: s.view.clock_label.text() == "T+00:30", timeout=3000)
    assert "60 mg" in s.view.given_label.text()

    clock.at(10, 4)
    observe(s, "Eyes closd, musc on", 4, 5)
    clock.at(10, 10)
    record_vitals(s, 138, 86, 88, 97, 14, 4, 4)
    clock.at(10, 12)
    observe(s, "Feels queasy", 1)
    correct_older_entry(s, 1, "Eyes closed, music on")  # the 10:04 entry, its time kept
    privacy_curtain(s)
    clock.at(10, 13)
    adverse_event(s, "Nausea", "Mild", "Ondansetron 4 mg ODT per standing order")
    intervention(s, "antiemetic")
    clock.at(10, 20)
    record_vitals(s, 142, 88, 90, 97, 14, 3, 6)
    observe(s, '"It is like floating above a lake"', 3, 8)
    clock.at(10, 28)
    resolve_event(s)
    clock.at(10, 30)
    record_vitals(s, 136, 84, 84, 98, 14, 4, 4)
    clock.at(10, 40)
    record_vitals(s, 132, 82, 80, 98, 14, 5, 2)
    clock.at(10, 50)
    record_vitals(s, 126, 80, 76, 98, 14, 5, 1)
    observe(s, "Talking about the lake image, tearful then calm", 2, 3)
    clock.at(11, 0)
    record_vitals(s, 124, 80, 74, 99, 14, 5, 0)
    clock.at(11, 5)
    observe(s, "Walked to the bathroom with support, steady", 6)
    clock.at(11, 15)
    record_vitals(s, 122, 78, 72, 99, 14, 5, 0)
    clock.at(11, 20)
    leave(s, 1)  # the nurse leaves the room before discharge
    clock.at(11, 25)
    observe(s, "Sipping water, oriented, ready to go home")
    clock.at(11, 30)
    discharge(s, "Jordan Fictional")  # whoever is still present leaves at discharge

    billing_text = s.view.time_panel.summary.text()
    expected = billing(
        [
            Presence(
                "Dr Lee Fictional",
                "therapist",
                True,
                datetime(2026, 3, 2, 9, 45),
                datetime(2026, 3, 2, 11, 30),
            ),
            Presence(
                "Pat Nurse",
                "nurse",
                True,
                datetime(2026, 3, 2, 9, 45),
                datetime(2026, 3, 2, 11, 20),
            ),
        ],
        Product.KETAMINE_IM,
        60,
        ClinicSettings(),
    )
    assert expected.units("0820T") and expected.units("0822T")
    assert f"0820T × {expected.units('0820T')}" in billing_text
    assert f"0822T × {expected.units('0822T')}" in billing_text
    assert "Dr Lee Fictional (therapist): 1 h 45 min" in billing_text
    assert "Pat Nurse (nurse): 1 h 35 min" in billing_text
    close_session(s)

    note = s.stored()
    values = note.values
    assert values["pre_dose_checklist"] == [
        "fasted",
        "ride_home_confirmed",
        "no_intoxicants_24h",
        "consent_reconfirmed",
    ]
    (dose_row,) = rows(note, "dose_log")
    assert (dose_row["time"], dose_row["product"], dose_row["route"]) == (
        "10:00",
        "racemic_ketamine",
        "im",
    )
    assert (dose_row["dose_mg"], dose_row["dose_mg_per_kg"], dose_row["lot_number"]) == (
        60,
        0.75,
        "FICT-IM-0426",
    )
    vitals = rows(note, "vitals_log")
    assert [v["time"] for v in vitals] == [
        "09:50",
        "10:10",
        "10:20",
        "10:30",
        "10:40",
        "10:50",
        "11:00",
        "11:15",
    ]
    assert [v.get("t_plus_min") for v in vitals][1:] == [10, 20, 30, 40, 50, 60, 75]
    assert vitals[0]["timepoint"] == "pre_dose"
    assert (vitals[0]["systolic"], vitals[0]["diastolic"], vitals[0]["moaas"]) == (128, 82, 5)
    assert vitals[2]["moaas"] == 3
    observations = {r.get("text"): r for r in rows(note, "observation_log")}
    quote = observations['"It is like floating above a lake"']
    assert (quote["time"], quote["t_plus_min"], quote["tags"]) == (
        "10:20",
        20,
        ["verbalising", "client_quote"],
    )
    corrected = observations["Eyes closed, music on"]
    assert (corrected["time"], corrected["tags"]) == ("10:04", ["resting", "music_change"])
    original = next(e for e in note.events if e.id == corrected["_event_id"])
    assert original.data["original"]["text"] == "Eyes closd, musc on"
    assert observations["Feels queasy"]["tags"] == ["nausea"]
    assert "Intervention: Antiemetic" in observations
    assert "Discharge at 11:30." in observations
    (adverse,) = rows(note, "adverse_events")
    assert (adverse["kind"], adverse["severity"], adverse["onset_time"]) == (
        "nausea",
        "mild",
        "10:13",
    )
    assert adverse["resolution_time"] == "10:28"
    assert adverse["action_taken"] == "Ondansetron 4 mg ODT per standing order"
    assert values["interventions"] == ["antiemetic"]
    people = rows(note, "clinicians")
    assert [
        (p["name"], p["role"], p.get("credential"), p["start_time"], p["end_time"]) for p in people
    ] == [
        ("Dr Lee Fictional", "therapist", "LMFT", "09:45", "11:30"),
        ("Pat Nurse", "nurse", "RN", "09:45", "11:20"),
    ]
    assert values["discharge_criteria"] == [
        item.value for item in ClinicSettings().discharge_checklist
    ]
    assert (values["discharge_time"], values["monitoring_end_time"]) == ("11:30", "11:30")
    assert values["escort_name"] == "Jordan Fictional"
    assert values["discharge_instructions_given"] is True
    assert "discharge_override_reason" not in values
    assert not any(k.startswith("rems_bp") for k in values)  # no REMS block for IM
    kinds = [e.kind for e in note.events]
    assert kinds.count("discharge") == 1
    assert kinds.count("intervention") == 1
    assert "alert" not in kinds
    assert_every_row_is_an_event(note, *LOG_FIELDS)

    assert_editor_tables(
        s,
        note,
        {
            "dose_log.dose_mg": "60",
            "adverse_events.kind": "Nausea",
            "clinicians.name": "Dr Lee Fictional",
        },
    )


def test_full_esketamine_session_by_keyboard(
    qtbot: QtBot, main_window: MainWindow, session_clock: SessionClock
) -> None:
    clock = session_clock
    s = open_session(
        qtbot,
        main_window,
        clock,
        name="Robin Fictional",
        weight_kg=64.0,
        product=Product.ESKETAMINE_INTRANASAL,
    )
    assert "rems_enrolled" in s.view.predose_panel.boxes
    clock.at(9, 40)
    tick_pre_dose_checks(s)
    clock.at(9, 45)
    arrive(s, "Dr Lee Fictional", "Therapist", "LMFT")
    arrive(s, "Pat Nurse", "Nurse", "RN")
    clock.at(9, 50)
    record_vitals(s, 124, 78, 70, 98, 14, 5, 0)

    clock.at(10, 0)
    log_dose(s, "Esketamine", "56", "mg", "FICT-SPR-1102")
    clock.at(10, 5)
    observe(s, "Second device administered, resting", 4)
    clock.at(10, 10)
    record_vitals(s, 136, 84, 82, 97, 14, 4, 5)
    clock.at(10, 18)
    observe(s, "Describes the room tilting, frightened", 3)
    adverse_event(s, "Distressing dissociation", "Moderate", "Grounding and reassurance")
    intervention(s, "reassurance")
    clock.at(10, 25)
    record_vitals(s, 142, 88, 84, 97, 14, 4, 6)
    clock.at(10, 36)
    qtbot.waitUntil(lambda: "40-minute BP check" in s.view.reminder_cue.text(), timeout=3000)
    clock.at(10, 40)
    record_vitals(s, 148, 92, 80, 98, 14, 4, 4)
    clock.at(10, 45)
    resolve_event(s)
    clock.at(10, 55)
    record_vitals(s, 138, 86, 76, 98, 14, 5, 2)
    clock.at(11, 10)
    record_vitals(s, 132, 84, 74, 98, 14, 5, 1)
    observe(s, '"I could see my old house, and it felt okay"', 8)
    clock.at(11, 25)
    record_vitals(s, 128, 80, 72, 99, 14, 5, 0)
    clock.at(11, 40)
    record_vitals(s, 126, 80, 72, 99, 14, 5, 0)
    clock.at(11, 55)
    record_vitals(s, 124, 78, 70, 99, 14, 5, 0)
    clock.at(12, 1)
    discharge(s, "Casey Fictional")  # everyone present leaves at discharge

    rems_text = s.view.discharge_panel.rems.text()
    assert "BP before dosing 124/78" in rems_text
    assert "at ~40 min 148/92" in rems_text
    assert "before discharge 124/78" in rems_text
    assert "Missing" not in rems_text
    billing_text = s.view.time_panel.summary.text()
    assert "G2082 × 1" in billing_text  # 56 mg: up to 56 mg, the 2-hour observation included
    assert "Dr Lee Fictional (therapist): 2 h 16 min" in billing_text
    assert "Pat Nurse (nurse): 2 h 16 min" in billing_text
    close_session(s)

    note = s.stored()
    values = note.values
    assert values["pre_dose_checklist"] == [
        "fasted",
        "ride_home_confirmed",
        "no_intoxicants_24h",
        "consent_reconfirmed",
        "rems_enrolled",
    ]
    (dose_row,) = rows(note, "dose_log")
    assert (dose_row["product"], dose_row["route"], dose_row["dose_mg"]) == (
        "esketamine",
        "intranasal",
        56,
    )
    assert "dose_mg_per_kg" not in dose_row
    assert dose_row["lot_number"] == "FICT-SPR-1102"
    vitals = rows(note, "vitals_log")
    assert [v.get("t_plus_min") for v in vitals][1:] == [10, 25, 40, 55, 70, 85, 100, 115]
    after_dose = [0, *(v["t_plus_min"] for v in vitals[1:])]
    assert all(10 <= b - a <= 15 for a, b in itertools.pairwise(after_dose)), after_dose
    (adverse,) = rows(note, "adverse_events")
    assert (adverse["kind"], adverse["severity"], adverse["onset_time"]) == (
        "distressing_dissociation",
        "moderate",
        "10:18",
    )
    assert adverse["resolution_time"] == "10:45"
    assert values["interventions"] == ["reassurance"]
    assert [
        (p["name"], p["role"], p["start_time"], p["end_time"]) for p in rows(note, "clinicians")
    ] == [
        ("Dr Lee Fictional", "therapist", "09:45", "12:01"),
        ("Pat Nurse", "nurse", "09:45", "12:01"),
    ]
    # The REMS block, filled from the session.
    assert (values["rems_bp_pre_dose_systolic"], values["rems_bp_pre_dose_diastolic"]) == (124, 78)
    assert (values["rems_bp_40_min_systolic"], values["rems_bp_40_min_diastolic"]) == (148, 92)
    assert (
        values["rems_bp_pre_discharge_systolic"],
        values["rems_bp_pre_discharge_diastolic"],
    ) == (124, 78)
    assert values["rems_total_monitoring_min"] >= 120
    assert values["rems_total_monitoring_min"] == 121
    assert (values["discharge_time"], values["escort_name"]) == ("12:01", "Casey Fictional")
    assert values["discharge_criteria"] == [
        item.value for item in ClinicSettings().discharge_checklist
    ]
    assert_every_row_is_an_event(note, *LOG_FIELDS)
    assert [e.kind for e in note.events].count("discharge") == 1

    assert_editor_tables(
        s,
        note,
        {
            "dose_log.dose_mg": "56",
            "adverse_events.kind": "Distressing dissociation",
            "vitals_log.systolic": "124",
        },
    )
