"""Run under ``dbus-run-session``: a real screen-saver signal on a private session bus.

Prints the watcher's sources and the reasons it was told to lock.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtDBus import QDBusConnection, QDBusMessage
from PySide6.QtWidgets import QApplication

from kapnotes.ui.system_lock import SystemLockWatcher


def main() -> None:
    """Connect, send ``ActiveChanged(true)`` as the screen saver, report."""
    app = QApplication(sys.argv)
    watcher = SystemLockWatcher()
    got: list[str] = []
    watcher.lock_requested.connect(got.append)
    bus = QDBusConnection.sessionBus()
    bus.registerService("org.freedesktop.ScreenSaver")
    signal = QDBusMessage.createSignal(
        "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged"
    )
    signal.setArguments([True])
    bus.send(signal)
    deadline = time.monotonic() + 3
    while not got and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print("sources:", ",".join(watcher.sources))
    print("locked:", ",".join(got))


if __name__ == "__main__":
    main()
