"""One session timeline: clock changes, midnight, a note reopened the next day, measure dates.

The clinic is in America/New_York. Autumn 2026-11-01: the clocks go back at
02:00 EDT to 01:00 EST, so 01:25 happens twice. Spring 2026-03-08: at 02:00 EST
they jump to 03:00 EDT, so 02:30 never happens.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.note_times import read_times
from kapnotes.domain.session import ReminderKind, RuleId
from kapnotes.domain.templates import LogField
from kapnotes.domain.timeline import SessionTimeline, TimeInputError, system_zone_name
from kapnotes.session import DoseRequest, Logged, NoteDraft, PresenceRequest
from kapnotes.session.record import VITALS
from tests.session.conftest import Clinic, Clock

AUTUMN = date(2026, 11, 1)
SPRING = date(2026, 3, 8)


def logged(outcome: object) -> Logged:
    assert isinstance(outcome, Logged), outcome
    return outcome


def test_autumn_change_counts_real_minutes_and_raises_no_hold(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(AUTUMN), clock)
    clock.at(AUTUMN, 1, 10)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80", "heart_rate": "72"}))
    clock.at(AUTUMN, 1, 35)  # EDT
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(AUTUMN, 1, 25, fold=1)  # 01:25 EST: fifty real minutes later
    logged(session.log_vitals({"systolic": "150", "diastolic": "95", "heart_rate": "88"}))
    session.check_alerts()

    row = session.record.rows(VITALS)[-1]
    assert row["t_plus_min"] == 50
    assert row["timepoint"] == "monitoring"
    assert session.clock_label(session.now()) == "T+50:00"
    assert RuleId.PRE_DOSE_HOLD not in {a.rule for a in session.alerts}
    # the session crosses the change: clock times carry their zone
    readings = session.readings()
    assert [session.clock(r.time) for r in readings] == ["01:10 EDT", "01:25 EST"]
    assert session.record.rows(VITALS)[-1]["time"] == "01:25"


def test_spring_change_counts_real_minutes(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(SPRING), clock)
    clock.at(SPRING, 1, 40)
    logged(session.log_vitals({"systolic": "122", "diastolic": "78"}))
    clock.at(SPRING, 1, 50)  # EST
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(SPRING, 3, 5)  # EDT: fifteen real minutes later
    logged(session.log_vitals({"systolic": "130", "diastolic": "84"}))
    assert session.record.rows(VITALS)[-1]["t_plus_min"] == 15
    assert session.clock_label(session.now()) == "T+15:00"


def test_a_time_the_clocks_skipped_is_refused_with_a_reason(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(SPRING), clock)
    clock.at(SPRING, 3, 10)
    outcome = session.log_dose(DoseRequest(Product.KETAMINE_IM, "40", time="02:30"))
    assert not isinstance(outcome, Logged)
    assert "02:30 does not exist" in str(outcome)
    assert not session.record.rows("dose_log")


def test_reminders_across_the_autumn_change(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(AUTUMN), clock, Product.ESKETAMINE_INTRANASAL)
    clock.at(AUTUMN, 0, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(AUTUMN, 1, 0)  # EDT
    logged(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "56")))
    # 40 real minutes later the clock reads 01:40 EDT; the BP check is due from T+35
    clock.advance(40)
    due = {r.kind: r for r in session.reminders(session.now())}
    assert ReminderKind.BP_CHECK in due
    assert not due[ReminderKind.BP_CHECK].overdue
    minimum = due[ReminderKind.MINIMUM_MONITORING]
    # T+120 is 07:00 UTC: 02:00 EST, not 03:00 (a wall-clock sum would say 03:00)
    assert "until T+120, 02:00 EST" in minimum.message
    assert "1 h 20 min left" in minimum.message
    # 65 real minutes on: 01:45 EST, T+105, the BP check window (T+35–T+50) has been missed
    clock.advance(65)
    due = {r.kind: r for r in session.reminders(session.now())}
    assert due[ReminderKind.BP_CHECK].overdue
    assert "15 min left" in due[ReminderKind.MINIMUM_MONITORING].message


def test_monitoring_minutes_across_the_autumn_change(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(AUTUMN), clock, Product.ESKETAMINE_INTRANASAL)
    clock.at(AUTUMN, 0, 40)
    logged(session.start_presence(PresenceRequest("Dr Lee Fictional", "therapist")))
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(AUTUMN, 1, 0)  # EDT
    logged(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "56")))
    clock.at(AUTUMN, 1, 55, fold=1)  # EST
    logged(session.log_vitals({"systolic": "126", "diastolic": "82", "moaas": "5"}))
    clock.at(AUTUMN, 2, 5)  # EST: 2 h 5 min after the dose (the wall clock says 1 h 5 min)
    ticked = [item.value for item in session.settings.discharge_checklist]
    logged(session.record_discharge(ticked, "Alex Escort", ""))
    assert session.record.values["rems_total_monitoring_min"] == 125
    # everyone present leaves at discharge
    assert session.present() == []
    assert "Dr Lee Fictional (therapist): 2 h 25 min" in session.time_summary()


def test_monitoring_minutes_across_the_spring_change(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(SPRING), clock, Product.ESKETAMINE_INTRANASAL)
    clock.at(SPRING, 1, 20)
    logged(session.start_presence(PresenceRequest("Dr Lee Fictional", "therapist")))
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(SPRING, 1, 30)  # EST
    logged(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "56")))
    clock.at(SPRING, 3, 45)  # EDT: 75 real minutes after the dose, not 135
    ticked = [item.value for item in session.settings.discharge_checklist]
    early = session.record_discharge(ticked, "Alex Escort", "")
    assert "Monitoring has lasted 1 h 15 min" in str(early)
    logged(session.record_discharge(ticked, "Alex Escort", "Prescriber approved (fictional)"))
    assert session.record.values["rems_total_monitoring_min"] == 75
    assert "Dr Lee Fictional (therapist): 1 h 25 min" in session.time_summary()


def test_a_session_from_2330_to_0115_totals_105_minutes(clinic: Clinic, clock: Clock) -> None:
    day = date(2026, 6, 12)
    session = clinic.live(clinic.note(day), clock, Product.ESKETAMINE_INTRANASAL)
    clock.at(day, 23, 20)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(day, 23, 30)
    logged(session.start_presence(PresenceRequest("Dr Lee Fictional", "therapist")))
    logged(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "56")))
    clock.at(date(2026, 6, 13), 0, 40)
    # a time typed after midnight means the next day: 70 minutes after the dose
    logged(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "28", time="00:35")))
    assert session.record.rows("dose_log")[-1]["t_plus_min"] == 65
    clock.at(date(2026, 6, 13), 1, 15)
    ticked = [item.value for item in session.settings.discharge_checklist]
    logged(session.record_discharge(ticked, "Alex Escort", "Stable, prescriber agreed"))
    assert session.record.values["rems_total_monitoring_min"] == 105
    assert "Dr Lee Fictional (therapist): 1 h 45 min" in session.time_summary()
    # reopened later, the clock stays stopped at discharge
    later = clinic.live(session.record.note_id, clock, Product.ESKETAMINE_INTRANASAL)
    clock.advance(600)
    assert later.clock_label(later.now()) == "T+1:45:00"


def test_editor_and_live_view_agree_on_a_note_reopened_the_next_day(
    clinic: Clinic, clock: Clock
) -> None:
    day = date(2026, 11, 27)
    note_id = clinic.note(day)
    session = clinic.live(note_id, clock)
    clock.at(day, 9, 50)
    logged(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(day, 10, 0)
    logged(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")))
    clock.at(day, 10, 20)
    logged(session.log_observation("Resting, eyes closed"))

    clock.at(date(2026, 11, 28), 9, 0)  # opened again the next morning
    live = clinic.live(note_id, clock)
    assert live.clock_label(live.now()) == "T+23:00:00"
    note = clinic.notes.get(note_id)
    draft = NoteDraft(clinic.notes, note, clinic.dosing)
    log = clinic.dosing.field("observation_log")
    assert isinstance(log, LogField)
    row, entry = draft.stamp(log, note.values, clock())
    values = dict(note.values)
    values["observation_log"] = [*values["observation_log"], {**row, "text": "Follow-up call"}]
    saved = draft.save(values, new_entries=[entry])
    added = saved.values["observation_log"][-1]
    assert added["time"] == "09:00"
    assert added["t_plus_min"] == 1380
    assert entry.recorded_at == clock()
    # every T+ the editor stores is the one the live view computes
    again = clinic.live(note_id, clock)
    for log_id in ("vitals_log", "dose_log", "observation_log"):
        editor_t = [r.get("t_plus_min") for r in saved.values[log_id]]
        live_t = [again.record.t_plus_min(i) for _r, i in again.record.timed_rows(log_id)]
        assert editor_t == live_t, log_id
    assert editor_t == [20, 1380]


def test_a_time_typed_in_the_editor_after_midnight_is_the_next_day(clinic: Clinic) -> None:
    day = date(2026, 6, 12)
    note = clinic.notes.get(clinic.note(day))
    draft = NoteDraft(clinic.notes, note, clinic.dosing)
    values = {
        "dose_log": [
            {"time": "23:30", "product": "esketamine", "route": "intranasal", "dose_mg": 56}
        ],
        "observation_log": [
            {"time": "23:50", "text": "Settling"},
            {"time": "00:40", "text": "Quiet"},
        ],
    }
    placed, times = draft.prepare(values)
    assert [r["t_plus_min"] for r in placed["observation_log"]] == [20, 70]
    second = times.row("observation_log", 1)
    assert second is not None
    assert times.timeline.local(second).date() == date(2026, 6, 13)


def test_a_repeated_hour_typed_in_the_editor_follows_the_rows_order() -> None:
    timeline = SessionTimeline.of("America/New_York", AUTUMN)
    first = timeline.resolve("01:50")
    assert timeline.with_zone(first) == "01:50 EDT"
    later = timeline.resolve("01:10", after=first)
    assert timeline.with_zone(later) == "01:10 EST"
    assert (later - first).total_seconds() == 20 * 60
    assert timeline.with_zone(timeline.resolve("01:50 EST")) == "01:50 EST"
    with pytest.raises(TimeInputError, match="EDT, EST"):
        timeline.resolve("01:50 PST")


def test_legacy_rows_without_instants_read_on_the_sessions_day() -> None:
    from kapnotes.domain.templates import load_templates

    spec = load_templates().for_phase("dosing")[0]
    values = {
        "dose_log": [
            {"time": "10:00", "product": "racemic_ketamine", "route": "im", "dose_mg": 40}
        ],
        "vitals_log": [{"time": "09:50", "systolic": 120, "diastolic": 80}],
    }
    times = read_times(spec, values, SessionTimeline.of("Europe/Paris", date(2026, 5, 4)))
    assert times.t0 == datetime.fromisoformat("2026-05-04T08:00:00+00:00")
    vitals_at = times.row("vitals_log", 0)
    assert vitals_at is not None
    assert times.t_plus_min(vitals_at) == -10


def test_the_default_zone_is_the_computers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    assert system_zone_name() == "Pacific/Auckland"


def test_a_time_later_than_now_is_refused_in_the_live_panels(clinic: Clinic, clock: Clock) -> None:
    session = clinic.live(clinic.note(date(2026, 6, 12)), clock)
    clock.at(date(2026, 6, 12), 10, 10)
    outcome = session.log_dose(DoseRequest(Product.KETAMINE_IM, "40", time="11:05"))
    assert not isinstance(outcome, Logged)
    assert "11:05 is later than now (10:10)" in str(outcome)
    assert not session.record.rows("dose_log")
    onset = session.record_adverse("Nausea", "mild", "10:40", "")
    assert "later than now" in str(onset)


def test_leaving_before_arriving_is_refused(clinic: Clinic, clock: Clock) -> None:
    day = date(2026, 6, 12)
    session = clinic.live(clinic.note(day), clock)
    clock.at(day, 9, 30)
    logged(session.start_presence(PresenceRequest("Dr Lee Fictional", "therapist")))
    clock.at(day, 10, 0)
    outcome = session.stop_presence(None, "09:00")
    assert "leaving at 09:00 is before arriving at 09:30" in str(outcome)
    assert session.present()


def test_clock_times_without_instants_past_midnight_follow_the_session() -> None:
    """Rows written before instants were kept (or all typed by hand at once)."""
    from kapnotes.domain.templates import load_templates

    spec = load_templates().for_phase("dosing")[0]
    values = {
        "clinicians": [
            {"name": "Dr Lee", "role": "therapist", "start_time": "23:20", "end_time": "01:15"}
        ],
        "vitals_log": [
            {"time": "23:20", "systolic": 120, "diastolic": 80},
            {"time": "01:10", "systolic": 122, "diastolic": 80},
        ],
        "dose_log": [
            {"time": "23:30", "product": "esketamine", "route": "intranasal", "dose_mg": 56}
        ],
    }
    times = read_times(spec, values, SessionTimeline.of("America/New_York", date(2026, 6, 12)))
    late = times.row("vitals_log", 1)
    stop = times.row("clinicians", 0, "end_time")
    start = times.row("clinicians", 0, "start_time")
    assert late is not None and stop is not None and start is not None
    assert times.t_plus_min(late) == 100
    assert (stop - start).total_seconds() == 115 * 60


def test_a_retyped_time_in_the_repeated_hour_stays_on_its_side() -> None:
    from kapnotes.domain.note_times import place_times
    from kapnotes.domain.templates import load_templates

    spec = load_templates().for_phase("dosing")[0]
    timeline = SessionTimeline.of("America/New_York", AUTUMN)
    est = timeline.resolve("01:25 EST")
    values = {
        "dose_log": [
            {
                "time": "01:35",
                "product": "racemic_ketamine",
                "route": "im",
                "dose_mg": 40,
                "_instants": {"time": "2026-11-01T05:35:00Z"},
            }
        ],
        "vitals_log": [
            {
                "time": "01:30",
                "systolic": 120,
                "diastolic": 80,
                "_instants": {"time": "2026-11-01T06:25:00Z"},
            }
        ],
    }
    assert timeline.with_zone(est) == "01:25 EST"
    placed, times = place_times(spec, values, timeline)
    moved = times.row("vitals_log", 0)
    assert moved is not None
    assert timeline.with_zone(moved) == "01:30 EST"
    assert placed["vitals_log"][0]["t_plus_min"] == 55
