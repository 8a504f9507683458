"""The letterhead on the first page: name, address, phone, the logo; paper size; a bad logo."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from kapnotes.domain.letterhead import Letterhead
from kapnotes.domain.notes import Phase
from kapnotes.domain.session import ClinicSettings
from kapnotes.reports import note_pdf
from tests.reports.conftest import DAY, PRINTED, ReportClinic, flat, pages_text


def _settings(clinic: ReportClinic, **letterhead: object) -> ClinicSettings:
    head = clinic.settings.letterhead.model_copy(update=letterhead)
    return clinic.settings.model_copy(update={"letterhead": Letterhead.model_validate(head)})


def _images(data: bytes) -> int:
    first = PdfReader(io.BytesIO(data)).pages[0]
    return len(first.images)


def test_the_letterhead_and_its_logo_open_the_first_page(
    clinic: ReportClinic, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 80), (47, 117, 115)).save(logo)
    note_id = clinic.new_note(Phase.PREPARATION, DAY)
    doc = note_pdf(
        clinic.vault,
        note_id,
        printed_at=PRINTED,
        settings=_settings(clinic, logo_path=str(logo)),
    )
    first = flat(pages_text(doc.data)[0])
    assert first.startswith(
        "Lakeside Ketamine Clinic 12 Example Way, Suite 4 Springfield, OR 97000 Phone 555-0100"
    )
    assert _images(doc.data) == 1
    assert doc.warnings == ()


def test_a_logo_that_cannot_be_used_is_left_out_with_a_warning(
    clinic: ReportClinic, tmp_path: Path
) -> None:
    note_id = clinic.new_note(Phase.PREPARATION, DAY)
    gone = tmp_path / "moved-away.png"
    doc = note_pdf(
        clinic.vault, note_id, printed_at=PRINTED, settings=_settings(clinic, logo_path=str(gone))
    )
    assert doc.warnings == (
        f"Logo {gone}: there is no such file; the letterhead is printed without it.",
    )
    assert _images(doc.data) == 0
    assert "Lakeside Ketamine Clinic" in pages_text(doc.data)[0]


def test_paper_follows_the_setting(clinic: ReportClinic) -> None:
    note_id = clinic.new_note(Phase.PREPARATION, DAY)
    sizes = {}
    for paper in ("letter", "a4"):
        doc = note_pdf(
            clinic.vault, note_id, printed_at=PRINTED, settings=_settings(clinic, paper=paper)
        )
        box = PdfReader(io.BytesIO(doc.data)).pages[0].mediabox
        sizes[paper] = (round(float(box.width)), round(float(box.height)))
    assert sizes == {"letter": (612, 792), "a4": (595, 842)}


def test_without_a_letterhead_the_footer_still_says_confidential(clinic: ReportClinic) -> None:
    note_id = clinic.new_note(Phase.PREPARATION, DAY)
    doc = note_pdf(clinic.vault, note_id, printed_at=PRINTED, settings=ClinicSettings())
    for page in pages_text(doc.data):
        assert "Confidential health information" in page
