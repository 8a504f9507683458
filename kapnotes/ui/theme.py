"""Light and dark appearance: Fusion, a calm palette and the bundled style sheet.

The scheme follows the system (`QStyleHints.colorScheme()` and its
`colorSchemeChanged` signal) unless a scheme is forced (screenshots, tests).
Colours live in resources/themes/palettes.json, the style sheet in
resources/themes/base.qss; icons are simple SVGs in resources/icons whose
`currentColor` is painted in the scheme's text colour.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Literal

from PySide6.QtCore import QByteArray, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QStyleFactory

from kapnotes.domain.assets import get_asset

Scheme = Literal["light", "dark"]
_TOKEN = re.compile(r"@([a-z_]+)@")


@cache
def palettes() -> dict[str, dict[str, str]]:
    """The colour tokens of both schemes, as read from resources/themes/palettes.json."""
    data = json.loads(get_asset("themes", "palettes.json").read_text(encoding="utf-8"))
    return {str(k): {str(t): str(c) for t, c in v.items()} for k, v in data.items()}


def style_sheet(scheme: Scheme) -> str:
    """The application style sheet with the scheme's colours filled in."""
    template = get_asset("themes", "base.qss").read_text(encoding="utf-8")
    tokens = dict(palettes()[scheme])
    tokens["icons"] = get_asset("icons").as_posix()
    return _TOKEN.sub(lambda m: tokens.get(m.group(1), m.group(0)), template)


def qpalette(scheme: Scheme) -> QPalette:
    """A QPalette for Fusion built from the scheme's tokens."""
    c = {k: QColor(v) for k, v in palettes()[scheme].items()}
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: c["window"],
        QPalette.ColorRole.WindowText: c["text"],
        QPalette.ColorRole.Base: c["base"],
        QPalette.ColorRole.AlternateBase: c["alternate"],
        QPalette.ColorRole.ToolTipBase: c["card"],
        QPalette.ColorRole.ToolTipText: c["text"],
        QPalette.ColorRole.PlaceholderText: c["muted"],
        QPalette.ColorRole.Text: c["text"],
        QPalette.ColorRole.Button: c["base"],
        QPalette.ColorRole.ButtonText: c["text"],
        QPalette.ColorRole.BrightText: c["error"],
        QPalette.ColorRole.Highlight: c["highlight"],
        QPalette.ColorRole.HighlightedText: c["highlight_text"],
        QPalette.ColorRole.Link: c["accent"],
        QPalette.ColorRole.Mid: c["border"],
        QPalette.ColorRole.Midlight: c["alternate"],
        QPalette.ColorRole.Light: c["base"],
        QPalette.ColorRole.Dark: c["border"],
    }
    for role, colour in roles.items():
        pal.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, c["disabled"])
    return pal


def system_scheme() -> Scheme:
    """The scheme the operating system asks for; light when it does not say."""
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def palette_scheme() -> Scheme:
    """Light or dark as the application is painted now (its palette's window colour)."""
    app = QApplication.instance()
    dark = (
        isinstance(app, QApplication)
        and app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    )
    return "dark" if dark else "light"


@cache
def _svg_text(name: str) -> str:
    return get_asset("icons", f"{name}.svg").read_text(encoding="utf-8")


def icon(name: str, colour: str | None = None, size: int = 48) -> QIcon:
    """A bundled SVG icon with `currentColor` painted in `colour` (default: text colour)."""
    if colour is None:
        app = QApplication.instance()
        colour = (
            app.palette().color(QPalette.ColorRole.WindowText).name()
            if isinstance(app, QApplication)
            else "#1f2a33"
        )
    svg = _svg_text(name).replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QIcon(pixmap)


def app_icon() -> QIcon:
    """The application icon (coloured, not recoloured by scheme)."""
    ic = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        ic.addPixmap(icon("app", "#000000", size).pixmap(size, size))
    return ic


class ThemeManager(QObject):
    """Applies a scheme to the application and follows the system's changes.

    `forced` pins a scheme (for screenshots); otherwise the system decides.
    Widgets that paint their own icons connect to `scheme_changed`.
    """

    scheme_changed = Signal(str)

    def __init__(self, app: QApplication, forced: Scheme | None = None) -> None:
        super().__init__(app)
        self._app = app
        self._forced = forced
        self.scheme: Scheme = forced or system_scheme()
        style = QStyleFactory.create("Fusion")
        if style is not None:
            app.setStyle(style)
        self._apply()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_change)

    def _on_system_change(self, _scheme: Qt.ColorScheme) -> None:
        if self._forced is None:
            self.set_scheme(system_scheme())

    def set_scheme(self, scheme: Scheme) -> None:
        """Switch to `scheme` (no-op if it is already active)."""
        if scheme == self.scheme:
            return
        self.scheme = scheme
        self._apply()
        self.scheme_changed.emit(scheme)

    def colour(self, token: str) -> str:
        """A colour token of the active scheme, e.g. ``colour("accent")``."""
        return palettes()[self.scheme][token]

    def _apply(self) -> None:
        self._app.setPalette(qpalette(self.scheme))
        self._app.setStyleSheet(style_sheet(self.scheme))
