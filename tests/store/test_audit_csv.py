"""The audit trail's CSV export: a name a spreadsheet would run as a formula stays text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from kapnotes.store.audit_view import AuditRow, csv_bytes


def test_a_client_name_that_looks_like_a_formula_is_written_as_text() -> None:
    row = AuditRow(
        seq=7,
        at=datetime(2026, 11, 29, 10, 0, tzinfo=UTC),
        actor_id="c1",
        actor_name="Dr Ada Quill, PsyD",
        action="client.open",
        entity="client",
        entity_id="x1",
        client_id="x1",
        client_name='=HYPERLINK("http://example.invalid","Fictional")',
    )
    [header, cells] = list(csv.reader(io.StringIO(csv_bytes([row]).decode())))
    shown = dict(zip(header, cells, strict=True))
    assert shown["client"] == "'" + row.client_name
    assert shown["clinician"] == "Dr Ada Quill, PsyD"  # ordinary text unchanged
    assert shown["seq"] == "7"
