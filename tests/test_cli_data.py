"""``futurecity sources`` and ``futurecity pull``: in-process through ``cli.main`` and, for the real entry
points, as subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_data import *  # noqa: F403

from futurecity import cli
from futurecity.data import registry, store, vintages
from futurecity.errors import EXIT_DATA, EXIT_OK, DataUnavailable

SNAPSHOT_STATES = {"ok", "missing", "hash mismatch", "live only"}


def _sources_json(capsys) -> tuple[int, dict[str, dict]]:
    code = cli.main(["sources", "--json"])
    return code, {row["id"]: row for row in json.loads(capsys.readouterr().out)}


def test_sources_on_this_machine_are_all_present_and_verified(data_env, capsys):
    code = cli.main(["sources"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "API", "SNAPSHOT"]
    for sid in registry.sources():
        [line] = [row for row in lines if row.split()[0] == sid]
        want = "ok" if registry.get(sid).snapshot is not None else "live"  # 'live only': no snapshot registered
        assert line.split()[2] == want, line


def test_sources_json(api, data_env, capsys):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    vintage = vintages.pull("gdp_deflator")["vintage"]
    code, rows = _sources_json(capsys)
    assert code == EXIT_OK and list(rows) == list(registry.sources())
    for sid, row in rows.items():
        assert {"id", "api", "licence", "snapshot", "title", "vintages", "latest_vintage"} <= set(row)
        want = "ok" if registry.get(sid).snapshot is not None else "live only"
        assert row["snapshot"] == want and row["licence"] == registry.get(sid).licence
    assert rows["gdp_deflator"]["vintages"] == [vintage] and rows["gdp_deflator"]["latest_vintage"] == vintage
    assert rows["riaa_sales"]["latest_vintage"] is None and rows["riaa_sales"]["live_url"] is None


def test_a_changed_snapshot_is_reported_not_used(data_env, monkeypatch, tmp_path, capsys):
    copy = tmp_path / "snapshots"
    shutil.copytree(snapshots_dir(), copy)
    changed = copy / registry.get("gdp_deflator").snapshot.file
    changed.write_bytes(changed.read_bytes().replace(b'"1948","2.7"', b'"1948","2.8"'))
    (copy / registry.get("riaa_sales").snapshot.file).unlink()
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(copy))

    code, rows = _sources_json(capsys)
    assert code == EXIT_DATA
    assert {sid: row["snapshot"] for sid, row in rows.items() if row["snapshot"] not in ("ok", "live only")} == {
        "gdp_deflator": "hash mismatch", "riaa_sales": "missing"}
    assert all(row["snapshot"] in SNAPSHOT_STATES for row in rows.values())
    with pytest.raises(DataUnavailable, match="sha256") as info:
        store.load("gdp_deflator")
    assert info.value.source == "gdp_deflator" and str(changed) in str(info.value)


def test_pull_without_live_checks_what_is_there(data_env, monkeypatch, tmp_path, capsys):
    assert cli.main(["pull"]) == EXIT_OK
    assert "bres_employment: snapshot ok" in capsys.readouterr().out

    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(tmp_path / "nowhere"))
    assert cli.main(["pull", "gdp_deflator", "riaa_sales"]) == EXIT_DATA
    err = " ".join(capsys.readouterr().err.split())
    assert "'gdp_deflator'" in err and "'riaa_sales'" in err and "futurecity pull gdp_deflator --live" in err


def test_pull_without_live_accepts_a_cached_vintage(api, data_env, monkeypatch, tmp_path, capsys):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    assert cli.main(["pull", "gdp_deflator", "--live"]) == EXIT_OK
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(tmp_path / "nowhere"))
    assert cli.main(["pull", "gdp_deflator"]) == EXIT_OK
    assert "1 cached vintage(s)" in capsys.readouterr().out


def test_pull_live_several_sources_one_failing(api, data_env, capsys):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    api.route("gdp_nominal").respond_with_data(ybha_json(), content_type="application/json")
    api.route("fred_manufacturing").respond_with_data("down", status=503)
    code = cli.main(["pull", "gdp_deflator", "fred_manufacturing", "gdp_nominal", "--live"])
    captured = capsys.readouterr()
    assert code == EXIT_DATA
    assert "gdp_deflator: new vintage" in captured.out and "gdp_nominal: new vintage" in captured.out
    assert "'fred_manufacturing'" in captured.err and "gdp_deflator" not in captured.err
    assert [m["source"] for m in store.vintage_manifests(registry.get("gdp_nominal"))] == ["gdp_nominal"]


def test_pull_cache_option(api, data_env, tmp_path, capsys):
    api.route("gdp_deflator").respond_with_data(ybgb_bytes(), content_type="text/csv")
    other = tmp_path / "other-cache"
    assert cli.main(["pull", "gdp_deflator", "--live", "--cache", str(other)]) == EXIT_OK
    assert len(list((other / "gdp_deflator" / "vintages").iterdir())) == 1


def test_unknown_source_is_an_error(data_env, capsys):
    assert cli.main(["pull", "no_such_source"]) == EXIT_DATA
    assert "unknown source 'no_such_source'" in capsys.readouterr().err


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, env=dict(os.environ))


def test_command_line_subprocesses(api, data_env):
    """The installed ``futurecity`` script and ``python -m futurecity``: a good pull, then a fault that exits 2
    and leaves the good vintage byte for byte."""
    script = Path(sys.executable).with_name("futurecity")
    assert script.is_file(), f"the entry point {script} is not installed"
    api.route("fred_manufacturing", once=True).respond_with_data(fred_csv(rows=24), content_type="text/csv")
    api.route("fred_manufacturing").respond_with_data("oops", status=500)

    good = _run(str(script), "pull", "fred_manufacturing", "--live")
    assert good.returncode == EXIT_OK, good.stderr
    before = tree_digest(data_env / "fred_manufacturing" / "vintages")

    bad = _run(sys.executable, "-m", "futurecity", "pull", "fred_manufacturing", "--live")
    assert bad.returncode == EXIT_DATA
    assert "'fred_manufacturing'" in bad.stderr and flat(api.url("fred_manufacturing")) in flat(bad.stderr)
    assert "Traceback" not in bad.stderr
    assert tree_digest(data_env / "fred_manufacturing" / "vintages") == before

    listing = _run(sys.executable, "-m", "futurecity", "sources", "--json")
    assert listing.returncode == EXIT_OK
    [row] = [r for r in json.loads(listing.stdout) if r["id"] == "fred_manufacturing"]
    assert row["snapshot"] == "ok" and len(row["vintages"]) == 1
