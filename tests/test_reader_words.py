"""The chapters speak the reader's words, not the build's: no file path, registry id, claim-engine term or build
word ("pinned", "ledger", "snapshot", "when the chapter runs") and no machine string ("(file: ...)", "(C2-1: 50.1,
status: ...)", "(its version: ...)") in what a reader reads on a chapter page: the prose, lists, tables, captions,
the charts' descriptions (their text alternative) and the first line of every number's popover. The footer names
no file as code. Narrative citations are not doubled ("Frey and Osborne [Frey and Osborne, 2017]").

Reads ``_build/html`` (built by ``make book``). Code cells are not reader text; the popovers' later lines (vintage,
computation) are the provenance a reader asks for and may name a release by its label. The Data page is rewritten
by another piece of work and is not read here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import PROJECT

HTML = PROJECT / "_build" / "html"
CHAPTERS = ["01-introduction", "02-industry-40", "03-platforms", "04-city-value", "05-prospects", "06-conclusion"]
REWRITTEN_ELSEWHERE: dict[str, str] = {}  # a page whose words are being rewritten, with the reason it is skipped

# words about how the book is built, not about the paper, the data or the code
BUILD_WORDS = [
    r"\bpinned\b", r"\bpin\b", r"\bledger\b", r"\bsnapshots?\b", r"when the chapter runs", r"when (it|the chapter) is run",
    r"\bthe chapter runs\b", r"\bthis build\b", r"\blive pulls?\b", r"\bpulled live\b", r"\bclaims? engine\b",
    r"release tables were at hand", r"not every section is here yet", r"section still to come",
    r"chapters published so far", r"\bregistry\b", r"\bglued?\b", r"\bFact\b", r"\bvintage id\b",
]
# machine strings in sentences
MACHINE_STRINGS = [
    r"\(file: ", r"\bits version: ", r"\(C\d-\d+[a-z]?: ", r"\bstatus: [a-z]", r"\(release: ",
    r"\(vintages?: ", r"\bsha256\b",
]
FILE_PATH = re.compile(
    r"(?<![\w/])(?:[\w.-]+/)*[\w-]+\.(?:csv|ya?ml|json|ipynb|py|bib|md|xlsx?|rds|zip|txt|html)\b"
    r"|\b(?:data|src|chapters|tests|_build|_templates)/[\w./-]*")


def _source_ids() -> list[str]:
    sources = yaml.safe_load((PROJECT / "data" / "sources.yml").read_text(encoding="utf-8"))["sources"]
    return [s["id"] for s in sources]


def reader_text(page: Path) -> str:
    """What a reader reads in a page's article: prose, lists, tables and captions, each chart's text alternative
    and each popover's first line; no code cell, script or heading anchor."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup.select_one("main")
    assert article is not None, f"{page.name}: no article"
    for node in article.select("script, style, .cell_input, a.headerlink, button"):
        node.decompose()
    for tip in article.select(".fc-fact-tip"):
        for line in tip.select(".fc-fact-line")[1:]:
            line.decompose()
        tip.insert(0, " [")
        tip.append("] ")
    labels = [node["aria-label"] for node in article.select("[aria-label]")]
    return re.sub(r"\s+", " ", " ".join([article.get_text(" "), *labels])).strip()


def _found(text: str, pattern: str, flags=0) -> list[str]:
    return [text[max(m.start() - 70, 0): m.end() + 70] for m in re.finditer(pattern, text, flags)]


def _chapter(name: str) -> str:
    if name in REWRITTEN_ELSEWHERE:
        pytest.skip(REWRITTEN_ELSEWHERE[name])
    page = HTML / "chapters" / f"{name}.html"
    assert page.is_file(), f"{page} is not built: run `make book` first"
    return reader_text(page)


@pytest.mark.site
@pytest.mark.parametrize("name", CHAPTERS)
def test_no_build_words(name):
    text = _chapter(name)
    found = {p: _found(text, p, re.I) for p in BUILD_WORDS}
    assert not any(found.values()), {p: hits for p, hits in found.items() if hits}


@pytest.mark.site
@pytest.mark.parametrize("name", CHAPTERS)
def test_no_machine_strings(name):
    text = _chapter(name)
    found = {p: _found(text, p) for p in MACHINE_STRINGS}
    assert not any(found.values()), {p: hits for p, hits in found.items() if hits}


@pytest.mark.site
@pytest.mark.parametrize("name", CHAPTERS)
def test_no_file_paths(name):
    text = _chapter(name)
    assert not _found(text, FILE_PATH.pattern), _found(text, FILE_PATH.pattern)


@pytest.mark.site
@pytest.mark.parametrize("name", CHAPTERS)
def test_no_registry_ids(name):
    text = _chapter(name)
    found = {sid: _found(text, rf"(?<![\w-]){re.escape(sid)}(?![\w-])") for sid in _source_ids()}
    assert not any(found.values()), {sid: hits for sid, hits in found.items() if hits}


@pytest.mark.site
@pytest.mark.parametrize("name", CHAPTERS)
def test_narrative_citations_are_not_doubled(name):
    """"Frey and Osborne [Frey and Osborne, 2017]": the authors named in the sentence and again in the citation
    (write {cite:t} there)."""
    if name in REWRITTEN_ELSEWHERE:
        pytest.skip(REWRITTEN_ELSEWHERE[name])
    soup = BeautifulSoup((HTML / "chapters" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
    doubles = []
    for cite in soup.select("span.bibtex-citation"):
        previous = [s for s in cite.find_all_previous(string=True, limit=12)
                    if not s.find_parent("span", class_="bibtex-citation") and not s.find_parent("script")]
        before = re.sub(r"\s+", " ", "".join(previous[:6][::-1]))[-80:]
        for link in cite.select("a"):
            authors = re.sub(r"\s+", " ", link.get_text()).rsplit(", ", 1)[0].replace(" et al.", "")
            surname = authors.split(" and ")[0].split(",")[0].strip()
            if surname and re.search(rf"\b{re.escape(surname)}\b[^.;:]*$", before) and authors in cite.get_text():
                doubles.append(f"...{before} {cite.get_text()}")
    assert not doubles, doubles


@pytest.mark.site
def test_footer_shows_no_file_as_code():
    page = HTML / "chapters" / "01-introduction.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    footer = soup.select_one(".fc-footer")
    assert footer is not None, "no futurecity footer"
    assert not footer.select("code"), [c.get_text() for c in footer.select("code")]
    text = footer.get_text(" ")
    assert not _found(text, FILE_PATH.pattern), _found(text, FILE_PATH.pattern)
    assert not re.search(r"\bLICENSE(-TEXT)?\b", text), text


def test_the_patterns_catch_what_the_issue_quoted():
    """Each pattern can fail: the sentences issue 20 quoted are caught."""
    quoted = ["kept with a reason for each firm in data/platform_firms.csv", "the ledger (data/claims.yml)",
              "the data pinned for this edition", "Every number below is computed when the chapter runs",
              "(file: plotly file of 2019-05-14; OES May 2016)", "(C2-1: 50.1, status: reproduced)",
              "(its version: v3.1 (data to 2016))", "Forbes and HIFLD snapshots",
              "a gap in the numbers is a section still to come"]
    for sentence in quoted:
        hits = ([p for p in BUILD_WORDS if re.search(p, sentence, re.I)]
                + [p for p in MACHINE_STRINGS if re.search(p, sentence)] + FILE_PATH.findall(sentence))
        assert hits, sentence
    assert re.search(r"(?<![\w-])wdi_trade_balance_gbr(?![\w-])", "wdi_trade_balance_gbr: WDI release of 2019")
    assert "wdi_trade_balance_gbr" in _source_ids()


# --- the chapters paraphrase the paper: no long run of its own words -----------------------------------------

PAPER = PROJECT.parent / "shared" / "paper" / "industry40-future-city.txt"
RUN = 12  # consecutive words of the paper that make a quotation rather than a paraphrase
ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")  # {cite:p}`key`, {glue:text}`name:.1f`: not words of the prose


def _words(text: str) -> list[str]:
    """Words compared case-folded, with typographic quotes, dashes and markup set aside."""
    text = ROLE.sub(" ", text).replace("\u2019", "'").replace("\u2018", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.casefold())


def _runs(words: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def quoted_runs(prose: str, paper: str, n: int = RUN) -> list[str]:
    """Each run of ``n`` or more words of ``prose`` that is also in ``paper``, as text (overlapping runs joined)."""
    words, theirs = _words(prose), _runs(_words(paper), n)
    hits = [i for i in range(len(words) - n + 1) if tuple(words[i:i + n]) in theirs]
    found, start, end = [], None, None
    for i in hits:
        if start is not None and i <= end:
            end = i + n
            continue
        if start is not None:
            found.append(" ".join(words[start:end]))
        start, end = i, i + n
    if start is not None:
        found.append(" ".join(words[start:end]))
    return found


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_prose_does_not_copy_the_paper(name):
    """No run of twelve or more consecutive words of the paper in a chapter's prose (its markdown cells): the
    chapters say the argument in their own words."""
    import nbformat

    nb = nbformat.read(PROJECT / "chapters" / f"{name}.ipynb", as_version=4)
    prose = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    paper = PAPER.read_text(encoding="utf-8")
    assert not quoted_runs(prose, paper), quoted_runs(prose, paper)


def test_a_copied_sentence_is_caught():
    """The check can fail: a sentence of the paper's section 5, copied, is found; a paraphrase of it is not."""
    paper = PAPER.read_text(encoding="utf-8")
    copied = ("As the authors put it, the most important example of new and greener consumer technology is thus "
              "being delivered in existing plants.")
    assert quoted_runs(copied, paper) == ["the most important example of new and greener consumer technology is "
                                          "thus being delivered in existing plants"]
    assert not quoted_runs("The greenest new consumer product of the day is being made in old factories.", paper)
    assert quoted_runs("{cite:t}`x` " + "one two three four five six seven eight nine ten eleven twelve",
                       "One two three four five six seven eight nine ten eleven twelve.")
