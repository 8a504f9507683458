"""``kapnotes self-test``: its steps pass in a source install, and a failing step is named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kapnotes.self_test import STEPS, Run, SelfTestFailure, run_self_test


def test_every_step_passes_and_the_folder_is_deleted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert run_self_test() == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("PASS")
    for name, _step in STEPS:
        assert f"  ok  {name}" in out
    assert not list(tmp_path.iterdir())  # the temporary vaults are gone


def test_the_steps_cover_what_a_clinic_relies_on() -> None:
    names = " | ".join(name for name, _ in STEPS)
    for words in (
        "create an encrypted vault",
        "preparation note",
        "record a measure",
        "dosing session",
        "integration note",
        "note PDF",
        "course PDF",
        "back up and restore",
        "verify",
    ):
        assert words in names


def test_a_failing_step_is_named_and_stops_the_test(capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[str] = []

    def first(run: Run) -> str:
        ran.append("first")
        return ""

    def broken(run: Run) -> str:
        raise SelfTestFailure("the vault said no")

    def never(run: Run) -> str:
        ran.append("never")
        return ""

    steps = [("first step", first), ("the broken step", broken), ("later", never)]
    assert run_self_test(steps) == 1
    captured = capsys.readouterr()
    assert "FAIL: the broken step: the vault said no" in captured.err
    assert ran == ["first"]
    assert "PASS" not in captured.out


def test_an_unexpected_error_is_named_with_its_step(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(run: Run) -> str:
        raise OSError("disk full (simulated)")

    assert run_self_test([("write something", broken)]) == 1
    assert "FAIL: write something: OSError" in capsys.readouterr().err


@pytest.mark.slow
def test_the_source_install_draws_its_lock_screen_and_quits(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAPNOTES")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    kapnotes = [sys.executable, "-m", "kapnotes", "--data-dir", str(tmp_path / "vault")]
    made = subprocess.run(
        [*kapnotes, "init", "--name", "Dr Fictional"],
        env={**env, "KAPNOTES_PASSPHRASE": "a fictional passphrase"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    done = subprocess.run(
        [*kapnotes, "--quit-after-first-window"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "first window: MainWindow" in done.stdout


def test_the_quit_flag_belongs_to_the_app_not_to_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kapnotes.launch import main

    assert main(["verify", "--quit-after-first-window"]) == 2
    assert "opens the app only" in capsys.readouterr().err
