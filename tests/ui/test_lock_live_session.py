"""Locking while a live session runs, the curtain over every window, the auto-lock warning.

Through the real main window: Ctrl+L mid-session hides every trace of the client
while the session's clock and reminders go on counting on the lock screen, and
unlocking brings the session back where it was; F12 anywhere curtains every
kapnotes window; the idle lock is announced 30 seconds ahead and brings note
windows back after unlocking. All names and data are fictional.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from unittest.mock import patch

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

import kapnotes.ui.session_view as session_view_package
from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import load_templates
from kapnotes.domain.timeline import to_iso
from kapnotes.store.notes import NewEntry, new_entry_id
from kapnotes.ui.curtain import Curtain
from kapnotes.ui.main_window import MainWindow
from kapnotes.ui.session_view import SessionConfig, SessionWindow
from tests.ui.conftest import FakeClock, WindowFactory, all_top_level_texts, unlock

NAME = "Wren Fictionalis"
DAY = date(2026, 3, 2)


class SessionClock:
    """The live session's clock (UTC, to keep the arithmetic plain)."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def at(self, hour: int, minute: int, second: int = 0) -> None:
        self.moment = self.moment.replace(hour=hour, minute=minute, second=second)


@pytest.fixture
def session_clock(monkeypatch: pytest.MonkeyPatch) -> SessionClock:
    """Live sessions the main window opens read this clock (as in the e2e tests)."""
    clock = SessionClock()
    monkeypatch.setattr(session_view_package, "SessionConfig", partial(SessionConfig, now=clock))
    return clock


@pytest.fixture
def window(
    qtbot: QtBot,
    make_window: WindowFactory,
    recovery_key: str,
    session_clock: SessionClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[MainWindow]:
    """The unlocked main window; quitting at the end of a test does not stop to ask."""
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *_a: QMessageBox.StandardButton.Yes)
    )
    main = make_window(idle_minutes=5, today=lambda: DAY)
    unlock(qtbot, main)
    yield main
    for live in list(main.session_windows.values()):
        live.view.clock_timer.stop()
        live.close()  # else quitting would ask about the running session
    main.lock_screen.running.clear()


def _row(hour: int, minute: int, **values: Any) -> dict[str, Any]:
    at = datetime(2026, 3, 2, hour, minute, tzinfo=UTC)
    return {
        "time": f"{hour:02d}:{minute:02d}",
        "_instants": {"time": to_iso(at)},
        "_event_id": new_entry_id(),
        **values,
    }


def _dosed_session(window: MainWindow) -> str:
    """A fictional client whose esketamine session was dosed at 10:00 (T0), as stored."""
    clients, notes = window.session.clients, window.session.notes
    assert clients is not None and notes is not None
    client_id = clients.create(ClientInput(name=NAME, weight_kg=70))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.ESKETAMINE_INTRANASAL,
        ),
    )
    dosing = load_templates().for_phase("dosing")[0]
    note_id = notes.create(course_id, "dosing", dosing.snapshot(), DAY, time_zone="UTC")
    vitals = _row(9, 50, systolic=124, diastolic=80, timepoint="pre_dose")
    dose = _row(10, 0, product="esketamine", route="intranasal", dose_mg=56)
    entries = [
        NewEntry(row["_event_id"], log, {"time": row["time"]}, datetime.now(UTC))
        for log, row in (("vitals_log", vitals), ("dose_log", dose))
    ]
    notes.save_values(note_id, {"vitals_log": [vitals], "dose_log": [dose]}, new_entries=entries)
    window.workspace.refresh(select_id=client_id)
    return note_id


def _titles() -> list[str]:
    return [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]


def _live(qtbot: QtBot, window: MainWindow, note_id: str) -> SessionWindow:
    live = window.open_live_session(note_id)
    assert live is not None
    qtbot.waitExposed(live)
    live.activateWindow()
    qtbot.waitUntil(live.isActiveWindow, timeout=2000)
    return live


# -- Ctrl+L in a live session -------------------------------------------------------------


def test_ctrl_l_mid_session_hides_the_client_and_the_session_goes_on(
    qtbot: QtBot, window: MainWindow, session_clock: SessionClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    beeps: list[int] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: beeps.append(1)))
    note_id = _dosed_session(window)
    live = _live(qtbot, window, note_id)
    live.view.soft_sound = True
    live.setGeometry(QRect(60, 50, 1260, 900))
    placed = live.geometry()
    live.view.tabs.setCurrentIndex(2)  # the panel the clinician was looking at
    shown_tab = live.view.tabs.tabText(2)
    assert live.view.clock_label.text() == "T+05:00"
    assert NAME in live.windowTitle()
    qtbot.keyClicks(live.view.entry, "Eyes closed, breathing slowly")

    qtbot.keyClick(live.view.entry, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert not window.session.is_unlocked
    assert window.session_windows == {}
    # Nothing of the client anywhere: no name in any window, title or label.
    assert not any(NAME in text for text in all_top_level_texts())
    assert not any(NAME in title for title in _titles())
    running = window.lock_screen.running
    assert running.isVisible()
    assert not any(NAME in text for text in running.texts())
    assert "T+05:00" in running.texts()

    # The clock and the reminders go on (the panel ticks once a second).
    session_clock.at(10, 16)
    qtbot.waitUntil(lambda: "T+16:00" in running.texts(), timeout=3000)
    reminders = running.findChild(QLabel, "runningReminders")
    assert reminders is not None and "Vitals due" in reminders.text()
    assert beeps  # a reminder fell due while locked: the soft sound played
    session_clock.at(10, 41)
    qtbot.waitUntil(lambda: "40-minute BP check" in reminders.text(), timeout=3000)
    # Quitting from the lock screen would stop the session's reminders: it asks first.
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.No) as ask:
        assert not window.close()
    ask.assert_called_once()

    unlock(qtbot, window)
    assert not running.isVisible()
    back = window.session_windows[note_id]  # the same note, live again
    qtbot.waitExposed(back)
    assert back.geometry() == placed
    assert back.view.tabs.tabText(back.view.tabs.currentIndex()) == shown_tab  # not Pre-dose
    assert back.view.clock_label.text() == "T+41:00"
    assert back.view.entry.hasFocus() or back.focusWidget() is back.view.entry
    stored = window.session.notes
    assert stored is not None
    texts = [r["text"] for r in stored.get(note_id).values["observation_log"]]
    assert texts == ["Eyes closed, breathing slowly"]  # what was being typed was kept


def test_locking_with_no_session_running_shows_no_session_panel(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.lock()
    assert not window.lock_screen.running.isVisible()


# -- the privacy curtain over every window ------------------------------------------------


def test_f12_curtains_every_kapnotes_window_and_blocks_their_input(
    qtbot: QtBot, window: MainWindow
) -> None:
    note_id = _dosed_session(window)
    notes = window.session.notes
    assert notes is not None
    note = notes.get(note_id)
    preparation = load_templates().for_phase("preparation")[0]
    prep_id = notes.create(note.course_id, "preparation", preparation.snapshot(), DAY)
    editor_window = window.open_note(prep_id)
    assert editor_window is not None
    live = _live(qtbot, window, note_id)
    goals = editor_window.editor.widgets["intentions_goals"]
    windows: list[QWidget] = [window, editor_window, live]

    qtbot.keyClick(live.view.entry, Qt.Key.Key_F12)

    assert window.curtain.shown and live.view.curtain_shown
    for covered in windows:
        (curtain,) = [c for c in covered.findChildren(Curtain) if c.parentWidget() is covered]
        assert curtain.isVisible()
        assert curtain.geometry() == covered.rect()
        assert covered.windowTitle() == "kapnotes"
    assert not any(NAME in title for title in _titles())
    focused = QApplication.focusWidget()
    assert focused is not None and focused.objectName() == "privacyCurtain"
    # Keys and clicks reach nothing underneath, in any window; shortcuts stay quiet.
    qtbot.keyClicks(focused, "unseen")
    qtbot.keyClick(focused, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(editor_window.editor.sign_button, Qt.MouseButton.LeftButton)
    assert live.view.entry.text() == ""
    assert goals.value() is None
    assert not editor_window.editor.missing_panel.isVisible()  # Sign… was not pressed
    assert window.session.is_unlocked and live.view.clock_timer.isActive()

    qtbot.keyClick(focused, Qt.Key.Key_F12)
    assert not window.curtain.shown and not live.view.curtain_shown
    assert not any(c.isVisible() for w in windows for c in w.findChildren(Curtain))
    assert NAME in live.windowTitle()
    assert live.view.entry.hasFocus()


def test_f12_in_the_main_window_curtains_it_too_and_ctrl_l_still_locks(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.workspace.search_edit, Qt.Key.Key_F12)
    assert window.curtain.shown
    assert [c for c in window.findChildren(Curtain) if c.parentWidget() is window]
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClicks(focused, "Wren")
    assert window.workspace.search_edit.text() == ""
    qtbot.keyClick(focused, Qt.Key.Key_F12)
    assert not window.curtain.shown

    qtbot.keyClick(window.workspace.search_edit, Qt.Key.Key_F12)
    focused = QApplication.focusWidget()
    assert window.curtain.shown and focused is not None
    with qtbot.waitSignal(window.session.locked, timeout=3000):  # leaving the room: lock
        qtbot.keyClick(focused, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not window.curtain.shown
    assert window.stack.currentWidget() is window.lock_screen


# -- the auto-lock warning and the windows it closes ----------------------------------------


def test_auto_lock_warns_30_seconds_ahead_and_activity_cancels_it(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    clock.advance(4 * 60 + 29)
    window.idle.check()
    assert not window.lock_warning.isVisible()
    clock.advance(2)  # 29 s left
    window.idle.check()
    assert window.lock_warning.isVisible()
    assert window.lock_warning.text.text() == "kapnotes locks in 29 s"
    assert not window.lock_warning.isActiveWindow()  # non-modal, takes no focus
    clock.advance(10)
    window.idle.check()
    assert window.lock_warning.text.text() == "kapnotes locks in 19 s"

    qtbot.mouseMove(window.workspace.search_edit)  # any activity
    qtbot.keyClick(window.workspace.search_edit, Qt.Key.Key_Shift)
    assert not window.lock_warning.isVisible()
    clock.advance(25)
    window.idle.check()
    assert window.session.is_unlocked  # the count started again


def test_no_warning_and_no_idle_lock_while_a_session_is_monitored(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    _live(qtbot, window, _dosed_session(window))
    clock.advance(4 * 60 + 40)
    window.idle.check()
    assert not window.lock_warning.isVisible()
    clock.advance(30)
    window.idle.check()
    assert window.session.is_unlocked and window.session_windows


def test_note_windows_closed_by_the_auto_lock_come_back_where_they_were(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, settings: QSettings
) -> None:
    note_id = _dosed_session(window)
    notes = window.session.notes
    assert notes is not None
    course_id = notes.get(note_id).course_id
    preparation = load_templates().for_phase("preparation")[0]
    first = notes.create(course_id, "preparation", preparation.snapshot(), DAY)
    second = notes.create(course_id, "preparation", preparation.snapshot(), DAY + timedelta(1))
    placed: dict[str, QRect] = {}
    scroll = 0
    for nid, rect in ((first, QRect(40, 40, 900, 620)), (second, QRect(300, 80, 820, 600))):
        note_window = window.open_note(nid)
        assert note_window is not None
        qtbot.waitExposed(note_window)
        note_window.setGeometry(rect)
        placed[nid] = note_window.geometry()
    bar = window.note_windows[second].editor.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    scroll = bar.value()
    assert scroll > 0
    before = sorted(settings.allKeys())

    clock.advance(5 * 60 + 1)
    with qtbot.waitSignal(window.session.locked, timeout=3000):
        window.idle.check()
    assert window.note_windows == {}
    assert not window.lock_warning.isVisible()

    unlock(qtbot, window)
    assert sorted(window.note_windows) == sorted([first, second])
    for nid, rect in placed.items():
        assert window.note_windows[nid].geometry() == rect
    bar = window.note_windows[second].editor.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == scroll, timeout=2000)
    # Which notes were open, and where, was never written down.
    settings.sync()
    assert sorted(settings.allKeys()) == before
    assert not any(first in str(settings.value(k)) for k in settings.allKeys())


def test_f12_works_on_the_lock_screen_from_its_first_paint(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    """The curtain watches the application's input once the window is drawn (not while it
    is built: a Python filter then makes PySide6 create Qt classes the lock screen needs
    none of); from then on F12 works on the lock screen as anywhere."""
    window = make_window()  # shown and exposed: drawn
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window.lock_screen.secret_edit, Qt.Key.Key_F12)
    assert window.curtain.shown
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClicks(focused, "typed under the curtain")
    assert window.lock_screen.secret_edit.text() == ""
    qtbot.keyClick(focused, Qt.Key.Key_F12)
    assert not window.curtain.shown


def test_a_settings_dialog_leaves_the_live_session_usable_and_ctrl_l_in_it_locks(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Clinic settings opened from the main window blocks that window only: the live
    session beside it keeps taking observations; Ctrl+L pressed in the dialog locks (the
    dialog closes with everything else)."""
    from PySide6.QtCore import QTimer

    note_id = _dosed_session(window)
    live = _live(qtbot, window, note_id)
    seen: dict[str, object] = {}

    def inside() -> None:
        dialog = QApplication.activeModalWidget()
        assert dialog is not None
        try:
            act(dialog)
        finally:
            dialog.reject()  # never leave the test waiting in the dialog's exec()

    def act(dialog: QWidget) -> None:
        seen["modality"] = dialog.windowModality()
        # An observation typed in the live window while the dialog is open is saved.
        live.activateWindow()
        qtbot.waitUntil(live.isActiveWindow, timeout=2000)
        qtbot.keyClicks(live.view.entry, "Smiling, eyes closed")
        qtbot.keyClick(live.view.entry, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: "Smiling, eyes closed" in str(live.view.record.values), timeout=3000
        )
        seen["saved"] = True
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
        qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    QTimer.singleShot(0, inside)
    window.clinic_settings_action.trigger()  # returns once the lock has closed the dialog
    assert seen == {"modality": Qt.WindowModality.WindowModal, "saved": True}
    assert not window.session.is_unlocked
    assert window.lock_screen.running.isVisible()  # the session goes on behind the lock
