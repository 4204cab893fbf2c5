"""Nomis (ONS labour-market data) formats: the API's CSV and re-saved extracts of it."""

from __future__ import annotations

import json
import re

import pandas as pd

from futurecity.data.parsers.base import numeric, parser, read_csv, text
from futurecity.errors import ParseError

BRES_UNIT = "employment (employees plus working owners), count"
FULLTIME_UNIT = "full-time employees, count"


def _label_code(labels: pd.Series) -> pd.Series:
    """'10 : Manufacture of food products' -> '10'."""
    return labels.astype("string").str.split(" : ", n=1).str[0].str.strip()


@parser("bres_resaved_csv")
def bres_resaved_csv(raw: bytes) -> pd.DataFrame:
    """A Nomis NM_189_1 extract re-saved with columns DATE, GEOGRAPHY_NAME, GEOGRAPHY_CODE, INDUSTRY_NAME,
    INDUSTRY_CODE, COUNT (the pinned BRES snapshot)."""
    cols = ["DATE", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "INDUSTRY_NAME", "INDUSTRY_CODE", "COUNT"]
    f = read_csv(raw, "BRES extract (CSV)", cols, dtype={"INDUSTRY_CODE": "string", "GEOGRAPHY_CODE": "string"})
    return pd.DataFrame({
        "year": numeric(f["DATE"], "BRES DATE").astype("int64"),
        "geography_code": f["GEOGRAPHY_CODE"].astype("string"),
        "geography_name": f["GEOGRAPHY_NAME"].astype("string"),
        "industry_code": f["INDUSTRY_CODE"].astype("string").str.zfill(2),
        "industry_name": f["INDUSTRY_NAME"].astype("string"),
        "value": numeric(f["COUNT"], "BRES COUNT"),
        "unit": BRES_UNIT,
    })


@parser("bres_sections_csv")
def bres_sections_csv(raw: bytes) -> pd.DataFrame:
    """Full-time employees by SIC section (DATE, GEOGRAPHY_NAME, SIC_SECTION_NAME, COUNT)."""
    f = read_csv(raw, "BRES sections extract (CSV)", ["DATE", "GEOGRAPHY_NAME", "SIC_SECTION_NAME", "COUNT"])
    return pd.DataFrame({
        "year": numeric(f["DATE"], "DATE").astype("int64"),
        "geography_name": f["GEOGRAPHY_NAME"].astype("string"),
        "industry_name": f["SIC_SECTION_NAME"].astype("string"),
        "value": numeric(f["COUNT"], "COUNT"),
        "unit": "full-time employees, count",
    })


@parser("bres_gb_sic5_csv")
def bres_gb_sic5_csv(raw: bytes) -> pd.DataFrame:
    """Full-time employees of Great Britain by SIC 2007 subclass (DATE, INDUSTRY_NAME, INDUSTRY_CODE, COUNT), the
    5-digit code kept as text (its first two digits are the division)."""
    f = read_csv(raw, "BRES 5-digit extract (CSV)", ["DATE", "INDUSTRY_NAME", "INDUSTRY_CODE", "COUNT"],
                 dtype={"INDUSTRY_CODE": "string"})
    code = f["INDUSTRY_CODE"].astype("string").str.strip()
    bad = code[~code.str.fullmatch(r"\d{5}").fillna(False)]
    if len(bad):
        raise ParseError(f"BRES 5-digit extract: industry codes that are not five digits, e.g. {bad.iloc[0]!r}")
    return pd.DataFrame({
        "year": numeric(f["DATE"], "DATE").astype("int64"),
        "industry_code": code,
        "industry_name": f["INDUSTRY_NAME"].astype("string"),
        "value": numeric(f["COUNT"], "COUNT"),
        "unit": FULLTIME_UNIT,
    })


@parser("census_msoa_csv")
def census_msoa_csv(raw: bytes) -> pd.DataFrame:
    """Census 2011 workplace population, one row per MSOA, one column per SIC section; returned long."""
    area = "2011 super output area - middle layer"
    f = read_csv(raw, "Census 2011 workplace table (CSV)", [area, "All categories: Industry", "C Manufacturing"])
    code_name = f[area].astype("string").str.split(" : ", n=1, expand=True)
    if code_name.shape[1] != 2:
        raise ParseError(f"Census table: area labels are not 'CODE : name', e.g. {f[area].iloc[0]!r}")
    long = f.drop(columns=[area]).assign(msoa_code=code_name[0], msoa_name=code_name[1]).melt(
        id_vars=["msoa_code", "msoa_name"], var_name="industry_name", value_name="value")
    long["value"] = numeric(long["value"], "Census counts")
    long["unit"] = "workers by workplace, count"
    return long


@parser("nomis_csv")
def nomis_csv(raw: bytes) -> pd.DataFrame:
    """The Nomis API's CSV answer (upper-case headers, OBS_VALUE), as tidy BRES rows."""
    need = ["DATE", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "INDUSTRY_NAME", "INDUSTRY_CODE", "OBS_VALUE"]
    f = read_csv(raw, "Nomis CSV", need, dtype={"INDUSTRY_CODE": "string", "GEOGRAPHY_CODE": "string"})
    code = f["INDUSTRY_CODE"].astype("string")
    # Nomis gives internal numeric ids in INDUSTRY_CODE for some selections; the label carries the SIC code.
    sic = _label_code(f["INDUSTRY_NAME"])
    code = sic.where(sic.str.fullmatch(r"\d{1,2}|[A-U]").fillna(False), code)
    return pd.DataFrame({
        "year": numeric(f["DATE"], "Nomis DATE").astype("int64"),
        "geography_code": f["GEOGRAPHY_CODE"].astype("string"),
        "geography_name": f["GEOGRAPHY_NAME"].astype("string"),
        "industry_code": code.astype("string").str.zfill(2),
        "industry_name": f["INDUSTRY_NAME"].astype("string"),
        "value": numeric(f["OBS_VALUE"], "Nomis OBS_VALUE"),
        "unit": BRES_UNIT,
    })


@parser("nomis_gb_fulltime_csv")
def nomis_gb_fulltime_csv(raw: bytes) -> pd.DataFrame:
    """The Nomis API's CSV answer for Great Britain's full-time employees by SIC 2007 division (BRES NM_172_1 and
    NM_189_1 joined): DATE, GEOGRAPHY_NAME, INDUSTRY_NAME, INDUSTRY_CODE, EMPLOYMENT_STATUS_NAME, OBS_VALUE.
    ``industry_code`` is the division from its label ('10 : Manufacture of food products' -> '10'). An answer for
    another geography or employment status, with labels that are not divisions, or with a division twice in a
    year is refused: the query's codes were inferred, so the answer must prove what it holds."""
    need = ["DATE", "GEOGRAPHY_NAME", "INDUSTRY_NAME", "EMPLOYMENT_STATUS_NAME", "OBS_VALUE"]
    f = read_csv(raw, "Nomis CSV", need, dtype={"DATE": "string"})
    for column, want in (("GEOGRAPHY_NAME", "Great Britain"), ("EMPLOYMENT_STATUS_NAME", "Full-time employees")):
        found = sorted(set(f[column].astype("string").str.strip().dropna()))
        if found != [want]:
            raise ParseError(f"Nomis CSV: {column} should be {want!r} in every row, found {found[:5]}")
    code = _label_code(f["INDUSTRY_NAME"])
    bad = f.loc[~code.str.fullmatch(r"\d{2}").fillna(False), "INDUSTRY_NAME"]
    if len(bad):
        raise ParseError(f"Nomis CSV: industries that are not SIC 2007 divisions, e.g. {bad.iloc[0]!r}")
    out = pd.DataFrame({
        "year": numeric(f["DATE"].str[:4], "Nomis DATE").astype("int64"),
        "industry_code": code,
        "industry_name": f["INDUSTRY_NAME"].astype("string"),
        "value": numeric(f["OBS_VALUE"], "Nomis OBS_VALUE"),
        "unit": FULLTIME_UNIT,
    })
    twice = out[out.duplicated(["year", "industry_code"])]
    if len(twice):
        raise ParseError(f"Nomis CSV: division {twice['industry_code'].iloc[0]} appears twice in "
                         f"{twice['year'].iloc[0]} (overlapping parts?)")
    return out


CENSUS_UNIT = "usual residents aged 16 to 74 in employment, count"
_CENSUS_MANUFACTURING = r"(?:[A-Z]\.?\s+)?Manufacturing\b"
TOTAL_LABEL = re.compile(r"^\s*(All\b|Total\b)", re.IGNORECASE)
# columns of a Nomis CSV that are not a category dimension's label
_NOT_CATEGORY = {"DATE_NAME", "GEOGRAPHY_NAME", "MEASURES_NAME", "OBS_STATUS_NAME", "OBS_CONF_NAME",
                 "FREQ_NAME", "TIME_NAME", "MEASURE_NAME"}


def _sdmx(body: bytes, what: str) -> dict:
    try:
        doc = json.loads(text(body, what))
        return doc["structure"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ParseError(f"{what}: not the def.sdmx.json layout ({exc!r})") from exc


def _listed(node) -> list:
    return node if isinstance(node, list) else [node] if node else []


def _label(node) -> str:
    return str(node.get("value", "") if isinstance(node, dict) else node or "").strip()


def nomis_dimensions(body: bytes) -> list[tuple[str, str]]:
    """(concept, codelist id) of every dimension of a Nomis dataset's definition (``dataset/<id>.def.sdmx.json``:
    ``structure.keyfamilies.keyfamily[0].components.dimension[]``, each with ``conceptref`` and ``codelist``), in
    its order; the time dimension is not among them. A body in another layout raises :class:`ParseError`."""
    structure = _sdmx(body, "Nomis dataset definition")
    try:
        [family] = _listed(structure["keyfamilies"]["keyfamily"])
        dims = _listed(family["components"]["dimension"])
        out = [(str(d["conceptref"]).upper(), str(d.get("codelist", ""))) for d in dims]
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"Nomis dataset definition: no single keyfamily with components.dimension ({exc!r})") from exc
    if not out:
        raise ParseError("Nomis dataset definition: the dataset lists no dimensions")
    return out


def nomis_codes(body: bytes) -> list[tuple[str, str]]:
    """(code, label) of every code of a Nomis codelist (``codelist/<id>.def.sdmx.json``:
    ``structure.codelists.codelist[0].code[]``, each with ``value`` and ``description.value``)."""
    structure = _sdmx(body, "Nomis codelist")
    try:
        [codelist] = _listed(structure["codelists"]["codelist"])
        codes = [(str(c["value"]), _label(c.get("description"))) for c in _listed(codelist["code"])]
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"Nomis codelist: no single codelist with code[] ({exc!r})") from exc
    if not codes:
        raise ParseError("Nomis codelist: no codes")
    return codes


def total_code(codes: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The code of a dimension's total (its label 'All ...' or 'Total ...', code 0 first), else None."""
    totals = [c for c in codes if TOTAL_LABEL.match(c[1])]
    return next((c for c in totals if c[0] == "0"), totals[0] if totals else None)


def is_industry(codes: list[tuple[str, str]]) -> bool:
    """Whether a codelist is a table's industry cells (it holds a Manufacturing section)."""
    return any(re.fullmatch(_CENSUS_MANUFACTURING + r".*", label) for _, label in codes)


@parser("nomis_census_csv")
def nomis_census_csv(raw: bytes) -> pd.DataFrame:
    """The Nomis API's CSV answer for a census industry table by area (2001 KS011a, 2011 KS605EW): one row per
    area and industry cell. The industry dimension's label column (``CELL_NAME``, or the ``<DIM>_NAME`` the
    dataset's definition named) is the one holding a Manufacturing cell (``"C Manufacturing"``,
    ``"D. Manufacturing"``); it becomes ``cell_name``. Every other label column (``C_SEX_NAME``,
    ``RURAL_URBAN_NAME``, ...) must hold its total alone (``All persons``, ``Total``): a query that left a
    dimension open would count every area several times. ``category`` is ``all`` for the table's total cell,
    ``manufacturing`` for the manufacturing section and ``other`` for the rest; an answer without both, with
    an area and cell twice, or with no such label column is refused."""
    need = ["DATE", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "OBS_VALUE"]
    f = read_csv(raw, "Nomis census CSV", need, dtype="string")
    labels = [c for c in f.columns if str(c).endswith("_NAME") and c not in _NOT_CATEGORY]
    industry = [c for c in labels
                if f[c].str.strip().str.fullmatch(_CENSUS_MANUFACTURING + r".*").fillna(False).any()]
    if len(industry) != 1:
        found = {c: sorted(set(f[c].dropna()))[:4] for c in labels}
        raise ParseError(f"Nomis census CSV: no single industry column with a manufacturing cell among {found}; "
                         "is this an industry table (2001 KS011a, 2011 KS605EW)?")
    [column] = industry
    for other in labels:
        if other == column:
            continue
        values = sorted(set(f[other].str.strip().dropna()))
        if len(values) != 1 or not TOTAL_LABEL.match(values[0]):
            raise ParseError(f"Nomis census CSV: {other} should be one total ('All ...' or 'Total') in every row, "
                             f"found {values[:5]}: a dimension of the table was not fixed to its total")
    cell = f[column].str.strip()
    category = pd.Series("other", index=f.index, dtype="string")
    category = category.mask(cell.str.match(r"All\b").fillna(False), "all")
    category = category.mask(cell.str.fullmatch(_CENSUS_MANUFACTURING + r".*").fillna(False), "manufacturing")
    if not (category == "all").any():
        raise ParseError(f"Nomis census CSV: no 'all' cell among the cells {sorted(set(cell.dropna()))[:8]}; "
                         "is this an industry table (2001 KS011a, 2011 KS605EW)?")
    out = pd.DataFrame({
        "year": numeric(f["DATE"].str[:4], "Nomis DATE").astype("int64"),
        "geography_code": f["GEOGRAPHY_CODE"].astype("string"),
        "geography_name": f["GEOGRAPHY_NAME"].astype("string").str.strip(),
        "cell_name": cell,
        "category": category,
        "value": numeric(f["OBS_VALUE"], "Nomis OBS_VALUE"),
        "unit": CENSUS_UNIT,
    })
    twice = out[out.duplicated(["year", "geography_code", "cell_name"])]
    if len(twice):
        raise ParseError(f"Nomis census CSV: {twice['geography_code'].iloc[0]} has the cell "
                         f"{twice['cell_name'].iloc[0]!r} more than once in {twice['year'].iloc[0]} (a dimension "
                         "such as sex left open?)")
    return out
