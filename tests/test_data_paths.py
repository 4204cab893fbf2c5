"""Data from anywhere: a relative FUTURECITY_SNAPSHOTS (or FUTURECITY_CACHE) is taken relative to the project root,
never to the working directory, so a kernel in ``chapters/``, a run from ``/tmp`` and the build read the same
files; the remedies of the errors name absolute paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT, SHARED_DATA
from futurecity import config
from futurecity.data import store
from futurecity.errors import DataUnavailable


def test_relative_folders_are_taken_from_the_project_root(monkeypatch, tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "somewhere" / "else"
    project.mkdir()
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("FUTURECITY_ROOT", str(project))
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", "../snaps")
    monkeypatch.setenv("FUTURECITY_CACHE", "cache/here")
    assert config.snapshots_dir() == tmp_path / "snaps"
    assert config.cache_dir() == project / "cache" / "here"
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(tmp_path / "abs"))
    assert config.snapshots_dir() == tmp_path / "abs"


@pytest.mark.parametrize("cwd", ["chapters", "/tmp", "/"])
def test_the_readme_s_relative_path_reads_the_same_files_from_any_working_directory(cwd):
    """``FUTURECITY_SNAPSHOTS=../shared/data`` as the README says, from the project's chapters/ (where a Jupyter
    kernel runs), from /tmp and from /: the same folder, and a snapshot loads from it."""
    code = ("import json; from futurecity import config; from futurecity.data import store; "
            "f = store.load('gdp_deflator'); print(json.dumps([str(config.snapshots_dir()), f.attrs['file']]))")
    env = {**os.environ, "FUTURECITY_SNAPSHOTS": "../shared/data"}
    env.pop("FUTURECITY_ROOT", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT / cwd, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    folder, file = json.loads(done.stdout)
    assert Path(folder) == SHARED_DATA.resolve()
    assert Path(file) == SHARED_DATA.resolve() / "uk" / "ons_ybgb_gdp_deflator_2025-06.csv"


def test_a_missing_folder_is_named_absolutely_with_an_absolute_remedy(monkeypatch):
    monkeypatch.delenv("FUTURECITY_ROOT", raising=False)
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", "no-such-folder")
    with pytest.raises(DataUnavailable) as info:
        store.load("gdp_deflator")
    message = " ".join(str(info.value).split())
    assert str(PROJECT / "no-such-folder") in message
    assert str(SHARED_DATA.resolve()) in info.value.remedy and "../" not in info.value.remedy


def test_the_remedy_for_a_missing_snapshot_names_absolute_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(tmp_path))
    with pytest.raises(DataUnavailable) as info:
        store.load("riaa_sales")
    assert str(SHARED_DATA.resolve()) in info.value.remedy and "../" not in info.value.remedy
    assert f"futurecity pull --snapshots` (into {tmp_path})" in info.value.remedy
