"""The application layer, Qt-free: a live session's record and rules, the editor's drafts,
and measure sync, all on one session timeline.

It sits between ``ui`` and ``store`` (``ui -> session -> store -> domain``,
checked by import-linter): the widgets call it and only show its typed results
(:class:`Logged`, :class:`NeedsReason`, :class:`Refused`).

The exports load when first used: the lock screen imports ``session.printing``
(what a report is) and must not pull in the live session, SQLAlchemy or pydantic
with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kapnotes.lazy import lazy_exports

if TYPE_CHECKING:
    from kapnotes.session.drafts import NoteDraft, Saved
    from kapnotes.session.live import (
        MG,
        MG_PER_KG,
        VITALS_ORDER,
        DoseRequest,
        LiveSession,
        PresenceRequest,
    )
    from kapnotes.session.measures import sync_note_measures
    from kapnotes.session.record import SessionClient, SessionRecord, alert_key
    from kapnotes.session.results import Logged, NeedsReason, Outcome, Refused

_EXPORTS: dict[str, str] = {
    "NoteDraft": "kapnotes.session.drafts",
    "Saved": "kapnotes.session.drafts",
    "MG": "kapnotes.session.live",
    "MG_PER_KG": "kapnotes.session.live",
    "VITALS_ORDER": "kapnotes.session.live",
    "DoseRequest": "kapnotes.session.live",
    "LiveSession": "kapnotes.session.live",
    "PresenceRequest": "kapnotes.session.live",
    "sync_note_measures": "kapnotes.session.measures",
    "SessionClient": "kapnotes.session.record",
    "SessionRecord": "kapnotes.session.record",
    "alert_key": "kapnotes.session.record",
    "Logged": "kapnotes.session.results",
    "NeedsReason": "kapnotes.session.results",
    "Outcome": "kapnotes.session.results",
    "Refused": "kapnotes.session.results",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "MG",
    "MG_PER_KG",
    "VITALS_ORDER",
    "DoseRequest",
    "LiveSession",
    "Logged",
    "NeedsReason",
    "NoteDraft",
    "Outcome",
    "PresenceRequest",
    "Refused",
    "Saved",
    "SessionClient",
    "SessionRecord",
    "alert_key",
    "sync_note_measures",
]
