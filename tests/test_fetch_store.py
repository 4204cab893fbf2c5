"""The store of vintages: the resolution order of ``store.load``, atomic writes, rejected answers that are
never read, and vintages that are never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_data import *  # noqa: F403

from futurecity import fetch, registry, store
from futurecity.store import DataUnavailable

SID = "fred_manufacturing"


def _two_vintages(api) -> tuple[str, str]:
    """Pull an older (12 months) and a newer (24 months) vintage of the FRED source; their ids."""
    api.route(SID, once=True).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    api.route(SID).respond_with_data(fred_csv(rows=24), content_type="text/csv")
    return fetch.pull(SID)["vintage"], fetch.pull(SID)["vintage"]


def test_resolution_order(api, data_env, monkeypatch, tmp_path):
    """explicit vintage > newest cached live vintage ('latest') > pinned snapshot > a clear error."""
    assert store.load(SID, vintage="latest").attrs["vintage"] == "pinned"
    old, new = _two_vintages(api)
    assert store.load(SID, vintage="latest").attrs["vintage"] == new
    assert store.load(SID, vintage=old).attrs["vintage"] == old
    assert store.load(SID).attrs["vintage"] == "pinned"

    monkeypatch.delenv("FUTURECITY_SNAPSHOTS")
    assert store.load(SID, vintage=old).attrs["vintage"] == old
    assert store.load(SID, vintage="latest").attrs["vintage"] == new

    monkeypatch.setenv("FUTURECITY_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(DataUnavailable, match="no live vintage in the cache") as info:
        store.load(SID, vintage="latest")
    assert info.value.source == SID and "futurecity pull fred_manufacturing --live" in info.value.remedy
    with pytest.raises(DataUnavailable, match="not in the cache"):
        store.load(SID, vintage=old)


def test_latest_falls_back_to_the_snapshot_only_when_no_vintage_is_cached(api, data_env):
    pinned = store.load(SID, vintage="latest")
    assert pinned.attrs["vintage"] == "pinned" and len(pinned) == 2 * 1045
    _two_vintages(api)
    assert len(store.load(SID, vintage="latest")) == 48


def test_a_rejected_answer_is_never_read(api, data_env):
    api.route(SID).respond_with_data(berd_page(None), content_type="text/html")
    with pytest.raises(DataUnavailable, match="rejected"):
        fetch.pull(SID)
    assert store.vintage_manifests(registry.get(SID)) == []
    assert (data_env / SID / "rejected").is_dir()
    assert store.load(SID, vintage="latest").attrs["vintage"] == "pinned"


def test_a_failed_write_leaves_no_vintage(api, data_env, monkeypatch):
    api.route(SID).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    real_write = store.atomic_write

    def failing(path, data):
        if path.name == "manifest.json":
            raise OSError("disk full")
        real_write(path, data)
    monkeypatch.setattr(store, "atomic_write", failing)
    with pytest.raises(OSError, match="disk full"):
        fetch.pull(SID)
    assert not (data_env / SID / "vintages").exists() or not any((data_env / SID / "vintages").iterdir())
    assert not any((data_env / SID / ".tmp").iterdir())


def test_an_existing_vintage_folder_is_never_overwritten(api, data_env):
    api.route(SID).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    folder = fetch.pull(SID)["dir"]
    before = tree_digest(data_env)
    with pytest.raises(FileExistsError):
        fetch._write_folder(registry.get(SID), Path(folder), {"raw.csv": b"other"})
    assert tree_digest(data_env) == before


def test_a_cached_vintage_that_changed_on_disk_is_refused(api, data_env):
    api.route(SID).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    manifest = fetch.pull(SID)
    raw = Path(manifest["dir"]) / manifest["file"]
    raw.write_bytes(raw.read_bytes() + b"1939-04-01,1,2\n")
    with pytest.raises(DataUnavailable, match="no longer matches its manifest"):
        store.load(SID, vintage="latest")


def test_a_source_without_a_live_api_cannot_be_pulled(data_env):
    with pytest.raises(DataUnavailable, match="no live API"):
        fetch.pull("riaa_sales")


def test_the_remedy_never_offers_a_live_pull_for_a_source_without_an_api():
    from futurecity import registry, store

    file_only = registry.get("owid_sectors")
    with_api = registry.get("fred_manufacturing")
    assert "futurecity pull" not in store.remedy(file_only) and file_only.snapshot.file in store.remedy(file_only)
    assert "futurecity pull fred_manufacturing --live" in store.remedy(with_api)
