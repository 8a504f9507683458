"""The client list's marks: open risk flags, drafts and today's sessions, in one query."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.instruments import InstrumentSpec, load_instruments
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault

TODAY = date(2026, 11, 25)
FLAGGED = {f"phq9_{i}": v for i, v in enumerate([3, 3, 2, 2, 2, 2, 2, 1, 1], start=1)}


@pytest.fixture
def phq9() -> InstrumentSpec:
    spec = load_instruments().get("phq9")
    assert spec is not None
    return spec


def _course(clients: ClientStore, client_id: str) -> str:
    return clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 11, 1),
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )


def test_each_row_counts_open_flags_drafts_and_sessions_today(
    open_vault: OpenVault, phq9: InstrumentSpec
) -> None:
    clients, notes, measures = (
        ClientStore(open_vault),
        NoteStore(open_vault),
        MeasureStore(open_vault),
    )
    busy = clients.create(ClientInput(name="Avery Busyday"))
    course = _course(clients, busy)
    notes.create(course, "dosing", {"id": "d", "version": 1}, TODAY)  # today, a draft
    prep = notes.create(course, "preparation", {"id": "p", "version": 1}, date(2026, 11, 20))
    measures.save(busy, phq9, FLAGGED, note_id=prep)  # a draft and an open flag
    calm = clients.create(ClientInput(name="Blair Quietweek"))
    acknowledged = measures.save(calm, phq9, FLAGGED)
    measures.acknowledge(acknowledged.id, "Safety plan reviewed")
    measures.save(calm, phq9, {f"phq9_{i}": 0 for i in range(1, 10)})  # no flag at all
    clients.create(ClientInput(name="Casey Nothingyet"))

    rows = {r.name: r for r in clients.search(today=TODAY)}
    busy_row = rows["Avery Busyday"]
    assert (busy_row.open_flags, busy_row.drafts, busy_row.sessions_today) == (1, 2, 1)
    calm_row = rows["Blair Quietweek"]
    assert (calm_row.open_flags, calm_row.drafts, calm_row.sessions_today) == (0, 0, 0)
    assert rows["Casey Nothingyet"].drafts == 0

    tomorrow = {r.name: r for r in clients.search(today=date(2026, 11, 26))}
    assert tomorrow["Avery Busyday"].sessions_today == 0


def test_the_whole_list_is_one_query_however_many_clients(open_vault: OpenVault) -> None:
    clients = ClientStore(open_vault)
    for n in range(12):
        client_id = clients.create(ClientInput(name=f"Client Number{n:02d}"))
        NoteStore(open_vault).create(
            _course(clients, client_id), "preparation", {"id": "p", "version": 1}, TODAY
        )
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(open_vault.engine, "before_cursor_execute", count)
    try:
        rows = clients.search(today=TODAY)
    finally:
        event.remove(open_vault.engine, "before_cursor_execute", count)
    assert len(rows) == 12 and all(r.drafts == 1 and r.sessions_today == 1 for r in rows)
    assert len(statements) == 1
