"""Backups for the app: by hand, on a schedule and on quit, and the reminder.

:class:`Backups` applies the rules of :mod:`kapnotes.domain.backups` to an open
vault: it writes through :mod:`kapnotes.store.backup` (which verifies each copy
and records it in the audit trail), prunes the automatic folder to the newest
``keep`` copies, and says what the status bar should remind. Restore is a
vault-folder operation and goes through :func:`inspect` and :func:`restore`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kapnotes.domain.backups import BackupSettings, backup_due, reminder, to_prune
from kapnotes.store.backup import (
    BackupError,
    BackupJob,
    BackupResult,
    Inspected,
    RestoreNeedsConfirmationError,
    RestoreResult,
    automatic_folder_problem,
    backup_file_name,
    backup_job,
    inspect_backup,
    last_backup_at,
    record_backup,
    restore_backup,
    run_backup_job,
    vault_tag,
)
from kapnotes.store.keys import KdfParams, WrongSecretError, normalise_recovery_key
from kapnotes.store.vault import OpenVault

__all__ = [
    "AutomaticOutcome",
    "BackupError",
    "BackupJob",
    "BackupResult",
    "Backups",
    "Inspected",
    "RestoreNeedsConfirmationError",
    "RestoreResult",
    "automatic_folder_problem",
    "inspect",
    "looks_like_recovery_key",
    "restore",
    "run_backup_job",
]

log = logging.getLogger(__name__)

#: Said after a restore beside the vault (see kapnotes.store.backup.restore_backup).
OFF_IN_COPY = (
    "Automatic backups are off in this restored copy (they went to {folder}, where the "
    "clinic's vault keeps its own). If this copy is to replace that vault, turn them on "
    "again in Settings → Backups…"
)

Now = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AutomaticOutcome:
    """An automatic backup: the file written (None when none was due) or why it failed."""

    result: BackupResult | None
    error: str | None = None
    pruned: tuple[str, ...] = ()


class Backups:
    """Backups of one open vault under the clinic's :class:`BackupSettings`."""

    def __init__(
        self, vault: OpenVault, settings: Callable[[], BackupSettings], now: Now = _utcnow
    ) -> None:
        self._vault = vault
        self._settings = settings
        self._now = now

    def back_up(self, out: Path) -> BackupResult:
        """Back up to ``out`` (a file; a folder gets a dated name); BackupError says why not."""
        result = run_backup_job(self.job(out))
        self.record(result)
        return result

    def job(self, out: Path) -> BackupJob:
        """The backup to ``out`` (a folder gets a dated name), to run with
        :func:`run_backup_job` (on any thread) and then :meth:`record`; BackupError
        when the target is refused."""
        out = Path(out)
        if out.is_dir():
            out = out / self.file_name()
        return backup_job(self._vault, out, now=self._now())

    def record(self, result: BackupResult) -> None:
        """Write a finished backup to the audit trail (on the vault's own thread)."""
        record_backup(self._vault, result)

    def file_name(self) -> str:
        """The suggested name of a backup of this vault now (tagged with the vault)."""
        return backup_file_name(self._now(), vault_tag(self._vault.vault.db_path))

    def last_good(self) -> datetime | None:
        """When the last verified backup was written."""
        return last_backup_at(self._vault)

    def reminder(self) -> str | None:
        """The status bar's reminder, or None."""
        return reminder(self.last_good(), self._now(), self._settings())

    def automatic(self, *, quitting: bool = False) -> AutomaticOutcome:
        """The scheduled backup (or the one on quit) into the automatic folder, if due.

        Never raises for the folder's sake: an unplugged drive is a message, not a crash.
        """
        job = self.automatic_job(quitting=quitting)
        if not isinstance(job, BackupJob):
            return job
        try:
            result = run_backup_job(job)
        except BackupError as exc:
            return self.automatic_failed(exc)
        return self.automatic_done(result)

    def automatic_job(self, *, quitting: bool = False) -> BackupJob | AutomaticOutcome:
        """The automatic backup to write now, or the outcome when none is (not due, no
        folder, the drive unplugged, the target refused)."""
        settings = self._settings()
        if not settings.folder:
            return AutomaticOutcome(None)
        due = settings.on_quit if quitting else backup_due(self.last_good(), self._now(), settings)
        if not due:
            return AutomaticOutcome(None)
        folder = Path(settings.folder).expanduser()
        if not folder.is_dir():
            return AutomaticOutcome(
                None, f"the backup folder {folder} is not there (is the drive plugged in?)"
            )
        name = backup_file_name(self._now(), vault_tag(self._vault.vault.db_path))
        target = folder / name
        number = 1
        while target.exists():  # two in one second: a numbered name, never over another
            number += 1
            target = folder / name.replace(".", f"-{number}.", 1)
        try:
            return backup_job(self._vault, target, now=self._now())
        except BackupError as exc:
            return self.automatic_failed(exc)

    def automatic_failed(self, exc: BackupError) -> AutomaticOutcome:
        """The outcome of an automatic backup that could not be made."""
        log.warning("automatic backup failed")
        return AutomaticOutcome(None, str(exc))

    def automatic_done(self, result: BackupResult) -> AutomaticOutcome:
        """Record a written automatic backup and prune the folder to the newest N of
        this vault's own backups."""
        self.record(result)
        return self.automatic_prune(result)

    def automatic_prune(self, result: BackupResult) -> AutomaticOutcome:
        """Prune the automatic folder of ``result`` (already recorded) to the newest N of
        this vault's own backups; nothing else in the folder is touched."""
        folder = result.path.parent
        tag = vault_tag(self._vault.vault.db_path)
        pruned = []
        for old in to_prune((p.name for p in folder.iterdir()), self._settings().keep, tag or ""):
            try:
                (folder / old).unlink()
                pruned.append(old)
            except OSError:
                log.warning("an old automatic backup could not be removed")
        return AutomaticOutcome(result, None, tuple(pruned))


def looks_like_recovery_key(text: str) -> bool:
    """Whether ``text`` has a recovery key's shape (32 letters and digits, any grouping)."""
    try:
        normalise_recovery_key(text)
    except WrongSecretError:
        return False
    return True


def inspect(path: Path, secret: str, staging_near: Path | None = None) -> Inspected:
    """Check a backup and say what it holds (see :func:`kapnotes.store.backup.inspect_backup`).

    ``secret`` is a clinician's passphrase or the vault's recovery key: a passphrase
    first, then, when none fits and it has a recovery key's shape, the recovery key
    (``Inspected.by_recovery_key`` says which opened it). WrongSecretError: neither.
    """
    try:
        return inspect_backup(path, secret, staging_near=staging_near)
    except WrongSecretError:
        if not looks_like_recovery_key(secret):
            raise
    return inspect_backup(path, recovery_key=secret, staging_near=staging_near)


def restore(
    path: Path,
    data_dir: Path,
    secret: str,
    *,
    replace: bool,
    kdf: KdfParams,
    by_recovery_key: bool = False,
    requested_by: str | None = None,
) -> RestoreResult:
    """Restore into ``data_dir`` (see :func:`kapnotes.store.backup.restore_backup`) with a
    passphrase, or with the recovery key when ``by_recovery_key``; ``requested_by``
    names who asked for it (the clinician signed in to the vault it replaces)."""
    return restore_backup(
        path,
        data_dir,
        None if by_recovery_key else secret,
        recovery_key=secret if by_recovery_key else None,
        replace=replace,
        kdf=kdf,
        requested_by=requested_by,
    )
