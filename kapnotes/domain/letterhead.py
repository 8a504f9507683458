"""The clinic's letterhead on printed reports: name, address, phone, an optional logo, paper.

Part of the clinic settings (``ClinicSettings.letterhead``), edited in the app
under Settings → Clinic letterhead… A logo is a PNG or JPEG file named by its
path. The model checks the path's shape (an absolute path to a ``.png``,
``.jpg`` or ``.jpeg``); :func:`check_logo_file` checks the file itself (there,
readable, a real PNG or JPEG, not too large) and is what the dialog runs before
saving. Loading the settings does not look at the file: a logo moved away must
not throw away the clinic's alert thresholds with the rest of the file; the
report then prints without it and says why.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The file types a logo may be, by suffix.
LOGO_SUFFIXES: Final = (".png", ".jpg", ".jpeg")
#: The largest logo file accepted (a letterhead logo is a small picture).
MAX_LOGO_BYTES: Final = 5 * 1024 * 1024
MAX_ADDRESS_LINES: Final = 4
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC: Final = b"\xff\xd8\xff"


class LogoError(ValueError):
    """A logo file cannot be used; the message names the file and the reason."""


class Letterhead(BaseModel):
    """What the top of a report's first page shows, and the paper it is laid out for.

    ``address`` holds up to four lines (``\\n`` between them); ``logo_path`` is
    an absolute path to a PNG or JPEG, or None; ``paper`` is ``letter`` (US) or ``a4``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    clinic_name: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=400)
    phone: str = Field(default="", max_length=60)
    logo_path: str | None = Field(default=None, max_length=1024)
    paper: Literal["letter", "a4"] = "letter"

    @field_validator("clinic_name", "phone")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("must be one line")
        return value.strip()

    @field_validator("address")
    @classmethod
    def _address_lines(cls, value: str) -> str:
        lines = [line.strip() for line in value.replace("\r\n", "\n").split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        if len(lines) > MAX_ADDRESS_LINES:
            raise ValueError(f"at most {MAX_ADDRESS_LINES} lines (found {len(lines)})")
        for number, line in enumerate(lines, start=1):
            if len(line) > 100:
                raise ValueError(f"line {number} is longer than 100 characters")
        return "\n".join(lines)

    @field_validator("logo_path")
    @classmethod
    def _logo_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        text = value.strip()
        posix, windows = PurePosixPath(text), PureWindowsPath(text)
        if not (posix.is_absolute() or windows.is_absolute()):
            raise ValueError(f"logo {text}: give the full path of the picture")
        path = windows if "\\" in text else posix
        if path.suffix.lower() not in LOGO_SUFFIXES:
            raise ValueError(f"logo {path.name}: must be a PNG or JPEG picture (.png, .jpg)")
        return text

    @property
    def address_lines(self) -> tuple[str, ...]:
        """The address, line by line (empty lines kept out)."""
        return tuple(line for line in self.address.split("\n") if line.strip())

    @property
    def is_empty(self) -> bool:
        """Whether nothing is set to print (no name, address, phone or logo)."""
        return not (self.clinic_name or self.address or self.phone or self.logo_path)


def check_logo_file(path: str | Path) -> Path:
    """The logo file, checked: it exists, is a file, at most 5 MB, and is a PNG or a JPEG
    (by its first bytes, not only its name). Raises :class:`LogoError` saying what is wrong."""
    file = Path(path)
    name = file.name or str(path)
    if file.suffix.lower() not in LOGO_SUFFIXES:
        raise LogoError(f"Logo {name}: must be a PNG or JPEG picture (.png, .jpg)")
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise LogoError(f"Logo {file}: there is no such file") from None
    except OSError as error:
        raise LogoError(f"Logo {file}: cannot be read ({error.strerror or error})") from None
    if not file.is_file():
        raise LogoError(f"Logo {file}: is a folder, not a picture")
    if size == 0:
        raise LogoError(f"Logo {name}: the file is empty")
    if size > MAX_LOGO_BYTES:
        megabytes = size / (1024 * 1024)
        raise LogoError(f"Logo {name}: {megabytes:.1f} MB is too large (at most 5 MB)")
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise LogoError(f"Logo {file}: cannot be read ({error.strerror or error})") from None
    if not (head.startswith(_PNG_MAGIC) or head.startswith(_JPEG_MAGIC)):
        raise LogoError(f"Logo {name}: is not a PNG or JPEG picture (its contents say otherwise)")
    return file
