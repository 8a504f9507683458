"""The backup schedule, the reminder and which old automatic backups go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from kapnotes.domain.backups import BackupSettings, backup_due, reminder, to_prune

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_no_folder_means_no_automatic_backup() -> None:
    assert not backup_due(None, NOW, BackupSettings())


def test_a_backup_is_due_when_the_last_is_older_than_the_interval() -> None:
    settings = BackupSettings(folder="/media/usb", every_hours=24)
    assert backup_due(None, NOW, settings)
    assert not backup_due(NOW - timedelta(hours=23), NOW, settings)
    assert backup_due(NOW - timedelta(hours=24), NOW, settings)
    assert not backup_due(None, NOW, settings.model_copy(update={"every_hours": 0}))


def test_the_reminder_comes_after_the_set_days() -> None:
    settings = BackupSettings()  # 7 days by default
    assert reminder(None, NOW, settings) == "No backup of this vault yet: File → Back up…"
    assert reminder(NOW - timedelta(days=6, hours=23), NOW, settings) is None
    assert reminder(NOW - timedelta(days=9), NOW, settings) == (
        "Last backup 9 days ago: File → Back up…"
    )
    assert reminder(NOW - timedelta(days=2), NOW, BackupSettings(remind_after_days=1)) == (
        "Last backup 2 days ago: File → Back up…"
    )


def test_pruning_keeps_the_newest_and_touches_only_our_files() -> None:
    names = [
        "kapnotes-1234abcd-20260301-120000.kapbackup",
        "kapnotes-1234abcd-20260302-120000.kapbackup",
        "kapnotes-1234abcd-20260302-120000-2.kapbackup",
        "kapnotes-1234abcd-20260228-120000.kapbackup",
        "holiday-photos.jpg",
        "kapnotes-manual.kapbackup",
    ]
    assert to_prune(names, 2, "1234abcd") == [
        "kapnotes-1234abcd-20260228-120000.kapbackup",
        "kapnotes-1234abcd-20260301-120000.kapbackup",
    ]
    assert to_prune(names, 10, "1234abcd") == []


def test_pruning_never_touches_another_vaults_backups_in_a_shared_folder() -> None:
    theirs = [
        "kapnotes-99990000-20200101-000000.kapbackup",
        "kapnotes-99990000-20200102-000000.kapbackup",
        "kapnotes-20200101-000000.kapbackup",  # untagged: whose is unknown, so kept
    ]
    ours = ["kapnotes-1234abcd-20260301-120000.kapbackup"]
    assert to_prune(theirs + ours, 1, "1234abcd") == []
    assert to_prune(theirs + ours, 1, "99990000") == [theirs[0]]
    assert to_prune(theirs + ours, 1, "") == []


@pytest.mark.parametrize(
    "bad", [{"keep": 0}, {"every_hours": -1}, {"remind_after_days": 0}, {"other": 1}]
)
def test_settings_are_bounded(bad: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        BackupSettings.model_validate(bad)
