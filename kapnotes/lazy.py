"""Packages that load their modules when first used (PEP 562), so start-up stays light.

The lock screen is drawn before the editor, the live view, the measures or the
session layer are needed; their packages map each export to its module and load
it on first use. Plain Python, so any layer may use it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: an export's module loads when it is asked for."""

    def load(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return load
