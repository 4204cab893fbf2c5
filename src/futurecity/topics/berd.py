"""Business enterprise R&D (BERD) in the UK: cash values, real terms, growth by product group and by region.

Two kinds of BERD frame reach this module (source ``berd``, same columns either way):

- the pinned snapshot (ONS SDG indicator 9.5.1, 2006-2017) holds BERD as a **per cent of UK GDP**, for the UK's
  product groups and for regions alike (regional rows are shares of *UK* GDP, not of regional GDP). Cash values
  are then an approximation: ``share x UK nominal GDP / 100``, with UK GDP from ``gdp_nominal`` (its UK row).
  That GDP is a later vintage than the one ONS divided by, so levels may be off by a per cent or two; growth
  rates inherit the GDP vintage's growth.
- a live pull of the ONS BERD spreadsheet holds **GBP million**: used as published, with no approximation.

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

import io
import json

import altair as alt
import pandas as pd

from futurecity import reads
from futurecity.claims.measures import Inputs, measure, require_years
from futurecity.errors import DataUnavailable
from futurecity.facts import Fact, constant, fact
from futurecity.topics.tables import first_last, growth_between
from futurecity.viz import badges
from futurecity.viz.controls import Control, bind
from futurecity.viz.embed import fold_years, wide_by_year
from futurecity.viz.theme import HIGHLIGHT, PALETTE, WIDTH, figure

SOURCE = "berd"
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
    """True when the BERD frame holds GBP million (a live pull), False for shares of GDP (the snapshot)."""
    units = set(berd["unit"].astype("string").str.lower())
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


def reference_year(deflator: pd.DataFrame) -> int:
    """The year whose annual deflator is 100 (the index's own reference year)."""
    annual = annual_deflator(deflator)
    return int((annual - 100).abs().idxmin())


def cash(berd: pd.DataFrame, gdp: pd.DataFrame) -> pd.DataFrame:
    """BERD rows (measure BERD) with ``gbp_m`` (cash, GBP million), ``share_of_gdp`` (per cent) and ``basis``.

    For the snapshot (shares of UK GDP) cash is ``share x UK GDP / 100`` (the approximation); for a live frame
    in GBP million cash is the published value and the share is ``value / UK GDP x 100``.
    """
    rows = berd[berd["measure"] == "BERD"].copy()
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
    by_group = classified.groupby(["year", "group"], as_index=False)[["gbp_m", "share_of_gdp"]].sum()
    by_group = by_group.rename(columns={"group": "series"})
    services = (by_group[by_group["series"].isin(ALL_SERVICES)].groupby("year", as_index=False)
                [["gbp_m", "share_of_gdp"]].sum().assign(series="all services"))
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

def rows_of(inputs: Inputs) -> pd.DataFrame:
    """:func:`cash` of the inputs' BERD and GDP frames."""
    return inputs.derived("berd.rows", lambda: cash(inputs.frame(SOURCE), inputs.frame(GDP_SOURCE)))


def uk_series_of(inputs: Inputs) -> pd.DataFrame:
    """:func:`uk_series` of :func:`rows_of`."""
    return inputs.derived("berd.series", lambda: uk_series(rows_of(inputs)))


def regions_of(inputs: Inputs) -> pd.DataFrame:
    """:func:`regional_series` of :func:`rows_of`."""
    return inputs.derived("berd.regions", lambda: regional_series(rows_of(inputs)))


def chart_table_of(inputs: Inputs) -> pd.DataFrame:
    """:func:`chart_table` of the inputs."""
    return inputs.derived("berd.chart", lambda: chart_table(uk_series_of(inputs), regions_of(inputs)))


# --- measures for the claims ledger -------------------------------------------------------------------------

def _priced(inputs: Inputs, frame: pd.DataFrame, prices: str, start: int, end: int) -> tuple[pd.DataFrame, str]:
    """``frame`` checked to hold both years, and the column to read: cash, or real at the deflator's own
    reference year (growth does not depend on the base year)."""
    require_years(frame, SOURCE, start, end)
    if prices == "nominal":
        return frame, "gbp_m"
    deflator = inputs.frame(DEFLATOR_SOURCE)
    return real(frame, deflator, reference_year(deflator)), "real_gbp_m"


def _region_growth(inputs: Inputs, prices: str, start: int, end: int) -> pd.Series:
    frame, column = _priced(inputs, regions_of(inputs), prices, start, end)
    return growth(frame, start, end, "geography_name", column).set_index("geography_name")["growth"]


def _unclassified(inputs: Inputs) -> str:
    missing = uk_series_of(inputs).attrs.get("unclassified")
    return (f" Product groups missing from data/{GROUPS_TABLE} (left out of every group): {', '.join(missing)}."
            if missing else "")


SOURCES = (SOURCE, GDP_SOURCE)


@measure("berd_growth", sources=(*SOURCES, DEFLATOR_SOURCE), note=_unclassified)
def measure_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of a UK BERD series (``p['series']``) in ``p['prices']`` (nominal or real)."""
    frame, column = _priced(inputs, uk_series_of(inputs), p.get("prices", "nominal"), start, end)
    return float(growth(frame, start, end, "series", column).set_index("series").loc[p["series"], "growth"])


@measure("berd_share_change", sources=SOURCES, note=_unclassified)
def measure_share_change(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Change (percentage points) of a UK BERD series as a share of UK GDP."""
    frame = uk_series_of(inputs)
    require_years(frame, SOURCE, start, end)
    share = frame[frame["series"] == p["series"]].set_index("year")["share_of_gdp"]
    return float(share[end] - share[start])


@measure("berd_region_growth", sources=(*SOURCES, DEFLATOR_SOURCE))
def measure_region_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of one region's BERD in ``p['prices']``."""
    return float(_region_growth(inputs, p.get("prices", "nominal"), start, end)[p["geography"]])


@measure("berd_region_gap", sources=(*SOURCES, DEFLATOR_SOURCE))
def measure_region_gap(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """A region's BERD growth minus the fastest growth among ``p['versus']`` (percentage points)."""
    rates = _region_growth(inputs, p.get("prices", "nominal"), start, end)
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
    for key, region in (("london", "London"), ("em", "East Midlands"), ("wm", "West Midlands"),
                        ("nw", "North West")):
        out[f"berd_{key}"] = grew(f"business R&D in {region}", measure_region_growth, "nominal", geography=region)
    return out


# --- the chapter's chart: growth since the paper's start year to an end year the reader chooses --------------

PRICES = ("real", "nominal")


def controls(table: pd.DataFrame, window: dict) -> tuple:
    """End-year slider (the year after ``window['start']`` to the last year of data; default the paper's end
    year, or the last year when the data stop earlier), prices (real / nominal) and the base year of real prices
    (any year of the data; default the last)."""
    first, last = years(table)
    end = Control.range("berd_end", window["start"] + 1, last, 1, min(window["end"], last), "End year")
    prices = Control.radio("berd_prices", list(PRICES), PRICES[0], "Prices")
    base = Control.range("berd_base", first, last, 1, last, "Base year of real prices")
    return end, prices, base


def _with_growth(chart, deflator: pd.DataFrame, start: int, end: str, prices: str, base: str):
    """Real values at the base year's prices, the values shown (real or nominal) and growth from ``start`` to
    the year held by ``end``, both nominal and real, recomputed in the browser."""
    annual = annual_deflator(deflator).reset_index()
    lookup = alt.LookupData(annual, key="year", fields=["deflator"])
    chosen = f"{prices} == 'real'"
    return (chart
            .transform_calculate(base_year=base)
            .transform_lookup(lookup="year", from_=lookup)
            .transform_lookup(lookup="base_year", from_=lookup, as_=["base_deflator"])
            .transform_calculate(real="datum.gbp_m * datum.base_deflator / datum.deflator")
            .transform_calculate(shown=f"{chosen} ? datum.real : datum.gbp_m",
                                 n0=f"datum.year == {start} ? datum.gbp_m : 0",
                                 n1=f"datum.year == {end} ? datum.gbp_m : 0",
                                 r0=f"datum.year == {start} ? datum.real : 0",
                                 r1=f"datum.year == {end} ? datum.real : 0")
            .transform_joinaggregate(n0="sum(n0)", n1="sum(n1)", r0="sum(r0)", r1="sum(r1)",
                                     groupby=["panel", "series"])
            .transform_calculate(growth_nominal="(datum.n1 / datum.n0 - 1) * 100",
                                 growth_real="(datum.r1 / datum.r0 - 1) * 100")
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


def _badges(claim_defs: list[dict], start: int, end: str, prices: str, base: str) -> alt.LayerChart:
    """One badge per BERD claim of the ledger (each on the claim's own prices), then three lines with the growth
    of all BERD on the prices the reader chose, beside the paper's real-terms figure."""
    shown = [c for c in claim_defs if c.get("measure", {}).get("kind") in CHART_MEASURES]
    layers = [badges.badge_layer(_badge_rows(c["measure"], end), c, "datum.value", str(start), end, row,
                                 suffix=" pp" if c["measure"]["kind"] == "berd_region_gap" else "%")
              for row, c in enumerate(shown)]
    total = next((c for c in shown if c["measure"].get("series") == TOTAL), None)
    if total is not None:
        m, w = total["measure"], total["window"]
        paper = (f"\nthe paper ({total['id']}): {total['paper_value']:+.1f}%, {m['prices']}, "
                 f"{w['start']}\u2013{w['end']}")
        text = (f"'All business R&D, {start}\u2013' + {end} + ': ' + format(datum.growth, '+.1f') + '%' + "
                f"({prices} == 'real' ? '\\nin real terms (prices of ' + {base} + ')' : '\\nin cash terms') + "
                f"{json.dumps(paper, ensure_ascii=False)}")
        layers.append(alt.Chart().transform_filter(
            f"datum.panel == 'product group' && datum.series == '{TOTAL}' && datum.year == {end}")
            .transform_calculate(text=text)
            .mark_text(align="left", baseline="top", x=-badges.AXIS_EXTENT, y=badges.top(len(shown)),
                       fontSize=badges.BADGE_FONT, fontWeight="bold", color=PALETTE[0], lineBreak="\n",
                       lineHeight=badges.LINE)
            .encode(text="text:N").properties(name="berd_total_text"))
    return alt.layer(*layers).properties(height=badges.top(len(shown), lines=3 if total is not None else 0))


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
    colour = alt.Color("series:N", scale=alt.Scale(domain=order, range=PALETTE[:len(order)]), legend=None)
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


def growth_chart(table: pd.DataFrame, deflator: pd.DataFrame, claim_defs: list[dict], window: dict,
                 end, prices, base):
    """The chapter's BERD chart: claim badges, all BERD over time, growth by product group and by region.

    ``table`` is :func:`chart_table`; ``end``, ``prices`` and ``base`` are :class:`futurecity.viz.controls.Control`
    objects; growth runs from ``window['start']`` (the paper's start year) to the chosen end year.
    """

    start, names = window["start"], (end.name, prices.name, base.name)
    views = [_badges(claim_defs, start, end.name, prices.name, base.name)]
    views += _panels(claim_defs, start, *names)
    first, last = years(table)
    deflator = deflator[deflator["year"].between(first, last)]  # the years a reader can choose
    views = [_with_growth(v, deflator, start, *names).properties(width=WIDTH) for v in views]
    wide = wide_by_year(table, ["panel", "series"], "gbp_m")
    chart = alt.concat(*views, columns=1, align="none", data=wide)
    return bind(fold_years(chart, wide, "gbp_m").resolve_scale(color="independent"), end, prices, base)


def growth_figure(chart, inputs: Inputs, window: dict, claim_defs: list[dict]):
    """The BERD chart with its title, description and caption (sources: BERD, GDP, deflator)."""
    cash_note = ("BERD in GBP million as published by ONS." if is_cash(inputs.frame(SOURCE)) else
                 "The pinned BERD is a share of UK GDP; cash values here are that share times UK nominal GDP "
                 "(a later GDP vintage than ONS used), so levels are approximate.")
    return figure(
        chart,
        title=f"Business R&D since {window['start']}, by product group and by region",
        description=(f"Top: the paper's business R&D claims with the value recomputed from {window['start']} to "
                     "the chosen end year; a verdict is given only on the paper's own years. Line: all business "
                     "R&D in the chosen prices, the dashed rule marking the base year. Bars: growth from "
                     f"{window['start']} to the end year by product group (manufacturing, all services, "
                     "miscellaneous business services, other) and by region; the regions the paper's claims name "
                     f"({', '.join(_claim_regions(claim_defs))}) in orange, the others in blue."),
        sources=[inputs.frame(s) for s in (SOURCE, GDP_SOURCE, DEFLATOR_SOURCE)],
        note=cash_note + " Real terms use the GDP deflator (YBGB); the base year rescales levels, not growth.")

# --- two vintages side by side: the pinned snapshot and a live pull of the revised ONS tables ------------------

RELEASES = ("live", "pinned")
HOW_TO_GET_BOTH = ("run `futurecity pull berd --live` with a network connection, then build with "
                   "`--vintage latest` (with FUTURECITY_SNAPSHOTS set, so that the pinned snapshot is read too)")


def _release_series(inputs: Inputs, release: str) -> pd.DataFrame:
    """The UK series of one vintage (:func:`uk_series`), tagged with its release and vintage label."""
    frame = inputs.frame(SOURCE)
    is_pinned = frame.attrs.get("vintage") == "pinned"
    if is_pinned != (release == "pinned"):
        raise ValueError(f"the {release} inputs hold BERD vintage {frame.attrs.get('vintage')!r}")
    series = uk_series_of(inputs).dropna(subset=["gbp_m"])
    return series.assign(release=release, vintage_label=frame.attrs.get("vintage_label", ""))


def vintage_comparison(live_inputs: Inputs, pinned_inputs: Inputs, start: int,
                       end: int | None = None) -> pd.DataFrame:
    """A live BERD vintage beside the pinned snapshot, for the UK total and each group, year by year.

    ``live_inputs`` and ``pinned_inputs`` are the inputs of a live vintage and of ``"pinned"``. The years
    compared are those both vintages hold for all BERD, from ``start`` to the last of them (at most ``end``).
    One row per series, release ('live' or 'pinned') and year: ``vintage_label``, ``basis`` (published or
    approximate cash), ``gbp_m``, ``growth`` (per cent, from ``start`` to that year, in cash terms) and
    ``ratio`` (that release's level over the pinned level of the same series and year: how much higher the
    revised vintage is). ``attrs``: ``start``, ``end`` and the provenance of the live BERD frame.
    """
    both = pd.concat([_release_series(live_inputs, "live"), _release_series(pinned_inputs, "pinned")],
                     ignore_index=True)
    totals = both[both["series"] == TOTAL].groupby("release")["year"].agg(set)
    common = sorted(totals["live"] & totals["pinned"])
    if start not in common:
        span = f"{common[0]}-{common[-1]}" if common else "none"
        raise ValueError(f"the two BERD vintages do not both hold {start}; years they share: {span}")
    last = max(y for y in common if end is None or y <= end)
    both = both[both["year"].isin([y for y in common if start <= y <= last])]
    shared = set.intersection(*both.groupby("release")["series"].agg(set))  # a group one vintage lacks is left out
    both = both[both["series"].isin(shared)]
    at_start = both.loc[both["year"] == start, ["series", "release", "gbp_m"]]
    pinned = both.loc[both["release"] == "pinned", ["series", "year", "gbp_m"]]
    out = (both.merge(at_start, on=["series", "release"], suffixes=("", "_start"))
           .merge(pinned, on=["series", "year"], suffixes=("", "_pinned")))
    out["growth"] = (out["gbp_m"] / out["gbp_m_start"] - 1) * 100
    out["ratio"] = out["gbp_m"] / out["gbp_m_pinned"]
    out = out[["series", "release", "vintage_label", "basis", "year", "gbp_m", "growth", "ratio"]]
    out = out.sort_values(["series", "release", "year"], ignore_index=True)
    out.attrs.update(live_inputs.frame(SOURCE).attrs)
    out.attrs.update(start=start, end=last)
    return out


def vintage_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """The last year of :func:`vintage_comparison` per series (in :data:`CHART_SERIES` order, then the rest):
    the level in each release, their ratio, and the growth from the start year in each release."""
    end = comparison.attrs["end"]
    last = comparison[comparison["year"] == end]
    wide = last.pivot_table(index="series", columns="release", values=["gbp_m", "growth"])
    out = pd.DataFrame({"level_pinned": wide[("gbp_m", "pinned")], "level_live": wide[("gbp_m", "live")],
                        "ratio": wide[("gbp_m", "live")] / wide[("gbp_m", "pinned")],
                        "growth_pinned": wide[("growth", "pinned")], "growth_live": wide[("growth", "live")]})
    order = [s for s in CHART_SERIES if s in out.index] + [s for s in out.index if s not in CHART_SERIES]
    out = out.loc[order]
    out["growth_gap_pp"] = out["growth_live"] - out["growth_pinned"]
    out.attrs.update(comparison.attrs)
    return out


def _labels(comparison: pd.DataFrame) -> dict[str, str]:
    return dict(comparison[["release", "vintage_label"]].drop_duplicates().itertuples(index=False))


def vintage_table(comparison: pd.DataFrame):
    """The summary as a styled table whose caption names both vintages."""
    summary, labels = vintage_summary(comparison), _labels(comparison)
    start, end = comparison.attrs["start"], comparison.attrs["end"]
    columns = {"level_pinned": f"Pinned, {end}, GBP m", "level_live": f"Live, {end}, GBP m",
               "ratio": "Live / pinned", "growth_pinned": f"Pinned, growth {start}\u2013{end}, %",
               "growth_live": f"Live, growth {start}\u2013{end}, %", "growth_gap_pp": "Live minus pinned, pp"}
    caption = (f"Business R&D in two vintages, {start}\u2013{end}, cash terms. Live: {labels['live']}. "
               f"Pinned: {labels['pinned']} ({APPROXIMATION}).")
    formats = {columns["level_pinned"]: "{:,.0f}", columns["level_live"]: "{:,.0f}",
               columns["ratio"]: "{:.3f}", columns["growth_pinned"]: "{:+.1f}", columns["growth_live"]: "{:+.1f}",
               columns["growth_gap_pp"]: "{:+.1f}"}
    table = summary.rename(columns=columns).rename_axis(None)
    return table.style.format(formats).set_caption(caption).set_table_attributes('class="fc-vintages"')


def vintage_figure(comparison: pd.DataFrame, live_inputs: Inputs, pinned_inputs: Inputs):
    """Two views: all BERD by year in each vintage, and growth from the start year by series and vintage."""
    start, end = comparison.attrs["start"], comparison.attrs["end"]
    labels = _labels(comparison)
    colour = alt.Color("release:N", scale=alt.Scale(domain=list(RELEASES), range=PALETTE[:2]),
                       legend=alt.Legend(title="Vintage", labelExpr="datum.label == 'live' ? 'live pull' : "
                                                                    "'pinned snapshot'"))
    tooltip = [alt.Tooltip("vintage_label:N", title="Vintage"), alt.Tooltip("year:O", title="Year"),
               alt.Tooltip("gbp_m:Q", title="GBP million", format=",.0f"),
               alt.Tooltip("ratio:Q", title="Live / pinned", format=".3f"),
               alt.Tooltip("growth:Q", title=f"Growth since {start}, %", format="+.1f")]
    data = comparison[comparison["series"].isin(CHART_SERIES)]
    level = alt.Chart(data[data["series"] == TOTAL]).mark_line(point=True).encode(
        x=alt.X("year:O", title=None), y=alt.Y("gbp_m:Q", title="All business R&D, GBP million (cash)"),
        color=colour, tooltip=tooltip).properties(width=WIDTH, height=200)
    bars = alt.Chart(data[data["year"] == end]).mark_bar().encode(
        x=alt.X("growth:Q", title=f"Growth from {start} to {end}, % (cash terms)"),
        y=alt.Y("series:N", sort=list(CHART_SERIES), title=None, axis=badges.y_axis(labelExpr=SHORT_LABELS)),
        yOffset=alt.YOffset("release:N", sort=list(RELEASES)), color=colour,
        tooltip=tooltip).properties(width=WIDTH, height=200)
    return figure(
        alt.vconcat(level, bars),
        title=f"Business R&D in two vintages: a live pull beside the pinned snapshot, {start}\u2013{end}",
        description=(f"Line: all business R&D by year in each vintage, {start}\u2013{end}. Bars: growth from "
                     f"{start} to {end} by product group in each vintage. Live: {labels['live']}; pinned: "
                     f"{labels['pinned']}."),
        sources=[live_inputs.frame(SOURCE), pinned_inputs.frame(SOURCE), pinned_inputs.frame(GDP_SOURCE)],
        note=("Live values are GBP million as published; pinned values are approximate cash values (the share "
              "of UK GDP times UK nominal GDP), so part of the gap in levels is that approximation."))


def pinned_beside(inputs: Inputs) -> tuple[Inputs | None, str]:
    """The pinned inputs to compare a live BERD vintage with, or ``None`` and one sentence saying why not.

    ``None`` when ``inputs`` hold the pinned snapshot itself (one vintage only), or when the snapshot cannot be
    read (:class:`futurecity.errors.DataUnavailable`; the sentence says so and gives the error).
    """
    label = inputs.frame(SOURCE).attrs.get("vintage_label", "")
    if inputs.frame(SOURCE).attrs.get("vintage") == "pinned":
        return None, (f"Only one vintage of business R&D is available in this build, the pinned {label}; to see "
                      f"the revised ONS tables beside it, {HOW_TO_GET_BOTH}.")
    pinned = Inputs("pinned")
    try:
        for sid in (SOURCE, GDP_SOURCE):
            pinned.frame(sid)
        return pinned, ""
    except DataUnavailable as exc:
        return None, (f"Only one vintage of business R&D is available in this build, the {label}: the pinned "
                      f"snapshot is not available to compare it with ({exc}).")


def vintage_outputs(inputs: Inputs, pinned: Inputs | None, window: dict,
                    why_not: str = "") -> list:
    """What the chapter shows about BERD vintages: the figure and table comparing them, or ``why_not``."""
    from IPython.display import Markdown

    if pinned is None:
        return [Markdown(why_not)]
    comparison = vintage_comparison(inputs, pinned, window["start"], window["end"])
    total = vintage_summary(comparison).loc[TOTAL]
    start, end = comparison.attrs["start"], comparison.attrs["end"]
    text = (f"In {end}, all business R&D in the live pull is {total['ratio']:.3f} times its level in the pinned "
            f"snapshot; from {start} to {end} it grew by {total['growth_live']:+.1f}% in the live pull and "
            f"{total['growth_pinned']:+.1f}% in the pinned snapshot (cash terms).")
    return [Markdown(text), vintage_figure(comparison, inputs, pinned), vintage_table(comparison)]


def show_vintages(inputs: Inputs, pinned: Inputs | None, window: dict,
                  why_not: str = "") -> None:
    """Display :func:`vintage_outputs` (a notebook cell's output)."""
    from IPython.display import display

    display(*vintage_outputs(inputs, pinned, window, why_not))
