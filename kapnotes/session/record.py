"""`SessionRecord`: a dosing note's values and events seen as one session on one timeline.

Every entry is written the way the note editor writes log rows, so the same note
opens in the normal editor with every entry in its tables:

* ``values[field_id]`` is a list of rows ``{column: value, ..., "_event_id": id,
  "_instants": {"time": "2026-11-01T06:25:00Z"}}``;
* each row is also an event (``NoteStore.save_values(new_entries=...)``), written
  in the same transaction; a later correction keeps the original.

Times: every row keeps its clock time *and* its instant (see
:mod:`kapnotes.domain.note_times`); T0, T+ and every rule read the instants, so
a session across a clock change or past midnight counts real minutes. ``now``
is an aware instant (a naive one from a test clock is read as the clinic's wall
clock). Durability: every write commits before it returns; :meth:`reconcile`
puts back a row whose event was written when the values were not. A write the
vault refuses (a full disk, say) leaves memory exactly as it was before it, so
pressing Enter again after freeing space writes the entry once, with its event.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from kapnotes.domain.clients import Product
from kapnotes.domain.note_times import MAIN_TIME, NoteTimes, place_times, read_times
from kapnotes.domain.session import Alert, DoseEntry, Presence, SessionClock, VitalsReading
from kapnotes.domain.templates import LogField, TemplateSpec, compute_values
from kapnotes.domain.timeline import INSTANTS_KEY, SessionTimeline, as_utc, to_iso
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
TREATMENTS: Final = "intervention_log"
#: When an entry made for an earlier time was actually entered (an ISO instant).
ENTERED_AT_KEY: Final = "_entered_at"
#: The entry (event id) an annotation is a note on.
ANNOTATES_KEY: Final = "_annotates"


@dataclass(frozen=True, slots=True)
class SessionClient:
    """Who the session is for: the header shows the name, doses in mg/kg use the weight (kg)."""

    name: str
    weight_kg: float | None = None
    allergies: str | None = None


def alert_key(alert: Alert) -> str:
    """What identifies one alert episode across reopenings of the note (rule and instant)."""
    return f"{alert.rule.value}@{to_iso(alert.since)}"


class SessionRecord:
    """The note's values and events seen as a live session (see the module docstring)."""

    def __init__(
        self,
        store: NoteStore,
        note_id: str,
        client: SessionClient,
        product: Product,
        now: Callable[[], datetime],
        *,
        note: NoteRecord | None = None,
    ) -> None:
        """``note``: the note as just read (``store.get(note_id)``), to spare reading it again."""
        self.store = store
        self.note_id = note_id
        self.client = client
        self.product = product
        self._now = now
        self.note: NoteRecord = (
            note if note is not None and note.id == note_id else store.get(note_id)
        )
        self.base_timeline = SessionTimeline.of(self.note.time_zone, self.note.session_date)
        self.spec = TemplateSpec.model_validate(self.note.template_snapshot)
        self._context = store.template_context(note_id)  # built as signing builds it
        self.values: dict[str, Any] = dict(self.note.values)
        self.corrected: set[str] = set()
        self.originals: dict[str, dict[str, Any]] = {}  # first versions of corrected entries
        self.alert_keys: set[str] = set()
        self._times: NoteTimes | None = None
        # The timeline spanning the stored instants, for the times it was made from.
        self._span: tuple[NoteTimes, SessionTimeline] | None = None
        self._read_events()
        if not self.read_only:
            self.reconcile()

    # -- time ------------------------------------------------------------------------

    def now(self) -> datetime:
        """The injected clock's instant (UTC); a naive reading is the clinic's wall clock."""
        moment = self._now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.base_timeline.zone)
        return as_utc(moment)

    def times(self) -> NoteTimes:
        """Every instant of the note, T0, and how clock times are shown (kept until a write)."""
        if self._times is None:
            self._times = read_times(self.spec, self.values, self.base_timeline)
        return self._times

    @property
    def live(self) -> bool:
        """Whether the session is still being monitored (a draft, not yet discharged)."""
        return not self.read_only and not self.ended()

    @property
    def timeline(self) -> SessionTimeline:
        """The session's timeline (zone shown where the session crosses a clock change,
        now included while it is monitored)."""
        times = self.times()
        if not self.live:
            return times.timeline
        if self._span is None or self._span[0] is not times:
            self._span = (times, times.timeline.spanning(times.all_instants()))
        spanned = self._span[1]
        now = self.now()
        if spanned.local(now).utcoffset() in spanned.offsets:
            return spanned  # the usual case: now is on a side the session already has
        return times.timeline.spanning([*times.all_instants(), now])

    def clock_text(self, instant: datetime) -> str:
        """A clock time as the session shows it (``01:25`` or ``01:25 EST``)."""
        return self.timeline.clock(instant)

    @property
    def clock(self) -> SessionClock:
        """The session clock: T0 is the first dose."""
        return SessionClock(self.times().t0)

    def t_plus_min(self, moment: datetime) -> int | None:
        """Whole minutes since T0 (negative before), None before any dose."""
        return self.times().t_plus_min(moment)

    def ended(self) -> bool:
        """Whether discharge (or the end of monitoring) is recorded."""
        return bool(self.values.get("discharge_time") or self.values.get("monitoring_end_time"))

    # -- reading ---------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Whether the note is signed (nothing may be written)."""
        return self.note.is_signed

    def context(self) -> dict[str, Any]:
        """What the template's references read as ``$client.…`` (and ``$linked.…``)."""
        return self._context

    def _read_events(self) -> None:
        self.corrected = {e.id for e in self.note.events if "original" in e.data}
        self.originals = {
            e.id: dict(e.data["original"])
            for e in self.note.events
            if isinstance(e.data.get("original"), dict)
        }
        self.alert_keys = {
            str(e.data.get("key")) for e in self.note.events if e.kind == ALERT_EVENT
        }

    def rows(self, field_id: str) -> list[dict[str, Any]]:
        """The rows of one log field (copies)."""
        raw = self.values.get(field_id)
        if not isinstance(raw, list):
            return []
        return [dict(row) for row in raw if isinstance(row, dict)]

    def timed_rows(
        self, field_id: str, column: str = MAIN_TIME
    ) -> list[tuple[dict[str, Any], datetime | None]]:
        """Each row of a log with the instant of one of its time columns."""
        times = self.times()
        return [
            (row, times.row(field_id, position, column))
            for position, row in enumerate(self.rows(field_id))
        ]

    def readings(self) -> list[tuple[VitalsReading, dict[str, Any]]]:
        """Each usable vitals row with its reading (taken at the row's instant)."""
        out: list[tuple[VitalsReading, dict[str, Any]]] = []
        for row, instant in self.timed_rows(VITALS):
            if instant is None:
                continue
            try:
                reading = VitalsReading.from_entry(row, self.note.session_date)
            except ValueError:
                continue
            out.append((replace(reading, time=instant), row))
        return out

    def doses(self) -> list[DoseEntry]:
        """The usable dose rows as doses at their instants (mg/kg converted with the weight)."""
        out: list[DoseEntry] = []
        for row, instant in self.timed_rows(DOSES):
            if instant is None:
                continue
            try:
                dose = DoseEntry.from_entry(row, self.note.session_date, self.client.weight_kg)
            except ValueError:
                continue
            out.append(replace(dose, time=instant))
        return out

    def presence(self) -> list[tuple[Presence, dict[str, Any]]]:
        """The clinicians log as presence stretches (rows without a start are left out)."""
        times = self.times()
        out: list[tuple[Presence, dict[str, Any]]] = []
        for position, row in enumerate(self.rows(CLINICIANS)):
            start = times.row(CLINICIANS, position, "start_time")
            if start is None or not row.get("name"):
                continue
            out.append(
                (
                    Presence(
                        name=str(row["name"]),
                        role=str(row.get("role") or ""),
                        in_person=row.get("in_person") is not False,
                        start=start,
                        stop=times.row(CLINICIANS, position, "end_time"),
                    ),
                    row,
                )
            )
        return out

    def field_time(self, field_id: str) -> datetime | None:
        """The instant of a time field of the note (None when empty)."""
        return self.times().fields.get(field_id)

    def discharge_time(self) -> datetime | None:
        """When discharge was recorded (None before)."""
        return self.field_time("discharge_time")

    def monitoring_end(self) -> datetime | None:
        """The end of monitoring (None before)."""
        return self.field_time("monitoring_end_time")

    # -- writing ---------------------------------------------------------------------

    def _offset_s(self, moment: datetime) -> int | None:
        t0 = self.times().t0
        return None if t0 is None else int((moment - t0).total_seconds())

    def _log(self, field_id: str) -> LogField | None:
        field = self.spec.field_map().get(field_id)
        return field if isinstance(field, LogField) else None

    def append(
        self,
        field_id: str,
        row: Mapping[str, Any],
        moment: datetime | None = None,
        instants: Mapping[str, datetime] | None = None,
        *,
        late: bool = False,
    ) -> dict[str, Any]:
        """Write one log row, stamped at ``moment`` (default now), as an event and into the
        values at once; durable on return. ``instants`` place its other time columns.

        ``late``: the entry is for an earlier time than now; it is kept in time order
        among the rows and marked with when it was entered (``_entered_at``).
        """
        at = as_utc(moment) if moment is not None else self.now()
        data = {k: v for k, v in row.items() if k != INSTANTS_KEY}
        placed = dict(instants or {})
        log = self._log(field_id)
        if log is not None and log.column(MAIN_TIME) is not None:
            placed[MAIN_TIME] = at
        for column, instant in placed.items():
            data[column] = self.base_timeline.hhmm(instant)
        if placed:
            data[INSTANTS_KEY] = {k: to_iso(v) for k, v in sorted(placed.items())}
        if late:
            data[ENTERED_AT_KEY] = to_iso(self.now())
        event_id = new_entry_id()
        with self._one_write():
            rows = self.rows(field_id)
            position = len(rows)
            if late:
                times = [instant for _row, instant in self.timed_rows(field_id)]
                position = next(
                    (i for i, t in enumerate(times) if t is not None and t > at), position
                )
            rows.insert(position, {**data, EVENT_KEY: event_id})
            self.values[field_id] = rows
            entry = NewEntry(event_id, field_id, event_data(data), at, self._offset_s(at))
            self._save(new_entries=[entry])
        return next(r for r in self.rows(field_id) if r.get(EVENT_KEY) == event_id)

    def correct(
        self,
        field_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        instants: Mapping[str, datetime] | None = None,
    ) -> dict[str, Any]:
        """Correct a row before signing (its first version is kept); durable on return.

        ``changes`` with a None value remove that column; ``instants`` set time
        columns (their clock text follows). ``KeyError`` for an unknown entry.
        """
        with self._one_write():
            updated = self._change_row(field_id, event_id, changes, instants, history=True)
        self.corrected.add(event_id)
        return updated

    def fill(
        self,
        field_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        instants: Mapping[str, datetime] | None = None,
    ) -> dict[str, Any]:
        """Complete an entry without a correction's history (its tags, an infusion's stop
        time); durable on return. ``KeyError`` for an unknown entry."""
        with self._one_write():
            return self._change_row(field_id, event_id, changes, instants, history=False)

    def _change_row(
        self,
        field_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        instants: Mapping[str, datetime] | None,
        *,
        history: bool,
    ) -> dict[str, Any]:
        rows = self.rows(field_id)
        for position, row in enumerate(rows):
            if row.get(EVENT_KEY) != event_id:
                continue
            updated = {**row, **changes}
            for key in [k for k, v in changes.items() if v is None]:
                updated.pop(key, None)
            if instants:
                kept = dict(updated.get(INSTANTS_KEY) or {})
                for column, instant in instants.items():
                    updated[column] = self.base_timeline.hhmm(instant)
                    kept[column] = to_iso(instant)
                updated[INSTANTS_KEY] = dict(sorted(kept.items()))
            rows[position] = updated
            self.values[field_id] = rows
            if history:
                self.originals.setdefault(event_id, event_data(row))
            change = {event_id: event_data(updated)}
            if history:
                self._save(corrections=change)
            else:
                self._save(fills=change)
            return next(r for r in self.rows(field_id) if r.get(EVENT_KEY) == event_id)
        raise KeyError(event_id)

    def event(self, kind: str, data: Mapping[str, Any], moment: datetime | None = None) -> str:
        """Write a plain event (alert, override, discharge); durable when this returns."""
        at = as_utc(moment) if moment is not None else self.now()
        event_id = self.store.add_event(
            self.note_id, kind, dict(data), recorded_at=at, t_offset_s=self._offset_s(at)
        )
        if kind == ALERT_EVENT and "key" in data:
            self.alert_keys.add(str(data["key"]))
        return event_id

    def update(
        self, changes: Mapping[str, Any], instants: Mapping[str, datetime] | None = None
    ) -> None:
        """Set plain fields of the note (discharge, REMS, interventions); durable on return.

        ``instants`` set time fields (their clock text follows).
        """
        with self._one_write():
            for key, value in changes.items():
                if value is None:
                    self.values.pop(key, None)
                else:
                    self.values[key] = value
            if instants:
                kept = dict(self.values.get(INSTANTS_KEY) or {})
                for field_id, instant in instants.items():
                    self.values[field_id] = self.base_timeline.hhmm(instant)
                    kept[field_id] = to_iso(instant)
                self.values[INSTANTS_KEY] = dict(sorted(kept.items()))
            self._save()

    def _save(
        self,
        *,
        new_entries: Sequence[NewEntry] = (),
        corrections: Mapping[str, dict[str, Any]] | None = None,
        fills: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        computed = compute_values(self.spec, self.values, self.context())
        live_now = self.now() if self.live else None
        placed, times = place_times(self.spec, computed, self.base_timeline, live_now)
        self.store.save_values(
            self.note_id, placed, new_entries=new_entries, corrections=corrections, fills=fills
        )
        self.values = placed
        self._times = times  # the times of exactly what was stored (no second reading)

    @contextlib.contextmanager
    def _one_write(self) -> Iterator[None]:
        """A change of memory and its write, as one: when the write fails, memory goes back
        to exactly what it was (what is stored), so trying again adds nothing twice.

        Memory is restored from a copy, not read back from the vault: a vault that
        refuses a write (a full disk) may refuse the read as well.
        """
        values, times = dict(self.values), self._times
        originals = dict(self.originals)
        try:
            yield
        except BaseException:
            self.values, self._times, self.originals = values, times, originals
            raise

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
        with self._one_write():
            for event in sorted(missing, key=lambda e: e.recorded_at):
                row = {**event_data(event.data), EVENT_KEY: event.id}
                if row.get(MAIN_TIME) == self.base_timeline.hhmm(event.recorded_at):
                    row[INSTANTS_KEY] = {MAIN_TIME: to_iso(event.recorded_at)}
                self.values[event.kind] = [*self.rows(event.kind), row]
            self._save()
