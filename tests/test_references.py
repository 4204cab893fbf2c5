"""The registry's citations, the text's citations and the bibliography held together: every source a chapter reads
(data/sources.yml, as the build recorded which chapter reads which) has a citation key that exists in
data/references.bib and is cited on that chapter's page; every key the text cites exists; the built references
page lists every cited entry, and every citation in a chapter links to one of its entries; entries are complete
(series and number for working papers, publisher and release for data); the works the paper relies on and our
text follows are cited, as the paper's own reference list gives them.

Reads the notebooks, data/ and, for the built pages, ``_build/html`` and ``_build/src`` (built by ``make book``)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from pybtex.database import parse_file

from conftest import PROJECT

BIB = PROJECT / "data" / "references.bib"
HTML = PROJECT / "_build" / "html"
DATA_USE = PROJECT / "_build" / "src" / "_futurecity_data_use.json"  # which chapters read which source
PAPER = PROJECT.parent / "shared" / "paper" / "industry40-future-city.txt"
CHAPTERS = {1: "01-introduction", 2: "02-industry-40", 3: "03-platforms", 4: "04-city-value", 5: "05-prospects",
            6: "06-conclusion"}
REWRITTEN_ELSEWHERE: dict[str, str] = {}  # chapters whose text another change owns (none now)
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
# Works the text relies on (issue 20, item 5): cited, and as the paper's reference list gives them.
RELIED_ON = ["jones_henderson_future_city", "frey_osborne_2017", "arntz_2016", "perez_2009", "doussard_2018",
             "bailey_depropris_2019", "scottish_enterprise_2020",
             # issue 21: the passages of sections 3 and 5 the chapters had left out
             "angelidou_2015", "kitchin_moore_cherry_2020", "shelton_2014", "kitchin_2017", "greenfield_2013",
             "morgan_webb_2020", "zuboff_2015", "zuboff_2019", "jones_munday_2020", "feldman_2020",
             "okazaki_2005", "wells_2004", "chiarvesio_2018", "dachs_2019", "kamp_2019", "kshetri_2017",
             "goodman_2020", "townsend_2013", "mulligan_2020", "wef_gem_2016", "dougherty_2012", "shane_2009",
             "zervas_2017", "rath_2016"]


def _plain(text: str) -> str:
    """A bib or HTML string compared as words: no braces, TeX accents or dashes, case folded."""
    text = text.replace("{\\'A}", "Á").replace("\\'A", "Á").replace("--", "-").replace("\u2013", "-")
    text = unicodedata.normalize("NFC", re.sub(r"[{}\\]", "", text))
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.fixture(scope="module")
def bib():
    return parse_file(str(BIB)).entries


def _sources() -> list[dict]:
    return yaml.safe_load((PROJECT / "data" / "sources.yml").read_text(encoding="utf-8"))["sources"]


def cited(chapter: str) -> set[str]:
    """The keys a chapter's prose cites ({cite:p}, {cite:t}, ...)."""
    nb = nbformat.read(PROJECT / "chapters" / f"{chapter}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return {key.strip() for keys in CITE.findall(text) for key in keys.split(",")}


def _all_cited() -> dict[str, set[str]]:
    pages = {name: cited(name) for name in CHAPTERS.values()}
    pages["references"] = {k.strip() for keys in CITE.findall((PROJECT / "references.md").read_text()) for k in
                           keys.split(",")}
    return pages


def _data_use() -> dict[str, list[str]]:
    assert DATA_USE.is_file(), f"{DATA_USE} is not written: run `make book` first"
    return json.loads(DATA_USE.read_text(encoding="utf-8"))


def test_every_source_names_a_key_of_the_bibliography(bib):
    missing = {s["id"]: s.get("citation") for s in _sources() if s.get("citation") not in bib}
    assert not missing, f"sources whose citation is not in {BIB.name}: {missing}"


def test_every_cited_key_exists(bib):
    unknown = {page: keys - set(bib) for page, keys in _all_cited().items() if keys - set(bib)}
    assert not unknown, unknown


@pytest.mark.site
@pytest.mark.parametrize("number", sorted(CHAPTERS))
def test_each_source_a_chapter_reads_is_cited_on_that_chapter(number):
    chapter = CHAPTERS[number]
    if chapter in REWRITTEN_ELSEWHERE:
        pytest.skip(REWRITTEN_ELSEWHERE[chapter])
    citation = {s["id"]: s["citation"] for s in _sources()}
    reads = sorted(sid for sid, pages in _data_use().items() if f"chapters/{chapter}" in pages)
    assert reads, f"the build records no source read by {chapter}"
    keys = cited(chapter)
    uncited = {sid: citation[sid] for sid in reads if citation[sid] not in keys}
    assert not uncited, f"{chapter} reads these sources but does not cite them: {uncited}"


def _reference_entries() -> dict[str, str]:
    """The built references page: entry anchor -> its text, compared as words."""
    page = HTML / "references.html"
    assert page.is_file(), f"{page} is not built: run `make book` first"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    entries = {div["id"]: _plain(div.get_text(" ")) for div in soup.select('div.citation[role="doc-biblioentry"]')}
    assert entries, "the references page lists no entry"
    return entries


def _matches(entry, text: str) -> bool:
    """Whether a references-page entry's text is the bib entry's: its title, its year and its note."""
    fields = entry.fields
    needed = [fields["title"], *(fields[f] for f in ("year", "note") if f in fields and fields[f] != "n.d.")]
    return all(_plain(part) in text for part in needed)


@pytest.mark.site
def test_the_references_page_lists_every_cited_entry(bib):
    entries = _reference_entries()
    keys = sorted(set().union(*_all_cited().values()) & set(bib))
    missing = [key for key in keys if not any(_matches(bib[key], text) for text in entries.values())]
    assert not missing, f"cited but not listed on the references page: {missing}"


@pytest.mark.site
@pytest.mark.parametrize("chapter", list(CHAPTERS.values()))
def test_every_citation_links_an_entry_of_the_references_page(chapter):
    entries = _reference_entries()
    soup = BeautifulSoup((HTML / "chapters" / f"{chapter}.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in soup.select("span.bibtex-citation a")]
    assert links, f"{chapter} cites nothing"
    dangling = [href for href in links if href.split("#")[-1] not in entries]
    assert not dangling, dangling


def test_entries_are_complete(bib):
    """Working papers name their series and number; data name their publisher and release (year or note) and
    where they are published; every entry has an author (or publishing body), a title and a year or a note."""
    data_keys = {s["citation"] for s in _sources()}
    problems = []
    for key, entry in bib.items():
        f, authors = entry.fields, entry.persons.get("author")
        if not authors or "title" not in f or not ({"year", "note"} & set(f)):
            problems.append(f"{key}: author, title and year or note")
        if "working paper" in f.get("type", "").casefold() and entry.type == "techreport" and "number" not in f:
            if key != "jones_henderson_future_city":  # the paper itself: an undated working paper with no number
                problems.append(f"{key}: a working paper without its number")
        if key in data_keys and not ("howpublished" in f or "url" in f):
            problems.append(f"{key}: data without where they are published")
        if key in data_keys and "year" not in f and "note" not in f:
            problems.append(f"{key}: data without their release")
    assert not problems, problems
    arntz = bib["arntz_2016"].fields
    assert arntz["type"] == "OECD Social, Employment and Migration Working Papers" and "189" in arntz["number"]


def test_works_the_text_relies_on_are_cited_as_the_paper_lists_them(bib):
    pages = _all_cited()
    text_cites = set().union(*(keys for page, keys in pages.items() if page not in REWRITTEN_ELSEWHERE))
    assert not [k for k in RELIED_ON if k not in text_cites], [k for k in RELIED_ON if k not in text_cites]
    references = _plain(PAPER.read_text(encoding="utf-8").split("References", 1)[-1])
    for key in RELIED_ON[1:]:  # the paper itself is not in its own list
        f = bib[key].fields
        title = _plain(f["title"]).split(":")[0]
        surname = _plain(bib[key].persons["author"][0].last_names[0])
        assert title in references, f"{key}: title {title!r} not in the paper's reference list"
        assert re.search(rf"{re.escape(surname)}[^\n]*\({f['year']}\)[^\n]*{re.escape(title[:25])}", references), key


@pytest.mark.parametrize("phrase, key", [("far away machines", "bailey_depropris_2019"),
                                         ("Scottish manufacturers", "scottish_enterprise_2020"),
                                         ("Reshoring is most likely to succeed", "bailey_depropris_2019"),
                                         # issue 21: each passage restored cites the work it rests on
                                         ("Few smart-city schemes", "shelton_2014"),
                                         ("private lives", "zuboff_2015"),
                                         ("home location", "jones_munday_2020"),
                                         ("home location", "feldman_2020"),
                                         ("The micro-factory", "okazaki_2005"),
                                         ("Basque Country", "kamp_2019"),
                                         ("concentration holds back", "feldman_2020"),
                                         ("Internet of Things", "kshetri_2017"),
                                         ("patents measure it", "mulligan_2020"),
                                         ("straight past the city", "wef_gem_2016"),
                                         ("scaling up", "doussard_2018"),
                                         ("home-based businesses", "shane_2009"),
                                         ("coffee shops", "rath_2016"),
                                         ("coffee shops", "zervas_2017")])
def test_a_work_is_cited_where_the_text_uses_it(phrase, key):
    """Each paragraph that uses the work cites it, and there is one."""
    uses = []
    for chapter in CHAPTERS.values():
        if chapter in REWRITTEN_ELSEWHERE:
            continue
        nb = nbformat.read(PROJECT / "chapters" / f"{chapter}.ipynb", as_version=4)
        for cell in (c for c in nb.cells if c.cell_type == "markdown"):
            for paragraph in cell.source.split("\n\n"):
                if phrase in paragraph:
                    keys = {k.strip() for ks in CITE.findall(paragraph) for k in ks.split(",")}
                    uses.append((chapter, key in keys))
    assert uses, f"no paragraph says {phrase!r}"
    assert all(ok for _, ok in uses), f"paragraphs using {phrase!r} without citing {key}: {uses}"


# "Frey and Osborne (2017)" where the authors are the sentence's subject, "(Frey and Osborne, 2017)" elsewhere
TEXTUAL = re.compile(r"^[^()\[\]]+ \((?:\d{4}|n\.d\.)[a-z]?(?:-[a-z])?\)$")
PARENTHETICAL = re.compile(r"^\([^()\[\]]+, (?:\d{4}|n\.d\.)[a-z]?(?:-[a-z])?(?:; [^()\[\]]+, (?:\d{4}|n\.d\.)[a-z]?)*\)$")


@pytest.mark.site
@pytest.mark.parametrize("chapter", list(CHAPTERS.values()))
def test_citations_read_as_author_and_year_in_round_brackets(chapter):
    soup = BeautifulSoup((HTML / "chapters" / f"{chapter}.html").read_text(encoding="utf-8"), "html.parser")
    texts = [re.sub(r"\s+", " ", span.get_text()).strip() for span in soup.select("span.bibtex-citation")]
    odd = [t for t in texts if not (TEXTUAL.match(t) or PARENTHETICAL.match(t))]
    assert texts and not odd, f"{chapter}: citations not in the form 'Author (2017)' or '(Author, 2017)': {odd}"
