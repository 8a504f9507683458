"""The encrypted vault: creation, unlocking, recovery, refusal paths and schema."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from kapnotes.domain.clients import ClientInput
from kapnotes.store.audit import verify_chain
from kapnotes.store.clients import ClientStore
from kapnotes.store.keys import KeyFile, WrongSecretError
from kapnotes.store.models import Base, include_name
from kapnotes.store.vault import OpenVault, Vault, VaultBusyError, VaultError, VaultLockedError
from tests.conftest import FAST_KDF, PASSPHRASE


def test_create_then_unlock_shows_the_same_client(vault: Vault) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    client_id = ClientStore(created.vault).create(ClientInput(name="Juniper Testcase"))
    created.vault.close()

    with vault.unlock(PASSPHRASE) as reopened:
        assert ClientStore(reopened).get(client_id).data.name == "Juniper Testcase"
        assert ClientStore(reopened).clinician_name() == "Dr Ada Quill, PsyD"


def test_wrong_passphrase_is_refused_calmly(open_vault: OpenVault, vault: Vault) -> None:
    # While the vault is open no passphrase is even tried (tries are one at a time,
    # under the instance lock): the answer is "in use", and no failure is counted.
    with pytest.raises(VaultBusyError):
        vault.unlock("not the passphrase")
    assert vault.throttle.failures == 0
    open_vault.close()
    with pytest.raises(WrongSecretError, match="does not open this vault"):
        vault.unlock("not the passphrase")


def test_recovery_key_opens_the_vault_in_any_case_and_spacing(vault: Vault) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    ClientStore(created.vault).create(ClientInput(name="Juniper Testcase"))
    created.vault.close()
    typed = created.recovery_key.lower().replace("-", " ")

    with vault.unlock_with_recovery(typed) as reopened:
        assert [c.name for c in ClientStore(reopened).search("")] == ["Juniper Testcase"]
        assert verify_chain_ok(reopened)


def verify_chain_ok(vault: OpenVault) -> bool:
    with vault.session() as session:
        return verify_chain(session) == []


def test_wrong_recovery_key_is_refused(open_vault: OpenVault, vault: Vault) -> None:
    open_vault.close()  # tries are made only while no kapnotes has the vault open
    with pytest.raises(WrongSecretError):
        vault.unlock_with_recovery("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
    with pytest.raises(WrongSecretError, match="32 letters"):
        vault.unlock_with_recovery("too short")


def test_passphrase_needs_a_minimum_length(vault: Vault) -> None:
    with pytest.raises(VaultError, match="at least 10 characters"):
        vault.create("Dr Ada Quill", "PsyD", "short")
    assert not vault.exists()


def test_create_refuses_to_overwrite_an_existing_vault(open_vault: OpenVault, vault: Vault) -> None:
    with pytest.raises(VaultError, match="already exists"):
        vault.create("Dr Other", "MD", PASSPHRASE)


def test_no_vault_gives_a_message_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="There is no vault"):
        Vault(tmp_path / "empty", kdf=FAST_KDF).unlock(PASSPHRASE)


def test_damaged_key_file_is_named(open_vault: OpenVault, vault: Vault) -> None:
    open_vault.close()
    vault.key_path.write_text("{ not json")
    with pytest.raises(VaultError, match=r"kapnotes\.key"):
        vault.unlock(PASSPHRASE)


def test_database_from_another_vault_is_refused(tmp_path: Path) -> None:
    first = Vault(tmp_path / "a", kdf=FAST_KDF)
    second = Vault(tmp_path / "b", kdf=FAST_KDF)
    first.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()
    second.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()
    second.db_path.write_bytes(first.db_path.read_bytes())
    with pytest.raises(VaultError, match="does not belong to this key file"):
        second.unlock(PASSPHRASE)


def test_key_file_holds_no_plaintext_key_and_production_kdf_by_default(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")  # production parameters
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    created.vault.close()
    doc = json.loads(vault.key_path.read_text())
    kinds = sorted(w["kind"] for w in doc["wraps"])
    assert kinds == ["passphrase", "recovery"]
    passphrase_wrap = next(w for w in doc["wraps"] if w["kind"] == "passphrase")
    assert passphrase_wrap["kdf"]["memory_kib"] >= 65536
    assert "Ada" not in vault.key_path.read_text()
    assert not KeyFile.read(vault.key_path).demo


def test_database_is_sqlcipher_wal_and_synchronous_full(open_vault: OpenVault) -> None:
    with open_vault.engine.connect() as conn:
        assert conn.execute(text("PRAGMA cipher_version")).scalar()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    header = open_vault.vault.db_path.read_bytes()[:16]
    assert header != b"SQLite format 3\x00"


def test_schema_built_by_migrations_matches_the_models(open_vault: OpenVault) -> None:
    with open_vault.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata
        )
    assert diff == []


def test_audit_chain_records_changes_and_detects_tampering(open_vault: OpenVault) -> None:
    store = ClientStore(open_vault)
    client_id = store.create(ClientInput(name="Juniper Testcase"))
    store.update(client_id, ClientInput(name="Juniper Testcase", weight_kg=70))
    assert verify_chain_ok(open_vault)
    with pytest.raises(DatabaseError, match="append-only"), open_vault.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'client.delete' WHERE seq = 2"))
    # Someone holding the key could still drop the trigger; the chain shows it.
    with open_vault.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_no_update"))
        conn.execute(text("UPDATE audit_event SET action = 'client.delete' WHERE seq = 2"))
    with open_vault.session() as session:
        problems = verify_chain(session)
    assert problems == ["audit event 2: content does not match its hash"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_vault_files_are_readable_by_the_owner_only(open_vault: OpenVault) -> None:
    ClientStore(open_vault).create(ClientInput(name="Juniper Testcase"))
    folder = open_vault.vault.data_dir
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("kapnotes.db", "kapnotes.db-wal", "kapnotes.db-shm", "kapnotes.key"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name


def test_a_second_kapnotes_on_the_same_vault_is_refused_until_the_first_closes(
    vault: Vault,
) -> None:
    first = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE).vault
    with pytest.raises(VaultBusyError, match="open in another kapnotes"):
        Vault(vault.data_dir, kdf=FAST_KDF).unlock(PASSPHRASE)
    first.close()
    with Vault(vault.data_dir, kdf=FAST_KDF).unlock(PASSPHRASE) as second:
        assert ClientStore(second).count() == 0


def test_a_locked_vault_refuses_stores_that_outlived_it(open_vault: OpenVault) -> None:
    store = ClientStore(open_vault)
    store.create(ClientInput(name="Juniper Testcase"))
    open_vault.close()
    with pytest.raises(VaultLockedError, match="locked"):
        store.search("")
    with pytest.raises(VaultLockedError), open_vault.engine.connect():
        pass


def test_a_key_file_asking_for_absurd_key_derivation_cost_is_refused(
    open_vault: OpenVault, vault: Vault
) -> None:
    open_vault.close()
    doc = json.loads(vault.key_path.read_text())
    for wrap in doc["wraps"]:
        if wrap["kind"] == "passphrase":
            wrap["kdf"]["memory_kib"] = 2**31
    vault.key_path.write_text(json.dumps(doc))
    with pytest.raises(VaultError, match=r"wraps\[0\]\.kdf\.memory_kib: .* 262144"):
        vault.unlock(PASSPHRASE)


def test_the_schema_head_the_unlock_trusts_is_the_newest_migration() -> None:
    """Unlock skips Alembic when the vault records SCHEMA_HEAD; a new migration must move it."""
    from alembic.script import ScriptDirectory

    from kapnotes.store import vault as vault_module

    scripts = ScriptDirectory(str(vault_module.MIGRATIONS))
    assert scripts.get_current_head() == vault_module.SCHEMA_HEAD


def test_a_vault_folder_this_user_may_not_open_is_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user's folder (mode 0700): Python's exists() raises there, so it is asked
    first and said plainly (root, running the tests, may open anything: stat is refused
    here as the system would refuse it)."""
    import errno
    import pathlib

    folder = tmp_path / "theirs"
    vault = Vault(folder)
    assert vault.folder_problem() is None  # not made yet: fine, init makes it
    folder.mkdir()
    real_stat = pathlib.Path.stat

    def refused(self: pathlib.Path, **kwargs: Any) -> Any:
        if self.parent == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(pathlib.Path, "stat", refused)
    problem = vault.folder_problem()
    assert problem is not None
    assert f"The vault folder {folder} cannot be opened (permission denied)" in problem
