"""Live pulls and the store of vintages they write to: the only writer of the cache.

:func:`pull` asks a source's live API (base URL from the registry, or ``FUTURECITY_URL_<ID>``) through its client
(:mod:`futurecity.data.clients`), checks the answer with the source's live parser (:func:`validate`) and keeps it
as a new vintage ``<cache>/<source>/vintages/<id>/`` (the raw answer plus ``manifest.json``), written into a
temporary folder and renamed into place. An answer that fails the check is kept in
``<cache>/<source>/rejected/<id>/`` with a ``reason.txt``; a request that fails stores nothing. Both raise
:class:`futurecity.errors.DataUnavailable`, and neither touches the vintages already in the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from futurecity import config
from futurecity.data import parsers, registry, store
from futurecity.data.clients import CLIENTS, Answer, BadAnswer
from futurecity.data.http import HttpSession, session
from futurecity.data.registry import Source
from futurecity.errors import DataUnavailable, ParseError, RegistryError
from futurecity.files import atomic_write

FIRST_YEAR = 1900


class InvalidAnswer(ValueError):
    """A live answer that fails the checks a vintage must pass."""


def _years(frame: pd.DataFrame) -> pd.Series | None:
    if "year" in frame.columns:
        return pd.to_numeric(frame["year"], errors="coerce")
    if "date" in frame.columns:
        return pd.to_datetime(frame["date"], errors="coerce").dt.year
    return None


def validate(src: Source, raw: bytes, newest: dict | None = None) -> pd.DataFrame:
    """The answer parsed by the source's live parser, if it holds rows, every column of the registry schema, a
    numeric ``value`` and years from 1900 to next year, and passes what the registry's ``live.checks`` ask
    (:func:`check_answer`, against ``newest``, the manifest of the newest good vintage); else
    :class:`InvalidAnswer` saying what is wrong."""
    fmt = src.live.format
    try:
        frame = parsers.get(fmt)(raw)
    except ParseError as exc:
        raise InvalidAnswer(f"it could not be read as {fmt}: {exc}") from exc
    if frame.empty:
        raise InvalidAnswer(f"parser {fmt} found no rows in it")
    missing = [c for c in src.schema if c not in frame.columns]
    if missing:
        raise InvalidAnswer(f"parser {fmt} returned no columns {missing} (registry schema: {list(src.schema)})")
    if "value" in frame.columns and not pd.api.types.is_numeric_dtype(frame["value"]):
        raise InvalidAnswer(f"its values are not numeric (dtype {frame['value'].dtype})")
    years, last = _years(frame), datetime.now(UTC).year + 1
    if years is not None and not years.between(FIRST_YEAR, last).all():
        bad = sorted(set(years[~years.between(FIRST_YEAR, last)].astype("string").fillna("unreadable")))[:5]
        raise InvalidAnswer(f"it has years outside {FIRST_YEAR}-{last}: {bad}")
    if years is not None and src.live.last_year is not None and years.max() != src.live.last_year:
        raise InvalidAnswer(f"its last year is {years.max()}, but this source is the release that ends in "
                            f"{src.live.last_year} ({src.live.vintage or 'see data/sources.yml'}): the dataset page "
                            f"linked another release (link pattern {src.live.link!r})")
    check_answer(src, raw, frame, newest)
    return frame


# --- what an answer must hold (the registry's live.checks) ---------------------------------------------------

def coverage(src: Source, frame: pd.DataFrame) -> dict:
    """What an answer covers, kept in its manifest to compare the next pull with: its rows, distinct years
    (first and last) and key groups (the combinations of ``checks.keys`` other than the time column)."""
    years = _years(frame)
    out = {"rows": len(frame)}
    if years is not None and years.notna().any():
        out |= {"years": int(years.nunique()), "first_year": int(years.min()), "last_year": int(years.max())}
    groups = [k for k in src.live.checks.keys if k in frame.columns and k not in ("year", "date", "period")]
    if groups:
        out["groups"] = int(len(frame[groups].drop_duplicates()))
    return out


def _last_record(src: Source, raw: bytes) -> str | None:
    """For a CSV answer: why its last record is not whole (no line break after it, as every CSV answer and
    snapshot of these services ends), else None. A cut inside a row with a matching Content-Length shows here
    (the parser would read the cut value as a number)."""
    if "csv" not in src.live.format:
        return None
    if not raw.endswith((b"\n", b"\r")):
        tail = raw.rsplit(b"\n", 1)[-1][-60:].decode(errors="replace")
        return f"its last record {tail!r} has no line break after it: the answer was cut inside a row"
    return None


def check_answer(src: Source, raw: bytes, frame: pd.DataFrame, newest: dict | None) -> None:
    """The registry's ``live.checks`` on a parsed answer: a whole last record, one row per key, the values
    asked for present, the years it must reach, and no drop of more than ``max_drop`` in rows, years or key
    groups against ``newest`` (the newest good vintage's manifest); :class:`InvalidAnswer` otherwise."""
    checks = src.live.checks
    why = _last_record(src, raw) or store.duplicate_keys(src, frame)
    if why:
        raise InvalidAnswer(why)
    for col, wanted in checks.asked.items():
        if col not in frame.columns:
            raise InvalidAnswer(f"it has no column {col!r}, whose values {wanted} the request asked for")
        have = set(frame[col].astype("string"))
        lacking = [v for v in wanted if str(v) not in have]
        if lacking:
            raise InvalidAnswer(f"it holds no rows for {col} {lacking}, which the request asked for "
                                f"(it has {sorted(have)[:8]})")
    got = coverage(src, frame)
    if checks.reach is not None and "first_year" in got:
        first, last = checks.reach
        if got["first_year"] > first or got["last_year"] < last:
            raise InvalidAnswer(f"it covers {got['first_year']}-{got['last_year']}, but a pull of this source must "
                                f"reach {first}-{last} (live.checks.reach in data/sources.yml)")
    if newest is None:
        return
    before_all = {"rows": newest.get("rows")} | newest.get("coverage", {})  # older manifests hold rows only
    for what in ("rows", "years", "groups"):
        before, now = before_all.get(what), got.get(what)
        if isinstance(before, int) and before > 0 and now is not None and now < before * (1 - checks.max_drop):
            raise InvalidAnswer(
                f"it has {now:,} {what} where the newest good vintage {newest['vintage']} has {before:,}: a drop "
                f"of {1 - now / before:.0%}, more than the {checks.max_drop:.0%} this source allows "
                "(live.checks.max_drop in data/sources.yml)")


def _stamp() -> datetime:
    return datetime.now(UTC)


def _manifest(src: Source, answer: Answer, retrieved: datetime) -> dict:
    """The manifest of an answer. ``retrieved_at`` keeps microseconds, so vintages pulled within one second
    still sort in the order they were pulled; the vintage id keeps whole seconds and the sha256's head."""
    digest = hashlib.sha256(answer.raw).hexdigest()
    return {"source": src.id, "vintage": f"{retrieved:%Y%m%dT%H%M%SZ}-{digest[:8]}", "url": answer.url,
            "retrieved_at": f"{retrieved:%Y-%m-%dT%H:%M:%S.%fZ}", "sha256": digest,
            "bytes": len(answer.raw), "parser": src.live.format, "file": f"raw.{answer.ext}", **answer.details}


def _write_folder(src: Source, final: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` into a temporary folder in the source's cache, then rename it to ``final`` (which must
    not exist yet), so a reader sees a whole vintage or none."""
    work = config.cache_dir() / src.id / ".tmp"
    work.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=work, prefix=final.name + "."))
    try:
        for name, data in files.items():
            atomic_write(tmp / name, data)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            raise FileExistsError(f"{final} exists already; it is left as it is")
        os.rename(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _reject(src: Source, answer: Answer, reason: str, retrieved: datetime) -> DataUnavailable:
    """Keep a bad answer in ``rejected/<id>/`` with ``reason.txt``; the error to raise about it."""
    manifest = _manifest(src, answer, retrieved) | {"reason": reason}
    final = store.vintages_dir(src, "rejected") / manifest["vintage"]
    n = 1
    while final.exists():
        n += 1
        final = final.with_name(f"{manifest['vintage']}-{n}")
    _write_folder(src, final, {manifest["file"]: answer.raw, "reason.txt": (reason + "\n").encode(),
                               "manifest.json": json.dumps(manifest, indent=2).encode()})
    return DataUnavailable(
        src.id, answer.url,
        f"the live answer was rejected: {reason}. It is kept for inspection in {final}; the cached vintages were "
        "not changed.",
        f"retry later (`futurecity pull {src.id} --live`); if the API has changed its format, update parser "
        f"{src.live.format} or the request in data/sources.yml. Meanwhile the book builds from the pinned snapshot "
        "or the newest good vintage (`futurecity sources`)")


def _keep(src: Source, answer: Answer, frame: pd.DataFrame, retrieved: datetime) -> dict:
    """Store a checked answer as a new vintage and return its manifest; an answer identical to the newest
    vintage is not stored twice (that vintage's manifest comes back, with ``unchanged: true``)."""
    cover = coverage(src, frame)
    manifest = _manifest(src, answer, retrieved) | {"rows": cover["rows"], "coverage": cover}
    newest = store.latest_vintage(src)
    if newest is not None and newest["sha256"] == manifest["sha256"]:
        return newest | {"unchanged": True}
    final = store.vintages_dir(src) / manifest["vintage"]
    if final.exists():  # the same answer, pulled in the same second: kept, unless it was skipped as corrupt
        same = store.read_manifest(src, final)
        if same is not None:
            return same | {"unchanged": True}
        _set_aside(src, final)
    _write_folder(src, final, {manifest["file"]: answer.raw,
                               "manifest.json": json.dumps(manifest, indent=2).encode()})
    return manifest | {"dir": str(final)}


def _set_aside(src: Source, folder: Path) -> Path:
    """Move a vintage folder whose manifest is corrupt out of ``vintages/`` into ``rejected/<id>-corrupt[-n]``
    (kept for inspection, never read), so a pull can store the same answer again under its id."""
    aside = store.vintages_dir(src, "rejected") / f"{folder.name}-corrupt"
    n = 1
    while aside.exists():
        n += 1
        aside = aside.with_name(f"{folder.name}-corrupt-{n}")
    aside.parent.mkdir(parents=True, exist_ok=True)
    os.rename(folder, aside)
    return aside


def pull(src: Source | str, *, page_size: int | None = None, http: HttpSession | None = None) -> dict:
    """Ask the live API of ``src``, check the answer and keep it as a new vintage; the vintage's manifest.

    ``page_size`` overrides the registry's page size of a paged API (Nomis); ``http`` is the session to use
    (default: a new :func:`session`). Raises :class:`DataUnavailable` when the request fails or the answer is
    rejected."""
    src = registry.get(src) if isinstance(src, str) else src
    if src.live is None:
        raise DataUnavailable(src.id, store.origin_url(src), "the source has no live API (api: file).",
                              "use its pinned snapshot (set FUTURECITY_SNAPSHOTS)")
    client = CLIENTS.get(src.live.format)
    if client is None:
        raise RegistryError(f"source {src.id!r}: no live client for format {src.live.format!r}; "
                                     f"known: {sorted(CLIENTS)}")
    retrieved = _stamp()
    try:
        answer = client(http or session(), src, page_size=page_size)
    except BadAnswer as bad:
        raise _reject(src, bad.answer, bad.reason, retrieved) from bad
    try:
        frame = validate(src, answer.raw, store.latest_vintage(src))
    except InvalidAnswer as exc:
        raise _reject(src, answer, str(exc), retrieved) from exc
    return _keep(src, answer, frame, retrieved)
