"""The discharge gate: the clinic's checklist must be complete, or overridden with a reason.

Item ids (``value``) are those of the dosing template's ``discharge_criteria``
checklist, so the ticked values of the note are passed straight in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from kapnotes.domain.session.settings import ChecklistItem


@dataclass(frozen=True, slots=True)
class DischargeDecision:
    """Whether discharge may be recorded.

    ``unticked`` lists the items still open; ``override_reason`` keeps the
    clinician's reason (stripped) whenever one was given; ``overridden`` is true
    when the reason is what allowed discharge.
    """

    allowed: bool
    unticked: tuple[ChecklistItem, ...]
    override_reason: str | None
    message: str

    @property
    def overridden(self) -> bool:
        """Whether discharge was allowed only thanks to the override reason."""
        return self.allowed and bool(self.unticked)


def discharge_check(
    checked_items: Collection[str],
    checklist: Sequence[ChecklistItem],
    override_reason: str | None = None,
) -> DischargeDecision:
    """Refuse discharge while an item is unticked, unless a (non-blank) reason is given."""
    reason = override_reason.strip() if override_reason else ""
    kept = reason or None
    ticked = set(checked_items)
    unticked = tuple(item for item in checklist if item.value not in ticked)
    if not unticked:
        return DischargeDecision(True, (), kept, "All discharge criteria are met")
    names = "; ".join(item.label for item in unticked)
    if kept is None:
        return DischargeDecision(
            False,
            unticked,
            None,
            f"Discharge criteria not met: {names}. Tick them, or override with a reason",
        )
    return DischargeDecision(
        True, unticked, kept, f"Discharge overridden ({names} not met): {kept}"
    )
