"""Atomic file writes: the old file or the new one, never half, never a stray temp file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kapnotes.domain import files
from kapnotes.domain.files import atomic_write


def test_replaces_the_file_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text("old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    if os.name != "nt":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_a_failure_part_way_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "kapnotes.key"
    target.write_bytes(b"the old key file")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, b"a new key file that never lands")
    assert target.read_bytes() == b"the old key file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kapnotes.key"]


def test_a_refused_write_names_the_file_asked_for_and_the_cause_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x.pdf"

    def read_only(_fd: int) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(files.os, "fsync", read_only)
    with pytest.raises(files.FileWriteError) as caught:
        atomic_write(target, b"%PDF")
    assert caught.value.errno == 30 and caught.value.path == target
    assert caught.value.describe() == f"Not saved: {target} — read-only file system"
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(files.FileWriteError) as caught:
        atomic_write(tmp_path / "no" / "x.pdf", b"%PDF")
    assert caught.value.cause == "the folder does not exist"
