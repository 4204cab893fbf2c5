"""Where the value of the largest firms sits, and where US headquarters are (section 3 of the paper).

Two registered sources and two project tables:

- ``forbes_global2000``: the Forbes Global 2000, 2022 list (market value, US$ billion, with a country per firm).
  This copy has wrong countries (US firms listed as Canada), lower-cased names and stray characters. Firms are
  ranked here by market value; the slider takes the largest N (``N_MIN`` to ``N_MAX``);
- ``fortune500_hq``: the 2017 Fortune 500 headquarters with city, state and coordinates (HIFLD): a US address,
  the evidence that a firm is headquartered in the United States;
- ``data/forbes_country_evidence.csv``: one row for every firm among the ``N_MAX`` largest by market value: its
  Forbes name and country, the country the evidence settles (``United States``) with the Fortune 500 row (rank
  and name) that proves it, or nothing when no pinned file settles it (the firm is then flagged on the chart,
  its Forbes country kept, never guessed);
- ``data/platform_firms.csv``: which firms count as digital platforms (Forbes has no such category), with a
  reason per firm and, where the firm is on the 2017 Fortune 500, that row's name.

What a chapter calls: :func:`facts`, :func:`value_figure` / :func:`value_widgets` (value by country with a top-N
slider) and :func:`hq_figure` (the headquarters map, state outlines from the vendored us-atlas TopoJSON embedded
in the chart: nothing is fetched when it is viewed).
"""

from __future__ import annotations

import io
import json
import re

import altair as alt
import pandas as pd

from futurecity import config, reads
from futurecity.claims.measures import Inputs
from futurecity.facts import Fact, constant, fact
from futurecity.viz.controls import Control, bind, interact
from futurecity.viz.labels import LabelColumn
from futurecity.viz.theme import HIGHLIGHT, MUTED, PALETTE, WIDTH, figure

FORBES, FORTUNE = "forbes_global2000", "fortune500_hq"
EVIDENCE, PLATFORMS = "forbes_country_evidence.csv", "platform_firms.csv"
US = "United States"
N_MIN, N_MAX, N_STEP, N_DEFAULT = 10, 150, 10, 50
TOP_N = "platforms_top_n"  # the slider's parameter
WEST = ("CA", "OR", "WA")
ATLAS = ("_static", "vendor", "us-atlas", "states-10m.json")  # us-atlas 3.0.1 (npm), ISC licence
ATLAS_DATA = "us-atlas-states"  # the outlines' name among the map's datasets
KINDS = {"platform firm": PALETTE[1], "other firm": PALETTE[0]}
SUMMARY_LINE = 15


# --- the tables --------------------------------------------------------------------------------------------------

def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(reads.read_table(name)), dtype="string", keep_default_na=False)


def evidence_table() -> pd.DataFrame:
    """``data/forbes_country_evidence.csv``: firm, forbes_country, country (empty: not settled), f500_rank,
    f500_name, match."""
    table = _table(EVIDENCE)
    if table["firm"].duplicated().any():
        raise ValueError(f"{EVIDENCE}: a firm is listed twice")
    return table


def platform_table() -> pd.DataFrame:
    """``data/platform_firms.csv``: firm, platform (yes/no), named_in, f500_name, reason."""
    table = _table(PLATFORMS)
    if not set(table["platform"]) <= {"yes", "no"}:
        raise ValueError(f"{PLATFORMS}: platform must be yes or no")
    return table


def display_name(name: str) -> str:
    """A Forbes name as shown: stray brackets removed, a lower-cased first letter raised ("tesla" -> "Tesla")."""
    clean = re.sub(r"[\[\]]", "", str(name)).strip()
    return clean[:1].upper() + clean[1:]


LABEL_CHARS = 18  # a firm's label on the chart: whole words up to this many characters (the full name in the tooltip)
SUFFIXES = {"co", "co.", "corp", "corp.", "corporation", "company", "inc", "inc.", "ltd", "ltd.", "plc", "ag", "sa",
            "se", "nv", "holdings", "holding", "group", "limited", "communications", "&"}


COLUMN = LabelColumn(124)  # the value chart's y-axis labels (names shortened to LABEL_CHARS fit it)


def short_name(name: str, chars: int = LABEL_CHARS) -> str:
    """A firm's name shortened by design for a chart's axis: legal suffixes dropped, then whole words kept while
    the label stays within ``chars`` characters (never cut inside a word, never an ellipsis)."""
    words = name.split()
    while len(words) > 1 and words[-1].lower().strip(",") in SUFFIXES:
        words.pop()
    out = words[0]
    for word in words[1:]:
        if len(out) + 1 + len(word) > chars:
            break
        out += " " + word
    return re.sub(r"(\s+(&|and|of|the))+$", "", out)  # a label never ends on a joining word


def ranked(forbes: pd.DataFrame) -> pd.DataFrame:
    """Forbes firms by market value, largest first (ties by Forbes rank): columns firm (the name stripped),
    forbes_country, market_value, mv_rank."""
    out = forbes.assign(firm=forbes["name"].str.strip()).sort_values(["market_value", "rank"],
                                                                     ascending=[False, True], ignore_index=True)
    out["mv_rank"] = range(1, len(out) + 1)
    return out.rename(columns={"country": "forbes_country"})[["firm", "forbes_country", "market_value", "mv_rank"]]


def firms(inputs: Inputs) -> pd.DataFrame:
    """The ``N_MAX`` largest firms by market value with their country settled by the evidence table: firm,
    display, forbes_country, country (the evidence's, else Forbes's), settled (the evidence settles it),
    corrected (settled to another country than Forbes's), f500_rank, city, state, platform, market_value,
    mv_rank. Raises ValueError when the evidence table does not list exactly these firms or names a Fortune 500
    row the file does not hold."""
    def make():
        forbes, fortune = inputs.frame(FORBES), inputs.frame(FORTUNE)
        top = ranked(forbes).head(N_MAX)
        ev = evidence_table()
        if set(ev["firm"]) != set(top["firm"]):
            raise ValueError(f"{EVIDENCE} must list the {N_MAX} largest firms by market value: missing "
                             f"{sorted(set(top['firm']) - set(ev['firm']))}, extra "
                             f"{sorted(set(ev['firm']) - set(top['firm']))}")
        out = top.merge(ev.drop(columns="forbes_country"), on="firm", validate="one_to_one")
        out["settled"] = out["country"] != ""
        out["f500_rank"] = pd.to_numeric(out["f500_rank"].replace("", pd.NA)).astype("Int64")
        rows = fortune.assign(f500_rank=fortune["rank"].astype("Int64"))
        out = out.merge(rows[["f500_rank", "name", "city", "state"]], on="f500_rank", how="left")
        bad = [firm for firm, ok, got, want in zip(out["firm"], out["settled"], out["name"], out["f500_name"],
                                                    strict=True) if ok and (pd.isna(got) or got != want)]
        if bad:
            raise ValueError(f"{EVIDENCE}: Fortune 500 rows that the file does not hold (rank and name): {bad}")
        out["country"] = out["country"].where(out["settled"], out["forbes_country"])
        out["corrected"] = out["settled"] & (out["country"] != out["forbes_country"])
        plat = platform_table()
        out["platform"] = out["firm"].isin(set(plat.loc[plat["platform"] == "yes", "firm"]))
        out["display"] = out["firm"].map(display_name)
        out = out[["firm", "display", "forbes_country", "country", "settled", "corrected", "f500_rank", "city",
                   "state", "platform", "market_value", "mv_rank"]]
        out.attrs["sources"] = [dict(forbes.attrs), dict(fortune.attrs)]
        return out
    return inputs.derived("platforms.firms", make)


def top_share(table: pd.DataFrame, n: int) -> dict:
    """For the ``n`` largest firms: total market value (US$ bn), the value and share (per cent) held by firms
    the evidence settles as US, by platform firms, and the number and share of firms whose country no pinned
    file settles."""
    top = table[table["mv_rank"] <= n]
    total = float(top["market_value"].sum())
    us = top["settled"] & (top["country"] == US)
    return {"n": len(top), "total": total, "us_value": float(top.loc[us, "market_value"].sum()),
            "us_share": float(top.loc[us, "market_value"].sum()) / total * 100, "us_n": int(us.sum()),
            "platform_share": float(top.loc[top["platform"], "market_value"].sum()) / total * 100,
            "platform_n": int(top["platform"].sum()),
            "flagged_n": int((~top["settled"]).sum()),
            "flagged_share": float(top.loc[~top["settled"], "market_value"].sum()) / total * 100}


def by_country(table: pd.DataFrame, n: int) -> pd.Series:
    """Market value (US$ bn) of the ``n`` largest firms by country (settled or Forbes's), largest first."""
    top = table[table["mv_rank"] <= n]
    return top.groupby("country")["market_value"].sum().sort_values(ascending=False)


# --- US headquarters -------------------------------------------------------------------------------------------

def headquarters(inputs: Inputs) -> pd.DataFrame:
    """The 2017 Fortune 500 headquarters with ``platform`` (the firm is a platform of the definition table) and
    ``west`` (in CA, OR or WA); the file's provenance kept."""
    fortune = inputs.frame(FORTUNE)
    plat = platform_table()
    names = set(plat.loc[(plat["platform"] == "yes") & (plat["f500_name"] != ""), "f500_name"])
    missing = names - set(fortune["name"])
    if missing:
        raise ValueError(f"{PLATFORMS} names Fortune 500 rows the file does not hold: {sorted(missing)}")
    out = fortune.assign(platform=fortune["name"].isin(names), west=fortune["state"].isin(WEST))
    out.attrs = dict(fortune.attrs)
    return out


def state_revenue(hq: pd.DataFrame) -> pd.DataFrame:
    """Revenue (US$ million) and headquarters by state, largest revenue first: state, revenue, firms, share (%)."""
    out = hq.groupby("state", as_index=False).agg(revenue=("revenue", "sum"), firms=("name", "count"))
    out["share"] = out["revenue"] / out["revenue"].sum() * 100
    return out.sort_values(["revenue", "state"], ascending=[False, True], ignore_index=True)


def west_share(hq: pd.DataFrame) -> dict:
    """The West Coast's (CA, OR, WA) share (%) of the revenue of the platform firms on the list, and of all
    the list's revenue."""
    plat = hq[hq["platform"]]
    return {"platform": float(plat.loc[plat["west"], "revenue"].sum() / plat["revenue"].sum() * 100),
            "platform_n": len(plat), "platform_west_n": int(plat["west"].sum()),
            "all": float(hq.loc[hq["west"], "revenue"].sum() / hq["revenue"].sum() * 100)}


# --- facts ---------------------------------------------------------------------------------------------------------

def facts(inputs: Inputs) -> dict[str, Fact]:
    """The numbers chapter 3's prose quotes (prefix ``pl_``)."""
    table, forbes, fortune = firms(inputs), inputs.frame(FORBES), inputs.frame(FORTUNE)
    d = top_share(table, N_DEFAULT)
    m = top_share(table, N_MAX)
    countries = by_country(table, N_DEFAULT)
    corrected = table[table["corrected"]]
    hq = headquarters(inputs)
    states = state_revenue(hq)
    west = west_share(hq)
    plat = platform_table()
    both = (forbes, fortune)
    return {
        "pl_n_default": constant(N_DEFAULT, "the slider's default number of largest firms"),
        "pl_n_max": constant(N_MAX, "the slider's largest number of firms"),
        "pl_firms_n": fact(len(forbes), "firms in the Forbes Global 2000 file", forbes),
        "pl_top_total_tn": fact(d["total"] / 1000, f"market value of the {N_DEFAULT} largest firms, US$ trillion",
                                forbes),
        "pl_us_share": fact(d["us_share"], f"share (%) of the {N_DEFAULT} largest firms' market value held by "
                            "firms with a US headquarters in the 2017 Fortune 500", *both),
        "pl_us_n": fact(d["us_n"], f"firms among the {N_DEFAULT} largest settled as US", *both),
        "pl_platform_share": fact(d["platform_share"], f"share (%) of the {N_DEFAULT} largest firms' market "
                                  "value held by platform firms (data/platform_firms.csv)", forbes),
        "pl_platform_n": fact(d["platform_n"], f"platform firms among the {N_DEFAULT} largest", forbes),
        "pl_flagged_n": fact(d["flagged_n"], f"firms among the {N_DEFAULT} largest whose country no pinned "
                             "file settles", *both),
        "pl_us_share_max": fact(m["us_share"], f"US share (%) of the {N_MAX} largest firms' market value", *both),
        "pl_flagged_n_max": fact(m["flagged_n"], f"firms among the {N_MAX} largest whose country no pinned file "
                                 "settles", *both),
        "pl_second_country": fact(str(countries.index[1]), f"the country second by market value among the "
                                  f"{N_DEFAULT} largest firms", *both),
        "pl_second_share": fact(float(countries.iloc[1] / countries.sum() * 100), "its share of their market "
                                "value, %", *both),
        "pl_corrected_n": fact(len(corrected), f"firms among the {N_MAX} largest whose Forbes country the "
                               "Fortune 500 file corrects", *both),
        "pl_corrected_names": fact(", ".join(corrected["display"]), "those firms", *both),
        "pl_corrected_from": fact(" or ".join(sorted(set(corrected["forbes_country"]))),
                                  "the country Forbes's copy gives those firms", *both),
        "pl_corrected_value": fact(float(corrected["market_value"].sum()), "their market value, US$ bn", *both),
        "pl_platforms_defined": constant(int((plat["platform"] == "yes").sum()),
                                         "firms counted as digital platforms in data/platform_firms.csv"),
        "pl_hq_n": fact(len(hq), "headquarters in the 2017 Fortune 500 file", fortune),
        "pl_top_state": fact(str(states.iloc[0]["state"]), "state with the most Fortune 500 revenue, 2017 list",
                             fortune),
        "pl_top_state_share": fact(float(states.iloc[0]["share"]), "its share of the list's revenue, %", fortune),
        "pl_west_all_share": fact(west["all"], "West Coast (CA, OR, WA) share of all Fortune 500 revenue, %",
                                  fortune),
        "pl_west_platform_share": fact(west["platform"], "West Coast share of the revenue of the platform firms "
                                       "on the 2017 Fortune 500, %", fortune),
        "pl_platform_hq_n": fact(west["platform_n"], "platform firms on the 2017 Fortune 500", fortune),
        "pl_platform_west_n": fact(west["platform_west_n"], "of them headquartered in CA, OR or WA", fortune),
    }


# --- the value chart: top N by market value ------------------------------------------------------------------------

def top_control() -> Control:
    return Control.range(TOP_N, N_MIN, N_MAX, N_STEP, N_DEFAULT, "Largest firms")


def compact(table: pd.DataFrame) -> pd.DataFrame:
    """What the browser chart embeds: one row per firm (values as read; the browser filters and sums)."""
    out = table[["display", "country", "market_value", "mv_rank"]].copy()
    out["short"] = out["display"].map(short_name)
    out["settled"] = table["settled"].astype(int)
    out["us"] = (table["settled"] & (table["country"] == US)).astype(int)
    out["platform"] = table["platform"].astype(int)
    out["kind"] = table["platform"].map({True: "platform firm", False: "other firm"})
    out["evidence"] = [f"Fortune 500 2017 #{r}, {c}, {s}" if ok else "none: Forbes's country, not settled"
                       for r, c, s, ok in zip(table["f500_rank"], table["city"], table["state"], table["settled"],
                                              strict=True)]
    return out


def _kind_colour(legend: bool) -> alt.Color:
    return alt.Color("kind:N", scale=alt.Scale(domain=list(KINDS), range=list(KINDS.values())),
                     legend=alt.Legend(title=None, orient="bottom", direction="vertical") if legend else None)


def _opacity() -> alt.OpacityValue:
    return alt.condition("datum.settled == 1", alt.value(1.0), alt.value(0.45))


def value_chart(table: pd.DataFrame, top: Control) -> alt.VConcatChart:
    """The browser chart: four short lines (total value of the top N, the US share by evidence, the platform
    share, the firms not settled), market value by country, and each firm (platforms in orange, faded and
    marked '?' when no pinned file settles its country). Everything is computed in the browser from
    :func:`compact` and the slider's N."""
    n = top.name
    rows = alt.Chart().transform_filter(f"datum.mv_rank <= {n}")
    summary = (rows.transform_calculate(us_mv="datum.us * datum.market_value",
                                        pl_mv="datum.platform * datum.market_value",
                                        fl_mv="(1 - datum.settled) * datum.market_value",
                                        flagged="1 - datum.settled")
               .transform_aggregate(total="sum(market_value)", us_value="sum(us_mv)", pl_value="sum(pl_mv)",
                                    fl_value="sum(fl_mv)", firms="count()", flagged_n="sum(flagged)")
               .transform_calculate(us_share="datum.us_value / datum.total * 100",
                                    platform_share="datum.pl_value / datum.total * 100",
                                    flagged_share="datum.fl_value / datum.total * 100")
               .transform_calculate(text=(
                   "'Largest ' + datum.firms + ' firms: $' + format(datum.total / 1000, '.1f') + ' tn\\n' + "
                   "'US firms (by evidence): ' + format(datum.us_share, '.1f') + '%\\n' + "
                   "'Platform firms: ' + format(datum.platform_share, '.1f') + '%\\n' + "
                   "'Country not settled: ' + datum.flagged_n + ' firms'"))
               .mark_text(**COLUMN.at_edge, y=0, fontSize=12, lineBreak="\n",
                          lineHeight=SUMMARY_LINE)
               .encode(text="text:N").properties(name="platforms_summary", width=WIDTH,
                                                  height=4 * SUMMARY_LINE + 4))
    countries = (rows.mark_bar()
                 .encode(y=alt.Y("country:N", title=None, sort="-x",
                                 axis=COLUMN.axis(labelLimit=0)),
                         x=alt.X("sum(market_value):Q", title="Market value, US$ bn"),
                         color=_kind_colour(legend=True), opacity=_opacity(),
                         tooltip=[alt.Tooltip("country:N", title="Country"),
                                  alt.Tooltip("kind:N", title="Firms"),
                                  alt.Tooltip("sum(market_value):Q", title="US$ bn", format=",.0f")])
                 .properties(name="platforms_countries", width=WIDTH, height=alt.Step(14)))
    firm_rows = rows.transform_calculate(label="datum.short + (datum.settled == 1 ? '' : ' ?')")
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("mv_rank", order="ascending"),
              axis=COLUMN.axis(labelFontSize=10, labelLimit=0))
    firm_bars = (firm_rows.mark_bar()
                 .encode(y=y, x=alt.X("market_value:Q", title="Market value, US$ bn"),
                         color=_kind_colour(legend=False), opacity=_opacity(),
                         tooltip=[alt.Tooltip("display:N", title="Firm"), alt.Tooltip("country:N", title="Country"),
                                  alt.Tooltip("evidence:N", title="Evidence"),
                                  alt.Tooltip("market_value:Q", title="US$ bn", format=",.0f"),
                                  alt.Tooltip("mv_rank:Q", title="Rank by value")])
                 .properties(name="platforms_firms", width=WIDTH, height=alt.Step(13)))
    # both y axes take the COLUMN and the summary starts at its left edge, the chart's
    chart = alt.vconcat(summary, countries, firm_bars, data=compact(table), spacing=10)
    return bind(chart, top)


def _value_caption(chart, table: pd.DataFrame, browser: bool = True):
    control = "the slider" if browser else "the widget"
    return figure(
        chart,
        title="Where the largest firms' value sits, 2022",
        csv=[("platforms_firms_marks", {"mv_rank": "rank_by_market_value", "display": "firm", "country": "country",
                                        "evidence": "country_evidence", "market_value": "market_value_usd_billion",
                                        "platform": "platform_firm"})], csv_max_rows=150,
        csv_licence={FORBES: "Forbes content, copyright unclear: aggregates only. This file holds only the {rows} "
                             "firms the chart draws at the setting above (the largest by market value, at most 150 "
                             "with the slider), never the whole list."},
        description=(f"The largest firms of the Forbes Global 2000 (2022) by market value, as many as {control} "
                     "chooses. Top: their total value, the share held by firms whose US headquarters the 2017 "
                     "Fortune 500 file records, by platform firms (data/platform_firms.csv) and the number of "
                     "firms whose country no pinned file settles. Middle: value by country. Bottom: each firm; "
                     "platform firms in orange; faded and marked '?' where the country is Forbes's alone."),
        sources=[*(dict_frame(a) for a in table.attrs["sources"])],
        note=("Forbes's countries are corrected where a Fortune 500 headquarters proves a US address "
              "(data/forbes_country_evidence.csv); no pinned file can prove a headquarters outside the US."))


def dict_frame(attrs: dict) -> pd.DataFrame:
    """An empty frame carrying a source's provenance (for a caption)."""
    out = pd.DataFrame()
    out.attrs = dict(attrs)
    return out


def value_figure(inputs: Inputs):
    """The chapter's value chart with its top-N slider bound, captioned with sources and vintages."""
    table = firms(inputs)
    return _value_caption(value_chart(table, top_control()), table)


def value_view(table: pd.DataFrame, platforms_top_n: int) -> alt.VConcatChart:
    """The same model computed in pandas for one N (the ipywidgets path)."""
    s = top_share(table, int(platforms_top_n))
    text = (f"Largest {s['n']} firms: ${s['total'] / 1000:.1f} tn\nUS firms (by evidence): {s['us_share']:.1f}%\n"
            f"Platform firms: {s['platform_share']:.1f}%\nCountry not settled: {s['flagged_n']} firms")
    head = alt.Chart(pd.DataFrame({"text": [text]})).mark_text(
        align="left", baseline="top", x=0, y=0, fontSize=12, lineBreak="\n", lineHeight=SUMMARY_LINE).encode(
        text="text:N").properties(width=WIDTH, height=4 * SUMMARY_LINE + 4)
    top = compact(table)
    top = top[top["mv_rank"] <= int(platforms_top_n)]
    countries = alt.Chart(top).mark_bar().encode(
        y=alt.Y("country:N", title=None, sort="-x"), x=alt.X("sum(market_value):Q", title="Market value, US$ bn"),
        color=_kind_colour(legend=True), opacity=_opacity()).properties(width=WIDTH, height=alt.Step(14))
    return alt.vconcat(head, countries, spacing=10)


def value_widgets(inputs: Inputs) -> None:
    """The value chart computed in pandas with an ipywidgets slider for N (for readers running Jupyter)."""
    table = firms(inputs)
    interact(lambda platforms_top_n: _value_caption(value_view(table, platforms_top_n), table, browser=False),
             top_control())
    return None


# --- the headquarters map --------------------------------------------------------------------------------------

def atlas() -> dict:
    """The vendored us-atlas TopoJSON of US states (embedded in the map, so nothing is fetched to view it)."""
    return json.loads(config.root().joinpath(*ATLAS).read_bytes())


def hq_chart(hq: pd.DataFrame, topo: dict) -> alt.VConcatChart:
    """State outlines (albersUsa), a point per headquarters sized by revenue (platform firms in orange, on
    top), the West Coast's share of the platform firms' revenue, and the ten states with the most revenue."""
    west = west_share(hq)
    states = (alt.Chart(alt.Data(name=ATLAS_DATA, format=alt.DataFormat(type="topojson", feature="states")))
              .mark_geoshape(fill="#f2f2f2", stroke="#8a8a8a", strokeWidth=0.5)
              .project(type="albersUsa").properties(name="hq_states"))
    points = hq[["name", "city", "state", "revenue", "latitude", "longitude", "platform"]].assign(
        kind=hq["platform"].map({True: "platform firm", False: "other firm"}))
    points = points.sort_values("platform")  # platforms drawn last, on top
    dots = (alt.Chart(points).mark_circle(opacity=0.7, stroke="white", strokeWidth=0.3)
            .encode(longitude="longitude:Q", latitude="latitude:Q",
                    size=alt.Size("revenue:Q", title="Revenue, US$ m", scale=alt.Scale(range=[4, 300]),
                                  legend=alt.Legend(orient="bottom", direction="vertical", format=",.0f")),
                    color=_kind_colour(legend=True),
                    tooltip=[alt.Tooltip("name:N", title="Firm"), alt.Tooltip("city:N", title="City"),
                             alt.Tooltip("state:N", title="State"),
                             alt.Tooltip("revenue:Q", title="Revenue, US$ m", format=",.0f")])
            .project(type="albersUsa").properties(name="hq_points"))
    plot = alt.layer(states, dots).properties(width=WIDTH, height=round(WIDTH * 0.62))
    text = (f"West Coast (CA, OR, WA): {west['platform']:.0f}%\nof platform firms' revenue,\n"
            f"{west['all']:.0f}% of all the list's revenue")
    head = alt.Chart(pd.DataFrame({"text": [text]})).mark_text(
        align="left", baseline="top", x=0, y=0, fontSize=12, lineBreak="\n", lineHeight=SUMMARY_LINE).encode(
        text="text:N").properties(name="hq_text", width=WIDTH, height=3 * SUMMARY_LINE + 4)
    top = state_revenue(hq).head(10)
    bars = (alt.Chart(top).mark_bar(color=MUTED)
            .encode(y=alt.Y("state:N", title=None, sort="-x"), x=alt.X("revenue:Q", title="Revenue, US$ m"),
                    color=alt.condition(alt.FieldOneOfPredicate("state", list(WEST)), alt.value(HIGHLIGHT),
                                        alt.value(PALETTE[0])),
                    tooltip=[alt.Tooltip("state:N", title="State"), alt.Tooltip("firms:Q", title="Headquarters"),
                             alt.Tooltip("revenue:Q", title="Revenue, US$ m", format=",.0f"),
                             alt.Tooltip("share:Q", title="Share of the list, %", format=".1f")])
            .properties(name="hq_state_bars", width=WIDTH, height=alt.Step(14),
                        title=alt.Title("The ten states with most revenue", fontSize=12)))
    chart = alt.vconcat(head, plot, bars, spacing=10).resolve_scale(color="independent")
    # The outlines join the spec's named datasets last: Altair deep-copies inline values each time a chart is
    # combined, which for the TopoJSON costs more than drawing the rest of the figure.
    chart.datasets = {ATLAS_DATA: topo}
    return chart


def hq_figure(inputs: Inputs):
    """The headquarters map, captioned with its source and vintage."""
    hq = headquarters(inputs)
    return figure(
        hq_chart(hq, atlas()),
        title="Where US headquarters are: Fortune 500, 2017",
        csv=[("hq_points_1_marks", {"name": "firm", "city": "city", "state": "state", "latitude": "latitude_degrees",
                                    "longitude": "longitude_degrees", "revenue": "revenue_usd_million",
                                    "platform": "platform_firm"})],
        description=("Each dot is a headquarters of the 2017 Fortune 500, sized by revenue (US$ million, "
                     "fiscal 2016); platform firms of data/platform_firms.csv in orange. Above: the West Coast's "
                     "share of the platform firms' revenue. Below: the ten states with the most revenue, the West "
                     "Coast in red. Alaska and Hawaii are drawn below the other states."),
        sources=[hq],
        note="State outlines: us-atlas 3.0.1 (US Census Bureau cartographic boundaries), embedded in the chart.")
