"""The live clients: one per answer format, each turning a source's registered request into an :class:`Answer`
(the bytes to keep, the URL asked and extra manifest fields), or a :class:`BadAnswer` when the server answered
with something that is not data.

``FUTURECITY_NOMIS_PAGE_SIZE`` overrides the registry's Nomis page size (rows per request; guests get at most
25,000, a registered key more).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

from futurecity.data.http import HttpSession, env_number, get, query_url
from futurecity.data.parsers.base import text
from futurecity.data.parsers.nomis import is_industry, nomis_codes, nomis_dimensions, total_code
from futurecity.data.parsers.worldbank import worldbank_page
from futurecity.data.registry import Source
from futurecity.errors import DataUnavailable, ParseError

NOMIS_PAGE_SIZE = 25_000
NOMIS_UID_ENV = "FUTURECITY_NOMIS_UID"
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


def _record_count(header: bytes, line: bytes) -> int | None:
    """The RECORD_COUNT of a Nomis CSV page (every row carries the query's total), if the page has it."""
    names = [n.strip().upper() for n in next(csv.reader([header.decode("utf-8-sig", "replace")]))]
    if "RECORD_COUNT" not in names:
        return None
    row = next(csv.reader([line.decode("utf-8", "replace")]))
    try:
        return int(row[names.index("RECORD_COUNT")])
    except (IndexError, ValueError):
        return None


def _with_record_count(params: dict) -> dict:
    """``params`` whose ``select`` (when there is one) also asks for ``record_count``."""
    select = params.get("select")
    if select and "record_count" not in [s.strip().lower() for s in str(select).split(",")]:
        return {**params, "select": f"{select},record_count"}
    return params


def _nomis_pages(http: HttpSession, src: Source, size: int) -> tuple[bytes, list[bytes], list[str], int | None]:
    """(header, data lines, URLs asked, record count) of every page of one Nomis CSV query (see
    :func:`fetch_nomis_csv`)."""
    url, header, rows, urls, previous, count = src.live_url(), None, [], [], None, None
    base = _with_record_count({**src.live.params, "recordlimit": size})
    uid = os.environ.get(NOMIS_UID_ENV, "").strip()
    for _ in range(MAX_PAGES):
        params = {**base, "recordoffset": len(rows)}
        resp = get(http, src, url, {**params, "uid": uid} if uid else params)
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
        if count is None and page:
            count = _record_count(head, page[0])
        header, previous = head, page
        rows.extend(page)
        if len(page) < size or (count is not None and len(rows) >= count):
            break
    else:
        raise BadAnswer(f"still no short page after {MAX_PAGES} pages", Answer(resp.content, urls[-1], "csv"))
    if count is not None and len(rows) != count:
        raise BadAnswer(f"the pages hold {len(rows):,} rows but the answer's RECORD_COUNT says {count:,} (a page "
                        f"lost or repeated; page size {size:,})",
                        Answer(b"\n".join([header, *rows]) + b"\n", urls[-1], "csv"))
    return header, rows, urls, count


def _part(src: Source, part: dict) -> Source:
    """``src`` asking one part of a query split over datasets: the part's dataset in the path, its parameters
    added to the others."""
    extra = {k: v for k, v in part.items() if k != "dataset"}
    live = dataclasses.replace(src.live, path=src.live.path.replace("{dataset}", str(part["dataset"])),
                               params={**src.live.params, **extra}, parts=())
    return dataclasses.replace(src, live=live)


def fetch_nomis_csv(http: HttpSession, src: Source, page_size: int | None = None, **_) -> Answer:
    """Every page of a Nomis CSV query: each page asks ``recordlimit`` rows (the page size: ``page_size``, else
    ``FUTURECITY_NOMIS_PAGE_SIZE``, else the registry's ``page_size``, else 25,000, the most a guest gets; a
    registered ``uid`` in ``FUTURECITY_NOMIS_UID`` is sent but never recorded) from ``recordoffset``, moved on by
    the rows received, until the rows reach the answer's ``RECORD_COUNT`` (asked for with ``select``), a page is
    shorter than the page size or empty. The rows received must equal ``RECORD_COUNT`` when the answer has it.
    The pages are joined under the first page's header; a page with another header is a bad answer. A query in ``parts`` (one per dataset) asks each part so, and joins the parts in their order
    under the same rule."""
    size = (page_size or int(env_number("FUTURECITY_NOMIS_PAGE_SIZE", 0)) or src.live.page_size
            or NOMIS_PAGE_SIZE)
    queries = [_part(src, p) for p in src.live.parts] or [src]
    header, rows, urls, asked, counts = None, [], [], [], []
    for query in queries:
        head, lines, got, count = _nomis_pages(http, query, size)
        counts.append(count)
        if header is not None and head != header:
            raise BadAnswer(f"the part {query.live.path} has the header {head.decode(errors='replace')!r}, the "
                            f"first part {header.decode(errors='replace')!r}",
                            Answer(b"\n".join([head, *lines]), got[-1], "csv"))
        header = head
        rows.extend(lines)
        urls.extend(got)
        asked.append(query_url(query.live_url(), _with_record_count({**query.live.params, "recordlimit": size})))
    raw = b"\n".join([header, *rows]) + b"\n"
    details = {"pages": len(urls), "page_size": size, "urls": urls, "record_count": counts}
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


ONS_API = "https://api.beta.ons.gov.uk"  # ONS's current API: /v1/data?uri=<a page of the website>


def _ons_api(src: Source) -> str:
    """The base of ONS's API for ``src``: ``FUTURECITY_URL_<ID>`` when set (it moves the website and the API
    alike), else :data:`ONS_API`."""
    return os.environ.get(src.env_url_var, ONS_API).rstrip("/")


def _ons_content(http: HttpSession, src: Source, uri: str) -> tuple[dict, str]:
    """(JSON, URL asked) of the website content at ``uri`` through ``/v1/data?uri=``; an answer that is not a
    JSON object raises :class:`ParseError`."""
    url = _ons_api(src) + "/v1/data"
    resp = get(http, src, url, {"uri": uri})
    try:
        doc = json.loads(text(resp.content, "ONS API JSON"))
    except ValueError as exc:
        raise ParseError(f"the ONS API answer is not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ParseError("the ONS API answer is not a JSON object")
    return doc, query_url(url, {"uri": uri})


def fetch_ons_timeseries(http: HttpSession, src: Source, **_) -> Answer:
    """An ONS time series (JSON with ``description``, ``years``, ``quarters``, ``months``) through the current
    endpoint, ``/v1/data?uri=<series page>`` of ONS's API; when that fails or answers something else, the
    website's ``<series page>/data`` (the registry's request) as before, the first failure kept in the
    manifest (``current_endpoint_failed``)."""
    from futurecity.data.parsers.ons import ons_timeseries_json

    uri = src.live.path.removesuffix("/data")
    try:
        doc, url = _ons_content(http, src, uri)
        raw = json.dumps(doc, ensure_ascii=False).encode()
        ons_timeseries_json(raw)
        return Answer(raw, url, "json", {"endpoint": "ONS API /v1/data"})
    except (DataUnavailable, ParseError) as exc:
        first = str(exc)
    answer = fetch_single(http, src)
    answer.details.update(endpoint="ONS website /data (fallback)", current_endpoint_failed=first)
    return answer


def _ons_workbooks(http: HttpSession, src: Source, pattern: str) -> tuple[str, dict] | None:
    """(URL, manifest fields) of the first workbook among the downloads of a dataset's current edition, then of
    its earlier versions newest first, whose file name matches ``pattern``, read through ONS's API
    (``/v1/data?uri=<dataset>/current`` lists ``downloads[].file`` and ``versions[].uri``); the file itself
    comes from the website's ``/file?uri=<version>/<file>``. None when no download matches."""
    path = src.live.path
    edition = path.removesuffix("/previous") if path.endswith("/current/previous") else path + "/current"
    doc, first_url = _ons_content(http, src, edition)
    versions = doc.get("versions") or []
    if not isinstance(versions, list):
        raise ParseError("the ONS API answer's versions is not a list")
    asked = [first_url]
    candidates = [(edition, doc)]
    for version in reversed(versions):
        uri = version.get("uri") if isinstance(version, dict) else None
        if uri:
            candidates.append((uri, None))
    for uri, content in candidates:
        if content is None:
            content, url = _ons_content(http, src, uri)
            asked.append(url)
        for download in content.get("downloads") or []:
            name = str(download.get("file", "")) if isinstance(download, dict) else ""
            if WORKBOOK.search(name) and re.search(pattern, name.rsplit("/", 1)[-1], re.IGNORECASE):
                link = f"{src.base_url()}/file?{urlencode({'uri': uri.rstrip('/') + '/' + name.lstrip('/')})}"
                return link, {"dataset_api": asked, "version": uri, "file": name}
    return None


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


def _through_api(http: HttpSession, src: Source, pattern: str) -> Answer | str:
    """The workbook found through ONS's API (:func:`_ons_workbooks`), or why it was not (a string)."""
    try:
        found = _ons_workbooks(http, src, pattern)
    except (DataUnavailable, ParseError) as exc:
        return f"the ONS API failed: {exc}"
    if found is None:
        return f"the ONS API lists no workbook matching {pattern!r} among the dataset's versions"
    link, details = found
    book = get(http, src, link)
    ext = "xls" if book.content.startswith(b"\xd0\xcf\x11\xe0") else "xlsx"
    return Answer(book.content, link, ext, {**details, "endpoint": "ONS API /v1/data"})

def _api_else_page(http: HttpSession, src: Source, pattern: str, page) -> Answer:
    """The workbook matching ``pattern`` through ONS's API; when that fails, ``page(http, src)`` (the dataset's
    HTML page and its link), with the API's failure kept in the manifest."""
    api = _through_api(http, src, pattern)
    if isinstance(api, Answer):
        return api
    answer = page(http, src)
    answer.details["current_endpoint_failed"] = api
    return answer


def fetch_berd_xlsx(http: HttpSession, src: Source, **_) -> Answer:
    """The spreadsheet of the dataset's current edition, found through ONS's API (its downloads); when that
    fails, the ONS dataset page (HTML) and the spreadsheet it links to, both URLs in the manifest."""
    return _api_else_page(http, src, r"\.xlsx$", _berd_page_xlsx)


def _berd_page_xlsx(http: HttpSession, src: Source) -> Answer:
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
    """A BERD release's workbook: through ONS's API, the first workbook among the downloads of the dataset's
    current edition and then its earlier versions (newest first) whose file name matches the registry's
    ``link``; when that fails, the ONS dataset page of the editions (HTML), then the first .xls/.xlsx link whose
    file name or text matches ``link``. The URLs asked go into the manifest."""
    return _api_else_page(http, src, src.live.link, _berd_page_release)


def _berd_page_release(http: HttpSession, src: Source) -> Answer:
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


CENSUS_SET = ("GEOGRAPHY", "MEASURES", "FREQ", "TIME", "DATE")  # set by the registry's query, or not a category


def _census_query(http: HttpSession, src: Source, dataset: str) -> tuple[dict, dict]:
    """(query parameters, what was read) of a census table's data request, from the dataset's own definition
    (``dataset/<id>.def.sdmx.json``) and its dimensions' codelists (``codelist/<codelist>.def.sdmx.json``):
    the industry dimension is the one whose codes hold a Manufacturing section; every other dimension but
    geography and measures (sex, rural/urban, ...) is fixed to its total code ('All ...', 'Total'); ``select``
    asks for each one's label, so the parser can check them."""
    def_url = f"{src.base_url()}/dataset/{dataset}.def.sdmx.json"
    resp = get(http, src, def_url)
    try:
        dims = nomis_dimensions(resp.content)
    except ParseError as exc:
        raise BadAnswer(str(exc), Answer(resp.content, def_url, "json")) from exc
    params = {k: v for k, v in src.live.params.items() if k != "select"}
    industry, fixed, read = None, {}, {"dataset_definition": def_url, "codelists": {}}
    for concept, codelist in dims:
        if concept in CENSUS_SET or concept.lower() in params:
            continue
        code_url = f"{src.base_url()}/codelist/{codelist}.def.sdmx.json"
        got = get(http, src, code_url)
        read["codelists"][concept] = code_url
        try:
            codes = nomis_codes(got.content)
        except ParseError as exc:
            raise BadAnswer(f"dimension {concept}: {exc}", Answer(got.content, code_url, "json")) from exc
        if is_industry(codes):
            if industry is not None:
                raise BadAnswer(f"two dimensions hold a Manufacturing code ({industry}, {concept})",
                                Answer(got.content, code_url, "json"))
            industry = concept
            continue
        total = total_code(codes)
        if total is None:
            raise BadAnswer(f"dimension {concept} has no total code ('All ...' or 'Total') among "
                            f"{[label for _, label in codes][:6]}", Answer(got.content, code_url, "json"))
        fixed[concept] = total
    if industry is None:
        raise BadAnswer(f"no dimension of {dataset} holds a Manufacturing code (dimensions {[d for d, _ in dims]})",
                        Answer(resp.content, def_url, "json"))
    params.update({concept.lower(): code for concept, (code, _) in fixed.items()})
    params["select"] = ",".join(["date", "geography_name", "geography_code", f"{industry.lower()}_name",
                                 *(f"{c.lower()}_name" for c in fixed), "obs_value"])
    read.update(industry_dimension=industry, fixed={c: f"{code} ({label})" for c, (code, label) in fixed.items()})
    return params, read


def fetch_nomis_census(http: HttpSession, src: Source, page_size: int | None = None, **_) -> Answer:
    """A Nomis census table found by its name, asked as the dataset itself defines it: first the definitions
    (``/dataset/def.sdmx.json?search=`` the registry's ``link``, e.g. ``KS605EW*``) give the dataset id whose
    name starts with the table; then the dataset's definition and codelists give its dimensions
    (:func:`_census_query`: each but geography and industry fixed to its total, e.g. KS605EW's ``c_sex=0``);
    then every page of ``/dataset/<id>.data.csv`` as :func:`fetch_nomis_csv`. The id, the dataset's name, the
    definitions read and the totals fixed go into the manifest; no such table, or a dimension with no total,
    is a bad answer."""
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
    params, read = _census_query(http, src, dataset)
    live = dataclasses.replace(src.live, path=src.live.path.replace("{dataset}", dataset), params=params)
    answer = fetch_nomis_csv(http, dataclasses.replace(src, live=live), page_size=page_size)
    answer.details.update(dataset_id=dataset, dataset_name=name, definitions=query_url(def_url, def_params), **read)
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
    "ons_timeseries_json": fetch_ons_timeseries,
    "ons_timeseries_json_annual_uk": fetch_ons_timeseries,
    "fred_csv": fetch_single,
    "worldbank_json": fetch_worldbank_json,
    "berd_xlsx": fetch_berd_xlsx,
    "berd_release": fetch_berd_release,
}.items()}
