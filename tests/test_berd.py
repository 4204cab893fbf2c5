"""Business R&D (futurecity.topics.berd) from BERD's shares of GDP, against plain pandas on the pinned files.

The claims read ONS's release tables (tests/test_berd_releases.py); the shares of GDP (SDG 9.5.1) are the
approximation the chapter sets beside them, tested here. Expected values are computed from the SDG BERD file, the
regional GDP table and the deflator CSV read with pandas alone; ``data/berd_product_groups.csv`` is read directly.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest

from futurecity.claims import ledger as claims_ledger
from futurecity.claims.measures import Inputs
from futurecity.topics import berd

BERD_FILE = "uk/ons_sdg951_berd_pct_gdp_2006_2017.csv"
GDP_FILE = "uk/ons_regional_gdp_current_prices_uk_itl1_1998_2021.csv"
DEFLATOR_FILE = "uk/ons_ybgb_gdp_deflator_2025-06.csv"
MISC = "Miscellaneous business activities; Technical testing and analysis"
SOFTWARE = "Software development"
PROGRAMMING = "Computer programming and information service activities"


@pytest.fixture(scope="module")
def sdg(snapshot_dir) -> pd.DataFrame:
    f = pd.read_csv(snapshot_dir / BERD_FILE, dtype=str, keep_default_na=False)
    f = f[f["Sector"] == "Business enterprise"].copy()
    f["Year"] = f["Year"].astype(int)
    f["Value"] = f["Value"].where(f["Value"] != "").astype(float)  # an empty cell is a missing value
    return f.dropna(subset=["Value"])


@pytest.fixture(scope="module")
def uk_gdp(snapshot_dir) -> pd.Series:
    f = pd.read_csv(snapshot_dir / GDP_FILE, dtype=str)
    row = f[f["ITL code"] == "UK"].iloc[0]
    return pd.Series({int(y): float(row[y].replace(",", "")) for y in f.columns if y.isdigit()})


@pytest.fixture(scope="module")
def deflator(snapshot_dir) -> pd.Series:
    rows = csv.reader(io.StringIO((snapshot_dir / DEFLATOR_FILE).read_text(encoding="utf-8-sig")))
    return pd.Series({int(r[0]): float(r[1]) for r in rows if len(r) == 2 and re.fullmatch(r"\d{4}", r[0])})


@pytest.fixture(scope="module")
def table(project_root) -> pd.DataFrame:
    return pd.read_csv(project_root / "data" / "berd_product_groups.csv", dtype=str)


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return Inputs("pinned")


@pytest.fixture(scope="module")
def rows(inputs) -> pd.DataFrame:
    return berd.rows_of(inputs, berd.SHARES_SOURCE)  # the shares of GDP: cash is the approximation


@pytest.fixture(scope="module")
def series(rows) -> pd.DataFrame:
    return berd.uk_series(rows)


def uk_rows(sdg: pd.DataFrame) -> pd.DataFrame:
    return sdg[(sdg["Country"] == "") & (sdg["Region"] == "")]


def growth(values: pd.Series, start: int, end: int) -> float:
    return (values[end] / values[start] - 1) * 100


@pytest.mark.parametrize("end", [2011, 2014, 2017])
def test_total_cash_growth_is_share_times_gdp(sdg, uk_gdp, series, end):
    total = uk_rows(sdg)[uk_rows(sdg)["Product group"] == ""].set_index("Year")["Value"]
    cash = total * uk_gdp.reindex(total.index) / 100
    got = berd.growth(series, 2010, end, "series").set_index("series").loc[berd.TOTAL, "growth"]
    assert got == pytest.approx(growth(cash, 2010, end), abs=1e-9)


def test_real_growth_uses_the_annual_deflator_and_not_the_base_year(sdg, uk_gdp, deflator, series, inputs):
    total = uk_rows(sdg)[uk_rows(sdg)["Product group"] == ""].set_index("Year")["Value"]
    real = total * uk_gdp.reindex(total.index) / 100 / deflator.reindex(total.index)
    expected = growth(real, 2010, 2017)
    for base in (2006, 2010, 2017, 2022):
        deflated = berd.real(series, inputs.frame("gdp_deflator"), base)
        got = berd.growth(deflated, 2010, 2017, "series", "real_gbp_m").set_index("series").loc[berd.TOTAL]
        assert got["growth"] == pytest.approx(expected, abs=1e-9)
    at_2010 = berd.real(series, inputs.frame("gdp_deflator"), 2010).set_index(["series", "year"])
    assert at_2010.loc[(berd.TOTAL, 2010), "real_gbp_m"] == pytest.approx(at_2010.loc[(berd.TOTAL, 2010), "gbp_m"])


def test_group_growth_follows_the_grouping_table(sdg, uk_gdp, table, series):
    groups = dict(zip(table["product_group"], table["group"], strict=True))
    products = uk_rows(sdg)[uk_rows(sdg)["Product group"] != ""].copy()
    products["group"] = products["Product group"].map(groups)
    products["cash"] = products["Value"] * products["Year"].map(uk_gdp) / 100
    by_group = products.groupby(["group", "Year"])["cash"].sum()
    got = berd.growth(series, 2010, 2017, "series").set_index("series")["growth"]
    for group in ("manufacturing", "services", "miscellaneous business services", "other"):
        assert got[group] == pytest.approx(growth(by_group[group], 2010, 2017), abs=1e-9)
    services = by_group["services"] + by_group["miscellaneous business services"]
    assert got["all services"] == pytest.approx(growth(services, 2010, 2017), abs=1e-9)


def test_every_product_group_is_classified(sdg, table):
    in_data = set(uk_rows(sdg)["Product group"]) - {""}
    assert in_data == set(table["product_group"])
    assert set(table["group"]) == {"manufacturing", "services", "miscellaneous business services", "other"}
    assert table["note"].str.len().gt(0).all()
    group = dict(zip(table["product_group"], table["group"], strict=True))
    assert group[MISC] == "miscellaneous business services"
    assert group["Pharmaceuticals"] == group["Motor vehicles and parts"] == "manufacturing"
    assert group["Construction"] == "other"


def test_software_development_is_summed_into_one_comparable_line(sdg, uk_gdp, table, rows):
    line = dict(zip(table["product_group"], table["line"], strict=True))
    assert line[SOFTWARE] == line[PROGRAMMING]
    both = uk_rows(sdg)[uk_rows(sdg)["Product group"].isin([SOFTWARE, PROGRAMMING])]
    expected = (both.groupby("Year")["Value"].sum() * uk_gdp.reindex(range(2006, 2018)) / 100).dropna()
    lines = berd.product_lines(rows)
    got = lines[lines["line"] == line[SOFTWARE]].set_index("year")["gbp_m"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False,
                                   check_index_type=False)
    assert berd.classify(rows).attrs["unclassified"] == []
    shown = uk_rows(sdg)[uk_rows(sdg)["Product group"] == SOFTWARE]["Year"]
    assert berd.first_year_of(rows, SOFTWARE) == shown.min() > 2010


def test_regional_growth_and_share_change(sdg, uk_gdp, rows, series):
    london = sdg[sdg["Region"] == "London"].set_index("Year")["Value"] * uk_gdp.reindex(range(2006, 2018)) / 100
    got = berd.growth(berd.regional_series(rows), 2010, 2017, "geography_name").set_index("geography_name")
    assert got.loc["London", "growth"] == pytest.approx(growth(london.dropna(), 2010, 2017), abs=1e-9)
    total = uk_rows(sdg)[uk_rows(sdg)["Product group"] == ""].set_index("Year")["Value"]
    share = series[series["series"] == berd.TOTAL].set_index("year")["share_of_gdp"]
    assert share[2017] - share[2010] == pytest.approx(total[2017] - total[2010], abs=1e-12)


def test_a_frame_in_pounds_is_used_as_published(inputs):
    live = pd.DataFrame({"year": [2010, 2019], "measure": "BERD", "geography_code": "K02000001",
                         "geography_name": "United Kingdom", "product_group": "", "value": [100.0, 150.0],
                         "unit": "GBP million, current prices"})
    assert berd.is_cash(live) and not berd.is_cash(inputs.frame("berd"))
    got = berd.cash(live, inputs.frame("gdp_nominal"))
    assert list(got["gbp_m"]) == [100.0, 150.0]
    assert (got["basis"] == berd.PUBLISHED).all()
    with pytest.raises(ValueError):
        berd.is_cash(pd.concat([live, inputs.frame("berd").head(1)]))


def test_the_chart_embeds_a_small_table_and_its_controls_cover_the_data(series, rows, inputs):
    table = berd.chart_table(series, berd.regional_series(rows))
    ledger = claims_ledger.chapter_claims(5)
    window = claims_ledger.definition("C5-1", ledger)["window"]
    end, prices, base, deflator = berd.controls(table, window)
    first, last = berd.years(table)
    assert (end.min, end.max, end.value) == (window["start"] + 1, last, min(window["end"], last))
    assert (base.min, base.max) == (first, last)
    assert prices.options == ("nominal", "real") and prices.value == "nominal"  # cash first, as the text quotes
    assert deflator.options == ("ybgb", "release")
    deflators = berd.deflators(inputs.frame("gdp_deflator"), inputs.frame(berd.SOURCE))
    chart = berd.growth_chart(table, deflators, ledger, window, end, prices, base, deflator)
    spec = berd.growth_figure(chart, inputs, window, ledger).to_dict()
    assert "(London, East Midlands, West Midlands, North West) in orange" in spec["description"]
    rows_embedded = sum(len(d) for d in spec["datasets"].values())
    assert rows_embedded <= table[["panel", "series"]].drop_duplicates().shape[0] + (last - first + 1)
    assert len(json.dumps(spec)) < 60_000
    assert "England" not in set(table["series"])
