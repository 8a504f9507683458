"""The user guide behind F1 is the README's user sections, word for word."""

from __future__ import annotations

from pathlib import Path

import pytest

from kapnotes.domain.guide import GUIDE_SECTIONS, GuideError, guide_from_readme, load_guide

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_guide_matches_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert load_guide() == guide_from_readme(readme), (
        "resources/help/guide.md is behind the README: run "
        "`.venv/bin/python -m kapnotes.domain.guide` and commit the file"
    )


def test_the_guide_holds_the_user_sections_and_no_developer_ones() -> None:
    guide = load_guide()
    for title in GUIDE_SECTIONS:
        assert f"## {title}\n" in guide
    for title in ("Command line", "Security model", "Design", "The interchange format"):
        assert f"## {title}\n" not in guide
    assert "](docs/" not in guide  # links into the source tree are plain words in the app


def test_a_readme_without_a_guide_section_is_named() -> None:
    with pytest.raises(GuideError, match="'## Try it with fictional data'"):
        guide_from_readme("## First run\n\ntext\n")


def test_screenshots_are_left_out_of_the_guide_with_a_table_that_only_held_them() -> None:
    readme = "\n".join(
        f"## {title}\n\ntext of {title}\n\n| before | after |\n|---|---|\n"
        f"| ![A shot](docs/images/a.png) | ![B shot](docs/images/b.png) |\n\n"
        f"![The preview](docs/images/p.png)\n\n| key | does |\n|---|---|\n| F1 | help |\n"
        for title in GUIDE_SECTIONS
    )
    guide = guide_from_readme(readme)
    assert "shot" not in guide and "The preview" not in guide and "| before |" not in guide
    assert "| key | does |\n|---|---|\n| F1 | help |" in guide  # a table of words stays
    assert "text of Printing and PDF" in guide
