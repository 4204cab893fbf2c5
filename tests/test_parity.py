"""Parity of the book's interactive charts with independent pandas computations, over a grid of control settings.

Each chart with controls is compiled and run headlessly under node (``tests/vega_eval.py``: one node process per
chart for all its settings), as a reader's browser would run it, and every plotted value, rank, badge value and
badge verdict is compared with the plain-pandas oracles of ``tests/oracles.py`` (which share no code with the
package). What these tests catch: browser code that sorts a rank the wrong way, inflates instead of deflating,
smooths over the wrong window, gives a wrong verdict or filters the wrong basis, on any setting of the grid, not
only the default one.

Failures are collected per chart and reported together, each naming the setting and the item.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

import oracles
from futurecity import topics
from futurecity.claims import evaluate, ledger, measures, rules
from futurecity.claims.measures import Inputs
from futurecity.viz import badges, status
from page_controls import MODES, over_modes
from test_browser import browser, server  # noqa: F401 (fixtures of the "page" mode)
from vega_eval import marks, moved

# Each chart's grid is evaluated three ways (page_controls.MODES): a fresh view per setting; ONE live view whose
# controls are moved through the grid one after another, back and forth (vega_eval.reader_path), as a reader moves
# them; and the same moves in Chromium through the book page's own inputs.

topics.load_all()  # every measure registered, so the claims engine evaluates chapter 5 fully

from futurecity.topics import berd, bres, longrun, music  # noqa: E402

GROWTH_ABS = 1e-6      # per cent; values computed from the same integer counts (BRES) or the same floats
BERD_LEVEL_REL = 1e-6  # the BERD chart embeds cash rounded to 0.001 GBP million
BERD_GROWTH_ABS = 2e-3  # percentage points: growth from those rounded values


# --- helpers -----------------------------------------------------------------------------------------------

def mark(found: dict[str, list[dict]], name: str, where: str) -> list[dict]:
    """The items of the one mark named ``<name>_marks`` or ``<name>_<i>_marks`` (a layer inside a concat)."""
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, f"{where}: expected one mark named {name}[_<i>]_marks, found {hits} among {sorted(found)}"
    return found[hits[0]]


def d3(value: float, fmt: str = "+.1f") -> str:
    """What Vega's ``format(value, fmt)`` writes for the formats used here (a hyphen for the minus sign)."""
    return format(value, "d" if fmt == "d" else fmt)


def plain_minus(text: str) -> str:
    """d3-format writes U+2212 for a minus sign: make it a hyphen for comparisons."""
    return text.replace("\u2212", "-")


class Problems:
    """Mismatches collected over a whole grid, reported together."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def close(self, got, want, where: str, abs: float = 0.0, rel: float = 0.0) -> None:
        if got is None or want is None or (isinstance(want, float) and math.isnan(want)):
            if not (got is None and (want is None or (isinstance(want, float) and math.isnan(want)))):
                self.lines.append(f"{where}: browser {got!r}, pandas {want!r}")
            return
        if got != pytest.approx(want, abs=abs, rel=rel):
            self.lines.append(f"{where}: browser {got!r}, pandas {want!r} (off by {got - want:+.3g})")

    def equal(self, got, want, where: str) -> None:
        if got != want:
            self.lines.append(f"{where}: browser {got!r}, expected {want!r}")

    def check(self, what: str) -> None:
        shown = self.lines[:40]
        more = f"\n... and {len(self.lines) - 40} more" if len(self.lines) > 40 else ""
        assert not self.lines, f"{what}: {len(self.lines)} mismatches\n" + "\n".join(shown) + more


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return Inputs()


@pytest.fixture(scope="module")
def claim_defs() -> list[dict]:
    return ledger.chapter_claims(5)


# --- Chapter 1: the long-run shares, start year x smoothing ------------------------------------------------------

SMOOTHING = (1, 2, 5, 15)


@pytest.fixture(scope="module")
def longrun_run(inputs):
    frame = longrun.shares(inputs)
    start, smoothing = longrun.controls(frame)
    starts = sorted({int(start.min), 1900, 1975, int(start.max)})
    settings = [{"start_year": s, "smoothing": n} for s in starts for n in SMOOTHING]
    found = marks(longrun.longrun_chart(frame, start, smoothing).to_dict(), settings)
    return frame, settings, found


def longrun_expected(start_year: int, smoothing: int) -> dict[tuple[str, int], float]:
    """(series, year) -> trailing mean over ``smoothing`` years, for years >= start_year (oracles only)."""
    out = {}
    for series, values in ((longrun.UK_SERIES, oracles.owid_industry_share()),
                           (longrun.US_SERIES, oracles.us_manufacturing_share())):
        smooth = oracles.trailing_mean(values, smoothing)
        out.update({(series, int(y)): float(v) for y, v in smooth.items() if y >= start_year})
    return out


def test_longrun_line_and_dots_equal_the_trailing_mean_for_every_start_and_smoothing(longrun_run):
    _, settings, found = longrun_run
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        want = longrun_expected(setting["start_year"], setting["smoothing"])
        for name in ("longrun_line", "longrun_dots"):
            items = mark(got, name, f"{setting}")
            shown = {}
            for item in items:
                key = (item["series"], int(item["year"]))
                if key in shown:
                    problems.lines.append(f"{setting} {name}: {key} drawn twice")
                shown[key] = item["value"]
            missing, extra = sorted(set(want) - set(shown)), sorted(set(shown) - set(want))
            if missing or extra:
                problems.lines.append(f"{setting} {name}: years differ; missing {missing[:5]}, extra {extra[:5]}")
            for key in sorted(set(want) & set(shown)):
                problems.close(shown[key], want[key], f"{setting} {name} {key[0][:2]} {key[1]}", abs=1e-9)
    problems.check("long-run chart vs oracles.trailing_mean")


def test_longrun_pandas_twin_agrees_with_the_oracle(longrun_run):
    frame, settings, _ = longrun_run
    problems = Problems()
    for n in SMOOTHING:
        want = longrun_expected(int(frame["year"].min()), n)
        twin = longrun.rolling_mean(frame, n)
        got = {(r.series, int(r.year)): r.value for r in twin.itertuples()}
        problems.equal(sorted(got), sorted(want), f"smoothing {n}: (series, year) keys")
        for key in set(got) & set(want):
            problems.close(got[key], want[key], f"smoothing {n} {key[0][:2]} {key[1]}", abs=1e-9)
    problems.check("longrun.rolling_mean vs oracles.trailing_mean")


# --- Chapter 4: the long run in shares or jobs, start year x smoothing x measure --------------------------------

@pytest.fixture(scope="module")
def longrun_jobs_run(inputs):
    frame = longrun.shares(inputs)
    start, smoothing = longrun.controls(frame)
    settings = [{"start_year": s, "smoothing": n, "longrun_measure": m}
                for s in (int(start.min), 1975) for n in (1, 5) for m in longrun.MEASURES]
    found = marks(longrun.longrun_chart(frame, start, smoothing, longrun.measure_control()).to_dict(), settings)
    return frame, settings, found


def test_longrun_chart_shows_shares_or_jobs_as_chosen(longrun_jobs_run):
    _, settings, found = longrun_jobs_run
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        start, n, measure = setting["start_year"], setting["smoothing"], setting["longrun_measure"]
        sources = ((longrun.UK_SERIES, oracles.owid_industry_share(), oracles.owid_industry_jobs()),
                   (longrun.US_SERIES, oracles.us_manufacturing_share(), oracles.us_manufacturing_jobs()))
        want = {}
        for series, share, jobs in sources:
            values = oracles.trailing_mean(jobs if measure == "jobs" else share, n)
            want.update({(series, int(y)): float(v) for y, v in values.items() if y >= start})
        shown = {(i["series"], int(i["year"])): i["shown"] for i in mark(got, "longrun_dots", f"{setting}")}
        problems.equal(sorted(shown), sorted(want), f"{setting} (series, year) keys")
        for key in set(shown) & set(want):
            problems.close(shown[key], want[key], f"{setting} {key[0][:2]} {key[1]}", abs=1e-9)
        unit = [i["__text"] for i in mark(got, "longrun_unit", f"{setting}")]
        problems.equal(unit, [longrun.UNITS[measure]], f"{setting} unit")
    problems.check("long-run chart in shares or jobs vs oracles")


def test_longrun_jobs_twin_agrees_with_the_oracle(inputs):
    frame = longrun.shares(inputs)
    twin = longrun.rolling_mean(frame, 5, column="jobs")
    got = twin[twin["series"] == longrun.US_SERIES].set_index("year")["jobs"]
    want = oracles.trailing_mean(oracles.us_manufacturing_jobs(), 5)
    assert sorted(got.index) == sorted(int(y) for y in want.index)
    assert got.to_numpy() == pytest.approx(want.sort_index().to_numpy(), abs=1e-9)


# --- Chapter 5: BRES employment growth, start x end x highlighted region ------------------------------------------

# (start, end) as a reader may set them: a start after the end is read as the window between the two years
BRES_WINDOWS = ((2015, 2019), (2016, 2021), (2015, 2017), (2018, 2020), (2015, 2021), (2020, 2021), (2021, 2016),
                (2019, 2015))
BRES_HIGHLIGHTS = ("London", "Wales")
GB = bres.GREAT_BRITAIN[0]


# moved: every start with every end (no start equal to an end: that shows a message, tested below), ends included
BRES_MOVES = {"bres_start": [2015, 2016, 2020], "bres_end": [2017, 2019, 2021], "bres_region": list(BRES_HIGHLIGHTS)}


@pytest.fixture(scope="module", params=MODES)
def bres_run(request, inputs, claim_defs):
    totals = bres.totals(inputs)
    window = ledger.definition("C5-8a", claim_defs)["window"]
    chart = bres.growth_chart(totals, claim_defs, *bres.controls(totals, window))
    if request.param != "fresh":
        assert window["start"] in BRES_MOVES["bres_start"] and window["end"] in BRES_MOVES["bres_end"]
        return over_modes(request, chart.to_dict(), BRES_MOVES, "05-prospects")
    assert (window["start"], window["end"]) in BRES_WINDOWS, "the grid must include the paper's window"
    settings = [{"bres_start": s, "bres_end": e, "bres_region": r} for s, e in BRES_WINDOWS for r in BRES_HIGHLIGHTS]
    return settings, marks(chart.to_dict(), settings)


@pytest.fixture(scope="module")
def chapter5_results(inputs):
    return evaluate.by_id(evaluate.evaluate(inputs, chapter=5))


def bres_growth(code: str, sector: str, start: int, end: int) -> float:
    if code == GB:
        return oracles.bres_gb_growth(sector, start, end)
    return float(oracles.bres_region_growth(sector, start, end)[code])


def bres_claims(claim_defs):
    return [c for c in claim_defs if c.get("measure", {}).get("kind", "").startswith("bres_")]


def test_bres_bars_and_ticks_equal_oracle_growth_for_every_area(bres_run):
    settings, found = bres_run
    codes = {GB, *oracles.bres_region_totals("all").columns}
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        (start, end), region = sorted((setting["bres_start"], setting["bres_end"])), setting["bres_region"]
        for name in ("bres_bars", "bres_ticks"):
            items = mark(got, name, f"{setting}")
            problems.equal(sorted(i["geography_code"] for i in items), sorted(codes), f"{setting} {name}: areas")
            for item in items:
                code = item["geography_code"]
                if code not in codes:
                    continue
                for sector in bres.SECTORS:
                    problems.close(item[sector], bres_growth(code, sector, start, end),
                                   f"{setting} {name} {code} {sector}", abs=GROWTH_ABS)
                want_role = "highlighted" if item["geography_name"] == region else (
                    "Great Britain" if code == GB else "region")
                problems.equal(item["role"], want_role, f"{setting} {name} {code} role")
    problems.check("BRES bars/ticks vs oracles")


def test_bres_highlight_line_gives_the_chosen_areas_growth(bres_run):
    settings, found = bres_run
    code_of = {v: k for k, v in bres.REGIONS.items()}
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        (start, end), region = sorted((setting["bres_start"], setting["bres_end"])), setting["bres_region"]
        items = mark(got, "bres_highlight", f"{setting}")
        if len(items) != 1:
            problems.lines.append(f"{setting} bres_highlight: {len(items)} items, expected 1")
            continue
        item = items[0]
        problems.equal(item["geography_name"], region, f"{setting} highlighted area")
        manufacturing = bres_growth(code_of[region], "manufacturing", start, end)
        everything = bres_growth(code_of[region], "all", start, end)
        problems.close(item["manufacturing"], manufacturing, f"{setting} highlight manufacturing", abs=GROWTH_ABS)
        problems.close(item["all"], everything, f"{setting} highlight all", abs=GROWTH_ABS)
        text = (f"Highlighted: {region}\nmanufacturing {d3(manufacturing)}% ({start}\u2013{end})\n"
                f"all industries {d3(everything)}%")
        problems.equal(plain_minus(item["__text"]), text, f"{setting} highlight text")
    problems.check("BRES highlighted line vs oracles")


def check_badge(got: dict, claim: dict, item: dict, shown: str, where: str, problems: Problems) -> None:
    """A badge is the claim's id, a pill saying the verdict with its icon (the status style), and the values:
    the paper's value first when the paper gives one, else the book's test after ours; ``shown`` (our value as
    the reader should read it) among them."""
    verdict, name = item["verdict"], badges.badge_name(claim["id"])
    pills = [i["__text"] for i in mark(got, name + "_status", where)]
    problems.equal(pills, [f"{status.STYLES[verdict].icon} {verdict}"], f"{where} pill")
    problems.equal([i["__text"] for i in mark(got, name + "_id", where)], [claim["id"]], f"{where} id")
    fills = [i["pill_fill"] for i in mark(got, name + "_pill", where)]
    problems.equal(fills, [status.STYLES[verdict].fill], f"{where} pill colour")
    text = plain_minus(item["__text"])
    paper = claim["paper_value"]
    first = "paper " if paper is not None else "here "
    if not text.startswith(first) or shown not in text or "\n" in text:
        problems.lines.append(f"{where}: badge values {text!r}: expected one line starting {first!r} with {shown!r}")
    if paper is None and "test: " not in text:
        problems.lines.append(f"{where}: badge values {text!r} do not give the book's test")


def test_bres_badges_values_ranks_and_verdicts(bres_run, claim_defs, chapter5_results):
    settings, found = bres_run
    claims = bres_claims(claim_defs)
    assert {c["measure"]["kind"] for c in claims} == {"bres_growth", "bres_worst_rank"}
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        start, end = sorted((setting["bres_start"], setting["bres_end"]))
        ranks = oracles.bres_region_ranks(start, end)
        for claim in claims:
            m, where = claim["measure"], f"{setting} {claim['id']}"
            items = mark(got, badges.badge_name(claim["id"]), where)
            if len(items) != 1:
                problems.lines.append(f"{where}: {len(items)} badge items, expected 1")
                continue
            item = items[0]
            if m["kind"] == "bres_growth":
                want = bres_growth(m["geography"], m["sector"], start, end)
                problems.close(item["badge_value"], want, f"{where} badge_value", abs=GROWTH_ABS)
                shown = f"here {d3(want)}%"
                if m["geography"] != GB and m["sector"] == "manufacturing":  # the region's own rank in the datum
                    problems.equal(item["rank"], int(ranks[m["geography"]]), f"{where} rank of {m['geography']}")
            else:
                want = oracles.bres_worst_rank(m["geographies"], start, end, m["sector"])
                problems.equal(item["badge_value"], want, f"{where} worst rank of {m['geographies']}")
                shown = f"here {want}"
            w = claim["window"]
            if (start, end) == (w["start"], w["end"]):
                result = chapter5_results[claim["id"]]
                problems.close(result["value"], want, f"{where} claims engine value vs oracle", abs=1e-3)
                verdict = result["status"]
            else:
                verdict = badges.ANOTHER_WINDOW
            problems.equal(item["verdict"], verdict, f"{where} verdict")
            check_badge(got, claim, item, shown, where, problems)
    problems.check("BRES badges vs oracles and the claims engine")


def test_bres_same_or_swapped_years_say_so(inputs, claim_defs):
    totals = bres.totals(inputs)
    window = ledger.definition("C5-8a", claim_defs)["window"]
    chart = bres.growth_chart(totals, claim_defs, *bres.controls(totals, window))
    same, ordered, swapped = marks(chart.to_dict(), [{"bres_start": 2017, "bres_end": 2017}, {},
                                                     {"bres_start": 2021, "bres_end": 2016}])
    assert all(not items for name, items in same.items() if name.startswith(("bres_bars", "bres_ticks", "claim_")))
    assert [i["__text"] for i in mark(same, "bres_message", "same years")] == [
        "Start and end are both 2017:\nchoose two different years."]
    assert mark(ordered, "bres_message", "paper's window") == []
    assert [i["__text"] for i in mark(swapped, "bres_message", "swapped years")] == [
        "The start year is after the end year:\ngrowth is shown from 2016 to 2021."]
    assert len(mark(ordered, "bres_bars", "paper's window")) == 12


def test_bres_bars_come_back_after_same_or_swapped_years_on_one_view(inputs, claim_defs):
    """Moved on one live view: the bars after same years, swapped years and both ends of the sliders are those a
    fresh view draws for the same setting."""
    totals = bres.totals(inputs)
    window = ledger.definition("C5-8a", claim_defs)["window"]
    spec = bres.growth_chart(totals, claim_defs, *bres.controls(totals, window)).to_dict()
    steps = [{"bres_end": 2021}, {"bres_start": 2021}, {"bres_end": 2015}, {"bres_start": 2015},
             {"bres_end": 2019}, {"bres_start": 2019}, {"bres_start": 2015}]
    settings, state = [], {"bres_start": window["start"], "bres_end": window["end"]}
    for step in steps:
        state = {**state, **step}
        settings.append(dict(state))
    live, fresh = moved(spec, steps), marks(spec, settings)
    for setting, got, want in zip(settings, live, fresh, strict=True):
        for name in ("bres_bars", "bres_message", *(badges.badge_name(c["id"]) for c in bres_claims(claim_defs))):
            assert mark(got, name, f"{setting}") == mark(want, name, f"{setting}"), f"{setting} {name}"


def test_bres_pandas_twin_agrees_with_the_oracle(inputs):
    totals = bres.totals(inputs)
    problems = Problems()
    for start, end in map(sorted, BRES_WINDOWS):
        table = bres.growth(totals, start, end)
        for row in table.itertuples():
            problems.close(row.growth, bres_growth(row.geography_code, row.sector, start, end),
                           f"{start}-{end} {row.geography_code} {row.sector}", abs=GROWTH_ABS)
        ranked = bres.ranking(table).set_index("geography_code")["rank"]
        problems.equal(ranked.to_dict(), oracles.bres_region_ranks(start, end).to_dict(), f"{start}-{end} ranks")
    problems.check("bres.growth / bres.ranking vs oracles")


# --- Chapter 5: BERD, end year x prices x base year ---------------------------------------------------------------

BERD_ENDS = (2011, 2014, 2017)
BERD_PRICES = ("real", "nominal")
BERD_BASES = (2006, 2010, 2017)
BERD_DEFLATORS = ("ybgb", "release")


@pytest.fixture(scope="module", params=MODES)
def berd_run(request, inputs, claim_defs):
    table = berd.chart_table_of(inputs)
    window = ledger.definition("C5-1", claim_defs)["window"]
    chart = berd.growth_chart(table, berd.deflators_of(inputs), claim_defs, window, *berd.controls(table, window))
    end, _, base, _ = berd.controls(table, window)
    assert (BERD_ENDS[0], BERD_ENDS[-1]) == (end.min, end.max) and (BERD_BASES[0], BERD_BASES[-1]) == (base.min, base.max)
    grid = {"berd_end": list(BERD_ENDS), "berd_prices": list(BERD_PRICES), "berd_base": list(BERD_BASES),
            "berd_deflator": list(BERD_DEFLATORS)}
    return (window, *over_modes(request, chart.to_dict(), grid, "05-prospects"))


def berd_oracle_growth(start: int, end: int, base: int, deflator: str = "ybgb") -> pd.DataFrame:
    """Rows: BERD series and regions of the 2017 release; columns nominal, real (oracles)."""
    return oracles.release_growth(start, end, base, deflator=deflator)


def test_berd_level_line_is_cash_or_deflated_to_the_base_year(berd_run):
    _, settings, found = berd_run
    cash = oracles.release_series_cash()["all BERD"].dropna()
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        want = (cash if setting["berd_prices"] == "nominal" else
                oracles.to_real_with(cash, setting["berd_base"], setting["berd_deflator"]))
        items = mark(got, "berd_level", f"{setting}")
        shown = {int(i["year"]): i["shown"] for i in items}
        problems.equal(sorted(shown), sorted(int(y) for y in want.index), f"{setting} berd_level years")
        for year in sorted(set(shown) & {int(y) for y in want.index}):
            problems.close(shown[year], float(want[year]), f"{setting} berd_level {year}", rel=BERD_LEVEL_REL)
    problems.check("BERD level line vs oracles (cash x deflator[base] / deflator[year])")


def test_berd_growth_bars_by_product_group_and_region(berd_run):
    window, settings, found = berd_run
    regions = sorted(oracles.release_region_cash().columns)
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        end, prices, base = setting["berd_end"], setting["berd_prices"], setting["berd_base"]
        want = berd_oracle_growth(window["start"], end, base, setting["berd_deflator"])
        for name, expected in (("berd_groups", sorted(berd.CHART_SERIES)), ("berd_regions", regions)):
            items = mark(got, name, f"{setting}")
            problems.equal(sorted(i["series"] for i in items), expected, f"{setting} {name}: series")
            for item in items:
                series, where = item["series"], f"{setting} {name} {item['series']}"
                if series not in want.index:
                    continue
                problems.equal(item["year"], end, f"{where} year")
                problems.close(item["growth_nominal"], want.loc[series, "nominal"], f"{where} nominal",
                               abs=BERD_GROWTH_ABS)
                problems.close(item["growth_real"], want.loc[series, "real"], f"{where} real", abs=BERD_GROWTH_ABS)
                problems.close(item["growth"], want.loc[series, prices], f"{where} growth ({prices})",
                               abs=BERD_GROWTH_ABS)
        total = mark(got, "berd_total_text", f"{setting}")
        if len(total) != 1:
            problems.lines.append(f"{setting} berd_total_text: {len(total)} items, expected 1")
            continue
        g = want.loc["all BERD", prices]
        problems.close(total[0]["growth"], g, f"{setting} total text growth", abs=BERD_GROWTH_ABS)
        terms = f"real terms (prices of {base})" if prices == "real" else "cash terms"
        head = f"All business R&D, {window['start']}\u2013{end}: {d3(g)}%\nin {terms}\n"
        text = plain_minus(total[0]["__text"])
        if not text.startswith(head):
            problems.lines.append(f"{setting} total text {text!r} does not start with {head!r}")
    problems.check("BERD growth bars vs oracles")


def berd_claim_value(m: dict, growth: pd.DataFrame) -> float:
    prices = m.get("prices", "nominal")
    if m["kind"] == "berd_growth":
        return float(growth.loc[m["series"], prices])
    if m["kind"] == "berd_region_growth":
        return float(growth.loc[m["geography"], prices])
    if m["kind"] == "berd_region_gap":
        return float(growth.loc[m["geography"], prices] - max(growth.loc[v, prices] for v in m["versus"]))
    raise AssertionError(f"unexpected BERD measure {m['kind']}")


def test_berd_badges_give_the_claims_measure_and_another_window(berd_run, claim_defs):
    window, settings, found = berd_run
    claims = [c for c in claim_defs if c.get("measure", {}).get("kind") in berd.CHART_MEASURES]
    assert {c["measure"]["kind"] for c in claims} == set(berd.CHART_MEASURES)
    assert all((c["window"]["start"], c["window"]["end"]) == (window["start"], 2019) for c in claims)
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        growth = berd_oracle_growth(window["start"], setting["berd_end"], setting["berd_base"],
                                    setting["berd_deflator"])
        for claim in claims:
            where = f"{setting} {claim['id']}"
            items = mark(got, badges.badge_name(claim["id"]), where)
            if len(items) != 1:
                problems.lines.append(f"{where}: {len(items)} badge items, expected 1")
                continue
            item, want = items[0], berd_claim_value(claim["measure"], growth)
            problems.close(item["badge_value"], want, f"{where} badge_value", abs=BERD_GROWTH_ABS)
            # the pinned data end (2017) before the claims' window (2019): no end year gives a verdict, and the
            # badge names that state as the claims table does
            problems.equal(item["verdict"], rules.NEEDS_LIVE, f"{where} verdict (pinned data end in 2017)")
            suffix = " pp" if claim["measure"]["kind"] == "berd_region_gap" else "%"
            basis = "real" if claim["measure"].get("prices") == "real" else "cash"
            check_badge(got, claim, item, f"here {d3(want)}{suffix} \u00b7 {basis}", where, problems)
    problems.check("BERD badges vs oracles")


def test_berd_pandas_twin_agrees_with_the_oracle(inputs, claim_defs):
    """The package's own measures (real at the deflator's reference year) give the oracle's growth."""
    problems = Problems()
    start = ledger.definition("C5-1", claim_defs)["window"]["start"]
    claims = [c for c in claim_defs if c.get("measure", {}).get("kind") in berd.CHART_MEASURES]
    for end in BERD_ENDS:
        growth = berd_oracle_growth(start, end, 2022)
        for claim in claims:
            m = claim["measure"]
            params = {k: v for k, v in m.items() if k != "kind"}
            got = measures.get(m["kind"]).compute(inputs, params, start, end)
            problems.close(got, berd_claim_value(m, growth), f"{claim['id']} {start}-{end}", abs=BERD_GROWTH_ABS)
    problems.check("BERD measures vs oracles")


# --- Chapter 5: music revenue, nominal or adjusted -----------------------------------------------------------------

MUSIC_BASES = ("nominal", "adjusted")
STREAMING = sorted(f for f, family in music.FAMILIES.items() if family == "streaming")


@pytest.fixture(scope="module", params=MODES)
def music_run(request, inputs):
    chart = music.revenue_chart(music.revenue(inputs), music.controls())
    return over_modes(request, chart.to_dict(), {"music_basis": list(MUSIC_BASES)}, "05-prospects")


def test_music_areas_sum_to_the_total_and_share_line_equals_streamings_share(music_run):
    settings, found = music_run
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        basis = setting["music_basis"]
        total = oracles.riaa_total(basis)
        share = oracles.riaa_streaming_share(STREAMING, basis)
        areas = mark(got, "music_areas", f"{setting}")
        problems.equal(sorted({i["basis"] for i in areas}), [basis], f"{setting} music_areas basis")
        sums, streaming = {}, {}
        for item in areas:
            year = int(item["year"])
            sums[year] = sums.get(year, 0.0) + item["value"]
            if item["family"] == "streaming":
                streaming[year] = item["value"]
        problems.equal(sorted(sums), sorted(int(y) for y in total.index), f"{setting} music_areas years")
        for year in sorted(set(sums) & {int(y) for y in total.index}):
            problems.close(sums[year], float(total[year]), f"{setting} music_areas total {year}", abs=1e-6, rel=1e-9)
            problems.close(streaming.get(year), float(share[year] * total[year] / 100),
                           f"{setting} music_areas streaming {year}", abs=1e-6, rel=1e-9)
        # streaming's share is nearly the same on both bases (RIAA adjusts every format by one factor a year), so
        # the line's own total and streaming revenue are checked too: they show which basis it was computed on
        items = mark(got, "music_share", f"{setting}")
        line = {int(i["year"]): i for i in items}
        positive = sorted(int(y) for y, t in total.items() if t > 0)
        problems.equal(sorted(line), positive, f"{setting} music_share years")
        problems.equal(sorted({i["basis"] for i in items}), [basis], f"{setting} music_share basis")
        for year in sorted(set(line) & set(positive)):
            item, where = line[year], f"{setting} music_share {year}"
            problems.close(item["share"], float(share[year]), f"{where} share", abs=1e-9)
            problems.close(item["total"], float(total[year]), f"{where} total", abs=1e-6, rel=1e-9)
            problems.close(item["value"], float(share[year] * total[year] / 100), f"{where} streaming revenue",
                           abs=1e-6, rel=1e-9)
    problems.check("music chart vs oracles")


def test_music_pandas_twin_agrees_with_the_oracle(inputs):
    table = music.revenue(inputs)
    problems = Problems()
    for basis in MUSIC_BASES:
        got = music.totals(table, basis)
        want = oracles.riaa_total(basis)
        problems.equal(sorted(got.index), sorted(want.index), f"{basis} years")
        for year in set(got.index) & set(want.index):
            problems.close(float(got[year]), float(want[year]), f"{basis} total {year}", abs=1e-6)
        share = music.streaming_share(table, basis).set_index("year")["share"]
        want_share = oracles.riaa_streaming_share(STREAMING, basis)
        for year in set(share.index) & set(want_share.index):
            problems.close(float(share[year]), float(want_share[year]), f"{basis} share {year}", abs=1e-9)
    problems.check("music.totals / music.streaming_share vs oracles")
