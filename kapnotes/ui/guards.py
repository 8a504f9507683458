"""Time-based guards: the idle auto-lock.

It takes an injectable clock (a function returning seconds), so tests advance
a fake clock instead of sleeping; a QTimer only polls that clock. The watcher
warns before it locks (``warning`` with the seconds left, from 30 s ahead by
default), and any input cancels that warning at once (``resumed``). The delay
after wrong passphrases is the vault's own, kept on disk
(:mod:`kapnotes.store.throttle`), so every way in obeys it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

Clock = Callable[[], float]

#: How long before the idle lock its warning starts counting down.
WARN_BEFORE_S = 30.0


class IdleWatcher(QObject):
    """Emits `idle` after `timeout_s` seconds without keyboard or mouse input.

    From ``warn_s`` seconds before that it emits ``warning(seconds_left)`` on each
    poll; input during the warning emits ``resumed`` at once (and the count starts
    again). It is told of the application's input (:meth:`note_input`, for events of
    the kinds in :data:`INPUT`) by the application's one Python event filter, the
    privacy curtain's (each filter on the application costs every event of every
    window a call into Python: opening a note window sends some 40,000); it minds them
    while it counts (from ``start`` to ``stop``; while locked there is nothing to
    watch), only noting the time of each, and a timer compares that with the clock.
    """

    idle = Signal()
    warning = Signal(int)
    resumed = Signal()

    #: The events that count as someone at the computer.
    INPUT = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
            QEvent.Type.TabletPress,
        }
    )

    def __init__(
        self,
        timeout_s: float,
        clock: Clock = time.monotonic,
        poll_ms: int = 1000,
        parent: QObject | None = None,
        *,
        warn_s: float = WARN_BEFORE_S,
    ) -> None:
        super().__init__(parent)
        self.timeout_s = timeout_s
        self.warn_s = min(warn_s, timeout_s / 2)  # a short timeout is not all warning
        self._clock = clock
        self._last = clock()
        self._warning = False
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        """Begin watching (counting from now)."""
        self._last = self._clock()
        self._end_warning()
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked there is nothing to lock)."""
        self._timer.stop()
        self._end_warning()

    @property
    def warning_shown(self) -> bool:
        """Whether the lock is announced (the last seconds are counting down)."""
        return self._warning

    def _end_warning(self) -> None:
        if self._warning:
            self._warning = False
            self.resumed.emit()

    @property
    def active(self) -> bool:
        """Whether the watcher is counting."""
        return self._timer.isActive()

    def poke(self) -> None:
        """Record activity now."""
        self._last = self._clock()
        self._end_warning()

    def check(self) -> None:
        """Emit `idle` (once) if the timeout has passed since the last activity, or the
        warning with the seconds left in its last ``warn_s`` seconds."""
        if not self._timer.isActive():
            return
        left = self.timeout_s - (self._clock() - self._last)
        if left <= 0:
            self._timer.stop()
            self._warning = False
            self.idle.emit()
        elif left <= self.warn_s:
            self._warning = True
            self.warning.emit(math.ceil(left))
        else:
            self._end_warning()

    def note_input(self) -> None:
        """Someone used the keyboard, mouse, pen or touch screen (an event of
        :data:`INPUT`): count again from now (a warning shown ends at once)."""
        if self._timer.isActive():
            self._last = self._clock()
            self._end_warning()
