"""The lock screen: a centred card asking for the passphrase (or the recovery key).

An eye button beside the field shows or hides what was typed (hidden again
whenever the screen is reset, e.g. on locking).

Wrong secrets get a calm inline message; after three failures the Unlock
button waits a growing delay with a countdown. The delay is the vault's own
(:class:`kapnotes.store.throttle.UnlockThrottle`, kept on disk): it survives a
restart, and the command line and the store obey it too; the screen only shows it.
A damaged, empty or foreign vault is refused with a message that names the
damage and the way out; a vault that opens but is not as it was saved (saved
changes missing, the audit trail changed) can still be opened as it is, on
request ("Open it as it is"), and that choice goes into its audit trail.
A live session that was running when the app locked goes on: below the card,
its clock and the reminders due keep counting (and the soft reminder sound may
play), with nothing about its client — see :class:`RunningPanel`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes import APP_NAME
from kapnotes.store.throttle import describe_wait
from kapnotes.store.vault import (
    UnlockDelayedError,
    VaultDamagedError,
    VaultError,
    WrongSecretError,
)
from kapnotes.ui import theme
from kapnotes.ui.session import VaultSession
from kapnotes.ui.widgets import Card, RevealButton, label, set_invalid

if TYPE_CHECKING:  # a running session is handed in; its module loads with the session
    from kapnotes.session.locked import LockedStatus, RunningSession

log = logging.getLogger(__name__)

MSG_WRONG_PHRASE = "That passphrase does not open this vault. Check Caps Lock and try again."
MSG_UPGRADING = (
    "This vault was last saved by an earlier kapnotes. Its storage is being updated, "
    "once: on a vault of years this can take a minute. Nothing is lost if it is "
    "interrupted."
)
MSG_WRONG_RECOVERY = (
    "That recovery key does not open this vault. Check each group of four characters."
)


class RunningPanel(QFrame):
    """The live sessions still running while the app is locked: clock and reminders only.

    Refreshed once a second from each :class:`RunningSession` (memory only: the
    vault is closed); plays the soft sound when a reminder falls due, if the
    clinic has it on. Shows no name and no value of the client.
    """

    def __init__(self, parent: QWidget | None = None, tick_ms: int = 1000) -> None:
        super().__init__(parent)
        self.setObjectName("runningSessions")
        self.setStyleSheet(theme.render("lock", theme.palette_scheme()))
        self.setFixedWidth(440)
        self.sessions: list[RunningSession] = []
        self.sound = False
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(20, 14, 20, 14)
        self._lay.setSpacing(6)
        self.title = QLabel("")
        self.title.setObjectName("runningTitle")
        self.title.setWordWrap(True)
        self._lay.addWidget(self.title)
        self._rows: list[tuple[QLabel, QLabel]] = []
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        self._lay.addLayout(self.rows_box)
        self.footer = QLabel(
            "Unlock to return to it. Nothing about the client is shown while kapnotes is locked."
        )
        self.footer.setObjectName("runningFooter")
        self.footer.setWordWrap(True)
        self._lay.addWidget(self.footer)
        self.timer = QTimer(self)
        self.timer.setObjectName("runningTimer")
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.refresh)
        self.hide()

    def show_sessions(self, sessions: Sequence[RunningSession], *, sound: bool = False) -> None:
        """Follow these running sessions (none: hide)."""
        self.sessions = list(sessions)
        self.sound = sound
        for clock, reminders in self._rows:
            clock.deleteLater()
            reminders.deleteLater()
        self._rows = []
        for _session in self.sessions:
            clock = QLabel("")
            clock.setObjectName("runningClock")
            reminders = QLabel("")
            reminders.setObjectName("runningReminders")
            reminders.setWordWrap(True)
            self.rows_box.addWidget(clock)
            self.rows_box.addWidget(reminders)
            self._rows.append((clock, reminders))
        count = len(self.sessions)
        self.title.setText(
            "A live session is still running"
            if count == 1
            else f"{count} live sessions are still running"
        )
        self.footer.setText(
            ("Unlock to return to it." if count == 1 else "Unlock to return to them.")
            + " Nothing about the client is shown while kapnotes is locked."
        )
        self.setVisible(bool(self.sessions))
        if self.sessions:
            self.refresh()
            self.timer.start()
        else:
            self.timer.stop()

    def clear(self) -> None:
        """Forget the sessions (after unlocking, or when none was running)."""
        self.show_sessions([])

    def refresh(self) -> None:
        """Each session's clock and reminders now; the soft sound for a newly due one."""
        statuses: list[LockedStatus] = [session.status() for session in self.sessions]
        for (clock, reminders), status in zip(self._rows, statuses, strict=True):
            clock.setText(status.clock)
            lines = [*status.reminders]
            if status.open_alerts:
                plural = "s" if status.open_alerts != 1 else ""
                lines.append(f"{status.open_alerts} alert{plural} open: unlock to see")
            reminders.setText("\n".join(("⚠ " if status.overdue else "• ") + x for x in lines))
            reminders.setVisible(bool(lines))
            reminders.setProperty("overdue", status.overdue)
            reminders.style().unpolish(reminders)
            reminders.style().polish(reminders)
        if self.sound and any(status.sound for status in statuses):
            QApplication.beep()

    def texts(self) -> list[str]:
        """Every text the panel shows (for checking what a passer-by could read)."""
        shown = [self.title.text(), self.footer.text()]
        for clock, reminders in self._rows:
            shown += [clock.text(), reminders.text()]
        return shown


class LockScreen(QWidget):
    """Asks for the passphrase or recovery key and unlocks the session.

    When the vault cannot be opened at all (missing, damaged, another vault's), the
    way out is offered beside the message: restore from a backup, open another
    folder, or quit (``restore_requested``, ``folder_requested``, ``quit_requested``);
    a folder with no vault at all also offers to create one (``create_requested``).
    """

    restore_requested = Signal()
    create_requested = Signal()
    #: The vault was opened with the recovery key: a new passphrase is asked for at once.
    recovered = Signal()
    folder_requested = Signal()
    quit_requested = Signal()

    def __init__(
        self,
        session: VaultSession,
        *,
        demo_passphrase: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self._session = session
        self._recovery_mode = False

        self.card = Card(margins=32, spacing=12)
        self.card.setObjectName("card")
        self.card.setFixedWidth(440)

        self.logo = QLabel()
        self.logo.setPixmap(theme.window_icon().pixmap(64, 64))
        self.logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        title = label(APP_NAME, "title")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.prompt = label("", "muted", wrap=True)
        self.prompt.setObjectName("lockPrompt")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        self.secret_edit = QLineEdit()
        self.secret_edit.setObjectName("secretEdit")
        self.secret_edit.setMinimumHeight(36)
        self.secret_edit.returnPressed.connect(self.attempt_unlock)
        self.secret_edit.textEdited.connect(lambda _t: self._clear_message())
        self.reveal_button = RevealButton(self.secret_edit)
        self.reveal_button.setMinimumHeight(36)
        secret_row = QHBoxLayout()
        secret_row.setSpacing(6)
        secret_row.addWidget(self.secret_edit, 1)
        secret_row.addWidget(self.reveal_button)

        self.message = label("", "error", wrap=True)
        self.message.setObjectName("unlockMessage")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        # Said while an older vault's storage is updated during its first unlock (seconds
        # on a vault of years, once), so a long "Unlocking…" does not look like a hang.
        self.upgrade_note = label(MSG_UPGRADING, "muted", wrap=True)
        self.upgrade_note.setObjectName("upgradeNote")
        self.upgrade_note.hide()
        session.upgrading.connect(self._upgrading)

        self.open_anyway_button = QPushButton("Open it as it is")
        self.open_anyway_button.setObjectName("openAnywayButton")
        self.open_anyway_button.setToolTip(
            "Open the vault although it is not as it was saved; what was found is written "
            "to its audit trail"
        )
        self.open_anyway_button.clicked.connect(lambda: self.attempt_unlock(as_it_is=True))
        self.open_anyway_button.hide()

        self.fault_row = QWidget()
        self.fault_row.setObjectName("faultActions")
        fault_layout = QGridLayout(self.fault_row)
        fault_layout.setContentsMargins(0, 0, 0, 0)
        self.create_button = QPushButton("Create a new vault here…")
        self.create_button.setObjectName("faultCreate")
        self.create_button.clicked.connect(self.create_requested)
        self.create_button.hide()
        self.restore_button = QPushButton("Restore from a backup…")
        self.restore_button.setObjectName("faultRestore")
        self.restore_button.clicked.connect(self.restore_requested)
        self.folder_button = QPushButton("Open another folder…")
        self.folder_button.setObjectName("faultOtherFolder")
        self.folder_button.clicked.connect(self.folder_requested)
        self.quit_button = QPushButton("Quit")
        self.quit_button.setObjectName("faultQuit")
        self.quit_button.clicked.connect(self.quit_requested)
        fault_layout.addWidget(self.create_button, 0, 0, 1, 2)
        fault_layout.addWidget(self.restore_button, 1, 0, 1, 2)
        fault_layout.addWidget(self.folder_button, 2, 0)
        fault_layout.addWidget(self.quit_button, 2, 1)
        self.fault_row.hide()

        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setObjectName("unlockButton")
        self.unlock_button.setProperty("role", "primary")
        self.unlock_button.setMinimumHeight(36)
        self.unlock_button.clicked.connect(self.attempt_unlock)

        self.mode_link = QPushButton()
        self.mode_link.setObjectName("recoveryToggle")
        self.mode_link.setProperty("role", "link")
        self.mode_link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.mode_link.setFlat(True)
        self.mode_link.clicked.connect(lambda: self.set_recovery_mode(not self._recovery_mode))
        link_row = QHBoxLayout()
        link_row.addStretch(1)
        link_row.addWidget(self.mode_link)
        link_row.addStretch(1)

        self.demo_hint = label("", "demo-hint", wrap=True)
        self.demo_hint.setObjectName("demoHint")
        self.demo_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if demo_passphrase:
            self.demo_hint.setText(
                f"Demo vault of fictional clients. Passphrase: {demo_passphrase}"
            )
        self.demo_hint.setVisible(bool(demo_passphrase))

        folder = label(f"Vault folder: {_short(session.vault.data_dir)}", "hint", wrap=True)
        folder.setObjectName("vaultFolder")
        self.folder_label = folder
        folder.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        body = self.card.body
        body.addWidget(self.logo)
        body.addWidget(title)
        body.addWidget(self.prompt)
        body.addSpacing(8)
        body.addLayout(secret_row)
        body.addWidget(self.message)
        body.addWidget(self.upgrade_note)
        body.addWidget(self.open_anyway_button)
        body.addWidget(self.fault_row)
        body.addWidget(self.unlock_button)
        body.addLayout(link_row)
        body.addWidget(self.demo_hint)
        body.addSpacing(4)
        body.addWidget(folder)

        self.running = RunningPanel()

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addSpacing(12)
        running_row = QHBoxLayout()
        running_row.addStretch(1)
        running_row.addWidget(self.running)
        running_row.addStretch(1)
        outer.addLayout(running_row)
        outer.addStretch(2)

        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)

        self.set_recovery_mode(False)

    # -- modes -------------------------------------------------------------------------

    @property
    def recovery_mode(self) -> bool:
        """Whether the field takes the recovery key instead of the passphrase."""
        return self._recovery_mode

    def set_recovery_mode(self, on: bool) -> None:
        """Switch the field between passphrase and recovery key."""
        self._recovery_mode = on
        self.secret_edit.clear()
        self._clear_message()
        if on:
            from PySide6.QtGui import QFontDatabase  # (made when first asked for)

            self.prompt.setText("Enter the recovery key you wrote down when the vault was created.")
            self.reveal_button.set_what("recovery key", shown=True)  # long: shown while typed
            self.secret_edit.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
            self.secret_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            self.mode_link.setText("Use passphrase instead")
        else:
            self.prompt.setText("Enter your passphrase to open the vault.")
            self.reveal_button.set_what("passphrase", shown=False)
            self.secret_edit.setPlaceholderText("Passphrase")
            self.secret_edit.setFont(self.font())
            self.mode_link.setText("Use recovery key instead")
        self.secret_edit.setFocus()

    def reset(self) -> None:
        """Back to an empty passphrase field (called each time the vault locks).

        A vault whose database file is gone is said at once, before any passphrase is
        typed, with the ways out (restore from a backup, another folder, quit).
        """
        self.set_recovery_mode(False)
        self.fault_row.hide()
        self._clear_message()
        vault = self._session.vault
        self.folder_label.setText(f"Vault folder: {_short(vault.data_dir)}")
        empty = not vault.exists() and not vault.db_path.exists()
        self.create_button.setVisible(empty)
        # Nothing to unlock in a folder with no vault: no passphrase field, only the ways on.
        self.secret_edit.setEnabled(not empty)
        for widget in (self.secret_edit, self.reveal_button, self.unlock_button, self.mode_link):
            widget.setVisible(not empty)
        if empty:
            self.prompt.setText(
                "There is no vault in this folder yet. Create a new one here, restore one "
                "from a backup, or open another folder."
            )
            self.fault_row.show()
        elif vault.exists() and not vault.db_path.exists():
            self._show_message(
                f"This vault's database ({vault.db_path.name}) is missing from "
                f"{_short(vault.data_dir)}: the key file is there, the notes are not. "
                "Restore it from a backup, or open another vault folder.",
                field_wrong=False,
            )
            self.fault_row.show()
        self._tick()

    def focus_field(self) -> None:
        """Put the cursor in the secret field."""
        self.secret_edit.setFocus()

    # -- unlocking -----------------------------------------------------------------------

    def remaining(self) -> float:
        """Seconds before the vault takes another try (its delay after wrong ones)."""
        return self._session.vault.unlock_delay()

    def attempt_unlock(self, *, as_it_is: bool = False) -> None:
        """Try the typed secret; on failure show a calm message and the vault's delay.

        ``as_it_is``: open a vault that is not as it was saved, after the message
        said what was found (the button appears only then).
        """
        if self.remaining() > 0 or not self.unlock_button.isEnabled():
            return
        secret = self.secret_edit.text()
        if not secret.strip():
            self._show_message(
                "Enter the recovery key." if self._recovery_mode else "Enter your passphrase."
            )
            return
        self.open_anyway_button.hide()
        self.unlock_button.setEnabled(False)
        self.unlock_button.setText("Unlocking…")
        self.unlock_button.repaint()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if self._recovery_mode:
                self._session.unlock_with_recovery(secret, as_it_is=as_it_is)
            else:
                self._session.unlock(secret, as_it_is=as_it_is)
        except WrongSecretError:
            log.info(
                "unlock refused: wrong %s", "recovery key" if self._recovery_mode else "secret"
            )
            self._failed(MSG_WRONG_RECOVERY if self._recovery_mode else MSG_WRONG_PHRASE)
        except UnlockDelayedError as exc:
            self._show_message(str(exc), field_wrong=False)
            self._countdown.start()
            self._tick()
        except VaultDamagedError as exc:
            # Not a wrong passphrase: the vault itself is damaged (or not as it was saved).
            log.warning("unlock refused: the vault is damaged (%d findings)", len(exc.problems))
            self._show_message(str(exc), field_wrong=False)
            self.open_anyway_button.setVisible(exc.openable)
            self.fault_row.show()
            self._restore_button()
        except VaultError as exc:
            # Not a wrong passphrase (e.g. the vault is open in another window): say so,
            # without marking the passphrase wrong or counting towards the delay.
            log.warning("unlock failed: %s", type(exc).__name__)
            self._show_message(str(exc), field_wrong=False)
            self.fault_row.setVisible(not self._session.vault.exists())  # no vault here
            self._restore_button()
        else:
            recovered = self._recovery_mode
            self.secret_edit.clear()
            self._clear_message()
            self._restore_button()
            if recovered:
                self.recovered.emit()
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _failed(self, message: str) -> None:
        wait = self.remaining()
        self.secret_edit.selectAll()
        self._show_message(message)
        if wait > 0:
            self._countdown.start()
            self._tick()
        else:
            self._restore_button()
        self.secret_edit.setFocus()

    def _tick(self) -> None:
        remaining = self.remaining()
        if remaining > 0:
            self.unlock_button.setEnabled(False)
            self.unlock_button.setText(f"Try again in {describe_wait(remaining)}")
            if not self._countdown.isActive():
                self._countdown.start()
        else:
            self._countdown.stop()
            self._restore_button()

    def _upgrading(self) -> None:
        """Say that the storage is being updated, drawn now (the unlock holds the thread)."""
        self.unlock_button.setText("Updating this vault…")
        self.upgrade_note.show()
        layout = self.card.layout()
        if layout is not None:
            layout.activate()
        self.repaint()

    def _restore_button(self) -> None:
        self.upgrade_note.hide()
        self.unlock_button.setText("Unlock")
        self.unlock_button.setEnabled(self.secret_edit.isEnabled())  # not with no vault here

    def _show_message(self, text: str, *, field_wrong: bool = True) -> None:
        self.message.setText(text)
        self.message.show()
        set_invalid(self.secret_edit, field_wrong)

    def _clear_message(self) -> None:
        self.message.clear()
        self.message.hide()
        self.open_anyway_button.hide()
        self.fault_row.hide()
        set_invalid(self.secret_edit, False)


def _short(path: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(path.resolve().relative_to(home))
    except ValueError:
        return str(path)
