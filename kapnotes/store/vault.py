"""Create, unlock and open the encrypted vault: a SQLCipher database plus its key file.

Layout of a data folder:
    kapnotes.db (+ -wal, -shm)   SQLCipher 4 database, keyed with the raw data key
    kapnotes.key                 the data key wrapped per clinician and by the recovery key
    templates/                   clinic templates and instruments
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kapnotes.store import keys
from kapnotes.store.checkpointer import BACKSTOP_PAGES, Checkpointer
from kapnotes.store.instance_lock import InstanceLock, VaultInUseError
from kapnotes.store.keys import KdfParams, KeyFileError, WrongSecretError

if TYPE_CHECKING:  # SQLAlchemy and Alembic load when a vault is opened, not at start-up
    from alembic.config import Config
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

DB_NAME = "kapnotes.db"
KEY_NAME = "kapnotes.key"
MIN_PASSPHRASE_LENGTH = 10
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest migration; an unlock runs Alembic only when the vault's differs (a test
#: keeps this equal to the migrations' head).
SCHEMA_HEAD = "0005"

__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "EncryptionUnavailableError",
    "KdfParams",
    "KeyFileError",
    "OpenVault",
    "Vault",
    "VaultBusyError",
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


class EncryptionUnavailableError(VaultError):
    """SQLCipher is not active: kapnotes refuses to touch an unencrypted database."""


@dataclass(frozen=True)
class CreatedVault:
    """What vault creation hands back: the open vault and the recovery key, shown once."""

    vault: OpenVault
    recovery_key: str


def _engine(db_path: Path, data_key: bytes) -> Engine:
    from sqlalchemy import URL, create_engine, event
    from sqlalchemy.pool import StaticPool

    url = URL.create("sqlite+pysqlcipher", password=f"x'{data_key.hex()}'", database=str(db_path))
    engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})

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
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            # The WAL is folded into the file by a thread of its own (Checkpointer);
            # the writer's automatic checkpoint is only a backstop.
            cur.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
        finally:
            cur.close()

    return engine


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
    try:
        return InstanceLock.acquire(data_dir)
    except VaultInUseError as exc:
        raise VaultBusyError(str(exc)) from None


def _alembic_config(connection: Any) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade_schema(engine: Engine) -> None:
    """Bring the vault's schema to the newest migration (Alembic runs only when the
    vault's recorded version is not :data:`SCHEMA_HEAD`)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    with engine.connect() as conn:
        try:
            stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DatabaseError:
            stored = None  # a new database: no version table yet
    if stored == SCHEMA_HEAD:
        return
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")


class Vault:
    """A data folder that holds (or will hold) one encrypted vault."""

    def __init__(self, data_dir: Path, kdf: KdfParams = keys.PRODUCTION_KDF) -> None:
        self.data_dir = Path(data_dir)
        self.kdf = kdf

    @property
    def db_path(self) -> Path:
        """The SQLCipher database file."""
        return self.data_dir / DB_NAME

    @property
    def key_path(self) -> Path:
        """The key file."""
        return self.data_dir / KEY_NAME

    @property
    def templates_dir(self) -> Path:
        """Where the clinic's own templates and instruments live."""
        return self.data_dir / "templates"

    def exists(self) -> bool:
        """Whether a vault has been created in this folder."""
        return self.key_path.exists()

    def is_demo(self) -> bool:
        """Whether this folder holds a demo vault of fictional clients."""
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
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.templates_dir.mkdir(exist_ok=True)
        lock = _acquire(self.data_dir)
        from sqlalchemy.orm import Session

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
            with Session(engine) as session, session.begin():
                session.add(clinician)
                session.add(VaultMeta(key="demo", value="1" if demo else "0"))
                session.flush()
                record(session, clinician_id, "vault.create", "vault", None, {})
            keyfile = keys.KeyFile(
                wraps=[
                    keys.wrap_with_passphrase(data_key, passphrase, clinician_id, self.kdf),
                    keys.wrap_with_recovery(data_key, recovery_key),
                ],
                demo=demo,
            )
            keyfile.write(self.key_path)
        except BaseException:
            engine.dispose()
            lock.release()
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(str(self.db_path) + suffix).unlink()
            raise
        return CreatedVault(OpenVault(self, engine, clinician_id, lock, data_key), recovery_key)

    def _keyfile(self) -> keys.KeyFile:
        if not self.exists():
            raise VaultError(
                f"There is no vault in {self.data_dir}. Create one with 'kapnotes init'."
            )
        try:
            return keys.KeyFile.read(self.key_path)
        except KeyFileError as exc:
            raise VaultError(str(exc)) from exc

    def unlock(self, passphrase: str) -> OpenVault:
        """Open with a clinician's passphrase; raises WrongSecretError if it does not fit."""
        data_key, clinician_id = keys.unwrap_with_passphrase(self._keyfile(), passphrase)
        return self._open(data_key, clinician_id)

    def unlock_with_recovery(self, recovery_key: str) -> OpenVault:
        """Open with the recovery key (emergency access), acting as the first clinician."""
        data_key = keys.unwrap_with_recovery(self._keyfile(), recovery_key)
        return self._open(data_key, None)

    def _open(self, data_key: bytes, clinician_id: str | None) -> OpenVault:
        if not self.db_path.exists():
            raise VaultError(f"The vault database {self.db_path} is missing.")
        lock = _acquire(self.data_dir)
        try:
            return self._open_locked(data_key, clinician_id, lock)
        except BaseException:
            lock.release()
            raise

    def _open_locked(
        self, data_key: bytes, clinician_id: str | None, lock: InstanceLock
    ) -> OpenVault:
        from sqlalchemy import select, text
        from sqlalchemy.exc import DatabaseError
        from sqlalchemy.orm import Session

        from kapnotes.store.audit import record
        from kapnotes.store.models import Clinician

        engine = _engine(self.db_path, data_key)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
            upgrade_schema(engine)
            if clinician_id is None:
                with Session(engine) as session, session.begin():
                    first = session.scalars(select(Clinician).order_by(Clinician.created_at))
                    clinician = first.first()
                    if clinician is None:
                        raise VaultError("The vault has no clinician.")
                    clinician_id = clinician.id
                    record(session, clinician_id, "vault.recovery_unlock", "vault", None, {})
        except DatabaseError as exc:
            engine.dispose()
            raise VaultError(
                f"The vault database {self.db_path} could not be read: it is damaged or does "
                "not belong to this key file."
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return OpenVault(self, engine, clinician_id, lock, data_key)

    def add_passphrase(self, data_key: bytes, clinician_id: str, passphrase: str) -> None:
        """Add a wrap for another clinician (or a changed passphrase)."""
        check_passphrase(passphrase)
        keyfile = self._keyfile()
        keyfile.wraps = [w for w in keyfile.wraps if w.clinician_id != clinician_id]
        keyfile.wraps.append(
            keys.wrap_with_passphrase(data_key, passphrase, clinician_id, self.kdf)
        )
        keyfile.write(self.key_path)


class OpenVault:
    """An unlocked vault: the engine on the single writer connection and who opened it."""

    def __init__(
        self,
        vault: Vault,
        engine: Engine,
        clinician_id: str,
        lock: InstanceLock | None = None,
        data_key: bytes | None = None,
    ) -> None:
        self.vault = vault
        self.engine = engine
        self.clinician_id = clinician_id
        self._lock = lock
        self._closed = False
        # With the key, the WAL is folded on a thread of its own: no save waits for it.
        self.checkpointer: Checkpointer | None = None
        if data_key is not None:
            self.checkpointer = Checkpointer(vault.db_path, data_key)
            self.checkpointer.start()
        from sqlalchemy.orm import sessionmaker

        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._local = threading.local()  # the session of the transaction open in this thread

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
        """
        if self._closed:
            raise VaultLockedError("The vault is locked; unlock it to continue.")
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        with self._sessions() as session, session.begin():
            self._local.session = session
            try:
                yield session
            finally:
                self._local.session = None

    def checkpoint(self) -> None:
        """Fold the WAL back into the main file (used before backup and on close)."""
        if self._closed:
            raise VaultLockedError("The vault is locked; unlock it to continue.")
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Checkpoint and close the connection; the vault is locked afterwards.

        Any store still holding this vault is refused from now on (it would
        otherwise reconnect with the key); the single-instance lock is released.
        """
        from sqlalchemy.exc import DatabaseError

        if self._closed:
            return
        if self.checkpointer is not None:
            self.checkpointer.stop()
        with contextlib.suppress(DatabaseError):
            self.checkpoint()
        self._closed = True
        self.engine.dispose()
        self.engine.pool = _refusing_pool()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> OpenVault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
