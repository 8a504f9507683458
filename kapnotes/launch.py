"""The ``kapnotes`` program: the app opens without loading the command line's machinery.

``kapnotes`` with no command opens the GUI; it should show its lock screen as
soon as a bare Qt window would. The commands (``export-json``, ``verify`` …)
need SQLAlchemy, the interchange models and more; this entry point hands those
to :mod:`kapnotes.cli` and opens the GUI itself, loading only what the lock
screen needs (the rest loads with the first unlock).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

#: The options that may come with no command (the GUI), each with a value.
_GUI_OPTIONS = ("--data-dir", "--passphrase-file")
#: GUI only: quit with exit code 0 once the first window has been drawn (a smoke test of
#: an installed or bundled app: it starts, finds its resources and draws its lock screen).
QUIT_AFTER_FIRST_WINDOW = "--quit-after-first-window"


def gui_data_dir(argv: Sequence[str]) -> Path | None:
    """The vault folder when ``argv`` asks for the GUI (no command), else None.

    Anything else — a command, ``--help``, ``--version``, an option this does not
    know — is the command line's to handle.
    """
    data_dir: Path | None = None
    position = 0
    while position < len(argv):
        token = argv[position]
        name, equals, value = token.partition("=")
        if name not in _GUI_OPTIONS:
            return None
        if not equals:
            position += 1
            if position >= len(argv):
                return None
            value = argv[position]
        if name == "--data-dir":
            data_dir = Path(value)
        position += 1
    if data_dir is None:
        from kapnotes.store.paths import default_data_dir

        data_dir = default_data_dir()
    return data_dir.expanduser()


def main(argv: Sequence[str] | None = None) -> int:
    """Open the GUI, or run a command (see ``kapnotes --help``); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    quit_after_first_window = QUIT_AFTER_FIRST_WINDOW in args
    if quit_after_first_window:
        args = [a for a in args if a != QUIT_AFTER_FIRST_WINDOW]
    data_dir = gui_data_dir(args)
    if data_dir is None:
        if quit_after_first_window:
            print(f"kapnotes: {QUIT_AFTER_FIRST_WINDOW} opens the app only", file=sys.stderr)
            return 2
        from kapnotes.cli import main as cli_main

        return cli_main(args)
    from kapnotes.source_lines import forget_file_sources, quicken_pyside_import_hook

    forget_file_sources()  # before Qt loads: PySide6 reads every later module's source
    import PySide6.QtCore  # noqa: F401 - loads the import hook quickened next

    quicken_pyside_import_hook()
    from kapnotes.app import run_gui

    return int(run_gui(data_dir, quit_after_first_window=quit_after_first_window))
