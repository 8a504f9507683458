"""A process that starts, shows its first window, prints its resident memory and quits.

``python -m tests.benchmarks.startup_probe bare``: QApplication + QMainWindow, the floor.
``python -m tests.benchmarks.startup_probe lock DATA_DIR``: kapnotes' own start-up
(``kapnotes --data-dir DATA_DIR``) up to the lock screen drawn.
``python -m tests.benchmarks.startup_probe open DATA_DIR PASSPHRASE``: the same, then
unlocks the vault and waits for the client list (memory with a big vault open).

It prints ``RSS_KB <kilobytes>`` once the window has been painted, then exits; the
caller times the whole process.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _quit_when_drawn(ready: object = None) -> None:
    """Make the next QApplication.exec() quit once a window is shown and painted."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    original = QApplication.exec

    def exec_then_quit(*args: object) -> int:
        app = QApplication.instance()
        assert app is not None

        def check() -> None:
            shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
            handle = shown[0].windowHandle() if shown else None
            if handle is not None and handle.isExposed() and (ready is None or ready()):  # type: ignore[operator]
                shown[0].repaint()
                print(f"RSS_KB {_rss_kb()}", flush=True)
                QTimer.singleShot(0, app.quit)
                return
            QTimer.singleShot(5, check)

        QTimer.singleShot(0, check)
        return original()

    QApplication.exec = exec_then_quit  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "bare":
        from PySide6.QtWidgets import QApplication, QMainWindow

        _quit_when_drawn()
        app = QApplication([])
        window = QMainWindow()
        window.resize(1000, 700)
        window.show()
        return app.exec()
    data_dir = argv[1]
    if mode == "lock":
        _quit_when_drawn()
        from kapnotes.launch import main as kapnotes_main

        return kapnotes_main(["--data-dir", data_dir])
    passphrase = argv[2]
    state = {"typed": False}

    def unlocked() -> bool:
        from PySide6.QtWidgets import QApplication

        from kapnotes.ui.main_window import MainWindow

        window = next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None
        )
        if window is None:
            return False
        if not state["typed"]:
            state["typed"] = True
            window.lock_screen.secret_edit.setText(passphrase)
            window.lock_screen.attempt_unlock()
            return False
        return window.session.is_unlocked and window.workspace.isVisible()

    _quit_when_drawn(unlocked)
    from kapnotes.launch import main as kapnotes_main

    return kapnotes_main(["--data-dir", data_dir])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
