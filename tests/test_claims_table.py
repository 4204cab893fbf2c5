"""The claims table component: built from the evaluated ledger, a status badge per claim, and on the page it fits
its column at a phone's and a laptop's width (each row a card on a narrow screen), nothing clipped."""

from __future__ import annotations

import re

import pytest
from test_browser import HTML, Visit, _url, browser, server  # noqa: F401  (fixtures)

from futurecity import topics
from futurecity.claims import evaluate
from futurecity.claims.measures import Inputs
from futurecity.viz import tables


@pytest.fixture(scope="module")
def results() -> list[dict]:
    topics.load_all()
    return evaluate.evaluate(Inputs(), chapter=5)


def test_one_row_per_claim_of_the_chapter_with_its_values_and_a_status_badge(results):
    html = tables.claims_table(results, 5, caption="c")._repr_html_()
    rows = re.findall(r'<tr class="fc-claim" id="claim-([^"]+)">(.*?)</tr>', html)
    assert [cid for cid, _ in rows] == [r["id"] for r in results]
    frame = evaluate.chapter_table(results, 5)
    for (cid, row), r in zip(rows, results, strict=True):
        assert f'<span class="fc-status fc-status-{r["status"].replace(" ", "-")}">{r["status"]}</span>' in row
        recomputed = re.search(r'data-label="Recomputed" class="fc-col-recomputed">([^<]*)<', row).group(1)
        assert recomputed == frame.loc[cid, "Recomputed"]
    assert html.count('<th scope="col" class="fc-col-') == 8 and "<caption>c</caption>" in html


def test_another_windows_value_is_never_shown_as_the_recomputed_value(results):
    html = tables.claims_table(results, 5)._repr_html_()
    row = re.search(r'id="claim-C5-1">(.*?)</tr>', html).group(1)
    assert "(another window)" in row and "needs live data" in row


FITS_JS = """() => {
  const table = document.querySelector('table.fc-claims');
  const column = table.closest('article') || document.body;
  const cells = Array.from(table.querySelectorAll('tbody th, tbody td'));
  return {right: table.getBoundingClientRect().right, column: column.getBoundingClientRect().right,
          wide: table.scrollWidth > table.parentElement.clientWidth,
          clipped: cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.slice(0, 40)),
          badges: table.querySelectorAll('.fc-status').length, rows: table.querySelectorAll('tbody tr').length};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_table_fits_its_column_without_clipping(browser, server, width):  # noqa: F811
    visit = Visit(browser, _url(server, HTML / "chapters" / "05-prospects.html"))
    try:
        visit.page.set_viewport_size({"width": width, "height": 900})
        visit.page.wait_for_timeout(200)
        got = visit.page.evaluate(FITS_JS)
        assert not got["wide"], got
        # on a laptop the table may take the theme's right-hand column too (test_table_words.py), never more
        assert got["right"] <= (width if width >= 1200 else got["column"] + 1), got
        assert got["clipped"] == [], got
        assert got["badges"] == got["rows"] > 0
    finally:
        visit.close()
