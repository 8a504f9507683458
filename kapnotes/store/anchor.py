"""The audit trail's head, anchored outside the database.

``kapnotes.anchor`` beside the vault holds the sequence number and hash of the
last audit event of every committed write, authenticated with HMAC-SHA256 under
a key derived from the data key (HKDF, :func:`kapnotes.store.keys.derived_key`).
It holds no client data: numbers and hashes only.

Every write transaction records at least one audit event (see
:meth:`kapnotes.store.vault.OpenVault.session`), and the anchor follows it in two
steps around the commit:

1. before COMMIT: ``confirmed`` = the head before this transaction, ``pending`` =
   the head it is about to commit; durable before the COMMIT is;
2. after COMMIT (before the caller is told it is saved): ``confirmed`` = that new
   head, no ``pending``.

So the database's head must be ``confirmed`` or ``pending`` (a crash between the
two steps). Anything else is a finding: events missing after the anchored one
(saved changes lost, e.g. a damaged write-ahead log, or the trail cut off), the
anchored event changed (the trail rewritten), or events beyond the anchor that
kapnotes never anchored (appended behind its back).

The file: two slots
-------------------
The file is two fixed slots of :data:`SLOT_SIZE` bytes (each its own disk page),
each one line of JSON (padded with spaces) carrying a sequence number and the
MAC over it. Writes go *in place*, into one slot, never into both; a reader
takes the valid slot with the highest sequence number, so a write torn by a
power cut (its slot fails the MAC) leaves the other slot, which still accepts
the database as it is:

* a pending anchor is written into the slot that is not the one known durable
  and synced (``fdatasync``, one call) before the COMMIT; it is the durable
  slot from then on;
* a confirmation goes into the other slot without a sync. Should a power cut
  lose or tear it, the durable pending slot accepts the committed head just as
  well; the next pending anchor overwrites it, never the durable slot.

The first write of each :class:`AnchorFile` (each unlock) rewrites the whole
file temp -> fsync -> rename -> folder fsync (:func:`kapnotes.domain.files.atomic_write`),
the other slot blank: from then on which slot is durable is known. That first
write is also what turns a file of the earlier format (version 1: one JSON
document, replaced whole on every write) into two slots; version 1 files are
read as they are until then.

What it cannot see: someone who holds the data key and rewrites the anchor too,
or the database and the anchor both put back to an older copy (see the README's
security model).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kapnotes.domain.files import atomic_write

ANCHOR_NAME = "kapnotes.anchor"
_FORMAT = "kapnotes-anchor"
#: Version 1: one JSON document replaced whole (temp file, fsync, rename) on every write.
_VERSION_WHOLE = 1
#: Version 2: two slots written in place (see the module docstring).
_VERSION = 2
#: Bytes per slot: a disk page each, so writing one never rewrites the other's page.
SLOT_SIZE: Final = 4096
SLOTS: Final = 2
_BLANK = b" " * (SLOT_SIZE - 1) + b"\n"
#: Open for writing in place: never created here (a missing file is rewritten whole),
#: binary on Windows.
_OPEN_FLAGS = os.O_WRONLY | getattr(os, "O_BINARY", 0)


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


def _sequence(raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise ValueError("not a sequence number")
    return raw


def _sync_data(fd: int) -> None:
    """The file's data on the disk (``fdatasync`` where there is one: the size and the
    blocks of a slot written in place do not change)."""
    getattr(os, "fdatasync", os.fsync)(fd)


def _write_at(fd: int, data: bytes, offset: int) -> None:
    if hasattr(os, "pwrite"):
        written = os.pwrite(fd, data, offset)
    else:  # Windows
        os.lseek(fd, offset, os.SEEK_SET)
        written = os.write(fd, data)
    if written != len(data):
        raise OSError(f"short write to the anchor file ({written} of {len(data)} bytes)")


class AnchorFile:
    """Reads and writes ``kapnotes.anchor`` with the key derived for it.

    One instance per open vault: it remembers which slot is durable (see the module
    docstring); only one writer is ever active (the vault's instance lock).
    """

    def __init__(self, folder: Path, key: bytes) -> None:
        self.path = Path(folder) / ANCHOR_NAME
        self._key = key
        #: The slot known to be on the disk and to accept the committed head; None until
        #: this instance has written the file whole.
        self._durable: int | None = None
        self._seq = 0
        #: Whether the last :meth:`read` passed over a slot that is neither blank nor valid.
        self.torn = False

    def exists(self) -> bool:
        """Whether the file is there."""
        return self.path.exists()

    def read(self) -> Anchor:
        """The anchor; AnchorError when it is unreadable or was changed.

        Of the two slots the valid one with the highest sequence number; a slot that is
        blank or fails its MAC (a write a power cut tore) is passed over. A file of the
        earlier format (one JSON document) is read as it is.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise AnchorError("the anchor file kapnotes.anchor is missing") from None
        except OSError:
            raise AnchorError("the anchor file kapnotes.anchor is damaged (unreadable)") from None
        slots = [data[index * SLOT_SIZE : (index + 1) * SLOT_SIZE] for index in range(SLOTS)]
        found = [slot for raw in slots if (slot := self._slot(raw)) is not None]
        self.torn = False
        if found:
            self.torn = len(found) < sum(1 for raw in slots if raw.strip(b" \n"))
            seq, anchor = max(found, key=lambda slot: slot[0])
            self._seq = max(self._seq, seq)
            return anchor
        return self._whole(data)

    def _verified(self, doc: object, version: int) -> dict[str, Any]:
        """The document without its MAC, when it is an anchor of ``version`` whose MAC holds."""
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise AnchorError("kapnotes.anchor is not a kapnotes anchor file")
        import hmac  # (with the first unlock, see _mac)

        mac = doc.pop("mac", None)
        if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(self._key, doc)):
            raise AnchorError(
                "the anchor file kapnotes.anchor does not match its MAC (it was changed, "
                "damaged, or belongs to another vault)"
            )
        if doc.get("version") != version:
            raise AnchorError("the anchor file kapnotes.anchor is damaged")
        return doc

    @staticmethod
    def _anchor(doc: dict[str, Any]) -> Anchor:
        confirmed = _head(doc.get("confirmed"))
        pending = None if doc.get("pending") is None else _head(doc.get("pending"))
        return Anchor(confirmed, pending)

    def _slot(self, raw: bytes) -> tuple[int, Anchor] | None:
        """One slot's sequence number and anchor; None when blank, torn or changed."""
        line = raw.strip(b" \n\x00")
        if not line.startswith(b"{") or b"\n" in line:
            return None
        try:
            doc = self._verified(json.loads(line), _VERSION)
            return _sequence(doc.get("seq")), self._anchor(doc)
        except (AnchorError, ValueError):
            return None

    def _whole(self, data: bytes) -> Anchor:
        """A file of the earlier format (version 1), or an AnchorError naming the damage."""
        try:
            doc = json.loads(data)
        except ValueError:
            raise AnchorError("the anchor file kapnotes.anchor is damaged (unreadable)") from None
        doc = self._verified(doc, _VERSION_WHOLE)
        try:
            return self._anchor(doc)
        except ValueError:
            raise AnchorError("the anchor file kapnotes.anchor is damaged") from None

    def _slot_bytes(self, anchor: Anchor) -> bytes:
        self._seq += 1
        body: dict[str, Any] = {
            "format": _FORMAT,
            "version": _VERSION,
            "seq": self._seq,
            "confirmed": anchor.confirmed.as_json(),
            "pending": anchor.pending.as_json() if anchor.pending is not None else None,
        }
        body["mac"] = _mac(self._key, body)
        line = json.dumps(body, separators=(",", ":")).encode()
        return line + b" " * (SLOT_SIZE - 1 - len(line)) + b"\n"

    def write(self, anchor: Anchor) -> None:
        """Write ``anchor`` into one slot (see the module docstring).

        A pending anchor (written before a commit) is on the disk before this returns;
        a confirmation is left to reach it with the next sync (should a power cut undo
        it, the pending anchor before it accepts the committed head just as well).
        """
        if self._durable is None:
            self._rewrite(anchor)
            return
        slot = 1 - self._durable
        data = self._slot_bytes(anchor)
        try:
            fd = os.open(self.path, _OPEN_FLAGS)
        except FileNotFoundError:
            self._rewrite(anchor)  # removed while open: made again, whole
            return
        try:
            _write_at(fd, data, slot * SLOT_SIZE)
            if anchor.pending is not None:
                _sync_data(fd)
                self._durable = slot
        finally:
            os.close(fd)

    def _rewrite(self, anchor: Anchor) -> None:
        """The whole file, atomically and durably (folder included): this anchor in the
        first slot, the second blank."""
        with contextlib.suppress(AnchorError):
            self.read()  # carry the sequence on
        atomic_write(self.path, self._slot_bytes(anchor) + _BLANK)
        self._durable = 0


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
