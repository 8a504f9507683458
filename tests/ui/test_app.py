"""The composition root's pieces: theme, exception hook, the page's formatting helpers."""

from __future__ import annotations

import logging
import sys
from datetime import date

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kapnotes.ui import theme
from kapnotes.ui.errors import ExceptionHook, safe_traceback
from kapnotes.ui.views.client_page import age_on, product_label


def test_both_schemes_apply_cleanly(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before_palette, before_sheet = app.palette(), app.styleSheet()
    try:
        manager = theme.ThemeManager(app, forced="light")
        widget = QWidget()
        qtbot.addWidget(widget)
        widget.show()
        assert "@" not in app.styleSheet().replace("@media", "")
        with qtbot.waitSignal(manager.scheme_changed):
            manager.set_scheme("dark")
        assert manager.colour("window") == theme.palettes()["dark"]["window"]
        assert not theme.icon("lock").isNull()
        assert not theme.app_icon().isNull()
    finally:
        app.setStyleSheet(before_sheet)
        app.setPalette(before_palette)


def test_exception_hook_logs_no_message(caplog: pytest.LogCaptureFixture) -> None:
    shown: list[object] = []
    hook = ExceptionHook(show=shown.append)
    try:
        raise ValueError("Client Juno Pratchett, DOB 1970-01-01")
    except ValueError:
        exc_type, exc, tb = sys.exc_info()
    assert exc_type is not None and exc is not None
    with caplog.at_level(logging.ERROR, logger="kapnotes.errors"):
        hook(exc_type, exc, tb)
    assert shown == [None]
    assert "ValueError" in caplog.text
    assert "Juno" not in caplog.text
    assert "Juno" not in safe_traceback(exc_type, tb)


def test_exception_hook_install_and_uninstall() -> None:
    before = sys.excepthook
    hook = ExceptionHook(show=lambda _p: None)
    hook.install()
    assert sys.excepthook is hook
    hook.uninstall()
    assert sys.excepthook is before


def test_age_and_product_label() -> None:
    assert age_on(date(1990, 3, 15), date(2025, 3, 14)) == 34
    assert age_on(date(1990, 3, 14), date(2025, 3, 14)) == 35
    assert product_label("ketamine_im") == "Racemic ketamine IM"
    assert product_label("something_else") == "something_else"
