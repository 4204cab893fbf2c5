"""The long-run shares of Chapter 1 against a plain pandas reading of the pinned CSVs, and the chart's controls."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest

SNAPSHOTS = Path(os.environ.get("FUTURECITY_SNAPSHOTS") or Path(__file__).resolve().parents[2] / "shared" / "data")
OWID_CSV = SNAPSHOTS / "world" / "owid_herrendorf_employment_output_by_sector.csv"
FRED_CSV = SNAPSHOTS / "world" / "fred_MANEMP_PAYEMS_monthly.csv"


def require_snapshots() -> None:
    assert OWID_CSV.is_file() and FRED_CSV.is_file(), (
        f"pinned snapshots not found under {SNAPSHOTS}: set FUTURECITY_SNAPSHOTS to the shared data folder")


# --- expected values, from the CSVs alone ------------------------------------------------------------------

def expected_uk() -> pd.Series:
    require_snapshots()
    raw = pd.read_csv(OWID_CSV)
    uk = raw[raw["Entity"] == "United Kingdom"].set_index("Year")
    employed = uk[[c for c in uk.columns if c.startswith("Number of people employed")]]
    industry = employed[[c for c in employed.columns if " industry " in c]].squeeze(axis=1)
    complete = employed.notna().all(axis=1)
    return (industry / employed.sum(axis=1) * 100)[complete]


def expected_us() -> pd.Series:
    require_snapshots()
    raw = pd.read_csv(FRED_CSV)
    raw["year"] = pd.to_datetime(raw["observation_date"], format="%m/%d/%Y").dt.year
    by_year = raw.groupby("year")[["MANEMP", "PAYEMS"]]
    full = by_year.size() == 12
    means = by_year.mean()[full]
    return means["MANEMP"] / means["PAYEMS"] * 100


@pytest.fixture(scope="module")
def frames():
    require_snapshots()
    from futurecity.topics import longrun

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FUTURECITY_SNAPSHOTS", str(SNAPSHOTS))
        from futurecity.data import store

        uk = longrun.uk_industry_share(store.load(longrun.UK_SOURCE))
        us = longrun.us_manufacturing_share(store.load(longrun.US_SOURCE))
    return uk, us, longrun.longrun_shares(uk, us)


def as_series(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index("year")["value"]


# --- the shares ---------------------------------------------------------------------------------------------

def test_uk_share_matches_plain_pandas(frames):
    uk, _, _ = frames
    expected = expected_uk()
    got = as_series(uk)
    assert list(got.index) == list(expected.index)
    for year in (expected.index.min(), 1851, 1951, expected.index.max()):
        assert got.loc[year] == pytest.approx(expected.loc[year], rel=1e-12)
    pd.testing.assert_series_equal(got, expected, check_names=False, check_index_type=False, rtol=1e-12)


def test_us_share_is_ratio_of_annual_averages(frames):
    _, us, _ = frames
    expected = expected_us()
    got = as_series(us)
    assert list(got.index) == list(expected.index)
    for year in (1953, 2019):
        assert got.loc[year] == pytest.approx(expected.loc[year], rel=1e-12)
    pd.testing.assert_series_equal(got, expected, check_names=False, check_index_type=False, rtol=1e-12)


def test_us_partial_year_is_left_out(frames):
    _, us, _ = frames
    months = pd.to_datetime(pd.read_csv(FRED_CSV)["observation_date"], format="%m/%d/%Y").dt.year.value_counts()
    partial = set(months[months < 12].index)
    assert partial.isdisjoint(us["year"])
    assert set(us["year"]) == set(months[months == 12].index)


def test_labels_say_what_is_measured(frames):
    uk, us, shares = frames
    from futurecity.topics import longrun

    assert set(uk["series"]) == {longrun.UK_SERIES} and set(us["series"]) == {longrun.US_SERIES}
    assert "industry" in longrun.UK_SERIES and "construction" in longrun.UK_SERIES
    assert "manufacturing" in longrun.US_SERIES and "nonfarm payroll" in longrun.US_SERIES
    assert list(shares.columns) == ["year", "series", "value", "unit", "jobs"]
    assert not shares.duplicated(["series", "year"]).any()


def test_provenance_is_carried_over(frames):
    uk, us, shares = frames
    assert uk.attrs["source"] == "owid_sectors"
    assert us.attrs["source"] == "fred_manufacturing"
    assert uk.attrs["sha256"] == hashlib.sha256(OWID_CSV.read_bytes()).hexdigest()
    assert us.attrs["sha256"] == hashlib.sha256(FRED_CSV.read_bytes()).hexdigest()
    assert "annual" in us.attrs["derivation"]
    assert [a["source"] for a in shares.attrs["sources"]] == ["owid_sectors", "fred_manufacturing"]


def test_landmarks_match_plain_pandas(frames):
    _, _, shares = frames
    from futurecity.topics import longrun

    marks = longrun.landmarks(shares)
    for label, expected in ((longrun.UK_SERIES, expected_uk()), (longrun.US_SERIES, expected_us())):
        row = marks.loc[label]
        assert (row["first_year"], row["last_year"]) == (expected.index.min(), expected.index.max())
        assert row["peak_year"] == expected.idxmax()
        assert row["peak_value"] == pytest.approx(expected.max())
        assert row["last_value"] == pytest.approx(expected.iloc[-1])


# --- smoothing ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("window", [1, 3, 10])
@pytest.mark.parametrize("centred", [False, True])
def test_rolling_mean_matches_pandas_on_annual_series(frames, window, centred):
    _, us, _ = frames
    from futurecity.topics import longrun

    expected = expected_us().rolling(window, min_periods=1, center=centred).mean()
    got = as_series(longrun.rolling_mean(us, window, centred=centred))
    pd.testing.assert_series_equal(got, expected, check_names=False, check_index_type=False, rtol=1e-12)


def test_rolling_mean_counts_calendar_years_not_rows():
    from futurecity.topics import longrun

    frame = pd.DataFrame({"year": [2000, 2001, 2005, 2006], "series": "s", "value": [1.0, 2.0, 3.0, 4.0],
                          "unit": "u"})
    got = longrun.rolling_mean(frame, 3)
    assert list(got["year"]) == [2000, 2001, 2005, 2006]
    assert list(got["value"]) == [1.0, 1.5, 3.0, 3.5]


# --- the chart ----------------------------------------------------------------------------------------------

def test_chart_binds_both_params_to_range_inputs_and_embeds_annual_data(frames):
    _, _, shares = frames
    from futurecity.topics import longrun

    start, smoothing = longrun.controls(shares)
    spec = longrun.longrun_chart(shares, start, smoothing).to_dict()
    params = {p["name"]: p for p in spec["params"] if "bind" in p}  # the controls (a width signal has no input)
    assert set(params) == {"start_year", "smoothing"}
    assert all(p["bind"]["input"] == "range" for p in params.values())
    assert params["start_year"]["bind"]["min"] == min(expected_uk().index.min(), expected_us().index.min())
    assert params["smoothing"]["bind"]["min"] == 1 and params["smoothing"]["bind"]["max"] > 1

    exprs = " ".join(str(t) for t in spec["transform"])
    assert "smoothing" in exprs and "start_year" in exprs

    (rows,) = spec["datasets"].values()
    data = pd.DataFrame(rows)
    assert len(data) == len(expected_uk()) + len(expected_us()) < 400
    assert not data.duplicated(["series", "year"]).any()
    assert (data["year"] == data["year"].round()).all()
    us = data[data["series"] == longrun.US_SERIES].set_index("year")["value"]
    pd.testing.assert_series_equal(us, expected_us(), check_names=False, check_index_type=False, rtol=1e-12)


def test_view_for_widgets_filters_and_smooths(frames):
    _, _, shares = frames
    from futurecity.topics import longrun

    spec = longrun.longrun_view(shares, 1950, 5).to_dict()
    (rows,) = spec["datasets"].values()
    data = pd.DataFrame(rows)
    assert data["year"].min() == 1950
    us = data[data["series"] == longrun.US_SERIES].set_index("year")["value"]
    expected = expected_us().rolling(5, min_periods=1).mean().loc[1950:]
    pd.testing.assert_series_equal(us, expected, check_names=False, check_index_type=False, rtol=1e-12)


def test_chapter4_claims_are_the_change_of_each_share_between_their_years():
    """C4-1a (UK industry, 1971-2011) and C4-2 (US manufacturing, 1979 to the latest complete year) against the
    plain pandas readings of tests/oracles.py."""
    import oracles

    from futurecity import topics
    from futurecity.claims import evaluate

    topics.load_all()
    got = evaluate.by_id(evaluate.evaluate(chapter=4))
    uk, us = oracles.owid_industry_share(), oracles.us_manufacturing_share()
    assert got["C4-1a"]["value"] == pytest.approx(uk[2011] - uk[1971], abs=1e-4)
    assert got["C4-1a"]["status"] == ("reproduced" if uk[2011] < uk[1971] else "differs")
    latest = int(us.index.max())
    assert got["C4-2"]["value"] == pytest.approx(us[latest] - us[1979], abs=1e-4)
    assert got["C4-2"]["status"] == ("reproduced" if us[latest] < us[1979] else "differs")
    assert str(latest) in got["C4-2"]["note"]
