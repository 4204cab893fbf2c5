"""Chapter 6's verdict chart against the claims engine: every claim drawn once, in ledger order, with the engine's
status, values and window; the band where the claim's rule puts it; the status in the colours and icons of
viz/status.py and no other green or vermilion; and, in Chromium on the built page, the chart drawn and each
row's link landing on an anchor that exists."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from futurecity.claims import evaluate, ledger, rules
from futurecity.claims.measures import Inputs
from futurecity.topics import load_all
from futurecity.viz import status as st
from test_browser import browser, server  # noqa: F401  (fixtures)
from vega_eval import marks


@pytest.fixture(scope="module")
def ch6():
    from futurecity.chapters import conclusion

    return conclusion.open()


@pytest.fixture(scope="module")
def engine() -> dict[str, dict]:
    """The claims engine's own results, evaluated here apart from the chapter (as `futurecity claims --json`)."""
    load_all()
    return evaluate.by_id(evaluate.evaluate(Inputs(), claims=ledger.chapter_claims()))


@pytest.fixture(scope="module")
def spec(ch6) -> dict:
    return ch6.verdict_figure().to_dict()


@pytest.fixture(scope="module")
def drawn(spec) -> dict[str, list[dict]]:
    return marks(spec, [{}])[0]


def by_id(items: list[dict]) -> dict[str, dict]:
    out = {d["id"]: d for d in items}
    assert len(out) == len(items), "a claim drawn twice"
    return out


def test_every_claim_is_drawn_once_in_ledger_order(drawn, engine):
    assert [d["id"] for d in drawn["verdict_rows_marks"]] == [c["id"] for c in ledger.ledger()] == list(engine)


def test_each_rows_status_is_the_engines_as_icon_and_word_in_its_colour(drawn, engine):
    rows = by_id(drawn["verdict_status_marks"])
    for cid, r in engine.items():
        style = st.STYLES[r["status"]]
        assert rows[cid]["__text"] == f"{style.icon} {r['status']}", cid
        assert rows[cid]["text_colour"] == style.text, cid


def test_values_and_paper_values_are_the_engines(drawn, engine):
    dots = by_id(drawn["verdict_values_marks"])
    ticks = by_id(drawn["verdict_paper_marks"])
    for cid, r in engine.items():
        if r["value"] is not None:
            assert dots[cid]["value"] == r["value"] and dots[cid]["shown"] == "ours", cid
            assert dots[cid]["fill"] == dots[cid]["colour"], cid  # a filled dot: a value on the paper's years
        elif r["other_window"]:
            assert dots[cid]["value"] == r["other_window"]["value"] and dots[cid]["shown"] == "other window", cid
            assert dots[cid]["fill"] == "#FFFFFF", cid  # hollow: no verdict
        else:
            assert cid not in dots, cid
        if r["paper_value"] is None:
            assert cid not in ticks, cid
        else:
            assert ticks[cid]["paper"] == r["paper_value"], cid
    labels = {d["id"]: d["__text"] for d in drawn["verdict_titles_marks"]}
    for cid, r in engine.items():
        assert labels[cid] == f"{cid} {r['label']}", cid


def test_bands_are_the_rules_and_dots_sit_where_the_verdict_says(drawn, engine):
    bands = by_id(drawn["verdict_bands_marks"])
    dots = by_id(drawn["verdict_values_marks"])
    for cid, r in engine.items():
        rule = r["rule"]
        if not rules.judges(rule):
            assert cid not in bands, cid
            continue
        b = bands[cid]
        if rule["kind"] == "within":
            assert (b["band_low"], b["band_high"]) == pytest.approx(
                (r["paper_value"] - rule["tolerance"], r["paper_value"] + rule["tolerance"]))
        elif rule["kind"] == "direction":
            assert (b["band_low"], b["band_high"]) == ((None, 0) if rule["expect"] == "fall" else (0, None)), cid
        elif rule["kind"] == "greater_than":
            assert (b["band_low"], b["band_high"]) == (rule["threshold"], None), cid
        elif rule["kind"] == "less_than":
            assert (b["band_low"], b["band_high"]) == (None, rule["threshold"]), cid
        elif rule["kind"] == "top_n":
            assert (b["band_low"], b["band_high"]) == (1, rule["n"]), cid
        if r["status"] in (rules.REPRODUCED, rules.DIFFERS):
            inside = b["x_low"] - 1e-9 <= dots[cid]["x_value"] <= b["x_high"] + 1e-9
            assert inside == (r["status"] == rules.REPRODUCED), cid


def test_claims_with_no_number_show_their_test_in_words(drawn, engine):
    words = {d["id"]: d["__text"] for d in drawn["verdict_rules_marks"]}
    for cid, r in engine.items():
        if r["rule"]["kind"] == "direction":
            assert f"a {r['rule']['expect']}" in words[cid], cid
        if r["rule"]["kind"] == "top_n":
            assert f"ranks 1 to {r['rule']['n']}" in words[cid], cid
        w = r["window"]
        if w["start"] is not None and w["end"] != ledger.LATEST and w["start"] != w["end"]:
            assert words[cid].startswith(f"{w['start']}\u2013{w['end']}"), cid


def test_only_the_status_colours_are_green_or_vermilion(spec):
    """No green or vermilion but the verdicts' own: every colour the chart draws (the theme's palette for other
    charts aside) is a status style's or a grey."""
    allowed = {c.upper() for s in st.STYLES.values() for c in (s.fill, s.border, s.text)}
    drawn = {k: v for k, v in spec.items() if k != "config"}
    found = set(re.findall(r"#[0-9A-Fa-f]{6}\b", json.dumps(drawn)))
    assert {st.GREEN, st.VERMILION} <= {c.upper() for c in found}
    for colour in found:
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert colour.upper() in allowed or max(r, g, b) - min(r, g, b) <= 8, colour


def test_a_narrow_column_shows_the_status_as_icon_in_its_colour(spec, engine):
    wide, narrow = (m["verdict_status_marks"] for m in marks(spec, [{"fc_width": 700}, {"fc_width": 360}]))
    assert [d["__text"] for d in wide] == [st.STYLES[r["status"]].label(r["status"]) for r in engine.values()]
    assert [d["__text"] for d in narrow] == [st.STYLES[r["status"]].icon for r in engine.values()]
    assert [d["text_colour"] for d in narrow] == [st.STYLES[r["status"]].text for r in engine.values()]


def test_links_name_the_section_that_computes_each_claim(ch6, engine):
    """Each link goes to the section of the claim's own chapter whose text quotes it (or, for a claim no section
    quotes, its row in the chapter's claims table)."""
    from futurecity.chapters import conclusion

    for cid, r in engine.items():
        sec = ch6.sections[cid]
        assert sec.page.startswith(f"0{r['chapter']}-"), cid
        notebook = (conclusion.config.root() / "chapters" / sec.page.replace(".html", ".ipynb")).read_text()
        assert sec.title.split(" \u2014 ")[-1] in notebook, cid
        if not sec.anchor.startswith("claim-"):
            text = dict((a, t) for a, _, t in conclusion._sections(
                conclusion.config.root() / "chapters" / sec.page.replace(".html", ".ipynb")))[sec.anchor]
            kin = [o for o in engine.values() if o["chapter"] == r["chapter"] and set(o["sources"]) & set(r["sources"])]
            assert any(o["id"] in text or f"`{conclusion.claim_key(o['id'])}_" in text for o in kin), cid


def test_anchor_is_the_id_sphinx_gives_a_heading():
    from futurecity.chapters.conclusion import anchor

    assert anchor("4.i Industry's long retreat") == "i-industry-s-long-retreat"
    assert anchor("Business R&D") == "business-r-d"


# -- in Chromium, on the built book ---------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_chart_draws_and_its_links_land_on_existing_anchors(browser, server, width, spec, engine):
    from test_browser import HTML, wait_fitted

    page_url = f"{server}/chapters/06-conclusion.html"
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
    page = context.new_page()
    try:
        page.goto(page_url, wait_until="load")
        wait_fitted(page)
        chart = page.locator(".fc-chart").first
        n_rows = chart.evaluate("el => el.querySelectorAll('svg .mark-rect.verdict_rows_marks > path').length")
        assert n_rows == len(engine)
        n_dots = chart.evaluate("el => el.querySelectorAll('svg .mark-symbol.verdict_values_marks > path').length")
        assert n_dots == sum(r["value"] is not None or bool(r["other_window"]) for r in engine.values())
        # every row's link resolves to an element of its page
        hrefs = {d["id"]: d["href"] for d in marks(spec, [{}])[0]["verdict_rows_marks"]}
        for href in sorted(set(hrefs.values())):
            path, anchor = (href.split("#") + [""])[:2]
            assert anchor, href
            if path:
                assert (HTML / "chapters" / path).is_file(), href
                page.goto(f"{server}/chapters/{path}", wait_until="load")
            else:
                page.goto(page_url, wait_until="load")
            assert page.evaluate("id => !!document.getElementById(id)", anchor), href
        # clicking a row follows its link (the first claim: another chapter; C6-1: this page)
        for cid in (next(iter(engine)), "C6-1"):
            page.goto(page_url, wait_until="load")
            wait_fitted(page)
            i = list(engine).index(cid)
            row = page.locator(".fc-chart").first.locator("svg .mark-text.verdict_titles_marks > text").nth(i)
            row.scroll_into_view_if_needed()
            row.click()
            page.wait_for_function("h => location.href.endsWith(h)", arg=hrefs[cid].split("/")[-1], timeout=10000)
            assert urlparse(page.url).fragment == hrefs[cid].split("#")[1], cid
    finally:
        context.close()
