"""The live clients against a real HTTP server on 127.0.0.1 answering in each API's format, with answers
rendered from the pinned snapshots: success, paging, retries, Retry-After, and what a vintage holds."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403
from werkzeug import Response

from futurecity.data import access, http, parsers, registry, store
from futurecity.data.http import USER_AGENT, HttpSettings
from futurecity.data.vintages import pull

MANIFEST_KEYS = {"source", "vintage", "url", "retrieved_at", "sha256", "bytes", "parser", "file"}


def _vintage(manifest: dict) -> tuple[Path, dict]:
    """The folder and stored manifest of a pulled vintage, after checking its keys and its raw file."""
    folder = Path(manifest["dir"])
    stored = json.loads((folder / "manifest.json").read_text())
    assert MANIFEST_KEYS <= set(stored)
    raw = (folder / stored["file"]).read_bytes()
    assert len(raw) == stored["bytes"] and hashlib.sha256(raw).hexdigest() == stored["sha256"]
    assert re.fullmatch(r"\d{8}T\d{6}Z-" + stored["sha256"][:8], stored["vintage"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stored["retrieved_at"])
    return folder, stored


# --- the session -----------------------------------------------------------------------------------------------

def test_session_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("FUTURECITY_HTTP_TIMEOUT", "7.5")
    monkeypatch.setenv("FUTURECITY_HTTP_RETRIES", "3")
    session = http.session()
    retry = session.get_adapter("https://example.org").max_retries
    assert session.settings.timeout == (HttpSettings.connect_timeout, 7.5)
    assert retry.total == 3 and set(http.RETRY_STATUS) <= set(retry.status_forcelist)
    assert retry.respect_retry_after_header
    assert session.headers["User-Agent"] == USER_AGENT and "futurecity/" in USER_AGENT


def test_bad_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("FUTURECITY_HTTP_RETRIES", "many")
    with pytest.raises(ValueError, match="FUTURECITY_HTTP_RETRIES"):
        http.session()


# --- one success per client ------------------------------------------------------------------------------------

def test_ons_generator_csv_vintage_is_the_answer_byte_for_byte(api):
    api.route("gdp_deflator", headers={"User-Agent": USER_AGENT}).respond_with_data(
        ybgb_bytes(), content_type="text/csv")
    folder, manifest = _vintage(pull("gdp_deflator"))
    assert (folder / "raw.csv").read_bytes() == ybgb_bytes()
    assert manifest["url"].startswith(api.url("gdp_deflator") + "?")
    assert "uri=%2Feconomy%2Fgrossdomesticproductgdp%2Ftimeseries%2Fybgb%2Fukea" in manifest["url"]
    assert manifest["parser"] == "ons_generator_csv"


def test_ons_timeseries_json(api):
    api.route("gdp_nominal").respond_with_data(ybha_json(), content_type="application/json")
    _, manifest = _vintage(pull("gdp_nominal"))
    frame = store.load("gdp_nominal", vintage=manifest["vintage"])
    assert frame.attrs["vintage"] == manifest["vintage"] and set(frame["geography_name"]) == {"United Kingdom"}
    assert set(frame["geography_code"]) == {"K02000001"}


@pytest.mark.parametrize("header", ["observation_date", "DATE"])
def test_fred_csv_both_headers(api, header):
    api.route("fred_manufacturing").respond_with_data(fred_csv(header), content_type="text/csv")
    _, manifest = _vintage(pull("fred_manufacturing"))
    assert manifest["url"].endswith("?id=MANEMP%2CPAYEMS")
    assert manifest["rows"] == 2 * (len(fred_csv(header).splitlines()) - 1)


def test_nomis_pages_until_a_short_page(api):
    rows = bres_frame(year=2019, rows=45)
    whole = nomis_csv(rows)  # the answer in one piece, built once
    api.route("bres_employment").respond_with_handler(nomis_pager(rows, cap=10))
    folder, manifest = _vintage(pull("bres_employment", page_size=10))
    offsets = [int(r.args["recordoffset"]) for r, _ in api.server.log]
    assert offsets == [0, 10, 20, 30, 40] and manifest["pages"] == 5
    assert (folder / "raw.csv").read_bytes() == whole
    assert "recordoffset" not in manifest["url"] and "industry=146800641" in manifest["url"]


def test_nomis_exact_multiple_ends_on_an_empty_page(api):
    rows = bres_frame(year=2019, rows=20)
    api.route("bres_employment").respond_with_handler(nomis_pager(rows, cap=10))
    _, manifest = _vintage(pull("bres_employment", page_size=10))
    assert manifest["pages"] == 3 and manifest["rows"] == 20


def test_nomis_one_page_with_the_registry_page_size(api):
    rows = bres_frame(year=2019)
    api.route("bres_employment").respond_with_handler(nomis_pager(rows, cap=25_000))
    _, manifest = _vintage(pull("bres_employment"))
    assert manifest["pages"] == 1 and manifest["rows"] == len(rows) == 40 * 88


def test_worldbank_follows_pages(api):
    rows = wdi_rows("wdi_industry_employment")
    api.route("wdi_industry_employment").respond_with_handler(worldbank_pager(rows, per_page=100))
    folder, manifest = _vintage(pull("wdi_industry_employment"))
    pages = -(-len(rows) // 100)
    assert pages > 2 and [r.args.get("page") for r, _ in api.server.log] == [None, *map(str, range(2, pages + 1))]
    stored = json.loads((folder / "raw.json").read_bytes())
    assert len(stored) == pages and sum(len(page[1]) for page in stored) == len(rows)
    assert manifest["rows"] == sum(r["value"] is not None for r in rows)


def test_berd_finds_the_spreadsheet_on_the_dataset_page(api):
    served = berd_workbook()  # the one copy served and compared: never a second, separately built file
    api.route("berd").respond_with_data(berd_page(f"/file?uri={BERD_XLSX_URI}"), content_type="text/html")
    api.server.expect_request("/file", query_string={"uri": BERD_XLSX_URI}).respond_with_data(
        served, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    folder, manifest = _vintage(pull("berd"))
    assert manifest["dataset_page"] == api.url("berd")
    assert manifest["url"] == api.server.url_for("/file") + f"?uri={BERD_XLSX_URI}"
    assert (folder / "raw.xlsx").read_bytes() == served
    assert manifest["sha256"] == hashlib.sha256(served).hexdigest()
    frame = store.load("berd", vintage="latest")
    assert frame.attrs["vintage"] == manifest["vintage"] and (frame["measure"] == "BERD").all()
    expected = parsers.get("berd_xlsx")(served)[list(registry.get("berd").schema)]
    pd.testing.assert_frame_equal(frame, expected, check_like=False)


# --- retries ---------------------------------------------------------------------------------------------------

def test_500_then_200_is_retried(api):
    api.route("fred_manufacturing", once=True).respond_with_data("busy", status=500)
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=12), content_type="text/csv")
    _vintage(pull("fred_manufacturing"))
    assert [resp.status_code for _, resp in api.server.log] == [500, 200]


def test_429_waits_for_retry_after(api):
    api.route("gdp_deflator", once=True).respond_with_response(Response("slow down", 429, {"Retry-After": "1"}))
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    start = time.monotonic()
    _vintage(pull("gdp_deflator"))
    assert time.monotonic() - start >= 0.9
    assert [resp.status_code for _, resp in api.server.log] == [429, 200]


def test_retry_after_is_capped(api, monkeypatch):
    monkeypatch.setenv("FUTURECITY_HTTP_MAX_WAIT", "0.2")
    api.route("gdp_deflator", once=True).respond_with_response(Response("later", 503, {"Retry-After": "3600"}))
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    start = time.monotonic()
    _vintage(pull("gdp_deflator"))
    assert time.monotonic() - start < 30  # far below the 3600 s asked for: the cap held
    assert [resp.status_code for _, resp in api.server.log] == [503, 200]


# --- the store of vintages -------------------------------------------------------------------------------------

def test_an_unchanged_answer_is_not_stored_twice(api, data_env):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    first = pull("gdp_deflator")
    again = pull("gdp_deflator")
    assert again["unchanged"] and again["vintage"] == first["vintage"]
    assert len(list((data_env / "gdp_deflator" / "vintages").iterdir())) == 1


def test_a_changed_answer_becomes_the_latest_vintage(api):
    api.route("fred_manufacturing", once=True).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=24), content_type="text/csv")
    old, new = pull("fred_manufacturing"), pull("fred_manufacturing")
    assert old["vintage"] != new["vintage"]
    assert [m["vintage"] for m in store.vintage_manifests(registry.get("fred_manufacturing"))] == [
        old["vintage"], new["vintage"]]
    assert len(store.load("fred_manufacturing", vintage="latest")) == 48
    assert len(store.load("fred_manufacturing", vintage=old["vintage"])) == 24


def test_load_latest_with_live_pulls_first(api):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    frame = access.load("gdp_deflator", vintage="latest", live=True)
    assert frame.attrs["vintage"] != "pinned" and frame.attrs["url"].startswith(api.url("gdp_deflator"))
    assert store.load("gdp_deflator", vintage="latest").attrs["vintage"] == frame.attrs["vintage"]


def test_store_load_never_pulls(api):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    assert store.load("gdp_deflator", vintage="latest").attrs["vintage"] == "pinned"
    assert api.server.log == []
