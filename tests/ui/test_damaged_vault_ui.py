"""What the lock screen says about a damaged vault, the delay that survives a restart, and
settings that cannot be reached while locked (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from kapnotes.domain.templates import NarrativeLayout
from kapnotes.store.vault import Vault
from kapnotes.ui.settings.letterhead_dialog import LetterheadDialog
from kapnotes.ui.settings.templates_dialog import TemplatesDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import FakeClock, WindowFactory, unlock


def _try(qtbot: QtBot, window: object, secret: str = PASSPHRASE) -> None:
    screen = window.lock_screen  # type: ignore[attr-defined]
    screen.secret_edit.clear()
    qtbot.keyClicks(screen.secret_edit, secret)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)


def test_an_emptied_database_is_named_with_the_way_out_never_opened_empty(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault, recovery_key: str
) -> None:
    vault.db_path.write_bytes(b"")
    window = make_window()
    _try(qtbot, window)
    screen = window.lock_screen
    assert not window.session.is_unlocked
    assert screen.message.isVisible()
    assert "is empty (0 bytes)" in screen.message.text()
    assert "Restore it from a backup (File → Restore from a backup…" in screen.message.text()
    assert screen.fault_row.isVisible()
    assert not screen.open_anyway_button.isVisible()  # nothing there to open
    assert screen.secret_edit.property("invalid") in (None, False)  # not a wrong passphrase
    assert vault.db_path.stat().st_size == 0


def test_a_missing_database_is_said_before_any_passphrase_with_the_ways_out(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault, recovery_key: str
) -> None:
    del recovery_key  # the vault exists
    vault.db_path.unlink()
    window = make_window()
    screen = window.lock_screen
    qtbot.waitUntil(screen.message.isVisible)
    assert "database (kapnotes.db) is missing" in screen.message.text()
    assert screen.fault_row.isVisible() and screen.restore_button.isVisible()
    assert screen.secret_edit.property("invalid") in (None, False)
    assert not window.session.is_unlocked


def test_lost_changes_are_named_and_the_vault_can_be_opened_as_it_is(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault, recovery_key: str
) -> None:
    with vault.unlock(PASSPHRASE) as opened, opened.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_no_delete"))
        conn.execute(text("DELETE FROM audit_event WHERE seq > 1"))
    window = make_window()
    _try(qtbot, window)
    screen = window.lock_screen
    assert "not as it was last saved" in screen.message.text()
    assert screen.open_anyway_button.isVisible()
    with qtbot.waitSignal(window.session.unlocked):
        qtbot.mouseClick(screen.open_anyway_button, Qt.MouseButton.LeftButton)
    window.session.lock()
    with vault.unlock(PASSPHRASE, problems="report") as opened, opened.session() as session:
        accepted = session.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'vault.problems_accepted'")
        ).scalar()
    assert accepted == 1


def test_the_delay_after_wrong_passphrases_is_still_there_after_a_restart(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, clock: FakeClock
) -> None:
    first = make_window()
    for attempt in range(3):
        _try(qtbot, first, f"wrong passphrase {attempt}")
    assert "2 s" in first.lock_screen.unlock_button.text()
    first.close()
    restarted = make_window()  # a new window on the same folder: the app started again
    assert not restarted.lock_screen.unlock_button.isEnabled()
    assert restarted.lock_screen.unlock_button.text() == "Try again in 2 s"
    clock.advance(2.1)
    qtbot.waitUntil(restarted.lock_screen.unlock_button.isEnabled)
    unlock(qtbot, restarted)


def test_settings_cannot_be_reached_while_locked(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, vault: Vault
) -> None:
    window = make_window()
    locked = [
        window.templates_action,
        window.reports.letterhead_action,
        window.note_format_menu.menuAction(),
    ]
    assert not any(action.isEnabled() for action in locked)
    window.note_format_menu.aboutToShow.emit()  # as if it were opened: nothing is read
    assert not any(a.isChecked() for a in window.note_format_actions.values())
    window.show_templates()
    window.reports.edit_letterhead()
    window.set_note_format(NarrativeLayout.DAP)
    assert not window.findChildren(TemplatesDialog)
    assert not window.findChildren(LetterheadDialog)
    assert not (vault.data_dir / "clinic-settings.json").exists()
    unlock(qtbot, window)
    assert all(action.isEnabled() for action in locked)
    window.note_format_menu.aboutToShow.emit()  # the menu shows the clinic's format
    assert window.note_format_actions[NarrativeLayout.SOAP].isChecked()
    window.set_note_format(NarrativeLayout.DAP)
    window.lock()
    assert not any(action.isEnabled() for action in locked)
    with vault.unlock(PASSPHRASE) as opened, opened.session() as session:
        detail = session.execute(
            text("SELECT detail FROM audit_event WHERE action = 'settings.change'")
        ).scalar_one()
    assert json.loads(detail) == {"changes": {"note_format": {"old": "soap", "new": "dap"}}}


def test_a_damaged_key_file_entry_not_needed_is_named_after_unlocking(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault, recovery_key: str
) -> None:
    doc = json.loads(vault.key_path.read_text())
    recovery = next(w for w in doc["wraps"] if w["kind"] == "recovery")
    recovery["salt"] = recovery["salt"][::-1]
    vault.key_path.write_text(json.dumps(doc))
    window = make_window()
    unlock(qtbot, window)
    shown = window.statusBar().currentMessage()
    assert "its key file has a problem: the recovery key's entry is unreadable" in shown
    assert "Put back kapnotes.key" in shown


def test_the_lock_screen_message_reads_whole(
    qtbot: QtBot, make_window: WindowFactory, vault: Vault, recovery_key: str, tmp_path: Path
) -> None:
    data = bytearray(vault.db_path.read_bytes())
    data[3 * 4096 + 100] ^= 0x40
    vault.db_path.write_bytes(bytes(data))
    window = make_window()
    window.resize(1366, 768)
    _try(qtbot, window)
    message = window.lock_screen.message
    assert "is damaged: 1 encrypted page fails its integrity check (page 4)" in message.text()
    assert message.wordWrap()
    qtbot.waitUntil(lambda: message.height() >= message.heightForWidth(message.width()))
