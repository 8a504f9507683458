"""A dosing note read for printing: the live session's rows, alerts and times, nothing written.

A report must show exactly what the app shows — the same instants, T+ minutes,
clock times (with the zone across a clock change), alerts, monitoring time and
REMS block — and must never write: not even the reconciliation a
:class:`~kapnotes.session.record.SessionRecord` does when it opens a draft, nor
the planned-product default a :class:`~kapnotes.session.live.LiveSession` records.
:class:`SessionReadout` is a ``LiveSession`` over a :class:`ReadOnlyRecord`, so
every reading method is the live view's own and every writing method refuses
("This note is signed: read-only") before it reaches the vault.

"Now" is the print time (an aware instant): a draft still being monitored counts
its monitoring time up to it, so the same vault and print time give the same report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kapnotes.domain.clients import Product
from kapnotes.domain.note_times import MAIN_TIME
from kapnotes.domain.session import (
    Alert,
    BillingSummary,
    ClinicSettings,
    DoseEntry,
    RemsSummary,
    VitalsReading,
    billing,
    infusion_rate,
    rems_summary,
)
from kapnotes.domain.timeline import as_utc
from kapnotes.session.live import LiveSession
from kapnotes.session.record import DOSES, VITALS, SessionClient, SessionRecord
from kapnotes.store.notes import NewEntry, NoteRecord, NoteStore, SignedNoteError


class ReadOnlyRecord(SessionRecord):
    """A :class:`SessionRecord` that never writes: no reconciliation on opening, every save
    refused. Reading is the record's own (times, rows, readings, doses, presence), each
    worked out once: nothing it reads can change."""

    @property
    def read_only(self) -> bool:
        """Always: a report reads."""
        return True

    def timed_rows(
        self, field_id: str, column: str = MAIN_TIME
    ) -> list[tuple[dict[str, Any], datetime | None]]:
        """Each row of a log with the instant of one of its time columns (read once)."""
        cache: dict[tuple[str, str], list[tuple[dict[str, Any], datetime | None]]]
        cache = self.__dict__.setdefault("_timed_rows", {})
        if (field_id, column) not in cache:
            cache[field_id, column] = super().timed_rows(field_id, column)
        return list(cache[field_id, column])

    def readings(self) -> list[tuple[VitalsReading, dict[str, Any]]]:
        """Each usable vitals row with its reading (read once)."""
        if "_readings" not in self.__dict__:
            self.__dict__["_readings"] = super().readings()
        return list(self.__dict__["_readings"])

    def doses(self) -> list[DoseEntry]:
        """The usable doses at their instants (read once)."""
        if "_doses" not in self.__dict__:
            self.__dict__["_doses"] = super().doses()
        return list(self.__dict__["_doses"])

    def _save(
        self,
        *,
        new_entries: Sequence[NewEntry] = (),
        corrections: Mapping[str, dict[str, Any]] | None = None,
        fills: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        raise SignedNoteError("A note read for a report is never written.")


@dataclass(frozen=True, slots=True)
class VitalsRow:
    """One row of the vitals log as printed: its position in the log, the stored row, its
    instant (None when its clock time cannot be placed), T+ minutes, the reading (None when
    the row is not a usable reading) and the alerts it raised."""

    position: int
    row: dict[str, Any]
    instant: datetime | None
    t_plus_min: int | None
    reading: VitalsReading | None
    alerts: tuple[Alert, ...]


@dataclass(frozen=True, slots=True)
class DoseRow:
    """One row of the medicine log as printed: the stored row, its instant and T+, the dose
    (None when the row is not a usable dose), whether it is a booster (a later dose than the
    first), an infusion's stop instant and rate (``"1.2 mg/kg/h"``, ``"60 mg/h"``)."""

    position: int
    row: dict[str, Any]
    instant: datetime | None
    t_plus_min: int | None
    dose: DoseEntry | None
    booster: bool
    stop: datetime | None
    rate: str | None


class SessionReadout(LiveSession):
    """A dosing note read as its live session shows it, for a report (see the module docstring).

    ``now`` is the print time; ``note`` the note as just read, if it was. ``LiveSession.__init__``
    is deliberately not run:
    on a draft it records the planned product; here nothing may be written.
    """

    def __init__(
        self,
        store: NoteStore,
        note_id: str,
        client: SessionClient,
        product: Product,
        settings: ClinicSettings,
        now: datetime,
        *,
        note: NoteRecord | None = None,
    ) -> None:
        moment = as_utc(now)
        self.settings = settings
        self.record = ReadOnlyRecord(store, note_id, client, product, lambda: moment, note=note)
        self.product = product
        self.alerts: list[Alert] = []
        self.evaluate()

    def vitals_rows(self) -> list[VitalsRow]:
        """Every vitals row in the log's order, with its reading and the alerts it raised."""
        raised_by: dict[VitalsReading, list[Alert]] = {}
        for alert in self.alerts:
            for triggering in dict.fromkeys(alert.readings):
                raised_by.setdefault(triggering, []).append(alert)
        # the record's readings come from these very row objects (timed_rows is read once)
        usable = {id(row): reading for reading, row in self.record.readings()}
        out: list[VitalsRow] = []
        for position, (row, instant) in enumerate(self.record.timed_rows(VITALS)):
            reading = usable.get(id(row))
            raised = tuple(raised_by.get(reading, ())) if reading is not None else ()
            t_plus = None if instant is None else self.record.t_plus_min(instant)
            out.append(VitalsRow(position, row, instant, t_plus, reading, raised))
        return out

    def dose_rows(self) -> list[DoseRow]:
        """Every medicine-log row in order, with its dose, booster mark and infusion details."""
        day = self.record.note.session_date
        weight = self.record.client.weight_kg
        times = self.record.times()
        first = times.t0
        out: list[DoseRow] = []
        for position, (row, instant) in enumerate(self.record.timed_rows(DOSES)):
            dose: DoseEntry | None = None
            if instant is not None:
                try:
                    dose = replace(DoseEntry.from_entry(row, day, weight), time=instant)
                except ValueError:
                    dose = None
            minutes = row.get("infusion_min")
            rate = (
                infusion_rate(dose.dose_mg, dose.dose_mg_per_kg, minutes)
                if dose is not None and isinstance(minutes, int) and not isinstance(minutes, bool)
                else None
            )
            out.append(
                DoseRow(
                    position=position,
                    row=row,
                    instant=instant,
                    t_plus_min=None if instant is None else self.record.t_plus_min(instant),
                    dose=dose,
                    booster=instant is not None and first is not None and instant > first,
                    stop=times.row(DOSES, position, "stop_time"),
                    rate=rate,
                )
            )
        return out

    def billing_summary(self) -> BillingSummary | None:
        """Monitoring time per clinician and the suggested codes, as the live view's summary
        computes them (None when no one is recorded as present)."""
        presence = [p for p, _row in self.record.presence()]
        if not presence:
            return None
        doses = self.record.doses()
        total = sum(d.dose_mg for d in doses) if doses else None
        end = self.record.monitoring_end() or self.record.discharge_time()
        return billing(
            presence, self.product, total, self.settings, end or self.now(), clock=self.clock
        )

    def rems_summary(self) -> RemsSummary:
        """The esketamine REMS block from the session's logs, with what is missing."""
        discharge = self.record.discharge_time()
        return rems_summary(
            self.readings(),
            self.record.doses(),
            discharge,
            self.settings,
            self.record.monitoring_end() or discharge,
            clock=self.clock,
        )
