"""The note editor generated from a note's template snapshot.

`NoteEditor` builds a form from the template the note was written with (so an
old note renders as written), autosaves every change into the encrypted vault,
signs the note and appends addenda. `NoteWindow` wraps it with a header,
`new_note_dialog` asks for phase and date of a new note, and `NoteSearchDialog`
searches the text of every note.
"""

from __future__ import annotations

from kapnotes.ui.editor.editor import NoteEditor
from kapnotes.ui.editor.search import NoteSearchDialog, SearchResultsModel
from kapnotes.ui.editor.window import NewNoteChoice, NewNoteDialog, NoteWindow, new_note_dialog

__all__ = [
    "NewNoteChoice",
    "NewNoteDialog",
    "NoteEditor",
    "NoteSearchDialog",
    "NoteWindow",
    "SearchResultsModel",
    "new_note_dialog",
]
