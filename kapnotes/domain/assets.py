"""Locate bundled resources (templates, instruments, schema, settings, themes, icons, fonts).

The top-level ``resources/`` folder ships inside every install as the package
``kapnotes.resources`` (setup.py maps it), so one lookup through
:mod:`importlib.resources` finds it in an editable install, a wheel install and a
PyInstaller bundle. Two cases import machinery cannot answer fall back to paths:
a bundle whose spec collected the files but not the package's ``__init__``
(``sys._MEIPASS/kapnotes/resources``, see build_spec/), and a source checkout run
without installing (``resources/`` beside the package).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

RESOURCES_PACKAGE = "kapnotes.resources"


def _installed_folder() -> Path | None:
    """The installed package's folder, or None when ``kapnotes.resources`` is not importable.

    Raises FileNotFoundError when it is installed but not as files (e.g. zipped).
    """
    try:
        spec = importlib.util.find_spec(RESOURCES_PACKAGE)
    except ModuleNotFoundError:
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if locations and Path(locations[0]).is_dir():
        return Path(locations[0])  # the usual case, without importing importlib.resources
    from importlib import resources

    found = resources.files(RESOURCES_PACKAGE)
    if isinstance(found, Path) and found.is_dir():
        return found
    # Qt reads style sheet images and the loaders list folders: they need real files.
    raise FileNotFoundError(
        f"bundled resources are not on disk (found {found}); reinstall kapnotes"
    )


def resources_root() -> Path:
    """The folder holding templates/, instruments/, schema/, settings/, themes/ and icons/."""
    installed = _installed_folder()
    if installed is not None:
        return installed
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen is not None:
        return Path(frozen).joinpath(*RESOURCES_PACKAGE.split("."))
    # A source checkout on sys.path but not installed: resources/ beside kapnotes/.
    return Path(__file__).resolve().parents[2] / "resources"


def get_asset(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``get_asset("templates", "dosing.json")``."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"bundled resource missing: {'/'.join(parts)} (looked in {path})")
    return path
