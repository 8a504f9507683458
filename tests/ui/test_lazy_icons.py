"""Icons are drawn when they are first shown, not while the lock screen is being built.

The main window's actions name their icon; a menu draws its actions' icons as it
opens, and the toolbar (hidden while locked) as it appears with the first unlock.
Building the window draws only what the lock screen shows (its logo, the eye button,
the status bar's shield). The icons still show once their menu or toolbar does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QPushButton
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.ui import theme
from tests.ui.conftest import WindowFactory, unlock

#: What the lock screen shows: the logo (the app icon), the eye beside the passphrase
#: field and the shield beside "Vault encrypted".
LOCK_SCREEN_ICONS = {"app", "eye", "shield"}


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the bundled SVGs drawn from now on, in order."""
    names: list[str] = []
    read: Callable[[str], str] = theme._svg_text

    def reading(name: str) -> str:
        names.append(name)
        return read(name)

    monkeypatch.setattr(theme, "_svg_text", reading)
    return names


def _named(actions: list[QAction]) -> list[QAction]:
    return [action for action in actions if action.property(theme.ICON_NAME)]


def _menu(window_menus: list[QMenu], title: str) -> QMenu:
    return next(menu for menu in window_menus if menu.title() == title)


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard")  # the offscreen popup
def test_building_the_lock_screen_draws_no_menu_icon(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, drawn: list[str]
) -> None:
    window = make_window()
    named = _named(window.findChildren(QAction))
    assert {action.property(theme.ICON_NAME) for action in named} >= {"lock", "user-plus"}
    assert set(drawn) <= LOCK_SCREEN_ICONS  # nothing for a menu or the toolbar
    assert all(action.icon().isNull() for action in named)

    menus = window.menuBar().findChildren(QMenu)
    file_menu = _menu(menus, "&File")
    file_menu.popup(window.mapToGlobal(QPoint(0, 0)))
    qtbot.waitExposed(file_menu)
    try:
        in_menu = _named(file_menu.actions())
        assert in_menu  # New client…, Lock, Quit
        assert all(not action.icon().isNull() for action in in_menu)
        assert {"user-plus", "lock", "quit"} <= set(drawn)
        edit_only = _named(_menu(menus, "&Edit").actions())
        assert all(action.icon().isNull() for action in edit_only)  # not opened yet
    finally:
        file_menu.close()


def test_the_toolbar_draws_its_icons_with_the_first_unlock(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, drawn: list[str]
) -> None:
    window = make_window()
    assert not window.toolbar.isVisible()
    unlock(qtbot, window)
    assert window.toolbar.isVisible()
    in_toolbar = _named(window.toolbar.actions())
    assert len(in_toolbar) == 4  # New client…, Find client, Search notes…, Lock
    assert all(not action.icon().isNull() for action in in_toolbar)


def test_a_scheme_change_redraws_only_the_icons_already_drawn(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, drawn: list[str]
) -> None:
    window = make_window()
    unlock(qtbot, window)  # the toolbar's icons are drawn
    quit_action = window.quit_action  # in the File menu only: not drawn yet
    assert quit_action.icon().isNull()
    drawn.clear()
    window.retheme()
    assert "lock" in drawn and "quit" not in drawn
    assert quit_action.icon().isNull()


def test_a_scheme_change_redraws_the_client_pages_buttons(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, drawn: list[str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    clients = window.session.clients
    assert clients is not None
    client_id = clients.create(ClientInput(name="Sam Fictional"))
    clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 1), indication="TRD", planned_product=Product.KETAMINE_IM
        ),
    )
    window.workspace.show_client(client_id)
    page = window.workspace.page
    buttons = {b.text(): b for b in page.findChildren(QPushButton) if b.text()}
    shown = {text: buttons[text].icon().cacheKey() for text in ("Edit client", "New note")}
    drawn.clear()
    window.retheme()  # the light/dark switch: drawn in the text colour of now
    assert {"edit", "plus", "print"} <= set(drawn)
    assert all(buttons[text].icon().cacheKey() != key for text, key in shown.items())


def test_the_lock_screen_draws_each_picture_once(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, drawn: list[str]
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.windowIcon()
    app.setWindowIcon(theme.app_icon())  # as kapnotes.app.create_application does
    try:
        window = make_window()
        assert drawn.count("app") == 7  # the application's icon's sizes, nothing more
        assert window.lock_screen.logo.pixmap().width() == 64
        unlock(qtbot, window)
        window.lock()
        window.lock()
        assert drawn.count("eye") == 1  # the lock screen's eye, reset on every lock
        assert drawn.count("shield") == 1  # the status bar's shield, on every lock
    finally:
        app.setWindowIcon(before)
