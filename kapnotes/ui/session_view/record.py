"""`SessionRecord`: the live session's state, read from and written to one dosing note.

Qt-free on purpose (the widgets stay thin and the rules stay testable). Every
entry is written the way the note editor writes log rows, so the same note
opens in the normal editor with every entry in its tables:

* ``values[field_id]`` is a list of rows ``{column: value, ..., "_event_id": id}``;
* each row is also an event: ``add_event(note_id, field_id, row_without__event_id,
  recorded_at, t_offset_s)``; a later correction is ``correct_event`` (the store
  keeps the original data and time).

Durability: :meth:`append` commits the event, then the values, and only then
returns; the view shows an entry only after that. Should the process die
between the two commits, :meth:`reconcile` puts the event's row back into the
values when the note is opened again.

Times: rows hold clock times ``HH:MM`` (as the editor does); the session's day is
the day the view was opened (a live session runs today). T0 is the first dose
row's time, so the session clock, ``t_plus_min`` and the alert engine all read
the same minute-resolution times the note and its PDF show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from kapnotes.domain.clients import Product
from kapnotes.domain.session import (
    Alert,
    DoseEntry,
    Presence,
    SessionClock,
    VitalsReading,
)
from kapnotes.domain.templates import LogField, TemplateSpec, compute_values
from kapnotes.domain.templates.model import parse_time
from kapnotes.store.notes import (
    EVENT_KEY,
    NewEntry,
    NoteRecord,
    NoteStore,
    event_data,
    new_entry_id,
)

VITALS: Final = "vitals_log"
DOSES: Final = "dose_log"
OBSERVATIONS: Final = "observation_log"
ADVERSE: Final = "adverse_events"
CLINICIANS: Final = "clinicians"
ALERT_EVENT: Final = "alert"
OVERRIDE_EVENT: Final = "override"
DISCHARGE_EVENT: Final = "discharge"
INTERVENTION_EVENT: Final = "intervention"


@dataclass(frozen=True, slots=True)
class SessionClient:
    """Who the session is for: the header shows the name, doses in mg/kg use the weight."""

    name: str
    weight_kg: float | None = None
    allergies: str | None = None


def hhmm(moment: datetime) -> str:
    """A clock time as stored in log rows."""
    return moment.strftime("%H:%M")


def local_naive(moment: datetime) -> datetime:
    """An aware datetime as local naive time; naive ones are taken as local already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    """A datetime the vault accepts (naive ones are local time)."""
    return moment if moment.tzinfo is not None else moment.astimezone()


def alert_key(alert: Alert) -> str:
    """What identifies one alert episode across reopenings of the note."""
    return f"{alert.rule.value}@{alert.since:%H:%M}"


class SessionRecord:
    """The note's values and events seen as a live session (see the module docstring)."""

    def __init__(
        self,
        store: NoteStore,
        note_id: str,
        client: SessionClient,
        product: Product,
        now: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.note_id = note_id
        self.client = client
        self.product = product
        self._now = now
        self.note: NoteRecord = store.get(note_id)
        # Clock times in the rows are on the note's session day (not the day it is reopened).
        self.day: date = self.note.session_date
        self.spec = TemplateSpec.model_validate(self.note.template_snapshot)
        self._context = store.template_context(note_id)  # built as signing builds it
        self.values: dict[str, Any] = dict(self.note.values)
        self.corrected: set[str] = set()
        self.alert_keys: set[str] = set()
        self._read_events()
        if not self.read_only:
            self.reconcile()

    # -- reading ---------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether the note is signed (nothing may be written)."""
        return self.note.is_signed

    def now(self) -> datetime:
        """The injected clock's time, as local naive time."""
        return local_naive(self._now())

    def context(self) -> dict[str, Any]:
        """What the template's references read as ``$client.…`` (and ``$linked.…``)."""
        return self._context

    def _read_events(self) -> None:
        self.corrected = {e.id for e in self.note.events if "original" in e.data}
        self.alert_keys = {
            str(e.data.get("key")) for e in self.note.events if e.kind == ALERT_EVENT
        }

    def rows(self, field_id: str) -> list[dict[str, Any]]:
        """The rows of one log field (copies)."""
        raw = self.values.get(field_id)
        if not isinstance(raw, list):
            return []
        return [dict(row) for row in raw if isinstance(row, dict)]

    def at(self, clock_time: Any) -> datetime | None:
        """A row's ``HH:MM`` on the session's day (None when unreadable)."""
        parsed = parse_time(clock_time)
        return None if parsed is None else datetime.combine(self.day, parsed)

    def readings(self) -> list[tuple[VitalsReading, dict[str, Any]]]:
        """Each usable vitals row with its reading."""
        out: list[tuple[VitalsReading, dict[str, Any]]] = []
        for row in self.rows(VITALS):
            try:
                out.append((VitalsReading.from_entry(row, self.day), row))
            except ValueError:
                continue
        return out

    def doses(self) -> list[DoseEntry]:
        """The usable dose rows as doses (mg/kg converted with the client's weight)."""
        out: list[DoseEntry] = []
        for row in self.rows(DOSES):
            try:
                out.append(DoseEntry.from_entry(row, self.day, self.client.weight_kg))
            except ValueError:
                continue
        return out

    @property
    def clock(self) -> SessionClock:
        """T0 is the first dose."""
        return SessionClock.from_dose_times(dose.time for dose in self.doses())

    def t_plus_min(self, moment: datetime) -> int | None:
        """Whole minutes since T0 (negative before), None before any dose."""
        return self.clock.minutes(moment)

    def presence(self) -> list[tuple[Presence, dict[str, Any]]]:
        """The clinicians log as presence stretches (rows without a start are left out)."""
        out: list[tuple[Presence, dict[str, Any]]] = []
        for row in self.rows(CLINICIANS):
            start = self.at(row.get("start_time"))
            if start is None or not row.get("name"):
                continue
            stop = self.at(row.get("end_time"))
            if stop is not None and stop < start:
                stop += timedelta(days=1)
            out.append(
                (
                    Presence(
                        name=str(row["name"]),
                        role=str(row.get("role") or ""),
                        in_person=row.get("in_person") is not False,
                        start=start,
                        stop=stop,
                    ),
                    row,
                )
            )
        return out

    def discharge_time(self) -> datetime | None:
        """When discharge was recorded (None before)."""
        return self.at(self.values.get("discharge_time"))

    def monitoring_end(self) -> datetime | None:
        """The end of monitoring (None before)."""
        return self.at(self.values.get("monitoring_end_time"))

    # -- writing ---------------------------------------------------------------------

    def _offset_s(self, moment: datetime) -> int | None:
        t0 = self.clock.t0
        return None if t0 is None else int((moment - t0).total_seconds())

    def append(
        self, field_id: str, row: Mapping[str, Any], moment: datetime | None = None
    ) -> dict[str, Any]:
        """Write one log row as an event and into the values at once; durable on return."""
        at = moment or self.now()
        data = event_data(row)
        event_id = new_entry_id()
        stored = {**data, EVENT_KEY: event_id}
        self.values[field_id] = [*self.rows(field_id), stored]
        self._save(new_entries=[NewEntry(event_id, field_id, data, aware(at), self._offset_s(at))])
        return stored

    def correct(self, field_id: str, event_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Correct a row before signing (its time is kept); durable when this returns."""
        rows = self.rows(field_id)
        for position, row in enumerate(rows):
            if row.get(EVENT_KEY) == event_id:
                updated = {**row, **changes}
                for key in [k for k, v in changes.items() if v is None]:
                    updated.pop(key, None)
                rows[position] = updated
                self.values[field_id] = rows
                self._save(corrections={event_id: event_data(updated)})
                self.corrected.add(event_id)
                return updated
        raise KeyError(event_id)

    def event(self, kind: str, data: Mapping[str, Any], moment: datetime | None = None) -> str:
        """Write a plain event (alert, override, discharge); durable when this returns."""
        at = moment or self.now()
        event_id = self.store.add_event(
            self.note_id, kind, dict(data), recorded_at=aware(at), t_offset_s=self._offset_s(at)
        )
        if kind == ALERT_EVENT and "key" in data:
            self.alert_keys.add(str(data["key"]))
        return event_id

    def update(self, changes: Mapping[str, Any]) -> None:
        """Set plain fields of the note (discharge, REMS, interventions); durable on return."""
        for key, value in changes.items():
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value
        self._save()

    def _save(
        self,
        *,
        new_entries: Sequence[NewEntry] = (),
        corrections: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self.values = compute_values(self.spec, self.values, self.context())
        self.store.save_values(
            self.note_id, self.values, new_entries=new_entries, corrections=corrections
        )

    def reconcile(self) -> None:
        """Put back rows whose event was written but whose values were not (a crash between)."""
        log_ids = {f.id for f in self.spec.fields() if isinstance(f, LogField)}
        known = {
            str(row.get(EVENT_KEY))
            for field_id in log_ids
            for row in self.rows(field_id)
            if row.get(EVENT_KEY)
        }
        missing = [e for e in self.note.events if e.kind in log_ids and e.id not in known]
        if not missing:
            return
        for event in sorted(missing, key=lambda e: e.recorded_at):
            self.values[event.kind] = [
                *self.rows(event.kind),
                {**event_data(event.data), EVENT_KEY: event.id},
            ]
        self._save()


def parse_int(text: str) -> int | None:
    """A whole number typed by the clinician (None when blank); ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    return int(text)


def parse_float(text: str) -> float | None:
    """A number typed by the clinician, comma or point (None when blank)."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    return float(text)


def clock_time(text: str, day: date) -> datetime | None:
    """``HH:MM`` typed by the clinician on the session's day (None when blank)."""
    text = text.strip()
    if not text:
        return None
    parsed: time | None = parse_time(text)
    if parsed is None:
        raise ValueError("Time must be a clock time (HH:MM)")
    return datetime.combine(day, parsed)


def labels(values: Iterable[str], options: Mapping[str, str]) -> str:
    """Choice values as their labels, comma-separated."""
    return ", ".join(options.get(v, v) for v in values)
