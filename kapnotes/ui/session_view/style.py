"""The session view's own look: light, dark and a DIM scheme for a darkened room.

The application style sheet belongs to the theme; the session view brings its own
sheet on top of it, scoped to ``#sessionView``: resources/themes/session.qss,
filled by ``theme.render`` from a palette in resources/themes/palettes.json.
``light`` and ``dark`` follow the app; ``dim`` is very dark, low in light but
readable (every text pair at WCAG AA, 4.5:1), with red-shifted accents that
spare night vision and do not light up the room.

Whether a live session opens dim is a preference kept in QSettings under
:data:`START_DIM_KEY` (a yes/no, never client data): Ctrl+D in a live session
sets it, View → "Live sessions start dim" in the main window shows and sets it.
"""

from __future__ import annotations

from typing import Final, TypeAlias

from PySide6.QtCore import QSettings
from PySide6.QtGui import QPalette

from kapnotes.ui import theme

SessionScheme: TypeAlias = theme.PaletteName

app_scheme = theme.palette_scheme  # one judgement of light or dark, in ui.theme

#: The QSettings key of "live sessions open in the dim scheme" (a bool).
START_DIM_KEY: Final = "liveSession/startDim"


def starts_dim(preferences: QSettings | None) -> bool:
    """Whether a live session opens dim (no preferences, or none stored: no)."""
    if preferences is None:
        return False
    value = preferences.value(START_DIM_KEY, False)
    return value is True or str(value).lower() == "true"


def set_starts_dim(preferences: QSettings | None, dim: bool) -> None:
    """Remember whether live sessions open dim."""
    if preferences is not None:
        preferences.setValue(START_DIM_KEY, dim)
        preferences.sync()


def tokens(scheme: SessionScheme) -> dict[str, str]:
    """Every colour token of a scheme (the chart and the vitals table paint with them)."""
    return dict(theme.palettes()[scheme])


def session_style_sheet(scheme: SessionScheme) -> str:
    """The session view's style sheet in one scheme's colours."""
    return theme.render("session", scheme)


def session_palette(scheme: SessionScheme) -> QPalette:
    """The Qt palette of a scheme: what the style draws with where the sheet says nothing
    (scroll areas, text cursors, focus frames)."""
    return theme.qpalette(scheme)
