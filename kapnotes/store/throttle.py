"""The growing delay after wrong passphrases, kept on disk so a restart does not reset it.

Every unlock (the app's lock screen, the command line, the store API) goes
through :class:`UnlockThrottle` of the vault: after :data:`FREE_ATTEMPTS` wrong
secrets each further try must wait longer (:func:`backoff_delay`: 2, 4, 8 … s,
then minutes, up to :data:`MAX_DELAY_S`). A try made during the wait is refused
before the secret is even looked at, so waiting cannot be skipped by guessing
faster.

The state lives in ``kapnotes.attempts`` beside the vault (counts and times only:
no client data, no secret), written atomically. Each try is recorded as a failure
*before* the secret is derived and taken back only when it was right, under the
vault's instance lock (one try at a time, in this process or another), so tries
made in parallel or killed half-way are counted too. A file that cannot be read
or written (a folder in its place, garbage, no permission) refuses every try
(:class:`AttemptsFileError`): the delay is never silently skipped. The next successful unlock
reads the failures into the audit trail and clears them. Times are wall-clock
seconds (they must survive a restart); a clock set back cannot stretch a wait
beyond the delay that was imposed.

What this does not stop: someone who copies ``kapnotes.key`` and guesses offline,
or who deletes ``kapnotes.attempts`` between tries (it lies outside the encryption;
the audit trail still records the failures written before).
Against that only the passphrase's length and Argon2id's cost help (see the
README's security model).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kapnotes.domain.files import atomic_write, write_cause

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


class AttemptsFileError(Exception):
    """``kapnotes.attempts`` cannot be read or written, so the delay cannot be kept: no
    secret is checked until it can (a guess must never get through unthrottled)."""

    def __init__(self, path: Path, why: str, advice: str | None = None) -> None:
        self.path = path
        super().__init__(
            f"The record of wrong passphrase tries, {path}, {why}. No passphrase is checked "
            "until it can be used again: "
            + (
                advice
                or "if it is a folder or a file you did not make, move it away; if it is "
                "not writable, give it back to your user."
            )
        )


def _unwritable(path: Path, exc: OSError) -> AttemptsFileError:
    """The refusal for a record that could not be written, saying why (a full disk is
    not a file to move away)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return AttemptsFileError(
            path,
            f"cannot be written ({write_cause(exc)})",
            "make room on that disk, then try again.",
        )
    return AttemptsFileError(path, f"cannot be written ({type(exc).__name__})")


class UnlockThrottle:
    """The persistent delay for one vault folder (see the module docstring).

    ``clock`` returns wall-clock seconds (``time.time``); tests pass a fake one.

    A try goes :meth:`begin` (the delay checked, the try recorded as a failure *before*
    the secret is derived, so a try killed or made in parallel still counts) → derive →
    :meth:`undo` when the secret was right. The caller serialises tries (the vault holds
    its instance lock around them). A file that cannot be read or written raises
    :class:`AttemptsFileError`: it is never taken for "no failures".
    """

    def __init__(self, folder: Path, clock: WallClock = time.time) -> None:
        self.path = Path(folder) / ATTEMPTS_NAME
        self._clock = clock

    def _load(self) -> tuple[dict[str, float], bytes | None]:
        """The state and the file's bytes (None: no file, no failures)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}, None
        except OSError as exc:
            why = "is a folder" if isinstance(exc, IsADirectoryError) else "cannot be read"
            raise AttemptsFileError(self.path, f"{why} ({type(exc).__name__})") from None
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise AttemptsFileError(self.path, "is not kapnotes' record of wrong tries")
        out: dict[str, float] = {}
        for key in ("failures", "first_at", "last_at", "next_at"):
            value = doc.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                out[key] = float(value)
        if out.get("failures", 0.0) < 0:
            raise AttemptsFileError(self.path, "is not kapnotes' record of wrong tries")
        return out, raw

    def _read(self) -> dict[str, float]:
        return self._load()[0]

    @property
    def failures(self) -> int:
        """Wrong secrets in a row so far."""
        return int(self._read().get("failures", 0))

    def _left(self, state: dict[str, float]) -> float:
        failures = int(state.get("failures", 0))
        left = state.get("next_at", 0.0) - self._clock()
        # A clock set back never makes a wait longer than the one imposed.
        return max(0.0, min(left, backoff_delay(failures)))

    def remaining(self) -> float:
        """Seconds before the next try is allowed (0 when it is allowed now)."""
        return self._left(self._read())

    def check(self) -> None:
        """Raise :class:`UnlockDelayedError` while a delay is running."""
        left = self.remaining()
        if left > 0:
            raise UnlockDelayedError(left)

    def _write(self, data: bytes) -> None:
        try:
            atomic_write(self.path, data)
        except OSError as exc:
            raise _unwritable(self.path, exc) from None

    def _failed(self, state: dict[str, float]) -> float:
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
        self._write(json.dumps(doc).encode())
        return wait

    def begin(self) -> bytes | None:
        """Start a try: refuse it during the delay, else record it as a failure now.

        Returns the file as it was, for :meth:`undo` once the secret proved right.
        """
        state, raw = self._load()
        left = self._left(state)
        if left > 0:
            raise UnlockDelayedError(left)
        self._failed(state)
        return raw

    def undo(self, before: bytes | None) -> None:
        """The secret was right: put the file back as it was before :meth:`begin`
        (byte for byte; earlier failures stay, for the unlock's audit trail)."""
        try:
            if before is None:
                self.path.unlink(missing_ok=True)
            else:
                atomic_write(self.path, before)
        except OSError as exc:  # the try stays counted: never a guess uncounted
            raise _unwritable(self.path, exc) from None

    def record_failure(self) -> float:
        """Count a wrong secret; returns the delay now imposed (0 if none)."""
        return self._failed(self._read())

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
