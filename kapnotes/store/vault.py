"""Create, unlock and open the encrypted vault: a SQLCipher database plus its key file.

Layout of a data folder:
    kapnotes.db (+ -wal, -shm)   SQLCipher 4 database, keyed with the raw data key
    kapnotes.key                 the data key wrapped per clinician and by the recovery key
    kapnotes.anchor              the audit trail's head, MAC'd (no client data)
    kapnotes.attempts            wrong unlocks in a row, for the growing delay (no client data)
    templates/                   clinic templates and instruments

Every unlock checks the vault before it is used (:mod:`kapnotes.store.integrity`)
and refuses a damaged, empty or foreign database with a message that names the
damage and the way out; every write records an audit event and moves the anchor
(:meth:`OpenVault.session`), so a saved change that goes missing is noticed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kapnotes.domain.files import FileWriteError, write_cause
from kapnotes.store import keys
from kapnotes.store.anchor import ANCHOR_NAME, Anchor, AnchorFile, Head
from kapnotes.store.checkpointer import BACKSTOP_PAGES, Checkpointer
from kapnotes.store.instance_lock import InstanceLock, VaultInUseError
from kapnotes.store.keys import KdfParams, KeyFileError, WrongSecretError
from kapnotes.store.throttle import (
    AttemptsFileError,
    UnlockDelayedError,
    UnlockThrottle,
    WallClock,
)

if TYPE_CHECKING:  # SQLAlchemy, Alembic and pydantic load when a vault is opened, not at start-up
    from alembic.config import Config
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

DB_NAME = "kapnotes.db"
KEY_NAME = "kapnotes.key"
MIN_PASSPHRASE_LENGTH = 10
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest migration; an unlock runs Alembic only when the vault's differs (a test
#: keeps this equal to the migrations' head).
SCHEMA_HEAD = "0012"

log = logging.getLogger(__name__)

#: What an unlock does when the vault is readable but not as it was saved: refuse (the
#: default), open it anyway (the user chose to; written to the audit trail), or open it
#: only to report (verify: nothing is written, the connection is read-only).
Problems = Literal["refuse", "accept", "report"]

__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "EncryptionUnavailableError",
    "KdfParams",
    "KeyFileError",
    "OpenVault",
    "UnlockDelayedError",
    "UnlockRefusedError",
    "Vault",
    "VaultBusyError",
    "VaultDamagedError",
    "VaultError",
    "VaultLockedError",
    "WrongSecretError",
]


class VaultError(Exception):
    """A vault cannot be created or opened; the message says why, for the user."""


class VaultBusyError(VaultError):
    """Another kapnotes (window or command) has this vault open."""


class VaultLockedError(VaultError):
    """The vault was locked (closed) and a stale handle tried to use it."""


class UnlockRefusedError(VaultError):
    """The record of wrong tries (kapnotes.attempts) cannot be read or written, so no
    secret is checked (the delay would not hold); the message names the file."""


class EncryptionUnavailableError(VaultError):
    """SQLCipher is not active: kapnotes refuses to touch an unencrypted database."""


class NewerVaultError(VaultError):
    """The vault was saved by a newer kapnotes (its schema is past this one's)."""


class UpgradeFailedError(VaultError):
    """Upgrading an older vault's schema failed; the vault is as it was."""


class NoRoomToUpgrade(Exception):
    """Why an upgrade was not started: the disk's free space, said in MB."""


class VaultDamagedError(VaultError):
    """The vault is not as it was saved; nothing was opened and nothing was changed.

    ``problems`` names each thing found; ``openable`` is True when the vault is
    readable and the user may still choose to open it as it is
    (``unlock(..., problems="accept")``), False when it cannot be opened at all.
    """

    def __init__(self, problems: Sequence[str], *, openable: bool) -> None:
        from kapnotes.store.integrity import RESTORE

        self.problems = list(problems)
        self.openable = openable
        if not openable:
            message = self.problems[0]
        else:
            listed = "\n".join(f"• {p[:1].upper()}{p[1:]}." for p in self.problems)
            message = (
                f"The vault opens, but it is not as it was last saved:\n{listed}\n"
                f"{RESTORE} Or open it as it is: what was found is then written to "
                "its audit trail, and 'kapnotes verify' lists it."
            )
        super().__init__(message)


@dataclass(frozen=True)
class CreatedVault:
    """What vault creation hands back: the open vault and the recovery key, shown once."""

    vault: OpenVault
    recovery_key: str


def compact_json(value: Any) -> str:
    """A JSON column's value as stored: no spaces after ``,`` and ``:`` (a session entry's
    row takes about 9 bytes less; read back the same)."""
    import json

    return json.dumps(value, separators=(",", ":"))


def _engine(db_path: Path, data_key: bytes, *, read_only_uri: str | None = None) -> Engine:
    """The engine on the vault's single connection; with ``read_only_uri`` (a SQLite
    ``file:`` URI) a read-only one that never writes, folds or deletes any file."""
    from sqlalchemy import URL, create_engine, event
    from sqlalchemy.pool import StaticPool

    url = URL.create("sqlite+pysqlcipher", password=f"x'{data_key.hex()}'", database=str(db_path))
    if read_only_uri is None:
        engine = create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            json_serializer=compact_json,
        )
    else:
        import sqlcipher3

        uri = read_only_uri
        engine = create_engine(
            url,
            poolclass=StaticPool,
            creator=lambda: sqlcipher3.connect(uri, uri=True, check_same_thread=False),
            json_serializer=compact_json,
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        try:
            row = cur.execute("PRAGMA cipher_version").fetchone()
            if not row or not row[0]:
                raise EncryptionUnavailableError(
                    "SQLCipher is not active in this Python environment; kapnotes will not "
                    "store notes unencrypted. Reinstall the 'sqlcipher3' package."
                )
            cur.execute("PRAGMA cipher_log_level = NONE")
            cur.execute("PRAGMA foreign_keys = ON")
            # REPLACE deletes the old row; with recursive triggers on, the delete
            # triggers that guard signed notes and the audit log fire for it too.
            cur.execute("PRAGMA recursive_triggers = ON")
            cur.execute("PRAGMA secure_delete = ON")
            cur.execute("PRAGMA temp_store = MEMORY")
            if read_only_uri is not None:
                cur.execute("PRAGMA query_only = ON")
                return
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            # The WAL is folded into the file by a thread of its own (Checkpointer);
            # the writer's automatic checkpoint is only a backstop.
            cur.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
        finally:
            cur.close()

    return engine


@dataclass
class _ReadOnly:
    """A read-only view of the vault's database for the checks (see :func:`_read_only`)."""

    engine: Engine
    scratch: Path | None  # a private copy's folder, removed by :meth:`discard`

    def discard(self) -> None:
        self.engine.dispose()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _read_only(db_path: Path, data_key: bytes) -> _ReadOnly:
    """Open the database so that reading it changes no file of the folder, byte for byte.

    A read-write connection folds the WAL into the file and deletes it when it
    closes, even under ``PRAGMA query_only`` (a damaged WAL the checks report would
    be gone, its valid frames folded); and a read-only one still rebuilds the
    ``-shm`` index. So: without a WAL the file is opened ``immutable`` (no WAL,
    no ``-shm``, no lock); with a WAL and its ``-shm`` both are read, the index
    rebuilt in memory (``readonly_shm``); a WAL without ``-shm`` (SQLite refuses
    that read-only) is read from a private copy of the encrypted files, in a
    temp folder only this user can open, removed afterwards. The caller holds the
    instance lock, so no other kapnotes writes meanwhile.
    """
    wal = Path(f"{db_path}-wal")
    shm = Path(f"{db_path}-shm")
    if not wal.exists():
        return _ReadOnly(
            _engine(db_path, data_key, read_only_uri=_uri(db_path, "immutable=1")), None
        )
    if shm.exists():
        uri = _uri(db_path, "readonly_shm=1")
        return _ReadOnly(_engine(db_path, data_key, read_only_uri=uri), None)
    scratch = Path(tempfile.mkdtemp(prefix="kapnotes-check-"))  # mode 0700
    try:
        copy = scratch / db_path.name
        shutil.copyfile(db_path, copy)
        shutil.copyfile(wal, Path(f"{copy}-wal"))
        return _ReadOnly(_engine(copy, data_key, read_only_uri=_uri(copy, "")), scratch)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _uri(path: Path, extra: str) -> str:
    from urllib.parse import quote

    return f"file:{quote(str(path.resolve()))}?mode=ro" + (f"&{extra}" if extra else "")


def _refusing_pool() -> Any:
    """The pool of a closed vault: any attempt to reconnect is refused."""
    from sqlalchemy.pool import StaticPool

    def refuse() -> Any:
        raise VaultLockedError("The vault is locked; unlock it to continue.")

    return StaticPool(refuse)


def check_passphrase(passphrase: str) -> None:
    """The one rule for a new passphrase: long enough (a sentence is best)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise VaultError(f"The passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters.")


def _acquire(data_dir: Path) -> InstanceLock:
    """The vault folder's one-instance lock; VaultBusyError when another kapnotes holds
    it, VaultError naming the folder and why when the lock file cannot be made there
    (a read-only disk or folder, a folder not this user's, a path through a file)."""
    try:
        return InstanceLock.acquire(data_dir)
    except VaultInUseError as exc:
        raise VaultBusyError(str(exc)) from None
    except OSError as exc:
        raise unwritable_folder(
            data_dir,
            exc,
            "kapnotes keeps a lock file there while the vault is open, even to read it, so "
            "that no second kapnotes opens it. ",
        ) from exc


def unwritable_folder(data_dir: Path, exc: OSError, because: str = "") -> VaultError:
    """The error for a vault folder that cannot be made or written in, saying why."""
    why = write_cause(exc) or exc.strerror or type(exc).__name__
    return VaultError(
        f"The vault folder {data_dir} cannot be written ({why}). {because}Check that the "
        "disk is connected and writable and that the folder is yours. Nothing was changed."
    )


def _alembic_config(connection: Any) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade_schema(
    engine: Engine, on_upgrade: Callable[[], None] | None = None, *, compact_now: bool = True
) -> None:
    """Bring the vault's schema to the newest migration (Alembic runs only when the
    vault's recorded version is not :data:`SCHEMA_HEAD`); ``on_upgrade`` is called first
    when an existing vault is upgraded (a new one is only created). With
    ``compact_now=False`` a compaction the upgrade calls for is left pending (a copy
    only looked at, then thrown away, need not be compacted).

    The whole upgrade is one transaction, its DDL included (SQLite's DDL is
    transactional, but the driver begins a transaction only before a write, so a
    migration opening with ``CREATE`` would commit that statement on its own): an
    upgrade interrupted or refused leaves the vault exactly as it was.
    Raises :class:`NewerVaultError` for a vault saved by a newer kapnotes, and
    :class:`UpgradeFailedError` when a migration fails (a full disk, …). A compaction
    left undone (interrupted, no room) is tried again at the next unlock.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    with engine.connect() as conn:
        try:
            stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            pending = conn.exec_driver_sql(_COMPACT_PENDING).first() is not None
        except DatabaseError:
            stored, pending = None, False  # a new database: no tables yet
    if stored is not None and str(stored) > SCHEMA_HEAD:
        raise NewerVaultError(
            f"This vault was saved by a newer kapnotes (its storage is version {stored}; "
            f"this kapnotes knows up to {SCHEMA_HEAD}). Open it with that newer version; "
            "nothing was changed."
        )
    if stored != SCHEMA_HEAD:
        if stored is not None:
            _room_to_upgrade(engine)
        if stored is not None and on_upgrade is not None:
            on_upgrade()
        from alembic import command
        from alembic.util import CommandError

        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                command.upgrade(_alembic_config(conn), "head")
                if stored is not None:  # for the unlock's audit event, even a later one
                    conn.exec_driver_sql(_MARK_UPGRADED, (str(stored),))
                if stored is not None and str(stored) < COMPACTED_FROM:
                    conn.exec_driver_sql(_MARK_COMPACT)
                    pending = True
        except (DatabaseError, CommandError) as exc:
            cause = getattr(exc, "orig", None) or exc
            raise UpgradeFailedError(
                f"This vault's storage could not be updated for this version of kapnotes "
                f"({cause}). Nothing was changed: it opens as before with the kapnotes that "
                "saved it. If the disk is full, make room and try again."
            ) from exc
    if pending and compact_now and compact(engine):
        with engine.begin() as conn:
            conn.exec_driver_sql(_COMPACT_DONE)


#: Free space an upgrade asks for beyond the database's size and a tenth of it.
UPGRADE_MARGIN_BYTES = 1 << 20


def _room_to_upgrade(engine: Engine) -> None:
    """Refuse an upgrade, before anything is written, when the disk lacks the room it
    takes: its changes go through the write-ahead log (about the whole database for
    0012, which rewrites every row) and folding them in can grow the file; with less,
    the upgrade would commit and then fail to be folded in, leaving a full disk.
    Raises :class:`UpgradeFailedError` (caused by :class:`NoRoomToUpgrade`)."""
    database = engine.url.database
    if not database:
        return
    path = Path(database)
    try:
        size = path.stat().st_size
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return  # not knowable here: the upgrade's own errors still say so
    need = size + size // 10 + UPGRADE_MARGIN_BYTES
    if free >= need:
        return
    why = NoRoomToUpgrade(
        f"it needs about {need / 1e6:.0f} MB free on its disk, and {free / 1e6:.0f} MB are free"
    )
    raise UpgradeFailedError(
        f"This vault's storage could not be updated for this version of kapnotes: {why}. "
        "Nothing was changed: it opens as before with the kapnotes that saved it. Make room "
        "on that disk and try again."
    ) from why


#: The vault_meta row saying an upgrade freed pages the file has not given back yet.
_MARK_COMPACT = "INSERT OR REPLACE INTO vault_meta (key, value) VALUES ('compact_pending', '1')"
_COMPACT_PENDING = "SELECT 1 FROM vault_meta WHERE key = 'compact_pending'"
_COMPACT_DONE = "DELETE FROM vault_meta WHERE key = 'compact_pending'"
#: The vault_meta row holding the schema an upgrade started from, until the unlock's
#: audit event records it (an unlock stopped before that, e.g. during the compaction,
#: leaves it for the next).
_MARK_UPGRADED = "INSERT OR IGNORE INTO vault_meta (key, value) VALUES ('upgraded_from', ?)"
UPGRADED_FROM = "upgraded_from"


#: Migrations 0009 (the search index's text copy dropped), 0010 (instants as integers)
#: and 0012 (ids as 16 bytes) free a third of an older vault's pages: a vault upgraded
#: across them is compacted once.
COMPACTED_FROM = "0012"


def compact(engine: Engine) -> bool:
    """Give the vault's free pages back to the file system (SQLite's ``VACUUM``, then the
    write-ahead log folded in and emptied); True when done.

    ``VACUUM`` rewrites the database into a copy held in memory (``temp_store``) and
    writes it back through the write-ahead log: all or nothing, so a failure (a full
    disk) leaves the vault as it was; it is logged, the log's space is given back, and
    the vault opens as usual. The upgrade's own pages are folded in first, so that the
    ``VACUUM``'s do not come on top of them in the log (the compaction then needs about
    the vault's size free, not twice that). On a vault of 20,000 notes: about 2 seconds.
    """
    from sqlalchemy.exc import DatabaseError

    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except DatabaseError as exc:
        log.warning("the vault could not be compacted after its upgrade (%s)", exc.orig)
        try:  # the failed VACUUM's pages: the unlock must still find room for its writes
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except DatabaseError:
            log.warning("the write-ahead log could not be emptied after it")
        return False
    return True


class Vault:
    """A data folder that holds (or will hold) one encrypted vault.

    ``clock`` (wall-clock seconds) times the growing delay after wrong passphrases,
    which is kept on disk (:class:`~kapnotes.store.throttle.UnlockThrottle`): every
    unlock through this class obeys it, whoever calls.
    """

    def __init__(
        self, data_dir: Path, kdf: KdfParams = keys.PRODUCTION_KDF, *, clock: WallClock = time.time
    ) -> None:
        self.data_dir = Path(data_dir)
        self.kdf = kdf
        self.throttle = UnlockThrottle(self.data_dir, clock)
        #: Called on the unlocking thread just before an older vault's schema is upgraded
        #: (and compacted, :data:`COMPACTED_FROM`): seconds on a vault of years, once.
        self.on_upgrade: Callable[[], None] | None = None

    @property
    def db_path(self) -> Path:
        """The SQLCipher database file."""
        return self.data_dir / DB_NAME

    @property
    def key_path(self) -> Path:
        """The key file."""
        return self.data_dir / KEY_NAME

    @property
    def anchor_path(self) -> Path:
        """The file that anchors the audit trail's head outside the database."""
        return self.data_dir / ANCHOR_NAME

    @property
    def templates_dir(self) -> Path:
        """Where the clinic's own templates and instruments live."""
        return self.data_dir / "templates"

    def exists(self) -> bool:
        """Whether a vault has been created in this folder."""
        return self.key_path.exists()

    def folder_problem(self) -> str | None:
        """Why the vault folder cannot be used at all, for the user (None when it can, a
        folder not made yet included): a file where a folder should be, or a folder this
        user may not open (another user's, or permissions changed)."""
        folder = self.data_dir
        if folder.is_symlink() and not folder.exists():
            return (
                f"The vault folder {folder} is a link to {folder.readlink()}, which does "
                "not exist (a disk not connected?). Connect it, or choose another vault "
                "folder (--data-dir)."
            )
        for path in (folder, *folder.parents):
            try:
                if path.exists() and not path.is_dir():
                    where = (
                        "" if path == folder else f", so the vault folder {folder} cannot be there"
                    )
                    return (
                        f"{path} is a file, not a folder{where}. Choose another vault folder "
                        "(--data-dir)."
                    )
            except OSError:
                break  # not readable from here on: said below
        try:
            self.key_path.stat()
        except FileNotFoundError:
            return None
        except PermissionError:
            return (
                f"The vault folder {folder} cannot be opened (permission denied): it, or a "
                "folder it is in, is another user's, or its permissions were changed. Open "
                "kapnotes as the user it belongs to. Nothing was changed."
            )
        except OSError as exc:
            return f"The vault folder {folder} cannot be read ({exc.strerror or exc})."
        return None

    def is_demo(self) -> bool:
        """Whether this folder's key file says it holds a demo vault of fictional clients.

        The flag alone is not proof (the demo command also opens the vault with the
        demo passphrase before it replaces anything).
        """
        return self.exists() and keys.KeyFile.read(self.key_path).demo

    def create(
        self,
        clinician_name: str,
        credential: str,
        passphrase: str,
        *,
        role: str = "therapist",
        demo: bool = False,
    ) -> CreatedVault:
        """Create the vault; returns it open, with the recovery key to show once."""
        if not clinician_name.strip():
            raise VaultError("The clinician's name is required.")
        check_passphrase(passphrase)
        if self.exists() or self.db_path.exists():
            raise VaultError(f"A vault already exists in {self.data_dir}.")
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.templates_dir.mkdir(exist_ok=True)
        except OSError as exc:  # a read-only disk, a folder not this user's
            raise unwritable_folder(self.data_dir, exc) from exc
        lock = _acquire(self.data_dir)
        from kapnotes.store import integrity
        from kapnotes.store.audit import record
        from kapnotes.store.models import Clinician, VaultMeta, new_id

        data_key = keys.new_data_key()
        recovery_key = keys.new_recovery_key()
        clinician_id = new_id()
        clinician = Clinician(
            id=clinician_id, name=clinician_name.strip(), credential=credential.strip(), role=role
        )
        # An empty file, owner-only, before SQLite opens it: -wal and -shm inherit the mode.
        os.close(os.open(self.db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        engine = _engine(self.db_path, data_key)
        try:
            upgrade_schema(engine)
            opened = OpenVault(self, engine, clinician_id, lock, data_key=data_key)
            with opened.session() as session:
                session.add(clinician)
                session.add(VaultMeta(key="demo", value="1" if demo else "0"))
                session.add(VaultMeta(key=integrity.ANCHORED_KEY, value="1"))
                session.flush()
                record(session, clinician_id, "vault.create", "vault", None, {})
            opened.checkpoint()  # the header (and its salt) is in the main file from now on
            keyfile = keys.new_keyfile(
                data_key,
                passphrase,
                clinician_id,
                recovery_key,
                self.kdf,
                demo=demo,
                database_salt=integrity.database_salt(self.db_path),
            )
            keyfile.write(self.key_path)
        except BaseException:
            engine.dispose()
            lock.release()
            for path in (self.db_path, self.anchor_path):
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        Path(str(path) + suffix).unlink()
            raise
        self.throttle.reset()
        return CreatedVault(opened, recovery_key)

    def _keyfile(self) -> keys.KeyFile:
        if not self.exists():
            raise VaultError(
                f"There is no vault in {self.data_dir}. Create one with 'kapnotes init'."
            )
        try:
            return keys.KeyFile.read(self.key_path)
        except KeyFileError as exc:
            raise VaultDamagedError(
                [f"{exc} Put back kapnotes.key from a copy of the vault folder you made."],
                openable=False,
            ) from exc

    def unlock_delay(self) -> float:
        """Seconds before the next unlock may be tried (0: now; also 0 when the record of
        wrong tries is unusable: the try is then refused, naming the file)."""
        try:
            return self.throttle.remaining()
        except AttemptsFileError:
            return 0.0

    def unlock(self, passphrase: str, *, problems: Problems = "refuse") -> OpenVault:
        """Open with a clinician's passphrase.

        Raises UnlockDelayedError during the delay after wrong tries (nothing is
        checked then), WrongSecretError when the passphrase does not fit (the delay
        grows), VaultDamagedError when the key file or the database is damaged,
        missing, empty or another vault's, or not as it was saved (see ``problems``),
        VaultBusyError when another kapnotes has it open or is trying it,
        UnlockRefusedError when the record of wrong tries cannot be kept.
        """

        def derive(keyfile: keys.KeyFile) -> keys.Unwrapped:
            return keys.unwrap_with_passphrase(keyfile, passphrase, str(self.key_path))

        return self._unlock(derive, passphrase, problems)

    def unlock_with_recovery(
        self, recovery_key: str, *, problems: Problems = "refuse"
    ) -> OpenVault:
        """Open with the recovery key (emergency access), acting as the first *active*
        administrator (never a deactivated clinician); :attr:`OpenVault.recovered` is
        set, and the app then asks who is setting a new passphrase
        (:meth:`kapnotes.store.clinicians.Clinicians.act_as_after_recovery`).

        Errors as for :meth:`unlock`.
        """

        def derive(keyfile: keys.KeyFile) -> keys.Unwrapped:
            return keys.unwrap_with_recovery(keyfile, recovery_key, str(self.key_path))

        return self._unlock(derive, None, problems)

    def _unlock(
        self,
        derive: Callable[[keys.KeyFile], keys.Unwrapped],
        passphrase: str | None,
        problems: Problems,
    ) -> OpenVault:
        """One try, under the instance lock: check the delay, record the try as failed,
        derive the key, take the failure back if it was right, then open."""
        lock = _acquire(self.data_dir)
        try:
            try:
                self.throttle.check()
                keyfile = self._keyfile()
                before = self.throttle.begin()
                try:
                    opened = derive(keyfile)
                except KeyFileError as exc:
                    self.throttle.undo(before)  # damage, not a guess
                    raise VaultDamagedError([str(exc)], openable=False) from exc
                # WrongSecretError: the failure recorded by begin() stays
                self.throttle.undo(before)
            except AttemptsFileError as exc:
                raise UnlockRefusedError(str(exc)) from None
            return self._open(keyfile, opened, passphrase, problems, lock)
        except BaseException:
            lock.release()
            raise

    def _open(
        self,
        keyfile: keys.KeyFile,
        opened: keys.Unwrapped,
        passphrase: str | None,
        problems: Problems,
        lock: InstanceLock,
    ) -> OpenVault:
        from kapnotes.store import integrity

        damage = integrity.file_damage(self.db_path, keyfile)
        if damage is not None:
            raise VaultDamagedError([damage.message], openable=False)
        return self._open_locked(keyfile, opened, passphrase, problems, lock)

    def _open_locked(
        self,
        keyfile: keys.KeyFile,
        opened: keys.Unwrapped,
        passphrase: str | None,
        problems: Problems,
        lock: InstanceLock,
    ) -> OpenVault:
        from sqlalchemy.exc import DatabaseError

        from kapnotes.store import integrity

        data_key = opened.data_key
        anchor = AnchorFile(self.data_dir, keys.derived_key(data_key, "anchor"))
        # The checks read the vault without changing any file: a vault found damaged, and
        # any vault verify looks at, is left byte for byte as it was.
        checked: _ReadOnly | None = None
        engine: Engine | None = None
        vault: OpenVault | None = None
        try:
            checked = _read_only(self.db_path, data_key)
            with checked.engine.connect() as conn:
                findings = integrity.open_findings(conn, self.db_path, keyfile, data_key, anchor)
                readable = not any(f.fatal for f in findings)
                before = integrity.revision(conn) if readable else None
            fatal = [f.message for f in findings if f.fatal]
            if fatal:
                raise VaultDamagedError(fatal, openable=False)
            found = [f.message for f in findings if f.blocks]
            warnings = [f.message for f in findings if not f.blocks]
            if found and problems == "refuse":
                raise VaultDamagedError(found, openable=True)
            # verify reads without writing; only a sound vault of an older schema is
            # upgraded first (as any unlock would), since the checks read the newest one.
            if problems == "report" and (findings or before == SCHEMA_HEAD):
                diagnostic = OpenVault(
                    self,
                    checked.engine,
                    opened.clinician_id or "",
                    lock,
                    data_key=data_key,
                    findings=found + warnings,
                    diagnostic=True,
                    on_close=checked.discard,
                )
                checked = None  # the diagnostic vault owns it now
                return diagnostic
            checked.discard()
            checked = None
            engine = _engine(self.db_path, data_key)
            upgrade_schema(engine, self.on_upgrade)
            vault = OpenVault(
                self,
                engine,
                opened.clinician_id or "",
                lock,
                data_key=data_key,
                warnings=warnings,
            )
            vault.recovered = passphrase is None
            vault.begin_session(
                keyfile,
                opened,
                passphrase,
                method="passphrase" if passphrase is not None else "recovery key",
                accepted=found,
                migrated_from=before,
                failed=self.throttle.pending(),
            )
        except BaseException as exc:
            if vault is not None and vault.checkpointer is not None:
                vault.checkpointer.stop()  # its thread would fold a WAL nobody writes
            if engine is not None:
                engine.dispose()
            if isinstance(exc, DatabaseError):
                raise VaultDamagedError(
                    [integrity.unreadable(self.db_path).message], openable=False
                ) from exc
            if isinstance(exc, FileWriteError):  # the anchor or key file (a full disk)
                raise VaultError(
                    f"The vault could not be opened: {exc.path} cannot be written "
                    f"({exc.cause or exc.strerror}). Nothing already saved was lost; make "
                    "room on that disk (or check that it can be written), then try again."
                ) from exc
            raise
        finally:
            if checked is not None:
                checked.discard()
        self.throttle.reset()
        return vault


def _recovery_clinician(rows: Sequence[Any], keyfile: keys.KeyFile) -> str:
    """Who acts after an unlock with the recovery key: the first active administrator
    (an administrator, or the first clinician, who still has a passphrase entry), else
    the first active clinician; never a deactivated one."""
    from kapnotes.store.clinicians import ADMIN_ROLE

    if not rows:
        raise VaultError("The vault has no clinician.")
    active = {w.clinician_id for w in keyfile.wraps if w.kind == "passphrase" and w.clinician_id}
    first = rows[0].id
    admins = [c for c in rows if c.id in active and (c.role == ADMIN_ROLE or c.id == first)]
    chosen = admins or [c for c in rows if c.id in active]
    if not chosen:
        raise VaultError("No clinician of this vault is active; none can act for the recovery key.")
    return str(chosen[0].id)


class OpenVault:
    """An unlocked vault: the engine on the single writer connection and who opened it.

    ``findings``: what the unlock found wrong and the user accepted (or, in a
    ``diagnostic`` vault opened only to report, what verify shows; such a vault's
    connection refuses every write). ``warnings``: what the unlock found that did
    not stop it (a damaged key-file entry it did not need), for the app to show.
    """

    def __init__(
        self,
        vault: Vault,
        engine: Engine,
        clinician_id: str,
        lock: InstanceLock | None = None,
        *,
        data_key: bytes,
        findings: Sequence[str] = (),
        warnings: Sequence[str] = (),
        diagnostic: bool = False,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.vault = vault
        self._on_close = on_close
        self.engine = engine
        self.clinician_id = clinician_id
        self.findings = list(findings)
        self.warnings = list(warnings)
        self.diagnostic = diagnostic
        #: Opened with the recovery key: who acts is the first active administrator
        #: until the person at the keyboard says who they are (and sets a passphrase).
        self.recovered = False
        self._lock = lock
        self._closed = False
        from sqlalchemy.orm import sessionmaker

        from kapnotes.store import integrity

        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._local = threading.local()  # the session of the transaction open in this thread
        self._data_key = data_key
        self._anchor = AnchorFile(vault.data_dir, keys.derived_key(data_key, "anchor"))
        with engine.connect() as conn:
            self._head: Head = integrity.audit_head(conn)
        self._tampered = False
        # The WAL is folded on a thread of its own: no save waits for it. A vault opened
        # only to report writes nothing, not even a checkpoint.
        self.checkpointer: Checkpointer | None = None
        if not diagnostic:
            self.checkpointer = Checkpointer(vault.db_path, data_key)
            self.checkpointer.start()

    @property
    def closed(self) -> bool:
        """Whether the vault has been locked (closed) again."""
        return self._closed

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        Re-entrant: inside an open transaction (of this thread) it yields that same
        session, so several stores' writes made within one outer ``session()`` are
        one transaction, committed (durable) or rolled back together.

        A transaction that changed anything records at least one audit event (a
        plain ``vault.write`` when its writer recorded none), and the anchor file
        follows the audit trail's head around the commit (see
        :mod:`kapnotes.store.anchor`): when this returns, the change is on disk and
        anchored.
        """
        if self._closed:
            raise VaultLockedError("The vault is locked; unlock it to continue.")
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        committed: Head | None = None
        with self._sessions() as session, session.begin():
            self._local.session = session
            try:
                changes = self._changes(session)
                yield session
                committed = self._seal(session, changes)
            finally:
                self._local.session = None
        if committed is not None:
            self._confirm(committed)

    @staticmethod
    def _changes(session: Session) -> int:
        """Rows changed on the connection so far (SQLite's total_changes, no statement)."""
        dbapi = session.connection().connection.dbapi_connection
        return int(getattr(dbapi, "total_changes", 0))

    def _seal(self, session: Session, changes_before: int) -> Head | None:
        """Before COMMIT: make sure the change is in the audit trail, anchor it as pending.

        The trail must still hold the head this vault last anchored, followed by exactly
        the events this transaction appended; otherwise something changed the trail
        outside kapnotes (SQL with the key, in this very process) and the anchor is left
        where it was, for the next unlock to name.
        """
        from kapnotes.store.audit import APPENDED, record

        if self.diagnostic:
            return None
        session.flush()
        if self._changes(session) == changes_before:
            return None
        if not session.info.get(APPENDED):
            record(session, self.clinician_id or None, "vault.write", "vault", None, {})
        ours = int(session.info.pop(APPENDED, 0))
        if self._tampered:
            return None
        conn = session.connection()
        rows = conn.exec_driver_sql(
            "SELECT seq, prev_hash, hash FROM audit_event WHERE seq >= ? ORDER BY seq",
            (self._head.seq,),
        ).all()
        start = [] if self._head.seq == 0 else rows[:1]
        new = rows[len(start) :]
        intact = (
            (self._head.seq == 0 or (start and Head(start[0][0], start[0][2]) == self._head))
            and len(new) == ours
            and bool(new)
            and new[0][1] == self._head.hash
        )
        if not intact:
            self._tampered = True
            log.warning("the audit trail changed outside kapnotes; the anchor stays where it was")
            return None
        head = Head(int(new[-1][0]), str(new[-1][2]))
        self._anchor.write(Anchor(self._head, head))
        return head

    def _confirm(self, head: Head) -> None:
        """After COMMIT: the new head is confirmed (a failure here leaves a valid pending)."""
        self._head = head
        try:
            self._anchor.write(Anchor(head))
        except OSError as exc:
            log.warning("anchor not confirmed after a commit: %s", type(exc).__name__)

    def audit(
        self, action: str, entity: str, entity_id: str | None, detail: dict[str, Any]
    ) -> None:
        """Record one event in the audit trail, in its own transaction (or the caller's).

        For what happens outside the stores (a print, a backup, a settings change):
        ``detail`` holds counts, ids and kinds, never client data.
        """
        from kapnotes.store.audit import record

        with self.session() as session:
            record(session, self.clinician_id, action, entity, entity_id, detail)

    def begin_session(
        self,
        keyfile: keys.KeyFile,
        opened: keys.Unwrapped,
        passphrase: str | None,
        *,
        method: str,
        accepted: Sequence[str],
        migrated_from: str | None,
        failed: Any,
    ) -> None:
        """What an unlock writes: who unlocked, failed tries before, problems accepted,
        a schema upgrade, a renewed key file; the anchor is (re)made here."""
        from sqlalchemy import select

        from kapnotes.store import integrity
        from kapnotes.store.audit import record
        from kapnotes.store.models import Clinician, VaultMeta

        with self.session() as session:
            if not self.clinician_id:
                self.clinician_id = _recovery_clinician(
                    list(session.scalars(select(Clinician).order_by(Clinician.created_at))),
                    keyfile,
                )
            who = self.clinician_id
            if failed.count:
                record(
                    session,
                    who,
                    "vault.unlock_failed",
                    "vault",
                    None,
                    {"count": failed.count, "first_at": failed.first_at, "last_at": failed.last_at},
                )
            if accepted:
                record(
                    session,
                    who,
                    "vault.problems_accepted",
                    "vault",
                    None,
                    {"found": list(accepted)},
                )
            current = integrity.revision(session.connection())
            mark = session.get(VaultMeta, UPGRADED_FROM)
            if mark is not None:  # the upgrade this or an unfinished earlier unlock made
                migrated_from = mark.value
                session.delete(mark)
            if migrated_from is not None and current != migrated_from:
                record(
                    session,
                    who,
                    "vault.upgrade",
                    "vault",
                    None,
                    {"from": migrated_from, "to": current},
                )
            renewed = keys.upgraded(
                keyfile,
                opened,
                self._data_key,
                passphrase=passphrase,
                database_salt=integrity.database_salt(self.vault.db_path),
            )
            if renewed is not None:
                record(session, who, "vault.key_file", "vault", None, {"version": renewed.version})
            if session.get(VaultMeta, integrity.ANCHORED_KEY) is None:
                session.add(VaultMeta(key=integrity.ANCHORED_KEY, value="1"))
            record(session, who, "vault.unlock", "vault", None, {"with": method})
            if renewed is not None:  # written inside the transaction: both or neither
                renewed.write(self.vault.key_path)

    def key_file_problems(self) -> list[str]:
        """Every wrap of the key file checked with the data key (verify)."""
        try:
            keyfile = keys.KeyFile.read(self.vault.key_path)
        except KeyFileError as exc:
            return [str(exc)]
        return keys.wrap_problems(keyfile, self._data_key)

    def anchor_problems(self) -> list[str]:
        """The audit trail's head against the anchor file (verify)."""
        from kapnotes.store import integrity

        with self.engine.connect() as conn:
            found = integrity.anchor_findings(conn, self._anchor)
        if self._anchor.torn:
            found.append(integrity.TORN_ANCHOR)
        return found

    def checkpoint(self) -> None:
        """Fold the WAL back into the main file (used before backup and on close)."""
        if self._closed:
            raise VaultLockedError("The vault is locked; unlock it to continue.")
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Record the lock, checkpoint and close the connection; locked afterwards.

        Any store still holding this vault is refused from now on (it would
        otherwise reconnect with the key); the single-instance lock is released.
        A vault opened only to report writes nothing, not even its lock.
        """
        from sqlalchemy.exc import DatabaseError

        if self._closed:
            return
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if not self.diagnostic:
            try:
                self.audit("vault.lock", "vault", None, {})
            except (DatabaseError, OSError) as exc:
                log.warning("the lock could not be recorded: %s", type(exc).__name__)
            with contextlib.suppress(DatabaseError):
                self.checkpoint()
        self._closed = True
        self.engine.dispose()
        self.engine.pool = _refusing_pool()
        if self._on_close is not None:
            self._on_close()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> OpenVault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
