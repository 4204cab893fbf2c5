"""The data behind every chart, in Chromium: each chart's link "Data behind this chart (CSV)" is on the page,
fits a 320 px column, and the CSV it serves holds exactly the data the chart draws at load (its default
controls): the marks its spec declares (``usermeta.futurecity.csv``), read from the live Vega view
(``el.__view``, set by _static/futurecity-charts.js) item by item, each item's declared fields under the declared
column names."""

from __future__ import annotations

import io
import math
from collections import Counter

import pandas as pd
import pytest

from test_browser import Visit, _url, browser, chart_pages, server, wait_fitted  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

# The declared marks of the drawn view, one row per item (marks sharing a name, as a facet's cells, together):
# each declared field of the item's datum under its column name, then the mark's constants; [declaration, rows].
DRAWN_JS = """(el) => {
  const decl = ((el.__vgSpec.usermeta || {}).futurecity || {}).csv;
  if (!decl) return [null, []];
  const items = {};
  (function walk(node) {
    if (!node || typeof node !== 'object') return;
    if (node.marktype) {
      for (const item of node.items || []) {
        if (node.name && node.marktype !== 'group') (items[node.name] = items[node.name] || []).push(item);
        walk(item);
      }
    } else if (Array.isArray(node.items)) node.items.forEach(walk);
  })(el.__view.scenegraph().root);
  const rows = [];
  for (const part of decl.parts) {
    for (const item of items[part.mark] || []) {
      const row = {}, d = item.datum || {};
      for (const [field, column] of part.columns) {
        const v = d[field];
        row[column] = v instanceof Date ? v.toISOString() : (v === undefined ? null : v);
      }
      for (const [column, value] of part.constants) row[column] = value;
      rows.push(row);
    }
  }
  return [decl, rows];
}"""


def _key(value) -> str:
    """A cell as the CSV holds it and as pandas reads it back: numbers to 12 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format(float(value), ".12g")
    return str(value)


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
            table = pd.read_csv(io.StringIO(got[1]), comment="#", dtype=str, keep_default_na=False)
            decl, drawn = fig.locator(".fc-chart").evaluate(DRAWN_JS)
            assert decl, f"chart {i} of {page.name} declares no table behind it"
            assert drawn, f"chart {i} of {page.name} draws no item of the marks it declares"
            columns = list(dict.fromkeys(c for part in decl["parts"]
                                         for c in [*(c for _, c in part["columns"]), *(c for c, _ in part["constants"])]))
            assert list(table.columns) == columns, f"{href}: columns {list(table.columns)}, declared {columns}"
            assert len(table) == len(drawn), f"{href}: {len(table)} rows, the chart draws {len(drawn)} items"
            served = Counter(tuple(row) for row in table.itertuples(index=False))
            live = Counter(tuple(_key(row.get(c)) for c in columns) for row in drawn)
            assert served == live, (f"{href}: rows only in the CSV {list((served - live).elements())[:3]}, only "
                                    f"drawn {list((live - served).elements())[:3]}")
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
