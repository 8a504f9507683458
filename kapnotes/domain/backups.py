"""When to back up and when to remind: the automatic backup settings and their rules.

Pure rules, no files: :class:`BackupSettings` is part of the clinic settings
(``clinic-settings.json``, Settings → Backups…); the session layer asks
:func:`backup_due`, :func:`reminder` and :func:`to_prune` and does the writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

#: The name every automatic (and suggested) backup file has: the vault's tag (a short
#: digest of its database salt: which vault, no client data), then the UTC time.
#: Pruning touches no other file, and only names with this vault's tag.
BACKUP_NAME = re.compile(r"^kapnotes-([0-9a-f]{8})-(\d{8}-\d{6})(?:-(\d+))?\.kapbackup$")


class BackupSettings(BaseModel):
    """The automatic backup folder (a USB drive or the clinic's share) and its schedule.

    ``folder``: where automatic backups go (None: no automatic backups).
    ``keep``: how many automatic backups the folder keeps (the oldest go first).
    ``every_hours``: a backup when the last good one is this old, checked while the
    vault is open (0: only on quit). ``on_quit``: a backup each time kapnotes quits
    or locks at the end of the day. ``remind_after_days``: the status bar reminds
    when the last good backup (any: automatic or by hand) is older than this.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str | None = Field(default=None, max_length=1000)
    keep: int = Field(default=10, ge=1, le=100)
    every_hours: int = Field(default=24, ge=0, le=24 * 7)
    on_quit: bool = True
    remind_after_days: int = Field(default=7, ge=1, le=90)


def backup_due(last: datetime | None, now: datetime, settings: BackupSettings) -> bool:
    """Whether the schedule asks for a backup now (a folder is set and the last is old)."""
    if not settings.folder or settings.every_hours == 0:
        return False
    return last is None or now - last >= timedelta(hours=settings.every_hours)


def reminder(last: datetime | None, now: datetime, settings: BackupSettings) -> str | None:
    """The status bar's reminder, or None when the last good backup is recent enough."""
    if last is None:
        return "No backup of this vault yet: File → Back up…"
    age = now - last
    if age < timedelta(days=settings.remind_after_days):
        return None
    days = age.days
    return f"Last backup {days} day{'s' if days != 1 else ''} ago: File → Back up…"


def to_prune(names: Iterable[str], keep: int, vault_tag: str) -> list[str]:
    """Which automatic backup files of the vault tagged ``vault_tag`` to remove so that
    ``keep`` remain (oldest first).

    Only names of kapnotes' own pattern with this vault's tag count (another vault's
    backups in a shared folder, and untagged names, are never touched); the names
    sort by their UTC time.
    """
    ours: list[tuple[str, int, str]] = []
    for name in names:
        match = BACKUP_NAME.match(name)
        if match and match.group(1) == vault_tag:
            ours.append((match.group(2), int(match.group(3) or 1), name))
    ours.sort()
    return [name for *_key, name in ours[: max(0, len(ours) - keep)]]
