"""The page frame of every report: running header, footer with "Page X of Y", DRAFT mark.

One :class:`ReportDoc` (a platypus ``BaseDocTemplate`` with one page template)
lays out a story once. "Page X of Y" needs the page count before the footers
are drawn; :class:`ReportCanvas` keeps each finished page and draws the footers
when the document is saved, so the story is laid out in one pass (platypus'
``multiBuild`` lays it out twice: see the README's Design section for the measured
difference). Built with ``invariant=1`` and the print time as a parameter, the
same content gives the same bytes.

A report may hold several parts (a course report: the cover, then each note);
each part starts with a :class:`PartMark` flowable naming the header its pages
carry (client, note, date) and whether it is a draft, which marks every one of
its pages DRAFT.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from kapnotes.reports.fonts import BOLD, Typesetter
from kapnotes.reports.styles import Page, colour, markup_colour, styles


@dataclass(frozen=True)
class PartHeader:
    """The running header of a part: ``left`` and ``right`` as plain text, and the draft mark."""

    left: str
    right: str
    draft: bool = False


@dataclass(frozen=True)
class DocMeta:
    """What every page of one report shows: the footer's texts, the PDF's metadata."""

    title: str
    author: str
    subject: str
    confidential: str
    printed: str


class PartMark(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size flowable: from here on pages carry ``header`` (and DRAFT when it is a draft)."""

    def __init__(self, header: PartHeader) -> None:
        super().__init__()
        self.header = header
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Takes no room."""
        return 0, 0

    def draw(self) -> None:
        """Tell the canvas which header its pages carry now."""
        self.canv.kap_part = self.header


class ReportCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """A canvas that keeps its pages until saved, then draws every footer with the total."""

    def __init__(self, *args: Any, footer: DocMeta, typesetter: Typesetter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kap_footer = footer
        self.kap_typesetter = typesetter
        self.kap_part: PartHeader | None = None
        self.kap_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        """Keep the finished page; its footer is drawn when the page count is known."""
        self.kap_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw each kept page's footer ("Page X of Y"), then write the document."""
        total = len(self.kap_pages)
        for number, state in enumerate(self.kap_pages, start=1):
            self.__dict__.update(state)
            self._footer(number, total)
            Canvas.showPage(self)
        Canvas.save(self)

    @property
    def page_count(self) -> int:
        """How many pages the document has (known once the story is laid out)."""
        return len(self.kap_pages)

    def _footer(self, number: int, total: int) -> None:
        width, _height = self._pagesize
        meta = self.kap_footer
        page: Page = self.kap_page_geometry
        y = page.bottom - 0.42 * inch
        self.saveState()
        self.setStrokeColor(colour("border"))
        self.setLineWidth(0.5)
        rule = page.bottom - 0.22 * inch
        self.line(page.left, rule, width - page.right, rule)
        self.restoreState()
        ts = self.kap_typesetter
        st = styles()
        third = (width - page.left - page.right) / 3
        top = y + 9.5
        small_print(self, ts, meta.confidential, page.left, top, third, st.header, bold=True)
        small_print(self, ts, meta.printed, page.left + third, top, third, st.header_centre)
        small_print(
            self,
            ts,
            f"Page {number} of {total}",
            page.left + 2 * third,
            top,
            third,
            st.header_right,
        )


class ReportDoc(BaseDocTemplate):  # type: ignore[misc]  # reportlab is untyped
    """One page template: running header above the frame, DRAFT mark over draft pages."""

    def __init__(self, buffer: BytesIO, page: Page, meta: DocMeta, typesetter: Typesetter) -> None:
        super().__init__(
            buffer,
            pagesize=(page.width, page.height),
            leftMargin=page.left,
            rightMargin=page.right,
            topMargin=page.top,
            bottomMargin=page.bottom,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            creator="kapnotes",
            invariant=1,
        )
        self.kap_page = page
        self.kap_typesetter = typesetter
        frame = Frame(
            page.left,
            page.bottom,
            page.frame_width,
            page.frame_height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        self.addPageTemplates([PageTemplate("page", [frame], onPageEnd=self._page_end)])

    def _page_end(self, canvas: ReportCanvas, _doc: BaseDocTemplate) -> None:
        canvas.kap_page_geometry = self.kap_page
        part = canvas.kap_part
        if part is None:
            return
        page = self.kap_page
        if part.draft:
            self._draft_mark(canvas)
        st = styles()
        ts = self.kap_typesetter
        top = page.height - 0.5 * inch
        width = page.frame_width
        share = 0.55
        lh = small_print(canvas, ts, part.left, page.left, top, width * share - 6, st.header)
        right_x, right_w = page.left + width * share, width * (1 - share)
        rh = small_print(canvas, ts, part.right, right_x, top, right_w, st.header_right)
        if part.draft:
            rh += small_print(
                canvas,
                ts,
                "DRAFT — not signed",
                right_x,
                top - rh,
                right_w,
                st.header_right,
                bold=True,
                tint="alert_text",
            )
        canvas.saveState()
        canvas.setStrokeColor(colour("border"))
        canvas.setLineWidth(0.5)
        rule = top - max(lh, rh) - 4
        canvas.line(page.left, rule, page.width - page.right, rule)
        canvas.restoreState()

    def _draft_mark(self, canvas: ReportCanvas) -> None:
        page = self.kap_page
        canvas.saveState()
        canvas.setFillColor(colour("draft"))
        canvas.setFillAlpha(0.13)
        canvas.setFont(BOLD, 120)
        canvas.translate(page.width / 2, page.height / 2)
        canvas.rotate(50)
        canvas.drawCentredString(0, -40, "DRAFT")
        canvas.restoreState()


def small_print(
    canvas: Canvas,
    typesetter: Typesetter,
    text: str,
    x: float,
    top: float,
    width: float,
    style: ParagraphStyle,
    *,
    bold: bool = False,
    tint: str | None = None,
) -> float:
    """Header or footer text (one or more lines) in a box ``width`` wide whose top is
    ``top``, aligned as ``style`` says: each line plain when it fits in the family's fonts
    (fast), else a paragraph that wraps. Returns the height used."""
    font = BOLD if bold else style.fontName
    used = 0.0
    for line in typesetter.clean(text).split("\n"):
        if typesetter.fits(line) and stringWidth(line, font, style.fontSize) <= width:
            canvas.saveState()
            canvas.setFont(font, style.fontSize)
            canvas.setFillColor(colour(tint) if tint else style.textColor)
            baseline = top - used - style.fontSize
            if style.alignment == TA_RIGHT:
                canvas.drawRightString(x + width, baseline, line)
            elif style.alignment == TA_CENTER:
                canvas.drawCentredString(x + width / 2, baseline, line)
            else:
                canvas.drawString(x, baseline, line)
            canvas.restoreState()
            used += style.leading
            continue
        body = typesetter.markup(line)
        if bold:
            body = f"<b>{body}</b>"
        if tint:
            body = f'<font color="{markup_colour(tint)}">{body}</font>'
        paragraph = Paragraph(body, style)
        _w, height = paragraph.wrapOn(canvas, width, 60)
        paragraph.drawOn(canvas, x, top - used - height)
        used += height
    return used


@contextlib.contextmanager
def binary_streams() -> Iterator[None]:
    """Page streams compressed but not ASCII85-encoded (a quarter smaller and quicker to write;
    every PDF reader takes binary streams). reportlab reads this from its global config, so it
    is set only while one report is written, and put back."""
    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def render(
    story: Sequence[Flowable], page: Page, meta: DocMeta, typesetter: Typesetter
) -> tuple[bytes, int]:
    """Lay out ``story`` on ``page``; the PDF's bytes and its page count."""
    buffer = BytesIO()
    doc = ReportDoc(buffer, page, meta, typesetter)
    made: list[ReportCanvas] = []

    def canvas_maker(*args: Any, **kwargs: Any) -> ReportCanvas:
        canvas = ReportCanvas(*args, footer=meta, typesetter=typesetter, **kwargs)
        canvas.kap_page_geometry = page
        made.append(canvas)
        return canvas

    with binary_streams():
        doc.build(list(story), canvasmaker=canvas_maker)
    return buffer.getvalue(), made[-1].page_count if made else 0
