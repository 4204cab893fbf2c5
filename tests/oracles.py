"""Independent reference computations ("oracles") straight from the pinned snapshot files.

Tests hold the book's numbers against these. They are written with plain pandas (and the csv module) only and
must NOT import futurecity: they are the independent check, so they share no code with the package.

The snapshot folder is FUTURECITY_SNAPSHOTS, else ``shared/data`` beside the checkout. One section per file.
"""

from __future__ import annotations

import csv
import math
import os
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]


def snapshots() -> Path:
    """The pinned snapshot folder (FUTURECITY_SNAPSHOTS, else ../shared/data beside the checkout)."""
    env = os.environ.get("FUTURECITY_SNAPSHOTS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def growth(start_value: float, end_value: float) -> float:
    """Growth in per cent from start_value to end_value: (end / start - 1) x 100."""
    return (end_value / start_value - 1) * 100


# --- generic series helpers -----------------------------------------------------------------------------------

def trailing_mean(series: pd.Series, years: int) -> pd.Series:
    """Mean of the observations in [y - years + 1, y] for each observed year y (missing years are gaps)."""
    points = [(int(y), float(v)) for y, v in series.dropna().items()]
    out = {}
    for year, _ in points:
        inside = [v for y, v in points if year - years + 1 <= y <= year]
        out[year] = sum(inside) / len(inside)
    return pd.Series(out, dtype=float).sort_index()


def landmarks(series: pd.Series) -> dict:
    """First, peak and last (year, value) of a series indexed by year, ignoring missing values."""
    s = series.dropna().sort_index()
    peak = s.idxmax()
    return {"first": (int(s.index[0]), float(s.iloc[0])), "peak": (int(peak), float(s[peak])),
            "last": (int(s.index[-1]), float(s.iloc[-1]))}


# --- world/owid_herrendorf_employment_output_by_sector.csv ------------------------------------------------------

OWID_FILE = "world/owid_herrendorf_employment_output_by_sector.csv"


@cache
def owid_sectors() -> pd.DataFrame:
    """The OWID/Herrendorf file as read by pandas (one row per entity and year)."""
    return pd.read_csv(snapshots() / OWID_FILE)


def _owid_employed_column(sector: str) -> str:
    """The 'Number of people employed in <sector>' column (the file's names carry irregular spaces)."""
    found = [c for c in owid_sectors().columns if re.fullmatch(rf"Number of people employed in {sector}\s+\(.*", c)]
    if len(found) != 1:
        raise KeyError(f"no single employment column for {sector!r}: {found}")
    return found[0]


def owid_industry_share(entity: str = "United Kingdom") -> pd.Series:
    """Industry's share (%) of persons employed in agriculture + industry + services, by year, where all three exist."""
    df = owid_sectors()
    rows = df[df["Entity"] == entity].set_index("Year")
    parts = rows[[_owid_employed_column(s) for s in ("agriculture", "industry", "services")]].dropna()
    share = parts.iloc[:, 1] / parts.sum(axis=1) * 100
    share.index = share.index.astype(int)
    return share.rename("industry_share").sort_index()


def owid_industry_jobs(entity: str = "United Kingdom") -> pd.Series:
    """Persons employed in industry, millions, by year, in the years where all three sectors are reported."""
    rows = owid_sectors()[owid_sectors()["Entity"] == entity].set_index("Year")
    parts = rows[[_owid_employed_column(s) for s in ("agriculture", "industry", "services")]].dropna()
    jobs = parts.iloc[:, 1] / 1e6
    jobs.index = jobs.index.astype(int)
    return jobs.sort_index()


# --- world/fred_MANEMP_PAYEMS_monthly.csv -----------------------------------------------------------------------

FRED_FILE = "world/fred_MANEMP_PAYEMS_monthly.csv"


@cache
def fred_monthly() -> pd.DataFrame:
    """FRED MANEMP and PAYEMS by month (thousands), with year and month parsed from the M/D/YYYY dates."""
    df = pd.read_csv(snapshots() / FRED_FILE, dtype={"observation_date": str})
    dates = pd.to_datetime(df["observation_date"], format="%m/%d/%Y")
    return df.assign(year=dates.dt.year, month=dates.dt.month)


def us_manufacturing_jobs() -> pd.Series:
    """Annual mean MANEMP (thousands) / 1000: millions of manufacturing payroll jobs, complete years only."""
    df = fred_monthly().dropna(subset=["MANEMP", "PAYEMS"])
    full = df.groupby("year")["month"].nunique()
    df = df[df["year"].isin(full[full == 12].index)]
    return df.groupby("year")["MANEMP"].mean() / 1000


def us_manufacturing_share() -> pd.Series:
    """Annual mean MANEMP / annual mean PAYEMS x 100, for calendar years with all 12 months of both."""
    df = fred_monthly().dropna(subset=["MANEMP", "PAYEMS"])
    full = df.groupby("year")["month"].nunique()
    df = df[df["year"].isin(full[full == 12].index)]
    means = df.groupby("year")[["MANEMP", "PAYEMS"]].mean()
    return (means["MANEMP"] / means["PAYEMS"] * 100).rename("manufacturing_share")


# --- world/us_ces_manufacturing_nonfarm_nsa_monthly_1939_2019.csv: the same shares not seasonally adjusted ------

CES_NSA_FILE = "world/us_ces_manufacturing_nonfarm_nsa_monthly_1939_2019.csv"


def us_manufacturing_share_nsa() -> pd.Series:
    """Annual mean of the unadjusted manufacturing count (CEU3000000001) over that of all nonfarm (PAYNSA) x 100,
    complete calendar years only (the file's columns carry the vintage after an underscore)."""
    df = pd.read_csv(snapshots() / CES_NSA_FILE)
    df.columns = [c.split("_")[0] if c != "observation_date" else c for c in df.columns]
    dates = pd.to_datetime(df["observation_date"])
    df = df.assign(year=dates.dt.year).dropna(subset=["CEU3000000001", "PAYNSA"])
    full = df.groupby("year")["CEU3000000001"].count()
    means = df[df["year"].isin(full[full == 12].index)].groupby("year")[["CEU3000000001", "PAYNSA"]].mean()
    return means["CEU3000000001"] / means["PAYNSA"] * 100


def us_share_change(start: int, end, seasonally_adjusted: bool = True) -> float | None:
    """Change (points) of the US manufacturing share from start to end ('latest': the last complete year); None
    when the series lacks either year."""
    share = us_manufacturing_share() if seasonally_adjusted else us_manufacturing_share_nsa()
    end = int(share.index.max()) if end == "latest" else end
    if start not in share.index or end not in share.index:
        return None
    return float(share[end] - share[start])


# --- uk/bres_employment_nuts2_sic2digit_2015_2021.csv -----------------------------------------------------------

BRES_FILE = "uk/bres_employment_nuts2_sic2digit_2015_2021.csv"
MANUFACTURING_DIVISIONS = {f"{d:02d}" for d in range(10, 34)}


@cache
def bres() -> pd.DataFrame:
    """BRES employment by NUTS2 area, SIC division and year; codes kept as text, region = first 3 code chars."""
    df = pd.read_csv(snapshots() / BRES_FILE, dtype={"GEOGRAPHY_CODE": str, "INDUSTRY_CODE": str})
    return df.assign(REGION=df["GEOGRAPHY_CODE"].str[:3])


def _bres_rows(sector: str) -> pd.DataFrame:
    """BRES rows of a sector: 'manufacturing' (SIC 10-33) or 'all'."""
    df = bres()
    if sector == "manufacturing":
        return df[df["INDUSTRY_CODE"].isin(MANUFACTURING_DIVISIONS)]
    if sector == "all":
        return df
    raise ValueError(f"unknown sector {sector!r}")


def bres_gb_totals(sector: str) -> pd.Series:
    """Great Britain's employment by year (sum of all NUTS2 areas) for 'manufacturing' or 'all'."""
    return _bres_rows(sector).groupby("DATE")["COUNT"].sum()


def bres_region_totals(sector: str) -> pd.DataFrame:
    """Employment by year (rows) and NUTS1 region code (columns) for 'manufacturing' or 'all'."""
    return _bres_rows(sector).groupby(["DATE", "REGION"])["COUNT"].sum().unstack("REGION")


def bres_gb_growth(sector: str, start: int, end: int) -> float:
    """Great Britain's employment growth (%) from start to end for 'manufacturing' or 'all'."""
    totals = bres_gb_totals(sector)
    return growth(totals[start], totals[end])


def bres_region_growth(sector: str, start: int, end: int) -> pd.Series:
    """Each NUTS1 region's employment growth (%) from start to end."""
    totals = bres_region_totals(sector)
    return ((totals.loc[end] / totals.loc[start] - 1) * 100).rename("growth")


def bres_region_ranks(start: int, end: int, sector: str = "manufacturing") -> pd.Series:
    """Rank of each region by employment growth, 1 = fastest (ties share the best rank)."""
    return bres_region_growth(sector, start, end).rank(ascending=False, method="min").astype(int)


def bres_worst_rank(codes, start: int, end: int, sector: str = "manufacturing") -> int:
    """The worst (largest) growth rank among the given NUTS1 region codes."""
    ranks = bres_region_ranks(start, end, sector)
    return int(max(ranks[c] for c in codes))



# --- uk/bres_fulltime_employees_nuts2_sicsection_2015_2022.csv (the employment file names the same areas' codes) --

BRES_SECTIONS_FILE = "uk/bres_fulltime_employees_nuts2_sicsection_2015_2022.csv"


@cache
def bres_sections() -> pd.DataFrame:
    """Full-time employees by NUTS2 area name, SIC section and year, each area's NUTS1 region (the first three
    characters of the NUTS2 code the employment file gives the same name)."""
    df = pd.read_csv(snapshots() / BRES_SECTIONS_FILE)
    names = bres()[["GEOGRAPHY_NAME", "GEOGRAPHY_CODE"]].drop_duplicates().set_index("GEOGRAPHY_NAME")
    code = df["GEOGRAPHY_NAME"].map(names["GEOGRAPHY_CODE"])
    if code.isna().any():
        raise KeyError(f"areas without a code: {sorted(set(df.loc[code.isna(), 'GEOGRAPHY_NAME']))}")
    return df.assign(REGION=code.str[:3])


def bres_measure_totals(measure: str, sector: str) -> pd.DataFrame:
    """Counts by year (rows) and geography (columns: NUTS1 codes and 'K03000001', Great Britain) of 'employment'
    (the division file) or 'full-time employees' (the section file), for 'manufacturing' or 'all'."""
    if measure == "employment":
        rows, year, count = _bres_rows(sector), "DATE", "COUNT"
    elif measure == "full-time employees":
        rows, year, count = bres_sections(), "DATE", "COUNT"
        if sector == "manufacturing":
            rows = rows[rows["SIC_SECTION_NAME"] == "Manufacturing"]
        elif sector != "all":
            raise ValueError(f"unknown sector {sector!r}")
    else:
        raise ValueError(f"unknown measure {measure!r}")
    regions = rows.groupby([year, "REGION"])[count].sum().unstack("REGION")
    return regions.assign(K03000001=regions.sum(axis=1))


def bres_measure_growth(measure: str, sector: str, geography: str, start: int, end: int) -> float | None:
    """Growth (%) of a geography's count from start to end; None when the file lacks either year."""
    totals = bres_measure_totals(measure, sector)
    if start not in totals.index or end not in totals.index:
        return None
    return growth(totals.loc[start, geography], totals.loc[end, geography])


def bres_measure_worst_rank(measure: str, sector: str, codes, start: int, end: int) -> int | None:
    """The worst growth rank (1 = fastest, ties sharing the best) of the given regions among the NUTS1 regions."""
    totals = bres_measure_totals(measure, sector).drop(columns="K03000001")
    if start not in totals.index or end not in totals.index:
        return None
    ranks = ((totals.loc[end] / totals.loc[start] - 1) * 100).rank(ascending=False, method="min")
    return int(max(ranks[c] for c in codes))


# --- uk/bres_gb_fulltime_employees_sic5digit_2009_2021.csv ----------------------------------------------------

BRES_FULLTIME_FILE = "uk/bres_gb_fulltime_employees_sic5digit_2009_2021.csv"


@cache
def bres_fulltime() -> pd.DataFrame:
    """Great Britain's full-time employees by 5-digit SIC subclass and year, the code kept as text."""
    return pd.read_csv(snapshots() / BRES_FULLTIME_FILE, dtype={"INDUSTRY_CODE": str})


def bres_fulltime_totals(sector: str = "manufacturing") -> pd.Series:
    """Full-time employees by year: 'manufacturing' (subclasses whose first two digits are 10-33) or 'all'."""
    df = bres_fulltime()
    if sector == "manufacturing":
        df = df[df["INDUSTRY_CODE"].str[:2].isin(MANUFACTURING_DIVISIONS)]
    elif sector != "all":
        raise ValueError(f"unknown sector {sector!r}")
    return df.groupby("DATE")["COUNT"].sum()


def bres_fulltime_growth(start: int, end: int, sector: str = "manufacturing") -> float:
    """Growth (%) of GB full-time employees in ``sector`` from start to end."""
    totals = bres_fulltime_totals(sector)
    return growth(totals[start], totals[end])


# --- uk/bres_fulltime_employees_nuts2_sicsection_2015_2022.csv: Great Britain (read by bres_sections above) -----


def bres_sections_gb(sector: str = "manufacturing") -> pd.Series:
    """Great Britain's full-time employees by year, summed over the file's areas: 'manufacturing' (the section
    named Manufacturing, SIC 10-33) or 'all' (every section the file holds)."""
    df = bres_sections()
    if sector == "manufacturing":
        df = df[df["SIC_SECTION_NAME"] == "Manufacturing"]
    elif sector != "all":
        raise ValueError(f"unknown sector {sector!r}")
    return df.groupby("DATE")["COUNT"].sum()


def bres_sections_gap(sector: str = "manufacturing") -> pd.Series:
    """Per common year, the section file's GB total against the 5-digit full-time file's, % of the latter."""
    new, old = bres_sections_gb(sector), bres_fulltime_totals(sector)
    common = sorted(set(new.index) & set(old.index))
    return pd.Series({y: (new[y] / old[y] - 1) * 100 for y in common})

# --- uk/ons_regional_gdp_current_prices_uk_itl1_1998_2021.csv ---------------------------------------------------

GDP_FILE = "uk/ons_regional_gdp_current_prices_uk_itl1_1998_2021.csv"


@cache
def uk_gdp_nominal() -> pd.Series:
    """UK nominal GDP at current market prices, GBP million, by year (the row whose ITL code is 'UK')."""
    df = pd.read_csv(snapshots() / GDP_FILE, dtype=str)
    row = df[df["ITL code"] == "UK"]
    if len(row) != 1:
        raise ValueError(f"expected one UK row in {GDP_FILE}, found {len(row)}")
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", c)]
    return pd.Series({int(y): float(row.iloc[0][y].replace(",", "")) for y in years}, name="gdp")


# --- uk/ons_ybgb_gdp_deflator_2025-06.csv -----------------------------------------------------------------------

DEFLATOR_FILE = "uk/ons_ybgb_gdp_deflator_2025-06.csv"


@cache
def gdp_deflator() -> pd.Series:
    """The annual YBGB GDP deflator (2022 = 100) by year: the file's 'YYYY' rows only (quarters left out)."""
    with open(snapshots() / DEFLATOR_FILE, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r and re.fullmatch(r"\d{4}", r[0].strip())]
    return pd.Series({int(r[0]): float(r[1]) for r in rows}, name="deflator")


def to_real(cash: pd.Series, base_year: int) -> pd.Series:
    """Cash values by year in prices of base_year: cash x deflator[base] / deflator[year]."""
    d = gdp_deflator()
    return cash * d[base_year] / cash.index.map(d).astype(float)


# --- uk/ons_sdg951_berd_pct_gdp_2006_2017.csv (+ data/berd_product_groups.csv) -----------------------------------

SDG_FILE = "uk/ons_sdg951_berd_pct_gdp_2006_2017.csv"


@cache
def sdg_berd() -> pd.DataFrame:
    """Business-enterprise rows of the SDG 9.5.1 file; blank text stays '', 'pct' = Value as a float (blank = NaN)."""
    df = pd.read_csv(snapshots() / SDG_FILE, dtype=str, keep_default_na=False)
    df = df[df["Sector"] == "Business enterprise"]
    pct = pd.to_numeric(df["Value"].where(df["Value"] != ""), errors="raise")
    return df.assign(Year=df["Year"].astype(int), pct=pct)


def _to_cash(pct: pd.Series) -> pd.Series:
    """Per cent of UK GDP by year -> approximate GBP million (x UK nominal GDP / 100)."""
    return pct * pct.index.map(uk_gdp_nominal()).astype(float) / 100


def berd_uk_pct() -> pd.Series:
    """UK total BERD as per cent of UK GDP by year (UK row: no country, region or product group)."""
    df = sdg_berd()
    row = df[(df["Country"] == "") & (df["Region"] == "") & (df["Product group"] == "")]
    return row.set_index("Year")["pct"].sort_index()


def berd_uk_cash() -> pd.Series:
    """UK total BERD, approximate GBP million by year (share of GDP x nominal GDP)."""
    return _to_cash(berd_uk_pct()).rename("all BERD")


def berd_product_cash() -> pd.DataFrame:
    """BERD by product group label (columns), approximate GBP million by year; suppressed cells are NaN."""
    df = sdg_berd()
    rows = df[(df["Country"] == "") & (df["Region"] == "") & (df["Product group"] != "")]
    pct = rows.pivot(index="Year", columns="Product group", values="pct").sort_index()
    gdp = pct.index.map(uk_gdp_nominal()).astype(float)
    return pct.mul(gdp, axis=0) / 100


def berd_region_cash() -> pd.DataFrame:
    """BERD by region (the nine English regions, and England, Wales, Scotland, Northern Ireland), GBP million."""
    df = sdg_berd()
    rows = df[(df["Country"] != "") & (df["Product group"] == "")]
    name = rows["Region"].where(rows["Region"] != "", rows["Country"])
    pct = rows.assign(name=name).pivot(index="Year", columns="name", values="pct").sort_index()
    gdp = pct.index.map(uk_gdp_nominal()).astype(float)
    return pct.mul(gdp, axis=0) / 100


@cache
def berd_groups_table() -> pd.DataFrame:
    """The project's table data/berd_product_groups.csv (product_group, group, line, note)."""
    return pd.read_csv(PROJECT / "data" / "berd_product_groups.csv", dtype=str)


def berd_series_cash() -> pd.DataFrame:
    """BERD by series (manufacturing, services, miscellaneous business services, other, all services, all BERD)."""
    products = berd_product_cash()
    table = berd_groups_table()
    unknown = sorted(set(products.columns) - set(table["product_group"]))
    if unknown:
        raise ValueError(f"product groups not in data/berd_product_groups.csv: {unknown}")
    group_of = dict(zip(table["product_group"], table["group"]))
    out = {}
    for group in ("manufacturing", "services", "miscellaneous business services", "other"):
        cols = [c for c in products.columns if group_of[c] == group]
        out[group] = products[cols].sum(axis=1, min_count=1)
    out["all services"] = out["services"] + out["miscellaneous business services"]
    out["all BERD"] = berd_uk_cash()
    return pd.DataFrame(out)


def berd_share_change(start: int, end: int) -> float:
    """Change in UK total BERD as a share of GDP from start to end, percentage points."""
    pct = berd_uk_pct()
    return float(pct[end] - pct[start])


def berd_growth(start: int, end: int, base_year: int = 2022) -> pd.DataFrame:
    """Growth (%) start -> end, nominal and real (at base_year prices), for each BERD series and each region."""
    cash = pd.concat([berd_series_cash(), berd_region_cash()], axis=1)
    rows = {}
    for name in cash.columns:
        s = cash[name]
        real = to_real(s, base_year)
        rows[name] = {"nominal": growth(s[start], s[end]), "real": growth(real[start], real[end])}
    return pd.DataFrame(rows).T


# --- uk/ons_berd_20XX_release_tables_*.xls: ONS BERD release workbooks, read cell by cell with xlrd -------------

RELEASE_FILES = {2017: "uk/ons_berd_2017_release_tables_2006_2017.xls",
                 2014: "uk/ons_berd_2014_release_tables_2003_2014.xls"}


@cache
def _release_sheet(release: int, sheet: str) -> list[list]:
    import xlrd

    book = xlrd.open_workbook(str(snapshots() / RELEASE_FILES[release]))
    ws = book.sheet_by_name(sheet)
    return [[ws.cell_value(r, c) for c in range(ws.ncols)] for r in range(ws.nrows)]


def _release_years(rows: list[list]) -> dict[int, int]:
    """Year -> column of its FIRST occurrence in the first row holding five or more year numbers (later columns
    repeat years under other units: '% of total', employment)."""
    for row in rows:
        years = [(int(v), c) for c, v in enumerate(row) if isinstance(v, float) and 1990 <= v <= 2030 and v == int(v)]
        if len(years) >= 5:
            out = {}
            for year, c in years:
                out.setdefault(year, c)
            return out
    raise ValueError("no row of years")


def release_row(release: int, sheet: str, cdid: str = "", label: str = "") -> pd.Series:
    """One row of a release table by CDID (or by label, case and spaces ignored): GBP million by year, '..' and
    '-' as NaN."""
    rows = _release_sheet(release, sheet)
    years = _release_years(rows)

    def hit(row):
        cells = [str(v).strip() for v in row]
        return cdid in cells if cdid else label.lower() in [c.lower() for c in cells]
    row = next((r for r in rows if hit(r)), None)
    if row is None:
        raise KeyError(f"release {release}, table {sheet}: no row {cdid or label!r}")
    return pd.Series({y: float(row[c]) if isinstance(row[c], float) else np.nan for y, c in years.items()},
                     dtype=float).sort_index()


def release_series_cash(release: int = 2017) -> pd.DataFrame:
    """BERD by series (the four groups, all services, all BERD) in GBP million as published: a group is NaN in a
    year where any of its product groups is suppressed."""
    table = berd_groups_table()
    rows = {}
    for cdid in table["cdid"].dropna():
        try:
            rows[cdid] = release_row(release, "2", cdid=cdid)
        except KeyError:  # a product group this release does not show (software development before 2016)
            continue
    group_of = dict(zip(table["cdid"], table["group"]))
    frame = pd.DataFrame(rows)
    out = {}
    for group in ("manufacturing", "services", "miscellaneous business services", "other"):
        cols = [c for c in frame.columns if group_of[c] == group]
        present = frame[cols].notna().sum(axis=1)
        # a product group ONS shows only from some year (software development) counts from that year
        first = {c: frame[c].first_valid_index() for c in cols}
        needed = pd.Series({y: sum(first[c] is not None and y >= first[c] for c in cols) for y in frame.index})
        out[group] = frame[cols].sum(axis=1).where(present == needed)
    out["all services"] = out["services"] + out["miscellaneous business services"]
    out["all BERD"] = release_row(release, "2", cdid="DLBX")
    return pd.DataFrame(out)


RELEASE_REGIONS = ("North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
                   "East of England", "London", "South East", "South West", "Wales", "Scotland", "Northern Ireland")


def release_region_cash(release: int = 2017) -> pd.DataFrame:
    """BERD by region as published in Table 7 (expenditure block), GBP million; columns named as the chapter
    names them ('East' for the East of England, 'Yorkshire and The Humber')."""
    names = {"East of England": "East", "Yorkshire and the Humber": "Yorkshire and The Humber"}
    return pd.DataFrame({names.get(n, n): release_row(release, "7", label=n) for n in RELEASE_REGIONS})


def release_share_change(start: int, end: int, release: int = 2017) -> float:
    """Change in BERD as a share of GDP (Table 1: DLBX over GDP, DLHT), percentage points."""
    share = release_row(release, "1", cdid="DLBX") / release_row(release, "1", cdid="DLHT") * 100
    return float(share[end] - share[start])


def release_deflator(release: int = 2017) -> pd.Series:
    """The deflator a release implies for business R&D: Table 1's current-price total (DLBX) over its
    constant-price total (the row labelled 'Constant prices'), x 100, by year."""
    current = release_row(release, "1", cdid="DLBX")
    rows = _release_sheet(release, "1")
    years = _release_years(rows)
    row = next(r for r in rows if any(str(v).strip().lower().startswith("constant prices") for v in r))
    constant = pd.Series({y: float(row[c]) for y, c in years.items() if isinstance(row[c], float)})
    return (current / constant * 100).dropna()


def to_real_with(cash: pd.Series, base_year: int, deflator: str = "ybgb", release: int = 2017) -> pd.Series:
    """:func:`to_real` with the GDP deflator ('ybgb') or the release's own ('release')."""
    if deflator == "ybgb":
        return to_real(cash, base_year)
    d = release_deflator(release)
    return cash * d[base_year] / cash.index.map(d).astype(float)


def release_years(release: int = 2017) -> tuple[int, int]:
    """The first and last year of a release's Table 1 total."""
    total = release_row(release, "1", cdid="DLBX").dropna()
    return int(total.index.min()), int(total.index.max())


def release_growth(start: int, end: int, base_year: int = 2022, release: int = 2017,
                   deflator: str = "ybgb") -> pd.DataFrame:
    """Growth (%) start -> end, nominal and real (by the deflator named, at base_year prices), for each series and
    region of a release."""
    cash = pd.concat([release_series_cash(release), release_region_cash(release)], axis=1)
    rows = {}
    for name in cash.columns:
        s = cash[name]
        real = to_real_with(s, base_year, deflator, release)
        rows[name] = {"nominal": growth(s[start], s[end]), "real": growth(real[start], real[end])}
    return pd.DataFrame(rows).T


# --- world/riaa_us_music_sales_by_format_1973_2019.csv ----------------------------------------------------------

RIAA_FILE = "world/riaa_us_music_sales_by_format_1973_2019.csv"
RIAA_METRICS = {"nominal": "Value", "adjusted": "Value (Adjusted)"}


@cache
def riaa() -> pd.DataFrame:
    """The RIAA sales file (format, metric, year, number_of_records, value_actual; NA = not reported)."""
    return pd.read_csv(snapshots() / RIAA_FILE)


def riaa_total(basis: str = "nominal") -> pd.Series:
    """Total revenue (US$ million) by year over all formats, on 'nominal' (Value) or 'adjusted' (Value (Adjusted))."""
    df = riaa()
    return df[df["metric"] == RIAA_METRICS[basis]].groupby("year")["value_actual"].sum()


def riaa_streaming_share(streaming_formats, basis: str = "nominal") -> pd.Series:
    """The given formats' share (%) of total revenue by year."""
    df = riaa()
    df = df[df["metric"] == RIAA_METRICS[basis]]
    streaming = df[df["format"].isin(list(streaming_formats))].groupby("year")["value_actual"].sum()
    total = riaa_total(basis)
    return (streaming.reindex(total.index, fill_value=0.0) / total * 100).rename("share")


def riaa_adjusted_peak() -> tuple[int, float]:
    """The year and value of the highest adjusted total revenue."""
    total = riaa_total("adjusted")
    year = total.idxmax()
    return int(year), float(total[year])


def riaa_first_year_share_above(streaming_formats, threshold: float = 50.0, basis: str = "nominal") -> int | None:
    """The first year in which the given formats' share of revenue exceeds threshold per cent (None if never)."""
    share = riaa_streaming_share(streaming_formats, basis)
    above = share[share > threshold]
    return int(above.index.min()) if len(above) else None


def riaa_base_year(tolerance: float = 1e-3) -> int | None:
    """The year in which the adjusted and nominal totals coincide (|adjusted / nominal - 1| <= tolerance)."""
    ratio = riaa_total("adjusted") / riaa_total("nominal")
    years = [int(y) for y, r in ratio.items() if not math.isnan(r) and abs(r - 1) <= tolerance]
    if len(years) > 1:
        raise ValueError(f"adjusted and nominal totals coincide in several years: {years}")
    return years[0] if years else None


# --- world/wdi_country_{GBR,USA}_*.csv, world/boe_millennium_v3_headlines_uk.csv: the trade balance (C4-3) -------

WDI_COUNTRY_FILES = {"GBR": "world/wdi_country_GBR_all_indicators_2019-01-30.csv",
                     "USA": "world/wdi_country_USA_all_indicators_2020-03-18.csv"}
TRADE_BALANCE = "NE.RSB.GNFS.ZS"
BOE_FILE = "world/boe_millennium_v3_headlines_uk.csv"


@cache
def wdi_country_file(code: str) -> pd.DataFrame:
    """A WDI bulk country file as pandas reads it: 4 preamble lines skipped, one row per indicator."""
    return pd.read_csv(snapshots() / WDI_COUNTRY_FILES[code], skiprows=4)


def wdi_country_series(code: str, indicator: str = TRADE_BALANCE) -> pd.Series:
    """One indicator of a WDI country file by year (int), blank years dropped."""
    df = wdi_country_file(code)
    rows = df[df["Indicator Code"] == indicator]
    if len(rows) != 1:
        raise KeyError(f"{len(rows)} rows of {indicator} in {WDI_COUNTRY_FILES[code]}")
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", c)]
    s = rows.iloc[0][years].astype(float).dropna()
    s.index = s.index.astype(int)
    return s.rename(code)


def wdi_last_updated(code: str) -> str:
    """The 'Last Updated Date' of a WDI country file's preamble (YYYY-MM-DD)."""
    with open(snapshots() / WDI_COUNTRY_FILES[code], encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if row and row[0] == "Last Updated Date":
                return row[1]
    raise KeyError("no Last Updated Date")


def boe_columns() -> list[tuple[str, str, pd.Series]]:
    """(name, unit, values by year) of every column of the BoE millennium headlines, read with the csv module:
    row 1 the names, row 2 the units, then one row per year; blank cells dropped."""
    with open(snapshots() / BOE_FILE, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    names, units, data = rows[0], rows[1], rows[2:]
    out = []
    for j in range(1, len(names)):
        values = {int(r[0]): float(r[j].replace(",", "")) for r in data if r[0].strip().isdigit() and r[j].strip()}
        out.append((names[j], units[j], pd.Series(values, dtype=float).sort_index()))
    return out


def boe_trade_balance_pct() -> pd.Series:
    """The BoE 'Trade deficit' column whose unit is '% of nominal GDP' (a signed balance: negative = deficit)."""
    found = [s for name, unit, s in boe_columns() if name.startswith("Trade deficit") and "% of nominal GDP" in unit]
    if len(found) != 1:
        raise KeyError(f"{len(found)} BoE trade-deficit columns in % of nominal GDP")
    return found[0]


def deficit_years(series: pd.Series, start: int, end: int) -> tuple[int, int]:
    """(years with a value, years with a value below zero) from start to end, both included."""
    inside = [v for y, v in series.items() if start <= y <= end]
    return len(inside), sum(1 for v in inside if v < 0)


def trade_last_common_year() -> int:
    return min(int(wdi_country_series(c).index.max()) for c in WDI_COUNTRY_FILES)


def trade_first_common_year() -> int:
    return max(int(wdi_country_series(c).index.min()) for c in WDI_COUNTRY_FILES)


def trade_min_deficit_share(start: int, end: int) -> float:
    """C4-3: the smaller of the UK's and US's shares of years start..end with a negative balance."""
    shares = []
    for code in WDI_COUNTRY_FILES:
        years, deficits = deficit_years(wdi_country_series(code), start, end)
        shares.append(deficits / years)
    return min(shares)


def trade_min_deficit_share_with(start: int, end, uk: str = "WDI") -> float | None:
    """C4-3 with the UK's series from WDI or the Bank of England ('BoE'): the smaller share of years start..end in
    deficit; ``end`` 'latest' is the last year both series hold; None when a series lacks start or end."""
    pair = [boe_trade_balance_pct() if uk == "BoE" else wdi_country_series("GBR"), wdi_country_series("USA")]
    end = min(int(x.index.max()) for x in pair) if end == "latest" else end
    if any(start not in x.index or end not in x.index for x in pair):
        return None
    return min(d / n for n, d in (deficit_years(x, start, end) for x in pair))


# --- uk/census2011_workplace_pop_msoa_sic_sections.csv + uk/census_lookup_la2023_to_pua63_centreforcities.csv ---
# Cities (Primary Urban Areas) in 2011, by another route than the package's: the lookup's own rows for the
# pre-2023 districts it still lists (Daventry, Poole UA, Christchurch ...) and, for the 2011 names it does not
# list, the renames written here. The package instead sends every 2011 district to its 2023 authority through
# data/cities_district_bridge.csv and drops the lookup's older rows.

CENSUS_MSOA_FILE = "uk/census2011_workplace_pop_msoa_sic_sections.csv"
PUA_LOOKUP_FILE = "uk/census_lookup_la2023_to_pua63_centreforcities.csv"
CENSUS_2011_RENAMES = {  # 2011 census district -> the lookup's name for it (or for what replaced it)
    "Bristol": "Bristol, City of", "Kingston upon Hull": "Kingston upon Hull, City of",
    "Herefordshire": "Herefordshire, County of", "Poole": "Poole UA", "Rhondda Cynon Taf": "Rhondda Cynon Taff",
    "The Vale of Glamorgan": "Vale of Glamorgan", "Shepway": "Folkestone and Hythe",
    "Aylesbury Vale": "Buckinghamshire", "Chiltern": "Buckinghamshire", "South Bucks": "Buckinghamshire",
    "Wycombe": "Buckinghamshire",
}


@cache
def census_msoa_districts() -> pd.DataFrame:
    """Per 2011 district: manufacturing (section C) and all workers by workplace, summed over its MSOAs."""
    df = pd.read_csv(snapshots() / CENSUS_MSOA_FILE)
    area = df["2011 super output area - middle layer"].str.split(" : ", n=1).str[1]
    df = df.assign(district=area.str.rsplit(" ", n=1).str[0])
    return df.groupby("district")[["C Manufacturing", "All categories: Industry"]].sum().rename(
        columns={"C Manufacturing": "manufacturing", "All categories: Industry": "all"})


@cache
def pua_of_district() -> pd.Series:
    """2011 district -> city (NaN: in none), through the lookup's rows and the renames above."""
    lookup = pd.read_csv(snapshots() / PUA_LOOKUP_FILE, dtype=str)
    pua = lookup.set_index("LA")["PUA"].str.strip().replace(":", np.nan)
    districts = census_msoa_districts().index.to_series()
    names = districts.map(lambda d: CENSUS_2011_RENAMES.get(d, d))
    unknown = sorted(set(names) - set(pua.index))
    if unknown:
        raise KeyError(f"2011 districts the lookup does not name: {unknown}")
    return names.map(pua)


def city_manufacturing_2011() -> pd.DataFrame:
    """Per city: manufacturing and all workers (2011, workplace) and share (%)."""
    d = census_msoa_districts().join(pua_of_district().rename("city")).dropna(subset=["city"])
    out = d.groupby("city")[["manufacturing", "all"]].sum()
    out["share"] = out["manufacturing"] / out["all"] * 100
    return out


def city_means_2011() -> dict[str, float]:
    """The unweighted mean of city shares and the employment-weighted one (pooled share), %."""
    c = city_manufacturing_2011()
    return {"unweighted": float(c["share"].mean()), "weighted": float(c["manufacturing"].sum() / c["all"].sum() * 100)}


def england_wales_manufacturing_2011() -> float:
    """Manufacturing share (%) of all workers by workplace in England and Wales, 2011."""
    d = census_msoa_districts()
    return float(d["manufacturing"].sum() / d["all"].sum() * 100)


def districts_in_no_city_2011() -> list[str]:
    """The 2011 districts whose city is none."""
    p = pua_of_district()
    return sorted(p[p.isna()].index)


# --- uk/census2021_ts060_industry88_ltla_ew.csv (+ the PUA lookup): cities in 2021, residence basis -----------
# By the authority's CODE through the lookup's own rows (all 331 codes of 2021-22 are there), not by name through
# the project's bridge as the package does. The category's "Code" column is a running number: the division is
# the label's first two characters; "Does not apply" is not a job.

CENSUS_2021_FILE = "uk/census2021_ts060_industry88_ltla_ew.csv"


@cache
def census_2021_la() -> pd.DataFrame:
    """Per 2021 authority code: residents in employment in manufacturing (labels 10-33) and in all jobs."""
    df = pd.read_csv(snapshots() / CENSUS_2021_FILE)
    label = df["Industry (current) (88 categories)"]
    df = df[label != "Does not apply"]
    head = df["Industry (current) (88 categories)"].str[:2]
    manuf = head.str.isdigit() & head.where(head.str.isdigit(), "0").astype(int).between(10, 33)
    df = df.assign(manufacturing=df["Observation"].where(manuf, 0))
    return df.groupby("Lower Tier Local Authorities Code")[["manufacturing", "Observation"]].sum().rename(
        columns={"Observation": "all"})


def city_manufacturing_2021() -> pd.DataFrame:
    """Per city: manufacturing and all residents in employment (2021) and share (%)."""
    lookup = pd.read_csv(snapshots() / PUA_LOOKUP_FILE, dtype=str)
    pua = lookup.set_index("LA Code")["PUA"].str.strip().replace(":", np.nan)
    la = census_2021_la()
    missing = sorted(set(la.index) - set(pua.index))
    if missing:
        raise KeyError(f"2021 authority codes the lookup does not hold: {missing}")
    d = la.join(pua.rename("city")).dropna(subset=["city"])
    out = d.groupby("city")[["manufacturing", "all"]].sum()
    out["share"] = out["manufacturing"] / out["all"] * 100
    return out


def england_wales_manufacturing_2021() -> float:
    """Manufacturing share (%) of residents in employment in England and Wales, 2021."""
    la = census_2021_la()
    return float(la["manufacturing"].sum() / la["all"].sum() * 100)


# --- world/forbes_global2000_2022.csv + world/fortune500_hq_hifld.csv (+ data/forbes_country_evidence.csv,
# --- data/platform_firms.csv): where the largest firms' value sits and where US headquarters are (chapter 3) ----

@cache
def forbes_2022() -> pd.DataFrame:
    """The Forbes file as written (column names unchanged), names stripped of surrounding spaces."""
    f = pd.read_csv(snapshots() / "world" / "forbes_global2000_2022.csv", dtype={"Organization Name": str})
    return f.assign(**{"Organization Name": f["Organization Name"].str.strip()})


@cache
def fortune500_2017() -> pd.DataFrame:
    """The HIFLD Fortune 500 headquarters file as written."""
    return pd.read_csv(snapshots() / "world" / "fortune500_hq_hifld.csv", dtype={"NAME": str, "STATE": str})


def forbes_largest(n: int) -> pd.DataFrame:
    """The n largest Forbes firms by market value (ties: the better Forbes rank first)."""
    f = forbes_2022().sort_values(["Market Value (Billions)", "2022 Ranking"], ascending=[False, True])
    return f.head(n)


def evidence_rows() -> pd.DataFrame:
    """data/forbes_country_evidence.csv as written."""
    return pd.read_csv(PROJECT / "data" / "forbes_country_evidence.csv", dtype=str, keep_default_na=False)


def platform_rows() -> pd.DataFrame:
    """data/platform_firms.csv as written."""
    return pd.read_csv(PROJECT / "data" / "platform_firms.csv", dtype=str, keep_default_na=False)


def top_n_shares(n: int) -> dict:
    """For the n largest firms: per cent of their market value held by firms the evidence table settles as US,
    by the platform firms of the definition table, and the number of firms the evidence leaves unsettled."""
    top = forbes_largest(n)
    ev = evidence_rows().set_index("firm")
    settled_us = {f for f in top["Organization Name"] if ev.loc[f, "country"] == "United States"}
    platforms = set(platform_rows().query("platform == 'yes'")["firm"])
    value = top.set_index("Organization Name")["Market Value (Billions)"]
    total = value.sum()
    return {"us_share": value[value.index.isin(settled_us)].sum() / total * 100,
            "platform_share": value[value.index.isin(platforms)].sum() / total * 100,
            "flagged_n": int(sum(ev.loc[f, "country"] == "" for f in top["Organization Name"])),
            "total": total}


def fortune500_state_revenue() -> pd.Series:
    """Revenue (US$ m) by state, summed with csv alone, largest first."""
    totals: dict[str, float] = {}
    with open(snapshots() / "world" / "fortune500_hq_hifld.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            totals[row["STATE"]] = totals.get(row["STATE"], 0.0) + float(row["REVENUES"])
    return pd.Series(totals).sort_values(ascending=False)


def fortune500_west_share(names) -> float:
    """Per cent of the revenue of the named Fortune 500 firms that is headquartered in CA, OR or WA."""
    f = fortune500_2017()
    rows = f[f["NAME"].isin(set(names))]
    return rows.loc[rows["STATE"].isin(["CA", "OR", "WA"]), "REVENUES"].sum() / rows["REVENUES"].sum() * 100


# --- world/forbes_global2000_2017.csv + world/fortune1000_2022_hq_city_state.csv: firms and headquarters matched
# --- within one year (Forbes 2017 with the 2017 Fortune 500, Forbes 2022 with the 2022 Fortune 1000) -----------
# The Forbes 2017 header's first named column is " Rank", with a leading space. Names are matched here by a
# reduction written afresh: NFKD accents dropped, brackets, dots and other punctuation removed, "&" as "and",
# legal suffix words dropped, the rest joined without spaces.

_SUFFIX_WORDS = ("inc", "corp", "corporation", "co", "company", "companies", "group", "holdings", "holding", "the",
                 "plc", "ltd", "llc", "lp", "incorporated", "and")


def name_key(name: str) -> str:
    import unicodedata
    t = unicodedata.normalize("NFKD", re.sub(r"\([^)]*\)", " ", name)).encode("ascii", "ignore").decode().lower()
    t = t.replace("&", " and ").replace(".", "")
    words = re.findall(r"[a-z0-9]+", t)
    kept = [w for w in words if w not in _SUFFIX_WORDS]
    return "".join(kept) if kept else "".join(words)


@cache
def forbes_2017() -> pd.DataFrame:
    """The Forbes 2017 file as written (the ' Rank' header kept as it is)."""
    return pd.read_csv(snapshots() / "world" / "forbes_global2000_2017.csv")


@cache
def fortune1000_2022() -> pd.DataFrame:
    return pd.read_csv(snapshots() / "world" / "fortune1000_2022_hq_city_state.csv")


def same_year_top(year: int, n: int) -> pd.DataFrame:
    """The n largest of that year's Forbes list by market value (ties: better rank), with ``us`` True when the
    name is on that year's Fortune list; columns name, country, value, us, key."""
    if year == 2017:
        f = forbes_2017().rename(columns={" Rank": "rank", "Company": "name", "Market Value": "value",
                                          "Country": "country"})
        fortune = fortune500_2017()["NAME"]
    else:
        f = forbes_2022().rename(columns={"2022 Ranking": "rank", "Organization Name": "name",
                                          "Market Value (Billions)": "value", "Country": "country"})
        fortune = fortune1000_2022()["company"]
    f = f.assign(name=f["name"].str.strip()).sort_values(["value", "rank"], ascending=[False, True]).head(n)
    keys = {name_key(x) for x in fortune.astype(str)}
    f = f.assign(key=f["name"].map(name_key))
    f["us"] = f["key"].isin(keys)
    return f[["name", "country", "value", "us", "key"]]


def same_year_us_share(year: int, n: int) -> float:
    t = same_year_top(year, n)
    return float(t.loc[t["us"], "value"].sum() / t["value"].sum() * 100)


def same_year_country_changes(n: int) -> dict[str, tuple[str, str]]:
    """2022 name -> (country 2017, country 2022) for the firms among the n largest in both years whose country
    (US when on the same year's Fortune list, else Forbes's) differs."""
    a, b = same_year_top(2017, n), same_year_top(2022, n)
    a["c"] = np.where(a["us"], "United States", a["country"])
    b["c"] = np.where(b["us"], "United States", b["country"])
    both = a.merge(b, on="key", suffixes=("_a", "_b"))
    moved = both[both["c_a"] != both["c_b"]]
    return {r.name_b: (r.c_a, r.c_b) for r in moved.itertuples()}


# --- world/wdi_NV.IND.MANF.ZS_*.csv, world/wdi_SL.IND.EMPL.ZS_*.csv: manufacturing and industry shares (chapter 2) -

WDI_MANUFACTURING_FILE = "world/wdi_NV.IND.MANF.ZS_manufacturing_va_pct_gdp.csv"  # the .xls's Data sheet: no preamble
WDI_INDUSTRY_JOBS_FILE = "world/wdi_SL.IND.EMPL.ZS_employment_industry_pct.csv"  # bulk CSV: 4 preamble lines


@cache
def _wdi_wide(which: str) -> pd.DataFrame:
    if which == "manufacturing":
        return pd.read_csv(snapshots() / WDI_MANUFACTURING_FILE)
    return pd.read_csv(snapshots() / WDI_INDUSTRY_JOBS_FILE, skiprows=4, encoding="utf-8-sig")


def wdi_share(which: str, code: str) -> pd.Series:
    """``which`` = 'manufacturing' (NV.IND.MANF.ZS, % of GDP) or 'industry_jobs' (SL.IND.EMPL.ZS, % of employment)
    for one country code, by year (int), blank years dropped."""
    df = _wdi_wide(which)
    rows = df[df["Country Code"] == code]
    assert len(rows) == 1, (which, code, len(rows))
    years = [c for c in df.columns if re.fullmatch(r"\d{4}", str(c))]
    s = pd.to_numeric(rows.iloc[0][years], errors="coerce").dropna()
    s.index = s.index.astype(int)
    return s.rename(code)


def five_year_turn(series: pd.Series, lo: int | None = None, hi: int | None = None, step: int = 5) -> dict | None:
    """Within [lo, hi]: the last year with a value (end), and the changes end-step -> end ('recent') and
    end-2*step -> end-step ('previous'); None when the period holds no value; changes None when a year is missing."""
    inside = {int(y): float(v) for y, v in series.items() if (lo is None or y >= lo) and (hi is None or y <= hi)}
    if not inside:
        return None
    end = max(inside)
    if end - step not in inside or end - 2 * step not in inside:
        return {"end": end, "recent": None, "previous": None, "turn": False}
    recent, previous = inside[end] - inside[end - step], inside[end - step] - inside[end - 2 * step]
    return {"end": end, "recent": recent, "previous": previous, "turn": previous < 0 and recent > 0}


# --- world/frey_osborne_job_automation_probability.csv: probability of computerisation x May 2016 jobs (C2-1) ---

FREY_OSBORNE_FILE = "world/frey_osborne_job_automation_probability.csv"


@cache
def frey_osborne_rows() -> tuple[dict, ...]:
    """The file's rows read with the csv module: probability, numbEmployed (not the shifted employed_may2016),
    median wage and education, as numbers and strings."""
    with open(snapshots() / FREY_OSBORNE_FILE, newline="", encoding="utf-8") as fh:
        return tuple({"code": r["_ - code"], "p": float(r["probability"]), "jobs": float(r["numbEmployed"]),
                      "wage": float(r["median_ann_wage"]), "education": r["education"]} for r in csv.DictReader(fh))


def frey_osborne_share_above(threshold: float, rows=None) -> float:
    """Per cent of the jobs of ``rows`` (all rows by default) in occupations with a probability above threshold."""
    rows = frey_osborne_rows() if rows is None else rows
    total = sum(r["jobs"] for r in rows)
    return sum(r["jobs"] for r in rows if r["p"] > threshold) / total * 100


def frey_osborne_wage_band(wage: float) -> str:
    """The chapter's median-wage bands (a definition: limits of 30, 40, 60 and 80 thousand dollars)."""
    if wage < 30000:
        return "under $30,000"
    if wage < 40000:
        return "$30,000 to $39,999"
    if wage < 60000:
        return "$40,000 to $59,999"
    if wage < 80000:
        return "$60,000 to $79,999"
    return "$80,000 or more"


def frey_osborne_group_shares(threshold: float, group: str) -> dict[str, float]:
    """Per education level ('education') or wage band ('wage'): per cent of its jobs above the threshold."""
    key = (lambda r: r["education"]) if group == "education" else (lambda r: frey_osborne_wage_band(r["wage"]))
    groups: dict[str, list[dict]] = {}
    for r in frey_osborne_rows():
        groups.setdefault(key(r), []).append(r)
    return {name: frey_osborne_share_above(threshold, rows) for name, rows in groups.items()}
