"""Child process for the kill test: unlock, say "ready", change the passphrase, say "done".

``python -m tests.store.passphrase_child DATA_DIR OLD NEW`` (fast test key derivation).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kapnotes.store.clinicians import Clinicians
from kapnotes.store.vault import Vault
from tests.conftest import FAST_KDF


def main() -> None:
    """Run one passphrase change."""
    folder, old, new = sys.argv[1:4]
    opened = Vault(Path(folder), FAST_KDF).unlock(old)
    print("ready", flush=True)
    Clinicians(opened).change_passphrase(new)
    print("done", flush=True)
    opened.close()


if __name__ == "__main__":
    main()
