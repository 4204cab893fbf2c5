"""The Data page (data-sources.md, written by futurecity.site.sources): the sources grouped by the chapters that
read them, each described once in a reader's words first (who, which release, what, licence, the publisher's
page), its technical details folded away, no URL left a template, and readable on a 320 px phone.

What the page should say is worked out here from the registry (data/sources.yml), the claims ledger, the
bibliography and the record of what each chapter read, read independently of the extension's own helpers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT
from test_browser import Visit, _url, browser, server  # noqa: F401  (fixtures)

from futurecity.book.build import toc_files
from futurecity.site import sources as site

HTML = PROJECT / "_build" / "html"
PAGE = HTML / "data-sources.html"
SOURCES = yaml.safe_load((PROJECT / "data" / "sources.yml").read_text(encoding="utf-8"))["sources"]
CLAIMS = yaml.safe_load((PROJECT / "data" / "claims.yml").read_text(encoding="utf-8"))["claims"]
TO_COME = {"us_ces_nsa"}  # kept for the analyses of robustness


def anchor(sid: str) -> str:
    return "source-" + sid.replace("_", "-")


# --- the extension's pieces, on the registry ---------------------------------------------------------------

def test_no_live_request_is_left_a_template_and_a_split_query_gives_each_dataset():
    for source in SOURCES:
        requests = site.live_requests(source)
        assert bool(requests) == bool(source.get("live")), source["id"]
        for _, url in requests:
            assert "{" not in url and "}" not in url and url.startswith("https://"), (source["id"], url)
        parts = (source.get("live") or {}).get("parts")
        if parts:
            assert [u for _, u in requests] == [
                source["live"]["base_url"] + source["live"]["path"].replace("{dataset}", p["dataset"]) for p in parts]


def test_a_template_the_page_cannot_fill_is_an_error():
    with pytest.raises(ValueError, match="template"):
        site.live_requests({"id": "x", "live": {"base_url": "https://a.example", "path": "/d/{dataset}.csv"}})


def test_the_publishers_page_is_the_bibliography_entrys_url():
    bib = (PROJECT / "data" / "references.bib").read_text(encoding="utf-8")
    pages = site.publisher_pages([PROJECT / "data" / "references.bib"])
    for source in SOURCES:
        entry = re.search(r"@\w+\{" + re.escape(source["citation"]) + r",(.*?)\n\}", bib, flags=re.S)
        assert entry, f"{source['id']}: no bibliography entry {source['citation']}"
        url = re.search(r"\\url\{([^}]+)\}|\burl\s*=\s*\{([^}]+)\}|\bdoi\s*=\s*\{([^}]+)\}", entry.group(1))
        if url:
            want = url.group(1) or url.group(2) or f"https://doi.org/{url.group(3)}"
            assert pages[source["citation"]] == want, source["id"]


# --- the built page --------------------------------------------------------------------------------------------

def _soup():
    from bs4 import BeautifulSoup

    assert PAGE.is_file(), f"{PAGE} missing: build the book first (make test does)"
    return BeautifulSoup(PAGE.read_text(encoding="utf-8"), "html.parser")


def _use() -> dict[str, list[str]]:
    use = json.loads((PROJECT / "_build" / "src" / "_futurecity_data_use.json").read_text(encoding="utf-8"))
    assert use, "no chapter read a source"
    return use


def _said(node) -> str:
    return " ".join(node.get_text().split())


def _fields(dl) -> dict[str, object]:
    return {dt.get_text(" ", strip=True).removesuffix(":").strip(): dt.find_next_sibling("dd")
            for dt in dl.find_all("dt", recursive=False)}


@pytest.mark.site
def test_sources_are_grouped_by_chapter_in_reading_order_each_described_once_and_linked_from_later_chapters():
    soup, use = _soup(), _use()
    chapters = [d for d in toc_files(PROJECT) if any(d in docs for docs in use.values())]
    groups = soup.select("section.fc-sources-chapter")
    by_chapter = groups[:len(chapters)]
    assert len(by_chapter) == len(chapters)
    first: dict[str, str] = {}
    for doc, group in zip(chapters, by_chapter):
        lead = group.find("p")
        assert lead.find("a", href=re.compile(rf"^{re.escape(doc)}\.html$")), f"{doc}: its group does not link it"
        read = [s["id"] for s in SOURCES if doc in use.get(s["id"], [])]
        own = {e["id"] for e in group.select("section.fc-source")}
        linked = {a["href"].split("#")[1] for a in group.select("ul.fc-sources-again a[href]")}
        for sid in read:
            if sid in first:
                assert anchor(sid) in linked and anchor(sid) not in own, f"{doc}: {sid} not linked to its entry"
            else:
                assert anchor(sid) in own, f"{doc}: {sid} is not described under the first chapter that reads it"
                first[sid] = doc
        assert own | linked == {anchor(s) for s in read}, doc
    entries = soup.select("section.fc-source")
    assert sorted(e["id"] for e in entries) == sorted(anchor(s["id"]) for s in SOURCES), "each source once"


@pytest.mark.site
def test_every_entry_speaks_to_the_reader_first_and_folds_the_technical_details():
    soup = _soup()
    text = soup.select_one("article").get_text(" ")
    assert "{dataset}" not in PAGE.read_text(encoding="utf-8") and "no chapter of this build" not in text
    for source in SOURCES:
        entry = soup.find("section", id=anchor(source["id"]))
        heading = entry.find(re.compile("^h[1-6]$")).get_text(" ", strip=True).rstrip("#").strip()
        assert heading == source["title"] and source["id"] not in heading, heading
        reader, folded = entry.find("dl", recursive=False), entry.find("details", recursive=False)
        assert reader is not None and folded is not None and folded.find("summary").get_text() == "Technical details"
        assert not folded.has_attr("open"), f"{source['id']}: the details are not folded"
        fields = _fields(reader)
        assert list(fields)[:1] == ["Published by"], list(fields)
        assert _said(fields["Published by"]) == source["publisher"]
        assert _said(fields["Licence"]) == source["licence"]
        release = (source.get("snapshot") or {}).get("vintage") or source["live"]["vintage"]
        assert _said(fields["Release"]) == release
        reader_text = reader.get_text(" ")
        technical = _fields(folded.find("dl"))
        assert technical["Registry id"].get_text(strip=True) == source["id"]
        if source.get("snapshot"):
            snap = source["snapshot"]
            assert snap["sha256"] not in reader_text and technical["SHA-256"].get_text(strip=True) == snap["sha256"]
            for key, label in (("public_copy", "Public copy"), ("derived_from", "Derived from")):
                if snap.get(key):
                    assert technical[label].find("a")["href"] == snap[key]
        for dd in technical.values():
            for a in dd.find_all("a"):
                assert "{" not in a["href"], a["href"]


@pytest.mark.site
def test_a_source_no_chapter_reads_says_when_it_is_read():
    soup, use = _soup(), _use()
    unread = [s for s in SOURCES if s["id"] not in use]
    live_only = {s["id"] for s in unread if not s.get("snapshot")}
    assert {s["id"] for s in unread} - live_only == TO_COME, "a source no chapter reads: read it, or remove it"
    for sid in TO_COME:
        said = _fields(soup.find("section", id=anchor(sid)).find("dl"))["Read in"].get_text(" ", strip=True)
        assert "analyses to come" in said and "newer data" in said and "robust" in said, said
    for sid in live_only:
        said = _fields(soup.find("section", id=anchor(sid)).find("dl"))["When read"]
        needs = [c for c in CLAIMS if sid in (c.get("sources") or [])]
        assert needs, f"{sid}: no claim reads this live-only source"
        for claim in needs:
            doc = next(d for d in toc_files(PROJECT) if Path(d).name.startswith(f"{int(claim['chapter']):02d}-"))
            assert said.find("a", href=f"{doc}.html"), f"{sid}: does not link chapter {claim['chapter']}"
            assert claim["id"] in said.get_text() and "live data" in said.get_text()


# --- in Chromium -----------------------------------------------------------------------------------------------

# Every word of the entries' labels and of the values a reader reads first (not the URLs, checksums and file names
# of the technical details, which may wrap anywhere): the lines its text takes. A word broken across lines, at a
# hyphen or not, has boxes at two heights; a label squeezed to a letter a line has one per letter.
WORDS_JS = """() => {
  const out = [], walker = document.createTreeWalker(document.querySelector('.bd-article'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // the labels of every list, and the values a reader reads first (the technical ones may wrap anywhere)
    if (!el.closest('section.fc-source dt, section.fc-source > dl dd') || el.closest('a, code')) continue;
    if (el.closest('details:not([open]) > dl') || !el.getClientRects().length) continue;
    for (const m of node.textContent.matchAll(/\\S+/g)) {
      const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(r.getClientRects()).filter(b => b.width > 0).map(b => Math.round(b.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
  return out; }"""
OVERFLOW_JS = """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
  Array.from(document.querySelectorAll('.bd-article *')).filter(el => {
    const r = el.getBoundingClientRect(); return r.width > 0 && r.right > document.documentElement.clientWidth + 0.5;
  }).map(el => el.tagName + ' ' + el.textContent.slice(0, 40))]"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_data_page_reads_on_a_phone_and_a_laptop(browser, server, width):  # noqa: F811  (the fixtures)
    visit = Visit(browser, _url(server, PAGE), viewport={"width": width, "height": 800})
    page = visit.page
    try:
        for opened in (False, True):
            if opened:
                page.evaluate("document.querySelectorAll('details.fc-source-details').forEach(d => d.open = true)")
            scroll, client, wide = page.evaluate(OVERFLOW_JS)
            assert scroll <= client and wide == [], f"{width} px, details open: {opened}: {scroll} > {client}: {wide}"
            broken = page.evaluate(WORDS_JS)
            assert broken == [], f"{width} px, details open: {opened}: words broken across lines: {broken[:20]}"
        labels = page.evaluate("""() => Array.from(document.querySelectorAll('section.fc-source dt')).map(dt =>
            [dt.textContent.trim(), dt.getBoundingClientRect().width, dt.scrollWidth])""")
        assert labels and all(w >= sw - 0.5 for _, w, sw in labels), labels
        page.evaluate("document.querySelectorAll('details.fc-source-details').forEach(d => d.open = false)")
        summary = page.locator("section.fc-source details > summary").first
        summary.focus()
        page.keyboard.press("Enter")  # the keyboard opens the details
        assert page.locator("section.fc-source details").first.evaluate("d => d.open")
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()
