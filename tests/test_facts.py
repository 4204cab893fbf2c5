"""The facts each chapter glues into its prose, checked against independent plain-pandas oracles
(``tests/oracles.py``), not against futurecity's own output; and every fact the prose quotes exists and says
where it comes from."""

from __future__ import annotations

import importlib
import re

import nbformat
import pytest

import oracles
from conftest import PROJECT
from futurecity.topics import music

SERIES = ("uk", "us")


CHAPTERS = {"01-introduction": "introduction", "02-industry-40": "industry40", "03-platforms": "platforms",
            "04-city-value": "city_value", "05-prospects": "prospects", "06-conclusion": "conclusion"}


@pytest.fixture(scope="module")
def opened():
    """Each chapter opened once on the pinned data, by its notebook's name."""
    found = {}

    def open_chapter(doc: str):
        if doc not in found:
            found[doc] = importlib.import_module(f"futurecity.chapters.{CHAPTERS[doc]}").open()
        return found[doc]

    return open_chapter


@pytest.fixture(scope="module")
def ch1(opened):
    return opened("01-introduction")


@pytest.fixture(scope="module")
def ch5(opened):
    return opened("05-prospects")


def values(chapter) -> dict:
    return {name: f.value for name, f in chapter.facts.items()}


@pytest.mark.parametrize("doc", list(CHAPTERS))
def test_every_glued_name_in_the_prose_is_a_fact_with_its_provenance(doc, opened):
    chapter = opened(doc)
    nb = nbformat.read(PROJECT / "chapters" / f"{doc}.ipynb", as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    named = set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", prose))
    assert named and named <= set(chapter.facts), sorted(named - set(chapter.facts))
    for name in named:
        fact = chapter.facts[name]
        assert fact.about.strip(), name
        assert fact.sources or fact.claim or not isinstance(fact.value, float), f"{name} has no source"


def test_chapter1_landmarks_match_the_oracle(ch1):
    got = values(ch1)
    for prefix, series in (("uk", oracles.owid_industry_share()), ("us", oracles.us_manufacturing_share())):
        marks = oracles.landmarks(series)
        for when in ("first", "peak", "last"):
            year, value = marks[when]
            assert got[f"{prefix}_{when}_year"] == year, (prefix, when)
            assert got[f"{prefix}_{when}_share"] == pytest.approx(value, abs=1e-9), (prefix, when)
    us = oracles.us_manufacturing_share()
    assert got["us_benchmark_share"] == pytest.approx(us[got["us_benchmark_year"]], abs=1e-9)
    assert ch1.facts["uk_peak_share"].sources == ("owid_sectors",)
    assert ch1.facts["us_peak_share"].sources == ("fred_manufacturing",)


def test_chapter5_employment_facts_match_the_oracle(ch5):
    got = values(ch5)
    start, end = got["bres_start"], got["bres_end"]
    assert (start, end) == (2015, 2019)
    assert got["c58a_value"] == pytest.approx(oracles.bres_gb_growth("manufacturing", start, end), abs=1e-4)
    assert got["c58b_value"] == pytest.approx(oracles.bres_gb_growth("all", start, end), abs=1e-4)
    regional = oracles.bres_region_growth("manufacturing", start, end)
    assert got["c59a_value"] == pytest.approx(regional["UKI"], abs=1e-4)
    assert got["c59b_value"] == pytest.approx(regional["UKJ"], abs=1e-4)
    ranks = oracles.bres_region_ranks(start, end)
    assert got["london_rank"] == ranks["UKI"]
    assert got["n_regions"] == len(ranks)
    order = regional.sort_values(ascending=False)
    from futurecity.topics.bres import REGIONS  # a code list (names of NUTS1 codes), not a computation

    for i in (1, 2):
        assert got[f"rank{i}_name"] == REGIONS[order.index[i - 1]]
        assert got[f"rank{i}_growth"] == pytest.approx(order.iloc[i - 1], abs=1e-9)
    first, last = got["bres_first"], got["bres_last"]
    assert (first, last) == (int(oracles.bres()["DATE"].min()), int(oracles.bres()["DATE"].max()))
    for sector in ("manufacturing", "all"):
        assert got[f"gb_{sector}_long"] == pytest.approx(oracles.bres_gb_growth(sector, first, last), abs=1e-9)
    assert ch5.facts["c58a_value"].claim == "C5-8a" and ch5.facts["c58a_value"].sources == ("bres_employment",)


def test_chapter5_rd_facts_match_the_oracle(ch5):
    got = values(ch5)
    start, end = got["berd_start"], got["berd_end_shown"]
    assert end == min(got["berd_paper_end"], got["berd_last"]) == 2017
    expected = oracles.release_growth(start, end)
    by_own = oracles.release_series_cash()["all BERD"] / oracles.release_deflator()
    checks = {
        "berd_total_real": expected.loc["all BERD", "real"],
        "berd_total_nominal": expected.loc["all BERD", "nominal"],
        "berd_manufacturing": expected.loc["manufacturing", "nominal"],
        "berd_services": expected.loc["all services", "nominal"],
        "berd_misc": expected.loc["miscellaneous business services", "nominal"],
        "berd_london": expected.loc["London", "nominal"],
        "berd_em": expected.loc["East Midlands", "nominal"],
        "berd_wm": expected.loc["West Midlands", "nominal"],
        "berd_nw": expected.loc["North West", "nominal"],
        "berd_nw_real": expected.loc["North West", "real"],
        "berd_total_pp": oracles.release_share_change(start, end),
        "berd_total_real_release": (by_own[end] / by_own[start] - 1) * 100,
        "berd_deflator_gap": expected.loc["all BERD", "real"] - (by_own[end] / by_own[start] - 1) * 100,
    }
    for name, value in checks.items():
        assert got[name] == pytest.approx(value, abs=1e-6), name
    assert "gdp_deflator" in ch5.facts["berd_total_real"].sources
    assert "gdp_deflator" not in ch5.facts["berd_total_nominal"].sources


def test_chapter5_rd_facts_equal_the_claims_other_window(ch5):
    """The prose and the claims table come from one computation: the claims' values on the window the data
    hold are the very numbers the prose quotes."""
    other = {r["id"]: r["other_window"]["value"] for r in ch5.results if r["other_window"]}
    got = values(ch5)
    for cid, name in (("C5-1", "berd_total_real"), ("C5-2", "berd_total_pp"), ("C5-3", "berd_manufacturing"),
                      ("C5-4", "berd_services"), ("C5-5", "berd_misc"), ("C5-7", "berd_nw")):
        assert other[cid] == pytest.approx(got[name], abs=1e-4), cid
    assert other["C5-6"] == pytest.approx(got["berd_london"] - max(got["berd_em"], got["berd_wm"]), abs=1e-4)


def test_chapter5_music_facts_match_the_oracle(ch5):
    got = values(ch5)
    streaming = [f for f, family in music.FAMILIES.items() if family == "streaming"]
    year, value = oracles.riaa_adjusted_peak()
    assert got["music_peak_year"] == year
    assert got["music_peak_bn"] == pytest.approx(value / 1000, abs=1e-9)
    assert got["music_base_year"] == oracles.riaa_base_year()
    share = oracles.riaa_streaming_share(streaming)
    assert got["music_last_year"] == share.index.max()
    assert got["music_streaming_share"] == pytest.approx(share.iloc[-1], abs=1e-9)
    assert got["music_half_year"] == oracles.riaa_first_year_share_above(streaming, 50)
    assert got["music_last_bn"] == pytest.approx(oracles.riaa_total("adjusted").iloc[-1] / 1000, abs=1e-9)


def test_chapter5_evaluates_only_its_own_claims(ch5):
    assert {r["chapter"] for r in ch5.results} == {5}
    assert [r["id"] for r in ch5.results][:2] == ["C5-1", "C5-2"]


def test_a_numpy_number_becomes_a_plain_python_number():
    import numpy as np

    from futurecity.facts import Fact

    assert type(Fact(np.float64(0.25), "x").value) is float and type(Fact(np.int64(3), "x").value) is int
    assert Fact("text", "x").value == "text"


def test_chapter4_long_run_facts_match_the_oracle():
    from futurecity.chapters import city_value

    got = values(city_value.open())
    uk_share, uk_jobs = oracles.owid_industry_share(), oracles.owid_industry_jobs()
    us_share, us_jobs = oracles.us_manufacturing_share(), oracles.us_manufacturing_jobs()
    us_end = int(us_share.index.max())
    assert (got["ch4_uk_start"], got["ch4_uk_end"], got["ch4_us_start"], got["ch4_us_end"]) == (1971, 2011, 1979,
                                                                                              us_end)
    checks = {"ch4_uk_share_start": uk_share[1971], "ch4_uk_share_end": uk_share[2011],
              "ch4_uk_jobs_start": uk_jobs[1971], "ch4_uk_jobs_end": uk_jobs[2011],
              "ch4_us_share_start": us_share[1979], "ch4_us_share_end": us_share[us_end],
              "ch4_us_jobs_start": us_jobs[1979], "ch4_us_jobs_end": us_jobs[us_end],
              "ch4_us_jobs_change": (us_jobs[us_end] / us_jobs[1979] - 1) * 100,
              "c41a_value": uk_share[2011] - uk_share[1971], "c42_value": us_share[us_end] - us_share[1979]}
    for name, value in checks.items():
        assert got[name] == pytest.approx(value, abs=1e-4), name
    assert got["ch4_us_jobs_peak_year"] == int(us_jobs.idxmax())
    assert got["ch4_us_share_peak_year"] == int(us_share.idxmax())
    assert got["ch4_uk_jobs_peak_year"] == int(uk_jobs.idxmax())


@pytest.mark.parametrize("module", ["introduction", "industry40", "platforms", "city_value", "prospects"])
def test_opening_a_chapter_runs_its_own_opening(module):
    """Every chapter's open() fills its facts (a base class whose __init__ skipped the chapter's __post_init__
    would leave them empty)."""
    import importlib

    chapter = importlib.import_module(f"futurecity.chapters.{module}").open()
    assert len(chapter.facts) > 10
