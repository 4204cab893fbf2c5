"""Every fault a live API can show, with a good vintage already in the cache: the command line exits 2 with
an error naming the source and the URL, bad answers go to ``rejected/``, and the good vintage stays as it was,
byte for byte, and is still what ``vintage='latest'`` loads."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from typing import Callable

import pytest
from fixtures_data import *  # noqa: F403
from werkzeug import Response

from futurecity import cli
from futurecity.data import store, vintages
from futurecity.errors import EXIT_DATA, DataUnavailable, NeedsLiveData

CSV, JSON, HTML = "text/csv", "application/json", "text/html"


# --- good answers, one per source ------------------------------------------------------------------------------

def _fred_good(api):
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=120), content_type=CSV)


def _bres_good(api):
    api.route("bres_employment").respond_with_handler(nomis_pager(bres_frame(year=2019, rows=176), cap=25_000))


def _wdi_good(api):
    api.route("wdi_manufacturing_va").respond_with_handler(worldbank_pager(wdi_rows("wdi_manufacturing_va"), 100))


def _ybgb_good(api):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type=CSV)


def _ybha_good(api):
    api.route("gdp_nominal").respond_with_data(ybha_json(), content_type=JSON)


def _berd_page(api, href):
    api.route("berd").respond_with_data(berd_page(href), content_type=HTML)


def _berd_good(api, workbook: bytes | None = None):
    _berd_page(api, f"/file?uri={BERD_XLSX_URI}")
    api.server.expect_request("/file", query_string={"uri": BERD_XLSX_URI}).respond_with_data(
        workbook or berd_workbook(), content_type="application/octet-stream")


GOOD = {"fred_manufacturing": _fred_good, "bres_employment": _bres_good, "wdi_manufacturing_va": _wdi_good,
        "gdp_deflator": _ybgb_good, "gdp_nominal": _ybha_good, "berd": _berd_good}


# --- faults ----------------------------------------------------------------------------------------------------

def _slow(api):
    api.monkeypatch.setenv("FUTURECITY_HTTP_TIMEOUT", "0.25")
    api.monkeypatch.setenv("FUTURECITY_HTTP_RETRIES", "0")

    def handler(request):
        time.sleep(1.0)
        return Response(ybgb_bytes(), content_type=CSV)
    api.route("gdp_deflator").respond_with_handler(handler)


def _refused(api):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api.monkeypatch.setenv("FUTURECITY_URL_FRED_MANUFACTURING", f"http://127.0.0.1:{port}")
    return f"http://127.0.0.1:{port}/graph/fredgraph.csv"


def _nomis_header_changes(api):
    rows = bres_frame(year=2019, rows=15)

    def handler(request):
        offset = int(request.args.get("recordoffset", 0))
        return Response(nomis_csv(rows.iloc[offset: offset + 10], "OBS_VALUE" if offset == 0 else "VALUE"),
                        content_type=CSV)
    api.route("bres_employment").respond_with_handler(handler)
    api.monkeypatch.setenv("FUTURECITY_NOMIS_PAGE_SIZE", "10")


def _berd_missing_label(api):
    _berd_good(api, berd_workbook(region_title="Table 5: breakdown by area"))
    return api.server.url_for("/file")


def _old_fred_years(api):
    body = fred_csv(rows=24).replace(b"\n1939-", b"\n1839-")
    api.route("fred_manufacturing").respond_with_data(body, content_type=CSV)


@dataclass
class Fault:
    source: str
    serve: Callable  # installs the faulty answer; may return the URL the error must name
    message: str  # a regex the error must match
    rejected: bool  # whether the answer is kept in rejected/


FAULTS = {
    "500-until-retries-run-out": Fault("fred_manufacturing", lambda api: api.route("fred_manufacturing")
                                       .respond_with_data("oops", status=500), "error status", False),
    "429-until-retries-run-out": Fault("wdi_manufacturing_va", lambda api: api.route("wdi_manufacturing_va")
                                       .respond_with_response(Response("", 429, {"Retry-After": "0"})),
                                       "error status", False),
    "404": Fault("gdp_nominal", lambda api: api.route("gdp_nominal").respond_with_data("gone", status=404),
                 "HTTP 404", False),
    "timeout": Fault("gdp_deflator", _slow, "timed out", False),
    "connection-refused": Fault("fred_manufacturing", _refused, "no connection", False),
    "truncated-body": Fault("gdp_nominal", lambda api: api.route("gdp_nominal")
                            .respond_with_response(truncated(ybha_json(), JSON)), "cut short", False),
    "html-for-csv": Fault("bres_employment", lambda api: api.route("bres_employment")
                          .respond_with_data(berd_page(None), content_type=HTML), "HTML page", True),
    "html-for-json": Fault("wdi_manufacturing_va", lambda api: api.route("wdi_manufacturing_va")
                           .respond_with_data(berd_page(None), content_type=HTML), "HTML page", True),
    "nomis-changed-header": Fault("bres_employment", lambda api: api.route("bres_employment").respond_with_data(
        nomis_csv(bres_frame(rows=30), value_header="VALUE"), content_type=CSV), "OBS_VALUE", True),
    "nomis-header-changes-between-pages": Fault("bres_employment", _nomis_header_changes, "header", True),
    "fred-changed-header": Fault("fred_manufacturing", lambda api: api.route("fred_manufacturing")
                                 .respond_with_data(fred_csv("Date", rows=12), content_type=CSV),
                                 "first column", True),
    "nomis-empty-result": Fault("bres_employment", lambda api: api.route("bres_employment").respond_with_data(
        nomis_csv(bres_frame(rows=0)), content_type=CSV), "no rows", True),
    "worldbank-empty-result": Fault("wdi_manufacturing_va", lambda api: api.route("wdi_manufacturing_va")
                                    .respond_with_data(worldbank_page_bytes([], 1, 50), content_type=JSON),
                                    "no rows", True),
    "worldbank-error-object": Fault("wdi_manufacturing_va", lambda api: api.route("wdi_manufacturing_va")
                                    .respond_with_json([{"message": [{"id": "120", "key": "Invalid value",
                                                                      "value": "The provided parameter value is "
                                                                               "not valid"}]}]),
                                    "error object", True),
    "implausible-years": Fault("fred_manufacturing", _old_fred_years, "years outside", True),
    "berd-page-without-xlsx": Fault("berd", lambda api: _berd_page(api, None), "no .xlsx", True),
    "berd-missing-label": Fault("berd", _berd_missing_label, "by region", True),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_leaves_the_good_vintage_alone(name, api, data_env, capsys):
    fault = FAULTS[name]
    GOOD[fault.source](api)
    good = vintages.pull(fault.source)
    folder = data_env / fault.source / "vintages"
    before = tree_digest(folder)
    api.reset()
    url = fault.serve(api) or api.url(fault.source)

    code = cli.main(["pull", fault.source, "--live"])
    err = capsys.readouterr().err

    assert code == EXIT_DATA
    assert f"'{fault.source}'" in err and flat(url) in flat(err)
    assert re.search(fault.message, " ".join(err.split())), err
    assert tree_digest(folder) == before
    rejected = data_env / fault.source / "rejected"
    assert rejected.is_dir() == fault.rejected
    if fault.rejected:
        [kept] = rejected.iterdir()
        assert (kept / "reason.txt").read_text().strip() and (kept / "manifest.json").is_file()
    assert store.load(fault.source, vintage="latest").attrs["vintage"] == good["vintage"]


def test_fault_without_a_cached_vintage_raises_data_unavailable(api):
    FAULTS["worldbank-error-object"].serve(api)
    with pytest.raises(DataUnavailable) as info:
        vintages.pull("wdi_manufacturing_va")
    assert not isinstance(info.value, NeedsLiveData)
    assert info.value.source == "wdi_manufacturing_va" and info.value.url.startswith(api.url("wdi_manufacturing_va"))
    assert "rejected" in str(info.value)


def test_network_error_remedy_names_the_url_variable(api):
    FAULTS["404"].serve(api)
    with pytest.raises(DataUnavailable) as info:
        vintages.pull("gdp_nominal")
    assert "FUTURECITY_URL_GDP_NOMINAL" in info.value.remedy and "retry later" in info.value.remedy
