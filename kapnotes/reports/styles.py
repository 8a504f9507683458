"""How reports look: colours from the app's light palette, paragraph and table styles, paper.

Every colour comes from ``resources/themes/palettes.json`` (the light palette:
reports print on white paper), read here without Qt. Sizes are in points:
body text 9.5 pt on 12.5 pt leading reads at arm's length; small print (headers,
footers, table headings) never goes below 7.5 pt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Final

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch, mm

from kapnotes.domain.assets import get_asset
from kapnotes.reports.fonts import BOLD, FAMILY

#: The palette reports print in.
PRINT_PALETTE: Final = "light"
PAPER: Final = {"letter": LETTER, "a4": A4}


@cache
def _palette() -> dict[str, str]:
    data = json.loads(get_asset("themes", "palettes.json").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data[PRINT_PALETTE].items()}


def colour(token: str) -> Color:
    """A colour token of the light palette (``text``, ``muted``, ``alert_text`` …)."""
    return HexColor(_palette()[token])


def markup_colour(token: str) -> str:
    """A colour token as paragraph markup takes it (``<font color="…">``)."""
    return _palette()[token]


@dataclass(frozen=True)
class Page:
    """The paper and its margins (points); the frame is what lies between them."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @classmethod
    def of(cls, paper: str) -> Page:
        """Letter or A4, with 0.75 in side margins and room for the header and footer."""
        width, height = PAPER.get(paper, LETTER)
        side = 0.75 * inch if paper == "letter" else 18 * mm
        return cls(width, height, side, side, 0.95 * inch, 0.8 * inch)

    @property
    def frame_width(self) -> float:
        """The width text and tables may use."""
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        """The height text and tables may use on one page."""
        return self.height - self.top - self.bottom


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of reports."""

    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    label: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    section: ParagraphStyle
    subsection: ParagraphStyle
    clinic: ParagraphStyle
    header: ParagraphStyle
    header_right: ParagraphStyle
    header_centre: ParagraphStyle
    alert: ParagraphStyle
    hash: ParagraphStyle


@cache
def styles() -> Styles:
    """The report styles (fonts registered first: :func:`~kapnotes.reports.fonts.load_fonts`)."""
    text = colour("text")
    muted = colour("muted")
    base = ParagraphStyle(
        "body", fontName=FAMILY, fontSize=9.5, leading=12.5, textColor=text, spaceAfter=2
    )
    return Styles(
        body=base,
        small=ParagraphStyle("small", base, fontSize=8.5, leading=11),
        muted=ParagraphStyle("muted", base, fontSize=8.5, leading=11, textColor=muted),
        label=ParagraphStyle(
            "label", base, fontName=BOLD, fontSize=8.5, leading=11, textColor=muted, spaceAfter=1
        ),
        cell=ParagraphStyle("cell", base, fontSize=8.5, leading=10.5, spaceAfter=0),
        cell_head=ParagraphStyle(
            "cell_head", base, fontName=BOLD, fontSize=8, leading=10, textColor=text, spaceAfter=0
        ),
        title=ParagraphStyle(
            "title", base, fontName=BOLD, fontSize=17, leading=21, spaceBefore=4, spaceAfter=2
        ),
        subtitle=ParagraphStyle("subtitle", base, fontSize=10, leading=13, textColor=muted),
        section=ParagraphStyle(
            "section",
            base,
            fontName=BOLD,
            fontSize=12,
            leading=15,
            textColor=colour("accent"),
            spaceBefore=12,
            spaceAfter=4,
        ),
        subsection=ParagraphStyle(
            "subsection", base, fontName=BOLD, fontSize=10, leading=13, spaceBefore=8, spaceAfter=3
        ),
        clinic=ParagraphStyle("clinic", base, fontName=BOLD, fontSize=13, leading=16),
        header=ParagraphStyle(
            "header", base, fontSize=7.5, leading=9.5, textColor=muted, alignment=TA_LEFT
        ),
        header_right=ParagraphStyle(
            "header_right", base, fontSize=7.5, leading=9.5, textColor=muted, alignment=TA_RIGHT
        ),
        header_centre=ParagraphStyle(
            "header_centre", base, fontSize=7.5, leading=9.5, textColor=muted, alignment=TA_CENTER
        ),
        alert=ParagraphStyle(
            "alert", base, fontName=BOLD, fontSize=9, leading=12, textColor=colour("alert_text")
        ),
        hash=ParagraphStyle("hash", base, fontSize=7.5, leading=10, textColor=text),
    )
