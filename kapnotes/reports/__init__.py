"""PDF reports (reportlab): a note, a dosing session, a course. Never imports Qt.

* :func:`note_pdf` — one note from its own template snapshot (a dosing note with
  its dose and vitals tables, vitals chart, alerts, monitoring time and REMS block);
* :func:`course_pdf` — a course's cover, session table, measure trends, open risk
  flags and every note in date order;
* :class:`ReportService` — the same for the app and the command line, printed
  now, recording ``note.print`` / ``note.export`` in the audit trail.

Text is set in the bundled DejaVu Sans family (:mod:`kapnotes.reports.fonts`);
pages carry a running header, "Page X of Y" and, on drafts, DRAFT
(:mod:`kapnotes.reports.document`). The same vault and print time give the same
bytes.
"""

from kapnotes.reports.fonts import FontSet, load_fonts
from kapnotes.reports.service import ReportService, course_pdf, note_pdf
from kapnotes.session.printing import OutputAction, PdfDocument, ReportError

__all__ = [
    "FontSet",
    "OutputAction",
    "PdfDocument",
    "ReportError",
    "ReportService",
    "course_pdf",
    "load_fonts",
    "note_pdf",
]
