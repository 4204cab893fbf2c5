"""The city chart as a reader's browser computes it (compiled and run under node by ``tests/vega_eval.py``) against
the independent pandas computation of ``tests/oracles.py``, over a grid of its two controls: the average
(unweighted or employment-weighted) and the highlighted city. Every bar's share, the average line and its text,
England and Wales's line, the highlighted bar and the highlighted city's rank are checked on every setting."""

from __future__ import annotations

import re

import pytest

import oracles
from futurecity.claims.measures import Inputs
from futurecity.topics import cities
from page_controls import MODES, over_modes
from test_browser import browser, server  # noqa: F401 (fixtures of the "page" mode)


def mark(found: dict[str, list[dict]], name: str, where: str) -> list[dict]:
    """The items of the one mark named ``<name>_marks`` or ``<name>_<i>_marks`` (a layer inside a concat)."""
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, f"{where}: expected one mark named {name}, found {hits} among {sorted(found)}"
    return found[hits[0]]


@pytest.fixture(scope="module", params=MODES)
def run(request):
    """The grid on a fresh view per setting, on ONE live view moved through it and back, and on the page by its
    own controls (page_controls.MODES)."""
    inputs = Inputs()
    shares = oracles.city_manufacturing_2011()["share"].sort_values(ascending=False)
    picks = [cities.NONE, shares.index[0], shares.index[-1], "Hull", "Northampton", "Bournemouth"]
    settings, found = over_modes(request, cities.city_figure(inputs).to_dict(),
                                 {"cities_average": list(cities.AVERAGES), "cities_city": picks}, "04-city-value")
    return settings, found, shares


def test_bars_are_the_oracles_city_shares_on_every_setting(run):
    settings, found, shares = run
    problems = []
    for setting, got in zip(settings, found, strict=True):
        bars = {i["city"]: i for i in mark(got, "cities_bars", str(setting))}
        if sorted(bars) != sorted(shares.index):
            problems.append(f"{setting}: cities differ: {sorted(set(bars) ^ set(shares.index))}")
            continue
        for city, want in shares.items():
            if bars[city]["share"] != pytest.approx(want, abs=1e-9):
                problems.append(f"{setting} {city}: browser {bars[city]['share']}, pandas {want}")
        lit = sorted(c for c, i in bars.items() if i["role"] == "highlighted city")
        expected = [] if setting["cities_city"] == cities.NONE else [setting["cities_city"]]
        if lit != expected:
            problems.append(f"{setting}: highlighted {lit}, expected {expected}")
    assert not problems, "\n".join(problems[:30])


def test_the_average_line_moves_with_the_toggle_and_equals_the_oracle(run):
    settings, found, _ = run
    want = oracles.city_means_2011()
    ew = oracles.england_wales_manufacturing_2011()
    for setting, got in zip(settings, found, strict=True):
        [line] = mark(got, "cities_mean", str(setting))
        assert line["average"] == pytest.approx(want[setting["cities_average"]], abs=1e-9), setting
        [text] = mark(got, "cities_mean_text", str(setting))
        how = "(weighted by workers)" if setting["cities_average"] == "weighted" else "(unweighted, as in the paper)"
        assert text["__text"] == (f"Black line: city average, {want[setting['cities_average']]:.1f}%\n{how}"), setting
        [ew_line] = mark(got, "cities_ew", str(setting))
        assert ew_line["share"] == pytest.approx(ew, abs=1e-9)
        [ew_text] = mark(got, "cities_ew_text", str(setting))
        assert f"{ew:.1f}%" in ew_text["__text"]


def test_the_highlighted_city_line_gives_its_share_and_rank(run):
    settings, found, shares = run
    for setting, got in zip(settings, found, strict=True):
        picked = mark(got, "cities_pick_text", str(setting))
        city = setting["cities_city"]
        if city == cities.NONE:
            assert picked == [], setting
            continue
        rank = list(shares.index).index(city) + 1
        assert [p["__text"] for p in picked] == [f"{city}: {shares[city]:.1f}%, rank {rank} of {len(shares)}"]


def test_the_pandas_twin_draws_the_oracles_numbers():
    model = cities.cities(Inputs())
    want = oracles.city_means_2011()
    for average in cities.AVERAGES:
        spec = cities.city_view(model["table"], model["england_wales"], average, "Hull").to_dict()
        rows = [r for d in spec["datasets"].values() for r in d]
        [line] = [r for r in rows if str(r.get("what", "")).startswith("city average")]
        assert line["x"] == pytest.approx(want[average], abs=1e-9) and average in line["what"]
        bars = {r["city"]: r for r in rows if "city" in r}
        assert bars["Hull"]["role"] == "highlighted city"
        assert bars["Hull"]["share"] == pytest.approx(oracles.city_manufacturing_2011().loc["Hull", "share"], abs=1e-9)
