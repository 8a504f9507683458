"""A live session carried through a lock: its clock and reminders go on, its client is hidden.

Locking closes the vault and every window that showed client data, but a
dosing session does not stop because the therapist pressed Ctrl+L. The main
window keeps each running session as a :class:`RunningSession`: the
:class:`~kapnotes.session.LiveSession` it had, read from memory only (nothing
reads the closed vault), asked for nothing but what the lock screen may show —
the session clock (``T+42:10``), the reminders due at this moment (they keep
counting: "vitals due", the 40-minute BP check …), whether a newly due one
calls for the soft sound, and how many alerts are open. No name, no values.
After unlocking, the session is rebuilt from the vault and the view catches up
by itself: every time it shows is computed from the note and the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kapnotes.domain.session import ReminderKind, active_alerts
from kapnotes.session.live import LiveSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LockedStatus:
    """What the lock screen shows of a running session (nothing about its client).

    ``clock``: ``"T+42:10"`` or ``"Pre-dose"``; ``reminders``: the messages of the
    reminders due now; ``overdue``: whether one of them is late; ``sound``:
    whether one fell due since the previous status (the soft sound); ``open_alerts``:
    how many alerts were on the banner when the app locked.
    """

    clock: str
    reminders: tuple[str, ...]
    overdue: bool
    sound: bool
    open_alerts: int


class RunningSession:
    """One live session kept through a lock (see the module docstring)."""

    def __init__(self, note_id: str, live: LiveSession) -> None:
        self.note_id = note_id
        self._live = live
        self._open_alerts = len(active_alerts(live.alerts))
        self._due: set[ReminderKind] = {r.kind for r in live.reminders(live.now())}

    @property
    def monitoring(self) -> bool:
        """Whether the session is still being monitored (not discharged, not signed)."""
        return self._live.record.live

    def status(self) -> LockedStatus:
        """The clock and the reminders at this moment, from memory only."""
        live = self._live
        try:
            now = live.now()
            clock = live.clock_label(now)
            due = live.reminders(now)
        except Exception as exc:  # memory only; should it ever need the vault, say so calmly
            log.warning("session clock unavailable while locked: %s", type(exc).__name__)
            return LockedStatus("Running", (), False, False, self._open_alerts)
        sound = LiveSession.sounds_for(due, self._due)
        self._due = {r.kind for r in due}
        return LockedStatus(
            clock,
            tuple(r.message for r in due),
            any(r.overdue for r in due),
            sound,
            self._open_alerts,
        )
