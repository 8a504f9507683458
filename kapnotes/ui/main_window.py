"""The main window: a stack of the lock screen and the workspace, menus, toolbar, status bar.

It is handed a `VaultSession` (and everything time-related is injectable), so
tests build it on a temporary vault. Locking, by hand (Ctrl+L) or after idle
minutes (announced 30 seconds ahead by a notice any activity cancels), closes
every dialog and window, clears every widget showing client data, closes the
vault and shows the lock screen. A live session being monitored goes on: its
clock and reminders count on the lock screen (nothing of the client is shown),
and after unlocking its window is back where it was; note windows come back
too, each where it was, for the clinician who locked. What is remembered for
that (note ids, window geometry, scroll position) stays in memory only.
QSettings hold window layout only. F12 anywhere raises the privacy curtain over
every kapnotes window (:mod:`kapnotes.ui.curtain`); F1 opens the help.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from kapnotes import APP_NAME, __version__
from kapnotes.ui import theme
from kapnotes.ui.curtain import PrivacyCurtain
from kapnotes.ui.guards import Clock, IdleWatcher
from kapnotes.ui.reports.actions import ReportActions
from kapnotes.ui.session import VaultSession
from kapnotes.ui.session_view.style import SessionScheme, set_starts_dim, starts_dim
from kapnotes.ui.views.lock_screen import LockScreen
from kapnotes.ui.views.lock_warning import LockWarning

if TYPE_CHECKING:
    # What works on an open vault loads with the first unlock, not before the lock
    # screen is drawn (start-up time and memory at the lock screen).
    from kapnotes.domain.clients import ClientInput, CourseInput
    from kapnotes.domain.templates import NarrativeLayout
    from kapnotes.ui.dialogs.help_dialog import HelpDialog
    from kapnotes.ui.editor import NoteWindow
    from kapnotes.ui.session_view import SessionWindow
    from kapnotes.ui.views.workspace import Workspace

log = logging.getLogger(__name__)

# Keyed by NarrativeLayout's values (a StrEnum: its members find these keys).
NOTE_FORMATS = {
    "soap": "SOAP — Subjective, Objective, Assessment, Plan",
    "dap": "DAP — Data, Assessment, Plan",
    "birp": "BIRP — Behavior, Intervention, Response, Plan",
}

DEFAULT_IDLE_MINUTES = 5.0
SKIPPED_FILES_MESSAGE_MS = 30_000
RunDialog = Callable[[QDialog], int]


@dataclass(frozen=True)
class _Reopen:
    """A window to bring back after unlocking (memory only, never written anywhere):
    which note, where the window was (and whether maximised), how far it was scrolled,
    its colour scheme, which panel tab of a live session was showing."""

    note_id: str
    geometry: QRect
    state: Qt.WindowState
    scroll: int = 0
    scheme: SessionScheme | None = None
    tab: int = 0

    @classmethod
    def of(cls, note_id: str, window: QWidget, **more: Any) -> _Reopen:
        """Where ``window`` is now."""
        return cls(note_id, window.geometry(), window.windowState(), **more)

    def place(self, window: QWidget) -> None:
        """Put ``window`` back where it was."""
        if self.state & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            window.setWindowState(self.state)
        else:
            window.setGeometry(self.geometry)


class MainWindow(QMainWindow):
    """Lock screen and workspace in one window."""

    def __init__(
        self,
        session: VaultSession,
        *,
        settings: QSettings | None = None,
        idle_minutes: float = DEFAULT_IDLE_MINUTES,
        clock: Clock = time.monotonic,
        demo_passphrase: str | None = None,
        run_dialog: RunDialog | None = None,
        today: Callable[[], date] = date.today,
        search_debounce_ms: int = 200,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        if QApplication.windowIcon().isNull():  # (else the application's is this window's)
            self.setWindowIcon(theme.app_icon())
        self.setMinimumSize(900, 600)
        self.session = session
        self._settings = settings if settings is not None else QSettings()
        if run_dialog is None:  # (tests hand in their own)
            run_dialog = self._exec_dialog
        self._run_dialog = run_dialog
        self._today = today

        self.lock_screen = LockScreen(session, demo_passphrase=demo_passphrase)
        self._search_debounce_ms = search_debounce_ms
        self._workspace: Workspace | None = None  # built with the first unlock
        self.note_windows: dict[str, NoteWindow] = {}
        self.session_windows: dict[str, SessionWindow] = {}
        self.stack = QStackedWidget()
        self.stack.setObjectName("mainStack")
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)
        # Printing: Ctrl+P on a note window or the client shown, the clinic letterhead.
        self.reports = ReportActions(
            self, session, lambda: self.workspace.page.client_id, run_dialog
        )

        # Backups: File → Back up… / Restore…, Settings → Backups…, the schedule, the reminder.
        from kapnotes.ui.backups import BackupActions

        self.backups = BackupActions(self, session, self.lock, run_dialog)
        self.backups.busy = self._monitoring
        # The system's own lock and sleep lock the vault too (where D-Bus reports them),
        # listened to from the first unlock: while locked there is nothing to lock.
        from kapnotes.ui.system_lock import SystemLockWatcher

        self.system_lock = SystemLockWatcher(self, listen=False)
        self.system_lock.lock_requested.connect(self._system_locked)
        # Start-up faults lead somewhere: restore, another folder, or quit.
        self.lock_screen.restore_requested.connect(self.backups.restore)
        self.lock_screen.folder_requested.connect(self.open_other_folder)
        self.lock_screen.create_requested.connect(self.create_vault_here)
        self.backups.restored.connect(self._show_locked)
        self.lock_screen.quit_requested.connect(self.close)
        self.lock_screen.recovered.connect(self.ask_new_passphrase)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self.idle = IdleWatcher(idle_minutes * 60.0, clock=clock, parent=self)
        self.idle.idle.connect(self._auto_lock)
        self.idle.warning.connect(self._warn_lock)
        self.idle.resumed.connect(self._hide_lock_warning)
        self.lock_warning = LockWarning(self)
        self.curtain = PrivacyCurtain(self)
        self.curtain.watch_input(self.idle.note_input, IdleWatcher.INPUT)
        self.help_dialog: HelpDialog | None = None
        # Kept while locked, in memory only: what to bring back after unlocking.
        self._reopen_notes: list[_Reopen] = []
        self._reopen_live: list[_Reopen] = []
        self._locked_by: str | None = None
        # The curtain watches the application's input from this window's first paint (see
        # paintEvent), for itself and for the idle watcher (which minds it while it counts:
        # unlocked).
        self._curtain_watching = False

        session.unlocked.connect(self._on_unlocked)
        self._restore_layout()
        self._show_locked()

    # -- construction --------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        """The client list and page, built when first needed (never before the lock
        screen has been drawn)."""
        if self._workspace is None:
            from kapnotes.ui.views.workspace import Workspace

            workspace = Workspace(self.session, debounce_ms=self._search_debounce_ms)
            workspace.new_client_requested.connect(self.new_client)
            workspace.edit_client_requested.connect(self.edit_client)
            workspace.new_course_requested.connect(self.new_course)
            workspace.new_note_requested.connect(self.new_note)
            workspace.note_requested.connect(self.open_note)
            workspace.live_session_requested.connect(self.open_live_session)
            workspace.page.course_report_requested.connect(self.reports.print_course)
            splitter = self._settings.value("window/splitter")
            if isinstance(splitter, QByteArray) and not splitter.isEmpty():
                workspace.splitter.restoreState(splitter)
            self.stack.addWidget(workspace)
            self._workspace = workspace
        return self._workspace

    def _action(self, text: str, shortcut: QKeySequence | str, icon_name: str | None) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon_name:
            theme.name_icon(action, icon_name)  # drawn when a menu or the toolbar shows it
        return action

    def _build_actions(self) -> None:
        self.new_client_action = self._action("&New client…", "Ctrl+N", "user-plus")
        self.new_client_action.setObjectName("actionNewClient")
        self.new_client_action.triggered.connect(self.new_client)
        self.lock_action = self._action("&Lock", "Ctrl+L", "lock")
        self.lock_action.setObjectName("actionLock")
        self.lock_action.setToolTip("Lock the vault (Ctrl+L)")
        self.lock_action.triggered.connect(self.lock)
        self.quit_action = self._action("&Quit", "Ctrl+Q", "quit")
        self.quit_action.setObjectName("actionQuit")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.find_action = self._action("&Find client", "Ctrl+F", "search")
        self.find_action.setObjectName("actionFind")
        self.find_action.triggered.connect(lambda: self.workspace.focus_search())
        self.search_notes_action = self._action("Search &notes…", "Ctrl+Shift+F", "search")
        self.search_notes_action.setObjectName("actionSearchNotes")
        self.search_notes_action.setToolTip("Search the text of every note (Ctrl+Shift+F)")
        self.search_notes_action.triggered.connect(self.search_notes)
        self.templates_action = QAction("&Templates and instruments…", self)
        self.templates_action.setObjectName("actionTemplates")
        self.templates_action.triggered.connect(self.show_templates)
        self.clinic_settings_action = QAction("&Clinic settings…", self)
        self.clinic_settings_action.setObjectName("actionClinicSettings")
        self.clinic_settings_action.triggered.connect(self.show_clinic_settings)
        self.clinicians_action = QAction("C&linicians…", self)
        self.clinicians_action.setObjectName("actionClinicians")
        self.clinicians_action.triggered.connect(self.show_clinicians)
        self.audit_action = QAction("&Audit trail…", self)
        self.audit_action.setObjectName("actionAuditTrail")
        self.audit_action.triggered.connect(self.show_audit)
        self.help_action = self._action("&Help: shortcuts and guide", "F1", None)
        self.help_action.setObjectName("actionHelp")
        # F1 works from every kapnotes window (note windows and live sessions too).
        self.help_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.help_action.triggered.connect(self.show_help)
        self.addAction(self.help_action)
        self.about_action = QAction(f"&About {APP_NAME}", self)
        self.about_action.setObjectName("actionAbout")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self._vault_actions = [
            self.new_client_action,
            self.lock_action,
            self.find_action,
            self.search_notes_action,
            self.reports.print_course_action,
            # settings too: nothing reads or changes them while locked
            self.templates_action,
            self.reports.letterhead_action,
            self.audit_action,
            self.clinic_settings_action,
            self.clinicians_action,
            self.backups.settings_action,
            self.backups.back_up_action,
        ]

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_client_action)
        file_menu.addAction(self.reports.print_course_action)
        file_menu.addSeparator()
        file_menu.addAction(self.backups.back_up_action)
        file_menu.addAction(self.backups.restore_action)
        self.other_folder_action = QAction("&Open another vault folder…", self)
        self.other_folder_action.setObjectName("actionOtherFolder")
        self.other_folder_action.triggered.connect(self.open_other_folder)
        file_menu.addAction(self.other_folder_action)
        file_menu.addSeparator()
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.search_notes_action)
        view_menu = bar.addMenu("&View")
        self.start_dim_action = QAction("Live sessions start &dim", self, checkable=True)
        self.start_dim_action.setObjectName("actionStartDim")
        self.start_dim_action.setToolTip("Open live sessions in the dim scheme (Ctrl+D in one)")
        self.start_dim_action.setChecked(starts_dim(self._settings))
        self.start_dim_action.toggled.connect(lambda on: set_starts_dim(self._settings, on))
        # Ctrl+D in a live session changes the same preference: show it as it is now.
        view_menu.aboutToShow.connect(
            lambda: self.start_dim_action.setChecked(starts_dim(self._settings))
        )
        view_menu.addAction(self.start_dim_action)
        settings_menu = bar.addMenu("&Settings")
        settings_menu.addAction(self.clinic_settings_action)
        settings_menu.addAction(self.clinicians_action)
        settings_menu.addAction(self.templates_action)
        settings_menu.addAction(self.reports.letterhead_action)
        settings_menu.addAction(self.backups.settings_action)
        settings_menu.addAction(self.audit_action)
        format_menu = settings_menu.addMenu("Progress note &format")
        format_menu.setObjectName("noteFormatMenu")
        self.note_format_menu = format_menu
        self.note_format_group = QActionGroup(self)
        self.note_format_actions: dict[str, QAction] = {}
        for layout, text in NOTE_FORMATS.items():
            action = QAction(text, self, checkable=True)
            action.setObjectName(f"actionFormat_{layout}")
            action.triggered.connect(lambda _c=False, lay=layout: self.set_note_format(lay))
            self.note_format_group.addAction(action)
            format_menu.addAction(action)
            self.note_format_actions[layout] = action
        # The clinic's choice is read when the menu opens (settings load after start-up),
        # and only while unlocked: the menu is disabled while locked.
        format_menu.aboutToShow.connect(self._show_note_format)
        self._vault_actions.append(format_menu.menuAction())
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.help_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        for menu in (file_menu, edit_menu, view_menu, settings_menu, format_menu, help_menu):
            theme.icons_when_shown(menu)

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Main")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(self.toolbar.iconSize() * 0.9)
        self.toolbar.addAction(self.new_client_action)
        self.toolbar.addAction(self.find_action)
        self.toolbar.addAction(self.search_notes_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addAction(self.lock_action)
        theme.icons_when_shown(self.toolbar)  # hidden while locked: drawn with the first unlock
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.clinician_label = QLabel()
        self.clinician_label.setObjectName("clinicianLabel")
        self.encrypted_icon = QLabel()
        self._shield_drawn: tuple[str, int] | None = None  # (colour, size) of its picture
        self.encrypted_label = QLabel("Vault encrypted")
        self.encrypted_label.setObjectName("encryptedLabel")
        self.encrypted_label.setToolTip("Notes are stored encrypted with SQLCipher (AES-256).")
        bar.addWidget(self.clinician_label, 1)
        bar.addPermanentWidget(self.backups.reminder_label)
        bar.addPermanentWidget(self.encrypted_icon)
        bar.addPermanentWidget(self.encrypted_label)

    def retheme(self) -> None:
        """Repaint icons in the active scheme's colours (after a light/dark switch): the
        menus', the toolbar's and the buttons' of this window and the windows it opened."""
        theme.redraw_icons([*self.findChildren(QAction), *self.findChildren(QAbstractButton)])
        self._update_status()

    # -- locking -----------------------------------------------------------------------

    def _on_unlocked(self) -> None:
        self.system_lock.listen()
        self.stack.setCurrentWidget(self.workspace)
        self.toolbar.show()
        for action in self._vault_actions:
            action.setEnabled(True)
        self.workspace.clear()
        self.workspace.refresh()
        self._update_status()
        self._apply_idle_setting()
        self.idle.start()
        self.workspace.focus_search()
        self._name_skipped_files()
        self._name_vault_warnings()
        self._restore_windows()

    def _name_skipped_files(self) -> None:
        """Say in the status bar that the clinic settings file is unusable (the defaults
        apply), else which clinic template or instrument files were not loaded.

        A broken file in the vault's templates or instruments folder is skipped
        (the others still load); the message names the file and what is wrong, and
        Settings → Templates and instruments lists every skipped file.
        """
        catalog = self.session.catalog
        _settings, settings_warning = catalog.clinic_settings()
        if settings_warning:
            # The clinic's thresholds, time zone and ranges are the defaults until it is
            # fixed: said first, and kept in view until the next message.
            log.warning("the clinic settings file could not be used")
            self.statusBar().showMessage(
                f"Clinic settings not used: {settings_warning}. Fix it in Settings → "
                "Clinic settings or in the file."
            )
            return
        skipped = [*catalog.templates().warnings, *catalog.instruments().warnings]
        if not skipped:
            return
        head = "A clinic file was" if len(skipped) == 1 else f"{len(skipped)} clinic files were"
        log.warning("%d clinic template or instrument file(s) skipped", len(skipped))
        self.statusBar().showMessage(
            f"{head} not loaded (see Settings → Templates and instruments): {skipped[0]}",
            SKIPPED_FILES_MESSAGE_MS,
        )

    def _name_vault_warnings(self) -> None:
        """Say in the status bar what the unlock found that did not stop it (a damaged entry
        of the key file: the recovery key, say, may no longer open the vault)."""
        warnings = [w.removeprefix("key file: ") for w in self.session.warnings]
        if warnings:
            log.warning("the unlock found %d problem(s) with the key file", len(warnings))
            self.statusBar().showMessage(
                f"The vault opened, but its key file has a problem: {warnings[0]}. Put back "
                "kapnotes.key from a copy of the vault folder you made; 'kapnotes verify' lists "
                "every problem.",
                SKIPPED_FILES_MESSAGE_MS,
            )

    def _update_status(self) -> None:
        store = self.session.clients
        size = self.fontMetrics().height()
        shield = (theme.text_colour(), size)
        if shield != self._shield_drawn:  # (on every lock and unlock: drawn once a scheme)
            self.encrypted_icon.setPixmap(theme.icon("shield", shield[0]).pixmap(size, size))
            self._shield_drawn = shield
        if store is not None:
            self.clinician_label.setText(f"Signed in as {store.clinician_name()}")
        else:
            self.clinician_label.setText("Locked")

    def _show_locked(self) -> None:
        if self._workspace is not None:
            self._workspace.clear()
        for action in self._vault_actions:
            action.setEnabled(False)
        self.toolbar.hide()
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.reset()
        self._update_status()

    def lock(self) -> None:
        """Close dialogs and windows, clear client data from every widget, close the vault.

        A live session being monitored keeps running on the lock screen (clock and
        reminders only); it and the note windows open now come back after unlocking.
        """
        self.idle.stop()
        self._hide_lock_warning()
        self.curtain.lower_all(restore_focus=False)
        was_unlocked = self.session.is_unlocked
        if was_unlocked:
            self._remember_windows()
        running = []
        if self.session_windows:  # (the session layer is loaded only when one runs)
            from kapnotes.session.locked import RunningSession

            running = [
                RunningSession(window.note_id, window.view.session)
                for window in self.session_windows.values()
                if window.isVisible() and window.view.record.live
            ]
        sound = any(window.view.soft_sound for window in self.session_windows.values())
        for note_window in self.note_windows.values():
            note_window.force_close = True
        for window in [*self.note_windows.values(), *self.session_windows.values()]:
            window.close()  # saves what is pending before the vault closes
        self.note_windows.clear()
        self.session_windows.clear()
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
                dialog.hide()
        if self._workspace is not None:
            self._workspace.clear()
        if self.backups.is_running():
            # Its audit event needs the open vault: the lock screen shows while it ends.
            self.stack.setCurrentWidget(self.lock_screen)
            self.statusBar().showMessage("Finishing a backup before the vault locks…")
            self.repaint()
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.backups.wait()
            finally:
                QGuiApplication.restoreOverrideCursor()
        self.session.lock()
        self._show_locked()
        if was_unlocked:  # locking again from the lock screen keeps what runs behind it
            self.lock_screen.running.show_sessions(running, sound=sound)
        self.lock_screen.focus_field()

    def _remember_windows(self) -> None:
        """Note which windows are open and where (memory only), to bring them back."""
        self._locked_by = self.session.clinician_id
        self._reopen_notes = [
            _Reopen.of(
                note_id, window, scroll=window.editor.scroll_area.verticalScrollBar().value()
            )
            for note_id, window in self.note_windows.items()
            if window.isVisible()
        ]
        self._reopen_live = [
            _Reopen.of(
                note_id, window, scheme=window.view.scheme, tab=window.view.tabs.currentIndex()
            )
            for note_id, window in self.session_windows.items()
            if window.isVisible()
        ]

    def _restore_windows(self) -> None:
        """After unlocking: note windows (for the clinician who locked) and live sessions
        back where they were; a live session last, with the focus on its observation line."""
        notes, live = self._reopen_notes, self._reopen_live
        same = self._locked_by is not None and self._locked_by == self.session.clinician_id
        self._reopen_notes, self._reopen_live, self._locked_by = [], [], None
        self.lock_screen.running.clear()
        for kept in notes if same else []:
            try:
                window = self.open_note(kept.note_id)
            except Exception as exc:  # the note cannot be shown: the others still come back
                log.warning("could not reopen a note window: %s", type(exc).__name__)
                continue
            if window is not None:
                kept.place(window)
                bar = window.editor.scroll_area.verticalScrollBar()
                QTimer.singleShot(0, bar, lambda b=bar, v=kept.scroll: b.setValue(v))
        for kept in live:
            try:
                session_window = self.open_live_session(kept.note_id)
            except Exception as exc:
                log.warning("could not reopen a live session: %s", type(exc).__name__)
                continue
            if session_window is None:
                continue
            kept.place(session_window)
            if kept.scheme is not None and kept.scheme != session_window.view.scheme:
                session_window.view.apply_scheme(kept.scheme)
            session_window.view.tabs.setCurrentIndex(kept.tab)
            session_window.raise_()
            session_window.activateWindow()
            session_window.view.entry.setFocus()

    def _monitoring(self) -> bool:
        """Whether a live dosing session is running (dosed or not, not yet discharged),
        on screen or behind the lock screen."""
        if any(running.monitoring for running in self.lock_screen.running.sessions):
            return True
        for window in self.session_windows.values():
            if not window.isVisible():  # closed, waiting to be deleted
                continue
            record = window.view.record
            if not record.read_only and record.discharge_time() is None:
                return True
        return False

    def _warn_lock(self, seconds: int) -> None:
        """The last seconds before the idle lock: a notice that any activity cancels."""
        if self._monitoring() or not self.session.is_unlocked:
            return  # a monitored session is not locked for inactivity
        over = QApplication.activeWindow() or self
        self.lock_warning.show_countdown(seconds, over)

    def _hide_lock_warning(self) -> None:
        self.lock_warning.hide()

    def _auto_lock(self) -> None:
        self._hide_lock_warning()
        if self._monitoring():
            # A dosing session is being monitored: the therapist is in the room, and
            # alerts and reminders must stay on screen (the privacy curtain is F12).
            self.idle.start()  # keep watching: after discharge the usual lock applies
            return
        if self.session.is_unlocked:
            log.info("locking after inactivity")
            self.lock()

    # -- client actions --------------------------------------------------------------------

    def new_client(self) -> None:
        """Open the client dialog to create a client; select it after saving."""
        from kapnotes.ui.dialogs.client_dialog import ClientDialog

        store = self.session.clients
        if store is None:
            return
        dialog = ClientDialog(store.create, today=self._today, parent=self)
        if self._run_dialog(dialog) == QDialog.DialogCode.Accepted and dialog.saved_id:
            self.workspace.search_edit.clear()
            self.workspace.refresh(select_id=dialog.saved_id)
        dialog.deleteLater()

    def edit_client(self, client_id: str) -> None:
        """Open the client dialog on an existing client."""
        from kapnotes.ui.dialogs.client_dialog import ClientDialog

        store = self.session.clients
        if store is None:
            return
        record = store.get(client_id)

        def save(data: ClientInput) -> str:
            current = self.session.clients
            if current is None:
                raise RuntimeError("vault locked")
            current.update(client_id, data)
            return client_id

        dialog = ClientDialog(save, record.data, today=self._today, parent=self)
        if self._run_dialog(dialog) == QDialog.DialogCode.Accepted:
            self.workspace.refresh(select_id=client_id)
        dialog.deleteLater()

    def new_course(self, client_id: str) -> None:
        """Open the course dialog for a client."""
        from kapnotes.ui.dialogs.course_dialog import CourseDialog

        store = self.session.clients
        if store is None:
            return
        record = store.get(client_id)

        def save(data: CourseInput) -> str:
            current = self.session.clients
            if current is None:
                raise RuntimeError("vault locked")
            return current.add_course(client_id, data)

        dialog = CourseDialog(save, client_name=record.data.name, today=self._today, parent=self)
        if self._run_dialog(dialog) == QDialog.DialogCode.Accepted:
            self.workspace.show_client(client_id)
        dialog.deleteLater()

    # -- notes ---------------------------------------------------------------------------

    def _show_note_format(self) -> None:
        if not self.session.is_unlocked:
            return
        current = self.session.catalog.clinic_settings()[0].note_format
        self.note_format_actions[current.value].setChecked(True)

    def set_note_format(self, layout: NarrativeLayout | str) -> None:
        """The clinic's progress-note layout for new notes (existing notes keep theirs).

        Only while unlocked (the change goes into the vault's audit trail)."""
        from kapnotes.domain.templates import NarrativeLayout

        if not self.session.is_unlocked:
            return
        layout = NarrativeLayout(layout)
        settings, _warning = self.session.catalog.clinic_settings()
        self.session.save_clinic_settings(
            settings.model_copy(update={"note_format": layout}), "note_format"
        )
        self.note_format_actions[layout].setChecked(True)
        self.statusBar().showMessage(
            f"New notes use the {layout.value.upper()} progress-note format.", 5000
        )

    def new_note(self, course_id: str) -> None:
        """Ask for phase and date, create the note from the current template (prefilled with
        what is known: see :mod:`kapnotes.session.new_note`), open it."""
        from kapnotes.domain.templates import LAYOUT_KEY
        from kapnotes.session.new_note import start_note
        from kapnotes.ui.editor import new_note_dialog

        notes = self.session.notes
        if notes is None:
            return
        choice = new_note_dialog(
            self, self.session.catalog.templates(), today=self._today, run=self._run_dialog
        )
        if choice is None:
            return
        settings = self.session.catalog.clinic_settings()[0]
        # Prefilled from what is known (the clinician, the course, the client record).
        note_id = start_note(
            notes,
            course_id,
            choice.template,
            choice.session_date,
            values={LAYOUT_KEY: settings.note_format.value},
            time_zone=settings.zone_name(),
            settings=settings,
        )
        self._refresh_shown_client()
        self.open_note(note_id)

    def open_note(self, note_id: str, query: str = "") -> NoteWindow | None:
        """Open a note in its own window (or raise it), showing `query` if given."""
        from kapnotes.domain.templates import recorded_layout
        from kapnotes.ui.editor import NoteWindow
        from kapnotes.ui.measures import NoteFlagWatcher

        notes = self.session.notes
        if notes is None:
            return None
        live = self.session_windows.get(note_id)
        if live is not None:
            # Two windows saving one note would overwrite each other's entries.
            live.show()
            live.raise_()
            self.statusBar().showMessage(
                "This note is open as a live session; close the live session to edit the "
                "whole note.",
                8000,
            )
            return None
        window = self.note_windows.get(note_id)
        opened_now = window is None
        if window is None:
            # Each note records the progress-note layout it was started with.
            layout = (
                recorded_layout(notes.get(note_id).values)
                or self.session.catalog.clinic_settings()[0].note_format
            )
            instruments = self.session.catalog.instruments()  # read once per window
            window = NoteWindow(
                notes,
                note_id,
                client_store=self.session.clients,
                layout=layout,
                instruments=instruments,
                measures=self.session.measures,
                parent=self,
            )
            window.setWindowFlag(Qt.WindowType.Window, True)
            # Closed (or locked) note windows are deleted, not kept hidden with the note inside.
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            window.editor.measures_changed.connect(lambda _n: self._refresh_shown_client())
            NoteFlagWatcher(  # the note's flags say at once when they are acknowledged
                window,
                note_id,
                lambda: self.session.measures,
                self.session.measures_changed,
                window.editor.measures_changed,
            )
            window.editor.signed.connect(lambda _h: self._refresh_shown_client())
            window.search_requested.connect(self.search_notes)
            window.print_requested.connect(lambda w=window: self.reports.print_note(w.note_id, w))
            window.live_requested.connect(lambda nid=note_id: self.open_live_session(nid))
            window.lock_requested.connect(self.lock)
            window.destroyed.connect(lambda *_a, nid=note_id: self.note_windows.pop(nid, None))
            self.note_windows[note_id] = window
        self._fit_to_screen(window)
        window.show()
        window.raise_()
        window.activateWindow()
        if opened_now:
            window.editor.focus_page()  # a stray key changes nothing, from a search too
        if query:
            window.editor.highlight(query)
        return window

    def open_live_session(self, note_id: str) -> SessionWindow | None:
        """Run a draft dosing note live: session clock, observations, vitals and alerts."""
        from kapnotes.ui.session_view import SessionConfig, SessionWindow

        notes, clients = self.session.notes, self.session.clients
        if notes is None or clients is None:
            return None
        window = self.session_windows.get(note_id)
        if window is None:
            editor = self.note_windows.get(note_id)
            if editor is not None:
                # Closing saves; the live session then owns the note. A window whose save
                # failed stays open (its status line says so): two windows saving one
                # note would overwrite each other's entries.
                if not editor.close():
                    editor.raise_()
                    editor.activateWindow()
                    self.statusBar().showMessage(
                        "The note's last changes could not be saved, so it was not opened "
                        "live; its window says why.",
                        10000,
                    )
                    return None
                self.note_windows.pop(note_id, None)
            note = notes.get(note_id)
            client = clients.get(note.client_id)
            course = next(c for c in client.courses if c.id == note.course_id)
            planned = note.values.get("planned_product")
            settings, warning = self.session.catalog.clinic_settings()
            if warning:
                self.statusBar().showMessage(warning, 10000)
            from kapnotes.session.clinic_settings import settings_for_note

            settings = settings_for_note(notes, note_id, settings)  # as it was first run
            window = SessionWindow(
                SessionConfig(
                    notes,
                    note_id,
                    client,
                    str(planned) if planned else course.planned_product,
                    settings,
                    planned_dose=course.planned_route_detail,
                    soft_sound=settings.reminder_sound,
                    preferences=self._settings,
                ),
                parent=self,
            )
            window.setWindowFlag(Qt.WindowType.Window, True)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            window.lock_requested.connect(self.lock)
            window.destroyed.connect(lambda *_a, nid=note_id: self._live_session_closed(nid))
            self.session_windows[note_id] = window
        self._fit_to_screen(window)
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _fit_to_screen(self, window: QWidget) -> None:
        """Never open a window taller or wider than the screen it appears on."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        room = screen.availableGeometry()
        width = min(window.width(), room.width() - 40)
        height = min(window.height(), room.height() - 60)
        window.resize(width, height)
        window.move(
            room.x() + max(0, (room.width() - width) // 2),
            room.y() + max(0, (room.height() - height) // 2),
        )

    def _live_session_closed(self, note_id: str) -> None:
        self.session_windows.pop(note_id, None)
        self._refresh_shown_client()

    def _refresh_shown_client(self) -> None:
        if self._workspace is None:
            return
        client_id = self.workspace.page.client_id
        if client_id and self.session.is_unlocked:
            self.workspace.show_client(client_id)

    def search_notes(self) -> None:
        """Full-text search over every note; a result opens the note at the hit."""
        from kapnotes.ui.editor import NoteSearchDialog

        notes = self.session.notes
        if notes is None:
            return
        dialog = NoteSearchDialog(notes, parent=self)

        def activated(note_id: str, query: str) -> None:
            dialog.accept()
            self.open_note(note_id, query)

        dialog.noteActivated.connect(activated)
        self._run_dialog(dialog)
        dialog.deleteLater()

    def show_templates(self) -> None:
        """Settings -> Templates: list templates and instruments, import a file (only while
        unlocked: an import goes into the vault's audit trail)."""
        from kapnotes.ui.settings.templates_dialog import TemplatesDialog

        if not self.session.is_unlocked:
            return
        dialog = TemplatesDialog(self.session.catalog, parent=self, record=self.session.audit)
        self._run_dialog(dialog)
        dialog.deleteLater()

    def ask_new_passphrase(self) -> None:
        """After an unlock with the recovery key: who is it, and their new passphrase, at
        once; Cancel locks the vault again (no session without a new passphrase)."""
        opened = self.session.open_vault
        if opened is None:
            return
        from kapnotes.store.clinicians import Clinicians
        from kapnotes.ui.settings.clinicians_dialog import ChangePassphraseDialog

        dialog = ChangePassphraseDialog(Clinicians(opened), self, after_recovery=True)
        accepted = self._run_dialog(dialog) == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.statusBar().showMessage("Your new passphrase is set.", 8000)
            return
        self.lock()
        self.statusBar().showMessage(
            "Locked again: after the recovery key, a new passphrase must be set.", 10000
        )

    def _system_locked(self, reason: str) -> None:
        """The screen locked or the machine is going to sleep: lock the vault as well."""
        if self.session.is_unlocked:
            log.info("locking: %s", reason)
            self.lock()

    def open_other_folder(self) -> None:
        """File → Open another vault folder… (and the lock screen's way out): lock, then
        point the window at the vault in another folder (or an empty one to restore into)."""
        folder = self.backups.prompts.folder(
            self, self.session.vault.data_dir.parent, "Open the vault in another folder"
        )
        if folder is None:
            return
        if self.session.is_unlocked:
            self.lock()
        self.session.switch_folder(folder)
        self.lock_screen.reset()
        self.lock_screen.focus_field()
        self.statusBar().showMessage(f"Vault folder: {folder}", 8000)

    def create_vault_here(self) -> None:
        """The lock screen's "Create a new vault here…" (a folder with no vault): the
        first-run set-up (first clinician, passphrase, recovery key), then unlocked."""
        from kapnotes.ui.dialogs.setup_dialog import first_run

        if self.session.is_unlocked or self.session.vault.exists():
            return
        created = first_run(self.session.vault, self._run_dialog, self)
        if created is not None:
            self.session.adopt(created)
            self.statusBar().showMessage(f"New vault in {self.session.vault.data_dir}", 8000)

    def show_clinic_settings(self) -> None:
        """Settings -> Clinic settings: every clinical setting, validated, each change audited."""
        opened = self.session.open_vault
        if opened is None:
            return
        from kapnotes.session.clinic_settings import may_change, save
        from kapnotes.ui.settings.clinic_dialog import ClinicSettingsDialog

        catalog = self.session.catalog
        current, warning = catalog.clinic_settings()
        if warning:
            self.statusBar().showMessage(warning, 10000)
        dialog = ClinicSettingsDialog(
            current,
            lambda chosen: save(opened, catalog, chosen),
            self,
            editable=may_change(opened),
        )
        if self._run_dialog(dialog) == QDialog.DialogCode.Accepted:
            self._apply_idle_setting()
            self.statusBar().showMessage("Clinic settings saved; they apply to new notes.", 8000)
        dialog.deleteLater()

    def _exec_dialog(self, dialog: QDialog) -> int:
        """Show ``dialog`` modal to this window only (a live session's window, a child of
        this one, keeps taking observations and its own Ctrl+L), with Ctrl+L working in
        it: the lock rejects it as it rejects every dialog."""
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.addAction(self.lock_action)
        return dialog.exec()

    def _apply_idle_setting(self) -> None:
        """The clinic's idle-lock minutes, when it set them (else the app's default)."""
        minutes = self.session.catalog.clinic_settings()[0].idle_lock_minutes
        if minutes:
            self.idle.timeout_s = minutes * 60.0
            self.idle.warn_s = min(self.idle.warn_s, self.idle.timeout_s / 2)

    def show_clinicians(self) -> None:
        """Settings -> Clinicians: add, deactivate, passphrases, the recovery key."""
        opened = self.session.open_vault
        if opened is None:
            return
        from kapnotes.store.clinicians import Clinicians
        from kapnotes.ui.settings.clinicians_dialog import CliniciansDialog

        dialog = CliniciansDialog(Clinicians(opened), self, run_dialog=self._run_dialog)
        self._run_dialog(dialog)
        dialog.deleteLater()

    def show_audit(self) -> None:
        """Settings -> Audit trail: the events, filtered, the chain's state, CSV export."""
        opened = self.session.open_vault
        if opened is None:
            return
        from kapnotes.ui.settings.audit_dialog import AuditDialog

        dialog = AuditDialog(opened, parent=self)
        self._run_dialog(dialog)
        dialog.deleteLater()

    def show_help(self) -> HelpDialog:
        """F1: the keyboard shortcuts and the user guide, in a window beside the work."""
        from kapnotes.ui.dialogs.help_dialog import HelpDialog

        if self.help_dialog is None:
            self.help_dialog = HelpDialog(self)
        self.help_dialog.show()
        self.help_dialog.raise_()
        self.help_dialog.activateWindow()
        return self.help_dialog

    def show_about(self) -> None:
        """The About box: the version and the vault folder."""
        import html

        from PySide6.QtWidgets import QMessageBox  # (made on first use, not at start-up)

        folder = self.session.vault.data_dir
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {html.escape(__version__)}</h3>"
            "<p>Structured clinical notes for ketamine-assisted psychotherapy, kept in an "
            "encrypted vault on this computer.</p>"
            f"<p><b>Vault folder</b><br>{html.escape(str(folder))}</p>",
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setObjectName("aboutBox")
        box.setIconPixmap(theme.window_icon().pixmap(64, 64))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._run_dialog(box)
        box.deleteLater()

    # -- layout persistence (geometry only, never client data) -------------------------------

    def _restore_layout(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 780)
        state = self._settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def save_layout(self) -> None:
        """Write window geometry, toolbar state and splitter sizes to QSettings."""
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        if self._workspace is not None:
            self._settings.setValue("window/splitter", self._workspace.splitter.saveState())
        self._settings.sync()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint; the first time, F12 starts to work (nothing was on screen to hide before).

        A Python event filter on the application makes PySide6 find a Python type for
        every object an event reaches, Qt's own included (the style, for one: the QStyle
        type and its enums, ~10 ms), so the curtain (the wheel guard with it) is
        installed once the window is drawn, not while it is being built.
        """
        super().paintEvent(event)
        if not self._curtain_watching:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self.curtain)  # and the wheel guard with it
                self._curtain_watching = True

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout and lock the vault before the window goes.

        While a dosing session is being monitored, quitting asks first: alerts and
        reminders would stop. (Everything entered is saved either way.)
        """
        if self._monitoring():
            from PySide6.QtWidgets import QMessageBox

            answer = QMessageBox.question(
                self,
                "A dosing session is running",
                "A dosing session is being monitored. If kapnotes quits, its alerts and "
                "reminders stop. Everything entered so far is saved.\n\nQuit anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.save_layout()
        self.backups.run_schedule(quitting=True)
        self.lock()
        self.lock_screen.running.clear()
        self._reopen_notes, self._reopen_live = [], []
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.curtain)
        super().closeEvent(event)
