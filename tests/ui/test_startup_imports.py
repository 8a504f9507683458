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
    "PySide6.QtDBus",  # the system lock is listened to from the first unlock
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
    # Smaller, but the lock screen needs none of them: OpenSSL's hashes (the anchor's MAC),
    # uuid (new vault ids), the date parsing rules (date fields).
    "hashlib",
    "uuid",
    "kapnotes.domain.parse",
)

#: Qt classes no kapnotes window uses. PySide6 makes a class's Python type (and its enums)
#: only when it is first needed; a Python event filter on the application that sees one of
#: Qt's private objects (the main window's zero-length layout animation, say) makes it
#: create nearly every Qt class at once, tens of milliseconds, these among them.
NEVER_USED_QT_CLASSES = ("QWizard", "QMdiArea", "QSplashScreen", "QUndoView", "QLCDNumber")
#: Qt classes kapnotes uses, but not on the lock screen: made with their first use (the
#: style is Qt's own, never handed to Python, see kapnotes.ui.theme.style_arguments).
NOT_MADE_FOR_THE_LOCK_SCREEN = (
    "QStyle",
    "QMessageBox",
    "QFileDialog",
    "QInputDialog",
    "QDialogButtonBox",
    "QSpinBox",
    "QCalendarWidget",
)

_PROBE = """
import sys
from tests.benchmarks.startup_probe import _quit_when_drawn
from kapnotes.launch import main
_quit_when_drawn()
code = main(["--data-dir", sys.argv[1]])
print("MODULES", " ".join(sorted(sys.modules)))
from PySide6 import QtWidgets
print("QT_WIDGET_CLASSES", " ".join(sorted(vars(QtWidgets))))
sys.exit(code)
"""


def _probe(script: str, *args: str) -> dict[str, set[str]]:
    """What a fresh kapnotes process (``script``, run with ``args``) had loaded once its
    window was drawn: ``MODULES`` (Python modules) and, where printed,
    ``QT_WIDGET_CLASSES`` (the QtWidgets classes PySide6 had made)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RSS_KB" in done.stdout, "the window was not drawn"
    found: dict[str, set[str]] = {}
    for line in done.stdout.splitlines():
        key, _space, names = line.partition(" ")
        if key in ("MODULES", "QT_WIDGET_CLASSES"):
            found[key] = set(names.split())
    return found


@pytest.fixture
def closed_vault(vault: Vault) -> Path:
    """A vault that exists on disk and is not open (the app starts on its lock screen)."""
    created = vault.create("Dr Ada Quill", "PsyD", "fictional passphrase 42")
    created.vault.close()
    return vault.data_dir


def test_lock_screen_loads_no_heavy_module(closed_vault: Path) -> None:
    loaded = _probe(_PROBE, str(closed_vault))["MODULES"]
    assert "kapnotes.ui.views.lock_screen" in loaded
    present = [
        name
        for name in NOT_AT_LOCK_SCREEN
        if name in loaded or any(m.startswith(name + ".") for m in loaded)
    ]
    assert present == []


def test_lock_screen_makes_no_unused_qt_class(closed_vault: Path) -> None:
    made = _probe(_PROBE, str(closed_vault))["QT_WIDGET_CLASSES"]
    assert "QLineEdit" in made  # the passphrase field: the probe sees made classes
    assert [name for name in NEVER_USED_QT_CLASSES if name in made] == []
    assert [name for name in NOT_MADE_FOR_THE_LOCK_SCREEN if name in made] == []


_OPEN_PROBE = """
import sys
from tests.benchmarks.startup_probe import main
code = main(["open", sys.argv[1], sys.argv[2]])
print("MODULES", " ".join(sorted(sys.modules)))
sys.exit(code)
"""

#: Loaded when first needed after the unlock, not for the client list: the trend charts
#: (about 4 MB) with the first chart drawn, the live view with the first live session.
NOT_FOR_THE_CLIENT_LIST = (
    "PySide6.QtCharts",
    "kapnotes.ui.measures.chart",
    "kapnotes.ui.session_view.view",
    "reportlab",
)


def test_the_unlocked_client_list_loads_no_chart(vault: Vault) -> None:
    """Listed clients with scored measures (the demo's) draw no chart before one is opened."""
    from datetime import date

    from kapnotes.store.demo import populate_demo

    created = vault.create("Dr Ada Quill", "PsyD", "fictional passphrase 42")
    populate_demo(created.vault, today=date(2026, 11, 2))
    created.vault.close()
    loaded = _probe(_OPEN_PROBE, str(vault.data_dir), "fictional passphrase 42")["MODULES"]
    assert "kapnotes.ui.views.workspace" in loaded  # unlocked, the client list shown
    assert "kapnotes.ui.measures.panel" in loaded  # the client page, ready for a client
    assert [n for n in NOT_FOR_THE_CLIENT_LIST if n in loaded] == []
