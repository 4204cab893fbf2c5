"""Chapter 5 end to end: the claims as the book reports them, recomputed independently from the pinned files.

Expected values come from pandas on the CSVs and from the ledger read as YAML, never from futurecity; the
statuses are then checked to follow from each claim's rule. The command line, the browser's verdicts (Vega run
under Node with the book's vendored scripts) and the chapter notebook's shape are checked too.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import warnings

import nbformat
import pandas as pd
import pytest
import yaml
from futurecity.viz import badges, status
from vega_eval import marks

from futurecity import topics
from futurecity.book.build import execute_notebook
from futurecity.claims import evaluate
from futurecity.claims import ledger as claims_ledger
from futurecity.claims.measures import Inputs
from futurecity.data import store
from futurecity.topics import bres

STATUSES = {"reproduced", "differs", "needs live data", "not reproducible", "pending"}
BRES_IDS = ("C5-8a", "C5-8b", "C5-9a", "C5-9b")


@pytest.fixture(scope="module")
def ledger(project_root) -> dict[str, dict]:
    doc = yaml.safe_load((project_root / "data" / "claims.yml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in doc["claims"]}


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    topics.load_all()
    return {r["id"]: r for r in evaluate.evaluate()}


@pytest.fixture(scope="module")
def employment(snapshot_dir) -> pd.DataFrame:
    f = pd.read_csv(snapshot_dir / "uk/bres_employment_nuts2_sic2digit_2015_2021.csv",
                    dtype={"INDUSTRY_CODE": str})
    division = f["INDUSTRY_CODE"].astype(int)
    return f.assign(manufacturing=division.between(10, 33), region=f["GEOGRAPHY_CODE"].str[:3])


def pct(values: pd.Series, start: int, end: int) -> float:
    return (values[end] / values[start] - 1) * 100


def test_employment_claims_match_plain_pandas_and_follow_their_rules(employment, ledger, results):
    manufacturing = employment[employment["manufacturing"]]
    expected = {
        "C5-8a": pct(manufacturing.groupby("DATE")["COUNT"].sum(), 2015, 2019),
        "C5-8b": pct(employment.groupby("DATE")["COUNT"].sum(), 2015, 2019),
        "C5-9a": pct(manufacturing[manufacturing["region"] == "UKI"].groupby("DATE")["COUNT"].sum(), 2015, 2019),
        "C5-9b": pct(manufacturing[manufacturing["region"] == "UKJ"].groupby("DATE")["COUNT"].sum(), 2015, 2019),
    }
    for cid, value in expected.items():
        r, rule = results[cid], ledger[cid]["rule"]
        assert ledger[cid]["window"] == {"start": 2015, "end": 2019}
        assert r["value"] == pytest.approx(value, abs=1e-4), cid
        within = abs(value - ledger[cid]["paper_value"]) <= rule["tolerance"]
        assert r["status"] == ("reproduced" if within else "differs"), cid
        assert r["vintage"] == "pinned" and r["sources"] == ["bres_employment"]


def test_rank_claim_matches_a_plain_sort(employment, ledger, results):
    by_region = employment[employment["manufacturing"]].groupby(["region", "DATE"])["COUNT"].sum().unstack()
    order = list(((by_region[2019] / by_region[2015] - 1) * 100).sort_values(ascending=False).index)
    worst = max(order.index("UKI"), order.index("UKJ")) + 1
    assert results["C5-9c"]["value"] == worst
    n = ledger["C5-9c"]["rule"]["n"]
    assert results["C5-9c"]["status"] == ("reproduced" if worst <= n else "differs")


def test_a_perturbed_snapshot_flips_a_verdict(employment, ledger):
    """The same claim on a copy of the data with London's 2019 manufacturing raised to the paper's 7%."""
    c = ledger["C5-9a"]
    frame = store.load(bres.SOURCE)
    london = frame["geography_code"].str.startswith("UKI") & bres.is_manufacturing(frame["industry_code"])
    base = frame.loc[london & (frame["year"] == 2015), "value"].sum()
    now = frame.loc[london & (frame["year"] == 2019), "value"].sum()
    target = base * (1 + c["paper_value"] / 100)
    frame.loc[london & (frame["year"] == 2019), "value"] *= target / now
    moved = evaluate.evaluate(Inputs(frames={"bres_employment": frame}), claims=[c])[0]
    assert moved["value"] == pytest.approx(c["paper_value"], abs=1e-3)
    assert moved["status"] == "reproduced"


@pytest.fixture(scope="module")
def berd_expected(snapshot_dir, project_root) -> dict[str, float]:
    """2010-2017 values of the BERD claims from the 2017 release workbook read with pandas alone (each table's
    rows by their CDID, each year from its first column in the row of years) and the YBGB deflator CSV."""
    book = snapshot_dir / "uk/ons_berd_2017_release_tables_2006_2017.xls"

    def table(sheet: str) -> dict[str, pd.Series]:
        with warnings.catch_warnings():  # pandas 3 plans to read .xls with calamine; xlrd is what is pinned
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            raw = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
        is_year = raw.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 1990 <= v <= 2030
                          and v == int(v))
        header = raw[is_year.sum(axis=1) >= 5].iloc[0]
        columns = {}
        for col, v in header.items():
            if isinstance(v, (int, float)) and 1990 <= v <= 2030 and v == int(v):
                columns.setdefault(int(v), col)
        out = {}
        for _, row in raw.iterrows():
            for cell in row:
                if isinstance(cell, str) and re.fullmatch(r"\s*[A-Z0-9]{4}\s*", cell) and cell.strip() not in out:
                    values = {y: row[c] for y, c in columns.items()}
                    # '-' is nil (nothing to add), '..' is withheld (unknown: the sum is unknown too)
                    out[cell.strip()] = pd.Series({y: float(v) if isinstance(v, (int, float)) else
                                                   0.0 if str(v).strip() == "-" else float("nan")
                                                   for y, v in values.items()})
        return out

    products, regions, totals = table("2"), table("7"), table("1")
    text = (snapshot_dir / "uk/ons_ybgb_gdp_deflator_2025-06.csv").read_text(encoding="utf-8-sig")
    deflator = pd.Series({int(r[0]): float(r[1]) for r in csv.reader(io.StringIO(text))
                          if len(r) == 2 and re.fullmatch(r"\d{4}", r[0])})
    groups = pd.read_csv(project_root / "data/berd_product_groups.csv", dtype=str)
    group_of = dict(zip(groups["cdid"], groups["group"], strict=True))

    def group(name: str) -> pd.Series:
        return sum(products[c] for c in products if group_of.get(c) == name)

    total = products["DLBX"]
    services = group("services") + group("miscellaneous business services")
    share = totals["DLBX"] / totals["DLHT"] * 100
    # Table 7's regions by CDID: London DLKL, East Midlands DLJQ, West Midlands DLJN, North West DLJT
    regional = {c: pct(regions[c], 2010, 2017) for c in ("DLKL", "DLJQ", "DLJN", "DLJT")}
    return {
        "C5-1": pct(total / deflator.reindex(total.index), 2010, 2017),
        "C5-2": share[2017] - share[2010],
        "C5-3": pct(group("manufacturing"), 2010, 2017),
        "C5-4": pct(services, 2010, 2017),
        "C5-5": pct(group("miscellaneous business services"), 2010, 2017),
        "C5-6": regional["DLKL"] - max(regional["DLJQ"], regional["DLJN"]),
        "C5-7": regional["DLJT"],
    }


def test_berd_claims_need_live_data_and_show_the_pinned_years_apart(results, ledger, berd_expected):
    for cid in ("C5-1", "C5-2", "C5-3", "C5-4", "C5-5", "C5-6", "C5-7"):
        r = results[cid]
        assert ledger[cid]["window"]["end"] == 2019
        assert r["status"] == "needs live data", cid
        assert r["value"] is None and "berd_release_2017" in r["note"]
        assert r["other_window"]["start"] == 2010 and r["other_window"]["end"] == 2017
        assert "BERD 2017 release (ONS, November 2018)" in r["vintage_label"], r["vintage_label"]
    for cid, value in berd_expected.items():
        assert results[cid]["other_window"]["value"] == pytest.approx(value, abs=1e-4), cid


def test_the_claims_command_gives_the_release_values_in_other_window(berd_expected, project_root):
    """`futurecity claims --json`, as a reader runs it: C5-1 to C5-7 on the 2017 release's published pounds."""
    done = subprocess.run([sys.executable, "-m", "futurecity", "claims", "--json"], capture_output=True, text=True,
                          timeout=120, cwd=project_root)
    assert done.returncode == 0, done.stderr
    listed = {r["id"]: r for r in json.loads(done.stdout)}
    for cid, value in berd_expected.items():
        r = listed[cid]
        assert (r["value"], r["status"]) == (None, "needs live data"), cid
        assert r["other_window"] == {"start": 2010, "end": 2017, "value": pytest.approx(value, abs=1e-4)}, cid
        assert "BERD 2017 release" in r["vintage_label"], cid


def test_pending_and_not_reproducible(results):
    pending = [cid for cid, r in results.items() if r["status"] == "pending"]
    assert pending == []  # every chapter with claims is written, so every claim has a measure or a rule
    assert results["C5-10"]["status"] == "not reproducible"


def claims_md_ids() -> list[str]:
    from conftest import SHARED_DATA

    text = (SHARED_DATA.parent / "claims.md").read_text(encoding="utf-8")
    return re.findall(r"^\| (C\d-\d+[a-z]?) \|", text, flags=re.MULTILINE)


def test_cli_json_lists_every_claim_of_claims_md(project_root):
    ids = claims_md_ids()
    assert len(ids) >= 17
    run = subprocess.run([sys.executable, "-m", "futurecity", "claims", "--json"], capture_output=True,
                         text=True, cwd=project_root, timeout=120)
    assert run.returncode == 0, run.stderr
    listed = json.loads(run.stdout)
    assert [r["id"] for r in listed] == ids
    for r in listed:
        assert {"id", "paper_value", "value", "unit", "status", "sources", "vintage", "statement", "chapter",
                "rule", "note"} <= set(r)
        assert r["status"] in STATUSES
        assert r["value"] is None or isinstance(r["value"], (int, float))
    table = subprocess.run([sys.executable, "-m", "futurecity", "claims"], capture_output=True, text=True,
                           cwd=project_root, timeout=120)
    assert table.returncode == 0 and "C5-8a" in table.stdout


# --- the browser's verdicts ---------------------------------------------------------------------------------

def test_browser_badges_give_the_ledgers_verdicts_on_the_papers_years_only(project_root, results):
    ledger = claims_ledger.chapter_claims(5)
    totals = bres.sector_totals(store.load(bres.SOURCE))
    controls = bres.controls(totals, claims_ledger.definition("C5-8a", ledger)["window"])
    spec = bres.growth_chart(totals, ledger, *controls).to_dict()
    paper, other = marks(spec, [{}, {"bres_start": 2016}])

    def badge(found: dict, cid: str, part: str = "") -> dict:
        name = badges.badge_name(cid) + part
        [key] = [k for k in found if re.fullmatch(rf"{name}(_\d+)?_marks", k)]
        [item] = found[key]
        return item

    for cid in (*BRES_IDS, "C5-9c"):
        result = results[cid]["status"]
        assert badge(paper, cid, "_status")["__text"] == status.STYLES[result].label(result)
        assert badge(other, cid)["verdict"] == badges.ANOTHER_WINDOW
    for cid in BRES_IDS:
        assert f"here {results[cid]['value']:+.1f}%".replace("-", "\u2212") in badge(paper, cid)["__text"]


# --- the chapter notebook -----------------------------------------------------------------------------------

def test_chapter_notebook_shape(project_root):
    nb = nbformat.read(project_root / "chapters" / "05-prospects.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert {"parameters", "remove-cell"} <= set(first.metadata.get("tags", []))
    assert first.source.strip().splitlines() == ["live = False", 'vintage = "pinned"']
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit the notebook without outputs"
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "{cite:p}`jones_henderson_future_city`" in prose


def test_chapter_runs_and_glues_every_number_its_prose_names(project_root, tmp_path):
    out = tmp_path / "05.ipynb"
    execute_notebook(project_root / "chapters" / "05-prospects.ipynb", out, {}, timeout=300)
    nb = nbformat.read(out, as_version=4)
    glued = {o.get("metadata", {}).get("scrapbook", {}).get("name") for c in nb.cells if c.cell_type == "code"
             for o in c.get("outputs", [])}
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    named = set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", prose))
    assert named and named <= glued, sorted(named - glued)
