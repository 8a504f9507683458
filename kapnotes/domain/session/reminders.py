"""Reminders shown during the session: vitals due, the esketamine BP check, minimum monitoring.

``reminders_due`` is a pure function of "now", the logs and the settings; the
view calls it on every clock tick.

* ``bp_recheck`` - the latest BP is above the hypertension threshold: recheck it
  ``sustained_minutes`` later (a second high reading confirms the alert).
* ``pre_dose_vitals`` - no dose yet and no blood pressure recorded.
* ``vitals_due`` - after T0, when the last reading (or T0, if later) is at least
  the product's interval old (IV 10 min, others 15 by default).
* ``bp_check`` - products with a timed BP check (esketamine): due from T+35
  until a BP reading exists between T+35 and T+50; ``overdue`` once T+50 has
  passed without one.
* ``minimum_monitoring`` - before T+120 for esketamine: how long is left.

After ``monitoring_ended`` (discharge) nothing is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kapnotes.domain.clients import Product
from kapnotes.domain.session.alerts import bp_recheck_due
from kapnotes.domain.session.clock import format_minutes, minutes_of
from kapnotes.domain.session.doses import DoseEntry, first_dose_time
from kapnotes.domain.session.settings import ClinicSettings
from kapnotes.domain.session.vitals import VitalsReading
from kapnotes.domain.timeline import ClockFormat, wall_clock


class ReminderKind(StrEnum):
    """What a reminder asks for."""

    PRE_DOSE_VITALS = "pre_dose_vitals"
    BP_RECHECK = "bp_recheck"
    VITALS_DUE = "vitals_due"
    BP_CHECK = "bp_check"
    MINIMUM_MONITORING = "minimum_monitoring"


@dataclass(frozen=True, slots=True)
class Reminder:
    """A cue for the clinician; ``due_at`` is when it became (or becomes) due."""

    kind: ReminderKind
    message: str
    due_at: datetime | None = None
    overdue: bool = False


def reminders_due(
    now: datetime,
    readings: Sequence[VitalsReading],
    doses: Sequence[DoseEntry],
    product: Product,
    settings: ClinicSettings,
    monitoring_ended: datetime | None = None,
    *,
    clock: ClockFormat = wall_clock,
) -> list[Reminder]:
    """The reminders due at ``now``, in a stable order (see the module docstring)."""
    if monitoring_ended is not None and now >= monitoring_ended:
        return []
    monitoring = settings.monitoring
    t0 = first_dose_time(doses)
    seen = [reading for reading in readings if reading.time <= now]
    out: list[Reminder] = []
    recheck = bp_recheck_due(seen, settings)
    if recheck is not None:
        high, due = recheck
        out.append(
            Reminder(
                ReminderKind.BP_RECHECK,
                f"Recheck BP at {clock(due)} (last {high.bp_text} at {clock(high.time)} is above "
                f"{settings.alerts.hypertension.sustained_above})",
                due,
                overdue=now > due + timedelta(minutes=5),
            )
        )

    if t0 is None or now < t0:
        if not any(reading.has_bp for reading in seen):
            out.append(
                Reminder(
                    ReminderKind.PRE_DOSE_VITALS,
                    "Record pre-dose vitals (blood pressure) before the first dose",
                )
            )
        return out

    interval = timedelta(minutes=monitoring.interval_for(product))
    last = max((reading.time for reading in seen), default=t0)
    since = max(last, t0)
    if now - since >= interval:
        late = minutes_of(now - since - interval)
        out.append(
            Reminder(
                ReminderKind.VITALS_DUE,
                f"Vitals due: last recorded {format_minutes(minutes_of(now - since))} ago"
                + (f" ({late} min late)" if late else ""),
                since + interval,
                overdue=late > 0,
            )
        )

    check = monitoring.timed_bp_check.get(product)
    if check is not None:
        due_from = t0 + timedelta(minutes=check.due_from_min)
        window_end = t0 + timedelta(minutes=check.window_end_min)
        done = any(r.has_bp and due_from <= r.time <= window_end for r in seen)
        if now >= due_from and not done:
            missed = now > window_end
            out.append(
                Reminder(
                    ReminderKind.BP_CHECK,
                    f"{check.at_min}-minute BP check "
                    + (
                        f"missed: no BP between T+{check.due_from_min} and "
                        f"T+{check.window_end_min}; record one now"
                        if missed
                        else f"due (T+{check.due_from_min}–T+{check.window_end_min})"
                    ),
                    due_from,
                    overdue=missed,
                )
            )

    minimum = monitoring.minimum_monitoring_min.get(product)
    if minimum is not None:
        until = t0 + timedelta(minutes=minimum)
        if now < until:
            left = until - now
            out.append(
                Reminder(
                    ReminderKind.MINIMUM_MONITORING,
                    f"Minimum monitoring not yet reached: "
                    f"{format_minutes(-(-left.total_seconds() // 60))} left "
                    f"(until T+{minimum}, {clock(until)})",
                    until,
                )
            )
    return out
