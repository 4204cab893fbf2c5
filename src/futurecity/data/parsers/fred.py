"""FRED's keyless CSV (``fredgraph.csv``): a date column then one column per series."""

from __future__ import annotations

import pandas as pd

from futurecity.data.parsers.base import numeric, parser, read_csv
from futurecity.errors import ParseError

DATE_HEADERS = ("observation_date", "DATE")


@parser("fred_csv")
def fred_csv(raw: bytes) -> pd.DataFrame:
    """Header ``observation_date`` (``DATE`` until late 2024), dates ``YYYY-MM-DD`` or ``M/D/YYYY``;
    ``.`` or empty = missing. Returned long: date, series, value, unit."""
    f = read_csv(raw, "FRED CSV", [], dtype="string")
    date_col = f.columns[0]
    if date_col not in DATE_HEADERS:
        raise ParseError(f"FRED CSV: first column is {date_col!r}, expected one of {DATE_HEADERS}")
    if len(f.columns) < 2:
        raise ParseError("FRED CSV: no series column after the date column")
    dates = pd.to_datetime(f[date_col], format="%Y-%m-%d", errors="coerce")
    dates = dates.fillna(pd.to_datetime(f[date_col], format="%m/%d/%Y", errors="coerce")).astype("datetime64[s]")
    if dates.isna().any():
        raise ParseError(f"FRED CSV: unreadable dates, e.g. {list(f[date_col][dates.isna()].head(3))}")
    long = f.assign(date=dates).drop(columns=[date_col]).melt(id_vars="date", var_name="series")
    long["value"] = numeric(long["value"], "FRED values")
    long["series"] = long["series"].str.replace(r"_\d{8}$", "", regex=True).astype("string")
    long["unit"] = "thousands of persons"
    return long.dropna(subset=["value"]).reset_index(drop=True)
