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

from pathlib import Path

import pandas as pd

from futurecity import config, store
from futurecity.bres import growth_between

SOURCE = "berd"
GDP_SOURCE = "gdp_nominal"
DEFLATOR_SOURCE = "gdp_deflator"
UK_CODE = "K02000001"
UK_GDP_CODE = "UK"
GROUPS = ("manufacturing", "services", "miscellaneous business services", "other")
ALL_SERVICES = ("services", "miscellaneous business services")
TOTAL = "all BERD"
APPROXIMATION = "approximate cash value: BERD share of UK GDP x UK nominal GDP / 100"
PUBLISHED = "GBP million as published"
# Countries and regions with a BERD row; England is the sum of the English regions, so it is kept apart.
COUNTRIES = ("England", "Wales", "Scotland", "Northern Ireland")


def groups_path() -> Path:
    return config.root() / "data" / "berd_product_groups.csv"


def product_groups(path: Path | None = None) -> pd.DataFrame:
    """The grouping table: product_group, group, line (the comparable line it is summed into), note."""
    table = pd.read_csv(path or groups_path(), dtype="string", keep_default_na=False)
    bad = sorted(set(table["group"]) - set(GROUPS))
    if bad:
        raise ValueError(f"berd_product_groups.csv: unknown groups {bad}; expected {list(GROUPS)}")
    return table


def load_inputs(vintage: str = "pinned", live: bool = False) -> dict[str, pd.DataFrame]:
    """The frames this module needs, by source id: ``berd``, ``gdp_nominal`` and ``gdp_deflator``."""
    return {sid: store.load(sid, vintage=vintage, live=live) for sid in (SOURCE, GDP_SOURCE, DEFLATOR_SOURCE)}


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
    uk = gdp[gdp["geography_code"] == UK_GDP_CODE]
    if uk.empty:
        raise ValueError(f"gdp_nominal has no UK row (geography_code {UK_GDP_CODE!r})")
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


def classify(rows: pd.DataFrame, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """UK product-group rows with their ``group`` and comparable ``line``; unknown groups are 'unclassified'."""
    groups = product_groups() if groups is None else groups
    uk = rows[(rows["geography_code"] == UK_CODE) & (rows["product_group"] != "")]
    out = uk.merge(groups[["product_group", "group", "line"]], on="product_group", how="left")
    out["group"] = out["group"].fillna("unclassified")
    out["line"] = out["line"].fillna(out["product_group"])
    out.attrs.update(rows.attrs)
    out.attrs["unclassified"] = sorted(set(out.loc[out["group"] == "unclassified", "product_group"]))
    return out


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

    Columns: ``by``, start, end, value_start, value_end, growth (see :func:`futurecity.bres.growth_between`).
    """
    return growth_between(frame, [by], start, end, column, what="BERD")


def years(frame: pd.DataFrame) -> tuple[int, int]:
    """The first and last year with BERD data."""
    return int(frame["year"].min()), int(frame["year"].max())


def chart_table(series: pd.DataFrame, regions: pd.DataFrame, deflator: pd.DataFrame) -> pd.DataFrame:
    """The compact table a chart embeds: year, panel ('product group' / 'region'), series, gbp_m, deflator.

    A browser can deflate to any base year (``gbp_m x deflator[base] / deflator``) and compute growth between
    any two years from it.
    """
    product = series[["year", "series", "gbp_m"]].assign(panel="product group")
    region = regions[regions["kind"] == "region"][["year", "geography_name", "gbp_m"]]
    region = region.rename(columns={"geography_name": "series"}).assign(panel="region")
    out = pd.concat([product, region], ignore_index=True)
    out["deflator"] = out["year"].map(annual_deflator(deflator))
    out["gbp_m"] = out["gbp_m"].round(3)
    return out[["year", "panel", "series", "gbp_m", "deflator"]]
