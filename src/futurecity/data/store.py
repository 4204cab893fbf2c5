"""What a chapter gets when it asks for a source: pinned snapshots, the store of live vintages, provenance.

``load(source_id, vintage=...)`` resolves, in this order (it never pulls: :func:`futurecity.data.access.load`
pulls first when asked to):

1. an explicit vintage id: that live vintage from the cache, or an error;
2. ``"latest"``: the newest good live vintage in the cache, else the pinned snapshot, else an error;
3. ``"pinned"`` (the default): the snapshot in ``FUTURECITY_SNAPSHOTS``, checked against its registered sha256.

Every frame carries its provenance in ``DataFrame.attrs`` (source id, vintage, URL, sha256, licence ...).
A live vintage is a folder ``<cache>/<source>/vintages/<id>/`` with the raw response and ``manifest.json``;
an answer that failed validation is kept in ``<cache>/<source>/rejected/<id>/`` and is never read. A vintage
whose ``manifest.json`` cannot be read, lacks a field or names a file outside its folder is reported (once, on
stderr) and skipped, so the next pull can repair the store; a vintage that fails the source's checks when read
(one row per key, :func:`duplicate_keys`) is a :class:`DataUnavailable`, never a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from futurecity import config, reads
from futurecity.data import parsers, registry
from futurecity.data.registry import Source
from futurecity.errors import DataUnavailable, NeedsLiveData, ParseError, say
from futurecity.files import sha256_bytes, sha256_file


# --- the pinned snapshot -------------------------------------------------------------------------------------

def snapshot_path(src: Source) -> Path | None:
    root = config.snapshots_dir()
    if root is None or src.snapshot is None:
        return None
    return root / src.snapshot.file


def snapshot_status(src: Source) -> str:
    """``ok``, ``missing``, ``not a file`` (a folder, say), ``unreadable`` (no permission) or ``hash mismatch``;
    ``live only`` for a source registered without a snapshot."""
    if src.snapshot is None:
        return "live only"
    path = snapshot_path(src)
    if path is None or not path.exists():
        return "missing"
    if not path.is_file():
        return "not a file"
    try:
        digest = sha256_file(path)
    except OSError:
        return "unreadable"
    return "ok" if digest == src.snapshot.sha256 else "hash mismatch"


# --- the store of live vintages ------------------------------------------------------------------------------

def vintages_dir(src: Source | str, kind: str = "vintages") -> Path:
    sid = src if isinstance(src, str) else src.id
    return config.cache_dir() / sid / kind


VINTAGE_ID = r"\d{8}T\d{6}Z-[0-9a-f]{8}"  # a live vintage's id: when it was pulled, the head of its sha256
MANIFEST_FIELDS = ("source", "vintage", "url", "retrieved_at", "sha256", "parser", "file")
_reported: set[str] = set()  # manifests already reported as skipped by this process


def _manifest_problem(folder: Path, manifest) -> str | None:
    """Why a vintage's manifest cannot be used (a missing field, a file outside its folder), or None."""
    if not isinstance(manifest, dict):
        return f"it holds a {type(manifest).__name__}, not an object"
    missing = [k for k in MANIFEST_FIELDS if not isinstance(manifest.get(k), str) or not manifest.get(k)]
    if missing:
        return f"it lacks the fields {missing}"
    target = (folder / manifest["file"]).resolve()
    if target.parent != folder.resolve():
        return f"its file {manifest['file']!r} is not a file of the vintage's own folder (refused)"
    return None


def read_manifest(src: Source, folder: Path) -> dict | None:
    """The manifest of the vintage in ``folder`` (with ``dir``), or None, said once on stderr, when it is
    unreadable, not JSON, incomplete, or names a file outside ``folder``."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        why = _manifest_problem(folder, manifest)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        why = f"it cannot be read as JSON ({type(exc).__name__}: {exc})"
    if why is None:
        return manifest | {"dir": str(folder)}
    if str(path) not in _reported:
        _reported.add(str(path))
        say("warning", f"source '{src.id}': the cached vintage {folder.name} is skipped: its manifest {path} is "
            f"corrupt: {why}. To fix: delete the folder {folder} (the next `futurecity pull {src.id} --live` "
            "stores a new vintage); the other vintages and the pinned snapshot are read as before.")
    return None


def vintage_manifests(src: Source) -> list[dict]:
    """Manifests of the good live vintages of ``src``, oldest first; a corrupt one is reported and skipped."""
    base = vintages_dir(src)
    out = []
    if base.is_dir():
        for d in sorted(base.iterdir()):
            if (d / "manifest.json").is_file():
                manifest = read_manifest(src, d)
                if manifest is not None:
                    out.append(manifest)
    return sorted(out, key=lambda m: (m["retrieved_at"], m["vintage"]))


def latest_vintage(src: Source) -> dict | None:
    found = vintage_manifests(src)
    return found[-1] if found else None


def _remedy_pull(src: Source) -> str:
    if src.live is None:
        return remedy(src)
    return f"run `futurecity pull {src.id} --live` with a network connection"


def _remedy_snapshot(src: Source) -> str:
    return remedy(src) + (", and build with vintage 'latest'" if src.live is not None else "")


def remedy(src: Source) -> str:
    """What makes a source's data available: its pinned snapshot (named by an absolute path), its public copy,
    or (when it has an API) a live pull."""
    if src.snapshot is None:
        where = "provide a pinned snapshot"
    else:
        where = (f"set FUTURECITY_SNAPSHOTS to the folder of pinned snapshots that holds {src.snapshot.file} "
                 f"(in this project's layout: {config.shared_data_dir()})")
        if src.snapshot.public_copy:
            where += (f", or download its public copy with `futurecity pull --snapshots` (into "
                      f"{config.snapshots_dir() or config.downloaded_snapshots_dir()})")
    if src.live is None:
        return f"{where}; this source has no live API"
    return f"{where}, or run `futurecity pull {src.id} --live` with a network connection"


def derived_note(src: Source) -> str:
    """For a derived snapshot: that it cannot be downloaded, its original and the transform it would need."""
    snap = src.snapshot
    if snap is None or not snap.derived_from:
        return ""
    return (f" It is a derived snapshot, which `futurecity pull --snapshots` cannot download: its original is "
            f"{snap.derived_from}, and the transform it would need is: {snap.transform.rstrip('.')}.")


def origin_url(src: Source) -> str:
    if src.live is not None:
        return src.live_url()
    return src.snapshot.origin if src.snapshot else src.title


# --- reading ------------------------------------------------------------------------------------------------

def _parse(src: Source, fmt: str, raw: bytes, where: str, url: str) -> pd.DataFrame:
    try:
        frame = parsers.get(fmt)(raw)
    except ParseError as exc:
        raise DataUnavailable(src.id, url, f"{where} could not be read as {fmt}: {exc}.",
                              _remedy_pull(src)) from exc
    missing = [c for c in src.schema if c not in frame.columns]
    if missing:
        raise DataUnavailable(src.id, url, f"parser {fmt} returned no columns {missing} for {where}.",
                              "fix the parser or the registry schema")
    return frame[list(src.schema)].reset_index(drop=True)


def _from_snapshot(src: Source) -> pd.DataFrame:
    url = origin_url(src)
    path, folder = snapshot_path(src), config.snapshots_dir()
    if src.snapshot is None:
        raise NeedsLiveData(src.id, url, "the source has no pinned snapshot.", _remedy_pull(src))
    if path is None:
        raise NeedsLiveData(src.id, url, "FUTURECITY_SNAPSHOTS is not set, so no pinned snapshot was read.",
                            _remedy_snapshot(src))
    if not folder.is_dir():
        raise DataUnavailable(src.id, url, f"the snapshot folder {folder} named by FUTURECITY_SNAPSHOTS does not "
                              "exist.", "set FUTURECITY_SNAPSHOTS to an existing folder of pinned snapshots "
                              f"(an absolute path, or one relative to the project root {config.root()}; in this "
                              f"project's layout: {config.shared_data_dir()}), or download the public copies "
                              f"into it with `futurecity pull --snapshots {folder}`")
    if path.is_dir() or (path.exists() and not path.is_file()):
        raise DataUnavailable(src.id, url, f"the pinned snapshot {path} is a {'folder' if path.is_dir() else 'special file'}, "
                              "not a file.", f"put the file {src.snapshot.file} itself there (or {_remedy_snapshot(src)})")
    if not path.is_file():
        raise DataUnavailable(src.id, url, f"the pinned snapshot {path} does not exist.{derived_note(src)}",
                              _remedy_snapshot(src))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataUnavailable(src.id, url, f"the pinned snapshot {path} cannot be read ({exc.strerror or exc}).",
                              f"make the file readable by this user (e.g. `chmod a+r {path}`), or "
                              f"{_remedy_snapshot(src)}") from exc
    digest = sha256_bytes(raw)
    if digest != src.snapshot.sha256:
        raise DataUnavailable(
            src.id, url,
            f"the pinned snapshot {path} has sha256 {digest}, but the registry expects {src.snapshot.sha256}: "
            "the file changed since it was registered.",
            "restore the original file, or, if the new file is a deliberate new vintage, update its sha256 and "
            "vintage in data/sources.yml")
    frame = _parse(src, src.snapshot.format, raw, f"the pinned snapshot {path}", url)
    reads.log("source", source=src.id, vintage="pinned", sha256=digest)
    frame.attrs.update(_provenance(src, vintage="pinned", vintage_label=src.snapshot.vintage, url=url,
                                   sha256=digest, retrieved_at="", file=str(path),
                                   kind=src.snapshot.kind))
    return frame


def duplicate_keys(src: Source, frame: pd.DataFrame) -> str | None:
    """Why ``frame`` has more than one row for some combination of the registry's ``checks.keys`` (the count and
    the first such combination), or None when each is one row."""
    keys = [k for k in src.live.checks.keys if k in frame.columns] if src.live is not None else []
    if not keys:
        return None
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return None
    first = frame.loc[dup, keys].iloc[0].to_dict()
    return (f"{int(dup.sum()):,} of its {len(frame):,} rows share their {', '.join(keys)} with another row (the "
            f"first: {first}); each must be one row")


def _from_vintage(src: Source, manifest: dict) -> pd.DataFrame:
    path = Path(manifest["dir"]) / manifest["file"]
    try:
        raw = path.read_bytes() if path.is_file() else b""
    except OSError as exc:
        raise DataUnavailable(src.id, manifest["url"], f"the cached vintage {manifest['vintage']} at {path} cannot "
                              f"be read ({exc.strerror or exc}).", f"make it readable, or {_remedy_pull(src)}") from exc
    digest = sha256_bytes(raw)
    if digest != manifest["sha256"]:
        raise DataUnavailable(src.id, manifest["url"],
                              f"the cached vintage {manifest['vintage']} at {path} no longer matches its manifest.",
                              _remedy_pull(src))
    frame = _parse(src, manifest["parser"], raw, f"the cached vintage {manifest['vintage']}", manifest["url"])
    why = duplicate_keys(src, frame)
    if why:
        raise DataUnavailable(src.id, manifest["url"], f"the cached vintage {manifest['vintage']} fails the checks "
                              f"of a live answer: {why}.", f"delete its folder {manifest['dir']} (or read vintage "
                              f"'pinned'), then {_remedy_pull(src)}")
    reads.log("source", source=src.id, vintage=manifest["vintage"], sha256=digest)
    frame.attrs.update(_provenance(src, vintage=manifest["vintage"],
                                   vintage_label=_live_label(src, manifest), url=manifest["url"],
                                   sha256=digest, retrieved_at=manifest["retrieved_at"], file=str(path),
                                   kind="api-format"))
    return frame


def _live_label(src: Source, manifest: dict) -> str:
    """'live pull of <time>', headed by what the registry says a pull holds (e.g. the release), if it says."""
    pulled = f"live pull of {manifest['retrieved_at']}"
    return f"{src.live.vintage}, {pulled}" if src.live is not None and src.live.vintage else pulled


def _provenance(src: Source, **fields) -> dict:
    return {"source": src.id, "title": src.title, "publisher": src.publisher, "licence": src.licence,
            "citation": src.citation, "unit": src.unit, **fields}


def _choice(src: Source, vintage: str) -> dict | str | None:
    """What ``vintage`` resolves to now: a live vintage's manifest, ``"pinned"`` for the snapshot, or None."""
    if vintage == "pinned":
        return "pinned"
    manifests = vintage_manifests(src)
    if vintage == "latest":
        if manifests:
            return manifests[-1]
        return "pinned" if src.snapshot is not None and config.snapshots_dir() is not None else None
    return next((m for m in reversed(manifests) if m["vintage"] == vintage), None)


def resolved_file(source_id: str, vintage: str) -> Path | None:
    """The file :func:`load` would read for ``vintage`` now, without reading it (None when there is none)."""
    src = registry.get(source_id)
    choice = _choice(src, vintage)
    if choice is None:
        return None
    return snapshot_path(src) if choice == "pinned" else Path(choice["dir"]) / choice["file"]


def load(source_id: str, vintage: str = "pinned") -> pd.DataFrame:
    """The tidy frame of ``source_id`` (columns as the registry's ``schema``), provenance in ``.attrs``."""
    src = registry.get(source_id)
    choice = _choice(src, vintage)
    if choice == "pinned":
        return _from_snapshot(src)
    if choice is not None:
        return _from_vintage(src, choice)
    if vintage == "latest":
        raise NeedsLiveData(
            src.id, origin_url(src),
            f"no live vintage in the cache ({vintages_dir(src)}) and no pinned snapshot configured.", remedy(src))
    known = ", ".join(m["vintage"] for m in vintage_manifests(src)) or "none"
    raise DataUnavailable(src.id, origin_url(src),
                          f"vintage {vintage!r} is not in the cache ({vintages_dir(src)}; cached: {known}).",
                          f"run `futurecity sources` to list vintages, or {_remedy_pull(src)}")


def caption(frame: pd.DataFrame) -> str:
    """One line naming the source, publisher, vintage and licence of a loaded frame, for a chart's footer."""
    a = frame.attrs
    return f"Source: {a['publisher']}, {a['title']}. Vintage: {a['vintage_label']}. Licence: {a['licence']}."
