"""Source lines read for PySide6's import hook or a traceback are not kept in memory."""

from __future__ import annotations

import linecache
from pathlib import Path

import kapnotes.domain.clients as some_module
from kapnotes.source_lines import forget_file_sources


def test_lines_of_files_on_disk_are_read_again_not_kept() -> None:
    forget_file_sources()
    forget_file_sources()  # idempotent
    path = some_module.__file__
    assert path is not None
    first = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)[0]
    assert linecache.getline(path, 1) == first  # tracebacks still show source
    assert path not in linecache.cache
    linecache.cache["<generated>"] = (9, None, ["x = 1\n"], "<generated>")
    assert linecache.getline("<generated>", 1) == "x = 1\n"  # loader-given lines are kept


def test_pyside_is_told_the_same_about_each_module_by_the_quick_hook() -> None:
    import json
    import sys

    import kapnotes.domain.clients
    import kapnotes.ui.theme
    from kapnotes.source_lines import quicken_pyside_import_hook

    feature = sys.modules["shibokensupport.feature"]
    original = feature._mod_uses_pyside
    modules = [kapnotes.ui.theme, kapnotes.domain.clients, json]
    before = [original(m) for m in modules]
    quicken_pyside_import_hook()
    quicken_pyside_import_hook()
    try:
        assert feature._mod_uses_pyside is not original
        assert [feature._mod_uses_pyside(m) for m in modules] == before == [True, False, False]
    finally:
        feature._mod_uses_pyside = original
