"""Live pulls: one HTTP session, one client per answer format, and the store of vintages they write to.

:func:`pull` asks a source's live API (base URL from the registry, or ``FUTURECITY_URL_<ID>``), checks the
answer with the source's live parser (:func:`validate`) and keeps it as a new vintage
``<cache>/<source>/vintages/<id>/`` (the raw answer plus ``manifest.json``), written into a temporary folder
and renamed into place. An answer that fails the check is kept in ``<cache>/<source>/rejected/<id>/`` with a
``reason.txt``; a request that fails stores nothing. Both raise :class:`futurecity.store.DataUnavailable`, and
neither touches the vintages already in the store.

HTTP settings come from the environment (seconds, unless said otherwise):

- ``FUTURECITY_HTTP_CONNECT_TIMEOUT`` (default 10) and ``FUTURECITY_HTTP_TIMEOUT`` (read timeout, default 60);
- ``FUTURECITY_HTTP_RETRIES`` (tries after the first on 429/500/502/503/504, timeouts and refused
  connections; default 4) and ``FUTURECITY_HTTP_BACKOFF`` (urllib3 backoff factor, default 1);
- ``FUTURECITY_HTTP_MAX_WAIT``: the longest wait between two tries, also for a ``Retry-After`` header
  (default 120).

``FUTURECITY_NOMIS_PAGE_SIZE`` overrides the registry's Nomis page size (rows per request; guests get at most
25,000, a registered key more).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from futurecity import __version__, config, parsers, registry, store
from futurecity.parsers.worldbank import worldbank_page
from futurecity.registry import Source
from futurecity.store import DataUnavailable

USER_AGENT = f"futurecity/{__version__} (+reproducible edition of Jones & Henderson)"
RETRY_STATUS = (429, 500, 502, 503, 504)
NOMIS_PAGE_SIZE = 25_000
MAX_PAGES = 1_000
FIRST_YEAR = 1900
EXIT_OK, EXIT_DATA = 0, 2


# --- the HTTP session ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HttpSettings:
    """Timeouts (seconds) and retry policy of the session; :meth:`from_env` reads ``FUTURECITY_HTTP_*``."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0
    max_wait: float = 120.0

    ENV = {"connect_timeout": "FUTURECITY_HTTP_CONNECT_TIMEOUT", "read_timeout": "FUTURECITY_HTTP_TIMEOUT",
           "retries": "FUTURECITY_HTTP_RETRIES", "backoff": "FUTURECITY_HTTP_BACKOFF",
           "max_wait": "FUTURECITY_HTTP_MAX_WAIT"}

    @classmethod
    def from_env(cls) -> HttpSettings:
        defaults = asdict(cls())
        return cls(**{name: _env_number(var, defaults[name]) for name, var in cls.ENV.items()})

    @property
    def timeout(self) -> tuple[float, float]:
        return self.connect_timeout, self.read_timeout


def _env_number(var: str, default: float) -> float | int:
    """The non-negative number in environment variable ``var`` (of the type of ``default``), else ``default``."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = type(default)(raw)
    except ValueError:
        raise ValueError(f"{var}={raw!r} is not a {type(default).__name__}") from None
    if value < 0:
        raise ValueError(f"{var}={raw!r} must not be negative")
    return value


class CappedRetry(Retry):
    """urllib3's :class:`Retry`, honouring ``Retry-After`` but never waiting longer than ``backoff_max``."""

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.backoff_max)


class HttpSession(requests.Session):
    """A requests session that gives every request the project's timeouts unless the caller sets others."""

    def __init__(self, settings: HttpSettings):
        super().__init__()
        self.settings = settings

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.settings.timeout)
        return super().request(method, url, *args, **kwargs)


def session(settings: HttpSettings | None = None) -> HttpSession:
    """The one session all live clients share: project User-Agent, timeouts, retries with backoff."""
    settings = settings or HttpSettings.from_env()
    retry = CappedRetry(
        total=settings.retries, connect=settings.retries, read=settings.retries, status=settings.retries,
        backoff_factor=settings.backoff, backoff_max=settings.max_wait, status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET", "HEAD"}), respect_retry_after_header=True, raise_on_status=True)
    http = HttpSession(settings)
    adapter = HTTPAdapter(max_retries=retry)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers["User-Agent"] = USER_AGENT
    return http


def query_url(url: str, params: dict | None = None) -> str:
    """``url`` with ``params`` encoded as its query string, exactly as requests sends it."""
    return requests.Request("GET", url, params=params).prepare().url


def _network_remedy(src: Source) -> str:
    return (f"check the network and retry later (`futurecity pull {src.id} --live`), or set {src.env_url_var} "
            "to the base URL of a working copy of the API; meanwhile the book builds from the pinned snapshot or "
            "the newest cached vintage")


def _what_failed(exc: requests.RequestException, settings: HttpSettings) -> str:
    """One sentence saying how a request failed."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.RetryError):
        reason = getattr(exc.args[0], "reason", exc) if exc.args else exc
        return f"the server kept answering an error status ({reason}); gave up after {settings.retries} retries."
    if isinstance(exc, requests.HTTPError):
        return f"the server answered HTTP {exc.response.status_code} {exc.response.reason}."
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return f"the answer was cut short before its end ({text})."
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        return (f"the request timed out (connect {settings.connect_timeout:g} s, read {settings.read_timeout:g} s, "
                f"{settings.retries} retries).")
    if isinstance(exc, requests.ConnectionError):
        return f"no connection could be made ({text})."
    return f"the request failed ({type(exc).__name__}: {text})."


def get(http: HttpSession, src: Source, url: str, params: dict | None = None) -> requests.Response:
    """GET ``url``: a failed connection, a timeout, an error status after the retries or a body shorter than
    its ``Content-Length`` raises :class:`DataUnavailable` naming the source and the full URL."""
    full = query_url(url, params)
    try:
        resp = http.get(url, params=params)
        resp.raise_for_status()
    except requests.RequestException as exc:
        raise DataUnavailable(src.id, full, _what_failed(exc, http.settings), _network_remedy(src)) from exc
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and "Content-Encoding" not in resp.headers and int(declared) != len(resp.content):
        raise DataUnavailable(src.id, full, f"the answer was cut short: Content-Length says {declared} bytes but "
                              f"{len(resp.content)} arrived.", _network_remedy(src))
    return resp


# --- the live clients ------------------------------------------------------------------------------------------

@dataclass
class Answer:
    """What a live client got: the bytes to store, the URL asked (with its query) and extra manifest fields."""

    raw: bytes
    url: str
    ext: str
    details: dict = field(default_factory=dict)


class BadAnswer(Exception):
    """The server answered, but not with data the client can use; the answer goes among the rejected."""

    def __init__(self, reason: str, answer: Answer):
        super().__init__(reason)
        self.reason, self.answer = reason, answer


def fetch_single(http: HttpSession, src: Source, **_) -> Answer:
    """One GET of the registry's request: ONS generator CSV, ONS time-series JSON, FRED CSV."""
    resp = get(http, src, src.live_url(), src.live.params)
    ext = "json" if "json" in src.live.format else "csv"
    return Answer(resp.content, query_url(src.live_url(), src.live.params), ext,
                  {"content_type": resp.headers.get("Content-Type", "")})


def _csv_page(raw: bytes, what: str) -> tuple[bytes, list[bytes]]:
    """(header line, data lines) of one CSV page; an HTML page or an empty body is a ParseError."""
    parsers.text(raw, what)
    lines = raw.removeprefix(codecs.BOM_UTF8).splitlines()
    return lines[0], [line for line in lines[1:] if line.strip()]


def fetch_nomis_csv(http: HttpSession, src: Source, page_size: int | None = None, **_) -> Answer:
    """Every page of a Nomis CSV query: ``recordoffset`` moves on by the rows received until a page is shorter
    than the page size (``page_size``, else ``FUTURECITY_NOMIS_PAGE_SIZE``, else the registry's ``page_size``,
    else 25,000) or empty. The pages are joined under the first page's header; a page with another header is a
    bad answer."""
    size = (page_size or int(_env_number("FUTURECITY_NOMIS_PAGE_SIZE", 0)) or src.live.page_size
            or NOMIS_PAGE_SIZE)
    url, header, rows, urls, previous = src.live_url(), None, [], [], None
    for _ in range(MAX_PAGES):
        params = {**src.live.params, "recordoffset": len(rows)}
        resp = get(http, src, url, params)
        urls.append(query_url(url, params))
        if urls[1:] and not resp.content.strip():
            break
        try:
            head, page = _csv_page(resp.content, "Nomis CSV")
        except parsers.ParseError as exc:
            raise BadAnswer(f"page {len(urls)}: {exc}", Answer(resp.content, urls[-1], "csv")) from exc
        if header is not None and head != header:
            raise BadAnswer(f"page {len(urls)} has the header {head.decode(errors='replace')!r}, the first page "
                            f"{header.decode(errors='replace')!r}",
                            Answer(resp.content, urls[-1], "csv"))
        if page and page == previous:
            raise BadAnswer("the server answered the same page twice (recordoffset ignored?)",
                            Answer(resp.content, urls[-1], "csv"))
        header, previous = head, page
        rows.extend(page)
        if len(page) < size:
            break
    else:
        raise BadAnswer(f"still no short page after {MAX_PAGES} pages", Answer(resp.content, urls[-1], "csv"))
    raw = b"\n".join([header, *rows]) + b"\n"
    return Answer(raw, query_url(url, src.live.params), "csv", {"pages": len(urls), "page_size": size, "urls": urls})


def fetch_worldbank_json(http: HttpSession, src: Source, **_) -> Answer:
    """Page 1 of a World Bank v2 query, then pages 2..``pages`` (its paging header); kept as one JSON list of
    the pages, each page's bytes unchanged. The HTTP-200 error object is a bad answer."""
    url, params = src.live_url(), dict(src.live.params)
    pages, urls, count = [], [], 1
    while len(pages) < count:
        page_params = params if not pages else {**params, "page": len(pages) + 1}
        resp = get(http, src, url, page_params)
        urls.append(query_url(url, page_params))
        body = resp.content.removeprefix(codecs.BOM_UTF8).strip()
        try:
            paging, _ = worldbank_page(body)
            count = min(int(paging["pages"]), MAX_PAGES)
        except (parsers.ParseError, ValueError, TypeError) as exc:
            raise BadAnswer(f"page {len(urls)}: {exc}", Answer(resp.content, urls[-1], "json")) from exc
        pages.append(body)
    return Answer(b"[" + b",".join(pages) + b"]", urls[0], "json", {"pages": len(pages), "urls": urls})


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` on an HTML page, in page order."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.hrefs.append(href.strip())


def xlsx_link(html: str, base_url: str) -> str | None:
    """The absolute URL of the first link on an HTML page to an .xlsx file (``href`` ending ``.xlsx``, or a
    query value such as ONS's ``/file?uri=/.../berdtimeseries2022.xlsx`` ending so)."""
    links = _Links()
    links.feed(html)
    for href in links.hrefs:
        parts = urlparse(href)
        values = [v for vs in parse_qs(parts.query).values() for v in vs]
        if any(s.lower().endswith(".xlsx") for s in [parts.path, *values]):
            return urljoin(base_url, href)
    return None


def fetch_berd_xlsx(http: HttpSession, src: Source, **_) -> Answer:
    """The ONS dataset page (HTML), then the spreadsheet it links to; both URLs go into the manifest."""
    page_url = query_url(src.live_url(), src.live.params)
    page = get(http, src, src.live_url(), src.live.params)
    link = xlsx_link(page.text, page.url)
    if link is None:
        raise BadAnswer("the dataset page links to no .xlsx file", Answer(page.content, page_url, "html"))
    sheet = get(http, src, link)
    return Answer(sheet.content, link, "xlsx", {"dataset_page": page_url})


CLIENTS: dict[str, Callable[..., Answer]] = {
    "nomis_csv": fetch_nomis_csv,
    "ons_generator_csv": fetch_single,
    "ons_timeseries_json": fetch_single,
    "ons_timeseries_json_annual_uk": fetch_single,
    "fred_csv": fetch_single,
    "worldbank_json": fetch_worldbank_json,
    "berd_xlsx": fetch_berd_xlsx,
}


# --- checking and keeping an answer ----------------------------------------------------------------------------

class InvalidAnswer(ValueError):
    """A live answer that fails the checks a vintage must pass."""


def _years(frame: pd.DataFrame) -> pd.Series | None:
    if "year" in frame.columns:
        return pd.to_numeric(frame["year"], errors="coerce")
    if "date" in frame.columns:
        return pd.to_datetime(frame["date"], errors="coerce").dt.year
    return None


def validate(src: Source, raw: bytes) -> pd.DataFrame:
    """The answer parsed by the source's live parser, if it holds rows, every column of the registry schema, a
    numeric ``value`` and years from 1900 to next year; else :class:`InvalidAnswer` saying what is wrong."""
    fmt = src.live.format
    try:
        frame = parsers.get(fmt)(raw)
    except parsers.ParseError as exc:
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
    return frame


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
            store.atomic_write(tmp / name, data)
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
    manifest = _manifest(src, answer, retrieved) | {"rows": len(frame)}
    newest = store.latest_vintage(src)
    if newest is not None and newest["sha256"] == manifest["sha256"]:
        return newest | {"unchanged": True}
    final = store.vintages_dir(src) / manifest["vintage"]
    _write_folder(src, final, {manifest["file"]: answer.raw,
                               "manifest.json": json.dumps(manifest, indent=2).encode()})
    return manifest | {"dir": str(final)}


def pull(src: Source | str, *, page_size: int | None = None, http: HttpSession | None = None) -> dict:
    """Ask the live API of ``src``, check the answer and keep it as a new vintage; the vintage's manifest.

    ``page_size`` overrides the registry's page size of a paged API (Nomis); ``http`` is the session to use
    (default: a new :func:`session`). Raises :class:`DataUnavailable` when the request fails or the answer is
    rejected."""
    src = registry.get(src) if isinstance(src, str) else src
    if src.live is None:
        raise DataUnavailable(src.id, store._origin_url(src), "the source has no live API (api: file).",
                              "use its pinned snapshot (set FUTURECITY_SNAPSHOTS)")
    client = CLIENTS.get(src.live.format)
    if client is None:
        raise registry.RegistryError(f"source {src.id!r}: no live client for format {src.live.format!r}; "
                                     f"known: {sorted(CLIENTS)}")
    retrieved = _stamp()
    try:
        answer = client(http or session(), src, page_size=page_size)
    except BadAnswer as bad:
        raise _reject(src, bad.answer, bad.reason, retrieved) from bad
    try:
        frame = validate(src, answer.raw)
    except InvalidAnswer as exc:
        raise _reject(src, answer, str(exc), retrieved) from exc
    return _keep(src, answer, frame, retrieved)


# --- the command line ------------------------------------------------------------------------------------------

def source_status(src: Source) -> dict:
    """What the store holds for ``src``: snapshot status (ok / missing / hash mismatch) and cached vintages."""
    vintages = [m["vintage"] for m in store.vintage_manifests(src)]
    path = store.snapshot_path(src)
    return {"id": src.id, "title": src.title, "api": src.api, "publisher": src.publisher, "licence": src.licence,
            "snapshot": store.snapshot_status(src), "snapshot_file": str(path) if path else None,
            "live_url": src.live_url() if src.live else None, "url_variable": src.env_url_var if src.live else None,
            "vintages": vintages, "latest_vintage": vintages[-1] if vintages else None}


def _say(kind: str, message: str) -> None:
    print(textwrap.fill(f"futurecity: {kind}: {message}", width=110), file=sys.stderr)


def _table(rows: list[dict]) -> str:
    """Rows of equal keys as a plain left-aligned text table with a header line."""
    cols = list(rows[0])
    width = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    lines = [[c.upper() for c in cols], *[[str(r[c]) for c in cols] for r in rows]]
    return "\n".join("  ".join(v.ljust(width[c]) for c, v in zip(cols, line, strict=True)).rstrip()
                     for line in lines)


def cmd_sources(args) -> int:
    """``futurecity sources [--json]``: every registered source with its snapshot status, cached vintages and
    licence. Exit 2 when a snapshot's sha256 no longer matches the registry (it would not be loaded), else 0;
    a missing snapshot is listed but is no error here (``futurecity pull`` checks what a build needs)."""
    rows = [source_status(src) for src in registry.sources().values()]
    if getattr(args, "json", False):
        print(json.dumps(rows, indent=2))
    else:
        print(_table([{"id": r["id"], "api": r["api"], "snapshot": r["snapshot"], "vintages": len(r["vintages"]),
                       "newest vintage": r["latest_vintage"] or "-", "licence": r["licence"]} for r in rows]))
    changed = [r["id"] for r in rows if r["snapshot"] == "hash mismatch"]
    if changed:
        _say("data invalid", f"the pinned snapshots of {', '.join(changed)} no longer match their sha256 in "
             "data/sources.yml and will not be loaded. Restore the original files, or register the new ones.")
        return EXIT_DATA
    return EXIT_OK


def _check(srcs: list[Source]) -> int:
    """Without ``--live``: say what each source has; exit 2 if one has neither a good snapshot nor a vintage."""
    failed = 0
    for src in srcs:
        st = source_status(src)
        print(f"{src.id}: snapshot {st['snapshot']}; {len(st['vintages'])} cached vintage(s)"
              + (f", newest {st['latest_vintage']}" if st["latest_vintage"] else ""))
        if st["snapshot"] != "ok" and not st["vintages"]:
            failed += 1
            _say("data unavailable", str(DataUnavailable(
                src.id, st["snapshot_file"] or store._origin_url(src),
                f"no verified pinned snapshot (status: {st['snapshot']}) and no cached vintage in "
                f"{store.vintages_dir(src)}.",
                store.remedy(src))))
    return EXIT_DATA if failed else EXIT_OK


def cmd_pull(args) -> int:
    """``futurecity pull [SOURCE ...] [--live]``: with ``--live`` pull each source (default: every source with a
    live API) with one session, a progress bar on stderr when it is a terminal; without it only check what is
    there. Every failure is reported; exit 0 when all went well, 2 when a source could not be pulled or has
    no data."""
    ids = args.sources or [s.id for s in registry.sources().values() if s.live is not None]
    srcs = [registry.get(i) for i in ids]
    if not args.live:
        return _check(srcs)
    from tqdm import tqdm

    http, failed = session(), 0
    for src in tqdm(srcs, desc="futurecity pull", unit="source", file=sys.stderr, disable=None):
        try:
            m = pull(src, http=http)
        except DataUnavailable as exc:
            failed += 1
            _say("data unavailable", str(exc))
            continue
        news = "unchanged, newest vintage" if m.get("unchanged") else "new vintage"
        print(f"{src.id}: {news} {m['vintage']} ({m['bytes']:,} bytes, {m.get('rows', '?')} rows) from {m['url']}")
    return EXIT_DATA if failed else EXIT_OK
