"""Accessible to WCAG 2.1 AA: every built page, at a laptop's width (1280 px) and a phone's (390 px), in light and
dark mode, checked in Chromium by axe-core (the pinned npm package in tests/package.json, installed by `make
test` into tests/node_modules) with the WCAG 2.0 and 2.1 A and AA rules, after its charts are drawn: no serious
or critical violation.

Also: every chart has a text alternative that says what it shows (the chart is a figure named by its title and
description, its drawing an image with the same name, its CSV linked from its caption); every control of a chart
(slider, radio button, menu) is reached by the Tab key in the page's order and shows a focus ring when it has the
focus.
"""

from __future__ import annotations

import json
import re

import pytest
from test_browser import HTML, PROJECT, Visit, _url, browser, chart_pages, pages, server, wait_fitted  # noqa: F401

pytestmark = pytest.mark.browser


def reader_pages():
    """The built pages a reader sees: every page but the root's redirect to the first chapter."""
    return [p for p in pages() if not (p.is_file() and 'http-equiv="Refresh"' in p.read_text(encoding="utf-8")[:500])]

AXE = PROJECT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}

RUN_JS = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' ')
      .slice(0, 200))}));
}"""


def axe(visit) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `make test` installs it (cd tests && npm ci)")
    visit.page.add_script_tag(path=str(AXE))
    return visit.page.evaluate(RUN_JS, TAGS)


def _open(browser, server, page, width, dark=False):
    visit = Visit(browser, _url(server, page), viewport={"width": width, "height": 900}, dark=dark)
    if visit.page.query_selector(".fc-chart"):
        wait_fitted(visit.page)
    return visit


def _report(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}; "
                     + " | ".join(v["nodes"]) for v in violations)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", reader_pages(), ids=lambda p: p.relative_to(HTML).as_posix())
def test_axe_finds_no_serious_violation(browser, server, page, width, mode):
    visit = _open(browser, server, page, width, dark=mode == "dark")
    try:
        found = [v for v in axe(visit) if v["impact"] in SERIOUS]
        assert found == [], f"{page.name} at {width} px, {mode}:\n{_report(found)}"
    finally:
        visit.close()


def test_axe_sees_a_violation(browser, server):
    """axe itself, as the tests run it: a button named by an icon alone and an image without text are found."""
    page = chart_pages()[0]
    visit = _open(browser, server, page, 1280)
    try:
        visit.page.evaluate("""() => { const d = document.createElement('div');
          d.innerHTML = '<button><svg width="10" height="10"></svg></button><img src="x.png">';
          document.querySelector('.bd-article').appendChild(d); }""")
        ids = {v["id"] for v in axe(visit) if v["impact"] in SERIOUS}
        assert {"button-name", "image-alt"} <= ids, ids
    finally:
        visit.close()


# Each chart's text alternative: the figure's name, the SVG's role and name, and the caption's CSV link.
CHARTS_JS = """() => Array.from(document.querySelectorAll('.fc-chart')).map(el => {
  const svg = el.querySelector('svg.marks, svg');
  const fig = el.closest('figure');
  const link = fig && fig.querySelector('figcaption a.fc-data-link');
  const named = id => id ? id.split(/\\s+/).map(i => (document.getElementById(i) || {}).textContent || '').join(' ')
    : '';
  return {id: el.id, role: el.getAttribute('role'), label: el.getAttribute('aria-label') || '',
    title: ((el.__vgSpec || {}).title || {}).text, svgRole: svg && svg.getAttribute('role'),
    svgLabel: svg && (svg.getAttribute('aria-label') || named(svg.getAttribute('aria-labelledby'))),
    described: svg && named(svg.getAttribute('aria-describedby')),
    link: link ? link.getAttribute('href') : null, linkText: link ? link.textContent : ''};
})"""


@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_every_chart_has_a_text_alternative(browser, server, page):
    visit = _open(browser, server, page, 1280)
    try:
        charts = visit.page.evaluate(CHARTS_JS)
        specs = _specs(page)
        assert charts and len(charts) == len(specs), f"{page.name}: {len(charts)} charts, {len(specs)} specs"
        for c in charts:
            meta = specs[c["id"]]
            title, description = meta["title"], meta["description"]
            assert title and description, f"{page.name}: chart {c['id']} has no title or description"
            where = f"{page.name}: chart {c['id']} ({title})"
            assert c["role"] == "figure", where
            assert title in c["label"] and description in c["label"], f"{where}: figure named {c['label']!r}"
            assert c["svgRole"] == "img", f"{where}: its SVG has role {c['svgRole']!r}"
            assert title in c["svgLabel"], f"{where}: its SVG is named {c['svgLabel']!r}"
            assert description in (c["described"] or "") or description in c["svgLabel"], \
                f"{where}: its SVG is described by {c['described']!r}"
            assert c["link"] and c["link"].endswith(".csv") and "CSV" in c["linkText"], f"{where}: no CSV link"
    finally:
        visit.close()


def _specs(page) -> dict[str, dict]:
    """Each chart's id -> the title and description the chapter gave it (read from the built page's scripts)."""
    text = page.read_text(encoding="utf-8")
    found = re.findall(r"getElementById\('(fc-[0-9a-f]{12})'\);.*?futurecityEmbed\(el, (\{.*?\}), \{", text,
                       flags=re.S)
    return {el: json.loads(spec.replace("<\\/", "</"))["usermeta"]["futurecity"] for el, spec in found}


# The chart controls in the page's Tab order, with the state of the focus ring of each when it has the focus.
CONTROLS = ".fc-figure .vega-bindings input, .fc-figure .vega-bindings select"


MARK_JS = f"""() => {{ const stops = [];
  document.querySelectorAll({json.dumps(CONTROLS)}).forEach((c, i) => {{
    c.setAttribute('data-fc-control', String(i));
    // the radio buttons of one group are one stop of the Tab key (the arrow keys move between them)
    const group = c.type === 'radio' ? 'radio:' + c.name : 'control:' + i;
    if (!stops.includes(group)) stops.push(group);
    c.setAttribute('data-fc-stop', String(stops.indexOf(group)));
  }});
  return {{controls: document.querySelectorAll({json.dumps(CONTROLS)}).length, stops: stops.length}}; }}"""


def _tab_order(visit, stops: int, limit: int = 1500) -> list[str]:
    """The stops (numbered by MARK_JS) of the chart controls the Tab key reaches, in the order it reaches them."""
    visit.page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen: list[str] = []
    for _ in range(limit):
        visit.page.keyboard.press("Tab")
        got = visit.page.evaluate("() => document.activeElement && document.activeElement.getAttribute"
                                  "('data-fc-stop')")
        if got is not None and got not in seen:
            seen.append(got)
        if len(seen) == stops and got is None:
            break
    return seen


def _ring(visit, selector: str) -> dict:
    """How a control looks with the focus given by the keyboard: its outline and whether pixels around it change."""
    el = visit.page.locator(selector)
    el.scroll_into_view_if_needed()
    box = el.bounding_box()
    clip = {"x": max(0, box["x"] - 6), "y": max(0, box["y"] - 6), "width": box["width"] + 12,
            "height": box["height"] + 12}
    visit.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    before = visit.page.screenshot(clip=clip)
    visit.page.evaluate(f"() => document.querySelector({json.dumps(selector)}).focus()")
    after = visit.page.screenshot(clip=clip)
    style = visit.page.evaluate(f"""() => {{ const e = document.querySelector({json.dumps(selector)});
        const s = getComputedStyle(e); return {{visible: e.matches(':focus-visible'), style: s.outlineStyle,
        width: parseFloat(s.outlineWidth), colour: s.outlineColor}}; }}""")
    return {**style, "changed": before != after}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", chart_pages(), ids=lambda p: p.stem)
def test_chart_controls_take_the_focus_in_order_and_show_it(browser, server, page, width):
    visit = _open(browser, server, page, width)
    try:
        marked = visit.page.evaluate(MARK_JS)
        total = marked["controls"]
        if not total:
            pytest.skip(f"{page.name} has no chart control")
        positive = visit.page.evaluate("() => Array.from(document.querySelectorAll('[tabindex]'))"
                                       ".filter(e => e.tabIndex > 0).map(e => e.outerHTML.slice(0, 80))")
        assert positive == [], f"{page.name}: elements that jump the page's focus order: {positive}"
        order = _tab_order(visit, marked["stops"])
        assert order == [str(i) for i in range(marked["stops"])], \
            f"{page.name} at {width} px: Tab reaches the chart controls' stops as {order} of {marked['stops']}"
        visit.page.keyboard.press("Tab")  # the focus was last given by the keyboard, as a reader tabbing would
        for i in range(total):
            ring = _ring(visit, f'[data-fc-control="{i}"]')
            assert ring["visible"] and ring["style"] not in ("none", "hidden") and ring["width"] >= 2 \
                and ring["changed"], f"{page.name} at {width} px: control {i} shows no focus ring: {ring}"
    finally:
        visit.close()


def test_the_ring_test_sees_a_control_without_one(browser, server):
    """The focus check itself: a control whose outline is taken away is found (so the test above can fail)."""
    page = next((p for p in chart_pages() if '"bind":' in p.read_text(encoding="utf-8")), chart_pages()[0])
    visit = _open(browser, server, page, 1280)
    try:
        visit.page.add_style_tag(content="*:focus, *:focus-visible { outline: none !important; "
                                         "box-shadow: none !important; }")
        visit.page.evaluate(MARK_JS)
        visit.page.keyboard.press("Tab")
        ring = _ring(visit, '[data-fc-control="0"]')
        assert not (ring["style"] not in ("none", "hidden") and ring["width"] >= 2 and ring["changed"]), ring
    finally:
        visit.close()
