"""The editor's own style rules (amber warnings, missing panel, banners), in theme colours.

The application style sheet belongs to the theme; the editor adds a few rules for
its own roles, filled from the same palette tokens as the rest of the app.
"""

from __future__ import annotations

from kapnotes.ui import theme

_RULES = """
QLabel[role="warning"] { color: @warning_text@; }
QLabel[role="field-error"] { color: @error@; }
QLabel[role="required"] { color: @accent@; font-weight: 600; }
QLabel[role="section-title"] { font-size: 13pt; font-weight: 600; color: @text@; }
QLabel[role="caption"] { color: @muted@; }
QLabel[role="flag"] {
    background: @warning_bg@; border: 1px solid @warning_border@; color: @warning_text@;
    border-radius: 6px; padding: 4px 8px; font-weight: 600;
}
QLabel[role="score"] { color: @text@; font-weight: 600; }
QFrame[role="missing"] {
    background: @warning_bg@; border: 1px solid @warning_border@; border-radius: 8px;
}
QFrame[role="missing"] QLabel { color: @warning_text@; }
QFrame[role="missing"] QPushButton[role="link"] { color: @warning_text@; }
QFrame[role="signature"] {
    background: @highlight@; border: 1px solid @accent@; border-radius: 8px;
}
QFrame[role="signature"] QLabel { color: @highlight_text@; }
QFrame[role="addendum"] {
    background: @alternate@; border: 1px solid @border@; border-radius: 8px;
}
QScrollArea#editorScroll, QScrollArea#editorScroll > QWidget > QWidget {
    background: @window@; border: none;
}
QLineEdit[warning="true"], QSpinBox[warning="true"] { border: 1px solid @warning_border@; }
QLineEdit:read-only, QPlainTextEdit[readOnly="true"] { background: @alternate@; }
QTimeEdit {
    border: 1px solid @border@; border-radius: 6px; padding: 5px 4px;
    background: @base@; color: @text@;
}
QTimeEdit::up-button, QTimeEdit::down-button { width: 0px; border: none; }
QTimeEdit:focus { border: 1px solid @accent@; }
QTableView {
    border: 1px solid @border@; border-radius: 6px; background: @base@;
    gridline-color: @border@; alternate-background-color: @alternate@;
}
QHeaderView::section {
    background: @alternate@; color: @muted@; border: none;
    border-bottom: 1px solid @border@; border-right: 1px solid @border@; padding: 4px 6px;
}
QPushButton[role="segment"] {
    padding: 4px 0px; min-width: 30px; border-radius: 4px;
}
QPushButton[role="segment"]:checked {
    background: @accent@; border: 1px solid @accent@; color: @accent_text@; font-weight: 600;
}
"""


current_scheme = theme.palette_scheme  # one judgement of light or dark, in ui.theme


def colour(token: str) -> str:
    """A palette token of the current scheme, e.g. ``colour("warning_text")``."""
    return theme.palettes()[current_scheme()][token]


def editor_style_sheet() -> str:
    """The editor's extra rules with the current scheme's colours filled in."""
    tokens = theme.palettes()[current_scheme()]
    text = _RULES
    for key, value in tokens.items():
        text = text.replace(f"@{key}@", value)
    return text
