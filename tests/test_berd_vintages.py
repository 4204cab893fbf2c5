"""Two BERD vintages side by side: a live pull of a revised spreadsheet beside the pinned snapshot; and the
pinned BERD shares priced with a live GDP vintage.

The "revised" spreadsheet is a fixture in the ONS layout (see ``futurecity.data.parsers.berd``), built here from
the pinned SDG file: each value is the snapshot's share of GDP times UK GDP (read with pandas from the pinned
regional GDP table), times a factor per year computed below, as an upward revision would move it. It is built once
per module, served with its dataset page on a loopback server, pulled with ``vintages.pull`` into a temporary
cache, and the comparison is checked against plain pandas computations on the same pinned files.
"""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403
from fixtures_data import _write_table
from openpyxl import Workbook

from futurecity.claims import evaluate, ledger, rules
from futurecity.claims.measures import Inputs
from futurecity.data import parsers, registry, store, vintages
from futurecity.errors import DataUnavailable, NeedsLiveData
from futurecity.topics import berd

BERD_FILE = "uk/ons_sdg951_berd_pct_gdp_2006_2017.csv"
GDP_FILE = "uk/ons_regional_gdp_current_prices_uk_itl1_1998_2021.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START = 2010
FIRST_LIVE_YEAR_OFFSET = 2  # the revised table starts this many years after the snapshot, so the overlap is tested


def factor(year: int) -> float:
    """The revision applied to a year: upwards, and more for later years (so growth differs between vintages)."""
    return 1.05 + 0.01 * (year - START)


@pytest.fixture(scope="module")
def pinned_cash() -> pd.DataFrame:
    """The snapshot's business rows with ``cash`` = share x UK GDP / 100 (GBP million), by plain pandas."""
    root = snapshots_dir()  # noqa: F405
    f = pd.read_csv(root / BERD_FILE, dtype=str, keep_default_na=False)
    f = f[f["Sector"] == "Business enterprise"].copy()
    f["Year"] = f["Year"].astype(int)
    f["Value"] = pd.to_numeric(f["Value"].replace("", None))
    gdp = pd.read_csv(root / GDP_FILE, dtype=str)
    uk = gdp[gdp["ITL code"] == "UK"].iloc[0]
    uk_gdp = {int(y): float(uk[y].replace(",", "")) for y in gdp.columns if y.isdigit()}
    f["cash"] = f["Value"] * f["Year"].map(uk_gdp) / 100
    return f


def revised_tables(pinned_cash: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(product groups x years, regions x years) of the revised vintage: cash x factor(year), later years only."""
    first = pinned_cash["Year"].min() + FIRST_LIVE_YEAR_OFFSET
    f = pinned_cash[pinned_cash["Year"] >= first].copy()
    f["revised"] = f["cash"] * f["Year"].map(factor)
    uk = f[f["Country"] == ""].assign(label=lambda d: d["Product group"].where(d["Product group"] != "", "Total"))
    regions = f[f["Country"] != ""].assign(label=lambda d: d["Region"].where(d["Region"] != "", d["Country"]))
    return tuple(d.pivot_table(index="label", columns="Year", values="revised", aggfunc="first", dropna=False,
                               sort=False) for d in (uk, regions))


def revised_workbook(pinned_cash: pd.DataFrame) -> bytes:
    """The revised tables in the documented layout, written by the shared fixture writer (which takes the
    values as text: ``repr`` of a float reads back as the same float), with fixed times (``xlsx_bytes``)."""
    products, regions = (t.map(lambda v: "" if pd.isna(v) else repr(float(v))) for t in revised_tables(pinned_cash))
    wb = Workbook()
    ws = wb.active
    ws.title = "Time series"
    nxt = _write_table(ws, "Table 1: Expenditure on R&D performed in UK businesses by product group, current prices, "
                           "£ million", "Product group", products, 1)
    _write_table(ws, "Table 2: Expenditure on R&D performed in UK businesses by region, current prices, £ million",
                 "Region", regions, nxt + 1)
    return xlsx_bytes(wb)  # noqa: F405


@pytest.fixture(scope="module")
def revised_xlsx(pinned_cash) -> bytes:
    """The revised spreadsheet, built once for the module."""
    return revised_workbook(pinned_cash)


def pull_revised(api, revised_xlsx: bytes) -> dict:
    """Serve the dataset page and the revised spreadsheet, point ``berd`` at them and pull; the manifest."""
    api.route("berd").respond_with_data(berd_page(f"/file?uri={BERD_XLSX_URI}"),  # noqa: F405
                                        content_type="text/html")
    api.server.expect_request("/file", query_string={"uri": BERD_XLSX_URI}).respond_with_data(  # noqa: F405
        revised_xlsx, content_type=XLSX)
    return vintages.pull("berd")


def expected_series(pinned_cash: pd.DataFrame, column: str, project_root) -> pd.DataFrame:
    """UK series (all BERD, the four groups, all services) by year from ``column``, with plain pandas."""
    table = pd.read_csv(project_root / "data" / "berd_product_groups.csv", dtype=str)
    uk = pinned_cash[(pinned_cash["Country"] == "") & (pinned_cash["Region"] == "")]
    products = uk[uk["Product group"] != ""].assign(series=lambda d: d["Product group"].map(
        dict(zip(table["product_group"], table["group"], strict=True))))
    groups = products.groupby(["series", "Year"], as_index=False)[column].sum()
    services = (groups[groups["series"].isin(["services", "miscellaneous business services"])]
                .groupby("Year", as_index=False)[column].sum().assign(series="all services"))
    total = uk[uk["Product group"] == ""][["Year", column]].assign(series="all BERD")
    return pd.concat([groups, services, total]).rename(columns={"Year": "year", column: "value"})


def test_comparison_against_plain_pandas(api, pinned_cash, revised_xlsx, project_root):
    manifest = pull_revised(api, revised_xlsx)
    live = Inputs(vintage="latest")
    assert live.frame("berd").attrs["vintage"] == manifest["vintage"] and berd.is_cash(live.frame("berd"))
    pinned = Inputs()
    got = berd.vintage_comparison(live, pinned, START, 2019)

    last = pinned_cash["Year"].max()
    live_years = range(pinned_cash["Year"].min() + FIRST_LIVE_YEAR_OFFSET, last + 1)
    assert got.attrs["end"] == last and sorted(set(got["year"])) == [y for y in live_years if y >= START]

    pinned_cash = pinned_cash.assign(revised=pinned_cash["cash"] * pinned_cash["Year"].map(factor))
    expected = {"pinned": expected_series(pinned_cash, "cash", project_root),
                "live": expected_series(pinned_cash, "revised", project_root)}
    assert set(got["series"]) == set(expected["pinned"]["series"])
    for release, frame in expected.items():
        values = frame[frame["year"].between(START, last)].set_index(["series", "year"])["value"]
        mine = got[got["release"] == release].set_index(["series", "year"])
        assert len(mine) == len(values)
        for (series, year), value in values.items():
            base = values[(series, START)]
            assert mine.loc[(series, year), "gbp_m"] == pytest.approx(value, rel=1e-9)
            assert mine.loc[(series, year), "growth"] == pytest.approx((value / base - 1) * 100, abs=1e-9)
            assert mine.loc[(series, year), "ratio"] == pytest.approx(
                factor(year) if release == "live" else 1.0, rel=1e-9)

    labels = dict(got[["release", "vintage_label"]].drop_duplicates().itertuples(index=False))
    assert labels == {"live": live.frame("berd").attrs["vintage_label"],
                      "pinned": registry.get("berd").snapshot.vintage}
    assert set(got.loc[got["release"] == "live", "basis"]) == {berd.PUBLISHED}
    assert set(got.loc[got["release"] == "pinned", "basis"]) == {berd.APPROXIMATION}

    summary = berd.vintage_summary(got)
    assert summary.loc["all BERD", "ratio"] == pytest.approx(factor(last), rel=1e-9)
    assert summary.loc["all BERD", "growth_gap_pp"] == pytest.approx(
        summary.loc["all BERD", "growth_live"] - summary.loc["all BERD", "growth_pinned"])
    window = ledger.definition("C5-1", ledger.ledger())["window"]
    shown = berd.vintage_outputs(live, pinned, window)
    spec = shown[1].to_dict()
    assert labels["live"] in spec["usermeta"]["futurecity"]["sources"]
    assert labels["pinned"] in spec["usermeta"]["futurecity"]["sources"]
    assert labels["live"] in shown[2].caption and labels["pinned"] in shown[2].caption


def test_a_start_year_the_vintages_do_not_share_is_an_error(api, pinned_cash, revised_xlsx):
    pull_revised(api, revised_xlsx)
    first = pinned_cash["Year"].min()
    with pytest.raises(ValueError, match="do not both hold"):
        berd.vintage_comparison(Inputs(vintage="latest"), Inputs(), first, None)


def test_one_vintage_says_how_to_get_both(data_env):
    pinned, why_not = berd.pinned_beside(Inputs())
    assert pinned is None
    assert "futurecity pull berd --live" in why_not and "--vintage latest" in why_not


def test_a_missing_snapshot_is_said_plainly(api, revised_xlsx, monkeypatch, tmp_path):
    pull_revised(api, revised_xlsx)
    live = Inputs(vintage="latest")
    live.frame("berd")
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(tmp_path / "no-snapshots"))
    pinned, why_not = berd.pinned_beside(live)
    assert pinned is None and "not available" in why_not and live.frame("berd").attrs["vintage_label"] in why_not
    with pytest.raises(DataUnavailable) as info:
        Inputs().frame("berd")
    assert not isinstance(info.value, NeedsLiveData)  # a folder that does not exist is no call for live data


def test_a_live_gdp_vintage_prices_the_pinned_berd_shares(data_env, pinned_cash):
    """The pinned BERD shares with a live GDP vintage (the live YBHA parser's output): the UK row is found (both
    name it K02000001) and cash = share x GDP / 100, by hand, year by year; the claims engine runs on them."""
    live_gdp = parsers.get("ons_timeseries_json_annual_uk")(ybha_json())  # noqa: F405
    assert set(live_gdp["geography_code"]) == {berd.UK_CODE}
    inputs = Inputs(frames={"berd": store.load("berd"), "gdp_nominal": live_gdp,
                            "gdp_deflator": store.load("gdp_deflator")})
    series = berd.uk_series_of(inputs)
    total = series[series["series"] == berd.TOTAL].set_index("year")
    assert set(total["basis"]) == {berd.APPROXIMATION} and total["gbp_m"].notna().all()

    gdp = {int(o["date"]): float(o["value"]) for o in json.loads(ybha_json())["years"]}  # noqa: F405
    sdg = sdg_frame()  # noqa: F405
    uk_total = sdg[(sdg["Sector"] == "Business enterprise") & (sdg["GeoCode"] == "") & (sdg["Product group"] == "")]
    share = {int(y): float(v) for y, v in zip(uk_total["Year"], uk_total["Value"], strict=True) if v}
    assert sorted(total.index) == sorted(share)
    year = 2015
    assert total.loc[year, "gbp_m"] == pytest.approx(share[year] * gdp[year] / 100, rel=1e-12)
    assert total.loc[year, "share_of_gdp"] == pytest.approx(share[year], rel=1e-12)
    by_hand = pinned_cash[(pinned_cash["Country"] == "") & (pinned_cash["Product group"] == "")]
    for y, cash in zip(by_hand["Year"], by_hand["cash"], strict=True):
        assert total.loc[y, "gbp_m"] == pytest.approx(cash, rel=1e-12)  # the live GDP is the pinned UK row

    [claim] = evaluate.evaluate(inputs, claims=[ledger.definition("C5-1")])
    other = claim["other_window"]  # the pinned BERD stops before the claim's end year
    assert claim["status"] == rules.NEEDS_LIVE and other is not None
    deflator = berd.annual_deflator(inputs.frame("gdp_deflator"))
    lo, hi = other["start"], other["end"]
    real_growth = (total.loc[hi, "gbp_m"] / deflator[hi]) / (total.loc[lo, "gbp_m"] / deflator[lo]) * 100 - 100
    assert other["value"] == pytest.approx(real_growth, abs=10 ** -rules.DIGITS)


def _outputs(nb) -> str:
    """Every text, HTML and Markdown output of the executed notebook, joined."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            parts += [str(data.get(k, "")) for k in ("text/html", "text/markdown", "text/plain")]
            parts.append(str(out.get("text", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("vintage", ["latest", "pinned"])
def test_chapter_shows_both_vintages_only_when_both_are_there(api, revised_xlsx, project_root, tmp_path, vintage):
    from futurecity.book.build import execute_notebook

    pull_revised(api, revised_xlsx)
    out = tmp_path / "05.ipynb"
    execute_notebook(project_root / "chapters" / "05-prospects.ipynb", out, {"vintage": vintage}, timeout=300)
    nb = nbformat.read(out, as_version=4)
    assert not nb.metadata["papermill"].get("exception")
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    shown = _outputs(nb)
    two = "Business R&amp;D in two vintages" in shown or "Business R&D in two vintages" in shown
    if vintage == "latest":
        assert two and "times its level in the pinned snapshot" in shown and "fc-vintages" in shown
        assert "Only one vintage" not in shown
    else:
        assert not two and "Only one vintage of business R&D is available" in shown
        assert "futurecity pull berd --live" in shown
