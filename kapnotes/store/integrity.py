"""What every unlock checks before the vault is used: is this the vault as it was saved?

:func:`file_damage` looks at ``kapnotes.db`` before any key touches it (missing,
empty, an unencrypted SQLite file, another vault's database); :func:`open_findings`
then reads it with the data key: that it is a kapnotes vault at all, that every
encrypted page passes its HMAC (``PRAGMA cipher_integrity_check``), that the
audit trail ends where the anchor says (:mod:`kapnotes.store.anchor`), that the
protective triggers are all there (:mod:`kapnotes.store.protection`) and that
every wrap of the key file is intact.

A :class:`Finding` is *fatal* when the vault cannot be opened at all (nothing to
show but the damage); the others leave a readable vault that is not as it was
saved, which the user may still choose to open (the choice is written to the
audit trail). Every message names the damage and says the way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import DatabaseError

from kapnotes.store import keys
from kapnotes.store.anchor import NO_EVENTS, AnchorError, AnchorFile, Head, compare
from kapnotes.store.protection import (
    PROTECTIVE_TRIGGERS,
    TRIGGERS_0002,
    trigger_problems,
    view_problems,
)

SQLITE_HEADER = b"SQLite format 3\x00"
#: The way out, as every message about a damaged vault says it.
RESTORE = (
    "Restore it from a backup (File → Restore from a backup…, or 'kapnotes restore BACKUP "
    "--replace'; the damaged vault is kept beside it), or put back a copy of the vault "
    "folder you made before this happened."
)
#: The vault_meta key that says the vault has an anchor file (so a missing one is noticed).
ANCHORED_KEY = "anchored"
#: What verify says of an anchor file one of whose two slots fails its MAC: a write a
#: crash or power cut interrupted leaves it so (the other slot was read, and the next
#: unlock writes the file whole); not an unlock's finding, since a power cut is no damage.
TORN_ANCHOR = (
    "one of the two slots of kapnotes.anchor does not match its MAC (a write interrupted "
    "by a crash or power cut leaves it so; otherwise the file was changed); the other "
    "slot was read"
)
_REQUIRED_TABLES = {"alembic_version", "audit_event", "vault_meta", "clinician"}
MAX_PAGES_NAMED = 8


@dataclass(frozen=True)
class Finding:
    """One thing found wrong with a vault; ``fatal`` when it cannot be opened at all.

    ``blocks``: the vault is not opened without the user's say-so (a finding about the
    vault's content); a damaged key-file entry that did not open this time does not
    block (the unlock says so afterwards and verify lists it).
    """

    message: str
    fatal: bool = False
    blocks: bool = True


def database_salt(db_path: Path) -> str | None:
    """The first 16 bytes of the database (SQLCipher's salt) as hex, None if unreadable."""
    try:
        with db_path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return None
    return head.hex() if len(head) == 16 else None


def file_damage(db_path: Path, keyfile: keys.KeyFile) -> Finding | None:
    """What is wrong with the database file before it is opened, or None."""
    if not db_path.exists():
        return Finding(
            f"The vault database {db_path} is missing: the key file is there, the notes are "
            f"not. {RESTORE}",
            fatal=True,
        )
    try:
        size = db_path.stat().st_size
        with db_path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return Finding(
            f"The vault database {db_path} cannot be read ({exc.strerror}). Check that the "
            "disk is connected and the folder belongs to you.",
            fatal=True,
        )
    if size == 0:
        return Finding(
            f"The vault database {db_path} is empty (0 bytes): the notes it held are gone "
            f"from this file. kapnotes will not start a new, empty vault in its place. "
            f"{RESTORE}",
            fatal=True,
        )
    if head == SQLITE_HEADER:
        return Finding(
            f"{db_path} is an unencrypted SQLite database, not this kapnotes vault: kapnotes "
            f"never opens or writes notes unencrypted. {RESTORE}",
            fatal=True,
        )
    salt = database_salt(db_path)
    if keyfile.database_salt is not None and salt != keyfile.database_salt:
        return Finding(
            f"The vault database {db_path} does not belong to this key file: it is another "
            f"vault's database, or its first page is damaged. Put back the kapnotes.db that "
            f"belongs with this kapnotes.key. {RESTORE}",
            fatal=True,
        )
    return None


def unreadable(db_path: Path) -> Finding:
    """The database does not open with this key (damaged, or another vault's)."""
    return Finding(
        f"The vault database {db_path} could not be read: it is damaged or does not belong "
        f"to this key file. {RESTORE}",
        fatal=True,
    )


def damaged_pages(conn: Connection, db_path: Path) -> Finding | None:
    """Every page of the database file against its HMAC (reads the whole file)."""
    failures = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA cipher_integrity_check")]
    if not failures:
        return None
    pages = [f.rsplit(" ", 1)[-1] for f in failures if f.startswith("HMAC verification")]
    named = ", ".join(pages[:MAX_PAGES_NAMED]) + (" …" if len(pages) > MAX_PAGES_NAMED else "")
    what = f"page{'s' if len(pages) != 1 else ''} {named}" if pages else failures[0]
    return Finding(
        f"The vault database {db_path} is damaged: {len(failures)} encrypted "
        + (
            f"pages fail their integrity check ({what}). "
            if len(failures) != 1
            else f"page fails its integrity check ({what}). "
        )
        + f"kapnotes will not open it, so nothing more is lost. {RESTORE} "
        "'kapnotes verify' lists the damage.",
        fatal=True,
    )


def audit_head(conn: Connection) -> Head:
    """The last audit event (NO_EVENTS for an empty trail)."""
    row = conn.exec_driver_sql(
        "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"
    ).first()
    return NO_EVENTS if row is None else Head(int(row[0]), str(row[1]))


def _meta(conn: Connection, key: str) -> str | None:
    row = conn.exec_driver_sql("SELECT value FROM vault_meta WHERE key = ?", (key,)).first()
    return None if row is None else str(row[0])


def anchor_findings(conn: Connection, anchor_file: AnchorFile) -> list[str]:
    """The audit trail's head against the anchor file (empty when they agree)."""
    if not anchor_file.exists() and _meta(conn, ANCHORED_KEY) is None:
        return []  # a vault from before anchors: its anchor is made at this unlock
    try:
        anchor = anchor_file.read()
    except AnchorError as exc:
        return [str(exc)]
    head = audit_head(conn)
    seqs = [anchor.confirmed.seq, *([anchor.pending.seq] if anchor.pending else [])]
    held: dict[int, str] = {}
    for seq in seqs:
        row = conn.exec_driver_sql("SELECT hash FROM audit_event WHERE seq = ?", (seq,)).first()
        if row is not None:
            held[seq] = str(row[0])
    if anchor.confirmed == NO_EVENTS:
        held[0] = NO_EVENTS.hash
    return compare(anchor, head, held)


def revision(conn: Connection) -> str | None:
    """The schema's migration revision (``"0006"``), None without one."""
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def trigger_findings(conn: Connection) -> list[str]:
    """Protective triggers missing or changed for the schema's revision, and any trigger
    or view kapnotes did not create."""
    present: dict[str, str] = {}
    views: list[str] = []
    for kind, name, sql in conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"
    ):
        if kind == "view":
            views.append(str(name))
        else:
            present[str(name)] = str(sql)
    rev = revision(conn) or ""
    if rev >= "0006":
        expected = PROTECTIVE_TRIGGERS
    elif rev >= "0002":
        expected = TRIGGERS_0002
    else:
        expected = {}
    return trigger_problems(present, expected) + view_problems(views)


def open_findings(
    conn: Connection,
    db_path: Path,
    keyfile: keys.KeyFile,
    data_key: bytes,
    anchor_file: AnchorFile,
) -> list[Finding]:
    """Everything an unlock checks once the database opens with the data key.

    A fatal finding is returned alone (nothing else can be trusted then).
    """
    try:
        tables = {
            str(row[0])
            for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    except DatabaseError:
        return [unreadable(db_path)]
    if not tables:
        return [
            Finding(
                f"The vault database {db_path} holds no vault (it opens, but is empty): the "
                f"notes are not in it. kapnotes will not start a new vault in its place. "
                f"{RESTORE}",
                fatal=True,
            )
        ]
    if not tables >= _REQUIRED_TABLES:
        return [
            Finding(
                f"{db_path} opens with this key but is not a kapnotes vault (its tables are "
                f"not kapnotes'). {RESTORE}",
                fatal=True,
            )
        ]
    try:
        pages = damaged_pages(conn, db_path)
        if pages is not None:
            return [pages]
        found = anchor_findings(conn, anchor_file) + trigger_findings(conn)
    except DatabaseError:
        return [unreadable(db_path)]
    wraps = keys.wrap_problems(keyfile, data_key)
    if keyfile.version == 1:  # no MACs or checksums yet: this unlock writes them
        wraps = [p for p in wraps if "has no MAC" not in p]
    return [Finding(message) for message in found] + [
        Finding(f"key file: {p}", blocks=False) for p in wraps
    ]
