"""JSON inside the page's <script> elements: a data string holding "<!--<script>" or "</script>" (a firm's name, a
title) neither ends the script early nor swallows the page after it, and the chart still draws.

The chart here is a test spec, not one of the book's: real rows of a pinned snapshot whose series labels are
replaced by hostile strings, made into a figure by the book's own helper and shown through its renderer's
``text/html`` (the website's output), in Chromium with the vendored scripts and the book's embed script.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pytest
from conftest import PROJECT
from test_browser import ARGS, CHROMIUM

from futurecity.data import access
from futurecity.viz import theme

HOSTILE = ["Firm <!--<script> & Co", "</script><p id=injected>Ltd</p>"]
TITLE = "Employment of <!--<script> firms"
SCRIPTS = ["vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "futurecity-charts.js"]
EMBED = "futurecityEmbed(el, "


def hostile_figure() -> tuple[dict, str]:
    """The spec and the website's HTML of a bar chart of the first month of each series of a pinned snapshot,
    its series named by :data:`HOSTILE`, its title :data:`TITLE`."""
    frame = access.load("fred_manufacturing")
    rows = frame.groupby("series", observed=True).head(1).reset_index(drop=True)
    assert len(rows) == len(HOSTILE), rows
    rows = rows.assign(series=HOSTILE, date=rows["date"].dt.strftime("%Y-%m-%d"))
    rows.attrs = frame.attrs
    chart = theme.figure(alt.Chart(rows).mark_bar().encode(x=alt.X("series:N", axis=alt.Axis(labelAngle=0, labelLimit=0)),
                                                            y="value:Q"),
                         title=TITLE, description="Test chart whose labels hold HTML", sources=rows)
    spec = chart.to_dict()
    return spec, theme._renderer(spec)["text/html"]


def _script_body(page: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1, scripts
    return scripts[0]


def test_script_json_escapes_lt_gt_amp_and_reads_back_the_same_spec_and_options():
    spec, page = hostile_figure()
    body = _script_body(page)
    for char in "<>&":
        assert char not in body, f"{char!r} left unescaped inside <script>"
    start = body.index(EMBED) + len(EMBED)
    decoder = json.JSONDecoder()
    embedded, end = decoder.raw_decode(body, start)
    assert embedded == json.loads(json.dumps(spec))  # the same spec, the hostile labels included
    assert sorted(r["series"] for r in next(iter(embedded["datasets"].values()))) == sorted(HOSTILE)
    options, _ = decoder.raw_decode(body, body.index(", ", end) + 2)
    assert TITLE in options["i18n"]["CLICK_TO_VIEW_ACTIONS"]


@pytest.mark.browser
def test_a_chart_whose_data_hold_script_tags_draws_and_the_page_after_it_stays(tmp_path):
    from playwright.sync_api import sync_playwright

    _, figure = hostile_figure()
    heads = "".join(f'<script src="{(PROJECT / "_static" / s).as_uri()}"></script>' for s in SCRIPTS)
    page_file = tmp_path / "page.html"
    page_file.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8">{heads}</head><body>'
                         f'<main style="width: 700px">{figure}<p id="after">The page goes on.</p></main>'
                         f"</body></html>", encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_selector(".fc-chart svg .mark-rect path", timeout=20_000)
            drawn = page.evaluate("""() => ({
                bars: document.querySelectorAll('.fc-chart svg .mark-rect path').length,
                texts: Array.from(document.querySelectorAll('.fc-chart svg text')).map(t => t.textContent),
                after: !!document.getElementById('after'),
                injected: !!document.getElementById('injected'),
                scripts: document.querySelectorAll('script').length})""")
        finally:
            browser.close()
    assert errors == []
    assert drawn["bars"] == len(HOSTILE)
    for label in HOSTILE:
        assert label in drawn["texts"], drawn["texts"]  # drawn as text, not read as markup
    assert TITLE in " ".join(drawn["texts"])  # the title, perhaps wrapped into lines
    assert drawn["after"] and not drawn["injected"]
    assert drawn["scripts"] == len(SCRIPTS) + 1
