"""The website's chrome that _config.yml alone cannot express (a local Sphinx extension, see `local_extensions`).

1. References in author-year style. pybtex labels the bibliography with numbers ([1], [2], ...) or alpha codes
   ([JH]); the style ``futurecity`` (pybtex's ``plain``) labels each entry "Frey and Osborne, 2017",
   "Doussard et al., 2018", "Jones and Henderson, n.d." and sorts the list by the names as printed, then year
   and title (pybtex's own sort puts braced corporate names after every person's name). Two entries with the
   same authors and year get letters ("Office for National Statistics, n.d.-a" / "n.d.-b"), and the citations
   in the text (reference style ``futurecity_author_year``) use the same year and letter as the list, so every
   citation names exactly one entry.
2. The footer's list of data licences, one line per publisher and licence, read from data/sources.yml (the
   registry every chart's caption is drawn from) into the template context as ``futurecity_data_licences``.
3. The Data page: the directive ``futurecity-sources`` writes one block per source of data/sources.yml (title,
   publisher, licence, URL, vintage, sha256 of the pinned snapshot, and the chapters that read it, as
   ``futurecity build`` recorded in ``_futurecity_data_use.json`` beside the staged configuration). Each block's
   anchor ``source-<id>`` is also a label of Sphinx's ``std`` domain, so other pages link to it.
4. Every number the prose quotes with ``{glue:text}`` explains itself: the role, given the chapter's provenance
   record (glued by ``futurecity.chapters.common.glue`` beside the facts' values), pastes the value as a
   focusable element with a popover (CSS in futurecity.css, Escape in futurecity-facts.js): the sources' titles
   and publishers, each linked to its entry on the Data page (named unlinked in a book built without that page),
   the vintage, the computation in one line and, for a claim's value, the claim's id and status. A quoted name
   with no provenance is a warning, so an error of the build (warnings are errors).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import ascii_lowercase

import yaml
from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.ext.glue.utils import glue_warning, retrieve_glue_data
from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.plugin import register_plugin as register_pybtex_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from pybtex.style.template import node
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective
from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
    BasicAuthorYearParentheticalReferenceStyle,
    BasicAuthorYearTextualReferenceStyle,
)
from sphinxcontrib.bibtex.style.referencing.extra_author import ExtraAuthorReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_empty import ExtraEmptyReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_label import ExtraLabelReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_year import ExtraYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join, join2, post_text, pre_text, reference

NO_YEAR = "n.d."
_TEXT = PlainTextBackend()  # one backend for every label: render_as("text") looks it up among all entry points


# --- labels of the bibliography -----------------------------------------------------------------------------

def _plain(latex: str) -> str:
    """BibTeX text as the reader sees it: braces dropped, accents decoded ({\\'A}kos -> Ákos)."""
    return Text.from_latex(latex).render(_TEXT)


def _authors(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [_plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not last:
        return _plain(entry.fields.get("title", entry.key))
    if len(last) == 1:
        return last[0]
    if len(last) == 2:
        return f"{last[0]} and {last[1]}"
    return f"{last[0]} et al."


def _year(entry) -> str:
    return _plain(entry.fields.get("year", "")) or NO_YEAR


class AuthorYearLabelStyle(BaseLabelStyle):
    """"Authors, year" with a letter for entries that would otherwise share a label (in list order)."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        bases = [(_authors(e), _year(e)) for e in entries]
        seen: dict[tuple[str, str], int] = defaultdict(int)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for base in bases:
            counts[base] += 1
        for authors, year in bases:
            if counts[authors, year] == 1:
                yield f"{authors}, {year}"
                continue
            letter = ascii_lowercase[seen[authors, year]]
            seen[authors, year] += 1
            yield f"{authors}, {year}-{letter}" if year == NO_YEAR else f"{authors}, {year}{letter}"


class AuthorYearTitleSorting(BaseSortingStyle):
    """Alphabetical by the authors' names as printed (braces dropped, case ignored), then year (undated first,
    as in APA), then title."""

    def sorting_key(self, entry):
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = tuple(_plain(" ".join(p.prelast_names + p.last_names + p.first_names + p.middle_names)).casefold()
                      for p in persons)
        year = _year(entry)
        return (names, year != NO_YEAR, year, _plain(entry.fields.get("title", "")).casefold())


class FuturecityStyle(PlainStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = AuthorYearTitleSorting


# --- citations in the text: the year (and letter) of the entry's label ------------------------------------

@node
def label_year(children, data):
    """The part of the list's label after its last ", ": "2017", "2017a", "n.d.-b"."""
    assert not children
    return Text(data["formatted_entry"].label.rsplit(", ", 1)[-1])


@dataclass
class _Parenthetical(BasicAuthorYearParentheticalReferenceStyle):
    def inner(self, role_name):
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text,
            reference[join(sep=self.author_year_sep)[
                self.person.author_or_editor_or_title(full="s" in role_name), label_year]],
            post_text,
        ]


@dataclass
class _Textual(BasicAuthorYearTextualReferenceStyle):
    def inner(self, role_name):
        return join(sep=self.text_reference_sep)[
            self.person.author_or_editor_or_title(full="s" in role_name),
            join[self.bracket.left,
                 join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[pre_text, reference[label_year], post_text],
                 self.bracket.right],
        ]


@dataclass
class _Year(ExtraYearReferenceStyle):
    def inner(self, role_name):
        return reference[label_year]


@dataclass
class FuturecityReferenceStyle(AuthorYearReferenceStyle):
    """sphinxcontrib-bibtex's author_year, with the year taken from the bibliography's label."""

    def __post_init__(self):
        self.styles.extend([
            _Parenthetical(bracket=self.bracket_parenthetical, person=self.person,
                           author_year_sep=self.author_year_sep, pre_text_sep=self.pre_text_sep,
                           post_text_sep=self.post_text_sep),
            _Textual(bracket=self.bracket_textual, person=self.person, text_reference_sep=self.text_reference_sep,
                     pre_text_sep=self.pre_text_sep, post_text_sep=self.post_text_sep),
            ExtraAuthorReferenceStyle(bracket=self.bracket_author, person=self.person),
            ExtraLabelReferenceStyle(bracket=self.bracket_label),
            _Year(bracket=self.bracket_year),
            ExtraEmptyReferenceStyle(),
        ])
        # GroupReferenceStyle maps role names to the styles above (skipping AuthorYearReferenceStyle's own list)
        super(AuthorYearReferenceStyle, self).__post_init__()


register_pybtex_plugin("pybtex.style.formatting", "futurecity", FuturecityStyle)
register_bibtex_plugin("sphinxcontrib.bibtex.style.referencing", "futurecity_author_year", FuturecityReferenceStyle)


# --- data licences for the footer -----------------------------------------------------------------------

def _sources_yml(confdir: Path) -> Path | None:
    """data/sources.yml of the project: beside the configuration, or above it when the book is staged in
    _build/src."""
    for folder in (confdir, *confdir.parents):
        if (folder / "data" / "sources.yml").is_file():
            return folder / "data" / "sources.yml"
    return None


def data_licences(path: Path) -> list[dict]:
    """One row per (publisher, licence) in the registry's order, with the ids of its sources."""
    rows: dict[tuple[str, str], list[str]] = {}
    for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
        rows.setdefault((str(source["publisher"]), str(source["licence"])), []).append(source["id"])
    return [{"publisher": p, "licence": lic, "sources": ids} for (p, lic), ids in rows.items()]


def _config_inited(app, config):
    path = _sources_yml(Path(app.confdir))
    if path is None:
        raise FileNotFoundError(f"data/sources.yml not found beside or above {app.confdir} (the footer lists "
                                "each source's licence from it)")
    config.html_context = {**config.html_context, "futurecity_data_licences": data_licences(path)}


# --- the Data page --------------------------------------------------------------------------------------------

DATA_USE = "_futurecity_data_use.json"  # written by futurecity.book.build.stage_book


def _source_fields(source: dict) -> list[tuple[str, object]]:
    """(label, value) rows of one source; a value is text, ("url", url), ("code", text) or ("docs", [docname])."""
    live, snap = source.get("live") or {}, source.get("snapshot") or {}
    rows: list[tuple[str, object]] = [("Publisher", str(source["publisher"])), ("Licence", str(source["licence"]))]
    if live:
        rows.append(("URL", ("url", str(live["base_url"]).rstrip("/") + str(live["path"]))))
    copy = snap.get("public_copy") or snap.get("derived_from")
    if copy:
        rows.append(("Snapshot copy" if snap.get("public_copy") else "Snapshot derived from", ("url", copy)))
    rows.append(("Vintage", str(snap.get("vintage") or "live pulls only: no pinned snapshot")))
    if snap.get("sha256"):
        rows.append(("SHA-256", ("code", f"{snap['sha256']}  {snap['file']}")))
    return rows


def source_anchor(source_id: str) -> str:
    """The anchor (and ``std`` label) of a source's block on the Data page: ``bres_employment`` ->
    ``source-bres-employment``."""
    return nodes.make_id(f"source-{source_id}")


class SourcesDirective(SphinxDirective):
    """The registry's sources, each a block with an anchor ``source-<id>``."""

    has_content = False

    def run(self):
        confdir = Path(self.env.app.confdir)
        path = _sources_yml(confdir)
        use_path = confdir / DATA_USE
        if path is None or not use_path.is_file():
            raise self.error(f"futurecity-sources needs data/sources.yml and {DATA_USE} (written by "
                             "`futurecity build`) beside or above the configuration")
        self.env.note_dependency(str(path))
        self.env.note_dependency(str(use_path))
        use = json.loads(use_path.read_text(encoding="utf-8"))
        out = []
        std = self.env.get_domain("std")
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            anchor = source_anchor(source["id"])
            std.anonlabels[anchor] = (self.env.docname, anchor)  # a target of {ref} links (the facts' popovers)
            block = nodes.container(classes=["fc-source"], ids=[anchor])
            head = nodes.paragraph()
            head += nodes.strong(text=str(source["title"]))
            head += nodes.Text(" (")
            head += nodes.literal(text=source["id"])
            head += nodes.Text(")")
            block += head
            fields = nodes.field_list()
            for label, value in [*_source_fields(source), ("Used in", ("docs", use.get(source["id"], [])))]:
                body = nodes.paragraph()
                if isinstance(value, tuple) and value[0] == "url":
                    body += nodes.reference(value[1], value[1], refuri=value[1])
                elif isinstance(value, tuple) and value[0] == "code":
                    body += nodes.literal(text=value[1])
                elif isinstance(value, tuple):
                    if not value[1]:
                        body += nodes.Text("no chapter of this build reads it")
                    for i, doc in enumerate(value[1]):
                        if i:
                            body += nodes.Text("; ")
                        body += addnodes.pending_xref("", nodes.inline(text=doc), refdomain="std", reftype="doc",
                                                      reftarget="/" + doc, refexplicit=False, refwarn=True)
                else:
                    body += nodes.Text(value)
                fields += nodes.field("", nodes.field_name(text=label), nodes.field_body("", body))
            block += fields
            out.append(block)
        return out


# --- every quoted number explains itself ------------------------------------------------------------------

PROVENANCE_KEY = "futurecity_provenance"  # = futurecity.chapters.common.PROVENANCE_KEY (tested)
SCOREBOARD = "chapters/06-conclusion"  # the page whose claims table has a row id="claim-<id>" for every claim


class fact(nodes.inline):
    """A quoted number and its popover (a ``span.fc-fact``)."""


class fact_value(nodes.inline):
    """The number as pasted, focusable, described by its popover."""


class fact_tip(nodes.inline):
    """The popover: one line each for the sources, vintage, computation and claim."""


def _registry(confdir: Path) -> dict[str, dict]:
    """The sources of data/sources.yml by id (read once per version of the file)."""
    path = _sources_yml(confdir)
    return _read_registry(path, path.stat().st_mtime_ns) if path else {}


@lru_cache(maxsize=4)
def _read_registry(path: Path, mtime: int) -> dict[str, dict]:
    return {s["id"]: s for s in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]}


def _vintage_text(vintage: str, sources: list[str]) -> str:
    """A Fact's vintage (``"<source id>: <label>; ..."``) as the popover says it: the labels alone, in the order
    of the Source line above them, which names the sources."""
    parts = [part.partition(": ") for part in vintage.split("; ")]
    return "; ".join(label if sep and sid in sources else sid + sep + label for sid, sep, label in parts)


def _line(label: str, *body: nodes.Node) -> nodes.inline:
    line = nodes.inline(classes=["fc-fact-line"])
    line += nodes.strong(text=f"{label}: ")
    line.extend(body)
    return line


class FactTextRole(PasteTextRole):
    """myst-nb's ``{glue:text}`` with the quoted fact's provenance in a popover."""

    def run(self):
        pasted, messages = super().run()
        if messages or len(pasted) != 1 or not isinstance(pasted[0], nodes.inline):
            return pasted, messages
        key = self.text.rsplit(":", 1)[0] if ":" in self.text else self.text
        try:
            record = json.loads(retrieve_glue_data(self.document, PROVENANCE_KEY).data["text/plain"])
        except (RetrievalError, KeyError, ValueError) as exc:
            return [], [glue_warning(f"{key!r} is pasted with no provenance: this page glues no valid record "
                                     f"{PROVENANCE_KEY!r} ({exc})", self.document, self.line)]
        if key not in record:
            return [], [glue_warning(f"{key!r} is pasted but has no Fact in the chapter's provenance record",
                                     self.document, self.line)]
        env = self.document.settings.env
        registry = _registry(Path(env.app.confdir))
        unknown = [sid for sid in record[key]["sources"] if sid not in registry]
        if unknown:
            return [], [glue_warning(f"{key!r} names sources missing from data/sources.yml: {unknown}",
                                     self.document, self.line)]
        tip = self._tip(key, record[key], registry, env.docname)
        value = fact_value("", "", *pasted[0].children, classes=pasted[0]["classes"] + ["fc-fact-value"],
                           describedby=tip["ids"][0])
        node = fact("", "", value, tip, classes=["fc-fact"], key=key)
        self.set_source_info(node)
        return [node], []

    def _tip(self, key: str, prov: dict, registry: dict[str, dict], docname: str) -> fact_tip:
        """The popover, with an id unique on the page."""
        base = nodes.make_id(f"fc-fact-{key}")
        tip_id, n = base, 1
        while tip_id in self.document.ids:
            n += 1
            tip_id = f"{base}-{n}"
        # the Fact's words as they are (no curly quotes), as in the notebook
        tip = fact_tip(classes=["fc-fact-tip"], ids=[tip_id], support_smartquotes=False)
        self.document.ids[tip_id] = tip
        if prov["sources"]:
            links = []
            for i, sid in enumerate(prov["sources"]):
                src = registry[sid]
                links += [nodes.Text("; ")] if i else []
                links.append(addnodes.pending_xref("", nodes.inline(text=str(src["title"])), refdomain="std",
                                                   reftype="ref", reftarget=source_anchor(sid), refexplicit=True,
                                                   refwarn=True, refdoc=docname, futurecity_source=sid))
                links.append(nodes.Text(f", {src['publisher']}"))
            tip += _line("Source" if len(prov["sources"]) == 1 else "Sources", *links)
        else:
            tip += _line("Source", nodes.Text("no data read: " + (
                "the paper's own figure" if prov["claim"] else "a definition or count of this book")))
        if prov["vintage"]:
            tip += _line("Vintage", nodes.Text(_vintage_text(prov["vintage"], prov["sources"])))
        tip += _line("Computed", nodes.Text(prov["about"]))
        if prov["claim"]:
            status = nodes.inline(text=prov["status"], classes=["fc-status", "fc-status-" + nodes.make_id(prov["status"])])
            tip += _line("Claim", self._claim(prov["claim"], docname), nodes.Text(", status: "), status)
        return tip

    def _claim(self, claim_id: str, docname: str) -> nodes.Node:
        """The claim's id, linked to its row in the scoreboard when the book has that page."""
        env = self.document.settings.env
        code = nodes.literal(text=claim_id)
        if SCOREBOARD not in env.found_docs:
            return code
        uri = env.app.builder.get_relative_uri(docname, SCOREBOARD) + f"#claim-{claim_id}"
        return nodes.reference("", "", code, refuri=uri, internal=True, classes=["fc-fact-claim"])


def _unlinked_without_data_page(app, env, node, contnode):
    """A book built without the Data page (a chapter alone): a popover names its sources without links. With the
    page, every source of the registry has its label there, so a link that finds none stays a warning."""
    std = env.get_domain("std")
    if node.get("futurecity_source") and not any(source_anchor(s) in std.anonlabels for s in _registry(
            Path(app.confdir))):
        return contnode
    return None


def _visit_fact(self, node):
    self.body.append(self.starttag(node, "span", "", **{"data-fact": node["key"]}))


def _visit_fact_value(self, node):
    self.body.append(self.starttag(node, "span", "", tabindex="0", **{"aria-describedby": node["describedby"]}))


def _visit_fact_tip(self, node):
    self.body.append(self.starttag(node, "span", "", role="tooltip"))


def _depart_span(self, node):
    self.body.append("</span>")


def setup(app):
    app.connect("config-inited", _config_inited)
    app.add_directive("futurecity-sources", SourcesDirective)
    app.add_role_to_domain("glue", "text", FactTextRole(), override=True)
    app.connect("missing-reference", _unlinked_without_data_page)
    for kind, visit in ((fact, _visit_fact), (fact_value, _visit_fact_value), (fact_tip, _visit_fact_tip)):
        app.add_node(kind, html=(visit, _depart_span))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
