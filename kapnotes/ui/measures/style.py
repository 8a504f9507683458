"""Colours and style rules of the measures widgets, taken from the theme's palettes.

The application style sheet belongs to the theme; these widgets add a few rules
for their own roles (option segments, item rows, the red risk banner):
resources/themes/measures.qss, filled by ``theme.render`` from the same palette,
and recomputed when the application palette changes (light <-> dark).
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from kapnotes.ui import theme

current_scheme = theme.palette_scheme  # one judgement of light or dark, in ui.theme


def scheme_changed(widget: QWidget) -> bool:
    """Whether the scheme differs from the one ``widget`` was last styled for (and note it).

    Widgets call this on ``PaletteChange`` and restyle when it says so; restyling
    changes their own palette again, which this check turns into a no-op.
    """
    scheme = current_scheme()
    if widget.property("measuresScheme") == scheme:
        return False
    widget.setProperty("measuresScheme", scheme)
    return True


def mix(front: str | QColor, back: str | QColor, amount: float) -> QColor:
    """``front`` laid over ``back`` at opacity ``amount`` (0..1), as an opaque colour."""
    a, b = QColor(front), QColor(back)
    return QColor.fromRgbF(
        a.redF() * amount + b.redF() * (1 - amount),
        a.greenF() * amount + b.greenF() * (1 - amount),
        a.blueF() * amount + b.blueF() * (1 - amount),
    )


def colour(token: str) -> QColor:
    """One palette token of the current scheme as a QColor, e.g. ``colour("accent")``."""
    return QColor(theme.colour(token, current_scheme()))


def style_sheet() -> str:
    """This package's rules with the current scheme's colours filled in."""
    return theme.render("measures", current_scheme())
