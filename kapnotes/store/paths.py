"""Where the vault lives by default: the user's data folder, per platform."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

from kapnotes import APP_NAME


def default_data_dir() -> Path:
    """The embedded default vault folder (e.g. ~/.local/share/kapnotes on Linux)."""
    return user_data_path(APP_NAME, appauthor=False)


def default_demo_dir() -> Path:
    """Where `kapnotes demo` puts its vault of fictional clients, apart from real data."""
    return user_data_path(f"{APP_NAME}-demo", appauthor=False)
