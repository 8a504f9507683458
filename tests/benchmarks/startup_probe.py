"""A process that starts, shows its first window, prints its resident memory and quits.

``python -m tests.benchmarks.startup_probe bare``: QApplication + QMainWindow, the floor.
``python -m tests.benchmarks.startup_probe lock DATA_DIR``: kapnotes' own start-up
(``kapnotes --data-dir DATA_DIR``) up to the lock screen drawn.
``python -m tests.benchmarks.startup_probe open DATA_DIR PASSPHRASE``: the same, then
unlocks the vault and waits for the client list (memory with a big vault open).
``python -m tests.benchmarks.startup_probe stack DATA_DIR``: the bare stack kapnotes stands
on doing the same as ``open``, without kapnotes: the libraries an unlock needs (SQLAlchemy's
ORM, pydantic with one model, cryptography's AES-GCM, argon2, sqlcipher3), the vault's database
opened with its data key (hex, in the environment variable ``KAPNOTES_BENCH_KEY``), the
first 500 client names listed in a window of the same size.

``python -m tests.benchmarks.startup_probe libs N``: the bare window after the first N
of :data:`STACK_STEPS` are imported (0 is the bare window), to see what each library of
the stack adds to it.

It prints ``RSS_KB <kilobytes>`` once the window has been painted, then exits; the
caller times the whole process.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
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


def _pydantic_model() -> None:
    from pydantic import BaseModel, Field

    class Settings(BaseModel):  # pydantic builds its validators with the first model
        minutes: int = Field(default=15, ge=0, le=240)

    Settings.model_validate({"minutes": 5})


def _import(*names: str) -> Callable[[], None]:
    def load() -> None:
        for name in names:
            importlib.import_module(name)

    return load


#: The libraries an unlock needs, in the order they are added to a bare window by
#: ``libs N`` (a name for figures, a name for people, what importing it means).
STACK_STEPS: list[tuple[str, str, Callable[[], None]]] = [
    ("sqlalchemy_core", "SQLAlchemy Core (with the asyncio it imports)", _import("sqlalchemy")),
    ("sqlalchemy_orm", "SQLAlchemy's ORM", _import("sqlalchemy.orm")),
    ("pydantic", "pydantic, one model built", _pydantic_model),
    (
        "cryptography_argon2",
        "cryptography's AES-GCM and argon2",
        _import("cryptography.hazmat.primitives.ciphers.aead", "argon2"),
    ),
    ("sqlcipher3", "sqlcipher3", _import("sqlcipher3")),
]


def _bare_window() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    _quit_when_drawn()
    app = QApplication([])
    window = QMainWindow()
    window.resize(1000, 700)
    window.show()
    return app.exec()


def _bare_stack(data_dir: Path) -> int:
    """The floor of ``open``: the same libraries and the same client list, no kapnotes."""
    import os

    for _slug, _name, load in STACK_STEPS:
        load()
    from PySide6.QtWidgets import QApplication, QListWidget, QMainWindow
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import URL

    _quit_when_drawn()
    app = QApplication([])
    key = os.environ["KAPNOTES_BENCH_KEY"]
    url = URL.create(
        "sqlite+pysqlcipher", password=f"x'{key}'", database=str(data_dir / "kapnotes.db")
    )
    engine = create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM client ORDER BY name LIMIT 500")).scalars()
        window = QMainWindow()
        listing = QListWidget()
        listing.addItems(list(names))
    window.setCentralWidget(listing)
    window.resize(1000, 700)
    window.show()
    return app.exec()


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "bare":
        return _bare_window()
    if mode == "libs":
        for _slug, _name, load in STACK_STEPS[: int(argv[1])]:
            load()
        return _bare_window()
    data_dir = argv[1]
    if mode == "stack":
        return _bare_stack(Path(data_dir))
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
