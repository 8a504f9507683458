"""One palette file and one renderer: every style sheet template against every palette.

A colour a template names but a palette lacks fails here, not on a clinician's
screen in the middle of a session.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kapnotes.domain.assets import get_asset
from kapnotes.domain.session import ClinicSettings
from kapnotes.ui import theme
from kapnotes.ui.editor.style import editor_style_sheet
from kapnotes.ui.measures import style as measures_style
from kapnotes.ui.session_view.chart import VitalsChart
from kapnotes.ui.session_view.style import session_style_sheet, tokens

HEX = re.compile(r"#[0-9a-f]{6}")


def test_light_dark_and_dim_hold_the_same_tokens_as_hex_colours() -> None:
    palettes = theme.palettes()
    assert set(palettes) == {"light", "dark", "dim"}
    tokens = set(palettes["light"])
    for name, palette in palettes.items():
        assert set(palette) == tokens, f"{name}: {sorted(set(palette) ^ tokens)}"
        bad = {t: c for t, c in palette.items() if not HEX.fullmatch(c)}
        assert not bad, f"{name}: not #rrggbb colours: {bad}"
    assert palettes["dim"]["window"] != palettes["dark"]["window"]


def test_every_template_token_is_in_every_palette() -> None:
    sheets = theme.sheet_names()
    assert {"base", "editor", "measures", "session"} <= set(sheets)
    missing = []
    for sheet in sheets:
        text = get_asset("themes", f"{sheet}.qss").read_text(encoding="utf-8")
        used = set(theme.TOKEN.findall(text)) - theme.RESOURCE_TOKENS
        assert used, f"{sheet}.qss names no colour"
        for name, palette in theme.palettes().items():
            missing += [f"{sheet}.qss: @{t}@ not in {name!r}" for t in sorted(used - set(palette))]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("palette", ["light", "dark", "dim"])
def test_every_sheet_renders_in_the_palette_s_colours(palette: theme.PaletteName) -> None:
    colours = theme.palettes()[palette]
    for sheet in theme.sheet_names():
        text = theme.render(sheet, palette)
        assert not theme.TOKEN.search(text), sheet
        assert colours["text"] in text or colours["accent"] in text, sheet
    assert f'url("{get_asset("icons").as_posix()}/chevron-down.svg")' in theme.render(
        "base", palette
    )


def test_a_colour_missing_from_the_palette_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "_template", lambda _sheet: "QLabel { color: @nonesuch@; }")
    with pytest.raises(KeyError, match=r"broken\.qss: @nonesuch@ is not in the 'dim' palette"):
        theme.render("broken", "dim")


def test_style_modules_fill_from_the_shared_palettes(qapp: QApplication) -> None:
    original = qapp.palette()
    try:
        qapp.setPalette(theme.qpalette("dark"))
        assert editor_style_sheet() == theme.render("editor", "dark")
        assert measures_style.style_sheet() == theme.render("measures", "dark")
        assert measures_style.colour("risk_bg") == QColor(theme.palettes()["dark"]["risk_bg"])
        assert session_style_sheet("dim") == theme.render("session", "dim")
        assert tokens("dim") == theme.palettes()["dim"]
    finally:
        qapp.setPalette(original)


def test_a_new_vitals_chart_is_painted_in_the_app_s_palette(
    qapp: QApplication, qtbot: QtBot
) -> None:
    original = qapp.palette()
    try:
        qapp.setPalette(theme.qpalette("dark"))
        chart = VitalsChart(ClinicSettings())
        qtbot.addWidget(chart)
        dark = theme.palettes()["dark"]
        assert chart.panes["bp"].chart().backgroundBrush().color().name() == dark["panel"]
        assert chart.series["heart_rate"].color().name() == dark["series_hr"]
    finally:
        qapp.setPalette(original)
