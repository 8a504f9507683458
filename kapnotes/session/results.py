"""What a session action answers: logged, needs a reason first, or refused (and why).

The widgets only show these; every rule that decides between them lives in the
session layer (or, as a pure rule, in the domain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Logged:
    """Written and durable. ``message`` confirms what was written; ``warnings`` ask to check."""

    message: str = ""
    warnings: tuple[str, ...] = ()
    entry: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class NeedsReason:
    """Nothing written: the action goes ahead only with a reason (an override), kept with it."""

    message: str


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing written. ``reason`` says why; ``field`` names the input at fault, if one is."""

    reason: str
    field: str | None = None


Outcome = Logged | NeedsReason | Refused
