"""The vault locks when the system's screen locks or the machine goes to sleep."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kapnotes.ui.system_lock import SystemLockWatcher
from tests.ui.conftest import WindowFactory, unlock

REPO = Path(__file__).resolve().parents[2]


def test_screen_lock_and_sleep_lock_the_vault(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.system_lock.screen_saver(False)  # the screen saver going off changes nothing
    assert window.session.is_unlocked
    window.system_lock.screen_saver(True)
    assert not window.session.is_unlocked
    assert window.stack.currentWidget() is window.lock_screen
    unlock(qtbot, window)
    window.system_lock.prepare_for_sleep(True)
    assert not window.session.is_unlocked
    unlock(qtbot, window)
    window.system_lock.session_lock()
    assert not window.session.is_unlocked


def test_the_window_listens_from_the_first_unlock(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str
) -> None:
    window = make_window()
    assert not window.system_lock.listening  # a locked vault has nothing to lock
    unlock(qtbot, window)
    assert window.system_lock.listening
    window.lock()
    unlock(qtbot, window)  # (listening once is enough)
    assert window.system_lock.listening


def test_without_a_bus_nothing_is_listened_to(qtbot: QtBot) -> None:
    watcher = SystemLockWatcher()
    assert isinstance(watcher.sources, list)  # empty on a headless test machine
    with qtbot.waitSignal(watcher.lock_requested) as blocker:
        watcher.prepare_for_sleep(True)
    assert blocker.args == ["the computer is going to sleep"]


@pytest.mark.skipif(shutil.which("dbus-run-session") is None, reason="no D-Bus on this machine")
def test_a_real_screen_saver_signal_on_a_private_bus() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-m", "tests.ui.dbus_probe"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "org.freedesktop.ScreenSaver" in done.stdout, done.stdout + done.stderr
    assert "locked: the screen locked" in done.stdout, done.stdout + done.stderr
