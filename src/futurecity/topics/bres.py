"""Employment in manufacturing and in the whole economy, Great Britain and its NUTS1 regions, from ONS BRES.

The source (``bres_employment``) gives employment (employees plus working owners) by SIC 2007 division for the
NUTS2 areas of Great Britain. Here:

- manufacturing is SIC 2007 divisions 10-33 (section C); "all" is every division;
- a NUTS1 region is the sum of its NUTS2 areas (the first three characters of the NUTS2 code), and Great Britain
  is the sum of all NUTS2 areas (BRES does not cover Northern Ireland);
- growth between two years is ``(end / start - 1) * 100`` on the same measure and geography at both ends.

:func:`sector_totals` is the compact table (year x geography x sector) that the chapter's chart embeds, so a
browser can recompute growth for any pair of years; :func:`growth` and :func:`ranking` compute the same in pandas.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from futurecity.claims import ledger
from futurecity.claims.measures import Inputs, measure, require_years
from futurecity.facts import Fact, constant, fact
from futurecity.topics.tables import first_last, growth_between
from futurecity.viz import badges
from futurecity.viz.controls import Control, bind
from futurecity.viz.embed import fold_years, wide_by_year
from futurecity.viz.theme import HIGHLIGHT, PALETTE, WIDTH, figure

SOURCE = "bres_employment"
FULLTIME_SOURCE = "bres_fulltime_sections"  # full-time employees by SIC section and NUTS2 area (named, not coded)
MEASURES = {"employment": SOURCE, "full-time employees": FULLTIME_SOURCE}  # a claim's measure -> its source
MANUFACTURING_SECTION = "Manufacturing"  # SIC 2007 section C, divisions 10-33, by its name in the section file
MANUFACTURING_DIVISIONS = range(10, 34)  # SIC 2007 divisions 10-33 = section C, manufacturing
SECTORS = ("manufacturing", "all")
GREAT_BRITAIN = ("K03000001", "Great Britain")  # GSS code of Great Britain

# NUTS 2016 level-1 regions covered by BRES (a code list, not data): the first three characters of a NUTS2 code.
REGIONS = {
    "UKC": "North East",
    "UKD": "North West",
    "UKE": "Yorkshire and The Humber",
    "UKF": "East Midlands",
    "UKG": "West Midlands",
    "UKH": "East of England",
    "UKI": "London",
    "UKJ": "South East",
    "UKK": "South West",
    "UKL": "Wales",
    "UKM": "Scotland",
}


def is_manufacturing(industry_code: pd.Series) -> pd.Series:
    """True for SIC 2007 divisions 10-33 (codes as strings such as ``"10"``)."""
    return pd.to_numeric(industry_code, errors="coerce").isin(MANUFACTURING_DIVISIONS)


def sector_totals(bres: pd.DataFrame) -> pd.DataFrame:
    """Employment totals by year, geography (Great Britain and each NUTS1 region) and sector.

    Columns: year, geography_code, geography_name, level ('country' or 'region'), sector ('manufacturing' or
    'all'), value. Provenance attrs of ``bres`` are kept.
    """
    region = bres["geography_code"].astype("string").str[:3]
    unknown = sorted(set(region) - set(REGIONS))
    if unknown:
        raise ValueError(f"BRES rows with NUTS2 codes outside the known NUTS1 regions: {unknown}")
    rows = pd.DataFrame({"year": bres["year"].astype("int64"), "region": region, "value": bres["value"]})
    both = pd.concat([rows[is_manufacturing(bres["industry_code"])].assign(sector="manufacturing"),
                      rows.assign(sector="all")])
    regions = both.groupby(["year", "region", "sector"], as_index=False)["value"].sum()
    regions = regions.rename(columns={"region": "geography_code"}).assign(level="region")
    regions["geography_name"] = regions["geography_code"].map(REGIONS)
    country = regions.groupby(["year", "sector"], as_index=False)["value"].sum().assign(
        geography_code=GREAT_BRITAIN[0], geography_name=GREAT_BRITAIN[1], level="country")
    out = pd.concat([country, regions], ignore_index=True)
    out = out[["year", "geography_code", "geography_name", "level", "sector", "value"]]
    out = out.sort_values(["year", "level", "geography_code", "sector"], ignore_index=True)
    out.attrs.update(bres.attrs)
    return out


def coded_sections(sections: pd.DataFrame, coded: pd.DataFrame) -> pd.DataFrame:
    """The full-time file by SIC section (``bres_fulltime_sections``, NUTS2 areas by name) in the columns
    :func:`sector_totals` reads: each area's NUTS2 code taken from ``coded`` (the employment file, which names and
    codes the same areas), manufacturing as the section of that name (``industry_code`` '10' stands for it, any
    other section ''). Raises ValueError for an area the employment file does not name."""
    codes = coded.drop_duplicates("geography_name").set_index("geography_name")["geography_code"]
    unknown = sorted(set(sections["geography_name"]) - set(codes.index))
    if unknown:
        raise ValueError(f"BRES full-time areas the employment file does not name: {unknown}")
    manufacturing = sections["industry_name"].astype("string").str.strip() == MANUFACTURING_SECTION
    out = pd.DataFrame({"year": sections["year"], "geography_code": sections["geography_name"].map(codes),
                        "industry_code": manufacturing.map({True: str(min(MANUFACTURING_DIVISIONS)), False: ""}),
                        "value": sections["value"]})
    out.attrs.update(sections.attrs)
    return out


def totals(inputs: Inputs, measure: str = "employment") -> pd.DataFrame:
    """:func:`sector_totals` of the BRES frame of ``inputs`` for ``measure`` ('employment', or 'full-time
    employees' from the file by SIC section), computed once per inputs."""
    if measure == "employment":
        return inputs.derived("bres.totals", lambda: sector_totals(inputs.frame(SOURCE)))
    if measure not in MEASURES:
        raise ValueError(f"unknown BRES measure {measure!r}; expected one of {sorted(MEASURES)}")
    return inputs.derived("bres.totals.fulltime", lambda: sector_totals(
        coded_sections(inputs.frame(FULLTIME_SOURCE), inputs.frame(SOURCE))))


years = first_last


def growth(totals: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Growth (per cent) from ``start`` to ``end`` of each geography and sector of :func:`sector_totals`.

    Columns: geography_code, geography_name, level, sector, start, end, value_start, value_end, growth.
    """
    return growth_between(totals, ["geography_code", "geography_name", "level", "sector"], start, end,
                          what="BRES")


def ranking(growth_table: pd.DataFrame, sector: str = "manufacturing") -> pd.DataFrame:
    """The NUTS1 regions ranked by growth in ``sector`` (1 = fastest), with columns of :func:`growth` and rank."""
    regions = growth_table[(growth_table["level"] == "region") & (growth_table["sector"] == sector)].copy()
    regions["rank"] = regions["growth"].rank(ascending=False, method="min").astype("int64")
    return regions.sort_values("rank", ignore_index=True)


def growth_of(growth_table: pd.DataFrame, geography_code: str, sector: str) -> float:
    """One geography's growth in one sector from a :func:`growth` table."""
    hit = growth_table[(growth_table["geography_code"] == geography_code) & (growth_table["sector"] == sector)]
    if len(hit) != 1:
        raise KeyError(f"no single BRES growth row for {geography_code} / {sector}")
    return float(hit["growth"].iloc[0])


def worst_rank(growth_table: pd.DataFrame, geography_codes: list[str], sector: str = "manufacturing") -> int:
    """The lowest (largest) rank among ``geography_codes``: they are all in the top n when it is <= n."""
    ranks = ranking(growth_table, sector).set_index("geography_code")["rank"]
    return int(ranks.loc[list(geography_codes)].max())



# --- measures for the claims ledger -------------------------------------------------------------------------

def _growth_table(inputs: Inputs, start: int, end: int, measure: str = "employment") -> pd.DataFrame:
    table = totals(inputs, measure)
    require_years(table, MEASURES[measure], start, end)
    return inputs.derived(f"bres.growth.{measure}.{start}.{end}", lambda: growth(table, start, end))


@measure("bres_growth", sources=(SOURCE,))
def measure_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of ``p['measure']`` (employment by default, or full-time employees) in ``p['sector']`` in
    ``p['geography']`` (GB or a NUTS1 code)."""
    return growth_of(_growth_table(inputs, start, end, p.get("measure", "employment")), p["geography"],
                     p["sector"])


@measure("bres_worst_rank", sources=(SOURCE,))
def measure_worst_rank(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """The worse rank of ``p['geographies']`` among regions by growth of ``p['sector']`` in ``p['measure']``
    (employment by default, or full-time employees)."""
    table = _growth_table(inputs, start, end, p.get("measure", "employment"))
    return float(worst_rank(table, p["geographies"], p["sector"]))


# --- the facts a chapter quotes ----------------------------------------------------------------------------

def facts(inputs: Inputs, window: dict) -> dict[str, Fact]:
    """The BRES numbers chapter 5 quotes beside its claims: the window, the definitions, the ranking of regions
    by manufacturing growth on the paper's ``window``, and growth over the longest window the data allow."""
    table = totals(inputs)
    start, end = window["start"], window["end"]
    ranked = ranking(_growth_table(inputs, start, end))
    first, last = years(table)
    longest = growth(table, first, last)
    out = {
        "bres_start": constant(start, "first year of the paper's employment window"),
        "bres_end": constant(end, "last year of the paper's employment window"),
        "bres_vintage": fact(table.attrs["vintage_label"], "vintage of the BRES data read", table),
        "manufacturing_first": constant(min(MANUFACTURING_DIVISIONS), "first SIC 2007 division of manufacturing"),
        "manufacturing_last": constant(max(MANUFACTURING_DIVISIONS), "last SIC 2007 division of manufacturing"),
        "bres_first": fact(first, "first year of the BRES data read", table),
        "bres_last": fact(last, "last year of the BRES data read", table),
        "n_regions": fact(len(ranked), "number of NUTS1 regions of Great Britain in BRES", table),
        "london_rank": fact(int(ranked.set_index("geography_code").loc["UKI", "rank"]),
                            f"London's rank among regions by growth of SIC 10-33 employment, {start} to {end}",
                            table),
    }
    for i in (1, 2):
        row = ranked.iloc[i - 1]
        out[f"rank{i}_name"] = fact(str(row["geography_name"]), f"region ranked {i} by growth of SIC 10-33 "
                                    f"employment, {start} to {end}", table)
        out[f"rank{i}_growth"] = fact(float(row["growth"]), f"growth of SIC 10-33 employment in the region "
                                      f"ranked {i}, {start} to {end}, %", table)
    for sector, what in (("manufacturing", "SIC 10-33 employment"), ("all", "employment in all industries")):
        out[f"gb_{sector}_long"] = fact(growth_of(longest, GREAT_BRITAIN[0], sector),
                                        f"growth of {what}, GB, {first} to {last}, %", table)
    return out


# --- the chapter's chart: growth between two years the reader chooses ------------------------------------------

def _names() -> dict[str, str]:
    return {GREAT_BRITAIN[0]: GREAT_BRITAIN[1], **REGIONS}


def controls(totals: pd.DataFrame, window: dict, highlight: str = "London") -> tuple:
    """Start-year and end-year sliders (defaults: the paper's ``window``) and a region to highlight."""
    first, last = years(totals)
    start = Control.range("bres_start", first, last, 1, window["start"], "Start year")
    end = Control.range("bres_end", first, last, 1, window["end"], "End year")
    region = Control.select("bres_region", list(_names().values()), highlight, "Highlight")
    return start, end, region


def _with_growth(chart, start: str, end: str):
    """Growth between the years held by the parameters ``start`` and ``end``, recomputed in the browser from the
    embedded totals, with each geography's rank within its level and sector (1 = fastest)."""
    return (chart
            .transform_calculate(v_start=f"datum.year == {start} ? datum.value : 0",
                                 v_end=f"datum.year == {end} ? datum.value : 0")
            .transform_aggregate(v_start="sum(v_start)", v_end="sum(v_end)",
                                 groupby=["geography_code", "geography_name", "level", "sector"])
            .transform_calculate(growth="(datum.v_end / datum.v_start - 1) * 100")
            .transform_window(rank="rank()", groupby=["level", "sector"],
                              sort=[alt.SortField("growth", order="descending")]))


def _badges(claim_defs: list[dict], start: str, end: str, region: str, chosen: tuple[str, str]):
    """One badge per BRES claim of the ledger (paper's value, the value for the chosen years, the verdict),
    three lines with the growth rates of the highlighted area, and room for a message about the years chosen."""
    layers = []
    for row, claim in enumerate(c for c in claim_defs if c.get("measure", {}).get("kind", "").startswith("bres_")):
        m = claim["measure"]
        if m["kind"] == "bres_growth":
            rows = alt.Chart().transform_filter(
                f"datum.geography_code == '{m['geography']}' && datum.sector == '{m['sector']}'")
            layers.append(badges.badge_layer(rows, claim, "datum.growth", start, end, row, suffix="%"))
        else:
            rows = (alt.Chart().transform_filter(alt.FieldOneOfPredicate("geography_code", m["geographies"]))
                    .transform_filter(f"datum.level == 'region' && datum.sector == '{m['sector']}'")
                    .transform_aggregate(rank="max(rank)"))
            layers.append(badges.badge_layer(rows, claim, "datum.rank", start, end, row, fmt="d"))
    highlighted = (alt.Chart()
                   .transform_filter(f"datum.geography_name == {region}")
                   .transform_pivot("sector", value="growth", groupby=["geography_name"])
                   .transform_calculate(text=("'Highlighted: ' + datum.geography_name + "
                                              "'\\nmanufacturing ' + format(datum.manufacturing, '+.1f') + "
                                              f"'% (' + {start} + '\u2013' + {end} + ')' + "
                                              "'\\nall industries ' + format(datum.all, '+.1f') + '%'"))
                   .mark_text(**badges.COLUMN.at_edge, fontSize=badges.BADGE_FONT,
                              y=badges.top(len(layers), lines=0.5), fontWeight="bold", color="#1A1A1A",
                              lineBreak="\n", lineHeight=badges.LINE)
                   .encode(text="text:N").properties(name="bres_highlight"))
    shown = alt.layer(*layers, highlighted).transform_filter(f"{start} < {end}")
    # the message shows only when the badges do not (the same year twice, or the start after the end), in their
    # place; the view is 1 pixel high and its marks take the room they need
    return alt.layer(_with_growth(shown, start, end), _message(*chosen, y=0)).properties(height=1, width=WIDTH)


def _bars(start: str, end: str, region: str):
    """Manufacturing growth as bars, all-industry growth as ticks, the highlighted area in its own colour; when
    the two years are the same, a message instead."""
    roles = {"highlighted": HIGHLIGHT, GREAT_BRITAIN[1]: PALETTE[0], "region": PALETTE[4]}
    base = (alt.Chart()
            .transform_pivot("sector", value="growth", groupby=["geography_code", "geography_name", "level"])
            .transform_calculate(role=(f"datum.geography_name == {region} ? 'highlighted' : "
                                       f"datum.level == 'country' ? '{GREAT_BRITAIN[1]}' : 'region'")))
    y = alt.Y("geography_name:N", title=None, axis=badges.y_axis(),
              sort=alt.EncodingSortField("manufacturing", op="max", order="descending"))
    tooltip = [alt.Tooltip("geography_name:N", title="Area"),
               alt.Tooltip("manufacturing:Q", title="Manufacturing employment, % growth", format="+.1f"),
               alt.Tooltip("all:Q", title="All employment, % growth", format="+.1f")]
    bars = base.mark_bar().encode(
        x=alt.X("manufacturing:Q", title=["Growth, %", "bars: manufacturing; ticks: all industries"],
                axis=alt.Axis(titleAnchor="end", format="~f")),  # "10", not "1e+1"; never "0.000000"
        y=y, tooltip=tooltip,
        color=alt.Color("role:N", scale=alt.Scale(domain=list(roles), range=list(roles.values())),
                        legend=alt.Legend(title=None, direction="vertical"))).properties(name="bres_bars")
    ticks = base.mark_tick(color="black", thickness=2, size=16).encode(x="all:Q", y=y, tooltip=tooltip).properties(
        name="bres_ticks")
    shown = alt.layer(bars, ticks).transform_filter(f"{start} < {end}")
    return _with_growth(shown, start, end).properties(width=WIDTH, height=340)


def _message(start: str, end: str, y: int):
    """One line about the years as chosen (the parameters ``start`` and ``end``): both the same year (growth
    needs two), or the start after the end (the chart shows the window between them)."""
    text = (f"{start} == {end} ? 'Start and end are both ' + {start} + ':\\nchoose two different years.' : "
            f"'The start year is after the end year:\\ngrowth is shown from ' + {end} + ' to ' + {start} + '.'")
    return (alt.Chart().transform_aggregate(rows="count()").transform_filter(f"{start} >= {end}")
            .transform_calculate(text=text)
            .mark_text(**badges.COLUMN.at_edge, y=y, fontSize=12, lineBreak="\n",
                       lineHeight=badges.LINE)
            .encode(text="text:N")
            .properties(name="bres_message"))


def growth_chart(totals: pd.DataFrame, claim_defs: list[dict], start, end, region):
    """The chapter's BRES chart: claim badges above bars of growth by area, for the years the controls choose.

    ``start``, ``end`` and ``region`` are :class:`futurecity.viz.controls.Control` objects (their parameters are
    attached here). Only the compact table of :func:`sector_totals` is embedded, one row per area and sector.
    """

    # the earlier of the two years chosen is the start: a reader can never ask for growth backwards in time
    names = (f"min({start.name}, {end.name})", f"max({start.name}, {end.name})")
    wide = wide_by_year(totals, ["geography_code", "geography_name", "level", "sector"])
    chart = alt.vconcat(_badges(claim_defs, *names, region.name, (start.name, end.name)),
                        _bars(*names, region.name), data=wide)
    return bind(fold_years(chart, wide).resolve_scale(color="independent"), start, end, region)


def growth_title(totals: pd.DataFrame) -> str:
    """The chart's message at its default years (the paper's), from the data: manufacturing jobs in Great Britain
    against all jobs, and the region where they grew fastest."""
    window = ledger.definition("C5-8a", ledger.chapter_claims(5))["window"]
    table = growth(totals, window["start"], window["end"])
    gb = table[table["geography_code"] == GREAT_BRITAIN[0]].set_index("sector")["growth"]
    fastest = ranking(table).sort_values("rank").iloc[0]["geography_name"]
    verb = "grew" if gb["manufacturing"] >= 0 else "fell"
    return (f"Manufacturing jobs in Great Britain {verb} {abs(gb['manufacturing']):.1f}% from {window['start']} to "
            f"{window['end']}, all jobs {gb['all']:+.1f}%; fastest manufacturing growth: {fastest}")


def growth_figure(chart, bres_frame: pd.DataFrame, claims: bool = True):
    """The BRES chart with its title, description and caption; ``claims=False`` for the pandas view
    (:func:`growth_view`), which has no claim badges and no ticks."""
    bars = ("Bars: growth of manufacturing employment (SIC 2007 divisions 10-33) between the chosen years, the "
            "highlighted area in orange")
    if claims:
        bars = ("Top: the paper's employment claims, with the value recomputed for the chosen years and, on the "
                f"paper's own years, whether it is reproduced. {bars}; black ticks: growth of employment in all "
                "industries")
    return figure(
        chart,
        title=growth_title(bres_frame),
        csv=[("bres_bars_1_marks", {"geography_name": "region", "geography_code": "region_code",
                                    "manufacturing": "manufacturing_growth_percent",
                                    "all": "all_industries_growth_percent"})],
        description=(f"{bars}. Employment is employees plus working owners; a region is the sum of its NUTS2 "
                     "areas."),
        sources=[bres_frame],
        note="Counts are rounded by ONS in the open-access release, so sums of divisions differ slightly from "
             "published totals.")


def growth_view(totals: pd.DataFrame, bres_start: int, bres_end: int, bres_region: str):
    """The same model as :func:`growth_chart`, computed in pandas for readers running Jupyter
    (``interact(lambda **v: growth_view(totals, **v), *controls(...))``): manufacturing growth by area
    between the chosen years, the chosen region highlighted."""
    bres_start, bres_end = sorted((bres_start, bres_end))  # as the browser: the earlier year is the start
    if bres_start == bres_end:
        return alt.Chart(pd.DataFrame({"text": [f"Start and end are both {bres_start}: choose two different "
                                                "years."]})).mark_text().encode(text="text:N")
    table = growth(totals, bres_start, bres_end)
    bars = table[table["sector"] == "manufacturing"].assign(
        highlighted=lambda t: t["geography_name"] == bres_region)
    return alt.Chart(bars).mark_bar().encode(
        x=alt.X("growth:Q", title=f"Manufacturing employment growth {bres_start}-{bres_end}, %"),
        y=alt.Y("geography_name:N", sort="-x", title=None),
        color=alt.condition(alt.datum.highlighted, alt.value(HIGHLIGHT), alt.value(PALETTE[4])),
        tooltip=["geography_name:N", alt.Tooltip("growth:Q", format="+.1f")],
    )
