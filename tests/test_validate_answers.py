"""A live answer is checked against what its source must hold before it is stored (the registry's
``live.checks``), and a stored vintage that fails those checks when read is a data error: every answer here is a
real one (the pinned snapshots re-rendered as the live API writes them) cut, repeated or thinned as an adversary
would serve it from a loopback server with a correct Content-Length."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from fixtures_data import *  # noqa: F403

from futurecity import cli
from futurecity.data import registry, store, vintages
from futurecity.data.registry import Checks, _source
from futurecity.errors import EXIT_DATA, EXIT_OK, DataUnavailable, RegistryError

FRED = "fred_manufacturing"
CSV = "text/csv"


def _lines(body: bytes) -> list[bytes]:
    return body.decode().splitlines(keepends=True)


def _serve(api, sid: str, body: bytes, content_type: str = CSV) -> None:
    api.reset()
    api.route(sid).respond_with_data(body, content_type=content_type)


def _pull_cli(sid: str, capsys) -> tuple[int, str]:
    code = cli.main(["pull", sid, "--live"])
    return code, " ".join(capsys.readouterr().err.split())


def _good_fred(api) -> dict:
    """A whole FRED answer (every month of the snapshot) pulled as the newest good vintage."""
    _serve(api, FRED, fred_csv())
    return vintages.pull(FRED)


def _refused(data_env: Path, sid: str, before: dict, good: dict | None) -> None:
    """The refused answer is kept in rejected/ and the vintages are as they were; latest is still ``good``."""
    [kept] = (data_env / sid / "rejected").iterdir()
    assert (kept / "reason.txt").read_text().strip()
    assert tree_digest(data_env / sid / "vintages") == before
    if good is not None:
        assert store.load(sid, vintage="latest").attrs["vintage"] == good["vintage"]


def test_a_fred_answer_cut_at_a_row_boundary_is_refused_against_the_newest_good_vintage(api, data_env, capsys):
    good = _good_fred(api)
    whole = _lines(fred_csv())
    assert len(whole) == len(_lines(snapshot_bytes(FRED)))  # the whole answer: header and every month
    cut = "".join(whole[:300]).encode()  # 300 lines, ending with a whole row and its line break
    before = tree_digest(data_env / FRED / "vintages")
    _serve(api, FRED, cut)

    code, err = _pull_cli(FRED, capsys)

    assert code == EXIT_DATA
    assert f"'{FRED}'" in err and "newest good vintage" in err and good["vintage"] in err and "max_drop" in err
    _refused(data_env, FRED, before, good)


def test_a_small_shortfall_within_the_registry_threshold_is_stored(api, data_env):
    good = _good_fred(api)
    whole = _lines(fred_csv())
    keep = int(len(whole) * (1 - registry.get(FRED).live.checks.max_drop / 2))  # half the allowed drop
    _serve(api, FRED, "".join(whole[:keep]).encode())
    manifest = vintages.pull(FRED)
    assert manifest["vintage"] != good["vintage"] and not manifest.get("unchanged")
    assert manifest["coverage"]["rows"] == 2 * (keep - 1)  # two series a line


def test_an_answer_cut_inside_a_row_is_refused_even_with_no_vintage_before(api, data_env, capsys):
    body = fred_csv()
    cut = body[: body.index(b"\n", len(body) // 2) - 2]  # inside a row: its last digits and line break gone
    _serve(api, FRED, cut)
    code, err = _pull_cli(FRED, capsys)
    assert code == EXIT_DATA and "cut inside a row" in err and f"'{FRED}'" in err
    _refused(data_env, FRED, {}, None)


def test_one_row_repeated_100000_times_is_refused(api, data_env, capsys):
    header, first = _lines(fred_csv())[:2]
    _serve(api, FRED, (header + first * 100_000).encode())
    code, err = _pull_cli(FRED, capsys)
    assert code == EXIT_DATA and "share their date, series" in err and "each must be one row" in err
    _refused(data_env, FRED, {}, None)


def test_an_answer_without_a_series_asked_for_is_refused(api, data_env, capsys):
    frame = pd.read_csv(io.BytesIO(fred_csv()), dtype="string").drop(columns=["PAYEMS"])
    _serve(api, FRED, frame.to_csv(index=False, lineterminator="\n").encode())
    code, err = _pull_cli(FRED, capsys)
    assert code == EXIT_DATA and "PAYEMS" in err and "asked for" in err


def test_an_answer_that_does_not_reach_the_registry_years_is_refused(api, data_env, capsys):
    sid = "gdp_deflator"
    first, last = registry.get(sid).live.checks.reach
    # the real ONS generator CSV, without every row of the last year a pull must reach and after it
    lines = _lines(ybgb_bytes())
    kept = [line for line in lines if not line.lstrip('"')[:4].isdigit() or int(line.lstrip('"')[:4]) < last]
    assert len(kept) < len(lines)
    _serve(api, sid, "".join(kept).encode())
    code, err = _pull_cli(sid, capsys)
    assert code == EXIT_DATA and f"must reach {first}-{last}" in err and f"'{sid}'" in err


def test_a_stored_vintage_with_repeated_rows_is_a_data_error_naming_source_and_vintage(api, data_env, capsys):
    """A vintage stored before these checks (its raw answer one row repeated): reading it is exit 2 naming the
    source and the vintage, for `claims --vintage latest` as for a chapter's load, not a pandas crash."""
    good = _good_fred(api)
    folder = Path(good["dir"])
    header, first = _lines(fred_csv())[:2]
    raw = (header + first * 1000).encode()
    (folder / good["file"]).write_bytes(raw)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(manifest | {"sha256": hashlib.sha256(raw).hexdigest()}))

    with pytest.raises(DataUnavailable) as info:
        store.load(FRED, vintage="latest")
    assert info.value.source == FRED and good["vintage"] in info.value.tried and "one row" in info.value.tried

    code = cli.main(["claims", "--vintage", "latest"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == EXIT_DATA and f"'{FRED}'" in err and good["vintage"] in err and "Traceback" not in err


def test_the_registry_checks_name_schema_columns_and_a_threshold():
    entry = {"id": "x", "title": "t", "publisher": "p", "licence": "l", "citation": "c", "api": "fred",
             "schema": ["date", "series", "value", "unit"], "unit": "u",
             "live": {"base_url": "https://example.org", "path": "/a", "format": "fred_csv",
                      "checks": {"keys": ["date", "country_code"]}}}
    with pytest.raises(RegistryError, match="country_code"):
        _source(entry)
    with pytest.raises(TypeError, match="max_drop"):
        Checks(max_drop=1.5)
    for src in registry.sources().values():  # every live source names the rows' keys and a threshold
        if src.live is not None:
            assert src.live.checks.keys and 0 < src.live.checks.max_drop < 1, src.id


def test_every_live_source_s_keys_hold_on_its_pinned_snapshot():
    """The keys the registry gives a source name one row each in the data the book reads now (the snapshot
    parsed to the same schema), so a check on them refuses only a broken answer."""
    for src in registry.sources().values():
        if src.live is None or src.snapshot is None:
            continue
        frame = store.load(src.id)
        assert store.duplicate_keys(src, frame) is None, src.id
        for col, values in src.live.checks.asked.items():
            assert set(map(str, values)) <= set(frame[col].astype("string")), (src.id, col)


def test_a_good_answer_after_a_refused_one_is_stored(api, data_env, capsys):
    header, first = _lines(fred_csv())[:2]
    _serve(api, FRED, (header + first * 10).encode())
    assert _pull_cli(FRED, capsys)[0] == EXIT_DATA
    _serve(api, FRED, fred_csv())
    assert _pull_cli(FRED, capsys)[0] == EXIT_OK
    assert store.load(FRED, vintage="latest").attrs["vintage"] != "pinned"
