"""Cities (Primary Urban Areas) from the 2011 census workplace file: the chain MSOA -> 2011 district -> 2023
authority -> city on a small fixture cut from the real snapshot and on the whole snapshot, both city averages
against the independent computation of ``tests/oracles.py``, the bridge table against the lookup, the facts, and
C4-1b: "needs live data" offline, evaluated after the live census client has pulled both tables from a loopback
server answering in Nomis's layout."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403
from werkzeug import Response

import oracles
from futurecity import reads
from futurecity.claims import evaluate, ledger, rules
from futurecity.claims.measures import Inputs
from futurecity.data import parsers, registry, store
from futurecity.data.vintages import pull
from futurecity.errors import DataUnavailable
from futurecity.topics import cities

# The cities of the lookup outside England and Wales, as the issue names them (no census data here).
OUTSIDE = ["Aberdeen", "Belfast", "Dundee", "Edinburgh", "Glasgow"]
DISTRICTS_2011 = 348  # local authority districts of England and Wales at the 2011 census (326 + 22)


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return Inputs()


@pytest.fixture(scope="module")
def model(inputs) -> dict:
    return cities.cities(inputs)


# --- a small fixture cut from the real snapshot ----------------------------------------------------------------

FIXTURE_CITIES = {  # city -> its 2011 districts (names and reorganisations, from the bridge's story)
    "Northampton": ["Northampton", "Daventry", "South Northamptonshire"],   # 2021: West Northamptonshire
    "Bournemouth": ["Bournemouth", "Poole", "Christchurch"],                 # 2019: BCP
    "Bristol": ["Bristol", "South Gloucestershire"],                         # "Bristol, City of"
    "Hull": ["Kingston upon Hull"],                                          # "Kingston upon Hull, City of"
}
NO_CITY = ["Corby", "Darlington", "East Dorset", "Allerdale"]  # in no city: two reorganised, two unchanged


@pytest.fixture(scope="module")
def small(inputs):
    census = inputs.frame("census2011_workplace")
    district = cities.msoa_district(census["msoa_name"])
    keep = {d for ds in FIXTURE_CITIES.values() for d in ds} | set(NO_CITY)
    return census[district.isin(keep)].reset_index(drop=True), inputs.frame("pua_lookup")


def test_the_small_fixture_aggregates_msoas_to_districts_to_authorities_to_cities(small):
    census, lookup = small
    table = cities.city_table(census, lookup, cities.bridge()).set_index("city")
    assert sorted(table.index) == sorted(FIXTURE_CITIES)
    wide = census.pivot_table(index="msoa_name", columns="industry_name", values="value", aggfunc="sum")
    wide["district"] = [re.sub(r" \d{3}$", "", n) for n in wide.index]
    for city, districts in FIXTURE_CITIES.items():
        rows = wide[wide["district"].isin(districts)]
        assert set(rows["district"]) == set(districts), f"{city}: the fixture lacks one of {districts}"
        m, a = rows["C Manufacturing"].sum(), rows["All categories: Industry"].sum()
        assert table.loc[city, "manufacturing"] == m and table.loc[city, "all"] == a
        assert table.loc[city, "share"] == pytest.approx(m / a * 100, abs=1e-12)
        assert table.loc[city, "districts"] == ", ".join(sorted(districts))
    assert cities.districts_in_no_city(census, lookup, cities.bridge()) == sorted(NO_CITY)
    avg = cities.means(table.reset_index())
    shares = [table.loc[c, "share"] for c in FIXTURE_CITIES]
    assert avg["unweighted"] == pytest.approx(sum(shares) / len(shares), abs=1e-12)
    assert avg["weighted"] == pytest.approx(table["manufacturing"].sum() / table["all"].sum() * 100, abs=1e-12)


def test_a_district_with_no_authority_is_named_not_dropped(small):
    census, lookup = small
    odd = census.assign(msoa_name=census["msoa_name"].str.replace("Darlington", "Atlantis", regex=False))
    with pytest.raises(ValueError, match="Atlantis"):
        cities.city_table(odd, lookup, cities.bridge())


def test_an_msoa_name_without_its_number_is_refused():
    with pytest.raises(ValueError, match="three-digit"):
        cities.msoa_district(pd.Series(["Darlington 001", "Darlington"]))


# --- the bridge table against the lookup -----------------------------------------------------------------------

def test_the_bridge_is_a_project_table_read_through_the_reads_log(tmp_path, monkeypatch):
    log = tmp_path / "reads.jsonl"
    monkeypatch.setenv(reads.LOG_ENV, str(log))
    table = cities.bridge()
    assert list(table.columns) == ["district", "authority_2023", "change"]
    [entry] = [e for e in reads.read_log(log) if e["kind"] == "table"]
    assert entry["name"] == cities.BRIDGE and entry["sha256"] == reads.table_digest(cities.BRIDGE)


def test_every_bridge_row_reaches_a_lookup_authority_and_agrees_with_the_lookups_older_rows(inputs):
    lookup = inputs.frame("pua_lookup")
    table = cities.bridge()
    pua = lookup.set_index("la_name")["pua"]
    assert set(table["authority_2023"]) <= set(lookup["la_name"])
    assert (table["change"].str.len() > 0).all()
    for row in table.itertuples():
        if row.district in pua.index:  # the lookup still lists the older district: same city, or none, both ways
            old, new = pua[row.district], pua[row.authority_2023]
            assert (pd.isna(old) and pd.isna(new)) or old == new, (row.district, old, row.authority_2023, new)


def test_the_named_reorganisations_are_in_the_bridge():
    moves = cities.bridge().set_index("district")["authority_2023"]
    assert moves["Northampton"] == "West Northamptonshire" and moves["Poole"] == moves["Bournemouth"]
    assert moves["Kingston upon Hull"] == "Kingston upon Hull, City of" and moves["Bristol"] == "Bristol, City of"
    assert moves["Carlisle"] == "Cumberland" and moves["Harrogate"] == "North Yorkshire"
    assert moves["Taunton Deane"] == "Somerset"


# --- the real snapshot -----------------------------------------------------------------------------------------

def test_exactly_the_58_cities_of_england_and_wales_and_the_five_absent_named(model, inputs):
    lookup = inputs.frame("pua_lookup")
    ew = set(lookup.loc[lookup["country"].isin(["England", "Wales"]), "pua"].dropna())
    table = model["table"]
    assert len(table) == 58 and set(table["city"]) == ew and table["city"].is_unique
    assert model["absent"] == OUTSIDE
    assert set(table["city"]) | set(OUTSIDE) == set(lookup["pua"].dropna())


def test_the_districts_in_no_city_are_exactly_the_independent_list(model, inputs):
    census = inputs.frame("census2011_workplace")
    assert cities.msoa_district(census["msoa_name"]).nunique() == DISTRICTS_2011
    assert model["in_no_city"] == oracles.districts_in_no_city_2011()
    assert {"Isles of Scilly", "Cornwall", "Darlington", "Corby"} <= set(model["in_no_city"])
    in_cities = ", ".join(model["table"]["districts"]).split(", ")
    assert len(in_cities) + len(model["in_no_city"]) == DISTRICTS_2011


def test_city_shares_and_england_and_wales_against_the_oracle(model):
    want = oracles.city_manufacturing_2011()
    got = model["table"].set_index("city")
    assert sorted(got.index) == sorted(want.index)
    for c in want.index:
        assert got.loc[c, "manufacturing"] == want.loc[c, "manufacturing"] and got.loc[c, "all"] == want.loc[c, "all"]
        assert got.loc[c, "share"] == pytest.approx(want.loc[c, "share"], abs=1e-12)
    assert model["england_wales"]["share"] == pytest.approx(oracles.england_wales_manufacturing_2011(), abs=1e-12)
    assert list(got["rank"]) == list(range(1, 59)) and got["share"].is_monotonic_decreasing


def test_both_city_averages_against_the_oracle(model):
    got, want = cities.means(model["table"]), oracles.city_means_2011()
    assert got["unweighted"] == pytest.approx(want["unweighted"], abs=1e-12)
    assert got["weighted"] == pytest.approx(want["weighted"], abs=1e-12)
    assert got["unweighted"] != pytest.approx(got["weighted"], abs=0.1)  # the toggle moves the line


def test_facts(inputs):
    f = cities.facts(inputs)
    want = oracles.city_means_2011()
    shares = oracles.city_manufacturing_2011()["share"]
    assert f["cities_n"].value == 58 and f["cities_pua_n"].value == 63 and f["cities_absent_n"].value == 5
    assert all(name in f["cities_absent"].value for name in OUTSIDE)
    assert f["cities_mean_unweighted"].value == pytest.approx(want["unweighted"], abs=1e-12)
    assert f["cities_mean_weighted"].value == pytest.approx(want["weighted"], abs=1e-12)
    assert f["cities_mean_gap"].value == pytest.approx(want["weighted"] - want["unweighted"], abs=1e-12)
    assert f["cities_ew_share"].value == pytest.approx(oracles.england_wales_manufacturing_2011(), abs=1e-12)
    assert f["cities_highest_name"].value == shares.idxmax() and f["cities_lowest_name"].value == shares.idxmin()
    assert f["cities_above_ew_n"].value == int((shares > oracles.england_wales_manufacturing_2011()).sum())
    assert f["cities_districts_in_no_city_n"].value == len(oracles.districts_in_no_city_2011())
    assert "census2011_workplace" in f["cities_n"].sources and "pua_lookup" in f["cities_n"].sources
    assert "workplace" in f["cities_basis"].value and "KS011a" in f["cities_c41b_tables"].value
    assert "1991" in f["cities_before_2001"].value and "bridge" in f["cities_before_2001"].value
    bres_gb = oracles.bres_gb_totals("manufacturing") / oracles.bres_gb_totals("all") * 100
    assert f["cities_bres_gb_first"].value == pytest.approx(bres_gb[f["cities_bres_first"].value], abs=1e-9)
    assert f["cities_bres_gb_last"].value == pytest.approx(bres_gb[f["cities_bres_last"].value], abs=1e-9)


def test_the_figure_has_its_caption_and_controls(inputs):
    spec = cities.city_figure(inputs).to_dict()
    meta = spec["usermeta"]["futurecity"]
    assert "Census" in meta["sources"] and "Centre for Cities" in meta["sources"] and "Vintage" in meta["sources"]
    assert "workplace" in meta["description"] and "Glasgow" in meta["description"]
    params = {p["name"]: p for p in spec["params"]}
    assert params["cities_average"]["value"] == "unweighted" and params["cities_city"]["value"] == cities.NONE
    assert len(spec["datasets"][next(iter(spec["datasets"]))]) == 59  # 58 cities and England and Wales


def test_the_widgets_twin_runs_its_model_once_in_the_build(inputs, monkeypatch):
    monkeypatch.setenv("FUTURECITY_BUILD", "1")
    assert cities.city_widgets(inputs) is None


# --- C4-1b: offline needs live data; on loopback the live census tables give its value ---------------------------

def _c41b(inputs: Inputs) -> dict:
    [claim] = [c for c in ledger.chapter_claims(4) if c["id"] == "C4-1b"]
    return evaluate.evaluate_claim(claim, inputs)


def test_c41b_offline_needs_live_data_naming_both_tables():
    result = _c41b(Inputs())
    assert result["status"] == "needs live data"
    for word in ("KS011a", "KS605EW", "census2001_industry_la", "census2011_industry_la", "--live"):
        assert word in result["note"], word


def _district_table(odd_only: bool) -> pd.DataFrame:
    """Real counts from the pinned census file summed to 2011 districts (all MSOAs, or the odd-numbered ones),
    in the layout of a Nomis census table: one row per district and cell."""
    raw = parsers.get("census_msoa_csv")(snapshot_bytes("census2011_workplace"))  # noqa: F405
    if odd_only:
        raw = raw[raw["msoa_name"].str[-1].astype(int) % 2 == 1]
    raw = raw.assign(district=raw["msoa_name"].str.replace(r" \d{3}$", "", regex=True))
    cells = raw[raw["industry_name"].isin(["All categories: Industry", "C Manufacturing", "F Construction"])]
    out = cells.groupby(["district", "industry_name"], as_index=False).agg(value=("value", "sum"),
                                                                           code=("msoa_code", "min"))
    return out


def _nomis_layout(table: pd.DataFrame, year: int, manufacturing_label: str) -> bytes:
    labels = {"All categories: Industry": "All categories: Industry", "C Manufacturing": manufacturing_label,
              "F Construction": "F Construction"}
    frame = pd.DataFrame({"DATE": year, "GEOGRAPHY_NAME": table["district"], "GEOGRAPHY_CODE": table["code"],
                          "CELL_NAME": table["industry_name"].map(labels), "OBS_VALUE": table["value"].astype(int)})
    return frame.to_csv(index=False).encode()


def _definitions(dataset: str, name: str) -> bytes:
    return json.dumps({"structure": {"keyfamilies": {"keyfamily": [
        {"id": "NM_1_1", "name": {"value": "Other dataset", "lang": "en"}},
        {"id": dataset, "name": {"value": name, "lang": "en"}}]}}}).encode()


def _serve_census(api, sid: str, dataset: str, name: str, body: bytes) -> None:
    base = api.base(sid)
    api.monkeypatch.setenv(f"FUTURECITY_URL_{sid.upper()}", base)
    api.server.expect_request(f"/{sid}/dataset/def.sdmx.json", query_string={"search": name.split()[0] + "*"}
                              ).respond_with_data(_definitions(dataset, name), content_type="application/json")
    # the dataset's own definition: geography, its industry cells and measures (no other dimension to fix)
    cl = dataset.replace("NM", "CL")
    dims = [{"conceptref": c, "codelist": f"{cl}_{c}"} for c in ("GEOGRAPHY", "CELL", "MEASURES")]
    api.server.expect_request(f"/{sid}/dataset/{dataset}.def.sdmx.json").respond_with_json(
        {"structure": {"keyfamilies": {"keyfamily": [{"id": dataset, "components": {"dimension": dims}}]}}})
    cells = [{"value": i, "description": {"value": v}} for i, v in enumerate(sorted(set(
        pd.read_csv(io.BytesIO(body))["CELL_NAME"])))]
    api.server.expect_request(f"/{sid}/codelist/{cl}_CELL.def.sdmx.json").respond_with_json(
        {"structure": {"codelists": {"codelist": [{"id": f"{cl}_CELL", "code": cells}]}}})

    def pages(request):
        offset = int(request.args.get("recordoffset", 0))
        lines = body.decode().splitlines()
        return Response("\n".join([lines[0], *lines[1:][offset: offset + 25_000]]) + "\n", content_type="text/csv")
    api.server.expect_request(f"/{sid}/dataset/{dataset}.data.csv").respond_with_handler(pages)


def _unweighted(table: pd.DataFrame) -> float:
    """The independent mean of city shares of a district table, through the oracle's district -> city map."""
    wide = table.pivot_table(index="district", columns="industry_name", values="value", aggfunc="sum")
    wide = wide.join(oracles.pua_of_district().rename("city")).dropna(subset=["city"])
    per_city = wide.groupby("city")[["C Manufacturing", "All categories: Industry"]].sum()
    assert len(per_city) == 58
    return float((per_city["C Manufacturing"] / per_city["All categories: Industry"] * 100).mean())


def test_the_live_census_client_finds_each_table_by_name_and_c41b_is_evaluated(api):
    t2001, t2011 = _district_table(odd_only=True), _district_table(odd_only=False)
    _serve_census(api, "census2001_industry_la", "NM_2001_1", "KS011a - Industry of employment - all people",
                  _nomis_layout(t2001, 2001, "D. Manufacturing"))
    _serve_census(api, "census2011_industry_la", "NM_2011_1", "KS605EW - Industry",
                  _nomis_layout(t2011, 2011, "C Manufacturing"))
    for sid, dataset in (("census2001_industry_la", "NM_2001_1"), ("census2011_industry_la", "NM_2011_1")):
        manifest = pull(sid)
        assert manifest["dataset_id"] == dataset and f"/dataset/{dataset}.data.csv" in manifest["url"]
        assert "search=" in manifest["definitions"] and manifest["rows"] == 3 * DISTRICTS_2011
    frame = store.load("census2001_industry_la", "latest")
    assert set(frame["category"]) == {"all", "manufacturing", "other"} and set(frame["year"]) == {2001}
    result = _c41b(Inputs(vintage="latest"))
    want = _unweighted(t2011) - _unweighted(t2001)
    assert result["value"] == round(want, rules.DIGITS)  # the ledger keeps rules.DIGITS decimals
    assert result["status"] == ("reproduced" if want < 0 else "differs")


def test_definitions_without_the_table_are_a_bad_answer_and_nothing_is_stored(api, data_env):
    sid = "census2011_industry_la"
    api.monkeypatch.setenv(f"FUTURECITY_URL_{sid.upper()}", api.base(sid))
    api.server.expect_request(f"/{sid}/dataset/def.sdmx.json").respond_with_data(
        _definitions("NM_5_1", "KS606EW - Industry - Males"), content_type="application/json")
    with pytest.raises(DataUnavailable, match="KS605EW"):
        pull(sid)
    assert not store.vintage_manifests(registry.get(sid))


def test_a_table_without_a_manufacturing_cell_is_refused():
    body = b"DATE,GEOGRAPHY_NAME,GEOGRAPHY_CODE,CELL_NAME,OBS_VALUE\n2011,Darlington,E1,All persons,10\n"
    with pytest.raises(Exception, match="manufacturing"):
        parsers.get("nomis_census_csv")(body)
