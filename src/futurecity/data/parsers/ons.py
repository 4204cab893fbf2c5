"""ONS formats: the website's time-series generator CSV and JSON, regional GDP tables, SDG indicator CSVs."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd

from futurecity.data.parsers.base import numeric, parser, read_csv, text
from futurecity.errors import ParseError

_PERIOD = [
    ("year", re.compile(r"^(\d{4})$")),
    ("quarter", re.compile(r"^(\d{4}) Q[1-4]$")),
    ("month", re.compile(r"^(\d{4}) [A-Z]{3}$")),
]
UK_GSS = "K02000001"  # the GSS code of the United Kingdom
META_LABELS = ("Title", "CDID", "Source dataset ID", "PreUnit", "Unit", "Release date", "Next release",
               "Important notes")


def _frequency(label: str) -> tuple[str, int] | None:
    for freq, pattern in _PERIOD:
        m = pattern.match(label)
        if m:
            return freq, int(m.group(1))
    return None


def _series_frame(rows: list[tuple[str, str]], what: str, unit: str) -> pd.DataFrame:
    out = []
    for label, value in rows:
        hit = _frequency(label.strip())
        if hit:
            out.append((label.strip(), hit[0], hit[1], value))
    if not out:
        raise ParseError(f"{what}: no rows labelled 'YYYY', 'YYYY Qn' or 'YYYY MON'")
    f = pd.DataFrame(out, columns=["period", "frequency", "year", "value"])
    f["value"] = numeric(f["value"], what)
    f["unit"] = unit
    return f


@parser("ons_generator_csv")
def ons_generator_csv(raw: bytes) -> pd.DataFrame:
    """ONS generator CSV: metadata rows (Title, CDID, ...), then "YYYY", "YYYY Qn", "YYYY MON" rows."""
    body = text(raw, "ONS time-series CSV")
    rows = [r for r in csv.reader(io.StringIO(body)) if r]
    if any(len(r) != 2 for r in rows):
        raise ParseError("ONS time-series CSV: expected two columns (label, value) on every row")
    meta = {k: v for k, v in rows if k in META_LABELS}
    if "CDID" not in meta or "Title" not in meta:
        raise ParseError(f"ONS time-series CSV: metadata rows Title and CDID not found (first row: {rows[0]})")
    f = _series_frame(rows, f"ONS series {meta['CDID']}", unit=meta.get("Unit", ""))
    f.attrs["title"], f.attrs["cdid"] = meta["Title"], meta["CDID"]
    f.attrs["release_date"] = meta.get("Release date", "")
    return f


@parser("ons_timeseries_json")
def ons_timeseries_json(raw: bytes) -> pd.DataFrame:
    """ONS time-series JSON: ``description`` plus lists ``years``, ``quarters``, ``months`` of {date, value}."""
    body = text(raw, "ONS time-series JSON")
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(f"ONS time-series JSON could not be decoded: {exc}") from exc
    if not isinstance(doc, dict) or "description" not in doc or not any(k in doc for k in ("years", "quarters")):
        raise ParseError("ONS time-series JSON: expected keys 'description' and 'years'/'quarters'")
    rows = [(str(o.get("date", "")), o.get("value", "")) for k in ("years", "quarters", "months")
            for o in doc.get(k) or []]
    desc = doc["description"]
    f = _series_frame(rows, f"ONS series {desc.get('cdid', '?')}", unit=desc.get("unit", ""))
    f.attrs["title"], f.attrs["cdid"] = desc.get("title", ""), desc.get("cdid", "")
    f.attrs["release_date"] = desc.get("releaseDate", "")
    return f


@parser("ons_timeseries_json_annual_uk")
def ons_timeseries_json_annual_uk(raw: bytes) -> pd.DataFrame:
    """The annual rows of an ONS time-series JSON for the whole UK (such as YBHA, nominal GDP), with the
    geography columns of the regional tables (``K02000001``, ``United Kingdom``) so both share one schema."""
    f = ons_timeseries_json(raw)
    annual = f[f["frequency"] == "year"].reset_index(drop=True)
    if annual.empty:
        raise ParseError(f"ONS series {f.attrs.get('cdid', '?')}: the JSON holds no annual ('years') rows")
    annual.attrs = dict(f.attrs)
    return annual.assign(geography_code=UK_GSS, geography_name="United Kingdom")


@parser("ons_regional_gdp_csv")
def ons_regional_gdp_csv(raw: bytes) -> pd.DataFrame:
    """Regional GDP Table 5 as CSV: ITL, ITL code, Region name, then one column per year (GBP million). The UK
    row (ITL code ``UK``) gets the GSS code ``K02000001``, as the live YBHA answer has, so both vintages name the
    UK alike."""
    f = read_csv(raw, "ONS regional GDP table (CSV)", ["ITL code", "Region name"], dtype="string")
    years = [c for c in f.columns if re.fullmatch(r"\d{4}", str(c))]
    if not years:
        raise ParseError(f"ONS regional GDP table: no year columns in header {list(f.columns)}")
    long = f.melt(id_vars=["ITL code", "Region name"], value_vars=years, var_name="year", value_name="value")
    return pd.DataFrame({
        "year": long["year"].astype("int64"),
        "geography_code": long["ITL code"].astype("string").replace({"UK": UK_GSS}),
        "geography_name": long["Region name"].astype("string"),
        "value": numeric(long["value"], "regional GDP"),
        "unit": "GBP million, current prices",
    })


@parser("sdg_csv")
def sdg_csv(raw: bytes) -> pd.DataFrame:
    """SDG indicator 9.5.1 CSV (UK SDG data platform), business enterprise rows: R&D as a percentage of UK GDP.

    ``measure`` is ``BERD`` for business enterprise rows and ``GERD`` for the all-sector total row. Rows with no
    country or region are the UK (``geography_code`` ``K02000001``); ``product_group`` is empty for totals.
    """
    need = ["Year", "Performing/Funding", "Country", "Region", "Sector", "Product group", "GeoCode", "Value", "Units"]
    f = read_csv(raw, "SDG indicator CSV", need, dtype="string", keep_default_na=False)
    geo_name = f["Region"].where(f["Region"] != "", f["Country"]).where(lambda s: s != "", "United Kingdom")
    geo_code = f["GeoCode"].where(f["GeoCode"] != "", UK_GSS)
    measure = f["Sector"].map({"Business enterprise": "BERD", "": "GERD"})
    if measure.isna().any():
        raise ParseError(f"SDG CSV: unexpected Sector values {sorted(set(f['Sector'][measure.isna()]))}")
    return pd.DataFrame({
        "year": numeric(f["Year"], "SDG Year").astype("int64"),
        "measure": measure.astype("string"),
        "geography_code": geo_code.astype("string"),
        "geography_name": geo_name.astype("string"),
        "product_group": f["Product group"].astype("string"),
        "value": numeric(f["Value"], "SDG Value"),
        "unit": "per cent of UK GDP",
    })
