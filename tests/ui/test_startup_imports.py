"""A guard on start-up: the lock screen is drawn without the heavy modules.

Not a timing test (the benchmark measures speed); it only checks, in a fresh
process, which modules the lock screen has loaded, so a stray import at the top
of a module cannot quietly bring SQLAlchemy, pydantic, reportlab or the editor
back into start-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kapnotes.store.vault import Vault

REPO = Path(__file__).resolve().parents[2]

#: Loaded with the first unlock, the first note or the first report; never for the lock screen.
NOT_AT_LOCK_SCREEN = (
    "sqlalchemy",
    "alembic",
    "sqlcipher3",
    "pydantic",
    "argon2",
    "cryptography",
    "reportlab",
    "PySide6.QtPdf",
    "PySide6.QtCharts",
    "kapnotes.session.live",
    "kapnotes.session.drafts",
    "kapnotes.store.models",
    "kapnotes.domain.templates.model",
    "kapnotes.domain.instruments.model",
    "kapnotes.ui.editor.editor",
    "kapnotes.ui.session_view.view",
    "kapnotes.ui.measures.panel",
    "kapnotes.ui.views.workspace",
    "kapnotes.ui.reports.preview",
)

_PROBE = """
import sys
from tests.benchmarks.startup_probe import _quit_when_drawn
from kapnotes.launch import main
_quit_when_drawn()
code = main(["--data-dir", sys.argv[1]])
print("MODULES", " ".join(sorted(sys.modules)))
sys.exit(code)
"""


def _modules_at_lock_screen(data_dir: Path) -> set[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(data_dir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RSS_KB" in done.stdout, "the lock screen was not drawn"
    line = next(x for x in done.stdout.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


@pytest.fixture
def closed_vault(vault: Vault) -> Path:
    """A vault that exists on disk and is not open (the app starts on its lock screen)."""
    created = vault.create("Dr Ada Quill", "PsyD", "fictional passphrase 42")
    created.vault.close()
    return vault.data_dir


def test_lock_screen_loads_no_heavy_module(closed_vault: Path) -> None:
    loaded = _modules_at_lock_screen(closed_vault)
    assert "kapnotes.ui.views.lock_screen" in loaded
    present = [
        name
        for name in NOT_AT_LOCK_SCREEN
        if name in loaded or any(m.startswith(name + ".") for m in loaded)
    ]
    assert present == []
