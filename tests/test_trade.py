"""The trade gap (C4-3): the registered WDI country files and the BoE millennium headlines read by the package
against plain readings of the same files (tests/oracles.py), the measure against an independent count, the
facts, the chart's controls and caption, and the live World Bank client on a loopback server answering in the
API's JSON format (values from the pinned files), including pulls that fail."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403
from werkzeug import Response

import oracles
from futurecity import cli
from futurecity.claims import evaluate, ledger
from futurecity.claims.measures import Inputs
from futurecity.data import access, registry, store
from futurecity.data.vintages import pull
from futurecity.errors import EXIT_DATA, DataUnavailable
from futurecity.topics import trade
from futurecity.viz.theme import WIDTH

SOURCES = {"GBR": "wdi_trade_balance_gbr", "USA": "wdi_trade_balance_usa"}
LABEL = {"GBR": "UK", "USA": "US"}


@pytest.fixture(scope="module")
def inputs() -> Inputs:
    return Inputs()


def _series(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index("year")["value"]


# --- registry and parsers on the real pinned files ---------------------------------------------------------------

@pytest.mark.parametrize("code", list(SOURCES))
def test_registry_names_the_file_its_hash_and_its_release(code, snapshot_dir):
    src = registry.get(SOURCES[code])
    path = snapshot_dir / src.snapshot.file
    assert src.snapshot.file == oracles.WDI_COUNTRY_FILES[code]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == src.snapshot.sha256
    assert oracles.wdi_last_updated(code) in src.snapshot.vintage  # the release the file itself states
    assert src.live.path == f"/country/{code}/indicator/{oracles.TRADE_BALANCE}" and src.live.format == "worldbank_json"
    assert src.snapshot.public_copy and not src.snapshot.derived_from


def test_the_two_files_are_different_releases():
    assert oracles.wdi_last_updated("GBR") != oracles.wdi_last_updated("USA")
    labels = {registry.get(s).snapshot.vintage for s in SOURCES.values()}
    assert len(labels) == 2


@pytest.mark.parametrize("code", list(SOURCES))
def test_wdi_balance_is_the_files_row(code, inputs):
    got = _series(trade.wdi_balance(inputs.frame(SOURCES[code]), code))
    want = oracles.wdi_country_series(code)
    assert list(got.index) == list(want.index)
    assert got.to_numpy() == pytest.approx(want.to_numpy(), rel=1e-12, abs=0)
    frame = trade.wdi_balance(inputs.frame(SOURCES[code]), code)
    assert frame.attrs["source"] == SOURCES[code] and frame.attrs["vintage"] == "pinned"
    assert (frame["series"] == LABEL[code]).all()


def test_wdi_balance_refuses_a_frame_without_the_indicator(inputs):
    frame = inputs.frame(SOURCES["GBR"])
    other = frame[frame["indicator_code"] != oracles.TRADE_BALANCE]
    with pytest.raises(ValueError, match="NE.RSB.GNFS.ZS"):
        trade.wdi_balance(other, "GBR")


def test_boe_balance_is_the_signed_trade_column(inputs):
    got = _series(trade.boe_balance(inputs.frame("boe_millennium")))
    want = oracles.boe_trade_balance_pct()
    assert list(got.index) == list(want.index)
    assert got.to_numpy() == pytest.approx(want.to_numpy(), abs=1e-12)
    assert (got < 0).any() and (got > 0).any()  # signed: both deficits and surpluses


def test_boe_parser_keeps_each_columns_unit_as_written(inputs):
    """Repeated units ('£mn' in many columns) are read as written, not renamed by pandas ('£mn.3')."""
    frame = inputs.frame("boe_millennium")
    units = frame.groupby("series")["unit"].agg(lambda u: set(u))
    for name, unit, values in oracles.boe_columns():
        if len(values):
            assert units[name.strip()] == {unit}, name


# --- the measure and the ledger ---------------------------------------------------------------------------------

def test_c4_3_is_the_smaller_share_of_deficit_years(inputs):
    end = oracles.trade_last_common_year()
    want = oracles.trade_min_deficit_share(1980, end)
    result = evaluate.evaluate_claim(ledger.definition("C4-3"), inputs)
    assert result["value"] == pytest.approx(want, abs=1e-4)
    assert result["status"] == ("reproduced" if want > 0.5 else "differs")
    assert f"1980-{end}" in result["note"]
    for code in SOURCES:
        assert oracles.wdi_last_updated(code) in result["vintage_label"]


def test_c4_3_ledger_entry():
    claim = ledger.definition("C4-3")
    assert claim["measure"] == {"kind": "trade_deficit_share_min"}
    assert set(claim["sources"]) == set(SOURCES.values())
    assert claim["window"] == {"start": 1980, "end": "latest"}


@pytest.mark.parametrize("start,end", [(1980, 1999), (1990, 2010), (2001, 2017), (1975, 1975)])
def test_measure_on_other_windows(inputs, start, end):
    from futurecity.claims import measures
    got = measures.get("trade_deficit_share_min").compute(inputs, {}, start, end)
    assert got == pytest.approx(oracles.trade_min_deficit_share(start, end), abs=1e-12)


def test_a_window_the_data_do_not_hold_needs_live_data(inputs):
    """The US series starts later than the UK's: a window from the UK's first year is not covered."""
    first_uk = int(oracles.wdi_country_series("GBR").index.min())
    claim = {**ledger.definition("C4-3"), "window": {"start": first_uk, "end": "latest"}}
    result = evaluate.evaluate_claim(claim, inputs)
    assert result["status"] == "needs live data" and result["needs"] == SOURCES["USA"]
    assert result["value"] is None


# --- the facts ----------------------------------------------------------------------------------------------

def test_facts_are_the_independent_counts(inputs):
    f = {k: v.value for k, v in trade.facts(inputs).items()}
    end = oracles.trade_last_common_year()
    assert f["trade_start"] == 1980 and f["trade_end"] == end
    for prefix, code in (("uk", "GBR"), ("us", "USA")):
        s = oracles.wdi_country_series(code)
        years, deficits = oracles.deficit_years(s, 1980, end)
        assert (f[f"{prefix}_trade_years"], f[f"{prefix}_trade_deficit_years"]) == (years, deficits)
        assert f[f"{prefix}_trade_deficit_share"] == pytest.approx(deficits / years)
        assert f[f"{prefix}_trade_deficit_pct"] == pytest.approx(100 * deficits / years)
        assert (f[f"{prefix}_trade_first_year"], f[f"{prefix}_trade_last_year"]) == (s.index.min(), s.index.max())
        assert oracles.wdi_last_updated(code) in f[f"{prefix}_wdi_vintage"]
    assert f["trade_min_share"] == pytest.approx(oracles.trade_min_deficit_share(1980, end))
    boe = oracles.boe_trade_balance_pct()
    years, deficits = oracles.deficit_years(boe, boe.index.min(), boe.index.max())
    assert (f["boe_trade_first_year"], f["boe_trade_last_year"]) == (boe.index.min(), boe.index.max())
    assert (f["boe_trade_years"], f["boe_trade_deficit_years"]) == (years, deficits)
    assert f["boe_trade_deficit_pct"] == pytest.approx(100 * deficits / years)
    assert (f["boe_trade_years_1980"], f["boe_trade_deficit_years_1980"]) == oracles.deficit_years(
        boe, 1980, boe.index.max())
    assert f["boe_vintage"] == registry.get("boe_millennium").snapshot.vintage
    facts = trade.facts(inputs)
    assert facts["trade_min_share"].claim == "C4-3"
    assert set(facts["uk_trade_years"].sources) == {SOURCES["GBR"]}


def test_facts_docstring_names_every_fact(inputs):
    """Every fact the topic returns is named in the docstring the chapter's authors read."""
    names = set(trade.facts(inputs))
    doc = trade.facts.__doc__
    for name in names:
        stem = re.sub(r"^(uk|us)_", "*_", name)
        assert name in doc or stem in doc, name


# --- the chart's controls and caption --------------------------------------------------------------------------

def test_slider_cannot_pass_the_end_and_starts_on_the_claims_window(inputs):
    spec = trade.trade_figure(inputs).to_dict()
    [param] = [p for p in spec["params"] if p["name"] == "trade_start"]
    assert param["bind"]["input"] == "range"
    assert param["bind"]["min"] == oracles.trade_first_common_year()
    assert param["bind"]["max"] == oracles.trade_last_common_year()
    assert param["value"] == 1980


def test_caption_names_sources_and_vintages(inputs):
    meta = trade.trade_figure(inputs).to_dict()["usermeta"]["futurecity"]
    for code in SOURCES:
        assert oracles.wdi_last_updated(code) in meta["sources"]
    assert "Bank of England" in meta["sources"] and "v3.1" in meta["sources"]
    assert "CC-BY-4.0" in meta["sources"]
    assert "negative means a deficit" in meta["note"]


def test_every_view_fits_a_phone_column(inputs):
    """Every view has a numeric width no wider than a chapter's column (the embed script fits it to the screen)
    and no legend sits below the plots, far from the lines: each WDI line is named at its last year."""
    spec = {k: v for k, v in trade.trade_figure(inputs).to_dict().items() if k != "config"}
    widths = [v["width"] for v in _walk(spec, "width")]
    assert widths and all(isinstance(w, int) and w <= WIDTH for w in widths)
    assert [v["legend"] for v in _walk(spec, "legend") if v.get("legend")] == []


def test_each_wdi_line_is_named_at_its_last_year(inputs):
    """The end labels read the series' names at each series' own last year (the UK and US files end apart)."""
    from vega_eval import marks

    found = trade.series(inputs)
    rows = marks(trade.trade_figure(inputs).to_dict(), [{}])[0]["trade_ends_1_marks"]
    got = {r["series"]: (r["year"], round(r["value"], 9)) for r in rows}
    want = {}
    for code in trade.WDI_SOURCES:
        frame = found[code]
        last = frame.loc[frame["year"].idxmax()]
        want[last["series"]] = (int(last["year"]), round(float(last["value"]), 9))
    assert got == want


def _walk(node, key):
    if isinstance(node, dict):
        if key in node:
            yield node
        for v in node.values():
            yield from _walk(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)


def test_widgets_run_the_pandas_model_in_the_build(inputs, monkeypatch):
    monkeypatch.setenv("FUTURECITY_BUILD", "1")
    assert trade.trade_widgets(inputs) is None


# --- the live World Bank client on a loopback server ---------------------------------------------------------

def _api_rows(code: str) -> list[dict]:
    """The API's rows for NE.RSB.GNFS.ZS of one country (newest first, null where the file is blank), every value
    from the pinned country file."""
    df = oracles.wdi_country_file(code)
    row = df[df["Indicator Code"] == oracles.TRADE_BALANCE].iloc[0]
    years = sorted((c for c in df.columns if re.fullmatch(r"\d{4}", c)), reverse=True)
    return [{"indicator": {"id": oracles.TRADE_BALANCE, "value": row["Indicator Name"]},
             "country": {"id": code[:2], "value": row["Country Name"]}, "countryiso3code": code, "date": y,
             "value": None if pd.isna(row[y]) else float(row[y]), "unit": "", "obs_status": "", "decimal": 1}
            for y in years]


@pytest.mark.parametrize("code", list(SOURCES))
def test_live_pull_in_the_api_format_reads_as_the_file(code, api):
    sid = SOURCES[code]
    api.route(sid).respond_with_handler(worldbank_pager(_api_rows(code), per_page=20))
    manifest = pull(sid)
    asked = [r for r, _ in api.server.log]
    assert len(asked) == manifest["pages"] > 1
    assert all(r.path == api.path(sid) and r.args["format"] == "json" for r in asked)
    frame = store.load(sid, vintage="latest")
    assert frame.attrs["vintage"] == manifest["vintage"]
    assert frame.attrs["vintage_label"].startswith(registry.get(sid).live.vintage)
    got = _series(trade.wdi_balance(frame, code))
    want = oracles.wdi_country_series(code)
    assert list(got.index) == list(want.index)
    assert got.to_numpy() == pytest.approx(want.to_numpy(), rel=1e-12, abs=0)


def test_c4_3_on_live_vintages(api):
    for code, sid in SOURCES.items():
        api.route(sid).respond_with_handler(worldbank_pager(_api_rows(code), per_page=100))
        pull(sid)
    live = Inputs(vintage="latest")
    result = evaluate.evaluate_claim(ledger.definition("C4-3"), live)
    end = oracles.trade_last_common_year()
    assert result["value"] == pytest.approx(oracles.trade_min_deficit_share(1980, end), abs=1e-4)
    assert "live pull" in result["vintage_label"]


def test_failed_pull_names_source_url_and_remedy(api, data_env, capsys):
    sid = SOURCES["USA"]
    api.route(sid).respond_with_data(json.dumps(
        [{"message": [{"id": "120", "key": "Invalid value", "value": "The provided parameter value is not valid"}]}]),
        content_type="application/json")
    code = cli.main(["pull", sid, "--live"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == EXIT_DATA
    assert f"'{sid}'" in err and flat(api.url(sid)) in flat(err)
    assert f"futurecity pull {sid} --live" in err and "To fix" in err
    assert not (data_env / sid / "vintages").exists()
    with pytest.raises(DataUnavailable) as info:
        pull(sid)
    assert info.value.source == sid and info.value.url.startswith(api.url(sid))
    assert "error object" in info.value.tried and sid in info.value.remedy


def test_failed_live_read_falls_back_to_the_pinned_file_and_says_why(api, monkeypatch):
    sid = SOURCES["GBR"]
    api.route(sid).respond_with_response(Response("gone", status=404))
    monkeypatch.setattr(access, "_session", None)
    frame = access.load(sid, vintage="latest", live=True)
    assert frame.attrs["vintage"] == "pinned" and oracles.wdi_last_updated("GBR") in frame.attrs["vintage_label"]
    assert frame.attrs["fallback"]["url"].startswith(api.url(sid))
    assert "404" in frame.attrs["fallback"]["reason"]
