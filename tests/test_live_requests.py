"""The live requests as the real services answer them, against loopback servers that behave as the public record
says the services do (data/sources.yml names that record as each request's ``evidence``):

- Nomis census tables: the dimensions come from the dataset's own ``def.sdmx.json`` and codelists, every one but
  geography and industry fixed to its total (KS605EW is industry by sex: without ``c_sex=0`` every count comes
  back three times), the industry dimension's name read, not guessed (here it is not ``cell``);
- Nomis paging: ``recordlimit`` asked, the rows checked against the answer's ``RECORD_COUNT`` (a server that caps
  pages below the page size asked, as Nomis caps guests at 25,000 rows, loses no row unnoticed);
- NM_189_1 asked with ``time=2015,2021`` (every year between), not ``date=2015-2021``;
- ONS time series through ``/v1/data?uri=`` with the website's ``/data`` as fallback, the answer being the real
  ONS JSON kept in ``../shared/data/api-answers``;
- BERD releases found through the ONS API's ``versions[]`` and ``downloads[].file``.
"""

from __future__ import annotations

import dataclasses
import io
import json

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403
from test_berd_release import rewritten
from werkzeug import Response

from futurecity import cli
from futurecity.data import parsers, registry, store, vintages
from futurecity.errors import EXIT_DATA, DataUnavailable, ParseError

ANSWERS = snapshots_dir() / "api-answers"  # noqa: F405
SID = "census2011_industry_la"
DATASET = "NM_777_1"  # whatever id the definitions give: the client must read it, not know it
INDUSTRY = "C_INDGPUK11"  # the industry dimension's name in this dataset's definition (not CELL)
CL = DATASET.replace("NM", "CL")


def _districts() -> pd.DataFrame:
    """Real counts: the pinned 2011 workplace census summed to districts, three of its cells."""
    raw = parsers.get("census_msoa_csv")(snapshot_bytes("census2011_workplace"))  # noqa: F405
    raw = raw.assign(district=raw["msoa_name"].str.replace(r" \d{3}$", "", regex=True))
    keep = raw[raw["industry_name"].isin(["All categories: Industry", "C Manufacturing", "F Construction"])]
    return keep.groupby(["district", "industry_name"], as_index=False).agg(value=("value", "sum"),
                                                                           code=("msoa_code", "min"))


CODES = {  # the codelists of the served dataset: totals first, as Nomis numbers them
    "RURAL_URBAN": [("0", "Total"), ("2", "Urban (total)"), ("3", "Rural (total)")],
    "C_SEX": [("0", "All persons"), ("1", "Males"), ("2", "Females")],
    INDUSTRY: [("0", "All categories: Industry"), ("3", "C Manufacturing"), ("6", "F Construction")],
}


class FakeNomis:
    """A Nomis server for one census dataset: its definitions, its codelists and its data, answering the
    dimensions a query leaves open with every code (so an unfixed sex dimension triples every count), honouring
    ``select``, ``recordlimit`` (up to ``cap`` rows a page) and ``recordoffset``, and giving RECORD_COUNT."""

    def __init__(self, api, dims=("GEOGRAPHY", "RURAL_URBAN", "C_SEX", INDUSTRY, "MEASURES", "FREQ"),
                 codes=None, cap=25_000):
        self.api, self.cap, self.data_requests = api, cap, []
        self.codes = codes or CODES
        base = api.base(SID)
        api.monkeypatch.setenv(registry.get(SID).env_url_var, base)
        server = api.server
        server.expect_request(f"/{SID}/dataset/def.sdmx.json", query_string={"search": "KS605EW*"}).respond_with_json(
            {"structure": {"keyfamilies": {"keyfamily": [{"id": DATASET, "name": {"value": "KS605EW - Industry"}}]}}})
        server.expect_request(f"/{SID}/dataset/{DATASET}.def.sdmx.json").respond_with_json(
            {"structure": {"keyfamilies": {"keyfamily": [{"id": DATASET, "components": {
                "dimension": [{"conceptref": d, "codelist": f"{CL}_{d}"} for d in dims],
                "timedimension": {"conceptref": "TIME", "codelist": f"{CL}_TIME"}}}]}}})
        for dim, codes in self.codes.items():
            server.expect_request(f"/{SID}/codelist/{CL}_{dim}.def.sdmx.json").respond_with_json(
                {"structure": {"codelists": {"codelist": [{"id": f"{CL}_{dim}", "code": [
                    {"value": int(c), "description": {"value": label, "lang": "en"}} for c, label in codes]}]}}})
        server.expect_request(f"/{SID}/dataset/{DATASET}.data.csv").respond_with_handler(self.data)

    def table(self, args) -> pd.DataFrame:
        t = _districts()
        rows = pd.DataFrame({"DATE": "2011", "DATE_NAME": "2011", "GEOGRAPHY_NAME": t["district"],
                             "GEOGRAPHY_CODE": t["code"], f"{INDUSTRY}_NAME": t["industry_name"],
                             "OBS_VALUE": t["value"].astype(int)})
        for dim, codes in self.codes.items():
            if dim == INDUSTRY:
                continue
            asked = args.get(dim.lower())
            chosen = [label for code, label in codes if asked is None or code in asked.split(",")]
            rows = rows.merge(pd.DataFrame({f"{dim}_NAME": chosen}), how="cross")
        rows["RECORD_COUNT"] = len(rows)
        select = args.get("select")
        if select:
            rows = rows[[c.upper() for c in select.split(",")]]
        return rows

    def data(self, request):
        self.data_requests.append(dict(request.args))
        rows = self.table(request.args)
        offset = int(request.args.get("recordoffset", 0))
        limit = min(int(request.args.get("recordlimit", 25_000)), self.cap)
        page = rows.iloc[offset: offset + limit]
        return Response(page.to_csv(index=False, lineterminator="\n"), content_type="text/csv")


def test_a_census_table_is_asked_with_each_other_dimension_fixed_to_its_total(api):
    nomis = FakeNomis(api)
    manifest = vintages.pull(SID)
    [asked] = nomis.data_requests
    assert asked["c_sex"] == "0" and asked["rural_urban"] == "0" and asked["geography"] == "TYPE464"
    assert f"{INDUSTRY.lower()}_name" in asked["select"].split(",") and "cell_name" not in asked["select"]
    assert manifest["dataset_id"] == DATASET and manifest["industry_dimension"] == INDUSTRY
    assert manifest["fixed"] == {"RURAL_URBAN": "0 (Total)", "C_SEX": "0 (All persons)"}
    assert manifest["dataset_definition"].endswith(f"/dataset/{DATASET}.def.sdmx.json")
    frame = store.load(SID, "latest")
    want = _districts()
    assert len(frame) == len(want) and manifest["record_count"] == [len(want)]
    got = sorted(zip(frame["geography_name"], frame["cell_name"], frame["value"], strict=True))
    assert got == sorted(zip(want["district"], want["industry_name"], want["value"].astype(float), strict=True))


def test_an_answer_with_sex_left_open_is_refused_by_the_parser(api):
    nomis = FakeNomis(api)
    open_query = {"geography": "TYPE464", "rural_urban": "0", "select": ",".join(
        ["date", "geography_name", "geography_code", f"{INDUSTRY.lower()}_name", "c_sex_name", "obs_value"])}
    body = nomis.table(open_query).to_csv(index=False).encode()
    with pytest.raises(ParseError, match=r"C_SEX_NAME should be one total .*Females"):
        parsers.get("nomis_census_csv")(body)
    without_labels = nomis.table({**open_query, "select": open_query["select"].replace(",c_sex_name", "")})
    with pytest.raises(ParseError, match="more than once"):  # even with select hiding which row is which
        parsers.get("nomis_census_csv")(without_labels.to_csv(index=False).encode())


def test_a_dimension_without_a_total_is_a_bad_answer(api, data_env, capsys):
    FakeNomis(api, codes={**CODES, "C_SEX": [("1", "Males"), ("2", "Females")]})
    code = cli.main(["pull", SID, "--live"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == EXIT_DATA
    assert f"'{SID}'" in err and "C_SEX has no total code" in err and f"{CL}_C_SEX.def.sdmx.json" in err
    assert (data_env / SID / "rejected").is_dir() and not (data_env / SID / "vintages").exists()


def test_pages_are_asked_with_recordlimit_and_checked_against_record_count(api, monkeypatch):
    monkeypatch.setenv("FUTURECITY_NOMIS_PAGE_SIZE", "100")
    nomis = FakeNomis(api)
    manifest = vintages.pull(SID)
    want = len(_districts())
    assert [int(r["recordlimit"]) for r in nomis.data_requests] == [100] * len(nomis.data_requests)
    assert [int(r["recordoffset"]) for r in nomis.data_requests] == list(range(0, want, 100))
    assert manifest["rows"] == want and manifest["pages"] == -(-want // 100)


def test_a_server_capping_pages_below_the_limit_asked_is_caught_by_record_count(api, monkeypatch, data_env):
    monkeypatch.setenv("FUTURECITY_NOMIS_PAGE_SIZE", "100")
    FakeNomis(api, cap=60)  # a short page looks like the last one: only RECORD_COUNT shows rows are missing
    with pytest.raises(DataUnavailable, match=r"the pages hold 60 rows but the answer's RECORD_COUNT says"):
        vintages.pull(SID)
    assert not (data_env / SID / "vintages").exists()


def test_nm_189_1_years_are_asked_as_time(api):
    asked = []

    def handler(request):
        asked.append(dict(request.args))
        return nomis_pager(bres_frame(year=2019, rows=50), cap=25_000)(request)  # noqa: F405
    api.route("bres_employment").respond_with_handler(handler)
    vintages.pull("bres_employment")
    assert asked[0]["time"] == "2015,2021" and "date" not in asked[0]
    assert asked[0]["recordlimit"] == "25000" and asked[0]["select"].endswith(",record_count")


# --- ONS ---------------------------------------------------------------------------------------------------------

YBHA = "/economy/grossdomesticproductgdp/timeseries/ybha/ukea"
REAL_YBHA = (ANSWERS / "ons_zebedee_ybha_timeseries_2015.json").read_bytes()


def _annual(doc: dict) -> list[tuple[int, float]]:
    return sorted((int(o["date"]), float(o["value"])) for o in doc["years"])


def test_ons_time_series_come_through_the_current_api(api):
    api.monkeypatch.setenv("FUTURECITY_URL_GDP_NOMINAL", api.base("gdp_nominal"))
    api.server.expect_request("/gdp_nominal/v1/data", query_string={"uri": YBHA}).respond_with_data(
        REAL_YBHA, content_type="application/json")
    manifest = vintages.pull("gdp_nominal")
    assert manifest["endpoint"] == "ONS API /v1/data" and "/v1/data?uri=" in manifest["url"]
    frame = store.load("gdp_nominal", "latest")
    assert list(zip(frame["year"], frame["value"], strict=True)) == _annual(json.loads(REAL_YBHA))


def test_ons_time_series_fall_back_to_the_website(api):
    api.server.expect_request("/gdp_nominal/v1/data").respond_with_data("moved", status=404)
    api.route("gdp_nominal").respond_with_data(REAL_YBHA, content_type="application/json")
    manifest = vintages.pull("gdp_nominal")
    assert manifest["url"] == api.url("gdp_nominal") and "HTTP 404" in manifest["current_endpoint_failed"]
    assert len(store.load("gdp_nominal", "latest")) == len(json.loads(REAL_YBHA)["years"])


BERD = "/economy/governmentpublicsectorandtaxes/researchanddevelopmentexpenditure/datasets/" \
       "ukbusinessenterpriseresearchanddevelopment"


def test_a_berd_release_is_found_among_the_api_versions(api):
    src = registry.get("berd_release_2017")
    api.monkeypatch.setenv(src.env_url_var, api.base(src.id))
    versions = [{"uri": f"{BERD}/current/previous/v{n}", "label": f"v{n}"} for n in (1, 2, 3, 4)]
    files = {4: "berd2020.xlsx", 3: "berd2019datasets.xlsx", 2: "berd2018datasets.xlsx", 1: "berd2017.xls"}
    route = api.server.expect_request
    route(f"/{src.id}/v1/data", query_string={"uri": f"{BERD}/current"}).respond_with_json(
        {"type": "dataset", "downloads": [{"file": "berd2021.xlsx"}], "versions": versions})
    for n, name in files.items():
        route(f"/{src.id}/v1/data", query_string={"uri": f"{BERD}/current/previous/v{n}"}).respond_with_json(
            {"type": "dataset", "downloads": [{"file": name}]})
    route(f"/{src.id}/file", query_string={"uri": f"{BERD}/current/previous/v3/berd2019datasets.xlsx"}
          ).respond_with_data(rewritten(), content_type="application/octet-stream")
    ending_2017 = dataclasses.replace(src, live=dataclasses.replace(src.live, last_year=2017))  # what is served
    manifest = vintages.pull(ending_2017)
    assert manifest["version"] == f"{BERD}/current/previous/v3" and manifest["file"] == "berd2019datasets.xlsx"
    assert manifest["endpoint"] == "ONS API /v1/data" and len(manifest["dataset_api"]) == 3  # current, v4, v3
    pd.testing.assert_frame_equal(store.load(src.id, "latest"),
                                  parsers.get("berd_release")(rewritten())[list(src.schema)])


def test_a_registered_nomis_key_is_sent_but_never_recorded(api, data_env, monkeypatch):
    monkeypatch.setenv("FUTURECITY_NOMIS_UID", "0xsecretkey")
    nomis = FakeNomis(api)
    manifest = vintages.pull(SID)
    assert all(r["uid"] == "0xsecretkey" for r in nomis.data_requests)
    assert "0xsecretkey" not in json.dumps(manifest)
    assert not [p for p in data_env.rglob("*") if p.is_file() and b"0xsecretkey" in p.read_bytes()]
