"""A chapter asked for live data (``live=True``, ``vintage="latest"``) whose pull fails falls back to the newest
good vintage, else the pinned snapshot, and says so at its top (which vintage, why); only when nothing is there
does it stop, naming the source and the remedy. An explicit vintage id never falls back."""

from __future__ import annotations

import json
import socket

import nbformat
import pytest
from fixtures_data import *  # noqa: F403

from futurecity.chapters import common, introduction
from futurecity.claims.measures import Inputs
from futurecity.config import PULL_FAILED_ENV, PULLED_ENV
from futurecity.data import access, registry, vintages
from futurecity.errors import DataUnavailable

LIVE = [s for s in registry.sources().values() if s.live is not None]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def offline(monkeypatch, data_env):
    """Every live API at a closed port on 127.0.0.1; the port."""
    port = _closed_port()
    for src in LIVE:
        monkeypatch.setenv(src.env_url_var, f"http://127.0.0.1:{port}")
    monkeypatch.setattr(access, "_session", None)  # a fresh session: no host remembered from another test
    return port


def test_failed_pull_falls_back_to_the_pinned_snapshot_and_says_why(offline, snapshot_dir):
    frame = access.load("fred_manufacturing", vintage="latest", live=True)
    assert frame.attrs["vintage"] == "pinned"
    assert frame.attrs["file"] == str(snapshot_dir / registry.get("fred_manufacturing").snapshot.file)
    assert frame.attrs["fallback"]["reason"] == f"no connection could be made: the connection to 127.0.0.1:{offline} " \
                                                "was refused."
    assert frame.attrs["fallback"]["url"].startswith(f"http://127.0.0.1:{offline}/graph/fredgraph.csv")


def test_failed_pull_falls_back_to_the_newest_good_vintage(api, data_env, monkeypatch):
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=30), content_type="text/csv")
    older = vintages.pull("fred_manufacturing")
    api.reset()
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=40), content_type="text/csv")
    newest = vintages.pull("fred_manufacturing")
    assert newest["vintage"] != older["vintage"]
    api.reset()
    api.route("fred_manufacturing").respond_with_data("down for maintenance", status=404)

    frame = access.load("fred_manufacturing", vintage="latest", live=True)

    assert frame.attrs["vintage"] == newest["vintage"]
    assert len(frame) == 40 * 2  # two series, 40 months: the newest vintage, not the older one
    assert "HTTP 404" in frame.attrs["fallback"]["reason"]


def test_a_good_pull_is_no_fallback(api):
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=12), content_type="text/csv")
    frame = access.load("fred_manufacturing", vintage="latest", live=True)
    assert frame.attrs["vintage"] != "pinned" and "fallback" not in frame.attrs


def test_with_nothing_to_fall_back_on_it_stops_naming_source_pull_and_remedy(offline, monkeypatch, tmp_path):
    monkeypatch.delenv("FUTURECITY_SNAPSHOTS")
    with pytest.raises(DataUnavailable) as info:
        access.load("fred_manufacturing", vintage="latest", live=True)
    message = " ".join(str(info.value).split())
    assert info.value.source == "fred_manufacturing"
    assert f"the connection to 127.0.0.1:{offline} was refused" in message and "nothing to fall back on" in message
    assert "set FUTURECITY_SNAPSHOTS" in info.value.remedy and "futurecity pull fred_manufacturing --live" in message


def test_an_explicit_vintage_never_falls_back_and_never_pulls(api, data_env):
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=12), content_type="text/csv")
    with pytest.raises(DataUnavailable, match="is not in the cache"):
        access.load("fred_manufacturing", vintage="20200101T000000Z-0123abcd", live=True)
    assert api.server.log == []


def test_the_build_s_failed_pull_is_not_repeated_but_still_reported(api, data_env, monkeypatch):
    """In the build, the chapters do not pull again: the build's failures reach them through the environment."""
    api.route("fred_manufacturing").respond_with_data(fred_csv(rows=12), content_type="text/csv")
    monkeypatch.setenv(PULLED_ENV, ",".join(s.id for s in LIVE))
    monkeypatch.setenv(PULL_FAILED_ENV, json.dumps({"fred_manufacturing": {"reason": "the server answered HTTP 503.",
                                                                          "url": "https://example.invalid/x"}}))
    frame = access.load("fred_manufacturing", vintage="latest", live=True)
    assert frame.attrs["fallback"]["reason"] == "the server answered HTTP 503." and frame.attrs["vintage"] == "pinned"
    assert "fallback" not in access.load("gdp_deflator", vintage="latest", live=True).attrs
    assert api.server.log == []


def test_the_chapter_notice_names_each_fallback_source_its_vintage_and_why(offline):
    ch = introduction.open(vintage="latest", live=True)
    notice = ch.notice()
    assert notice is not None
    [(sid, title, why, used, label)] = notice.items  # chapter 1 reads one source with a live API
    assert sid == "fred_manufacturing" and title == registry.get(sid).title
    assert why == f"no connection could be made: the connection to 127.0.0.1:{offline} was refused."
    assert used == "the pinned snapshot" and label == registry.get(sid).snapshot.vintage
    page = notice._repr_html_()
    assert 'class="admonition warning' in page and "fred_manufacturing" in page and "127.0.0.1" in page
    assert "Live data unavailable" in repr(notice)


def test_no_notice_without_a_failed_pull(data_env):
    assert introduction.open().notice() is None
    assert introduction.open(vintage="latest").notice() is None  # not asked to pull: nothing failed
    assert common.data_notice(Inputs()) is None


def test_the_notice_is_the_chapter_s_first_output(offline, project_root, tmp_path):
    """Chapter 1 executed as the build executes it (papermill, a per-cell timeout) with live=True and no network:
    it runs to the end, and the first thing it shows is the notice."""
    from futurecity.book.build import execute_notebook

    out = tmp_path / "intro.ipynb"
    execute_notebook(project_root / "chapters" / "01-introduction.ipynb", out,
                     {"vintage": "latest", "live": True}, timeout=300)
    nb = nbformat.read(out, as_version=4)
    assert not nb.metadata["papermill"].get("exception")
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if "text/html" in o.get("data", {}) or o.get("output_type") == "stream"]
    assert shown, "nothing shown"
    first = shown[0]["data"]["text/html"]
    assert "futurecity-data-notice" in first and "fred_manufacturing" in first and "refused" in first
    first_cell = next(c for c in nb.cells if c.cell_type == "code" and c.get("outputs"))
    assert "ch.notice()" in first_cell.source
    [title] = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# ")]
    assert nb.cells.index(first_cell) == title + 1  # right under the chapter's title
