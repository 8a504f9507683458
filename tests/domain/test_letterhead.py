"""The clinic letterhead: bounds on every field, and a logo refused with a clear message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from kapnotes.domain.letterhead import Letterhead, LogoError, check_logo_file
from kapnotes.domain.session import ClinicSettings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_letterhead_keeps_its_lines_and_reads_back_from_the_settings_file() -> None:
    head = Letterhead(
        clinic_name="  Lakeside Ketamine Clinic ",
        address="12 Example Way\r\nSpringfield, OR 97000\n\n",
        phone="555-0100",
        paper="a4",
    )
    assert head.clinic_name == "Lakeside Ketamine Clinic"
    assert head.address_lines == ("12 Example Way", "Springfield, OR 97000")
    settings = ClinicSettings(letterhead=head)
    assert ClinicSettings.from_json(settings.to_json()).letterhead == head
    assert ClinicSettings().letterhead.is_empty


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"clinic_name": "x" * 121}, "at most 120 characters"),
        ({"clinic_name": "Two\nlines"}, "must be one line"),
        ({"address": "a\nb\nc\nd\ne"}, "at most 4 lines (found 5)"),
        ({"address": "y" * 101}, "line 1 is longer than 100 characters"),
        ({"phone": "5" * 61}, "at most 60 characters"),
        ({"paper": "legal"}, "'letter' or 'a4'"),
        ({"logo_path": "logo.png"}, "give the full path of the picture"),
        ({"logo_path": "/srv/clinic/logo.gif"}, "must be a PNG or JPEG picture"),
    ],
)
def test_bad_letterhead_values_are_refused_naming_the_problem(
    data: dict[str, str], words: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(words)):
        Letterhead.model_validate(data)


def test_a_settings_file_with_a_bad_letterhead_names_the_field() -> None:
    from kapnotes.domain.session import SettingsError

    with pytest.raises(SettingsError, match=r"letterhead\.address"):
        ClinicSettings.from_json('{"letterhead": {"address": "1\\n2\\n3\\n4\\n5"}}')


def test_a_logo_file_is_checked_for_what_it_is(tmp_path: Path) -> None:
    good = tmp_path / "logo.png"
    good.write_bytes(PNG)
    assert check_logo_file(good) == good
    fake = tmp_path / "fake.png"
    fake.write_text("not a picture")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024 + 1))
    folder = tmp_path / "folder.png"
    folder.mkdir()
    cases = {
        tmp_path / "missing.png": "there is no such file",
        fake: "is not a PNG or JPEG picture",
        empty: "the file is empty",
        big: "is too large (at most 5 MB)",
        folder: "is a folder, not a picture",
        tmp_path / "logo.bmp": "must be a PNG or JPEG picture",
    }
    for path, words in cases.items():
        with pytest.raises(LogoError, match=re.escape(words)):
            check_logo_file(path)
