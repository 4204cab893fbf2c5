"""World Bank formats: the bulk-download CSV (wide, one column per year) and the API v2 JSON."""

from __future__ import annotations

import io
import json
import re

import pandas as pd

from futurecity.data.parsers.base import numeric, parser, text
from futurecity.errors import ParseError

ID_COLS = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]


@parser("worldbank_bulk_csv")
def worldbank_bulk_csv(raw: bytes) -> pd.DataFrame:
    """WDI bulk CSV: optional preamble lines ("Data Source", "Last Updated Date"), then Country Name, Country
    Code, Indicator Name, Indicator Code and one column per year. Returned long, missing years dropped."""
    body = text(raw, "World Bank bulk CSV")
    lines = body.splitlines()
    start = next((i for i, line in enumerate(lines[:10]) if line.lstrip('"').startswith("Country Name")), None)
    if start is None:
        raise ParseError("World Bank bulk CSV: no header row starting with 'Country Name' in the first 10 lines")
    f = pd.read_csv(io.StringIO("\n".join(lines[start:])), dtype="string")
    f = f.loc[:, ~f.columns.str.startswith("Unnamed")]
    years = [c for c in f.columns if re.fullmatch(r"\d{4}", c)]
    if not years or any(c not in f.columns for c in ID_COLS):
        raise ParseError(f"World Bank bulk CSV: header lacks {ID_COLS} or year columns: {list(f.columns)[:8]}")
    long = f.melt(id_vars=ID_COLS, value_vars=years, var_name="year", value_name="value")
    long["value"] = numeric(long["value"], "World Bank values")
    long = long.dropna(subset=["value"])
    return pd.DataFrame({
        "year": long["year"].astype("int64"),
        "country_code": long["Country Code"].astype("string"),
        "country_name": long["Country Name"].astype("string"),
        "indicator_code": long["Indicator Code"].astype("string"),
        "value": long["value"],
        "unit": long["Indicator Name"].astype("string"),
    }).reset_index(drop=True)


def worldbank_page(raw: bytes) -> tuple[dict, list[dict]]:
    """One page of an API v2 JSON answer: (paging header, rows). Raises on the HTTP-200 error object."""
    body = text(raw, "World Bank JSON")
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(f"World Bank JSON could not be decoded: {exc}") from exc
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "message" in doc[0]:
        msgs = "; ".join(f"{m.get('key', '')}: {m.get('value', '')}" for m in doc[0]["message"])
        raise ParseError(f"World Bank API answered an error object: {msgs}")
    if not (isinstance(doc, list) and len(doc) == 2 and isinstance(doc[0], dict) and "pages" in doc[0]):
        raise ParseError("World Bank JSON: expected a two-element array [paging, rows]")
    return doc[0], doc[1] or []


@parser("worldbank_json")
def worldbank_json(raw: bytes) -> pd.DataFrame:
    """World Bank API v2 JSON; ``raw`` is one page, or several pages joined as a JSON list of pages."""
    body = text(raw, "World Bank JSON")
    doc = json.loads(body) if body.lstrip().startswith("[[") else None
    pages = [json.dumps(p).encode() for p in doc] if doc and isinstance(doc[0], list) else [raw]
    rows = [r for page in pages for r in worldbank_page(page)[1]]
    if not rows:
        raise ParseError("World Bank JSON: the answer holds no rows")
    try:
        f = pd.DataFrame({
            "year": [int(r["date"]) for r in rows],
            "country_code": [r["countryiso3code"] or r["country"]["id"] for r in rows],
            "country_name": [r["country"]["value"] for r in rows],
            "indicator_code": [r["indicator"]["id"] for r in rows],
            "value": [r["value"] for r in rows],
            "unit": [r["indicator"]["value"] for r in rows],
        })
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"World Bank JSON: a row lacks an expected field ({exc})") from exc
    f["value"] = pd.to_numeric(f["value"], errors="raise")
    f = f.dropna(subset=["value"]).astype({"country_code": "string", "country_name": "string",
                                            "indicator_code": "string", "unit": "string"})
    return f.sort_values(["country_code", "year"]).reset_index(drop=True)
