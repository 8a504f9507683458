"""Issue 9's safety gates, at the session layer (no Qt): each with the case that was seen.

Discharge gated by open alerts, last vitals and the minimum time; the hypertension
rule with its recheck reminder; the app's own entries immutable; doses asked about
before they are logged; IV infusions, treatments and entries made late; tags and
adverse events.
"""

from __future__ import annotations

from datetime import date

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.session import ReminderKind, RuleId
from kapnotes.session import DoseRequest, Logged, NeedsReason, Refused
from kapnotes.session.record import ENTERED_AT_KEY, OBSERVATIONS, VITALS
from kapnotes.store.notes import AppEntryError
from tests.session.conftest import Clinic, Clock

DAY = date(2026, 3, 2)
TICKED_ALL = [
    "vitals_near_baseline",
    "alert_and_oriented",
    "steady_on_feet",
    "tolerating_fluids",
    "nausea_minimal",
    "escort_present",
    "written_instructions_given",
    "no_driving",
]


def logged(outcome: object) -> Logged:
    assert isinstance(outcome, Logged), outcome
    return outcome


def test_discharge_with_open_alerts_and_low_vitals_needs_a_reason(
    clinic: Clinic, clock: Clock
) -> None:
    # the case seen: an IV client discharged at T+2 with SpO2 92 % and MOAA/S 2 alerting
    session = clinic.live(clinic.note(DAY), clock, Product.KETAMINE_IV)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IV, "0.5", "mg/kg", infusion_min="40")))
    clock.at(DAY, 10, 2)
    logged(session.log_vitals({"systolic": "130", "diastolic": "85", "spo2": "92", "moaas": "2"}))
    session.check_alerts()
    outcome = session.record_discharge(TICKED_ALL, "Alex Escort", "")
    assert isinstance(outcome, NeedsReason)
    for words in (
        "Alert still open: Desaturation",
        "Alert still open: Excess sedation",
        "Last SpO2 92% at 10:02 is outside the discharge range 94–100",
        "Last Sedation (MOAA/S) 2 at 10:02 is outside the discharge range 5",
        "Monitoring has lasted 2 min; the clinic's minimum for this product is 1 h 30 min",
    ):
        assert words in outcome.message
    assert session.record.discharge_time() is None
    done = logged(
        session.record_discharge(TICKED_ALL, "Alex Escort", "Transferred to ED (fictional)")
    )
    assert "Reason: Transferred to ED (fictional)" in done.message
    assert "Desaturation" in session.record.values["discharge_override_reason"]


def test_discharge_with_everything_in_order_needs_no_reason(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock, Product.KETAMINE_IM)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(DAY, 11, 0)
    logged(session.log_vitals({"systolic": "128", "diastolic": "82", "spo2": "98", "moaas": "5"}))
    clock.at(DAY, 11, 5)
    logged(session.record_discharge(TICKED_ALL, "Alex Escort", ""))
    assert session.record.values.get("discharge_override_reason") is None
    assert isinstance(session.record_discharge(TICKED_ALL, "Alex Escort", ""), Refused)


def test_a_stale_blood_pressure_holds_discharge(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock, Product.KETAMINE_IM)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(DAY, 10, 20)
    logged(session.log_vitals({"systolic": "128", "diastolic": "82"}))
    clock.at(DAY, 11, 10)
    outcome = session.record_discharge(TICKED_ALL, "Alex Escort", "")
    assert isinstance(outcome, NeedsReason)
    assert "Last blood pressure 128/82 at 10:20 is more than 30 min old" in outcome.message


def test_hypertension_whatever_lies_between_and_the_recheck_reminder(
    clinic: Clinic, clock: Clock
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(DAY, 10, 10)
    logged(session.log_vitals({"systolic": "185", "diastolic": "115"}))
    assert session.check_alerts() == []
    due = {r.kind: r for r in session.reminders(session.now())}
    assert due[ReminderKind.BP_RECHECK].message.startswith("Recheck BP at 10:15")
    clock.at(DAY, 10, 12)
    logged(session.log_vitals({"systolic": "150", "diastolic": "95"}))
    assert session.check_alerts() == []
    clock.at(DAY, 10, 15)
    logged(session.log_vitals({"systolic": "186", "diastolic": "112"}))
    [alert] = session.check_alerts()
    assert alert.rule is RuleId.HYPERTENSION
    assert "185/115 at 10:10" in alert.message and "186/112 at 10:15" in alert.message


def test_the_apps_own_entries_cannot_be_rewritten_only_annotated(
    clinic: Clinic, clock: Clock
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(DAY, 10, 20)
    logged(session.log_vitals({"systolic": "118", "diastolic": "76", "moaas": "2"}))
    session.check_alerts()
    alert_row = next(
        r for r in session.record.rows(OBSERVATIONS) if r["text"].startswith("ALERT: Excess")
    )
    event_id = alert_row["_event_id"]
    refused = session.correct_observation(event_id, "ok (corrected)")
    assert isinstance(refused, Refused)
    assert "cannot be changed" in refused.reason
    # not through the store either
    with pytest.raises(AppEntryError):
        session.record.correct(OBSERVATIONS, event_id, {"text": "ok (corrected)"})
    assert session.entry(event_id) == alert_row
    note = logged(session.annotate(event_id, "Roused to voice at 10:22, MOAA/S 4"))
    assert note.entry is not None and note.entry["_annotates"] == event_id
    assert alert_row in session.record.rows(OBSERVATIONS)
    assert RuleId.EXCESS_SEDATION in {a.rule for a in session.evaluate()}


def test_a_corrected_clinician_entry_keeps_its_original(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 10, 5)
    first = logged(session.log_observation("Eyes closd"))
    assert first.entry is not None
    logged(session.correct_observation(first.entry["_event_id"], "Eyes closed"))
    stored = clinic.notes.get(session.record.note_id)
    [event] = [e for e in stored.events if e.kind == OBSERVATIONS]
    assert event.data["text"] == "Eyes closed"
    assert event.data["original"]["text"] == "Eyes closd"


def test_esketamine_with_checks_open_and_an_unusual_dose_asks_before_logging(
    clinic: Clinic, clock: Clock
) -> None:
    # the case seen: 70 mg esketamine logged with every pre-dose check open
    session = clinic.live(clinic.note(DAY), clock, Product.ESKETAMINE_INTRANASAL, checks_done=False)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    asked = session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "70"))
    assert isinstance(asked, NeedsReason)
    assert "Pre-dose checks still open:" in asked.message
    assert "REMS" in asked.message
    assert "the usual session total is 56 mg or 84 mg" in asked.message
    assert not session.record.rows("dose_log")
    reason = "Prescriber ordered 70 mg (fictional); checks done verbally"
    logged(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "70", reason=reason)))
    [row] = session.record.rows("dose_log")
    assert row["override_reason"] == reason
    assert any(r["text"].startswith("OVERRIDE (dose)") for r in session.record.rows(OBSERVATIONS))


def test_a_usual_dose_with_checks_done_needs_no_reason(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock, Product.ESKETAMINE_INTRANASAL)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    logged(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "56")))
    assert "override_reason" not in session.record.rows("dose_log")[0]


def test_an_iv_infusion_keeps_its_rate_and_stop(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock, Product.KETAMINE_IV)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    done = logged(
        session.log_dose(DoseRequest(Product.KETAMINE_IV, "0.5", "mg/kg", infusion_min="40"))
    )
    assert done.message == "Logged 40 mg over 40 min (0.75 mg/kg/h) at 10:00."
    assert session.running_infusion() is not None
    clock.at(DAY, 10, 41)
    logged(session.stop_infusion())
    [row] = session.record.rows("dose_log")
    assert (row["dose_mg"], row["infusion_min"], row["stop_time"]) == (40, 40, "10:41")
    assert session.running_infusion() is None
    assert isinstance(session.stop_infusion(), Refused)
    bad = session.log_dose(DoseRequest(Product.KETAMINE_IV, "0.1", "mg/kg", infusion_min="x"))
    assert bad == Refused("Infusion minutes must be a whole number", "infusion_min")


def test_a_treatment_keeps_drug_dose_route_and_time(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 10, 30)
    logged(session.give_treatment("Ondansetron", "4 mg", "oral", "10:25"))
    [row] = session.record.rows("intervention_log")
    assert {k: row[k] for k in ("time", "drug", "dose", "route")} == {
        "time": "10:25",
        "drug": "Ondansetron",
        "dose": "4 mg",
        "route": "oral",
    }
    assert isinstance(session.give_treatment("", "4 mg", "oral"), Refused)


def test_vitals_entered_late_are_marked_and_kept_in_time_order(
    clinic: Clinic, clock: Clock
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 10, 0)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 20)
    logged(session.log_vitals({"systolic": "126", "diastolic": "82"}))
    clock.at(DAY, 10, 32)
    logged(session.log_vitals({"systolic": "140", "diastolic": "88"}, "10:10"))
    rows = session.record.rows(VITALS)
    assert [r["time"] for r in rows] == ["10:00", "10:10", "10:20"]
    assert ENTERED_AT_KEY in rows[1] and ENTERED_AT_KEY not in rows[0]
    typed_future = session.log_vitals({"systolic": "120", "diastolic": "80"}, "25:00")
    assert isinstance(typed_future, Refused)
    assert typed_future.field == "time"


def test_a_tag_with_the_line_empty_goes_to_the_last_entry(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 10, 5)
    logged(session.log_observation("Quiet tears"))
    logged(session.toggle_tag_on_last("tearful"))
    assert session.record.rows(OBSERVATIONS)[-1]["tags"] == ["tearful"]
    logged(session.toggle_tag_on_last("tearful"))
    assert "tags" not in session.record.rows(OBSERVATIONS)[-1]
    # a tag is metadata: no correction history
    stored = clinic.notes.get(session.record.note_id)
    assert "original" not in stored.events[-1].data


def test_an_adverse_event_kind_not_in_the_list_is_confirmed_then_correctable(
    clinic: Clinic, clock: Clock
) -> None:
    session = clinic.live(clinic.note(DAY), clock)
    clock.at(DAY, 10, 25)
    asked = session.record_adverse("Nauseav", "mild", "", "")
    assert isinstance(asked, NeedsReason)
    assert "'Nauseav' is not one of the listed kinds" in asked.message
    assert not session.record.rows("adverse_events")
    logged(session.record_adverse("nausea", "mild", "", ""))  # by label or value, any case
    [row] = session.record.rows("adverse_events")
    assert row["kind"] == "nausea"
    logged(session.correct_adverse(row["_event_id"], "Vomiting", "moderate", "10:20", "Bowl"))
    [row] = session.record.rows("adverse_events")
    assert (row["kind"], row["severity"], row["onset_time"]) == ("vomiting", "moderate", "10:20")
    logged(session.record_adverse("Jaw tension", "mild", "", "", confirm_new=True))
    assert session.record.rows("adverse_events")[-1]["kind"] == "Jaw tension"


def test_a_dose_far_beyond_the_usual_range_is_refused_as_a_slip(
    clinic: Clinic, clock: Clock
) -> None:
    # the case seen: IV 3000 mg (meant 30.0) logged with the reason "x"
    session = clinic.live(clinic.note(DAY), clock, Product.KETAMINE_IV)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    slip = session.log_dose(DoseRequest(Product.KETAMINE_IV, "3000", "mg", reason="x"))
    assert isinstance(slip, Refused) and slip.field == "amount"
    assert "3000 mg" in slip.reason and "more than 3 times the usual maximum" in slip.reason
    assert "Settings → Clinic settings" in slip.reason
    # above the range but plausible: a reason of a few words, not a letter
    high = DoseRequest(Product.KETAMINE_IV, "100", "mg", infusion_min="40", reason="x")
    asked = session.log_dose(high)
    assert isinstance(asked, NeedsReason) and "Say why in a few words" in asked.message
    assert not session.record.rows("dose_log")
    reason = "Prescriber's order for this course (fictional)"
    logged(
        session.log_dose(DoseRequest(Product.KETAMINE_IV, "100", infusion_min="40", reason=reason))
    )
    # a booster that would take the session total past three times the maximum
    clock.at(DAY, 10, 30)
    booster = session.log_dose(DoseRequest(Product.KETAMINE_IV, "100", "mg", reason=reason))
    assert isinstance(booster, Refused) and "as the session total" in booster.reason
    assert len(session.record.rows("dose_log")) == 1


def test_a_discharge_override_needs_a_few_words(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(DAY), clock, Product.KETAMINE_IM)
    clock.at(DAY, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(DAY, 10, 10)
    short = session.record_discharge(TICKED_ALL, "Alex Escort", "ok")
    assert isinstance(short, NeedsReason) and "Say why in a few words" in short.message
    assert session.record.discharge_time() is None
    logged(session.record_discharge(TICKED_ALL, "Alex Escort", "Escort must leave; stable"))
