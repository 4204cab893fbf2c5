"""Formats of sources with no API: bulk files published once, read from their pinned copies."""

from __future__ import annotations

import io

import pandas as pd

from futurecity.data.parsers.base import numeric, parser, read_csv, text
from futurecity.errors import ParseError


@parser("riaa_csv")
def riaa_csv(raw: bytes) -> pd.DataFrame:
    """RIAA sales by format: format, metric (Units / Value / Value (Adjusted)), year, value_actual; NA = not
    reported (dropped)."""
    f = read_csv(raw, "RIAA sales CSV", ["format", "metric", "year", "value_actual"], dtype="string")
    units = {"Units": "million units", "Value": "US$ million, nominal",
             "Value (Adjusted)": "US$ million, inflation-adjusted by the RIAA"}
    unknown = set(f["metric"]) - set(units)
    if unknown:
        raise ParseError(f"RIAA CSV: unknown metrics {sorted(unknown)}; expected {sorted(units)}")
    out = pd.DataFrame({
        "year": numeric(f["year"], "RIAA year").astype("int64"),
        "format": f["format"].astype("string"),
        "metric": f["metric"].astype("string"),
        "value": numeric(f["value_actual"], "RIAA value_actual"),
        "unit": f["metric"].map(units).astype("string"),
    })
    return out.dropna(subset=["value"]).reset_index(drop=True)


@parser("owid_herrendorf_csv")
def owid_herrendorf_csv(raw: bytes) -> pd.DataFrame:
    """OWID's Herrendorf et al. table: Entity, Year, three GDP shares and three employment counts; long."""
    f = read_csv(raw, "OWID sectors CSV", ["Entity", "Year"])
    rows = []
    for col in f.columns[2:]:
        lower = col.lower()
        sector = next((s for s in ("agriculture", "industry", "services") if s in lower), None)
        if sector is None:
            raise ParseError(f"OWID sectors CSV: cannot tell the sector of column {col!r}")
        if lower.startswith("share of"):
            measure, unit = "share of GDP", "per cent of GDP, current prices"
        elif lower.startswith("number of people employed"):
            measure, unit = "employment", "persons"
        else:
            raise ParseError(f"OWID sectors CSV: unexpected column {col!r}")
        part = f[["Entity", "Year", col]].rename(columns={"Entity": "entity", "Year": "year", col: "value"})
        rows.append(part.assign(sector=sector, measure=measure, unit=unit))
    long = pd.concat(rows, ignore_index=True).dropna(subset=["value"])
    long["value"] = long["value"].astype("float64")
    return long[["entity", "year", "sector", "measure", "value", "unit"]].astype(
        {"entity": "string", "sector": "string", "measure": "string", "unit": "string"}).reset_index(drop=True)


@parser("boe_millennium_csv")
def boe_millennium_csv(raw: bytes) -> pd.DataFrame:
    """Bank of England millennium headlines: row 1 series names, row 2 units, then one row per year; long."""
    body = text(raw, "BoE millennium CSV")
    head = pd.read_csv(io.StringIO(body), nrows=1, header=None, dtype="string")
    if head.iloc[0, 0] != "Description":
        raise ParseError(f"BoE millennium CSV: first cell is {head.iloc[0, 0]!r}, expected 'Description'")
    names = pd.read_csv(io.StringIO(body), nrows=0).columns
    # the units row read as data, not as a header: pandas would rename repeated units ('£mn' -> '£mn.3')
    units = pd.read_csv(io.StringIO(body), skiprows=[0], nrows=1, header=None, dtype="string").iloc[0]
    data = pd.read_csv(io.StringIO(body), skiprows=[1], dtype="string")
    data = data.rename(columns={"Description": "year"})
    unit_of = {n: str(u) for n, u in zip(names[1:], units[1:], strict=False)}
    long = data.melt(id_vars="year", var_name="series", value_name="value")
    long = long[~long["series"].str.startswith("Unnamed")]
    long["value"] = pd.to_numeric(long["value"].str.replace(",", ""), errors="coerce")
    long["year"] = pd.to_numeric(long["year"], errors="coerce")
    long = long.dropna(subset=["value", "year"])
    long["unit"] = long["series"].map(unit_of)
    long["series"] = long["series"].str.strip()
    return long.astype({"year": "int64", "series": "string", "unit": "string"})[["year", "series", "unit", "value"]]


@parser("frey_osborne_csv")
def frey_osborne_csv(raw: bytes) -> pd.DataFrame:
    """Frey & Osborne probabilities with OES employment; ``numbEmployed`` (not the shifted
    ``employed_may2016``) is the employment column."""
    need = ["_ - code", "occupation", "probability", "numbEmployed", "median_ann_wage", "education"]
    f = read_csv(raw, "Frey-Osborne CSV", need, dtype="string")
    return pd.DataFrame({
        "soc_code": f["_ - code"], "occupation": f["occupation"],
        "probability": numeric(f["probability"], "probability"),
        "employed": numeric(f["numbEmployed"], "numbEmployed"),
        "median_wage": numeric(f["median_ann_wage"], "median_ann_wage"),
        "education": f["education"],
    })


@parser("forbes_csv")
def forbes_csv(raw: bytes) -> pd.DataFrame:
    cols = {"2022 Ranking": "rank", "Organization Name": "name", "Industry": "industry", "Country": "country",
            "Year Founded": "founded", "Revenue (Billions)": "revenue", "Profits (Billions)": "profits",
            "Assets (Billions)": "assets", "Market Value (Billions)": "market_value", "Total Employees": "employees"}
    f = read_csv(raw, "Forbes Global 2000 CSV", list(cols), dtype="string").rename(columns=cols)[list(cols.values())]
    for c in ("revenue", "profits", "assets", "market_value", "employees", "rank", "founded"):
        f[c] = pd.to_numeric(f[c].str.replace(r"[^0-9.\-]", "", regex=True), errors="coerce")
    return f


@parser("fortune500_csv")
def fortune500_csv(raw: bytes) -> pd.DataFrame:
    cols = {"RANK": "rank", "NAME": "name", "CITY": "city", "STATE": "state", "EMPLOYEES": "employees",
            "REVENUES": "revenue", "PROFIT": "profit", "LATITUDE": "latitude", "LONGITUDE": "longitude"}
    f = read_csv(raw, "Fortune 500 HQ CSV", list(cols), dtype="string").rename(columns=cols)[list(cols.values())]
    for c in ("rank", "employees", "revenue", "profit", "latitude", "longitude"):
        f[c] = numeric(f[c], c, missing=("", "NOT AVAILABLE"))
    return f


@parser("pua_lookup_csv")
def pua_lookup_csv(raw: bytes) -> pd.DataFrame:
    cols = {"LA Code": "la_code", "LA": "la_name", "Region": "region", "Country": "country", "PUA": "pua",
            "Combined Authorities": "combined_authority", "Super Region": "super_region",
            "Urban Region": "urban_region"}
    f = read_csv(raw, "PUA lookup CSV", list(cols), dtype="string").rename(columns=cols)
    f["pua"] = f["pua"].mask(f["pua"].str.strip() == ":")
    return f[list(cols.values())]


TS060_COLUMNS = {"Lower Tier Local Authorities Code": "geography_code", "Lower Tier Local Authorities": "geography_name",
                 "Industry (current) (88 categories) Code": "category_code",
                 "Industry (current) (88 categories)": "industry_name", "Observation": "value"}


@parser("census_ts060_csv")
def census_ts060_csv(raw: bytes) -> pd.DataFrame:
    """Census 2021 TS060, industry (88 categories) by local authority, usual residents in employment (residence
    basis). The category's code column is a running number (-8, 1 ... 87), not a SIC division: the division is
    read from the label's leading digits ('10 Manufacture of food products' -> '10'); the one category holding
    several divisions keeps them all ('41 Construction of buildings; 42 ...; 43 ...' -> '41-43'); 'Does not
    apply' (no job) has none. Columns: year, geography_code, geography_name, division, industry_name, value."""
    f = read_csv(raw, "Census 2021 TS060 CSV", list(TS060_COLUMNS), dtype="string").rename(columns=TS060_COLUMNS)
    label = f["industry_name"].str.strip()
    numbers = label.str.findall(r"(?:^|; )(\d{2}) ")
    division = numbers.map(lambda n: None if not n else n[0] if len(n) == 1 else f"{n[0]}-{n[-1]}")
    unlabelled = label[(division.isna()) & (label != "Does not apply")]
    if len(unlabelled):
        raise ParseError(f"Census 2021 TS060: a category with no SIC division in its label: {unlabelled.iloc[0]!r}")
    out = pd.DataFrame({
        "year": 2021,
        "geography_code": f["geography_code"].str.strip(),
        "geography_name": f["geography_name"].str.strip(),
        "division": division.astype("string"),
        "industry_name": label,
        "value": numeric(f["value"], "TS060 Observation"),
    })
    if out.duplicated(["geography_code", "industry_name"]).any():
        raise ParseError("Census 2021 TS060: an authority's category appears twice")
    return out


@parser("forbes2017_csv")
def forbes2017_csv(raw: bytes) -> pd.DataFrame:
    """Forbes Global 2000 of 2017 (a Kaggle copy): an unnamed index, ' Rank' (its header has a leading space),
    Company, Country, Sales, Profits, Assets, Market Value (US$ billion), Sector, Industry. Headers are matched
    with their surrounding spaces removed. Columns: rank, name, country, revenue, profits, assets, market_value,
    sector, industry."""
    f = read_csv(raw, "Forbes Global 2000 (2017) CSV", [], dtype="string")
    f.columns = [str(c).strip() for c in f.columns]
    cols = {"Rank": "rank", "Company": "name", "Country": "country", "Sales": "revenue", "Profits": "profits",
            "Assets": "assets", "Market Value": "market_value", "Sector": "sector", "Industry": "industry"}
    missing = [c for c in cols if c not in f.columns]
    if missing:
        raise ParseError(f"Forbes Global 2000 (2017) CSV: no column {missing} (headers: {list(f.columns)})")
    f = f.rename(columns=cols)[list(cols.values())]
    for c in ("rank", "revenue", "profits", "assets", "market_value"):
        f[c] = numeric(f[c], f"Forbes 2017 {c}")
    f["name"] = f["name"].str.strip()
    return f


@parser("fortune1000_csv")
def fortune1000_csv(raw: bytes) -> pd.DataFrame:
    """Fortune 1000 of 2022 (a Kaggle scrape of fortune.com): company, rank, revenue and profit (US$ million,
    fiscal 2021), headquarters city and state. Columns: rank, name, city, state, revenue, profit."""
    cols = {"rank": "rank", "company": "name", "city": "city", "state": "state", "revenue": "revenue",
            "profit": "profit"}
    f = read_csv(raw, "Fortune 1000 CSV", list(cols), dtype="string").rename(columns=cols)[list(cols.values())]
    for c in ("rank", "revenue", "profit"):
        f[c] = numeric(f[c], f"Fortune 1000 {c}", missing=("",))
    f["name"] = f["name"].str.strip()
    return f
