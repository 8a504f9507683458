"""The short user guide shown by Help (F1): the README's sections for users, as shipped text.

The README is where the guide is written; the app cannot read it (a wheel or a
bundle has no source tree), so :data:`GUIDE_FILE` under ``resources/help`` holds
the sections named in :data:`GUIDE_SECTIONS`, taken from the README by
:func:`guide_from_readme`. A test fails when the two drift apart; to bring the
file up to date after editing the README, run::

    .venv/bin/python -m kapnotes.domain.guide
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Final

from kapnotes.domain.assets import get_asset

#: The README sections (``## …`` headings, with their ``###`` subsections) in the guide.
GUIDE_SECTIONS: Final[tuple[str, ...]] = (
    "First run",
    "Try it with fictional data",
    "Writing notes",
    "Running a dosing session live",
    "Outcome measures",
    "Printing and PDF",
)
#: Where the guide ships, under the package resources.
GUIDE_FILE: Final[tuple[str, ...]] = ("help", "guide.md")

_HEADING = re.compile(r"^## (?P<title>.+?)\s*$", re.MULTILINE)
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")
_HEADER = (
    "<!-- Generated from the README by `python -m kapnotes.domain.guide`; "
    "edit the README, not this file. -->\n\n"
)


class GuideError(ValueError):
    """The README lacks a section the guide needs (the message names it)."""


def readme_sections(readme: str) -> dict[str, str]:
    """The README's ``## `` sections by title, each with its heading and text."""
    found = list(_HEADING.finditer(readme))
    sections: dict[str, str] = {}
    for position, match in enumerate(found):
        end = found[position + 1].start() if position + 1 < len(found) else len(readme)
        sections[match["title"]] = readme[match.start() : end].strip() + "\n"
    return sections


def _plain_links(text: str) -> str:
    """Links to files of the source tree mean nothing in the app: keep their words only."""

    def keep(match: re.Match[str]) -> str:
        target = match["target"]
        return match[0] if target.startswith(("http://", "https://")) else match["text"]

    return _LINK.sub(keep, text)


def _without_pictures(text: str) -> str:
    """Screenshots live in the source tree, not in the app: drop the lines that show
    them, and a table left with only its header."""
    lines = [line for line in text.splitlines() if "![" not in line]
    kept: list[str] = []
    for index, line in enumerate(lines):
        is_row = line.startswith("|")
        header = is_row and index + 1 < len(lines) and set(lines[index + 1]) <= set("|-: ")
        separator = is_row and set(line) <= set("|-: ")
        following = lines[index + 2] if header and index + 2 < len(lines) else ""
        if (header and not following.startswith("|")) or (
            separator and not (index + 1 < len(lines) and lines[index + 1].startswith("|"))
        ):
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def guide_from_readme(readme: str) -> str:
    """The guide text: the :data:`GUIDE_SECTIONS` of ``readme``, in that order.

    Raises :class:`GuideError` naming a section the README does not have.
    """
    sections = readme_sections(readme)
    missing = [title for title in GUIDE_SECTIONS if title not in sections]
    if missing:
        raise GuideError(f"README.md has no section '## {missing[0]}' for the user guide")
    return _HEADER + "\n".join(
        _plain_links(_without_pictures(sections[title])) for title in GUIDE_SECTIONS
    )


def load_guide() -> str:
    """The shipped guide (Markdown)."""
    return get_asset(*GUIDE_FILE).read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Write ``resources/help/guide.md`` from ``README.md`` (paths relative to the checkout)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path.cwd()
    text = guide_from_readme((root / "README.md").read_text(encoding="utf-8"))
    target = root / "resources" / Path(*GUIDE_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
