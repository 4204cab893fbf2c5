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

from futurecity import charts, claims, store

SOURCE = "bres_employment"
MANUFACTURING_DIVISIONS = range(10, 34)  # SIC 2007 divisions 10-33 = section C, manufacturing
SECTORS = ("manufacturing", "all")
GREAT_BRITAIN = ("K03000001", "Great Britain")  # GSS code of Great Britain
WIDTH = 460  # plot width of the chapter's chart, in pixels (the y-axis labels take claims.AXIS_EXTENT more)

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


def load(vintage: str = "pinned", live: bool = False) -> pd.DataFrame:
    """The BRES frame (NUTS2 x SIC division x year) with its provenance attrs."""
    return store.load(SOURCE, vintage=vintage, live=live)


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


def years(totals: pd.DataFrame) -> tuple[int, int]:
    """The first and last year in a table."""
    return int(totals["year"].min()), int(totals["year"].max())


def growth_between(frame: pd.DataFrame, by: list[str], start: int, end: int, column: str = "value",
                   what: str = "the table") -> pd.DataFrame:
    """Growth (per cent) of ``column`` from ``start`` to ``end`` for each combination of the ``by`` columns.

    Works on any tidy table with a ``year`` column (BERD uses it too). Columns: ``by``, start, end,
    value_start, value_end, growth. Raises ``ValueError`` naming the years present when either year is missing.
    """
    present = set(frame["year"])
    missing = [y for y in (start, end) if y not in present]
    if missing:
        raise ValueError(f"{what} has no year {missing}; years present: {min(present)}-{max(present)}")
    wide = frame.pivot_table(index=by, columns="year", values=column, aggfunc="sum")
    out = pd.DataFrame({"value_start": wide[start], "value_end": wide[end]}).reset_index()
    out.insert(len(by), "start", start)
    out.insert(len(by) + 1, "end", end)
    out["growth"] = (out["value_end"] / out["value_start"] - 1) * 100
    out.attrs.update(frame.attrs)
    return out


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



def wide_by_year(frame: pd.DataFrame, keys: list[str], value: str = "value") -> pd.DataFrame:
    """One row per combination of ``keys``, one column per year (named by the year): the compact form in which
    a chart embeds a tidy table. :func:`fold_years` turns it back into one row per year in the browser."""
    wide = frame.pivot_table(index=keys, columns="year", values=value, aggfunc="sum")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def fold_years(chart, wide: pd.DataFrame, value: str = "value"):
    """``chart`` (whose data are ``wide``) with one row per key and year again: columns ``year`` and ``value``."""
    columns = [c for c in wide.columns if c.isdigit()]
    return chart.transform_fold(columns, as_=["year", value]).transform_calculate(year="toNumber(datum.year)")

# --- the chapter's chart: growth between two years the reader chooses ------------------------------------------

def _names() -> dict[str, str]:
    return {GREAT_BRITAIN[0]: GREAT_BRITAIN[1], **REGIONS}


def controls(totals: pd.DataFrame, window: dict, highlight: str = "London") -> tuple:
    """Start-year and end-year sliders (defaults: the paper's ``window``) and a region to highlight."""
    first, last = years(totals)
    start = charts.Control.range("bres_start", first, last, 1, window["start"], "Start year")
    end = charts.Control.range("bres_end", first, last, 1, window["end"], "End year")
    region = charts.Control.select("bres_region", list(_names().values()), highlight, "Highlight")
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


def _badges(claim_defs: list[dict], start: str, end: str, region: str):
    """One badge per BRES claim of the ledger (paper's value, the value for the chosen years, the verdict), and
    a last line with the growth rates of the highlighted area."""
    layers = []
    for row, claim in enumerate(c for c in claim_defs if c.get("measure", {}).get("kind", "").startswith("bres_")):
        m = claim["measure"]
        if m["kind"] == "bres_growth":
            rows = alt.Chart().transform_filter(
                f"datum.geography_code == '{m['geography']}' && datum.sector == '{m['sector']}'")
            layers.append(claims.badge_layer(rows, claim, "datum.growth", start, end, row, suffix="%"))
        else:
            rows = (alt.Chart().transform_filter(alt.FieldOneOfPredicate("geography_code", m["geographies"]))
                    .transform_filter(f"datum.level == 'region' && datum.sector == '{m['sector']}'")
                    .transform_aggregate(rank="max(rank)"))
            layers.append(claims.badge_layer(rows, claim, "datum.rank", start, end, row, fmt="d"))
    highlighted = (alt.Chart()
                   .transform_filter(f"datum.geography_name == {region}")
                   .transform_pivot("sector", value="growth", groupby=["geography_name"])
                   .transform_calculate(text=(f"'Highlighted, ' + datum.geography_name + ' (' + {start} + "
                                              f"'\u2013' + {end} + '): manufacturing ' + "
                                              "format(datum.manufacturing, '+.1f') + '%, all industries ' + "
                                              "format(datum.all, '+.1f') + '%'"))
                   .mark_text(align="left", baseline="top", x=-claims.AXIS_EXTENT, fontSize=claims.BADGE_FONT,
                              y=len(layers) * claims.BADGE_LINE + 4, fontWeight="bold", color=charts.HIGHLIGHT)
                   .encode(text="text:N"))
    height = (len(layers) + 1) * claims.BADGE_LINE
    return _with_growth(alt.layer(*layers, highlighted), start, end).properties(height=height, width=WIDTH)


def _bars(start: str, end: str, region: str):
    """Manufacturing growth as bars, all-industry growth as ticks, the highlighted area in its own colour."""
    roles = {"highlighted": charts.HIGHLIGHT, GREAT_BRITAIN[1]: charts.PALETTE[0], "region": charts.PALETTE[4]}
    base = (alt.Chart()
            .transform_pivot("sector", value="growth", groupby=["geography_code", "geography_name", "level"])
            .transform_calculate(role=(f"datum.geography_name == {region} ? 'highlighted' : "
                                       f"datum.level == 'country' ? '{GREAT_BRITAIN[1]}' : 'region'")))
    y = alt.Y("geography_name:N", title=None, axis=claims.y_axis(),
              sort=alt.EncodingSortField("manufacturing", op="max", order="descending"))
    tooltip = [alt.Tooltip("geography_name:N", title="Area"),
               alt.Tooltip("manufacturing:Q", title="Manufacturing employment, % growth", format="+.1f"),
               alt.Tooltip("all:Q", title="All employment, % growth", format="+.1f")]
    bars = base.mark_bar().encode(
        x=alt.X("manufacturing:Q", title="Growth, % (bars: manufacturing; ticks: all industries)"),
        y=y, tooltip=tooltip,
        color=alt.Color("role:N", scale=alt.Scale(domain=list(roles), range=list(roles.values())),
                        legend=alt.Legend(title=None)))
    ticks = base.mark_tick(color="black", thickness=2, size=16).encode(x="all:Q", y=y, tooltip=tooltip)
    return _with_growth(alt.layer(bars, ticks), start, end).properties(width=WIDTH, height=340)


def growth_chart(totals: pd.DataFrame, claim_defs: list[dict], start, end, region):
    """The chapter's BRES chart: claim badges above bars of growth by area, for the years the controls choose.

    ``start``, ``end`` and ``region`` are :class:`futurecity.charts.Control` objects (their parameters are
    attached here). Only the compact table of :func:`sector_totals` is embedded, one row per area and sector.
    """

    names = (start.name, end.name)
    wide = wide_by_year(totals, ["geography_code", "geography_name", "level", "sector"])
    chart = alt.vconcat(_badges(claim_defs, *names, region.name), _bars(*names, region.name), data=wide)
    return charts.bind(fold_years(chart, wide).resolve_scale(color="independent"), start, end, region)


def growth_figure(chart, bres_frame: pd.DataFrame):
    """The BRES chart with its title, description and caption."""
    return charts.figure(
        chart,
        title="Employment growth, manufacturing and all industries, by region",
        description=("Top: the paper's employment claims, with the value recomputed for the chosen years and, "
                     "on the paper's own years, whether it is reproduced. Bars: growth of manufacturing "
                     "employment (SIC 2007 divisions 10-33) between the chosen years; black ticks: growth of "
                     "employment in all industries. Employment is employees plus working owners; a region is the "
                     "sum of its NUTS2 areas."),
        sources=[bres_frame],
        note="Counts are rounded by ONS in the open-access release, so sums of divisions differ slightly from "
             "published totals.")


def growth_view(totals: pd.DataFrame, bres_start: int, bres_end: int, bres_region: str):
    """The same model as :func:`growth_chart`, computed in pandas for readers running Jupyter
    (``charts.interact(lambda **v: growth_view(totals, **v), *controls(...))``): manufacturing growth by area
    between the chosen years, the chosen region highlighted."""
    if bres_start >= bres_end:
        return alt.Chart(pd.DataFrame({"text": ["Choose an end year after the start year."]})).mark_text().encode(
            text="text:N")
    table = growth(totals, bres_start, bres_end)
    bars = table[table["sector"] == "manufacturing"].assign(
        highlighted=lambda t: t["geography_name"] == bres_region)
    return alt.Chart(bars).mark_bar().encode(
        x=alt.X("growth:Q", title=f"Manufacturing employment growth {bres_start}-{bres_end}, %"),
        y=alt.Y("geography_name:N", sort="-x", title=None),
        color=alt.condition(alt.datum.highlighted, alt.value(charts.HIGHLIGHT), alt.value(charts.PALETTE[4])),
        tooltip=["geography_name:N", alt.Tooltip("growth:Q", format="+.1f")],
    )
