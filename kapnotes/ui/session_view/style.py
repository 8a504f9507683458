"""The session view's own look: light, dark and a DIM scheme for a darkened room.

The application style sheet belongs to the theme (resources/themes); the session
view brings its own sheet on top of it, scoped to ``#sessionView``. ``light`` and
``dark`` follow the app's palette tokens; ``dim`` is very dark, low in contrast
but readable, with red-shifted accents that spare night vision and do not light
up the room.
"""

from __future__ import annotations

from typing import Final, Literal

from kapnotes.ui import theme

SessionScheme = Literal["light", "dark", "dim"]

_EXTRA: Final[dict[str, dict[str, str]]] = {
    "light": {
        "panel": "#ffffff",
        "clock": "#123c3b",
        "alert_bg": "#fde8e6",
        "alert_border": "#d9534f",
        "alert_text": "#8e1b14",
        "cue_bg": "#fff4d6",
        "cue_border": "#e0b443",
        "cue_text": "#6b4a00",
        "mark_bg": "#f9d4d0",
        "tag_on": "#2f7573",
        "tag_on_text": "#ffffff",
        "series_sys": "#c0392b",
        "series_dia": "#e67e22",
        "series_hr": "#2e6da4",
        "series_spo2": "#2e7d4f",
        "grid": "#e3e7eb",
        "curtain_text": "#3a3a3a",
    },
    "dark": {
        "panel": "#22272c",
        "clock": "#e3f3f2",
        "alert_bg": "#4a1f1c",
        "alert_border": "#c4554d",
        "alert_text": "#ffd2cc",
        "cue_bg": "#3a3019",
        "cue_border": "#9a7a2e",
        "cue_text": "#f3da9c",
        "mark_bg": "#5a2622",
        "tag_on": "#5fb3ae",
        "tag_on_text": "#0f2222",
        "series_sys": "#ef7b6f",
        "series_dia": "#f0b26b",
        "series_hr": "#7fb2e5",
        "series_spo2": "#7cc79a",
        "grid": "#323a42",
        "curtain_text": "#3a3a3a",
    },
}

_DIM: Final[dict[str, str]] = {
    "window": "#0b0807",
    "base": "#140e0c",
    "alternate": "#181110",
    "card": "#120d0b",
    "panel": "#120d0b",
    "border": "#33231f",
    "text": "#b9a39b",
    "muted": "#86706a",
    "accent": "#a8453a",
    "accent_hover": "#b85247",
    "accent_text": "#140a08",
    "highlight": "#3a1a16",
    "highlight_text": "#d8bcb4",
    "error": "#d0685c",
    "warning_bg": "#2a1410",
    "warning_border": "#6e2f26",
    "warning_text": "#d49a86",
    "disabled": "#54433e",
    "clock": "#c98e80",
    "alert_bg": "#3a0f0b",
    "alert_border": "#8f2a20",
    "alert_text": "#e6a496",
    "cue_bg": "#2a170d",
    "cue_border": "#6e3f1e",
    "cue_text": "#cf9f78",
    "mark_bg": "#40140f",
    "tag_on": "#7d2f26",
    "tag_on_text": "#f0d2c8",
    "series_sys": "#c0503f",
    "series_dia": "#a8743c",
    "series_hr": "#8a6a8c",
    "series_spo2": "#6f8a5a",
    "grid": "#241815",
    "curtain_text": "#2a2020",
}


app_scheme = theme.palette_scheme  # one judgement of light or dark, in ui.theme


def tokens(scheme: SessionScheme) -> dict[str, str]:
    """Every colour token of a scheme."""
    if scheme == "dim":
        return dict(_DIM)
    return {**theme.palettes()[scheme], **_EXTRA[scheme]}


_SHEET: Final = """
#sessionView, #sessionView QWidget#sessionBody { background: @window@; color: @text@; }
#sessionView QLabel { color: @text@; background: transparent; }
#sessionView QLabel[role="muted"], #sessionView QLabel[role="caption"] { color: @muted@; }
#sessionView QFrame#sessionHeader {
    background: @panel@; border-bottom: 1px solid @border@;
}
#sessionView QLabel#sessionClock {
    font-size: 40pt; font-weight: 700; color: @clock@; font-family: "DejaVu Sans Mono", monospace;
}
#sessionView QLabel#wallClock { font-size: 18pt; color: @muted@; }
#sessionView QLabel#clientName { font-size: 17pt; font-weight: 600; }
#sessionView QLabel#clientDetails { font-size: 12pt; color: @muted@; }
#sessionView QLabel#statusChip {
    border: 1px solid @border@; border-radius: 10px; padding: 2px 10px; color: @muted@;
}
#sessionView QFrame#alertBanner {
    background: @alert_bg@; border: 2px solid @alert_border@; border-radius: 8px;
}
#sessionView QFrame#alertBanner QLabel { color: @alert_text@; font-size: 13pt; font-weight: 600; }
#sessionView QScrollBar:vertical { background: @panel@; width: 12px; margin: 0; border: none; }
#sessionView QScrollBar:horizontal { background: @panel@; height: 12px; margin: 0; border: none; }
#sessionView QScrollBar::handle:vertical, #sessionView QScrollBar::handle:horizontal {
    background: @border@; border-radius: 5px; min-height: 24px; min-width: 24px; margin: 2px;
}
#sessionView QScrollBar::add-line, #sessionView QScrollBar::sub-line { width: 0; height: 0; }
#sessionView QScrollBar::add-page, #sessionView QScrollBar::sub-page { background: none; }
#sessionView QCheckBox::indicator {
    width: 16px; height: 16px; border: 2px solid @border@; border-radius: 4px;
    background: @panel@;
}
#sessionView QCheckBox::indicator:checked { background: @accent@; border-color: @accent@; }
#sessionView QLabel#clientAllergies {
    color: @alert_text@; font-size: 12pt; font-weight: 700;
}
#sessionView QLabel#reminderCue {
    background: @cue_bg@; border: 1px solid @cue_border@; border-radius: 8px;
    color: @cue_text@; font-size: 12pt; font-weight: 600; padding: 6px 10px;
}
#sessionView QFrame[role="panel"] {
    background: @panel@; border: 1px solid @border@; border-radius: 10px;
}
#sessionView QLabel[role="panel-title"] { font-size: 12pt; font-weight: 700; color: @text@; }
#sessionView QLabel[role="inline-error"] { color: @error@; font-weight: 600; }
#sessionView QLabel[role="inline-warning"] { color: @warning_text@; font-weight: 600; }
#sessionView QLabel[role="inline-ok"] { color: @muted@; }
#sessionView QLineEdit, #sessionView QComboBox, #sessionView QPlainTextEdit {
    background: @base@; color: @text@; border: 1px solid @border@; border-radius: 6px;
    padding: 5px 7px; selection-background-color: @highlight@;
    selection-color: @highlight_text@;
}
#sessionView QLineEdit:focus, #sessionView QComboBox:focus {
    border: 2px solid @accent@;
}
#sessionView QLineEdit[invalid="true"] { border: 2px solid @error@; }
#sessionView QLineEdit#observationEntry { font-size: 15pt; padding: 8px 10px; }
#sessionView QComboBox QAbstractItemView {
    background: @base@; color: @text@; selection-background-color: @highlight@;
}
#sessionView QPushButton {
    background: @base@; color: @text@; border: 1px solid @border@; border-radius: 6px;
    padding: 5px 10px;
}
#sessionView QPushButton:hover { border-color: @accent@; }
#sessionView QPushButton:focus { border: 2px solid @accent@; }
#sessionView QPushButton[role="primary"] {
    background: @accent@; color: @accent_text@; border: 1px solid @accent@; font-weight: 600;
}
#sessionView QPushButton:disabled { color: @disabled@; }
#sessionView QPushButton[role="tag"] { padding: 4px 8px; border-radius: 12px; }
#sessionView QPushButton[role="tag"]:checked {
    background: @tag_on@; color: @tag_on_text@; border: 1px solid @tag_on@; font-weight: 600;
}
#sessionView QCheckBox { color: @text@; spacing: 8px; }
#sessionView QListWidget, #sessionView QTableWidget {
    background: @base@; color: @text@; border: 1px solid @border@; border-radius: 6px;
    alternate-background-color: @alternate@; gridline-color: @border@;
}
#sessionView QListWidget::item { padding: 4px 6px; }
#sessionView QListWidget::item:selected, #sessionView QTableWidget::item:selected {
    background: @highlight@; color: @highlight_text@;
}
#sessionView QHeaderView::section {
    background: @alternate@; color: @muted@; border: none;
    border-bottom: 1px solid @border@; border-right: 1px solid @border@; padding: 4px 6px;
}
#sessionView QTableCornerButton::section { background: @alternate@; border: none; }
#sessionView QTabWidget::pane { border: 1px solid @border@; border-radius: 8px; top: -1px; }
#sessionView QTabBar::tab {
    background: @alternate@; color: @muted@; border: 1px solid @border@;
    padding: 6px 12px; border-top-left-radius: 6px; border-top-right-radius: 6px;
}
#sessionView QTabBar::tab:selected { background: @panel@; color: @text@; font-weight: 600; }
#sessionView QScrollArea { background: transparent; border: none; }
#sessionView QScrollArea > QWidget > QWidget { background: transparent; }
#sessionView QLabel#helpStrip {
    color: @muted@; border-top: 1px solid @border@; padding: 4px 12px; font-size: 10pt;
}
#sessionView QWidget#privacyCurtain { background: #000000; }
#sessionView QWidget#privacyCurtain QLabel { color: @curtain_text@; font-size: 10pt; }
#sessionView QSplitter::handle { background: @window@; }
"""


def session_style_sheet(scheme: SessionScheme) -> str:
    """The session view's style sheet in one scheme's colours."""
    text = _SHEET
    for key, value in tokens(scheme).items():
        text = text.replace(f"@{key}@", value)
    return text
