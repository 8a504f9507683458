"""Keep the source lines of imported modules out of memory for the life of the app.

PySide6 reads the source of every module imported after it (its ``__feature__``
import hook calls ``inspect.getsource`` on each new module, PYSIDE-2029, to see
whether it mentions PySide6), and the standard library's ``linecache`` keeps
every line it has read. Unlocking imports SQLAlchemy, pydantic and the stores,
so about 280,000 lines (≈25 MB) would stay resident for nothing: the files are
on disk and a traceback can read them again.

:func:`forget_file_sources` makes ``linecache`` keep no lines of files it can
read again from disk; lines given by a module's loader (a zip, a frozen bundle)
and lazy entries are kept as before, so tracebacks still show their source.
Plain Python, so the light entry point installs it before Qt loads.
"""

from __future__ import annotations

import linecache
from typing import Any


class _DiskSourcesNotKept(dict[str, tuple[Any, ...]]):
    """``linecache.cache`` that drops an entry read from a file on disk.

    ``linecache.updatecache`` stores ``(size, mtime, lines, fullname)`` and returns
    ``lines`` itself, so not storing it changes nothing but memory (and the next read
    of that file goes to the disk again). An entry without an ``mtime`` came from a
    loader and is read back from the cache at once, so it is stored; so is a lazy
    ``(get_lines,)`` entry.
    """

    def __setitem__(self, filename: str, entry: tuple[Any, ...]) -> None:
        if len(entry) == 4 and entry[1] is not None:
            return
        super().__setitem__(filename, entry)


def forget_file_sources() -> None:
    """From now on ``linecache`` keeps no lines of source files on disk (idempotent)."""
    if isinstance(linecache.cache, _DiskSourcesNotKept):
        return
    kept = _DiskSourcesNotKept()
    for filename, entry in linecache.cache.items():
        kept[filename] = entry
    linecache.cache = kept
