"""The live clients: one per answer format, each turning a source's registered request into an :class:`Answer`
(the bytes to keep, the URL asked and extra manifest fields), or a :class:`BadAnswer` when the server answered
with something that is not data.

``FUTURECITY_NOMIS_PAGE_SIZE`` overrides the registry's Nomis page size (rows per request; guests get at most
25,000, a registered key more).
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

from futurecity.data.http import HttpSession, env_number, get, query_url
from futurecity.data.parsers.base import text
from futurecity.data.parsers.worldbank import worldbank_page
from futurecity.data.registry import Source
from futurecity.errors import ParseError

NOMIS_PAGE_SIZE = 25_000
MAX_PAGES = 1_000


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
    text(raw, what)
    lines = raw.removeprefix(codecs.BOM_UTF8).splitlines()
    return lines[0], [line for line in lines[1:] if line.strip()]


def _nomis_pages(http: HttpSession, src: Source, size: int) -> tuple[bytes, list[bytes], list[str]]:
    """(header, data lines, URLs asked) of every page of one Nomis CSV query (see :func:`fetch_nomis_csv`)."""
    url, header, rows, urls, previous = src.live_url(), None, [], [], None
    for _ in range(MAX_PAGES):
        params = {**src.live.params, "recordoffset": len(rows)}
        resp = get(http, src, url, params)
        urls.append(query_url(url, params))
        if urls[1:] and not resp.content.strip():
            break
        try:
            head, page = _csv_page(resp.content, "Nomis CSV")
        except ParseError as exc:
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
    return header, rows, urls


def _part(src: Source, part: dict) -> Source:
    """``src`` asking one part of a query split over datasets: the part's dataset in the path, its parameters
    added to the others."""
    extra = {k: v for k, v in part.items() if k != "dataset"}
    live = dataclasses.replace(src.live, path=src.live.path.replace("{dataset}", str(part["dataset"])),
                               params={**src.live.params, **extra}, parts=())
    return dataclasses.replace(src, live=live)


def fetch_nomis_csv(http: HttpSession, src: Source, page_size: int | None = None, **_) -> Answer:
    """Every page of a Nomis CSV query: ``recordoffset`` moves on by the rows received until a page is shorter
    than the page size (``page_size``, else ``FUTURECITY_NOMIS_PAGE_SIZE``, else the registry's ``page_size``,
    else 25,000) or empty. The pages are joined under the first page's header; a page with another header is a
    bad answer. A query in ``parts`` (one per dataset) asks each part so, and joins the parts in their order
    under the same rule."""
    size = (page_size or int(env_number("FUTURECITY_NOMIS_PAGE_SIZE", 0)) or src.live.page_size
            or NOMIS_PAGE_SIZE)
    queries = [_part(src, p) for p in src.live.parts] or [src]
    header, rows, urls, asked = None, [], [], []
    for query in queries:
        head, lines, got = _nomis_pages(http, query, size)
        if header is not None and head != header:
            raise BadAnswer(f"the part {query.live.path} has the header {head.decode(errors='replace')!r}, the "
                            f"first part {header.decode(errors='replace')!r}",
                            Answer(b"\n".join([head, *lines]), got[-1], "csv"))
        header = head
        rows.extend(lines)
        urls.extend(got)
        asked.append(query_url(query.live_url(), query.live.params))
    raw = b"\n".join([header, *rows]) + b"\n"
    details = {"pages": len(urls), "page_size": size, "urls": urls}
    if src.live.parts:
        details["parts"] = asked
    return Answer(raw, " + ".join(asked), "csv", details)


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
        except (ParseError, ValueError, TypeError) as exc:
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


class _TextLinks(HTMLParser):
    """(``href``, text) of every ``<a>`` on an HTML page, in page order."""

    def __init__(self):
        super().__init__()
        self.links: list[list[str]] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self._open = [href.strip(), ""]
            self.links.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None


WORKBOOK = re.compile(r"\.xlsx?$", re.IGNORECASE)


def workbook_link(html: str, base_url: str, pattern: str) -> tuple[str, str] | None:
    """(absolute URL, link text) of the first link on an HTML page to an .xls or .xlsx file (its path, or a
    query value such as ONS's ``/file?uri=/.../v3/berd2019.xlsx``) whose file name or link text matches
    ``pattern`` (a regular expression, case-insensitive; empty matches any)."""
    links = _TextLinks()
    links.feed(html)
    for href, label in links.links:
        parts = urlparse(href)
        names = [s for s in [parts.path, *(v for vs in parse_qs(parts.query).values() for v in vs)]
                 if WORKBOOK.search(s)]
        label = " ".join(label.split())
        if names and any(re.search(pattern, t, re.IGNORECASE) for t in [*(n.rsplit("/", 1)[-1] for n in names),
                                                                         label]):
            return urljoin(base_url, href), label
    return None


def fetch_berd_release(http: HttpSession, src: Source, **_) -> Answer:
    """The ONS dataset page of a BERD release's editions (HTML), then the release workbook it links to (the
    first .xls/.xlsx link whose file name or text matches the registry's ``link``); both URLs go into the
    manifest."""
    page_url = query_url(src.live_url(), src.live.params)
    page = get(http, src, src.live_url(), src.live.params)
    found = workbook_link(page.text, page.url, src.live.link)
    if found is None:
        raise BadAnswer(f"the dataset page links to no .xls or .xlsx file whose name or link text matches "
                        f"{src.live.link!r}", Answer(page.content, page_url, "html"))
    link, label = found
    book = get(http, src, link)
    ext = "xls" if book.content.startswith(b"\xd0\xcf\x11\xe0") else "xlsx"
    return Answer(book.content, link, ext, {"dataset_page": page_url, "link_text": label})


def nomis_dataset_id(body: bytes, table: str) -> tuple[str, str] | None:
    """(id, name) of the dataset in a Nomis definitions answer (``dataset/def.sdmx.json``) whose name starts
    with the table ``table`` (``"KS605EW"`` matches ``"KS605EW - Industry"``, case-insensitive); None when
    there is none. A body that is not the definitions JSON raises :class:`ParseError`."""
    try:
        doc = json.loads(text(body, "Nomis definitions JSON"))
        families = doc["structure"]["keyfamilies"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ParseError(f"Nomis definitions: not the def.sdmx.json layout ({exc!r})") from exc
    found = (families or {}).get("keyfamily", []) if isinstance(families, dict) else []
    for family in found if isinstance(found, list) else [found]:
        name = family.get("name", {})
        name = name.get("value", "") if isinstance(name, dict) else str(name)
        if re.match(rf"{re.escape(table)}\b", name.strip(), re.IGNORECASE) and family.get("id"):
            return str(family["id"]), name.strip()
    return None


def fetch_nomis_census(http: HttpSession, src: Source, page_size: int | None = None, **_) -> Answer:
    """A Nomis census table found by its name: first the definitions (``/dataset/def.sdmx.json?search=``
    the registry's ``link``, e.g. ``KS605EW*``) give the dataset id whose name starts with the table, then
    every page of ``/dataset/<id>.data.csv`` as :func:`fetch_nomis_csv`. The id, the dataset's name and the
    definitions URL go into the manifest; no such table in the definitions is a bad answer."""
    def_url, def_params = src.base_url() + "/dataset/def.sdmx.json", {"search": f"{src.live.link}*"}
    resp = get(http, src, def_url, def_params)
    try:
        found = nomis_dataset_id(resp.content, src.live.link)
    except ParseError as exc:
        raise BadAnswer(str(exc), Answer(resp.content, query_url(def_url, def_params), "json")) from exc
    if found is None:
        raise BadAnswer(f"the Nomis definitions list no dataset named {src.live.link} ...",
                        Answer(resp.content, query_url(def_url, def_params), "json"))
    dataset, name = found
    live = dataclasses.replace(src.live, path=src.live.path.replace("{dataset}", dataset))
    answer = fetch_nomis_csv(http, dataclasses.replace(src, live=live), page_size=page_size)
    answer.details.update(dataset_id=dataset, dataset_name=name, definitions=query_url(def_url, def_params))
    return answer


def _bounded(client: Callable[..., Answer]) -> Callable[..., Answer]:
    """``client`` with every request of one pull inside the source's budget (its deadline and byte cap, see
    :meth:`futurecity.data.http.HttpSession.pulling`)."""
    @functools.wraps(client)
    def pull(http: HttpSession, src: Source, **kwargs) -> Answer:
        if not hasattr(http, "pulling"):
            return client(http, src, **kwargs)
        with http.pulling(src):
            return client(http, src, **kwargs)
    return pull


CLIENTS: dict[str, Callable[..., Answer]] = {name: _bounded(client) for name, client in {
    "nomis_csv": fetch_nomis_csv,
    "nomis_gb_fulltime_csv": fetch_nomis_csv,
    "nomis_census_csv": fetch_nomis_census,
    "ons_generator_csv": fetch_single,
    "ons_timeseries_json": fetch_single,
    "ons_timeseries_json_annual_uk": fetch_single,
    "fred_csv": fetch_single,
    "worldbank_json": fetch_worldbank_json,
    "berd_xlsx": fetch_berd_xlsx,
    "berd_release": fetch_berd_release,
}.items()}
