"""The live dosing-session view: session clock, one-key observations, vitals with alerts.

`SessionView` shows one dosing note while the session runs and writes every
entry into it the way the note editor does (log rows in the values, each also a
note event), so the same note opens in the normal editor unchanged.
`SessionWindow` wraps it in a window. Shortcuts are listed in
:data:`kapnotes.ui.session_view.view.HELP_TEXT` (and shown in the view).
"""

from __future__ import annotations

from kapnotes.ui.session_view.view import (
    CURTAIN_KEY,
    DIM_KEY,
    HELP_TEXT,
    QUICK_TAGS,
    SessionConfig,
    SessionView,
)
from kapnotes.ui.session_view.window import SessionWindow

__all__ = [
    "CURTAIN_KEY",
    "DIM_KEY",
    "HELP_TEXT",
    "QUICK_TAGS",
    "SessionConfig",
    "SessionView",
    "SessionWindow",
]
