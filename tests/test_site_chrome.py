"""How the website reads around the chapters: author-year references with names capitalised as published, a
footer that names the edition, its authors' paper, the data's publishers and the licences, the book's own favicon
and logo, one search box and no empty index. Reads and serves ``_build/html`` (built by ``make book``)."""

from __future__ import annotations

import functools
import html
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from conftest import PROJECT

HTML = PROJECT / "_build" / "html"
EDITION = "futurecity, an independent interactive edition"
LABEL = re.compile(r"^[A-Z][^\[\]]*?, (\d{4}[a-z]?|n\.d\.(-[a-z])?)$")  # "Frey and Osborne, 2017", "..., n.d.-a"


def _pages() -> list[Path]:
    """The built pages, without Jupyter Book's index.html (a bare redirect to the first chapter)."""
    assert (HTML / "index.html").is_file(), f"{HTML} has no built book: run `make book` first"
    pages = sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)
    return [p for p in pages if 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:500]]


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def _footer(page: Path) -> str:
    match = re.search(r'<div class="fc-footer">(.*?)</footer>', page.read_text(encoding="utf-8"), flags=re.S)
    assert match, f"{page.name}: no futurecity footer"
    return _text(match.group(1))


def _labels() -> dict[str, str]:
    """The references page's entries: anchor id -> label text."""
    page = (HTML / "references.html").read_text(encoding="utf-8")
    entries = re.findall(r'<div class="citation" id="([^"]+)" role="doc-biblioentry">\s*<span class="label">(.*?)'
                         r'</span>\s*<p>', page, flags=re.S)
    assert entries, "references.html lists no entry"
    return {anchor: _text(re.sub(r'<span class="fn-bracket">[^<]*</span>', "", label)) for anchor, label in entries}


# --- files ---------------------------------------------------------------------------------------------------

@pytest.mark.site
def test_footer_names_edition_paper_publishers_and_licences_on_every_page():
    publishers = {str(s["publisher"]) for s in
                  yaml.safe_load((PROJECT / "data" / "sources.yml").read_text(encoding="utf-8"))["sources"]}
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        assert "Jupyter Book community" not in text, page.name
        footer = _footer(page)
        for words in (EDITION, "Calvin Jones and Dylan Henderson", "Industry 4.0 and Value Creation in the Future City",
                      "MIT licence", "CC BY 4.0", "Data page", "the futurecity authors"):
            assert words in footer, f"{page.name}: footer lacks {words!r}"
        assert 'href="https://creativecommons.org/licenses/by/4.0/"' in text, page.name
        for publisher in publishers:
            assert publisher in footer, f"{page.name}: footer lacks the data licence of {publisher!r}"


@pytest.mark.site
def test_favicon_and_logo_referenced_on_every_page_and_built():
    for name in ("favicon.svg", "logo.svg"):
        built = HTML / "_static" / name
        assert built.is_file() and built.read_bytes() == (PROJECT / "_static" / name).read_bytes(), name
        assert built.read_text(encoding="utf-8").lstrip().startswith("<svg"), name
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        assert re.search(r'<link rel="icon" href="(\.\./)*_static/favicon\.svg"', text), page.name
        assert re.search(r'<img src="(\.\./)*_static/logo\.svg" class="logo__image', text), page.name


@pytest.mark.site
def test_licence_files_exist_and_readme_names_them():
    mit = (PROJECT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "Copyright (c) 2026 the futurecity authors" in mit
    text = (PROJECT / "LICENSE-TEXT").read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "https://creativecommons.org/licenses/by/4.0/" in text
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Licences", 1)[1].split("\n## ", 1)[0]
    assert "`LICENSE`" in section and "`LICENSE-TEXT`" in section and "data/sources.yml" in section


@pytest.mark.site
def test_no_index_page_in_the_navigation():
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        assert "genindex" not in text, f"{page.name} links the general index"


@pytest.mark.site
def test_references_are_labelled_by_author_and_year():
    labels = _labels()
    assert not [lab for lab in labels.values() if re.fullmatch(r"\d+", lab)], f"numeric labels: {labels}"
    assert all(LABEL.match(lab) for lab in labels.values()), sorted(labels.values())
    assert len(set(labels.values())) == len(labels), "two entries share a label"
    for label in ("Jones and Henderson, n.d.", "Frey and Osborne, 2017", "Herrendorf et al., 2014",
                  "Doussard et al., 2018", "Perez, 2009"):
        assert label in labels.values(), f"{label!r} missing from {sorted(labels.values())}"
    # alphabetical by first author; two entries of one first author that name their second, by the second ("et
    # al." hides it: the list then follows the entry's full author list)
    names = [re.split(r" and | et al\.", lab.rsplit(", ", 1)[0].casefold()) for lab in labels.values()]
    firsts = [n[0] for n in names]
    assert firsts == sorted(firsts), f"not in alphabetical order of authors: {list(labels.values())}"
    pairs = [(a, b) for a, b in zip(names, names[1:]) if a[0] == b[0] and len(a) == len(b) == 2 and a[1] and b[1]]
    assert all(a[1] <= b[1] for a, b in pairs), f"second authors out of order: {pairs}"


@pytest.mark.site
def test_citations_in_the_text_read_as_the_entry_they_link():
    labels = _labels()
    seen = 0
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        for span in re.findall(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', text, flags=re.S):
            for anchor, shown in re.findall(r'href="[^"]*references\.html#([^"]+)"[^>]*>(.*?)</a>', span, flags=re.S):
                # parenthetical "(Frey and Osborne, 2017)" links the label; narrative "Frey and Osborne (2017)"
                # ({cite:t}) names the authors before the linked year
                authors, year = labels[anchor].rsplit(", ", 1)
                assert _text(shown) == labels[anchor] or (_text(shown) == year and _text(span) == f"{authors} "
                                                          f"({year})"), f"{page.name}: {_text(span)!r} links {labels[anchor]!r}"
                seen += 1
    assert seen, "no citation found in the chapters"


@pytest.mark.site
def test_reference_names_capitalised_as_published():
    page = (HTML / "references.html").read_text(encoding="utf-8")
    text = _text(re.search(r'<div role="list" class="citation-list">(.*?)</main>', page, flags=re.S).group(1))
    for words in ("Herrendorf, Rogerson and Valentinyi (2014)", "Berthold Herrendorf, Richard Rogerson, and Ákos "
                  "Valentinyi", "Federal Reserve Bank of St. Louis", "U.S. Sales Database", "U.S. Bureau of Labor "
                  "Statistics", "Current Employment Statistics, via FRED", "Office for National Statistics",
                  "Business Register and Employment Survey", "Nomis dataset", "Recording Industry Association of "
                  "America", "Our World in Data", "three US cities", "UK SDG"):
        assert words in text, f"references page lacks {words!r}"
    for wrong in ("herrendorf", "rogerson", "valentinyi", "U.s.", "federal reserve", "st. louis", "nomis dataset",
                  "business register and"):
        assert wrong not in text, f"references page has {wrong!r}"


# --- Chromium ------------------------------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    """(base URL of _build/html served on 127.0.0.1, a Chromium browser)."""
    from playwright.sync_api import sync_playwright

    _pages()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HTML)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        yield f"http://127.0.0.1:{httpd.server_address[1]}", browser
        browser.close()
    httpd.shutdown()


@pytest.mark.browser
@pytest.mark.parametrize("doc", ["chapters/05-prospects.html", "references.html"])
def test_one_search_box_favicon_and_logo_served_nothing_leaves_127_0_0_1(site, doc):
    base, browser = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    statuses: dict[str, int] = {}

    def route(r):
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("response", lambda resp: statuses.__setitem__(urlparse(resp.url).path, resp.status))
    try:
        with page.expect_response(lambda resp: resp.url.endswith("/_static/favicon.svg"), timeout=15_000):
            page.goto(f"{base}/{doc}", wait_until="load")
        page.wait_for_timeout(300)
        assert not outside, f"requests outside 127.0.0.1: {outside}"
        searches = page.locator("input[type=search], .search-button-field, .search-button")
        visible = [i for i in range(searches.count()) if searches.nth(i).is_visible()]
        assert len(visible) == 1, f"{len(visible)} visible search boxes at 1280 px"
        assert statuses.get("/_static/favicon.svg") == 200 and statuses.get("/_static/logo.svg") == 200, statuses
        assert "/favicon.ico" not in statuses, "the browser asked for /favicon.ico"
        assert not {path: s for path, s in statuses.items() if s >= 400}, statuses
        assert page.locator("img.logo__image").first.is_visible()
        assert EDITION in page.locator(".fc-footer").inner_text()
        assert "Jupyter Book community" not in page.content()
    finally:
        context.close()


# --- search: snippets from the prose -----------------------------------------------------------------------

def _search_index() -> dict:
    import json

    text = (HTML / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def _words(fragment: str, shortest: int = 1) -> set[str]:
    return {w.casefold() for w in re.findall(r"[A-Za-z]+", _text(fragment)) if len(w) >= shortest}


@pytest.mark.site
def test_the_search_index_holds_the_prose_not_the_popovers():
    """Words that a chapter's popovers alone use (not its prose, tables or captions) are not indexed for it."""
    from sphinx.search.en import SearchEnglish

    stem = SearchEnglish({}).stem
    index = _search_index()
    assert all(not t.endswith((".ipynb", ".md")) for t in index["titles"]), index["titles"]
    tip = re.compile(r'<span class="fc-fact-tip"[^>]*>.*?</span></span>', flags=re.S)  # a popover: its last line
    checked = 0
    for n, doc in enumerate(index["docnames"]):
        page = (HTML / f"{doc}.html").read_text(encoding="utf-8")
        article = re.search(r'<article class="bd-article">(.*?)</article>', page, flags=re.S).group(1)
        tips = tip.findall(article)
        if not tips:
            continue
        only = {stem(w) for w in _words(" ".join(tips), 4)} - {stem(w) for w in _words(tip.sub(" ", article))}
        for word in only:
            docs = index["terms"].get(word, [])
            assert n not in (docs if isinstance(docs, list) else [docs]), f"{doc}: popover word {word!r} indexed"
            checked += 1
    assert checked, "no popover word to check: the test would prove nothing"


@pytest.mark.browser
@pytest.mark.parametrize("query, width", [("London", 1280), ("manufacturing", 390), ("computerisation", 1280)])
def test_search_snippets_are_prose_and_the_icon_leaves_the_query_clear(site, query, width):
    base, browser = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{base}/search.html?q={query}", wait_until="load")
        page.wait_for_function("document.querySelectorAll('#search-results li p.context').length > 0",
                               timeout=15_000)
        page.wait_for_timeout(500)
        results = page.locator("#search-results li")
        assert results.count() > 0
        for i in range(results.count()):
            title = results.nth(i).locator("a").first.inner_text()
            snippet = results.nth(i).locator("p.context").inner_text()
            assert not title.endswith((".ipynb", ".md")), title
            for glued in (".ipynb", ".pdf", "Source:", "Computed:", "Vintage:", "Contents"):
                assert glued not in snippet, f"{title}: snippet {snippet!r} shows {glued!r}"
            assert query.casefold()[:6] in snippet.casefold(), f"{title}: {snippet!r}"  # a word of its stem
        field = page.locator("article input[type=search], .bd-search-container input[type=search]").first
        icon = page.locator(".bd-search-container .bd-search i, .bd-search-container .bd-search svg").first
        text_left = field.evaluate("el => el.getBoundingClientRect().left + parseFloat(getComputedStyle(el)"
                                   ".paddingLeft)")
        assert icon.bounding_box()["x"] + icon.bounding_box()["width"] <= text_left, "the icon covers the query"
    finally:
        context.close()
