"""The main window: a stack of the lock screen and the workspace, menus, toolbar, status bar.

It is handed a `VaultSession` (and everything time-related is injectable), so
tests build it on a temporary vault. Locking, by hand (Ctrl+L) or after idle
minutes, closes every dialog, clears every widget showing client data, closes
the vault and shows the lock screen. QSettings hold window layout only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from kapnotes import APP_NAME, __version__
from kapnotes.domain.clients import ClientInput, CourseInput
from kapnotes.domain.templates import LAYOUT_KEY, NarrativeLayout, recorded_layout
from kapnotes.ui import theme
from kapnotes.ui.dialogs.client_dialog import ClientDialog
from kapnotes.ui.dialogs.course_dialog import CourseDialog
from kapnotes.ui.editor import NoteSearchDialog, NoteWindow, new_note_dialog
from kapnotes.ui.guards import Clock, IdleWatcher, UnlockThrottle
from kapnotes.ui.measures import NoteFlagWatcher
from kapnotes.ui.reports import ReportActions
from kapnotes.ui.session import VaultSession
from kapnotes.ui.session_view import SessionConfig, SessionWindow
from kapnotes.ui.settings.templates_dialog import TemplatesDialog
from kapnotes.ui.views.lock_screen import LockScreen
from kapnotes.ui.views.workspace import Workspace

log = logging.getLogger(__name__)

NOTE_FORMATS = {
    NarrativeLayout.SOAP: "SOAP — Subjective, Objective, Assessment, Plan",
    NarrativeLayout.DAP: "DAP — Data, Assessment, Plan",
    NarrativeLayout.BIRP: "BIRP — Behavior, Intervention, Response, Plan",
}

DEFAULT_IDLE_MINUTES = 5.0
SKIPPED_FILES_MESSAGE_MS = 30_000
RunDialog = Callable[[QDialog], int]


def _exec(dialog: QDialog) -> int:
    return dialog.exec()


class MainWindow(QMainWindow):
    """Lock screen and workspace in one window."""

    def __init__(
        self,
        session: VaultSession,
        *,
        settings: QSettings | None = None,
        idle_minutes: float = DEFAULT_IDLE_MINUTES,
        clock: Clock = time.monotonic,
        throttle: UnlockThrottle | None = None,
        demo_passphrase: str | None = None,
        run_dialog: RunDialog = _exec,
        today: Callable[[], date] = date.today,
        search_debounce_ms: int = 200,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(theme.app_icon())
        self.setMinimumSize(900, 600)
        self.session = session
        self._settings = settings if settings is not None else QSettings()
        self._run_dialog = run_dialog
        self._today = today

        self.lock_screen = LockScreen(
            session, throttle or UnlockThrottle(clock), demo_passphrase=demo_passphrase
        )
        self.workspace = Workspace(session, debounce_ms=search_debounce_ms)
        self.workspace.new_client_requested.connect(self.new_client)
        self.workspace.edit_client_requested.connect(self.edit_client)
        self.workspace.new_course_requested.connect(self.new_course)
        self.workspace.new_note_requested.connect(self.new_note)
        self.workspace.note_requested.connect(self.open_note)
        self.workspace.live_session_requested.connect(self.open_live_session)
        self.note_windows: dict[str, NoteWindow] = {}
        self.session_windows: dict[str, SessionWindow] = {}
        self.stack = QStackedWidget()
        self.stack.setObjectName("mainStack")
        self.stack.addWidget(self.lock_screen)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)
        # Printing: Ctrl+P on a note window or the client shown, the clinic letterhead.
        self.reports = ReportActions(
            self, session, lambda: self.workspace.page.client_id, run_dialog
        )
        self.workspace.page.course_report_requested.connect(self.reports.print_course)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self.idle = IdleWatcher(idle_minutes * 60.0, clock=clock, parent=self)
        self.idle.idle.connect(self._auto_lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)

        session.unlocked.connect(self._on_unlocked)
        self._restore_layout()
        self._show_locked()

    # -- construction --------------------------------------------------------------

    def _action(self, text: str, shortcut: QKeySequence | str, icon_name: str | None) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon_name:
            action.setIcon(theme.icon(icon_name))
            action.setProperty("icon_name", icon_name)
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
        self.find_action.triggered.connect(self.workspace.focus_search)
        self.search_notes_action = self._action("Search &notes…", "Ctrl+Shift+F", "search")
        self.search_notes_action.setObjectName("actionSearchNotes")
        self.search_notes_action.setToolTip("Search the text of every note (Ctrl+Shift+F)")
        self.search_notes_action.triggered.connect(self.search_notes)
        self.templates_action = QAction("&Templates and instruments…", self)
        self.templates_action.setObjectName("actionTemplates")
        self.templates_action.triggered.connect(self.show_templates)
        self.about_action = QAction(f"&About {APP_NAME}", self)
        self.about_action.setObjectName("actionAbout")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self._vault_actions = (
            self.new_client_action,
            self.lock_action,
            self.find_action,
            self.search_notes_action,
            self.reports.print_course_action,
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_client_action)
        file_menu.addAction(self.reports.print_course_action)
        file_menu.addSeparator()
        file_menu.addAction(self.lock_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.search_notes_action)
        settings_menu = bar.addMenu("&Settings")
        settings_menu.addAction(self.templates_action)
        settings_menu.addAction(self.reports.letterhead_action)
        format_menu = settings_menu.addMenu("Progress note &format")
        format_menu.setObjectName("noteFormatMenu")
        self.note_format_group = QActionGroup(self)
        self.note_format_actions: dict[NarrativeLayout, QAction] = {}
        current = self.session.catalog.clinic_settings()[0].note_format
        for layout, text in NOTE_FORMATS.items():
            action = QAction(text, self, checkable=True)
            action.setObjectName(f"actionFormat_{layout.value}")
            action.setChecked(layout == current)
            action.triggered.connect(lambda _c=False, lay=layout: self.set_note_format(lay))
            self.note_format_group.addAction(action)
            format_menu.addAction(action)
            self.note_format_actions[layout] = action
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

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
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.clinician_label = QLabel()
        self.clinician_label.setObjectName("clinicianLabel")
        self.encrypted_icon = QLabel()
        self.encrypted_label = QLabel("Vault encrypted")
        self.encrypted_label.setObjectName("encryptedLabel")
        self.encrypted_label.setToolTip("Notes are stored encrypted with SQLCipher (AES-256).")
        bar.addWidget(self.clinician_label, 1)
        bar.addPermanentWidget(self.encrypted_icon)
        bar.addPermanentWidget(self.encrypted_label)

    def retheme(self) -> None:
        """Repaint icons in the active scheme's colours (after a light/dark switch)."""
        for action in self.findChildren(QAction):
            name = action.property("icon_name")
            if name:
                action.setIcon(theme.icon(str(name)))
        self._update_status()

    # -- locking -----------------------------------------------------------------------

    def _on_unlocked(self) -> None:
        self.stack.setCurrentWidget(self.workspace)
        self.toolbar.show()
        for action in self._vault_actions:
            action.setEnabled(True)
        self.workspace.clear()
        self.workspace.refresh()
        self._update_status()
        self.idle.start()
        self.workspace.focus_search()
        self._name_skipped_files()

    def _name_skipped_files(self) -> None:
        """Say in the status bar which clinic template or instrument files were not loaded.

        A broken file in the vault's templates or instruments folder is skipped
        (the others still load); the message names the file and what is wrong, and
        Settings → Templates and instruments lists every skipped file.
        """
        catalog = self.session.catalog
        skipped = [*catalog.templates().warnings, *catalog.instruments().warnings]
        if not skipped:
            return
        head = "A clinic file was" if len(skipped) == 1 else f"{len(skipped)} clinic files were"
        log.warning("%d clinic template or instrument file(s) skipped", len(skipped))
        self.statusBar().showMessage(
            f"{head} not loaded (see Settings → Templates and instruments): {skipped[0]}",
            SKIPPED_FILES_MESSAGE_MS,
        )

    def _update_status(self) -> None:
        store = self.session.clients
        size = self.fontMetrics().height()
        self.encrypted_icon.setPixmap(theme.icon("shield").pixmap(size, size))
        if store is not None:
            self.clinician_label.setText(f"Signed in as {store.clinician_name()}")
        else:
            self.clinician_label.setText("Locked")

    def _show_locked(self) -> None:
        self.workspace.clear()
        for action in self._vault_actions:
            action.setEnabled(False)
        self.toolbar.hide()
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.reset()
        self._update_status()

    def lock(self) -> None:
        """Close dialogs, clear client data from every widget, close the vault."""
        self.idle.stop()
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
        self.workspace.clear()
        self.session.lock()
        self._show_locked()
        self.lock_screen.focus_field()

    def _monitoring(self) -> bool:
        """Whether a live dosing session is running (dosed or not, not yet discharged)."""
        for window in self.session_windows.values():
            if not window.isVisible():  # closed, waiting to be deleted
                continue
            record = window.view.record
            if not record.read_only and record.discharge_time() is None:
                return True
        return False

    def _auto_lock(self) -> None:
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

    def set_note_format(self, layout: NarrativeLayout) -> None:
        """The clinic's progress-note layout for new notes (existing notes keep theirs)."""
        catalog = self.session.catalog
        settings, _warning = catalog.clinic_settings()
        catalog.save_clinic_settings(settings.model_copy(update={"note_format": layout}))
        self.note_format_actions[layout].setChecked(True)
        self.statusBar().showMessage(
            f"New notes use the {layout.value.upper()} progress-note format.", 5000
        )

    def new_note(self, course_id: str) -> None:
        """Ask for phase and date, create the note from the current template, open it."""
        notes = self.session.notes
        if notes is None:
            return
        choice = new_note_dialog(
            self, self.session.catalog.templates(), today=self._today, run=self._run_dialog
        )
        if choice is None:
            return
        settings = self.session.catalog.clinic_settings()[0]
        note_id = notes.create(
            course_id,
            choice.phase,
            choice.template.snapshot(),
            choice.session_date,
            {LAYOUT_KEY: settings.note_format.value},
            time_zone=settings.zone_name(),  # the clinic's zone, for good
        )
        self._refresh_shown_client()
        self.open_note(note_id)

    def open_note(self, note_id: str, query: str = "") -> NoteWindow | None:
        """Open a note in its own window (or raise it), showing `query` if given."""
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
            window.lock_requested.connect(self.lock)
            window.destroyed.connect(lambda *_a, nid=note_id: self.note_windows.pop(nid, None))
            self.note_windows[note_id] = window
        self._fit_to_screen(window)
        window.show()
        window.raise_()
        window.activateWindow()
        if query:
            window.editor.highlight(query)
        return window

    def open_live_session(self, note_id: str) -> SessionWindow | None:
        """Run a draft dosing note live: session clock, observations, vitals and alerts."""
        notes, clients = self.session.notes, self.session.clients
        if notes is None or clients is None:
            return None
        window = self.session_windows.get(note_id)
        if window is None:
            editor = self.note_windows.pop(note_id, None)
            if editor is not None:
                editor.close()  # saves; the live session then owns the note
            note = notes.get(note_id)
            client = clients.get(note.client_id)
            course = next(c for c in client.courses if c.id == note.course_id)
            planned = note.values.get("planned_product")
            settings, warning = self.session.catalog.clinic_settings()
            if warning:
                self.statusBar().showMessage(warning, 10000)
            window = SessionWindow(
                SessionConfig(
                    notes,
                    note_id,
                    client,
                    str(planned) if planned else course.planned_product,
                    settings,
                    planned_dose=course.planned_route_detail,
                    soft_sound=settings.reminder_sound,
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
        client_id = self.workspace.page.client_id
        if client_id and self.session.is_unlocked:
            self.workspace.show_client(client_id)

    def search_notes(self) -> None:
        """Full-text search over every note; a result opens the note at the hit."""
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
        """Settings -> Templates: list templates and instruments, import a file."""
        dialog = TemplatesDialog(self.session.catalog, parent=self)
        self._run_dialog(dialog)
        dialog.deleteLater()

    def show_about(self) -> None:
        """The About box with the version."""
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Structured clinical notes for ketamine-assisted psychotherapy, kept in an "
            "encrypted vault on this computer.</p>",
        )

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
        splitter = self._settings.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.workspace.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        """Write window geometry, toolbar state and splitter sizes to QSettings."""
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/splitter", self.workspace.splitter.saveState())
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout and lock the vault before the window goes.

        While a dosing session is being monitored, quitting asks first: alerts and
        reminders would stop. (Everything entered is saved either way.)
        """
        if self._monitoring():
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
        self.lock()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        super().closeEvent(event)
