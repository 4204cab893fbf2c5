"""Every colour a chapter's charts use is colour-blind safe: one of Okabe & Ito's eight colours, a darker variant of
one of them for text (``theme.TEXT``, the same hue at 4.5:1 on the background), or a grey."""

from __future__ import annotations

import json
import re

import pytest

from futurecity.chapters import introduction, prospects
from futurecity.viz.theme import PALETTE, TEXT

NAMED = {"black": "#000000", "white": "#ffffff"}


def colours(spec) -> set[str]:
    """Every colour literal in a spec: hex codes, and the named colours black and white."""
    text = json.dumps(spec)
    found = {c.lower() for c in re.findall(r'"(#[0-9A-Fa-f]{6})"', text)}
    return found | {NAMED[n] for n in re.findall(r'"(black|white)"', text)}


def is_grey(colour: str) -> bool:
    return colour[1:3] == colour[3:5] == colour[5:7]


@pytest.fixture(scope="module")
def specs() -> dict[str, dict]:
    one, five = introduction.open(), prospects.open()
    return {"long-run shares": one.longrun_figure().to_dict(), "employment": five.employment_figure().to_dict(),
            "business R&D": five.rd_figure().to_dict(), "music": five.music_figure().to_dict()}


def test_every_chart_colour_is_okabe_ito_or_grey(specs):
    allowed = {c.lower() for c in [*PALETTE, *TEXT.values()]}
    for name, spec in specs.items():
        used = colours(spec)
        assert used, name
        odd = sorted(c for c in used if c not in allowed and not is_grey(c))
        assert odd == [], f"{name} uses colours outside the Okabe-Ito palette: {odd}"


def test_the_check_sees_a_colour_that_is_not_safe():
    assert colours({"mark": {"color": "#FF0000"}}) == {"#ff0000"} and not is_grey("#ff0000")
