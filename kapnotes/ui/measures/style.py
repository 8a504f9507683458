"""Colours and style rules of the measures widgets, taken from the theme's palettes.

The application style sheet belongs to the theme; these widgets add a few rules
for their own roles (option segments, item rows, the red risk banner), filled from
the same palette tokens, and recompute them when the application palette changes
(light <-> dark).
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from kapnotes.ui import theme

_RULES = """
QFrame[role="item-row"] {
    border: 1px solid transparent; border-radius: 8px; background: transparent;
}
QFrame[role="item-row"]:focus { border: 1px solid @accent@; background: @alternate@; }
QLabel[role="item-number"] { color: @muted@; font-weight: 600; }
QLabel[role="item-text"] { color: @text@; }
QLabel[role="instructions"] { color: @muted@; }
QPushButton[role="option"] {
    border: 1px solid @border@; border-radius: 0px; padding: 5px 8px; margin: 0px;
    background: @base@; color: @text@; min-height: 18px;
}
QPushButton[role="option"][position="first"] {
    border-top-left-radius: 6px; border-bottom-left-radius: 6px;
}
QPushButton[role="option"][position="last"] {
    border-top-right-radius: 6px; border-bottom-right-radius: 6px;
}
QPushButton[role="option"][position="only"] { border-radius: 6px; }
QPushButton[role="option"]:hover { background: @chip_bg@; }
QPushButton[role="option"]:checked {
    background: @accent@; border: 1px solid @accent@; color: @accent_text@;
}
QPushButton[role="option"]:checked:hover { background: @accent_hover@; }
QPushButton[role="option"]:disabled { color: @muted@; background: @alternate@; }
QPushButton[role="option"]:checked:disabled {
    background: @highlight@; border: 1px solid @accent@; color: @highlight_text@;
}
QFrame[role="score-footer"] {
    background: @alternate@; border: 1px solid @border@; border-radius: 8px;
}
QLabel[role="score"] { color: @text@; font-weight: 600; font-size: 12pt; }
QLabel[role="score-pending"] { color: @muted@; font-weight: 600; }
QLabel[role="score-detail"] { color: @muted@; }
QFrame[role="risk"] {
    background: @risk_bg@; border: 1px solid @error@; border-radius: 8px;
}
QFrame[role="risk"] QLabel { color: @risk_text@; }
QLabel[role="risk-title"] { font-weight: 700; }
QLabel[role="risk-error"] { font-weight: 600; text-decoration: underline; }
QLabel[role="summary"] { color: @text@; font-weight: 600; }
QLabel[role="outcome-response"] {
    background: @highlight@; color: @highlight_text@; border-radius: 9px; padding: 2px 9px;
    font-weight: 600;
}
QLabel[role="outcome-remission"] {
    background: @signed@; color: @card@; border-radius: 9px; padding: 2px 9px; font-weight: 600;
}
QTableView#administrationsTable {
    border: 1px solid @border@; border-radius: 6px; background: @base@;
    gridline-color: @border@; alternate-background-color: @alternate@;
}
QTableView#administrationsTable::item { padding: 0px 8px; }
QTableView#administrationsTable QHeaderView::section {
    background: @alternate@; color: @muted@; border: none;
    border-bottom: 1px solid @border@; padding: 4px 8px; font-weight: 600;
}
QScrollArea#instrumentFormScroll, QScrollArea#instrumentFormScroll > QWidget > QWidget {
    background: transparent; border: none;
}
"""


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


def tokens() -> dict[str, str]:
    """The current scheme's palette tokens plus the few this package derives."""
    values = dict(theme.palettes()[current_scheme()])
    values["risk_bg"] = mix(values["error"], values["card"], 0.12).name()
    values["risk_text"] = values["error"] if current_scheme() == "light" else values["text"]
    return values


def colour(token: str) -> QColor:
    """One palette token of the current scheme as a QColor, e.g. ``colour("accent")``."""
    return QColor(tokens()[token])


def style_sheet() -> str:
    """This package's rules with the current scheme's colours filled in."""
    text = _RULES
    for key, value in tokens().items():
        text = text.replace(f"@{key}@", value)
    return text
