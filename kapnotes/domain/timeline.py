"""One session timeline: every time is an aware instant (UTC), shown in the clinic's zone.

A note keeps its clinic's time zone (an IANA name such as ``America/New_York``).
Rows and time fields keep the clock time people read (``"01:25"``) *and* the
instant it stands for, under :data:`INSTANTS_KEY` (``{"time":
"2026-11-01T06:25:00Z"}``). Everything that measures time — T0, T+ minutes,
"pre-dose", reminders, the REMS window, the minimum monitoring time, billing
minutes — is elapsed time between instants, never a difference of wall-clock
readings, so the repeated hour of an autumn clock change and the missing hour of
a spring one count as the real minutes they are.

A clock time typed by hand is turned into an instant by
:meth:`SessionTimeline.resolve`: it means the session's day, or the next day when
that is nearer to the session (a session that has crossed midnight); a repeated
local time (the autumn hour) is settled by the entry's neighbours in its log, or
by an explicit zone abbreviation (``"01:25 EST"``); a time that does not exist
(the spring gap) is refused with a message saying so.

Arithmetic is only ever done on UTC instants: Python subtracts two datetimes of
the *same* zone as wall-clock readings, which is exactly the bug this module is
here to prevent.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Where rows and note values keep the instants of their time fields (bookkeeping key).
INSTANTS_KEY: Final = "_instants"

_CLOCK = re.compile(r"^\s*(\d{1,2})[:.h]?(\d{2})\s*([A-Za-z][A-Za-z0-9+\-]{1,7})?\s*$")


class TimeInputError(ValueError):
    """A clock time or a zone that cannot be placed on the timeline (the message says why)."""


def system_zone_name() -> str:
    """The IANA name of this computer's time zone (``"UTC"`` when it cannot be told).

    Read with tzlocal, which knows each platform's way of saying it (``TZ``,
    ``/etc/localtime``, the Windows registry).
    """
    from tzlocal import get_localzone_name  # imported late: only needed to make a note

    configured = os.environ.get("TZ", "").lstrip(":")
    if configured:  # TZ=America/New_York wins, as it does for every program
        try:
            return ZoneInfo(configured).key
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        name = get_localzone_name()
    except Exception:  # tzlocal raises its own errors for odd set-ups; UTC is a safe floor
        return "UTC"
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def zone_named(name: str) -> ZoneInfo:
    """The time zone of an IANA name; :class:`TimeInputError` naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeInputError(
            f"'{name}' is not a known time zone (use a name such as America/New_York)"
        ) from None


def as_utc(moment: datetime) -> datetime:
    """An aware datetime as UTC; a naive one is refused (it names no instant)."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime names no instant; give an aware one")
    return moment.astimezone(UTC)


@functools.lru_cache(maxsize=16384)
def to_iso(instant: datetime) -> str:
    """``2026-11-01T06:25:00Z``: how instants are stored in rows and values (whole seconds).

    Formatted once per instant: every save writes each row's instants again.
    """
    return as_utc(instant).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(value: Any) -> datetime | None:
    """An instant stored by :func:`to_iso` (or any aware ISO text); None when unreadable."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo is not None else None
    if not isinstance(value, str) or "T" not in value:
        return None
    return _parse_iso(value)


@functools.lru_cache(maxsize=16384)
def _parse_iso(value: str) -> datetime | None:
    """Parsed once: a session's rows are read on every save (instants are immutable)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


@functools.lru_cache(maxsize=16384)
def _hhmm(zone: ZoneInfo, instant: datetime) -> str:
    """Formatted once per instant: every save compares each row's clock text with it."""
    return as_utc(instant).astimezone(zone).strftime("%H:%M")


def instants_of(container: Any) -> dict[str, datetime]:
    """The instants kept beside the time fields of a row or of a note's values."""
    raw = container.get(INSTANTS_KEY) if isinstance(container, dict) else None
    if not isinstance(raw, dict):
        return {}
    out: dict[str, datetime] = {}
    for key, value in raw.items():
        instant = from_iso(value)
        if instant is not None:
            out[str(key)] = instant
    return out


def parse_clock(text: str) -> tuple[time, str | None]:
    """``"01:25"``, ``"1:25"``, ``"0125"`` or ``"01:25 EST"`` as (time, zone abbreviation).

    :class:`TimeInputError` when the text is not a clock time of the day.
    """
    match = _CLOCK.match(text)
    if match is None:
        raise TimeInputError(f"'{text.strip()}' is not a clock time (HH:MM)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise TimeInputError(f"'{text.strip()}' is not a clock time (HH:MM, 00:00–23:59)")
    abbreviation = match.group(3)
    return time(hour, minute), abbreviation.upper() if abbreviation else None


Span = tuple[datetime, datetime]


def _distance(instant: datetime, span: Span) -> timedelta:
    first, last = span
    if instant < first:
        return first - instant
    if instant > last:
        return instant - last
    return timedelta(0)


def session_start(clock_times: Iterable[time]) -> time | None:
    """Where a session's clock times begin, when none has an instant yet.

    A session lasts well under a day, so on a 24-hour dial its clock times leave
    one long empty stretch (the night before a morning session, the day before
    an evening one); the session begins right after it. 23:20, 23:50, 00:40 and
    01:15 begin at 23:20; 09:50, 10:00 and 11:30 at 09:50.
    """
    minutes = sorted({t.hour * 60 + t.minute for t in clock_times})
    if not minutes:
        return None
    gaps = [
        ((minutes[(i + 1) % len(minutes)] - minutes[i]) % 1440 or 1440, i)
        for i in range(len(minutes))
    ]
    _gap, last = max(gaps)
    first = minutes[(last + 1) % len(minutes)]
    return time(first // 60, first % 60)


def span_of(instants: Iterable[datetime]) -> Span | None:
    """The first and last of some instants, or None when there are none."""
    ordered = sorted(instants)
    return (ordered[0], ordered[-1]) if ordered else None


@dataclass(frozen=True, slots=True)
class SessionTimeline:
    """The clinic's zone and the session's day; ``show_zone`` when the session crosses a
    clock change (clock times then carry their abbreviation, ``01:25 EST``)."""

    zone: ZoneInfo
    day: date
    show_zone: bool = False
    #: The UTC offsets the session's instants have (empty: not known); a time at another
    #: offset (the minimum monitoring ends after the change) shows its zone too.
    offsets: frozenset[timedelta] = frozenset()

    @classmethod
    def of(cls, zone_name: str, day: date) -> SessionTimeline:
        """The timeline of a session on ``day`` in the zone ``zone_name`` (IANA)."""
        return cls(zone_named(zone_name), day)

    @property
    def zone_name(self) -> str:
        """The IANA name of the zone."""
        return self.zone.key

    # -- showing ---------------------------------------------------------------------

    def local(self, instant: datetime) -> datetime:
        """The instant as the clinic's wall clock reads it (for display only)."""
        return as_utc(instant).astimezone(self.zone)

    def hhmm(self, instant: datetime) -> str:
        """``"01:25"``: the clock time stored in a row's time column."""
        return _hhmm(self.zone, instant)

    def with_zone(self, instant: datetime) -> str:
        """``"01:25 EST"``: the clock time with its zone abbreviation."""
        local = self.local(instant)
        return f"{local:%H:%M} {local.tzname()}"

    def _zoned(self, instant: datetime) -> bool:
        offset = self.local(instant).utcoffset()
        return self.show_zone or (bool(self.offsets) and offset not in self.offsets)

    def clock(self, instant: datetime) -> str:
        """The clock time as shown: with its zone where the session crosses a change (or the
        time lies across one from the session)."""
        return self.with_zone(instant) if self._zoned(instant) else self.hhmm(instant)

    def clock_seconds(self, instant: datetime) -> str:
        """``"01:25:07"`` (with the zone where the session crosses a change)."""
        local = self.local(instant)
        return f"{local:%H:%M:%S}" + (f" {local.tzname()}" if self._zoned(instant) else "")

    def local_date(self, instant: datetime) -> date:
        """The clinic's calendar date of an instant."""
        return self.local(instant).date()

    def spanning(self, instants: Iterable[datetime]) -> SessionTimeline:
        """This timeline, showing zones when the instants lie on both sides of a change."""
        offsets = frozenset(
            offset for i in instants if (offset := self.local(i).utcoffset()) is not None
        )
        return replace(self, show_zone=len(offsets) > 1, offsets=offsets)

    # -- placing typed times -----------------------------------------------------------

    def wall_instants(self, at: time, day: date) -> tuple[datetime, ...]:
        """The instants at which the clinic's clock reads ``at`` on ``day``.

        One on an ordinary day, two in the repeated hour of an autumn change
        (earlier first), none in the skipped hour of a spring change.
        """
        found: list[datetime] = []
        for fold in (0, 1):
            local = datetime.combine(day, at, tzinfo=self.zone).replace(fold=fold)
            instant = local.astimezone(UTC)
            back = instant.astimezone(self.zone)
            same = (back.hour, back.minute) == (at.hour, at.minute) and back.date() == day
            if same and instant not in found:
                found.append(instant)
        return tuple(sorted(found))

    def midnight(self, day: date | None = None) -> datetime:
        """The instant the clinic's ``day`` (default: the session's) begins."""
        return datetime.combine(day or self.day, time(0), tzinfo=self.zone).astimezone(UTC)

    def resolve(
        self,
        at: time | str,
        *,
        span: Span | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
        latest: bool = False,
        near: datetime | None = None,
    ) -> datetime:
        """The instant a clock time typed for this session stands for.

        * ``span``: the session's first and last known instants (a live session
          includes "now"). The time means the session's day, or the next day when
          that lies nearer the span (a session past midnight); without a span,
          the session's day.
        * ``after`` / ``before``: the neighbours of the entry in its log. A
          repeated local time (autumn) takes the earliest instant between them
          (the latest with ``latest=True``, for "now or a little earlier" in a live
          session); when none lies between, the nearest.
        * ``near``: the instant the entry had before its clock time was retyped; of a
          repeated local time, the one nearest it is kept (01:25 EST retyped 01:30
          stays EST).
        * A trailing zone abbreviation (``"01:25 EST"``) picks that instant.

        :class:`TimeInputError` for text that is not a clock time, an abbreviation
        the zone does not use that day, or a time the clocks skipped.
        """
        wanted: str | None = None
        if isinstance(at, str):
            at, wanted = parse_clock(at)
        days = [self.day] if span is None else [self.day, self.day + timedelta(days=1)]
        nominal = {d: datetime.combine(d, at, tzinfo=self.zone).astimezone(UTC) for d in days}
        if before is not None and any(nominal[d] <= before for d in days):
            days = [d for d in days if nominal[d] <= before]  # not later than its neighbour
        if span is not None:
            days.sort(key=lambda d: _distance(nominal[d], span))
        chosen = days[0]
        candidates = list(self.wall_instants(at, chosen))
        if not candidates:
            raise TimeInputError(
                f"{at:%H:%M} does not exist on {chosen:%d %b %Y} in {self.zone_name}: "
                "the clocks went forward; type the time as the clock showed it"
            )
        if wanted is not None:
            named = [i for i in candidates if self.local(i).tzname() == wanted]
            if not named:
                known = ", ".join(sorted({str(self.local(i).tzname()) for i in candidates}))
                raise TimeInputError(
                    f"{at:%H:%M} {wanted}: the clinic's clock read {at:%H:%M} as {known} "
                    f"on {chosen:%d %b %Y}"
                )
            return named[0]
        if len(candidates) == 1:
            return candidates[0]
        if near is not None:
            return min(candidates, key=lambda i: abs(i - near))
        between = [
            i
            for i in candidates
            if (after is None or i >= after) and (before is None or i <= before)
        ]
        if between:
            return between[-1] if latest else between[0]
        bounds = tuple(b for b in (after, before) if b is not None)
        if not bounds:
            return candidates[-1] if latest else candidates[0]
        lo, hi = min(bounds), max(bounds)
        return min(candidates, key=lambda i: _distance(i, (lo, hi)))


class ClockTime(str):
    """A clock time as text (``"01:25"``) that remembers the instant it stands for.

    Template references to time fields yield these, so ``minutes_between`` counts
    real elapsed minutes across a clock change while everything else (display,
    JSON) sees the plain text.
    """

    instant: datetime | None

    def __new__(cls, text: str, instant: datetime | None) -> ClockTime:
        """The text ``text`` standing for ``instant``."""
        made = super().__new__(cls, text)
        made.instant = instant
        return made


#: How a rule's message shows a clock time (a session passes its timeline's ``clock``).
ClockFormat = Callable[[datetime], str]


def wall_clock(at: datetime) -> str:
    """``"10:40"``: a datetime's own wall-clock reading (for callers without a timeline)."""
    return f"{at:%H:%M}"


def day_instant(day: date, zone_name: str, now: datetime | None = None) -> datetime:
    """The instant to store for something given on the clinic's calendar ``day``.

    Today (in the clinic's zone) keeps ``now``, so two on one day stay in order;
    another day is that day's local noon, far from both midnights, so the day
    reads back the same in the clinic's zone whatever its offset (UTC+13 or
    UTC-10 alike).
    """
    zone = zone_named(zone_name)
    moment = as_utc(now) if now is not None else datetime.now(UTC)
    if moment.astimezone(zone).date() == day:
        return moment
    return local_noon(day, zone_name)


def local_noon(day: date, zone_name: str) -> datetime:
    """Noon of the clinic's calendar ``day``, as an instant (the day reads back unchanged)."""
    return datetime.combine(day, time(12, 0), tzinfo=zone_named(zone_name)).astimezone(UTC)


def local_day(instant: datetime, zone_name: str) -> date:
    """The clinic's calendar date of an instant (what a measure's date reads as)."""
    return as_utc(instant).astimezone(zone_named(zone_name)).date()
