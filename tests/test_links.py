"""Every internal link of the built website leads somewhere: each href and src of every page of ``_build/html``
names a file that exists, each #fragment an id (or a name) on the page it points to, and every page is reached
from index.html by following them. Links to other sites are listed but never fetched (no network)."""

from __future__ import annotations

import html.parser
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import PROJECT

HTML = PROJECT / "_build" / "html"
LINKING = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src", "source": "src",
           "iframe": "src", "embed": "src"}


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.targets: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.targets.add(attrs[key])
        if tag in LINKING and attrs.get(LINKING[tag]):
            self.links.append(attrs[LINKING[tag]].strip())
        elif tag == "form" and attrs.get("action"):
            self.links.append(attrs["action"].strip())
        elif tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":  # index.html's redirect
            url = (attrs.get("content") or "").partition("url=")[2].strip()
            if url:
                self.links.append(url)

    handle_startendtag = handle_starttag


def _parse(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> tuple[list[str], int, set[str]]:
    """(every broken internal link as 'page: link (why)', how many internal links were checked, the external
    URLs seen), with every page that index.html does not lead to reported as 'page: not reached from
    index.html'. The pages are every .html file outside ``_static`` (whose .html files are the theme's template
    macros, not pages); only files inside ``site`` are read."""
    site = site.resolve()
    pages = {p: _parse(p) for p in sorted(site.rglob("*.html")) if "_static" not in p.relative_to(site).parts}
    broken, checked, external = [], 0, set()
    reached: dict[Path, set[Path]] = {}  # page -> the pages it links to
    for page, parsed in pages.items():
        reached[page] = set()
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                if parts.scheme in ("http", "https"):
                    external.add(link)
                continue
            checked += 1
            where = f"{page.relative_to(site).as_posix()}: {link}"
            if parts.path:
                target = Path(posixpath.normpath(posixpath.join(page.parent.as_posix(), unquote(parts.path))))
                if parts.path.endswith("/"):
                    target = target / "index.html"
            else:
                target = page
            if site not in (target, *target.parents):
                broken.append(f"{where} (outside the site)")
                continue
            if not target.is_file():
                broken.append(f"{where} (no such file)")
                continue
            reached[page].add(target)
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                parsed_target = pages.get(target) or _parse(target)
                if fragment not in parsed_target.targets:
                    broken.append(f"{where} (no id {fragment!r} in {target.name})")
    seen, todo = set(), [site / "index.html"]
    while todo:
        page = todo.pop()
        if page in reached and page not in seen:
            seen.add(page)
            todo.extend(reached[page])
    broken += [f"{p.relative_to(site).as_posix()}: not reached from index.html" for p in pages if p not in seen]
    return broken, checked, external


@pytest.mark.site
def test_every_internal_link_and_anchor_resolves_and_every_page_is_reached():
    assert (HTML / "index.html").is_file(), f"{HTML} has no built book: run `make book` first"
    broken, checked, _ = broken_links(HTML)
    assert checked > 100, f"only {checked} internal links found"
    assert not broken, "broken internal links:\n" + "\n".join(broken[:50])


def test_the_check_finds_missing_files_missing_anchors_and_escapes(tmp_path: Path):
    site = tmp_path / "html"
    (site / "chapters").mkdir(parents=True)
    (site / "_static").mkdir()
    (site / "_static" / "a.css").write_text("")
    (site / "index.html").write_text(
        '<a href="chapters/one.html#kept">ok</a><a href="chapters/one.html#gone">bad anchor</a>'
        '<a href="chapters/two.html">missing page</a><a href="#top">ok</a><a id="top"></a>'
        '<a href="https://example.org/x">external</a><a href="mailto:a@b">mail</a>'
        '<link rel="stylesheet" href="_static/a.css"><img src="_static/missing.png">'
        '<a href="../outside.html">escapes</a><a href="chapters/">folder without index</a>')
    (site / "chapters" / "one.html").write_text(
        '<h2 id="kept">Kept</h2><a href="../index.html#top">back</a><a href="#nowhere">self</a>'
        '<a href="one%20x.html">quoted</a>')
    (site / "chapters" / "one x.html").write_text("<p>a space in the name</p>")
    (site / "orphan.html").write_text('<meta http-equiv="Refresh" content="0; url=index.html#top" />')
    broken, checked, external = broken_links(site)
    assert external == {"https://example.org/x"}
    assert checked == 12
    assert sorted(broken) == sorted([
        "index.html: chapters/one.html#gone (no id 'gone' in one.html)",
        "index.html: chapters/two.html (no such file)",
        "index.html: _static/missing.png (no such file)",
        "index.html: ../outside.html (outside the site)",
        "index.html: chapters/ (no such file)",
        "chapters/one.html: #nowhere (no id 'nowhere' in one.html)",
        "orphan.html: not reached from index.html",
    ])
