"""Sanity checks of tests/oracles.py: each compared with a second route through the raw file (csv module) or with
facts read off the snapshot files by hand. They can fail: the oracles are only useful if they are right."""

from __future__ import annotations

import ast
import csv
from collections import defaultdict

import pandas as pd
import pytest

import oracles

STREAMING = ["Paid Subscription", "Paid Subscriptions", "Limited Tier Paid Subscription",
             "On-Demand Streaming (Ad-Supported)", "Other Ad-Supported Streaming", "SoundExchange Distributions"]


def _rows(relative: str) -> list[dict]:
    with open(oracles.snapshots() / relative, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_oracles_do_not_import_futurecity():
    tree = ast.parse((oracles.PROJECT / "tests" / "oracles.py").read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert names and not [m for m in names if m.split(".")[0] == "futurecity"]


# --- generic helpers -------------------------------------------------------------------------------------------

def test_trailing_mean_treats_missing_years_as_gaps():
    s = pd.Series({2000: 1.0, 2001: 3.0, 2004: 5.0, 2005: 7.0})
    got = oracles.trailing_mean(s, 3)
    assert list(got.index) == [2000, 2001, 2004, 2005]
    assert got.tolist() == pytest.approx([1.0, 2.0, 5.0, 6.0])  # 2004: only 2004 in [2002, 2004]


def test_landmarks():
    s = pd.Series({1990: 2.0, 1991: None, 1992: 9.0, 1993: 4.0})
    assert oracles.landmarks(s) == {"first": (1990, 2.0), "peak": (1992, 9.0), "last": (1993, 4.0)}


# --- OWID / Herrendorf -----------------------------------------------------------------------------------------

def test_uk_industry_share_bounds_and_peak():
    share = oracles.owid_industry_share()
    assert ((share > 0) & (share < 100)).all()
    marks = oracles.landmarks(share)
    assert marks["peak"][0] < 1970
    assert marks["first"][0] == 1801 and marks["last"][0] == 2011
    assert share[1971] > share[2011]  # C4-1a's window


def test_uk_industry_share_second_route():
    rows = [r for r in _rows(oracles.OWID_FILE) if r["Entity"] == "United Kingdom"]
    cols = {k: next(c for c in rows[0] if c.startswith(f"Number of people employed in {k}"))
            for k in ("agriculture", "industry", "services")}
    share = oracles.owid_industry_share()
    for r in rows:
        vals = [r[cols[k]] for k in ("agriculture", "industry", "services")]
        year = int(r["Year"])
        if all(vals):
            a, i, s = map(float, vals)
            assert share[year] == pytest.approx(i / (a + i + s) * 100, rel=1e-12)
        else:
            assert year not in share.index


# --- FRED ------------------------------------------------------------------------------------------------------

def test_us_manufacturing_share_full_years_and_second_route():
    share = oracles.us_manufacturing_share()
    sums, months = defaultdict(lambda: [0.0, 0.0]), defaultdict(set)
    for r in _rows(oracles.FRED_FILE):
        month, _, year = r["observation_date"].split("/")
        sums[int(year)][0] += float(r["MANEMP"])
        sums[int(year)][1] += float(r["PAYEMS"])
        months[int(year)].add(int(month))
    full = sorted(y for y, m in months.items() if len(m) == 12)
    assert list(share.index) == full
    assert 2026 not in share.index  # the file ends in January 2026
    for year in full:
        man, pay = sums[year]
        assert share[year] == pytest.approx(man / pay * 100, rel=1e-12)  # equal month counts: ratio of sums
    assert share[1979] > share[full[-1]]


# --- BRES ------------------------------------------------------------------------------------------------------

def _bres_sums_by_csv() -> dict:
    out = defaultdict(int)
    for r in _rows(oracles.BRES_FILE):
        manufacturing = 10 <= int(r["INDUSTRY_CODE"]) <= 33
        for sector in ("all", "manufacturing") if manufacturing else ("all",):
            out[(sector, "GB", int(r["DATE"]))] += int(r["COUNT"])
            out[(sector, r["GEOGRAPHY_CODE"][:3], int(r["DATE"]))] += int(r["COUNT"])
    return out


def test_bres_growth_second_route():
    sums = _bres_sums_by_csv()
    for sector in ("manufacturing", "all"):
        want = (sums[(sector, "GB", 2019)] / sums[(sector, "GB", 2015)] - 1) * 100
        assert oracles.bres_gb_growth(sector, 2015, 2019) == pytest.approx(want, rel=1e-12)
    regional = oracles.bres_region_growth("manufacturing", 2015, 2019)
    assert len(regional) == 11
    for code, value in regional.items():
        want = (sums[("manufacturing", code, 2019)] / sums[("manufacturing", code, 2015)] - 1) * 100
        assert value == pytest.approx(want, rel=1e-12)


def test_bres_ranks():
    ranks = oracles.bres_region_ranks(2015, 2019)
    assert sorted(ranks) == list(range(1, 12))
    growth = oracles.bres_region_growth("manufacturing", 2015, 2019)
    assert ranks[growth.idxmax()] == 1 and ranks[growth.idxmin()] == 11
    assert oracles.bres_worst_rank(["UKI", "UKJ"], 2015, 2019) == max(ranks["UKI"], ranks["UKJ"])


# --- BERD ------------------------------------------------------------------------------------------------------

def test_deflator_annual_rows_only():
    d = oracles.gdp_deflator()
    assert list(d.index) == list(range(1948, 2025))
    assert d[2022] == 100.0


def test_berd_cash_second_route():
    gdp = next(r for r in _rows(oracles.GDP_FILE) if r["ITL code"] == "UK")
    pct = next(r for r in _rows(oracles.SDG_FILE)
               if r["Year"] == "2010" and r["Sector"] == "Business enterprise"
               and not (r["Country"] or r["Region"] or r["Product group"]))
    want = float(pct["Value"]) * float(gdp["2010"].replace(",", "")) / 100
    assert oracles.berd_uk_cash()[2010] == pytest.approx(want, rel=1e-12)


def test_berd_series_add_up():
    series = oracles.berd_series_cash()
    for year in (2010, 2017):
        row = series.loc[year]
        assert row["all services"] == pytest.approx(row["services"] + row["miscellaneous business services"])
        parts = row[["manufacturing", "services", "miscellaneous business services", "other"]].sum()
        assert parts == pytest.approx(row["all BERD"], rel=1e-3)  # product groups sum to the total


def test_berd_real_growth_below_nominal():
    g = oracles.berd_growth(2010, 2017)
    assert (g["real"] < g["nominal"]).all()  # the deflator rose from 2010 to 2017
    d = oracles.gdp_deflator()
    cash = oracles.berd_uk_cash()
    want = (cash[2017] / d[2017]) / (cash[2010] / d[2010]) * 100 - 100
    assert g.loc["all BERD", "real"] == pytest.approx(want)
    assert "London" in g.index and "North West" in g.index


# --- RIAA ------------------------------------------------------------------------------------------------------

def test_riaa_peak_base_year_and_streaming():
    totals = defaultdict(float)
    for r in _rows(oracles.RIAA_FILE):
        if r["metric"] == "Value (Adjusted)" and r["value_actual"] != "NA":
            totals[int(r["year"])] += float(r["value_actual"])
    peak = max(totals, key=totals.get)
    assert oracles.riaa_adjusted_peak()[0] == peak == 1999
    assert oracles.riaa_adjusted_peak()[1] == pytest.approx(totals[peak])
    assert oracles.riaa_base_year() == 2019
    share = oracles.riaa_streaming_share(STREAMING)
    assert ((share >= 0) & (share <= 100)).all()
    first = oracles.riaa_first_year_share_above(STREAMING)
    assert first == 2016 and share[first - 1] <= 50
