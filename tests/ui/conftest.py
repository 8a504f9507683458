"""UI fixtures: a created-then-locked vault, a fake clock, settings in a temp file, windows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from kapnotes.app import build_main_window
from kapnotes.store.vault import Vault
from kapnotes.ui.main_window import MainWindow
from kapnotes.ui.models.course_notes import Column
from kapnotes.ui.views.course_notes import CourseNotesView
from tests.conftest import FAST_KDF, PASSPHRASE

# The offscreen platform plugin warns whenever a dialog is shown; it is noise from
# the headless plugin, not from kapnotes.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


@pytest.fixture(autouse=True)
def _closing_drops_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A form dialog left changed is closed at teardown without its "Discard changes?"
    question (a modal that would wait for a click that never comes); tests of the
    question set their own answer on the dialog."""
    from kapnotes.ui.dialogs.guarded import GuardedDialog

    monkeypatch.setattr(GuardedDialog, "confirm_discard", lambda _self: True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen plugin's size-hint warning in the UI tests."""
    for item in items:
        if "tests/ui/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


class FakeClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def us_locale() -> Iterator[QLocale]:
    """The system locale as a clinic in the US has it (dates month first), then back."""
    before = QLocale()
    QLocale.setDefault(QLocale("en_US"))
    yield QLocale()
    QLocale.setDefault(before)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock for the unlock delay and the idle lock."""
    return FakeClock()


@pytest.fixture
def vault(data_dir: Path, clock: FakeClock) -> Vault:
    """The test vault, its delay after wrong passphrases timed by the fake clock."""
    return Vault(data_dir, kdf=FAST_KDF, clock=clock)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """QSettings in a temporary ini file (never the user's real settings)."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def recovery_key(vault: Vault) -> str:
    """Create the vault (then lock it); the recovery key it showed."""
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    created.vault.close()
    return created.recovery_key


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(
    qtbot: QtBot, vault: Vault, settings: QSettings, clock: FakeClock
) -> Iterator[WindowFactory]:
    """Build main windows over the test vault (locked), registered with qtbot."""
    windows: list[MainWindow] = []

    def make(**kwargs: object) -> MainWindow:
        options: dict[str, object] = {
            "settings": settings,
            "clock": clock,
            "search_debounce_ms": 10,
        }
        options.update(kwargs)
        window = build_main_window(vault, **options)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.session.lock()


def unlock(qtbot: QtBot, window: MainWindow, passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase on the lock screen (once it is drawn: a user types on what
    they see, and the application's filter, the idle lock's eyes, comes with the first
    paint) and press Unlock."""
    if window.isVisible():
        qtbot.waitUntil(lambda: window._curtain_watching, timeout=3000)
    screen = window.lock_screen
    screen.secret_edit.clear()
    qtbot.keyClicks(screen.secret_edit, passphrase)
    with qtbot.waitSignal(window.session.unlocked, timeout=5000):
        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.workspace


def visible_texts(root: QWidget) -> list[str]:
    """Every text a user could read in `root`: visible labels and line edits."""
    texts: list[str] = []
    for lbl in root.findChildren(QLabel):
        if lbl.isVisible():
            texts.append(lbl.text())
    for edit in root.findChildren(QLineEdit):
        if edit.isVisible():
            texts.append(edit.text())
    return texts


def all_top_level_texts() -> list[str]:
    """Texts of every visible top-level widget (dialogs included)."""
    out: list[str] = []
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            out.extend(visible_texts(widget))
    return out


def type_date(qtbot: QtBot, edit: QDateTimeEdit, value: date) -> None:
    """Type a date into a date edit section by section, as a user would."""
    edit.setFocus()
    sections = (
        (QDateTimeEdit.Section.YearSection, f"{value.year:04d}"),
        (QDateTimeEdit.Section.MonthSection, f"{value.month:02d}"),
        (QDateTimeEdit.Section.DaySection, f"{value.day:02d}"),
    )
    for section, text in sections:
        edit.setSelectedSection(section)
        qtbot.keyClicks(edit, text)


def turn_wheel(widget: QWidget, notches: int) -> bool:
    """Turn the mouse wheel over the middle of ``widget`` (negative: towards the user);
    whether the widget took the turn. One it leaves (not accepted) a real wheel's event
    goes on to the parents: the page scrolls (Qt does not pass a test's event on)."""
    middle = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        middle,
        QPointF(widget.mapToGlobal(middle.toPoint())),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def note_row(page: QWidget, note_id: str) -> tuple[CourseNotesView, int]:
    """The course's note list on the client ``page`` that shows ``note_id``, and its row."""
    for view in page.findChildren(CourseNotesView):
        row = view.row_of(note_id)
        if row >= 0:
            return view, row
    raise AssertionError(f"note {note_id} is not listed on the page")


def click_note(qtbot: QtBot, page: QWidget, note_id: str, *, live: bool = False) -> None:
    """Click a note's row on the client page: its title, or its Live session button."""
    view, row = note_row(page, note_id)
    qtbot.waitUntil(view.isVisible)  # a page just filled shows its new widgets next
    rect = view.row_rect(row)
    at = view.cell_rect(rect, Column.LIVE if live else Column.TITLE).center()
    qtbot.mouseMove(view.viewport(), at)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
