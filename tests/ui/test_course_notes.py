"""A course's notes on the client page: one list, each note a row that opens, or runs live."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QCursor, QHelpEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QPushButton, QToolTip
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.store.clients import ClientRecord, CourseRecord, NoteSummary
from kapnotes.ui import theme
from kapnotes.ui.dates import show_date
from kapnotes.ui.models.course_notes import LIVE_TIP, OPEN_TIP, Column, cell_text
from kapnotes.ui.views.client_page import ClientPage
from kapnotes.ui.views.course_notes import CourseNotesView
from tests.ui.conftest import click_note, note_row, turn_wheel

AT = datetime(2026, 3, 1, tzinfo=UTC)
DRAFT, SIGNED = NoteStatus.DRAFT, NoteStatus.SIGNED
NOTES = (
    NoteSummary("n1", Phase.PREPARATION, "Preparation session", date(2026, 3, 1), DRAFT, AT),
    NoteSummary("n2", Phase.DOSING, "Booster", date(2026, 3, 8), DRAFT, AT),
    NoteSummary("n3", Phase.DOSING, "Dosing session", date(2026, 3, 15), SIGNED, AT),
    NoteSummary("n4", Phase.INTEGRATION, "Integration session", date(2026, 3, 16), DRAFT, AT),
)


def _page(
    qtbot: QtBot,
    notes: tuple[NoteSummary, ...] = NOTES,
    height: int = 900,
    courses: tuple[CourseRecord, ...] | None = None,
) -> ClientPage:
    page = ClientPage()
    qtbot.addWidget(page)
    course = CourseRecord(
        "k1", date(2026, 2, 1), "Depression", "ketamine_im", None, "active", notes
    )
    record = ClientRecord("c1", ClientInput(name="Wynn Imaginary"), courses or (course,))
    page.show_record(record)
    page.resize(1000, height)
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    qtbot.waitUntil(lambda: all(v.isVisible() for v in page.findChildren(CourseNotesView)))
    return page


def _move_to(view: CourseNotesView, at: QPoint) -> None:
    """The pointer moved to ``at`` over the list (viewport coordinates)."""
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(at),
        QPointF(view.viewport().mapToGlobal(at)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), move)


def test_a_click_on_a_row_opens_its_note_and_on_live_session_runs_it_live(
    qtbot: QtBot,
) -> None:
    page = _page(qtbot)
    with qtbot.waitSignal(page.note_requested, timeout=1000) as opened:
        click_note(qtbot, page, "n1")
    assert opened.args == ["n1"]
    with (
        qtbot.assertNotEmitted(page.note_requested),
        qtbot.waitSignal(page.live_session_requested, timeout=1000) as live,
    ):
        click_note(qtbot, page, "n2", live=True)
    assert live.args == ["n2"]
    # a signed dosing note has no Live session: the same place opens it
    with (
        qtbot.assertNotEmitted(page.live_session_requested),
        qtbot.waitSignal(page.note_requested, timeout=1000) as signed,
    ):
        click_note(qtbot, page, "n3", live=True)
    assert signed.args == ["n3"]


def test_each_row_says_its_kind_once_its_date_and_status(qtbot: QtBot) -> None:
    page = _page(qtbot)
    view, _row = note_row(page, "n1")
    words = [
        view.notes_model.index(row).data(Qt.ItemDataRole.AccessibleTextRole)
        for row in range(view.notes_model.rowCount())
    ]
    assert words == [
        f"Preparation session, {show_date(date(2026, 3, 1))}, draft",  # the title says the kind
        f"Booster, dosing, {show_date(date(2026, 3, 8))}, draft, L runs it as a live session",
        f"Dosing session, {show_date(date(2026, 3, 15))}, signed",
        f"Integration session, {show_date(date(2026, 3, 16))}, draft",
    ]
    assert [cell_text(n, Column.KIND) for n in NOTES] == ["", "Dosing", "", ""]
    assert [cell_text(n, Column.LIVE) for n in NOTES] == ["", "Live session", "", ""]


def test_the_keyboard_reaches_the_list_moves_opens_and_runs_live(qtbot: QtBot) -> None:
    page = _page(qtbot)
    view, _row = note_row(page, "n1")
    report = next(
        b for b in page.findChildren(QPushButton) if b.objectName() == "courseReportButton"
    )
    report.setFocus()
    qtbot.keyClick(report, Qt.Key.Key_Tab)

    assert QApplication.focusWidget() is view  # after the course's buttons, its notes
    assert view.currentIndex().row() == 0

    with qtbot.waitSignal(page.note_requested, timeout=1000) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == ["n1"]
    with qtbot.assertNotEmitted(page.live_session_requested):
        qtbot.keyClick(view, Qt.Key.Key_L)  # a preparation note: nothing to run live
    qtbot.keyClick(view, Qt.Key.Key_Down)
    with qtbot.waitSignal(page.live_session_requested, timeout=1000) as live:
        qtbot.keyClick(view, Qt.Key.Key_L)
    assert live.args == ["n2"]
    qtbot.keyClick(view, Qt.Key.Key_I)  # no type-ahead: letters do not move the mark
    assert view.currentIndex().row() == 1
    qtbot.keyClick(view, Qt.Key.Key_End)
    with qtbot.waitSignal(page.note_requested, timeout=1000) as last:
        qtbot.keyClick(view, Qt.Key.Key_Enter)
    assert last.args == ["n4"]
    qtbot.keyClick(view, Qt.Key.Key_Up)
    with qtbot.waitSignal(page.note_requested, timeout=1000) as spaced:
        qtbot.keyClick(view, Qt.Key.Key_Space)  # as on the link buttons the rows replaced
    assert spaced.args == ["n3"]


@pytest.mark.parametrize("asked", ["right click", "Menu key", "Shift+F10"])
@pytest.mark.parametrize(
    ("note_id", "offered"), [("n2", ["Open note", "Live session"]), ("n3", ["Open note"])]
)
def test_the_context_menu_offers_what_the_row_can_do(
    qtbot: QtBot, note_id: str, offered: list[str], asked: str
) -> None:
    page = _page(qtbot)
    view, row = note_row(page, note_id)
    shown: list[list[str]] = []

    def choose_last() -> None:  # what the user sees in the menu, then the last item
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        shown.append([a.text() for a in menu.actions()])
        menu.actions()[-1].trigger()
        menu.close()

    signal = page.live_session_requested if len(offered) == 2 else page.note_requested
    at = view.row_rect(row).center()
    QTimer.singleShot(0, choose_last)
    with qtbot.waitSignal(signal, timeout=1000) as chosen:
        if asked == "right click":
            event = QContextMenuEvent(
                QContextMenuEvent.Reason.Mouse, at, view.viewport().mapToGlobal(at)
            )
            QApplication.sendEvent(view.viewport(), event)
        else:
            view.setFocus()
            view.setCurrentIndex(view.notes_model.index(row))
            if asked == "Menu key":  # Qt turns it into a keyboard context menu event
                key = QContextMenuEvent(
                    QContextMenuEvent.Reason.Keyboard, at, view.viewport().mapToGlobal(at)
                )
                QApplication.sendEvent(view, key)
            else:
                qtbot.keyClick(view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    assert shown == [offered]
    assert chosen.args == [note_id]


def test_a_tooltip_says_what_a_click_there_does(qtbot: QtBot) -> None:
    page = _page(qtbot)
    view, row = note_row(page, "n2")
    rect = view.row_rect(row)
    for column, tip in ((Column.LIVE, LIVE_TIP), (Column.TITLE, OPEN_TIP)):
        tip = f"Booster\n{tip}"  # the whole title: a long one is cut short in its row
        at = view.cell_rect(rect, column).center()
        event = QHelpEvent(QHelpEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
        QApplication.sendEvent(view.viewport(), event)
        qtbot.waitUntil(lambda tip=tip: QToolTip.text() == tip, timeout=1000)


def test_fifty_notes_are_all_on_the_page_and_the_wheel_is_left_to_the_page(qtbot: QtBot) -> None:
    many = tuple(
        NoteSummary(
            f"m{n}",
            Phase.INTEGRATION,
            f"Integration {n}",
            date(2026, 1, 1) + timedelta(days=n),
            DRAFT,
            AT,
        )
        for n in range(50)
    )
    page = _page(qtbot, many, height=600)
    view, last = note_row(page, "m49")
    assert view.height() == 50 * view.row_height()  # no list to scroll inside the page
    assert view.verticalScrollBar().maximum() == 0
    page_bar = page.scroll_area.verticalScrollBar()
    assert page_bar.value() == 0

    assert not turn_wheel(view.viewport(), -3)  # left to the page, which scrolls
    assert turn_wheel(page.scroll_area.viewport(), -3)
    assert page_bar.value() > 0
    page_bar.setValue(0)
    # the keyboard's mark stays in sight: the page scrolls to the last note
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == last
    bottom = view.viewport().mapTo(page.scroll_area.widget(), view.row_rect(last).bottomLeft())
    assert page_bar.value() <= bottom.y() <= page_bar.value() + page.scroll_area.viewport().height()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_rows_are_painted_in_the_scheme_s_colours_on_the_card(
    qapp: QApplication, qtbot: QtBot, scheme: theme.Scheme
) -> None:
    original, sheet = qapp.palette(), qapp.styleSheet()
    try:
        qapp.setPalette(theme.qpalette(scheme))
        qapp.setStyleSheet(theme.style_sheet(scheme))
        page = _page(qtbot)
        view, row = note_row(page, "n2")
        rect = view.row_rect(row)
        at = view.cell_rect(rect, Column.TITLE).center()
        _move_to(view, at)
        assert view.hovered_row() == row
        image = page.grab().toImage()
        blank_x = view.cell_rect(rect, Column.DATE).left() - 3  # the title cell's padding

        chip_x = view.cell_rect(rect, Column.KIND).left() + 12  # inside a chip's padding

        def pixel(of_row: int, x: int = blank_x) -> str:
            y = view.row_rect(of_row).center().y()
            return image.pixelColor(view.viewport().mapTo(page, QPoint(x, y))).name()

        colours = theme.palettes()[scheme]
        assert pixel(row) == colours["window"]  # the hovered row's band
        assert pixel(row + 1) == colours["card"]  # the others show the card through
        assert pixel(row, chip_x) == colours["chip_bg"]  # "Dosing" before "Booster"…
        assert pixel(row - 1, chip_x) == colours["card"]  # …none before "Preparation session"
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(original)


def _many(count: int) -> tuple[NoteSummary, ...]:
    return tuple(
        NoteSummary(
            f"m{n}",
            Phase.INTEGRATION,
            f"Integration {n}",
            date(2026, 1, 1) + timedelta(n),
            DRAFT,
            AT,
        )
        for n in range(count)
    )


def test_a_click_on_a_row_opens_it_after_the_page_has_scrolled(qtbot: QtBot) -> None:
    """The press gives the list the focus; the page must not scroll to another row
    before the release (the click was lost, and the page jumped)."""
    page = _page(qtbot, _many(50), height=600)
    bar = page.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())  # scrolled to the end: the list's first rows far above
    view, row = note_row(page, "m45")
    viewport = view.viewport()
    at = view.row_rect(row).center()
    on_screen = viewport.mapToGlobal(at)
    before = bar.value()
    with qtbot.waitSignal(page.note_requested, timeout=1000) as opened:
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
        assert bar.value() == before  # nothing moved under the pointer
        release_at = viewport.mapFromGlobal(on_screen)
        QTest.mouseRelease(
            viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, release_at
        )
    assert opened.args == ["m45"]


def test_only_the_drawn_button_runs_a_note_live(qtbot: QtBot) -> None:
    page = _page(qtbot)
    view, row = note_row(page, "n2")
    button = view.live_button_rect(view.row_rect(row))
    beside = QPoint(button.left() - 4, button.center().y())  # the gap after "Draft"
    assert view.cell_rect(view.row_rect(row), Column.LIVE).contains(beside)
    with (
        qtbot.assertNotEmitted(page.live_session_requested),
        qtbot.waitSignal(page.note_requested, timeout=1000),
    ):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=beside)


def test_the_hovered_row_follows_the_page_scrolling_under_the_pointer(qtbot: QtBot) -> None:
    page = _page(qtbot, _many(50), height=600)
    view, row = note_row(page, "m3")
    at = view.row_rect(row).center()
    QCursor.setPos(view.viewport().mapToGlobal(at))
    _move_to(view, at)
    assert view.hovered_row() == row
    page.scroll_area.verticalScrollBar().setValue(3 * view.row_height())  # the wheel, say
    under = view.indexAt(view.viewport().mapFromGlobal(QCursor.pos())).row()
    assert view.hovered_row() == under != row


def test_dates_and_statuses_line_up_from_one_course_to_the_next(qtbot: QtBot) -> None:
    page = ClientPage()
    qtbot.addWidget(page)
    plain = NOTES[:1]  # no kind chip, no Live session: narrow columns of its own
    courses = (
        CourseRecord("k1", date(2026, 2, 1), "Depression", "ketamine_im", None, "active", NOTES),
        CourseRecord("k2", date(2025, 2, 1), "PTSD", "ketamine_iv", None, "completed", plain),
    )
    page.show_record(ClientRecord("c1", ClientInput(name="Wynn Imaginary"), courses))
    page.resize(1000, 900)
    page.show()
    qtbot.waitUntil(lambda: len(page.findChildren(CourseNotesView)) == 2)
    first, second = page.findChildren(CourseNotesView)
    qtbot.waitUntil(lambda: first.isVisible() and second.isVisible())

    def left_of(view: CourseNotesView, column: Column) -> int:
        return view.viewport().mapTo(page, view.cell_rect(view.row_rect(0), column).topLeft()).x()

    for column in (Column.TITLE, Column.DATE, Column.STATUS):
        assert left_of(first, column) == left_of(second, column)
    assert first.accessibleName() != second.accessibleName()  # each course's list is named


def test_tab_goes_down_the_page_through_each_course_then_the_measures(qtbot: QtBot) -> None:
    courses = (
        CourseRecord("k1", date(2026, 2, 1), "Depression", "ketamine_im", None, "active", NOTES),
        CourseRecord("k2", date(2025, 2, 1), "PTSD", "ketamine_iv", None, "completed", NOTES),
    )
    page = _page(qtbot, courses=courses)
    page.measures_panel.administer_button.setEnabled(True)  # as with a vault open
    page.new_course_button.setFocus()
    reached = []
    for _ in range(7):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget().objectName())
    course = ["newNoteButton", "courseReportButton", "courseNotes"]
    assert reached == [*course, *course, "administerButton"]


def test_a_press_dragged_between_the_title_and_live_session_does_nothing(qtbot: QtBot) -> None:
    page = _page(qtbot)
    view, row = note_row(page, "n2")
    viewport = view.viewport()
    title = view.cell_rect(view.row_rect(row), Column.TITLE).center()
    live = view.live_button_rect(view.row_rect(row)).center()
    no = Qt.KeyboardModifier.NoModifier
    with (
        qtbot.assertNotEmitted(page.live_session_requested),
        qtbot.assertNotEmitted(page.note_requested),
    ):
        for start, end in ((title, live), (live, title)):  # as a button dragged off
            QTest.mousePress(viewport, Qt.MouseButton.LeftButton, no, start)
            QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, no, end)
