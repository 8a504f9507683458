"""Fold the write-ahead log into the database file on a thread of its own.

With ``journal_mode=WAL`` and ``synchronous=FULL`` a commit is durable once its
frames are in the ``-wal`` file and that file is synced; copying those frames
into ``kapnotes.db`` (a *checkpoint*) is housekeeping. SQLite's automatic
checkpoint runs inside whichever commit crosses 1,000 WAL pages, so about every
fiftieth entry of a live session paid 100–200 ms for it on the UI thread (the
big-vault benchmark's p99). :class:`Checkpointer` runs ``PRAGMA
wal_checkpoint(PASSIVE)`` every few seconds on its own SQLCipher connection
instead: a passive checkpoint never blocks the writer nor waits for readers, so
no save waits for it, and durability is unchanged (the commit still syncs the
WAL). The writer keeps a high automatic threshold (:data:`BACKSTOP_PAGES`) so the
WAL stays bounded should this thread ever stop.

The key reaches the thread's connection in memory only, like the main one's.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Final

log = logging.getLogger(__name__)

#: Seconds between two background checkpoints.
INTERVAL_S: Final = 2.0
#: The writer's own automatic checkpoint threshold, in pages (4 KiB each): a backstop.
BACKSTOP_PAGES: Final = 20_000


class Checkpointer:
    """A daemon thread folding ``db_path``'s WAL into the file every ``interval_s`` seconds.

    ``start()`` opens its connection (keyed with ``data_key``, 32 bytes) and begins;
    ``fold()`` checkpoints once, now, and returns ``(wal_pages, folded_pages)``;
    ``stop()`` ends the thread and closes its connection (idempotent). A failed
    checkpoint is logged (without data) and tried again on the next tick.
    """

    def __init__(self, db_path: Path, data_key: bytes, interval_s: float = INTERVAL_S) -> None:
        self._db_path = db_path
        self._key = data_key
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._mutex = threading.Lock()  # one checkpoint at a time on this connection
        self._conn: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the connection and start the thread."""
        import sqlcipher3

        conn = sqlcipher3.connect(str(self._db_path), isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA key = \"x'{self._key.hex()}'\"")
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA busy_timeout = 0")
        self._conn = conn
        self._thread = threading.Thread(target=self._run, name="kapnotes-wal-fold", daemon=True)
        self._thread.start()

    def fold(self) -> tuple[int, int]:
        """Checkpoint now (passive): the WAL's pages and how many of them are in the file."""
        with self._mutex:
            if self._conn is None:
                return (0, 0)
            _busy, wal_pages, folded = self._conn.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
        return int(wal_pages), int(folded)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self.fold()
            except Exception as exc:  # housekeeping must never end the app
                log.warning("background WAL checkpoint failed: %s", type(exc).__name__)

    def stop(self) -> None:
        """Stop the thread and close its connection."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
