"""The BERD release parser on the two real ONS release workbooks pinned in the snapshot folder, against anchors
from PROVENANCE.md and against a plain reading of the same cells with xlrd written here (sheet by name, row by
the CDID cell, column by the year in the header row: the first column of a year for expenditure, the last for
employment); and its refusals, on the real 2017 workbook rewritten as .xlsx with one thing changed."""

from __future__ import annotations

import csv
import functools
import io
import math
import re

import pandas as pd
import pytest
import xlrd
from fixtures_data import *  # noqa: F403
from openpyxl import Workbook

from futurecity.data import parsers, store
from futurecity.data.parsers.berd_release import sheets
from futurecity.errors import ParseError

FILES = {"berd_release_2017": "uk/ons_berd_2017_release_tables_2006_2017.xls",
         "berd_release_2014": "uk/ons_berd_2014_release_tables_2003_2014.xls"}
REGIONS = {"DLJT": "E12000002", "DLKL": "E12000007", "DLJV": "S92000003", "DLJN": "E12000005",
           "DLJW": "N92000002"}
GROUPS = ["DLCD", "DLCG", "DLDB", "DLBY", "DLCX", "DLCF"]


# --- a plain reading of the workbooks ---------------------------------------------------------------------------

@functools.cache
def book(source_id: str) -> xlrd.Book:
    return xlrd.open_workbook(str(snapshots_dir() / FILES[source_id]))


def plain(source_id: str, sheet: str, cdid: str, last: bool = False) -> dict[int, object]:
    """Year -> the cell of the row whose CDID cell is ``cdid``: the first column headed by that year (the last
    when ``last``), in the sheet's row with the most year cells."""
    sh = book(source_id).sheet_by_name(sheet)
    rows = [sh.row_values(r) for r in range(sh.nrows)]
    header = max(rows, key=lambda row: sum(isinstance(c, float) and 1990 < c < 2030 for c in row))
    cols: dict[int, int] = {}
    for c, cell in enumerate(header):
        if isinstance(cell, float) and 1990 < cell < 2030 and (last or int(cell) not in cols):
            cols[int(cell)] = c
    [row] = [row for row in rows if any(isinstance(c, str) and c.strip() == cdid for c in row[:3])]
    return {year: row[c] for year, c in cols.items()}


def employment_cdid_row(source_id: str, expenditure_cdid: str) -> dict[int, object]:
    return plain(source_id, "7", expenditure_cdid, last=True)


def frame(source_id: str) -> pd.DataFrame:
    return store.load(source_id)


def series(f: pd.DataFrame, measure: str, **where) -> pd.DataFrame:
    sel = f["measure"] == measure
    for col, value in where.items():
        sel &= f[col] == value
    return f[sel].set_index("year").sort_index()


def same(got: pd.DataFrame, cells: dict[int, object]) -> None:
    """The parsed values and flags against the plain cells, year by year."""
    assert sorted(got.index) == sorted(cells)
    for year, cell in cells.items():
        value, flag = got.loc[year, "value"], got.loc[year, "flag"]
        if isinstance(cell, float):
            assert value == cell and flag == "", (year, cell, value, flag)
        else:
            assert math.isnan(value) and flag == {"..": "suppressed", "-": "nil"}[cell.strip()], (year, cell, flag)


@pytest.fixture(autouse=True)
def _env(data_env):
    return data_env


# --- anchors ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source_id, value", [("berd_release_2017", 18_617), ("berd_release_2014", 18_799)])
def test_total_berd_2013_is_the_published_anchor(source_id, value):
    total = series(frame(source_id), "BERD", geography_code="K02000001", product_group="")
    assert total.loc[2013, "value"] == value and total.loc[2013, "cdid"] == "DLBX"
    assert total.loc[2013, "unit"] == "GBP million, current prices"


def test_north_west_2017_is_pounds_not_its_share_of_the_total():
    nw = series(frame("berd_release_2017"), "BERD", geography_code="E12000002")
    assert nw.loc[2017, "value"] == 2174 and nw.index.is_unique
    fte = series(frame("berd_release_2017"), "BERD employment", geography_code="E12000002")
    assert fte.loc[2017, "value"] == 19 and fte.loc[2017, "unit"] == "FTE, thousands" and fte.index.is_unique


def test_provenance_attrs_and_schema():
    for source_id, label in [("berd_release_2017", "BERD 2017 release (ONS, November 2018)"),
                             ("berd_release_2014", "BERD 2014 release (ONS, November 2015)")]:
        f = frame(source_id)
        assert list(f.columns) == ["year", "measure", "geography_code", "geography_name", "product_group", "value",
                                   "unit", "cdid", "flag"]
        assert f.attrs["vintage_label"] == label and f.attrs["licence"] == "OGL-UK-3.0"
        assert f.attrs["source"] == source_id and f.attrs["sha256"]
        key = ["year", "measure", "geography_code", "product_group"]
        assert not f.duplicated(key).any()


# --- the plain reading ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source_id", list(FILES))
@pytest.mark.parametrize("cdid", GROUPS)
def test_product_groups_match_the_plain_reading(source_id, cdid):
    f = frame(source_id)
    got = f[(f["cdid"] == cdid) & (f["measure"] == "BERD")].set_index("year")
    same(got, plain(source_id, "2", cdid))


@pytest.mark.parametrize("source_id", list(FILES))
@pytest.mark.parametrize("cdid", list(REGIONS))
def test_regions_match_the_plain_reading(source_id, cdid):
    f = frame(source_id)
    same(series(f, "BERD", geography_code=REGIONS[cdid]), plain(source_id, "7", cdid))
    same(series(f, "BERD employment", geography_code=REGIONS[cdid]), employment_cdid_row(source_id, cdid))


@pytest.mark.parametrize("source_id", list(FILES))
def test_table_1_matches_the_plain_reading(source_id):
    f = frame(source_id)
    same(series(f, "GDP"), plain(source_id, "1", "DLHT"))
    sh = book(source_id).sheet_by_name("1")
    constant = next(r for r in range(sh.nrows) if str(sh.cell_value(r, 1)).strip().startswith("Constant prices"))
    base = re.search(r"\((\d{4})\)", sh.cell_value(constant, 1)).group(1)
    got = series(f, "BERD constant prices")
    assert set(got["unit"]) == {f"GBP million, constant prices ({base})"}
    header = [sh.cell_value(3, c) for c in range(sh.ncols)]
    assert {int(h): sh.cell_value(constant, c) for c, h in enumerate(header) if isinstance(h, float)} == \
        got["value"].to_dict()
    assert set(series(f, "BERD share of GDP")["unit"]) == {"per cent of GDP"}


@pytest.mark.parametrize("source_id", list(FILES))
def test_every_suppressed_or_nil_cell_is_missing_and_flagged(source_id):
    f = frame(source_id)
    assert (f["value"].isna() == (f["flag"] != "")).all()
    sh = book(source_id).sheet_by_name("2")
    marked = 0
    for r in range(sh.nrows):
        cdid = str(sh.cell_value(r, 2)).strip()
        if not re.fullmatch(r"[A-Z0-9]{4}", cdid):
            continue
        for year, cell in plain(source_id, "2", cdid).items():
            if isinstance(cell, str):
                marked += 1
                row = f[(f["cdid"] == cdid) & (f["year"] == year) & (f["measure"] == "BERD")]
                assert len(row) == 1 and row["value"].isna().all() and (row["flag"] != "").all()
    assert marked == (f["flag"] != "").sum() > 0


# --- the grouping table -----------------------------------------------------------------------------------------

def groups_table(project_root) -> list[dict]:
    return list(csv.DictReader(io.StringIO((project_root / "data" / "berd_product_groups.csv").read_text())))


def test_every_cdid_of_the_grouping_table_is_in_the_2017_release_with_its_label(project_root):
    sh = book("berd_release_2017").sheet_by_name("2")
    labels = {str(sh.cell_value(r, 2)).strip(): str(sh.cell_value(r, 1)) for r in range(sh.nrows)}
    for g in groups_table(project_root):
        assert g["cdid"] in labels, g
        assert re.sub(r"\s+\d+$", "", labels[g["cdid"]].strip()).lower() == g["product_group"].lower()
    f = frame("berd_release_2017")
    assert set(f.loc[f["product_group"] != "", "product_group"]) == {g["product_group"] for g in
                                                                     groups_table(project_root)}


def test_the_2014_release_lacks_only_software_development(project_root):
    sh = book("berd_release_2014").sheet_by_name("2")
    present = {str(sh.cell_value(r, 2)).strip() for r in range(sh.nrows)}
    absent = [g["cdid"] for g in groups_table(project_root) if g["cdid"] not in present]
    assert absent == ["E4BM"]
    f = frame("berd_release_2014")
    assert "Software development" not in set(f["product_group"]) and f["product_group"].nunique() == 34


def test_first_year_is_when_the_2017_release_starts_the_group(project_root):
    for g in groups_table(project_root):
        cells = plain("berd_release_2017", "2", g["cdid"])
        first = min(y for y, c in cells.items() if isinstance(c, float))
        if g["first_year"]:
            assert first == int(g["first_year"]) and all(cells[y].strip() == "-" for y in cells if y < first)
        else:
            assert first == min(cells)


@pytest.mark.parametrize("source_id", list(FILES))
def test_product_groups_sum_to_the_total_where_none_is_suppressed(source_id):
    f = frame(source_id)
    groups = f[(f["measure"] == "BERD") & (f["product_group"] != "")]
    total = series(f, "BERD", geography_code="K02000001", product_group="")["value"]
    checked = 0
    for year, g in groups.groupby("year"):
        if (g["flag"] == "suppressed").any():
            continue
        checked += 1
        assert abs(g["value"].sum() - total[year]) <= 0.5 * g["value"].notna().sum(), year
    assert checked >= 6


@pytest.mark.parametrize("source_id", list(FILES))
def test_regions_add_up_to_england_and_the_uk(source_id):
    f = frame(source_id)
    for measure in ("BERD", "BERD employment"):
        v = f[(f["measure"] == measure) & (f["product_group"] == "")].pivot(
            index="year", columns="geography_code", values="value")
        regions = v[[c for c in v.columns if c.startswith("E12")]].sum(axis=1)
        assert ((regions - v["E92000001"]).abs() <= 5).all(), measure
        countries = v[["E92000001", "W92000004", "S92000003", "N92000002"]].sum(axis=1)
        assert ((countries - v["K02000001"]).abs() <= 2).all(), measure


# --- the same tables as .xlsx, and what the parser refuses ------------------------------------------------------

def rewritten(change=None) -> bytes:
    """The real 2017 workbook's sheets written as an .xlsx (fixed times), after ``change(sheets)``."""
    books = sheets(snapshot_bytes("berd_release_2017"))
    books = {name: [list(row) for row in rows] for name, rows in books.items() if name in ("Main Menu", "1", "2", "7")}
    if change:
        change(books)
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in books.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    return xlsx_bytes(wb)


def find(rows: list[list], text: str) -> tuple[int, int]:
    return next((r, c) for r, row in enumerate(rows) for c, cell in enumerate(row)
                if isinstance(cell, str) and cell.strip() == text)


def test_the_xlsx_of_the_same_tables_reads_the_same():
    pd.testing.assert_frame_equal(parsers.get("berd_release")(rewritten()),
                                  parsers.get("berd_release")(snapshot_bytes("berd_release_2017")))


def test_without_an_area_code_column_regions_are_found_by_name():
    def drop_codes(books):
        for row in books["7"]:
            if isinstance(row[0], str) and re.fullmatch(r"[EKNSW]\d{8}|Area Code", row[0]):
                row[0] = None
    pd.testing.assert_frame_equal(parsers.get("berd_release")(rewritten(drop_codes)),
                                  parsers.get("berd_release")(snapshot_bytes("berd_release_2017")))


def _set(sheet: str, text: str, value, dc: int = 0):
    def change(books):
        r, c = find(books[sheet], text)
        books[sheet][r][c + dc] = value
    return change


def _unknown_cdid(books):
    r, _ = find(books["2"], "DLDD")
    books["2"].insert(r + 1, [None, " Space products", " ZZZZ", *books["2"][r][3:]])


def _unknown_region(books):
    def change(rows):
        r, _ = find(rows, "North West")
        rows[r][0], rows[r][1] = None, " Atlantis"
    change(books["7"])


REFUSALS = {
    "missing-cdid": (_set("2", "DLCF", None), r"CDID DLCF .*Aerospace"),
    "unknown-cdid": (_unknown_cdid, r"ZZZZ"),
    "table-7-title": (_set("7", "BREAKDOWN OF R&D PERFORMED IN UK BUSINESSES BY COUNTRY OR REGION:", "REGIONS"),
                      r"Table 7 .*COUNTRY OR REGION"),
    "employment-unit": (_set("7", "Employment full time equivalent in thousands", None), r"Employment"),
    "unknown-region": (_unknown_region, r"Atlantis"),
    "not-a-number": (_set("7", "DLJT", "n/a", dc=5), r"Table 7 .*DLJT.*2010.*'n/a'"),
    "constant-prices-label": (_set("1", "A8E3", None), r"A8E3 or label"),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_name_what_was_looked_for(name):
    change, message = REFUSALS[name]
    if name == "constant-prices-label":  # no CDID and no label: both named
        def change(books, _inner=change):
            _inner(books)
            r, c = find(books["1"], "Constant prices (2017)")
            books["1"][r][c] = "Real terms"
    with pytest.raises(ParseError, match=message):
        parsers.get("berd_release")(rewritten(change))


@pytest.mark.parametrize("body, message", [(b"<!DOCTYPE html><html></html>", "expected a BERD release workbook"),
                                           (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "could not be opened"),
                                           (b"PK\x03\x04broken", "xls or .xlsx|could not be opened")])
def test_what_is_not_a_workbook_is_refused(body, message):
    with pytest.raises(ParseError, match=message):
        parsers.get("berd_release")(body)
