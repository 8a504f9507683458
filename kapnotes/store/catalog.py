"""The templates and instruments a vault uses: bundled ones plus the clinic's own files.

Clinic files live beside the vault, in `<data-dir>/templates` and
`<data-dir>/instruments`. They hold no client data, only forms, so they are
plain JSON. Importing a file validates it first and copies it in atomically.
"""

from __future__ import annotations

from pathlib import Path

from kapnotes.domain.files import atomic_write
from kapnotes.domain.instruments import (
    InstrumentError,
    InstrumentSpec,
    LoadedInstruments,
    load_instrument_file,
    load_instruments,
)
from kapnotes.domain.session import (
    ClinicSettings,
    SettingsError,
    load_settings,
    save_settings,
)
from kapnotes.domain.templates import (
    LoadResult,
    TemplateError,
    TemplateSpec,
    bundled_templates_dir,
    load_template_file,
    load_templates,
)


class CatalogError(Exception):
    """A file could not be imported; the message names the file and the reason."""


def _install(src: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, src.read_bytes(), mode=0o644)


class Catalog:
    """Loads and imports templates and instruments for one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.templates_dir = Path(data_dir) / "templates"
        self.instruments_dir = Path(data_dir) / "instruments"
        self.settings_path = Path(data_dir) / "clinic-settings.json"

    def clinic_settings(self) -> tuple[ClinicSettings, str | None]:
        """The clinic's settings (defaults when it has none) and a warning if its file is bad.

        A damaged settings file never stops the app: the defaults from the clinical
        spec apply and the warning says which file and field is wrong.
        """
        if not self.settings_path.exists():
            return ClinicSettings(), None
        try:
            return load_settings(self.settings_path), None
        except SettingsError as exc:
            return ClinicSettings(), f"{exc} — using the default settings"

    def save_clinic_settings(self, settings: ClinicSettings) -> None:
        """Write the clinic's settings (atomically)."""
        save_settings(settings, self.settings_path)

    def templates(self) -> LoadResult:
        """Bundled templates, then the clinic's; bad clinic files become warnings."""
        return load_templates([bundled_templates_dir(), self.templates_dir])

    def instruments(self) -> LoadedInstruments:
        """Bundled instruments, then the clinic's; bad clinic files become warnings."""
        dirs = [self.instruments_dir] if self.instruments_dir.is_dir() else []
        return load_instruments(dirs)

    def import_template(self, src: Path) -> TemplateSpec:
        """Validate a template file and add it to the clinic's folder."""
        try:
            spec = load_template_file(src)
        except TemplateError as exc:
            raise CatalogError(str(exc)) from exc
        current = self.templates().get(spec.id)
        if current is not None and current.version >= spec.version:
            raise CatalogError(
                f"{src.name}: template '{spec.id}' version {spec.version} is not newer than "
                f"the version {current.version} already in use"
            )
        _install(src, self.templates_dir / f"{spec.id}-v{spec.version}.json")
        return spec

    def import_instrument(self, src: Path) -> InstrumentSpec:
        """Validate an instrument file and add it to the clinic's folder."""
        try:
            spec = load_instrument_file(src)
        except InstrumentError as exc:
            raise CatalogError(str(exc)) from exc
        if self.instruments().get(spec.id, spec.version) is not None:
            raise CatalogError(
                f"{src.name}: instrument '{spec.id}' version {spec.version} is already installed"
            )
        _install(src, self.instruments_dir / f"{spec.id}-v{spec.version}.json")
        return spec
