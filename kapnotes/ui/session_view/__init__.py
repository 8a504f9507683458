"""The live dosing-session view: session clock, one-key observations, vitals with alerts.

`SessionView` shows one dosing note while the session runs and writes every
entry into it the way the note editor does (log rows in the values, each also a
note event), so the same note opens in the normal editor unchanged.
`SessionWindow` wraps it in a window. Shortcuts are listed in
:data:`kapnotes.ui.session_view.view.HELP_TEXT` (and shown in the view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kapnotes.lazy import lazy_exports

if TYPE_CHECKING:
    from kapnotes.ui.session_view.view import (
        CURTAIN_KEY,
        DIM_KEY,
        HELP_TEXT,
        QUICK_TAGS,
        SessionConfig,
        SessionView,
    )
    from kapnotes.ui.session_view.window import SessionWindow

# What this package offers, loaded when first used (the lock screen needs none of it).
_EXPORTS: dict[str, str] = {
    "CURTAIN_KEY": "kapnotes.ui.session_view.view",
    "DIM_KEY": "kapnotes.ui.session_view.view",
    "HELP_TEXT": "kapnotes.ui.session_view.view",
    "QUICK_TAGS": "kapnotes.ui.session_view.view",
    "SessionConfig": "kapnotes.ui.session_view.view",
    "SessionView": "kapnotes.ui.session_view.view",
    "SessionWindow": "kapnotes.ui.session_view.window",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "CURTAIN_KEY",
    "DIM_KEY",
    "HELP_TEXT",
    "QUICK_TAGS",
    "SessionConfig",
    "SessionView",
    "SessionWindow",
]
