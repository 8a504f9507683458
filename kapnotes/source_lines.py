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

:func:`quicken_pyside_import_hook` makes that hook's question ("does this module
mention PySide6?") a plain read of the module's file instead of
``inspect.getsource`` (about 20 ms of a start-up's 76 module imports); the
answer is the same.
"""

from __future__ import annotations

import linecache
import sys
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


def quicken_pyside_import_hook() -> None:
    """Answer PySide6's per-import question by reading the module's file (idempotent).

    Call after PySide6 is imported; does nothing if its feature module is not there
    or has no such hook (another PySide6 version). A module without a ``.py`` file
    is asked the original way.
    """
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or original is None or getattr(original, "_kapnotes_quick", False):
        return

    def uses_pyside(module: Any) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(original(module))
        try:
            with open(path, "rb") as source:  # noqa: PTH123 - the hook's hot path
                return b"PySide6" in source.read()
        except OSError:
            return False

    uses_pyside._kapnotes_quick = True  # type: ignore[attr-defined]
    setattr(feature, "_mod_uses_pyside", uses_pyside)  # noqa: B010 - a private hook
