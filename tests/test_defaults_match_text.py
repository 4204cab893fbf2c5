"""A number the prose quotes about a chart is what the chart shows at its default settings.

Each chart is built as the chapter builds it, evaluated at its defaults as the reader's browser would
(``vega_eval``), and every fact the text quotes beside it is looked for in the marks drawn: a chart that opened on
another basis than its text (real bars beside cash figures, nominal dollars beside dollars of 2019) fails.
"""

from __future__ import annotations

import re

import pytest

from futurecity import topics
from futurecity.chapters import prospects
from vega_eval import marks

topics.load_all()


def mark(found: dict, name: str) -> list[dict]:
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, f"expected one mark {name}, found {hits}"
    return found[hits[0]]


@pytest.fixture(scope="module")
def ch5():
    return prospects.open()


# The R&D facts the text quotes in cash terms, by the bar (panel, series) that shows each.
RD_CASH_BARS = {"berd_total_nominal": ("berd_groups", "all BERD"), "berd_manufacturing": ("berd_groups", "manufacturing"),
                "berd_services": ("berd_groups", "all services"),
                "berd_misc": ("berd_groups", "miscellaneous business services"),
                "berd_london": ("berd_regions", "London"), "berd_em": ("berd_regions", "East Midlands"),
                "berd_wm": ("berd_regions", "West Midlands"), "berd_nw": ("berd_regions", "North West")}


def test_the_rd_bars_at_their_defaults_are_the_cash_growth_the_text_quotes(ch5):
    [found] = marks(ch5.rd_figure().to_dict(), [{}])
    facts = ch5.facts
    assert facts["berd_end_shown"].value == mark(found, "berd_groups")[0]["year"]
    for name, (bars, series) in RD_CASH_BARS.items():
        [bar] = [b for b in mark(found, bars) if b["series"] == series]
        assert bar["growth"] == pytest.approx(facts[name].value, abs=1e-6), (name, bar["growth"], facts[name].value)
    # the one real-terms figure is C5-1's, and its badge says so
    [c51] = mark(found, "claim_C5_1_badge")
    assert " \u00b7 real \u00b7 test: " in c51["badge"] and c51["badge_value"] == pytest.approx(facts["berd_total_real"].value)


def test_the_music_chart_opens_in_the_dollars_the_text_quotes(ch5):
    [found] = marks(ch5.music_figure().to_dict(), [{}])
    facts = ch5.facts
    totals: dict[int, float] = {}
    for item in mark(found, "music_areas"):
        totals[int(item["year"])] = totals.get(int(item["year"]), 0.0) + item["value"]
    peak = max(totals, key=totals.get)
    assert peak == facts["music_peak_year"].value
    assert totals[peak] / 1000 == pytest.approx(facts["music_peak_bn"].value, abs=1e-9)
    assert totals[max(totals)] / 1000 == pytest.approx(facts["music_last_bn"].value, abs=1e-9)
