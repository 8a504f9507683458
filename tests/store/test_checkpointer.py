"""Saved work reaches the database file in the background: no save pays for the fold."""

from __future__ import annotations

import threading

from kapnotes.domain.clients import ClientInput
from kapnotes.store.clients import ClientStore
from kapnotes.store.vault import OpenVault, Vault
from tests.conftest import PASSPHRASE


def _wal_frames(open_vault: OpenVault) -> int:
    with open_vault.engine.connect() as conn:
        # PASSIVE on the writer's own connection reports the WAL's size without waiting.
        return int(conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()[1])


def test_saved_clients_are_folded_into_the_file_by_the_background_thread(
    open_vault: OpenVault, vault: Vault
) -> None:
    assert open_vault.checkpointer is not None
    clients = ClientStore(open_vault)
    ids = [clients.create(ClientInput(name=f"Fictional Person {i}")) for i in range(30)]
    wal_pages, folded = open_vault.checkpointer.fold()
    assert wal_pages > 0 and folded == wal_pages  # every committed page is in kapnotes.db
    open_vault.close()
    again = vault.unlock(PASSPHRASE)
    try:
        assert {c.id for c in ClientStore(again).search("fictional")} == set(ids)
    finally:
        again.close()


def test_locking_stops_the_thread_and_truncates_the_log(
    open_vault: OpenVault, vault: Vault
) -> None:
    ClientStore(open_vault).create(ClientInput(name="Fictional Person"))
    assert _wal_frames(open_vault) > 0
    checkpointer = open_vault.checkpointer
    assert checkpointer is not None
    thread = next(t for t in threading.enumerate() if t is checkpointer._thread)
    assert thread.is_alive()
    open_vault.close()
    assert not thread.is_alive()
    wal = vault.db_path.with_name(vault.db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
