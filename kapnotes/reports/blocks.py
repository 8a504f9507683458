"""The building blocks of every report: paragraphs, label/value lists, data tables, headings.

A :class:`Kit` serves one report: it typesets every text through the report's
:class:`~kapnotes.reports.fonts.Typesetter` (so no character is silently lost),
knows the page width, and collects warnings that are not about fonts (a logo
that cannot be read). A field's long text prints as paragraphs under its label, not in a table cell:
:meth:`Kit.text_block` cuts it into paragraphs of a few thousand characters at
sentence or word ends, which flow across pages quickly even for a megabyte of
narrative. A table row taller than a page (a very long observation) is split
across pages inside the row, under the repeated header row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Final

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable
from reportlab.platypus.tables import CellStyle

from kapnotes.domain.letterhead import Letterhead, LogoError, check_logo_file
from kapnotes.reports.fonts import BOLD, FAMILY, Typesetter
from kapnotes.reports.styles import Page, Styles, colour, markup_colour, styles

#: Longest piece of a narrative laid out as one paragraph (characters).
CHUNK: Final = 2400
#: Text longer than this (or with more lines) prints as a block under its label, not in a row.
ROW_TEXT_LIMIT: Final = 320
ROW_LINE_LIMIT: Final = 4
#: Table cells up to this long, wrapping into at most so many lines, are laid out as plain
#: lines (fast); longer ones as paragraphs.
PLAIN_CELL_LIMIT: Final = 160
PLAIN_CELL_LINES: Final = 4
_SENTENCE_END = re.compile(r"[.!?;:…]\s")


@dataclass
class Kit:
    """What one report is built with: fonts, styles, the page, and warnings so far."""

    typesetter: Typesetter
    page: Page
    st: Styles = field(default_factory=styles)
    notices: list[str] = field(default_factory=list)

    @property
    def width(self) -> float:
        """The frame width (points)."""
        return self.page.frame_width

    @property
    def warnings(self) -> tuple[str, ...]:
        """Everything the report could not print as asked: notices, then characters."""
        return (*dict.fromkeys(self.notices), *self.typesetter.warnings)

    # -- text ---------------------------------------------------------------------------

    def para(self, text: str, style_name: str = "body", *, bold: bool = False) -> Paragraph:
        """A paragraph of plain text (line breaks kept)."""
        body = self.typesetter.markup(text)
        return Paragraph(f"<b>{body}</b>" if bold else body, getattr(self.st, style_name))

    def rich(self, markup: str, style_name: str = "body") -> Paragraph:
        """A paragraph of ready markup (its text parts must come from :meth:`esc`)."""
        return Paragraph(markup, getattr(self.st, style_name))

    def esc(self, text: str) -> str:
        """Plain text as markup, for building a :meth:`rich` paragraph."""
        return self.typesetter.markup(text)

    def tinted(self, text: str, token: str, *, bold: bool = False, italic: bool = False) -> str:
        """Plain text as markup in a palette colour (``muted``, ``alert_text`` …)."""
        body = self.typesetter.markup(text)
        if bold:
            body = f"<b>{body}</b>"
        if italic:
            body = f"<i>{body}</i>"
        return f'<font color="{markup_colour(token)}">{body}</font>'

    def text_block(self, text: str, style_name: str = "body") -> list[Flowable]:
        """Text of any length as flowing paragraphs: one per line, long lines in chunks."""
        style = getattr(self.st, style_name)
        out: list[Flowable] = []
        for line in self.typesetter.clean(text).split("\n"):
            if not line.strip():
                out.append(Spacer(1, style.leading * 0.5))
                continue
            for piece in chunks(line):
                out.append(Paragraph(self.typesetter.markup(piece), style))
        return out

    def headed(self, title: str, flowables: Sequence[Flowable]) -> list[Flowable]:
        """A sub-heading kept on the page with the first of what follows it."""
        head = self.para(title, "subsection")
        if not flowables:
            return [head]
        return self.keep_with_start([head], flowables)

    # -- keeping things together ------------------------------------------------------------

    def height(self, flowable: Flowable) -> float:
        """How tall ``flowable`` is across the frame's width, with its space after."""
        _w, h = flowable.wrap(self.width, TALL)
        return float(h) + float(flowable.getSpaceAfter())

    def start_height(self, flowables: Sequence[Flowable]) -> float:
        """The least of ``flowables`` that must be on a page for a heading above them not to
        stand alone: a table's header and first two rows, a paragraph's first lines, a
        chart or a kept group whole (spacers and rules on the way count too)."""
        need = 0.0
        for flowable in flowables:
            if isinstance(flowable, CondPageBreak):
                return need + float(flowable.height)
            if isinstance(flowable, Spacer | HRFlowable):
                need += self.height(flowable)
                continue
            if isinstance(flowable, Table):
                flowable.wrap(self.width, TALL)
                rows = flowable._rowHeights[: flowable.repeatRows + 2]
                return need + float(sum(rows))
            if isinstance(flowable, Paragraph):
                return need + min(self.height(flowable), 3 * float(flowable.style.leading))
            return need + self.height(flowable)
        return need

    def keep_with_start(
        self, lead: Sequence[Flowable], flowables: Sequence[Flowable]
    ) -> list[Flowable]:
        """``lead`` (headings) kept on the page with the start of ``flowables``: a page break
        before them when less room is left, never a group pushed whole to the next page (a
        long table splits under its heading, repeating its header row)."""
        need = sum(self.height(f) for f in lead if not isinstance(f, CondPageBreak))
        need += self.start_height(flowables)
        for flowable in lead:
            flowable._kap_lead = True  # see keep_with_end
        return [CondPageBreak(need + 2), *lead, *flowables]

    def keep_with_end(self, story: list[Flowable], block: Sequence[Flowable]) -> list[Flowable]:
        """``block`` (a signature) appended to ``story`` kept on the page with the last few
        lines before it, so that a page never holds the block alone: the last rows of a
        label/value table are split off into the kept group; a short last flowable joins it
        whole."""
        tail: list[Flowable] = []
        had = 0.0
        while story and had < TAIL_HEIGHT:
            last = story[-1]
            if isinstance(last, CondPageBreak):
                break
            height = self.height(last)
            if isinstance(last, Spacer | HRFlowable) or height <= TAIL_HEIGHT:
                tail.insert(0, story.pop())
                had += height
                continue
            if isinstance(last, Table) and not last.repeatRows and len(last._cellvalues) > 2:
                last.wrap(self.width, TALL)
                heights = last._rowHeights
                keep = heights[-2:] if len(heights) > 2 else heights[-1:]
                parts = last.split(self.width, float(sum(heights)) - float(sum(keep)) + 0.5)
                if len(parts) == 2:
                    story[-1] = parts[0]
                    tail.insert(0, parts[1])
            break
        while story and tail and getattr(story[-1], "_kap_lead", False):
            tail.insert(0, story.pop())  # a heading goes where what it heads goes
        return [*story, KeepTogether([*tail, *block])]

    def heading(self, text: str, level: int = 1) -> list[Flowable]:
        """A section heading (``level`` 1) with a rule, or a sub-heading; kept with what follows."""
        if level == 1:
            return [
                CondPageBreak(1.4 * inch),
                self.para(text, "section"),
                HRFlowable(
                    width="100%", thickness=0.6, color=colour("border"), spaceBefore=0, spaceAfter=5
                ),
            ]
        return [CondPageBreak(1.0 * inch), self.para(text, "subsection")]

    # -- tables -------------------------------------------------------------------------

    def cell(
        self, text: str, width: float, *, head: bool = False, style: ParagraphStyle | None = None
    ) -> Any:
        """A table cell: plain lines when a short text wraps into a few at its spaces in the
        family's fonts (fast to lay out; the table's cell style must match ``style``), else a
        wrapping paragraph in ``style`` (default: the data tables' cell or heading style)."""
        style = style or (self.st.cell_head if head else self.st.cell)
        plain_ascii = text.isascii() and text.isprintable()  # the common case, checked fast
        clean = text if plain_ascii else self.typesetter.clean(text)
        if len(clean) <= PLAIN_CELL_LIMIT and (plain_ascii or self.typesetter.fits(clean)):
            lines = _wrapped(clean, style.fontName, style.fontSize, width - 7)
            if lines is not None:
                return lines
        return Paragraph(self.typesetter.markup(clean), style)

    def fits_in_row(self, text: str) -> bool:
        """Whether a value is short enough for a label/value row."""
        return len(text) <= ROW_TEXT_LIMIT and text.count("\n") < ROW_LINE_LIMIT

    def pairs(
        self, rows: Sequence[tuple[str, Flowable | str]], width: float | None = None
    ) -> Table:
        """Label/value rows (labels in a narrower column); splits between rows. ``width``
        defaults to the frame's."""
        full = width or self.width
        label_w = full * 0.34
        value_w = full - label_w
        label, body = self.st.label, self.st.body
        data = [
            [
                self.cell(name, label_w - 8, style=label),
                self.cell(value, value_w, style=body) if isinstance(value, str) else value,
            ]
            for name, value in rows
        ]
        table = Table(data, colWidths=[label_w, value_w], hAlign="LEFT", splitInRow=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (0, -1), label.fontName, label.fontSize, label.leading),
                    ("TEXTCOLOR", (0, 0), (0, -1), label.textColor),
                    ("FONT", (1, 0), (1, -1), body.fontName, body.fontSize, body.leading),
                    ("TEXTCOLOR", (1, 0), (1, -1), body.textColor),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, colour("grid")),
                ]
            )
        )
        return table

    def data_table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str | Flowable]],
        weights: Sequence[float],
        *,
        marked: Sequence[int] = (),
        aligned_right: Sequence[int] = (),
        alarming: Sequence[tuple[int, int]] = (),
    ) -> Table:
        """A table with a header row repeated on every page it spans; column widths come from
        what the columns hold (:meth:`column_widths`; ``weights`` share out what is left); rows
        in ``marked`` (positions in ``rows``) are highlighted and the cells in ``alarming``
        ((column, row) positions) set in bold alert red."""
        widths = self.column_widths(headers, rows, weights)
        data: list[list[Any]] = [
            [self.cell(h, w, head=True) for h, w in zip(headers, widths, strict=True)]
        ]
        for row in rows:
            data.append(
                [
                    self.cell(value, w) if isinstance(value, str) else value
                    for value, w in zip(row, widths, strict=True)
                ]
            )
        commands: list[tuple[object, ...]] = [
            ("BACKGROUND", (0, 0), (-1, 0), colour("chip_bg")),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colour("muted")),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, colour("border")),
            ("BOX", (0, 0), (-1, -1), 0.5, colour("border")),
        ]
        for column in aligned_right:
            commands.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
        for position in marked:
            commands.append(
                ("BACKGROUND", (0, position + 1), (-1, position + 1), colour("mark_bg"))
            )
        for column, position in alarming:
            cell = (column, position + 1)
            commands.append(("FONTNAME", cell, cell, BOLD))
            commands.append(("TEXTCOLOR", cell, cell, colour("alert_text")))
        # Every cell starts with the table's font, colour and padding (one object per cell,
        # as reportlab keeps them), so only what differs needs a style command.
        # Cells start with the table's font, colour and padding. reportlab keeps a style per
        # cell and changes it in place, so rows share their column's (commands here touch
        # whole columns or the whole table) except the rows a command picks out.
        body_cell, head_cell = _cell_styles(self.st)
        shared = [body_cell("c") for _ in widths]
        own = {position for _column, position in alarming}
        cells = [[head_cell("h") for _ in widths]]
        cells.extend(
            [body_cell("c") for _ in widths] if position in own else shared
            for position in range(len(rows))
        )
        table = Table(
            data, colWidths=widths, repeatRows=1, hAlign="LEFT", cellStyles=cells, splitInRow=1
        )
        table.setStyle(TableStyle(commands))
        return table

    def column_widths(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str | Flowable]],
        weights: Sequence[float],
    ) -> list[float]:
        """Widths that fit the frame and never break a word: each column is at least as wide as
        its longest word (header or cell); the room left goes to the columns whose text would
        otherwise wrap (as much as each would use on one line), and what is still left is
        shared by ``weights``. Paragraph cells count by their words; other flowables ask nothing."""
        head, body = self.st.cell_head, self.st.cell
        least: list[float] = []
        whole: list[float] = []
        for column, header in enumerate(headers):
            texts = [(header, head.fontName, head.fontSize)]
            for row in rows:
                cell = row[column]
                if isinstance(cell, Paragraph):  # its words, in the table's cell font
                    texts.append((cell.getPlainText(), body.fontName, body.fontSize))
                elif isinstance(cell, str):
                    texts.append((cell, body.fontName, body.fontSize))
            least.append(CELL_PADDING + max(_longest_word(*t) for t in texts))
            whole.append(CELL_PADDING + max(_longest_line(*t) for t in texts))
        room = self.width
        if sum(least) >= room:  # more columns than the page holds: words must break somewhere
            return [room * w / sum(least) for w in least]
        if sum(whole) <= room:
            spare = room - sum(whole)
            return [
                w + spare * share / sum(weights) for w, share in zip(whole, weights, strict=True)
            ]
        wanted = [w - m for w, m in zip(whole, least, strict=True)]
        spare = room - sum(least)
        return [m + spare * want / sum(wanted) for m, want in zip(least, wanted, strict=True)]

    def boxed(self, flowables: Sequence[Flowable], background: str, border: str) -> Table:
        """Flowables in a tinted box (signature block, alerts), kept on one page."""
        table = Table([[list(flowables)]], colWidths=[self.width], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colour(background)),
                    ("BOX", (0, 0), (-1, -1), 0.8, colour(border)),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ]
            )
        )
        return table

    # -- letterhead ---------------------------------------------------------------------

    def letterhead(self, letterhead: Letterhead) -> list[Flowable]:
        """The clinic's name, address, phone and logo, with a rule under them (nothing when
        no letterhead is set). A logo that cannot be used is left out, with a warning."""
        if letterhead.is_empty:
            return []
        lines: list[Flowable] = []
        if letterhead.clinic_name:
            lines.append(self.para(letterhead.clinic_name, "clinic"))
        details = [*letterhead.address_lines]
        if letterhead.phone:
            details.append(f"Phone {letterhead.phone}")
        if details:
            lines.append(self.para("\n".join(details), "muted"))
        logo = self._logo(letterhead.logo_path)
        if logo is not None:
            table = Table(
                [[logo, lines]],
                colWidths=[logo.drawWidth + 12, self.width - logo.drawWidth - 12],
                hAlign="LEFT",
            )
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ]
                )
            )
            top: list[Flowable] = [table]
        else:
            top = lines
        return [
            KeepTogether(
                [
                    *top,
                    HRFlowable(
                        width="100%",
                        thickness=1.2,
                        color=colour("accent"),
                        spaceBefore=6,
                        spaceAfter=10,
                    ),
                ]
            )
        ]

    def _logo(self, path: str | None) -> Image | None:
        if not path:
            return None
        try:
            file = check_logo_file(path)
            image = Image(str(file))
        except LogoError as error:
            self.notices.append(f"{error}; the letterhead is printed without it.")
            return None
        except Exception:  # Pillow could not decode it
            self.notices.append(
                f"Logo {path}: the picture cannot be read; the letterhead is printed without it."
            )
            return None
        max_w, max_h = 1.6 * inch, 0.75 * inch
        scale = min(max_w / image.imageWidth, max_h / image.imageHeight)
        image.drawWidth = image.imageWidth * scale
        image.drawHeight = image.imageHeight * scale
        return image


@cache
def _cell_styles(st: Styles) -> tuple[type[CellStyle], type[CellStyle]]:
    """Cell styles of data tables: body cells and header cells (classes whose defaults are
    the report's, instantiated once per cell)."""
    body = type(
        "KapCell",
        (CellStyle,),
        {
            "fontname": FAMILY,
            "fontsize": st.cell.fontSize,
            "leading": st.cell.leading,
            "color": colour("text"),
            "valign": "TOP",
            "leftPadding": 3.5,
            "rightPadding": 3.5,
            "topPadding": 2.5,
            "bottomPadding": 2.5,
        },
    )
    head = type(
        "KapHeadCell",
        (body,),
        {"fontname": BOLD, "fontsize": st.cell_head.fontSize, "leading": st.cell_head.leading},
    )
    return body, head


#: Taller than any page: the height flowables are measured against.
TALL: Final = 100_000.0
#: How much of what precedes a signature is kept on its page with it (points).
TAIL_HEIGHT: Final = 40.0
#: A data-table cell's left and right padding together, and a hair to spare (points).
CELL_PADDING: Final = 7.5


@lru_cache(maxsize=8192)
def _longest_word(text: str, font: str, size: float) -> float:
    return max((stringWidth(word, font, size) for word in text.split()), default=0.0)


@lru_cache(maxsize=8192)
def _longest_line(text: str, font: str, size: float) -> float:
    return max((stringWidth(line, font, size) for line in text.split("\n")), default=0.0)


@lru_cache(maxsize=8192)
def _wrapped(text: str, font: str, size: float, width: float) -> str | None:
    """``text`` broken at its spaces into at most four lines of ``width`` points (``\n``
    between them), or None when it does not go into four (cells repeat: "—", "98")."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if stringWidth(candidate, font, size) <= width:
                current = candidate
                continue
            if not current or stringWidth(word, font, size) > width:
                return None  # a word wider than the column: the paragraph splits it
            lines.append(current)
            current = word
        lines.append(current)
    return "\n".join(lines) if len(lines) <= PLAIN_CELL_LINES else None


def chunks(line: str, size: int = CHUNK) -> list[str]:
    """A long line cut into pieces of about ``size`` characters, at a sentence end where one
    is near, else at a space (a word longer than ``size`` is cut where it must be)."""
    if len(line) <= size:
        return [line]
    pieces: list[str] = []
    start = 0
    while len(line) - start > size:
        window = line[start : start + size]
        cut = -1
        for match in _SENTENCE_END.finditer(window, size // 2):
            cut = match.end()
        if cut <= 0:
            space = window.rfind(" ", size // 2)
            cut = space + 1 if space > 0 else size
        pieces.append(line[start : start + cut].rstrip())
        start += cut
    pieces.append(line[start:])
    return [piece for piece in pieces if piece]
