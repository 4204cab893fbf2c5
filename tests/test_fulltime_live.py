"""The live pull behind C6-1: Great Britain's full-time employees by SIC division from two Nomis datasets (BRES
NM_172_1 for 2009-2014, NM_189_1 from 2015), asked of a loopback server answering in the Nomis API's CSV. The
answers are rendered from the pinned 5-digit file, summed to divisions here with pandas alone, so the claim
recomputed from the live vintage can be checked against the same sums."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403
from werkzeug import Response

from futurecity import topics
from futurecity.claims import ledger
from futurecity.claims.evaluate import evaluate
from futurecity.claims.measures import Inputs
from futurecity.data import registry, store
from futurecity.data.clients import BadAnswer
from futurecity.data.vintages import pull
from futurecity.errors import DataUnavailable

SOURCE = "bres_gb_fulltime"
HEADER = ["DATE", "GEOGRAPHY_NAME", "INDUSTRY_NAME", "INDUSTRY_CODE", "EMPLOYMENT_STATUS_NAME", "OBS_VALUE"]


def pinned_divisions() -> pd.DataFrame:
    """The pinned 5-digit file summed to divisions (first two digits), with the divisions' Nomis labels from the
    pinned BRES employment file: DATE, division, label, value."""
    five = pd.read_csv(io.BytesIO(snapshot_bytes(SOURCE)), dtype={"INDUSTRY_CODE": str})  # noqa: F405
    five["division"] = five["INDUSTRY_CODE"].str[:2]
    sums = five.groupby(["DATE", "division"], as_index=False)["COUNT"].sum()
    labels = pd.read_csv(io.BytesIO(snapshot_bytes("bres_employment")), dtype={"INDUSTRY_CODE": str})  # noqa: F405
    names = labels.drop_duplicates("INDUSTRY_CODE").set_index("INDUSTRY_CODE")["INDUSTRY_NAME"]
    sums["label"] = sums["division"].map(names).fillna(sums["division"] + " : division")
    return sums


def nomis_answer(rows: pd.DataFrame, geography: str = "Great Britain",
                 status: str = "Full-time employees") -> bytes:
    """Rows written as Nomis writes a CSV answer with ``select``: upper-case headers, quoted text."""
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows.itertuples():
        w.writerow([str(r.DATE), geography, r.label, int(r.division), status, int(r.COUNT)])
    return out.getvalue().encode()


def serve(api, first: bytes, second: bytes) -> None:
    """Each dataset's path answers its part (NM_172_1: 2009-2014, NM_189_1: 2015 on)."""
    src = registry.get(SOURCE)
    api.monkeypatch.setenv(src.env_url_var, api.base(SOURCE))
    for dataset, body in (("NM_172_1", first), ("NM_189_1", second)):
        path = f"/{SOURCE}" + src.live.path.replace("{dataset}", dataset)
        api.server.expect_request(path).respond_with_data(body, content_type="text/csv")


def growth(sums: pd.DataFrame, start: int, end: int) -> float:
    manuf = sums[sums["division"].astype(int).between(10, 33)].groupby("DATE")["COUNT"].sum()
    return (manuf.loc[end] / manuf.loc[start] - 1) * 100


@pytest.fixture
def parts():
    sums = pinned_divisions()
    return sums, nomis_answer(sums[sums["DATE"] <= 2014]), nomis_answer(sums[sums["DATE"] >= 2015])


def test_both_datasets_are_asked_and_joined_and_c61_is_recomputed_from_them(api, parts):
    sums, first, second = parts
    serve(api, first, second)
    manifest = pull(SOURCE)
    asked = [(r.path.rsplit("/", 1)[-1], r.args.get("time"), r.args.get("geography"), r.args.get("employment_status"))
             for r, _ in api.server.log]
    assert asked == [("NM_172_1.data.csv", "2009,2014", "2092957698", "2"),
                     ("NM_189_1.data.csv", "2015,latest", "2092957698", "2")]
    assert "NM_172_1" in manifest["url"] and "NM_189_1" in manifest["url"] and len(manifest["parts"]) == 2
    frame = store.load(SOURCE, vintage=manifest["vintage"])
    assert sorted(set(frame["year"])) == sorted(set(sums["DATE"]))
    assert len(frame) == len(sums)  # one row per division and year, both parts kept
    assert frame.attrs["vintage_label"].startswith(registry.get(SOURCE).live.vintage)

    topics.load_all()
    claim = next(c for c in ledger.chapter_claims(6) if c["id"] == "C6-1")
    result = evaluate(Inputs(vintage=manifest["vintage"]), claims=[claim])[0]
    start, end = result["window"]["start"], result["window"]["end"]
    assert result["value"] == pytest.approx(growth(sums, start, end), abs=5e-5)  # the ledger rounds to 4 places
    assert result["vintage"] == manifest["vintage"]


@pytest.mark.parametrize(("fault", "message"), [
    ("geography", "GEOGRAPHY_NAME should be 'Great Britain'"),
    ("status", "EMPLOYMENT_STATUS_NAME should be 'Full-time employees'"),
    ("sections", "not SIC 2007 divisions"),
    ("overlap", "appears twice"),
])
def test_an_answer_that_does_not_prove_what_it_holds_is_refused_and_nothing_is_kept(api, parts, fault, message):
    sums, first, second = parts
    if fault == "geography":
        second = nomis_answer(sums[sums["DATE"] >= 2015], geography="England")
    elif fault == "status":
        first = nomis_answer(sums[sums["DATE"] <= 2014], status="Employees")
    elif fault == "sections":
        bad = sums[sums["DATE"] >= 2015].assign(label="C : Manufacturing")
        second = nomis_answer(bad)
    else:  # the first part reaches into the second's years
        first = nomis_answer(sums[sums["DATE"] <= 2015])
    serve(api, first, second)
    with pytest.raises(DataUnavailable, match=message) as exc:
        pull(SOURCE)
    assert "NM_172_1" in exc.value.url or "NM_189_1" in exc.value.url
    assert store.vintage_manifests(registry.get(SOURCE)) == []


def test_parts_with_different_headers_are_a_bad_answer(api, parts):
    sums, first, second = parts
    other = second.replace(b'"EMPLOYMENT_STATUS_NAME"', b'"EMPLOYMENT_STATUS"', 1)
    serve(api, first, other)
    with pytest.raises(DataUnavailable, match="header") as exc:
        pull(SOURCE)
    assert isinstance(exc.value.__cause__, BadAnswer) or "NM_189_1" in exc.value.url


def test_a_failed_part_names_its_dataset_url(api, parts):
    sums, first, _ = parts
    src = registry.get(SOURCE)
    api.monkeypatch.setenv(src.env_url_var, api.base(SOURCE))
    api.server.expect_request(f"/{SOURCE}/dataset/NM_172_1.data.csv").respond_with_data(first,
                                                                                       content_type="text/csv")
    api.server.expect_request(f"/{SOURCE}/dataset/NM_189_1.data.csv").respond_with_response(Response(status=404))
    with pytest.raises(DataUnavailable) as exc:
        pull(SOURCE)
    assert "NM_189_1.data.csv" in exc.value.url and "404" in str(exc.value)
