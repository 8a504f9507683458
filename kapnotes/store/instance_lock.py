"""One kapnotes at a time per vault: an exclusive OS lock on `<data-dir>/kapnotes.lock`.

Two processes on one vault would overwrite each other's notes (every autosave
writes a note's whole content), so a second window or command is refused with a
clear message instead. The operating system drops the lock when the process
ends, even after a crash, so a stale lock file never blocks the next start.
The file holds no data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

LOCK_NAME = "kapnotes.lock"


class VaultInUseError(Exception):
    """Another kapnotes process holds the vault."""


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class InstanceLock:
    """An exclusive lock on a vault folder, held while the vault is open."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle: IO[bytes] | None = handle

    @classmethod
    def acquire(cls, data_dir: Path) -> InstanceLock:
        """Take the lock, or raise VaultInUseError naming the folder."""
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "r+b")
        if not _try_lock(handle):
            handle.close()
            raise VaultInUseError(
                f"The vault in {data_dir} is open in another kapnotes window or command; "
                "close that first."
            )
        return cls(handle)

    def release(self) -> None:
        """Let another kapnotes open the vault (closing the file drops the OS lock)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
