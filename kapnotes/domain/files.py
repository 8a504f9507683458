"""Writing a file so that a crash or a full disk never leaves half of it.

temp file beside the target -> write -> fsync -> rename over the target ->
fsync the folder. Either the old file or the new one is there afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


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

    ``sync_folder=False`` leaves the rename to reach the disk with the folder's next
    sync: after a power cut the file may be the old one again (never a torn one), for
    a writer to whom the old file is still a valid state.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_folder:
        fsync_dir(path.parent)
