"""Manufacturing's share of output and industry's share of jobs in five economies, and whether either shows a
reshoring turn (chapter 2).

Two World Bank WDI series, each from its own registered source:

- ``wdi_manufacturing_va``: manufacturing value added as a % of GDP (``NV.IND.MANF.ZS``). The pinned copy is the
  bulk file of the 2019-01-30 release, whose coverage differs by country (the UK from 1990, Germany from 1991,
  Japan from 1994, the US from 1997 to 2016, China from 2004); a live pull brings the API's current release;
- ``wdi_industry_employment``: employment in industry (mining, manufacturing, utilities and construction) as a %
  of total employment, ILO modelled estimates (``SL.IND.EMPL.ZS``, pinned release 2021-12-16, 1991-2019).

The reshoring indicator (:func:`reshoring`) compares, per country, the change in manufacturing's share of GDP
over the last five years of the period chosen with the change over the five years before: the last year with a
value (``end``), five years earlier (``mid``) and ten years earlier (``base``) must all hold a value, else the
country has too few years. A "turn up" is a share that fell over the earlier five years and rose over the last
five: the shape reshoring would leave in the data. The browser chart computes the same indicator for the period
and countries the reader picks; its pandas twin is :func:`manufacturing_view`.

What a chapter calls: :func:`facts`, :func:`manufacturing_figure`, :func:`manufacturing_widgets`.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from futurecity.claims.measures import Inputs
from futurecity.facts import Fact, constant, fact
from futurecity.viz import badges
from futurecity.viz.controls import Control, bind, interact
from futurecity.viz.theme import PALETTE, WIDTH, figure, text_colours

OUTPUT, JOBS = "output", "jobs"
SOURCES = {OUTPUT: "wdi_manufacturing_va", JOBS: "wdi_industry_employment"}
INDICATORS = {OUTPUT: "NV.IND.MANF.ZS", JOBS: "SL.IND.EMPL.ZS"}
COUNTRIES = {"GBR": "UK", "USA": "US", "DEU": "Germany", "JPN": "Japan", "CHN": "China"}
PREFIX = {"GBR": "uk", "USA": "us", "DEU": "de", "JPN": "jp", "CHN": "cn"}
# the data palette's first five (never the claim statuses' green or vermilion)
COLOURS = dict(zip(COUNTRIES.values(), PALETTE[:5], strict=True))
STEP = 5  # years in each of the two spans the reshoring indicator compares
ALL = "all"
COUNTRY, FROM, TO = "mfg_country", "mfg_from", "mfg_to"  # the controls' parameters
LINE = badges.LINE
FONT = badges.BADGE_FONT
TURN_MARK = " \u2197"  # appended to a country's line when its share fell, then rose
KEY = f"{TURN_MARK.strip()}: fell, then rose (a reshoring turn)"
PANEL_HEIGHT = 200
PAD = 8  # pixels between the highest (lowest) value shown and the top (bottom) of a panel
LABEL_GAP = 12  # pixels between the centres of two labels at the lines' ends


# --- the series ---------------------------------------------------------------------------------------------

def country_series(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The five countries' values of ``indicator`` from a WDI frame (bulk file or API answer): columns code,
    country, year, value, one row per country and year with a value, in the order of :data:`COUNTRIES`; the
    frame's provenance kept. Raises ValueError naming any country with no value at all."""
    rows = frame[(frame["indicator_code"] == indicator) & frame["country_code"].isin(list(COUNTRIES))]
    rows = rows.dropna(subset=["value"])
    missing = [c for c in COUNTRIES if c not in set(rows["country_code"])]
    if missing:
        raise ValueError(f"{frame.attrs.get('source', 'the WDI frame')}: no {indicator} values for {missing}")
    if rows.duplicated(["country_code", "year"]).any():
        raise ValueError(f"{indicator}: more than one value for a country and year")
    out = pd.DataFrame({"code": rows["country_code"].astype("string"),
                        "country": rows["country_code"].map(COUNTRIES).astype("string"),
                        "year": rows["year"].astype("int64"), "value": rows["value"].astype("float64")})
    order = {c: i for i, c in enumerate(COUNTRIES)}
    out = out.sort_values(["code", "year"], key=lambda s: s.map(order) if s.name == "code" else s)
    out = out.reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def series(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """``{"output": ..., "jobs": ...}``: manufacturing's share of GDP and industry's share of employment of the
    five countries (:func:`country_series`), computed once per inputs."""
    return inputs.derived("manufacturing.series", lambda: {
        what: country_series(inputs.frame(sid), INDICATORS[what]) for what, sid in SOURCES.items()})


def coverage(frame: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """Per country code: (first year, last year, years with a value)."""
    return {code: (int(g["year"].min()), int(g["year"].max()), len(g))
            for code, g in frame.groupby("code", sort=False)}


def span(first: int, last: int) -> str:
    return f"{first}\u2013{last}"


def reshoring(frame: pd.DataFrame, start: int | None = None, end: int | None = None) -> pd.DataFrame:
    """The reshoring indicator per country of ``frame`` over the years ``start`` to ``end`` (all when None):
    ``end`` (its last year with a value in the period), ``mid`` and ``base`` (five and ten years before),
    ``previous`` (change in the share, percentage points, base to mid), ``recent`` (mid to end), ``turn`` (the
    share fell, then rose) and ``enough`` (all three years hold a value in the period; otherwise the changes are
    missing). One row per country with any value in the period, in the order of :data:`COUNTRIES`."""
    inside = frame
    if start is not None:
        inside = inside[inside["year"] >= start]
    if end is not None:
        inside = inside[inside["year"] <= end]
    rows = []
    for code, g in inside.groupby("code", sort=False):
        values = dict(zip(g["year"], g["value"], strict=True))
        last = int(g["year"].max())
        mid, base = last - STEP, last - 2 * STEP
        enough = mid in values and base in values
        previous = values[mid] - values[base] if enough else None
        recent = values[last] - values[mid] if enough else None
        rows.append({"code": code, "country": COUNTRIES[code], "end": last, "mid": mid, "base": base,
                     "previous": previous, "recent": recent, "enough": enough,
                     "turn": bool(enough and previous < 0 < recent)})
    return pd.DataFrame(rows, columns=["code", "country", "end", "mid", "base", "previous", "recent", "enough",
                                       "turn"])


def _names(items: list[str]) -> str:
    if not items:
        return "none of them"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def direction_text(changes: dict[str, float]) -> str:
    """Which countries' share ended lower than it started and which higher, from each country's change (last
    year minus first): 'lower at the end than at the start in the UK, the US, Germany and Japan, and higher in
    China'. Every country is named once, in the order given; a share that did not move is 'unchanged'."""
    named = {"UK": "the UK", "US": "the US"}
    lower = [named.get(n, n) for n, c in changes.items() if c < 0]
    higher = [named.get(n, n) for n, c in changes.items() if c > 0]
    same = [named.get(n, n) for n, c in changes.items() if c == 0]
    compared = " at the end than at the start"
    parts = ([f"lower{compared} in {_names(lower)}"] if lower else []) + (
        [f"higher{'' if lower else compared} in {_names(higher)}"] if higher else []) + (
        [f"unchanged in {_names(same)}"] if same else [])
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]


def coverage_text(frame: pd.DataFrame) -> str:
    """'UK 1990–2017, US 1997–2016, ...': each country's years (with gaps noted)."""
    parts = []
    for code, (first, last, n) in coverage(frame).items():
        gaps = "" if n == last - first + 1 else f" ({last - first + 1 - n} years missing)"
        parts.append(f"{COUNTRIES[code]} {span(first, last)}{gaps}")
    return ", ".join(parts)


# --- the facts a chapter quotes ------------------------------------------------------------------------------

def facts(inputs: Inputs) -> dict[str, Fact]:
    """The numbers the chapter's prose quotes about manufacturing and industry, each a Fact.

    Per country (prefix ``uk``, ``us``, ``de``, ``jp``, ``cn``): ``mfg_<p>_first`` / ``_last`` (years of the
    share of GDP), ``mfg_<p>_share_first`` / ``_share_last`` (%), ``mfg_<p>_change`` (percentage points,
    first to last year), ``mfg_<p>_recent`` and ``mfg_<p>_previous`` (the reshoring indicator over all years,
    percentage points), ``mfg_<p>_recent_span`` / ``_previous_span`` (their years); ``ind_<p>_share_first`` /
    ``_share_last`` and ``ind_<p>_change`` (industry's share of employment). Shared: ``mfg_turn_n`` and
    ``mfg_turn_names`` (countries whose share fell, then rose), ``mfg_rising_n`` (share up over the last five
    years), ``mfg_eased_n`` (last five years' change above the five before), ``mfg_countries_n``,
    ``mfg_coverage`` (each country's years), ``ind_first`` / ``ind_last``, ``ind_fell_n``, ``ind_direction``
    (where industry's share of jobs ended lower and where higher), ``mfg_vintage`` and ``ind_vintage``."""
    found = series(inputs)
    out_frame, jobs = found[OUTPUT], found[JOBS]
    ind = reshoring(out_frame)
    out: dict[str, Fact] = {}
    for code, p in PREFIX.items():
        name = COUNTRIES[code]
        own = out_frame[out_frame["code"] == code].set_index("year")["value"]
        first, last = int(own.index.min()), int(own.index.max())
        out[f"mfg_{p}_first"] = fact(first, f"{name}: first year of manufacturing's share of GDP", out_frame)
        out[f"mfg_{p}_last"] = fact(last, f"{name}: last year of manufacturing's share of GDP", out_frame)
        out[f"mfg_{p}_share_first"] = fact(float(own[first]), f"{name}: manufacturing, % of GDP, {first}",
                                           out_frame)
        out[f"mfg_{p}_share_last"] = fact(float(own[last]), f"{name}: manufacturing, % of GDP, {last}", out_frame)
        out[f"mfg_{p}_change"] = fact(float(own[last] - own[first]), f"{name}: change in manufacturing's share "
                                      f"of GDP, {first}-{last}, percentage points", out_frame)
        row = ind[ind["code"] == code].iloc[0]
        out[f"mfg_{p}_recent"] = fact(row["recent"], f"{name}: change in manufacturing's share of GDP over its "
                                      f"last {STEP} years, {row['mid']}-{row['end']}, percentage points", out_frame)
        out[f"mfg_{p}_previous"] = fact(row["previous"], f"{name}: change over the {STEP} years before, "
                                        f"{row['base']}-{row['mid']}, percentage points", out_frame)
        out[f"mfg_{p}_recent_span"] = fact(span(row["mid"], row["end"]), f"{name}: years of the last {STEP}-year "
                                           "change", out_frame)
        out[f"mfg_{p}_previous_span"] = fact(span(row["base"], row["mid"]), f"{name}: years of the {STEP}-year "
                                             "change before", out_frame)
        emp = jobs[jobs["code"] == code].set_index("year")["value"]
        e_first, e_last = int(emp.index.min()), int(emp.index.max())
        out[f"ind_{p}_share_first"] = fact(float(emp[e_first]), f"{name}: industry, % of employment, {e_first}",
                                           jobs)
        out[f"ind_{p}_share_last"] = fact(float(emp[e_last]), f"{name}: industry, % of employment, {e_last}",
                                          jobs)
        out[f"ind_{p}_change"] = fact(float(emp[e_last] - emp[e_first]), f"{name}: change in industry's share of "
                                      f"employment, {e_first}-{e_last}, percentage points", jobs)
    judged = ind[ind["enough"]]
    turned = [COUNTRIES[c] for c in judged.loc[judged["turn"], "code"]]
    ind_changes = {c: g.set_index("year")["value"] for c, g in jobs.groupby("code", sort=False)}
    out.update({
        "mfg_countries_n": constant(len(COUNTRIES), "countries compared (UK, US, Germany, Japan, China)"),
        "mfg_step": constant(STEP, "years in each span the reshoring indicator compares"),
        "mfg_judged_n": fact(len(judged), f"countries with a value {2 * STEP} years before their last", out_frame),
        "mfg_turn_n": fact(len(turned), f"countries whose manufacturing share of GDP fell over a {STEP}-year span "
                           f"and rose over the last {STEP} years", out_frame),
        "mfg_turn_names": fact(_names(turned), "those countries, named", out_frame),
        "mfg_rising_n": fact(int((judged["recent"] > 0).sum()), f"countries whose manufacturing share of GDP "
                             f"rose over their last {STEP} years", out_frame),
        "mfg_falling_names": fact(_names([COUNTRIES[c] for c in judged.loc[judged["recent"] < 0, "code"]]),
                                  f"countries whose share fell over their last {STEP} years", out_frame),
        "mfg_eased_n": fact(int((judged["recent"] > judged["previous"]).sum()), f"countries whose change over "
                            f"the last {STEP} years was above their change over the {STEP} before", out_frame),
        "mfg_coverage": fact(coverage_text(out_frame), "each country's years of manufacturing's share of GDP",
                             out_frame),
        "ind_first": fact(int(jobs["year"].min()), "first year of industry's share of employment", jobs),
        "ind_last": fact(int(jobs["year"].max()), "last year of industry's share of employment", jobs),
        "ind_rose_names": fact(_names([COUNTRIES[c] for c, s in ind_changes.items() if s.iloc[-1] > s.iloc[0]]),
                               "countries whose industry share of employment was higher in the last year than the "
                               "first", jobs),
        "ind_direction": fact(direction_text({COUNTRIES[c]: float(s.iloc[-1] - s.iloc[0])
                                              for c, s in ind_changes.items()}),
                              "where industry's share of employment ended lower than it started and where higher "
                              "(each country's last year against its first)", jobs),
        "ind_fell_n": fact(sum(int(s.iloc[-1] < s.iloc[0]) for s in ind_changes.values()),
                           "countries whose industry share of employment was lower in the last year than the "
                           "first", jobs),
        "mfg_vintage": fact(out_frame.attrs.get("vintage_label", ""), "the WDI release of NV.IND.MANF.ZS read",
                            out_frame),
        "ind_vintage": fact(jobs.attrs.get("vintage_label", ""), "the WDI release of SL.IND.EMPL.ZS read", jobs),
    })
    return out


# --- the chart -----------------------------------------------------------------------------------------------

def chart_data(found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What the chart embeds: measure (``output`` or ``jobs``), code, country, order (0-4), year, value."""
    order = {c: i for i, c in enumerate(COUNTRIES)}
    parts = [found[what].assign(measure=what) for what in (OUTPUT, JOBS)]
    data = pd.concat(parts, ignore_index=True)
    data["order"] = data["code"].map(order).astype("int64")
    return data[["measure", "code", "country", "order", "year", "value"]]


def years(found: dict[str, pd.DataFrame]) -> tuple[int, int]:
    """The first and last year either series holds for any of the five countries (the sliders' range)."""
    both = pd.concat([found[OUTPUT]["year"], found[JOBS]["year"]])
    return int(both.min()), int(both.max())


def controls(found: dict[str, pd.DataFrame]) -> tuple[Control, Control, Control]:
    """A country (or all five), and the first and last year of the period shown (whichever slider is lower is
    taken as the start, so the start can never pass the end)."""
    first, last = years(found)
    country = Control.select(COUNTRY, [ALL, *COUNTRIES], ALL, "Countries",
                             labels=["all five", *COUNTRIES.values()])
    return (country, Control.range(FROM, first, last, 1, first, "From"),
            Control.range(TO, first, last, 1, last, "To"))


LO, HI = f"min({FROM}, {TO})", f"max({FROM}, {TO})"


def _chosen(what: str) -> str:
    return (f"datum.measure == '{what}' && ({COUNTRY} == '{ALL}' || datum.code == {COUNTRY}) && "
            f"datum.year >= {LO} && datum.year <= {HI}")


def _fmt(expr: str) -> str:
    return f"format({expr}, '+.1f')"


# one line per country, at most badges.LINE_CHARS characters: "Germany 2012–17: +0.5 (+0.3) ↗"
RESHORING_TEXT = (
    "datum.enough ? datum.country + ' ' + datum.mid + '\u2013' + substring('' + datum.end, 2) + ': ' + "
    + _fmt("datum.recent") + " + ' (' + " + _fmt("datum.previous") + " + ')' + (datum.turn ? '" + TURN_MARK
    + "' : '') : datum.country + ': fewer than " + str(2 * STEP + 1) + " years'")


def _line_text(row: dict) -> str:
    """The pandas twin of :data:`RESHORING_TEXT` for a row of :func:`reshoring`."""
    if not row["enough"]:
        return f"{row['country']}: fewer than {2 * STEP + 1} years"
    return (f"{row['country']} {row['mid']}\u2013{str(row['end'])[2:]}: {row['recent']:+.1f} "
            f"({row['previous']:+.1f}){TURN_MARK if row['turn'] else ''}")


def _reshoring_layer() -> alt.Chart:
    """Per chosen country, the reshoring indicator over the chosen period, computed in the browser."""
    return (alt.Chart().transform_filter(_chosen(OUTPUT))
            .transform_joinaggregate(end="max(year)", groupby=["code"])
            .transform_calculate(v_end="datum.year == datum.end ? datum.value : null",
                                 v_mid=f"datum.year == datum.end - {STEP} ? datum.value : null",
                                 v_base=f"datum.year == datum.end - {2 * STEP} ? datum.value : null")
            .transform_aggregate(end="max(end)", e="max(v_end)", m="max(v_mid)", b="max(v_base)",
                                 order="min(order)", groupby=["code", "country"])
            .transform_calculate(enough="isValid(datum.m) && isValid(datum.b)",
                                 mid=f"datum.end - {STEP}", base=f"datum.end - {2 * STEP}")
            .transform_calculate(recent="datum.enough ? datum.e - datum.m : null",
                                 previous="datum.enough ? datum.m - datum.b : null")
            .transform_calculate(turn="datum.enough && datum.previous < 0 && datum.recent > 0")
            .transform_window(row="row_number()", sort=[alt.SortField("order")])
            .transform_calculate(text=RESHORING_TEXT, ypix=f"{2 * LINE} + (datum.row - 1) * {LINE}")
            .mark_text(align="left", baseline="top", x=0, fontSize=FONT)
            .encode(y=alt.Y("ypix:Q", scale=None, axis=None), text="text:N",
                    color=alt.Color("country:N", legend=None, scale=alt.Scale(
                        domain=list(COLOURS), range=text_colours(COLOURS.values()))))
            .properties(name="mfg_reshoring"))


SUBHEAD = f"change in last {STEP} years ({STEP} before), pp"  # at most badges.LINE_CHARS characters
HEAD_TEXT = f"'Manufacturing, % of GDP, ' + {LO} + '\u2013' + {HI} + ':\\n{SUBHEAD}'"


def _header(n: int) -> alt.LayerChart:
    head = (alt.Chart().transform_aggregate(rows="count()").transform_calculate(text=HEAD_TEXT)
            .mark_text(align="left", baseline="top", x=0, y=0, fontSize=FONT, lineBreak="\n", lineHeight=LINE)
            .encode(text="text:N").properties(name="mfg_head"))
    foot = (alt.Chart().transform_aggregate(rows="count()")
            .transform_calculate(text=f"'{KEY}'")
            .mark_text(align="left", baseline="top", x=0, y=(n + 2) * LINE, fontSize=FONT, color="#555555")
            .encode(text="text:N").properties(name="mfg_key"))
    return alt.layer(head, _reshoring_layer(), foot).properties(width=WIDTH, height=(n + 3) * LINE + 2)


def _ends(what: str, name: str, chosen: str | None) -> alt.Chart:
    """Each line's label (its country) at the right edge of the panel, level with the line's last value in the
    period shown, moved up or down just enough that no two labels overlap. Pixel positions are computed here
    because the panel's y scale is the extent of the values shown (no nice rounding), padded by :data:`PAD`."""
    rows = alt.Chart()
    if chosen is not None:
        rows = rows.transform_filter(chosen)
    span = PANEL_HEIGHT - 2 * PAD
    return (rows.transform_joinaggregate(last_year="max(year)", groupby=["code"])
            .transform_joinaggregate(v_lo="min(value)", v_hi="max(value)", year_hi="max(year)")
            .transform_filter("datum.year == datum.last_year")
            .transform_calculate(px=f"datum.v_hi > datum.v_lo ? {PAD} + (datum.v_hi - datum.value) / "
                                    f"(datum.v_hi - datum.v_lo) * {span} : {PANEL_HEIGHT / 2}")
            # from the lowest label up, each at least LABEL_GAP above the one below it ...
            .transform_window(k_up="row_number()", sort=[alt.SortField("px", "descending"), alt.SortField("code")])
            .transform_calculate(up=f"datum.px + (datum.k_up - 1) * {LABEL_GAP}")
            .transform_window(up_min="min(up)", sort=[alt.SortField("px", "descending"), alt.SortField("code")],
                              frame=[None, 0])
            .transform_calculate(raised=f"datum.up_min - (datum.k_up - 1) * {LABEL_GAP}")
            # ... then from the highest down, none above the panel's top
            .transform_window(k_down="row_number()", sort=[alt.SortField("raised"), alt.SortField("code")])
            .transform_calculate(down=f"datum.raised - (datum.k_down - 1) * {LABEL_GAP}")
            .transform_window(down_max="max(down)", sort=[alt.SortField("raised"), alt.SortField("code")],
                              frame=[None, 0])
            .transform_calculate(label_y=f"(datum.k_down - 1) * {LABEL_GAP} + max(0, datum.down_max)")
            .mark_text(align="left", baseline="middle", dx=6, fontSize=11)
            .encode(x=alt.X("year_hi:Q"), y=alt.Y("label_y:Q", scale=None, axis=None), text="country:N",
                    color=alt.Color("country:N", legend=None, scale=alt.Scale(
                        domain=list(COLOURS), range=text_colours(COLOURS.values()))))
            .properties(name=f"{name}_ends"))


WHAT = {OUTPUT: "share of GDP", JOBS: "share of employment"}  # a panel's measure, in the words of its message


def _none_text(what: str, lo: str, hi: str, first: str, last: str, vintage: str) -> str:
    """A Vega expression: the message of a panel with no value in the years chosen (``lo`` to ``hi``), saying
    where the release's series start or end (``first``, ``last``: the chosen countries' years)."""
    head = json.dumps(f"No {WHAT[what]} in ", ensure_ascii=False)
    tail = json.dumps(f"\nin this release ({vintage}):\n", ensure_ascii=False)
    years = f"({lo} == {hi} ? '' + {lo} : {lo} + '\u2013' + {hi})"
    return (f"{head} + {years} + {tail} + ({hi} < {first} ? 'its years start in ' + {first} : "
            f"'its years end in ' + {last}) + '.'")


def none_message(what: str, lo: int, hi: int, first: int, last: int, vintage: str) -> str:
    """The pandas twin of :func:`_none_text`."""
    where = f"its years start in {first}" if hi < first else f"its years end in {last}"
    years = str(lo) if lo == hi else f"{lo}\u2013{hi}"
    return f"No {WHAT[what]} in {years}\nin this release ({vintage}):\n{where}."


def _message(what: str, vintage: str) -> alt.Chart:
    """The panel's message when the chosen countries have no value in the years chosen (the GDP share's release
    ends in 2017 while the sliders run to 2019): written in the empty panel, never an empty frame."""
    chosen = f"datum.measure == '{what}' && ({COUNTRY} == '{ALL}' || datum.code == {COUNTRY})"
    return (alt.Chart().transform_filter(chosen)
            .transform_calculate(inside=f"datum.year >= {LO} && datum.year <= {HI} ? 1 : 0")
            .transform_aggregate(shown="sum(inside)", first="min(year)", last="max(year)")
            .transform_filter("datum.shown == 0")
            .transform_calculate(text=_none_text(what, LO, HI, "datum.first", "datum.last", vintage))
            .mark_text(align="left", baseline="middle", x=8, y=PANEL_HEIGHT / 2, fontSize=FONT, lineBreak="\n",
                       lineHeight=LINE, color="#1A1A1A")
            .encode(text="text:N").properties(name=f"{what}_none"))


def _panel(what: str, title: list[str], name: str, data: pd.DataFrame | None = None,
           span: tuple[int, int] | None = None, vintage: str = "", message: str = "") -> alt.LayerChart:
    """One panel: a line and dots per country, labelled at the right edge (no legend, which would sit below
    the second panel). Both panels share the sliders' years as their x domain, so that a year sits at the same
    place in each. ``data``: the pandas twin's rows, already chosen (else the browser filters the chart's), with
    ``span`` its years and ``message`` what it says when it has no row."""
    colour = alt.Color("country:N", scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
                       legend=None)
    domain = alt.ExprRef(f"[{LO}, {HI}]") if data is None else list(span)
    x = alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickCount=5),
              scale=alt.Scale(zero=False, nice=False, domain=domain))
    y = alt.Y("value:Q", title=None, scale=alt.Scale(zero=False, nice=False, padding=PAD),
              axis=alt.Axis(minExtent=30, format="~g"))  # no float noise (18.120001) on short ranges
    chosen = _chosen(what) if data is None else None
    rows = alt.Chart() if chosen is None else alt.Chart().transform_filter(chosen)
    tip = [alt.Tooltip("country:N", title="Country"), alt.Tooltip("year:Q", title="Year", format="d"),
           alt.Tooltip("value:Q", title=title[0], format=".1f")]
    line = rows.mark_line(strokeWidth=1.5).encode(x=x, y=y, color=colour).properties(name=f"{name}_lines")
    dots = rows.mark_circle(size=18).encode(x=x, y=y, color=colour, tooltip=tip).properties(name=f"{name}_dots")
    parts = [line, dots, _ends(what, name, chosen)]
    if data is None:
        parts.append(_message(what, vintage))
    elif message:
        parts.append(alt.Chart(pd.DataFrame({"text": [message]})).mark_text(
            align="left", baseline="middle", x=8, y=PANEL_HEIGHT / 2, fontSize=FONT, lineBreak="\n", lineHeight=LINE,
            color="#1A1A1A").encode(text="text:N"))
    # the labels' colour scale (the palette's text variants) apart from the lines'
    layers = alt.layer(*parts, **({} if data is None else {"data": data})).resolve_scale(color="independent")
    return layers.properties(width=WIDTH, height=PANEL_HEIGHT, title=alt.Title(title, fontSize=12))


OUTPUT_TITLE = ["Manufacturing, % of GDP", "(WDI NV.IND.MANF.ZS)"]
JOBS_TITLE = ["Industry, % of employment", "(WDI SL.IND.EMPL.ZS, ILO model)"]


def manufacturing_chart(found: dict[str, pd.DataFrame], country: Control, start: Control,
                        end: Control) -> alt.VConcatChart:
    """The browser chart: the reshoring indicator per chosen country over the chosen period, manufacturing's
    share of GDP by year and, below it, industry's share of employment, for the country (or all five) and the
    years the controls choose. Every number is computed in the browser from :func:`chart_data`."""
    chart = alt.vconcat(
        _header(len(COUNTRIES)),
        _panel(OUTPUT, OUTPUT_TITLE, "mfg", vintage=found[OUTPUT].attrs.get("vintage_label", "")),
        _panel(JOBS, JOBS_TITLE, "ind", vintage=found[JOBS].attrs.get("vintage_label", "")),
        data=chart_data(found), spacing=12).resolve_scale(color="independent")
    return bind(chart, country, start, end)


def title(found: dict[str, pd.DataFrame]) -> str:
    """The chart's message, counted from the data: in how many economies manufacturing's share of GDP fell,
    then rose (over each series' last ten years), and in how many industry's share of jobs fell."""
    turned = int(reshoring(found[OUTPUT])["turn"].sum())
    fell = sum(int(g["value"].iloc[-1] < g["value"].iloc[0]) for _, g in found[JOBS].groupby("code", sort=False))
    return (f"Manufacturing's share of GDP fell, then rose, in {turned} of {len(COUNTRIES)} economies; industry's "
            f"share of jobs fell in {fell}")


def _figure(chart, found: dict[str, pd.DataFrame], browser: bool) -> alt.TopLevelMixin:
    how = "the menu and the two sliders" if browser else "the widgets"
    return figure(
        chart,
        title=title(found),
        csv=[(mark, {"country": "country", "code": "country_code", "year": "year", "value": "share_percent"},
              {"measure": measure}) for mark, measure in (("mfg_lines_1_marks", "manufacturing value added, % of GDP"),
                                                          ("ind_lines_2_marks", "industry jobs, % of all employment"))],
        description=(f"Top: for each country chosen with {how}, the change in manufacturing's share of GDP over "
                     f"the last {STEP} years of the period shown and, in brackets, over the {STEP} years before, "
                     "in percentage points; an arrow marks a share that fell, then rose (a reshoring turn). "
                     "Middle: manufacturing value added, % of GDP. Bottom: employment in industry (manufacturing, "
                     "mining, utilities and construction), % of all employment. Each line is named at the "
                     "right, level with its last value."),
        sources=[found[OUTPUT], found[JOBS]],
        note=(f"Years differ by country ({coverage_text(found[OUTPUT])}): each line starts and ends with its "
              "country's own series, and a country's last five years end where its series ends. The sliders set "
              "the first and last year; the lower is taken as the start."))


def manufacturing_figure(inputs: Inputs) -> alt.TopLevelMixin:
    """The chapter's manufacturing chart, ready to display, its three controls bound (Vega-Lite parameters that
    work with no kernel), titled and captioned with sources, vintages and licences."""
    found = series(inputs)
    return _figure(manufacturing_chart(found, *controls(found)), found, browser=True)


def view_lines(found: dict[str, pd.DataFrame], mfg_country: str, mfg_from: int, mfg_to: int) -> list[str]:
    """The reshoring lines of the chart for one setting, computed in pandas (the browser's twin)."""
    lo, hi = min(mfg_from, mfg_to), max(mfg_from, mfg_to)
    frame = found[OUTPUT]
    if mfg_country != ALL:
        frame = frame[frame["code"] == mfg_country]
    return [_line_text(r) for r in reshoring(frame, lo, hi).to_dict("records")]


def manufacturing_view(found: dict[str, pd.DataFrame], mfg_country: str, mfg_from: int,
                       mfg_to: int) -> alt.VConcatChart:
    """The same model as :func:`manufacturing_chart` computed in pandas for one setting (the ipywidgets path)."""
    lo, hi = min(mfg_from, mfg_to), max(mfg_from, mfg_to)
    lines = [f"Manufacturing, % of GDP, {lo}\u2013{hi}:", SUBHEAD, *view_lines(found, mfg_country, mfg_from, mfg_to),
             KEY]
    text = alt.Chart(pd.DataFrame({"text": lines, "row": range(len(lines))})).mark_text(
        align="left", baseline="top", x=0, fontSize=FONT).encode(
        y=alt.Y("row:O", axis=None), text="text:N").properties(width=WIDTH, height=len(lines) * LINE + 4)

    def panel(what: str, title: list[str], name: str):
        f = found[what]
        f = f[(f["code"] == mfg_country) if mfg_country != ALL else f["code"].notna()]
        shown = f[f["year"].between(lo, hi)]
        message = "" if len(shown) else none_message(what, lo, hi, int(f["year"].min()), int(f["year"].max()),
                                                     found[what].attrs.get("vintage_label", ""))
        return _panel(what, title, name, data=shown, span=(lo, hi), message=message)

    return alt.vconcat(text, panel(OUTPUT, OUTPUT_TITLE, "mfg"), panel(JOBS, JOBS_TITLE, "ind"),
                       spacing=12).resolve_scale(color="independent")


def manufacturing_widgets(inputs: Inputs) -> None:
    """The manufacturing chart computed in pandas with ipywidgets (a country, first and last year), for readers
    running Jupyter; shows the widgets and the chart, returns None."""
    found = series(inputs)
    interact(lambda **v: _figure(manufacturing_view(found, **v), found, browser=False), *controls(found))
    return None
