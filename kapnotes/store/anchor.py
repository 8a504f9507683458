"""The audit trail's head, anchored outside the database.

``kapnotes.anchor`` beside the vault holds the sequence number and hash of the
last audit event of every committed write, authenticated with HMAC-SHA256 under
a key derived from the data key (HKDF, :func:`kapnotes.store.keys.derived_key`).
It holds no client data: numbers and hashes only.

Every write transaction records at least one audit event (see
:meth:`kapnotes.store.vault.OpenVault.session`), and the anchor follows it in two
steps around the commit:

1. before COMMIT: ``confirmed`` = the head before this transaction, ``pending`` =
   the head it is about to commit;
2. after COMMIT (before the caller is told it is saved): ``confirmed`` = that new
   head, no ``pending``.

So the database's head must be ``confirmed`` or ``pending`` (a crash between the
two steps). Anything else is a finding: events missing after the anchored one
(saved changes lost, e.g. a damaged write-ahead log, or the trail cut off), the
anchored event changed (the trail rewritten), or events beyond the anchor that
kapnotes never anchored (appended behind its back). Each file is written
temp -> fsync -> rename (:func:`kapnotes.domain.files.atomic_write`).

What it cannot see: someone who holds the data key and rewrites the anchor too,
or the database and the anchor both put back to an older copy (see the README's
security model).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kapnotes.domain.files import atomic_write

ANCHOR_NAME = "kapnotes.anchor"
_FORMAT = "kapnotes-anchor"
_VERSION = 1


@dataclass(frozen=True)
class Head:
    """An audit event by its place in the chain: sequence number and hash."""

    seq: int
    hash: str

    def as_json(self) -> dict[str, Any]:
        """For the anchor file."""
        return {"seq": self.seq, "hash": self.hash}


#: The head of an empty chain.
NO_EVENTS = Head(0, "0" * 64)


@dataclass(frozen=True)
class Anchor:
    """What the anchor file says: the confirmed head and, mid-commit, the pending one."""

    confirmed: Head
    pending: Head | None = None


class AnchorError(Exception):
    """The anchor file is unreadable, or its MAC does not hold (changed or damaged)."""


def _mac(key: bytes, body: dict[str, Any]) -> str:
    # Loaded with the first unlock: the lock screen needs none of OpenSSL's hashes.
    import hashlib
    import hmac

    from kapnotes.domain.canonical import canonical_json

    return hmac.new(key, canonical_json(body), hashlib.sha256).hexdigest()


def _head(raw: object) -> Head:
    if not isinstance(raw, dict):
        raise ValueError("not a head")
    seq, digest = raw.get("seq"), raw.get("hash")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(digest, str):
        raise ValueError("not a head")
    return Head(seq, digest)


class AnchorFile:
    """Reads and writes ``kapnotes.anchor`` with the key derived for it."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.path = Path(folder) / ANCHOR_NAME
        self._key = key

    def exists(self) -> bool:
        """Whether the file is there."""
        return self.path.exists()

    def read(self) -> Anchor:
        """The anchor; AnchorError when it is unreadable or was changed."""
        import hmac  # (with the first unlock, see _mac)

        try:
            doc = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            raise AnchorError("the anchor file kapnotes.anchor is missing") from None
        except (OSError, ValueError):
            raise AnchorError("the anchor file kapnotes.anchor is damaged (unreadable)") from None
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise AnchorError("kapnotes.anchor is not a kapnotes anchor file")
        mac = doc.pop("mac", None)
        if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(self._key, doc)):
            raise AnchorError(
                "the anchor file kapnotes.anchor does not match its MAC (it was changed, "
                "damaged, or belongs to another vault)"
            )
        try:
            confirmed = _head(doc.get("confirmed"))
            pending = None if doc.get("pending") is None else _head(doc.get("pending"))
        except ValueError:
            raise AnchorError("the anchor file kapnotes.anchor is damaged") from None
        return Anchor(confirmed, pending)

    def write(self, anchor: Anchor) -> None:
        """Replace the file atomically.

        A pending anchor (written before a commit) is durable, folder included, before
        this returns. A confirmation's rename is left to the folder's next sync: should
        a power cut undo it, the pending anchor before it is back, and it accepts the
        committed head just as well (one fsync less on every save).
        """
        body: dict[str, Any] = {
            "format": _FORMAT,
            "version": _VERSION,
            "confirmed": anchor.confirmed.as_json(),
            "pending": anchor.pending.as_json() if anchor.pending is not None else None,
        }
        body["mac"] = _mac(self._key, body)
        atomic_write(
            self.path, json.dumps(body, indent=1).encode(), sync_folder=anchor.pending is not None
        )


def compare(anchor: Anchor, head: Head, hash_at: dict[int, str]) -> list[str]:
    """What is wrong with the database's audit ``head`` given the ``anchor``.

    ``hash_at`` maps the anchored sequence numbers (confirmed, pending) to the hash
    the database holds for them (absent: no such event). Empty when the head is the
    confirmed or the pending one.
    """
    allowed = [anchor.confirmed, *([anchor.pending] if anchor.pending else [])]
    if head in allowed:
        return []
    mark = anchor.confirmed
    if head.seq < mark.seq:
        missing = mark.seq - head.seq
        return [
            f"saved changes are missing: the audit trail ends at event {head.seq}, but event "
            f"{mark.seq} was saved ({missing} event{'s' if missing != 1 else ''} gone; the "
            "write-ahead log kapnotes.db-wal may be damaged, or the trail was cut off)"
        ]
    held = hash_at.get(mark.seq)
    if held != mark.hash:
        return [
            f"audit event {mark.seq} is not the one that was saved: the audit trail was rewritten"
        ]
    extra = head.seq - mark.seq
    return [
        f"{extra} audit event{'s' if extra != 1 else ''} after event {mark.seq} "
        f"({mark.seq + 1}-{head.seq}) {'were' if extra != 1 else 'was'} added outside kapnotes"
    ]
