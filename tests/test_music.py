"""US recorded-music revenue by format family (futurecity.music) against the pinned RIAA file read with pandas."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from futurecity.data import store
from futurecity.topics import music
from futurecity.viz import badges

RIAA_FILE = "world/riaa_us_music_sales_by_format_1973_2019.csv"


@pytest.fixture(scope="module")
def raw(snapshot_dir) -> pd.DataFrame:
    f = pd.read_csv(snapshot_dir / RIAA_FILE)
    return f.dropna(subset=["value_actual"])


@pytest.fixture(scope="module")
def revenue() -> pd.DataFrame:
    return music.revenue_by_family(store.load(music.SOURCE))


def is_streaming(fmt: str) -> bool:
    """Streaming by its name, independently of the module's table: streams, subscriptions, SoundExchange."""
    return any(word in fmt for word in ("Streaming", "Subscription", "SoundExchange"))


def test_every_format_has_a_family(raw):
    assert set(raw["format"]) <= set(music.FAMILIES)
    assert set(music.FAMILIES.values()) == set(music.FAMILY_ORDER)
    with pytest.raises(ValueError, match="Wax cylinder"):
        music.family_of(pd.Series(["CD", "Wax cylinder"]))


@pytest.mark.parametrize("basis, metric", [("nominal", "Value"), ("adjusted", "Value (Adjusted)")])
def test_totals_match_the_file(raw, revenue, basis, metric):
    expected = raw[raw["metric"] == metric].groupby("year")["value_actual"].sum()
    got = music.totals(revenue, basis)
    pd.testing.assert_series_equal(got.loc[expected.index], expected, check_names=False, check_index_type=False)


def test_streaming_share_matches_a_name_based_count(raw, revenue):
    value = raw[raw["metric"] == "Value"]
    streaming = value[value["format"].map(is_streaming)].groupby("year")["value_actual"].sum()
    total = value.groupby("year")["value_actual"].sum()
    expected = (streaming.reindex(total.index, fill_value=0.0) / total * 100)
    got = music.streaming_share(revenue).set_index("year")["share"]
    pd.testing.assert_series_equal(got.loc[expected.index], expected, check_names=False, check_index_type=False)
    first = int(expected[expected > 50].index.min())
    assert music.first_year_above(music.streaming_share(revenue), 50) == first


def test_adjusted_base_year_is_where_the_two_series_meet(raw, revenue):
    money = raw[raw["metric"] != "Units"].pivot_table(index="year", columns="metric", values="value_actual",
                                                       aggfunc="sum")
    ratio = money["Value (Adjusted)"] / money["Value"]
    meets = ratio[(ratio - 1).abs() < 1e-3].index
    assert music.adjusted_base_year(revenue) == (int(meets[-1]) if len(meets) else None)


def test_every_family_in_every_year(revenue):
    assert len(revenue) == revenue["year"].nunique() * len(music.FAMILY_ORDER) * len(music.METRICS)
    assert revenue.attrs["source"] == "riaa_sales"


def test_the_chart_embeds_one_row_per_family_and_basis(revenue):
    spec = music.revenue_figure(music.revenue_chart(revenue, music.controls()), store.load(music.SOURCE), revenue).to_dict()
    rows = sum(len(d) for d in spec["datasets"].values())
    assert rows == len(music.FAMILY_ORDER) * len(music.METRICS)
    assert len(json.dumps(spec)) < 40_000
    assert [p["name"] for p in spec["params"]] == ["music_basis", badges.WIDTH_PARAM]


# --- the areas named at their ends (no legend far below them) ------------------------------------------------------

def _spec(revenue) -> dict:
    return music.revenue_figure(music.revenue_chart(revenue, music.controls()), store.load(music.SOURCE),
                                revenue).to_dict()


def test_each_area_is_named_at_its_end_in_the_middle_of_its_band_and_no_legend(raw, revenue):
    from vega_eval import moved

    spec = _spec(revenue)
    areas = json.dumps(spec["vconcat"][0])
    assert "legend" not in areas.replace('"legend": null', ""), "the areas keep a legend far below them"
    last = int(raw["year"].max())
    for basis, got in zip(["adjusted", "nominal", "adjusted"],
                          moved(spec, [{}, {"music_basis": "nominal"}, {"music_basis": "adjusted"}]), strict=True):
        areas = [a for a in got["music_areas_0_marks"] if int(a["year"]) == last]
        bands = {a["family"]: (a["value_start"], a["value_end"]) for a in areas if a["value"] > 0}
        ends = {e["__text"]: e for e in got["music_ends_0_marks"]}
        assert sorted(ends) == sorted(bands), (basis, sorted(ends), sorted(bands))
        for family, (low, high) in bands.items():
            assert ends[family]["year"] == last and ends[family]["middle"] == pytest.approx((low + high) / 2), family
        # the bands of the last year stack the file's own totals for that year and basis
        column = "Value (Adjusted)" if basis == "adjusted" else "Value"
        total = raw[(raw["year"] == last) & (raw["metric"] == column)]["value_actual"].sum()
        assert max(h for _, h in bands.values()) == pytest.approx(total, rel=1e-9), basis
