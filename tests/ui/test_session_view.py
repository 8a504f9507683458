"""The live session view, driven through its widgets with qtbot and a fake clock.

Alerts (hypertension, tachycardia), the pre-dose hold, mg/kg doses, the
discharge gate, monitoring time and billing units, implausible vitals, the
privacy curtain, corrections, the signed (read-only) state, and the same note
in the normal editor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.session import ClinicSettings, Presence, Rounding, RuleId, billing
from kapnotes.domain.templates import TemplateSpec, load_templates
from kapnotes.session import SessionClient
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteRecord, NoteStore
from kapnotes.store.vault import OpenVault
from kapnotes.ui.editor import NoteEditor
from kapnotes.ui.editor.log_table import LogWidget
from kapnotes.ui.session_view import SessionConfig, SessionView, SessionWindow
from tests.signing import sign_completed

DAY = date(2026, 3, 2)
START = datetime(2026, 3, 2, 9, 50, 0)


class FakeNow:
    """A wall clock that only moves when the test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def set(self, hour: int, minute: int, second: int = 0) -> None:
        self.moment = self.moment.replace(hour=hour, minute=minute, second=second)

    def advance(self, minutes: float = 0, seconds: float = 0) -> None:
        self.moment += timedelta(minutes=minutes, seconds=seconds)


@dataclass
class Clinic:
    """A vault with one fictional client (80 kg), a course and a dosing note."""

    open_vault: OpenVault
    notes: NoteStore
    clients: ClientStore
    client_id: str
    course_id: str
    dosing: TemplateSpec

    def note(self) -> str:
        """A fresh dosing note dated the session day."""
        return self.notes.create(self.course_id, "dosing", self.dosing.snapshot(), DAY, {})


@pytest.fixture
def clinic(open_vault: OpenVault) -> Clinic:
    """The fictional client Sam Fictional, 80 kg, on IM ketamine."""
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Sam Fictional", weight_kg=80.0))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    dosing = load_templates().for_phase("dosing")[0]
    return Clinic(open_vault, NoteStore(open_vault), clients, client_id, course_id, dosing)


@pytest.fixture
def clock() -> FakeNow:  # overrides the UI conftest's monotonic clock
    """The session's wall clock."""
    return FakeNow()


ViewFactory = Callable[..., SessionView]


@pytest.fixture
def make_view(qtbot: QtBot, clinic: Clinic, clock: FakeNow) -> Iterator[ViewFactory]:
    """Build session views over the clinic's note, shown and registered with qtbot."""
    views: list[SessionView] = []

    def make(
        note_id: str | None = None,
        product: Product = Product.KETAMINE_IM,
        settings: ClinicSettings | None = None,
        checks_done: bool = True,
        **kwargs: Any,
    ) -> SessionView:
        view = SessionView(
            SessionConfig(
                clinic.notes,
                note_id or clinic.note(),
                clinic.clients.get(clinic.client_id),
                product,
                settings or ClinicSettings(),
                now=clock,
                **kwargs,
            )
        )
        qtbot.addWidget(view)
        view.resize(1400, 900)
        view.show()
        qtbot.waitExposed(view)
        activate(qtbot, view)
        views.append(view)
        if checks_done and not view.read_only:
            tick_pre_dose_checks(qtbot, view)
        return view

    yield make
    for view in views:
        view.clock_timer.stop()


def tick_pre_dose_checks(qtbot: QtBot, view: SessionView) -> None:
    """F5 and tick every pre-dose check, as the clinician does before the first dose."""
    qtbot.keyClick(view, Qt.Key.Key_F5)
    for box in view.predose_panel.boxes.values():
        if not box.isChecked():
            box.click()
    assert not view.predose_panel.open_items()
    view.entry.setFocus()


def activate(qtbot: QtBot, widget: QWidget) -> None:
    """Make the window active so keyboard focus and shortcuts behave as on a desktop."""
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=2000)


# -- helpers: what a clinician does ------------------------------------------------------


def vitals(qtbot: QtBot, view: SessionView, **values: int) -> None:
    """Type a vitals row (systolic=…, diastolic=…, heart_rate=…) and press Enter."""
    qtbot.keyClick(view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    for field_id, edit in view.vitals_edits.items():
        edit.clear()
        if field_id in values:
            qtbot.keyClicks(edit, str(values[field_id]))
    qtbot.keyClick(view.vitals_edits["systolic"], Qt.Key.Key_Return)
    # the table, chart and banner are drawn on the next turn of the event loop
    qtbot.waitUntil(lambda: not view._refresh_soon.isActive(), timeout=1000)


def observe(qtbot: QtBot, view: SessionView, text: str) -> None:
    """Type an observation into the entry line and press Enter."""
    qtbot.keyClicks(view.entry, text)
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)


def dose(
    qtbot: QtBot, view: SessionView, amount: str, unit: str = "mg", reason: str | None = None
) -> None:
    """F3, type the dose (and an override reason when asked), Enter."""
    qtbot.keyClick(view, Qt.Key.Key_F3)
    panel = view.dose_panel
    assert panel.amount.hasFocus()
    panel.amount.clear()
    qtbot.keyClicks(panel.amount, amount)
    panel.unit.setCurrentText(unit)
    if reason is not None:
        qtbot.keyClicks(panel.override, reason)
    qtbot.keyClick(panel.amount, Qt.Key.Key_Return)


def stored(clinic: Clinic, view: SessionView) -> NoteRecord:
    """The note as the vault holds it now."""
    return clinic.notes.get(view.record.note_id)


def start_session(qtbot: QtBot, view: SessionView, clock: FakeNow) -> None:
    """Normal pre-dose vitals at 09:50, then 0.75 mg/kg IM (esketamine: 56 mg) at 10:00 (T0)."""
    clock.set(9, 50)
    vitals(qtbot, view, systolic=128, diastolic=82, heart_rate=74, spo2=98)
    clock.set(10, 0)
    if view.product is Product.ESKETAMINE_INTRANASAL:
        dose(qtbot, view, "56")
    else:
        dose(qtbot, view, "0.75", "mg/kg")
    assert view.record.clock.t0 is not None
    assert view.record.timeline.hhmm(view.record.clock.t0) == "10:00"


# -- alerts ------------------------------------------------------------------------------


def test_header_shows_the_weight_to_a_tenth_of_a_kg(make_view: ViewFactory, clinic: Clinic) -> None:
    """A weight stored with more decimals (an import, a conversion from lb) is shown as
    the client page shows it, to 0.1 kg, never as 75.3116 kg."""
    clinic.clients.update(clinic.client_id, ClientInput(name="Sam Fictional", weight_kg=75.3116))
    view = make_view()
    assert view.details_label.text().startswith("75.3 kg  ·  ")


def test_sustained_hypertension_raises_the_alert(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 40)
    vitals(qtbot, view, systolic=182, diastolic=112, heart_rate=90)
    assert RuleId.HYPERTENSION not in view.active_rules()
    assert not view.banner.isVisible()
    clock.set(10, 45)
    with qtbot.waitSignal(view.alert_raised, timeout=1000) as raised:
        vitals(qtbot, view, systolic=184, diastolic=110, heart_rate=92)
    assert "Hypertension" in str(raised.args[0])
    assert view.banner.isVisible()
    assert "Hypertension" in view.banner_label.text()
    assert view.marked_rows() == {1, 2}
    assert view.vitals_table.item(2, 0).text() == "⚠"
    assert view.entry.hasFocus()  # nothing stole the focus
    note = stored(clinic, view)
    alerts = [e for e in note.events if e.kind == "alert"]
    assert [e.data["rule"] for e in alerts] == ["hypertension"]
    assert alerts[0].data["time"] == "10:45"
    texts = [r.get("text", "") for r in note.values["observation_log"]]
    assert any(t.startswith("ALERT: Hypertension") for t in texts)
    assert QApplication.activeModalWidget() is None


def test_high_then_normal_bp_raises_no_alert(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 40)
    vitals(qtbot, view, systolic=182, diastolic=112)
    clock.set(10, 45)
    vitals(qtbot, view, systolic=150, diastolic=90)
    assert not view.banner.isVisible()
    assert view.marked_rows() == set()
    assert not [e for e in stored(clinic, view).events if e.kind == "alert"]


def test_one_very_high_bp_raises_the_alert(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 20)
    vitals(qtbot, view, systolic=205, diastolic=125)
    assert view.banner.isVisible()
    assert RuleId.HYPERTENSION in view.active_rules()
    assert view.marked_rows() == {1}
    alerts = [e for e in stored(clinic, view).events if e.kind == "alert"]
    assert [(e.data["rule"], e.data["severity"]) for e in alerts] == [("hypertension", "critical")]


def test_sustained_tachycardia_raises_the_alert(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 8, 5)
    vitals(qtbot, view, heart_rate=125)
    assert RuleId.TACHYCARDIA not in view.active_rules()
    clock.set(10, 15)
    vitals(qtbot, view, heart_rate=128)
    assert RuleId.TACHYCARDIA in view.active_rules()
    assert "Tachycardia" in view.banner_label.text()
    assert view.marked_rows() == {1, 2}
    assert [e.data["rule"] for e in stored(clinic, view).events if e.kind == "alert"] == [
        "tachycardia"
    ]


def test_alert_is_written_once(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 20)
    vitals(qtbot, view, systolic=205, diastolic=125)
    clock.set(10, 25)
    vitals(qtbot, view, systolic=206, diastolic=124)
    note_id = view.record.note_id
    view.close()
    again = make_view(note_id)  # reopening does not write it again
    assert RuleId.HYPERTENSION in again.active_rules()
    assert len([e for e in stored(clinic, again).events if e.kind == "alert"]) == 1


# -- pre-dose hold and doses -------------------------------------------------------------


def test_pre_dose_hold_needs_an_override_reason(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    clock.set(9, 50)
    vitals(qtbot, view, systolic=148, diastolic=94, heart_rate=80)
    assert RuleId.PRE_DOSE_HOLD in view.active_rules()
    clock.set(10, 0)
    dose(qtbot, view, "60")
    panel = view.dose_panel
    assert "Not logged" in panel.message.text()
    assert "140/90" in panel.message.text()
    assert panel.override.isVisible() and panel.override.hasFocus()
    assert not stored(clinic, view).values.get("dose_log")
    assert view.clock_label.text() == "Pre-dose"

    reason = "Rechecked after rest; prescriber approved by phone (fictional)"
    qtbot.keyClicks(panel.override, reason)
    qtbot.keyClick(panel.override, Qt.Key.Key_Return)
    note = stored(clinic, view)
    assert [r["dose_mg"] for r in note.values["dose_log"]] == [60]
    overrides = [e for e in note.events if e.kind == "override"]
    assert overrides and overrides[0].data["reason"] == reason
    texts = [r.get("text", "") for r in note.values["observation_log"]]
    assert any(reason in t and t.startswith("OVERRIDE") for t in texts)
    assert view.entry.hasFocus()
    clock.advance(minutes=1, seconds=5)
    view.tick()
    assert view.clock_label.text() == "T+01:05"


def test_dose_in_mg_per_kg_uses_the_weight(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    clock.set(9, 50)
    vitals(qtbot, view, systolic=120, diastolic=80)
    clock.set(10, 0)
    dose(qtbot, view, "0.75", "mg/kg")
    rows = stored(clinic, view).values["dose_log"]
    assert len(rows) == 1
    assert rows[0]["dose_mg"] == 60
    assert rows[0]["dose_mg_per_kg"] == 0.75
    assert (rows[0]["product"], rows[0]["route"], rows[0]["time"]) == (
        "racemic_ketamine",
        "im",
        "10:00",
    )
    events = [e for e in stored(clinic, view).events if e.kind == "dose_log"]
    assert events[0].data["dose_mg"] == 60
    assert "60 mg" in view.given_label.text()


def test_booster_and_dose_warning(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 30)
    dose(qtbot, view, "30")  # 60 + 30 = 90 mg = 1.125 mg/kg, above IM 0.5-1
    # asked before it is logged, not warned after
    assert "above the usual range" in view.dose_panel.message.text()
    assert len(stored(clinic, view).values["dose_log"]) == 1
    assert view.dose_panel.override.hasFocus()
    qtbot.keyClicks(view.dose_panel.override, "Prescriber ordered a booster (fictional)")
    qtbot.keyClick(view.dose_panel.override, Qt.Key.Key_Return)
    rows = stored(clinic, view).values["dose_log"]
    assert len(rows) == 2
    assert rows[1]["override_reason"] == "Prescriber ordered a booster (fictional)"
    assert view.record.clock.t0 is not None
    assert view.record.timeline.hhmm(view.record.clock.t0) == "10:00"


# -- vitals plausibility -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"systolic": 400, "diastolic": 90}, "systolic", "Systolic BP"),
        ({"systolic": 120, "diastolic": 130}, "diastolic", "below systolic"),
        ({"spo2": 30}, "spo2", "SpO2"),
    ],
)
def test_implausible_vitals_are_refused(
    qtbot: QtBot,
    make_view: ViewFactory,
    clinic: Clinic,
    clock: FakeNow,
    values: dict[str, int],
    field: str,
    words: str,
) -> None:
    view = make_view()
    vitals(qtbot, view, **values)
    assert view.vitals_message.isVisible()
    assert words in view.vitals_message.text()
    assert view.vitals_edits[field].property("invalid") is True
    assert view.vitals_edits[field].text() != ""  # kept for fixing
    note = stored(clinic, view)
    assert not note.values.get("vitals_log")
    assert not [e for e in note.events if e.kind == "vitals_log"]


# -- observations ------------------------------------------------------------------------


def test_observation_is_stamped_tagged_and_correctable(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 12, 30)
    qtbot.keyClicks(view.entry, "Eyes closed, quiet tears")
    qtbot.keyClick(view.entry, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(view.entry, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert view.selected_tags() == ["nausea", "tearful"]
    assert view.entry.hasFocus()
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    assert view.selected_tags() == []
    row = stored(clinic, view).values["observation_log"][-1]
    assert row["time"] == "10:12"
    assert row["t_plus_min"] == 12
    assert row["tags"] == ["nausea", "tearful"]
    assert row["text"] == "Eyes closed, quiet tears"
    assert "10:12  T+12" in view.recent.item(0).text()

    clock.set(10, 20)
    qtbot.keyClick(view.entry, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert view.entry.text() == "Eyes closed, quiet tears"
    assert "10:12" in view.correction_hint.text()
    view.entry.clear()
    qtbot.keyClicks(view.entry, "Eyes closed, quiet tears; settled with music")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    note = stored(clinic, view)
    rows = note.values["observation_log"]
    assert rows[-1]["time"] == "10:12"
    assert rows[-1]["text"] == "Eyes closed, quiet tears; settled with music"
    event = next(e for e in note.events if e.id == rows[-1]["_event_id"])
    assert event.data["original"]["text"] == "Eyes closed, quiet tears"
    # the correction keeps the first version visible
    assert "(corrected; first: “Eyes closed, quiet tears”)" in view.recent.item(0).text()
    assert len(rows) == len([e for e in note.events if e.kind == "observation_log"])


# -- discharge ---------------------------------------------------------------------------


def test_an_entry_adds_its_line_and_leaves_the_rest_of_the_view_as_it_was(
    qtbot: QtBot, make_view: ViewFactory, clock: FakeNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter shows the new entry as one line inserted on top: the other lines stay (the
    entry selected stays selected), and neither the chart nor the vitals table is
    redrawn, since an observation changes neither; a vitals row redraws both."""
    view = make_view()
    start_session(qtbot, view, clock)
    for minute in range(3):
        clock.set(10, 5 + minute, 10)
        observe(qtbot, view, f"Fictional observation {minute}")
    before = [view.recent.item(i) for i in range(view.recent.count())]
    view.recent.setCurrentItem(before[1])
    drawn: list[int] = []
    show_points = view.chart.show_points
    monkeypatch.setattr(
        view.chart, "show_points", lambda *a, **k: (drawn.append(1), show_points(*a, **k))
    )
    table_rows = [view.vitals_table.item(r, 1) for r in range(view.vitals_table.rowCount())]

    clock.set(10, 7, 40)  # the chart's time axis follows the clock each minute, not each entry
    observe(qtbot, view, "Resting, eyes closed")
    assert view.recent.count() == len(before) + 1
    assert "10:07  T+7  Resting, eyes closed" in view.recent.item(0).text()
    assert all(view.recent.item(i + 1) is item for i, item in enumerate(before))
    assert view.recent.currentItem() is before[1]
    assert drawn == []
    assert [view.vitals_table.item(r, 1) for r in range(len(table_rows))] == table_rows

    clock.set(10, 8, 5)
    vitals(qtbot, view, systolic=131, diastolic=84, heart_rate=77, spo2=97)
    assert drawn  # the new reading is charted
    assert view.vitals_table.rowCount() == len(table_rows) + 1
    assert view.vitals_table.item(len(table_rows), 3).text() == "131/84"
    assert view.recent.currentItem() is before[1]


def test_discharge_refused_until_ticked_or_overridden(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    qtbot.keyClick(view, Qt.Key.Key_F7)
    panel = view.discharge_panel
    for value, box in panel.boxes.items():
        if value != "tolerating_fluids":
            box.setChecked(True)
    clock.set(11, 30)
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    assert panel.message.isVisible()
    assert "Tolerating fluids" in panel.message.text()
    assert stored(clinic, view).values.get("discharge_time") is None

    reason = "Declined fluids; escort will offer water at home (fictional)"
    qtbot.keyClicks(panel.override, reason)
    qtbot.keyClick(panel.override, Qt.Key.Key_Return)
    values = stored(clinic, view).values
    assert values["discharge_time"] == "11:30"
    assert values["monitoring_end_time"] == "11:30"
    assert values["discharge_override_reason"].startswith(reason)
    assert "tolerating_fluids" not in values["discharge_criteria"]
    events = [e for e in stored(clinic, view).events if e.kind == "discharge"]
    assert events[0].data["override_reason"] == reason
    assert "Discharged 11:30" in view.status_chip.text()


def test_esketamine_discharge_fills_the_rems_block(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view(product=Product.ESKETAMINE_INTRANASAL)
    clock.set(9, 50)
    vitals(qtbot, view, systolic=126, diastolic=80)
    clock.set(10, 0)
    qtbot.keyClick(view, Qt.Key.Key_F3)
    qtbot.keyClicks(view.dose_panel.amount, "56")
    qtbot.keyClick(view.dose_panel.amount, Qt.Key.Key_Return)
    clock.set(10, 36)
    view.tick()
    assert "40-minute BP check" in view.reminder_cue.text()
    clock.set(10, 40)
    vitals(qtbot, view, systolic=150, diastolic=92)
    assert "at least 120 min" in view.discharge_panel.rems.text()
    clock.set(11, 50)
    vitals(qtbot, view, systolic=130, diastolic=84)
    clock.set(12, 1)
    for box in view.discharge_panel.boxes.values():
        box.setChecked(True)
    qtbot.mouseClick(view.discharge_panel.button, Qt.MouseButton.LeftButton)
    values = stored(clinic, view).values
    assert values["rems_bp_pre_dose_systolic"] == 126
    assert values["rems_bp_40_min_systolic"] == 150
    assert values["rems_bp_pre_discharge_diastolic"] == 84
    assert values["rems_total_monitoring_min"] == 121
    assert "Missing" not in view.discharge_panel.rems.text()


# -- monitoring time ---------------------------------------------------------------------


@pytest.mark.parametrize("rounding", [Rounding.MIDPOINT, Rounding.WHOLE_UNITS])
def test_monitoring_time_and_units(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow, rounding: Rounding
) -> None:
    settings = ClinicSettings.model_validate({"billing": {"rounding": rounding.value}})
    view = make_view(settings=settings)
    qtbot.keyClick(view, Qt.Key.Key_F6)
    panel = view.time_panel
    assert panel.name.hasFocus()
    clock.set(9, 45)
    qtbot.keyClicks(panel.name, "Dr Lee Fictional")
    panel.role.setCurrentIndex(panel.role.findData("therapist"))
    qtbot.keyClick(panel.name, Qt.Key.Key_Return)
    qtbot.keyClick(view, Qt.Key.Key_F6)
    qtbot.keyClicks(panel.name, "Pat Nurse")
    panel.role.setCurrentIndex(panel.role.findData("nurse"))
    qtbot.keyClicks(panel.credential, "RN")
    qtbot.keyClick(panel.credential, Qt.Key.Key_Return)
    clock.set(11, 55)  # the therapist leaves after 2 h 10 min
    panel.people.setCurrentRow(0)
    qtbot.mouseClick(panel.stop, Qt.MouseButton.LeftButton)
    clock.set(12, 40)  # the nurse stays the whole session: 2 h 55 min
    panel.people.setCurrentRow(1)
    qtbot.mouseClick(panel.stop, Qt.MouseButton.LeftButton)

    rows = stored(clinic, view).values["clinicians"]
    assert [(r["name"], r["start_time"], r["end_time"]) for r in rows] == [
        ("Dr Lee Fictional", "09:45", "11:55"),
        ("Pat Nurse", "09:45", "12:40"),
    ]
    expected = billing(
        [
            Presence(
                "Dr Lee Fictional",
                "therapist",
                True,
                START.replace(minute=45),
                START.replace(hour=11, minute=55),
            ),
            Presence(
                "Pat Nurse",
                "nurse",
                True,
                START.replace(minute=45),
                START.replace(hour=12, minute=40),
            ),
        ],
        Product.KETAMINE_IM,
        None,
        settings,
    )
    text = panel.summary.text()
    assert "Dr Lee Fictional (therapist): 2 h 10 min" in text
    assert "Pat Nurse (nurse): 2 h 55 min" in text
    units = {"midpoint": (2, 3), "whole_units": (2, 2)}[rounding.value]
    assert (expected.units("0820T"), expected.units("0822T")) == units
    assert f"0820T × {units[0]}" in text
    assert f"0822T × {units[1]}" in text
    # the note itself keeps the totals and the suggestion, for the signed record
    kept = stored(clinic, view).values["monitoring_time_summary"]
    assert "Dr Lee Fictional (therapist): 2 h 10 min" in kept
    assert f"0822T × {units[1]}" in kept


def test_esketamine_suggests_the_g_code(
    qtbot: QtBot, make_view: ViewFactory, clock: FakeNow
) -> None:
    view = make_view(product=Product.ESKETAMINE_INTRANASAL)
    clock.set(9, 50)
    vitals(qtbot, view, systolic=120, diastolic=80)
    qtbot.keyClick(view, Qt.Key.Key_F6)
    qtbot.keyClicks(view.time_panel.name, "Dr Lee Fictional")
    qtbot.keyClick(view.time_panel.name, Qt.Key.Key_Return)
    clock.set(10, 0)
    dose(qtbot, view, "84")
    clock.set(12, 5)
    view.time_panel.refresh()
    assert "G2083 × 1" in view.time_panel.summary.text()


# -- curtain, theme, keyboard ------------------------------------------------------------


def test_privacy_curtain_hides_and_restores(
    qtbot: QtBot, make_view: ViewFactory, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 5)
    view.tick()
    assert view.clock_label.text() == "T+05:00"
    view.entry.setFocus()
    qtbot.keyClick(view.entry, Qt.Key.Key_F12)
    assert view.curtain_shown
    assert view.curtain.geometry() == view.rect()
    assert "F12" in view.curtain.findChild(type(view.clock_label), "curtainHint").text()
    qtbot.keyClicks(view.curtain, "typed unseen")  # swallowed, not entered
    assert view.entry.text() == ""
    assert view.clock_timer.isActive()
    clock.set(10, 7, 30)
    view.tick()  # what the 1 s timer does
    qtbot.keyClick(view.curtain, Qt.Key.Key_F12)
    assert not view.curtain_shown
    assert view.clock_label.text() == "T+07:30"
    assert view.entry.hasFocus()


def test_dim_theme_toggles(qtbot: QtBot, make_view: ViewFactory) -> None:
    view = make_view(scheme="light")
    qtbot.keyClick(view.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert view.scheme == "dim"
    assert "#0b0807" in view.styleSheet()
    qtbot.keyClick(view.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert view.scheme == "light"


def test_timer_ticks_the_clock(qtbot: QtBot, make_view: ViewFactory, clock: FakeNow) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 3, 9)
    view.clock_timer.setInterval(5)
    qtbot.waitUntil(lambda: view.clock_label.text() == "T+03:09", timeout=2000)
    assert view.wall_label.text() == "10:03:09"


def test_reminder_vitals_due(qtbot: QtBot, make_view: ViewFactory, clock: FakeNow) -> None:
    view = make_view()
    assert "pre-dose vitals" in view.reminder_cue.text()
    start_session(qtbot, view, clock)
    clock.set(10, 16)
    view.tick()
    assert view.reminder_cue.isVisible()
    assert "Vitals due" in view.reminder_cue.text()


def test_escape_returns_focus_then_closes_window(
    qtbot: QtBot, clinic: Clinic, clock: FakeNow
) -> None:
    window = SessionWindow(
        SessionConfig(
            clinic.notes,
            clinic.note(),
            SessionClient("Sam Fictional", 80.0),
            "ketamine_im",
            ClinicSettings(),
            now=clock,
        )
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    activate(qtbot, window)
    view = window.view
    qtbot.keyClick(view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert view.vitals_edits["systolic"].hasFocus()
    qtbot.keyClick(view.vitals_edits["systolic"], Qt.Key.Key_Escape)
    assert view.entry.hasFocus()
    assert window.isVisible()
    qtbot.keyClick(view.entry, Qt.Key.Key_Escape)
    assert window.isVisible()  # Esc never closes a running session
    qtbot.keyClick(view.entry, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    view.clock_timer.stop()


def test_signed_note_is_read_only(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    observe(qtbot, view, "Resting quietly")
    note_id = view.record.note_id
    view.close()
    sign_completed(clinic.notes, note_id)
    signed = make_view(note_id)
    assert signed.read_only
    assert not signed.entry.isEnabled()
    assert not signed.dose_panel.button.isEnabled()
    assert "read-only" in signed.status_chip.text()
    assert signed.recent.count() == 1
    assert not signed.submit_observation()


# -- the same note in the normal editor --------------------------------------------------


def test_entries_show_in_the_note_editor(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 15)
    vitals(qtbot, view, systolic=140, diastolic=88, heart_rate=96, spo2=97, moaas=4)
    observe(qtbot, view, "Describes floating, smiling")
    note_id = view.record.note_id
    view.close()
    record = clinic.notes.get(note_id)
    editor = NoteEditor(
        clinic.notes,
        note_id,
        TemplateSpec.model_validate(record.template_snapshot),
        {"client": {"weight_kg": 80.0}},
        now=clock,
    )
    qtbot.addWidget(editor)
    editor.show()
    vitals_widget = editor.widgets["vitals_log"]
    obs_widget = editor.widgets["observation_log"]
    dose_widget = editor.widgets["dose_log"]
    assert isinstance(vitals_widget, LogWidget)
    assert isinstance(obs_widget, LogWidget)
    assert isinstance(dose_widget, LogWidget)
    assert vitals_widget.model.rowCount() == 2
    model = vitals_widget.model
    cells = {model.columns[c].id: model.data(model.index(1, c)) for c in range(model.columnCount())}
    assert (cells["time"], cells["t_plus_min"], cells["systolic"], cells["diastolic"]) == (
        "10:15",
        "15",
        "140",
        "88",
    )
    texts = [
        obs_widget.model.data(obs_widget.model.index(r, 1))
        for r in range(obs_widget.model.rowCount())
    ]
    assert "Describes floating, smiling" in texts
    assert dose_widget.model.data(dose_widget.model.index(0, 4)) == "60"
    assert editor.flush()
    after = clinic.notes.get(note_id)
    assert after.values["vitals_log"] == record.values["vitals_log"]


def test_pre_dose_checks_are_ticked_by_keyboard_and_saved(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic
) -> None:
    view = make_view(checks_done=False)
    panel = view.predose_panel
    assert "predose_rems_enrolled" not in {b.objectName() for b in panel.boxes.values()}
    assert panel.open_items() == [
        "Fasted per instructions",
        "Ride home confirmed",
        "No alcohol or other intoxicants in 24 h",
        "Consent reconfirmed",
    ]

    qtbot.keyClick(view, Qt.Key.Key_F5)
    first = panel.boxes["fasted"]
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Space)

    assert stored(clinic, view).values["pre_dose_checklist"] == ["fasted"]
    assert "3 of 4 still open" in panel.status.text()
    assert stored(clinic, view).values["planned_product"] == "ketamine_im"


def test_esketamine_adds_the_rems_enrolment_check(make_view: ViewFactory) -> None:
    view = make_view(product=Product.ESKETAMINE_INTRANASAL)
    assert "rems_enrolled" in view.predose_panel.boxes


def test_shortcuts_cannot_reach_inputs_under_the_curtain(
    qtbot: QtBot, make_view: ViewFactory, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    view.entry.setFocus()
    qtbot.keyClick(view.entry, Qt.Key.Key_F12)
    assert view.curtain_shown
    for key, modifier in [
        (Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F4, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier),
    ]:
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, key, modifier)
        assert QApplication.focusWidget() is view.curtain
    qtbot.keyClicks(view.curtain, "150")
    assert all(edit.text() == "" for edit in view.vitals_edits.values())
    assert view.selected_tags() == []
    qtbot.keyClick(view.curtain, Qt.Key.Key_F12)
    assert not view.curtain_shown
    qtbot.keyClick(view.entry, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert view.vitals_edits["systolic"].hasFocus()  # shortcuts are back


def test_an_observation_typed_but_not_entered_is_saved_when_the_window_closes(
    qtbot: QtBot, clinic: Clinic, clock: FakeNow
) -> None:
    note_id = clinic.note()
    window = SessionWindow(
        SessionConfig(
            clinic.notes,
            note_id,
            clinic.clients.get(clinic.client_id),
            Product.KETAMINE_IM,
            ClinicSettings(),
            now=clock,
        )
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.view.entry, "Client asked for water")
    window.close()
    rows = clinic.notes.get(note_id).values["observation_log"]
    assert [r["text"] for r in rows] == ["Client asked for water"]


def test_the_header_keeps_the_clients_allergies_in_view(
    qtbot: QtBot, clinic: Clinic, clock: FakeNow
) -> None:
    view = SessionView(
        SessionConfig(
            clinic.notes,
            clinic.note(),
            SessionClient("Sam Fictional", 80.0, "Penicillin (rash)"),
            Product.KETAMINE_IM,
            ClinicSettings(),
            now=clock,
        )
    )
    qtbot.addWidget(view)
    view.show()
    assert view.allergy_label.isVisible()
    assert view.allergy_label.text() == "⚠  Allergies: Penicillin (rash)"
    view.clock_timer.stop()


def test_long_allergies_wrap_beside_a_reminder_and_are_never_cut(
    qtbot: QtBot, clinic: Clinic, clock: FakeNow
) -> None:
    allergies = "Peanuts (anaphylaxis; carries adrenaline auto-injector), latex (hives)"
    view = SessionView(
        SessionConfig(
            clinic.notes,
            clinic.note(),
            SessionClient("Sam Fictional", 80.0, allergies),
            Product.KETAMINE_IM,
            ClinicSettings(),
            now=clock,
        )
    )
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    qtbot.waitExposed(view)
    view.reminder_cue.setText("Recheck BP at 13:48 (hypertension alert) · vitals due now")
    view.reminder_cue.show()
    qtbot.wait(20)
    label = view.allergy_label
    assert label.text() == f"⚠  Allergies: {allergies}" and label.toolTip() == label.text()
    assert label.heightForWidth(label.width()) <= label.height()  # every word shown
    assert label.height() <= 2 * label.fontMetrics().lineSpacing() + 4  # two lines at most
    view.clock_timer.stop()


def test_esketamine_discharge_before_two_hours_needs_a_reason_which_is_kept(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view(product=Product.ESKETAMINE_INTRANASAL)
    start_session(qtbot, view, clock)  # dose at 10:00
    panel = view.discharge_panel
    for box in panel.boxes.values():
        box.setChecked(True)
    clock.set(11, 30)  # T+90, the clinic's minimum is 120 min
    assert not panel.record_discharge()
    assert "minimum for this product is 2 h" in panel.message.text()
    assert stored(clinic, view).values.get("discharge_time") is None
    qtbot.keyClicks(panel.override, "Fictional: transferred to ED by ambulance")
    assert panel.record_discharge()
    values = stored(clinic, view).values
    assert values["discharge_time"] == "11:30"
    assert values["discharge_override_reason"].startswith(
        "Fictional: transferred to ED by ambulance"
    )


def test_a_tag_right_after_enter_goes_to_the_entry_just_saved(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    clock.set(10, 5)
    observe(qtbot, view, "Quiet tears")
    assert view.entry.text() == ""
    qtbot.keyClick(view.entry, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    row = stored(clinic, view).values["observation_log"][-1]
    assert (row["text"], row["tags"]) == ("Quiet tears", ["tearful"])
    assert "[Tearful]  Quiet tears" in view.recent.item(0).text()
    # nothing is carried over to the next entry
    assert view.selected_tags() == []
    observe(qtbot, view, "Asks for water")
    assert "tags" not in stored(clinic, view).values["observation_log"][-1]


def test_ctrl_e_over_an_alert_adds_a_note_and_keeps_the_alert(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 20)
    vitals(qtbot, view, systolic=118, diastolic=76, moaas=2)
    assert view.recent.item(0).text().endswith(view.recent.item(0).text())
    alert_item = next(
        view.recent.item(i)
        for i in range(view.recent.count())
        if "ALERT: Excess sedation" in view.recent.item(i).text()
    )
    view.recent.setCurrentItem(alert_item)
    view.entry.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert "cannot be changed" in view.correction_hint.text()
    assert view.entry.text() == ""
    qtbot.keyClicks(view.entry, "ok (corrected)")
    qtbot.keyClick(view.entry, Qt.Key.Key_Return)
    rows = stored(clinic, view).values["observation_log"]
    assert any(r["text"].startswith("ALERT: Excess sedation") for r in rows)
    note = rows[-1]
    assert note["text"] == "ok (corrected)" and note["_annotates"]
    assert "↳ note on the 10:20" in view.recent.item(0).text()
    assert RuleId.EXCESS_SEDATION in view.active_rules()


def test_reopened_session_keeps_alert_rows_marked_and_the_clock_stopped(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    qtbot.keyClick(view, Qt.Key.Key_F6)
    qtbot.keyClicks(view.time_panel.name, "Dr Lee Fictional")
    qtbot.keyClick(view.time_panel.name, Qt.Key.Key_Return)
    clock.set(10, 20)
    vitals(qtbot, view, systolic=118, diastolic=76, spo2=92)
    marked = view.marked_rows()
    assert marked
    clock.set(11, 10)
    vitals(qtbot, view, systolic=122, diastolic=78, spo2=97, moaas=5)
    for box in view.discharge_panel.boxes.values():
        box.setChecked(True)
    assert view.discharge_panel.record_discharge()
    note_id = view.record.note_id
    view.close()
    clock.set(13, 0)
    again = make_view(note_id)
    assert again.marked_rows() == marked
    cells = {again.vitals_table.item(r, 0).text() for r in marked}
    assert cells == {"⚠"}
    again.tick()
    assert again.clock_label.text() == "T+1:10:00"
    assert "Dr Lee Fictional (therapist): 1 h 10 min" in again.time_panel.summary_text()


def test_a_session_reopened_days_later_charts_the_session_not_the_gap(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic, clock: FakeNow
) -> None:
    view = make_view()
    start_session(qtbot, view, clock)
    clock.set(10, 20)
    vitals(qtbot, view, systolic=130, diastolic=84, heart_rate=80)
    note_id = view.record.note_id
    view.close()
    clock.advance(minutes=3 * 24 * 60)  # never discharged; opened again three days later
    again = make_view(note_id)
    labels = again.chart.axis_label_texts()
    times = [t for t in labels if t.startswith("T")]
    assert 3 <= len(times) <= 20  # a readable axis around the session, not 4,000 labels
    assert "T+0" in times


def test_the_clinicians_log_offers_the_vaults_clinicians(
    qtbot: QtBot, make_view: ViewFactory, clinic: Clinic
) -> None:
    from kapnotes.store.clinicians import Clinicians

    staff = Clinicians(clinic.notes.vault)
    staff.add("Nia Fictional", "RN", "nurse", "nurse passphrase of fiction")
    view = make_view()
    panel = view.time_panel
    completer = panel.name.completer()
    assert completer is not None
    offered = completer.model()
    names = [offered.index(i, 0).data() for i in range(offered.rowCount())]
    assert names == ["Dr Ada Quill", "Nia Fictional"]
    panel.name.setFocus()
    qtbot.keyClicks(panel.name, "Nia")  # the rest of her name is completed inline
    assert panel.name.text() == "Nia Fictional"
    panel.fill_from_roster(panel.name.text())
    assert panel.credential.text() == "RN"
    assert panel.role.currentData() == "nurse"


def test_in_a_short_window_the_reason_asked_for_and_why_are_scrolled_into_view(
    qtbot: QtBot, make_view: ViewFactory, clock: FakeNow
) -> None:
    view = make_view()
    view.resize(1366, 560)  # a laptop screen less the title bar and the taskbar
    clock.set(9, 50)
    vitals(qtbot, view, systolic=128, diastolic=82, heart_rate=74, spo2=98)
    clock.set(10, 0)
    dose(qtbot, view, "1.5", "mg/kg")  # above the usual IM range: a reason is asked
    panel = view.dose_panel
    assert "above the usual range" in panel.message.text()
    assert not view.record.rows("dose_log")
    area = panel.parentWidget()
    while not isinstance(area, QScrollArea):
        area = area.parentWidget()
    viewport = area.viewport()

    def in_view(widget: QWidget) -> bool:
        top = widget.mapTo(viewport, QPoint(0, 0)).y()
        return top >= 0 and top + widget.height() <= viewport.height()

    qtbot.waitUntil(lambda: in_view(panel.message) and in_view(panel.override), timeout=1000)
    assert panel.override.hasFocus()
