"""The newer vintages pinned in December 2026, each against an independent plain-pandas reading of its file
(tests/oracles.py), with the traps their provenance names: BRES full-time employees by section (C6-1's newest
window, used only once its GB totals agree with the file C6-1 reads), and what chapter 6 says about each claim on
the newest vintage."""

from __future__ import annotations

import pytest

import oracles
from futurecity.claims import ledger, measures, newer, rules
from futurecity.claims.measures import Inputs
from futurecity.errors import NotCovered


@pytest.fixture(scope="module")
def ch6():
    from futurecity.chapters import conclusion

    return conclusion.open()


# --- BRES full-time employees by SIC section, 2015-2022 ---------------------------------------------------------

def test_section_totals_are_the_sums_of_the_areas():
    from futurecity.topics import fulltime

    table = fulltime.sections(Inputs())
    for sector in ("manufacturing", "all"):
        got = table[table["sector"] == sector].set_index("year")["value"]
        expected = oracles.bres_sections_gb(sector)
        assert list(got.index) == list(expected.index)
        assert got.to_numpy() == pytest.approx(expected.to_numpy())
    assert oracles.bres_sections()["GEOGRAPHY_NAME"].nunique() == 40  # the NUTS2 areas of GB, no total row


def test_gb_totals_agree_with_the_file_c61_reads_before_they_are_used(ch6):
    from futurecity.topics import fulltime

    gap = oracles.bres_sections_gap()
    assert list(gap.index) == list(range(2015, int(oracles.bres_fulltime().DATE.max()) + 1))
    assert ch6.facts["ft_sec_gap"].value == pytest.approx(gap.abs().max())
    assert ch6.facts["ft_sec_common_last"].value == int(gap.index.max())
    assert gap.abs().max() <= fulltime.AGREE  # the check the measure makes, made here independently


def test_a_newer_file_that_disagrees_is_refused():
    """Raise one year's manufacturing count of the section file by 5%: it no longer agrees, and C6-1's newest
    window is not computed from it."""
    from futurecity.data import store
    from futurecity.topics import fulltime

    frame = store.load(fulltime.SECTIONS)
    frame.loc[(frame["year"] == 2018) & (frame["industry_name"] == "Manufacturing"), "value"] *= 1.05
    inputs = Inputs(frames={fulltime.SECTIONS: frame, fulltime.SOURCE: store.load(fulltime.SOURCE)})
    with pytest.raises(ValueError, match="2018"):
        measures.get("bres_fulltime_section_growth").compute(inputs, {"sector": "manufacturing"}, 2015, 2022)


def test_the_section_measure_supersedes_c61s_and_keeps_its_verdict(ch6):
    assert measures.newest("bres_fulltime_growth").kind == "bres_fulltime_section_growth"
    assert measures.newest("bres_growth").kind == "bres_growth"  # no newer vintage: the measure itself
    c61 = next(r for r in ch6.results if r["id"] == "C6-1")
    # the verdict stays on the ledger's window and file
    assert c61["window"] == {"start": 2011, "end": 2019}
    assert c61["value"] == pytest.approx(oracles.bres_fulltime_growth(2011, 2019), abs=1e-4)
    with pytest.raises(NotCovered):  # the newer file starts after the break, in 2015
        measures.get("bres_fulltime_section_growth").compute(Inputs(), {"sector": "manufacturing"}, 2011, 2022)


def test_c61_newest_window_on_the_newest_vintage(ch6):
    row = next(r for r in ch6.newer if r["id"] == "C6-1")
    sec = oracles.bres_sections_gb()
    first, last = int(sec.index.min()), int(sec.index.max())
    assert (row["newest_start"], row["newest_end"]) == (first, last)
    assert row["newest_value"] == pytest.approx(oracles.growth(sec[first], sec[last]), abs=1e-4)
    assert row["paper_value"] == pytest.approx(oracles.bres_fulltime_growth(2011, 2019), abs=1e-4)
    assert row["newest_sources"] == ["bres_fulltime_sections"] and row["newest_vintage_label"]
    assert "2024" in row["newest_reader_vintage"] and "paper's years:" in row["reader_vintage"]
    f = ch6.facts
    assert f["ft_sec_newest"].value == pytest.approx(row["newest_value"], abs=1e-4)
    assert f["ft_sec_last_count"].value == pytest.approx(sec[last] / 1e6)


# --- C6-1 on the eight years from the working group's final report ----------------------------------------------

def test_c61_from_the_final_report_2013_to_2021(ch6):
    f = ch6.facts
    assert (f["c61_report"].value, f["c61_report_end"].value) == (2013, 2021)
    assert f["ft_report_window"].value == pytest.approx(oracles.bres_fulltime_growth(2013, 2021))
    totals = oracles.bres_fulltime_totals()
    assert f["ft_report_start_count"].value == pytest.approx(totals[2013] / 1e6)
    assert f["ft_report_end_count"].value == pytest.approx(totals[2021] / 1e6)
    rule = ledger.definition("C6-1")["rule"]
    inside = abs(oracles.bres_fulltime_growth(2013, 2021) - ledger.definition("C6-1")["paper_value"]) \
        <= rule["tolerance"]
    assert f["c61_report_words"].value.startswith("within" if inside else "outside")
    # both windows cross the series break
    assert 2013 < f["c61_break"].value <= 2021 and 2011 < f["c61_break"].value <= 2019


# --- what newer data say: one true sentence per claim ------------------------------------------------------------

def test_each_claim_with_newer_years_says_whether_its_rule_still_holds(ch6):
    claims = {c["id"]: c for c in ledger.ledger()}
    assert ch6.later
    for r in ch6.later:
        c = claims[r["id"]]
        rule, paper = c["rule"], c["paper_value"]
        then = rules.apply_rule(rule, r["paper_value"], paper) == rules.REPRODUCED
        now = rules.apply_rule(rule, r["newest_value"], paper) == rules.REPRODUCED
        words = r["rule_words"]
        assert words in r["change"] and f"{r['newest_start']}\u2013{r['newest_end']}" in words
        assert rules.describe_rule(rule) in words
        if now:
            assert ("still holds" if then else "holds on") in words and "not hold" not in words, words
        else:
            assert ("no longer holds" if then else "does not hold") in words, words


@pytest.mark.parametrize("then,now,phrase", [(True, True, "still holds"), (True, False, "no longer holds"),
                                             (False, True, "though not on the paper's years"),
                                             (False, False, "either")])
def test_rule_words_follow_the_values(then, now, phrase):
    claim = {"rule": {"kind": "within", "tolerance": 1}, "paper_value": 0}
    row = {"paper_value": 0.5 if then else 3.0, "newest_value": -0.5 if now else -3.0,
           "newest_start": 2015, "newest_end": 2022}
    assert phrase in newer.rule_words(row, claim)


# --- Census 2021 TS060 by city (residence basis): Figure 1's newest point ----------------------------------------

def _ts060_raw() -> bytes:
    return (oracles.snapshots() / oracles.CENSUS_2021_FILE).read_bytes()


def test_ts060_divisions_come_from_the_labels_not_the_running_code():
    from futurecity.data.parsers.files import census_ts060_csv

    frame = census_ts060_csv(_ts060_raw())
    raw = oracles.pd.read_csv(oracles.snapshots() / oracles.CENSUS_2021_FILE)
    codes = dict(zip(raw["Industry (current) (88 categories)"], raw["Industry (current) (88 categories) Code"]))
    food = frame[frame["industry_name"] == "10 Manufacture of food products"]
    assert set(food["division"]) == {"10"} and codes["10 Manufacture of food products"] != 10  # the trap
    merged = frame[frame["industry_name"].str.startswith("41 ")]
    assert set(merged["division"]) == {"41-43"}  # SIC 41-43 are one category
    assert frame.loc[frame["industry_name"] == "Does not apply", "division"].isna().all()
    manuf = sorted(set(frame.loc[frame["division"].str.fullmatch(r"\d{2}").fillna(False)
                                 & frame["division"].astype("string").between("10", "33"), "division"]))
    assert manuf == [f"{d}" for d in range(10, 34)]  # 24 categories


def test_ts060_refuses_a_category_with_no_division_in_its_label():
    from futurecity.data.parsers.files import census_ts060_csv
    from futurecity.errors import ParseError

    broken = _ts060_raw().replace(b"10 Manufacture of food products", b"Manufacture of food products")
    with pytest.raises(ParseError, match="no SIC division"):
        census_ts060_csv(broken)


def test_2021_city_shares_against_the_oracle_by_authority_code():
    from futurecity.topics import cities

    model = cities.cities(Inputs())
    got = model["table2021"].set_index("city")["share"]
    want = oracles.city_manufacturing_2021()["share"]
    assert sorted(got.index) == sorted(want.index) and len(got) == 58
    assert got.sort_index().to_numpy() == pytest.approx(want.sort_index().to_numpy())
    assert model["england_wales_2021"]["share"] == pytest.approx(oracles.england_wales_manufacturing_2021())
    f = cities.facts(Inputs())
    assert f["cities2021_mean_unweighted"].value == pytest.approx(want.mean())
    assert f["cities2021_highest_name"].value == want.idxmax() and f["cities2021_lowest_name"].value == want.idxmin()
    assert "residence" in f["cities2021_basis"].value and "workplace" in f["cities_basis"].value


def test_the_chart_draws_2021_as_another_mark_on_another_basis():
    """Under node, the diamonds are the oracle's 2021 shares, drawn beside (not in place of) the 2011 bars; the
    legend and the description name the other basis."""
    from vega_eval import marks

    from futurecity.topics import cities

    fig = cities.city_figure(Inputs())
    spec = fig.to_dict() if hasattr(fig, "to_dict") else fig.chart.to_dict()
    (got,) = marks(spec, [{}])
    dots = {i["city"]: i["share2021"] for i in got["cities_census_newest_1_marks"]}
    want = oracles.city_manufacturing_2021()["share"]
    assert sorted(dots) == sorted(want.index)
    assert [dots[c] for c in sorted(dots)] == pytest.approx([want[c] for c in sorted(dots)], abs=1e-9)
    bars = {i["city"]: i["share"] for i in got["cities_bars_1_marks"]}
    assert bars["London"] == pytest.approx(oracles.city_manufacturing_2011()["share"]["London"], abs=1e-9)
    text = str(spec)
    assert cities.LABEL_2021 in text and "residence basis" in cities.LABEL_2021 and "workplace basis" in text
    assert "is not a change since 2011" in text


# --- Forbes 2017 + 2017 Fortune 500, Forbes 2022 + 2022 Fortune 1000: matched within one year -------------------

def test_forbes_2017_header_has_a_leading_space_and_is_read():
    from futurecity.data.parsers.files import forbes2017_csv
    from futurecity.errors import ParseError

    raw = (oracles.snapshots() / "world" / "forbes_global2000_2017.csv").read_bytes()
    assert b", Rank," in raw.splitlines()[0]  # the trap: ' Rank'
    frame = forbes2017_csv(raw)
    assert sorted(frame["rank"].astype(int)) == list(range(1, 2001))
    assert frame["market_value"].sum() == pytest.approx(oracles.forbes_2017()["Market Value"].sum())
    with pytest.raises(ParseError, match="Rank"):
        forbes2017_csv(raw.replace(b", Rank,", b",Position,", 1))


def test_same_year_us_shares_against_the_oracle():
    from futurecity.topics import platforms

    inputs = Inputs()
    for year in (2017, 2022):
        table = platforms.same_year(inputs, year)
        for n in (platforms.N_DEFAULT, platforms.N_MAX):
            got = platforms.same_year_share(table, n)["us_share"]
            assert got == pytest.approx(oracles.same_year_us_share(year, n)), (year, n)
        want = oracles.same_year_top(year, platforms.N_MAX)
        assert sorted(table.loc[table["settled"], "firm"]) == sorted(want.loc[want["us"], "name"])


def test_the_2022_match_corrects_the_copys_wrong_countries():
    """The Forbes 2022 copy lists US firms as Canada (its provenance names Ford, Home Depot, Nike ...): those on
    the 2022 Fortune 1000 are settled as US by the same year's list."""
    from futurecity.topics import platforms

    table = platforms.same_year(Inputs(), 2022)
    corrected = table[table["settled"] & (table["forbes_country"] != "United States")]
    assert not corrected.empty and set(corrected["forbes_country"]) == {"Canada"}
    assert (corrected["country"] == "United States").all()


def test_firms_that_change_country_between_the_two_years(ch3_facts=None):
    from futurecity.topics import platforms

    changes = platforms.country_changes(Inputs())
    want = oracles.same_year_country_changes(platforms.N_MAX)
    got = {row.firm: (row.country_2017, row.country_2022) for row in changes.itertuples()}
    assert {platforms.display_name(k): v for k, v in want.items()} == got
    words = platforms.same_year_facts(Inputs())["pl_sy_changes"].value
    for firm, (a, b) in got.items():
        assert f"{firm} ({a} in 2017, {b} in 2022)" in words
    assert (words == "none") == (not got)
