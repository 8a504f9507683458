"""Fonts for reports: the bundled DejaVu Sans family, a system fallback, and text that never breaks.

reportlab's built-in fonts are Latin-1 only, so every style (regular, bold,
italic, bold italic) is the bundled DejaVu Sans (``resources/fonts``: Latin with
diacritics, Greek, Cyrillic and many symbols), registered as one family so that
``<b>`` and ``<i>`` pick the right face. Characters DejaVu lacks (CJK, for
example) are drawn with a fallback font when this computer has one reportlab can
embed (a TrueType font such as Droid Sans Fallback, WenQuanYi, Arial Unicode,
Microsoft YaHei); none is required. A character no font can draw is printed as
``[U+1F9E0]`` — never as a silent empty box — and the report says so
(:attr:`Typesetter.warnings`).

:class:`Typesetter` turns plain text into reportlab paragraph markup: escaped,
NFC-normalised (so a decomposed ``e`` + accent prints as ``é``), with runs the
main family lacks wrapped in the fallback font. One typesetter serves one report.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from kapnotes.domain.assets import get_asset

FAMILY: Final = "KapSans"
BOLD: Final = "KapSans-Bold"
ITALIC: Final = "KapSans-Italic"
BOLD_ITALIC: Final = "KapSans-BoldItalic"
FALLBACK: Final = "KapFallback"

_FACES: Final = {
    FAMILY: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

#: TrueType fonts (glyf outlines: what reportlab embeds) with wide coverage, looked for in
#: this order; a collection (.ttc) is read at its first face.
FALLBACK_CANDIDATES: Final[tuple[str, ...]] = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/unifont/unifont.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msgothic.ttc",
    "C:/Windows/Fonts/malgun.ttf",
    "C:/Windows/Fonts/seguisym.ttf",
)

#: Characters that are never drawn and mean nothing on paper when a font lacks them
#: (zero-width joiners, variation selectors, soft hyphens …): left out silently.
_INVISIBLE_CATEGORIES: Final = frozenset({"Cf", "Cc"})


@dataclass(frozen=True)
class FontSet:
    """The registered fonts of reports: the family's names, what it covers (characters every
    face draws), and the fallback font's name and coverage (None when there is none)."""

    covered: frozenset[str]
    regular_covered: frozenset[str]
    fallback: str | None = None
    fallback_covered: frozenset[str] = field(default=frozenset())
    fallback_path: str | None = None


def _coverage(font: TTFont) -> frozenset[str]:
    return frozenset(chr(code) for code in font.face.charToGlyph)


def _register(name: str, path: Path | str, index: int = 0) -> TTFont:
    font = TTFont(name, str(path), subfontIndex=index)
    pdfmetrics.registerFont(font)
    return font


@cache
def _bundled() -> tuple[frozenset[str], frozenset[str]]:
    """Register the bundled family once; (characters all four faces draw, the regular's)."""
    coverages: list[frozenset[str]] = []
    for name, file in _FACES.items():
        coverages.append(_coverage(_register(name, get_asset("fonts", file))))
    registerFontFamily(FAMILY, normal=FAMILY, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
    covered = frozenset.intersection(*coverages)
    return covered, coverages[0]


@cache
def _fallback(candidates: tuple[str, ...]) -> tuple[str, frozenset[str]] | None:
    """The first candidate font reportlab can embed, registered as the fallback."""
    for candidate in candidates:
        path = Path(candidate)
        if not path.is_file():
            continue
        try:
            font = _register(FALLBACK, path)
        except (TTFError, OSError, ValueError, KeyError, IndexError):
            continue  # a CFF-based font or a damaged file: try the next
        return str(path), _coverage(font)
    return None


def load_fonts(*, fallback: bool = True) -> FontSet:
    """Register the bundled family (once) and, unless ``fallback`` is False, the first system
    fallback font found; the font set reports use."""
    covered, regular = _bundled()
    found = _fallback(FALLBACK_CANDIDATES) if fallback else None
    if found is None:
        return FontSet(covered, regular)
    path, fallback_covered = found
    return FontSet(covered, regular, FALLBACK, fallback_covered, path)


def codepoint(char: str) -> str:
    """``U+1F9E0`` for a character."""
    return f"U+{ord(char):04X}"


class Typesetter:
    """Plain text to paragraph markup for one report, collecting what cannot be printed."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        self._missing: dict[str, None] = {}  # insertion-ordered set

    @property
    def warnings(self) -> tuple[str, ...]:
        """One sentence per character no font could draw, in the order first met."""
        return tuple(
            f"{codepoint(char)} {char} cannot be printed with the bundled fonts; "
            f"it is printed as [{codepoint(char)}]"
            for char in self._missing
        )

    def clean(self, text: str) -> str:
        """NFC-normalised text with tabs as spaces (line breaks kept)."""
        return unicodedata.normalize("NFC", text).replace("\t", "    ").replace("\r\n", "\n")

    def fits(self, text: str) -> bool:
        """Whether every character is drawn by every face of the family (plain-string safe)."""
        return set(text) <= self.fonts.covered

    def printed(self, text: str) -> str:
        """``text`` as a report prints it, as plain text: each character no font of this
        computer draws as ``[U+…]``, invisible ones left out (what a PDF reader reads
        back; a name in CJK reads as itself only where a fallback font draws it)."""
        shown = (self._font_for(char)[1] for char in self.clean(text))
        return "".join(part for part in shown if part is not None)

    def markup(self, text: str) -> str:
        """``text`` as paragraph markup (one line: line breaks become ``<br/>``)."""
        text = self.clean(text)
        lines = text.split("\n")
        return "<br/>".join(self._line(line) for line in lines)

    def _line(self, text: str) -> str:
        if set(text) <= self.fonts.covered:
            return escape(text)
        out: list[str] = []
        run: list[str] = []
        run_font: str | None = None

        def flush() -> None:
            if not run:
                return
            chunk = escape("".join(run))
            out.append(chunk if run_font is None else f'<font name="{run_font}">{chunk}</font>')
            run.clear()

        for char in text:
            font, shown = self._font_for(char)
            if shown is None:
                continue
            if font != run_font:
                flush()
                run_font = font
            run.append(shown)
        flush()
        return "".join(out)

    def _font_for(self, char: str) -> tuple[str | None, str | None]:
        """(font to switch to, None for the family; the text to draw, None to leave out)."""
        fonts = self.fonts
        if char in fonts.covered:
            return None, char
        if char in fonts.regular_covered:
            return FAMILY, char
        if fonts.fallback is not None and char in fonts.fallback_covered:
            return fonts.fallback, char
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            return None, None
        self._missing.setdefault(char, None)
        return None, f"[{codepoint(char)}]"
