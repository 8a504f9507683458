"""What a template's ``$namespace.key`` references can read, defined once.

A note is computed, shown and signed with a context of two namespaces:

* ``$client.…`` — the note's client: the names in
  :data:`kapnotes.domain.clients.TEMPLATE_CLIENT_FIELDS`;
* ``$linked.…`` — the note chosen in the template's ``note_link`` field:
  :data:`LINKED_NOTE_FIELDS`.

Whoever builds a context builds it with :func:`template_context` and the two
value functions, and template files are checked against :data:`CONTEXT_FIELDS`
when they are loaded, so what a template may read and what it is given cannot
drift apart. Nothing here runs code from a template: references are names looked
up in plain mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kapnotes.domain.clients import TEMPLATE_CLIENT_FIELDS

#: What a template may read about the linked note, as ``$linked.<name>``.
LINKED_NOTE_FIELDS: tuple[str, ...] = ("id", "session_date", "kind")

#: Each namespace a note's context fills in, with the names it holds.
CONTEXT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "client": TEMPLATE_CLIENT_FIELDS,
    "linked": LINKED_NOTE_FIELDS,
}

#: How messages name the keys of each namespace ("client fields are: …").
CONTEXT_FIELD_NAMES: Mapping[str, str] = {
    "client": "client fields",
    "linked": "linked note fields",
}


def linked_note_values(note_id: str, session_date: date, kind: str) -> dict[str, Any]:
    """What a template reads as ``$linked.…``: each of LINKED_NOTE_FIELDS, JSON-ready."""
    row: dict[str, Any] = {"id": note_id, "session_date": session_date.isoformat(), "kind": kind}
    return {name: str(row[name]) for name in LINKED_NOTE_FIELDS}


def template_context(
    client: Mapping[str, Any] | None = None, linked: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The context a note is evaluated with: only the namespaces that have values."""
    context: dict[str, Any] = {}
    if client is not None:
        context["client"] = dict(client)
    if linked is not None:
        context["linked"] = dict(linked)
    return context


def context_reference_problem(ref: str, *, has_note_link: bool) -> str | None:
    """None when the ``$…`` reference ``ref`` names something a note's context holds.

    Otherwise what is wrong, worded to follow "computed " or "show_if ", e.g.
    ``reads $client.weight, which does not exist; client fields are: name, …``.
    """
    namespace, _, key = ref.removeprefix("$").partition(".")
    known = CONTEXT_FIELDS.get(namespace)
    if known is None:
        offered = ", ".join(f"${name}.…" for name in CONTEXT_FIELDS)
        return f"reads {ref}, which the app does not provide; templates can read {offered}"
    if key not in known:
        return (
            f"reads {ref}, which does not exist; "
            f"{CONTEXT_FIELD_NAMES[namespace]} are: {', '.join(known)}"
        )
    if namespace == "linked" and not has_note_link:
        return f"reads {ref}, but the template has no note_link field to choose that note"
    return None
