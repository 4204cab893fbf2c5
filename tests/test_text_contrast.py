"""Every text a chart draws reads at 4.5:1 (WCAG AA) against the chart's background, in every chart the book builds.

The colours are read from the built specs (``_build/executed/chapters/*.ipynb``): for each text mark, its mark
colour or fill, and every colour its colour encoding can give (a constant, a condition's values, a scale's range, the
theme's category palette for a field with no range). The background is white, and in dark mode the light panel the
figure is drawn on (``_static/futurecity.css``: ``html[data-theme="dark"] .fc-figure { background: #f7f7f5 }``).
Lines and areas keep Okabe & Ito's palette; their texts use its darker variants (``futurecity.viz.theme.TEXT``).

Left out: a halo (a white text stroked white, drawn under a label to keep it off the lines) and a colour given by a
field with no scale (the status pills' text, whose contrast on its own fill is tested in tests/test_status_style.py).
"""

from __future__ import annotations

import re

import pytest

from conftest import PROJECT
from futurecity.viz import theme
from test_status_style import contrast

BUILT = PROJECT / "_build" / "executed" / "chapters"
CSS = (PROJECT / "_static" / "futurecity.css").read_text()
NAMED = {"black": "#000000", "white": "#ffffff"}
AA = 4.5


def backgrounds() -> list[str]:
    dark = re.search(r'html\[data-theme="dark"\] \.fc-figure \{[^}]*background:\s*(#[0-9A-Fa-f]{6})', CSS)
    assert dark, "futurecity.css no longer gives the figure a light panel in dark mode: test its background"
    return ["#ffffff", dark.group(1)]


def _hex(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = NAMED.get(value.lower(), value)
    return value if re.fullmatch(r"#[0-9A-Fa-f]{6}", value) else None


def _encoding_colours(channel, config: dict) -> tuple[list[str], bool]:
    """The colours a colour channel can give, and whether it was understood (False: a field with no scale)."""
    if channel is None:
        return [], True
    found = [c for c in (_hex(channel.get("value")),) if c]
    conditions = channel.get("condition", [])
    for cond in conditions if isinstance(conditions, list) else [conditions]:
        found += [c for c in (_hex(cond.get("value")),) if c]
    if "field" in channel:
        scale = channel.get("scale", {})
        if scale is None:
            return found, False
        rng = scale.get("range")
        if isinstance(rng, list):
            found += [c for c in map(_hex, rng) if c]
        else:
            found += [c for c in map(_hex, config.get("range", {}).get("category", theme.PALETTE)) if c]
    return found, True


def text_colours(spec: dict) -> list[tuple[str, str]]:
    """(where, colour) for every colour a text mark of the spec can be drawn in."""
    config, out = spec.get("config", {}), []

    def visit(node, where):
        if isinstance(node, dict):
            mark = node.get("mark")
            kind = mark if isinstance(mark, str) else (mark or {}).get("type") if isinstance(mark, dict) else None
            if kind == "text":
                props = mark if isinstance(mark, dict) else {}
                name = node.get("name", where)
                halo = _hex(props.get("fill")) == "#ffffff" and props.get("stroke") is not None
                if not halo:
                    enc = node.get("encoding", {})
                    colours, _ = _encoding_colours(enc.get("color") or enc.get("fill"), config)
                    own = _hex(props.get("fill")) or _hex(props.get("color"))
                    if not colours:
                        colours = [own or _hex(config.get("text", {}).get("color")) or "#000000"]
                    out.extend((name, c) for c in colours)
            for k, v in node.items():
                if k not in ("data", "datasets"):
                    visit(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                visit(v, f"{where}[{i}]")

    visit(spec, "")
    return out


@pytest.fixture(scope="module")
def built() -> list[tuple[str, str, dict]]:
    from futurecity.book.chartdata import notebook_specs

    notebooks = sorted(BUILT.glob("*.ipynb"))
    assert notebooks, f"no executed chapters in {BUILT}: run `make book` first"
    return [(nb.stem, spec["usermeta"]["futurecity"].get("title", ""), spec)
            for nb in notebooks for spec in notebook_specs(nb)]


@pytest.mark.site
def test_every_text_mark_of_every_built_chart_reads_at_4_5_to_1(built):
    low = []
    for chapter, title, spec in built:
        for where, colour in text_colours(spec):
            for bg in backgrounds():
                if contrast(colour, bg) < AA:
                    low.append(f"{chapter} / {title[:50]} / {where}: {colour} on {bg} is "
                               f"{contrast(colour, bg):.2f}:1")
    assert low == [], "\n".join(sorted(set(low)))


def test_the_text_variants_keep_their_hues_and_read_on_both_backgrounds():
    import colorsys

    for data, text in theme.TEXT.items():
        hue = [colorsys.rgb_to_hls(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0] for c in (data, text)]
        assert abs(hue[0] - hue[1]) < 0.02, (data, text, hue)
        for bg in backgrounds():
            assert contrast(text, bg) >= AA, (text, bg)
    assert theme.text_colour("#E69F00") == theme.TEXT["#E69F00"] and theme.text_colour("#0072B2") == "#0072B2"


def test_the_check_finds_a_light_text_colour():
    spec = {"layer": [{"mark": {"type": "text"}, "encoding": {"color": {"field": "c", "type": "nominal",
                                                                         "scale": {"range": ["#E69F00"]}}}},
                      {"mark": {"type": "text", "color": "#56B4E9"}},
                      {"mark": {"type": "text", "fill": "white", "stroke": "white"}},
                      {"mark": {"type": "line", "color": "#F0E442"}}]}
    found = dict(text_colours(spec))
    assert sorted(found.values()) == ["#56B4E9", "#E69F00"]
    assert all(contrast(c, "#ffffff") < AA for c in found.values())
