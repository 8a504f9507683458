"""Narrative layouts (SOAP, DAP, BIRP): the headings a clinic writes its prose under.

The layout is a clinic setting, not template data: a template only marks which
sections are narrative (``"narrative": true``) and the note shows that section's
headings for the clinic's layout. Each heading becomes a long-text sub-field whose
id is ``<section id>_<heading key>``, e.g. ``narrative_subjective``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class NarrativeLayout(StrEnum):
    """The note formats a clinic may prefer for its narrative sections."""

    SOAP = "soap"
    DAP = "dap"
    BIRP = "birp"


@dataclass(frozen=True, slots=True)
class NarrativeHeading:
    """One heading of a narrative layout: a stable key, its title and a hint."""

    key: str
    title: str
    help: str


_S = NarrativeHeading("subjective", "Subjective", "What the client reports, in their words.")
_O = NarrativeHeading("objective", "Objective", "What the clinician observed and measured.")
_D = NarrativeHeading("data", "Data", "What the client reported and what was observed.")
_A = NarrativeHeading("assessment", "Assessment", "The clinician's understanding of the above.")
_P = NarrativeHeading("plan", "Plan", "Next steps, homework, referrals, next session.")
_B = NarrativeHeading("behavior", "Behavior", "The client's presentation and what they reported.")
_I = NarrativeHeading("intervention", "Intervention", "What the clinician did in the session.")
_R = NarrativeHeading("response", "Response", "How the client responded to the interventions.")

LAYOUT_HEADINGS: dict[NarrativeLayout, tuple[NarrativeHeading, ...]] = {
    NarrativeLayout.SOAP: (_S, _O, _A, _P),
    NarrativeLayout.DAP: (_D, _A, _P),
    NarrativeLayout.BIRP: (_B, _I, _R, _P),
}


#: The value key under which a note records the layout it was started with.
LAYOUT_KEY = "_narrative_layout"


def recorded_layout(values: Mapping[str, Any]) -> NarrativeLayout | None:
    """The layout a note's values record under LAYOUT_KEY (None when none or unknown)."""
    stored = values.get(LAYOUT_KEY)
    return NarrativeLayout(stored) if stored in set(NarrativeLayout) else None


def layout_headings(layout: NarrativeLayout) -> tuple[NarrativeHeading, ...]:
    """The headings of ``layout`` in the order they are written."""
    return LAYOUT_HEADINGS[NarrativeLayout(layout)]


def narrative_field_id(section_id: str, heading_key: str) -> str:
    """The value key of one narrative heading inside a section."""
    return f"{section_id}_{heading_key}"


def all_narrative_field_ids(section_id: str) -> set[str]:
    """Every sub-field id a narrative section can produce, over all layouts."""
    return {
        narrative_field_id(section_id, heading.key)
        for headings in LAYOUT_HEADINGS.values()
        for heading in headings
    }
