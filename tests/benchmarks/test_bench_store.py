"""Benchmarks (run by `make bench`, not by `make test`): unlock cost and client search.

They print figures; they do not assert on time.
"""

from __future__ import annotations

import time
from pathlib import Path

from kapnotes.domain.clients import ClientInput
from kapnotes.store.clients import ClientStore
from kapnotes.store.models import Client
from kapnotes.store.vault import Vault

PASSPHRASE = "benchmark passphrase"


def _report(label: str, seconds: float) -> None:
    print(f"{label:<48} {seconds * 1000:9.1f} ms")


def test_unlock_at_production_cost(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    start = time.perf_counter()
    vault.create("Dr Bench Mark", "PsyD", PASSPHRASE).vault.close()
    _report("create vault (Argon2id 64 MiB, t=3)", time.perf_counter() - start)
    start = time.perf_counter()
    vault.unlock(PASSPHRASE).close()
    _report("unlock vault (Argon2id 64 MiB, t=3)", time.perf_counter() - start)


def test_search_among_five_thousand_clients(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "v")
    opened = vault.create("Dr Bench Mark", "PsyD", PASSPHRASE).vault
    with opened.session() as session:
        session.add_all(Client(name=f"Fictional Person {i:05d}") for i in range(5000))
    store = ClientStore(opened)
    ClientStore(opened).create(ClientInput(name="Wren Benchmarkova"))
    start = time.perf_counter()
    hits = store.search("benchmarkova")
    _report("search 5001 clients for one word", time.perf_counter() - start)
    start = time.perf_counter()
    everyone = store.search("")
    _report(f"list first {len(everyone)} clients", time.perf_counter() - start)
    assert [h.name for h in hits] == ["Wren Benchmarkova"]
    opened.close()
