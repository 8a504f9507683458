"""A child process for the kill -9 test: unlock a vault, then save entries until killed.

``python -m tests.faults.saver DATA_DIR NOTE_ID ROUND`` prints ``ACK <id>`` for
each entry (and each new client) once the store call that saved it has
returned, i.e. once kapnotes told its caller it is saved. The parent kills the
process with SIGKILL at a random moment and checks that every acknowledged id is
in the vault.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from kapnotes.domain.clients import ClientInput
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE


def main(argv: list[str]) -> int:
    """Save until killed (or after 10,000 saves)."""
    data_dir, note_id, round_no = Path(argv[0]), argv[1], int(argv[2])
    opened = Vault(data_dir, kdf=FAST_KDF).unlock(PASSPHRASE)
    notes, clients = NoteStore(opened), ClientStore(opened)
    print("READY", flush=True)
    for n in range(10_000):
        if n % 7 == 3:
            client_id = clients.create(ClientInput(name=f"Fictional Client {round_no}-{n}"))
            print(f"ACK client {client_id}", flush=True)
            continue
        event_id = notes.add_event(
            note_id,
            "observation_log",
            {"text": f"fictional observation {round_no}-{n} " * 8},
            datetime.now(UTC),
        )
        print(f"ACK entry {event_id}", flush=True)
    opened.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
