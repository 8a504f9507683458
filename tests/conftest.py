"""Shared fixtures: headless Qt, cheap key derivation, a fresh vault per test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kapnotes.store.keys import KdfParams
from kapnotes.store.vault import OpenVault, Vault

# Argon2id at production cost makes every unlock slow; tests hand the vault a
# cheaper parameter object explicitly (never via the environment).
FAST_KDF = KdfParams(time_cost=1, memory_kib=8192, parallelism=1)
PASSPHRASE = "fictional passphrase 42"


def as_stored(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters for raw SQL with every id as the vault stores it (16 bytes, migration
    0012); other values as they are."""
    from kapnotes.store.models import stored_id

    return {k: stored_id(v) if isinstance(v, str) else v for k, v in params.items()}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder."""
    return tmp_path / "vault"


@pytest.fixture
def vault(data_dir: Path) -> Vault:
    """A vault object over the empty data folder, with fast key derivation."""
    return Vault(data_dir, kdf=FAST_KDF)


@pytest.fixture
def open_vault(vault: Vault) -> Iterator[OpenVault]:
    """A freshly created, unlocked vault (same init code the app uses)."""
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    yield created.vault
    created.vault.close()


@pytest.fixture
def refuse_lock_file(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make the vault folder's lock file impossible to open from then on, as
    on a read-only disk or a folder that is not this user's (permission denied)."""
    import errno

    from kapnotes.store import instance_lock

    real_open = instance_lock.os.open

    def refuse(path: Any, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(instance_lock.LOCK_NAME):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    return lambda: monkeypatch.setattr(instance_lock.os, "open", refuse)
