"""``futurecity pull --snapshots DIR`` against a loopback mirror that holds only the byte-identical public copies,
in the ``OWNER/REPO/COMMIT/PATH`` layout of raw.githubusercontent.com (``FUTURECITY_MIRROR``): what was fetched
(byte for byte the pinned files), what was refused (a copy with wrong bytes: nothing written, no temporary file
left) and what was reported as derived (with its original and transform). The registry's URLs are checked
against the repository, commit and path that PROVENANCE.md records."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fixtures_data import *  # noqa: F403

from futurecity.data import access, registry, store
from futurecity.data.registry import RAW_BASE
from futurecity.errors import DataUnavailable

# From PROVENANCE.md: the snapshots converted (RDS or xlsx to CSV, xls to CSV) or trimmed (rows or columns kept).
DERIVED = {"bres_employment", "bres_fulltime_sections", "bres_gb_fulltime", "pua_lookup", "gdp_nominal", "berd", "wdi_manufacturing_va",
           "us_ces_nsa"}
# sources with a pinned snapshot (a live-only source, such as the census tables by local authority, has none)
SOURCES = {sid: s for sid, s in registry.sources().items() if s.snapshot is not None}
PUBLIC = sorted(set(SOURCES) - DERIVED)
BAD = "fred_manufacturing"  # the mirror serves this one with one byte changed


def _parts(url: str) -> tuple[str, str, str]:
    """(OWNER/REPO, COMMIT, PATH) of a raw-file URL, the path unquoted."""
    owner, repo, commit, path = urlsplit(url).path.lstrip("/").split("/", 3)
    return f"{owner}/{repo}", commit, unquote(path)


def test_the_registry_splits_public_copies_from_derived_snapshots_as_provenance_does():
    assert {sid for sid, s in SOURCES.items() if s.snapshot.public_copy} == set(PUBLIC)
    assert {sid for sid, s in SOURCES.items() if s.snapshot.derived_from} == DERIVED
    assert all(SOURCES[sid].snapshot.transform for sid in DERIVED)


@pytest.mark.parametrize("sid", sorted(SOURCES))
def test_each_url_is_the_repository_commit_and_path_provenance_records(sid, snapshot_dir):
    snap = SOURCES[sid].snapshot
    url = snap.public_copy or snap.derived_from
    assert url.startswith(RAW_BASE + "/")
    repo, commit, path = _parts(url)
    provenance = (snapshot_dir / snap.file.split("/")[0] / "PROVENANCE.md").read_text(encoding="utf-8")
    section = next(part for part in provenance.split("\n## ") + provenance.splitlines()
                   if Path(snap.file).name in part and repo in part)
    assert commit in section and path in section.replace("`", ""), (sid, repo, commit, path)


@pytest.fixture
def mirror(httpserver, snapshot_dir) -> dict:
    """The loopback mirror: each byte-identical snapshot at /OWNER/REPO/COMMIT/PATH, BAD with one byte changed;
    nothing else is served."""
    served = {}
    for sid in PUBLIC:
        repo, commit, path = _parts(SOURCES[sid].snapshot.public_copy)
        body = (snapshot_dir / SOURCES[sid].snapshot.file).read_bytes()
        if sid == BAD:
            body = body[:100] + bytes([body[100] ^ 1]) + body[101:]
        uri = f"/{repo}/{commit}/{path}"
        httpserver.expect_request(uri).respond_with_data(body, content_type="application/octet-stream")
        served[uri] = sid
    return {"base": httpserver.url_for("/").rstrip("/"), "served": served, "server": httpserver}


def _pull(dest: Path, base: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FUTURECITY_MIRROR": base, "FUTURECITY_CACHE": str(tmp_path / "cache")}
    env.pop("FUTURECITY_SNAPSHOTS")
    return subprocess.run([sys.executable, "-m", "futurecity", "pull", "--snapshots", str(dest)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def _lines(out: str, word: str) -> dict[str, str]:
    return {line.split(":", 1)[0]: line for line in out.splitlines()
            if line.split(":", 1)[-1].strip().startswith(word)}


def test_pull_snapshots_from_a_loopback_mirror(mirror, snapshot_dir, tmp_path):
    dest = tmp_path / "fresh" / "snapshots"
    done = _pull(dest, mirror["base"], tmp_path)

    assert done.returncode == 2, done.stdout + done.stderr  # one copy was refused
    fetched, refused, derived = (_lines(done.stdout, w) for w in ("fetched", "refused", "derived"))
    assert set(fetched) == set(PUBLIC) - {BAD}
    assert set(refused) == {BAD}
    assert set(derived) == DERIVED
    for sid, line in derived.items():  # each derived one: its original and the transform it would need
        snap = SOURCES[sid].snapshot
        assert snap.file in line and snap.derived_from in line and snap.transform in line
    assert "sha256" in " ".join(done.stderr.split()) and BAD in done.stderr  # why it was refused

    on_disk = {str(p.relative_to(dest)): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in dest.rglob("*") if p.is_file()}
    expected = {SOURCES[sid].snapshot.file: hashlib.sha256((snapshot_dir / SOURCES[sid].snapshot.file).read_bytes())
                .hexdigest() for sid in set(PUBLIC) - {BAD}}
    assert on_disk == expected  # byte-identical copies, and nothing else: no refused file, no temporary file

    asked = {unquote(urlsplit(req.url).path) for req, _ in mirror["server"].log}
    assert asked == set(mirror["served"])  # every public copy asked for once, and no derived one

    # the mirror corrects the file: a second run fetches it and keeps the others as they are
    mirror["server"].clear_all_handlers()
    for uri, sid in mirror["served"].items():
        mirror["server"].expect_request(uri).respond_with_data(
            (snapshot_dir / SOURCES[sid].snapshot.file).read_bytes())
    again = _pull(dest, mirror["base"], tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert set(_lines(again.stdout, "fetched")) == {BAD}
    assert set(_lines(again.stdout, "present")) == set(PUBLIC) - {BAD}
    assert f"export FUTURECITY_SNAPSHOTS={dest}" in again.stdout


def test_a_wrong_download_never_replaces_a_good_file(mirror, snapshot_dir, tmp_path):
    """A file already there with the registered sha256 is kept and the mirror is not asked for it."""
    dest = tmp_path / "snaps"
    good = dest / SOURCES[BAD].snapshot.file
    good.parent.mkdir(parents=True)
    good.write_bytes((snapshot_dir / SOURCES[BAD].snapshot.file).read_bytes())
    done = _pull(dest, mirror["base"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert BAD in _lines(done.stdout, "present")
    assert good.read_bytes() == (snapshot_dir / SOURCES[BAD].snapshot.file).read_bytes()
    asked = {unquote(urlsplit(req.url).path) for req, _ in mirror["server"].log}
    assert not any(mirror["served"][uri] == BAD for uri in asked)


def test_a_downloaded_folder_reads_the_public_copies_and_names_the_derived_ones(mirror, data_env, tmp_path,
                                                                                 monkeypatch, api):
    """The folder as FUTURECITY_SNAPSHOTS: a public copy loads; a derived snapshot stops with its original and
    transform, unless the source has an API and a live pull brings it."""
    dest = tmp_path / "snaps"
    assert set(_lines(_pull(dest, mirror["base"], tmp_path).stdout, "fetched")) == set(PUBLIC) - {BAD}
    nomis = nomis_pager(bres_frame(year=2019, rows=176), cap=25_000)  # rendered from ../shared/data
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(dest))
    assert store.load("riaa_sales").attrs["file"] == str(dest / SOURCES["riaa_sales"].snapshot.file)

    with pytest.raises(DataUnavailable) as info:  # a file-only derived snapshot: stop, with that message
        access.load("us_ces_nsa", vintage="latest", live=True)
    message = " ".join(str(info.value).split())
    assert SOURCES["us_ces_nsa"].snapshot.derived_from in message and "5 of its 149 columns kept" in message

    api.route("bres_employment").respond_with_handler(nomis)
    frame = access.load("bres_employment", vintage="latest", live=True)  # derived, with an API: pulled live
    assert frame.attrs["vintage"] != "pinned" and "fallback" not in frame.attrs


def test_no_network_for_the_snapshots_is_said_once(tmp_path):
    dest = tmp_path / "snaps"
    done = _pull(dest, "http://futurecity-mirror.invalid", tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("network unreachable") == 1 and "could not be resolved" in " ".join(done.stderr.split())
    for sid in PUBLIC:
        assert done.stderr.count(SOURCES[sid].snapshot.url("http://futurecity-mirror.invalid")) == 1
    assert not [p for p in dest.rglob("*") if p.is_file()]
