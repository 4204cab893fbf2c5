"""The website from a 320 px phone to a laptop: charts fit their column, no text is cut, every control is on
screen and reachable by keyboard, the claims table fits, and charts stay legible in dark mode.

Each chapter is opened in Chromium at 320, 390 and 1280 px with no network, after the book's embed script has
fitted every chart to its column (``data-fitted`` equals the column's width).
"""

from __future__ import annotations

import pytest
from test_browser import Visit, _url, browser, chapter_pages, chart_pages, server, wait_fitted  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

WIDTHS = [320, 390, 1280]
MIN_FONT_PX = 10

# Everything the page and each chart measure about their own fit, in one pass.
LAYOUT_JS = """() => {
  const doc = document.documentElement;
  const clipping = el => { const out = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (['hidden', 'clip'].includes(cs.overflowX)) out.push(e.className + ': overflow-x ' + cs.overflowX);
      if (cs.transform !== 'none') out.push(e.className + ': transform ' + cs.transform);
      if (cs.zoom && cs.zoom !== '1' && cs.zoom !== 'normal') out.push(e.className + ': zoom ' + cs.zoom);
    }
    return out; };
  const charts = Array.from(document.querySelectorAll('.fc-chart')).map(el => {
    const svg = el.querySelector('svg'), sb = svg.getBoundingClientRect(), eb = el.getBoundingClientRect();
    const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim() !== '');
    const outside = texts.filter(t => { const b = t.getBoundingClientRect();
      return b.left < sb.left - 0.5 || b.right > sb.right + 0.5 || b.top < sb.top - 0.5 || b.bottom > sb.bottom + 0.5; });
    return {
      scroll: el.scrollWidth, client: el.clientWidth, svg: sb.width, right: eb.right,
      column: el.parentElement.getBoundingClientRect().right,
      clipping: clipping(el),
      outside: outside.map(t => t.textContent.slice(0, 60)),
      ellipsis: texts.filter(t => t.textContent.includes('\\u2026')).map(t => t.textContent.slice(0, 60)),
      small: texts.filter(t => parseFloat(getComputedStyle(t).fontSize) < %d).map(t => t.textContent.slice(0, 40)),
      texts: texts.length,
    };
  });
  const tables = Array.from(document.querySelectorAll('.fc-table-wrap')).map(w => ({
    scroll: w.scrollWidth, client: w.clientWidth, clipping: clipping(w),
    right: w.getBoundingClientRect().right }));
  return {scroll: doc.scrollWidth, client: doc.clientWidth, body: document.body.scrollWidth, charts, tables};
}""" % MIN_FONT_PX


@pytest.fixture
def fitted(browser, server, page, width):
    """The chapter page open at ``width`` px, every chart fitted to its column."""
    visit = Visit(browser, _url(server, page), viewport={"width": width, "height": 900})
    try:
        wait_fitted(visit.page)
    except Exception:
        visit.close()
        raise
    return visit  # each test closes it


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_charts_and_tables_fit_the_column_with_no_text_cut(fitted, page, width):
    visit = fitted
    try:
        got = visit.page.evaluate(LAYOUT_JS)
        assert got["scroll"] <= got["client"] and got["body"] <= got["client"], \
            f"{page.name} at {width} px scrolls sideways: {got['scroll']} px in {got['client']}"
        for i, c in enumerate(got["charts"]):
            where = f"chart {i} of {page.name} at {width} px"
            assert c["clipping"] == [], f"{where} is clipped or scaled to fit: {c['clipping']}"
            assert c["scroll"] <= c["client"] and c["svg"] <= c["client"] + 0.5, \
                f"{where}: SVG {c['svg']:.0f} px, scrolls {c['scroll']} px in a {c['client']} px column"
            assert c["right"] <= c["column"] + 0.5 and c["right"] <= width, f"{where} runs past its column"
            assert c["texts"] > 0
            assert c["outside"] == [], f"{where}: texts outside the SVG {c['outside']}"
            assert c["ellipsis"] == [], f"{where}: texts cut with an ellipsis {c['ellipsis']}"
            assert c["small"] == [], f"{where}: texts under {MIN_FONT_PX} px {c['small']}"
        for i, t in enumerate(got["tables"]):
            where = f"table {i} of {page.name} at {width} px"
            assert t["clipping"] == [], f"{where} is clipped: {t['clipping']}"
            assert t["scroll"] <= t["client"] and t["right"] <= width, f"{where} is wider than the page"
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()


# Every control's box, whether focus can reach it, and the focus order a reader's Tab key follows.
CONTROLS_JS = """(el) => Array.from(el.querySelectorAll('.vega-bindings input, .vega-bindings select')).map(c => {
  const b = c.getBoundingClientRect();
  return {name: c.name, type: c.type, left: b.left, right: b.right, width: b.width, height: b.height,
          disabled: c.disabled, tabIndex: c.tabIndex}; })"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_every_control_is_on_screen_and_reached_by_the_tab_key(fitted, page, width):
    visit = fitted
    try:
        charts = visit.page.locator(".fc-chart")
        for i in range(charts.count()):
            chart, where = charts.nth(i), f"chart {i} of {page.name} at {width} px"
            chart.scroll_into_view_if_needed()
            controls = chart.evaluate(CONTROLS_JS)
            for c in controls:
                assert c["width"] > 0 and c["height"] > 0, f"{where}: control {c['name']} is not displayed"
                assert 0 <= c["left"] and c["right"] <= width, f"{where}: control {c['name']} is off screen {c}"
                assert not c["disabled"] and c["tabIndex"] >= 0, f"{where}: control {c['name']} takes no focus"
            wanted = {c["name"] for c in controls}
            # Tab from the start of the chart through its controls: each (a radio group once) takes the focus
            chart.evaluate("el => { el.tabIndex = -1; el.focus(); }")
            reached = set()
            for _ in range(3 * len(controls) + 4):
                visit.page.keyboard.press("Tab")
                name = visit.page.evaluate("() => document.activeElement && document.activeElement.name")
                if name in wanted:
                    reached.add(name)
                if reached == wanted:
                    break
            assert reached == wanted, f"{where}: the Tab key reaches {sorted(reached)} of {sorted(wanted)}"
    finally:
        visit.close()


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_a_chart_refits_when_its_column_narrows_and_keeps_the_readers_settings(browser, server, page):
    """A laptop window narrowed to a phone's width: each chart is drawn again at the new width, and a control
    the reader moved keeps its value."""
    visit = Visit(browser, _url(server, page), viewport={"width": 1280, "height": 900})
    try:
        wait_fitted(visit.page)
        chart = visit.page.locator(".fc-chart", has=visit.page.locator(".vega-bindings input[type=range]")).first
        if chart.count() == 0:
            pytest.skip(f"{page.name}: no chart with a slider")
        wide = chart.evaluate("el => el.querySelector('svg').getBoundingClientRect().width")
        control = chart.locator(".vega-bindings input[type=range]").first
        value = control.evaluate("""el => { el.value = el.min;
            el.dispatchEvent(new Event('input', {bubbles: true})); return el.value; }""")
        visit.page.set_viewport_size({"width": 390, "height": 900})
        wait_fitted(visit.page)
        narrow = chart.evaluate("el => el.querySelector('svg').getBoundingClientRect().width")
        client = chart.evaluate("el => el.clientWidth")
        assert narrow <= client + 0.5 < wide, f"{page.name}: {wide:.0f} px, then {narrow:.0f} px in {client}"
        again = chart.locator(".vega-bindings input[type=range]").first.evaluate("el => el.value")
        assert again == value, f"{page.name}: the slider went back from {value} to {again} when the chart refitted"
        assert visit.errors == []
    finally:
        visit.close()


TITLE_JS = """el => { const svg = el.querySelector('svg').getBoundingClientRect();
  const lines = Array.from(el.querySelectorAll('svg .role-title-text text, svg .role-title-text tspan'));
  return {lines: el.querySelectorAll('svg .role-title-text tspan').length || lines.length,
          right: Math.max(...lines.map(t => t.getBoundingClientRect().right)) - svg.left}; }"""
MENU = 40  # the room the embed script leaves for the menu button at the top right of a chart


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_a_narrowed_column_refits_the_same_view_and_wraps_its_title_again(browser, server, page):
    """A refit resizes the live view (no new embed) and wraps each title again, clear of the menu button."""
    visit = Visit(browser, _url(server, page), viewport={"width": 1280, "height": 900})
    try:
        wait_fitted(visit.page)
        charts = visit.page.locator(".fc-chart")
        wide = [charts.nth(i).evaluate(TITLE_JS) for i in range(charts.count())]
        charts.first.evaluate("el => { el.__view.__marked = true; }")
        visit.page.set_viewport_size({"width": 390, "height": 900})
        wait_fitted(visit.page)
        assert charts.first.evaluate("el => el.__view.__marked === true"), \
            f"{page.name}: the chart was embedded again (a new view) when its column narrowed"
        for i in range(charts.count()):
            chart, where = charts.nth(i), f"chart {i} of {page.name}"
            narrow, client = chart.evaluate(TITLE_JS), chart.evaluate("el => el.clientWidth")
            # the title starts after the view's padding of 5 px
            assert narrow["right"] <= client - MENU + 6, \
                f"{where}: its title runs under the menu button {narrow} in a {client} px column"
            assert narrow["lines"] >= wide[i]["lines"], f"{where}: {wide[i]} lines at 1280 px, {narrow} at 390"
        assert visit.errors == []
    finally:
        visit.close()


def _luminance(rgb: str) -> float:
    parts = [float(x) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_of_black_on_white_is_21():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_charts_are_light_panels_with_readable_captions_in_dark_mode(browser, server, page):
    """In the theme's dark mode each figure is a light panel: the chart's own white background sits on it, and
    its caption and control labels keep a contrast of at least 4.5:1 (WCAG AA)."""
    visit = Visit(browser, _url(server, page), viewport={"width": 1280, "height": 900}, dark=True)
    try:
        visit.page.evaluate("() => { document.documentElement.dataset.theme = 'dark';"
                            " document.documentElement.dataset.mode = 'dark'; }")
        wait_fitted(visit.page)
        page_bg = visit.page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        figures = visit.page.evaluate("""() => Array.from(document.querySelectorAll('.fc-figure')).map(f => ({
            bg: getComputedStyle(f).backgroundColor,
            caption: getComputedStyle(f.querySelector('.fc-caption')).color,
            sources: getComputedStyle(f.querySelector('.fc-sources')).color,
            labels: Array.from(f.querySelectorAll('.vega-bind-name')).map(l => getComputedStyle(l).color),
            schemes: Array.from(f.querySelectorAll('input, select')).map(c => getComputedStyle(c).colorScheme)}))""")
        assert _luminance(page_bg) < 0.1, f"the page is not in dark mode (background {page_bg})"
        assert figures
        for i, f in enumerate(figures):
            assert _luminance(f["bg"]) > 0.8, f"figure {i} of {page.name} is not a light panel: {f['bg']}"
            # a control drawn in the dark scheme on the light panel looks inverted (an unselected radio filled)
            assert all(s == "light" for s in f["schemes"]), f"figure {i} of {page.name}: controls {f['schemes']}"
            for what in ("caption", "sources", *(["labels"] if f["labels"] else [])):
                colours = f[what] if isinstance(f[what], list) else [f[what]]
                for colour in colours:
                    assert contrast(colour, f["bg"]) >= 4.5, f"figure {i} of {page.name}: {what} {colour} on {f['bg']}"
    finally:
        visit.close()
