"""The lock screen: calm messages, the growing delay, passphrase and recovery key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kapnotes.store.throttle import UnlockThrottle, backoff_delay
from kapnotes.store.vault import Vault
from kapnotes.ui.main_window import MainWindow
from kapnotes.ui.views.lock_screen import MSG_UPGRADING, MSG_WRONG_PHRASE, MSG_WRONG_RECOVERY
from tests.conftest import PASSPHRASE
from tests.ui.conftest import FakeClock, WindowFactory, unlock


def _try(qtbot: QtBot, screen: object, secret: str) -> None:
    edit = screen.secret_edit  # type: ignore[attr-defined]
    edit.clear()
    qtbot.keyClicks(edit, secret)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_starts_locked(make_window: WindowFactory, recovery_key: str) -> None:
    window = make_window()
    assert window.stack.currentWidget() is window.lock_screen
    assert not window.session.is_unlocked
    assert not window.new_client_action.isEnabled()
    assert window.clinician_label.text() == "Locked"
    assert not window.toolbar.isVisible()


def test_wrong_passphrase_then_delay_after_three(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, clock: FakeClock
) -> None:
    window = make_window()
    screen = window.lock_screen
    _try(qtbot, screen, "not the passphrase")
    assert screen.message.isVisible()
    assert screen.message.text() == MSG_WRONG_PHRASE
    assert screen.unlock_button.isEnabled()
    _try(qtbot, screen, "still not it")
    assert screen.unlock_button.isEnabled()
    _try(qtbot, screen, "third wrong one")
    assert not screen.unlock_button.isEnabled()
    assert "2 s" in screen.unlock_button.text()
    # while waiting, even the right passphrase is not tried
    _try(qtbot, screen, "fictional passphrase 42")
    assert not window.session.is_unlocked
    clock.advance(1.0)
    qtbot.waitUntil(lambda: "1 s" in screen.unlock_button.text())
    clock.advance(1.1)
    qtbot.waitUntil(screen.unlock_button.isEnabled)
    assert screen.unlock_button.text() == "Unlock"
    _try(qtbot, screen, "fourth wrong one")
    assert "4 s" in screen.unlock_button.text()
    clock.advance(4.1)
    qtbot.waitUntil(screen.unlock_button.isEnabled)
    unlock(qtbot, window)
    assert window.lock_screen.secret_edit.text() == ""


def test_right_passphrase_shows_workspace(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.session.is_unlocked
    assert window.new_client_action.isEnabled()
    assert "Dr Ada Quill, PsyD" in window.clinician_label.text()
    assert window.encrypted_label.text() == "Vault encrypted"


def test_recovery_key_unlocks(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, vault: Vault
) -> None:
    from PySide6.QtWidgets import QDialog

    from kapnotes.ui.settings.clinicians_dialog import ChangePassphraseDialog

    asked: list[str] = []

    def run(dialog: QDialog) -> int:  # a new passphrase is asked for at once
        assert isinstance(dialog, ChangePassphraseDialog)
        qtbot.addWidget(dialog)
        asked.append(dialog.windowTitle())
        dialog.passphrase.first.setText("my new remembered passphrase")
        dialog.passphrase.second.setText("my new remembered passphrase")
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    screen = window.lock_screen
    qtbot.mouseClick(screen.mode_link, Qt.MouseButton.LeftButton)
    assert screen.recovery_mode
    assert screen.mode_link.text() == "Use passphrase instead"
    _try(qtbot, screen, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    assert screen.message.text() == MSG_WRONG_RECOVERY
    screen.secret_edit.clear()
    qtbot.keyClicks(screen.secret_edit, recovery_key.lower().replace("-", " "))
    with qtbot.waitSignal(window.session.unlocked):
        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.workspace
    assert asked == ["Set a new passphrase"]
    window.session.lock()
    with vault.unlock("my new remembered passphrase"):
        pass


def _recovery_unlock(qtbot: QtBot, window: MainWindow, recovery_key: str) -> None:
    screen = window.lock_screen
    qtbot.mouseClick(screen.mode_link, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(screen.secret_edit, recovery_key)
    with qtbot.waitSignal(window.session.unlocked):
        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)


def test_cancel_after_the_recovery_key_locks_again(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, vault: Vault
) -> None:
    from PySide6.QtWidgets import QDialog

    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.reject()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    _recovery_unlock(qtbot, window, recovery_key)
    assert not window.session.is_unlocked
    assert window.stack.currentWidget() is window.lock_screen
    assert "a new passphrase must be set" in window.statusBar().currentMessage()
    with vault.unlock(PASSPHRASE):  # nothing changed
        pass


def test_after_the_recovery_key_the_clinician_says_who_they_are(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, vault: Vault
) -> None:
    from PySide6.QtWidgets import QDialog, QLabel

    from kapnotes.store.clinicians import Clinicians
    from kapnotes.ui.settings.clinicians_dialog import ChangePassphraseDialog

    with vault.unlock(PASSPHRASE) as opened:
        staff = Clinicians(opened)
        nurse = staff.add("Nia Fictional", "RN", "nurse", "nurse passphrase of fiction")
        gone = staff.add("Cy Gone", "", "staff", "a passphrase of someone gone")
        staff.deactivate(gone)
    offered: list[str] = []
    said: list[str] = []

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, ChangePassphraseDialog) and dialog.who_combo is not None
        qtbot.addWidget(dialog)
        combo = dialog.who_combo
        offered.extend(combo.itemText(i) for i in range(combo.count()))
        said.extend(lbl.text() for lbl in dialog.findChildren(QLabel))
        combo.setCurrentIndex(combo.findData(nurse))
        dialog.passphrase.first.setText("the nurse's new passphrase")
        dialog.passphrase.second.setText("the nurse's new passphrase")
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    _recovery_unlock(qtbot, window, recovery_key)
    assert offered == ["Dr Ada Quill, PsyD (therapist)", "Nia Fictional, RN (nurse)"]
    assert any("as the administrator Dr Ada Quill, PsyD" in text for text in said)
    assert window.session.is_unlocked
    opened = window.session.open_vault
    assert opened is not None and opened.clinician_id == nurse
    window.session.lock()
    with vault.unlock("the nurse's new passphrase") as as_nurse:
        assert as_nurse.clinician_id == nurse
    with vault.unlock(PASSPHRASE):  # the administrator's own passphrase is unchanged
        pass


def test_demo_hint_only_for_demo_vaults(make_window: WindowFactory, recovery_key: str) -> None:
    window = make_window(demo_passphrase="fictional passphrase 42")
    assert not window.lock_screen.demo_hint.isVisible()


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_delay(n) for n in range(1, 9)] == [0, 0, 2, 4, 8, 16, 32, 64]
    assert backoff_delay(50) == 15 * 60


def test_throttle_counts_and_resets(clock: FakeClock, tmp_path: object) -> None:
    from pathlib import Path

    throttle = UnlockThrottle(Path(str(tmp_path)), clock)
    assert throttle.record_failure() == 0
    assert throttle.record_failure() == 0
    assert throttle.record_failure() == 2
    assert throttle.remaining() == 2
    clock.advance(1.5)
    assert throttle.remaining() == 0.5
    throttle.reset()
    assert throttle.remaining() == 0
    assert throttle.failures == 0


def test_demo_hint_shows_the_demo_passphrase(qtbot: QtBot, tmp_path: object) -> None:
    from pathlib import Path

    from PySide6.QtCore import QSettings

    from kapnotes.app import build_main_window
    from kapnotes.store.vault import Vault
    from tests.conftest import FAST_KDF, PASSPHRASE

    folder = Path(str(tmp_path)) / "demo"
    demo = Vault(folder, kdf=FAST_KDF)
    demo.create("Dr Demo", "MD", PASSPHRASE, demo=True).vault.close()
    settings = QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)
    window = build_main_window(demo, demo_passphrase=PASSPHRASE, settings=settings)
    qtbot.addWidget(window)
    window.show()
    assert window.lock_screen.demo_hint.isVisible()
    assert PASSPHRASE in window.lock_screen.demo_hint.text()


def test_a_vault_open_elsewhere_is_explained_and_not_counted_as_a_wrong_passphrase(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault, recovery_key: str
) -> None:
    window = make_window()
    with vault.unlock(PASSPHRASE):  # another kapnotes holds the vault
        screen = window.lock_screen
        for _ in range(4):
            screen.secret_edit.clear()
            qtbot.keyClicks(screen.secret_edit, PASSPHRASE)
            qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
        assert "open in another kapnotes" in screen.message.text()
        assert screen.unlock_button.isEnabled()  # no growing delay for this
        assert screen.secret_edit.property("invalid") in (None, False)
    unlock(qtbot, window)


def test_an_older_vault_says_its_storage_is_being_updated_while_it_unlocks(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault
) -> None:
    """The first unlock after an upgrade updates and compacts the storage (seconds on a
    vault of years): the screen says so before the wait, then opens as usual."""
    from alembic import command

    from kapnotes.store.vault import _alembic_config

    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    with created.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0008")
    created.close()
    window = make_window()
    screen = window.lock_screen
    seen: list[tuple[bool, str, str]] = []

    def record() -> None:  # as the screen was when the upgrade began
        seen.append(
            (
                screen.upgrade_note.isVisible(),
                screen.upgrade_note.text(),
                screen.unlock_button.text(),
            )
        )

    window.session.upgrading.connect(record)
    assert not screen.upgrade_note.isVisible()
    unlock(qtbot, window)
    assert seen == [(True, MSG_UPGRADING, "Updating this vault…")]
    assert window.session.is_unlocked
    assert not screen.upgrade_note.isVisible()
    window.session.lock()
    unlock(qtbot, window)  # upgraded once: not again
    assert len(seen) == 1


def test_an_upgrade_that_fails_is_said_and_the_screen_is_usable_again(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault, monkeypatch: object
) -> None:
    from alembic import command
    from sqlalchemy.exc import OperationalError

    from kapnotes.store.vault import _alembic_config

    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    with created.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0008")
    created.close()

    def full_disk(_config: object, _target: str) -> None:
        raise OperationalError("…", {}, Exception("database or disk is full"))

    monkeypatch.setattr(command, "upgrade", full_disk)  # type: ignore[attr-defined]
    window = make_window()
    screen = window.lock_screen
    _try(qtbot, screen, PASSPHRASE)
    assert not window.session.is_unlocked
    assert "could not be updated" in screen.message.text()
    assert "Nothing was changed" in screen.message.text()
    assert screen.unlock_button.text() == "Unlock" and screen.unlock_button.isEnabled()
    assert not screen.upgrade_note.isVisible()


def test_a_vault_folder_that_cannot_be_written_is_said_not_as_a_wrong_passphrase(
    qtbot: QtBot,
    make_window: WindowFactory,
    recovery_key: str,
    refuse_lock_file: Callable[[], None],
) -> None:
    window = make_window()
    screen = window.lock_screen
    refuse_lock_file()
    _try(qtbot, screen, PASSPHRASE)
    assert not window.session.is_unlocked
    assert "The vault folder" in screen.message.text()
    assert "cannot be written" in screen.message.text()
    assert "permission denied" in screen.message.text()
    assert screen.secret_edit.property("invalid") in (None, False)  # not a wrong passphrase
    assert screen.unlock_button.isEnabled()
