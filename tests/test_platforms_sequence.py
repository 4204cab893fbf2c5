"""Chapter 3's value chart moved as a reader moves its slider: ONE live view, N set one value after another (every
N up to 150 and back down to 10, then jumps between the ends and the default), and after every step each plotted
value and label compared with plain pandas on the pinned files (``tests/oracles.py``) and with the chart's pandas
twin (:func:`futurecity.topics.platforms.value_view`, what the ipywidgets path draws).

Twice: headlessly under node (``tests/vega_eval.moved``) and in Chromium on the built page through the page's own
range input (``tests/page_controls.moved_on_page``, reading ``el.__view``'s marks), where each step also checks what
the reader sees at 390 and 1280 px: the firm axis names the N firms in order, the drawing is as tall as its content
(no blank gap, no cut panel, the x axis of the firm panel drawn) and no text runs out of the chart.
"""

from __future__ import annotations

import re

import pytest

import oracles
from futurecity.claims.measures import Inputs
from futurecity.topics import platforms
from test_browser import HTML, Visit, _url, browser, server  # noqa: F401 (fixtures)
from vega_eval import moved, reader_path

NS = list(range(platforms.N_MIN, platforms.N_MAX + 1, platforms.N_STEP))
STEPS = reader_path({platforms.TOP_N: NS}) + [{platforms.TOP_N: n} for n in
                                                (platforms.N_MAX, platforms.N_MIN, platforms.N_DEFAULT,
                                                 platforms.N_MAX, platforms.N_DEFAULT)]


def test_the_steps_go_both_ways_across_the_whole_range():
    ns = [s[platforms.TOP_N] for s in STEPS]
    assert ns[0] == platforms.N_MIN and platforms.N_MAX in ns and set(ns) == set(NS)
    ups = sum(b > a for a, b in zip(ns, ns[1:]))
    downs = sum(b < a for a, b in zip(ns, ns[1:]))
    assert ups >= len(NS) - 1 and downs >= len(NS) - 1


def _one(found: dict, name: str) -> list[dict]:
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, f"expected one mark {name}[_<i>]_marks among {sorted(found)}"
    return found[hits[0]]


def _oracle_firms(n: int) -> list[dict]:
    """The n largest firms, by plain pandas on the pinned files: name as shown, value, country (the evidence's,
    else Forbes's), whether the evidence settles it, and whether the firm is a platform."""
    top = oracles.forbes_largest(n)
    ev = oracles.evidence_rows().set_index("firm")
    plat = set(oracles.platform_rows().query("platform == 'yes'")["firm"])
    out = []
    for row in top.to_dict("records"):
        name = row["Organization Name"]
        settled = ev.loc[name, "country"] != ""
        out.append({"firm": name, "value": float(row["Market Value (Billions)"]),
                    "country": ev.loc[name, "country"] if settled else str(row["Country"]).strip(),
                    "settled": settled, "platform": name in plat})
    return out


def _twin(table, n: int) -> tuple[str, dict]:
    """The pandas twin's summary text and its country bars (country, kind, basis) -> US$ trillion."""
    spec = platforms.value_view(table, n).to_dict()
    rows = [r for rs in spec["datasets"].values() for r in rs]
    [text] = [r["text"] for r in rows if "text" in r]
    bars = {(r["country"], r["kind"], r["basis"]): r["value_tn"] for r in rows if "value_tn" in r}
    return text, bars


class Problems(list):
    def equal(self, got, want, where):
        if got != want:
            self.append(f"{where}: chart {got!r}, expected {want!r}")

    def close(self, got, want, where, tol=1e-9):
        if got is None or abs(got - want) > tol * max(1.0, abs(want)):
            self.append(f"{where}: chart {got!r}, expected {want!r}")

    def check(self):
        assert not self, f"{len(self)} mismatches\n" + "\n".join(self[:40])


def check_step(problems: Problems, found: dict, n: int, table, where: str) -> None:
    """Every value and label the chart draws at N = n against pandas and the twin."""
    want = oracles.top_n_shares(n)
    firms = _oracle_firms(n)
    text, twin_bars = _twin(table, n)
    # the summary: its numbers and its drawn text
    [summary] = _one(found, "platforms_summary")
    problems.equal(summary["firms"], n, f"{where} firms")
    problems.equal(summary["flagged_n"], want["flagged_n"], f"{where} firms Forbes alone places")
    for key in ("us_share", "platform_share"):
        problems.close(summary[key], want[key], f"{where} {key}")
    problems.close(summary["total"], want["total"], f"{where} total")
    problems.equal(summary["__text"], text, f"{where} summary text (the pandas twin's)")
    problems.equal(f"US headquarters (Fortune 500 file): {want['us_share']:.1f}%" in summary["__text"], True,
                   f"{where} summary's US share")
    # the bars by country: one per country, kind and basis, in US$ trillion
    expected: dict = {}
    for f in firms:
        key = (f["country"], "platform firm" if f["platform"] else "other firm", platforms.BASIS[f["settled"]])
        expected[key] = expected.get(key, 0.0) + f["value"] / 1000
    got = {(b["country"], b["kind"], b["basis"]): b["sum_value_tn"] for b in _one(found, "platforms_countries")}
    problems.equal(sorted(got), sorted(expected), f"{where} country bars")
    problems.equal(sorted(got), sorted(twin_bars), f"{where} country bars (the pandas twin's)")
    for key in set(got) & set(expected):
        problems.close(got[key], expected[key], f"{where} {key}")
        if key in twin_bars:
            problems.close(got[key], twin_bars[key], f"{where} {key} (the pandas twin's)")
    # each firm: name, value, colour's kind, filled or hollow, and its label
    bars = {b["display"]: b for b in _one(found, "platforms_firms")}
    names = [platforms.display_name(f["firm"]) for f in firms]
    problems.equal(sorted(bars), sorted(names), f"{where} firms drawn")
    for f, name in zip(firms, names, strict=True):
        b = bars.get(name)
        if b is None:
            continue
        problems.close(b["market_value"], f["value"], f"{where} {name} value")
        problems.equal(b["basis"], platforms.BASIS[f["settled"]], f"{where} {name} filled or hollow")
        problems.equal(b["kind"], "platform firm" if f["platform"] else "other firm", f"{where} {name} kind")
        problems.equal(b["country"], f["country"], f"{where} {name} country")
        problems.equal(b["short"], platforms.short_name(name), f"{where} {name} label")


@pytest.fixture(scope="module")
def table():
    return platforms.firms(Inputs())


@pytest.fixture(scope="module")
def spec():
    return platforms.value_figure(Inputs()).to_dict()


def test_one_live_view_moved_through_every_n_and_back_equals_pandas(spec, table):
    found = moved(spec, STEPS, timeout=300)
    problems = Problems()
    for step, marks in zip(STEPS, found, strict=True):
        n = step[platforms.TOP_N]
        check_step(problems, marks, n, table, f"N={n}")
    problems.check()


# --- in Chromium, through the page's own slider ------------------------------------------------------------------

LAYOUT_JS = """(el) => {
  const svg = el.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const content = svg.getBBox();
  const outside = [];
  svg.querySelectorAll('text').forEach(t => {
    if (!t.textContent.trim()) return;
    const r = t.getBoundingClientRect();
    if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                    || r.bottom > box.bottom + 1)) outside.push(t.textContent);
  });
  // the firm panel's y-axis labels, top to bottom, and whether its x axis is drawn inside the SVG
  const axes = Array.from(svg.querySelectorAll('g.role-axis'));
  const firmAxis = axes.filter(a => a.getAttribute('aria-label') && /Y-axis/.test(a.getAttribute('aria-label')))
    .map(a => Array.from(a.querySelectorAll('g.role-axis-label text')).map(t => [t.getBoundingClientRect().top, t.textContent]))
    .filter(ls => ls.length).pop() || [];
  const words = t => { const spans = t.querySelectorAll('tspan');
    return spans.length ? Array.from(spans).map(s => s.textContent).join(' ') : t.textContent; };
  const titles = Array.from(svg.querySelectorAll('g.role-axis-title text')).map(t => [words(t), t.getBoundingClientRect().bottom]);
  return {height: box.height, width: box.width, column: el.clientWidth, content: [content.y, content.height],
          outside: outside, firmLabels: firmAxis.sort((a, b) => a[0] - b[0]).map(x => x[1]),
          titles: titles, svgBottom: box.bottom};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_pages_slider_moved_through_every_n_and_back_equals_pandas(browser, server, table, width):  # noqa: F811
    from page_controls import chart_with, moved_on_page

    visit = Visit(browser, _url(server, HTML / "chapters" / "03-platforms.html"),
                  viewport={"width": width, "height": 900})
    problems = Problems()
    try:
        page = visit.page
        for step in STEPS:
            n = step[platforms.TOP_N]
            [found] = moved_on_page(page, [step])
            where = f"{width}px N={n}"
            check_step(problems, found, n, table, where)
            page.wait_for_timeout(50)  # the SVG is redrawn on the animation frame after the dataflow has run
            layout = chart_with(page, [platforms.TOP_N]).evaluate(LAYOUT_JS)
            top, tall = layout["content"]
            if top + tall > layout["height"] + 1 or layout["height"] - (top + tall) > 40:
                problems.append(f"{where}: SVG {layout['height']:.0f} px tall for content ending at {top + tall:.0f}")
            if layout["width"] > layout["column"] + 1:
                problems.append(f"{where}: SVG {layout['width']:.0f} px wide in a {layout['column']} px column")
            if layout["outside"]:
                problems.append(f"{where}: texts outside the chart: {layout['outside'][:5]}")
            labels = [platforms.short_name(platforms.display_name(f["firm"])) for f in _oracle_firms(n)]
            problems.equal(layout["firmLabels"], labels, f"{where} firm axis labels, top to bottom")
            bottoms = [b for t, b in layout["titles"] if t == "Market value, US$ bn"]
            if len(bottoms) != 1 or bottoms[0] > layout["svgBottom"] + 1:
                problems.append(f"{where}: the firm panel's x axis title is not drawn inside the chart")
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()
    problems.check()
