"""No colour is written in Python: every one lives in resources/themes/palettes.json.

The scan reads the string literals of every module under kapnotes/ (comments are
not code) and fails naming each file, line and literal it finds.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# #rgb, #rrggbb, #aarrggbb; not an HTML entity (&#123;) nor the start of a longer word.
HEX_COLOUR = re.compile(r"(?<![&\w])#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?!\w)")


def hex_colours(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every hex colour inside a string literal of ``source``."""
    found: list[tuple[int, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING:
            continue
        for match in HEX_COLOUR.finditer(token.string):
            line = token.start[0] + token.string.count("\n", 0, match.start())
            found.append((line, match.group()))
    return found


def test_the_scan_finds_colours_in_strings_only() -> None:
    source = (
        'a = "#fff"\n'
        "b = f'''x\n{a} #80C0392B'''  # #123456 in a comment\n"
        'c = "#sessionView QLabel { color: @text@; }"\n'
        'd = "&#128; #12345 issue #8"\n'
        'e = QColor("#2f7573")\n'
    )
    assert hex_colours(source) == [(1, "#fff"), (3, "#80C0392B"), (6, "#2f7573")]


def test_no_python_module_writes_a_hex_colour() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {literal}"
        for path in sorted((REPO / "kapnotes").rglob("*.py"))
        for line, literal in hex_colours(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "colours belong in resources/themes/palettes.json:\n" + "\n".join(
        offenders
    )
