"""`LiveSession`: the rules of a live dosing session applied to its note.

The widgets of the live view call these methods and show the typed result
(:class:`Logged`, :class:`NeedsReason`, :class:`Refused`); every decision —
what a vitals row holds and whether it is plausible, which alerts are new and
written (once each), whether a dose needs a reason, whether discharge may be
recorded and what it writes, the monitoring-time summary — is made here, on the
session's one timeline (:class:`~kapnotes.session.record.SessionRecord`).

A write the vault refuses comes back as :class:`Refused` whose reason names the
cause (the disk is full, the folder is read-only, the database is damaged: see
:func:`kapnotes.store.faults.not_saved`); memory then holds what is stored, so
trying again does not write the entry twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    active_alerts,
    billing,
    check_vitals,
    discharge_gate,
    dose_mg,
    dose_needs_override,
    dose_warnings,
    evaluate_alerts,
    format_minutes,
    implausible_dose,
    infusion_rate,
    product_route,
    reminders_due,
    rems_summary,
)
from kapnotes.domain.session.vitals import FIELD_LABELS
from kapnotes.domain.templates import ChecklistField, LogField, SingleChoiceField, visible_items
from kapnotes.domain.timeline import TimeInputError
from kapnotes.session.record import (
    ADVERSE,
    ALERT_EVENT,
    ANNOTATES_KEY,
    CLINICIANS,
    DISCHARGE_EVENT,
    DOSES,
    INTERVENTION_EVENT,
    OBSERVATIONS,
    OVERRIDE_EVENT,
    TREATMENTS,
    VITALS,
    SessionClient,
    SessionRecord,
    alert_key,
)
from kapnotes.session.results import Logged, NeedsReason, Outcome, Refused
from kapnotes.store.faults import not_saved, write_fault
from kapnotes.store.notes import APP_ORIGIN, EVENT_KEY, ORIGIN_KEY, NoteStore

log = logging.getLogger(__name__)

#: What a refused write says the screen still holds.
KEPT: Final = "What you typed is kept here"
TIME_SUMMARY: Final = "monitoring_time_summary"
#: A session view opened this long after the last entry charts the session, not the gap.
CHART_IDLE_HOURS: Final = 6
#: How the app's own lines begin, for notes written before entries were marked.
APP_LINE_PREFIXES: Final = ("ALERT:", "OVERRIDE", "Discharge at ", "Intervention: ", "Given: ")
APP_ENTRY_REFUSAL: Final = (
    "The app wrote this entry (an alert, an override or discharge): it cannot be changed. "
    "Type a note and press Enter to add it to this entry."
)
PRE_DOSE_CHECKLIST: Final = "pre_dose_checklist"
#: An override's reason is a few words at least ("x" is not a reason a colleague can read).
MIN_REASON_CHARS: Final = 8


def _reason_asked(reason: str, none_given: str) -> str:
    """What to ask for when an override's ``reason`` is missing (``none_given``) or too
    short to read; empty when it will do."""
    if not reason:
        return none_given
    return "Say why in a few words" if len(reason) < MIN_REASON_CHARS else ""


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
    now), for an IV infusion its minutes, and, when one was asked for, the reason."""

    product: Product
    amount: str
    unit: str = MG
    lot: str = ""
    time: str = ""
    reason: str = ""
    infusion_min: str = ""


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

    def roster(self) -> list[tuple[str, str, str]]:
        """The vault's active clinicians as (name, credential, role), for the clinicians log."""
        from kapnotes.store.clinicians import roster

        return [(c.name, c.credential, c.role) for c in roster(self.record.store.vault)]

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
        times = self.record.times()
        end = self.record.monitoring_end() or self.record.discharge_time()
        if end is not None:
            now = min(now, end)  # a finished session's chart ends where it ended
        latest = max(times.all_instants(), default=None)
        if latest is not None and now - latest > timedelta(hours=CHART_IDLE_HOURS):
            now = latest  # reopened long after: the chart shows the session, not the gap
        origin = times.t0 or now
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
        """Run a write; a refusal by the vault is a :class:`Refused` naming its cause (logged
        without text)."""
        try:
            return action()
        except Exception as error:  # the vault refused: say why, keep the input
            fault = write_fault(error, self.record.store.folder)
            log.error("%s failed: %s (%s)", what, type(error).__name__, fault.value)
            return Refused(not_saved(error, self.record.store.folder, kept=KEPT))

    def _typed_time(self, text: str, label: str) -> datetime | Refused:
        """A clock time typed in a live panel (blank: now): at or a little before now."""
        if not text.strip():
            return self.now()
        now = self.now()
        times = self.record.times()
        span = times.span()
        try:
            at = self.record.timeline.resolve(
                text,
                span=(span[0], now) if span is not None else (now, now),
                before=now,
                latest=True,
            )
        except TimeInputError as error:
            return Refused(f"{label}: {error}", "time")
        if (at - now).total_seconds() >= 60:
            return Refused(
                f"{label}: {text.strip()} is later than now ({self.clock(now)}); "
                "an entry can be made for now or an earlier time",
                "time",
            )
        return at

    def observation(
        self,
        text: str,
        tags: Sequence[str] = (),
        at: datetime | None = None,
        *,
        by_app: bool = False,
        annotates: str | None = None,
        late: bool = False,
    ) -> dict[str, Any]:
        """Write an observation row (time, T+, text, tags); durable on return.

        ``by_app``: a line the app writes (alert, override, discharge): immutable.
        ``annotates``: the entry this one is a clinician's note on.
        """
        row: dict[str, Any] = {}
        if text:
            row["text"] = text
        if tags:
            row["tags"] = list(tags)
        if by_app:
            row[ORIGIN_KEY] = APP_ORIGIN
        if annotates:
            row[ANNOTATES_KEY] = annotates
        return self.record.append(OBSERVATIONS, row, at, late=late)

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
            self.observation(f"ALERT: {alert.message}", (), now, by_app=True)
            written.append(alert)
        return written

    # -- observations ------------------------------------------------------------------

    def log_observation(self, text: str, tags: Sequence[str] = (), time_text: str = "") -> Outcome:
        """Enter in the observation line: the text and tags, stamped now (or at the time
        typed: an entry for an earlier time is marked late and kept in time order)."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        text = text.strip()
        if not text and not tags:
            return Refused("Type an observation or choose a tag", "text")
        at = self._typed_time(time_text, "Time")
        if isinstance(at, Refused):
            return at
        late = self._is_late(at)
        done = self._write(
            lambda: self.observation(text, tags, at, late=late), "saving an observation"
        )
        return done if isinstance(done, Refused) else Logged(entry=done)

    def _is_late(self, at: datetime) -> bool:
        """Whether an entry for ``at`` is made late (a minute or more before now)."""
        return (self.now() - at).total_seconds() >= 60

    def entry(self, event_id: str) -> dict[str, Any] | None:
        """The observation row of an entry, if any."""
        return next(
            (r for r in self.record.rows(OBSERVATIONS) if r.get(EVENT_KEY) == event_id), None
        )

    @staticmethod
    def is_app_entry(row: Mapping[str, Any]) -> bool:
        """Whether the app wrote this entry (immutable), also for notes from before entries
        were marked (their text starts as the app's lines do)."""
        if row.get(ORIGIN_KEY) == APP_ORIGIN:
            return True
        return str(row.get("text", "")).startswith(APP_LINE_PREFIXES)

    def annotate(self, event_id: str, text: str) -> Outcome:
        """A clinician's note on an entry (the app's own entries are annotated, never
        changed); stamped now."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        if not text.strip():
            return Refused("Type the note to add to this entry", "text")
        if self.entry(event_id) is None:
            return Refused("That entry is no longer in the note")
        done = self._write(
            lambda: self.observation(text.strip(), (), annotates=event_id), "adding a note"
        )
        return done if isinstance(done, Refused) else Logged(entry=done)

    def last_clinician_entry(self) -> dict[str, Any] | None:
        """The latest observation a clinician wrote (not an app line), if any."""
        return next(
            (r for r in reversed(self.record.rows(OBSERVATIONS)) if not self.is_app_entry(r)),
            None,
        )

    def toggle_tag_on_last(self, tag: str) -> Outcome:
        """A quick tag pressed with the observation line empty: on (or off) the last entry."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        last = self.last_clinician_entry()
        if last is None:
            return Refused("No entry to tag yet: type one, then press the tag")
        tags = [t for t in (last.get("tags") or []) if isinstance(t, str)]
        tags = [t for t in tags if t != tag] if tag in tags else [*tags, tag]
        event_id = str(last.get(EVENT_KEY))
        done = self._write(
            lambda: self.record.fill(OBSERVATIONS, event_id, {"tags": tags or None}),
            "tagging an entry",
        )
        return done if isinstance(done, Refused) else Logged(entry=done)

    def correct_observation(self, event_id: str, text: str, tags: Sequence[str] = ()) -> Outcome:
        """Correct a clinician's observation before signing; its time and first text are kept
        (and shown). The app's own entries are refused: annotate them instead."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        row = self.entry(event_id)
        if row is not None and self.is_app_entry(row):
            return Refused(APP_ENTRY_REFUSAL)
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

    def log_vitals(self, typed: Mapping[str, str], time_text: str = "") -> Outcome:
        """Record a vitals row from the typed values (column id -> text), stamped now or at
        the clock time typed (an earlier reading is marked late, kept in time order).

        Refused, naming the field, when a value is not a whole number or is
        implausible (the clinic's limits); then the alert rules run.
        """
        if self.read_only:
            return Refused("This note is signed: read-only")
        when = self._typed_time(time_text, "Time")
        if isinstance(when, Refused):
            return when
        values: dict[str, int | None] = {}
        for column in VITALS_ORDER:
            try:
                values[column] = parse_integer(typed.get(column, ""), FIELD_LABELS[column])
            except InputError as error:
                return Refused(f"{error.label} must be a whole number", column)
        reading = VitalsReading(time=when, **values)
        problems = check_vitals(reading, self.settings.vitals_limits)
        if problems:
            first = next((p.field for p in problems if p.field), "systolic")
            return Refused("Not recorded. " + " · ".join(str(p) for p in problems), first)
        row: dict[str, Any] = {
            "timepoint": "pre_dose" if self.record.times().is_pre_dose(when) else "monitoring",
            **reading.values(),
        }
        late = self._is_late(when)
        done = self._write(
            lambda: self.record.append(VITALS, row, when, late=late), "saving vitals"
        )
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

    def open_pre_dose_checks(self) -> list[str]:
        """Labels of the pre-dose checklist items still unticked (items hidden for this
        product, e.g. REMS enrolment for racemic ketamine, are not asked)."""
        field = self.record.spec.field_map().get(PRE_DOSE_CHECKLIST)
        if not isinstance(field, ChecklistField):
            return []
        ticked = self.record.values.get(PRE_DOSE_CHECKLIST)
        done = set(ticked) if isinstance(ticked, list) else set()
        items = visible_items(field, self.record.values, self.record.context())
        return [item.label for item in items if item.value not in done]

    def log_dose(self, request: DoseRequest) -> Outcome:
        """Log a dose. Refused (naming the field) when it cannot be computed. Before it is
        logged, a reason is asked (and kept with the dose) for a first dose under a
        pre-dose hold or with pre-dose checks open, and for any dose outside the usual
        range."""
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
            minutes = parse_integer(request.infusion_min, "Infusion minutes")
        except InputError as error:
            field = "infusion_min" if "Infusion" in error.label else "amount"
            return Refused(
                f"{error.label} must be a {'whole ' if field != 'amount' else ''}number", field
            )
        except DoseInputError as error:
            return Refused(str(error), "amount")
        if minutes is not None and not 1 <= minutes <= 240:
            return Refused("Infusion minutes must be between 1 and 240", "infusion_min")
        if minutes is not None and request.product is not Product.KETAMINE_IV:
            return Refused("Only an IV dose is given over minutes", "infusion_min")
        doses = self.record.doses()
        concerns: list[str] = []
        hold = dose_needs_override(self.readings(), at, self.settings, doses, clock=self.clock)
        if hold is not None:
            concerns.append(hold.message)
        first = not any(d.time <= at for d in doses)
        open_checks = self.open_pre_dose_checks() if first else []
        if open_checks:
            concerns.append("Pre-dose checks still open: " + "; ".join(open_checks))
        slip = implausible_dose(request.product, mg, weight, self.settings, doses)
        if slip is not None:
            return Refused(f"Not logged: {slip}.", "amount")
        warnings = dose_warnings(request.product, mg, weight, self.settings, doses)
        concerns.extend(w.message for w in warnings)
        reason = request.reason.strip()
        if concerns and (asked := _reason_asked(reason, "Type the reason")):
            return NeedsReason(
                "Not logged yet. " + " · ".join(concerns) + f". {asked}, then press Enter."
            )
        name, route = product_route(request.product)
        row: dict[str, Any] = {"product": name, "route": route, "dose_mg": mg}
        if per_kg is not None:
            row["dose_mg_per_kg"] = per_kg
        if minutes is not None:
            row["infusion_min"] = minutes
        if request.lot.strip():
            row["lot_number"] = request.lot.strip()
        if concerns:
            row["override_reason"] = reason

        def write() -> None:
            self.record.append(DOSES, row, at)
            if concerns:
                self.record.event(
                    OVERRIDE_EVENT,
                    {
                        "for": "dose",
                        "time": self.clock(at),
                        "hold": " · ".join(concerns),
                        "reason": reason,
                    },
                    at,
                )
                self.observation(
                    f"OVERRIDE (dose): {' · '.join(concerns)}. Reason: {reason}",
                    (),
                    at,
                    by_app=True,
                )

        done = self._write(write, "logging a dose")
        if isinstance(done, Refused):
            return done
        rate = ""
        if minutes is not None and per_kg is not None:
            rate = f" over {minutes} min ({infusion_rate(mg, per_kg, minutes)})"
        elif minutes is not None:
            rate = f" over {minutes} min"
        return Logged(f"Logged {mg:g} mg{rate} at {self.clock(at)}.")

    def running_infusion(self) -> dict[str, Any] | None:
        """The latest IV dose given over minutes that has no stop time yet."""
        return next(
            (
                r
                for r in reversed(self.record.rows(DOSES))
                if r.get("infusion_min") is not None and not r.get("stop_time")
            ),
            None,
        )

    def stop_infusion(self, time_text: str = "") -> Outcome:
        """Stamp the running infusion's stop time (blank: now)."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        running = self.running_infusion()
        if running is None:
            return Refused("No infusion is running")
        at = self._typed_time(time_text, "Stop time")
        if isinstance(at, Refused):
            return at
        event_id = str(running.get(EVENT_KEY))
        done = self._write(
            lambda: self.record.fill(DOSES, event_id, {}, {"stop_time": at}),
            "stopping the infusion",
        )
        if isinstance(done, Refused):
            return done
        return Logged(f"Infusion stopped at {self.clock(at)}.", entry=done)

    # -- adverse events and interventions ----------------------------------------------

    def adverse_kinds(self) -> dict[str, str]:
        """The template's adverse-event kinds, value -> label."""
        field = self.record.spec.field_map().get(ADVERSE)
        column = field.column("kind") if isinstance(field, LogField) else None
        options = column.options if isinstance(column, SingleChoiceField) else ()
        return {o.value: o.label for o in options}

    def _adverse_row(
        self, kind: str, severity: str | None, action: str, confirm_new: bool
    ) -> dict[str, Any] | NeedsReason | Refused:
        typed = kind.strip()
        if not typed:
            return Refused("Choose or type the kind of event", "kind")
        kinds = self.adverse_kinds()
        folded = typed.casefold()
        value = next(
            (v for v, label in kinds.items() if folded in (v.casefold(), label.casefold())), None
        )
        if value is None and not confirm_new:
            return NeedsReason(
                f"'{typed}' is not one of the listed kinds of adverse event. Press Enter again "
                "to record it as a new kind, or choose one from the list."
            )
        row: dict[str, Any] = {"kind": value or typed, "severity": severity}
        if action.strip():
            row["action_taken"] = action.strip()
        return row

    def record_adverse(
        self,
        kind: str,
        severity: str | None,
        onset: str,
        action: str,
        *,
        confirm_new: bool = False,
    ) -> Outcome:
        """Record an adverse event with its onset (blank: now). A kind not in the template's
        list is asked about first (``confirm_new`` records it as typed)."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        at = self._typed_time(onset, "Onset")
        if isinstance(at, Refused):
            return Refused(at.reason, "onset")
        row = self._adverse_row(kind, severity, action, confirm_new)
        if not isinstance(row, dict):
            return row
        done = self._write(
            lambda: self.record.append(ADVERSE, row, self.now(), {"onset_time": at}),
            "recording an adverse event",
        )
        return done if isinstance(done, Refused) else Logged(entry=done)

    def correct_adverse(
        self,
        event_id: str,
        kind: str,
        severity: str | None,
        onset: str,
        action: str,
        *,
        confirm_new: bool = False,
    ) -> Outcome:
        """Correct an adverse event before signing (its first version is kept)."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        row = self._adverse_row(kind, severity, action, confirm_new)
        if not isinstance(row, dict):
            return row
        instants: dict[str, datetime] = {}
        if onset.strip():
            at = self._typed_time(onset, "Onset")
            if isinstance(at, Refused):
                return Refused(at.reason, "onset")
            instants["onset_time"] = at
        changes = {**row, "action_taken": row.get("action_taken")}
        done = self._write(
            lambda: self.record.correct(ADVERSE, event_id, changes, instants),
            "correcting an adverse event",
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
                self.observation(f"Intervention: {label}", ["intervention"], now, by_app=True)

        done = self._write(write, "recording an intervention")
        return done if isinstance(done, Refused) else Logged()

    # -- pre-dose checklist ------------------------------------------------------------

    def give_treatment(
        self, drug: str, dose: str, route: str | None, time_text: str = "", note: str = ""
    ) -> Outcome:
        """A drug or treatment given during the session (antiemetic, antihypertensive,
        oxygen …): its time (blank: now), dose and route, in the note's treatment log."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        if not isinstance(self.record.spec.field_map().get(TREATMENTS), LogField):
            return Refused("This note's template has no treatment log; record it as an observation")
        if not drug.strip():
            return Refused("Type the drug or treatment given", "drug")
        at = self._typed_time(time_text, "Time")
        if isinstance(at, Refused):
            return at
        row: dict[str, Any] = {"drug": drug.strip()}
        if dose.strip():
            row["dose"] = dose.strip()
        if route:
            row["route"] = route
        if note.strip():
            row["note"] = note.strip()
        late = self._is_late(at)
        field = self.record.spec.field_map().get(TREATMENTS)
        column = field.column("route") if isinstance(field, LogField) else None
        routes = (
            {o.value: o.label for o in column.options}
            if isinstance(column, SingleChoiceField)
            else {}
        )
        route_text = routes.get(route, route) if route else ""
        summary = " ".join(p for p in (drug.strip(), dose.strip(), route_text) if p)

        def write() -> None:
            self.record.append(TREATMENTS, row, at, late=late)
            self.observation(f"Given: {summary}", ["intervention"], at, by_app=True, late=late)

        done = self._write(write, "recording a treatment")
        if isinstance(done, Refused):
            return done
        return Logged(f"Recorded {summary} at {self.clock(at)}.")

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
        position = next(
            i for i, r in enumerate(self.record.rows(CLINICIANS)) if r.get(EVENT_KEY) == event_id
        )
        arrived = self.record.times().row(CLINICIANS, position, "start_time")
        if arrived is not None and at < arrived:
            return Refused(
                f"Time: leaving at {self.clock(at)} is before arriving at {self.clock(arrived)}",
                "time",
            )
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

    def discharge_problems(self, at: datetime, ticked: Sequence[str]) -> list[str]:
        """What stands in the way of discharging at ``at`` (the clinic's gate)."""
        problems = discharge_gate(
            at=at,
            ticked=ticked,
            open_alerts=active_alerts(self.evaluate()),
            readings=self.readings(),
            t0=self.record.times().t0,
            product=self.product,
            settings=self.settings,
            clock=self.clock,
        )
        return [p.message for p in problems]

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
        """Record discharge now. While a checklist item is unticked, an alert is open, the
        last vitals are outside the discharge ranges or the minimum monitoring time is not
        reached, discharge needs a reason (kept in the note with what it overrode).
        Everyone still present leaves at discharge."""
        if self.read_only:
            return Refused("This note is signed: read-only")
        if self.record.discharge_time() is not None:
            return Refused("Discharge is already recorded")
        at = self.now()
        problems = self.discharge_problems(at, ticked)
        kept = reason.strip() or None
        if problems and (asked := _reason_asked(kept or "", "Give a reason")):
            return NeedsReason(
                "Not discharged yet. "
                + " · ".join(problems)
                + f". {asked} in the override field to discharge now."
            )
        changes: dict[str, Any] = {
            "discharge_criteria": list(ticked) or None,
            "discharge_override_reason": (
                f"{kept} (overrode: {'; '.join(problems)})" if problems else None
            ),
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
        if problems:
            text += f" Overridden ({'; '.join(problems)}). Reason: {kept}"
        present = [str(r.get(EVENT_KEY)) for r in self.present()]

        def write() -> None:
            with self.record.store.transaction():
                for event_id in present:
                    self.record.fill(CLINICIANS, event_id, {}, {"end_time": at})
                self.record.update(changes, instants)
                self.record.event(
                    DISCHARGE_EVENT,
                    {
                        "time": self.clock(at),
                        "criteria": list(ticked),
                        "override_reason": kept if problems else None,
                        "overrode": problems,
                    },
                    at,
                )
                self.observation(text, (), at, by_app=True)

        done = self._write(write, "recording discharge")
        if isinstance(done, Refused):
            return done
        self.store_time_summary()
        return Logged(text)
