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


def test_scoreboard_links_each_claim_to_the_section_that_computes_it_by_its_title(ch6, results):
    html = ch6.scoreboard().html
    for cid, row in rows(html).items():
        link = re.search(r'<a href="([^"]+)">([^<]+)</a>', row)
        href, words = unescape(link.group(1)), unescape(link.group(2))
        sec = ch6.sections[cid]
        assert href == sec.href() and words == sec.title, cid
        chapter = results[cid]["chapter"]
        if chapter == 6:
            assert href == "#c6-1", cid
            continue
        page, anchor = href.split("#")
        assert re.fullmatch(rf"0{chapter}-[a-z0-9-]+\.html", page), href
        notebook = (PROJECT / "chapters" / page.replace(".html", ".ipynb")).read_text(encoding="utf-8")
        # the title is a heading of that chapter (not a chapter and section number)
        heading = words.split(SUB)[-1]
        assert f"# {heading}\\n" in notebook, (cid, words)
        assert not re.fullmatch(r"chapter \d, section [\d.i]+", words), words


def test_vintages_are_named_by_publisher_and_release_never_by_registry_id(ch6, results):
    from futurecity.data import registry

    ids = set(registry.sources())
    for html in (ch6.scoreboard().html, ch6.newer_table().html):
        cells = [unescape(c) for c in re.findall(r'class="fc-col-vintage">([^<]*)</td>', html)]
        assert cells
        for cell in cells:
            assert not any(re.search(rf"\b{sid}\b", cell) for sid in ids), cell
            assert not re.search(r"\d{4}-\d{2}-\d{2}|NM_\d|\.ZS\b|\bpinned\b", cell), cell
    board = rows(ch6.scoreboard().html)
    for cid, r in results.items():
        for sid in r["sources"] if r["vintage"] else ():
            assert registry.get(sid).publisher in unescape(board[cid]), (cid, sid)
    # the World Bank's release of the UK file, as its registry entry dates it
    label = registry.get("wdi_trade_balance_gbr").snapshot.vintage
    y, m, d = re.search(r"(\d{4})-(\d{2})-(\d{2})", label).groups()
    import calendar
    assert f"{int(d)} {calendar.month_name[int(m)]} {y}" in unescape(board["C4-3"])


def test_newer_table_keeps_the_claims_with_later_years_and_says_what_changed(ch6):
    later = [r for r in ch6.newer if r["newest_end"] is not None and r["paper_end"] is not None
             and r["newest_end"] > r["paper_end"]]
    html = ch6.newer_table().html
    assert list(rows(html)) == [r["id"] for r in later] and later
    for r in later:
        words = r["change"]
        verb = words.split()[0]
        if "rank" in r["unit"]:
            assert verb in ("moves", "stays"), words
        elif round(r["newest_value"], 1) == round(r["paper_value"], 1):
            assert verb == "stays", words
        else:
            assert verb == ("rises" if r["newest_value"] > r["paper_value"] else "falls"), words
        assert f"on {r['newest_start']}\u2013{r['newest_end']}" in words, words
        assert f"{r['paper_start']}\u2013{r['paper_end']}" in words, words
        assert html.count(words) == 1 or unescape(html).count(words) == 1, words


def test_bres_employment_sentence_says_grew_or_fell_as_the_data_do(ch6):
    f = ch6.facts
    last = int(oracles.bres().DATE.max())
    for key, hi in (("emp_window_words", 2019), ("emp_newest_words", last)):
        g = oracles.bres_gb_growth("manufacturing", 2015, hi)
        expected = "did not change" if round(g, 1) == 0 else f"{'grew' if g > 0 else 'fell'} by {abs(g):.1f}%"
        assert f[key].value == expected, key
    assert not re.search(r"NM_\d", f["ft_vintage"].value) and "series break" in f["ft_vintage"].value


def test_verdict_title_counts_are_the_engines(ch6, results):
    from futurecity.chapters.conclusion import verdict_title

    title = verdict_title(list(results.values()))
    n = {s: sum(r["status"] == s for r in results.values()) for s in
         ("reproduced", "differs", "needs live data", "not reproducible", "pending")}
    assert title.startswith(f"{n['reproduced']} of the paper's {len(results)} claims hold")
    assert f"{n['differs']} differ" in title
    assert f"{n['needs live data'] + n['pending']} await" in title
    assert f"{n['not reproducible']} cannot be tested" in title


SUB = " \u2014 "  # between a section's title and its subsection's

BUILD_WORDS = re.compile(r"\bpinned\b|\bledger\b|\bsnapshots?\b|when the chapter runs|"
                         r"\b[\w/-]+\.(?:yml|ipynb|py|bib)\b|data/\w")


def test_chapter_text_has_no_build_words_registry_ids_or_paths():
    """The built page's reader text (prose, lists, tables, captions; the popovers' contents apart)."""
    from bs4 import BeautifulSoup

    from futurecity.data import registry

    page = PROJECT / "_build" / "html" / "chapters" / "06-conclusion.html"
    if not page.is_file():
        pytest.fail(f"{page} is not built: run `make book` first")
    article = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("article")
    for tip in article.select(".fc-fact-tip, .cell_input, script"):
        tip.decompose()
    text = " ".join(article.get_text(" ").split())
    assert "Manufacturing employment in Great Britain" in text and "newer data" in text
    found = BUILD_WORDS.findall(text) + [s for s in registry.sources() if re.search(rf"\b{s}\b", text)]
    assert not found, found
    assert not re.search(r"grew by -|rose by -|fell by -", text)
    assert "pending: 0" not in text and "section 4\u201d" not in text


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
        m = measures.newest(c["measure"]["kind"])  # the newest vintage's measure, where a topic has one
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
    # C6-1's newest window is on the newer file by section, which starts after the series break
    sec = oracles.bres_sections_gb()
    first, last_sec = int(sec.index.min()), int(sec.index.max())
    assert (newer["C6-1"]["newest_start"], newer["C6-1"]["newest_end"]) == (first, last_sec)
    assert newer["C6-1"]["newest_value"] == pytest.approx(oracles.growth(sec[first], sec[last_sec]), abs=1e-4)
    html = ch6.newer_table().html
    assert f"({first}\u2013{last_sec})" in unescape(html) and 'class="fc-claims"' in html
