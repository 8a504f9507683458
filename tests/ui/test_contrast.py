"""Every text colour against every background it is drawn on meets WCAG AA (4.5:1).

The pairs come from how the tokens are used, read from the style sheet templates
themselves (a new rule is checked without editing this file):

* a rule giving both ``color`` and ``background`` is a pair (likewise
  ``selection-color`` on ``selection-background-color``, ``color`` on
  ``alternate-background-color``, ``placeholder-text-color`` on ``background``);
* a rule giving only a background (``:hover``, ``:checked``) pairs with the
  colour of the same selector without its state;
* a rule giving only a colour is drawn on the background of the container its
  selector names (``#alertBanner QLabel`` on the banner's ``alert_bg``), and
  where no container gives one, on every surface (window, base, panel, card,
  alternate): a label can sit on any of them;

plus the colours Python paints with (listed in ``PAINTED``). Disabled text is
left out: WCAG 1.4.3 exempts inactive controls. Contrast is the WCAG 2.x ratio
of relative luminances, (L1 + 0.05) / (L2 + 0.05).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from kapnotes.domain.assets import get_asset
from kapnotes.ui import theme

AA = 4.5
SURFACES = ("window", "base", "panel", "card", "alternate")
EXEMPT = frozenset({"disabled"})  # inactive controls (WCAG 1.4.3 exception)
#: Pairs painted from Python, with where: (text token, background token).
PAINTED: tuple[tuple[str, str, str], ...] = (
    ("muted", "base", "placeholder text (theme.qpalette)"),
    ("highlight_text", "highlight", "selected rows (theme.qpalette)"),
    ("text", "card", "tooltips (theme.qpalette)"),
    ("alert_text", "mark_bg", "vitals rows that raised an alert (session view)"),
    ("error", "base", "ALERT and OVERRIDE entries in the session's list"),
    ("error", "warning_bg", "a log-table cell with an error (editor)"),
    ("warning_text", "warning_bg", "a log-table cell with a warning (editor)"),
    ("muted", "panel", "the vitals chart's axis labels"),
    ("series_sys", "panel", "the chart's 'SBP 180' label"),
    ("series_dia", "panel", "the chart's 'DBP 110' label"),
    ("series_hr", "panel", "the chart's 'HR 120' label"),
    ("series_spo2", "panel", "the chart's 'SpO2 94' label"),
    ("text", "panel", "the session header"),
)

FOREGROUND = ("color", "selection-color", "placeholder-text-color")
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
TOKEN = re.compile(r"@([a-z0-9_]+)@")
STATE = re.compile(r"(?<!:):[a-z-]+$")


def luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Rule:
    """One selector of a style sheet rule and the tokens its declarations name."""

    sheet: str
    selector: str
    props: dict[str, str]

    @property
    def background(self) -> str | None:
        return self.props.get("background") or self.props.get("background-color")


def rules() -> list[Rule]:
    """Every (sheet, selector) of every template with its token-valued declarations."""
    out: list[Rule] = []
    for sheet in theme.sheet_names():
        text = get_asset("themes", f"{sheet}.qss").read_text(encoding="utf-8")
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
        for selectors, body in RULE.findall(text):
            props: dict[str, str] = {}
            for declaration in body.split(";"):
                name, _, value = declaration.partition(":")
                token = TOKEN.search(value)
                if token:
                    props[name.strip()] = token.group(1)
            for selector in selectors.split(","):
                normal = " ".join(selector.replace(">", " ").split())
                if normal:
                    out.append(Rule(sheet, normal, props))
    return out


def _by_selector(all_rules: list[Rule]) -> dict[tuple[str, str], Rule]:
    merged: dict[tuple[str, str], Rule] = {}
    for rule in all_rules:
        key = (rule.sheet, rule.selector)
        old = merged.get(key)
        merged[key] = Rule(rule.sheet, rule.selector, {**(old.props if old else {}), **rule.props})
    return merged


def _container_background(rule: Rule, index: dict[tuple[str, str], Rule]) -> list[str]:
    """Where a colour-only rule's text is drawn: its stateless self's background, else its
    nearest container's (every surface when that is the page itself, or none says)."""
    stateless = STATE.sub("", rule.selector)
    while stateless != rule.selector and (base := index.get((rule.sheet, stateless))):
        if base.background:
            return [base.background]
        break
    parts = rule.selector.split(" ")
    for end in range(len(parts) - 1, 0, -1):
        container = index.get((rule.sheet, " ".join(parts[:end])))
        if container is not None and container.background:
            return list(SURFACES) if container.background == "window" else [container.background]
    return list(SURFACES)


def sheet_pairs() -> set[tuple[str, str, str]]:
    """(text token, background token, where) for every pair the templates draw."""
    all_rules = rules()
    index = _by_selector(all_rules)
    pairs: set[tuple[str, str, str]] = set()
    for rule in index.values():
        where = f"{rule.sheet}.qss: {rule.selector}"
        props = rule.props
        colour = props.get("color")
        if colour and rule.background:
            pairs.add((colour, rule.background, where))
        elif colour:
            pairs.update((colour, bg, where) for bg in _container_background(rule, index))
        elif rule.background:
            base = index.get((rule.sheet, STATE.sub("", rule.selector)))
            if base is not None and base is not rule and base.props.get("color"):
                pairs.add((base.props["color"], rule.background, where))
        if "selection-color" in props and "selection-background-color" in props:
            pairs.add((props["selection-color"], props["selection-background-color"], where))
        if colour and "alternate-background-color" in props:
            pairs.add((colour, props["alternate-background-color"], where))
        if "placeholder-text-color" in props:
            for bg in [rule.background] if rule.background else SURFACES:
                pairs.add((props["placeholder-text-color"], bg, where))
    return {(fg, bg, where) for fg, bg, where in pairs if fg not in EXEMPT}


def test_the_ratio_is_wcag_s() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#ffffff", "#ffffff") == 1.0


def test_the_pairs_are_read_from_the_templates() -> None:
    pairs = {(fg, bg) for fg, bg, _where in sheet_pairs()}
    # both in one rule; text nested in a container with its own background; a hover
    # background with its stateless colour; a colour-only rule on every surface
    assert ("alert_text", "alert_bg") in pairs
    assert ("cue_text", "cue_bg") in pairs
    assert ("accent_text", "accent") in pairs
    assert ("accent_text", "accent_hover") in pairs
    assert ("chip_text", "chip_bg") in pairs
    assert ("curtain_text", "curtain") in pairs
    assert ("curtain_text", "window") not in pairs
    assert {("error", surface) for surface in SURFACES} <= pairs
    assert ("muted", "alternate") in pairs  # table headers, unselected tabs
    assert not any(fg == "disabled" for fg, _bg in pairs)


@pytest.mark.parametrize("palette", ["light", "dark", "dim"])
def test_every_text_and_background_pair_meets_aa(palette: str) -> None:
    colours = theme.palettes()[palette]
    pairs = sheet_pairs() | set(PAINTED)
    failures = sorted(
        f"{fg} {colours[fg]} on {bg} {colours[bg]}: {contrast(colours[fg], colours[bg]):.2f} "
        f"({where})"
        for fg, bg, where in pairs
        if contrast(colours[fg], colours[bg]) < AA
    )
    assert not failures, f"{palette}: below {AA}:1\n" + "\n".join(failures)


@pytest.mark.parametrize("palette", ["light", "dark", "dim"])
def test_the_check_box_tick_is_drawn_in_the_palette_s_accent_text(palette: str) -> None:
    """session.qss ticks a box with check-<palette>.svg on the accent: an icon file
    cannot read palettes.json, so its stroke must be the palette's accent_text."""
    svg = get_asset("icons", f"check-{palette}.svg").read_text(encoding="utf-8")
    assert f'stroke="{theme.palettes()[palette]["accent_text"]}"' in svg
    assert f"check-{palette}.svg" in theme.render("session", palette)  # type: ignore[arg-type]
