"""The composition root: builds the vault, the session and the main window, runs Qt.

`run_gui` is what `kapnotes` (no command) calls. `build_main_window` builds the
same window for tests and scripts, on any vault and with injectable settings,
clock and dialog runner. First run (no vault in the folder) asks for the
clinician and passphrase, creates the vault and shows the recovery key once.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from kapnotes import APP_NAME, __version__
from kapnotes.source_lines import forget_file_sources
from kapnotes.store.keys import PRODUCTION_KDF, KdfParams
from kapnotes.store.vault import OpenVault, Vault
from kapnotes.ui import theme
from kapnotes.ui.errors import ExceptionHook
from kapnotes.ui.guards import Clock
from kapnotes.ui.main_window import DEFAULT_IDLE_MINUTES, MainWindow, RunDialog
from kapnotes.ui.session import VaultSession

if TYPE_CHECKING:
    from kapnotes.session.printing import ReportMaker
    from kapnotes.store.catalog import Catalog

log = logging.getLogger(__name__)

ORGANIZATION = "kapnotes"


def report_maker(open_vault: OpenVault, catalog: Catalog) -> ReportMaker:
    """The reports of an open vault (reportlab loads with the first report, not at start)."""
    from kapnotes.reports import ReportService

    return ReportService(open_vault, catalog)


def build_main_window(
    vault: Vault,
    *,
    open_vault: OpenVault | None = None,
    demo_passphrase: str | None = None,
    settings: QSettings | None = None,
    idle_minutes: float = DEFAULT_IDLE_MINUTES,
    clock: Clock = time.monotonic,
    run_dialog: RunDialog | None = None,
    today: Callable[[], date] = date.today,
    search_debounce_ms: int = 200,
) -> MainWindow:
    """The main window over `vault`: locked, or unlocked on `open_vault` if given.

    The demo passphrase hint is shown only when the folder holds a demo vault.
    """
    if demo_passphrase and not vault.is_demo():
        log.warning("demo passphrase ignored: this is not a demo vault")
        demo_passphrase = None
    session = VaultSession(vault, reports=report_maker)
    window = MainWindow(
        session,
        settings=settings,
        idle_minutes=idle_minutes,
        clock=clock,
        demo_passphrase=demo_passphrase,
        run_dialog=run_dialog,
        today=today,
        search_debounce_ms=search_debounce_ms,
    )
    session.setParent(window)
    if open_vault is not None:
        session.adopt(open_vault)
    return window


def quit_once_drawn(app: QApplication, poll_ms: int = 10) -> QTimer:
    """Quit ``app`` once a top-level window is shown, exposed and painted.

    A modal dialog (first run's setup) is cancelled instead, which ends the GUI
    the same way a clinician's Cancel does. Prints ``first window: <class>``.
    """
    timer = QTimer()  # not the app's child: the caller stops it before the app goes
    timer.setInterval(poll_ms)

    def check() -> None:
        for widget in QApplication.topLevelWidgets():
            handle = widget.windowHandle() if widget.isVisible() else None
            if handle is None or not handle.isExposed():
                continue
            widget.repaint()
            timer.stop()
            if sys.stdout is not None:  # a windowed Windows executable has none
                print(f"first window: {type(widget).__name__}", flush=True)
            if isinstance(widget, QDialog) and widget.isModal():
                QTimer.singleShot(0, widget.reject)
            else:
                QTimer.singleShot(0, app.quit)
            return

    timer.timeout.connect(check)
    timer.start()
    return timer


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, Fusion style, palette and icon (reused if one exists)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
        theme.use_style(app)
    else:  # the style from the start (see theme.style_arguments)
        app = QApplication([*(argv or sys.argv[:1]), *theme.style_arguments()])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_NAME)
    app.setWindowIcon(theme.app_icon())
    return app


def run_gui(
    data_dir: Path,
    *,
    demo_passphrase: str | None = None,
    kdf: KdfParams = PRODUCTION_KDF,
    quit_after_first_window: bool = False,
) -> int:
    """Open the GUI on the vault in `data_dir`; returns the process exit code.

    ``quit_after_first_window``: once the first window (the lock screen, or the
    first-run dialog, which is then cancelled) is drawn, say so on stdout and quit
    with 0: the bundle's start-up smoke test.
    """
    forget_file_sources()  # `kapnotes demo` comes here without the light entry point
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)  # no migration chatter
    app = create_application()
    watcher = quit_once_drawn(app) if quit_after_first_window else None
    themes = theme.ThemeManager(app)
    vault = Vault(data_dir, kdf=kdf)
    window: MainWindow | None = None
    hook = ExceptionHook(parent=lambda: window)
    hook.install()
    try:
        problem = vault.folder_problem()
        if problem is not None:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(None, "kapnotes cannot open its vault folder", problem)
            return 1
        open_vault: OpenVault | None = None
        if not vault.exists():
            from kapnotes.ui.dialogs.setup_dialog import first_run

            open_vault = first_run(vault)
            if open_vault is None:
                return 0
        window = build_main_window(vault, open_vault=open_vault, demo_passphrase=demo_passphrase)
        themes.scheme_changed.connect(lambda _s: window.retheme() if window else None)
        window.show()
        return app.exec()
    finally:
        if window is not None:
            window.session.lock()
        if watcher is not None:
            watcher.stop()
        hook.uninstall()
