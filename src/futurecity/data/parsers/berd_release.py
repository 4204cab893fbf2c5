"""ONS BERD release tables ("Research and Development in UK Businesses, YYYY - Datasets"): the workbook of one
annual release on ONS's pre-2022 method, legacy .xls (BIFF, 2014 and 2017 releases) or .xlsx (later releases),
read into one tidy frame by :func:`berd_release`.

Layout it expects (the layout of the 2014 and 2017 releases; sheet names, positions and other tables do not
matter):

- one table per sheet: the table number in A1, title lines below it, then one or more **header rows** of years
  (a row with two or more year cells: ``2017``, ``2017.0`` or ``"2017"``), then rows of a label (often with
  leading spaces and a footnote digit), a CDID (the four-character ONS series id, e.g. ``DLBX``) and values. A
  table is found by its **title** (the text above its first header row), never by sheet name or cell address.
- the year columns of a header row fall into **blocks**: a block ends where the years stop increasing (Table 2
  repeats the last year in a "% of total" column; Table 7 repeats every year in its employment block). Each
  block's **unit** is the text written above it in the title lines (``£ million``, ``Expenditure £ million``,
  ``% of total``, ``Employment full time equivalent in thousands``, ``Employment FTE in thousands``): a value is
  read from the block whose unit is the one wanted, never by its year alone. A block's CDID is the CDID-like
  cell of the row just left of the block (Table 7's employment block has its own CDIDs in the 2017 release and
  none in the 2014 one). Columns without a year (the ``†`` revision markers) are never read.
- cells: numbers; ``..`` (disclosive, suppressed; often with leading spaces) and ``-`` (nil or not available)
  are missing values, flagged ``suppressed`` and ``nil``, never 0; an empty cell in a year column is missing and
  flagged ``blank``; anything else is an error naming the table, CDID and year.

Tables read (each must be there, or :class:`ParseError` names the title it looked for):

- **Table 1** "... CURRENT AND CONSTANT PRICES AND AS A PERCENTAGE OF GDP": BERD at current prices (CDID
  DLBX), at constant prices (A8E3, or the label "Constant prices (YYYY)"; the 2014 release gives no CDID), GDP
  at current prices (DLHT), BERD as a per cent of GDP (A8EJ, or the label "As a % of GDP"; ONS prints it to one
  decimal) and the GDP deflator ONS used for the constant prices (label "GDP deflator ...", no CDID).
- **Table 2** "... DETAILED PRODUCT GROUPS, YYYY TO YYYY": one row per product group, found by the CDIDs of
  ``data/berd_product_groups.csv`` (column ``cdid``; labels differ between releases, CDIDs do not). A group
  whose ``first_year`` is later than the table's last year may be absent (Software development, E4BM, is shown
  from 2016). A CDID in the table that the grouping table does not know is an error. The TOTAL row (DLBX) must
  equal Table 1's BERD.
- **Table 7** "... BY COUNTRY OR REGION: EXPENDITURE AND EMPLOYMENT": the UK, England, the nine English
  regions, Wales, Scotland and Northern Ireland; expenditure (GBP million) and employment (FTE, thousands). The
  GSS code is the row's area code when there is one (2017), else its label looked up in
  :data:`futurecity.data.parsers.berd.REGION_CODES` (2014); both must agree when both are there.

The frame: ``year, measure, geography_code, geography_name, product_group, value, unit, cdid, flag`` (see
:func:`berd_release`). The UK total is given once (from Table 1); Tables 2 and 7 repeat it and are checked
against it.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd

from futurecity import reads
from futurecity.data.parsers.base import parser
from futurecity.data.parsers.berd import GSS_CODE, REGION_CODES, UK
from futurecity.errors import ParseError

GROUPS_TABLE = "berd_product_groups.csv"
CURRENT = "GBP million, current prices"
FTE = "FTE, thousands"
SHARE = "per cent of GDP"
COLUMNS = ["year", "measure", "geography_code", "geography_name", "product_group", "value", "unit", "cdid", "flag"]
# The 14 rows of Table 7 (the UK, England, the nine English regions, Wales, Scotland, Northern Ireland), by GSS code.
GEOGRAPHIES = ("K02000001", "E92000001", "E12000001", "E12000002", "E12000003", "E12000004", "E12000005",
               "E12000006", "E12000007", "E12000008", "E12000009", "W92000004", "S92000003", "N92000002")

CDID = re.compile(r"^[A-Z0-9]{4}$")
MARKERS = {"..": "suppressed", "-": "nil"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Titles, matched against the title text of a table (upper case, spaces collapsed), from its start.
TABLE1 = re.compile(r"^\d*\s*EXPENDITURE ON R&D PERFORMED IN UK BUSINESSES:? CURRENT AND CONSTANT PRICES AND AS A "
                    r"PERCENTAGE OF GDP")
TABLE2 = re.compile(r"^\d*\s*EXPENDITURE ON R&D PERFORMED IN UK BUSINESSES:? DETAILED PRODUCT GROUPS,? "
                    r"\d{4} TO \d{4}")
TABLE7 = re.compile(r"^\d*\s*BREAKDOWN OF R&D PERFORMED IN UK BUSINESSES BY COUNTRY OR REGION:? "
                    r"EXPENDITURE AND EMPLOYMENT")

# Block units, matched against the text above a block.
EXPENDITURE = re.compile(r"£\s*million", re.IGNORECASE)
EMPLOYMENT = re.compile(r"employment|full[- ]time equivalent|\bFTE\b", re.IGNORECASE)
PERCENT = re.compile(r"%|per ?cent", re.IGNORECASE)


# --- the workbook as rows of cells ---------------------------------------------------------------------------

def _xls_sheets(raw: bytes) -> dict[str, list[tuple]]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=raw, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors ... for a damaged file
        raise ParseError(f"the BERD release workbook (.xls) could not be opened: {exc}") from exc
    out = {}
    try:
        for name in book.sheet_names():
            sheet = book.sheet_by_name(name)
            rows = []
            for r in range(sheet.nrows):
                cells = []
                for cell in sheet.row(r):
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        cells.append(None)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        cells.append(f"#ERROR {xlrd.error_text_from_code.get(cell.value, cell.value)}")
                    else:
                        cells.append(cell.value)
                rows.append(tuple(cells))
            out[name] = rows
    finally:
        book.release_resources()
    return out


def _xlsx_sheets(raw: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged workbook
        raise ParseError(f"the BERD release workbook (.xlsx) could not be opened: {exc}") from exc
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def sheets(raw: bytes) -> dict[str, list[tuple]]:
    """Every sheet of a legacy .xls (by its OLE2 signature) or an .xlsx (a zip) as rows of cell values (None for
    an empty cell); anything else is a ParseError."""
    if raw.startswith(OLE2):
        return _xls_sheets(raw)
    if zipfile.is_zipfile(io.BytesIO(raw)):
        return _xlsx_sheets(raw)
    raise ParseError(f"expected a BERD release workbook (.xls or .xlsx) but got {raw[:40]!r}...")


# --- tables, blocks, rows ---------------------------------------------------------------------------------------

def _text(cell) -> str:
    return re.sub(r"\s+", " ", cell).strip() if isinstance(cell, str) else ""


def _year(cell) -> int | None:
    """A header cell that reads as a year (2017, 2017.0, '2017'), else None."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, (int, float)):
        return int(cell) if float(cell).is_integer() and 1900 <= cell <= 2100 else None
    m = re.fullmatch(r"\s*((?:19|20)\d{2})\s*", str(cell))
    return int(m.group(1)) if m else None


def _cdid(cell) -> str | None:
    text = _text(cell)
    return text if CDID.match(text) and re.search(r"[A-Z]", text) and not text.isdigit() else None


@dataclass
class Block:
    """Year columns of one header row whose years increase, with the unit written above them."""

    years: dict[int, int]  # column -> year
    unit: str
    cdid_cols: range  # where the block's CDID sits on a data row: the columns just left of the block


@dataclass
class Header:
    row: int
    blocks: list[Block]


@dataclass
class Row:
    """A data row: its label (stripped), CDIDs by block index, a GSS code if the row has one, and cells."""

    label: str
    cells: tuple
    header: Header
    code: str | None = None
    cdids: dict[int, str] = field(default_factory=dict)


@dataclass
class Table:
    name: str  # e.g. "Table 7" (from A1) or the sheet name
    sheet: str
    title: str
    headers: list[Header]
    rows: list[Row]
    texts: list[str] = field(default_factory=list)  # every text cell of the sheet

    def where(self) -> str:
        return f"{self.name} {self.title[:90]!r} (sheet {self.sheet!r})"


def _is_header(row: tuple) -> bool:
    """Two or more year cells, no other number and no CDID (a data row of values near 2000 is not a header)."""
    numbers = [c for c in row if isinstance(c, (int, float)) and not isinstance(c, bool)]
    years = [c for c in row if _year(c) is not None]
    return len(years) >= 2 and all(_year(c) is not None for c in numbers) and not any(_cdid(c) for c in row)


def _headers(rows: list[tuple]) -> list[int]:
    return [r for r, row in enumerate(rows) if _is_header(row)]


def _blocks(rows: list[tuple], r: int, previous: int) -> list[Block]:
    """The blocks of header row ``r``; units from the text cells of rows ``previous + 1 .. r - 1`` lying over a
    block's columns (from just right of the previous block to its last year column)."""
    years = sorted((c, y) for c, cell in enumerate(rows[r]) if (y := _year(cell)) is not None)
    groups: list[list[tuple[int, int]]] = []
    for c, y in years:
        if groups and y > groups[-1][-1][1]:
            groups[-1].append((c, y))
        else:
            groups.append([(c, y)])
    blocks, left = [], None
    for group in groups:
        first, last = group[0][0], group[-1][0]
        lo = first if left is None else left + 1
        unit = " ".join(t for row in rows[previous + 1: r] for c, cell in enumerate(row)
                        if lo <= c <= last and (t := _text(cell)) and "main menu" not in t.lower())
        cdid_lo = 0 if left is None else left + 1
        blocks.append(Block(dict(group), unit, range(cdid_lo, first)))
        left = last
    return blocks


def _table(name: str, rows: list[tuple]) -> Table | None:
    """The table of one sheet, or None when the sheet has no header row of years."""
    header_rows = _headers(rows)
    if not header_rows:
        return None
    top = header_rows[0]
    texts = [_text(c) for row in rows[:top] for c in row if _text(c) and "main menu" not in _text(c).lower()]
    number = rows[0][0] if rows and rows[0] else None
    label = f"Table {int(number)}" if isinstance(number, (int, float)) and not isinstance(number, bool) else name
    title = " ".join(t for t in texts if not re.fullmatch(r"\d+(\.0)?", t)).upper()
    headers, previous = [], -1
    for r in header_rows:
        headers.append(Header(r, _blocks(rows, r, previous if previous >= 0 else 0)))
        previous = r
    body = []
    for i, header in enumerate(headers):
        end = header_rows[i + 1] if i + 1 < len(headers) else len(rows)
        first_year_col = min(header.blocks[0].years)
        for row in rows[header.row + 1: end]:
            lead = row[:first_year_col]
            values = [row[c] for b in header.blocks for c in b.years if c < len(row)]
            if not any(v is not None and _text(v) != "" if isinstance(v, str) else v is not None for v in values):
                continue
            code = next((t for c in lead if GSS_CODE.match(t := _text(c))), None)
            words = [t for c in lead if (t := _text(c)) and not GSS_CODE.match(t) and not _cdid(c)]
            cdids = {}
            for k, block in enumerate(header.blocks):
                found = [cd for c in block.cdid_cols if c < len(row) and (cd := _cdid(row[c]))]
                if found:
                    cdids[k] = found[-1]
            if not words and not cdids and code is None:  # e.g. "Source: ..." written over a year column
                continue
            body.append(Row(label=words[-1] if words else "", cells=row, header=header, code=code, cdids=cdids))
    return Table(name=label, sheet=name, title=title, headers=headers, rows=body,
                 texts=[t for row in rows for c in row if (t := _text(c))])


def find_table(tables: list[Table], pattern: re.Pattern, what: str) -> Table:
    hits = [t for t in tables if pattern.search(t.title)]
    if not hits:
        raise ParseError(f"BERD release workbook: no {what} (looked for a title matching {pattern.pattern!r} in "
                         f"sheets {[t.sheet for t in tables]})")
    if len(hits) > 1:
        raise ParseError(f"BERD release workbook: more than one {what} (titles matching {pattern.pattern!r} in "
                         f"sheets {[t.sheet for t in hits]})")
    return hits[0]


def _cell(table: Table, row: Row, col: int, year: int, k: int = 0) -> tuple[float, str]:
    """(value, flag) of one cell: a number and "", or NaN and "suppressed" / "nil" / "blank"."""
    cell = row.cells[col] if col < len(row.cells) else None
    if cell is None:
        return math.nan, "blank"
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell), ""
    text = _text(cell)
    if text == "":
        return math.nan, "blank"
    if text in MARKERS:
        return math.nan, MARKERS[text]
    try:
        return float(text.replace(",", "")), ""
    except ValueError:
        raise ParseError(f"BERD release workbook: {table.where()}, row {row.label!r} "
                         f"({row.cdids.get(k, 'no CDID')}), year {year}: {cell!r} is neither a number nor '..' "
                         "or '-'") from None


def _is_percent(block: Block) -> bool:
    return bool(PERCENT.search(block.unit)) and not EXPENDITURE.search(block.unit) \
        and not EMPLOYMENT.search(block.unit)


def _block(table: Table, header: Header, unit: re.Pattern, what: str) -> tuple[int, Block]:
    """The first block of ``header`` headed ``unit`` (never a "% of total" block)."""
    for k, block in enumerate(header.blocks):
        if unit.search(block.unit) and not _is_percent(block):
            return k, block
    raise ParseError(f"BERD release workbook: {table.where()} has no block of year columns headed {what} "
                     f"(looked for {unit.pattern!r} above the years; found {[b.unit for b in header.blocks]})")


def _series(table: Table, row: Row, k: int, block: Block) -> list[tuple[int, float, str]]:
    return [(year, *_cell(table, row, col, year, k)) for col, year in sorted(block.years.items())]


# --- the three tables --------------------------------------------------------------------------------------------

def _row(table: Table, cdid: str | None, label: re.Pattern | None, what: str) -> Row:
    """The row with CDID ``cdid`` in the first block, else (when ``label`` is given) the row whose label matches."""
    if cdid:
        hits = [r for r in table.rows if r.cdids.get(0) == cdid]
        if hits:
            return hits[0]
    if label is not None:
        hits = [r for r in table.rows if label.search(r.label)]
        if hits:
            return hits[0]
    looked = " or ".join(x for x in (f"CDID {cdid}" if cdid else "", f"label {label.pattern!r}" if label else "")
                         if x)
    raise ParseError(f"BERD release workbook: {table.where()} has no row {what} (looked for {looked})")


def _table1(table: Table) -> list[dict]:
    out = []
    specs = [  # measure, cdid, label, unit (None: from the table)
        ("BERD", "DLBX", None, CURRENT),
        ("BERD constant prices", "A8E3", re.compile(r"^constant prices\b", re.IGNORECASE), None),
        ("GDP", "DLHT", re.compile(r"^GDP$", re.IGNORECASE), CURRENT),
        ("BERD share of GDP", "A8EJ", re.compile(r"%\s*of GDP", re.IGNORECASE), SHARE),
        ("GDP deflator", None, re.compile(r"^GDP deflator", re.IGNORECASE), None),
    ]
    for measure, cdid, label, unit in specs:
        row = _row(table, cdid, label, f"for {measure}")
        if measure == "BERD constant prices":
            base = re.search(r"\((\d{4})\)", row.label)
            if base is None:
                raise ParseError(f"BERD release workbook: {table.where()}: the constant-prices row {row.label!r} "
                                 "names no price base year '(YYYY)'")
            unit = f"GBP million, constant prices ({base.group(1)})"
        if measure == "GDP deflator":
            base = next((t for t in table.texts if re.fullmatch(r"\d{4} ?= ?100", t)), None)
            if base is None:
                raise ParseError(f"BERD release workbook: {table.where()}: no 'YYYY = 100' line for the GDP deflator")
            unit = f"index, {base}"
        block = row.header.blocks[0]
        for year, value, flag in _series(table, row, 0, block):
            out.append(dict(year=year, measure=measure, geography_code=UK[0], geography_name=UK[1],
                            product_group="", value=value, unit=unit, cdid=row.cdids.get(0, ""), flag=flag))
    return out


def _groups() -> pd.DataFrame:
    table = pd.read_csv(io.BytesIO(reads.read_table(GROUPS_TABLE)), dtype="string", keep_default_na=False)
    missing = [c for c in ("product_group", "cdid", "first_year") if c not in table.columns]
    if missing:
        raise ParseError(f"data/{GROUPS_TABLE} has no columns {missing}")
    return table


def _table2(table: Table, groups: pd.DataFrame) -> tuple[list[dict], list[tuple[int, float, str]]]:
    """Rows for every product group of the grouping table, and the TOTAL (DLBX) series to check."""
    header = table.headers[0]
    k, block = _block(table, header, EXPENDITURE, "'£ million'")
    last = max(block.years.values())
    by_cdid = {r.cdids.get(k if k in r.cdids else 0): r for r in table.rows if r.cdids}
    known = dict(zip(groups["cdid"], groups["product_group"]))
    unknown = sorted(f"{cd} ({r.label!r})" for cd, r in by_cdid.items() if cd not in known and cd != "DLBX")
    if unknown:
        raise ParseError(f"BERD release workbook: {table.where()} has product groups that data/{GROUPS_TABLE} does "
                         f"not know: {unknown}; add their CDIDs there")
    out = []
    for cdid, group, first in groups[["cdid", "product_group", "first_year"]].itertuples(index=False):
        row = by_cdid.get(cdid)
        if row is None:
            if first and int(first) > last:
                continue
            raise ParseError(f"BERD release workbook: {table.where()} has no row with CDID {cdid} (product group "
                             f"{group!r} of data/{GROUPS_TABLE})")
        for year, value, flag in _series(table, row, k, block):
            out.append(dict(year=year, measure="BERD", geography_code=UK[0], geography_name=UK[1],
                            product_group=group, value=value, unit=CURRENT, cdid=cdid, flag=flag))
    total = by_cdid.get("DLBX")
    if total is None:
        raise ParseError(f"BERD release workbook: {table.where()} has no TOTAL row with CDID DLBX")
    return out, _series(table, total, k, block)


def _table7(table: Table) -> tuple[list[dict], list[tuple[int, float, str]]]:
    header = table.headers[0]
    blocks = [("BERD", CURRENT, *_block(table, header, EXPENDITURE, "'Expenditure £ million'")),
              ("BERD employment", FTE, *_block(table, header, EMPLOYMENT, "'Employment ... FTE'"))]
    out, seen, uk_total = [], {}, None
    for row in table.rows:
        name = re.sub(r"\s*\d+$", "", row.label).strip()
        by_label = REGION_CODES.get(re.sub(r"\s+", " ", name.replace("&", "and")).lower())
        code = row.code or by_label
        if row.code and by_label and row.code != by_label:
            raise ParseError(f"BERD release workbook: {table.where()}: row {row.label!r} has area code {row.code}, "
                             f"but the label is {by_label}")
        if code is None:
            raise ParseError(f"BERD release workbook: {table.where()}: row {row.label!r} has no area code and a "
                             f"label with no known GSS code (known: {sorted(REGION_CODES)})")
        if code in seen:
            raise ParseError(f"BERD release workbook: {table.where()}: {code} appears twice ({seen[code]!r}, "
                             f"{row.label!r})")
        seen[code] = name
        for measure, unit, k, block in blocks:
            series = _series(table, row, k, block)
            if code == UK[0] and measure == "BERD":
                uk_total = series
                continue
            out += [dict(year=year, measure=measure, geography_code=code, geography_name=name, product_group="",
                         value=value, unit=unit, cdid=row.cdids.get(k, ""), flag=flag)
                    for year, value, flag in series]
    missing = [c for c in GEOGRAPHIES if c not in seen]
    if missing:
        names = {v: k for k, v in REGION_CODES.items()}
        raise ParseError(f"BERD release workbook: {table.where()} has no row for {missing} "
                         f"({[names.get(c) for c in missing]}), looked for by area code or label")
    return out, uk_total


def _same(a: list[tuple], b: list[tuple], what: str) -> None:
    left = {y: v for y, v, _ in a}
    diff = [(y, left[y], v) for y, v, _ in b if y in left and not (v == left[y] or (math.isnan(v) and math.isnan(
        left[y])))]
    if diff or set(left) != {y for y, _, _ in b}:
        raise ParseError(f"BERD release workbook: {what} differs from Table 1's DLBX (year, Table 1, here): "
                         f"{diff[:3] or 'other years'}")


@parser("berd_release")
def berd_release(raw: bytes) -> pd.DataFrame:
    """One BERD release workbook (.xls or .xlsx, see the module) as one tidy frame, one row per year and series:

    - ``measure``: ``BERD`` (``unit`` "GBP million, current prices"; UK total, each product group, each country
      and region), ``BERD constant prices`` ("GBP million, constant prices (YYYY)"), ``BERD share of GDP``
      ("per cent of GDP", one decimal as ONS prints it), ``GDP`` ("GBP million, current prices"), ``GDP
      deflator`` ("index, YYYY = 100"), ``BERD employment`` ("FTE, thousands"; each country and region);
    - ``geography_code``/``geography_name``: GSS code and the release's label (K02000001 "United Kingdom" for
      the UK and for every product group);
    - ``product_group``: the name in ``data/berd_product_groups.csv`` (by CDID), "" for totals and regions;
    - ``value``: float, NaN where ``flag`` is ``suppressed`` (``..``), ``nil`` (``-``) or ``blank``; ``flag`` ""
      for a published number; ``cdid``: the ONS series id of the row's block ("" where the release gives none).
    """
    tables = [t for name, rows in sheets(raw).items() if (t := _table(name, rows)) is not None]
    t1 = find_table(tables, TABLE1, "Table 1 (BERD at current and constant prices and as a % of GDP)")
    t2 = find_table(tables, TABLE2, "Table 2 (detailed product groups, current prices)")
    t7 = find_table(tables, TABLE7, "Table 7 (expenditure and employment by country or region)")
    total = _table1(t1)
    groups, total2 = _table2(t2, _groups())
    regions, total7 = _table7(t7)
    dlbx = [(r["year"], r["value"], r["flag"]) for r in total if r["cdid"] == "DLBX"]
    _same(dlbx, total2, f"{t2.name}'s TOTAL (DLBX)")
    _same(dlbx, total7, f"{t7.name}'s United Kingdom row")
    f = pd.DataFrame(total + groups + regions, columns=COLUMNS)
    for col in COLUMNS:
        f[col] = f[col].astype("int64" if col == "year" else "float64" if col == "value" else "string")
    f.attrs["tables"] = {"total": t1.where(), "product_groups": t2.where(), "regions": t7.where()}
    return f
