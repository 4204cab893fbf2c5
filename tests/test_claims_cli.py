"""``futurecity claims`` on data that cannot be read: an error (exit 2, the reason), never "needs live data";
with no snapshot folder configured at all, "needs live data" with the reason and the pull that brings it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import PROJECT, snapshots


def claims(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "futurecity", "claims", *args], capture_output=True, text=True,
                          cwd=PROJECT, env=env, timeout=300)


def env_with(**changes) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in changes or changes[k] is not None}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


def test_a_corrupt_snapshot_is_an_error(tmp_path):
    copy = tmp_path / "snapshots"
    shutil.copytree(snapshots(), copy)
    bres = copy / "uk" / "bres_employment_nuts2_sic2digit_2015_2021.csv"
    bres.write_bytes(bres.read_bytes()[:-200])
    done = claims(env_with(FUTURECITY_SNAPSHOTS=str(copy), FUTURECITY_CACHE=str(tmp_path / "cache")))
    assert done.returncode == 2, done.stdout
    assert "bres_employment" in done.stderr and "sha256" in done.stderr
    assert "needs live data" not in done.stdout


def test_a_snapshot_folder_that_does_not_exist_is_an_error(tmp_path):
    done = claims(env_with(FUTURECITY_SNAPSHOTS=str(tmp_path / "nowhere"), FUTURECITY_CACHE=str(tmp_path / "c")))
    assert done.returncode == 2
    said = " ".join(done.stderr.split())  # the message is wrapped to the terminal's width
    assert "does not exist" in said and str(tmp_path / "nowhere") in said


def test_an_unknown_vintage_is_an_error(tmp_path):
    done = claims(env_with(FUTURECITY_CACHE=str(tmp_path / "cache")), "--vintage", "20990101T000000Z-deadbeef")
    assert done.returncode == 2
    said = " ".join(done.stderr.split())
    assert "20990101T000000Z-deadbeef" in said and "futurecity sources" in said


def test_no_snapshot_folder_at_all_needs_live_data_and_says_what_to_pull(tmp_path):
    env = env_with(FUTURECITY_SNAPSHOTS=None, FUTURECITY_CACHE=str(tmp_path / "cache"))
    done = claims(env)
    assert done.returncode == 0, done.stderr
    needs = done.stdout.split("Needs live data:")[1]
    assert "- C5-8a: needs bres_employment" in needs
    assert "futurecity pull bres_employment --live" in needs
    listed = json.loads(claims(env, "--json").stdout)
    by_id = {r["id"]: r for r in listed}
    assert by_id["C5-8a"]["status"] == "needs live data" and by_id["C5-8a"]["needs"] == "bres_employment"
    assert by_id["C5-10"]["status"] == "not reproducible"


@pytest.mark.parametrize("vintage", ["pinned", "latest"])
def test_pinned_and_latest_without_live_vintages_agree(tmp_path, vintage):
    done = claims(env_with(FUTURECITY_CACHE=str(tmp_path / "cache")), "--json", "--vintage", vintage)
    assert done.returncode == 0, done.stderr
    assert {r["id"]: r["status"] for r in json.loads(done.stdout)}["C5-8a"] == "reproduced"
