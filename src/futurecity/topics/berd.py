"""Business enterprise R&D (BERD) in the UK: cash values, real terms, growth by product group and by region.

The claims read ONS's own release tables (source ``berd_release_2017``: the BERD 2017 release, GBP million as
published, Table 1 total, Table 2 product groups, Table 7 regions); an earlier release (``berd_release_2014``)
shows what one release revises. Every BERD frame has the same columns, and two kinds reach this module:

- GBP million (the release tables, and a live pull of ONS's time series): used as published. A product group
  ONS suppressed in a year (flag ``suppressed``) leaves its group missing that year, never summed as 0.
- per cent of UK GDP (source ``berd``: ONS SDG indicator 9.5.1, 2006-2017, for the UK's product groups and for
  regions, whose rows are shares of *UK* GDP). Cash values are then an approximation, ``share x UK nominal GDP /
  100`` with a later vintage of GDP than ONS divided by: the chapter sets it beside the published pounds.

Real terms divide by the annual GDP deflator (``gdp_deflator``, YBGB) rebased to a chosen base year. The base
year rescales levels only: growth between two years in real terms does not depend on it.

Product groups are classified by ``data/berd_product_groups.csv`` into manufacturing / services / miscellaneous
business services / other, and into comparable lines: ONS shows "Software development" separately only from
2016, carved out of "Computer programming and information service activities", so both are summed into one
line ("Computer programming, information services and software development"); group totals are unaffected
because both products are services. Series built here: the four groups, ``all services`` (services plus
miscellaneous business services, i.e. every service product) and ``all BERD`` (the published total).
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass

import altair as alt
import pandas as pd

from futurecity import reads
from futurecity.claims import rules
from futurecity.claims.measures import Inputs, measure, require_years
from futurecity.errors import NotCovered
from futurecity.facts import Fact, constant, fact
from futurecity.topics.tables import first_last, growth_between
from futurecity.viz import badges, labels
from futurecity.viz.controls import Control, bind
from futurecity.viz.embed import fold_years, wide_by_year
from futurecity.viz.theme import HIGHLIGHT, PALETTE, WIDTH, figure, text_colours

SOURCE = "berd_release_2017"  # the claims' source: BERD in GBP million as ONS published it
EARLIER_RELEASE = "berd_release_2014"  # the same tables one release earlier, for the revisions
SHARES_SOURCE = "berd"  # BERD as shares of UK GDP (SDG 9.5.1, pinned) or ONS's post-2022 time series (live)
MEASURE, CONSTANT, GDP = "BERD", "BERD constant prices", "GDP"  # measures of a release's Table 1
GDP_SOURCE = "gdp_nominal"
DEFLATOR_SOURCE = "gdp_deflator"
UK_CODE = "K02000001"
GROUPS_TABLE = "berd_product_groups.csv"
GROUPS = ("manufacturing", "services", "miscellaneous business services", "other")
ALL_SERVICES = ("services", "miscellaneous business services")
TOTAL = "all BERD"
# The series a chart shows: 'services' alone (without miscellaneous business services) stays in the tables only.
CHART_SERIES = (TOTAL, "manufacturing", "all services", "miscellaneous business services", "other")
SHORT_LABELS = ("datum.label == 'miscellaneous business services' ? 'misc. business services' : "
                f"datum.label == '{TOTAL}' ? 'all business R&D' : datum.label")  # axis labels (Vega expression)
APPROXIMATION = "approximate cash value: BERD share of UK GDP x UK nominal GDP / 100"
PUBLISHED = "GBP million as published"
# Countries and regions with a BERD row; England is the sum of the English regions, so it is kept apart.
COUNTRIES = ("England", "Wales", "Scotland", "Northern Ireland")
# GSS codes of the UK's countries and English regions (a code list, not data), named as in the pinned release.
REGION_NAMES = {
    "E92000001": "England", "W92000004": "Wales", "S92000003": "Scotland", "N92000002": "Northern Ireland",
    "E12000001": "North East", "E12000002": "North West", "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands", "E12000005": "West Midlands", "E12000006": "East", "E12000007": "London",
    "E12000008": "South East", "E12000009": "South West",
}


def product_groups() -> pd.DataFrame:
    """The grouping table ``data/berd_product_groups.csv``: product_group, group, line (the comparable line it
    is summed into), note."""
    table = pd.read_csv(io.BytesIO(reads.read_table(GROUPS_TABLE)), dtype="string", keep_default_na=False)
    bad = sorted(set(table["group"]) - set(GROUPS))
    if bad:
        raise ValueError(f"berd_product_groups.csv: unknown groups {bad}; expected {list(GROUPS)}")
    return table


def is_cash(berd: pd.DataFrame) -> bool:
    """True when the frame's BERD rows hold GBP million (a release, a live pull), False for shares of GDP."""
    units = set(berd.loc[berd["measure"] == MEASURE, "unit"].astype("string").str.lower())
    if all("per cent" in u or "percent" in u for u in units):
        return False
    if all("gbp" in u or "£" in u or "pound" in u for u in units):
        return True
    raise ValueError(f"BERD frame has units {sorted(units)}: expected all per cent of GDP or all GBP million")


def uk_gdp(gdp: pd.DataFrame) -> pd.Series:
    """UK nominal GDP (GBP million) by year, from the UK row of ``gdp_nominal``."""
    uk = gdp[gdp["geography_code"] == UK_CODE]
    if uk.empty:
        raise ValueError(f"gdp_nominal has no UK row (geography_code {UK_CODE!r})")
    return uk.set_index("year")["value"].astype("float64").rename("uk_gdp")


def annual_deflator(deflator: pd.DataFrame) -> pd.Series:
    """The annual rows of the GDP deflator (index) by year."""
    years = deflator[deflator["frequency"] == "year"]
    return years.set_index("year")["value"].astype("float64").rename("deflator")


def release_deflator(berd: pd.DataFrame) -> pd.Series:
    """The deflator a release implies for business R&D: all BERD at current prices over all BERD at its
    constant prices x 100 (Table 1), by year; empty when the frame has no constant-price series."""
    total = berd[(berd["geography_code"] == UK_CODE) & (berd["product_group"] == "")]
    current = total[total["measure"] == MEASURE].set_index("year")["value"]
    constant_ = total[total["measure"] == CONSTANT].set_index("year")["value"]
    return (current / constant_ * 100).dropna().astype("float64").rename("release")


def deflators(deflator: pd.DataFrame, berd: pd.DataFrame) -> pd.DataFrame:
    """The two deflators a reader can choose, by year: ``ybgb`` (the GDP deflator) and ``release`` (the BERD
    release's own, :func:`release_deflator`; missing where the release gives none)."""
    out = pd.concat([annual_deflator(deflator).rename("ybgb"), release_deflator(berd)], axis=1)
    return out.rename_axis("year").reset_index().sort_values("year", ignore_index=True)


def reference_year(deflator: pd.DataFrame) -> int:
    """The year whose annual deflator is 100 (the index's own reference year)."""
    annual = annual_deflator(deflator)
    return int((annual - 100).abs().idxmin())


def own_gdp(berd: pd.DataFrame) -> bool:
    """True when a BERD frame in GBP million carries the GDP its release divides by (Table 1)."""
    return is_cash(berd) and bool((berd["measure"] == GDP).any())


def cash(berd: pd.DataFrame, gdp: pd.DataFrame | None) -> pd.DataFrame:
    """BERD rows (measure BERD) with ``gbp_m`` (cash, GBP million), ``share_of_gdp`` (per cent) and ``basis``.

    For shares of UK GDP cash is ``share x UK GDP / 100`` (the approximation); for a frame in GBP million cash
    is the published value and the share is ``value / UK GDP x 100``, with the GDP the release itself divides
    by (its Table 1) where it gives one, else ``gdp``.
    """
    rows = berd[berd["measure"] == MEASURE].copy()
    if own_gdp(berd):
        own = berd[(berd["measure"] == GDP) & (berd["geography_code"] == UK_CODE)].set_index("year")["value"]
        gdp_by_year = rows["year"].map(own)
    elif gdp is None:
        raise ValueError("BERD without the GDP it was divided by needs a GDP frame (gdp_nominal)")
    else:
        gdp_by_year = rows["year"].map(uk_gdp(gdp))
    if is_cash(berd):
        rows = rows.assign(gbp_m=rows["value"], share_of_gdp=rows["value"] / gdp_by_year * 100, basis=PUBLISHED)
    else:
        rows = rows.assign(gbp_m=rows["value"] * gdp_by_year / 100, share_of_gdp=rows["value"],
                           basis=APPROXIMATION)
    rows.attrs.update(berd.attrs)
    return rows.reset_index(drop=True)


def _key(label: pd.Series) -> pd.Series:
    """A product-group label made comparable across releases: case, '&', notes in brackets and spaces ignored."""
    label = label.astype("string").str.replace(r"\[.*?\]", "", regex=True).str.replace("&", "and")
    return label.str.lower().str.replace(r"[^a-z0-9;]+", " ", regex=True).str.strip()


def classify(rows: pd.DataFrame, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """UK product-group rows with their ``group`` and comparable ``line``; unknown groups are 'unclassified'
    (listed in ``attrs['unclassified']``). Labels are matched ignoring case, '&' and bracketed notes, so a live
    release's wording ('... testing & analysis [note 2]') still finds its row of the table."""
    groups = product_groups() if groups is None else groups
    uk = rows[(rows["geography_code"] == UK_CODE) & (rows["product_group"] != "")]
    table = groups[["group", "line"]].assign(key=_key(groups["product_group"]))
    out = uk.assign(key=_key(uk["product_group"])).merge(table, on="key", how="left").drop(columns="key")
    out["group"] = out["group"].fillna("unclassified")
    out["line"] = out["line"].fillna(out["product_group"])
    out.attrs.update(rows.attrs)
    out.attrs["unclassified"] = sorted(set(out.loc[out["group"] == "unclassified", "product_group"]))
    return out


def first_year_of(rows: pd.DataFrame, product_group: str) -> int | None:
    """The first year in which the UK rows show ``product_group`` (e.g. when ONS began to show it apart)."""
    shown = (rows["geography_code"] == UK_CODE) & (rows["product_group"] == product_group) & rows["value"].notna()
    hit = rows.loc[shown, "year"]
    return int(hit.min()) if len(hit) else None


def uk_series(rows: pd.DataFrame, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """UK BERD by year and series: the four groups, 'all services' and 'all BERD' (the published total).

    Columns: year, series, gbp_m, share_of_gdp, basis. ``rows`` is the output of :func:`cash`.
    """
    classified = classify(rows, groups)
    suppressed = classified["flag"].eq("suppressed") if "flag" in classified else False
    by_group = (classified.assign(suppressed=suppressed)
                .groupby(["year", "group"], as_index=False)
                .agg(gbp_m=("gbp_m", "sum"), share_of_gdp=("share_of_gdp", "sum"), suppressed=("suppressed", "any")))
    by_group.loc[by_group["suppressed"], ["gbp_m", "share_of_gdp"]] = float("nan")  # a part withheld: not summed
    by_group = by_group.drop(columns="suppressed").rename(columns={"group": "series"})
    services = (by_group[by_group["series"].isin(ALL_SERVICES)].groupby("year", as_index=False)
                [["gbp_m", "share_of_gdp"]].sum(min_count=len(ALL_SERVICES)).assign(series="all services"))
    total = rows[(rows["geography_code"] == UK_CODE) & (rows["product_group"] == "")]
    total = total[["year", "gbp_m", "share_of_gdp"]].assign(series=TOTAL)
    out = pd.concat([by_group, services, total], ignore_index=True)
    out["basis"] = rows["basis"].iloc[0]
    out = out[["year", "series", "gbp_m", "share_of_gdp", "basis"]].sort_values(["series", "year"],
                                                                                 ignore_index=True)
    out.attrs.update(classified.attrs)
    return out


def product_lines(rows: pd.DataFrame, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """UK BERD by year and comparable product line (software development merged): year, line, group, gbp_m."""
    classified = classify(rows, groups)
    out = classified.groupby(["year", "line", "group"], as_index=False)["gbp_m"].sum()
    out.attrs.update(classified.attrs)
    return out


def regional_series(rows: pd.DataFrame) -> pd.DataFrame:
    """BERD totals of the countries and English regions: year, geography_code, geography_name, kind, gbp_m."""
    totals = rows[(rows["geography_code"] != UK_CODE) & (rows["product_group"] == "")].copy()
    # one name per GSS code, whatever a release calls the area (so the ledger can name regions)
    totals["geography_name"] = totals["geography_code"].map(REGION_NAMES).fillna(totals["geography_name"])
    totals["kind"] = totals["geography_name"].isin(COUNTRIES).map({True: "country", False: "region"})
    out = totals[["year", "geography_code", "geography_name", "kind", "gbp_m", "share_of_gdp"]]
    out = out.sort_values(["geography_name", "year"], ignore_index=True)
    out.attrs.update(rows.attrs)
    return out


def real(frame: pd.DataFrame, deflator: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """``frame`` (with year and gbp_m) plus ``real_gbp_m``: GBP million at ``base_year`` prices."""
    annual = annual_deflator(deflator)
    if base_year not in annual.index:
        raise ValueError(f"the deflator has no annual value for base year {base_year}")
    out = frame.copy()
    out["real_gbp_m"] = out["gbp_m"] * annual[base_year] / out["year"].map(annual)
    out.attrs.update(frame.attrs)
    return out


def growth(frame: pd.DataFrame, start: int, end: int, by: str, column: str = "gbp_m") -> pd.DataFrame:
    """Growth (per cent) of ``column`` from ``start`` to ``end`` for each value of ``by``.

    Columns: ``by``, start, end, value_start, value_end, growth (see
    :func:`futurecity.topics.tables.growth_between`).
    """
    return growth_between(frame, [by], start, end, column, what="BERD")


years = first_last


def chart_table(series: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """The compact table a chart embeds: year, panel ('product group' / 'region'), series, gbp_m.

    Product-group series are those of ``CHART_SERIES``; regions are the English regions, Wales, Scotland and
    Northern Ireland (England, their sum for the English regions, is left out). With the annual deflator, a
    browser can deflate to any base year and compute growth between any two years from it.
    """
    product = series[series["series"].isin(CHART_SERIES)][["year", "series", "gbp_m"]]
    product = product.assign(panel="product group")
    region = regions[regions["geography_name"] != "England"][["year", "geography_name", "gbp_m"]]
    region = region.rename(columns={"geography_name": "series"}).assign(panel="region")
    out = pd.concat([product, region], ignore_index=True)
    out["gbp_m"] = out["gbp_m"].round(3)
    return out[["year", "panel", "series", "gbp_m"]]

# --- the tables of one vintage, derived once per inputs ------------------------------------------------------

def rows_of(inputs: Inputs, source: str = SOURCE) -> pd.DataFrame:
    """:func:`cash` of the inputs' frame of a BERD source (the claims' release by default) and GDP."""
    def build():
        frame = inputs.frame(source)
        return cash(frame, None if own_gdp(frame) else inputs.frame(GDP_SOURCE))
    return inputs.derived(f"berd.rows.{source}", build)


def uk_series_of(inputs: Inputs, source: str = SOURCE) -> pd.DataFrame:
    """:func:`uk_series` of :func:`rows_of`."""
    return inputs.derived(f"berd.series.{source}", lambda: uk_series(rows_of(inputs, source)))


def regions_of(inputs: Inputs, source: str = SOURCE) -> pd.DataFrame:
    """:func:`regional_series` of :func:`rows_of`."""
    return inputs.derived(f"berd.regions.{source}", lambda: regional_series(rows_of(inputs, source)))


def chart_table_of(inputs: Inputs) -> pd.DataFrame:
    """:func:`chart_table` of the inputs."""
    return inputs.derived("berd.chart", lambda: chart_table(uk_series_of(inputs), regions_of(inputs)))


# --- measures for the claims ledger -------------------------------------------------------------------------

NOTE_CHARS = 40  # the longest line of the notes under the badges, characters (a 320 px phone's column)
RELEASES = {2017: SOURCE, 2014: EARLIER_RELEASE}  # a claim's choice of release -> its source
DEFLATOR_CHOICES = ("GDP deflator", "the release's own")  # YBGB, or the release's current over constant prices


def release_source(p: dict) -> str:
    """The source of the release a measure's parameters name (``p['release']``, the claims' 2017 by default)."""
    release = int(p.get("release", 2017))
    if release not in RELEASES:
        raise ValueError(f"no BERD release {release}; the ledger can choose {sorted(RELEASES)}")
    return RELEASES[release]


def _priced(inputs: Inputs, frame: pd.DataFrame, prices: str, start: int, end: int, source: str = SOURCE,
            deflator: str = DEFLATOR_CHOICES[0]) -> tuple[pd.DataFrame, str]:
    """``frame`` checked to hold both years, and the column to read: cash, or real at the deflator's own
    reference year (growth does not depend on the base year), by the GDP deflator or by the deflator the
    release ``source`` implies (:func:`release_deflator`)."""
    require_years(frame, source, start, end)
    if prices == "nominal":
        return frame, "gbp_m"
    if deflator == DEFLATOR_CHOICES[0]:
        index = inputs.frame(DEFLATOR_SOURCE)
        return real(frame, index, reference_year(index)), "real_gbp_m"
    if deflator != DEFLATOR_CHOICES[1]:
        raise ValueError(f"unknown deflator {deflator!r}; expected one of {list(DEFLATOR_CHOICES)}")
    own = release_deflator(inputs.frame(source))
    if start not in own.index or end not in own.index:
        raise NotCovered(source, int(own.index.min()), int(own.index.max()), start, end)
    return frame.assign(real_gbp_m=frame["gbp_m"] / frame["year"].map(own) * 100), "real_gbp_m"


def _region_growth(inputs: Inputs, prices: str, start: int, end: int, source: str = SOURCE,
                   deflator: str = DEFLATOR_CHOICES[0]) -> pd.Series:
    frame, column = _priced(inputs, regions_of(inputs, source), prices, start, end, source, deflator)
    return growth(frame, start, end, "geography_name", column).set_index("geography_name")["growth"]


def _unclassified(inputs: Inputs) -> str:
    missing = uk_series_of(inputs).attrs.get("unclassified")
    return (f" Product groups missing from data/{GROUPS_TABLE} (left out of every group): {', '.join(missing)}."
            if missing else "")


SOURCES = (SOURCE,)


@measure("berd_growth", sources=(*SOURCES, DEFLATOR_SOURCE), note=_unclassified)
def measure_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of a UK BERD series (``p['series']``) in ``p['prices']`` (nominal or real, by ``p['deflator']``),
    in the release ``p['release']`` (the claims' 2017 by default)."""
    source = release_source(p)
    frame, column = _priced(inputs, uk_series_of(inputs, source), p.get("prices", "nominal"), start, end, source,
                            p.get("deflator", DEFLATOR_CHOICES[0]))
    return float(growth(frame, start, end, "series", column).set_index("series").loc[p["series"], "growth"])


@measure("berd_share_change", sources=SOURCES, note=_unclassified)
def measure_share_change(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Change (percentage points) of a UK BERD series as a share of UK GDP, in the release ``p['release']``."""
    source = release_source(p)
    frame = uk_series_of(inputs, source)
    require_years(frame, source, start, end)
    share = frame[frame["series"] == p["series"]].set_index("year")["share_of_gdp"]
    return float(share[end] - share[start])


@measure("berd_region_growth", sources=(*SOURCES, DEFLATOR_SOURCE))
def measure_region_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of one region's BERD in ``p['prices']``, in the release ``p['release']``."""
    rates = _region_growth(inputs, p.get("prices", "nominal"), start, end, release_source(p),
                           p.get("deflator", DEFLATOR_CHOICES[0]))
    return float(rates[p["geography"]])


@measure("berd_region_gap", sources=(*SOURCES, DEFLATOR_SOURCE))
def measure_region_gap(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """A region's BERD growth minus the fastest growth among ``p['versus']`` (percentage points), in the release
    ``p['release']``."""
    rates = _region_growth(inputs, p.get("prices", "nominal"), start, end, release_source(p),
                           p.get("deflator", DEFLATOR_CHOICES[0]))
    return float(rates[p["geography"]] - rates[list(p["versus"])].max())


# --- the facts a chapter quotes ----------------------------------------------------------------------------

def facts(inputs: Inputs, window: dict) -> dict[str, Fact]:
    """The BERD numbers chapter 5 quotes: the years the data hold and, from the paper's start year to the last
    year of its window the data hold, growth by series and region, computed by the same measures the ledger's
    claims use."""
    table = chart_table_of(inputs)
    frames = [inputs.frame(s) for s in SOURCES]
    deflator = inputs.frame(DEFLATOR_SOURCE)
    first, last = years(table)
    start, end = window["start"], min(window["end"], last)

    def grew(what: str, compute, prices: str, **p) -> Fact:
        about = f"growth of {what}, {start} to {end}, % ({'real terms' if prices == 'real' else 'cash terms'})"
        used = frames + ([deflator] if prices == "real" else [])
        return fact(compute(inputs, {"prices": prices, **p}, start, end), about, *used)

    out = {
        "berd_start": constant(start, "first year of the paper's business R&D window"),
        "berd_paper_end": constant(window["end"], "last year of the paper's business R&D window"),
        "berd_end_shown": fact(end, "last year of the paper's window that the BERD data read hold", *frames),
        "berd_last": fact(last, "last year of the BERD data read", *frames),
        "berd_vintage": fact(inputs.frame(SOURCE).attrs["vintage_label"], "vintage of the BERD data read", *frames),
        "deflator_vintage": fact(deflator.attrs["vintage_label"], "vintage of the GDP deflator read", deflator),
        "software_first": fact(first_year_of(rows_of(inputs), "Software development"),
                               "first year ONS shows software development as a product group of its own", *frames),
        "berd_total_real": grew("all business R&D", measure_growth, "real", series=TOTAL),
        "berd_total_nominal": grew("all business R&D", measure_growth, "nominal", series=TOTAL),
        "berd_total_pp": fact(measure_share_change(inputs, {"series": TOTAL}, start, end),
                              f"change of business R&D as a share of UK GDP, {start} to {end}, percentage points",
                              *frames),
        "berd_manufacturing": grew("R&D on manufactured products", measure_growth, "nominal", series="manufacturing"),
        "berd_services": grew("R&D on all service products", measure_growth, "nominal", series="all services"),
        "berd_misc": grew("R&D on miscellaneous business services", measure_growth, "nominal",
                          series="miscellaneous business services"),
        "berd_nw_real": grew("business R&D in the North West", measure_region_growth, "real",
                             geography="North West"),
    }
    own = release_deflator(inputs.frame(SOURCE))
    if start in own.index and end in own.index:
        total = uk_series_of(inputs).query("series == @TOTAL").set_index("year")["gbp_m"]
        by_release = (total[end] / own[end]) / (total[start] / own[start]) * 100 - 100
        out["berd_total_real_release"] = fact(by_release, f"growth of all business R&D, {start} to {end}, % (real "
                                              "terms by the release's own constant prices)", *frames)
        out["berd_deflator_gap"] = fact(out["berd_total_real"].value - by_release, "real growth of all business "
                                        f"R&D, {start} to {end}, by the GDP deflator minus by the release's own, "
                                        "percentage points", *frames, deflator)
    for key, region in (("london", "London"), ("em", "East Midlands"), ("wm", "West Midlands"),
                        ("nw", "North West")):
        out[f"berd_{key}"] = grew(f"business R&D in {region}", measure_region_growth, "nominal", geography=region)
    return out


# --- the chapter's chart: growth since the paper's start year to an end year the reader chooses --------------

# The reader's choice of prices (cash first: most of the section's claims are in cash terms) and the word a
# claim's badge uses for its own prices.
PRICES = ("nominal", "real")
BASIS = {"real": "real", "nominal": "cash"}
DEFLATORS = {"ybgb": "GDP deflator (YBGB)", "release": "the release's own"}


def controls(table: pd.DataFrame, window: dict) -> tuple:
    """End-year slider (the year after ``window['start']`` to the last year of data; default the paper's end
    year, or the last year when the data stop earlier), prices (real / nominal) and the base year of real prices
    (any year of the data; default the last)."""
    first, last = years(table)
    end = Control.range("berd_end", window["start"] + 1, last, 1, min(window["end"], last), "End year")
    prices = Control.radio("berd_prices", list(PRICES), PRICES[0], "Prices",
                           labels=["cash (current prices)", "real terms"])
    base = Control.range("berd_base", first, last, 1, last, "Base year of real prices")
    deflator = Control.radio("berd_deflator", list(DEFLATORS), next(iter(DEFLATORS)), "Deflator",
                             labels=list(DEFLATORS.values()))
    return end, prices, base, deflator


def _with_growth(chart, table: pd.DataFrame, start: int, end: str, prices: str, base: str, deflator: str):
    """Real values at the base year's prices with the deflator chosen, the values shown (real or nominal) and
    growth from ``start`` to the year held by ``end``, both nominal and real, recomputed in the browser.
    ``table`` is :func:`deflators`."""
    lookup = alt.LookupData(table, key="year", fields=list(DEFLATORS))
    release = f"{deflator} == 'release'"
    chosen = f"{prices} == 'real'"
    return (chart
            .transform_calculate(base_year=base)
            .transform_lookup(lookup="year", from_=lookup)
            .transform_lookup(lookup="base_year", from_=lookup, as_=["base_ybgb", "base_release"])
            .transform_calculate(deflator=f"{release} ? datum.release : datum.ybgb",
                                 base_deflator=f"{release} ? datum.base_release : datum.base_ybgb")
            .transform_calculate(real="datum.gbp_m * datum.base_deflator / datum.deflator")
            .transform_calculate(shown=f"{chosen} ? datum.real : datum.gbp_m",
                                 n0=f"datum.year == {start} ? datum.gbp_m : null",
                                 n1=f"datum.year == {end} ? datum.gbp_m : null",
                                 r0=f"datum.year == {start} ? datum.real : null",
                                 r1=f"datum.year == {end} ? datum.real : null")
            # sums under new names: a joinaggregate writing over the field it sums corrupts a live view (Vega
            # updates it incrementally from the field's old value, which it has overwritten). A series with no
            # value in either year (a product group ONS suppressed) has no growth, never -100%.
            .transform_joinaggregate(n0_sum="sum(n0)", n1_sum="sum(n1)", r0_sum="sum(r0)", r1_sum="sum(r1)",
                                     n0_n="valid(n0)", n1_n="valid(n1)", groupby=["panel", "series"])
            .transform_calculate(growth_nominal="datum.n0_n && datum.n1_n ? (datum.n1_sum / datum.n0_sum - 1) * 100 "
                                                ": null",
                                 growth_real="datum.n0_n && datum.n1_n ? (datum.r1_sum / datum.r0_sum - 1) * 100 "
                                             ": null")
            .transform_calculate(growth=f"{chosen} ? datum.growth_real : datum.growth_nominal"))


def _badge_rows(m: dict, end: str):
    """The transforms leaving one datum with ``value`` for a BERD claim's measure."""
    g = f"datum.growth_{m.get('prices', 'nominal')}"
    at_end = f"datum.year == {end}"
    if m["kind"] == "berd_growth":
        rows = alt.Chart().transform_filter(f"datum.panel == 'product group' && datum.series == '{m['series']}'")
    elif m["kind"] == "berd_region_growth":
        rows = alt.Chart().transform_filter(f"datum.panel == 'region' && datum.series == '{m['geography']}'")
    else:
        versus = json.dumps(list(m["versus"]))
        return (alt.Chart().transform_filter(f"datum.panel == 'region' && {at_end}")
                .transform_calculate(a=f"datum.series == '{m['geography']}' ? {g} : -1e9",
                                     b=f"indexof({versus}, datum.series) >= 0 ? {g} : -1e9")
                .transform_aggregate(a="max(a)", b="max(b)")
                .transform_calculate(value="datum.a - datum.b"))
    return rows.transform_filter(at_end).transform_calculate(value=g)


CHART_MEASURES = ("berd_growth", "berd_region_growth", "berd_region_gap")


def _off(claim: dict, last: int) -> str:
    """What a badge's pill says off the paper's window: ``needs live data`` (the ledger's name for it) when the
    data read end before the claim's window does, so that no end year can give a verdict; else ``off the
    paper's years``."""
    end = claim["window"]["end"]
    return rules.NEEDS_LIVE if isinstance(end, int) and last < end else badges.ANOTHER_WINDOW


def why_no_verdict(shown: list[dict], last: int) -> str:
    """The line under the badges saying why none gives a verdict when the data end before the claims' window
    (empty otherwise): ``No verdict (needs live data): the paper's years run 2010–2019, these data end in 2017``."""
    late = sorted({(c["window"]["start"], c["window"]["end"]) for c in shown if _off(c, last) == rules.NEEDS_LIVE})
    if not late:
        return ""
    spans = " and ".join(f"{a}\u2013{b}" for a, b in late)
    return f"No verdict ({rules.NEEDS_LIVE}): the paper's years run {spans}; these data end in {last}."


def basis_line(shown: list[dict]) -> str:
    """The line under the badges naming each claim's prices, which the Prices control does not change:
    ``Badges keep each claim's prices (C5-1 real; C5-3 to C5-7 cash), whatever the Prices setting.``"""
    by: dict[str, list[str]] = {}
    for c in shown:
        by.setdefault(BASIS[c["measure"].get("prices", "nominal")], []).append(c["id"])
    parts = [f"{ids[0]} {b}" if len(ids) == 1 else f"{ids[0]} to {ids[-1]} {b}" for b, ids in by.items()]
    if len(parts) == 1:
        return f"Badges keep each claim's prices ({parts[0]}), whatever the Prices setting."
    return f"Badges keep each claim's prices ({parts[0]}; {'; '.join(parts[1:])}), whatever the Prices setting."


def _badges(claim_defs: list[dict], start: int, end: str, prices: str, base: str, last: int) -> alt.LayerChart:
    """One badge per BERD claim of the ledger (each on the claim's own prices, named in the badge), then the
    lines saying which prices the badges keep and, when the data end before the paper's years, why no badge gives
    a verdict; then the growth of all BERD on the prices the reader chose, beside the paper's real-terms figure."""
    shown = [c for c in claim_defs if c.get("measure", {}).get("kind") in CHART_MEASURES]
    layers = [badges.badge_layer(_badge_rows(c["measure"], end), c, "datum.value", str(start), end, row,
                                 suffix=" pp" if c["measure"]["kind"] == "berd_region_gap" else "%",
                                 basis=BASIS[c["measure"].get("prices", "nominal")], off=_off(c, last))
              for row, c in enumerate(shown)]
    # each note in lines short enough for a 320 px phone's column at the badges' font
    notes = "\n".join("\n".join(labels.lines(note, NOTE_CHARS))
                      for note in (basis_line(shown), why_no_verdict(shown, last)) if note) if shown else ""
    if notes:
        layers.append(alt.Chart().transform_filter(
            f"datum.panel == 'product group' && datum.series == '{TOTAL}' && datum.year == {end}")
            .transform_calculate(text=json.dumps(notes, ensure_ascii=False))
            .mark_text(**badges.COLUMN.at_edge, y=badges.top(len(shown), lines=0.5), fontSize=badges.BADGE_FONT,
                       color="#1A1A1A", lineBreak="\n", lineHeight=badges.LINE)
            .encode(text="text:N").properties(name="berd_badge_notes"))
    total = next((c for c in shown if c["measure"].get("series") == TOTAL), None)
    if total is not None:
        m, w = total["measure"], total["window"]
        paper_fmt = badges.paper_format(total["paper_value"], "+.1f")
        paper = (f"\nthe paper ({total['id']}): {format(total['paper_value'], paper_fmt)}%, {m['prices']}, "
                 f"{w['start']}\u2013{w['end']}")
        text = (f"'All business R&D, {start}\u2013' + {end} + ': ' + format(datum.growth, '+.1f') + '%' + "
                f"({prices} == 'real' ? '\\nin real terms (prices of ' + {base} + ')' : '\\nin cash terms') + "
                f"{json.dumps(paper, ensure_ascii=False)}")
        layers.append(alt.Chart().transform_filter(
            f"datum.panel == 'product group' && datum.series == '{TOTAL}' && datum.year == {end}")
            .transform_calculate(text=text)
            .mark_text(**badges.COLUMN.at_edge, y=badges.top(len(shown), lines=0.5 + (notes.count("\n") + 1.5
                                                                                    if notes else 0)),
                       fontSize=badges.BADGE_FONT, fontWeight="bold", color="#1A1A1A", lineBreak="\n",
                       lineHeight=badges.LINE)
            .encode(text="text:N").properties(name="berd_total_text"))
    return alt.layer(*layers).properties(height=1)  # the badges' marks take the room they need


def _claim_regions(claim_defs: list[dict]) -> list[str]:
    """The regions the ledger's BERD claims name (highlighted in the regional panel)."""
    names = []
    for c in claim_defs:
        m = c.get("measure", {})
        if m.get("kind") in ("berd_region_growth", "berd_region_gap"):
            names += [m["geography"], *m.get("versus", [])]
    return list(dict.fromkeys(names))


def _panels(claim_defs: list[dict], start: int, end: str, prices: str, base: str) -> list:
    """Levels of all BERD (in the chosen prices, base year marked), growth by product group, growth by region."""

    order = list(CHART_SERIES)
    # the axis names each group: dark blue is all business R&D (as the line above), light blue its parts
    colour = alt.condition(alt.datum.series == TOTAL, alt.value(PALETTE[0]), alt.value(PALETTE[4]))
    total = f"datum.panel == 'product group' && datum.series == '{TOTAL}'"
    level = alt.Chart().transform_filter(total).mark_line(point=True, color=PALETTE[0]).encode(
        x=alt.X("year:O", title=None), y=alt.Y("shown:Q", title=None, axis=badges.y_axis(format=",.0f")),
        tooltip=[alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("shown:Q", title="GBP million (prices as chosen)", format=",.0f"),
                 alt.Tooltip("gbp_m:Q", title="GBP million, current prices", format=",.0f")]).properties(
        name="berd_level")
    at_base = alt.Chart().transform_filter(f"{total} && datum.year == {base}")
    rule = at_base.mark_rule(strokeDash=[4, 3], color="black").encode(x="year:O")
    text = f"{prices} == 'real' ? 'GBP million at\\nprices of ' + {base} : 'GBP million,\\ncurrent prices'"
    note = at_base.transform_calculate(text=text).mark_text(align="left", x=4, y=4, baseline="top", lineBreak="\n"
                                                            ).encode(text="text:N")
    tooltip = [alt.Tooltip("series:N", title="Series"),
               alt.Tooltip("growth_nominal:Q", title="Growth, nominal, %", format="+.1f"),
               alt.Tooltip("growth_real:Q", title="Growth, real, %", format="+.1f")]
    x = alt.X("growth:Q", title=[f"Growth from {start} to the end year, %", "(prices as chosen)"],
              axis=alt.Axis(titleAnchor="end"))
    groups = alt.Chart().transform_filter(f"datum.panel == 'product group' && datum.year == {end}").mark_bar(
    ).encode(x=x, y=alt.Y("series:N", sort=order, title=None, axis=badges.y_axis(labelExpr=SHORT_LABELS)),
             color=colour,
             tooltip=tooltip).properties(name="berd_groups")
    named = _claim_regions(claim_defs)
    regions = alt.Chart().transform_filter(f"datum.panel == 'region' && datum.year == {end}").mark_bar().encode(
        x=x, y=alt.Y("series:N", sort="-x", title=None, axis=badges.y_axis()), tooltip=tooltip,
        color=alt.condition(alt.FieldOneOfPredicate("series", named), alt.value(HIGHLIGHT),
                            alt.value(PALETTE[4]))).properties(name="berd_regions")
    # each view a layer, so that the growth transforms added to it run before the views' own filters
    return [alt.layer(level, rule, note).properties(height=200), alt.layer(groups).properties(height=140),
            alt.layer(regions).properties(height=260)]


def growth_chart(table: pd.DataFrame, deflator_table: pd.DataFrame, claim_defs: list[dict], window: dict,
                 end, prices, base, deflator):
    """The chapter's BERD chart: claim badges, all BERD over time, growth by product group and by region.

    ``table`` is :func:`chart_table`, ``deflator_table`` :func:`deflators`; ``end``, ``prices``, ``base`` and
    ``deflator`` are :class:`futurecity.viz.controls.Control` objects; growth runs from ``window['start']`` (the
    paper's start year) to the chosen end year.
    """

    start, names = window["start"], (end.name, prices.name, base.name)
    first, last = years(table)
    views = [_badges(claim_defs, start, end.name, prices.name, base.name, last)]
    views += _panels(claim_defs, start, *names)
    deflator_table = deflator_table[deflator_table["year"].between(first, last)]  # the years a reader can choose
    views = [_with_growth(v, deflator_table, start, *names, deflator.name).properties(width=WIDTH) for v in views]
    # a value ONS withheld stays missing (pivot_table's sum would write it as 0, and its growth as -100%)
    wide = wide_by_year(table.dropna(subset=["gbp_m"]), ["panel", "series"], "gbp_m")
    chart = alt.concat(*views, columns=1, align="none", data=wide)
    return bind(fold_years(chart, wide, "gbp_m").resolve_scale(color="independent"), end, prices, base, deflator)


def deflators_of(inputs: Inputs) -> pd.DataFrame:
    """:func:`deflators` of the inputs' GDP deflator and claims' release."""
    return inputs.derived("berd.deflators", lambda: deflators(inputs.frame(DEFLATOR_SOURCE), inputs.frame(SOURCE)))


def growth_title(inputs: Inputs, window: dict) -> str:
    """The chart's message at its default settings, from the data: how much all business R&D grew in cash terms
    from the paper's start year to the chart's default end year, and which region's grew fastest."""
    start = window["start"]
    end = min(window["end"], years(chart_table_of(inputs))[1])
    total = measure_growth(inputs, {"series": TOTAL, "prices": "nominal"}, start, end)
    regions = _region_growth(inputs, "nominal", start, end)
    return (f"Business R&D {'grew' if total >= 0 else 'fell'} {abs(total):.0f}% in cash terms from {start} to "
            f"{end}; fastest in {regions.idxmax()}")


def growth_figure(chart, inputs: Inputs, window: dict, claim_defs: list[dict]):
    """The BERD chart with its title, description and caption (sources: BERD, GDP, deflator)."""
    cash_note = ("BERD in GBP million as published by ONS." if is_cash(inputs.frame(SOURCE)) else
                 "BERD here is a share of UK GDP; cash values are that share times UK nominal GDP (a later GDP "
                 "vintage than ONS used), so levels are approximate.")
    return figure(
        chart,
        title=growth_title(inputs, window),
        csv=[("berd_level_1_marks", {"series": "series", "year": "year", "shown": "business_rd_gbp_million"},
              {"panel": "all business R&D by year"}),
             *((mark, {"panel": "panel", "series": "series", "growth": "growth_percent"})
               for mark in ("berd_groups_2_marks", "berd_regions_3_marks"))],
        description=(f"Top: the paper's business R&D claims with the value recomputed from {window['start']} to "
                     "the chosen end year; a verdict is given only on the paper's own years. Line: all business "
                     "R&D in the chosen prices, the dashed rule marking the base year. Bars: growth from "
                     f"{window['start']} to the end year by product group (manufacturing, all services, "
                     "miscellaneous business services, other) and by region; the regions the paper's claims name "
                     f"({', '.join(_claim_regions(claim_defs))}) in orange, the others in light blue."),
        sources=[inputs.frame(s) for s in (SOURCE, DEFLATOR_SOURCE)],
        note=cash_note + (" Real terms divide by the deflator chosen: the GDP deflator (YBGB), or the one the "
                          "release implies for business R&D (its current over its constant prices, Table 1); "
                          "the base year rescales levels, not growth."))

# --- vintages side by side: two releases of the same tables, and the pounds approximated from shares of GDP ---

LEVEL_HEIGHT = 170  # the vintages chart's line, pixels
SHORT_NAMES = {SOURCE: "2017 release", EARLIER_RELEASE: "2014 release", SHARES_SOURCE: "share of GDP x GDP"}
LIVE_SHARES = "ONS time series (2022 method)"  # what the shares source holds when pulled live


@dataclass(frozen=True)
class Vintage:
    """One vintage of BERD to compare: a short name for charts, its inputs and source id."""

    name: str
    inputs: Inputs
    source: str

    @property
    def label(self) -> str:
        return self.inputs.frame(self.source).attrs.get("vintage_label", "")


def _name(inputs: Inputs, source: str) -> str:
    live = inputs.frame(source).attrs.get("vintage") != "pinned"
    if source == SHARES_SOURCE and live:
        return LIVE_SHARES
    return SHORT_NAMES[source] + (", live pull" if live else "")


def vintages(inputs: Inputs) -> list[Vintage]:
    """The vintages the chapter compares, the claims' source as read first (the reference): the 2017 release
    (or its live successor), the 2014 release, and BERD's shares of GDP times GDP (or, pulled live, ONS's time
    series on its 2022 method); with live inputs the pinned 2017 release joins them."""
    out = [Vintage(_name(inputs, s), inputs, s) for s in (SOURCE, EARLIER_RELEASE, SHARES_SOURCE)]
    if inputs.frame(SOURCE).attrs.get("vintage") != "pinned":
        pinned = Inputs("pinned")
        out.append(Vintage(_name(pinned, SOURCE), pinned, SOURCE))
    return out


def _vintage_rows(v: Vintage) -> pd.DataFrame:
    table = chart_table(uk_series_of(v.inputs, v.source), regions_of(v.inputs, v.source))
    return table.assign(vintage=v.name, vintage_label=v.label)


def comparison(vintages: list[Vintage]) -> pd.DataFrame:
    """Every vintage's series (the groups, all BERD, the regions) by year, beside the first vintage's.

    Columns: vintage, vintage_label, panel, series, year, gbp_m, reference (the first vintage's gbp_m for the
    same series and year) and difference (per cent: ``gbp_m / reference - 1``; for an earlier release, minus
    the revision the later one made). Years the first vintage does not hold are left out.
    """
    rows = pd.concat([_vintage_rows(v) for v in vintages], ignore_index=True)
    first = rows[rows["vintage"] == vintages[0].name][["panel", "series", "year", "gbp_m"]]
    out = rows.merge(first.rename(columns={"gbp_m": "reference"}), on=["panel", "series", "year"])
    out["difference"] = (out["gbp_m"] / out["reference"] - 1) * 100
    out.attrs["vintages"] = [(v.name, v.label) for v in vintages]
    return out.sort_values(["vintage", "panel", "series", "year"], ignore_index=True)


def common_years(compared: pd.DataFrame, a: str, b: str) -> list[int]:
    """The years in which both vintages hold all BERD."""
    total = compared[compared["series"] == TOTAL].dropna(subset=["gbp_m"])
    held = total.groupby("vintage")["year"].agg(set)
    return sorted(held[a] & held[b])


def revision_facts(inputs: Inputs, window: dict) -> dict[str, Fact]:
    """What the 2014 and 2017 releases say about the same years: the last year both hold, the revision of all
    BERD that year, and growth from the paper's start year to then in each release; and how far BERD's share
    of GDP times a later GDP lies from the pounds published (its largest gap, in per cent, over the years)."""
    vs = vintages(inputs)
    compared = comparison(vs[:3])
    later, earlier, shares = (v.name for v in vs[:3])
    both = common_years(compared, later, earlier)
    start, year = window["start"], both[-1]
    total = compared[(compared["series"] == TOTAL)].set_index(["vintage", "year"])["gbp_m"]
    frames = [v.inputs.frame(v.source) for v in vs[:2]]
    gap = compared[(compared["vintage"] == shares) & (compared["series"] == TOTAL)]["difference"]
    level = compared.set_index(["vintage", "series", "year"])["gbp_m"]
    series = sorted(set(compared["series"]))
    moved = pd.Series({name: (level.get((later, name, year)) / level.get((later, name, start))
                              - level.get((earlier, name, year)) / level.get((earlier, name, start))) * 100
                       for name in series if all((v, name, y) in level.index for v in (later, earlier)
                                                 for y in (start, year))}).dropna()
    total_moved, widest = moved[TOTAL], moved.drop(TOTAL).abs().idxmax()
    says = (f"the revisions move the growth of all business R&D from {start} to {year} by {total_moved:+.1f} "
            f"percentage points; among the groups and regions they move it most for {widest}, by "
            f"{moved[widest]:+.1f} points")
    return {
        "berd_revision_growth_text": fact(says, f"what the later release's revisions do to growth from {start} to "
                                          f"{year}, all business R&D and each group and region", *frames),
        "berd_release_later": fact(vs[0].label, "vintage of the release the claims read", frames[0]),
        "berd_release_earlier": fact(vs[1].label, "vintage of the earlier release", frames[1]),
        "berd_release_year": fact(year, "last year both releases hold", *frames),
        "berd_release_earlier_total": fact(total[(earlier, year)], f"all BERD in {year}, earlier release, "
                                           "GBP million", frames[1]),
        "berd_release_later_total": fact(total[(later, year)], f"all BERD in {year}, later release, GBP million",
                                         frames[0]),
        "berd_revision_total": fact((total[(later, year)] / total[(earlier, year)] - 1) * 100,
                                    f"revision of all BERD in {year} by the later release, %", *frames),
        "berd_release_growth_later": fact((total[(later, year)] / total[(later, start)] - 1) * 100,
                                          f"growth of all BERD, {start} to {year}, later release, %", frames[0]),
        "berd_release_growth_earlier": fact((total[(earlier, year)] / total[(earlier, start)] - 1) * 100,
                                            f"growth of all BERD, {start} to {year}, earlier release, %",
                                            frames[1]),
        "berd_shares_gap": fact(float(gap.abs().max()), "largest gap between BERD's share of GDP times GDP and "
                                "the pounds published, all BERD, %", frames[0], vs[2].inputs.frame(vs[2].source)),
    }


def revision_figure(compared: pd.DataFrame, inputs: Inputs):
    """Three views: all BERD's difference from the first vintage by year, one line per other vintage labelled at
    its end; then, in the last year the first two vintages both hold, the second's difference by product group
    and, apart, by region. (The shares of GDP times GDP differ from the pounds by the same ratio for every series
    of a year, so they appear in the line only.)"""
    names = [n for n, _ in compared.attrs["vintages"]]
    reference, earlier = names[0], names[1]
    year = common_years(compared, reference, earlier)[-1]
    others = names[1:]
    colours = dict(zip(others, PALETTE[:len(others)], strict=False))
    colour = alt.Color("vintage:N", scale=alt.Scale(domain=others, range=list(colours.values())), legend=None)
    tooltip = [alt.Tooltip("vintage_label:N", title="Vintage"), alt.Tooltip("series:N", title="Series"),
               alt.Tooltip("year:O", title="Year"), alt.Tooltip("gbp_m:Q", title="GBP million", format=",.0f"),
               alt.Tooltip("difference:Q", title=f"Difference from the {reference}, %", format="+.2f")]
    total = compared[(compared["series"] == TOTAL) & (compared["vintage"] != reference)].dropna(subset=["difference"])
    x = alt.X("year:O", title=None)
    y = alt.Y("difference:Q", title=None, axis=badges.y_axis(format="+.1f"))  # plots start where the bars' do
    lines = alt.Chart().mark_line(point=True).encode(x=x, y=y, color=colour, tooltip=tooltip).properties(
        name="berd_vintage_levels")
    zero = alt.Chart().transform_aggregate(n="count()").transform_calculate(zero="0").mark_rule(
        color="black", strokeDash=[4, 3]).encode(y="zero:Q")
    # each line named at its end, off the lines: right of its last point (beyond the plot for a line that runs to
    # the axis's end), in the palette's text variants
    label_fill = alt.Fill("vintage:N", scale=alt.Scale(domain=others, range=text_colours(colours.values())),
                          legend=None)
    wrapped = {n: "\n".join(labels.lines(n, 12)) for n in others}
    last = (alt.Chart().transform_joinaggregate(last_year="max(year)", groupby=["vintage"])
            .transform_filter("datum.year == datum.last_year"))
    ends = [last.transform_filter(f"!{badges.NARROW_EXPR}")
            .transform_calculate(label=f"{json.dumps(wrapped, ensure_ascii=False)}[datum.vintage]")
            .mark_text(align="left", baseline="middle", dx=8, fontSize=11, fontWeight="bold", lineBreak="\n")
            .encode(x=x, y=y, text="label:N", fill=label_fill).properties(name="berd_vintage_ends"),
            # on a phone's column the plot needs the room right of it: the names go in a key under the years, at the
            # column's left edge
            last.transform_filter(badges.NARROW_EXPR)
            .transform_calculate(key_y=f"{json.dumps({n: LEVEL_HEIGHT + 44 + 15 * i for i, n in enumerate(others)})}"
                                       "[datum.vintage]", label="'\u2014 ' + datum.vintage")
            .mark_text(align="left", baseline="middle", x=-badges.COLUMN.extent, fontSize=11, fontWeight="bold")
            .encode(y=alt.Y("key_y:Q", scale=None), text="label:N", fill=label_fill)
            .properties(name="berd_vintage_ends_key")]
    level = alt.layer(zero, lines, *ends, data=total).properties(
        width=WIDTH, height=LEVEL_HEIGHT,
        title=alt.Title(["All business R&D, % difference", f"from the {reference} (dashed, 0)"], anchor="start",
                        fontSize=12))
    at = compared[(compared["vintage"] == earlier) & (compared["year"] == year)]

    def panel(which: str, name: str, title: str):
        rows = at[(at["panel"] == which) & (at["series"] != TOTAL)]  # all business R&D is the line's last point
        return alt.Chart(rows).mark_bar(color=colours[earlier]).encode(
            x=alt.X("difference:Q", title=[f"{earlier}: difference from", f"the {reference}, % ({year})"],
                    axis=alt.Axis(titleAnchor="end")),
            y=alt.Y("series:N", sort="-x", title=None, axis=badges.y_axis(labelExpr=SHORT_LABELS)),
            tooltip=tooltip).properties(width=WIDTH, height=20 * rows["series"].nunique(), name=name,
                                        title=alt.Title(title, anchor="start", fontSize=12))

    bars = [panel("product group", "berd_vintage_differences", "By product group"),
            panel("region", "berd_vintage_regions", "By region")]
    biggest = at.loc[at["difference"].abs().idxmax()]
    all_rd = float(at.loc[at["series"] == TOTAL, "difference"].iloc[0])
    title = (f"The {earlier} and the {reference} differ by {abs(all_rd):.1f}% for all business R&D in {year}, "
             f"by up to {abs(biggest['difference']):.0f}% for a group or region")
    described = "; ".join(f"{n}: {lab}" for n, lab in compared.attrs["vintages"])
    columns = {"vintage": "vintage", "panel": "grouping", "series": "series", "year": "year",
               "gbp_m": "business_rd_gbp_million", "difference": "difference_from_reference_percent"}
    return figure(
        # one column, each plot starting after its own axis (the line's end labels need the room on a phone)
        alt.concat(level, *bars, columns=1, spacing=14, align="none").resolve_scale(color="shared")
        .add_params(badges.width_param()),
        title=title,
        csv=[("berd_vintage_levels_0_marks", columns, {"view": "all business R&D by year"}),
             ("berd_vintage_differences_marks", columns, {"view": f"by product group in {year}"}),
             ("berd_vintage_regions_marks", columns, {"view": f"by region in {year}"})],
        description=(f"Line: all business R&D's difference from the {reference}, in per cent, by year, one line per "
                     f"other vintage, labelled at its end; the dashed line at zero is the {reference}. Bars: the "
                     f"{earlier}'s difference from the {reference} in {year}, by product group and, below, by "
                     f"region; bars left of zero are below the {reference}. Vintages: {described}."),
        sources=[inputs.frame(SOURCE), inputs.frame(EARLIER_RELEASE), inputs.frame(SHARES_SOURCE),
                 inputs.frame(GDP_SOURCE)],
        note=("The releases give GBP million as published; the share of GDP x GDP line multiplies BERD's shares "
              "of UK GDP (SDG 9.5.1) by a later vintage of UK GDP, an approximation of the pounds the releases "
              "publish."))


def revision_table(compared: pd.DataFrame) -> str:
    """The figures behind the bars as an HTML table that wraps on a phone: per series, the reference vintage's
    GBP million and every other vintage's difference from it, in the last year the first two both hold."""
    names = [n for n, _ in compared.attrs["vintages"]]
    year = common_years(compared, names[0], names[1])[-1]
    at = compared[compared["year"] == year]
    wide = at.pivot_table(index=["panel", "series"], columns="vintage", values="difference", dropna=False)
    level = at[at["vintage"] == names[0]].set_index(["panel", "series"])["gbp_m"]
    order = level.sort_values(ascending=False).index
    # a vintage that differs by the same per cent in every row (shares of GDP times one GDP) says nothing per row
    names = [names[0], *(n for n in names[1:] if n in wide.columns and wide[n].round(1).nunique() > 1)]
    head = "".join(f'<th scope="col">{html.escape(n)}, difference %</th>' for n in names[1:])
    body = []
    for key in order:
        cells = "".join(f"<td>{_signed(wide.loc[key, n]) if n in wide.columns else ''}</td>" for n in names[1:])
        body.append(f'<tr><th scope="row">{html.escape(key[1])}</th><td>{level[key]:,.0f}</td>{cells}</tr>')
    caption = (f"Business R&D in {year}, GBP million in the {names[0]} and the difference of each other vintage "
               f"from it (per cent).")
    return (f'<div class="fc-table-wrap"><table class="fc-vintages"><caption>{html.escape(caption)}</caption>'
            f'<thead><tr><th scope="col">Series</th><th scope="col">{html.escape(names[0])}, GBP million</th>'
            f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _signed(x: float) -> str:
    return "" if pd.isna(x) else f"{x:+.1f}".replace("-", "\u2212")


def show_vintages(inputs: Inputs) -> None:
    """The vintages compared: the figure and its table (a notebook cell's output)."""
    from IPython.display import HTML, display

    compared = comparison(vintages(inputs))
    display(revision_figure(compared, inputs), HTML(revision_table(compared)))
