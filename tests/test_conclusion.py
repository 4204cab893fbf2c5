"""Chapter 6: claim C6-1 against a plain-pandas reading of the full-time BRES file, the scoreboard against
../shared/claims.md and the claims engine, the counts by status, and the newer-window figures against the
measures (and, for BRES, against the oracles)."""

from __future__ import annotations

import re
from html import unescape

import pytest

import oracles
from claims_md import claims_table as claims_md_table
from conftest import PROJECT
from futurecity.claims import ledger, measures
from futurecity.claims.measures import Inputs
from futurecity.errors import NotCovered


@pytest.fixture(scope="module")
def ch6():
    from futurecity.chapters import conclusion

    return conclusion.open()


@pytest.fixture(scope="module")
def results(ch6) -> dict[str, dict]:
    return {r["id"]: r for r in ch6.results}


def rows(html: str) -> dict[str, str]:
    """Table rows of the scoreboard keyed by claim id (the row's HTML)."""
    found = re.findall(r'<tr class="fc-claim" id="claim-([^"]+)">(.*?)</tr>', html)
    return dict(found)


def test_c61_is_growth_of_manufacturing_full_time_employees_2011_2019(ch6, results):
    c = ledger.definition("C6-1")
    assert c["window"] == {"start": 2011, "end": 2019} and c["measure"]["kind"] == "bres_fulltime_growth"
    expected = oracles.bres_fulltime_growth(2011, 2019)
    r = results["C6-1"]
    assert r["value"] == pytest.approx(expected, abs=1e-4)
    assert r["status"] == ("reproduced" if abs(expected - c["paper_value"]) <= c["rule"]["tolerance"] else "differs")
    assert r["window"] == {"start": 2011, "end": 2019} and r["vintage"] == "pinned"
    assert "series breaks at 2015" in r["note"] and "full-time" in r["note"].lower()
    f = ch6.facts
    last = int(oracles.bres_fulltime().DATE.max())
    assert f["ft_last"].value == last
    assert f["ft_newest"].value == pytest.approx(oracles.bres_fulltime_growth(2011, last))
    assert f["ft_before_break"].value == pytest.approx(oracles.bres_fulltime_growth(2011, 2014))
    assert f["ft_after_break"].value == pytest.approx(oracles.bres_fulltime_growth(2015, 2019))
    assert f["ft_all_jump"].value == pytest.approx(oracles.bres_fulltime_growth(2014, 2015, "all"))
    totals = oracles.bres_fulltime_totals()
    assert f["ft_start_count"].value == pytest.approx(totals[2011] / 1e6)
    assert f["ft_end_count"].value == pytest.approx(totals[2019] / 1e6)
    # BRES employment beside it, over the years that file holds
    assert f["emp_window"].value == pytest.approx(oracles.bres_gb_growth("manufacturing", 2015, 2019))
    emp_last = int(oracles.bres().DATE.max())
    assert f["emp_newest"].value == pytest.approx(oracles.bres_gb_growth("manufacturing", 2015, emp_last))


def test_c61_moves_with_the_data():
    """The measure reads the file: lowering 2019's manufacturing count by a tenth changes the value."""
    from futurecity.data import store
    from futurecity.topics import fulltime

    frame = store.load(fulltime.SOURCE)
    frame.loc[frame["year"] == 2019, "value"] *= 0.9
    moved = measures.get("bres_fulltime_growth").compute(Inputs(frames={fulltime.SOURCE: frame}),
                                                        {"sector": "manufacturing"}, 2011, 2019)
    totals = oracles.bres_fulltime_totals()
    assert moved == pytest.approx((totals[2019] * 0.9 / totals[2011] - 1) * 100)


def test_scoreboard_lists_every_claim_of_claims_md_with_the_engines_status(ch6, results):
    html = ch6.scoreboard().html
    found = rows(html)
    ids = [r["id"] for r in claims_md_table()]
    assert list(found) == ids
    for cid, row in found.items():
        status = re.search(r'<span class="fc-status[^"]*">([^<]+)</span>', row).group(1)
        assert unescape(status) == results[cid]["status"], cid
        assert results[cid]["status"] != "pending", cid


def test_scoreboard_links_each_claim_to_the_section_that_computes_it(ch6, results):
    html = ch6.scoreboard().html
    nb6 = (PROJECT / "chapters" / "06-conclusion.ipynb").read_text(encoding="utf-8")
    for cid, row in rows(html).items():
        href = unescape(re.search(r'<a href="([^"]+)">', row).group(1))
        chapter = results[cid]["chapter"]
        if chapter == 6:
            assert href == "#c6-1" and "(c6-1)=" in nb6
            continue
        page, anchor = href.split("#")
        assert re.fullmatch(rf"0{chapter}-[a-z0-9-]+\.html", page), href
        assert (PROJECT / "chapters" / page.replace(".html", ".ipynb")).exists(), href
        assert anchor == f"claim-{cid}"
        # the chapter's own claims table gives that row id
        from importlib import import_module

        module = {2: "industry40", 4: "city_value", 5: "prospects"}[chapter]
        assert f'id="claim-{cid}"' in import_module(f"futurecity.chapters.{module}").open().claims_table().html


def test_counts_by_status_are_the_engines(ch6, results):
    f = ch6.facts
    counts = {}
    for r in results.values():
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    assert f["n_claims"].value == len(results) == len(claims_md_table())
    assert f["n_reproduced"].value == counts.get("reproduced", 0)
    assert f["n_differs"].value == counts.get("differs", 0)
    assert f["n_needs_live"].value == counts.get("needs live data", 0)
    assert f["n_not_reproducible"].value == counts.get("not reproducible", 0)
    assert f["n_pending"].value == counts.get("pending", 0)
    assert sum(f[f"n_{k}"].value for k in ("reproduced", "differs", "needs_live", "not_reproducible",
                                          "pending")) == len(results)


def test_newer_windows_are_the_measures_on_the_newest_years(ch6, results):
    claims = {c["id"]: c for c in ledger.ledger()}
    windowed = [cid for cid, c in claims.items() if c["window"]["start"] is not None]
    assert [r["id"] for r in ch6.newer] == windowed
    inputs = Inputs()
    for r in ch6.newer:
        c = claims[r["id"]]
        if r["newest_value"] is None:
            assert r["status"] in ("needs live data", "not reproducible"), r["id"]
            continue
        m = measures.get(c["measure"]["kind"])
        params = {k: v for k, v in c["measure"].items() if k != "kind"}
        assert r["newest_value"] == pytest.approx(m.compute(inputs, params, r["newest_start"], r["newest_end"]),
                                                  abs=1e-4), r["id"]
        assert r["newest_end"] >= r["paper_end"] and r["vintage"] == "pinned", r["id"]
        # no later year exists in the data read
        if m.latest is None:
            with pytest.raises(NotCovered):
                m.compute(inputs, params, r["newest_start"], r["newest_end"] + 1)
        else:
            assert r["newest_end"] == m.latest(inputs)
        expected = results[r["id"]]["value"]
        if expected is None:
            expected = results[r["id"]]["other_window"]["value"]
        assert r["paper_value"] == expected, r["id"]


def test_newer_bres_figures_match_the_oracles(ch6):
    newer = {r["id"]: r for r in ch6.newer}
    last = int(oracles.bres().DATE.max())
    assert (newer["C5-8a"]["newest_start"], newer["C5-8a"]["newest_end"]) == (2015, last)
    assert newer["C5-8a"]["newest_value"] == pytest.approx(oracles.bres_gb_growth("manufacturing", 2015, last),
                                                           abs=1e-4)
    assert newer["C5-8b"]["newest_value"] == pytest.approx(oracles.bres_gb_growth("all", 2015, last), abs=1e-4)
    ft_last = int(oracles.bres_fulltime().DATE.max())
    assert (newer["C6-1"]["newest_start"], newer["C6-1"]["newest_end"]) == (2011, ft_last)
    assert newer["C6-1"]["newest_value"] == pytest.approx(oracles.bres_fulltime_growth(2011, ft_last), abs=1e-4)
    html = ch6.newer_table().html
    assert f"({2011}\u2013{ft_last})" in unescape(html) and 'class="fc-claims"' in html
