"""Unexpected errors: log them without PHI and tell the user calmly.

Exception messages can carry client data (a database error quotes the values
it failed to write), so the log gets the exception type and the code
locations only, never the message or local variables.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import QWidget

log = logging.getLogger("kapnotes.errors")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def safe_traceback(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """The exception type and stack (file, line, function): no message, no values."""
    frames = traceback.extract_tb(tb)
    lines = [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames]
    return f"{exc_type.__module__}.{exc_type.__qualname__}\n" + "\n".join(lines)


def log_failure(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log that `what` failed, with the error's type and stack but never its message.

    Database errors quote the values they were writing (note text, answers), so
    the message itself must not reach a log that could end up on disk.
    """
    logger.error("%s: %s", what, safe_traceback(type(exc), exc.__traceback__))


def show_error_dialog(parent: QWidget | None) -> None:
    """A calm message: something went wrong, saved work is safe."""
    from PySide6.QtWidgets import QMessageBox  # (made on first use, not at start-up)

    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Something went wrong")
    box.setText("kapnotes ran into an unexpected problem.")
    box.setInformativeText(
        "Everything you saved is safe in the encrypted vault. If you were in the middle "
        "of an entry, check it before you carry on. Details (without any client "
        "information) were written to the log."
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


class ExceptionHook:
    """A `sys.excepthook` that logs safely and shows one dialog at a time."""

    def __init__(
        self,
        parent: Callable[[], QWidget | None] = lambda: None,
        show: Callable[[QWidget | None], None] = show_error_dialog,
    ) -> None:
        self._parent = parent
        self._show = show
        self._showing = False
        self._previous: ExceptHook | None = None

    def __call__(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """Handle an uncaught exception."""
        if issubclass(exc_type, KeyboardInterrupt) and self._previous is not None:
            self._previous(exc_type, exc, tb)
            return
        log.error("uncaught exception: %s", safe_traceback(exc_type, tb))
        if self._showing:
            return
        self._showing = True
        try:
            self._show(self._parent())
        finally:
            self._showing = False

    def install(self) -> None:
        """Become `sys.excepthook`."""
        self._previous = sys.excepthook
        sys.excepthook = self

    def uninstall(self) -> None:
        """Put the previous hook back."""
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None
