"""The registry of data sources (``data/sources.yml``): one entry per source, read into :class:`Source`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


from futurecity import config
from futurecity.errors import RegistryError, UnknownSource
from futurecity.files import read_yaml

APIS = ("nomis", "ons", "worldbank", "fred", "berd", "file")
RAW_BASE = "https://raw.githubusercontent.com"  # OWNER/REPO/COMMIT/PATH follow; FUTURECITY_MIRROR replaces it


DEFAULT_MAX_DROP = 0.2  # the share of rows or coverage a pull may lose against the newest good vintage


@dataclass(frozen=True)
class Checks:
    """What a live answer must hold before it is stored (``live.checks`` in the registry; see
    :func:`futurecity.data.vintages.validate`). ``keys``: the columns that name a row, one row per combination
    (e.g. date and series); ``asked``: for a column, the values the request asked for, each of which must be
    there (the series, countries or geographies of the query); ``reach``: ``[first, last]``, the years a pull
    must cover at least; ``max_drop``: the largest share of rows, years or key groups an answer may lose
    against the newest good vintage (0.2: a fifth)."""

    keys: tuple[str, ...] = ()
    asked: dict = field(default_factory=dict)
    reach: tuple[int, int] | None = None
    max_drop: float = DEFAULT_MAX_DROP

    def __post_init__(self):
        object.__setattr__(self, "keys", tuple(self.keys))
        if self.reach is not None:
            if len(self.reach) != 2 or not all(isinstance(y, int) for y in self.reach):
                raise TypeError(f"reach must be [first year, last year], not {self.reach!r}")
            object.__setattr__(self, "reach", tuple(self.reach))
        if not 0 <= float(self.max_drop) < 1:
            raise TypeError(f"max_drop must be a share from 0 to below 1, not {self.max_drop!r}")
        for col, values in self.asked.items():
            if not isinstance(values, list) or not values:
                raise TypeError(f"asked.{col} must be a list of the values asked for, not {values!r}")


@dataclass(frozen=True)
class Live:
    """The live request. For a client that finds its file on a dataset page: ``link``, a regular expression the
    file's name or link text must match (``2019``: the 2019 release among the page's editions). ``vintage``
    names what a live pull holds (it heads the vintage label of a pulled vintage); ``last_year``, when set, is
    the last year a pulled answer must reach, or it is rejected (the right release, not a neighbour). ``parts``:
    a query the publisher splits over several datasets (BRES 2009-2014 and 2015 on); each part names its
    ``dataset`` (put into the path's ``{dataset}``) and the parameters it adds, and the client joins the answers.
    ``checks``: what an answer must hold before it is stored (:class:`Checks`).

    Bounds and evidence: ``max_bytes``, the bytes one pull may receive in all, and ``deadline``, the seconds it may
    take (both read by :mod:`futurecity.data.http`; unset means its defaults); ``evidence``, the public record the
    request was checked against (documentation URLs or public scripts that send the same request)."""

    base_url: str
    path: str
    format: str
    params: dict = field(default_factory=dict)
    page_size: int | None = None
    link: str = ""
    vintage: str = ""
    last_year: int | None = None
    parts: tuple[dict, ...] = ()
    checks: Checks = field(default_factory=Checks)  # what an answer must hold before it is stored
    # bounds and evidence of the live request
    max_bytes: int | None = None
    deadline: float | None = None
    evidence: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "parts", tuple(self.parts or ()))
        if isinstance(self.checks, dict):
            object.__setattr__(self, "checks", Checks(**self.checks))
        object.__setattr__(self, "evidence", tuple(self.evidence or ()))
        for name in ("max_bytes", "deadline"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise TypeError(f"{name} must be a positive number, not {value!r}")
        if any(not str(e).startswith("https://") for e in self.evidence):
            raise TypeError(f"each evidence entry is an https:// URL, not {list(self.evidence)!r}")
        for part in self.parts:
            if not isinstance(part, dict) or not part.get("dataset") or "{dataset}" not in self.path:
                raise TypeError(f"each of parts must name a dataset for the path's {{dataset}}, not {part!r}")


@dataclass(frozen=True)
class Snapshot:
    """The pinned copy. ``public_copy`` is the raw-file URL of a byte-identical public copy
    (``https://raw.githubusercontent.com/OWNER/REPO/COMMIT/PATH``, as PROVENANCE.md records it); a derived
    snapshot (converted or trimmed) has none, but ``derived_from`` (the raw-file URL of its original) and
    ``transform`` (what was done to it)."""

    file: str
    sha256: str
    format: str
    kind: str
    vintage: str
    origin: str = ""
    public_copy: str = ""
    derived_from: str = ""
    transform: str = ""

    def url(self, mirror: str | None = None) -> str:
        """The URL to download the public copy from: ``mirror`` (else ``FUTURECITY_MIRROR``, else
        raw.githubusercontent.com) followed by ``OWNER/REPO/COMMIT/PATH``."""
        if not self.public_copy:
            raise RegistryError(f"snapshot {self.file} has no public byte-identical copy (it is derived)")
        base = (mirror or os.environ.get(config.MIRROR_ENV) or RAW_BASE).rstrip("/")
        return base + self.public_copy[len(RAW_BASE):]


def _check_snapshot(sid: str, snap: Snapshot) -> None:
    """A snapshot names either its public copy or its original and transform, each a raw-file URL."""
    if bool(snap.public_copy) == bool(snap.derived_from):
        raise RegistryError(f"source {sid!r}: its snapshot needs either public_copy (a byte-identical copy) or "
                            "derived_from with transform (a converted or trimmed one), not both or neither")
    if snap.derived_from and not snap.transform:
        raise RegistryError(f"source {sid!r}: a derived snapshot names its transform")
    for url in (snap.public_copy, snap.derived_from):
        parts = url[len(RAW_BASE) + 1:].split("/")
        if url and (not url.startswith(RAW_BASE + "/") or len(parts) < 4
                    or not re.fullmatch(r"[0-9a-f]{40}", parts[2])):
            raise RegistryError(f"source {sid!r}: {url!r} is not {RAW_BASE}/OWNER/REPO/COMMIT/PATH with a full "
                                "commit id")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    licence: str
    citation: str
    api: str
    schema: tuple[str, ...]
    unit: str
    live: Live | None
    snapshot: Snapshot | None

    @property
    def env_url_var(self) -> str:
        """The environment variable that overrides this source's live base URL."""
        return "FUTURECITY_URL_" + re.sub(r"[^A-Za-z0-9]", "_", self.id).upper()

    def base_url(self) -> str:
        if self.live is None:
            raise RegistryError(f"source {self.id!r} has no live API (api: {self.api})")
        return os.environ.get(self.env_url_var, self.live.base_url).rstrip("/")

    def live_url(self) -> str:
        """The live request URL without query parameters (base URL, possibly overridden, plus path)."""
        return self.base_url() + self.live.path


def _source(entry: dict) -> Source:
    try:
        live = Live(**entry["live"]) if entry.get("live") else None
        snap = Snapshot(**entry["snapshot"]) if entry.get("snapshot") else None
        src = Source(
            id=entry["id"], title=entry["title"], publisher=entry["publisher"], licence=entry["licence"],
            citation=entry["citation"], api=entry["api"], schema=tuple(entry["schema"]), unit=entry["unit"],
            live=live, snapshot=snap,
        )
    except (KeyError, TypeError) as exc:
        raise RegistryError(f"registry entry {entry.get('id', '?')!r} is malformed: {exc}") from exc
    if src.api not in APIS:
        raise RegistryError(f"source {src.id!r}: api must be one of {APIS}, not {src.api!r}")
    if (src.api == "file") != (src.live is None):
        raise RegistryError(f"source {src.id!r}: api 'file' means no live request, and only then")
    if src.snapshot is not None:
        _check_snapshot(src.id, src.snapshot)
    if src.live is not None:
        named = [c for c in (*src.live.checks.keys, *src.live.checks.asked) if c not in src.schema]
        if named:
            raise RegistryError(f"source {src.id!r}: live.checks names columns {named} that are not in its schema")
    return src


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> dict[str, Source]:
    doc = read_yaml(path)
    sources = [_source(e) for e in doc["sources"]]
    ids = [s.id for s in sources]
    if len(set(ids)) != len(ids):
        raise RegistryError(f"duplicate source ids in {path}")
    return {s.id: s for s in sources}


def sources(path: Path | None = None) -> dict[str, Source]:
    """All registered sources, by id, in registry order."""
    path = path or config.registry_path()
    return _load(path, path.stat().st_mtime_ns)


def get(source_id: str) -> Source:
    try:
        return sources()[source_id]
    except KeyError:
        known = ", ".join(sources())
        raise UnknownSource(f"unknown source {source_id!r}", f"{config.registry_path()} registers no source of "
                            "that id", f"name one of the registered sources: {known}") from None
