"""The live session's rules, without Qt: what the widgets only show.

Vitals rows and their refusal, alerts written once each, the pre-dose hold,
the minimum monitoring time, what discharge writes, and a note's values and
measures saved in one transaction.
"""

from __future__ import annotations

from datetime import date

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.session import RuleId
from kapnotes.domain.templates import load_templates
from kapnotes.session import DoseRequest, LiveSession, Logged, NeedsReason, NoteDraft, Refused
from kapnotes.session.record import ALERT_EVENT, DISCHARGE_EVENT, OVERRIDE_EVENT, VITALS
from kapnotes.store.measures import MeasureStore
from tests.session.conftest import Clinic, Clock

DAY = date(2026, 3, 2)


def start(clinic: Clinic, clock: Clock, product: Product = Product.KETAMINE_IM) -> LiveSession:
    session = clinic.live(clinic.note(DAY), clock, product)
    clock.at(DAY, 9, 50)
    assert isinstance(session.log_vitals({"systolic": "124", "diastolic": "80"}), Logged)
    clock.at(DAY, 10, 0)
    amount = "56" if product is Product.ESKETAMINE_INTRANASAL else "0.5"
    unit = "mg" if product is Product.ESKETAMINE_INTRANASAL else "mg/kg"
    assert isinstance(session.log_dose(DoseRequest(product, amount, unit)), Logged)
    return session


def test_a_vitals_row_holds_its_time_t_plus_and_values(clinic: Clinic, clock: Clock) -> None:
    session = start(clinic, clock)
    clock.at(DAY, 10, 12)
    outcome = session.log_vitals({"systolic": "132", "diastolic": "86", "spo2": "97"})
    assert isinstance(outcome, Logged)
    row = session.record.rows(VITALS)[-1]
    assert {k: row[k] for k in ("time", "t_plus_min", "timepoint", "systolic", "spo2")} == {
        "time": "10:12",
        "t_plus_min": 12,
        "timepoint": "monitoring",
        "systolic": 132,
        "spo2": 97,
    }
    stored = clinic.notes.get(session.record.note_id)
    assert len([e for e in stored.events if e.kind == VITALS]) == 2


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        ({"systolic": "abc", "diastolic": "80"}, "systolic", "Systolic BP must be a whole number"),
        ({"systolic": "120", "diastolic": "80", "spo2": "140"}, "spo2", "SpO2 140% is not"),
        ({"systolic": "120"}, "diastolic", "Diastolic BP is missing"),
        ({"systolic": "80", "diastolic": "120"}, "diastolic", "must be below systolic"),
    ],
)
def test_implausible_vitals_are_refused_naming_the_field(
    clinic: Clinic, clock: Clock, typed: dict[str, str], field: str, words: str
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    outcome = session.log_vitals(typed)
    assert isinstance(outcome, Refused)
    assert outcome.field == field
    assert words in outcome.reason
    assert not session.record.rows(VITALS)
    assert not clinic.notes.get(session.record.note_id).events


def test_each_alert_is_written_once_even_after_reopening(clinic: Clinic, clock: Clock) -> None:
    session = start(clinic, clock)
    clock.at(DAY, 10, 20)
    session.log_vitals({"systolic": "150", "diastolic": "90", "spo2": "91"})
    written = session.check_alerts()
    assert [a.rule for a in written] == [RuleId.DESATURATION]
    assert session.check_alerts() == []
    reopened = clinic.live(session.record.note_id, clock)
    assert reopened.check_alerts() == []
    stored = clinic.notes.get(session.record.note_id)
    assert len([e for e in stored.events if e.kind == ALERT_EVENT]) == 1
    lines = [r.get("text", "") for r in reopened.record.rows("observation_log")]
    assert sum(1 for text in lines if text.startswith("ALERT: Desaturation")) == 1


def test_a_dose_under_a_pre_dose_hold_needs_a_reason_kept_with_it(
    clinic: Clinic, clock: Clock
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 9, 50)
    session.log_vitals({"systolic": "148", "diastolic": "94"})
    clock.at(DAY, 10, 0)
    held = session.log_dose(DoseRequest(Product.KETAMINE_IM, "40"))
    assert isinstance(held, NeedsReason)
    assert "148/94" in held.message
    assert not session.record.rows("dose_log")
    given = session.log_dose(
        DoseRequest(Product.KETAMINE_IM, "40", reason="Recheck 138/88, prescriber agreed")
    )
    assert isinstance(given, Logged)
    stored = clinic.notes.get(session.record.note_id)
    overrides = [e for e in stored.events if e.kind == OVERRIDE_EVENT]
    assert [e.data["reason"] for e in overrides] == ["Recheck 138/88, prescriber agreed"]
    assert any(
        "OVERRIDE (dose)" in r.get("text", "") for r in session.record.rows("observation_log")
    )


def test_a_dose_that_is_not_a_number_is_refused(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    outcome = session.log_dose(DoseRequest(Product.KETAMINE_IM, "forty"))
    assert outcome == Refused("Dose must be a number", "amount")


def test_discharge_before_the_minimum_needs_a_reason_and_writes_the_record(
    clinic: Clinic, clock: Clock
) -> None:
    session = start(clinic, clock, Product.ESKETAMINE_INTRANASAL)
    ticked = [item.value for item in session.settings.discharge_checklist]
    clock.at(DAY, 11, 30)
    early = session.record_discharge(ticked, "Alex Escort", "")
    assert isinstance(early, NeedsReason)
    assert "1 h 30 min" in early.message and "2 h" in early.message
    assert session.record.discharge_time() is None
    unticked = session.record_discharge(ticked[1:], "Alex Escort", "")
    assert isinstance(unticked, NeedsReason)
    assert "Not ticked: Vitals back near baseline" in unticked.message
    done = session.record_discharge(ticked, "Alex Escort", "Prescriber approved (fictional)")
    assert isinstance(done, Logged)
    values = session.record.values
    assert values["discharge_time"] == "11:30"
    assert values["monitoring_end_time"] == "11:30"
    assert values["escort_name"] == "Alex Escort"
    assert values["discharge_override_reason"].startswith("Prescriber approved (fictional)")
    assert "Monitoring has lasted 1 h 30 min" in values["discharge_override_reason"]
    assert values["rems_total_monitoring_min"] == 90
    stored = clinic.notes.get(session.record.note_id)
    assert [e.data["override_reason"] for e in stored.events if e.kind == DISCHARGE_EVENT] == [
        "Prescriber approved (fictional)"
    ]
    # the clock stops at discharge
    clock.advance(30)
    assert session.clock_label(session.now()) == "T+1:30:00"
    assert session.reminders(session.now()) == []


def test_a_notes_values_and_measures_are_one_transaction(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    prep = load_templates().for_phase("preparation")[0]
    note_id = clinic.notes.create(clinic.course_id, "preparation", prep.snapshot(), DAY)
    measures = MeasureStore(clinic.vault)
    draft = NoteDraft(
        clinic.notes,
        clinic.notes.get(note_id),
        prep,
        measures=measures,
        instruments=load_instruments(),
    )
    field_id = next(f.id for f in prep.fields() if getattr(f, "instrument_id", None) == "phq9")
    answers = {f"phq9_{i}": 1 for i in range(1, 10)}

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(measures, "save", refuse)
    with pytest.raises(OSError):
        draft.save({field_id: answers, "intentions_goals": "Feel less stuck"})
    assert "intentions_goals" not in clinic.notes.get(note_id).values  # nothing was written
    monkeypatch.undo()
    saved = draft.save({field_id: answers, "intentions_goals": "Feel less stuck"})
    assert saved.measures_changed == 1
    assert clinic.notes.get(note_id).values["intentions_goals"] == "Feel less stuck"
    assert [m.total for m in measures.for_note(note_id)] == [9]
