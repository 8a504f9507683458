"""Errors raised while loading instrument files and while scoring answers."""

from __future__ import annotations

from pathlib import Path


class InstrumentError(ValueError):
    """An instrument file is unreadable or invalid.

    ``problems`` holds one line per problem, each naming where it is (the item id or
    the JSON path) and what is wrong; the message starts with the file name.
    """

    def __init__(self, source: str | Path, problems: list[str]) -> None:
        self.source = str(source)
        self.problems = list(problems) or ["invalid instrument file"]
        if len(self.problems) == 1:
            message = f"{self.source}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {problem}" for problem in self.problems)
            message = f"{self.source}: {len(self.problems)} problems:\n{lines}"
        super().__init__(message)


class AnswerError(ValueError):
    """Answers given to ``score`` do not fit the instrument (unknown item, bad value)."""
