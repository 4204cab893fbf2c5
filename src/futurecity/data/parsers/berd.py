"""ONS BERD time-series spreadsheet (xlsx), found through its dataset page.

The workbook changes with each release, so its tables are found by their titles, never by sheet name or cell
address. See :func:`berd_xlsx` for the layout it expects.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import pandas as pd

from futurecity.data.parsers.base import numeric, parser
from futurecity.errors import ParseError

UNIT = "GBP million, current prices"
UK = ("K02000001", "United Kingdom")

# Title patterns of the two tables, matched anywhere in a cell's text (case-insensitive).
PRODUCT_TITLE = re.compile(r"\bby product group\b", re.IGNORECASE)
REGION_TITLE = re.compile(r"\bby (?:\w+ )?region\b", re.IGNORECASE)

# GSS codes of the UK, its countries and the English regions, keyed by normalised label.
REGION_CODES = {
    "united kingdom": "K02000001", "uk": "K02000001", "england": "E92000001", "wales": "W92000004",
    "scotland": "S92000003", "northern ireland": "N92000002", "north east": "E12000001",
    "north west": "E12000002", "yorkshire and the humber": "E12000003", "east midlands": "E12000004",
    "west midlands": "E12000005", "east": "E12000006", "east of england": "E12000006", "london": "E12000007",
    "south east": "E12000008", "south west": "E12000009",
}
GSS_CODE = re.compile(r"^[EKNSW]\d{8}$")
TOTAL_LABEL = re.compile(r"^(total|all product groups)\b", re.IGNORECASE)
MISSING = ("", ".", "..", ":", "-", "c", "x", "[c]", "[x]", "[z]", "[low]", "*")
HEADER_SEARCH_ROWS = 12


@dataclass(frozen=True)
class Table:
    """One table of a sheet: the cells below its header row, the column of row labels and the year columns."""

    title: str
    sheet: str
    label_col: int
    years: dict[int, int]  # column index -> year
    rows: list[tuple]


def _cells(ws) -> list[tuple]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def _year(cell) -> int | None:
    """A header cell that reads as a year (2019, '2019', '2019 [note 4]'), else None."""
    m = re.match(r"^\s*((?:19|20)\d{2})(?:\s*\[.*\])?\s*$", str(cell)) if cell is not None else None
    return int(m.group(1)) if m else None


def _find_title(sheets: dict[str, list[tuple]], pattern: re.Pattern) -> tuple[str, int, str] | None:
    """(sheet, row index, title) of the first cell whose text matches ``pattern``, scanning sheets in order."""
    for name, rows in sheets.items():
        for r, row in enumerate(rows):
            for cell in row:
                if isinstance(cell, str) and pattern.search(cell):
                    return name, r, cell.strip()
    return None


def _table(sheets: dict[str, list[tuple]], pattern: re.Pattern, what: str) -> Table:
    """The table titled like ``pattern``: header = first row below the title with two or more year cells;
    labels = the last text column left of the first year; rows run down to the first blank row."""
    hit = _find_title(sheets, pattern)
    if hit is None:
        raise ParseError(f"BERD spreadsheet: no table {what} (looked for a cell matching {pattern.pattern!r} in "
                         f"sheets {list(sheets)})")
    sheet, r0, title = hit
    rows = sheets[sheet]
    for r in range(r0 + 1, min(r0 + 1 + HEADER_SEARCH_ROWS, len(rows))):
        years = {c: y for c, cell in enumerate(rows[r]) if (y := _year(cell)) is not None}
        if len(years) >= 2:
            break
    else:
        raise ParseError(f"BERD spreadsheet: no header row of years within {HEADER_SEARCH_ROWS} rows below "
                         f"{title!r} (sheet {sheet!r})")
    first_year = min(years)
    body = []
    for row in rows[r + 1:]:
        if all(cell is None or str(cell).strip() == "" for cell in row):
            break
        body.append(row)
    label_col = _label_column(body, first_year)
    if label_col is None or not body:
        raise ParseError(f"BERD spreadsheet: table {title!r} has no rows with text labels left of the years")
    return Table(title=title, sheet=sheet, label_col=label_col, years=years, rows=body)


def _label_column(body: list[tuple], first_year: int) -> int | None:
    """The right-most column left of the year columns whose cells are mostly text that is not a GSS code."""
    for c in range(first_year - 1, -1, -1):
        texts = [row[c] for row in body if c < len(row) and isinstance(row[c], str)]
        if texts and sum(not GSS_CODE.match(t.strip()) for t in texts) > len(body) / 2:
            return c
    return None


def _long(table: Table) -> pd.DataFrame:
    """The table as long rows: label, code (a GSS code found on the row, if any), year, value."""
    out = []
    for row in table.rows:
        label = str(row[table.label_col] or "").strip()
        code = next((str(c).strip() for c in row[: min(table.years)] if isinstance(c, str)
                     and GSS_CODE.match(c.strip())), None)
        for col, year in table.years.items():
            cell = row[col] if col < len(row) else None
            out.append((label, code, year, "" if cell is None else str(cell).strip()))
    f = pd.DataFrame(out, columns=["label", "code", "year", "value"])
    f["value"] = numeric(f["value"].str.lower(), f"BERD table {table.title!r}", missing=MISSING)
    return f.dropna(subset=["value"])


def _clean(label: str) -> str:
    """'North East [note 3]' -> 'north east'; '&' reads as 'and'."""
    label = re.sub(r"\[.*?\]|\(.*?\)|\d+$", "", label).replace("&", "and")
    return re.sub(r"\s+", " ", label).strip().lower()


def _product_rows(table: Table) -> pd.DataFrame:
    f = _long(table)
    group = f["label"].where(~f["label"].str.match(TOTAL_LABEL), "")
    return pd.DataFrame({"year": f["year"], "geography_code": UK[0], "geography_name": UK[1],
                         "product_group": group, "value": f["value"]})


def _region_rows(table: Table) -> pd.DataFrame:
    f = _long(table)
    code = f["code"].fillna(f["label"].map(_clean).map(REGION_CODES))
    unknown = sorted(set(f["label"][code.isna()]))
    if unknown:
        raise ParseError(f"BERD spreadsheet: table {table.title!r} has region labels with no GSS code: {unknown}; "
                         f"known labels: {sorted(REGION_CODES)}")
    return pd.DataFrame({"year": f["year"], "geography_code": code, "geography_name": f["label"],
                         "product_group": "", "value": f["value"]})


def _workbook(raw: bytes) -> dict[str, list[tuple]]:
    """Every sheet of an xlsx as lists of cell values; a non-xlsx body is a ParseError."""
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ParseError(f"expected an xlsx workbook but got {raw[:40]!r}...")
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged workbook
        raise ParseError(f"the BERD workbook could not be opened: {exc}") from exc
    try:
        return {ws.title: _cells(ws) for ws in wb.worksheets}
    finally:
        wb.close()


@parser("berd_xlsx")
def berd_xlsx(raw: bytes) -> pd.DataFrame:
    """The BERD time-series workbook as tidy rows (year, measure 'BERD', geography, product group, value, unit).

    Layout it expects (sheet names, positions and other tables do not matter):

    - a **product-group table**: a cell whose text contains ``by product group`` (its title, e.g. "Table 3:
      Expenditure on R&D performed in UK businesses by product group, current prices, £ million"); within
      12 rows below it a header row holding two or more years (``2019`` or ``"2019 [note 2]"``); under it
      one row per product group, its label in the text column just left of the years, down to a blank row. A
      label starting ``Total`` or ``All product groups`` is the UK total (``product_group`` empty);
    - a **region table**: a cell whose text contains ``by region`` (or ``by ITL1 region`` ...), laid out the
      same way with one row per country or English region. A GSS code on the row (``E12000001``) is used when
      present, else the label is looked up in :data:`REGION_CODES`; an unknown label is an error.

    Values are GBP million at current prices; ``..``, ``[c]``, ``[x]``, ``-`` and empty cells are missing.
    A missing title or header raises :class:`ParseError` naming the labels looked for.
    """
    sheets = _workbook(raw)
    products = _product_rows(_table(sheets, PRODUCT_TITLE, "by product group"))
    regions = _region_rows(_table(sheets, REGION_TITLE, "by region"))
    f = pd.concat([products, regions], ignore_index=True)
    if f.empty:
        raise ParseError("BERD spreadsheet: the product-group and region tables hold no values")
    return pd.DataFrame({
        "year": f["year"].astype("int64"),
        "measure": pd.Series("BERD", index=f.index, dtype="string"),
        "geography_code": f["geography_code"].astype("string"),
        "geography_name": f["geography_name"].astype("string"),
        "product_group": f["product_group"].astype("string"),
        "value": f["value"].astype("float64"),
        "unit": pd.Series(UNIT, index=f.index, dtype="string"),
    })
