"""The error raised when a template file is unreadable or invalid."""

from __future__ import annotations

from pathlib import Path


class TemplateError(ValueError):
    """A template file is unreadable or invalid.

    ``problems`` holds one line per problem, each naming where it is (``field 'x'``,
    ``section 'y'`` or a JSON path) and what is wrong; the message starts with the
    file name, e.g. ``preparation.json: field 'readiness': scale needs anchors``.
    """

    def __init__(self, source: str | Path, problems: list[str]) -> None:
        self.source = str(source)
        self.problems = list(problems) or ["invalid template file"]
        if len(self.problems) == 1:
            message = f"{self.source}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {self.source}: {problem}" for problem in self.problems)
            message = f"{self.source}: {len(self.problems)} problems:\n{lines}"
        super().__init__(message)
