"""Writing a file so that a crash or a full disk never leaves half of it.

temp file beside the target -> write -> fsync -> rename over the target ->
fsync the folder. Either the old file or the new one is there afterwards.

When the file cannot be written, :func:`atomic_write` raises :class:`FileWriteError`
(an ``OSError`` with the same errno) naming the file the caller asked for, never its
temp file, and :func:`write_cause` says why in words a user acts on ("the disk is
full", "read-only file system"): the command line and the save dialogs say it the
same way. (Writes to the vault itself are explained by :mod:`kapnotes.store.faults`.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Final

_CAUSES: Final[dict[int, str]] = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large for this disk",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "part of the path is a file, not a folder",
    errno.EISDIR: "that is a folder; give the name of the file to write",
    errno.ENAMETOOLONG: "the name is too long",
}


def write_cause(error: OSError) -> str | None:
    """Why a file could not be written, in plain words; None for a cause a user cannot fix
    by choosing another place (an unexpected error)."""
    return _CAUSES.get(error.errno) if error.errno is not None else None


class FileWriteError(OSError):
    """``path`` (the file asked for) could not be written; ``errno`` and ``strerror`` are the
    system's. Nothing was written: an existing file there is unchanged."""

    def __init__(self, path: Path, error: OSError) -> None:
        super().__init__(error.errno, error.strerror or str(error), str(path))
        self.path = path

    @property
    def cause(self) -> str | None:
        """:func:`write_cause` of this error."""
        return write_cause(self)

    def describe(self) -> str:
        """``Not saved: /path/x.pdf — read-only file system``."""
        return f"Not saved: {self.path} — {self.cause or self.strerror}"


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (not possible, nor needed, on Windows)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = 0o600, *, sync_folder: bool = True) -> None:
    """Replace `path` with `data` atomically; owner-only by default.

    :class:`FileWriteError` (naming `path`) when it cannot be written; then no file is
    left behind and an existing file at `path` is unchanged.

    ``sync_folder=False`` leaves the rename to reach the disk with the folder's next
    sync: after a power cut the file may be the old one again (never a torn one), for
    a writer to whom the old file is still a valid state.
    """
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise FileWriteError(path, error) from error
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(error, OSError) and not isinstance(error, FileWriteError):
            raise FileWriteError(path, error) from error
        raise
    if sync_folder:
        fsync_dir(path.parent)
