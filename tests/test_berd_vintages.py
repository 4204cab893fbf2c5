"""BERD vintages side by side: the 2014 and the 2017 ONS release tables, and the pounds approximated from BERD's
shares of GDP, against a plain reading of the two workbooks (tests/oracles.py, xlrd cell by cell) and of the SDG
file; and a live vintage joining the comparison.
"""

from __future__ import annotations

import oracles
import pandas as pd
import pytest

from futurecity.claims.measures import Inputs
from futurecity.topics import berd
from test_browser import browser, server  # noqa: F401 (fixtures)

START = 2010
GROUPS = ("all BERD", "manufacturing", "all services", "miscellaneous business services", "other")


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return Inputs("pinned")


@pytest.fixture(scope="module")
def compared(inputs) -> pd.DataFrame:
    return berd.comparison(berd.vintages(inputs))


def _published(release: int) -> pd.DataFrame:
    """Series and regions by year (columns) as the oracle reads them from a release workbook."""
    return pd.concat([oracles.release_series_cash(release)[list(GROUPS)], oracles.release_region_cash(release)],
                     axis=1)


def test_the_vintages_are_the_two_releases_and_the_shares_of_gdp(compared):
    names = [n for n, _ in compared.attrs["vintages"]]
    assert names == ["2017 release", "2014 release", "share of GDP x GDP"]
    labels = dict(compared.attrs["vintages"])
    assert "2017 release" in labels["2017 release"] and "2014 release" in labels["2014 release"]


@pytest.mark.parametrize("release", [2017, 2014])
def test_each_release_is_read_as_published(compared, release):
    want = _published(release)
    got = compared[compared["vintage"] == f"{release} release"]
    assert len(got) > 100
    for row in got.itertuples():
        expected = want.loc[row.year, row.series] if row.year in want.index else float("nan")
        if pd.isna(expected):
            assert pd.isna(row.gbp_m), (release, row.series, row.year)
        else:
            assert row.gbp_m == pytest.approx(expected, abs=0.5), (release, row.series, row.year)


def test_the_revision_of_every_series_against_the_workbooks(compared):
    later, earlier = _published(2017), _published(2014)
    got = compared[compared["vintage"] == "2014 release"].set_index(["series", "year"])["difference"]
    checked = 0
    for (series, year), difference in got.items():
        if year in earlier.index and not pd.isna(earlier.loc[year, series]) and not pd.isna(later.loc[year, series]):
            assert difference == pytest.approx((earlier.loc[year, series] / later.loc[year, series] - 1) * 100,
                                               abs=1e-6), (series, year)
            checked += 1
    assert checked > 100
    # the anchors of ../shared/data/uk/PROVENANCE.md: 18,799 (2014 release) and 18,617 (2017 release) for 2013
    assert got[("all BERD", 2013)] == pytest.approx((18799 / 18617 - 1) * 100, abs=1e-9)


def test_shares_of_gdp_times_gdp_against_the_published_pounds(compared):
    approx = oracles.berd_uk_cash()
    published = oracles.release_row(2017, "2", cdid="DLBX")
    got = compared[(compared["vintage"] == "share of GDP x GDP") & (compared["series"] == "all BERD")]
    assert sorted(got["year"]) == sorted(published.index)
    for row in got.itertuples():
        # the chart's table keeps pounds to 0.001 million, so the per cent differs in the sixth decimal at most
        assert row.difference == pytest.approx((approx[row.year] / published[row.year] - 1) * 100, abs=1e-4)


def test_revision_facts_follow_the_workbooks(inputs):
    facts = berd.revision_facts(inputs, {"start": START, "end": 2019})
    later, earlier = _published(2017)["all BERD"], _published(2014)["all BERD"]
    year = int(max(set(later.dropna().index) & set(earlier.dropna().index)))
    assert facts["berd_release_year"].value == year == 2014
    assert facts["berd_release_earlier_total"].value == earlier[year]
    assert facts["berd_release_later_total"].value == later[year]
    assert facts["berd_revision_total"].value == pytest.approx((later[year] / earlier[year] - 1) * 100)
    assert facts["berd_release_growth_later"].value == pytest.approx((later[year] / later[START] - 1) * 100)
    assert facts["berd_release_growth_earlier"].value == pytest.approx((earlier[year] / earlier[START] - 1) * 100)
    gaps = (oracles.berd_uk_cash() / oracles.release_row(2017, "2", cdid="DLBX") - 1).abs() * 100
    assert facts["berd_shares_gap"].value == pytest.approx(gaps.max())
    # the sentence names the series whose growth the revisions move most, and by how much
    both = pd.DataFrame({"later": _published(2017).loc[year] / _published(2017).loc[START],
                         "earlier": _published(2014).loc[year] / _published(2014).loc[START]}).dropna()
    moved = ((both["later"] - both["earlier"]) * 100).drop("all BERD")
    widest = moved.abs().idxmax()
    assert f"most for {widest}, by {moved[widest]:+.1f} points" in facts["berd_revision_growth_text"].value


def test_a_live_vintage_joins_the_comparison_and_the_pinned_release_stays(inputs):
    """A live pull of the claims' release (here the pinned frame under a live vintage id, revised up 3%) is the
    reference; the pinned 2017 release joins as a fourth vintage, 3% below it in every year."""
    live = inputs.frame(berd.SOURCE).copy()
    live.loc[live["measure"] == "BERD", "value"] *= 1.03
    live.attrs.update(inputs.frame(berd.SOURCE).attrs, vintage="live-fixture", vintage_label="a live fixture")
    shares = inputs.frame(berd.SHARES_SOURCE)
    got = berd.comparison(berd.vintages(Inputs("pinned", frames={berd.SOURCE: live, berd.SHARES_SOURCE: shares})))
    names = [n for n, _ in got.attrs["vintages"]]
    assert names == ["2017 release, live pull", "2014 release", "share of GDP x GDP", "2017 release"]
    pinned = got[(got["vintage"] == "2017 release")].dropna(subset=["difference"])
    assert len(pinned) > 100
    assert pinned["difference"].to_numpy() == pytest.approx((1 / 1.03 - 1) * 100)


def test_the_table_lists_every_series_with_a_difference_per_vintage(compared):
    table = berd.revision_table(compared)
    assert table.startswith('<div class="fc-table-wrap"><table class="fc-vintages">')
    assert table.count("<tr>") == 1 + compared[["panel", "series"]].drop_duplicates().shape[0]
    # the shares of GDP times one GDP differ from the pounds by one per cent a year: no column of their own
    assert "2014 release, difference %" in table and "share of GDP x GDP" not in table
    row = table.split('<th scope="row">all BERD</th>')[1].split("</tr>")[0]
    later, earlier = (oracles.release_row(r, "2", cdid="DLBX")[2014] for r in (2017, 2014))
    shown = f"{(earlier / later - 1) * 100:+.1f}".replace("-", "\u2212")
    assert row.startswith(f"<td>{later:,.0f}</td><td>{shown}</td>"), row


# --- in Chromium: each line's name drawn off every line ---------------------------------------------------------------

GEOMETRY_JS = """(el) => {
  const out = {points: [], labels: []};
  if (!el.__view) return out;
  function walk(node) {
    if (!node || typeof node !== 'object') return;
    if (node.marktype) {
      for (const item of node.items || []) {
        const d = item.datum || {};
        if (node.name && node.name.startsWith('berd_vintage_levels') && node.marktype === 'line')
          out.points.push({vintage: d.vintage, year: d.year, x: item.x, y: item.y});
        if (node.name && node.name.startsWith('berd_vintage_ends') && node.marktype === 'text') {
          const b = item.bounds;
          out.labels.push({text: Array.isArray(item.text) ? item.text.join(' ') : String(item.text), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2});
        }
        walk(item);
      }
    } else if (Array.isArray(node.items)) node.items.forEach(walk);
  }
  walk(el.__view.scenegraph().root);
  return out;
}"""


def _crosses(a: dict, b: dict, box: dict, steps: int = 60) -> bool:
    """Whether the segment a-b passes through the box (its inside, 1 pixel in from each edge)."""
    for k in range(steps + 1):
        x, y = a["x"] + (b["x"] - a["x"]) * k / steps, a["y"] + (b["y"] - a["y"]) * k / steps
        if box["x1"] + 1 < x < box["x2"] - 1 and box["y1"] + 1 < y < box["y2"] - 1:
            return True
    return False


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390, 320])
def test_each_vintage_line_is_named_off_every_line(browser, server, width):  # noqa: F811
    from test_browser import HTML, Visit, _url, wait_fitted

    visit = Visit(browser, _url(server, HTML / "chapters" / "05-prospects.html"),
                  viewport={"width": width, "height": 900})
    try:
        wait_fitted(visit.page)
        found = [g for g in (c.evaluate(GEOMETRY_JS) for c in visit.page.locator(".fc-chart").all()) if g["labels"]]
        assert len(found) == 1, "one chart with the vintages' line labels"
        geometry = found[0]
        lines: dict[str, list[dict]] = {}
        for p in geometry["points"]:
            lines.setdefault(p["vintage"], []).append(p)
        for label in geometry["labels"]:
            label["text"] = " ".join(label["text"].split()).removeprefix("\u2014 ")  # its lines; a phone's key: its dash
        assert sorted(label["text"] for label in geometry["labels"]) == sorted(lines)
        for label in geometry["labels"]:
            for vintage, points in lines.items():
                points = sorted(points, key=lambda p: p["year"])
                hit = [(a["year"], b["year"]) for a, b in zip(points, points[1:]) if _crosses(a, b, label)]
                assert hit == [], f"at {width} px the label {label['text']!r} sits on the {vintage} line at {hit}"
        a, b = geometry["labels"]
        assert a["x2"] <= b["x1"] or b["x2"] <= a["x1"] or a["y2"] <= b["y1"] or b["y2"] <= a["y1"], geometry["labels"]
    finally:
        visit.close()


def test_the_geometry_check_sees_a_label_on_a_line():
    box = {"x1": 0, "x2": 100, "y1": 0, "y2": 12}
    assert _crosses({"x": -10, "y": 6}, {"x": 50, "y": 6}, box)
    assert not _crosses({"x": -10, "y": 20}, {"x": 50, "y": 30}, box)
