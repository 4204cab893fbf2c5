"""Each chart is drawn once: on every chapter page, at a laptop's and a phone's width, the book's embed script calls
``vegaEmbed`` once per chart, builds one ``vega.View`` and compiles the Vega-Lite spec once per chart, and the
chart's whole SVG ends exactly as wide as its column.

A script added before the page's own wraps the vendored ``vegaEmbed``, ``vega.View`` and ``vegaLite.compile`` and
counts their calls, per chart where the call names one.
"""

from __future__ import annotations

import pytest
from conftest import PROJECT
from test_browser import KNOWN_CONSOLE, _url, browser, chapter_pages, server, wait_fitted  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

# the script the embed benchmark adds too: counts vegaEmbed calls (per chart), vega.View and vegaLite.compile
COUNT_JS = (PROJECT / "benchmarks" / "embed_instrument.js").read_text(encoding="utf-8")

class Counted:
    """One page load, offline, with the counting script added before the page's own and console errors kept."""

    def __init__(self, browser, url: str, width: int):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1")
                           else r.abort())
        self.context.add_init_script(COUNT_JS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and m.text not in KNOWN_CONSOLE
                     and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.goto(url, wait_until="load")

    def close(self):
        self.context.close()


READ_JS = """() => ({count: window.__fcBench, charts: Array.from(document.querySelectorAll('.fc-chart')).map(el => ({
  id: el.id, embeds: el.__fcEmbeds || 0, client: el.clientWidth, fitted: el.getAttribute('data-fitted'),
  svg: el.querySelector('svg').getBoundingClientRect().width}))})"""


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_each_chart_is_embedded_once_and_ends_as_wide_as_its_column(browser, server, page, width):
    visit = Counted(browser, _url(server, page), width)
    try:
        wait_fitted(visit.page)
        visit.page.wait_for_timeout(400)  # a late re-fit (a scroll bar appearing) would be counted too
        got = visit.page.evaluate(READ_JS)
        charts, count = got["charts"], got["count"]
        where = f"{page.name} at {width} px"
        assert count is not None, f"{where}: the counting script did not see vegaEmbed defined"
        for c in charts:
            assert c["embeds"] == 1, f"{where}: chart {c['id']} was embedded {c['embeds']} times"
            assert c["fitted"] == str(c["client"]), f"{where}: chart {c['id']} fitted to {c['fitted']}"
            assert abs(c["svg"] - c["client"]) < 1, \
                f"{where}: chart {c['id']} is {c['svg']:.1f} px wide in a {c['client']} px column"
        n = len(charts)
        counted = {k: count[k] for k in ("embeds", "views", "compiles")}
        assert counted == {"embeds": n, "views": n, "compiles": n}, f"{where}: {n} charts, {count}"
        assert visit.errors == []
    finally:
        visit.close()


def test_the_counts_see_a_second_embed(browser, server):
    """The counting itself: a chart embedded again on the page is counted twice (so the test above can fail)."""
    page = next(p for p in chapter_pages() if p.stem.startswith("01"))
    visit = Counted(browser, _url(server, page), 1280)
    try:
        wait_fitted(visit.page)
        visit.page.evaluate("""() => { const el = document.querySelector('.fc-chart');
            return vegaEmbed(el, el.__vgSpec, {mode: 'vega'}).then(() => true); }""")
        got = visit.page.evaluate(READ_JS)
        assert got["charts"][0]["embeds"] == 2
        assert got["count"]["embeds"] == got["count"]["views"] == len(got["charts"]) + 1
    finally:
        visit.close()
