"""The live session view on a laptop screen and a desktop one, and the vitals chart.

The view is sized as the main window opens it (``MainWindow._fit_to_screen``: the
screen less 40 by 60 pixels) on a 1366x768 and a 1600x1000 screen, plus a 1366x768
laptop whose taskbar and title bar take another 40 pixels; a realistic session
(pre-dose vitals, a dose, observations, readings, an alert) is entered through the
widgets. Then every part must be on screen and readable: nothing outside the window,
the shortcut strip whole, the chart tall enough with whole axis labels, and the
observation line where it was when an alert appears. The chart's panes, labelled
thresholds and pre-dose minutes; the dim scheme remembered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kapnotes.domain.session import ClinicSettings
from kapnotes.ui.session_view import SessionView
from tests.ui import test_session_view as live

# The live view's fixtures, shared with its behaviour tests.
clinic = live.clinic
clock = live.clock
make_view = live.make_view

#: name: (view size, least chart height)
SCREENS: dict[str, tuple[QSize, int]] = {
    "1366x768": (QSize(1366 - 40, 768 - 60), 240),
    "1366x768 with a taskbar": (QSize(1366 - 40, 768 - 60 - 40), 220),
    "1600x1000": (QSize(1600 - 200, 1000 - 100), 330),
}


def session_in_progress(qtbot: QtBot, view: SessionView, clock: live.FakeNow) -> None:
    """Pre-dose vitals and a dose at 10:00, then observations and readings to T+30."""
    live.start_session(qtbot, view, clock)
    live.observe(qtbot, view, "Eyeshades on, music started")
    for minute, values in (
        (5, {"systolic": 150, "diastolic": 92, "heart_rate": 88, "spo2": 97, "moaas": 4}),
        (10, {"systolic": 164, "diastolic": 100, "heart_rate": 96, "spo2": 96, "moaas": 3}),
        (20, {"systolic": 158, "diastolic": 96, "heart_rate": 92, "spo2": 96, "moaas": 3}),
    ):
        clock.set(10, minute)
        live.vitals(qtbot, view, **values)
        live.observe(
            qtbot, view, f"T+{minute}: resting, breathing even, says it feels 'like a wave'"
        )
    clock.set(10, 30)
    view.tick()


def sized(view: SessionView, qtbot: QtBot, size: QSize) -> None:
    """Resize the view and let the layouts (and the charts' own) settle."""
    view.resize(size)
    qtbot.waitUntil(lambda: view.size() == size, timeout=2000)
    qtbot.wait(50)


def geometry_in(view: QWidget, widget: QWidget) -> QRect:
    """A widget's rectangle in the view's coordinates."""
    return QRect(widget.mapTo(view, QPoint(0, 0)), widget.size())


def outside(view: SessionView, widgets: dict[str, QWidget]) -> list[str]:
    """Names of the widgets not shown whole inside the view."""
    return [
        f"{name} at {geometry_in(view, w).getRect()}"
        for name, w in widgets.items()
        if not (w.isVisible() and view.rect().contains(geometry_in(view, w)))
    ]


def key_widgets(view: SessionView) -> dict[str, QWidget]:
    widgets: dict[str, QWidget] = {
        "session clock": view.clock_label,
        "wall clock": view.wall_label,
        "client": view.client_label,
        "status": view.status_chip,
        "alert row": view.alert_slot,
        "observation entry": view.entry,
        "recent entries": view.recent,
        "vitals table": view.vitals_table,
        "Record": view.vitals_button,
        "chart": view.chart,
        "tabs": view.tabs,
        "tab bar": view.tabs.tabBar(),
        "help strip": view.help_strip,
    }
    widgets.update({f"tag {k}": b for k, b in view.tag_buttons.items()})
    widgets.update({f"vitals {k}": e for k, e in view.vitals_edits.items()})
    return widgets


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_part_of_the_live_view_is_on_screen_and_readable(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow, screen: str
) -> None:
    size, least_chart = SCREENS[screen]
    view = make_view()
    session_in_progress(qtbot, view, clock)
    sized(view, qtbot, size)
    assert view.minimumSizeHint().height() <= size.height()

    assert outside(view, key_widgets(view)) == []
    # the shortcut strip is whole: the height its text needs at its width is there
    strip = view.help_strip
    assert strip.heightForWidth(strip.width()) <= strip.height()
    # one-line texts are not cut
    for line in (view.clock_label, view.wall_label, view.client_label, view.details_label):
        assert line.sizeHint().width() <= line.width(), line.text()
    for button in [view.vitals_button, *view.tag_buttons.values()]:
        assert button.sizeHint().width() <= button.width(), button.text()
    assert view.tabs.tabBar().sizeHint().width() <= view.tabs.width()
    # room to read: the chart, its panes, a few vitals rows and entries
    assert view.chart.height() >= least_chart
    for pane in view.chart.panes.values():
        assert pane.height() >= pane.minimum_height()
    labels = view.chart.axis_label_texts()
    assert "T+0" in labels and "120" in labels
    assert not [text for text in labels if "…" in text or "..." in text]
    assert view.vitals_table.viewport().height() >= 4 * 24
    assert view.recent.viewport().height() >= 60


@pytest.mark.parametrize("screen", ["1366x768", "1600x1000"])
def test_an_alert_appearing_moves_nothing(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow, screen: str
) -> None:
    size, _least = SCREENS[screen]
    view = make_view()
    session_in_progress(qtbot, view, clock)
    sized(view, qtbot, size)
    assert not view.banner.isVisible()
    assert view.no_alerts.isVisible() and view.no_alerts.text() == "No active alerts"
    before = {name: geometry_in(view, w) for name, w in key_widgets(view).items()}

    clock.set(10, 35)
    with qtbot.waitSignal(view.alert_raised, timeout=1000):
        live.vitals(qtbot, view, systolic=150, diastolic=90, spo2=90, moaas=2)
    qtbot.wait(10)
    assert view.banner.isVisible()
    assert view.banner.geometry() == view.alert_slot.rect()
    after = {name: geometry_in(view, w) for name, w in key_widgets(view).items()}
    assert after["observation entry"] == before["observation entry"]
    assert after == before
    # two alerts at once still fit the row, whole
    label = view.banner_label
    assert label.text().count("\n") >= 1
    assert label.heightForWidth(label.width()) <= label.height()
    assert view.entry.hasFocus()


def test_a_long_reminder_list_fits_the_header_without_growing_it(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow
) -> None:
    view = make_view()
    session_in_progress(qtbot, view, clock)
    sized(view, qtbot, SCREENS["1366x768"][0])
    header = view.header.height()
    entry = geometry_in(view, view.entry)
    cue = view.reminder_cue
    cue.setText("\n".join(f"• Reminder {n}: something due at 10:{n}5" for n in range(4)))
    cue.show()
    qtbot.wait(10)
    assert view.header.height() == header
    assert geometry_in(view, view.entry) == entry
    assert cue.heightForWidth(cue.width()) <= cue.height() <= cue.room
    assert cue.font().pointSizeF() < cue.largest  # smaller text, not a taller box


# -- the chart --------------------------------------------------------------------------


def test_the_chart_has_a_pane_and_an_axis_per_measure(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow
) -> None:
    view = make_view()
    session_in_progress(qtbot, view, clock)
    chart = view.chart
    assert {key: pane.axis_y.titleText() for key, pane in chart.panes.items()} == {
        "bp": "BP mmHg",
        "hr": "HR /min",
        "spo2": "SpO2 %",
    }
    for key, pane_key in (
        ("systolic", "bp"),
        ("diastolic", "bp"),
        ("heart_rate", "hr"),
        ("spo2", "spo2"),
    ):
        assert chart.series[key].chart() is chart.panes[pane_key].chart()
    assert chart.point_count("systolic") == 4  # pre-dose and three after the dose
    assert chart.point_count("spo2") == 4
    spo2 = chart.panes["spo2"].axis_y
    assert spo2.max() == 100 and spo2.min() < 94  # in %, the threshold in view
    bp = chart.panes["bp"].axis_y
    assert bp.min() <= 82 and bp.max() >= 180


def test_pre_dose_readings_sit_at_negative_t_plus(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow
) -> None:
    view = make_view()
    session_in_progress(qtbot, view, clock)
    xs = [view.chart.series["systolic"].at(i).x() for i in range(4)]
    assert xs == [-10.0, 5.0, 10.0, 20.0]  # 09:50 is T-10, the dose at 10:00 is T0
    low, high = view.chart.span()
    assert low < -10 and high > 30


def test_thresholds_are_labelled_from_the_clinic_settings(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow
) -> None:
    settings = ClinicSettings.model_validate(
        {"alerts": {"tachycardia": {"above_bpm": 110}, "desaturation": {"enabled": False}}}
    )
    view = make_view(settings=settings)
    session_in_progress(qtbot, view, clock)
    chart = view.chart
    labels = {key: chart.threshold_label(key) for key in chart.thresholds}
    assert labels == {
        "systolic": "SBP 180",
        "diastolic": "DBP 110",
        "heart_rate": "HR 110",
        "hold_systolic": "hold 140/90",
        "hold_diastolic": "",
    }
    assert "spo2" not in chart.thresholds  # a disabled rule draws no line
    line = chart.thresholds["heart_rate"]
    assert {line.at(i).y() for i in range(line.count())} == {110.0}
    low, high = chart.span()
    assert (line.at(0).x(), line.at(line.count() - 1).x()) == (low, high)


def test_threshold_labels_lie_clear_of_the_readings(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow
) -> None:
    view = make_view()
    session_in_progress(qtbot, view, clock)
    sized(view, qtbot, SCREENS["1366x768"][0])
    chart = view.chart
    minutes = [chart.series["systolic"].at(i).x() for i in range(4)]
    pane = chart.panes["bp"]
    per_pixel = (chart.span()[1] - chart.span()[0]) / pane.plot_rect().width()
    for key in ("systolic", "diastolic", "heart_rate", "spo2"):
        label_x = chart.thresholds[key].at(1).x()
        half = chart._label_pixels(chart.threshold_label(key)) / 2 * per_pixel
        assert label_x - half >= max(minutes), key  # right of the latest reading
    hold = chart.thresholds["hold_systolic"]
    half = chart._label_pixels("hold 140/90") / 2 * per_pixel
    assert hold.at(1).x() + half <= min(minutes)  # left of the first reading


def test_the_pre_dose_hold_is_drawn_before_the_dose_only(
    qtbot: QtBot, make_view: live.ViewFactory, clock: live.FakeNow
) -> None:
    view = make_view()
    clock.set(9, 50)
    live.vitals(qtbot, view, systolic=146, diastolic=92)
    hold = view.chart.thresholds["hold_systolic"]
    low, high = view.chart.span()
    assert low <= -30 and high > 0  # before the dose: the half hour up to now
    assert view.chart.panes["spo2"].axis_x.labelFormat() == "%d min"  # from now, not T+
    assert (hold.at(0).x(), hold.at(hold.count() - 1).x()) == (low, high)
    assert hold.at(0).y() == 140.0
    assert view.chart.threshold_label("hold_systolic") == "hold 140/90"

    clock.set(10, 0)
    live.dose(qtbot, view, "60", reason="Rechecked after rest; prescriber approved (fictional)")
    clock.set(10, 20)
    live.vitals(qtbot, view, systolic=150, diastolic=92)
    low, _high = view.chart.span()
    assert (hold.at(0).x(), hold.at(hold.count() - 1).x()) == (low, 0.0)  # ends at T0
    assert view.chart.panes["spo2"].axis_x.labelFormat() == "T%+d"
    assert view.chart.series["systolic"].at(0).x() == -10.0


# -- the dim scheme ----------------------------------------------------------------------


def test_ctrl_d_is_remembered_for_the_next_live_session(
    qtbot: QtBot, make_view: live.ViewFactory, clinic: live.Clinic, tmp_path: Path
) -> None:
    preferences = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    view = make_view(preferences=preferences)
    assert view.scheme != "dim"
    qtbot.keyClick(view.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert view.scheme == "dim"
    note_id = view.record.note_id
    view.close()

    again = make_view(note_id, preferences=preferences)
    assert again.scheme == "dim"
    assert again.styleSheet() == view.styleSheet()
    qtbot.keyClick(again.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert again.scheme in ("light", "dark")
    assert make_view(preferences=preferences).scheme in ("light", "dark")
    # a preference, never client data
    stored = (tmp_path / "settings.ini").read_text(encoding="utf-8")
    assert "startDim=false" in stored
    assert "Sam" not in stored and "Fictional" not in stored
