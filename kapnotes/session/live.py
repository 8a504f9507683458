"""`LiveSession`: the rules of a live dosing session applied to its note.

The widgets of the live view call these methods and show the typed result
(:class:`Logged`, :class:`NeedsReason`, :class:`Refused`); every decision —
what a vitals row holds and whether it is plausible, which alerts are new and
written (once each), whether a dose needs a reason, whether discharge may be
recorded and what it writes, the monitoring-time summary — is made here, on the
session's one timeline (:class:`~kapnotes.session.record.SessionRecord`).

A write the vault refuses comes back as :class:`Refused` with
:data:`NOT_SAVED`; memory then holds what is stored, so trying again does not
write the entry twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

from kapnotes.domain.clients import Product
from kapnotes.domain.parse import InputError, parse_integer, parse_number
from kapnotes.domain.session import (
    Alert,
    ClinicSettings,
    DoseInputError,
    Reminder,
    ReminderKind,
    VitalsReading,
    billing,
    check_vitals,
    discharge_check,
    dose_mg,
    dose_needs_override,
    dose_warnings,
    evaluate_alerts,
    format_minutes,
    product_route,
    reminders_due,
    rems_summary,
)
from kapnotes.domain.session.vitals import FIELD_LABELS
from kapnotes.domain.timeline import TimeInputError
from kapnotes.session.record import (
    ADVERSE,
    ALERT_EVENT,
    CLINICIANS,
    DISCHARGE_EVENT,
    DOSES,
    INTERVENTION_EVENT,
    OBSERVATIONS,
    OVERRIDE_EVENT,
    VITALS,
    SessionClient,
    SessionRecord,
    alert_key,
)
from kapnotes.session.results import Logged, NeedsReason, Outcome, Refused
from kapnotes.store.notes import EVENT_KEY, NoteStore

log = logging.getLogger(__name__)

NOT_SAVED: Final = (
    "Not saved — the vault refused the entry. What you typed is kept here; try again."
)
TIME_SUMMARY: Final = "monitoring_time_summary"
PRE_DOSE_CHECKLIST: Final = "pre_dose_checklist"
MG: Final = "mg"
MG_PER_KG: Final = "mg/kg"

#: The vitals the live view asks for, in its order (template column ids).
VITALS_ORDER: Final[tuple[str, ...]] = (
    "systolic",
    "diastolic",
    "heart_rate",
    "spo2",
    "respiratory_rate",
    "moaas",
    "dissociation",
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DoseRequest:
    """A dose as typed: product, amount in ``unit`` (mg or mg/kg), lot, clock time (blank:
    now) and, when one was asked for, the override reason."""

    product: Product
    amount: str
    unit: str = MG
    lot: str = ""
    time: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PresenceRequest:
    """A person arriving: name, role, credential, in person or remote, clock time (blank: now)."""

    name: str
    role: str
    credential: str = ""
    in_person: bool = True
    time: str = ""


class LiveSession:
    """One dosing note as a live session (see the module docstring)."""

    def __init__(
        self,
        store: NoteStore,
        note_id: str,
        client: SessionClient,
        product: Product,
        settings: ClinicSettings,
        now: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.record = SessionRecord(store, note_id, client, product, now)
        self.product = product
        self.alerts: list[Alert] = []
        if not self.record.read_only:
            self.planned_product_default()
        self.evaluate()

    # -- reading -----------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether the note is signed."""
        return self.record.read_only

    def now(self) -> datetime:
        """The session's clock (an instant)."""
        return self.record.now()

    def clock(self, instant: datetime) -> str:
        """A clock time as the session shows it (with its zone across a clock change)."""
        return self.record.clock_text(instant)

    def clock_label(self, now: datetime) -> str:
        """``T+12:05`` from the first dose, ``Pre-dose`` before it, and after discharge the
        clock stops at the end of monitoring."""
        end = self.record.monitoring_end() or self.record.discharge_time()
        at = min(now, end) if end is not None else now
        label = self.record.clock.label(at)
        return "Pre-dose" if label == "pre-dose" else label

    def readings(self) -> list[VitalsReading]:
        """The session's vitals readings at their instants."""
        return [reading for reading, _row in self.record.readings()]

    def evaluate(self) -> list[Alert]:
        """Run the clinic's alert rules over the vitals (nothing is written)."""
        self.alerts = evaluate_alerts(
            self.readings(), self.record.doses(), self.settings, clock=self.clock
        )
        return self.alerts

    def reminders(self, now: datetime) -> list[Reminder]:
        """The reminders due at ``now`` (none once monitoring ended or the note is signed)."""
        if self.read_only:
            return []
        return reminders_due(
            now,
            self.readings(),
            self.record.doses(),
            self.product,
            self.settings,
            self.record.monitoring_end() or self.record.discharge_time(),
            clock=self.clock,
        )

    def given_text(self) -> str:
        """``Given: 60 mg (1 booster) · T0 10:00``, or ``No dose logged yet``."""
        doses = self.record.doses()
        if not doses:
            return "No dose logged yet"
        total = sum(d.dose_mg for d in doses)
        boosters = len(doses) - 1
        plural = "s" if boosters != 1 else ""
        return (
            f"Given: {total:g} mg"
            + (f" ({boosters} booster{plural})" if boosters else "")
            + f" · T0 {self.clock(min(d.time for d in doses))}"
        )

    def chart_minutes(self, now: datetime) -> tuple[list[tuple[float, VitalsReading]], float]:
        """Each reading at its T+ minutes (negative before the first dose; before any dose,
        minutes relative to now), and where "now" lies on that axis."""
        origin = self.record.times().t0 or now
        points = [((r.time - origin).total_seconds() / 60, r) for r in self.readings()]
        return points, (now - origin).total_seconds() / 60

    @staticmethod
    def sounds_for(due: Sequence[Reminder], before: set[ReminderKind]) -> bool:
        """Whether a soft sound marks these reminders: one newly due, other than the running
        count-down of the minimum monitoring time."""
        fresh = {r.kind for r in due} - before - {ReminderKind.MINIMUM_MONITORING}
        return bool(fresh)

    def marked_rows(self) -> set[int]:
        """Positions (in the vitals log's order of usable rows) of readings that raised an alert."""
        triggers = {r for alert in self.alerts for r in alert.readings}
        return {
            i for i, (reading, _row) in enumerate(self.record.readings()) if reading in triggers
        }

    # -- writing helpers ---------------------------------------------------------------

    def _write(self, action: Callable[[], T], what: str) -> T | Refused:
        """Run a write; a refusal by the vault is a :class:`Refused` (logged without text)."""
        try:
            return action()
        except Exception as error:  # the vault refused: say so, keep the input
            log.error("%s failed: %s", what, type(error).__name__)
            return Refused(NOT_SAVED)

    def _typed_time(self, text: str, label: str) -> datetime | Refused:
        """A clock time typed in a live panel (blank: now): at or a little before now."""
        if not text.strip():
            return self.now()
        now = self.now()
        times = self.record.times()
        span = times.span()
        try:
            return self.record.timeline.resolve(
                text,
                span=(span[0], now) if span is not None else (now, now),
                before=now,
                latest=True,
            )
        except TimeInputError as error:
            return Refused(f"{label}: {error}", "time")

    def observation(
        self, text: str, tags: Sequence[str] = (), at: datetime | None = None
    ) -> dict[str, Any]:
        """Write an observation row (time, T+, text, tags); durable on return."""
        row: dict[str, Any] = {}
        if text:
            row["text"] = text
        if tags:
            row["tags"] = list(tags)
        return self.record.append(OBSERVATIONS, row, at)

    def check_alerts(self) -> list[Alert]:
        """Evaluate the rules and write each new alert once (an event and an "ALERT:" line).

        Returns the alerts written now; ``alerts`` holds all of them.
        """
        self.evaluate()
        if self.read_only:
            return []
        written: list[Alert] = []
        for alert in self.alerts:
            key = alert_key(alert)
            legacy = f"{alert.rule.value}@{self.record.base_timeline.hhmm(alert.since)}"
            if key in self.record.alert_keys or legacy in self.record.alert_keys:
                continue
            now = self.now()
            self.record.event(
                ALERT_EVENT,
                {
                    "key": key,
                    "rule": alert.rule.value,
                    "severity": alert.severity.value,
                    "message": alert.message,
                    "since": self.clock(alert.since),
                    "time": self.clock(now),
                },
                now,
            )
            self.observation(f"ALERT: {alert.message}", (), now)
            written.append(alert)
        return written

    # -- observations ------------------------------------------------------------------

    def log_observation(self, text: str, tags: Sequence[str] = ()) -> Outcome:
        """Enter in the observation line: the text and tags, stamped now."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        text = text.strip()
        if not text and not tags:
            return Refused("Type an observation or choose a tag", "text")
        done = self._write(lambda: self.observation(text, tags), "saving an observation")
        return done if isinstance(done, Refused) else Logged(entry=done)

    def correct_observation(self, event_id: str, text: str, tags: Sequence[str] = ()) -> Outcome:
        """Correct an observation before signing; its time and first text are kept."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        text = text.strip()
        if not text and not tags:
            return Refused("A corrected entry needs text or a tag", "text")
        done = self._write(
            lambda: self.record.correct(
                OBSERVATIONS, event_id, {"text": text or None, "tags": list(tags) or None}
            ),
            "correcting an observation",
        )
        return done if isinstance(done, Refused) else Logged(entry=done)

    # -- vitals ------------------------------------------------------------------------

    def log_vitals(self, typed: Mapping[str, str]) -> Outcome:
        """Record a vitals row from the typed values (column id -> text), stamped now.

        Refused, naming the field, when a value is not a whole number or is
        implausible (the clinic's limits); then the alert rules run.
        """
        if self.read_only:
            return Refused("This note is signed: read-only")
        values: dict[str, int | None] = {}
        for column in VITALS_ORDER:
            try:
                values[column] = parse_integer(typed.get(column, ""), FIELD_LABELS[column])
            except InputError as error:
                return Refused(f"{error.label} must be a whole number", column)
        now = self.now()
        reading = VitalsReading(time=now, **values)
        problems = check_vitals(reading, self.settings.vitals_limits)
        if problems:
            first = next((p.field for p in problems if p.field), "systolic")
            return Refused("Not recorded. " + " · ".join(str(p) for p in problems), first)
        row: dict[str, Any] = {
            "timepoint": "pre_dose" if self.record.times().is_pre_dose(now) else "monitoring",
            **reading.values(),
        }
        done = self._write(lambda: self.record.append(VITALS, row, now), "saving vitals")
        if isinstance(done, Refused):
            return done
        return Logged(entry=done)

    # -- doses -------------------------------------------------------------------------

    def dose_preview(self, amount: str, unit: str) -> str:
        """``= 60 mg at 80 kg`` while a dose in mg/kg is typed ('' otherwise)."""
        try:
            value = parse_number(amount)
        except InputError:
            return ""
        weight = self.record.client.weight_kg
        if value is None or unit != MG_PER_KG:
            return ""
        if not weight:
            return "No weight recorded: enter mg"
        return f"= {value * weight:g} mg at {weight:g} kg"

    def log_dose(self, request: DoseRequest) -> Outcome:
        """Log a dose. Refused (naming the field) when it cannot be computed; a first dose
        under a pre-dose hold needs a reason (kept with the dose as an override)."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        at = self._typed_time(request.time, "Time")
        if isinstance(at, Refused):
            return at
        weight = self.record.client.weight_kg
        try:
            amount = parse_number(request.amount, "Dose")
            per_kg = amount if request.unit == MG_PER_KG else None
            mg = dose_mg(
                mg=None if per_kg is not None else amount, mg_per_kg=per_kg, weight_kg=weight
            )
        except InputError:
            return Refused("Dose must be a number", "amount")
        except DoseInputError as error:
            return Refused(str(error), "amount")
        doses = self.record.doses()
        hold = dose_needs_override(self.readings(), at, self.settings, doses, clock=self.clock)
        reason = request.reason.strip()
        if hold is not None and not reason:
            return NeedsReason(f"Not logged. {hold.message}. Type the reason, then press Enter.")
        warnings = dose_warnings(request.product, mg, weight, self.settings, doses)
        name, route = product_route(request.product)
        row: dict[str, Any] = {"product": name, "route": route, "dose_mg": mg}
        if per_kg is not None:
            row["dose_mg_per_kg"] = per_kg
        if request.lot.strip():
            row["lot_number"] = request.lot.strip()

        def write() -> None:
            self.record.append(DOSES, row, at)
            if hold is not None:
                self.record.event(
                    OVERRIDE_EVENT,
                    {"for": "dose", "time": self.clock(at), "hold": hold.message, "reason": reason},
                    at,
                )
                self.observation(f"OVERRIDE (dose): {hold.message}. Reason: {reason}", (), at)

        done = self._write(write, "logging a dose")
        if isinstance(done, Refused):
            return done
        return Logged(f"Logged {mg:g} mg at {self.clock(at)}.", tuple(w.message for w in warnings))

    # -- adverse events and interventions ----------------------------------------------

    def record_adverse(self, kind: str, severity: str | None, onset: str, action: str) -> Outcome:
        """Record an adverse event with its onset (blank: now)."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        at = self._typed_time(onset, "Onset")
        if isinstance(at, Refused):
            return Refused(at.reason, "onset")
        if not kind.strip():
            return Refused("Choose or type the kind of event", "kind")
        row: dict[str, Any] = {"kind": kind.strip(), "severity": severity}
        if action.strip():
            row["action_taken"] = action.strip()
        done = self._write(
            lambda: self.record.append(ADVERSE, row, self.now(), {"onset_time": at}),
            "recording an adverse event",
        )
        return done if isinstance(done, Refused) else Logged(entry=done)

    def resolve_adverse(self, event_id: str | None) -> Outcome:
        """Stamp an adverse event (the given one, else the latest open) as resolved now."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        if event_id is None:
            open_rows = [r for r in self.record.rows(ADVERSE) if not r.get("resolution_time")]
            event_id = str(open_rows[-1].get(EVENT_KEY)) if open_rows else None
        if event_id is None:
            return Refused("No open adverse event")
        chosen = event_id
        done = self._write(
            lambda: self.record.correct(ADVERSE, chosen, {}, {"resolution_time": self.now()}),
            "resolving an adverse event",
        )
        return done if isinstance(done, Refused) else Logged(entry=done)

    def set_intervention(self, value: str, label: str, on: bool) -> Outcome:
        """Tick or untick an intervention; ticking also writes an observation line."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        chosen = self.record.values.get("interventions")
        values = [v for v in (chosen if isinstance(chosen, list) else []) if v != value]
        if on:
            values.append(value)
        now = self.now()

        def write() -> None:
            self.record.update({"interventions": values or None})
            self.record.event(
                INTERVENTION_EVENT, {"value": value, "on": on, "time": self.clock(now)}, now
            )
            if on:
                self.observation(f"Intervention: {label}", ["intervention"], now)

        done = self._write(write, "recording an intervention")
        return done if isinstance(done, Refused) else Logged()

    # -- pre-dose checklist ------------------------------------------------------------

    def planned_product_default(self) -> None:
        """A new live session records the course's planned product (if the note has none)."""
        if not self.record.values.get("planned_product"):
            self._write(
                lambda: self.record.update({"planned_product": self.product.value}),
                "recording the planned product",
            )

    def set_checklist(self, ticked: Sequence[str]) -> Outcome:
        """Store the pre-dose checklist items ticked."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        done = self._write(
            lambda: self.record.update({PRE_DOSE_CHECKLIST: list(ticked)}),
            "saving the pre-dose checklist",
        )
        return done if isinstance(done, Refused) else Logged()

    # -- monitoring time ---------------------------------------------------------------

    def start_presence(self, request: PresenceRequest) -> Outcome:
        """Record a person's arrival (blank time: now) as a clinicians row."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        name = request.name.strip()
        if not name:
            return Refused("Type the name of the person arriving", "name")
        at = self._typed_time(request.time, "Time")
        if isinstance(at, Refused):
            return at
        row: dict[str, Any] = {"name": name, "role": request.role, "in_person": request.in_person}
        if request.credential.strip():
            row["credential"] = request.credential.strip()
        done = self._write(
            lambda: self.record.append(CLINICIANS, row, self.now(), {"start_time": at}),
            "recording a clinician's arrival",
        )
        if isinstance(done, Refused):
            return done
        self.store_time_summary()
        return Logged(entry=done)

    def present(self) -> list[dict[str, Any]]:
        """The clinicians rows of people still present."""
        return [r for r in self.record.rows(CLINICIANS) if not r.get("end_time")]

    def stop_presence(self, event_id: str | None, time_text: str = "") -> Outcome:
        """Record that a person (the given one, or the only one present) left."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        present = self.present()
        if event_id is None and len(present) == 1:
            event_id = str(present[0].get(EVENT_KEY))
        if event_id is None or event_id not in {r.get(EVENT_KEY) for r in present}:
            return Refused("Select the person who left (still present)")
        at = self._typed_time(time_text, "Time")
        if isinstance(at, Refused):
            return at
        chosen = event_id
        done = self._write(
            lambda: self.record.correct(CLINICIANS, chosen, {}, {"end_time": at}),
            "recording a clinician leaving",
        )
        if isinstance(done, Refused):
            return done
        self.store_time_summary()
        return Logged(entry=done)

    def time_summary(self) -> str:
        """Per-person totals and the suggested units under the clinic's rounding."""
        presence = [p for p, _row in self.record.presence()]
        if not presence:
            return "No one recorded yet: add each clinician present as they arrive."
        doses = self.record.doses()
        total = sum(d.dose_mg for d in doses) if doses else None
        end = self.record.monitoring_end() or self.record.discharge_time()
        summary = billing(
            presence, self.product, total, self.settings, end or self.now(), clock=self.clock
        )
        lines = [
            f"{p.name} ({p.role}): {format_minutes(p.minutes)}"
            + (f" (+{format_minutes(p.remote_minutes)} remote)" if p.remote_minutes else "")
            for p in summary.people
        ]
        lines.append(f"Suggested units ({summary.rounding.value.replace('_', ' ')} rounding):")
        if summary.lines:
            for line in summary.lines:
                who = f" · {', '.join(line.people)}" if line.people else ""
                lines.append(
                    f"   {line.code} × {line.units}  ({format_minutes(line.minutes)}{who})"
                )
        else:
            lines.append("   none yet")
        lines.extend(f"   note: {n}" for n in summary.notes)
        return "\n".join(lines)

    def store_time_summary(self) -> None:
        """Keep the note's monitoring-time summary (per person, suggested codes) current."""
        if self.read_only or not self.record.rows(CLINICIANS):
            return
        text = self.time_summary()
        if self.record.values.get(TIME_SUMMARY) != text:
            self._write(lambda: self.record.update({TIME_SUMMARY: text}), "saving the time summary")

    # -- discharge ---------------------------------------------------------------------

    def set_discharge_criteria(self, ticked: Sequence[str]) -> Outcome:
        """Store the discharge criteria ticked so far."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        done = self._write(
            lambda: self.record.update({"discharge_criteria": list(ticked) or None}),
            "saving the discharge criteria",
        )
        return done if isinstance(done, Refused) else Logged()

    def minimum_not_reached(self, at: datetime) -> str | None:
        """Why discharging at ``at`` is before the clinic's minimum monitoring (None if not)."""
        minimum = self.settings.monitoring.minimum_monitoring_min.get(self.product)
        minutes = self.record.t_plus_min(at)
        if minimum is None or minutes is None or minutes >= minimum:
            return None
        return (
            f"Monitoring has lasted {format_minutes(minutes)}; the clinic's minimum for this "
            f"product is {format_minutes(minimum)}."
        )

    def rems(self, discharge: datetime | None) -> tuple[str, dict[str, Any]]:
        """The esketamine REMS block as the note will hold it (text, values) and what is missing."""
        summary = rems_summary(
            self.readings(),
            self.record.doses(),
            discharge,
            self.settings,
            self.record.monitoring_end() or discharge,
            clock=self.clock,
        )
        values = summary.to_template_values()

        def bp(prefix: str) -> str:
            systolic = values[f"rems_bp_{prefix}_systolic"]
            diastolic = values[f"rems_bp_{prefix}_diastolic"]
            return "—" if systolic is None else f"{systolic}/{diastolic}"

        minutes = values["rems_total_monitoring_min"]
        text = (
            f"REMS: BP before dosing {bp('pre_dose')} · at ~40 min {bp('40_min')} · "
            f"before discharge {bp('pre_discharge')} · monitoring "
            f"{'—' if minutes is None else format_minutes(minutes)}"
        )
        if summary.missing:
            text += "\nMissing: " + "; ".join(summary.missing)
        return text, values

    def record_discharge(self, ticked: Sequence[str], escort: str, reason: str) -> Outcome:
        """Record discharge now: refused while an item is unticked or before the product's
        minimum monitoring time, unless a reason is given (kept in the note)."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        decision = discharge_check(ticked, self.settings.discharge_checklist, reason)
        if not decision.allowed:
            return NeedsReason(decision.message)
        at = self.now()
        early = self.minimum_not_reached(at)
        if early and not reason.strip():
            return NeedsReason(early + " Give a reason in the override field to discharge now.")
        kept = decision.override_reason or (reason.strip() if early else None)
        changes: dict[str, Any] = {
            "discharge_criteria": list(ticked) or None,
            "discharge_override_reason": kept,
        }
        instants = {"discharge_time": at}
        if self.record.monitoring_end() is None:
            instants["monitoring_end_time"] = at
        if escort.strip():
            changes["escort_name"] = escort.strip()
        if "written_instructions_given" in ticked:
            changes["discharge_instructions_given"] = True
        if not self.record.values.get("end_time"):
            instants["end_time"] = at
        if self.product is Product.ESKETAMINE_INTRANASAL:
            _text, rems_values = self.rems(at)
            changes.update({k: v for k, v in rems_values.items() if v is not None})
        text = f"Discharge at {self.clock(at)}."
        if decision.overridden:
            text += f" {decision.message}"
        if early:
            text += f" Early: {early} Reason: {kept}"

        def write() -> None:
            self.record.update(changes, instants)
            self.record.event(
                DISCHARGE_EVENT,
                {
                    "time": self.clock(at),
                    "criteria": list(ticked),
                    "override_reason": kept,
                    "message": decision.message,
                },
                at,
            )
            self.observation(text, (), at)

        done = self._write(write, "recording discharge")
        if isinstance(done, Refused):
            return done
        self.store_time_summary()
        return Logged(text)
