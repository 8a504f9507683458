"""The database triggers that protect signed records, and a check that they are all there.

Signed notes, their events, addenda, the measures of signed notes, template
snapshots and the audit trail are protected in the database itself: these
triggers abort any statement that would change them (migrations 0002, 0005 and
0006 create them). Someone with the data key can drop a trigger; ``verify`` and
every unlock compare the triggers the database holds with this list, word for
word, so a dropped or rewritten trigger is named.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

_SIGNED = "SELECT RAISE(ABORT, 'kapnotes: a signed note is read-only; add an addendum instead')"
_APPEND_ONLY = "SELECT RAISE(ABORT, 'kapnotes: this record is append-only')"
_MEASURE = "SELECT RAISE(ABORT, 'kapnotes: the measures of a signed note are read-only')"
_NOTE_SIGNED = "(SELECT status FROM note WHERE id = {ref}.note_id) = 'signed'"
_GENESIS = "0" * 64

#: Created by migrations 0002 (0005 recreates ``note_signed_no_update`` unchanged).
TRIGGERS_0002: dict[str, str] = {
    "note_signed_no_update": f"""
        CREATE TRIGGER note_signed_no_update BEFORE UPDATE ON note
        WHEN OLD.status = 'signed' BEGIN {_SIGNED}; END""",
    "note_signed_no_delete": f"""
        CREATE TRIGGER note_signed_no_delete BEFORE DELETE ON note
        WHEN OLD.status = 'signed' BEGIN {_SIGNED}; END""",
    "note_event_signed_no_insert": f"""
        CREATE TRIGGER note_event_signed_no_insert BEFORE INSERT ON note_event
        WHEN {_NOTE_SIGNED.format(ref="NEW")} BEGIN {_SIGNED}; END""",
    "note_event_signed_no_update": f"""
        CREATE TRIGGER note_event_signed_no_update BEFORE UPDATE ON note_event
        WHEN {_NOTE_SIGNED.format(ref="OLD")} BEGIN {_SIGNED}; END""",
    "note_event_signed_no_delete": f"""
        CREATE TRIGGER note_event_signed_no_delete BEFORE DELETE ON note_event
        WHEN {_NOTE_SIGNED.format(ref="OLD")} BEGIN {_SIGNED}; END""",
    "addendum_no_update": f"""
        CREATE TRIGGER addendum_no_update BEFORE UPDATE ON addendum
        BEGIN {_APPEND_ONLY}; END""",
    "addendum_no_delete": f"""
        CREATE TRIGGER addendum_no_delete BEFORE DELETE ON addendum
        BEGIN {_APPEND_ONLY}; END""",
    "audit_no_update": f"""
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_event
        BEGIN {_APPEND_ONLY}; END""",
    "audit_no_delete": f"""
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_event
        BEGIN {_APPEND_ONLY}; END""",
}

#: The measure columns that are the result itself (acknowledging a flag stays possible).
MEASURE_RESULT_COLUMNS = (
    "client_id",
    "note_id",
    "course_id",
    "instrument_id",
    "instrument_version",
    "answers",
    "total",
    "band",
    "flags",
    "administered_at",
)

#: Created by migration 0006.
TRIGGERS_0006: dict[str, str] = {
    "addendum_signed_only": """
        CREATE TRIGGER addendum_signed_only BEFORE INSERT ON addendum
        WHEN (SELECT status FROM note WHERE id = NEW.note_id) IS NOT 'signed'
        BEGIN SELECT RAISE(ABORT, 'kapnotes: addenda are for signed notes only'); END""",
    "measure_signed_no_insert": f"""
        CREATE TRIGGER measure_signed_no_insert BEFORE INSERT ON measure_result
        WHEN {_NOTE_SIGNED.format(ref="NEW")} BEGIN {_MEASURE}; END""",
    "measure_signed_no_update": f"""
        CREATE TRIGGER measure_signed_no_update BEFORE UPDATE OF
        {", ".join(MEASURE_RESULT_COLUMNS)} ON measure_result
        WHEN {_NOTE_SIGNED.format(ref="OLD")} BEGIN {_MEASURE}; END""",
    "measure_signed_no_delete": f"""
        CREATE TRIGGER measure_signed_no_delete BEFORE DELETE ON measure_result
        WHEN {_NOTE_SIGNED.format(ref="OLD")} BEGIN {_MEASURE}; END""",
    "course_signed_no_move": """
        CREATE TRIGGER course_signed_no_move BEFORE UPDATE OF client_id ON course
        WHEN EXISTS (SELECT 1 FROM note WHERE course_id = OLD.id AND status = 'signed')
        BEGIN SELECT RAISE(ABORT, 'kapnotes: a course with signed notes keeps its client'); END""",
    "template_snapshot_no_update": f"""
        CREATE TRIGGER template_snapshot_no_update BEFORE UPDATE ON template_snapshot
        BEGIN {_APPEND_ONLY}; END""",
    "template_snapshot_no_delete": f"""
        CREATE TRIGGER template_snapshot_no_delete BEFORE DELETE ON template_snapshot
        BEGIN {_APPEND_ONLY}; END""",
    "audit_linked": f"""
        CREATE TRIGGER audit_linked BEFORE INSERT ON audit_event
        WHEN NEW.prev_hash IS NOT COALESCE(
            (SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1), '{_GENESIS}')
        BEGIN SELECT RAISE(ABORT, 'kapnotes: an audit event must link to the last one'); END""",  # noqa: S608
}

#: Every protective trigger a vault at the newest schema holds.
PROTECTIVE_TRIGGERS: dict[str, str] = {**TRIGGERS_0002, **TRIGGERS_0006}

_SPACE = re.compile(r"\s+")


def normalised(sql: str) -> str:
    """A trigger's SQL with runs of white space folded, for comparing."""
    return _SPACE.sub(" ", sql).strip()


def trigger_problems(
    present: Mapping[str, str] | Iterable[tuple[str, str]],
    expected: Mapping[str, str] = PROTECTIVE_TRIGGERS,
) -> list[str]:
    """Missing or changed protective triggers, and any trigger kapnotes did not create,
    given the (name, sql) the database holds and the ones it should hold (by default:
    every one of the newest schema)."""
    held = {name: normalised(sql or "") for name, sql in dict(present).items()}
    problems: list[str] = []
    for name in sorted(set(held) - set(expected)):
        problems.append(
            f"trigger {name} was not created by kapnotes (it could change what is saved "
            "behind the app's back)"
        )
    for name, sql in expected.items():
        if name not in held:
            problems.append(f"protective trigger {name} is missing (it was dropped)")
        elif held[name] != normalised(sql):
            problems.append(f"protective trigger {name} was changed")
    return problems


def view_problems(names: Iterable[str]) -> list[str]:
    """kapnotes creates no views: any view the database holds was added behind its back."""
    return [
        f"view {name} was not created by kapnotes (it could show something else than what is saved)"
        for name in sorted(names)
    ]


@contextlib.contextmanager
def lifted(conn: Connection) -> Iterator[None]:
    """The database's triggers dropped for a migration's rewrite of stored bytes (signed
    rows included), then put back word for word as the vault had them: a missing one
    stays missing, for ``verify`` to name. Inside the caller's transaction, so a failure
    leaves every trigger where it was."""
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    ).all()
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)
