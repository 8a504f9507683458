"""Backups and restore: one file that holds an encrypted copy of the whole vault.

A backup (``*.kapbackup``) is an uncompressed tar archive of
    manifest.json          what is inside: format, version, when, sizes and SHA-256s
    kapnotes.db            a consistent copy of the database, still SQLCipher-encrypted
                           under the same data key (SQLite's online backup API)
    kapnotes.key           the key file as it was: every clinician's passphrase of
                           that moment opens the backup, and so does the recovery key
    kapnotes.anchor        the copy's audit head, MAC'd with a key derived from the data
                           key (so a backup cut short or rewritten is noticed like a vault)
    clinic-settings.json   the clinic's settings (alert rules, letterhead; no client data)
    templates/...          the clinic's own templates and instruments
Nothing in it is plaintext client data: the database pages are encrypted as the
vault's are, and the manifest and key file hold no PHI.

:func:`write_backup` copies the open vault while it is in use (a live session may
write at the same time: the online backup reads one consistent snapshot), writes
the archive to a temp file beside its target, reads it back and checks it — the
database opens with the key, SQLite's integrity check, every encrypted page's
HMAC, the audit chain and every signature — and only then gives it its name and
records the backup in the vault's audit trail. A backup that fails its check is
removed, never kept. A backup never replaces a file, and never goes inside the
vault's own data folder (it could replace the vault it copies).

:func:`inspect_backup` checks a backup file before anything is touched (the
archive's shape, each file's size and hash, then the database opened with a
clinician's passphrase and checked as above) and says what it holds;
:func:`restore_backup` then puts it in a data folder. An existing vault is
replaced only when the caller says so (``replace=True``), and is first moved,
whole, into ``replaced-<when>/`` inside that folder (the safety copy). The
restored vault is opened with the same passphrase and records the restore and
who did it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from kapnotes import __version__
from kapnotes.domain.files import fsync_dir, write_cause
from kapnotes.store import integrity, keys
from kapnotes.store.anchor import ANCHOR_NAME, Anchor, AnchorFile
from kapnotes.store.keys import KdfParams, KeyFileError, WrongSecretError
from kapnotes.store.models import AuditEvent, Client, Clinician, Note
from kapnotes.store.vault import (
    DB_NAME,
    KEY_NAME,
    SCHEMA_HEAD,
    OpenVault,
    Vault,
    VaultError,
    _acquire,
    _engine,
)

BACKUP_FORMAT = "kapnotes-backup"
BACKUP_VERSION = 1
BACKUP_SUFFIX = ".kapbackup"
MANIFEST = "manifest.json"
TEMPLATES = "templates"
SETTINGS = "clinic-settings.json"
SAFETY_PREFIX = "replaced-"
#: A backup file larger than this is not one of ours (a vault of years is far smaller).
MAX_BACKUP_BYTES = 64 * 1024**3
MAX_MEMBERS = 10_000
#: Files of a vault folder a restore moves aside and puts in (the lock file stays).
VAULT_ENTRIES = (
    DB_NAME,
    f"{DB_NAME}-wal",
    f"{DB_NAME}-shm",
    KEY_NAME,
    ANCHOR_NAME,
    "kapnotes.attempts",
    SETTINGS,
    TEMPLATES,
)

__all__ = [
    "BACKUP_SUFFIX",
    "BackupError",
    "BackupResult",
    "BackupSummary",
    "Inspected",
    "RestoreNeedsConfirmationError",
    "RestoreResult",
    "backup_file_name",
    "check_backup_target",
    "inspect_backup",
    "restore_backup",
    "vault_tag",
    "write_backup",
]


class BackupError(Exception):
    """A backup could not be written, or a file is not a sound kapnotes backup.

    The message says what is wrong and where, for the user; nothing was changed.
    """


class _NoRoomError(BackupError):
    """A backup could not be unpacked to be checked: the disk is full."""


class RestoreNeedsConfirmationError(BackupError):
    """A vault is already in the target folder and replacing it was not confirmed."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ManifestFile(_Strict):
    """One file of the archive, as the manifest lists it."""

    name: str = Field(min_length=1, max_length=300)
    size: int = Field(ge=0, le=MAX_BACKUP_BYTES)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(_Strict):
    """``manifest.json``: no client data, only what checks the other files."""

    format: Literal["kapnotes-backup"]
    version: Literal[1]
    created_at: str = Field(max_length=40)
    app_version: str = Field(max_length=40)
    files: list[ManifestFile] = Field(max_length=MAX_MEMBERS)


@dataclass(frozen=True)
class ClinicianInfo:
    """A clinician of a backed-up vault, as a restore shows them."""

    name: str
    credential: str
    role: str


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (read from inside it, with the key)."""

    created_at: datetime
    clinicians: list[ClinicianInfo]
    clients: int
    notes: int
    signed_notes: int
    audit_events: int
    last_change: datetime | None

    def describe(self) -> str:
        """A few lines for the user: who, how many, how recent."""
        people = ", ".join(f"{c.name} ({c.role})" for c in self.clinicians) or "none"
        last = f"{self.last_change:%Y-%m-%d %H:%M} UTC" if self.last_change else "never"
        return (
            f"backed up {self.created_at:%Y-%m-%d %H:%M} UTC\n"
            f"clinicians: {people}\n"
            f"clients: {self.clients}; notes: {self.notes} ({self.signed_notes} signed)\n"
            f"last change: {last}"
        )


@dataclass(frozen=True)
class BackupResult:
    """A backup written and verified."""

    path: Path
    size: int
    sha256: str
    summary: BackupSummary


@dataclass
class Inspected:
    """A backup checked and unpacked into ``folder`` (a staging folder the caller removes)."""

    path: Path
    folder: Path
    summary: BackupSummary
    clinician_id: str | None
    sha256: str
    problems: list[str] = field(default_factory=list)
    #: Opened with the vault's recovery key (not a clinician's passphrase).
    by_recovery_key: bool = False

    def cleanup(self) -> None:
        """Remove the staging folder (encrypted files only)."""
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class RestoreResult:
    """A restore done: what it held and where the replaced vault went (None: nothing replaced)."""

    summary: BackupSummary
    safety_copy: Path | None
    #: The automatic backup folder turned off in a copy restored beside the vault (a
    #: test or a new laptop), else None: see :func:`restore_backup`.
    automatic_folder_off: str | None = None


# --------------------------------------------------------------------------- helpers


def backup_file_name(now: datetime | None = None, tag: str | None = None) -> str:
    """The default name of a backup file: ``kapnotes-TAG-YYYYmmdd-HHMMSS.kapbackup`` (UTC;
    ``TAG`` is :func:`vault_tag`, which says whose backup it is; without it, no tag)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    prefix = f"kapnotes-{tag}-" if tag else "kapnotes-"
    return f"{prefix}{moment:%Y%m%d-%H%M%S}{BACKUP_SUFFIX}"


def vault_tag(db_path: Path) -> str | None:
    """Eight hex digits that tell this vault's backups from another's in a shared folder.

    A digest of the database's SQLCipher salt (``db_path``'s first 16 bytes: random,
    chosen at ``init``, kept by a backup and a restore, readable without the key; no
    client data): the same vault, restored, keeps its tag. None when it cannot be read.
    """
    try:
        with db_path.open("rb") as handle:
            salt = handle.read(16)
    except OSError:
        return None
    if len(salt) != 16:
        return None
    return hashlib.sha256(b"kapnotes backup name v1" + salt).hexdigest()[:8]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _data_key(opened: OpenVault) -> bytes:
    """The open vault's data key (held in memory only while it is unlocked)."""
    from kapnotes.store.clinicians import ClinicianError, data_key_of

    try:
        return data_key_of(opened)
    except ClinicianError as exc:
        raise BackupError(str(exc)) from None


def _database_salt(db_path: Path) -> bytes:
    with db_path.open("rb") as handle:
        salt = handle.read(16)
    if len(salt) != 16:
        raise BackupError(f"The vault database {db_path} is empty; there is nothing to back up.")
    return salt


def _keyed(path: Path, key_literal: str) -> Any:
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), check_same_thread=False)
    conn.execute(f'PRAGMA key = "{key_literal}"')
    row = conn.execute("PRAGMA cipher_version").fetchone()
    if not row or not row[0]:
        conn.close()
        raise BackupError("SQLCipher is not active; kapnotes will not write a backup.")
    conn.execute("PRAGMA cipher_log_level = NONE")
    return conn


def copy_database(db_path: Path, target: Path, data_key: bytes) -> None:
    """SQLite's online backup of the vault database into ``target``, encrypted as it is.

    The copy is read on a connection of its own: in WAL mode that is one read
    snapshot of what was committed, taken without stopping the writer (a live
    session keeps saving meanwhile) and never holding its uncommitted changes. The
    copy is keyed with the same data key and the same salt, so the vault's own key
    file opens it.
    """
    salt = _database_salt(db_path)
    source = _keyed(db_path, f"x'{data_key.hex()}'")
    try:
        dest = _keyed(target, f"x'{data_key.hex()}{salt.hex()}'")
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
            dest.commit()
        finally:
            dest.close()
    finally:
        source.close()
    if target.read_bytes()[:16] != salt:
        raise BackupError("The copied database did not keep the vault's encryption settings.")


def _anchor_copy(folder: Path, db_copy: Path, data_key: bytes) -> None:
    """The copy's own anchor: its audit head, MAC'd as the vault's anchor is."""
    engine = _engine(db_copy, data_key)
    try:
        with engine.connect() as conn:
            head = integrity.audit_head(conn)
    finally:
        engine.dispose()
    AnchorFile(folder, keys.derived_key(data_key, "anchor")).write(Anchor(head))


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mode = 0o600
    info.mtime = 0
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def _templates(folder: Path) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out.append((path, f"{TEMPLATES}/{path.relative_to(folder).as_posix()}"))
    return out


# --------------------------------------------------------------------------- checking


def _summary(opened: OpenVault, created_at: datetime) -> BackupSummary:
    from kapnotes.domain.notes import NoteStatus

    with opened.session() as session:
        clinicians = [
            ClinicianInfo(c.name, c.credential, c.role)
            for c in session.scalars(select(Clinician).order_by(Clinician.created_at))
        ]
        clients = session.scalar(select(func.count()).select_from(Client)) or 0
        notes = session.scalar(select(func.count()).select_from(Note)) or 0
        signed = (
            session.scalar(
                select(func.count()).select_from(Note).where(Note.status == NoteStatus.SIGNED.value)
            )
            or 0
        )
        events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        last = session.scalar(select(func.max(AuditEvent.at)))
    return BackupSummary(created_at, clinicians, clients, notes, signed, events, last)


def _check_open(opened: OpenVault) -> list[str]:
    """Every check of ``kapnotes verify`` on the copy (nothing is written)."""
    from kapnotes.store.catalog import Catalog
    from kapnotes.store.verify import verify_vault

    sections = verify_vault(opened, Catalog(opened.vault.data_dir).instruments())
    found = [(s.label, p) for s in sections for p in s.problems[:5]]
    if keys.KeyFile.read(opened.vault.key_path).version == 1:
        # Written before key files had MACs: its first unlock writes them, as any
        # unlock of such a vault does (see integrity.open_findings).
        found = [f for f in found if not (f[0] == "key file" and "has no MAC" in f[1])]
    return [f"{label}: {p}" for label, p in found]


@contextlib.contextmanager
def _opened_copy(folder: Path, data_key: bytes, clinician_id: str) -> Iterator[OpenVault]:
    """The unpacked copy in ``folder`` opened with the data key, read-only (no audit event)."""
    vault = Vault(folder)
    engine = _engine(vault.db_path, data_key)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA query_only = ON")
        copy = OpenVault(vault, engine, clinician_id, data_key=data_key, diagnostic=True)
    except BaseException:
        engine.dispose()
        raise
    try:
        yield copy
    finally:
        copy.close()


def _brought_up_to_date(folder: Path, data_key: bytes, where: str, *, to_restore: bool) -> None:
    """The unpacked copy's storage made this kapnotes' (as its first unlock would), so that
    the checks read the schema they know: a backup made by an older kapnotes is upgraded
    here, in its staging folder (and compacted when it is ``to_restore``: a copy only
    previewed is thrown away); one made by a newer kapnotes is refused (BackupError)."""
    from kapnotes.store.vault import UpgradeFailedError, upgrade_schema

    engine = _engine(Vault(folder).db_path, data_key)
    stored: str | None = None
    try:
        with engine.connect() as conn:
            stored = integrity.revision(conn)
        if stored is not None and stored > SCHEMA_HEAD:
            raise BackupError(
                f"{where}: this backup was made by a newer kapnotes (its storage is version "
                f"{stored}; this kapnotes knows up to {SCHEMA_HEAD}). Restore it with that "
                "newer version; nothing was changed."
            )
        if stored != SCHEMA_HEAD:
            upgrade_schema(engine, compact_now=to_restore)
            # Everything into the database file: only that file is moved into the vault
            # folder (a WAL left here, e.g. by a full disk, would be lost with staging).
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            wal = Path(f"{Vault(folder).db_path}-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise BackupError(
                    f"{where}: its vault, saved by an earlier kapnotes, could not be updated "
                    "to be checked (the update could not be written out: is the disk full?); "
                    "nothing was changed. Make room and try again."
                )
    except (DatabaseError, UpgradeFailedError) as exc:
        if isinstance(exc, DatabaseError) and (stored is None or stored == SCHEMA_HEAD):
            raise
        failed = exc.__cause__ if isinstance(exc, UpgradeFailedError) else exc
        cause = getattr(failed, "orig", None) or failed or exc
        raise BackupError(
            f"{where}: its vault, saved by an earlier kapnotes, could not be updated to be "
            f"checked ({cause}); nothing was changed. If the disk is full, make room and "
            "try again."
        ) from None
    finally:
        engine.dispose()


def _checked_in_folder(
    folder: Path,
    data_key: bytes,
    clinician_id: str,
    created_at: datetime,
    where: str,
    *,
    to_restore: bool = False,
) -> BackupSummary:
    try:
        _brought_up_to_date(folder, data_key, where, to_restore=to_restore)
        with _opened_copy(folder, data_key, clinician_id) as copy:
            problems = _check_open(copy)
            summary = _summary(copy, created_at)
    except DatabaseError:
        raise BackupError(
            f"{where}: the database in it cannot be read (it is damaged, or its key file "
            "belongs to another vault); nothing was changed."
        ) from None
    if problems:
        listed = "; ".join(problems)
        raise BackupError(f"{where}: the copy inside fails its checks ({listed}).")
    return summary


def _unpack(path: Path, staging: Path) -> Manifest:
    """Check the archive's shape and every file's size and hash while unpacking it."""
    where = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BackupError(f"{where}: no such file") from None
    except OSError as exc:
        raise BackupError(f"{where}: cannot be read ({exc.strerror})") from None
    if path.is_dir():
        raise BackupError(f"{where}: is a folder, not a backup file")
    if size > MAX_BACKUP_BYTES:
        raise BackupError(f"{where}: too large to be a kapnotes backup")
    try:
        with tarfile.open(path, mode="r:") as archive:
            members = archive.getmembers()
            if len(members) > MAX_MEMBERS or not members or members[0].name != MANIFEST:
                raise BackupError(f"{where}: not a kapnotes backup (no manifest first)")
            head = archive.extractfile(members[0])
            if head is None or members[0].size > 1 << 20:
                raise BackupError(f"{where}: the manifest is not a plain file")
            try:
                manifest = Manifest.model_validate_json(head.read())
            except ValidationError as exc:
                first = exc.errors()[0]
                loc = ".".join(str(p) for p in first["loc"]) or "the file"
                raise BackupError(
                    f"{where}: manifest.json: {loc}: {first['msg']} (not a backup this "
                    "kapnotes can read)"
                ) from None
            listed = {f.name: f for f in manifest.files}
            seen: set[str] = set()
            for member in members[1:]:
                expected = listed.get(member.name)
                if expected is None or not member.isfile() or member.name in seen:
                    raise BackupError(f"{where}: unexpected entry {member.name!r} in the archive")
                if not _safe_name(member.name):
                    raise BackupError(f"{where}: unsafe entry name {member.name!r}")
                seen.add(member.name)
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                source = archive.extractfile(member)
                if source is None:
                    raise BackupError(f"{where}: {member.name} cannot be read")
                digest = hashlib.sha256()
                written = 0
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        written += len(chunk)
                        out.write(chunk)
                if written != expected.size or digest.hexdigest() != expected.sha256:
                    raise BackupError(
                        f"{where}: {member.name} is damaged (its size or hash differs from the "
                        "manifest); the backup cannot be used"
                    )
            missing = sorted(set(listed) - seen)
            if missing:
                raise BackupError(f"{where}: incomplete, {', '.join(missing)} missing (truncated?)")
    except tarfile.TarError as exc:
        raise BackupError(f"{where}: not a readable kapnotes backup ({exc})") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _NoRoomError(
                f"{where}: cannot be checked: the disk is full (no room to unpack it)"
            ) from None
        raise BackupError(
            f"{where}: the file ends early or cannot be read ({type(exc).__name__}); "
            "it is truncated or damaged"
        ) from None
    except EOFError as exc:
        raise BackupError(
            f"{where}: the file ends early or cannot be read ({type(exc).__name__}); "
            "it is truncated or damaged"
        ) from None
    for required in (DB_NAME, KEY_NAME):
        if required not in listed:
            raise BackupError(f"{where}: {required} is not in the backup")
    return manifest


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    if name in (DB_NAME, KEY_NAME, SETTINGS, ANCHOR_NAME):
        return True
    return (
        len(parts) >= 2
        and parts[0] == TEMPLATES
        and all(p not in ("", ".", "..") and "\\" not in p for p in parts[1:])
    )


def _created(manifest: Manifest, where: str) -> datetime:
    try:
        created = datetime.fromisoformat(manifest.created_at)
    except ValueError:
        raise BackupError(f"{where}: manifest.json: created_at is not a date and time") from None
    return created if created.tzinfo else created.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- writing


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or inside it (symlinks resolved on both sides)."""
    try:
        target, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError):
        return False
    return target == root or root in target.parents


def _write_failure(out: Path, exc: BaseException) -> BackupError:
    """Why the backup could not be written at ``out``, in words a user acts on."""
    from kapnotes.store.faults import WriteFault, write_fault

    if write_fault(exc, out.parent) is WriteFault.DISK_FULL or "disk is full" in str(exc):
        cause = "the disk is full"
    elif isinstance(exc, OSError):
        cause = write_cause(exc) or exc.strerror or type(exc).__name__
    else:
        cause = str(exc) or type(exc).__name__
    return BackupError(f"{out}: the backup could not be written ({cause}); nothing was kept")


def check_backup_target(out: Path | str, data_dir: Path) -> Path:
    """The file a backup may be written to, or BackupError saying why not.

    Refused: a name ending in a separator for a folder that does not exist, a folder,
    a file in a folder that does not exist, anything inside the vault's own data
    folder (symlinks resolved: a backup there could replace the vault itself), and a
    file (or link) that already exists — a backup never replaces a file.
    """
    text = os.fspath(out)
    path = Path(text).expanduser()
    if text.endswith(("/", os.sep)) and not path.is_dir():
        raise BackupError(f"{text}: the folder {path} does not exist")
    if path.is_dir():
        raise BackupError(f"{path}: is a folder; give the name of the backup file to write")
    if not path.parent.is_dir():
        raise BackupError(f"{path}: the folder {path.parent} does not exist")
    if _inside(path, data_dir):
        raise BackupError(
            f"{path}: is inside the vault's own data folder {data_dir}; a backup "
            "must go somewhere else (another disk, a USB drive or the clinic's share)"
        )
    if path.exists() or path.is_symlink():
        raise BackupError(f"{path}: already exists; choose another name")
    return path


def automatic_folder_problem(folder: Path | str, data_dir: Path | None) -> str | None:
    """Why ``folder`` cannot take the automatic backups of the vault in ``data_dir``
    (it does not exist, is not a folder, or is the vault's own folder or inside it),
    else None."""
    path = Path(folder).expanduser()
    if not path.exists():
        return "That folder does not exist (is the drive plugged in?)"
    if not path.is_dir():
        return "That is a file, not a folder"
    if data_dir is not None and _inside(path, data_dir):
        return (
            "That is the vault's own folder: a backup there is lost with the vault. "
            "Choose a USB drive or the clinic's file share"
        )
    return None


@dataclass(frozen=True)
class BackupJob:
    """What writing one backup needs from the open vault, taken while it is open:
    the checked target, the time, the data key and the vault's files. Writing it
    (:func:`run_backup_job`) uses connections of its own, so it may run on another
    thread while the app goes on saving."""

    out: Path
    created: datetime
    data_key: bytes = field(repr=False)
    clinician_id: str
    db_path: Path
    key_path: Path
    data_dir: Path
    templates_dir: Path


def backup_job(opened: OpenVault, out: Path | str, *, now: datetime | None = None) -> BackupJob:
    """A backup of the open vault to ``out``; BackupError when the target is refused
    (see :func:`check_backup_target`) or the data key cannot be had."""
    target = check_backup_target(out, opened.vault.data_dir)
    return BackupJob(
        out=target,
        created=(now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
        data_key=_data_key(opened),
        clinician_id=opened.clinician_id,
        db_path=opened.vault.db_path,
        key_path=opened.vault.key_path,
        data_dir=opened.vault.data_dir,
        templates_dir=opened.vault.templates_dir,
    )


def write_backup(
    opened: OpenVault, out: Path | str, *, now: datetime | None = None
) -> BackupResult:
    """Back up the open vault to ``out`` (written to a temp file, verified, renamed, audited).

    Raises BackupError when the target is refused (see :func:`check_backup_target`),
    cannot be written, or the written copy does not pass its checks; then nothing is
    left at ``out`` and nothing that was there before is touched.
    """
    result = run_backup_job(backup_job(opened, out, now=now))
    record_backup(opened, result)
    return result


def record_backup(opened: OpenVault, result: BackupResult) -> None:
    """Write a verified backup to the audit trail (``vault.backup``: size and SHA-256)."""
    _audit(opened, "vault.backup", result.sha256, result.size)


def run_backup_job(job: BackupJob) -> BackupResult:
    """Write, check and name the backup of ``job`` (not yet in the audit trail: see
    :func:`record_backup`). Safe on a worker thread: it opens its own connections.

    Raises BackupError when it cannot be written or the written copy does not pass
    its checks; then nothing is left at ``job.out``.
    """
    out, data_key = job.out, job.data_key
    try:
        staging = Path(tempfile.mkdtemp(prefix=".kapnotes-backup-", dir=out.parent))
    except OSError as exc:
        raise _write_failure(out, exc) from None
    tmp = out.parent / f".{out.name}.{os.getpid()}.tmp"
    try:
        db_copy = staging / DB_NAME
        copy_database(job.db_path, db_copy, data_key)
        key_copy = staging / KEY_NAME
        shutil.copyfile(job.key_path, key_copy)
        _anchor_copy(staging, db_copy, data_key)
        files = [(db_copy, DB_NAME), (key_copy, KEY_NAME), (staging / ANCHOR_NAME, ANCHOR_NAME)]
        settings = job.data_dir / SETTINGS
        if settings.is_file():
            files.append((settings, SETTINGS))
        files += _templates(job.templates_dir)
        manifest = Manifest(
            format="kapnotes-backup",
            version=1,
            created_at=job.created.isoformat(),
            app_version=__version__,
            files=[
                ManifestFile(name=name, size=path.stat().st_size, sha256=_sha256_file(path))
                for path, name in files
            ],
        )
        body = json.dumps(manifest.model_dump(mode="json"), indent=2).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w:", format=tarfile.PAX_FORMAT) as archive:
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mode = 0o600
                archive.addfile(info, io.BytesIO(body))
                for path, name in files:
                    _add_file(archive, path, name)
            handle.flush()
            os.fsync(handle.fileno())
    except BackupError:
        tmp.unlink(missing_ok=True)
        raise
    except (OSError, DatabaseError, sqlite_errors()) as exc:
        tmp.unlink(missing_ok=True)
        raise _write_failure(out, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # The temp file is checked before it gets the name: a copy that fails its check
    # never replaces, nor removes, anything at ``out``.
    try:
        checked = _inspect_with_key(tmp, data_key, job.clinician_id)
    except _NoRoomError:
        tmp.unlink(missing_ok=True)
        raise BackupError(
            f"{out}: the backup could not be checked (the disk is full); nothing was kept"
        ) from None
    except BackupError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(
            f"The backup was written but failed its check, so it was not kept: {exc}"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    checked.cleanup()
    try:
        _place(tmp, out)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"{out}: already exists; choose another name") from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _write_failure(out, exc) from None
    return BackupResult(out, out.stat().st_size, checked.sha256, checked.summary)


def sqlite_errors() -> type[Exception]:
    """SQLCipher's own error class (what a full disk raises while copying the database)."""
    import sqlcipher3

    error: type[Exception] = sqlcipher3.Error
    return error


def _place(tmp: Path, out: Path) -> None:
    """Give the checked temp file its name, never over an existing file.

    A hard link fails when ``out`` exists (FileExistsError); a file system without
    hard links (a FAT-formatted USB drive) gets a rename after a last look.
    """
    try:
        os.link(tmp, out)
    except FileExistsError:
        raise
    except OSError:
        if out.exists() or out.is_symlink():
            raise FileExistsError(out) from None
        tmp.replace(out)
    else:
        tmp.unlink()
    fsync_dir(out.parent)


def _audit(opened: OpenVault, action: str, sha256: str, size: int) -> None:
    from kapnotes.store.audit import record

    with opened.session() as session:
        record(
            session, opened.clinician_id, action, "vault", None, {"sha256": sha256, "size": size}
        )


@contextlib.contextmanager
def _staging(near: Path) -> Iterator[Path]:
    """A private folder in ``near`` to unpack a backup into and check it (BackupError
    when one cannot be made there: a read-only disk, a folder not this user's)."""
    try:
        near.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder = Path(tempfile.mkdtemp(prefix=".kapnotes-restore-", dir=near))
    except OSError as exc:
        from kapnotes.domain.files import write_cause

        raise BackupError(
            f"{near}: the backup cannot be unpacked there to be checked "
            f"({write_cause(exc) or exc.strerror or type(exc).__name__}); nothing was "
            "changed. Check that the disk is connected and writable and that the folder "
            "is yours."
        ) from None
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _inspect_with_key(path: Path, data_key: bytes, clinician_id: str) -> Inspected:
    with _staging(path.parent) as folder:
        manifest = _unpack(path, folder)
        created = _created(manifest, str(path))
        summary = _checked_in_folder(folder, data_key, clinician_id, created, str(path))
        return Inspected(path, folder, summary, clinician_id, _sha256_file(path))


def inspect_backup(
    path: Path,
    passphrase: str | None = None,
    *,
    recovery_key: str | None = None,
    staging_near: Path | None = None,
    to_restore: bool = False,
) -> Inspected:
    """Check a backup file and say what it holds; touches nothing outside a staging folder.

    The archive and each file's hash are checked first, then the key file is opened
    with ``passphrase`` (or ``recovery_key``) and the database checked. Raises
    BackupError for a damaged, truncated or foreign file, WrongSecretError when the
    secret opens none of the backup's wraps. The caller removes the staging folder
    (``Inspected.cleanup``), which is made beside ``staging_near`` (default: the
    backup's own folder) so that a restore can rename files into place. A backup made
    by an older kapnotes is upgraded in staging; ``to_restore`` (the copy will be
    moved into a vault folder) compacts it too, as its first unlock would.
    """
    path = Path(path)
    where = str(path)
    with _staging(staging_near or path.parent) as folder:
        manifest = _unpack(path, folder)
        created = _created(manifest, where)
        try:
            keyfile = keys.KeyFile.read(folder / KEY_NAME)
        except KeyFileError as exc:
            raise BackupError(f"{where}: its key file is damaged ({exc})") from None
        try:
            if recovery_key is not None:
                opened = keys.unwrap_with_recovery(keyfile, recovery_key, where)
            else:
                opened = keys.unwrap_with_passphrase(keyfile, passphrase or "", where)
        except KeyFileError as exc:  # a damaged or edited wrap: not a wrong passphrase
            raise BackupError(f"{where}: {exc}") from None
        clinician_id = opened.clinician_id
        summary = _checked_in_folder(
            folder, opened.data_key, clinician_id or "", created, where, to_restore=to_restore
        )
        return Inspected(
            path,
            folder,
            summary,
            clinician_id,
            _sha256_file(path),
            by_recovery_key=recovery_key is not None,
        )


# --------------------------------------------------------------------------- restoring


def _has_vault(data_dir: Path) -> bool:
    return (data_dir / KEY_NAME).exists() or (data_dir / DB_NAME).exists()


def _move_aside(data_dir: Path, now: datetime) -> Path:
    safety = data_dir / f"{SAFETY_PREFIX}{now:%Y%m%d-%H%M%S}"
    suffix = 1
    while safety.exists():
        suffix += 1
        safety = data_dir / f"{SAFETY_PREFIX}{now:%Y%m%d-%H%M%S}-{suffix}"
    safety.mkdir(mode=0o700)
    # The key file goes first: a crash part-way leaves no key file beside a database
    # that is not its own (the folder then reads as missing, and the restore is redone).
    for name in (KEY_NAME, *[n for n in VAULT_ENTRIES if n != KEY_NAME]):
        source = data_dir / name
        if source.exists():
            source.replace(safety / name)
    fsync_dir(safety)
    fsync_dir(data_dir)
    return safety


def restore_backup(
    path: Path,
    data_dir: Path,
    passphrase: str | None,
    *,
    recovery_key: str | None = None,
    replace: bool = False,
    kdf: KdfParams = keys.PRODUCTION_KDF,
    now: datetime | None = None,
    requested_by: str | None = None,
) -> RestoreResult:
    """Restore the backup at ``path`` into ``data_dir`` and open it once to record who did.

    ``requested_by`` names the clinician signed in to the vault it replaces, when
    that is someone else than the backup's clinician whose passphrase opened it (it
    goes into the ``vault.restore`` event as well).

    It is opened with ``passphrase`` (a clinician's, as it was at the backup), or with
    the vault's ``recovery_key`` when that is given (then the restore is recorded as
    the backup's first active administrator's, as any recovery unlock is).

    Everything is checked before anything in ``data_dir`` changes. An existing vault
    there is replaced only with ``replace=True`` (else RestoreNeedsConfirmationError)
    and is kept in ``data_dir/replaced-<when>/``. Errors: BackupError (the file),
    WrongSecretError (the passphrase), VaultBusyError (the vault there is open).
    """
    data_dir = Path(data_dir).expanduser()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    existing = _has_vault(data_dir)
    if existing and not replace:
        # Checked first as well as last: a refusal costs no unpacking.
        raise RestoreNeedsConfirmationError(
            f"{data_dir} already holds a vault; restoring would replace it. Confirm to "
            "replace it (it is kept as a safety copy), or restore into an empty folder."
        )
    inspected = inspect_backup(
        path, passphrase, recovery_key=recovery_key, staging_near=data_dir.parent, to_restore=True
    )
    try:
        staged_wal = inspected.folder / f"{DB_NAME}-wal"
        if staged_wal.exists() and staged_wal.stat().st_size > 0:
            raise BackupError(
                f"{path}: the checked copy could not be written out whole (is the disk "
                "full?); nothing was changed. Make room and try again."
            )
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = _acquire(data_dir)  # VaultBusyError when it is open elsewhere
        try:
            safety = _move_aside(data_dir, moment) if _has_vault(data_dir) else None
            for name in (DB_NAME, ANCHOR_NAME, SETTINGS, TEMPLATES, KEY_NAME):  # the key last
                source = inspected.folder / name
                if source.exists():
                    target = data_dir / name
                    if target.is_dir():
                        shutil.rmtree(target)
                    source.replace(target)
            (data_dir / TEMPLATES).mkdir(exist_ok=True)
            fsync_dir(data_dir)
        finally:
            lock.release()
    finally:
        inspected.cleanup()
    try:
        restored = Vault(data_dir, kdf)
        if recovery_key is not None:
            opened = restored.unlock_with_recovery(recovery_key)
        else:
            opened = restored.unlock(passphrase or "")
    except (VaultError, WrongSecretError) as exc:
        kept = f" The vault that was there is kept in {safety}." if safety is not None else ""
        raise BackupError(f"The backup was restored but does not open: {exc}{kept}") from None
    with opened:
        from kapnotes.store.audit import record

        with opened.session() as session:
            record(
                session,
                opened.clinician_id,
                "vault.restore",
                "vault",
                None,
                {
                    "backup_sha256": inspected.sha256,
                    "backed_up_at": inspected.summary.created_at.isoformat(),
                    "replaced": safety.name if safety is not None else None,
                    **({"requested_by": requested_by} if requested_by else {}),
                },
            )
            off = None if safety is not None else _automatic_backups_off(session, opened)
    return RestoreResult(inspected.summary, safety, off)


def _automatic_backups_off(session: Session, opened: OpenVault) -> str | None:
    """A copy restored into a folder that held no vault is a second vault with the same
    backup tag: its automatic backups into the clinic's folder would be counted as the
    vault's own and prune them. So they are turned off in the copy (audited); the folder
    it had is returned (None: it had none)."""
    from kapnotes.domain.session.settings import SettingsError, load_settings, save_settings
    from kapnotes.store.audit import record

    path = opened.vault.data_dir / SETTINGS
    if not path.is_file():
        return None
    try:
        settings = load_settings(path)
    except SettingsError:
        return None  # named at unlock; the copy makes no automatic backups with it anyway
    folder = settings.backup.folder
    if not folder:
        return None
    save_settings(
        settings.model_copy(update={"backup": settings.backup.model_copy(update={"folder": None})}),
        path,
    )
    record(
        session,
        opened.clinician_id,
        "settings.change",
        "settings",
        None,
        {"changes": {"backup.folder": {"old": folder, "new": None}}, "why": "restored copy"},
    )
    return folder


def last_backup_at(opened: OpenVault) -> datetime | None:
    """When the last backup that passed its check was written (from the audit trail): a
    vault restored from a backup counts that backup (its ``backed_up_at``)."""
    with opened.session() as session:
        written = session.scalar(
            select(func.max(AuditEvent.at)).where(AuditEvent.action == "vault.backup")
        )
        restored = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "vault.restore")
        ).all()
    moments = [written] if written is not None else []
    for detail in restored:
        text = detail.get("backed_up_at") if isinstance(detail, dict) else None
        try:
            moments.append(datetime.fromisoformat(str(text)))
        except ValueError:
            continue
    moments = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments]
    return max(moments, default=None)
