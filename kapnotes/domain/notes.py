"""A note's lifecycle status and the course phase it belongs to, as closed sets.

Both are stored as their plain string values (``"draft"``, ``"dosing"``…), in
the database, in template files (``"phase"``) and in the interchange format, so
comparing a stored string with a member works and no migration is needed.
"""

from __future__ import annotations

from enum import StrEnum


class NoteStatus(StrEnum):
    """A note is a draft until its clinician signs it; a signed note is read-only."""

    DRAFT = "draft"
    SIGNED = "signed"


class Phase(StrEnum):
    """The three phases of a KAP course; a note (and its template) belongs to one."""

    PREPARATION = "preparation"
    DOSING = "dosing"
    INTEGRATION = "integration"


#: How each phase is named to the clinician.
PHASE_LABELS: dict[Phase, str] = {
    Phase.PREPARATION: "Preparation",
    Phase.DOSING: "Dosing session",
    Phase.INTEGRATION: "Integration",
}
