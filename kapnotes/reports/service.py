"""Making report PDFs from an open vault: one note, or the course report of a client.

:func:`note_pdf` and :func:`course_pdf` take the print time as a parameter, so
the same vault content and the same print time give byte-identical PDFs.
:class:`ReportService` is what the app and the command line use: it reads the
clinic's settings and instruments from the vault's folder, prints "now", and
writes ``note.print`` / ``note.export`` to the audit trail when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from kapnotes.domain.instruments import LoadedInstruments, load_instruments
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.timeline import as_utc
from kapnotes.reports.blocks import Kit
from kapnotes.reports.course import course_story
from kapnotes.reports.document import DocMeta, render
from kapnotes.reports.fonts import FontSet, Typesetter, load_fonts
from kapnotes.reports.note import note_story
from kapnotes.reports.source import ReportSource
from kapnotes.reports.styles import Page
from kapnotes.reports.words import day_text, stamp_text
from kapnotes.session.printing import OutputAction, PdfDocument
from kapnotes.store.catalog import Catalog
from kapnotes.store.outputs import record_outputs
from kapnotes.store.vault import OpenVault


def _meta(settings: ClinicSettings, title: str, subject: str, printed_at: datetime) -> DocMeta:
    clinic = settings.letterhead.clinic_name
    return DocMeta(
        title=title,
        author=clinic or "kapnotes",
        subject=subject,
        confidential=f"Confidential · {clinic}" if clinic else "Confidential health information",
        printed=f"Printed {stamp_text(printed_at, settings.zone_name())}",
    )


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "note"


def note_pdf(
    vault: OpenVault,
    note_id: str,
    *,
    printed_at: datetime,
    settings: ClinicSettings | None = None,
    instruments: LoadedInstruments | None = None,
    fonts: FontSet | None = None,
) -> PdfDocument:
    """The PDF of one note, printed at ``printed_at`` (an aware instant).

    Raises :class:`~kapnotes.session.printing.ReportError` for an unknown note.
    """
    settings = settings or ClinicSettings()
    at = as_utc(printed_at)
    source = ReportSource(vault, settings, instruments or load_instruments(), at)
    view = source.note(note_id)
    typesetter = Typesetter(fonts or load_fonts())
    kit = Kit(typesetter, Page.of(settings.letterhead.paper))
    story = note_story(kit, view)
    title = f"{view.title} · {day_text(view.note.session_date)}"
    data, pages = render(story, kit.page, _meta(settings, title, "Clinical note", at), typesetter)
    return PdfDocument(
        data=data,
        pages=pages,
        title=title,
        filename=f"{_slug(view.title)}-{view.note.session_date.isoformat()}.pdf",
        kind="note",
        note_ids=(view.note.id,),
        warnings=kit.warnings,
    )


def course_pdf(
    vault: OpenVault,
    client_id: str,
    course_id: str | None = None,
    *,
    printed_at: datetime,
    settings: ClinicSettings | None = None,
    instruments: LoadedInstruments | None = None,
    fonts: FontSet | None = None,
) -> PdfDocument:
    """The course report of one course of a client, or of all their courses (``course_id``
    None), printed at ``printed_at``.

    Raises :class:`~kapnotes.session.printing.ReportError` for an unknown client or a
    course that is not theirs.
    """
    settings = settings or ClinicSettings()
    at = as_utc(printed_at)
    source = ReportSource(vault, settings, instruments or load_instruments(), at)
    views = source.courses(client_id, course_id)
    typesetter = Typesetter(fonts or load_fonts())
    kit = Kit(typesetter, Page.of(settings.letterhead.paper))
    printed_by = source.clinician()
    story = []
    for position, view in enumerate(views):
        story.extend(
            course_story(
                kit,
                view,
                settings.letterhead,
                printed_by=printed_by,
                printed_at=at,
                first=position == 0,
            )
        )
    first = views[0].course
    title = f"Course report · {day_text(first.start_date)}"
    if len(views) > 1:
        title = f"Course report · {len(views)} courses"
    data, pages = render(story, kit.page, _meta(settings, title, "Course report", at), typesetter)
    note_ids = tuple(n.note.id for view in views for n in view.notes)
    return PdfDocument(
        data=data,
        pages=pages,
        title=title,
        filename=f"course-report-{first.start_date.isoformat()}.pdf"
        if len(views) == 1
        else "course-report.pdf",
        kind="course",
        note_ids=note_ids,
        warnings=kit.warnings,
    )


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class ReportService:
    """Reports of one open vault, with the clinic's settings and instruments from its folder
    (a :class:`~kapnotes.session.printing.ReportMaker`)."""

    def __init__(
        self,
        vault: OpenVault,
        catalog: Catalog,
        *,
        clock: Callable[[], datetime] = _utc_now,
        fonts: FontSet | None = None,
    ) -> None:
        self._vault = vault
        self._catalog = catalog
        self._clock = clock
        self._fonts = fonts

    def _settings(self) -> ClinicSettings:
        return self._catalog.clinic_settings()[0]

    def note(self, note_id: str) -> PdfDocument:
        """The PDF of one note, printed now."""
        return note_pdf(
            self._vault,
            note_id,
            printed_at=self._clock(),
            settings=self._settings(),
            instruments=self._catalog.instruments(),
            fonts=self._fonts,
        )

    def course(self, client_id: str, course_id: str | None = None) -> PdfDocument:
        """The course report of a client (one course, or all), printed now."""
        return course_pdf(
            self._vault,
            client_id,
            course_id,
            printed_at=self._clock(),
            settings=self._settings(),
            instruments=self._catalog.instruments(),
            fonts=self._fonts,
        )

    def record(self, action: OutputAction, document: PdfDocument) -> None:
        """One ``note.print`` or ``note.export`` audit event per note of the document."""
        record_outputs(
            self._vault,
            action.value,
            document.note_ids,
            {"report": document.kind, "pages": document.pages},
        )


__all__ = ["ReportService", "course_pdf", "note_pdf"]
