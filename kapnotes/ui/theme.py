"""Light, dark and dim appearance: Fusion, a calm palette and the bundled style sheets.

Every colour lives in resources/themes/palettes.json: the light and dark palettes
the application follows, and the dim one the live session view switches to for a
darkened room. Every style sheet is a template in resources/themes/*.qss whose
``@token@`` placeholders :func:`render` fills from one palette: ``base`` for the
whole application, and ``editor``, ``measures`` and ``session`` which those
widgets set on themselves. Icons are simple SVGs in resources/icons whose
`currentColor` is painted in the scheme's text colour. An action's icon is named
(:func:`name_icon`) and drawn when a menu or toolbar first shows it, not before the
lock screen is drawn.

The scheme follows the system (`QStyleHints.colorScheme()` and its
`colorSchemeChanged` signal) unless a scheme is forced (screenshots, tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Literal

from PySide6.QtCore import QByteArray, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QMenu,
    QPushButton,
    QStyleFactory,
    QToolBar,
)

from kapnotes.domain.assets import get_asset

Scheme = Literal["light", "dark"]
PaletteName = Literal["light", "dark", "dim"]
TOKEN = re.compile(r"@([a-z0-9_]+)@")
#: Placeholders that are not colours: the folder of the bundled icons (for ``url()``)
#: and the palette's name (``check-@palette@.svg``: an icon drawn in that palette).
RESOURCE_TOKENS = frozenset({"icons", "palette"})


@cache
def palettes() -> dict[str, dict[str, str]]:
    """The colour tokens of every palette, as read from resources/themes/palettes.json."""
    data = json.loads(get_asset("themes", "palettes.json").read_text(encoding="utf-8"))
    return {str(k): {str(t): str(c) for t, c in v.items()} for k, v in data.items()}


def sheet_names() -> tuple[str, ...]:
    """The style sheet templates shipped in resources/themes (``base``, ``session``, …)."""
    return tuple(sorted(p.stem for p in get_asset("themes").glob("*.qss")))


@cache
def _template(sheet: str) -> str:
    return get_asset("themes", f"{sheet}.qss").read_text(encoding="utf-8")


def render(sheet: str, palette: PaletteName) -> str:
    """The style sheet ``resources/themes/<sheet>.qss`` with one palette's colours filled in.

    A placeholder the palette lacks raises ``KeyError`` naming it; tests/ui/test_theme.py
    checks every template against every palette, so that fails the suite, not the screen.
    """
    values = dict(palettes()[palette])
    values["icons"] = get_asset("icons").as_posix()
    values["palette"] = palette

    def fill(match: re.Match[str]) -> str:
        token = match.group(1)
        if token not in values:
            raise KeyError(f"{sheet}.qss: @{token}@ is not in the {palette!r} palette")
        return values[token]

    return TOKEN.sub(fill, _template(sheet))


def style_sheet(scheme: Scheme) -> str:
    """The application style sheet (base.qss) with the scheme's colours filled in."""
    return render("base", scheme)


def colour(token: str, palette: PaletteName | None = None) -> str:
    """A colour token of ``palette`` (default: the one the application is painted in now)."""
    return palettes()[palette or palette_scheme()][token]


def qpalette(scheme: PaletteName) -> QPalette:
    """A QPalette for Fusion built from the scheme's tokens (the session view's dim one too)."""
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


@lru_cache(maxsize=256)
def _svg_pixmap(svg: str, size: int) -> QPixmap:
    """The SVG drawn once per text (its colours filled in) and size: a client page with
    fifty notes asks for the same clock icon for each dosing draft."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


def text_colour() -> str:
    """The colour icons are painted in by default: the application's text colour now."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app.palette().color(QPalette.ColorRole.WindowText).name()
    return palettes()["light"]["text"]


def icon(name: str, colour: str | None = None, size: int = 48) -> QIcon:
    """A bundled SVG icon with `currentColor` painted in `colour` (default: text colour)."""
    if colour is None:
        colour = text_colour()
    return QIcon(_svg_pixmap(_svg_text(name).replace("currentColor", colour), size))


#: The dynamic property holding the name of an action's bundled icon (see name_icon).
ICON_NAME = "icon_name"


def name_icon(action: QAction, name: str) -> None:
    """Give ``action`` the bundled icon ``name``, drawn when it is first shown.

    The icon is drawn by :func:`draw_icons`, which :func:`icons_when_shown` calls as a
    menu opens or a toolbar appears: building a window's actions draws no SVG.
    """
    action.setProperty(ICON_NAME, name)


def draw_icons(actions: Iterable[QAction]) -> None:
    """Draw the named icon of each of ``actions`` that has none yet (text colour of now)."""
    for action in actions:
        name = action.property(ICON_NAME)
        if name and action.icon().isNull():
            action.setIcon(icon(str(name)))


def icon_button(text: str, name: str) -> QPushButton:
    """A push button with the bundled icon ``name`` in the text colour of now, named so
    that :func:`redraw_icons` draws it again after a scheme change (drawn once, it would
    stay dark on a dark window)."""
    button = QPushButton(icon(name), text)
    button.setProperty(ICON_NAME, name)
    return button


def redraw_icons(actions: Iterable[QAction | QAbstractButton]) -> None:
    """Draw again, in the colours of now, the named icons already drawn (after a scheme
    change) of actions and buttons; the others are drawn when first shown, in the colours
    of then."""
    for action in actions:
        name = action.property(ICON_NAME)
        if name and not action.icon().isNull():
            action.setIcon(icon(str(name)))


def icons_when_shown(container: QMenu | QToolBar) -> None:
    """Draw the named icons of ``container``'s actions as it opens (a menu) or appears
    (a toolbar), before it is painted."""
    if isinstance(container, QMenu):
        container.aboutToShow.connect(lambda: draw_icons(container.actions()))
    else:
        container.visibilityChanged.connect(
            lambda visible: draw_icons(container.actions()) if visible else None
        )


def app_icon() -> QIcon:
    """The application icon in its own colours (the SVG has no `currentColor`)."""
    ic = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        ic.addPixmap(_svg_pixmap(_svg_text("app"), size))
    return ic


def window_icon() -> QIcon:
    """The application's window icon (:func:`app_icon`, drawn once when the application
    was made), or a new :func:`app_icon` when the application has none."""
    existing = QGuiApplication.windowIcon()
    return app_icon() if existing.isNull() else existing


#: The Qt style every scheme is drawn with.
STYLE = "Fusion"


def use_style(app: QApplication) -> None:
    """Give an existing application the :data:`STYLE` (a new one gets it from
    :func:`style_arguments`)."""
    style = QStyleFactory.create(STYLE)
    if style is not None:
        app.setStyle(style)


def style_arguments() -> list[str]:
    """The command-line arguments that make a new QApplication start with :data:`STYLE`.

    Qt sets the style while the application is made, and no QStyle object reaches
    Python: PySide6 would otherwise create the QStyle type and its enums (about 600
    members, ~10 ms) before the lock screen is drawn.
    """
    return ["-style", STYLE]


class ThemeManager(QObject):
    """Applies a scheme to the application and follows the system's changes.

    `forced` pins a scheme (for screenshots); otherwise the system decides.
    Widgets that paint their own icons connect to `scheme_changed`. The style
    (:data:`STYLE`) is the application's own, given when it was made
    (``kapnotes.app.create_application``).
    """

    scheme_changed = Signal(str)

    def __init__(self, app: QApplication, forced: Scheme | None = None) -> None:
        super().__init__(app)
        self._app = app
        self._forced = forced
        self.scheme: Scheme = forced or system_scheme()
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
        return colour(token, self.scheme)

    def _apply(self) -> None:
        self._app.setPalette(qpalette(self.scheme))
        self._app.setStyleSheet(style_sheet(self.scheme))
