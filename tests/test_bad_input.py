"""Bad input is an error with a remedy: a chapter parameter, a ``FUTURECITY_*`` variable, an unknown source id,
a snapshot that cannot be read or is not a file, a snapshot folder that does not exist, a corrupt manifest or one
that points out of its vintage's folder. The command exits 2 with one paragraph naming the parameter, variable
or file and the fix, never a traceback or a bare exception type; a corrupt manifest is skipped, and the pull
that would repair it runs."""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from fixtures_data import *  # noqa: F403

from futurecity import cli
from futurecity.chapters import common
from futurecity.data import registry, store, vintages
from futurecity.errors import EXIT_DATA, EXIT_OK, BadInput, DataUnavailable

FRED = "fred_manufacturing"
CHAPTERS = ["introduction", "industry40", "platforms", "city_value", "prospects", "conclusion"]


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = cli.main(argv)
    return code, " ".join(capsys.readouterr().err.split())


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and not re.search(r"\b\w+(Error|Exception):", err), err


# --- chapter parameters ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_checks_its_parameters_before_reading(name, data_env, monkeypatch):
    module = importlib.import_module(f"futurecity.chapters.{name}")
    monkeypatch.setattr(common, "Inputs", None)  # nothing is loaded: the check comes first
    with pytest.raises(BadInput, match=r"live='notabool'.*True or False.*-p live True"):
        module.open(vintage="pinned", live="notabool")
    with pytest.raises(BadInput, match=r"vintage='2019'.*'pinned'.*'latest'"):
        module.open(vintage="2019", live=False)


def test_a_chapter_parameter_error_shows_no_traceback():
    err = BadInput("live='x'", "it is wrong", "pass a bool")
    assert err._render_traceback_() == [f"BadInput: {err}"]


def test_papermill_with_live_notabool_stops_in_the_first_cell_naming_it(project_root, tmp_path):
    """The issue's command: `papermill ... -p live notabool` ran with the string taken as true."""
    papermill = Path(sys.executable).with_name("papermill")
    out = tmp_path / "out.ipynb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUTURECITY_URL_")}
    done = subprocess.run([str(papermill), str(project_root / "chapters" / "01-introduction.ipynb"), str(out),
                           "-p", "live", "notabool", "--cwd", str(tmp_path)], capture_output=True, text=True,
                          timeout=180, env=env)
    assert done.returncode != 0
    assert "live='notabool'" in done.stderr and "-p live True" in done.stderr
    nb = nbformat.read(out, as_version=4)
    [error] = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if o.get("output_type") == "error"]
    assert error["ename"] == "BadInput" and len(error["traceback"]) == 1 and "live='notabool'" in error["traceback"][0]


def test_the_command_line_refuses_a_bad_vintage(data_env, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["claims", "--vintage", "newest"])
    assert info.value.code == EXIT_DATA
    assert "'newest' is not 'pinned', 'latest' or a vintage id" in capsys.readouterr().err


# --- FUTURECITY_* variables ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("var", "value", "says"), [
    ("FUTURECITY_HTTP_TIMEOUT", "abc", "is not a float"),
    ("FUTURECITY_HTTP_RETRIES", "-1", "must not be negative"),
    ("FUTURECITY_NOMIS_PAGE_SIZE", "0", "must be more than 0"),
    ("FUTURECITY_URL_FRED_MANUFACTURING", "not a url", "is not an http(s) URL"),
    ("FUTURECITY_URL_NO_SUCH_SOURCE", "https://example.org", "names no registered source"),
    ("FUTURECITY_MIRROR", "ftp://example.org", "is not an http(s) URL"),
])
def test_a_bad_variable_is_named_with_its_remedy(var, value, says, data_env, monkeypatch, capsys):
    monkeypatch.setenv(var, value)
    code, err = _run(["pull", FRED, "--live"], capsys)
    assert code == EXIT_DATA
    assert f"{var}={value!r}" in err and says in err and "To fix:" in err and f"unset {var}" in err
    _no_traceback(err)


def test_a_cache_that_is_a_file_is_named(data_env, tmp_path, monkeypatch, capsys):
    file = tmp_path / "a-file"
    file.write_text("not a folder\n")
    monkeypatch.setenv("FUTURECITY_CACHE", str(file))
    code, err = _run(["pull", FRED, "--live"], capsys)
    assert code == EXIT_DATA and "FUTURECITY_CACHE=" in err and "is a file, not a folder" in err
    code, err = _run(["sources", "--cache", str(file / "below")], capsys)
    assert code == EXIT_DATA and "a part of its path, is a file" in err


def test_a_bad_variable_in_a_subprocess_prints_one_paragraph(data_env):
    env = dict(os.environ, FUTURECITY_HTTP_TIMEOUT="abc")
    done = subprocess.run([sys.executable, "-m", "futurecity", "sources"], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == EXIT_DATA and "Traceback" not in done.stderr
    assert done.stderr.startswith("futurecity: bad input: FUTURECITY_HTTP_TIMEOUT='abc'")


# --- source ids, snapshot folders and files -------------------------------------------------------------------

def test_an_unknown_source_lists_the_registered_ones_and_exits_2(data_env, capsys):
    code, err = _run(["pull", "--live", "nosuchsource"], capsys)
    assert code == EXIT_DATA and "RegistryError" not in err and "'nosuchsource'" in err
    assert all(sid in err for sid in registry.sources())


def test_sources_with_a_missing_snapshot_folder_exits_2(data_env, tmp_path, monkeypatch, capsys):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(missing))
    code, err = _run(["sources"], capsys)
    assert code == EXIT_DATA
    assert str(missing) in err and "FUTURECITY_SNAPSHOTS" in err and "does not exist" in err


def _snapshot_copy(tmp_path, monkeypatch, sid: str) -> Path:
    """A copy of the pinned snapshots holding ``sid``'s file only; its path there."""
    folder = tmp_path / "snapshots"
    rel = registry.get(sid).snapshot.file
    (folder / rel).parent.mkdir(parents=True)
    shutil.copy(snapshots_dir() / rel, folder / rel)
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(folder))
    return folder / rel


def test_a_snapshot_path_that_is_a_folder_is_not_reported_as_missing(data_env, tmp_path, monkeypatch, capsys):
    path = _snapshot_copy(tmp_path, monkeypatch, FRED)
    path.unlink()
    path.mkdir()
    with pytest.raises(DataUnavailable, match="is a folder, not a file"):
        store.load(FRED)
    code, out = cli.main(["sources"]), capsys.readouterr()
    assert code == EXIT_DATA and "not a file" in out.out and str(path) in " ".join(out.err.split())


def test_an_unreadable_snapshot_names_the_file_and_the_fix(data_env, tmp_path, monkeypatch, capsys):
    """The file cannot be opened (no permission; the tests may run as root, who reads anything, so the read
    itself is made to fail as the system would)."""
    path = _snapshot_copy(tmp_path, monkeypatch, FRED)
    real_read, real_open = pathlib.Path.read_bytes, open

    def read_bytes(self):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def denied_open(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    monkeypatch.setattr("builtins.open", denied_open)
    with pytest.raises(DataUnavailable) as info:
        store.load(FRED)
    assert str(path) in info.value.tried and "cannot be read" in info.value.tried and "chmod" in info.value.remedy
    code, out = cli.main(["sources"]), capsys.readouterr()
    assert code == EXIT_DATA and "unreadable" in out.out and "chmod" in out.err


# --- manifests --------------------------------------------------------------------------------------------------

def _good_vintage(api) -> dict:
    api.route(FRED).respond_with_data(fred_csv(), content_type="text/csv")
    return vintages.pull(FRED)


def test_a_truncated_manifest_is_reported_and_skipped_and_a_pull_repairs_it(api, data_env, capsys):
    good = _good_vintage(api)
    manifest = Path(good["dir"]) / "manifest.json"
    text = manifest.read_text()
    manifest.write_text(text[: len(text) // 2])

    frame = store.load(FRED, vintage="latest")
    err = " ".join(capsys.readouterr().err.split())
    assert frame.attrs["vintage"] == "pinned"  # the corrupt vintage is skipped, the snapshot read
    assert flat(str(manifest)) in flat(err) and "skipped" in err and "To fix" in err

    code, err = _run(["pull", FRED, "--live"], capsys)
    assert code == EXIT_OK, err
    assert store.load(FRED, vintage="latest").attrs["vintage"] == good["vintage"]  # the same answer, repaired
    assert json.loads(Path(store.latest_vintage(registry.get(FRED))["dir"], "manifest.json").read_text())
    assert list((data_env / FRED / "rejected").iterdir())  # the corrupt copy set aside, not deleted


def test_a_manifest_file_outside_its_vintage_folder_is_refused(api, data_env, capsys):
    good = _good_vintage(api)
    folder = Path(good["dir"])
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(manifest | {"file": "../../etc/passwd"}))

    opened = []
    real_read = pathlib.Path.read_bytes
    pathlib_read = lambda self: (opened.append(self.resolve()), real_read(self))[1]  # noqa: E731
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pathlib.Path, "read_bytes", pathlib_read)
        frame = store.load(FRED, vintage="latest")
    err = " ".join(capsys.readouterr().err.split())
    assert frame.attrs["vintage"] == "pinned" and "refused" in err and "../../etc/passwd" in err
    assert opened and not any(p.name == "passwd" for p in opened)  # the snapshot was read, /etc/passwd never
    with pytest.raises(DataUnavailable, match="not in the cache"):
        store.load(FRED, vintage=good["vintage"])
