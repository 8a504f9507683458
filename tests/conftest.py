"""Shared fixtures: headless Qt, cheap key derivation, a fresh vault per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kapnotes.store.keys import KdfParams
from kapnotes.store.vault import OpenVault, Vault

# Argon2id at production cost makes every unlock slow; tests hand the vault a
# cheaper parameter object explicitly (never via the environment).
FAST_KDF = KdfParams(time_cost=1, memory_kib=8192, parallelism=1)
PASSPHRASE = "fictional passphrase 42"


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
