"""The verdict at a glance: every claim of the paper on one chart, one row each, in the manner of Our World in
Data's charts (direct labels, no legend, a title that says what the chart shows).

A row is a strip on the claim's own scale (claims have different units): the band of values the claim's rule
accepts (grey; for a claim with no number, its test: "a fall", "ranks 1 to 2"), the paper's value (a black
tick), the value recomputed here (a dot in its status's colour; hollow when it is a value on fewer years than the
paper's, which carries no verdict), and above the strip the claim, its years and its status as icon and word, in
the colours of :data:`futurecity.viz.status.STYLES`. Every mark of a row links (Vega-Lite ``href``) to the section
of the book that computes the claim.

:func:`rows` is the chart's table, computed from the claims engine's results only; :func:`verdict_chart` draws it.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd

from futurecity.claims import ledger, rules
from futurecity.viz import badges
from futurecity.viz import status as st
from futurecity.viz.theme import WIDTH

ROW = 64  # pixels per claim
# where each line of a row sits, as a fraction of the row (0 = its top)
LINE_TITLE, LINE_RULE, LINE_STRIP, LINE_VALUES = 0.18, 0.4, 0.62, 0.86
HALF_BAND = 0.1  # half the band's height, in rows
BAND, BASELINE, INK, MUTED = "#DCDCDC", "#BDBDBD", "#1A1A1A", "#595959"
PAD = 0.3  # room left and right of a row's numbers, as a share of their range
HOLLOW = "#FFFFFF"
STATUS_WIDTH = 128  # pixels kept free at the right of a claim's name for its status (icon and word)
NARROW = f"({badges.WIDTH_PARAM} > 0 && {badges.WIDTH_PARAM} < 520)"  # a phone: the status as icon only
SMALL = f"({badges.WIDTH_PARAM} > 0 && {badges.WIDTH_PARAM} < 360)"  # a small phone: every line a size smaller
DASH = "\u2013"


def _band(rule: dict, paper: float | None) -> tuple[float | None, float | None, str]:
    """(low, high, words) of the values a rule accepts; None where the band is open."""
    k = rule["kind"]
    if k == "within":
        return paper - rule["tolerance"], paper + rule["tolerance"], (
            f"accepted: within {rule['tolerance']:g} of the paper's {paper:g}")
    if k == "greater_than":
        return rule["threshold"], None, f"accepted: above {rule['threshold']:g}"
    if k == "less_than":
        return None, rule["threshold"], f"accepted: below {rule['threshold']:g}"
    if k == "direction":
        fall = rule["expect"] == "fall"
        return (None, 0.0, "accepted: a fall (below 0)") if fall else (0.0, None, "accepted: a rise (above 0)")
    if k == "top_n":
        return 1.0, float(rule["n"]), f"accepted: ranks 1 to {rule['n']}"
    return None, None, ""


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def rows(results: list[dict], links: Callable[[dict], str]) -> pd.DataFrame:
    """One row per claim of ``results`` (from :func:`futurecity.claims.evaluate.evaluate`), in their order:
    id, label, status, icon, colour and text colour of the status, paper (the paper's value), value (the
    recomputed value; on fewer years, ``other_window``'s), shown ("ours", "other window" or "none"), band_low and
    band_high (None where open), their positions on the row's own scale (x_* in 0..1), the words of each label,
    the window and ``href`` (``links(result)``)."""
    out = []
    for i, r in enumerate(results):
        style = st.STYLES[r["status"]]
        paper = r["paper_value"]
        if r["value"] is not None:
            value, shown, years = r["value"], "ours", None
        elif r["other_window"]:
            o = r["other_window"]
            value, shown, years = o["value"], "other window", f"{o['start']}{DASH}{o['end']}"
        else:
            value, shown, years = None, "none", None
        judged = rules.judges(r["rule"])
        low, high, rule_words = _band(r["rule"], paper) if judged else (None, None, "")
        numbers = [x for x in (paper, value, low, high) if x is not None]
        lo, hi = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
        span = (hi - lo) or max(abs(hi), 1.0)
        lo, hi = lo - PAD * span, hi + PAD * span

        def at(x, edge):
            return edge if x is None else (x - lo) / (hi - lo)

        window = r["window"]
        if value is None:
            value_text = "no value: no public data hold it" if not judged else (
                "no value: its data are not among those read")
        elif shown == "ours":
            value_text = f"ours: {_number(value)}"
        else:
            value_text = f"ours on {years} only: {_number(value)}, no verdict"
        verdict = r["status"] in (rules.REPRODUCED, rules.DIFFERS)
        colour = style.border if verdict else INK
        if paper is not None:
            rule_words = f"paper: {_number(paper)}" + (
                f"; accepted: {_number(low)} to {_number(high)}" if r["rule"]["kind"] == "within" else
                f"; {rule_words}" if rule_words else "")
        years_words = ("" if window["start"] is None else str(window["start"]) if window["start"] == window["end"]
                       else f"from {window['start']} on" if window["end"] == ledger.LATEST
                       else f"{window['start']}{DASH}{window['end']}")
        rule_words = " \u00b7 ".join(w for w in (years_words, rule_words) if w)
        out.append({
            "order": i, "id": r["id"], "label": r["label"], "chapter": r["chapter"], "status": r["status"],
            "icon": style.icon, "status_text": style.label(r["status"]), "colour": colour,
            "fill": colour if shown == "ours" else HOLLOW, "text_colour": style.text, "paper": paper,
            "value": value, "shown": shown, "band_low": low, "band_high": high,
            "x_low": at(low, 0.0) if judged else None, "x_high": at(high, 1.0) if judged else None,
            "x_value": at(value, None), "x_paper": at(paper, None),
            "x_value_label": 0.0 if value is None else at(value, None),
            "title_text": f"{r['id']} {r['label']}", "value_text": value_text, "rule_text": rule_words,
            "window": (f"{window['start']} to the latest year" if window["end"] == ledger.LATEST else years_words),
            "unit": r["unit"],
            "statement": r["statement"], "href": links(r),
            "y_title": i + LINE_TITLE, "y_values": i + LINE_VALUES, "y_strip": i + LINE_STRIP,
            "y_rule": i + LINE_RULE, "y_top": i, "y_bottom": i + 1,
            "y_band_top": i + LINE_STRIP - HALF_BAND, "y_band_bottom": i + LINE_STRIP + HALF_BAND,
            "y_tick_top": i + LINE_STRIP - 1.8 * HALF_BAND, "y_tick_bottom": i + LINE_STRIP + 1.8 * HALF_BAND,
        })
    return pd.DataFrame(out)


def verdict_chart(table: pd.DataFrame, width: int = WIDTH) -> alt.LayerChart:
    """The verdict chart of :func:`rows`' table: one row per claim, every mark linked to its section."""
    n = len(table)
    base = alt.Chart(table)
    ys = alt.Scale(domain=[n, 0], nice=False, zero=False)
    xs = alt.Scale(domain=[0, 1], nice=False, zero=False)
    x = alt.X("x_value:Q", axis=None, scale=xs)
    href = alt.Href("href:N")
    tooltip = [alt.Tooltip("id:N", title="Claim"), alt.Tooltip("statement:N", title="The paper says"),
               alt.Tooltip("status:N", title="Status")]

    def at(field, **kw):
        return alt.Y(f"{field}:Q", axis=None, scale=ys, **kw)

    hit = base.mark_rect(fill="#FFFFFF", fillOpacity=0.001).encode(
        x=alt.datum(0, scale=xs, axis=None), x2=alt.datum(1), y=at("y_top"), y2="y_bottom:Q", href=href,
        tooltip=tooltip).properties(name="verdict_rows")
    baseline = base.transform_filter("datum.x_low != null").mark_rule(color=BASELINE, strokeWidth=1).encode(
        x=alt.datum(0, scale=xs, axis=None), x2=alt.datum(1), y=at("y_strip"), href=href)
    band = base.transform_filter("datum.x_low != null").mark_rect(color=BAND).encode(
        x=alt.X("x_low:Q", axis=None, scale=xs), x2="x_high:Q", y=at("y_band_top"), y2="y_band_bottom:Q",
        href=href, tooltip=tooltip).properties(name="verdict_bands")
    paper = base.transform_filter("datum.x_paper != null").mark_rule(color=INK, strokeWidth=2).encode(
        x=alt.X("x_paper:Q", axis=None, scale=xs), y=at("y_tick_top"), y2="y_tick_bottom:Q", href=href,
        tooltip=tooltip).properties(name="verdict_paper")
    dots = base.transform_filter("datum.x_value != null").mark_point(
        shape="circle", size=110, strokeWidth=2, opacity=1, filled=False).encode(
        x=x, y=at("y_strip"), stroke=alt.Stroke("colour:N", scale=None), fill=alt.Fill("fill:N", scale=None),
        href=href, tooltip=tooltip).properties(name="verdict_values")
    text = dict(fontSize={"expr": f"{SMALL} ? 10 : 11"}, color=MUTED, baseline="middle", limit={"expr": "width"})
    title = base.mark_text(align="left", fontSize={"expr": f"{SMALL} ? 10.5 : 12"}, fontWeight="bold", color=INK, baseline="middle",
                           limit={"expr": f"width - ({NARROW} ? 24 : {STATUS_WIDTH})"}).encode(
        x=alt.datum(0, scale=xs, axis=None), y=at("y_title"), text="title_text:N", href=href).properties(name="verdict_titles")
    status = base.transform_calculate(shown_status=f"{NARROW} ? datum.icon : datum.status_text").mark_text(
        align="right", fontSize={"expr": f"{SMALL} ? 11 : 12"}, fontWeight="bold", baseline="middle").encode(
        x=alt.datum(1, scale=xs, axis=None), y=at("y_title"), text="shown_status:N",
        color=alt.Color("text_colour:N", scale=None), href=href).properties(name="verdict_status")
    rule_label = base.transform_filter("datum.rule_text != ''").mark_text(align="left", **text).encode(
        x=alt.datum(0, scale=xs, axis=None), y=at("y_rule"), text="rule_text:N", href=href).properties(name="verdict_rules")
    # a value's words start at its dot on the left half of the row and end at it on the right half
    value_left = base.transform_filter("datum.x_value_label < 0.5").mark_text(align="left", dx=-4, **text).encode(
        x=alt.X("x_value_label:Q", axis=None, scale=xs), y=at("y_values"), text="value_text:N", href=href)
    value_right = base.transform_filter("datum.x_value_label >= 0.5").mark_text(align="right", dx=4, **text).encode(
        x=alt.X("x_value_label:Q", axis=None, scale=xs), y=at("y_values"), text="value_text:N", href=href)
    return alt.layer(hit, baseline, band, paper, dots, title, status, rule_label, value_left, value_right).properties(
        width=width, height=ROW * n).add_params(alt.param(name=badges.WIDTH_PARAM, value=0))
