"""Locate bundled resources (templates, instruments, fonts, schema) installed or frozen.

Source checkouts and editable installs find `resources/` beside the package; a
PyInstaller build unpacks it under `sys._MEIPASS/resources` (see build_spec/).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_root() -> Path:
    """The folder holding templates/, instruments/, fonts/, schema/ and themes/."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen is not None:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent.parent / "resources"


def get_asset(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``get_asset("templates", "dosing.json")``."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"bundled resource missing: {'/'.join(parts)} (looked in {path})")
    return path
