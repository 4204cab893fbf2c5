"""Every number the prose quotes explains itself: on the built website each ``{glue:text}`` value is a focusable
element whose popover gives the sources (linked to their entries on the Data page), the vintage, the computation
in one line and, for a claim's value, the claim's id and status.

What the pages show is compared with the chapters' own Fact objects, opened here in Python on the pinned data (not
with numbers copied from a build), and with the registry of sources (data/sources.yml).
"""

from __future__ import annotations

import html.parser
import importlib
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import PROJECT
from test_browser import browser, server  # noqa: F401  (fixtures)

from futurecity.book.build import toc_files
from futurecity.chapters import common
from futurecity.data import registry
from futurecity.facts import Fact

HTML = PROJECT / "_build" / "html"
SCOREBOARD_PAGE = "06-conclusion.html"  # the claims table of every claim, one row id="claim-<id>" each
CHAPTERS = [doc for doc in toc_files(PROJECT) if (PROJECT / f"{doc}.ipynb").is_file()]
USE = re.compile(r"\{glue:text\}`([^`]+)`")
PLAIN_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")


# --- what the chapters say, from Python ---------------------------------------------------------------------

def prose_uses(doc: str) -> list[tuple[str, str]]:
    """(key, format spec) of every {glue:text} in the chapter's markdown, in reading order."""
    nb = nbformat.read(PROJECT / f"{doc}.ipynb", as_version=4)
    uses = []
    for text in USE.findall("\n".join(c.source for c in nb.cells if c.cell_type == "markdown")):
        key, _, spec = text.partition(":")
        uses.append((key, spec))
    return uses


@cache
def opened(doc: str):
    """The chapter object the notebook opens (its module named in its own code), on the pinned data."""
    nb = nbformat.read(PROJECT / f"{doc}.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    module = re.search(r"from futurecity\.chapters import (\w+)", code).group(1)
    return importlib.import_module(f"futurecity.chapters.{module}").open()


def shown(value, spec: str) -> str:
    """A value as the prose pastes it with format ``spec`` (Python's format mini-language; none: as text)."""
    if not spec or spec.endswith("s"):
        return format(str(value), spec)
    return format(int(value) if spec[-1] in "bcdoxX" else float(value), spec)


def expected_lines(fact: Fact, status: str | None) -> dict[str, str]:
    """The popover's lines (label -> text) the Fact calls for, sources aside (checked with their links)."""
    lines = {"Computed": fact.about}
    if fact.vintage:  # each source's label without its id: the Source line names the sources in that order
        vintage = fact.vintage
        for sid in fact.sources:
            vintage = vintage.replace(f"{sid}: ", "")
        lines["Vintage"] = vintage
    if fact.claim:
        lines["Claim"] = f"{fact.claim}, status: {status}"
    return lines


def statuses(chapter) -> dict[str, str]:
    return {r["id"]: r["status"] for r in chapter.results}


# --- what the pages show, from their HTML -------------------------------------------------------------------

class _Facts(html.parser.HTMLParser):
    """Every span.fc-fact of a page: key, value, popover lines (label -> text), links (href, text); and how many
    span.pasted-text it holds outside one."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.facts: list[dict] = []
        self.stray = 0
        self.stack: list[set[str]] = []  # classes of the open spans
        self.link: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "span":
            if classes & {"fc-fact", "fc-fact-plain"}:
                self.facts.append({"key": attrs.get("data-fact"), "value": "", "lines": {}, "links": [],
                                   "describedby": None, "tip": None, "tabindex": None,
                                   "plain": "fc-fact-plain" in classes})
            if "fc-fact-plain" in classes:  # the pasted value itself, with no popover
                self.facts[-1].update(tabindex=attrs.get("tabindex"))
            if "pasted-text" in classes and not (classes & {"fc-fact-plain"}) and not any(
                    c & {"fc-fact", "fc-fact-plain"} for c in self.stack):
                self.stray += 1
            if "fc-fact-value" in classes:
                self.facts[-1].update(describedby=attrs.get("aria-describedby"), tabindex=attrs.get("tabindex"))
            if "fc-fact-tip" in classes:
                self.facts[-1]["tip"] = attrs.get("id")
            if "fc-fact-line" in classes:
                self.facts[-1]["lines"][None] = ""
            self.stack.append(classes)
        elif tag == "a" and self.inside("fc-fact-tip"):
            self.link = {"href": attrs.get("href", ""), "text": ""}
            self.facts[-1]["links"].append(self.link)

    def handle_endtag(self, tag):
        if tag == "span" and self.stack:
            classes = self.stack.pop()
            if "fc-fact-line" in classes:  # "Label: text" becomes lines[label] = text
                label, _, text = self.facts[-1]["lines"].pop(None).partition(": ")
                self.facts[-1]["lines"][label] = text
        elif tag == "a":
            self.link = None

    def handle_data(self, data):
        if self.inside("fc-fact-value") or self.inside("fc-fact-plain"):
            self.facts[-1]["value"] += data
        if self.inside("fc-fact-line"):
            self.facts[-1]["lines"][None] += data
        if self.link is not None:
            self.link["text"] += data

    def inside(self, cls: str) -> bool:
        return any(cls in c for c in self.stack)


def page_facts(doc: str) -> _Facts:
    page = HTML / f"{doc}.html"
    if not page.is_file():
        pytest.fail(f"{page} missing: build the book first (make test does)")
    parser = _Facts()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@cache
def data_page_sources() -> dict[str, str]:
    """{anchor on the Data page: the source id whose entry it opens}."""
    text = (HTML / "data-sources.html").read_text(encoding="utf-8")
    entries = re.findall(r'<section class="fc-source" id="([^"]+)">', text)
    by_anchor = {"source-" + sid.replace("_", "-"): sid for sid in registry.sources()}
    return {a: by_anchor[a] for a in entries}


# --- the tests ------------------------------------------------------------------------------------------------

def test_the_provenance_record_is_the_facts_own():
    """The record glued beside the values holds each Fact's own words, and a claim's status from the results; a
    claim the chapter did not evaluate, or a fact named like the record, is an error, never a silent gap."""
    facts = {"a": Fact(1.5, "growth of x, GB, 2015 to 2019", ("bres_employment",), "bres_employment: 2023", "C5-8a"),
             "b": Fact(2015, "first year of the window")}
    record = common.provenance(facts, [{"id": "C5-8a", "status": "reproduced"}]).record
    assert record == {
        "a": {"about": "growth of x, GB, 2015 to 2019", "sources": ["bres_employment"],
              "vintage": "bres_employment: 2023", "claim": "C5-8a", "status": "reproduced"},
        "b": {"about": "first year of the window", "sources": [], "vintage": "", "claim": None, "status": None}}

    assert json.loads(repr(common.provenance(facts, [{"id": "C5-8a", "status": "differs"}])))["a"]["status"] == \
        "differs"
    with pytest.raises(KeyError, match="C5-8a"):
        common.provenance(facts, [])
    with pytest.raises(KeyError, match=common.PROVENANCE_KEY):
        common.glue({common.PROVENANCE_KEY: facts["b"]})


def test_the_vintage_line_drops_only_the_ids_of_the_facts_own_sources():
    from futurecity.site import facts as site

    two = "berd_release_2017: BERD 2017 release (ONS); gdp_deflator: ONS release of 30 June 2025"
    assert site._vintage_text(two, ["berd_release_2017", "gdp_deflator"]) == \
        "BERD 2017 release (ONS); ONS release of 30 June 2025"
    assert site._vintage_text("other: x; a: y: z", ["a"]) == "other: x; y: z"


def test_the_website_reads_the_record_under_the_key_the_chapters_glue_it():
    from futurecity.site import facts as site

    assert site.PROVENANCE_KEY == common.PROVENANCE_KEY


@pytest.mark.site
@pytest.mark.parametrize("doc", CHAPTERS)
def test_every_pasted_number_on_every_chapter_page_carries_its_facts_provenance(doc):
    chapter, uses, page = opened(doc), prose_uses(doc), page_facts(doc)
    assert uses, f"{doc} quotes no fact"
    assert page.stray == 0, f"{doc}: {page.stray} pasted value(s) with no provenance"
    assert [f["key"] for f in page.facts] == [key for key, _ in uses], f"{doc}: pasted values and prose differ"
    anchors, status = data_page_sources(), statuses(chapter)
    scoreboard = (HTML / "chapters" / SCOREBOARD_PAGE).read_text(encoding="utf-8")
    scoreboard_rows = set(re.findall(r'<tr class="fc-claim" id="(claim-[^"]+)"', scoreboard))
    assert anchors, "the Data page lists no source"
    for got, (key, spec) in zip(page.facts, uses):
        fact, where = chapter.facts[key], f"{doc}: {key}"
        assert got["value"].translate(PLAIN_QUOTES) == shown(fact.value, spec), where  # prose has curly quotes
        if not fact.sources:  # from no data (a year of a window, a count of the book, the paper's own figure)
            assert got["plain"] and got["tip"] is None and got["tabindex"] is None and not got["lines"], where
            continue
        assert not got["plain"], f"{where}: a number read from data has no popover"
        assert got["tabindex"] == "0" and got["tip"] and got["describedby"] == got["tip"], where
        lines = dict(got["lines"])
        label = "Source" if len(fact.sources) == 1 else "Sources"
        source_line = lines.pop(label, None)
        assert source_line is not None, f"{where}: no {label!r} line in {got['lines']}"
        assert lines == expected_lines(fact, status.get(fact.claim)), where
        linked, claims = {}, []
        for link in got["links"]:
            path, _, anchor = link["href"].partition("#")
            on_scoreboard = not path and f"{doc}.html".endswith(SCOREBOARD_PAGE)  # a link within that page
            if on_scoreboard or urlsplit(path).path.endswith(SCOREBOARD_PAGE):  # the claim's row among all claims
                claims.append(anchor)
                continue
            assert urlsplit(path).path.endswith("data-sources.html"), f"{where}: {link}"
            linked[anchors.get(anchor)] = link["text"]  # the source whose entry the link opens
        assert claims == ([f"claim-{fact.claim}"] if fact.claim else []), f"{where}: {got['links']}"
        assert not claims or claims[0] in scoreboard_rows, f"{where}: the scoreboard has no row {claims[0]}"
        assert sorted(linked) == sorted(fact.sources), f"{where}: links {got['links']}"
        for sid in fact.sources:
            src = registry.get(sid)
            assert linked[sid] == src.title and f"{src.title}, {src.publisher}" in source_line, where
    tips = [f["tip"] for f in page.facts if not f["plain"]]
    assert len(set(tips)) == len(tips), f"{doc}: popover ids repeat"


# --- in Chromium ----------------------------------------------------------------------------------------------

CHAPTER5 = "chapters/05-prospects"
SCREENSHOTS = PROJECT / "_build" / "screenshots"

# The colours a popover is drawn in, as [r, g, b] of its text and of its background.
COLOURS_JS = """el => { const cs = getComputedStyle(el), rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  return [rgb(cs.color), rgb(cs.backgroundColor)]; }"""


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast ratio of two sRGB colours."""
    def lum(c):
        c = [v / 255 for v in c]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def claim_value_in_chapter5() -> tuple[str, Fact, str]:
    """The first fact chapter 5's prose quotes that is a claim's value read from data: (key, Fact, status)."""
    chapter = opened(CHAPTER5)
    key = next(k for k, _ in prose_uses(CHAPTER5)
               if chapter.facts[k].claim and chapter.facts[k].sources and chapter.facts[k].vintage)
    return key, chapter.facts[key], statuses(chapter)[chapter.facts[key].claim]


@pytest.mark.browser
@pytest.mark.parametrize("width, dark", [(1280, False), (390, False), (390, True)])
def test_chapter5_tab_to_a_claims_value_shows_its_source_vintage_and_status_and_escape_hides_it(
        browser, server, width, dark):  # noqa: F811  (the fixtures)
    from test_browser import Visit, _url

    key, fact, status = claim_value_in_chapter5()
    visit = Visit(browser, _url(server, HTML / f"{CHAPTER5}.html"), viewport={"width": width, "height": 800},
                  dark=dark)
    page = visit.page
    try:
        if dark:
            assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        wrapper = page.locator(f'.fc-fact[data-fact="{key}"]').first
        value, tip = wrapper.locator("> .fc-fact-value"), wrapper.locator("> .fc-fact-tip")
        assert not tip.is_visible(), "the popover shows before the number is focused"
        # Tab from the start of the number's paragraph (or list item) until the number has the focus
        value.evaluate("el => { const b = el.closest('li, p'); b.tabIndex = -1; b.scrollIntoView(); b.focus(); }")
        for _ in range(12):
            page.keyboard.press("Tab")
            if value.evaluate("el => document.activeElement === el"):
                break
        else:
            pytest.fail(f"the Tab key never reaches {key}")
        assert tip.is_visible(), "focusing the number shows no popover"
        text = tip.inner_text()
        for sid in fact.sources:
            src = registry.get(sid)
            assert src.title in text and src.publisher in text, text
        assert f"Vintage: {expected_lines(fact, status)['Vintage']}" in text, text
        assert f"Computed: {fact.about}" in text, text
        assert f"Claim: {fact.claim}, status: {status}" in text, text
        assert value.get_attribute("aria-describedby") == tip.get_attribute("id")
        box = tip.bounding_box()
        column = page.evaluate("(({left, right}) => [left, right])(document.querySelector('.bd-article')"
                               ".getBoundingClientRect())")
        assert max(0, column[0] - 0.5) <= box["x"] and box["x"] + box["width"] <= min(column[1], width) + 0.5, \
            f"the popover leaves the article's column {column}: {box}"
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        fg, bg = tip.evaluate(COLOURS_JS)
        assert contrast(fg, bg) >= 4.5, f"popover text {fg} on {bg}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"fact-05-prospects-{width}{'-dark' if dark else ''}.png"))
        # the keyboard reaches the link to the data behind it, and the popover stays while it does
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.closest('.fc-fact-tip') && document.activeElement.href")
        assert href and href.split("#")[0].endswith("/data-sources.html") and "#source-" in href, href
        assert tip.is_visible()
        page.keyboard.press("Shift+Tab")
        assert value.evaluate("el => document.activeElement === el") and tip.is_visible()
        page.keyboard.press("Escape")
        assert not tip.is_visible(), "Escape does not hide the popover"
        assert value.evaluate("el => document.activeElement === el"), "Escape moved the focus"
        # the pointer: hovering shows the popover again, leaving hides it
        value.hover()
        assert tip.is_visible(), "hovering the number shows no popover"
        page.mouse.move(1, 1)
        value.evaluate("el => el.blur()")
        assert not tip.is_visible()
        assert visit.errors == [] and visit.outside == []
    finally:
        visit.close()


MARK_JS = """() => {
  const weight = el => Number(getComputedStyle(el).fontWeight), link = document.createElement('a');
  link.href = '#'; document.querySelector('.bd-article p').appendChild(link);
  const linkColour = getComputedStyle(link).color; link.remove();
  const marked = Array.from(document.querySelectorAll('.bd-article .fc-fact-value')).map(el => {
    const cs = getComputedStyle(el), around = el.closest('.fc-fact').parentElement;  // bold only in bold text
    return {weight: weight(el), around: weight(around), line: cs.textDecorationLine, style: cs.textDecorationStyle,
            colour: cs.textDecorationColor, tab: el.tabIndex}; });
  const plain = Array.from(document.querySelectorAll('.bd-article .fc-fact-plain')).map(el => {
    const around = el.parentElement;
    const inner = el.querySelector('.pasted-text') || el;
    return {weight: weight(inner), around: weight(around), line: getComputedStyle(inner).textDecorationLine,
            tab: el.tabIndex, tip: !!el.querySelector('.fc-fact-tip')}; });
  return {linkColour, marked, plain}; }"""


@pytest.mark.browser
@pytest.mark.parametrize("doc", CHAPTERS)
def test_only_numbers_read_from_data_are_marked_and_the_mark_is_lighter_than_bold(browser, server, doc):  # noqa: F811
    """A number from data: the text's own weight, a thin dotted underline in the link colour, focusable. A number
    from no data: plain text, not focusable, no popover."""
    from test_browser import Visit, _url

    chapter = opened(doc)
    with_data = [k for k, _ in prose_uses(doc) if chapter.facts[k].sources]
    visit = Visit(browser, _url(server, HTML / f"{doc}.html"), viewport={"width": 1280, "height": 800})
    try:
        got = visit.page.evaluate(MARK_JS)
        assert len(got["marked"]) == len(with_data), doc
        assert len(got["plain"]) == len(prose_uses(doc)) - len(with_data), doc
        assert sum(m["weight"] < 600 for m in got["marked"]) > len(got["marked"]) / 2, doc  # mostly in plain text
        for mark in got["marked"]:
            assert mark["weight"] == mark["around"], f"{doc}: {mark}"
            assert mark["line"] == "underline" and mark["style"] == "dotted", f"{doc}: {mark}"
            assert mark["colour"] == got["linkColour"] and mark["tab"] == 0, f"{doc}: {mark}"
        for plain in got["plain"]:
            assert plain["weight"] == plain["around"] and plain["line"] == "none", f"{doc}: {plain}"
            assert plain["tab"] == -1 and not plain["tip"], f"{doc}: {plain}"
    finally:
        visit.close()


# --- the extension itself, on a tiny book -------------------------------------------------------------------

def _glued(name: str, value) -> dict:
    """A notebook output as myst_nb.glue(name, value, display=False) writes it."""
    from myst_nb.ext.glue import GLUE_PREFIX

    return nbformat.v4.new_output("display_data", data={GLUE_PREFIX + "text/plain": repr(value)},
                                  metadata={"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}})


def _page(path: Path, prose: str, facts: dict[str, Fact], record: dict[str, Fact] | None, results=()) -> None:
    outputs = [_glued(name, fact.value) for name, fact in facts.items()]
    if record is not None:
        outputs.append(_glued(common.PROVENANCE_KEY, common.provenance(record, list(results))))
    cell = nbformat.v4.new_code_cell("ch.glue()", outputs=outputs, execution_count=1)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {path.stem}\n\n{prose}"), cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.mark.build
def test_a_pasted_name_with_no_fact_fails_the_build_and_a_fact_links_its_source(tmp_path):
    """Sphinx with the site extension on three pages: one whose facts all have provenance (built, with its
    popover linking the source's entry on the Data page), one pasting a name its record lacks, one with no record
    at all. The last two are warnings, which the book's build (warnings are errors) turns into a failure."""
    book = tmp_path / "book"  # the HTML goes beside it (myst-nb writes a folder next to the output)
    book.mkdir()
    (book / "data").mkdir()
    shutil.copy(PROJECT / "data" / "sources.yml", book / "data" / "sources.yml")
    (book / "_futurecity_data_use.json").write_text("{}", encoding="utf-8")
    (book / "conf.py").write_text(
        "extensions = ['myst_nb', 'futurecity.site.sources', 'futurecity.site.facts']\n"
        "nb_execution_mode = 'off'\n", encoding="utf-8")
    (book / "index.md").write_text("# Book\n\n```{toctree}\ngood\nunknown\nbare\ndata\n```\n", encoding="utf-8")
    (book / "data.md").write_text("# Data\n\n```{futurecity-sources}\n```\n", encoding="utf-8")
    growth = Fact(1.234, "growth of SIC 10-33 employment, GB, 2015 to 2019", ("bres_employment",),
                  "bres_employment: a release", "C5-8a")
    year = Fact(2015, "first year of the window")
    _page(book / "good.ipynb", "Grew {glue:text}`growth:.1f`% from {glue:text}`year`.",
          {"growth": growth, "year": year}, {"growth": growth, "year": year}, [{"id": "C5-8a", "status": "differs"}])
    _page(book / "unknown.ipynb", "From {glue:text}`year` to {glue:text}`stray`.",
          {"year": year, "stray": year}, {"year": year})
    _page(book / "bare.ipynb", "From {glue:text}`year`.", {"year": year}, None)
    done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(book),
                           str(tmp_path / "out")], check=False, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert [w for w in warnings if "good.ipynb" in w] == []
    assert any("unknown.ipynb" in w and "'stray'" in w and "no Fact" in w for w in warnings), warnings
    assert any("bare.ipynb" in w and "'year'" in w and "no provenance" in w for w in warnings), warnings
    good = _Facts()
    good.feed((tmp_path / "out" / "good.html").read_text(encoding="utf-8"))
    assert good.stray == 0 and [f["key"] for f in good.facts] == ["growth", "year"]
    assert not good.facts[0]["plain"] and good.facts[1]["plain"]  # a year of the window is plain text
    first = good.facts[0]
    assert first["value"] == "1.2" and first["lines"]["Claim"] == "C5-8a, status: differs"
    assert first["lines"]["Computed"] == growth.about and first["lines"]["Vintage"] == "a release"
    assert [link["href"] for link in first["links"]] == ["data.html#source-bres-employment"]
    assert 'id="source-bres-employment"' in (tmp_path / "out" / "data.html").read_text(encoding="utf-8")
    for page in ("unknown", "bare"):  # the number is not pasted bare: it is left out with the warning
        parser = _Facts()
        parser.feed((tmp_path / "out" / f"{page}.html").read_text(encoding="utf-8"))
        assert parser.stray == 0, page
    # a book without the Data page (a chapter alone): the popover names the source, unlinked, with no warning
    (book / "index.md").write_text("# Book\n\n```{toctree}\ngood\n```\n", encoding="utf-8")
    for name in ("unknown.ipynb", "bare.ipynb", "data.md"):
        (book / name).unlink()
    done = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-b", "html", "-q", str(book),
                           str(tmp_path / "alone")], check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "WARNING" not in done.stderr, done.stderr
    alone = _Facts()
    alone.feed((tmp_path / "alone" / "good.html").read_text(encoding="utf-8"))
    assert alone.facts[0]["links"] == [] and registry.get("bres_employment").title in alone.facts[0]["lines"]["Source"]
