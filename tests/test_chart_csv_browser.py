"""The data behind every chart, in Chromium: each chart's link "Data behind this chart (CSV)" is on the page,
fits a 320 px column, and the CSV it serves holds exactly the data the chart draws at load (its default
controls), read from the live Vega view (``el.__view``, set by _static/futurecity-charts.js) item by item."""

from __future__ import annotations

import csv
import io
import math

import pytest

from test_browser import Visit, _url, browser, chart_pages, server, wait_fitted  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

# Every named mark of the drawn view that is not a group (facet cells, concat frames), one row per item: the
# mark's name and the datum's fields that are numbers, strings, booleans or null, Dates as ISO strings.
DRAWN_JS = """(el) => {
  const rows = [];
  function walk(node) {
    if (!node || typeof node !== 'object') return;
    if (node.marktype) {
      for (const item of node.items || []) {
        if (node.name && node.marktype !== 'group') {
          const row = {mark: node.name}, d = item.datum || {};
          for (const k of Object.keys(d)) {
            const v = d[k];
            if (k === '_vgsid_' || k === 'mark') continue;
            if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) row[k] = v;
            else if (v instanceof Date) row[k] = v.toISOString();
          }
          rows.push(row);
        }
        walk(item);
      }
    } else if (Array.isArray(node.items)) node.items.forEach(walk);
  }
  walk(el.__view.scenegraph().root);
  return rows;
}"""

# The fields a map projection writes into the data (the "as" of each geopoint transform of the drawn Vega spec):
# pixel positions that depend on the chart's width, which the CSV leaves out.
PIXELS_JS = """(el) => { const out = [];
  (function walk(n) {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      if (n.type === 'geopoint') out.push(...(n.as || ['x', 'y']));
      Object.values(n).forEach(walk);
    }
  })(el.__vgSpec);
  return out;
}"""


def _same(cell: str, value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, (int, float)):
        try:
            return math.isclose(float(cell), value, rel_tol=1e-12, abs_tol=1e-12)
        except ValueError:
            return False
    return cell == value


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_every_chart_links_the_csv_of_what_it_draws(browser, server, page):  # noqa: F811
    visit = Visit(browser, _url(server, page))
    try:
        wait_fitted(visit.page)
        figures = visit.page.locator("figure.fc-figure")
        assert figures.count() > 0, f"{page.name} has no chart"
        for i in range(figures.count()):
            fig = figures.nth(i)
            links = fig.locator("figcaption a.fc-data-link")
            assert links.count() == 1, f"chart {i} of {page.name}: {links.count()} data links"
            link = links.first
            assert link.inner_text().strip() == "Data behind this chart (CSV)"
            href = link.get_attribute("href")
            got = visit.page.evaluate("""async (href) => { const r = await fetch(href);
                return [r.status, await r.text()]; }""", href)
            assert got[0] == 200, f"chart {i} of {page.name}: {href} answers {got[0]}"
            table = list(csv.DictReader(io.StringIO(got[1])))
            drawn = fig.locator(".fc-chart").evaluate(DRAWN_JS)
            pixels = set(fig.locator(".fc-chart").evaluate(PIXELS_JS))
            assert drawn, f"chart {i} of {page.name} draws no named mark"
            assert len(table) == len(drawn), f"{href}: {len(table)} rows, the chart draws {len(drawn)} items"
            columns = set(table[0]) if table else set()
            assert not columns & pixels, f"{href} holds a map's pixel positions {columns & pixels}"
            for n, (row, item) in enumerate(zip(table, drawn)):
                extra = set(item) - columns - pixels
                assert not extra, f"{href} row {n}: the chart's item has fields the CSV lacks: {extra}"
                for col, cell in row.items():
                    assert _same(cell, item.get(col)), (f"{href} row {n} ({row['mark']}), {col}: CSV {cell!r}, "
                                                        f"drawn {item.get(col)!r}")
    finally:
        visit.close()


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_data_links_fit_a_320px_column(browser, server, page):  # noqa: F811
    visit = Visit(browser, _url(server, page), viewport={"width": 320, "height": 640})
    try:
        links = visit.page.locator("figure.fc-figure a.fc-data-link")
        assert links.count() == visit.page.locator("figure.fc-figure").count() > 0
        width = visit.page.evaluate("document.documentElement.clientWidth")
        for i in range(links.count()):
            links.nth(i).scroll_into_view_if_needed()
            box = links.nth(i).bounding_box()
            assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, \
                f"data link {i} of {page.name} at {box} leaves the {width} px page"
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        visit.close()
