"""The note editor generated from a note's template snapshot.

`NoteEditor` builds a form from the template the note was written with (so an
old note renders as written), autosaves every change into the encrypted vault,
signs the note and appends addenda. `NoteWindow` wraps it with a header,
`new_note_dialog` asks for phase and date of a new note, and `NoteSearchDialog`
searches the text of every note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kapnotes.lazy import lazy_exports

if TYPE_CHECKING:
    from kapnotes.ui.editor.editor import NoteEditor
    from kapnotes.ui.editor.search import NoteSearchDialog, SearchResultsModel
    from kapnotes.ui.editor.window import NewNoteChoice, NewNoteDialog, NoteWindow, new_note_dialog

# What this package offers, loaded when first used (the lock screen needs none of it).
_EXPORTS: dict[str, str] = {
    "NoteEditor": "kapnotes.ui.editor.editor",
    "NoteSearchDialog": "kapnotes.ui.editor.search",
    "SearchResultsModel": "kapnotes.ui.editor.search",
    "NewNoteChoice": "kapnotes.ui.editor.window",
    "NewNoteDialog": "kapnotes.ui.editor.window",
    "NoteWindow": "kapnotes.ui.editor.window",
    "new_note_dialog": "kapnotes.ui.editor.window",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "NewNoteChoice",
    "NewNoteDialog",
    "NoteEditor",
    "NoteSearchDialog",
    "NoteWindow",
    "SearchResultsModel",
    "new_note_dialog",
]
