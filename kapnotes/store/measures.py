"""Outcome-measure results: record (scored by the instrument's own rules), list, acknowledge risk.

A result administered inside a note is kept with the note's id and replaced
when the note's answers change; one given on its own from the client page has
no note. A raised risk flag (e.g. PHQ-9 item 9 above 0) stays open until a
clinician acknowledges it with a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from kapnotes.domain.instruments import InstrumentSpec, score
from kapnotes.domain.notes import Phase
from kapnotes.domain.timeline import day_instant, local_day, system_zone_name, zone_named
from kapnotes.store.audit import record
from kapnotes.store.models import Client, Course, MeasureResult, Note, utcnow
from kapnotes.store.vault import OpenVault


@dataclass(frozen=True)
class MeasureRecord:
    """One administration as the client page and reports show it."""

    id: str
    client_id: str
    note_id: str | None
    instrument_id: str
    instrument_version: int
    answers: dict[str, Any]
    total: float | None
    band: str | None
    flags: tuple[dict[str, Any], ...]
    administered_at: datetime
    acknowledged_at: datetime | None
    acknowledgement: str | None
    day: date  # the clinic's calendar date of administered_at (its zone, not UTC)

    @property
    def complete(self) -> bool:
        """Whether the form was complete, hence scored."""
        return self.total is not None

    @property
    def open_flags(self) -> tuple[dict[str, Any], ...]:
        """Flags not yet acknowledged by a clinician."""
        return () if self.acknowledged_at is not None else self.flags


def _record_of(row: MeasureResult, zone_name: str) -> MeasureRecord:
    return MeasureRecord(
        id=row.id,
        client_id=row.client_id,
        note_id=row.note_id,
        instrument_id=row.instrument_id,
        instrument_version=row.instrument_version,
        answers=dict(row.answers),
        total=row.total,
        band=row.band,
        flags=tuple(dict(f) for f in row.flags),
        administered_at=row.administered_at,
        acknowledged_at=row.acknowledged_at,
        acknowledgement=row.acknowledgement,
        day=local_day(row.administered_at, zone_name),
    )


class MeasureStore:
    """Reads and writes measure results in an open vault."""

    def __init__(self, vault: OpenVault, zone_name: str | None = None) -> None:
        """``zone_name``: the clinic's time zone (IANA), in which dates are read; default
        this computer's."""
        self._vault = vault
        self.zone_name = zone_named(zone_name or system_zone_name()).key

    def instant_for(self, day: date, now: datetime | None = None) -> datetime:
        """What to store for a form given on the clinic's ``day`` (see ``day_instant``)."""
        return day_instant(day, self.zone_name, now)

    def save(
        self,
        client_id: str,
        spec: InstrumentSpec,
        answers: Mapping[str, int | None],
        *,
        note_id: str | None = None,
        administered_at: datetime | None = None,
    ) -> MeasureRecord:
        """Score and store answers; a note's earlier result for this instrument is replaced."""
        result = score(spec, answers)
        flags = [{"id": f.id, "label": f.label} for f in result.flags]
        with self._vault.session() as session:
            if session.get(Client, client_id) is None:
                raise KeyError(client_id)
            row: MeasureResult | None = None
            if note_id is not None:
                row = session.scalars(
                    select(MeasureResult).where(
                        MeasureResult.note_id == note_id,
                        MeasureResult.instrument_id == spec.id,
                    )
                ).first()
            given = {k: v for k, v in answers.items() if v is not None}
            if (
                row is not None
                and row.answers == given
                and row.instrument_version == spec.version
                and (administered_at is None or row.administered_at == administered_at)
            ):
                return _record_of(
                    row, self.zone_name
                )  # unchanged (e.g. another autosave): nothing to write
            if row is None:
                row = MeasureResult(client_id=client_id, note_id=note_id, instrument_id=spec.id)
                session.add(row)
            row.instrument_version = spec.version
            row.answers = given
            row.total = result.total
            row.band = result.band
            if flags != row.flags:
                row.acknowledged_at = None
                row.acknowledged_by_id = None
                row.acknowledgement = None
            row.flags = flags
            row.administered_at = administered_at or row.administered_at or utcnow()
            session.flush()
            record(
                session,
                self._vault.clinician_id,
                "measure.save",
                "measure_result",
                row.id,
                {"instrument": spec.id, "flags": [f["id"] for f in flags]},
            )
            return _record_of(row, self.zone_name)

    def remove_for_note(self, note_id: str, instrument_id: str) -> bool:
        """Drop a note's result for an instrument whose answers were cleared; True if one was."""
        with self._vault.session() as session:
            row = session.scalars(
                select(MeasureResult).where(
                    MeasureResult.note_id == note_id, MeasureResult.instrument_id == instrument_id
                )
            ).first()
            if row is None:
                return False
            session.delete(row)
            record(
                session,
                self._vault.clinician_id,
                "measure.remove",
                "measure_result",
                row.id,
                {"instrument": instrument_id},
            )
            return True

    def for_client(self, client_id: str, instrument_id: str | None = None) -> list[MeasureRecord]:
        """A client's results, oldest first."""
        stmt = select(MeasureResult).where(MeasureResult.client_id == client_id)
        if instrument_id is not None:
            stmt = stmt.where(MeasureResult.instrument_id == instrument_id)
        stmt = stmt.order_by(MeasureResult.administered_at)
        with self._vault.session() as session:
            return [_record_of(r, self.zone_name) for r in session.scalars(stmt)]

    def for_note(self, note_id: str) -> list[MeasureRecord]:
        """Results administered inside one note."""
        stmt = select(MeasureResult).where(MeasureResult.note_id == note_id)
        with self._vault.session() as session:
            return [_record_of(r, self.zone_name) for r in session.scalars(stmt)]

    def open_risk_flags(self, client_id: str) -> list[MeasureRecord]:
        """Results whose flags no clinician has acknowledged yet."""
        return [m for m in self.for_client(client_id) if m.open_flags]

    def acknowledge(self, measure_id: str, note: str) -> None:
        """A clinician has seen the flag and says what was done."""
        if not note.strip():
            raise ValueError("Say what was done about the flag (e.g. safety plan reviewed).")
        with self._vault.session() as session:
            row = session.get(MeasureResult, measure_id)
            if row is None:
                raise KeyError(measure_id)
            row.acknowledged_at = utcnow()
            row.acknowledged_by_id = self._vault.clinician_id
            row.acknowledgement = note.strip()
            record(
                session,
                self._vault.clinician_id,
                "measure.acknowledge",
                "measure_result",
                measure_id,
                {},
            )

    def series(self, client_id: str, instrument_id: str) -> list[tuple[date, int]]:
        """Scored totals by date, for a trend (incomplete forms are left out)."""
        return [
            (m.day, int(m.total))
            for m in self.for_client(client_id, instrument_id)
            if m.total is not None
        ]

    def dosing_dates(self, client_id: str) -> list[date]:
        """Dates of the client's dosing sessions, to mark on trend charts."""
        stmt = (
            select(Note.session_date)
            .join(Course)
            .where(Course.client_id == client_id, Note.kind == Phase.DOSING.value)
            .order_by(Note.session_date)
        )
        with self._vault.session() as session:
            return list(session.scalars(stmt))
