"""The course report read back: cover, session table, trends, open flags, notes in date order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.notes import Phase
from kapnotes.reports import ReportError, course_pdf
from kapnotes.store.measures import MeasureStore
from tests.reports.conftest import CLIENT_NAME, DAY, PRINTED, ReportClinic, flat, pages_text


def _phq9(total: int, item9: int = 0) -> dict[str, int]:
    answers = [min(3, max(0, total - item9 - 3 * i)) for i in range(8)]
    return {**{f"phq9_{i}": v for i, v in enumerate(answers, start=1)}, "phq9_9": item9}


def _course(clinic: ReportClinic) -> dict[str, str]:
    """Preparation (PHQ-9 22, a draft), the dosing session (signed), integration (PHQ-9 9 with
    item 9 = 1, a draft)."""
    phq9 = load_instruments().get("phq9")
    assert phq9 is not None
    measures = MeasureStore(clinic.vault, "America/New_York")
    prep_day = DAY - timedelta(days=5)
    prep = clinic.new_note(Phase.PREPARATION, prep_day, {"session_number": 1})
    measures.save(
        clinic.client_id,
        phq9,
        _phq9(22),
        note_id=prep,
        administered_at=datetime.combine(prep_day, time(15), tzinfo=UTC),
    )
    dosing = clinic.dosing_session()
    later = DAY + timedelta(days=2)
    integration = clinic.new_note(Phase.INTEGRATION, later, {"session_number": 1})
    clinic.fill(integration, {"client_narrative": "Remembered the lake."})
    measures.save(
        clinic.client_id,
        phq9,
        _phq9(9, item9=1),
        note_id=integration,
        administered_at=datetime.combine(later, time(15), tzinfo=UTC),
    )
    return {"preparation": prep, "dosing": dosing, "integration": integration}


def test_the_course_report_has_its_cover_sessions_trend_flags_and_notes(
    clinic: ReportClinic,
) -> None:
    notes = _course(clinic)
    doc = course_pdf(
        clinic.vault,
        clinic.client_id,
        clinic.course_id,
        printed_at=PRINTED,
        settings=clinic.settings,
    )
    pages = pages_text(doc.data)
    assert doc.pages == len(pages) and doc.kind == "course"
    assert set(doc.note_ids) == set(notes.values())
    text = flat("\n".join(pages))
    cover = flat(pages[0])
    for words in (
        "Course report",
        CLIENT_NAME,
        "Treatment-resistant depression (fictional)",
        "Racemic ketamine IM",
        "Prepared by Dr Ada Quill, PsyD",
        "Dr Ada Quill, PsyD; Casey Nurseworth, RN",
    ):
        assert words in cover, words
    # the session table: date, phase, product, dose, alerts, adverse events
    assert "2 Mar 2026 Dosing session 3 Racemic ketamine IM 60 mg (1 booster)" in text
    assert "2: hypertension, low SpO2" in text and "Nausea (mild)" in text
    # the trend, with change from baseline, response and remission
    assert "PHQ-9" in text
    assert "Baseline 22 on 25 Feb 2026; latest 9 on 4 Mar 2026 (−13 points, −59%)" in text
    assert "Response (a fall of 50% or more): yes" in text
    assert "Remission (below 5): no" in text
    # the open risk flag
    flags = text[text.index("Open risk flags") :]
    assert "4 Mar 2026 PHQ-9 9" in flags and "open" in flags


def test_notes_follow_in_date_order_and_only_drafts_are_marked(clinic: ReportClinic) -> None:
    _course(clinic)
    doc = course_pdf(clinic.vault, clinic.client_id, printed_at=PRINTED, settings=clinic.settings)
    pages = pages_text(doc.data)
    headers = []
    for page in pages:
        page_flat = flat(page)
        for phase in (
            "Preparation · Session 1",
            "Dosing session · Session 3",
            "Integration · Session 1",
        ):
            if phase in page_flat and (not headers or headers[-1] != phase):
                headers.append(phase)
        drafts = ("Preparation · Session 1", "Integration · Session 1")
        draft_page = any(header in page_flat for header in drafts)
        assert ("DRAFT" in page) == draft_page  # never on the cover nor on the signed note
    assert headers == [
        "Preparation · Session 1",
        "Dosing session · Session 3",
        "Integration · Session 1",
    ]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_a_course_report_is_deterministic_and_refuses_unknown_ids(clinic: ReportClinic) -> None:
    _course(clinic)
    first = course_pdf(clinic.vault, clinic.client_id, printed_at=PRINTED, settings=clinic.settings)
    again = course_pdf(clinic.vault, clinic.client_id, printed_at=PRINTED, settings=clinic.settings)
    assert first.data == again.data
    with pytest.raises(ReportError, match="no client with id nobody"):
        course_pdf(clinic.vault, "nobody", printed_at=PRINTED)
    with pytest.raises(ReportError, match="has no course with id other"):
        course_pdf(clinic.vault, clinic.client_id, "other", printed_at=PRINTED)


def test_a_client_without_courses_is_refused(clinic: ReportClinic) -> None:
    from kapnotes.domain.clients import ClientInput

    empty = clinic.clients.create(
        ClientInput(name="Ellis Specimen", date_of_birth=date(1990, 1, 1))
    )
    with pytest.raises(ReportError, match="no course to report on yet"):
        course_pdf(clinic.vault, empty, printed_at=PRINTED)
