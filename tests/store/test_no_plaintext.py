"""No client name may reach the disk in plaintext: database, WAL, SHM or key file."""

from __future__ import annotations

from pathlib import Path

from kapnotes.domain.clients import ClientInput
from kapnotes.store.clients import ClientStore
from kapnotes.store.vault import Vault
from tests.conftest import PASSPHRASE

CANARY = "Quentavious Canarywhistle"


def _files_containing(folder: Path, needle: str) -> list[str]:
    variants = [needle.encode("utf-8"), needle.encode("utf-16-le"), needle.lower().encode()]
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(v in data for v in variants):
                hits.append(path.name)
    return hits


def test_canary_never_in_plaintext_while_open_and_after_close(vault: Vault) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    store = ClientStore(created.vault)
    client_id = store.create(ClientInput(name=CANARY, allergies=f"{CANARY} is allergic to nothing"))
    store.update(client_id, ClientInput(name=CANARY, weight_kg=71))
    assert store.search("Canarywhistle")  # the data really is there

    names = sorted(p.name for p in vault.data_dir.iterdir() if p.is_file())
    assert "kapnotes.db-wal" in names  # the WAL is written while open, and checked too
    assert _files_containing(vault.data_dir, CANARY) == []

    created.vault.close()
    assert _files_containing(vault.data_dir, CANARY) == []

    with vault.unlock(PASSPHRASE) as reopened:
        assert ClientStore(reopened).get(client_id).data.name == CANARY
        assert _files_containing(vault.data_dir, CANARY) == []
