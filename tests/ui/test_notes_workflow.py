"""Notes from the main window: new note in a course, autosave, measures, search, lock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from unittest.mock import patch

import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import NarrativeLayout, TemplateSpec, load_templates
from kapnotes.ui.editor import NewNoteDialog, NoteSearchDialog, NoteWindow
from kapnotes.ui.editor.fields import LongTextWidget
from kapnotes.ui.editor.instrument import InstrumentWidget
from kapnotes.ui.editor.log_table import LogWidget
from kapnotes.ui.main_window import MainWindow
from tests.ui.conftest import FakeClock, WindowFactory, click_note, note_row, unlock

TODAY = date(2026, 11, 2)
PHQ9 = {f"phq9_{i}": v for i, v in enumerate([3, 3, 2, 2, 2, 2, 2, 1, 1], start=1)}


def _runner(qtbot: QtBot, phase: str, query: str = "") -> object:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, NewNoteDialog):
            dialog.phase_buttons[phase].setChecked(True)
            dialog.accept()
        elif isinstance(dialog, NoteSearchDialog):
            qtbot.keyClicks(dialog.query_edit, query)
            qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=3000)
            dialog.activate_row(0)
        return dialog.result()

    return run


def _client_with_course(window: MainWindow) -> tuple[str, str]:
    clients = window.session.clients
    assert clients is not None
    client_id = clients.create(ClientInput(name="Odalys Quillfeather", weight_kg=68))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 20),
            indication="Treatment-resistant depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    window.workspace.refresh(select_id=client_id)
    return client_id, course_id


def _click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_write_a_preparation_note_from_the_client_page(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(run_dialog=_runner(qtbot, "preparation"), today=lambda: TODAY)
    unlock(qtbot, window)
    client_id, _course = _client_with_course(window)
    page = window.workspace.page
    (new_note,) = page.findChildren(QPushButton, "newNoteButton")

    _click(qtbot, new_note)

    (note_window,) = window.note_windows.values()
    qtbot.waitExposed(note_window)
    room = note_window.screen().availableGeometry()
    assert note_window.height() <= room.height() and note_window.width() <= room.width()
    editor = note_window.editor
    goals = editor.widgets["intentions_goals"]
    assert isinstance(goals, LongTextWidget)
    qtbot.keyClicks(goals.edit, "Reconnect with painting; feel less numb.")
    phq = editor.widgets["phq9"]
    assert isinstance(phq, InstrumentWidget)
    assert phq.form is not None
    for item_id, value in PHQ9.items():
        qtbot.mouseClick(phq.form.rows[item_id].buttons[value], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(editor.saved, timeout=3000):
        pass

    notes = window.session.notes
    measures = window.session.measures
    assert notes is not None and measures is not None
    stored = notes.get(note_window.note_id)
    assert stored.values["intentions_goals"] == "Reconnect with painting; feel less numb."
    (result,) = measures.for_client(client_id, "phq9")
    assert result.total == 18 and result.note_id == note_window.note_id
    assert [f["id"] for f in result.open_flags] == ["suicide_risk"]

    note_window.close()
    view, row = note_row(page, stored.id)
    assert view.notes_model.note(row).title == "Preparation session"
    with qtbot.waitSignal(page.note_requested, timeout=3000) as opened:
        click_note(qtbot, page, stored.id)  # the title, as a user clicks it
    assert opened.args == [stored.id]
    assert list(window.note_windows) == [stored.id]


def test_search_opens_the_note_and_lock_closes_note_windows(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(run_dialog=_runner(qtbot, "integration", "lighthouse"))
    unlock(qtbot, window)
    _client, course_id = _client_with_course(window)
    notes = window.session.notes
    assert notes is not None

    spec = load_templates().for_phase("integration")[0]
    note_id = notes.create(course_id, "integration", spec.snapshot(), TODAY)
    notes.save_values(note_id, {"client_narrative": "Saw a lighthouse and felt safe."})

    assert window.search_notes_action.shortcut().toString() == "Ctrl+Shift+F"
    window.search_notes_action.trigger()

    assert list(window.note_windows) == [note_id]
    note_window = window.note_windows[note_id]
    narrative = note_window.editor.widgets["client_narrative"]
    assert isinstance(narrative, LongTextWidget)
    assert narrative.edit.textCursor().selectedText().lower() == "lighthouse"
    # the page is focused, as for any note opened: a stray key changes nothing
    assert note_window.focusWidget() is note_window.editor.scroll_area

    # Ctrl+F while writing a note opens the search of all notes too
    shown: list[str] = []
    window._run_dialog = lambda dialog: (shown.append(type(dialog).__name__), 0)[1]
    assert note_window.find_shortcut.key().toString() == "Ctrl+F"
    note_window.find_shortcut.activated.emit()
    assert shown == ["NoteSearchDialog"]

    # Ctrl+L in the note window locks the whole app
    assert note_window.lock_shortcut.key().toString() == "Ctrl+L"
    with qtbot.waitSignal(window.session.locked, timeout=3000):
        note_window.lock_shortcut.activated.emit()
    assert window.note_windows == {}
    assert window.session.notes is None
    # the window holding the note is deleted, not merely hidden
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(note_window)


def test_progress_note_format_applies_to_new_notes_only(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(run_dialog=_runner(qtbot, "integration"), today=lambda: TODAY)
    unlock(qtbot, window)
    _client_with_course(window)
    (new_note,) = window.workspace.page.findChildren(QPushButton, "newNoteButton")
    _click(qtbot, new_note)
    (soap_id,) = window.note_windows
    assert "narrative_subjective" in window.note_windows[soap_id].editor.widgets
    window.note_windows[soap_id].close()

    window.note_format_actions[NarrativeLayout.BIRP].trigger()
    assert window.session.catalog.clinic_settings()[0].note_format == NarrativeLayout.BIRP
    (new_note,) = window.workspace.page.findChildren(QPushButton, "newNoteButton")
    _click(qtbot, new_note)
    birp_id = next(nid for nid in window.note_windows if nid != soap_id)
    widgets = window.note_windows[birp_id].editor.widgets
    assert "narrative_behavior" in widgets and "narrative_subjective" not in widgets

    reopened = window.open_note(soap_id)
    assert reopened is not None
    assert "narrative_subjective" in reopened.editor.widgets


def test_live_session_from_the_client_page_and_no_auto_lock_while_it_runs(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, clock: FakeClock
) -> None:
    window = make_window(run_dialog=_runner(qtbot, "dosing"), today=lambda: TODAY, idle_minutes=5)
    unlock(qtbot, window)
    _client_with_course(window)
    (new_note,) = window.workspace.page.findChildren(QPushButton, "newNoteButton")
    _click(qtbot, new_note)
    (note_id,) = window.note_windows
    click_note(qtbot, window.workspace.page, note_id, live=True)

    assert window.note_windows == {}  # the editor closed: one window owns the note
    live = window.session_windows[note_id]
    qtbot.waitExposed(live)
    entry = live.view.entry
    qtbot.keyClicks(entry, "Settling in, eyes closed")
    with qtbot.waitSignal(live.view.entry_written, timeout=3000):
        qtbot.keyClick(entry, Qt.Key.Key_Return)
    notes = window.session.notes
    assert notes is not None
    rows = notes.get(note_id).values["observation_log"]
    assert [r["text"] for r in rows] == ["Settling in, eyes closed"]

    assert window.open_note(note_id) is None  # the live session keeps the note
    clock.advance(30 * 60)
    window.idle.check()
    assert window.session.is_unlocked and live.isVisible()

    # quitting mid-session asks first; "No" keeps everything running
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.No) as ask:
        assert not window.close()
    ask.assert_called_once()
    assert window.session.is_unlocked and live.isVisible()

    # once the client is discharged the usual idle lock applies again
    discharge = live.view.discharge_panel
    discharge.override.setText("Fictional test: criteria reviewed verbally")
    assert discharge.record_discharge()
    clock.advance(30 * 60)
    with qtbot.waitSignal(window.session.locked, timeout=3000):
        window.idle.check()
    assert window.session_windows == {}
    unlock(qtbot, window)
    live = window.open_live_session(note_id)
    assert live is not None
    assert live.lock_shortcut.key().toString() == "Ctrl+L"

    live.close()
    qtbot.waitUntil(lambda: note_id not in window.session_windows, timeout=3000)
    reopened = window.open_note(note_id)
    assert reopened is not None

    # a running session's window, just closed (not yet deleted), does not make quitting ask
    notes = window.session.notes
    assert notes is not None
    dosing = load_templates().for_phase("dosing")[0]
    second = notes.create(reopened.editor.record.course_id, "dosing", dosing.snapshot(), TODAY)
    again = window.open_live_session(second)
    assert again is not None
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.No) as ask:
        assert not window.close()  # while it runs, quitting asks
    ask.assert_called_once()
    again.close()
    with patch.object(QMessageBox, "question") as ask:
        assert window.close()
    ask.assert_not_called()


def _new_note_window(
    qtbot: QtBot, make_window: WindowFactory, phase: str
) -> tuple[MainWindow, str, NoteWindow]:
    """Unlocked, a client with a course, New note of ``phase``: (window, note id, its window)."""
    window = make_window(run_dialog=_runner(qtbot, phase), today=lambda: TODAY)
    unlock(qtbot, window)
    _client_with_course(window)
    (new_note,) = window.workspace.page.findChildren(QPushButton, "newNoteButton")
    _click(qtbot, new_note)
    ((note_id, note_window),) = window.note_windows.items()
    return window, note_id, note_window


def _close_live(qtbot: QtBot, window: MainWindow, note_id: str) -> None:
    """Close the note's live session and wait until it is gone."""
    window.session_windows[note_id].close()
    qtbot.waitUntil(lambda: note_id not in window.session_windows, timeout=3000)


def test_a_dosing_draft_runs_live_from_its_note_window_with_what_was_typed_saved(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window, note_id, note_window = _new_note_window(qtbot, make_window, "dosing")
    qtbot.waitExposed(note_window)
    assert note_window.live_button.isVisible()
    account = note_window.editor.widgets["client_account"]
    assert isinstance(account, LongTextWidget)
    qtbot.keyClicks(account.edit, "Arrived early, calm")  # not yet autosaved

    _click(qtbot, note_window.live_button)

    assert note_id not in window.note_windows  # closed: the live session owns the note
    live = window.session_windows[note_id]
    qtbot.waitExposed(live)
    notes = window.session.notes
    assert notes is not None
    assert notes.get(note_id).values["client_account"] == "Arrived early, calm"
    _close_live(qtbot, window, note_id)


def test_a_note_opens_with_the_page_focused_so_stray_keys_change_nothing(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(run_dialog=_runner(qtbot, "dosing"), today=lambda: TODAY)
    unlock(qtbot, window)
    _client, course_id = _client_with_course(window)
    notes = window.session.notes
    assert notes is not None
    dosing = load_templates().for_phase("dosing")[0]
    note_id = notes.create(course_id, "dosing", dosing.snapshot(), TODAY)
    window.workspace.refresh()
    click_note(qtbot, window.workspace.page, note_id)
    note_window = window.note_windows[note_id]
    qtbot.waitExposed(note_window)
    assert note_window.editor.flush()  # what the editor fills in itself (the date, …)
    before = notes.get(note_id).values
    focused = note_window.focusWidget()
    assert focused is note_window.editor.scroll_area  # not Sign note…, not a Now button
    with patch.object(QMessageBox, "question") as ask:
        for key in (Qt.Key.Key_Space, Qt.Key.Key_Space, Qt.Key.Key_A, Qt.Key.Key_Return):
            qtbot.keyClick(focused, key)
    ask.assert_not_called()
    assert note_window.editor.flush()
    assert notes.get(note_id).values == before  # no time stamped, nothing typed in
    assert "start_time" not in before
    # Tab goes from the page to the first input, not to Live session or Sign note…
    editor = note_window.editor
    first = next(w for w in next(iter(editor.widgets.values())).focus_widgets() if w.isVisible())
    after = editor.scroll_area.nextInFocusChain()
    while not (after.focusPolicy() & Qt.FocusPolicy.TabFocus and after.isVisible()):
        after = after.nextInFocusChain()  # the viewport and other non-stops are skipped
    assert after is first


def test_a_note_with_a_number_in_red_is_not_run_live_until_it_is_fixed(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window, note_id, note_window = _new_note_window(qtbot, make_window, "dosing")
    number = note_window.editor.widgets["session_number"]
    number.edit.selectAll()
    qtbot.keyClicks(number.edit, "two")
    _click(qtbot, note_window.live_button)
    assert window.session_windows == {} and note_window.isVisible()
    status = note_window.editor.status_label.text()
    assert status.startswith("Not run live: Session number must be a whole number")
    number.edit.selectAll()
    qtbot.keyClicks(number.edit, "2")
    _click(qtbot, note_window.live_button)
    assert note_id in window.session_windows  # it runs live now
    notes = window.session.notes
    assert notes is not None
    assert notes.get(note_id).values["session_number"] == 2
    _close_live(qtbot, window, note_id)
    assert not notes.get(note_id).is_signed


def test_a_note_window_whose_save_failed_is_not_run_live(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window, note_id, note_window = _new_note_window(qtbot, make_window, "dosing")
    with patch.object(note_window.editor, "flush", return_value=False):  # as on a full disk
        _click(qtbot, note_window.live_button)
    assert window.session_windows == {}  # two windows would overwrite each other's entries
    assert window.note_windows == {note_id: note_window} and note_window.isVisible()
    assert "could not be saved" in window.statusBar().currentMessage()
    _click(qtbot, note_window.live_button)  # saved now: it runs live
    assert window.note_windows == {}
    _close_live(qtbot, window, note_id)


def test_only_a_dosing_draft_has_a_live_session_button_in_its_window(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window, _note_id, preparation = _new_note_window(qtbot, make_window, "preparation")
    qtbot.waitExposed(preparation)
    assert not preparation.live_button.isVisible()

    notes = window.session.notes
    assert notes is not None
    brief = TemplateSpec.model_validate(
        {
            "id": "brief_dosing",
            "version": 1,
            "title": "Brief dosing note",
            "phase": "dosing",
            "sections": [
                {
                    "id": "main",
                    "title": "Session",
                    "fields": [{"id": "summary", "type": "long_text", "label": "Summary"}],
                }
            ],
        }
    )
    signed = notes.create(
        preparation.editor.record.course_id, "dosing", brief.snapshot(), TODAY, {"summary": "Calm"}
    )
    notes.sign(signed)
    shown = window.open_note(signed)
    assert shown is not None
    qtbot.waitExposed(shown)
    assert shown.status_chip.text() == "Signed"
    assert not shown.live_button.isVisible()  # a signed note is read-only


def test_a_new_note_takes_the_clinics_time_zone_and_its_editor_that_clock(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(run_dialog=_runner(qtbot, "dosing"), today=lambda: TODAY)
    settings_path = window.session.catalog.settings_path
    settings_path.write_text(
        '{"format": "kapnotes-clinic-settings", "version": 1, "time_zone": "Pacific/Tongatapu"}',
        encoding="utf-8",
    )
    unlock(qtbot, window)
    _client_with_course(window)
    (new_note,) = window.workspace.page.findChildren(QPushButton, "newNoteButton")
    _click(qtbot, new_note)
    (note_window,) = window.note_windows.values()
    notes = window.session.notes
    assert notes is not None
    assert notes.get(note_window.note_id).time_zone == "Pacific/Tongatapu"
    editor = note_window.editor
    # "Now" in the note is the clinic's clock, whatever this computer's zone
    editor._now = lambda: datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 14:00 in Tongatapu
    vitals = editor.widgets["vitals_log"]
    assert isinstance(vitals, LogWidget)
    _click(qtbot, vitals.add_button)
    assert notes.get(note_window.note_id).values["vitals_log"][0]["time"] == "14:00"


def test_a_new_note_starts_with_what_is_known(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(run_dialog=_runner(qtbot, "preparation"), today=lambda: TODAY)
    unlock(qtbot, window)
    clients = window.session.clients
    assert clients is not None
    client_id = clients.create(
        ClientInput(
            name="Odalys Quillfeather",
            weight_kg=68,
            emergency_contact="Bram Example (brother), 555-0199",
            medications="Bupropion 150 mg",
        )
    )
    clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 20),
            indication="Treatment-resistant depression",
            planned_product=Product.ESKETAMINE_INTRANASAL,
            planned_route_detail="56 mg, two devices",
        ),
    )
    window.workspace.refresh(select_id=client_id)
    for number in (1, 2):
        (new_note,) = window.workspace.page.findChildren(QPushButton, "newNoteButton")
        _click(qtbot, new_note)
        (note_window,) = window.note_windows.values()
        widgets = note_window.editor.widgets
        assert widgets["session_number"].value() == number  # counted in the course
        assert widgets["planned_product"].value() == "esketamine_intranasal"
        assert widgets["planned_route_detail"].value() == "56 mg, two devices"
        assert widgets["emergency_contact"].value() == "Bram Example (brother), 555-0199"
        assert widgets["medication_notes"].value() == "Bupropion 150 mg"
        clinicians = widgets["clinicians"]
        assert isinstance(clinicians, LogWidget)
        (row,) = clinicians.model.rows
        assert (row["name"], row["role"], row["credential"]) == (
            "Dr Ada Quill",
            "therapist",
            "PsyD",
        )
        note_window.close()
        qtbot.waitUntil(lambda: not window.note_windows, timeout=3000)
