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

Firms and headquarters matched within one year (:func:`same_year`): the Forbes list of 2017
(``forbes_global2000_2017``) against the 2017 Fortune 500 headquarters, and the Forbes list of 2022 against the
2022 Fortune 1000 (``fortune1000_2022``), each firm found by its name on the same year's Fortune list
(:func:`match_key`: case, punctuation, accents and legal suffixes left out; an exact match only, so a firm whose
names differ stays unmatched and keeps Forbes's country, never guessed). :func:`country_changes` names the firms
among the largest of both years whose country differs between the two.

What a chapter calls: :func:`facts`, :func:`value_figure` / :func:`value_widgets` (value by country with a top-N
slider) and :func:`hq_figure` (the headquarters map, state outlines from the vendored us-atlas TopoJSON embedded
in the chart: nothing is fetched when it is viewed).
"""

from __future__ import annotations

import io
import json
import math
import re
import string
import unicodedata

import altair as alt
import pandas as pd

from futurecity import config, reads
from futurecity.claims.measures import Inputs
from futurecity.facts import Fact, constant, fact
from futurecity.viz.controls import Control, bind, interact
from futurecity.viz.labels import LabelColumn
from futurecity.viz.theme import MUTED, PALETTE, WIDTH, figure

FORBES, FORTUNE = "forbes_global2000", "fortune500_hq"
FORBES_2017, FORTUNE_2022 = "forbes_global2000_2017", "fortune1000_2022"
SAME_YEAR = {2017: (FORBES_2017, FORTUNE), 2022: (FORBES, FORTUNE_2022)}  # year -> (Forbes list, Fortune list)
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
    """A Forbes name as shown: stray brackets removed, the first letter of a name written all in lower case
    raised ("tesla" -> "Tesla"; "eBay" stays as its firm writes it)."""
    clean = re.sub(r"[\[\]]", "", str(name)).strip()
    return clean[:1].upper() + clean[1:] if clean == clean.lower() else clean


LABEL_CHARS = 26  # a firm's label on the chart: at most this many characters (the full name in the tooltip)
SUFFIXES = {"co", "co.", "corp", "corp.", "corporation", "company", "inc", "inc.", "ltd", "ltd.", "plc", "ag", "sa",
            "se", "nv", "holdings", "holding", "group", "limited", "communications", "&"}


COLUMN = LabelColumn(160)  # the value chart's y-axis labels: names of LABEL_CHARS characters at 10 px fit it


def short_name(name: str, chars: int = LABEL_CHARS) -> str:
    """A firm's name as the chart's axis shows it, a name that reads as the firm's: a name in brackets is the
    name the firm is known by ("Saudi Arabian Oil Company (Saudi Aramco)" -> "Saudi Aramco"); legal suffixes are
    dropped while two words remain ("Tencent Holdings" and "Roche Holding" stay whole, "Goldman Sachs Group"
    loses "Group"); a name still longer than ``chars`` keeps its first whole words, never fewer than two (never
    cut inside a word, never an ellipsis), and never ends on a joining word."""
    m = re.fullmatch(r"(.*?)\s*\(([^()]+)\)\s*", name)
    if m:
        name = m.group(2)
    words = name.split()
    while len(words) > 2 and words[-1].lower().strip(",") in SUFFIXES:
        words.pop()
    while len(" ".join(words)) > chars and len(words) > 2:
        words.pop()
    out = " ".join(words)
    return re.sub(r"(\s+(&|and|of|the))+$", "", out, flags=re.IGNORECASE)  # never ends on a joining word


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


# --- firms and headquarters matched within one year -------------------------------------------------------------

MATCH_DROP = {"inc", "corp", "corporation", "co", "company", "companies", "group", "holdings", "holding", "the",
              "plc", "ltd", "llc", "lp", "incorporated", "and"}


def match_key(name: str) -> str:
    """A firm's name reduced for matching two lists: accents, a bracketed part, punctuation, case, spaces and legal
    suffixes left out (``"Bank of America Corp."`` -> ``"bankofamerica"``, ``"Amazon.com"`` -> ``"amazoncom"``)."""
    text = unicodedata.normalize("NFKD", re.sub(r"\(.*?\)", " ", str(name))).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9 ]", " ", text.lower().replace("&", " and ").replace(".", "")).split()
    kept = [w for w in words if w not in MATCH_DROP]
    return "".join(kept or words)


def same_year(inputs: Inputs, year: int) -> pd.DataFrame:
    """The ``N_MAX`` largest firms by market value on that year's Forbes list, each matched by name
    (:func:`match_key`) to that year's Fortune list: firm, forbes_country, market_value, mv_rank, key,
    fortune_name, city, state (empty when unmatched), settled (on the Fortune list: a US headquarters) and
    country (United States when settled, else Forbes's). A Fortune name matching two firms is an error."""
    def make():
        forbes_id, fortune_id = SAME_YEAR[year]
        forbes, fortune = inputs.frame(forbes_id), inputs.frame(fortune_id)
        top = ranked(forbes).head(N_MAX).assign(key=lambda t: t["firm"].map(match_key))
        hq = fortune.assign(key=fortune["name"].map(match_key))
        twice = hq.loc[hq["key"].duplicated(keep=False), "name"]
        if len(twice):
            raise ValueError(f"{fortune_id}: names that match one another: {sorted(twice)}")
        out = top.merge(hq[["key", "name", "city", "state"]].rename(columns={"name": "fortune_name"}), on="key",
                        how="left", validate="many_to_one")
        if out["fortune_name"].notna().groupby(out["fortune_name"]).size().gt(1).any():
            raise ValueError(f"{forbes_id}: two firms match one Fortune name")
        out["settled"] = out["fortune_name"].notna()
        out["country"] = out["forbes_country"].where(~out["settled"], US)
        out.attrs["sources"] = [dict(forbes.attrs), dict(fortune.attrs)]
        return out
    return inputs.derived(f"platforms.same_year.{year}", make)


def same_year_share(table: pd.DataFrame, n: int) -> dict:
    """For the ``n`` largest of one year: firms matched to that year's Fortune list, their share (%) of market
    value, and the firms whose Forbes country the match corrects (listed elsewhere than the US)."""
    top = table[table["mv_rank"] <= n]
    total = float(top["market_value"].sum())
    corrected = top[top["settled"] & (top["forbes_country"] != US)]
    return {"n": len(top), "us_n": int(top["settled"].sum()),
            "us_share": float(top.loc[top["settled"], "market_value"].sum()) / total * 100,
            "corrected": list(corrected["firm"].map(display_name)),
            "corrected_from": list(corrected["forbes_country"])}


def country_changes(inputs: Inputs) -> pd.DataFrame:
    """The firms among the ``N_MAX`` largest of both years (the same firm: the same :func:`match_key`) whose
    country differs between 2017 and 2022, each year's country being the same-year match's (US) or Forbes's:
    firm (the 2022 name), country_2017, country_2022, settled_2017, settled_2022. Also ``attrs['both_n']``,
    how many firms are among the largest in both years."""
    a, b = same_year(inputs, 2017), same_year(inputs, 2022)
    both = a.merge(b, on="key", suffixes=("_2017", "_2022"), validate="one_to_one")
    moved = both[both["country_2017"] != both["country_2022"]]
    out = pd.DataFrame({"firm": moved["firm_2022"].map(display_name), "country_2017": moved["country_2017"],
                        "country_2022": moved["country_2022"], "settled_2017": moved["settled_2017"],
                        "settled_2022": moved["settled_2022"]}).reset_index(drop=True)
    out.attrs["both_n"] = len(both)
    return out


def _change_words(changes: pd.DataFrame) -> str:
    """The firms that change country, in words (``none``, or ``Broadcom (Singapore in 2017, United States in
    2022)``, joined)."""
    if changes.empty:
        return "none"
    return "; ".join(f"{r.firm} ({r.country_2017} in 2017, {r.country_2022} in 2022)" for r in changes.itertuples())


def same_year_facts(inputs: Inputs) -> dict[str, Fact]:
    """Chapter 3's figures from the lists matched within each year (prefix ``pl_sy``)."""
    out = {}
    for year in SAME_YEAR:
        table = same_year(inputs, year)
        frames = [dict_frame(x) for x in table.attrs["sources"]]
        s = same_year_share(table, N_DEFAULT)
        m = same_year_share(table, N_MAX)
        out |= {
            f"pl_sy{year}_us_share": fact(s["us_share"], f"share (%) of the {N_DEFAULT} largest firms' market value "
                                          f"on the Forbes {year} list held by firms on the {year} Fortune list",
                                          *frames),
            f"pl_sy{year}_us_n": fact(s["us_n"], f"firms among the {N_DEFAULT} largest of {year} matched to the "
                                      f"{year} Fortune list", *frames),
            f"pl_sy{year}_us_share_max": fact(m["us_share"], f"the same share for the {N_MAX} largest of {year}, %",
                                              *frames),
            f"pl_sy{year}_corrected_n": fact(len(m["corrected"]), f"firms among the {N_MAX} largest of {year} "
                                             f"whose Forbes country the {year} Fortune list corrects", *frames),
            f"pl_sy{year}_corrected_from": fact(" or ".join(sorted(set(m["corrected_from"]))) or "none",
                                                f"the countries Forbes's {year} copy gives those firms", *frames),
        }
    changes = country_changes(inputs)
    frames = [dict_frame(x) for y in SAME_YEAR for x in same_year(inputs, y).attrs["sources"]]
    out |= {
        "pl_sy_both_n": fact(changes.attrs["both_n"], f"firms among the {N_MAX} largest by market value in both "
                             "2017 and 2022", *frames),
        "pl_sy_changes_n": fact(len(changes), "of them, firms whose country differs between the two years",
                                *frames),
        "pl_sy_changes": fact(_change_words(changes), "those firms and their countries", *frames),
    }
    return out


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
        **same_year_facts(inputs),
    }


# --- the value chart: top N by market value ------------------------------------------------------------------------

# Where a firm's country on the chart comes from: a US address on the 2017 Fortune 500 (filled bars), or Forbes's
# list alone (hollow bars: no pinned file holds a headquarters outside the US, or the firm was not on that list).
BASIS = {True: "US headquarters, 2017 Fortune 500", False: "as Forbes lists it"}
BASIS_FILL = [1.0, 0.0]  # filled, hollow (the outline keeps the firm's colour)
LEGEND_GREY = "#555555"
KEY_LINE = 15  # the key's line height, px
RESIZE = alt.AutoSizeParams(type="pad", resize=True)  # the chart grows and shrinks with N (the firm panel's rows)
TITLE = "Firms headquartered in the US hold most of the market value of the world's largest firms"


def top_control() -> Control:
    return Control.range(TOP_N, N_MIN, N_MAX, N_STEP, N_DEFAULT, "Largest firms")


def compact(table: pd.DataFrame) -> pd.DataFrame:
    """What the browser chart embeds: one row per firm among the ``N_MAX`` largest (the most the slider draws;
    values as read; the browser filters and sums). Raises ValueError when two firms would share a label."""
    out = table[["display", "country", "market_value", "mv_rank"]].copy()
    out["short"] = out["display"].map(short_name)
    if out["short"].duplicated().any():
        raise ValueError(f"two firms share a label: {sorted(out.loc[out['short'].duplicated(), 'short'])}")
    out["settled"] = table["settled"].astype(int)
    out["basis"] = table["settled"].map(BASIS)
    out["us"] = (table["settled"] & (table["country"] == US)).astype(int)
    out["platform"] = table["platform"].astype(int)
    out["kind"] = table["platform"].map({True: "platform firm", False: "other firm"})
    out["evidence"] = [f"Fortune 500 2017 #{r}, {c}, {s}" if ok else "Forbes's list (no pinned file holds its "
                       "headquarters)" for r, c, s, ok in zip(table["f500_rank"], table["city"], table["state"],
                                                             table["settled"], strict=True)]
    return out


def _kind_scale() -> alt.Scale:
    return alt.Scale(domain=list(KINDS), range=list(KINDS.values()))


def _kind_encodings() -> dict:
    """Fill and outline in the firm's colour (platform or other), filled or hollow by where its country comes
    from (:data:`BASIS`); the chart's key (:func:`_key`) explains both, so no legend is drawn."""
    return {"fill": alt.Fill("kind:N", scale=_kind_scale(), legend=None),
            "stroke": alt.Stroke("kind:N", scale=_kind_scale(), legend=None),
            "fillOpacity": alt.FillOpacity("basis:O", sort=list(BASIS.values()),
                                           scale=alt.Scale(domain=list(BASIS.values()), range=BASIS_FILL),
                                           legend=None)}


def key_rows() -> pd.DataFrame:
    """The chart's key, one row per entry: a swatch (fill, outline, filled or hollow) and its words."""
    rows = [{"label": kind, "fill": colour, "stroke": colour, "fill_opacity": 1.0} for kind, colour in KINDS.items()]
    rows += [{"label": f"country: {basis}", "fill": LEGEND_GREY, "stroke": LEGEND_GREY, "fill_opacity": fill}
             for basis, fill in zip(BASIS.values(), BASIS_FILL, strict=True)]
    out = pd.DataFrame(rows)
    out["y"] = [KEY_LINE * (i + 0.5) for i in range(len(out))]
    return out


def _key(name: str = "platforms") -> alt.LayerChart:
    """The key, drawn as marks (Vega-Lite draws no legend for a bar's fill opacity): a square swatch and its
    words per entry, at the chart's left edge."""
    base = alt.Chart(key_rows()).encode(y=alt.Y("y:Q", scale=None))
    swatches = base.mark_square(size=90, strokeWidth=1.5, opacity=1, x=-COLUMN.extent + 6).encode(
        fill=alt.Fill("fill:N", scale=None), stroke=alt.Stroke("stroke:N", scale=None),
        fillOpacity=alt.FillOpacity("fill_opacity:Q", scale=None)).properties(name=f"{name}_swatches")
    words = base.mark_text(align="left", baseline="middle", fontSize=11, x=-COLUMN.extent + 16).encode(
        text="label:N").properties(name=f"{name}_key")
    return alt.layer(swatches, words).properties(width=WIDTH, height=KEY_LINE * len(KINDS) * 2)


def _x_axis() -> alt.Axis:
    return alt.Axis(labelOverlap=True, labelSeparation=8)


SUMMARY = ("Largest {firms} firms: ${total} tn", "US headquarters (Fortune 500 file): {us}%",
           "Platform firms: {pl}%", "Country as Forbes lists it: {flagged} firms")  # the summary's four lines


def _summary_expr(**exprs: str) -> str:
    """:data:`SUMMARY` as one Vega expression, each ``{name}`` replaced by the expression ``exprs[name]``."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse("\n".join(SUMMARY)):
        if literal:
            parts.append(json.dumps(literal))
        if name:
            parts.append(f"({exprs[name]})")
    return " + ".join(parts)


def value_chart(table: pd.DataFrame, top: Control) -> alt.VConcatChart:
    """The browser chart: four short lines (total value of the top N, the US share by evidence, the platform
    share, the firms whose country is Forbes's alone), market value by country, and each firm (platforms in
    orange; hollow where the country is as Forbes lists it). Everything is computed in the browser from
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
               .transform_calculate(text=_summary_expr(
                   firms="datum.firms", total="format(datum.total / 1000, '.1f')",
                   us="format(datum.us_share, '.1f')", pl="format(datum.platform_share, '.1f')",
                   flagged="datum.flagged_n"))
               .mark_text(**COLUMN.at_edge, y=0, fontSize=12, lineBreak="\n",
                          lineHeight=SUMMARY_LINE)
               .encode(text="text:N").properties(name="platforms_summary", width=WIDTH,
                                                  height=4 * SUMMARY_LINE + 4))
    countries = (rows.transform_calculate(value_tn="datum.market_value / 1000").mark_bar(strokeWidth=1)
                 .encode(y=alt.Y("country:N", title=None, sort="-x", axis=COLUMN.axis(labelLimit=0)),
                         x=alt.X("sum(value_tn):Q", title=["Market value,", "US$ trillion"], axis=_x_axis()),
                         **_kind_encodings(),
                         tooltip=[alt.Tooltip("country:N", title="Country"),
                                  alt.Tooltip("kind:N", title="Firms"),
                                  alt.Tooltip("basis:N", title="Country from"),
                                  alt.Tooltip("sum(value_tn):Q", title="US$ trillion", format=",.2f")])
                 .properties(name="platforms_countries", width=WIDTH, height=alt.Step(14)))
    firm_bars = (rows.mark_bar(strokeWidth=1)
                 .encode(y=alt.Y("short:N", title=None, sort=alt.EncodingSortField("mv_rank", order="ascending"),
                                 axis=COLUMN.axis(labelFontSize=10, labelLimit=0)),
                         x=alt.X("market_value:Q", title=["Market value,", "US$ bn"], axis=_x_axis()),
                         **_kind_encodings(),
                         tooltip=[alt.Tooltip("display:N", title="Firm"), alt.Tooltip("country:N", title="Country"),
                                  alt.Tooltip("evidence:N", title="Country from"),
                                  alt.Tooltip("market_value:Q", title="US$ bn", format=",.0f"),
                                  alt.Tooltip("mv_rank:Q", title="Rank by value")])
                 .properties(name="platforms_firms", width=WIDTH, height=alt.Step(13)))
    # both y axes take the COLUMN and the summary starts at its left edge, the chart's
    chart = alt.vconcat(summary, _key(), countries, firm_bars, data=compact(table), spacing=12)
    return bind(chart, top).properties(autosize=RESIZE)


def _value_caption(chart, table: pd.DataFrame, browser: bool = True):
    control = "the slider" if browser else "the widget"
    return figure(
        chart,
        title=TITLE,
        csv=[("platforms_firms_marks", {"mv_rank": "rank_by_market_value", "display": "firm", "country": "country",
                                        "evidence": "country_evidence", "market_value": "market_value_usd_billion",
                                        "platform": "platform_firm"})], csv_max_rows=150,
        csv_licence={FORBES: "Forbes content, copyright unclear: aggregates only. This file holds only the {rows} "
                             "firms the chart draws at the setting above (the largest by market value, at most 150 "
                             "with the slider), never the whole list."},
        description=(f"The largest firms of the Forbes Global 2000 (2022) by market value, as many as {control} "
                     "chooses. Top: their total value, the share held by firms whose US headquarters the 2017 "
                     "Fortune 500 records, by platform firms (our definition, a reason for each firm) and the number of "
                     "firms whose country is as Forbes lists it. Middle: value by country. Bottom: each firm; "
                     "platform firms in orange, other firms in blue. A filled bar is a firm with a US "
                     "headquarters on the 2017 Fortune 500; a hollow bar keeps the country Forbes gives it."),
        sources=[*(dict_frame(a) for a in table.attrs["sources"])],
        note=("Forbes's countries are corrected where a Fortune 500 headquarters proves a US address "
              "(each match listed with the chart's data); no list read here can prove a headquarters outside the US."))


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
    """The same model computed in pandas for one N (the ipywidgets path): the summary and the bars by country."""
    s = top_share(table, int(platforms_top_n))
    text = "\n".join(SUMMARY).format(firms=s["n"], total=f"{s['total'] / 1000:.1f}", us=f"{s['us_share']:.1f}",
                                     pl=f"{s['platform_share']:.1f}", flagged=s["flagged_n"])
    head = alt.Chart(pd.DataFrame({"text": [text]})).mark_text(
        **COLUMN.at_edge, y=0, fontSize=12, lineBreak="\n", lineHeight=SUMMARY_LINE).encode(
        text="text:N").properties(width=WIDTH, height=4 * SUMMARY_LINE + 4)
    top = compact(table)
    top = top[top["mv_rank"] <= int(platforms_top_n)]
    top = top.groupby(["country", "kind", "basis"], as_index=False)["market_value"].sum()
    top["value_tn"] = top["market_value"] / 1000
    countries = alt.Chart(top).mark_bar(strokeWidth=1).encode(
        y=alt.Y("country:N", title=None, sort="-x", axis=COLUMN.axis(labelLimit=0)),
        x=alt.X("sum(value_tn):Q", title=["Market value,", "US$ trillion"], axis=_x_axis()),
        **_kind_encodings()).properties(width=WIDTH, height=alt.Step(14))
    return alt.vconcat(head, _key("twin"), countries, spacing=12).properties(autosize=RESIZE)


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


WEST_COLOUR = "#CC79A7"  # Okabe & Ito's reddish purple (in PALETTE): the West Coast's bars, no status's, no kind's
if WEST_COLOUR not in PALETTE:
    raise ValueError(f"{WEST_COLOUR} (the West Coast's bars, 'reddish purple' in the caption) left the palette")
CLUSTER_DEGREES = 1.5  # platform headquarters this close (latitude and longitude) share one label
LABEL_FONT, LABEL_LINE = 10, 11
MAP_ASPECT = 0.5  # the map's height over its width: the states fill a phone's width and most of a desktop's
HQ_TITLE = "US platform firms are headquartered on the West Coast; most Fortune 500 revenue is booked elsewhere"


def _label_names() -> dict[str, str]:
    """Fortune 500 name -> the name the map writes beside a platform firm (``FACEBOOK`` -> ``Facebook``)."""
    plat = platform_table()
    plat = plat[plat["f500_name"] != ""]
    return dict(zip(plat["f500_name"], plat["firm"].map(lambda f: short_name(display_name(f))), strict=True))


def chart_names(hq: pd.DataFrame) -> pd.Series:
    """Each headquarters' name as the map gives it: a platform firm's label, else the list's own name (the
    tooltip and the CSV use these, so a reader finds in the data the names the chart shows)."""
    names = _label_names()
    return hq["name"].where(~hq["platform"], hq["name"].map(names)).astype("string")


def platform_labels(hq: pd.DataFrame) -> pd.DataFrame:
    """One label per group of platform headquarters within :data:`CLUSTER_DEGREES` of one another (Seattle's,
    the Bay Area's, ...): its mean latitude and longitude, its firms' names (the names of
    ``data/platform_firms.csv``, largest revenue first, one a line) and the side of the dots it is written on
    (``right`` in the West, ``left`` east of 100 degrees West, so that no label runs off the map)."""
    names = _label_names()
    rows = hq[hq["platform"]].sort_values("revenue", ascending=False)
    groups: list[list] = []
    for row in rows.itertuples():
        near = [g for g in groups if any(abs(row.latitude - o.latitude) <= CLUSTER_DEGREES
                                         and abs(row.longitude - o.longitude) <= CLUSTER_DEGREES for o in g)]
        merged = [row] + [o for g in near for o in g]
        groups = [g for g in groups if g not in near] + [merged]
    out = []
    for g in groups:
        g = sorted(g, key=lambda r: -r.revenue)
        lon = sum(r.longitude for r in g) / len(g)
        out.append({"latitude": sum(r.latitude for r in g) / len(g), "longitude": lon,
                    "label": "\n".join(names[r.name] for r in g), "firms": len(g),
                    "side": "right" if lon < -100 else "left"})
    return pd.DataFrame(out).sort_values(["longitude", "latitude"], ignore_index=True)


def size_legend_values(revenue: pd.Series) -> list[int]:
    """Three round revenues for the size legend, from the largest headquarters' revenue down (a quarter, a half and
    all of its leading digit's multiple: 50,000, 100,000, 200,000 for a largest of 215,639)."""
    top = float(revenue.max())
    mag = 10 ** math.floor(math.log10(top))
    first = math.floor(top / mag) * mag
    return [int(first / 4), int(first / 2), int(first)]


def hq_chart(hq: pd.DataFrame, topo: dict) -> alt.VConcatChart:
    """State outlines (albersUsa), a point per headquarters sized by revenue (platform firms in orange, on
    top, labelled by name), the West Coast's share of the platform firms' revenue, and the ten states with the
    most revenue."""
    west = west_share(hq)
    states = (alt.Chart(alt.Data(name=ATLAS_DATA, format=alt.DataFormat(type="topojson", feature="states")))
              .mark_geoshape(fill="#f2f2f2", stroke="#8a8a8a", strokeWidth=0.5)
              .project(type="albersUsa").properties(name="hq_states"))
    points = hq[["name", "city", "state", "revenue", "latitude", "longitude", "platform"]].assign(
        kind=hq["platform"].map({True: "platform firm", False: "other firm"}), firm=chart_names(hq))
    points = points.sort_values("platform")  # platforms drawn last, on top
    dots = (alt.Chart(points).mark_circle(opacity=0.7, stroke="white", strokeWidth=0.3)
            .encode(longitude="longitude:Q", latitude="latitude:Q",
                    size=alt.Size("revenue:Q", title="Revenue, US$ m", scale=alt.Scale(range=[4, 300]),
                                  legend=alt.Legend(orient="bottom", direction="horizontal", format=",.0f",
                                                    values=size_legend_values(hq["revenue"]))),
                    color=alt.Color("kind:N", scale=_kind_scale(),
                                    legend=alt.Legend(title=None, orient="top", direction="horizontal")),
                    tooltip=[alt.Tooltip("firm:N", title="Firm"), alt.Tooltip("city:N", title="City"),
                             alt.Tooltip("state:N", title="State"),
                             alt.Tooltip("revenue:Q", title="Revenue, US$ m", format=",.0f")])
            .project(type="albersUsa").properties(name="hq_points"))
    labels = platform_labels(hq)
    written = []
    for side, align, dx in (("right", "left", 7), ("left", "right", -7)):
        base = alt.Chart(labels[labels["side"] == side]).encode(
            longitude="longitude:Q", latitude="latitude:Q", text="label:N").project(type="albersUsa")
        style = {"align": align, "dx": dx, "baseline": "middle", "fontSize": LABEL_FONT, "lineBreak": "\n",
                 "lineHeight": LABEL_LINE}
        written += [base.mark_text(**style, stroke="white", strokeWidth=3, strokeJoin="round", fill="white")
                    .properties(name=f"hq_halo_{side}"),
                    base.mark_text(**style, fill="#222222", fontWeight="bold")
                    .properties(name=f"hq_labels_{side}")]
    plot = alt.layer(states, dots, *written).properties(width=WIDTH, height=round(WIDTH * MAP_ASPECT))
    text = (f"West Coast (CA, OR, WA): {west['platform']:.0f}%\nof platform firms' revenue,\n"
            f"{west['all']:.0f}% of all the list's revenue")
    head = alt.Chart(pd.DataFrame({"text": [text]})).mark_text(
        align="left", baseline="top", x=0, y=0, fontSize=12, lineBreak="\n", lineHeight=SUMMARY_LINE).encode(
        text="text:N").properties(name="hq_text", width=WIDTH, height=3 * SUMMARY_LINE + 4)
    top = state_revenue(hq).head(10)
    bars = (alt.Chart(top).mark_bar()
            .encode(y=alt.Y("state:N", title=None, sort="-x"),
                    x=alt.X("revenue:Q", title="Revenue, US$ m", axis=_x_axis()),
                    color=alt.condition(alt.FieldOneOfPredicate("state", list(WEST)), alt.value(WEST_COLOUR),
                                        alt.value(MUTED)),
                    tooltip=[alt.Tooltip("state:N", title="State"), alt.Tooltip("firms:Q", title="Headquarters"),
                             alt.Tooltip("revenue:Q", title="Revenue, US$ m", format=",.0f"),
                             alt.Tooltip("share:Q", title="Share of the list, %", format=".1f")])
            .properties(name="hq_state_bars", width=WIDTH, height=alt.Step(14),
                        title=alt.Title(["The ten states with the most revenue;", "West Coast states in reddish purple"],
                                        fontSize=12, anchor="start")))
    chart = (alt.vconcat(head, plot, bars, spacing=12).resolve_scale(color="independent")
             .resolve_legend(size="independent", color="independent"))
    # The outlines join the spec's named datasets last: Altair deep-copies inline values each time a chart is
    # combined, which for the TopoJSON costs more than drawing the rest of the figure.
    chart.datasets = {ATLAS_DATA: topo}
    return chart


def hq_figure(inputs: Inputs):
    """The headquarters map, captioned with its source and vintage."""
    hq = headquarters(inputs)
    return figure(
        hq_chart(hq, atlas()),
        title=HQ_TITLE,
        csv=[("hq_points_1_marks", {"firm": "firm", "city": "city", "state": "state", "latitude": "latitude_degrees",
                                    "longitude": "longitude_degrees", "revenue": "revenue_usd_million",
                                    "platform": "platform_firm"})],
        description=("Each dot is a headquarters of the 2017 Fortune 500, sized by revenue (US$ million, "
                     "fiscal 2016); platform firms (our definition) in orange and named, other firms in "
                     "blue. Above: the West Coast's share of the platform firms' revenue. Below: the ten states "
                     "with the most revenue, the West Coast in reddish purple, other states in grey. Alaska and "
                     "Hawaii are drawn below the other states."),
        sources=[hq],
        note="State outlines: us-atlas 3.0.1 (US Census Bureau cartographic boundaries), embedded in the chart.")
