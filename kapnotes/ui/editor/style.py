"""The editor's own style rules (amber warnings, missing panel, banners), in theme colours.

The application style sheet belongs to the theme; the editor adds a few rules for
its own roles: resources/themes/editor.qss, filled by ``theme.render`` from the
same palette as the rest of the app.
"""

from __future__ import annotations

from kapnotes.ui import theme

current_scheme = theme.palette_scheme  # one judgement of light or dark, in ui.theme


def colour(token: str) -> str:
    """A palette token of the current scheme, e.g. ``colour("warning_text")``."""
    return theme.colour(token, current_scheme())


def editor_style_sheet() -> str:
    """The editor's extra rules with the current scheme's colours filled in."""
    return theme.render("editor", current_scheme())
