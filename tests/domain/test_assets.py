"""The one resource lookup: installed, frozen by PyInstaller, or from an uninstalled checkout.

The wheel install itself is proven end to end in tests/test_packaging.py.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

from kapnotes.domain import assets

REPO = Path(__file__).resolve().parents[2]
FOLDERS = ("templates", "instruments", "schema", "settings", "themes", "icons")


def _not_installed() -> None:
    return None


def test_the_installed_package_holds_every_resource_folder() -> None:
    root = assets.resources_root()
    assert root == importlib.resources.files("kapnotes.resources")
    for folder in FOLDERS:
        assert (root / folder).is_dir(), folder
    assert assets.get_asset("templates", "dosing.json").is_file()


def test_a_missing_resource_is_named() -> None:
    with pytest.raises(FileNotFoundError, match=r"bundled resource missing: fonts/none\.ttf"):
        assets.get_asset("fonts", "none.ttf")


def test_a_pyinstaller_bundle_is_read_under_meipass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(assets, "_installed_folder", _not_installed)
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    (tmp_path / "kapnotes" / "resources" / "templates").mkdir(parents=True)
    assert assets.resources_root() == tmp_path / "kapnotes" / "resources"
    assert assets.get_asset("templates") == tmp_path / "kapnotes" / "resources" / "templates"


def test_an_uninstalled_checkout_reads_resources_beside_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(assets, "_installed_folder", _not_installed)
    monkeypatch.delattr("sys._MEIPASS", raising=False)
    assert assets.resources_root() == REPO / "resources"
