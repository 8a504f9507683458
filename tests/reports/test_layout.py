"""Page layout rules of every report: a heading stays with the start of what it heads, a long
table splits under it (never pushed whole to the next page), and a signature block is never
alone on a page. Texts are fictional."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from kapnotes.reports import load_fonts
from kapnotes.reports.blocks import Kit
from kapnotes.reports.document import DocMeta, render
from kapnotes.reports.fonts import Typesetter
from kapnotes.reports.styles import Page
from tests.reports.conftest import pages_text

META = DocMeta("Layout", "kapnotes", "test", "Confidential", "Printed now")


def _kit() -> Kit:
    return Kit(Typesetter(load_fonts()), Page.of("letter"))


def _pages(kit: Kit, story: list[Flowable]) -> list[str]:
    data, _count = render(story, kit.page, META, kit.typesetter)
    return pages_text(data)


def _filler(kit: Kit, height: float) -> list[Flowable]:
    return [kit.para("Opening text of the fictional note."), Spacer(1, height)]


def test_a_section_headed_by_a_log_table_starts_where_there_is_room_and_the_table_splits() -> None:
    kit = _kit()
    rows: list[list[str | Flowable]] = [[f"10:{n:02d}", f"entry {n}"] for n in range(40)]
    table = kit.data_table(["Time", "Observation"], rows, [1, 6])
    story = [
        *_filler(kit, kit.page.frame_height * 0.5),
        *kit.keep_with_start(
            kit.heading("Medicine and vitals"), kit.headed("Observations", [table])
        ),
    ]
    pages = _pages(kit, story)
    assert len(pages) == 2
    assert "Medicine and vitals" in pages[0] and "Observations" in pages[0]
    assert "entry 0" in pages[0] and "entry 39" in pages[1]
    assert pages[1].count("Time") == 1  # the header row repeated on the next page


def test_a_heading_with_no_room_for_its_table_goes_to_the_next_page_with_it() -> None:
    kit = _kit()
    rows: list[list[str | Flowable]] = [[f"10:{n:02d}", f"entry {n}"] for n in range(5)]
    table = kit.data_table(["Time", "Observation"], rows, [1, 6])
    story = [
        *_filler(kit, kit.page.frame_height - 60),
        *kit.headed("Observations", [table]),
    ]
    pages = _pages(kit, story)
    assert "Observations" not in pages[0]
    assert "Observations" in pages[1] and "entry 0" in pages[1]


def test_the_signature_keeps_the_last_lines_before_it_on_its_page() -> None:
    kit = _kit()
    signature = [
        Spacer(1, 10),
        kit.boxed([kit.para("Signed electronically")], "highlight", "border"),
    ]
    for room in range(40, 200, 8):  # the block falls at every point near the page's end
        pairs = kit.pairs([(f"Field {n}", f"value {n}") for n in range(6)])
        story = [
            *_filler(kit, kit.page.frame_height - room - 110),
            *kit.keep_with_start(kit.heading("Progress note"), [pairs]),
        ]
        pages = _pages(kit, kit.keep_with_end(story, signature))
        signed = next(p for p in pages if "Signed electronically" in p)
        assert "value 5" in signed, room  # never a page of the signature alone
        assert all("Progress note" in p for p in pages if "value 0" in p), room


def test_printed_text_is_what_a_pdf_reader_reads_back_with_or_without_a_cjk_font() -> None:
    """The self-test and the bundle check a name by what the report prints on the
    computer at hand: CJK as itself only where a fallback font draws it."""
    name = "Zoë Ñúñez 测试"
    bare = Typesetter(load_fonts(fallback=False))
    assert bare.printed(name) == "Zoë Ñúñez [U+6D4B][U+8BD5]"
    for typesetter in (bare, Typesetter(load_fonts())):
        kit = Kit(typesetter, Page.of("letter"))
        (page,) = _pages(kit, [kit.para(name)])
        assert typesetter.printed(name) in " ".join(page.split())
