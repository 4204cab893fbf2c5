"""The parsers: every snapshot parser on its real file (row counts checked by plain ``csv``), the live parsers on
answers rendered from the real files (including the faults they must refuse), and each live parser beside its
snapshot twin on the same rows, column by column."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403

from futurecity.data import parsers, registry, store
from futurecity.data.clients import xlsx_link
from futurecity.errors import ParseError


def _csv_rows(raw: bytes, skip: int = 0) -> list[list[str]]:
    """The data rows of a CSV by the standard library (after ``skip`` lines and the header)."""
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[skip:]
    return [r for r in rows[1:] if r]


# --- snapshot parsers on the real files ------------------------------------------------------------------------

@pytest.mark.parametrize("source_id", [s.id for s in registry.sources().values() if s.snapshot])
def test_every_snapshot_loads_with_its_schema(source_id, data_env):
    frame = store.load(source_id)
    assert list(frame.columns) == list(registry.get(source_id).schema)
    assert len(frame) > 0
    assert frame.attrs["vintage"] == "pinned" and frame.attrs["sha256"] == registry.get(source_id).snapshot.sha256


def test_bres_snapshot_row_count_matches_plain_csv(data_env):
    rows = _csv_rows(snapshot_bytes("bres_employment"))
    frame = store.load("bres_employment")
    assert len(frame) == len(rows) == 24_640
    assert frame["industry_code"].nunique() == len({r[4] for r in rows}) == 88
    assert frame["value"].sum() == sum(int(r[5]) for r in rows)


def test_fred_snapshot_keeps_every_observation(data_env):
    rows = _csv_rows(snapshot_bytes("fred_manufacturing"))
    frame = store.load("fred_manufacturing")
    assert len(frame) == 2 * len(rows)
    assert set(frame["series"]) == {"MANEMP", "PAYEMS"}
    assert frame["date"].min() == pd.Timestamp("1939-01-01")


def test_ybgb_snapshot_years_and_quarters(data_env):
    rows = _csv_rows(snapshot_bytes("gdp_deflator"))
    periods = [r[0] for r in rows if re.fullmatch(r"\d{4}( Q[1-4]| [A-Z]{3})?", r[0])]
    frame = store.load("gdp_deflator")
    assert list(frame["period"]) == periods
    assert set(frame["frequency"]) == {"year", "quarter"}


def test_wdi_bulk_snapshot_counts_nonblank_cells(data_env):
    raw = snapshot_bytes("wdi_industry_employment")
    rows = _csv_rows(raw, skip=4)
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig").splitlines()[4])))
    year_cols = [i for i, h in enumerate(header) if re.fullmatch(r"\d{4}", h)]
    filled = sum(1 for r in rows for i in year_cols if i < len(r) and r[i] != "")
    assert len(store.load("wdi_industry_employment")) == filled


def test_sdg_snapshot_row_count(data_env):
    assert len(store.load("berd")) == len(_csv_rows(snapshot_bytes("berd"))) == 588


# --- Nomis CSV -------------------------------------------------------------------------------------------------

def test_nomis_csv_from_bres_rows():
    rows = bres_frame(year=2019, rows=176)
    frame = parsers.get("nomis_csv")(nomis_csv(rows))
    assert len(frame) == 176
    for column, header in [("geography_code", "GEOGRAPHY_CODE"), ("geography_name", "GEOGRAPHY_NAME"),
                           ("industry_code", "INDUSTRY_CODE"), ("industry_name", "INDUSTRY_NAME")]:
        assert list(frame[column]) == list(rows[header]), column
    assert list(frame["year"]) == [int(y) for y in rows["DATE"]]
    assert list(frame["value"]) == list(pd.to_numeric(rows["COUNT"]).astype(float))


def test_nomis_csv_reads_the_sic_code_from_the_label_when_the_code_is_an_internal_id():
    rows = bres_frame(rows=3)
    rows["INDUSTRY_CODE"] = [str(146800641 + i) for i in range(3)]
    frame = parsers.get("nomis_csv")(nomis_csv(rows))
    assert list(frame["industry_code"]) == ["01", "02", "03"]


@pytest.mark.parametrize("body, message", [
    pytest.param(lambda: nomis_csv(bres_frame(rows=5), value_header="VALUE"), "OBS_VALUE", id="changed-header"),
    pytest.param(lambda: nomis_csv(bres_frame(rows=0)), "no rows", id="empty"),
    pytest.param(lambda: berd_page(None), "HTML", id="html"),
    pytest.param(lambda: b"", "empty", id="no-body"),
])
def test_nomis_csv_refuses(body, message):
    with pytest.raises(ParseError, match=message):
        parsers.get("nomis_csv")(body())


# --- ONS -------------------------------------------------------------------------------------------------------

def test_ons_generator_csv_on_the_head_of_the_real_file():
    head = b"\n".join(ybgb_bytes().splitlines()[:20])
    frame = parsers.get("ons_generator_csv")(head)
    assert len(frame) == 12 and frame.attrs["cdid"] == "YBGB"


def test_ons_generator_csv_without_metadata_rows():
    body = b"\n".join(line for line in ybgb_bytes().splitlines() if not line.startswith(b'"CDID"'))
    with pytest.raises(ParseError, match="CDID"):
        parsers.get("ons_generator_csv")(body)


def test_ons_timeseries_json_annual_uk():
    frame = parsers.get("ons_timeseries_json_annual_uk")(ybha_json())
    gdp = pd.read_csv(io.BytesIO(snapshot_bytes("gdp_nominal")), dtype="string")
    uk = gdp[gdp["ITL code"] == "UK"].iloc[0]
    assert frame.set_index("year")["value"].to_dict() == {
        int(c): float(uk[c].replace(",", "")) for c in gdp.columns if re.fullmatch(r"\d{4}", c)}
    assert set(frame["geography_code"]) == {"K02000001"}


def test_regional_gdp_snapshot_names_the_uk_by_its_gss_code():
    frame = parsers.get("ons_regional_gdp_csv")(snapshot_bytes("gdp_nominal"))
    uk = frame[frame["geography_name"] == "United Kingdom"]
    assert len(uk) > 0 and set(uk["geography_code"]) == {"K02000001"}
    assert "UK" not in set(frame["geography_code"])


def test_ons_timeseries_json_annual_uk_without_years():
    with pytest.raises(ParseError):
        parsers.get("ons_timeseries_json_annual_uk")(ybha_json(years=False))


# --- World Bank ------------------------------------------------------------------------------------------------

def test_worldbank_json_one_page_and_pages_agree():
    rows = wdi_rows("wdi_manufacturing_va")
    one = parsers.get("worldbank_json")(worldbank_page_bytes(rows, 1, len(rows)))
    many = parsers.get("worldbank_json")(b"[" + b",".join(worldbank_pages(rows, 40)) + b"]")
    pd.testing.assert_frame_equal(one, many)
    assert len(one) == sum(r["value"] is not None for r in rows)


def test_worldbank_json_error_object():
    body = json.dumps([{"message": [{"id": "120", "key": "Invalid value", "value": "The provided parameter "
                                                                                      "value is not valid"}]}])
    with pytest.raises(ParseError, match="error object"):
        parsers.get("worldbank_json")(body.encode())


def test_worldbank_json_empty_answer():
    with pytest.raises(ParseError, match="no rows"):
        parsers.get("worldbank_json")(worldbank_page_bytes([], 1, 50))


# --- FRED ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["observation_date", "DATE"])
def test_fred_csv_both_headers(header):
    frame = parsers.get("fred_csv")(fred_csv(header, rows=24))
    assert len(frame) == 48 and frame["date"].iloc[0] == pd.Timestamp("1939-01-01")


def test_fred_csv_missing_marker_is_dropped():
    body = fred_csv(rows=3).replace(b"1939-02-01,9175", b"1939-02-01,.", 1)
    assert len(parsers.get("fred_csv")(body)) == 5


@pytest.mark.parametrize("body, message", [
    pytest.param(lambda: fred_csv("Date", rows=3), "first column", id="changed-header"),
    pytest.param(lambda: berd_page(None), "HTML", id="html"),
])
def test_fred_csv_refuses(body, message):
    with pytest.raises(ParseError, match=message):
        parsers.get("fred_csv")(body())


# --- BERD spreadsheet ------------------------------------------------------------------------------------------

def test_berd_xlsx_reads_both_tables_by_label():
    sdg = sdg_frame()
    business = sdg[(sdg["Sector"] == "Business enterprise") & (sdg["Value"] != "")]
    frame = parsers.get("berd_xlsx")(berd_workbook())
    assert len(frame) == len(business)
    assert list(frame.columns) == list(registry.get("berd").schema)
    regions = frame[frame["geography_code"] != "K02000001"]
    assert set(regions["geography_code"]) == set(business["GeoCode"]) - {""}
    assert set(frame["product_group"]) == set(business["Product group"])
    assert (frame["unit"] == "GBP million, current prices").all() and (frame["measure"] == "BERD").all()


def test_berd_xlsx_missing_region_table_names_the_label():
    with pytest.raises(ParseError, match="by region"):
        parsers.get("berd_xlsx")(berd_workbook(region_title="Table 5: Expenditure on R&D, breakdown by area"))


def test_berd_xlsx_unknown_region_label():
    with pytest.raises(ParseError, match="Atlantis"):
        parsers.get("berd_xlsx")(berd_workbook(extra_region="Atlantis"))


def test_berd_xlsx_refuses_html():
    with pytest.raises(ParseError, match="xlsx"):
        parsers.get("berd_xlsx")(berd_page("/file?uri=/x.xlsx"))


def test_xlsx_link_finds_the_ons_file_link():
    page = berd_page(f"/file?uri={BERD_XLSX_URI}").decode()
    assert xlsx_link(page, "https://www.ons.gov.uk/economy/x") == f"https://www.ons.gov.uk/file?uri={BERD_XLSX_URI}"
    assert xlsx_link(berd_page(None).decode(), "https://www.ons.gov.uk/") is None


# --- each live parser beside its snapshot twin, column by column -----------------------------------------------
#
# The live answer is rendered from the real snapshot rows, so both parsers read the same data: every column of
# the registry's schema must agree, in values (compared as text) and in dtype (the two pandas string dtypes,
# with NaN or NA as missing marker, count as one).

def _schema(source_id: str, frame: pd.DataFrame, leave_out: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` cut to the registry's schema of ``source_id`` (as ``store.load`` returns it), minus
    ``leave_out``."""
    return frame[[c for c in registry.get(source_id).schema if c not in leave_out]]


def _bres_pair():
    rows = bres_frame()  # every row of the snapshot: all regions, industries and years
    live = parsers.get("nomis_csv")(nomis_csv(rows))
    pinned = parsers.get("bres_resaved_csv")(bres_csv(rows))
    return _schema("bres_employment", live), _schema("bres_employment", pinned)


def _gdp_pair():
    # YBHA's unit is "£m" where the regional table says "GBP million, current prices": unit is left out.
    live = parsers.get("ons_timeseries_json_annual_uk")(ybha_json())
    regional = parsers.get("ons_regional_gdp_csv")(snapshot_bytes("gdp_nominal"))
    uk = regional[regional["geography_name"] == "United Kingdom"].sort_values("year")
    return (_schema("gdp_nominal", live, ("unit",)).reset_index(drop=True),
            _schema("gdp_nominal", uk, ("unit",)).reset_index(drop=True))


def _worldbank_pair(source_id: str):
    def pair():
        rows = wdi_rows(source_id)
        live = parsers.get("worldbank_json")(b"[" + b",".join(worldbank_pages(rows, 50)) + b"]")
        pinned = parsers.get("worldbank_bulk_csv")(wdi_bulk_bytes(source_id))
        order = ["country_code", "year"]
        return (_schema(source_id, live.sort_values(order, ignore_index=True)),
                _schema(source_id, pinned.sort_values(order, ignore_index=True)))
    return pair


def _fred_pair():
    live = parsers.get("fred_csv")(fred_csv("observation_date"))  # ISO dates, as the live API writes them
    assert fred_csv().splitlines()[1].startswith(b"1939-01-01,")
    pinned = parsers.get("fred_csv")(snapshot_bytes("fred_manufacturing"))  # M/D/YYYY dates
    return _schema("fred_manufacturing", live), _schema("fred_manufacturing", pinned)


def _berd_pair():
    # The fixture workbook holds the snapshot's shares of GDP in the live layout, whose unit says GBP million:
    # unit is left out, every other column must match.
    order = ["year", "geography_code", "product_group"]
    live = parsers.get("berd_xlsx")(berd_workbook()).sort_values(order, ignore_index=True)
    sdg = parsers.get("sdg_csv")(snapshot_bytes("berd"))
    pinned = sdg[(sdg["measure"] == "BERD") & sdg["value"].notna()].sort_values(order, ignore_index=True)
    return _schema("berd", live, ("unit",)), _schema("berd", pinned, ("unit",))


PAIRS = {
    "nomis_csv-vs-bres_resaved_csv": _bres_pair,
    "ons_timeseries_json_annual_uk-vs-ons_regional_gdp_csv": _gdp_pair,
    "worldbank_json-vs-worldbank_bulk_csv-manufacturing": _worldbank_pair("wdi_manufacturing_va"),
    "worldbank_json-vs-worldbank_bulk_csv-employment": _worldbank_pair("wdi_industry_employment"),
    "fred_csv-iso-dates-vs-snapshot": _fred_pair,
    "berd_xlsx-vs-sdg_csv": _berd_pair,
}


def _as_text(series: pd.Series) -> list[str]:
    return list(series.astype("string").fillna("<missing>"))


def assert_same_values(live: pd.DataFrame, pinned: pd.DataFrame) -> None:
    """Same columns in the same order, same number of rows, and in every column the same values (as text)."""
    assert list(live.columns) == list(pinned.columns)
    assert len(live) == len(pinned) > 0
    for column in pinned.columns:
        got, want = _as_text(live[column]), _as_text(pinned[column])
        bad = [i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b]
        assert not bad, (f"column {column}: {len(bad)} rows differ, e.g. row {bad[0]}: "
                         f"{got[bad[0]]!r} != {want[bad[0]]!r}")


def _dtype(series: pd.Series) -> str:
    name = str(series.dtype)
    return "string" if name in ("str", "string") else name


def assert_same_dtypes(live: pd.DataFrame, pinned: pd.DataFrame) -> None:
    assert {c: _dtype(live[c]) for c in live.columns} == {c: _dtype(pinned[c]) for c in pinned.columns}


@pytest.mark.parametrize("pair", list(PAIRS))
def test_live_parser_gives_the_snapshot_parser_values_column_by_column(pair):
    assert_same_values(*PAIRS[pair]())


@pytest.mark.parametrize("pair", list(PAIRS))
def test_live_parser_gives_the_snapshot_parser_dtypes_column_by_column(pair):
    assert_same_dtypes(*PAIRS[pair]())


@pytest.mark.parametrize("a, b", [("geography_code", "geography_name"), ("industry_code", "industry_name")])
def test_the_column_check_catches_swapped_columns(a, b):
    """A nomis_csv that swapped two columns (a parser bug) fails the comparison with the snapshot parser."""
    live, pinned = _bres_pair()
    swapped = live.assign(**{a: live[b], b: live[a]})
    with pytest.raises(AssertionError, match=f"column {a}"):
        assert_same_values(swapped, pinned)


# --- the live parsers on real answers of the services (../shared/data/api-answers) ------------------------------

ANSWERS = snapshots_dir() / "api-answers"


def test_ons_timeseries_json_on_the_real_ons_answer():
    raw = (ANSWERS / "ons_zebedee_ybha_timeseries_2015.json").read_bytes()
    doc = json.loads(raw)
    frame = parsers.get("ons_timeseries_json")(raw)
    counts = frame["frequency"].value_counts().to_dict()
    assert counts == {f: len(doc[k]) for f, k in (("year", "years"), ("quarter", "quarters"), ("month", "months"))
                      if doc[k]}
    years = frame[frame["frequency"] == "year"]
    assert list(zip(years["year"], years["value"], strict=True)) == [(int(o["date"]), float(o["value"]))
                                                                     for o in doc["years"]]
    assert frame.attrs["cdid"] == doc["description"]["cdid"] and set(frame["unit"]) == {doc["description"]["unit"]}
    annual = parsers.get("ons_timeseries_json_annual_uk")(raw)
    assert len(annual) == len(doc["years"]) and set(annual["geography_code"]) == {"K02000001"}


def test_ons_generator_csv_on_a_real_answer_with_months_and_a_quoted_unit():
    raw = (ANSWERS / "ons_generator_l522_mm23_2025-07.csv").read_bytes()
    rows = [r for r in csv.reader(io.StringIO(raw.decode("utf-8"))) if r]
    meta = {r[0]: r[1] if len(r) > 1 else "" for r in rows[:8]}
    data = [r for r in rows if re.fullmatch(r"\d{4}( Q[1-4]| [A-Z]{3})?", r[0])]
    frame = parsers.get("ons_generator_csv")(raw)
    assert len(frame) == len(data)
    assert set(frame["unit"]) == {meta["Unit"]} and "," in meta["Unit"]  # the quoted unit keeps its comma
    months = frame[frame["frequency"] == "month"]
    assert len(months) == sum(bool(re.fullmatch(r"\d{4} [A-Z]{3}", r[0])) for r in data) > 0
    assert list(months["period"]) == [r[0] for r in data if re.fullmatch(r"\d{4} [A-Z]{3}", r[0])]
    assert list(months["value"]) == [float(r[1]) for r in data if re.fullmatch(r"\d{4} [A-Z]{3}", r[0])]
    assert frame.attrs["cdid"] == meta["CDID"] and frame.attrs["release_date"] == meta["Release date"]


def test_worldbank_json_on_a_real_answer_page():
    raw = (ANSWERS / "worldbank_v2_gdp_recorded_trimmed.json").read_bytes()
    paging, rows = json.loads(raw)
    frame = parsers.get("worldbank_json")(raw)
    want = sorted((r["countryiso3code"], int(r["date"]), r["value"]) for r in rows if r["value"] is not None)
    assert sorted(zip(frame["country_code"], frame["year"], frame["value"], strict=True)) == want
    assert set(frame["indicator_code"]) == {r["indicator"]["id"] for r in rows}
    assert isinstance(paging["per_page"], int)  # a number in this answer, a string in older ones: both read


def test_worldbank_json_error_object_with_the_real_key():
    body = json.dumps([{"message": [{"id": "120", "key": "Invalid value",
                                     "value": "The provided parameter value is not valid"}]}]).encode()
    with pytest.raises(ParseError, match="error object: Invalid value: The provided parameter value is not valid"):
        parsers.get("worldbank_json")(body)


def test_nomis_definitions_and_codelists_are_read_in_the_def_sdmx_layout():
    from futurecity.data.parsers.nomis import nomis_codes, nomis_dimensions, total_code

    definition = json.dumps({"structure": {"keyfamilies": {"keyfamily": [{"id": "NM_1_1", "components": {
        "dimension": [{"conceptref": "GEOGRAPHY", "codelist": "CL_1_1_GEOGRAPHY"},
                      {"conceptref": "C_SEX", "codelist": "CL_1_1_C_SEX"}]}}]}}}).encode()
    assert nomis_dimensions(definition) == [("GEOGRAPHY", "CL_1_1_GEOGRAPHY"), ("C_SEX", "CL_1_1_C_SEX")]
    codes = json.dumps({"structure": {"codelists": {"codelist": [{"code": [
        {"value": 1, "description": {"value": "Males"}}, {"value": 0, "description": {"value": "All persons"}}]}]}}})
    assert total_code(nomis_codes(codes.encode())) == ("0", "All persons")
    with pytest.raises(ParseError, match="def.sdmx.json"):
        nomis_dimensions(b'{"error": "not found"}')
