"""A note's times on its session timeline: the instant of every row and time field, T0, T+.

Pure rules over a note's values and its template (no storage, no Qt). Log rows
and time fields keep the clock time people read (``"time": "01:25"``) and,
beside it under ``_instants``, the instant it stands for. :func:`place_times`
keeps the two in step on every save: a new or retyped clock time is placed on
the timeline (:meth:`SessionTimeline.resolve`, settled by the row's neighbours),
an unchanged one keeps its instant; then every row's ``t_plus_min`` is
recomputed from the instants (T0 is the earliest dose). :func:`read_times`
gives the same instants for reading, also for notes written before instants
were kept (signed notes are never rewritten: their instants are placed the same
way each time they are read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Final

from kapnotes.domain.templates.model import LogField, TemplateSpec, TimeField, parse_time
from kapnotes.domain.timeline import (
    INSTANTS_KEY,
    SessionTimeline,
    Span,
    TimeInputError,
    instants_of,
    session_start,
    span_of,
    to_iso,
)

#: The column of a log row that says when the entry happened.
MAIN_TIME: Final = "time"
#: The column of T+ minutes since T0 (negative before the first dose).
T_PLUS: Final = "t_plus_min"
#: The dosing template's vitals column telling pre-dose from monitoring readings.
TIMEPOINT: Final = "timepoint"
#: Row keys derived from the timeline, kept in the note's values, not in the entry's event
#: (whose ``recorded_at`` is its instant): T+ moves with T0, instants are placed from the
#: clock text.
DERIVED_KEYS: Final[tuple[str, ...]] = (T_PLUS, INSTANTS_KEY)


def minutes_since(t0: datetime | None, instant: datetime) -> int | None:
    """Whole minutes from T0 to ``instant`` (negative before T0, rounded down); None without T0."""
    if t0 is None:
        return None
    return int((instant - t0).total_seconds() // 60)


def _time_columns(log: LogField) -> list[str]:
    return [c.id for c in log.columns if isinstance(c, TimeField)]


def _time_fields(spec: TemplateSpec) -> list[str]:
    return [f.id for f in spec.fields() if isinstance(f, TimeField)]


def _logs(spec: TemplateSpec) -> Iterator[LogField]:
    for spec_field in spec.fields():
        if isinstance(spec_field, LogField):
            yield spec_field


def _rows(values: Mapping[str, Any], log_id: str) -> list[dict[str, Any]]:
    raw = values.get(log_id)
    if not isinstance(raw, list):
        return []
    return [row for row in raw if isinstance(row, dict)]


@dataclass(frozen=True)
class NoteTimes:
    """The instants of one note: per log row (by position) and per time field.

    ``rows[log_id][position][column]`` and ``fields[field_id]`` are UTC instants;
    ``t0`` is the first dose (None before any); ``timeline`` shows zones when the
    session crosses a clock change.
    """

    timeline: SessionTimeline
    rows: dict[str, list[dict[str, datetime]]] = field(default_factory=dict)
    fields: dict[str, datetime] = field(default_factory=dict)
    t0: datetime | None = None

    def row(self, log_id: str, position: int, column: str = MAIN_TIME) -> datetime | None:
        """The instant of a row's time column (None when it has none)."""
        rows = self.rows.get(log_id, [])
        return rows[position].get(column) if 0 <= position < len(rows) else None

    def all_instants(self) -> list[datetime]:
        """Every instant of the note, in time order."""
        found = list(self.fields.values())
        for rows in self.rows.values():
            for row in rows:
                found.extend(row.values())
        return sorted(found)

    def span(self) -> Span | None:
        """The note's first and last instants."""
        return span_of(self.all_instants())

    def t_plus_min(self, instant: datetime) -> int | None:
        """Whole minutes since T0 (negative before), None before any dose."""
        return minutes_since(self.t0, instant)

    def is_pre_dose(self, instant: datetime) -> bool:
        """Whether an instant lies before the first dose (or no dose is logged yet)."""
        return self.t0 is None or instant < self.t0


def _place_row(
    row: Mapping[str, Any],
    columns: list[str],
    timeline: SessionTimeline,
    span: Span | None,
    after: datetime | None,
    before: datetime | None,
    kept: Mapping[str, datetime] | None = None,
) -> dict[str, datetime]:
    """The instants of one row's time columns: kept where they still match the text.

    ``kept``: the row's stored instants (:func:`instants_of`), when already read.
    """
    if kept is None:
        kept = instants_of(row)
    out: dict[str, datetime] = {}
    for column in columns:
        text = row.get(column)
        if parse_time(text) is None:
            continue
        instant = kept.get(column)
        if instant is not None and timeline.hhmm(instant) == str(text)[:5]:
            out[column] = instant
            continue
        near = instant  # retyped: keep to the side of a clock change it was on
        # The entry's own time column bounds its other times from below (a resolution
        # or an end comes after the start of the same entry).
        low = out.get(MAIN_TIME) or out.get("start_time") or out.get("onset_time") or after
        try:
            out[column] = timeline.resolve(
                str(text)[:5],
                span=span,
                after=low,
                before=before if column == MAIN_TIME else None,
                near=near,
            )
        except TimeInputError:
            continue  # a skipped (spring) clock time: no instant; the row shows the text
    return out


def _known_instants(
    values: Mapping[str, Any],
    stored: Mapping[str, list[dict[str, datetime]]],
    now: datetime | None,
) -> list[datetime]:
    """The instants already settled in the values (and now, for a live session);
    ``stored``: each log's rows' stored instants."""
    found: list[datetime] = [now] if now is not None else []
    found.extend(
        instant
        for name, instant in instants_of(values).items()
        if parse_time(values.get(name)) is not None
    )
    for rows in stored.values():
        for kept in rows:
            found.extend(kept.values())
    return found


def _clock_times(spec: TemplateSpec, values: Mapping[str, Any]) -> list[time]:
    """Every clock time written in the note's rows and time fields."""
    found = [parse_time(values.get(name)) for name in _time_fields(spec)]
    for log in _logs(spec):
        columns = _time_columns(log)
        for row in _rows(values, log.id):
            found.extend(parse_time(row.get(column)) for column in columns)
    return [t for t in found if t is not None]


def read_times(
    spec: TemplateSpec,
    values: Mapping[str, Any],
    timeline: SessionTimeline,
    now: datetime | None = None,
) -> NoteTimes:
    """Every instant of the note (placing clock times that have none yet), T0, zone display.

    ``now`` is given for a live session: it belongs to the session's span (a
    session running past midnight) and to the zone display.
    """
    # Each row's stored instants, read once.
    stored = {log.id: [instants_of(row) for row in _rows(values, log.id)] for log in _logs(spec)}
    known = _known_instants(values, stored, now)
    if not known:
        # Nothing placed yet (a note from before instants were kept, or times typed by
        # hand): the session begins after the longest empty stretch of its clock times.
        start = session_start(_clock_times(spec, values))
        if start is not None:
            first = timeline.wall_instants(start, timeline.day)
            known = [first[0]] if first else []
    # The span of what is known so far, kept as it grows (each placed row joins it).
    bounds = span_of(known)
    rows: dict[str, list[dict[str, datetime]]] = {}
    for log in _logs(spec):
        columns = _time_columns(log)
        log_rows = _rows(values, log.id)
        kept = stored[log.id]
        # before[i]: the stored main instant of the first row after row i that has one.
        before: list[datetime | None] = [None] * len(log_rows)
        following: datetime | None = None
        for position in range(len(log_rows) - 1, -1, -1):
            before[position] = following
            following = kept[position].get(MAIN_TIME, following)
        placed: list[dict[str, datetime]] = []
        after: datetime | None = None  # the main instant of the last row placed with one
        for position, row in enumerate(log_rows):
            # each placed row joins the span, so a session's rows past midnight follow it
            placed.append(
                _place_row(row, columns, timeline, bounds, after, before[position], kept[position])
            )
            after = placed[-1].get(MAIN_TIME, after)
            bounds = _widened(bounds, placed[-1].values())
        rows[log.id] = placed
    fields_placed = _place_row(values, _time_fields(spec), timeline, bounds, None, None)
    doses = [
        r[MAIN_TIME]
        for log in _logs(spec)
        if log.type == "dose_log"
        for r in rows[log.id]
        if MAIN_TIME in r
    ]
    t0 = min(doses, default=None)
    found = [*fields_placed.values(), *(i for rs in rows.values() for r in rs for i in r.values())]
    if now is not None:
        found.append(now)
    return NoteTimes(timeline.spanning(found), rows, fields_placed, t0)


def _widened(bounds: Span | None, instants: Iterable[datetime]) -> Span | None:
    """``bounds`` grown to take in ``instants`` (:func:`span_of` of them all, kept as it grows)."""
    for instant in instants:
        if bounds is None:
            bounds = (instant, instant)
        elif instant < bounds[0]:
            bounds = (instant, bounds[1])
        elif instant > bounds[1]:
            bounds = (bounds[0], instant)
    return bounds


def _with_instants(container: dict[str, Any], instants: Mapping[str, datetime]) -> dict[str, Any]:
    out = dict(container)
    if instants:
        out[INSTANTS_KEY] = {k: to_iso(v) for k, v in sorted(instants.items())}
    else:
        out.pop(INSTANTS_KEY, None)
    return out


def place_times(
    spec: TemplateSpec,
    values: Mapping[str, Any],
    timeline: SessionTimeline,
    now: datetime | None = None,
) -> tuple[dict[str, Any], NoteTimes]:
    """The values with an instant beside every clock time and T+ recomputed; and the times.

    Every timed row gets ``t_plus_min``, minutes since T0 (removed before any
    dose), whether or not its log shows a T+ column; a vitals row without a
    ``timepoint`` gets ``pre_dose`` or ``monitoring`` from its instant. Nothing
    else in the values changes.
    """
    times = read_times(spec, values, timeline, now)
    out = _with_instants(dict(values), times.fields)
    for log in _logs(spec):
        raw = values.get(log.id)
        if not isinstance(raw, list):
            continue
        has_t_plus = log.column(MAIN_TIME) is not None  # every timed entry has its T+
        has_timepoint = log.type == "vitals_log" and log.column(TIMEPOINT) is not None
        new_rows: list[Any] = []
        position = 0
        for row in raw:
            if not isinstance(row, dict):
                new_rows.append(row)
                continue
            placed = times.rows[log.id][position]
            position += 1
            updated = _with_instants(row, placed)
            main = placed.get(MAIN_TIME)
            if has_t_plus:
                offset = None if main is None else times.t_plus_min(main)
                if offset is None:
                    updated.pop(T_PLUS, None)
                else:
                    updated[T_PLUS] = offset
            if has_timepoint and main is not None and not updated.get(TIMEPOINT):
                updated[TIMEPOINT] = "pre_dose" if times.is_pre_dose(main) else "monitoring"
            new_rows.append(updated)
        out[log.id] = new_rows
    return out, times


def session_timeline(zone_name: str, day: date) -> SessionTimeline:
    """The timeline of a note: its clinic's zone (IANA name) and its session day."""
    return SessionTimeline.of(zone_name, day)
