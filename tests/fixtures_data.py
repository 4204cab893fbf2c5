"""Helpers and fixtures for the data-layer tests: API answers rendered from the pinned snapshots, a cache in
``tmp_path`` and fast HTTP settings. Every value in an answer comes from a file in the snapshot folder.

Test modules import it with ``from fixtures_data import *`` (pytest puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import csv
import datetime
import functools
import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter
from werkzeug import Response

from futurecity.data import registry

__all__ = [
    "snapshots_dir", "snapshot_bytes", "bres_frame", "bres_csv", "nomis_csv", "ybgb_bytes", "ybha_json",
    "fred_csv", "wdi_rows", "wdi_bulk_bytes", "worldbank_page_bytes", "worldbank_pages", "sdg_frame",
    "xlsx_bytes", "berd_workbook", "berd_page",
    "tree_digest", "flat", "truncated", "nomis_pager", "worldbank_pager", "data_env", "api", "Api",
    "BERD_XLSX_URI",
]

BERD_XLSX_URI = ("/economy/governmentpublicsectorandtaxes/researchanddevelopmentexpenditure/datasets/"
                 "businessenterpriseresearchanddevelopmenttimeseriesspreadsheet/current/berdtimeseries.xlsx")


# --- the pinned snapshots --------------------------------------------------------------------------------------

def snapshots_dir() -> Path:
    """FUTURECITY_SNAPSHOTS, else ../shared/data beside the checkout; a missing folder fails the test."""
    path = Path(os.environ.get("FUTURECITY_SNAPSHOTS") or Path(__file__).resolve().parents[2] / "shared" / "data")
    if not (path / "uk").is_dir() or not (path / "world").is_dir():
        pytest.fail(f"pinned snapshots not found at {path}: set FUTURECITY_SNAPSHOTS or place ../shared/data")
    return path


def snapshot_bytes(source_id: str) -> bytes:
    return (snapshots_dir() / registry.get(source_id).snapshot.file).read_bytes()


# --- answers rendered from the snapshots -----------------------------------------------------------------------

def bres_frame(year: int | None = None, rows: int | None = None) -> pd.DataFrame:
    """Rows of the BRES snapshot (optionally one year, the first ``rows``), as strings."""
    f = pd.read_csv(io.BytesIO(snapshot_bytes("bres_employment")), dtype="string")
    if year is not None:
        f = f[f["DATE"] == str(year)]
    return (f if rows is None else f.head(rows)).reset_index(drop=True)


def bres_csv(frame: pd.DataFrame) -> bytes:
    """BRES rows (as :func:`bres_frame` gives them) written back in the layout of the pinned snapshot."""
    return frame.to_csv(index=False, lineterminator="\n").encode()


def nomis_csv(frame: pd.DataFrame, value_header: str = "OBS_VALUE") -> bytes:
    """BRES rows written as the Nomis API writes them: upper-case headers, quoted text, OBS_VALUE."""
    out = frame.rename(columns={"COUNT": value_header})
    out[value_header] = pd.to_numeric(out[value_header])
    return out.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").encode()


def ybgb_bytes() -> bytes:
    """The real ONS generator CSV of YBGB."""
    return snapshot_bytes("gdp_deflator")


def ybha_json(years: bool = True) -> bytes:
    """An ONS time-series JSON answer whose annual values are the UK row of the regional GDP snapshot."""
    f = pd.read_csv(io.BytesIO(snapshot_bytes("gdp_nominal")), dtype="string")
    uk = f[f["ITL code"] == "UK"].iloc[0]
    obs = [{"date": c, "value": uk[c].replace(",", "")} for c in f.columns if re.fullmatch(r"\d{4}", c)]
    doc = {"description": {"title": "Gross Domestic Product at market prices: Current price: Seasonally adjusted",
                           "cdid": "YBHA", "unit": "£m"},
           "years": obs if years else [], "quarters": [], "months": []}
    return json.dumps(doc).encode()


def fred_csv(header: str = "observation_date", rows: int | None = None) -> bytes:
    """The FRED snapshot re-rendered as the live CSV (ISO dates) under ``header`` (``DATE`` before 2025)."""
    f = pd.read_csv(io.BytesIO(snapshot_bytes("fred_manufacturing")), dtype="string")
    f["observation_date"] = pd.to_datetime(f["observation_date"], format="%m/%d/%Y").dt.strftime("%Y-%m-%d")
    f = f if rows is None else f.head(rows)
    return f.rename(columns={"observation_date": header}).to_csv(index=False, lineterminator="\n").encode()


def wdi_rows(source_id: str, countries: tuple[str, ...] = ("GBR", "USA", "DEU", "JPN", "CHN")) -> list[dict]:
    """World Bank API v2 rows (newest first, null where the bulk file is blank) from a WDI bulk snapshot."""
    raw = snapshot_bytes(source_id).decode("utf-8-sig")
    lines = raw.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip('"').startswith("Country Name"))
    f = pd.read_csv(io.StringIO("\n".join(lines[start:])), dtype="string")
    f = f[f["Country Code"].isin(countries)]
    years = sorted((c for c in f.columns if re.fullmatch(r"\d{4}", c)), reverse=True)
    return [{"indicator": {"id": r["Indicator Code"], "value": r["Indicator Name"]},
             "country": {"id": r["Country Code"], "value": r["Country Name"]},
             "countryiso3code": r["Country Code"], "date": y,
             "value": None if pd.isna(r[y]) else float(r[y]), "unit": "", "obs_status": "", "decimal": 1}
            for _, r in f.iterrows() for y in years]


def wdi_bulk_bytes(source_id: str, countries: tuple[str, ...] = ("GBR", "USA", "DEU", "JPN", "CHN")) -> bytes:
    """The WDI bulk snapshot cut to the rows of ``countries`` (preamble and header kept, lines unchanged): the
    bulk-format twin of :func:`wdi_rows` with the same ``countries``."""
    lines = snapshot_bytes(source_id).decode("utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip('"').startswith("Country Name"))
    code = next(csv.reader([lines[start]])).index("Country Code")
    kept = [line for line in lines[start + 1:] if line.strip() and next(csv.reader([line]))[code] in countries]
    return ("\n".join([*lines[: start + 1], *kept]) + "\n").encode()


def worldbank_page_bytes(rows: list[dict], page: int, per_page: int) -> bytes:
    """Page ``page`` (1-based) of ``rows`` as the API writes it: [paging header, rows]."""
    pages = max(1, -(-len(rows) // per_page))
    head = {"page": page, "pages": pages, "per_page": per_page, "total": len(rows), "sourceid": "2",
            "lastupdated": ""}
    return json.dumps([head, rows[(page - 1) * per_page: page * per_page]]).encode()


def worldbank_pages(rows: list[dict], per_page: int) -> list[bytes]:
    pages = max(1, -(-len(rows) // per_page))
    return [worldbank_page_bytes(rows, p, per_page) for p in range(1, pages + 1)]


def sdg_frame() -> pd.DataFrame:
    """The SDG 9.5.1 snapshot (BERD rows), as strings."""
    return pd.read_csv(io.BytesIO(snapshot_bytes("berd")), dtype="string", keep_default_na=False)


def _berd_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(product groups x years, regions x years) from the SDG snapshot; the UK total row is labelled Total."""
    f = sdg_frame()
    f = f[f["Sector"] == "Business enterprise"]
    uk = f[f["GeoCode"] == ""].assign(label=lambda d: d["Product group"].where(d["Product group"] != "", "Total"))
    regions = f[f["GeoCode"] != ""].assign(label=lambda d: d["Region"].where(d["Region"] != "", d["Country"]))
    wide = [d.pivot_table(index="label", columns="Year", values="Value", aggfunc="first", sort=False)
            for d in (uk, regions)]
    return wide[0], wide[1]


def _write_table(ws, title: str, first_col: str, table: pd.DataFrame, top: int) -> int:
    """Write a titled table (title, note, blank, header of years, rows) from row ``top``; the next free row."""
    ws.cell(top, 1, title)
    ws.cell(top + 1, 1, "Values from the pinned snapshot; blank = not available")
    ws.cell(top + 3, 1, first_col)
    for j, year in enumerate(table.columns, start=2):
        ws.cell(top + 3, j, int(year))
    for i, (label, row) in enumerate(table.iterrows(), start=top + 4):
        ws.cell(i, 1, label)
        for j, value in enumerate(row, start=2):
            ws.cell(i, j, float(value) if isinstance(value, str) and value else None)
    return top + 4 + len(table) + 1


XLSX_TIME = datetime.datetime(2020, 1, 1)  # the creation, modification and zip-entry time of every fixture xlsx


def xlsx_bytes(wb: Workbook) -> bytes:
    """The bytes of ``wb`` as an xlsx, the same whenever they are built: fixed document properties (openpyxl's
    ``save`` would stamp the time of saving), then every zip entry copied in order with a fixed time."""
    wb.properties.created = wb.properties.modified = XLSX_TIME
    saved = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_TIME.timetuple()[:6])
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            dst.writestr(entry, src.read(info))
    return out.getvalue()


@functools.cache
def berd_workbook(region_title: str = "Table 5: Expenditure on R&D performed in UK businesses by region",
                  extra_region: str | None = None) -> bytes:
    """An xlsx in the layout ``berd_xlsx`` documents, filled from the SDG snapshot: a cover sheet, then
    'Table 3 ... by product group' and the region table on a second sheet (titled ``region_title``).

    Built once per set of arguments, and byte-for-byte reproducible anyway (:func:`xlsx_bytes`); still, a test
    compares what was served with what was stored, or parsed frames, never two separately built files."""
    products, regions = _berd_tables()
    if extra_region:
        regions.loc[extra_region] = regions.iloc[0]
    wb = Workbook()
    wb.active.title = "Cover"
    wb.active.cell(1, 1, "Business enterprise research and development time series")
    ws = wb.create_sheet("Tables")
    nxt = _write_table(ws, "Table 3: Expenditure on R&D performed in UK businesses by product group",
                       "Product group", products, 1)
    _write_table(ws, region_title, "Region", regions, nxt + 1)
    return xlsx_bytes(wb)


def berd_page(href: str | None) -> bytes:
    """An ONS dataset page linking (or not) to the spreadsheet."""
    link = f'<li><a href="{href}" class="btn">xlsx (120 kB)</a></li>' if href else "<li>No file</li>"
    return (f"<!DOCTYPE html><html><head><title>BERD time series</title></head><body>"
            f'<a href="/economy/governmentpublicsectorandtaxes">Back</a><ul>{link}</ul></body></html>').encode()


# --- servers, checks -------------------------------------------------------------------------------------------

def tree_digest(path: Path) -> dict[str, str]:
    """sha256 of every file under ``path``, by relative path."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def flat(text: str) -> str:
    """``text`` without whitespace, to find a URL in a message wrapped over lines."""
    return re.sub(r"\s+", "", text)


def truncated(body: bytes, content_type: str = "text/csv") -> Response:
    """A response that promises more bytes (Content-Length) than it sends."""
    resp = Response(iter([body[: len(body) // 2]]), direct_passthrough=True, content_type=content_type,
                    headers={"Content-Length": str(len(body))})
    resp.automatically_set_content_length = False
    return resp


def nomis_pager(frame: pd.DataFrame, cap: int):
    """A handler answering Nomis CSV pages of at most ``cap`` rows from ``recordoffset``."""
    def handler(request):
        offset = int(request.args.get("recordoffset", 0))
        return Response(nomis_csv(frame.iloc[offset: offset + cap]), content_type="text/csv")
    return handler


def worldbank_pager(rows: list[dict], per_page: int):
    """A handler answering World Bank pages of ``per_page`` rows, whatever ``per_page`` the client asks for."""
    def handler(request):
        page = int(request.args.get("page", 1))
        return Response(worldbank_page_bytes(rows, page, per_page), content_type="application/json")
    return handler


@pytest.fixture
def data_env(monkeypatch, tmp_path) -> Path:
    """A cache in ``tmp_path``, the pinned snapshots, and HTTP settings that keep tests fast; the cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("FUTURECITY_CACHE", str(cache))
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(snapshots_dir()))
    for var, value in {"FUTURECITY_HTTP_TIMEOUT": "2", "FUTURECITY_HTTP_CONNECT_TIMEOUT": "2",
                       "FUTURECITY_HTTP_RETRIES": "2", "FUTURECITY_HTTP_BACKOFF": "0",
                       "FUTURECITY_HTTP_MAX_WAIT": "2"}.items():
        monkeypatch.setenv(var, value)
    return cache


class Api:
    """Points sources at the loopback server: ``url(source)`` is the live URL the client will ask."""

    def __init__(self, server, monkeypatch):
        self.server, self.monkeypatch = server, monkeypatch

    def base(self, source_id: str) -> str:
        return self.server.url_for(f"/{source_id}").rstrip("/")

    def path(self, source_id: str) -> str:
        return f"/{source_id}" + registry.get(source_id).live.path

    def url(self, source_id: str) -> str:
        return self.base(source_id) + registry.get(source_id).live.path

    def route(self, source_id: str, once: bool = False, **match):
        """The request handler of ``source_id``'s live path (``once``: answers one request, before the others)."""
        self.monkeypatch.setenv(registry.get(source_id).env_url_var, self.base(source_id))
        expect = self.server.expect_oneshot_request if once else self.server.expect_request
        return expect(self.path(source_id), **match)

    def reset(self):
        self.server.clear_all_handlers()


@pytest.fixture
def api(httpserver, data_env, monkeypatch) -> Api:
    return Api(httpserver, monkeypatch)
