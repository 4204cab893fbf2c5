"""The store of vintages: the resolution order of ``store.load``, which failures need live data and which are
plain errors, atomic writes, rejected answers that are never read, and vintages that are never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_data import *  # noqa: F403

from futurecity.data import registry, store, vintages
from futurecity.errors import DataUnavailable, NeedsLiveData

SID = "fred_manufacturing"


def _two_vintages(api) -> tuple[str, str]:
    """Pull an older (12 months) and a newer (24 months) vintage of the FRED source; their ids."""
    api.route(SID, once=True).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    api.route(SID).respond_with_data(fred_csv(rows=24), content_type="text/csv")
    return vintages.pull(SID)["vintage"], vintages.pull(SID)["vintage"]


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
    with pytest.raises(NeedsLiveData, match="no live vintage in the cache") as info:
        store.load(SID, vintage="latest")
    assert info.value.source == SID and "futurecity pull fred_manufacturing --live" in info.value.remedy
    with pytest.raises(DataUnavailable, match="not in the cache") as info:
        store.load(SID, vintage=old)
    assert not isinstance(info.value, NeedsLiveData)


def test_which_failures_need_live_data(data_env, monkeypatch, tmp_path):
    """NeedsLiveData only when no snapshot folder is set (and, for 'latest', nothing is cached); a folder that
    does not exist, a missing or changed file, an unknown vintage are plain DataUnavailable."""
    def raised(source_id: str, vintage: str = "pinned") -> type:
        with pytest.raises(DataUnavailable) as info:
            store.load(source_id, vintage=vintage)
        assert info.value.source == source_id
        return type(info.value)

    original = snapshot_bytes(SID)
    assert raised(SID, "no-such-vintage") is DataUnavailable
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(tmp_path / "nowhere"))
    assert raised(SID) is DataUnavailable and raised(SID, "latest") is DataUnavailable
    monkeypatch.delenv("FUTURECITY_SNAPSHOTS")
    assert raised(SID) is NeedsLiveData and raised(SID, "latest") is NeedsLiveData

    copy = tmp_path / "snapshots"
    src = registry.get(SID)
    (copy / src.snapshot.file).parent.mkdir(parents=True)
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(copy))
    assert raised(SID) is DataUnavailable  # the folder exists, the file does not
    (copy / src.snapshot.file).write_bytes(original + b"\n")
    with pytest.raises(DataUnavailable, match="sha256") as info:
        store.load(SID)
    assert type(info.value) is DataUnavailable


def test_latest_falls_back_to_the_snapshot_only_when_no_vintage_is_cached(api, data_env):
    pinned = store.load(SID, vintage="latest")
    assert pinned.attrs["vintage"] == "pinned" and len(pinned) == 2 * 1045
    _two_vintages(api)
    assert len(store.load(SID, vintage="latest")) == 48


def test_a_rejected_answer_is_never_read(api, data_env):
    api.route(SID).respond_with_data(berd_page(None), content_type="text/html")
    with pytest.raises(DataUnavailable, match="rejected"):
        vintages.pull(SID)
    assert store.vintage_manifests(registry.get(SID)) == []
    assert (data_env / SID / "rejected").is_dir()
    assert store.load(SID, vintage="latest").attrs["vintage"] == "pinned"


def test_a_failed_write_leaves_no_vintage(api, data_env, monkeypatch):
    api.route(SID).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    real_write = vintages.atomic_write

    def failing(path, data):
        if path.name == "manifest.json":
            raise OSError("disk full")
        real_write(path, data)
    monkeypatch.setattr(vintages, "atomic_write", failing)
    with pytest.raises(OSError, match="disk full"):
        vintages.pull(SID)
    assert not (data_env / SID / "vintages").exists() or not any((data_env / SID / "vintages").iterdir())
    assert not any((data_env / SID / ".tmp").iterdir())


def test_an_existing_vintage_folder_is_never_overwritten(api, data_env):
    api.route(SID).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    folder = vintages.pull(SID)["dir"]
    before = tree_digest(data_env)
    with pytest.raises(FileExistsError):
        vintages._write_folder(registry.get(SID), Path(folder), {"raw.csv": b"other"})
    assert tree_digest(data_env) == before


def test_a_cached_vintage_that_changed_on_disk_is_refused(api, data_env):
    api.route(SID).respond_with_data(fred_csv(rows=12), content_type="text/csv")
    manifest = vintages.pull(SID)
    raw = Path(manifest["dir"]) / manifest["file"]
    raw.write_bytes(raw.read_bytes() + b"1939-04-01,1,2\n")
    with pytest.raises(DataUnavailable, match="no longer matches its manifest"):
        store.load(SID, vintage="latest")


def test_a_source_without_a_live_api_cannot_be_pulled(data_env):
    with pytest.raises(DataUnavailable, match="no live API"):
        vintages.pull("riaa_sales")


def test_the_remedy_never_offers_a_live_pull_for_a_source_without_an_api():
    file_only = registry.get("owid_sectors")
    with_api = registry.get("fred_manufacturing")
    assert "--live" not in store.remedy(file_only) and file_only.snapshot.file in store.remedy(file_only)
    assert "futurecity pull fred_manufacturing --live" in store.remedy(with_api)
    # both have a public byte-identical copy: the remedy offers to download it; a derived snapshot has none
    assert "futurecity pull --snapshots" in store.remedy(file_only) and "--snapshots" in store.remedy(with_api)
    assert "--snapshots" not in store.remedy(registry.get("us_ces_nsa"))
