"""Help (F1): every keyboard shortcut, and the short user guide from the README.

The shortcut reference is :data:`SHORTCUTS` (tests check it against the main
window's actions and the live view's own list, so it cannot fall behind); the
guide is the README's user sections shipped as a resource
(:mod:`kapnotes.domain.guide`). The dialog is not modal: it can stay open beside
a note.
"""

from __future__ import annotations

import html
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from kapnotes import APP_NAME
from kapnotes.domain.guide import load_guide

#: (where, ((keys, what they do), …)), in the order the reference shows them.
SHORTCUTS: Final[tuple[tuple[str, tuple[tuple[str, str], ...]], ...]] = (
    (
        "Anywhere in kapnotes",
        (
            ("F1", "This help: shortcuts and the user guide"),
            ("F12", "Privacy curtain over every kapnotes window; F12 again to return"),
            ("Ctrl+L", "Lock now (a live session goes on; it is back after unlocking)"),
            ("Ctrl+Q", "Quit"),
        ),
    ),
    (
        "Main window",
        (
            ("Ctrl+N", "New client"),
            ("Ctrl+F", "Find a client (search as you type)"),
            ("Ctrl+Shift+F", "Search the text of every note"),
            ("Ctrl+P", "Course report of the client shown: preview, print or save as PDF"),
            ("Enter", "In a course's list of notes: open the note (Space too; the arrows move)"),
            ("L", "In a course's list of notes: run the dosing draft as a live session"),
            ("Shift+F10", "In a course's list of notes: the note's menu (the Menu key too)"),
        ),
    ),
    (
        "Note window",
        (
            ("Ctrl+Shift+S", "Sign the note (lists what is missing first)"),
            ("Ctrl+F", "Search every note"),
            ("Ctrl+P", "This note as a PDF: preview, print or save"),
            ("Ctrl+W", "Close the note window (everything is saved)"),
            ("Tab / Shift+Tab", "Next / previous field"),
        ),
    ),
    (
        "Live session",
        (
            ("Enter", "Save the observation typed (the time is stamped)"),
            ("Alt+1…8", "Tag the entry being typed (line empty: the entry just saved)"),
            ("Ctrl+E", "Correct the latest entry (or the one selected); on an alert, add a note"),
            ("Ctrl+B", "Vitals row (F2 too); Enter records it"),
            ("F5", "Pre-dose checks"),
            ("F3", "Dose"),
            ("F4", "Adverse events"),
            ("F8", "Interventions and treatments given"),
            ("F6", "Monitoring time per clinician"),
            ("F7", "Discharge"),
            ("Esc", "Back to the observation line (never closes the session)"),
            ("F12", "Privacy curtain"),
            ("Ctrl+D", "Dim theme for a darkened room"),
            ("Ctrl+L", "Lock; the session's clock and reminders go on"),
            ("Ctrl+W", "Close the live session window"),
        ),
    ),
)


def shortcuts_html() -> str:
    """The shortcut reference as an HTML page (one table per place)."""
    parts = ["<h2>Keyboard shortcuts</h2>"]
    for where, rows in SHORTCUTS:
        parts.append(f"<h3>{html.escape(where)}</h3>")
        parts.append('<table cellspacing="0" cellpadding="5">')
        for keys, what in rows:
            parts.append(
                f'<tr><td width="150"><b>{html.escape(keys)}</b></td>'
                f"<td>{html.escape(what)}</td></tr>"
            )
        parts.append("</table>")
    return "".join(parts)


class HelpDialog(QDialog):
    """Two tabs: the keyboard shortcuts and the user guide."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle(f"{APP_NAME} help")
        self.setModal(False)
        self.resize(860, 660)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("helpTabs")
        self.shortcuts = QTextBrowser()
        self.shortcuts.setObjectName("shortcutReference")
        self.shortcuts.setHtml(shortcuts_html())
        self.guide = QTextBrowser()
        self.guide.setObjectName("userGuide")
        self.guide.setOpenExternalLinks(True)
        self.guide.setMarkdown(load_guide())
        for browser in (self.shortcuts, self.guide):
            browser.document().setDocumentMargin(18)  # text not glued to the frame
        self.tabs.addTab(self.shortcuts, "Keyboard shortcuts")
        self.tabs.addTab(self.guide, "User guide")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        lay.addWidget(self.tabs)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
