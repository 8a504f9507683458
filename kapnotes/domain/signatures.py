"""What a note's (and an addendum's) signature covers, by signature version.

A signed note records the SHA-256 of a canonical JSON body
(:func:`kapnotes.domain.canonical.content_hash`). The body is versioned so that
old signatures keep verifying exactly as they were made:

* **version 1** (notes signed before this rule): the note's id, course, phase,
  template id and version, session date, start and end, values, events, the
  signer's id and the signing time;
* **version 2**: all of version 1, plus the **client** the note's course
  belongs to, the note's time zone, the SHA-256 of the template snapshot it was
  written with, and the **signer's identity** as it was at signing (name,
  credential, role), so moving a course to another client, swapping the
  template or renaming the signer changes the hash.

An addendum's body covers the note's id and hash, the text, the author and the
time; version 2 adds the author's identity as at signing.

Both the store (from its rows) and import (from the file) build the same
:class:`NoteContent`, so a file's hash is checked with the very rule that made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from kapnotes.domain.canonical import content_hash

#: The version new signatures are made with.
SIGNATURE_VERSION: Final = 2
LEGACY_VERSION: Final = 1
KNOWN_VERSIONS: Final = (LEGACY_VERSION, SIGNATURE_VERSION)


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signed, as they were at signing: name, credential and role."""

    name: str
    credential: str = ""
    role: str = ""

    @property
    def label(self) -> str:
        """``"Dr Ada Quill, PsyD"``: how a signed note names its signer."""
        return f"{self.name}, {self.credential}".strip(", ")

    def as_json(self) -> dict[str, str]:
        """As stored with the note (and in the interchange file)."""
        return {"name": self.name, "credential": self.credential, "role": self.role}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Signer | None:
        """From what :meth:`as_json` wrote (None stays None)."""
        if raw is None:
            return None
        return cls(
            str(raw.get("name", "")), str(raw.get("credential", "")), str(raw.get("role", ""))
        )


@dataclass(frozen=True, slots=True)
class SignedEvent:
    """One timestamped entry as the signature sees it."""

    id: str
    kind: str
    recorded_at: datetime
    t_offset_s: int | None
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class NoteContent:
    """Everything a note's signature may cover (see the module docstring)."""

    note_id: str
    course_id: str
    client_id: str
    kind: str
    template_id: str
    template_version: int
    snapshot_hash: str | None
    session_date: date
    time_zone: str | None
    started_at: datetime | None
    ended_at: datetime | None
    values: Mapping[str, Any]
    signed_by: str | None
    signed_at: datetime | None
    signer: Signer | None = None
    events: Sequence[SignedEvent] = field(default_factory=tuple)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


class UnknownSignatureVersionError(ValueError):
    """A signature made by a newer kapnotes (a version this one does not know)."""


def note_body(content: NoteContent, version: int) -> dict[str, Any]:
    """The canonical body a note signature of ``version`` covers."""
    if version not in KNOWN_VERSIONS:
        raise UnknownSignatureVersionError(f"signature version {version} is not known here")
    body: dict[str, Any] = {
        "note_id": content.note_id,
        "course_id": content.course_id,
        "kind": content.kind,
        "template": {"id": content.template_id, "version": content.template_version},
        "session_date": content.session_date.isoformat(),
        "started_at": _iso(content.started_at),
        "ended_at": _iso(content.ended_at),
        "values": dict(content.values),
        "events": [
            {
                "id": e.id,
                "kind": e.kind,
                "recorded_at": _iso(e.recorded_at),
                "t_offset_s": e.t_offset_s,
                "data": dict(e.data),
            }
            for e in sorted(content.events, key=lambda e: (e.recorded_at, e.id))
        ],
        "signed_by": content.signed_by,
        "signed_at": _iso(content.signed_at),
    }
    if version >= SIGNATURE_VERSION:
        body |= {
            "signature_version": version,
            "client_id": content.client_id,
            "time_zone": content.time_zone,
            "template_snapshot": content.snapshot_hash,
            "signer": content.signer.as_json() if content.signer is not None else None,
        }
    return body


def note_hash(content: NoteContent, version: int) -> str:
    """The SHA-256 a note signature of ``version`` records."""
    return content_hash(note_body(content, version))


def addendum_hash(
    note_id: str,
    note_hash_: str | None,
    text: str,
    author_id: str,
    created_at: datetime,
    *,
    version: int = LEGACY_VERSION,
    author: Signer | None = None,
) -> str:
    """What an addendum's signature covers: the note's hash, the text, who and when (and, from
    version 2, the author's name, credential and role at signing)."""
    if version not in KNOWN_VERSIONS:
        raise UnknownSignatureVersionError(f"signature version {version} is not known here")
    body: dict[str, Any] = {
        "note_id": note_id,
        "note_hash": note_hash_,
        "text": text,
        "author": author_id,
        "created_at": _iso(created_at),
    }
    if version >= SIGNATURE_VERSION:
        body |= {
            "signature_version": version,
            "author_identity": author.as_json() if author is not None else None,
        }
    return content_hash(body)
