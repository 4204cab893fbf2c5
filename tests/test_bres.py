"""Employment growth (futurecity.bres) against a plain pandas computation on the pinned BRES file.

The expected values are computed here from the CSV itself, with nothing imported from futurecity.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from futurecity.claims import ledger as claims_ledger
from futurecity.data import store
from futurecity.topics import bres
from futurecity.viz.embed import wide_by_year
from futurecity.viz import badges

BRES_FILE = "uk/bres_employment_nuts2_sic2digit_2015_2021.csv"
PAIRS = [(2015, 2019), (2016, 2021), (2015, 2021), (2019, 2020), (2018, 2016)]


@pytest.fixture(scope="module")
def raw(snapshot_dir) -> pd.DataFrame:
    """The pinned CSV, read with pandas alone: manufacturing flag and NUTS1 region added."""
    f = pd.read_csv(snapshot_dir / BRES_FILE, dtype={"INDUSTRY_CODE": str, "GEOGRAPHY_CODE": str})
    division = f["INDUSTRY_CODE"].astype(int)
    return f.assign(manufacturing=(division >= 10) & (division <= 33), region=f["GEOGRAPHY_CODE"].str[:3])


@pytest.fixture(scope="module")
def totals() -> pd.DataFrame:
    return bres.sector_totals(store.load(bres.SOURCE))


def expected_growth(frame: pd.DataFrame, start: int, end: int) -> float:
    by_year = frame.groupby("DATE")["COUNT"].sum()
    return (by_year[end] / by_year[start] - 1) * 100


@pytest.mark.parametrize("start, end", PAIRS)
def test_great_britain_growth_matches_plain_pandas(raw, totals, start, end):
    got = bres.growth(totals, start, end)
    assert bres.growth_of(got, bres.GREAT_BRITAIN[0], "manufacturing") == pytest.approx(
        expected_growth(raw[raw["manufacturing"]], start, end), abs=1e-9)
    assert bres.growth_of(got, bres.GREAT_BRITAIN[0], "all") == pytest.approx(
        expected_growth(raw, start, end), abs=1e-9)


@pytest.mark.parametrize("start, end", PAIRS)
def test_every_region_matches_plain_pandas(raw, totals, start, end):
    got = bres.growth(totals, start, end)
    regions = sorted(raw["region"].unique())
    assert sorted(got.loc[got["level"] == "region", "geography_code"].unique()) == regions
    for region in regions:
        mine = raw[raw["region"] == region]
        assert bres.growth_of(got, region, "manufacturing") == pytest.approx(
            expected_growth(mine[mine["manufacturing"]], start, end), abs=1e-9)
        assert bres.growth_of(got, region, "all") == pytest.approx(expected_growth(mine, start, end), abs=1e-9)


def test_ranking_matches_a_plain_sort(raw, totals):
    manufacturing = raw[raw["manufacturing"]].groupby(["region", "DATE"])["COUNT"].sum().unstack()
    order = ((manufacturing[2019] / manufacturing[2015] - 1) * 100).sort_values(ascending=False)
    ranked = bres.ranking(bres.growth(totals, 2015, 2019))
    assert list(ranked["geography_code"]) == list(order.index)
    assert list(ranked["rank"]) == list(range(1, len(order) + 1))
    worst = max(list(order.index).index("UKI"), list(order.index).index("UKJ")) + 1
    assert bres.worst_rank(bres.growth(totals, 2015, 2019), ["UKI", "UKJ"]) == worst


def test_great_britain_is_the_sum_of_its_regions(totals):
    country = totals[totals["level"] == "country"].set_index(["year", "sector"])["value"]
    regions = totals[totals["level"] == "region"].groupby(["year", "sector"])["value"].sum()
    pd.testing.assert_series_equal(country.sort_index(), regions.sort_index(), check_names=False)


def test_every_region_has_a_name(raw, totals):
    assert set(raw["region"]) <= set(bres.REGIONS)
    named = totals[totals["level"] == "region"]
    assert named["geography_name"].notna().all()
    assert named.groupby("geography_code")["geography_name"].nunique().eq(1).all()
    assert totals.attrs["source"] == "bres_employment"


def test_a_missing_year_or_an_unknown_area_is_an_error(totals):
    with pytest.raises(ValueError, match="no year"):
        bres.growth(totals, 2010, 2019)
    odd = store.load(bres.SOURCE).head(3).assign(geography_code="ZZZ1")
    with pytest.raises(ValueError, match="NUTS1"):
        bres.sector_totals(odd)


def test_wide_by_year_round_trips(totals):
    keys = ["geography_code", "geography_name", "level", "sector"]
    wide = wide_by_year(totals, keys)
    assert len(wide) == totals[keys].drop_duplicates().shape[0]
    back = wide.melt(id_vars=keys, var_name="year", value_name="value").astype({"year": "int64"})
    merged = back.merge(totals, on=keys + ["year"], suffixes=("_back", ""))
    assert len(merged) == len(totals)
    assert (merged["value_back"] == merged["value"]).all()


def test_the_chart_embeds_the_aggregated_table_only(totals):
    ledger = claims_ledger.chapter_claims(5)
    window = claims_ledger.definition("C5-8a", ledger)["window"]
    start, end, region = bres.controls(totals, window)
    assert (start.min, start.max, start.value) == (totals["year"].min(), totals["year"].max(), window["start"])
    assert (end.min, end.max, end.value) == (totals["year"].min(), totals["year"].max(), window["end"])
    spec = bres.growth_figure(bres.growth_chart(totals, ledger, start, end, region), totals).to_dict()
    rows = sum(len(d) for d in spec["datasets"].values())
    assert rows == totals[["geography_code", "sector"]].drop_duplicates().shape[0]
    assert len(json.dumps(spec)) < 75_000  # the table and the marks of five badges
    assert {p["name"] for p in spec["params"]} == {start.name, end.name, region.name, badges.WIDTH_PARAM}
    text = json.dumps(spec)
    for c in ledger:
        if c.get("measure", {}).get("kind", "").startswith("bres_"):
            assert c["id"] in text


def test_the_jupyter_view_computes_the_same_growth_as_plain_pandas(raw, totals):
    """The ipywidgets path (growth_view) draws, for each region, the growth plain pandas gives."""
    spec = bres.growth_view(totals, 2016, 2021, "London").to_dict()
    bars = {row["geography_name"]: row for row in spec["datasets"][spec["data"]["name"]]}
    manufacturing = raw[raw["manufacturing"]]
    for region, rows in manufacturing.groupby("region"):
        name = rows["GEOGRAPHY_NAME"].iloc[0]  # a NUTS2 name; match by the region's share of rows instead
        expected = expected_growth(rows, 2016, 2021)
        found = [b for b in bars.values() if abs(b["growth"] - expected) < 1e-9]
        assert found, f"region {region} ({name}): no bar with growth {expected}"
    assert [b["geography_name"] for b in bars.values() if b["highlighted"]] == ["London"]
    assert "choose two different years" in json.dumps(bres.growth_view(totals, 2017, 2017, "London").to_dict())
    swapped, ordered = (bres.growth_view(totals, *years, "London").to_dict() for years in ((2021, 2016), (2016, 2021)))
    assert swapped["datasets"] == ordered["datasets"]
