"""Lock when the system does: the screen locks or the machine goes to sleep.

Qt itself reports neither, so :class:`SystemLockWatcher` listens on D-Bus where
the desktop publishes them (Linux): the screen saver's ``ActiveChanged(true)``
(``org.freedesktop.ScreenSaver`` and GNOME's ``org.gnome.ScreenSaver``) on the
session bus, and logind's ``PrepareForSleep(true)`` and the session's ``Lock``
on the system bus. Where there is no bus (Windows, macOS, a headless test) it
listens to nothing and says so in :attr:`sources`; the idle lock still applies.
The main window starts listening with the first unlock (a locked vault has
nothing to lock), so start-up makes no D-Bus connection.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

_SCREEN_SAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
)
_LOGIN1 = "org.freedesktop.login1"


class SystemLockWatcher(QObject):
    """Emits ``lock_requested`` (with the reason) when the system locks or sleeps."""

    lock_requested = Signal(str)

    def __init__(self, parent: QObject | None = None, *, listen: bool = True) -> None:
        super().__init__(parent)
        self.sources: list[str] = []
        self.listening = False
        if listen:
            self.listen()

    def listen(self) -> None:
        """Connect to the buses and listen (the first call; later ones do nothing)."""
        if self.listening:
            return
        self.listening = True
        try:
            from PySide6.QtCore import SLOT
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # pragma: no cover - QtDBus ships with PySide6 Essentials
            # Said, not silent: a bundle built without QtDBus never locked with the screen.
            log.warning("system lock signals: QtDBus is missing; only the idle lock applies")
            return
        session = QDBusConnection.sessionBus()
        if session.isConnected():
            for service, path, interface in _SCREEN_SAVERS:
                if session.connect(  # type: ignore[call-overload]  # the stub says bytes; str runs
                    service,
                    path,
                    interface,
                    "ActiveChanged",
                    self,
                    SLOT("screen_saver(bool)"),
                ):
                    self.sources.append(service)
        system = QDBusConnection.systemBus()
        if system.isConnected():
            if system.connect(  # type: ignore[call-overload]
                _LOGIN1,
                "/org/freedesktop/login1",
                f"{_LOGIN1}.Manager",
                "PrepareForSleep",
                self,
                SLOT("prepare_for_sleep(bool)"),
            ):
                self.sources.append("logind sleep")
            if system.connect(  # type: ignore[call-overload]
                _LOGIN1,
                "/org/freedesktop/login1/session/auto",
                f"{_LOGIN1}.Session",
                "Lock",
                self,
                SLOT("session_lock()"),
            ):
                self.sources.append("logind session lock")
        log.info("system lock signals: %s", ", ".join(self.sources) or "none on this system")

    @Slot(bool)
    def screen_saver(self, active: bool) -> None:
        """The screen saver (lock screen) came on."""
        if active:
            self.lock_requested.emit("the screen locked")

    @Slot(bool)
    def prepare_for_sleep(self, going: bool) -> None:
        """The machine is about to suspend."""
        if going:
            self.lock_requested.emit("the computer is going to sleep")

    @Slot()
    def session_lock(self) -> None:
        """The login session was told to lock."""
        self.lock_requested.emit("the session locked")
