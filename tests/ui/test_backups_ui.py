"""File → Back up… / Restore…, Settings → Backups…, the schedule and the reminder, driven
through the real main window (the system's file and message dialogs replaced)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.store.catalog import Catalog
from kapnotes.store.vault import Vault
from kapnotes.ui.backups import BackupSettingsDialog, Prompts
from kapnotes.ui.main_window import MainWindow
from tests.conftest import PASSPHRASE
from tests.ui.conftest import WindowFactory, unlock


class FakePrompts(Prompts):
    """Answers given in advance; what was said is kept."""

    def __init__(self, *, save: Path | None = None, open_: Path | None = None) -> None:
        self.save = save
        self.open = open_
        self.secret: str | None = PASSPHRASE
        self.secrets: list[str | None] = []  # given first, one per question, then secret
        self.passphrase_asks: list[str] = []
        self.confirmed = True
        self.asked: list[str] = []
        self.told: list[tuple[str, str]] = []
        self.chosen_folder: Path | None = None

    def save_path(self, parent: QWidget, suggested: Path) -> Path | None:
        self.asked.append(f"save {suggested.name}")
        return self.save

    def open_path(self, parent: QWidget, start: Path) -> Path | None:
        return self.open

    def folder(self, parent: QWidget, start: Path, title: str = "") -> Path | None:
        self.asked.append(f"folder {title}")
        return self.chosen_folder

    def passphrase(self, parent: QWidget, text: str) -> str | None:
        self.passphrase_asks.append(text)
        return self.secrets.pop(0) if self.secrets else self.secret

    def confirm(self, parent: QWidget, title: str, text: str, action: str) -> bool:
        self.asked.append(f"{title}|{action}|{text}")
        return self.confirmed

    def tell(self, parent: QWidget, title: str, text: str, *, problem: bool = False) -> None:
        self.told.append((title, text))


def _window(make_window: WindowFactory, qtbot: QtBot, prompts: FakePrompts) -> MainWindow:
    window = make_window()
    window.backups.prompts = prompts
    unlock(qtbot, window)
    return window


def test_back_up_from_the_file_menu_and_the_reminder(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, tmp_path: Path
) -> None:
    prompts = FakePrompts(save=tmp_path / "friday")
    window = _window(make_window, qtbot, prompts)
    reminder = window.backups.reminder_label
    assert reminder.isVisible() and "No backup of this vault yet" in reminder.text()
    assert "&Back up…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    with qtbot.waitSignal(window.backups.finished, timeout=20000):
        window.backups.back_up_action.trigger()
        # written on its own thread: the window goes on, saying so, one backup at a time
        assert "you can keep working" in window.statusBar().currentMessage()
        assert not window.backups.back_up_action.isEnabled()
    assert (tmp_path / "friday.kapbackup").is_file()
    assert prompts.asked[0].startswith("save kapnotes-")
    assert "Backed up and checked" in window.statusBar().currentMessage()
    assert not reminder.isVisible()
    assert window.backups.back_up_action.isEnabled()


def test_a_backup_running_when_the_window_locks_or_quits_is_finished_and_kept(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, tmp_path: Path
) -> None:
    prompts = FakePrompts(save=tmp_path / "monday")
    window = _window(make_window, qtbot, prompts)
    window.backups.back_up_action.trigger()
    window.lock()  # the idle lock while it is being written: it ends first, audited
    assert (tmp_path / "monday.kapbackup").is_file()
    assert window.backups.background is None
    unlock(qtbot, window)
    assert window.backups.back_up_action.isEnabled()
    opened = window.session.open_vault
    assert opened is not None
    from kapnotes.store.backup import last_backup_at

    assert last_backup_at(opened) is not None  # its vault.backup event was written

    prompts.save = tmp_path / "tuesday"
    window.backups.back_up_action.trigger()
    assert window.backups.background is not None
    said: list[str] = []
    wait = window.backups.wait

    def waiting() -> None:  # what the window says while it waits (the backup may be done)
        said.append(window.statusBar().currentMessage())
        wait()

    window.backups.is_running = lambda: True  # type: ignore[method-assign]
    window.backups.wait = waiting  # type: ignore[method-assign]
    assert window.close()  # quitting waits for it
    assert said[0] == "Finishing a backup before kapnotes quits…"
    assert (tmp_path / "tuesday.kapbackup").is_file()
    assert window.backups.background is None


def test_restore_replaces_the_vault_after_confirmation_and_locks(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    prompts = FakePrompts(save=tmp_path / "b.kapbackup", open_=tmp_path / "b.kapbackup")
    window = _window(make_window, qtbot, prompts)
    _back_up(qtbot, window)
    clients = window.session.clients
    assert clients is not None
    clients.create(ClientInput(name="Added Afterwards-Fictional"))

    prompts.confirmed = False  # asked, then cancelled: nothing changes
    assert not window.backups.restore()
    assert window.session.is_unlocked
    _title, action, text = prompts.asked[-1].split("|", 2)
    assert action == "Replace and restore" and "Clients: 0" in text and "Dr Ada Quill" in text

    prompts.confirmed = True
    assert window.backups.restore()
    assert not window.session.is_unlocked
    assert window.stack.currentWidget() is window.lock_screen
    assert prompts.told[-1][0] == "Restored"
    kept = [p for p in vault.data_dir.iterdir() if p.name.startswith("replaced-")]
    assert len(kept) == 1 and "kept in" in prompts.told[-1][1]
    unlock(qtbot, window)
    assert window.session.clients is not None
    assert window.session.clients.count() == 0  # the client added after the backup is gone
    opened = window.session.open_vault
    assert opened is not None
    from kapnotes.store.audit_view import AuditQuery, audit_events

    (restored,) = audit_events(opened, AuditQuery(actions=("vault.restore",)))
    assert restored.detail["requested_by"] == "Dr Ada Quill, PsyD"  # who asked, named


def test_a_damaged_backup_is_refused_and_the_vault_stays_open(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.kapbackup"
    bad.write_bytes(b"not a backup" * 1000)
    prompts = FakePrompts(open_=bad)
    window = _window(make_window, qtbot, prompts)
    before = vault.key_path.read_bytes()
    assert not window.backups.restore()
    assert window.session.is_unlocked
    assert prompts.told[-1][0] == "Not restored" and "Nothing was changed" in prompts.told[-1][1]
    assert vault.key_path.read_bytes() == before


def test_backup_settings_are_saved_audited_and_the_schedule_prunes(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "holiday.jpg").write_bytes(b"not ours")
    # Another vault's automatic backups on the same share (older than ours), and an
    # untagged name: never pruned.
    theirs = ["kapnotes-0badc0de-20200101-000000.kapbackup", "kapnotes-20200101-000000.kapbackup"]
    for name in theirs:
        (usb / name).write_bytes(b"another vault's backup")
    prompts = FakePrompts()
    prompts.chosen_folder = usb
    seen: list[BackupSettingsDialog] = []

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, BackupSettingsDialog)
        seen.append(dialog)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.findChild(QWidget, "chooseBackupFolder").click()  # type: ignore[union-attr]
        dialog.keep_spin.setValue(2)
        dialog.every_spin.setValue(0)
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    window.backups.prompts = prompts
    unlock(qtbot, window)
    window.backups.settings_action.trigger()
    assert seen and seen[0].folder_edit.text() == str(usb)
    backup = Catalog(vault.data_dir).clinic_settings()[0].backup
    assert (backup.folder, backup.keep, backup.every_hours) == (str(usb), 2, 0)
    opened = window.session.open_vault
    assert opened is not None
    from sqlalchemy import select

    from kapnotes.store.models import AuditEvent

    with opened.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "settings.change")).one()
    assert event.detail["changes"]["backup.keep"] == {"old": 10, "new": 2}
    for _ in range(3):
        outcome = window.backups.run_schedule(quitting=True)
        assert outcome is not None and outcome.result is not None
    ours = sorted(
        p.name for p in usb.iterdir() if p.suffix == ".kapbackup" and p.name not in theirs
    )
    assert len(ours) == 2
    assert all((usb / name).read_bytes() == b"another vault's backup" for name in theirs)
    assert (usb / "holiday.jpg").exists()
    from kapnotes.store.backup import vault_tag

    assert all(name.startswith(f"kapnotes-{vault_tag(vault.db_path)}-") for name in ours)


def test_a_folder_that_is_not_there_is_named_next_to_it(qtbot: QtBot, tmp_path: Path) -> None:
    from kapnotes.domain.backups import BackupSettings

    saved: list[BackupSettings] = []
    dialog = BackupSettingsDialog(BackupSettings(), saved.append, FakePrompts())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    row_height = dialog.folder_edit.height()
    dialog.folder_edit.setText(str(tmp_path / "unplugged"))
    dialog.accept()
    assert not saved
    assert dialog.folder_error.isVisible() and "does not exist" in dialog.folder_error.text()
    qtbot.wait(20)
    assert dialog.folder_edit.height() >= row_height  # the folder row is not squashed
    error = dialog.folder_error
    assert error.heightForWidth(error.width()) <= error.height() + 1  # the message whole


def test_the_vault_folder_itself_is_refused_as_the_automatic_folder(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault
) -> None:
    window = make_window(run_dialog=lambda dialog: _choose_folder(qtbot, dialog, vault))
    unlock(qtbot, window)
    window.backups.settings_action.trigger()
    assert Catalog(vault.data_dir).clinic_settings()[0].backup.folder is None  # not saved


def _choose_folder(qtbot: QtBot, dialog: QDialog, vault: Vault) -> int:
    assert isinstance(dialog, BackupSettingsDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    for folder in (vault.data_dir, vault.data_dir / "replaced"):
        folder.mkdir(exist_ok=True)
        dialog.folder_edit.setText(str(folder))
        dialog.accept()
        assert dialog.isVisible()
        assert "vault's own folder" in dialog.folder_error.text()
    dialog.reject()
    return int(dialog.result())


def test_a_missing_database_offers_restore_another_folder_or_quit(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    from tests.conftest import FAST_KDF

    prompts = FakePrompts(save=tmp_path / "b.kapbackup", open_=tmp_path / "b.kapbackup")
    window = _window(make_window, qtbot, prompts)
    _back_up(qtbot, window)
    window.lock()
    vault.db_path.unlink()  # the laptop's disk lost the database
    screen = window.lock_screen
    screen.secret_edit.setText(PASSPHRASE)
    screen.attempt_unlock()
    assert not window.session.is_unlocked
    assert screen.fault_row.isVisible() and screen.message.isVisible()

    # another folder: a second vault elsewhere opens from the same window
    other = Vault(tmp_path / "other", FAST_KDF)
    other.create("Dr Other Fictional", "MD", PASSPHRASE).vault.close()
    prompts.chosen_folder = other.data_dir
    qtbot.mouseClick(screen.folder_button, Qt.MouseButton.LeftButton)
    assert window.session.vault.data_dir == other.data_dir
    assert not screen.fault_row.isVisible()
    unlock(qtbot, window)
    assert window.session.clients is not None
    assert window.session.clients.clinician_name().startswith("Dr Other Fictional")
    window.lock()

    # back to the damaged folder: restore from the backup, then unlock it
    window.session.switch_folder(vault.data_dir)
    screen.reset()
    screen.secret_edit.setText(PASSPHRASE)
    screen.attempt_unlock()
    assert screen.fault_row.isVisible()
    qtbot.mouseClick(screen.restore_button, Qt.MouseButton.LeftButton)
    assert prompts.told[-1][0] == "Restored", prompts.told
    assert [p for p in vault.data_dir.iterdir() if p.name.startswith("replaced-")]
    unlock(qtbot, window)

    window.lock()  # and Quit, the third way out, closes the window
    vault.db_path.unlink()
    screen.secret_edit.setText(PASSPHRASE)
    screen.attempt_unlock()
    assert screen.quit_button.isVisible()
    qtbot.mouseClick(screen.quit_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def _backed_up_then_elsewhere(
    make_window: WindowFactory, qtbot: QtBot, tmp_path: Path
) -> tuple[MainWindow, FakePrompts, Path]:
    """A backup to ``b.kapbackup``, then File → Open another vault folder… on an empty
    ``new-laptop`` folder (the window locks and points there)."""
    backup = tmp_path / "b.kapbackup"
    prompts = FakePrompts(save=backup, open_=backup)
    window = _window(make_window, qtbot, prompts)
    _back_up(qtbot, window)
    elsewhere = tmp_path / "new-laptop"
    elsewhere.mkdir()
    prompts.chosen_folder = elsewhere
    window.other_folder_action.trigger()
    return window, prompts, elsewhere


def _back_up(qtbot: QtBot, window: MainWindow) -> None:
    """File → Back up…, waiting for the background backup to end."""
    with qtbot.waitSignal(window.backups.finished, timeout=20000):
        window.backups.back_up_action.trigger()


def test_restore_elsewhere_from_the_gui(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    window, prompts, elsewhere = _backed_up_then_elsewhere(make_window, qtbot, tmp_path)
    assert not window.session.is_unlocked and window.session.vault.data_dir == elsewhere
    asked_before = len(prompts.asked)
    window.backups.restore_action.trigger()
    assert not [a for a in prompts.asked[asked_before:] if "|" in a]  # no confirmation asked
    title, told = prompts.told[-1]
    assert title == "Restored" and "clinician" in told and "notes (" in told
    assert not [p for p in elsewhere.iterdir() if p.name.startswith("replaced-")]
    unlock(qtbot, window)
    assert window.session.vault.data_dir == elsewhere


def test_restore_from_the_gui_with_the_recovery_key(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    window, prompts, elsewhere = _backed_up_then_elsewhere(make_window, qtbot, tmp_path)
    prompts.secret = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"  # a key's shape, not its key
    window.backups.restore_action.trigger()
    # Asked again with the reason, five times in all; then told, and nothing restored.
    assert len(prompts.passphrase_asks) == 5
    assert prompts.passphrase_asks[1].startswith(
        "That passphrase does not open this backup, and it is not its recovery key. "
        "Try again (4 tries left)."
    )
    assert "(1 try left)" in prompts.passphrase_asks[4]
    assert prompts.told[-1][0] == "Not restored" and "recovery key" in prompts.told[-1][1]
    assert not any(elsewhere.iterdir())
    prompts.passphrase_asks.clear()
    prompts.secrets = ["", "not the passphrase"]  # OK on nothing, a slip, then the key
    prompts.secret = recovery_key.lower()
    window.backups.restore_action.trigger()
    assert len(prompts.passphrase_asks) == 3
    assert prompts.passphrase_asks[1].startswith("Nothing was typed. Try again")
    assert prompts.passphrase_asks[2].startswith("That passphrase does not open")
    assert prompts.told[-1][0] == "Restored", prompts.told[-1]
    unlock(qtbot, window)
    assert window.session.vault.data_dir == elsewhere


def test_the_scheduled_backup_waits_while_a_session_is_monitored(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    from kapnotes.domain.backups import BackupSettings

    usb = tmp_path / "usb"
    usb.mkdir()
    catalog = Catalog(vault.data_dir)
    settings, _ = catalog.clinic_settings()
    catalog.save_clinic_settings(
        settings.model_copy(update={"backup": BackupSettings(folder=str(usb))})
    )
    window = _window(make_window, qtbot, FakePrompts())
    qtbot.waitUntil(lambda: len(list(usb.iterdir())) == 1)  # due at unlock: written
    window.backups.busy = lambda: True
    assert window.backups.run_schedule() is None  # waits for the next check
    outcome = window.backups.run_schedule(quitting=True)  # quitting does not wait
    assert outcome is not None and outcome.result is not None


def test_back_up_into_the_vault_folder_is_refused_with_a_message(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    db = vault.db_path
    prompts = FakePrompts(save=db)
    window = _window(make_window, qtbot, prompts)
    before = db.read_bytes()
    window.backups.back_up()  # refused before anything is written
    assert prompts.told and prompts.told[-1][0] == "Backup not made"
    assert "inside the vault's own data folder" in prompts.told[-1][1]
    assert db.read_bytes() == before
    (tmp_path / "taken.kapbackup").write_bytes(b"old")
    prompts.save = tmp_path / "taken.kapbackup"
    window.backups.back_up()  # refused before anything is written
    assert "already exists" in prompts.told[-1][1]
    assert (tmp_path / "taken.kapbackup").read_bytes() == b"old"


def test_an_empty_folder_offers_a_new_vault_or_a_restore_not_a_passphrase(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, tmp_path: Path
) -> None:
    from kapnotes.ui.dialogs.recovery_key_dialog import RecoveryKeyDialog
    from kapnotes.ui.dialogs.setup_dialog import SetupDialog

    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, SetupDialog):
            dialog.name_edit.setText("Dr Wren Fictional")
            dialog.passphrase_edit.setText(PASSPHRASE)
            dialog.confirm_edit.setText(PASSPHRASE)
            dialog.create_vault()
        elif isinstance(dialog, RecoveryKeyDialog):
            dialog.confirm_check.setChecked(True)
            dialog.continue_button.click()
        return dialog.result()

    prompts = FakePrompts()
    window = make_window(run_dialog=run)
    window.backups.prompts = prompts
    unlock(qtbot, window)
    empty = tmp_path / "new-clinic-room"
    empty.mkdir()
    prompts.chosen_folder = empty
    window.other_folder_action.trigger()
    screen = window.lock_screen
    assert not window.session.is_unlocked
    assert "There is no vault in this folder" in screen.prompt.text()
    assert not screen.unlock_button.isVisible() and not screen.secret_edit.isVisible()
    assert screen.create_button.isVisible() and screen.restore_button.isVisible()

    qtbot.mouseClick(screen.create_button, Qt.MouseButton.LeftButton)
    assert window.session.is_unlocked
    assert window.session.vault.data_dir == empty and window.session.vault.exists()
    assert window.session.clients is not None
    assert window.session.clients.clinician_name().startswith("Dr Wren Fictional")
    window.lock()
    assert screen.secret_edit.isVisible() and not screen.create_button.isVisible()
    assert screen.prompt.text() == "Enter your passphrase to open the vault."
    unlock(qtbot, window)


def test_an_automatic_folder_that_would_never_get_a_backup_is_refused(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from kapnotes.domain.backups import BackupSettings

    saved: list[BackupSettings] = []
    dialog = BackupSettingsDialog(BackupSettings(), saved.append, FakePrompts())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.folder_edit.setText(str(tmp_path))
    dialog.every_spin.setValue(0)  # "only on quit"…
    dialog.on_quit_check.setChecked(False)  # …and not on quit: never
    dialog.accept()
    assert not saved and "no backup would ever be written" in dialog.error.text()
    dialog.on_quit_check.setChecked(True)
    dialog.accept()
    assert saved and saved[0].on_quit and saved[0].every_hours == 0
