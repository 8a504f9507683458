"""Why a write failed, in one place: disk full, read-only, damaged, locked, or otherwise.

Every layer that tells the user "not saved" asks :func:`write_fault` for the
cause and :func:`not_saved` for the words, so the live session, the note editor
and the command line name the same cause the same way (a widget never inspects
an exception). SQLite reports a full disk as ``SQLITE_FULL``; a write error
(``SQLITE_IOERR``) on a disk with almost no space left is a full disk too.
"""

from __future__ import annotations

import errno
import shutil
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from kapnotes.store.vault import VaultLockedError

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
#: Below this much free space, a failed write is put down to a full disk.
LOW_SPACE_BYTES = 4 * 1024 * 1024


class WriteFault(StrEnum):
    """What stopped a write."""

    DISK_FULL = "disk full"
    READ_ONLY = "read-only"
    DAMAGED = "damaged"
    LOCKED = "locked"
    OTHER = "other"


def _sqlite_code(exc: BaseException) -> int | None:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    return int(code) & 0xFF if isinstance(code, int) else None


def _low_on_space(folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        return shutil.disk_usage(folder).free < LOW_SPACE_BYTES
    except OSError:
        return False


def write_fault(exc: BaseException, folder: Path | None = None) -> WriteFault:
    """The cause of a failed write; ``folder`` (the vault's) lets a bare I/O error on a
    nearly full disk count as a full disk."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # the cause chain, outermost first
        seen.add(id(current))
        if isinstance(current, VaultLockedError):
            return WriteFault.LOCKED
        if isinstance(current, OSError) and current.errno is not None:
            if current.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                return WriteFault.DISK_FULL
            if current.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                return WriteFault.READ_ONLY
        code = _sqlite_code(current)
        if code == _SQLITE_FULL:
            return WriteFault.DISK_FULL
        if code in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN):
            return WriteFault.READ_ONLY
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return WriteFault.DAMAGED
        if code == _SQLITE_IOERR:
            return WriteFault.DISK_FULL if _low_on_space(folder) else WriteFault.OTHER
        current = current.__cause__ or current.__context__
    return WriteFault.OTHER


_CAUSES = {
    WriteFault.DISK_FULL: "the disk is full",
    WriteFault.READ_ONLY: "the vault folder cannot be written (read-only, or not yours)",
    WriteFault.DAMAGED: "the vault database is damaged",
    WriteFault.LOCKED: "the vault is locked",
    WriteFault.OTHER: "the vault refused it",
}
_WHAT_TO_DO = {
    WriteFault.DISK_FULL: "Free some space on that disk",
    WriteFault.READ_ONLY: "Check that the disk is connected and the folder is yours",
    WriteFault.DAMAGED: "Copy what you typed somewhere safe and run 'kapnotes verify'",
    WriteFault.LOCKED: "Unlock it",
    WriteFault.OTHER: "Check the disk",
}


def not_saved(
    exc: BaseException,
    folder: Path | None = None,
    *,
    kept: str = "",
    then: str = "try again",
    what: str = "Not saved",
) -> str:
    """The sentence that says a change was not saved, why, and what to do.

    A full disk or a folder that cannot be written names ``folder`` (the vault's).
    ``kept`` says what the screen still holds (e.g. "What you typed is kept here"),
    ``then`` how to retry, ``what`` what did not happen ("Not signed").
    """
    fault = write_fault(exc, folder)
    where = ""
    if folder is not None and fault in (WriteFault.DISK_FULL, WriteFault.READ_ONLY):
        where = f" (the vault folder: {folder})"
    parts = [f"{what} — {_CAUSES[fault]}{where}.", f"{_WHAT_TO_DO[fault]}, then {then}."]
    if kept:
        parts.append(f"{kept}.")
    return " ".join(parts)
