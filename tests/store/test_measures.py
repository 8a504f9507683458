"""Measure results: scored on save, risk flag open until acknowledged, series for trends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kapnotes.domain.clients import ClientInput, CourseInput, CourseStatus, Product
from kapnotes.domain.instruments import InstrumentSpec, load_instruments
from kapnotes.domain.trends import trend_for
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.models import AuditEvent
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault


@pytest.fixture
def phq9() -> InstrumentSpec:
    spec = load_instruments().get("phq9")
    assert spec is not None
    return spec


@pytest.fixture
def client_id(open_vault: OpenVault) -> str:
    return ClientStore(open_vault).create(ClientInput(name="Sable Invented"))


def _answers(values: list[int]) -> dict[str, int | None]:
    return {f"phq9_{i}": v for i, v in enumerate(values, start=1)}


def test_phq9_of_18_with_item_9_is_moderately_severe_and_flagged_until_acknowledged(
    open_vault: OpenVault, client_id: str, phq9: InstrumentSpec
) -> None:
    store = MeasureStore(open_vault)
    saved = store.save(client_id, phq9, _answers([3, 3, 2, 2, 2, 2, 2, 1, 1]))
    assert saved.total == 18
    assert saved.band is not None and saved.band.lower() == "moderately severe"
    assert [f["id"] for f in saved.open_flags] == ["suicide_risk"]
    assert [m.id for m in store.open_risk_flags(client_id)] == [saved.id]

    with pytest.raises(ValueError, match="Say what was done"):
        store.acknowledge(saved.id, "  ")
    store.acknowledge(saved.id, "Safety plan reviewed; no intent or plan.")
    assert store.open_risk_flags(client_id) == []
    (again,) = store.for_client(client_id)
    assert again.acknowledgement == "Safety plan reviewed; no intent or plan."


def test_incomplete_form_is_saved_but_not_scored(
    open_vault: OpenVault, client_id: str, phq9: InstrumentSpec
) -> None:
    answers = _answers([1, 1, 1, 1, 1, 1, 1, 1, 0])
    answers["phq9_4"] = None
    saved = MeasureStore(open_vault).save(client_id, phq9, answers)
    assert saved.total is None and saved.band is None
    assert not saved.complete
    assert "phq9_4" not in saved.answers
    assert MeasureStore(open_vault).series(client_id, "phq9") == []


def test_a_notes_result_is_replaced_not_duplicated(
    open_vault: OpenVault, client_id: str, phq9: InstrumentSpec
) -> None:
    course = ClientStore(open_vault).add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 9, 1),
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    note = NoteStore(open_vault).create(
        course, "preparation", {"id": "p", "version": 1}, date(2026, 9, 2)
    )
    store = MeasureStore(open_vault)
    store.save(client_id, phq9, _answers([1] * 9), note_id=note)
    store.save(client_id, phq9, _answers([2] * 9), note_id=note)
    (only,) = store.for_note(note)
    assert only.total == 18


def test_six_sessions_from_22_to_9_give_a_59_percent_fall_and_a_response(
    open_vault: OpenVault, client_id: str, phq9: InstrumentSpec
) -> None:
    store = MeasureStore(open_vault)
    totals = [22, 19, 16, 13, 11, 9]
    for week, total in enumerate(totals):
        # items 1-8 filled greedily with 3s; item 9 stays 0 in this course
        values = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
        assert sum(values) == total
        when = datetime(2026, 9, 1, 10, tzinfo=UTC) + timedelta(weeks=week)
        store.save(client_id, phq9, _answers(values), administered_at=when)

    series = store.series(client_id, "phq9")
    assert [t for _, t in series] == totals
    trend = trend_for(phq9, series)
    assert trend.fall_percent == 59
    assert trend.response


def test_saving_the_same_answers_again_writes_nothing_and_cleared_results_go(
    open_vault: OpenVault, client_id: str, phq9: InstrumentSpec
) -> None:
    course = ClientStore(open_vault).add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 9, 1),
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    note = NoteStore(open_vault).create(
        course, "preparation", {"id": "p", "version": 1}, date(2026, 9, 2)
    )
    store = MeasureStore(open_vault)
    answers = _answers([3, 3, 2, 2, 2, 2, 2, 1, 1])

    def audit_count() -> int:
        with open_vault.session() as session:
            return session.scalar(select(func.count()).select_from(AuditEvent)) or 0

    store.save(client_id, phq9, answers, note_id=note)
    before = audit_count()
    for _ in range(5):  # autosaves of the note that did not touch the measure
        store.save(client_id, phq9, answers, note_id=note)
    assert audit_count() == before

    assert store.remove_for_note(note, "phq9")
    assert store.for_note(note) == []
    assert store.open_risk_flags(client_id) == []
    assert not store.remove_for_note(note, "phq9")


def _course(
    open_vault: OpenVault, client_id: str, start: date, status: CourseStatus = CourseStatus.ACTIVE
) -> str:
    return ClientStore(open_vault).add_course(
        client_id,
        CourseInput(
            start_date=start,
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
            status=status,
        ),
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_a_measure_belongs_to_its_notes_course_or_the_course_of_its_day(
    open_vault: OpenVault, client_id: str, phq9: InstrumentSpec
) -> None:
    first = _course(open_vault, client_id, date(2026, 1, 5), CourseStatus.COMPLETED)
    notes = NoteStore(open_vault)
    last_session = notes.create(first, "dosing", {"id": "d", "version": 1}, date(2026, 2, 20))
    second = _course(open_vault, client_id, date(2026, 6, 1))
    store = MeasureStore(open_vault, "UTC")
    answers = _answers([1] * 9)

    in_note = store.save(client_id, phq9, answers, note_id=last_session)
    assert in_note.course_id == first
    in_first = store.save(client_id, phq9, answers, administered_at=_at(date(2026, 2, 1)))
    assert in_first.course_id == first
    between = store.save(client_id, phq9, answers, administered_at=_at(date(2026, 4, 1)))
    assert between.course_id == second  # not within a course: the latest
    chosen = store.save(
        client_id, phq9, answers, course_id=first, administered_at=_at(date(2026, 7, 1))
    )
    assert chosen.course_id == first  # the clinician's choice stands
    assert store.course_for(client_id, date(2026, 2, 1)) == first
    assert [c.id for c in store.courses(client_id)] == [second, first]
    assert store.courses(client_id)[1].end == date(2026, 2, 20)
    assert store.courses(client_id)[1].dosing_dates == (date(2026, 2, 20),)

    other = ClientStore(open_vault).create(ClientInput(name="Corin Otherperson"))
    elsewhere = _course(open_vault, other, date(2026, 1, 1))
    with pytest.raises(ValueError, match="not one of this client's courses"):
        store.save(client_id, phq9, answers, course_id=elsewhere)
    with pytest.raises(ValueError, match="the note's course"):
        store.save(client_id, phq9, answers, note_id=last_session, course_id=second)
    lonely = store.save(other, phq9, answers)
    assert lonely.course_id == elsewhere
    nobody = ClientStore(open_vault).create(ClientInput(name="Nell Nocourse"))
    assert store.save(nobody, phq9, answers).course_id is None


def test_an_acknowledgement_says_who_when_and_what_and_is_given_once(
    open_vault: OpenVault, client_id: str, phq9: InstrumentSpec
) -> None:
    store = MeasureStore(open_vault)
    flagged = store.save(client_id, phq9, _answers([3, 3, 2, 2, 2, 2, 2, 1, 1]))
    done = store.acknowledge(flagged.id, "Safety plan reviewed; no intent.")
    assert done.acknowledged_by == "Dr Ada Quill, PsyD"
    assert done.acknowledged_at is not None
    assert done.acknowledgement == "Safety plan reviewed; no intent."
    (again,) = store.for_client(client_id)
    assert again.acknowledged_by == "Dr Ada Quill, PsyD"
    with pytest.raises(ValueError, match="already acknowledged by Dr Ada Quill, PsyD"):
        store.acknowledge(flagged.id, "Reviewed again")
    calm = store.save(client_id, phq9, _answers([0] * 9))
    with pytest.raises(ValueError, match="raised no flag"):
        store.acknowledge(calm.id, "Nothing to do")
