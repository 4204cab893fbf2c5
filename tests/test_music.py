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
