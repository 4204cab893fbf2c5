"""One status style everywhere: the charts' pills (futurecity.viz.status.STYLES) and the tables' and popovers'
badges (``_static/futurecity.css``) give each status the same icon, fill, border and text colour; the text reads
at 4.5:1 on its fill; the two verdict colours are reserved: the data palette and highlights never use them."""

from __future__ import annotations

import re

import pytest

from conftest import PROJECT
from futurecity.viz import status, theme

CSS = (PROJECT / "_static" / "futurecity.css").read_text()


def _rule(selector: str) -> str:
    found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert found, f"futurecity.css has no rule for {selector}"
    return found.group(1)


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("name", list(status.STYLES))
def test_the_css_badge_has_the_pills_colours_and_icon(name):
    style, selector = status.STYLES[name], "." + status.css_class(name)
    body = _rule(selector).lower()
    assert f"background: {style.fill.lower()}" in body, body
    assert f"border-color: {style.border.lower()}" in body, body
    assert f"color: {style.text.lower()}" in body.replace("border-color", ""), body
    icon = _rule(selector + "::before")
    assert f'"\\{ord(style.icon):X}"' in icon.upper(), (icon, style.icon)


@pytest.mark.parametrize("name", list(status.STYLES))
def test_the_status_text_reads_on_its_fill(name):
    style = status.STYLES[name]
    assert contrast(style.text, style.fill) >= 4.5, name


def test_the_verdict_colours_are_for_statuses_only():
    data = {c.upper() for c in [*theme.PALETTE, theme.HIGHLIGHT, theme.MUTED]}
    assert not data & {c.upper() for c in status.RESERVED}
    assert status.STYLES["reproduced"].border == status.GREEN and status.STYLES["differs"].border == status.VERMILION


BUILT = PROJECT / "_build" / "executed" / "chapters"
PILL_FIELDS = {"pill_fill", "pill_border", "pill_text"}


def _colours_outside_pills(node, out: list, where: str = "") -> list:
    """Every string of the spec naming a colour, except the status pills' own calculations."""
    if isinstance(node, dict):
        if isinstance(node.get("as"), str) and node["as"] in PILL_FIELDS:
            return out
        for k, v in node.items():
            _colours_outside_pills(v, out, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _colours_outside_pills(v, out, f"{where}[{i}]")
    elif isinstance(node, str):
        out += [(where, c) for c in re.findall(r"#[0-9A-Fa-f]{6}\b", node)]
    return out


@pytest.mark.site
def test_no_chart_of_the_book_uses_a_status_colour_for_data():
    from futurecity.book.chartdata import notebook_specs

    notebooks = sorted(BUILT.glob("*.ipynb"))
    assert notebooks, f"no executed chapters in {BUILT}: run `make book` first"
    reserved = {c.upper() for c in status.RESERVED}

    def data_free(spec: dict) -> dict:
        """The spec without the rows of a chart of statuses (chapter 6's verdict: each row carries its claim's
        status and that status's own colour, tested in tests/test_verdict.py)."""
        sets = {k: v for k, v in spec.get("datasets", {}).items()
                if not (isinstance(v, list) and v and isinstance(v[0], dict) and "status" in v[0])}
        return {**spec, "datasets": sets}

    found = [(nb.stem, spec.get("usermeta", {}).get("futurecity", {}).get("title"), where, colour)
             for nb in notebooks for spec in notebook_specs(nb)
             for where, colour in _colours_outside_pills(data_free(spec), []) if colour.upper() in reserved]
    assert found == [], found
