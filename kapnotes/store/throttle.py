"""The growing delay after wrong passphrases, kept on disk so a restart does not reset it.

Every unlock (the app's lock screen, the command line, the store API) goes
through :class:`UnlockThrottle` of the vault: after :data:`FREE_ATTEMPTS` wrong
secrets each further try must wait longer (:func:`backoff_delay`: 2, 4, 8 … s,
then minutes, up to :data:`MAX_DELAY_S`). A try made during the wait is refused
before the secret is even looked at, so waiting cannot be skipped by guessing
faster.

The state lives in ``kapnotes.attempts`` beside the vault (counts and times only:
no client data, no secret), written atomically. The next successful unlock
reads the failures into the audit trail and clears them. Times are wall-clock
seconds (they must survive a restart); a clock set back cannot stretch a wait
beyond the delay that was imposed.

What this does not stop: someone who copies ``kapnotes.key`` and guesses offline.
Against that only the passphrase's length and Argon2id's cost help (see the
README's security model).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kapnotes.domain.files import atomic_write

ATTEMPTS_NAME = "kapnotes.attempts"
FREE_ATTEMPTS = 3
#: The longest single wait, reached after 12 wrong tries in a row.
MAX_DELAY_S = 15 * 60.0
_FORMAT = "kapnotes-attempts"

WallClock = Callable[[], float]


def backoff_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` wrong secrets in a row.

    0, 0, 2, 4, 8, 16, 32, 64 … doubling up to :data:`MAX_DELAY_S` (15 minutes).
    """
    if failures < FREE_ATTEMPTS:
        return 0.0
    return float(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_S))


def describe_wait(seconds: float) -> str:
    """A wait as people read it: ``"16 s"``, ``"4 min 16 s"``."""
    whole = max(1, math.ceil(seconds))
    minutes, secs = divmod(whole, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


class UnlockDelayedError(Exception):
    """An unlock was tried during the delay imposed after wrong secrets; nothing was checked.

    ``seconds`` is how long is left.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"Too many wrong tries: the next one is possible in {describe_wait(seconds)}."
        )


@dataclass(frozen=True)
class FailedAttempts:
    """Wrong secrets since the last successful unlock (what goes into the audit trail)."""

    count: int
    first_at: float | None
    last_at: float | None


class UnlockThrottle:
    """The persistent delay for one vault folder (see the module docstring).

    ``clock`` returns wall-clock seconds (``time.time``); tests pass a fake one.
    """

    def __init__(self, folder: Path, clock: WallClock = time.time) -> None:
        self.path = Path(folder) / ATTEMPTS_NAME
        self._clock = clock

    def _read(self) -> dict[str, float]:
        try:
            doc = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            return {}
        out: dict[str, float] = {}
        for key in ("failures", "first_at", "last_at", "next_at"):
            value = doc.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                out[key] = float(value)
        return out

    @property
    def failures(self) -> int:
        """Wrong secrets in a row so far."""
        return int(self._read().get("failures", 0))

    def remaining(self) -> float:
        """Seconds before the next try is allowed (0 when it is allowed now)."""
        state = self._read()
        failures = int(state.get("failures", 0))
        next_at = state.get("next_at", 0.0)
        left = next_at - self._clock()
        # A clock set back never makes a wait longer than the one imposed.
        return max(0.0, min(left, backoff_delay(failures)))

    def check(self) -> None:
        """Raise :class:`UnlockDelayedError` while a delay is running."""
        left = self.remaining()
        if left > 0:
            raise UnlockDelayedError(left)

    def record_failure(self) -> float:
        """Count a wrong secret; returns the delay now imposed (0 if none)."""
        state = self._read()
        now = self._clock()
        failures = int(state.get("failures", 0)) + 1
        wait = backoff_delay(failures)
        doc = {
            "format": _FORMAT,
            "failures": failures,
            "first_at": state.get("first_at", now),
            "last_at": now,
            "next_at": now + wait,
        }
        atomic_write(self.path, json.dumps(doc).encode())
        return wait

    def pending(self) -> FailedAttempts:
        """The wrong secrets recorded since the last successful unlock."""
        state = self._read()
        return FailedAttempts(
            int(state.get("failures", 0)), state.get("first_at"), state.get("last_at")
        )

    def reset(self) -> None:
        """Forget the failures (after a successful unlock)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
