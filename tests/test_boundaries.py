"""Boundaries, defaults and notes that the pinned data alone never exercise.

Each test's docstring names the wrong code it catches (module, right -> wrong). The pinned snapshots are read where
a test needs real data; small hand-made frames where a boundary is needed that the data do not have.
"""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pytest

from test_claims import LONDON_MANUFACTURING, berd_frames, bres_frame, claim, evaluate_one
from vega_eval import marks

from futurecity.claims import evaluate, ledger, measures, rules
from futurecity.claims.measures import Inputs
from futurecity.topics import berd, bres, longrun, music
from futurecity.topics.tables import growth_between
from futurecity.viz import badges


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return Inputs()


# --- claims engine ----------------------------------------------------------------------------------------------

def test_values_are_judged_at_four_decimals():
    """rules.py DIGITS = 4 -> 5 (and -> 3): a value is rounded to 4 decimals before its rule judges it."""
    within = {"kind": "within", "tolerance": 1}
    assert rules.apply_rule(within, 3.00004, 2) == rules.REPRODUCED  # 3.0000 once rounded: on the boundary
    assert rules.apply_rule(within, 3.0004, 2) == rules.DIFFERS      # 3.0004: outside


def test_only_a_claim_that_differs_gets_its_reasons_and_offset():
    """evaluate.py `status == DIFFERS and explanation` -> `or`: a reproduced claim's note carries no
    'Likely reasons' (and no 'Off by')."""
    c = claim("X-1", LONDON_MANUFACTURING, {"kind": "within", "tolerance": 1.5}, 7)
    ok = evaluate_one(c, {"bres_employment": bres_frame(107.0)})
    assert ok["status"] == rules.REPRODUCED
    assert "Likely reasons" not in ok["note"] and "Off by" not in ok["note"]
    off = evaluate_one(c, {"bres_employment": bres_frame(103.0)})
    assert off["status"] == rules.DIFFERS
    assert "Off by -4.00." in off["note"] and "Likely reasons: the fixture says so." in off["note"]


def test_a_chapter_table_shows_that_chapters_claims_only():
    """evaluate.py `r["chapter"] == chapter` -> `!=`: the table a chapter displays holds its own claims."""
    five = claim("X-5", LONDON_MANUFACTURING, {"kind": "within", "tolerance": 1.5}, 7)
    nine = {**claim("X-9", None, {"kind": "within", "tolerance": 1}, 1), "chapter": 9}
    results = evaluate.evaluate(Inputs(frames={"bres_employment": bres_frame(107.0)}), claims=[five, nine])
    table = evaluate.chapter_table(results, 5)
    assert list(table.index) == ["X-5"]
    assert table.loc["X-5", "Status"] == rules.REPRODUCED and table.loc["X-5", "Recomputed"] == "7"


def test_growth_between_has_its_documented_columns():
    """tables.py `out.insert(len(by) + 1, "end", end)` -> `+ 2` / `- 1`: the columns are by, start, end,
    value_start, value_end, growth, in that order; tables.py min/max swapped in the message naming the years
    present."""
    frame = pd.DataFrame({"year": [2000, 2001, 2000, 2001], "area": ["a", "a", "b", "b"],
                          "value": [100.0, 110.0, 50.0, 40.0]})
    out = growth_between(frame, ["area"], 2000, 2001)
    assert list(out.columns) == ["area", "start", "end", "value_start", "value_end", "growth"]
    assert out["growth"].tolist() == pytest.approx([10.0, -20.0])
    with pytest.raises(ValueError, match="no year \\[2005\\]; years present: 2000-2001"):
        growth_between(frame, ["area"], 2000, 2005)


# --- BRES -------------------------------------------------------------------------------------------------------

def test_bres_manufacturing_is_divisions_10_to_33(inputs):
    """bres.py the quoted facts min/max(MANUFACTURING_DIVISIONS) swapped, and bres.py range(10, 34)
    -> range(10, 35): the book says divisions 10-33, and division 34 does not exist in SIC 2007."""
    facts = bres.facts(inputs, {"start": 2015, "end": 2019})
    assert (facts["manufacturing_first"].value, facts["manufacturing_last"].value) == (10, 33)
    assert bres.is_manufacturing(pd.Series(["9", "10", "33", "34", "35"])).tolist() == [False, True, True, False,
                                                                                         False]


def test_great_britain_rows_are_named_great_britain(inputs):
    """bres.py geography_name=GREAT_BRITAIN[1] -> [0]: the chart's bar for GB would be labelled K03000001."""
    country = bres.totals(inputs).query("level == 'country'")
    assert set(country["geography_code"]) == {"K03000001"}
    assert set(country["geography_name"]) == {"Great Britain"}


def test_bres_jupyter_view_refuses_a_window_of_no_years(inputs):
    """bres.py `bres_start >= bres_end` -> `>`: start == end gives the message, not bars of 0% growth."""
    assert "choose two different years" in json.dumps(
        bres.growth_view(bres.totals(inputs), 2016, 2016, "London").to_dict())


# --- controls: every year can be chosen, smoothing starts off ------------------------------------------------------

def test_year_sliders_step_one_year_and_smoothing_starts_at_one(inputs):
    """bres.py, berd.py (slider step 1 -> 2 / 0) and longrun.py (smoothing step or
    default 1 -> 2): a reader can choose every year, and the long-run chart opens on the observations."""
    start, end, _ = bres.controls(bres.totals(inputs), {"start": 2015, "end": 2019})
    assert start.step == end.step == 1
    berd_end, _, base, _ = berd.controls(berd.chart_table_of(inputs), {"start": 2010, "end": 2019})
    assert berd_end.step == base.step == 1
    first, smoothing = longrun.controls(longrun.shares(inputs))
    assert first.step == smoothing.step == 1
    assert (smoothing.min, smoothing.value, smoothing.max) == (1, 1, longrun.MAX_SMOOTHING)


def test_default_settings_of_the_controls(inputs):
    """berd.py PRICES[0] -> PRICES[1] (the BERD chart would open in real terms, not in the cash terms most of its
    quoted figures use) and longrun.py
    `.max().min()` -> `.max().max()` (the first-year slider would run past the end of the shorter series)."""
    _, prices, _, deflator = berd.controls(berd.chart_table_of(inputs), {"start": 2010, "end": 2019})
    assert prices.value == "nominal" and deflator.value == "ybgb"
    frame = longrun.shares(inputs)
    first, _ = longrun.controls(frame)
    last_years = frame.groupby("series")["year"].max()
    assert (first.min, first.max) == (frame["year"].min(), last_years.min() - 1)


# --- the long-run shares ------------------------------------------------------------------------------------------

def test_a_us_year_needs_all_twelve_months_of_both_series():
    """longrun.py `count().min(axis=1) == 12` -> `max`: a year in which PAYEMS lacks a month is left out
    even though MANEMP has all twelve (the pinned file never has one series ahead of the other)."""
    months = pd.date_range("2000-01-01", "2001-12-01", freq="MS")
    rows = [(d, "MANEMP", 10.0) for d in months] + [(d, "PAYEMS", 100.0) for d in months[:-1]]
    src = pd.DataFrame(rows, columns=["date", "series", "value"])
    out = longrun.us_manufacturing_share(src)
    assert out["year"].tolist() == [2000]
    assert out["value"].tolist() == [10.0]


def test_the_us_benchmark_year_is_a_post_war_high_point(inputs):
    """longrun.py US_BENCHMARK_YEAR 1953 -> 1952 / 1954: the prose calls it a post-war high point, so the
    share that year is above the years either side."""
    us = longrun.series_of(longrun.shares(inputs), longrun.US_SERIES).set_index("year")["value"]
    year = longrun.US_BENCHMARK_YEAR
    assert year > 1945
    assert us[year] > us[year - 1] and us[year] > us[year + 1]


# --- music ------------------------------------------------------------------------------------------------------

def test_music_half_year_is_the_first_year_above_fifty_per_cent():
    """music.py first_year_above(share, 50) -> 51 / 49: on the pinned data streaming jumps past 52% in 2016,
    so only a frame with shares of 49.5, 50.5 and 80% tells the thresholds apart."""
    rows = []
    for year, streaming, cd in ((2000, 49.5, 50.5), (2001, 50.5, 49.5), (2002, 80.0, 20.0)):
        for metric in ("Value", "Value (Adjusted)"):
            rows += [(year, "Paid Subscription", metric, streaming), (year, "CD", metric, cd)]
    riaa = pd.DataFrame(rows, columns=["year", "format", "metric", "value"]).assign(unit="US$ million")
    riaa.attrs.update(source="riaa_sales", vintage="fixture", vintage_label="a fixture")
    facts = music.facts(Inputs(frames={"riaa_sales": riaa}))
    assert facts["music_half_year"].value == 2001


# --- BERD ---------------------------------------------------------------------------------------------------------

def test_vintages_are_compared_on_the_years_both_hold_for_all_berd(inputs):
    """berd.py `compared["series"] == TOTAL` -> `!=`: the years two vintages share are those in which both hold
    the published total, not merely some product group."""
    import oracles

    compared = berd.comparison(berd.vintages(inputs))
    both = sorted(set(oracles.release_row(2017, "2", cdid="DLBX").dropna().index)
                  & set(oracles.release_row(2014, "2", cdid="DLBX").dropna().index))
    assert berd.common_years(compared, "2017 release", "2014 release") == both
    gone = (compared["vintage"] == "2014 release") & (compared["series"] == berd.TOTAL) & (compared["year"] == both[-1])
    assert berd.common_years(compared[~gone], "2017 release", "2014 release") == both[:-1]


# --- BERD in the browser --------------------------------------------------------------------------------------------

def _badge(found: dict, claim_id: str) -> dict:
    name = badges.badge_name(claim_id)
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, (name, sorted(found))
    (item,) = found[hits[0]]
    return item


def test_berd_gap_badge_takes_the_fastest_of_every_versus_region(inputs):
    """berd.py `indexof(versus, datum.series) >= 0` -> `> 0`: the first region of ``versus`` would be left
    out of the browser's maximum. The ledger's C5-6 lists the Midlands in an order whose first region is never
    the faster on the pinned data, so the same claim is drawn with ``versus`` in both orders."""
    defs = ledger.chapter_claims(5)
    gap = next(c for c in defs if c.get("measure", {}).get("kind") == "berd_region_gap")
    variants = []
    for cid, versus in (("GAP-A", list(gap["measure"]["versus"])), ("GAP-B", list(reversed(gap["measure"]["versus"])))):
        c = copy.deepcopy(gap)
        c["id"], c["measure"]["versus"] = cid, versus
        variants.append(c)
    table = berd.chart_table_of(inputs)
    window = gap["window"]
    chart = berd.growth_chart(table, inputs.frame(berd.DEFLATOR_SOURCE), variants, window,
                              *berd.controls(table, window))
    ends = (2015, 2017)
    found = marks(chart.to_dict(), [{"berd_end": e, "berd_prices": "nominal", "berd_base": 2017} for e in ends])
    for end, got in zip(ends, found, strict=True):
        for c in variants:
            params = {k: v for k, v in c["measure"].items() if k != "kind"}
            want = measures.get("berd_region_gap").compute(inputs, params, window["start"], end)
            assert _badge(got, c["id"])["badge_value"] == pytest.approx(want, abs=2e-3), (c["id"], end)
