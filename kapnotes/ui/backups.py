"""File → Back up… and Restore…, Settings → Backups…, the automatic backups and the reminder.

:class:`BackupActions` belongs to the main window. It holds the actions, runs the
automatic backup on a timer and when the window closes (through
:class:`kapnotes.session.backups.Backups`, which verifies every copy), and keeps
a reminder in the status bar when the last good backup is older than the clinic's
setting. Restore checks the chosen file with the passphrase of one of its
clinicians, shows what it holds, asks before replacing this vault (kept as a
safety copy), locks, restores, and leaves the lock screen for the restored vault.

The questions it asks (file names, a passphrase, a confirmation) go through
:class:`Prompts`, which tests replace.

A backup is written and checked on a thread of its own (:class:`BackgroundBackup`:
the copy and its check open connections of their own), so the window stays usable
while a big vault is copied; its audit event is written back on the window's thread
once it is done. The backup on quit waits for its end, as does quitting while one runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.ui.session import VaultSession
from kapnotes.ui.widgets import ErrorLabel, label

if TYPE_CHECKING:  # the store (SQLAlchemy) and pydantic load with the first use, not at start-up
    from PySide6.QtWidgets import QSpinBox

    from kapnotes.domain.backups import BackupSettings
    from kapnotes.session import backups as service

log = logging.getLogger(__name__)

#: How often the schedule is looked at while the vault is open.
CHECK_EVERY_MS = 10 * 60 * 1000
BACKUP_SUFFIX = ".kapbackup"
RESTORE_TRIES = 5  # wrong passphrases for a backup before Restore stops asking
FILTER = f"kapnotes backups (*{BACKUP_SUFFIX});;All files (*)"


class BackgroundBackup(QObject):
    """One backup written and checked on a worker thread; ``on_done`` gets the
    BackupResult (or the BackupError) on the window's thread, once."""

    _done = Signal()

    def __init__(
        self,
        job: service.BackupJob,
        on_done: Callable[[service.BackupResult | service.BackupError], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.job = job
        self.outcome: service.BackupResult | service.BackupError | None = None
        self._on_done = on_done
        self._handled = False
        self._done.connect(self.finish)
        self._thread = threading.Thread(target=self._run, name="kapnotes-backup", daemon=True)

    def start(self) -> None:
        """Start writing."""
        self._thread.start()

    def _run(self) -> None:
        from kapnotes.session import backups as service

        try:
            self.outcome = service.run_backup_job(self.job)
        except service.BackupError as exc:
            self.outcome = exc
        except Exception as exc:  # any failure is said to the user, never lost on a thread
            log.exception("backup failed")
            self.outcome = service.BackupError(f"{self.job.out}: the backup failed ({exc})")
        self._done.emit()  # queued to the window's thread

    @property
    def running(self) -> bool:
        """Whether it is still writing or checking."""
        return self._thread.is_alive()

    def wait(self) -> None:
        """Block until it ends, then hand over its outcome (quitting waits for it)."""
        self._thread.join()
        self.finish()

    def finish(self) -> None:
        """Hand the outcome to ``on_done`` (once)."""
        if self._handled or self.outcome is None:
            return
        self._handled = True
        self._on_done(self.outcome)


class Prompts:
    """The questions a backup or restore asks, as the system's dialogs.

    Each dialog's Qt class is loaded when it is first asked for: PySide6 makes a
    class's type and enums on first use, and the lock screen asks nothing.
    """

    def save_path(self, parent: QWidget, suggested: Path) -> Path | None:
        """Where to write a backup."""
        from PySide6.QtWidgets import QFileDialog

        # No "replace?" question: a backup never replaces a file (it would be refused).
        name, _ = QFileDialog.getSaveFileName(
            parent,
            "Back up the vault",
            str(suggested),
            FILTER,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        return Path(name) if name else None

    def open_path(self, parent: QWidget, start: Path) -> Path | None:
        """Which backup to restore."""
        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getOpenFileName(parent, "Restore a backup", str(start), FILTER)
        return Path(name) if name else None

    def folder(
        self, parent: QWidget, start: Path, title: str = "Automatic backup folder"
    ) -> Path | None:
        """A folder (the automatic backup folder, or another vault's)."""
        from PySide6.QtWidgets import QFileDialog

        name = QFileDialog.getExistingDirectory(parent, title, str(start))
        return Path(name) if name else None

    def passphrase(self, parent: QWidget, text: str) -> str | None:
        """A passphrase of one of the backup's clinicians ("" for OK on an empty field,
        None for Cancel)."""
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getText(
            parent, "Passphrase for the backup", text, QLineEdit.EchoMode.Password
        )
        return value if ok else None  # "" for OK on an empty field: asked again

    def confirm(self, parent: QWidget, title: str, text: str, action: str) -> bool:
        """Ask before doing something that cannot be undone from here."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
        box.setObjectName("restoreConfirm")
        box.setTextFormat(Qt.TextFormat.RichText)
        go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def tell(self, parent: QWidget, title: str, text: str, *, problem: bool = False) -> None:
        """Say how it went."""
        from PySide6.QtWidgets import QMessageBox

        icon = QMessageBox.Icon.Warning if problem else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("backupMessage")
        box.exec()


def summary_html(summary: service.Inspected) -> str:
    """What a backup holds, for the confirmation."""
    import html

    s = summary.summary
    people = "".join(
        f"<li>{html.escape(c.name)}{', ' + html.escape(c.credential) if c.credential else ''}"
        f" ({html.escape(c.role)})</li>"
        for c in s.clinicians
    )
    last = f"{s.last_change:%Y-%m-%d %H:%M} UTC" if s.last_change else "never"
    return (
        f"<p><b>{html.escape(summary.path.name)}</b>, backed up "
        f"{s.created_at:%Y-%m-%d %H:%M} UTC, checked: sound.</p>"
        f"<p>Clients: {s.clients} &nbsp; Notes: {s.notes} ({s.signed_notes} signed)"
        f"<br>Last change: {last}</p><p>Clinicians:</p><ul>{people}</ul>"
    )


def summary_text(summary: service.Inspected) -> str:
    """What a backup held, in a line: ``"3 clients, 12 notes (9 signed), 2 clinicians,
    backed up 2026-11-29 10:00 UTC"``."""
    s = summary.summary
    people = len(s.clinicians)
    return (
        f"{s.clients} client{'s' if s.clients != 1 else ''}, {s.notes} note"
        f"{'s' if s.notes != 1 else ''} ({s.signed_notes} signed), {people} clinician"
        f"{'s' if people != 1 else ''}, backed up {s.created_at:%Y-%m-%d %H:%M} UTC"
    )


class BackupSettingsDialog(QDialog):
    """Settings → Backups…: the automatic folder, how many to keep, schedule, reminder."""

    def __init__(
        self,
        current: BackupSettings,
        save: Callable[[BackupSettings], None],
        prompts: Prompts,
        parent: QWidget | None = None,
        *,
        vault_folder: Path | None = None,
        editable: bool = True,
    ) -> None:
        from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QFormLayout

        super().__init__(parent)
        self.setObjectName("backupSettingsDialog")
        self._vault_folder = vault_folder
        self.setWindowTitle("Backups")
        self.setMinimumWidth(560)
        self._save = save
        self._prompts = prompts
        intro = label(
            "Automatic backups go to a folder you choose: a USB drive or the clinic's file "
            "share, not this computer's own disk. Each is an encrypted copy that any of the "
            "vault's clinicians opens with their own passphrase.",
            wrap=True,
        )
        self.folder_edit = QLineEdit(current.folder or "")
        self.folder_edit.setObjectName("backupFolder")
        self.folder_edit.setPlaceholderText("No automatic backups")
        choose = QPushButton("Choose…")
        choose.setObjectName("chooseBackupFolder")
        choose.clicked.connect(self._choose)
        clear = QPushButton("None")
        clear.setToolTip("No automatic backups")
        clear.clicked.connect(self.folder_edit.clear)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        folder_row.addWidget(clear)
        self.folder_error = ErrorLabel()
        self.keep_spin = self._spin("keepBackups", 1, 100, current.keep, " copies")
        self.every_spin = self._spin("backupEveryHours", 0, 168, current.every_hours, " hours")
        self.every_spin.setSpecialValueText("only on quit")
        self.on_quit_check = QCheckBox("Also when kapnotes quits")
        self.on_quit_check.setObjectName("backupOnQuit")
        self.on_quit_check.setChecked(current.on_quit)
        self.remind_spin = self._spin("remindAfterDays", 1, 90, current.remind_after_days, " days")
        form = QFormLayout()
        form.addRow("Automatic backup folder", folder_row)
        form.addRow("", self.folder_error)
        form.addRow("Keep the newest", self.keep_spin)
        form.addRow("Back up every", self.every_spin)
        form.addRow("", self.on_quit_check)
        form.addRow("Remind me after", self.remind_spin)
        self.error = ErrorLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.clicked.connect(self._defaults)
        layout = QVBoxLayout(self)
        if not editable:
            note = label(
                "Only an administrator can change where and how often backups are written: "
                "you can read the settings here.",
                "warning",
                wrap=True,
            )
            note.setObjectName("backupSettingsReadOnly")
            layout.addWidget(note)
            shown: tuple[QWidget, ...] = (
                self.folder_edit,
                choose,
                clear,
                defaults,
                self.keep_spin,
                self.every_spin,
                self.remind_spin,
                self.on_quit_check,
            )
            for widget in shown:
                widget.setEnabled(False)
            buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _spin(self, name: str, low: int, high: int, value: int, suffix: str) -> QSpinBox:
        from PySide6.QtWidgets import QSpinBox

        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setMinimumWidth(150)
        return spin

    def _defaults(self) -> None:
        from kapnotes.domain.backups import BackupSettings

        self._show(BackupSettings())

    def _show(self, settings: BackupSettings) -> None:
        self.folder_edit.setText(settings.folder or "")
        self.keep_spin.setValue(settings.keep)
        self.every_spin.setValue(settings.every_hours)
        self.on_quit_check.setChecked(settings.on_quit)
        self.remind_spin.setValue(settings.remind_after_days)

    def _choose(self) -> None:
        start = Path(self.folder_edit.text().strip() or Path.home())
        chosen = self._prompts.folder(self, start)
        if chosen is not None:
            self.folder_edit.setText(str(chosen))

    def settings(self) -> BackupSettings:
        """What the form says (ValidationError when a value is out of bounds)."""
        from kapnotes.domain.backups import BackupSettings

        folder = self.folder_edit.text().strip()
        return BackupSettings(
            folder=folder or None,
            keep=self.keep_spin.value(),
            every_hours=self.every_spin.value(),
            on_quit=self.on_quit_check.isChecked(),
            remind_after_days=self.remind_spin.value(),
        )

    def _grow(self) -> None:
        """Make room for a message just shown (the rows above it keep their height)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def accept(self) -> None:
        """Check and save; the reason is shown next to the folder when it is not usable."""
        from pydantic import ValidationError

        self.folder_error.show_message("")
        self.error.show_message("")
        from kapnotes.session.backups import automatic_folder_problem

        folder = self.folder_edit.text().strip()
        problem = folder and automatic_folder_problem(folder, self._vault_folder)
        if problem:
            self.folder_error.show_message(problem)
            self._grow()
            return
        if folder and self.every_spin.value() == 0 and not self.on_quit_check.isChecked():
            self.error.show_message(
                "As set, no backup would ever be written to that folder: back up every so "
                "many hours, or when kapnotes quits (or choose no folder)."
            )
            self._grow()
            return
        try:
            chosen = self.settings()
        except ValidationError as exc:
            self.error.show_message(str(exc.errors()[0]["msg"]))
            self._grow()
            return
        try:
            self._save(chosen)
        except ValueError as exc:  # NotAllowedError: not an administrator
            self.error.show_message(str(exc))
            self._grow()
            return
        super().accept()


class BackupActions(QObject):
    """Backups for one main window (see the module docstring).

    ``lock`` locks the window (closing note and session windows) before a restore;
    ``restored`` is emitted once a backup is in place (the lock screen shows it);
    ``finished`` once a backup (by hand or automatic) has ended, with its outcome.
    """

    restored = Signal()
    finished = Signal(object)

    def __init__(
        self,
        window: QMainWindow,
        session: VaultSession,
        lock: Callable[[], None],
        run_dialog: Callable[[QDialog], int],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._lock = lock
        self._run_dialog = run_dialog
        self.prompts = Prompts()
        #: The backup being written in the background, if any.
        self.background: BackgroundBackup | None = None
        #: Whether a dosing session is being monitored: the scheduled backup waits for the
        #: next check rather than hold the screen of a running session (the main window sets it).
        self.busy: Callable[[], bool] = lambda: False
        self.back_up_action = QAction("&Back up…", window)
        self.back_up_action.setObjectName("actionBackUp")
        self.back_up_action.setToolTip("Write an encrypted, checked copy of the vault")
        self.back_up_action.triggered.connect(self.back_up)
        self.restore_action = QAction("&Restore from a backup…", window)
        self.restore_action.setObjectName("actionRestore")
        self.restore_action.triggered.connect(self.restore)
        self.settings_action = QAction("&Backups…", window)
        self.settings_action.setObjectName("actionBackupSettings")
        self.settings_action.triggered.connect(self.edit_settings)
        self.reminder_label = QLabel()
        self.reminder_label.setObjectName("backupReminder")
        self.reminder_label.setProperty("role", "warning")
        self.reminder_label.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.run_schedule)
        session.unlocked.connect(self._on_unlocked)
        session.locked.connect(self._on_locked)

    # -- state -------------------------------------------------------------------------

    def _backups(self) -> service.Backups | None:
        opened = self._session.open_vault
        if opened is None:
            return None
        from kapnotes.session import backups as service

        catalog = self._session.catalog
        return service.Backups(opened, lambda: catalog.clinic_settings()[0].backup)

    def _status(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 10000)

    def _on_unlocked(self) -> None:
        for action in (self.back_up_action, self.settings_action):
            action.setEnabled(True)
        self.back_up_action.setEnabled(not self.is_running())
        self.refresh_reminder()
        self.timer.start()
        QTimer.singleShot(0, self.run_schedule)

    def _on_locked(self) -> None:
        for action in (self.back_up_action, self.settings_action):
            action.setEnabled(False)
        self.timer.stop()
        self.reminder_label.hide()

    def refresh_reminder(self) -> None:
        """Show (or hide) the reminder that the last good backup is too old."""
        backups = self._backups()
        text = backups.reminder() if backups is not None else None
        self.reminder_label.setText(text or "")
        self.reminder_label.setVisible(bool(text))

    # -- automatic ---------------------------------------------------------------------

    def is_running(self) -> bool:
        """Whether a backup is being written in the background."""
        return self.background is not None and self.background.running

    def wait(self) -> None:
        """Let a backup being written end (and be recorded) before going on."""
        if self.background is not None:
            self.background.wait()

    def _start(
        self,
        job: service.BackupJob,
        on_done: Callable[[service.BackupResult | service.BackupError], None],
    ) -> None:
        opened = self._session.open_vault
        backups = self._backups()

        def done(outcome: service.BackupResult | service.BackupError) -> None:
            self.background = None
            self.back_up_action.setEnabled(self._session.is_unlocked)
            if not isinstance(outcome, Exception) and backups is not None:
                if self._session.open_vault is opened:
                    backups.record(outcome)
                else:
                    log.warning("a backup ended after the vault locked: not in its audit trail")
            on_done(outcome)
            self.refresh_reminder()
            self.finished.emit(outcome)

        self.back_up_action.setEnabled(False)
        self.background = BackgroundBackup(job, done, self)
        self.background.start()

    # -- automatic ---------------------------------------------------------------------

    def run_schedule(self, *, quitting: bool = False) -> service.AutomaticOutcome | None:
        """The automatic backup when due (on the timer, at unlock, and when quitting).

        On the timer it is written in the background (None is returned; the status bar
        says how it went); quitting waits for it and returns the outcome.
        """
        if quitting and self.is_running():
            self._busy_quitting("Finishing a backup before kapnotes quits…")
            try:
                self.wait()
            finally:
                QGuiApplication.restoreOverrideCursor()
        backups = self._backups()
        if backups is None or (not quitting and (self.busy() or self.is_running())):
            return None
        from kapnotes.session import backups as service

        job = backups.automatic_job(quitting=quitting)
        if not isinstance(job, service.BackupJob):
            self._said(job)
            return job
        if not quitting:
            self._status(f"Automatic backup being written to {job.out.parent}…")
            self._start(job, lambda outcome: self._said(self._automatic(backups, outcome)))
            return None
        self._busy_quitting(
            f"Writing the automatic backup to {job.out.parent} before kapnotes quits…"
        )
        try:
            try:
                result = service.run_backup_job(job)
            except service.BackupError as exc:
                outcome = backups.automatic_failed(exc)
            else:
                outcome = backups.automatic_done(result)
        finally:
            QGuiApplication.restoreOverrideCursor()
        self._said(outcome)
        return outcome

    def _busy_quitting(self, text: str) -> None:
        """Say why quitting takes a moment (drawn now: the wait blocks the window)."""
        self._status(text)
        self._window.repaint()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    @staticmethod
    def _automatic(
        backups: service.Backups, outcome: service.BackupResult | service.BackupError
    ) -> service.AutomaticOutcome:
        if isinstance(outcome, Exception):
            return backups.automatic_failed(outcome)
        return backups.automatic_prune(outcome)

    def _said(self, outcome: service.AutomaticOutcome) -> None:
        if outcome.error:
            self._status(f"Automatic backup not made: {outcome.error}")
        elif outcome.result is not None:
            self._status(f"Automatic backup written and checked: {outcome.result.path.name}")
        self.refresh_reminder()

    # -- by hand -----------------------------------------------------------------------

    def back_up(self) -> None:
        """File → Back up…: ask where, then write and check it in the background (the
        window stays usable); the status bar says when it is done, a dialog if it failed."""
        from kapnotes.session import backups as service

        backups = self._backups()
        if backups is None:
            self._status("Unlock the vault to back it up.")
            return
        if self.is_running():
            self._status("A backup is being written; wait for it to finish.")
            return
        folder = self._session.catalog.clinic_settings()[0].backup.folder
        start = Path(folder).expanduser() if folder else Path.home()
        out = self.prompts.save_path(self._window, start / backups.file_name())
        if out is None:
            return
        if out.suffix != BACKUP_SUFFIX:
            out = out.with_name(out.name + BACKUP_SUFFIX)
        try:
            job = backups.job(out)
        except service.BackupError as exc:
            self.prompts.tell(self._window, "Backup not made", str(exc), problem=True)
            return
        self._status(f"Backing up to {job.out}… (you can keep working)")
        self._start(job, self._backed_up)

    def _backed_up(self, outcome: service.BackupResult | service.BackupError) -> None:
        if isinstance(outcome, Exception):
            self.prompts.tell(self._window, "Backup not made", str(outcome), problem=True)
            return
        self._status(f"Backed up and checked: {outcome.path} ({outcome.size // 1024} KiB)")

    def restore(self) -> bool:
        """File → Restore…: choose, check with a passphrase, show, confirm, restore."""
        from kapnotes.session import backups as service
        from kapnotes.store.keys import WrongSecretError
        from kapnotes.store.vault import VaultError

        vault = self._session.vault
        opened = self._session.open_vault
        if opened is not None:
            from kapnotes.session.clinic_settings import may_change

            if not may_change(opened):
                self.prompts.tell(
                    self._window,
                    "Not restored",
                    "Only an administrator can replace this vault with a backup. "
                    "Nothing was changed.",
                    problem=True,
                )
                return False
        source = self.prompts.open_path(self._window, Path.home())
        if source is None:
            return False
        ask = (
            f"To open {source.name}: the passphrase of one of its clinicians\n"
            "(as it was when the backup was made), or the vault's recovery key."
        )
        wrong = "That passphrase does not open this backup, and it is not its recovery key."
        # A wrong (or empty) secret asks again, saying why, rather than sending you back
        # to the file picker; after RESTORE_TRIES it stops and says so.
        passphrase: str | None = None
        for attempt in range(RESTORE_TRIES):
            left = RESTORE_TRIES - attempt
            again = "Nothing was typed." if passphrase == "" else wrong
            passphrase = self.prompts.passphrase(
                self._window,
                ask
                if attempt == 0
                else f"{again} Try again ({left} {'try' if left == 1 else 'tries'} left).\n\n{ask}",
            )
            if passphrase is None:
                return False
            if not passphrase:
                continue
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                inspected = service.inspect(source, passphrase, staging_near=vault.data_dir.parent)
            except WrongSecretError:
                continue
            except service.BackupError as exc:
                said = str(exc)
                if "nothing was changed" not in said.lower():
                    said += "\n\nNothing was changed."
                self.prompts.tell(self._window, "Not restored", said, problem=True)
                return False
            finally:
                QGuiApplication.restoreOverrideCursor()
            break
        else:
            self.prompts.tell(
                self._window,
                "Not restored",
                f"{wrong} Nothing was changed.",
                problem=True,
            )
            return False
        inspected.cleanup()
        replacing = vault.exists() or vault.db_path.exists()
        # Only replacing a vault asks first; into an empty folder the restore just runs
        # and what the backup held is said with the result.
        if replacing and not self.prompts.confirm(
            self._window,
            "Replace this vault with the backup?",
            summary_html(inspected)
            + (
                "<p><b>Restoring replaces the vault in this folder.</b> Open windows close "
                "and the vault locks; the current vault is kept, whole, in a "
                "<i>replaced-…</i> folder inside the vault folder.</p>"
            ),
            "Replace and restore",
        ):
            return False
        store = self._session.clients
        asked_by = store.clinician_name() if store is not None else None
        self._lock()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = service.restore(
                source,
                vault.data_dir,
                passphrase,
                replace=replacing,
                kdf=vault.kdf,
                by_recovery_key=inspected.by_recovery_key,
                requested_by=asked_by,
            )
        except (service.BackupError, WrongSecretError, VaultError) as exc:
            QGuiApplication.restoreOverrideCursor()
            self.prompts.tell(self._window, "Not restored", str(exc), problem=True)
            return False
        QGuiApplication.restoreOverrideCursor()
        kept = (
            f"\n\nThe vault that was here is kept in {result.safety_copy}."
            if result.safety_copy is not None
            else ""
        )
        if result.automatic_folder_off is not None:
            kept += "\n\n" + service.OFF_IN_COPY.format(folder=result.automatic_folder_off)
        held = summary_text(inspected)
        self.restored.emit()
        self.prompts.tell(
            self._window,
            "Restored",
            f"The backup was restored: {held}. Unlock it with your passphrase as it was "
            f"when the backup was made (or with the recovery key).{kept}",
        )
        return True

    def edit_settings(self) -> None:
        """Settings → Backups…."""
        from kapnotes.session import clinic_settings

        opened = self._session.open_vault
        if opened is None:
            return
        catalog = self._session.catalog
        current = catalog.clinic_settings()[0]

        def save(chosen: BackupSettings) -> None:
            clinic_settings.save(opened, catalog, current.model_copy(update={"backup": chosen}))

        dialog = BackupSettingsDialog(
            current.backup,
            save,
            self.prompts,
            self._window,
            vault_folder=self._session.vault.data_dir,
            editable=clinic_settings.may_change(opened),
        )
        if self._run_dialog(dialog) == QDialog.DialogCode.Accepted:
            self.refresh_reminder()
        dialog.deleteLater()
