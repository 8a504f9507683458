"""Wrong passphrases (issue 12): a growing delay kept on disk, obeyed by every way in.

The store API is what the app and the command line both call, so the delay is
the vault's own: a try during the wait is refused before the passphrase is
looked at, a restart (a new ``Vault`` on the folder) finds the delay where it
was, and the next successful unlock writes the failures into the audit trail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kapnotes.store.throttle import ATTEMPTS_NAME, MAX_DELAY_S, backoff_delay
from kapnotes.store.vault import UnlockDelayedError, Vault, WrongSecretError
from tests.conftest import FAST_KDF, PASSPHRASE


class WallClock:
    """Wall-clock seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    Vault(tmp_path / "v", kdf=FAST_KDF).create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()
    return tmp_path / "v"


def _wrong(vault: Vault) -> float:
    """One wrong passphrase, made once the current wait is over; returns the new wait."""
    with pytest.raises(WrongSecretError):
        vault.unlock("a wrong passphrase, fictional")
    return vault.unlock_delay()


def test_the_delay_grows_survives_a_restart_and_is_written_to_the_audit_trail(
    folder: Path, wall: WallClock
) -> None:
    vault = Vault(folder, kdf=FAST_KDF, clock=wall)
    waits = []
    for _ in range(6):
        waits.append(_wrong(vault))
        wall.now += waits[-1]
    assert waits == [0, 0, 2, 4, 8, 16]
    _wrong(vault)  # the 7th: 32 s
    # Even the right passphrase is not looked at during the wait.
    with pytest.raises(UnlockDelayedError, match="the next one is possible in 32 s"):
        vault.unlock(PASSPHRASE)
    # A restart (a new process: a new Vault on the folder) finds the delay where it was ...
    restarted = Vault(folder, kdf=FAST_KDF, clock=wall)
    assert restarted.unlock_delay() == 32
    wall.now += 32
    # ... and it keeps growing from there.
    assert _wrong(restarted) == 64
    wall.now += 64
    with restarted.unlock(PASSPHRASE) as opened, opened.session() as session:
        detail = session.execute(
            text("SELECT detail FROM audit_event WHERE action = 'vault.unlock_failed'")
        ).scalar_one()
    assert json.loads(detail)["count"] == 8
    assert restarted.unlock_delay() == 0 and not (folder / ATTEMPTS_NAME).exists()


def test_the_recovery_key_obeys_the_same_delay(folder: Path, wall: WallClock) -> None:
    vault = Vault(folder, kdf=FAST_KDF, clock=wall)
    for _ in range(3):
        with pytest.raises(WrongSecretError):
            vault.unlock_with_recovery("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    with pytest.raises(UnlockDelayedError):
        vault.unlock_with_recovery("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")


def test_a_clock_set_back_never_stretches_the_wait(folder: Path, wall: WallClock) -> None:
    vault = Vault(folder, kdf=FAST_KDF, clock=wall)
    for _ in range(3):
        _wrong(vault)
    wall.now -= 10 * 24 * 3600
    assert vault.unlock_delay() == backoff_delay(3) == 2


def test_the_state_file_holds_counts_and_times_only(folder: Path, wall: WallClock) -> None:
    vault = Vault(folder, kdf=FAST_KDF, clock=wall)
    _wrong(vault)
    state = json.loads((folder / ATTEMPTS_NAME).read_text())
    assert set(state) == {"format", "failures", "first_at", "last_at", "next_at"}
    assert (folder / ATTEMPTS_NAME).stat().st_mode & 0o077 == 0


def test_the_delay_is_capped_at_fifteen_minutes() -> None:
    assert max(backoff_delay(n) for n in range(1000)) == MAX_DELAY_S == 900


def test_parallel_tries_when_one_is_allowed_check_one_passphrase(
    folder: Path, wall: WallClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 parallel wrong tries used to get 5 passphrases checked (check, then Argon2, then
    record, with nothing held): each try is now recorded before the derivation, one at a
    time."""
    import threading

    from kapnotes.store import keys

    vault = Vault(folder, kdf=FAST_KDF, clock=wall)
    for _ in range(2):
        _wrong(vault)
    assert vault.unlock_delay() == 0  # one more try is allowed, then 2 s
    checked: list[int] = []
    real = keys.unwrap_with_passphrase

    def counted(*args: Any) -> Any:
        checked.append(1)
        return real(*args)

    monkeypatch.setattr(keys, "unwrap_with_passphrase", counted)
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            Vault(folder, kdf=FAST_KDF, clock=wall).unlock("a wrong passphrase, fictional")
        except Exception as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 1, outcomes
    assert outcomes.count("WrongSecretError") == 1
    assert set(outcomes) <= {"WrongSecretError", "UnlockDelayedError", "VaultBusyError"}
    assert vault.throttle.failures == 3


def test_a_try_killed_during_the_derivation_still_counts(
    folder: Path, wall: WallClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kapnotes.store import keys

    vault = Vault(folder, kdf=FAST_KDF, clock=wall)

    def killed(*_args: Any) -> Any:
        raise KeyboardInterrupt  # stands for kill -9 half-way through Argon2

    monkeypatch.setattr(keys, "unwrap_with_passphrase", killed)
    with pytest.raises(KeyboardInterrupt):
        vault.unlock("a wrong passphrase, fictional")
    assert vault.throttle.failures == 1


@pytest.mark.parametrize("spoil", ["folder", "garbage", "read-only folder"])
def test_an_unusable_attempts_file_refuses_every_try_naming_the_file(
    folder: Path, wall: WallClock, monkeypatch: pytest.MonkeyPatch, spoil: str
) -> None:
    """A folder named kapnotes.attempts used to let every guess through with no delay."""
    from kapnotes.store import keys
    from kapnotes.store.vault import UnlockRefusedError

    attempts = folder / ATTEMPTS_NAME
    if spoil == "folder":
        attempts.mkdir()
    elif spoil == "garbage":
        attempts.write_bytes(b"\x00not json")
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        folder.chmod(0o500)
    checked: list[int] = []
    monkeypatch.setattr(keys, "unwrap_with_passphrase", lambda *_a: checked.append(1))
    vault = Vault(folder, kdf=FAST_KDF, clock=wall)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    try:
        for secret in ("a wrong passphrase, fictional", PASSPHRASE):
            with pytest.raises(UnlockRefusedError, match=r"kapnotes\.attempts"):
                vault.unlock(secret)
    finally:
        folder.chmod(0o700)
    assert checked == []
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


def test_the_command_line_names_an_unusable_attempts_file_with_exit_3(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kapnotes import cli

    (folder / ATTEMPTS_NAME).mkdir()
    monkeypatch.setenv("KAPNOTES_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(cli, "_interactive", lambda: False)
    assert cli.main(["--data-dir", str(folder), "export-json", str(folder.parent / "o.json")]) == 3
    assert "kapnotes.attempts" in capsys.readouterr().err
    assert not (folder.parent / "o.json").exists()


def test_a_full_disk_is_named_as_such_not_as_a_file_to_move_away(
    folder: Path, wall: WallClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from kapnotes.domain.files import FileWriteError
    from kapnotes.store import throttle
    from kapnotes.store.vault import UnlockRefusedError

    def full(path: Path, _data: bytes) -> None:
        raise FileWriteError(path, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(throttle, "atomic_write", full)
    with pytest.raises(UnlockRefusedError) as refused:
        Vault(folder, kdf=FAST_KDF, clock=wall).unlock(PASSPHRASE)
    message = str(refused.value)
    assert "cannot be written (the disk is full)" in message
    assert "make room on that disk, then try again" in message
    assert "move it away" not in message
