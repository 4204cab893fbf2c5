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

import pandas as pd

from futurecity import store

SOURCE = "bres_employment"
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
