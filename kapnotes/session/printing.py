"""What the GUI and the command line know of a PDF report, whoever builds it.

The reports package (reportlab) and the widgets sit side by side above this
layer and never import each other; the composition root hands the widgets a
:class:`ReportMaker` built by ``kapnotes.reports``. Both speak in
:class:`PdfDocument`: the bytes of one PDF (previewed, printed and saved as
they are: one document), its page count, the notes it shows and the warnings
of its making (a character no font can draw, a logo that could not be read).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class OutputAction(StrEnum):
    """What the audit trail records when a report leaves the app (with the notes' ids only)."""

    PRINT = "note.print"
    EXPORT = "note.export"


@dataclass(frozen=True, slots=True)
class PdfDocument:
    """One finished PDF report.

    ``title`` names the report for a window title (``"Dosing session · 2 Mar 2026"``);
    ``filename`` is a suggested file name without client data
    (``"dosing-session-2026-03-02.pdf"``); ``kind`` is ``note`` or ``course``;
    ``note_ids`` are the notes it prints (what the audit trail records);
    ``warnings`` are sentences for the user, e.g. ``"U+1F9E0 🧠 cannot be printed with
    the bundled fonts; it is printed as [U+1F9E0]"``.
    """

    data: bytes
    pages: int
    title: str
    filename: str
    kind: str
    note_ids: tuple[str, ...]
    warnings: tuple[str, ...] = ()


class ReportError(Exception):
    """A report cannot be made: an unknown note, client or course (the message says which)."""


class ReportMaker(Protocol):
    """Builds reports from the open vault and records when one is printed or saved."""

    def note(self, note_id: str) -> PdfDocument:
        """The PDF of one note (its own template snapshot); ReportError for an unknown id."""
        ...

    def course(self, client_id: str, course_id: str | None = None) -> PdfDocument:
        """The course report of one course of a client, or of all the client's courses
        (``course_id`` None); ReportError for an unknown client or a course not theirs."""
        ...

    def record(self, action: OutputAction, document: PdfDocument) -> None:
        """Write one audit event per note of ``document`` (ids only, never text)."""
        ...
