"""The footer's list of data licences and the Data page, read from data/sources.yml (a Sphinx extension,
``futurecity.site.sources`` in _config.yml).

1. The footer's list of data licences, one line per publisher and licence, read from data/sources.yml (the
   registry every chart's caption is drawn from) into the template context as ``futurecity_data_licences``.
2. The Data page: the directive ``futurecity-sources`` writes one block per source of data/sources.yml (title,
   publisher, licence, URL, vintage, sha256 of the pinned snapshot, and the chapters that read it, as
   ``futurecity build`` recorded in ``_futurecity_data_use.json`` beside the staged configuration). Each block's
   anchor ``source-<id>`` is also a label of Sphinx's ``std`` domain, so other pages link to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

from futurecity.site import sources_yml


# --- data licences for the footer -----------------------------------------------------------------------

def data_licences(path: Path) -> list[dict]:
    """One row per (publisher, licence) in the registry's order, with the ids of its sources."""
    rows: dict[tuple[str, str], list[str]] = {}
    for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
        rows.setdefault((str(source["publisher"]), str(source["licence"])), []).append(source["id"])
    return [{"publisher": p, "licence": lic, "sources": ids} for (p, lic), ids in rows.items()]


def _config_inited(app, config):
    path = sources_yml(Path(app.confdir))
    if path is None:
        raise FileNotFoundError(f"data/sources.yml not found beside or above {app.confdir} (the footer lists "
                                "each source's licence from it)")
    config.html_context = {**config.html_context, "futurecity_data_licences": data_licences(path)}


# --- the Data page --------------------------------------------------------------------------------------------

DATA_USE = "_futurecity_data_use.json"  # written by futurecity.book.build.stage_book
DETAILS = "Technical details"  # the summary of each source's folded details
TO_COME = ("No chapter reads it yet: it is kept for the analyses to come, which set the paper's figures beside "
           "newer data and test how robust they are to other measures of the same thing.")


class details(nodes.Element):
    """A disclosure (``<details>``), closed until the reader opens it."""


class summary(nodes.TextElement):
    """The line of a disclosure that opens it (``<summary>``)."""


def source_anchor(source_id: str) -> str:
    """The anchor (and ``std`` label) of a source's entry on the Data page: ``bres_employment`` ->
    ``source-bres-employment``."""
    return nodes.make_id(f"source-{source_id}")


def _url(entry) -> str | None:
    """The publisher's page of a bibliography entry: its url, the url in howpublished, or its DOI."""
    fields = entry.fields
    if fields.get("url"):
        return str(fields["url"])
    found = re.search(r"\\url\{([^}]+)\}", str(fields.get("howpublished", "")))
    if found:
        return found.group(1)
    return f"https://doi.org/{fields['doi']}" if fields.get("doi") else None


def publisher_pages(bibfiles: list[Path]) -> dict[str, str]:
    """{citation key: the URL of the publisher's page} of the book's bibliography."""
    from pybtex.database import parse_file

    pages = {}
    for path in bibfiles:
        for key, entry in parse_file(str(path)).entries.items():
            url = _url(entry)
            if url:
                pages[key] = url
    return pages


def live_requests(source: dict) -> list[tuple[str, str]]:
    """(what, URL) of each request a live read makes, with no template left in a URL: a query split over datasets
    gives one URL per dataset; a Nomis table found by its name, the definitions search that finds it."""
    live = source.get("live") or {}
    if not live:
        return []
    base, path = str(live["base_url"]).rstrip("/"), str(live["path"])
    if "{dataset}" not in path:
        return [("request", base + path)]
    if live.get("parts"):
        return [(f"{part['dataset']}, {str(part.get('time', '')).replace(',', ' to ')}".rstrip(", "),
                 base + path.replace("{dataset}", str(part["dataset"]))) for part in live["parts"]]
    if live.get("link"):
        return [(f"the dataset of table {live['link']}, found in the definitions",
                 f"{base}/dataset/def.sdmx.json?search={live['link']}*")]
    raise ValueError(f"{source['id']}: live path {path!r} has a template the Data page cannot fill")


def reader_fields(source: dict, page: str | None) -> list[tuple[str, object]]:
    """(label, value) rows a reader reads first: what it measures, who publishes it, which release, licence, the
    publisher's page. A value is text or ("url", text, url)."""
    live, snap = source.get("live") or {}, source.get("snapshot") or {}
    rows: list[tuple[str, object]] = [("Published by", str(source["publisher"]))]
    release = snap.get("vintage") or live.get("vintage")
    if release:
        rows.append(("Release", str(release)))
    if source.get("unit"):
        rows.append(("Measured as", str(source["unit"])))
    rows.append(("Licence", str(source["licence"])))
    if page:
        rows.append(("Publisher's page", ("url", urlsplit(page).netloc, page)))
    return rows


def technical_fields(source: dict) -> list[tuple[str, object]]:
    """(label, value) rows folded under the disclosure; a value is text, ("url", text, url[, lead-in]) or
    ("code", text)."""
    live, snap = source.get("live") or {}, source.get("snapshot") or {}
    rows: list[tuple[str, object]] = [("Registry id", ("code", source["id"]))]
    for what, url in live_requests(source):
        rows.append(("Live request", ("url", url, url, "" if what == "request" else f"{what}: ")))
    if snap:
        rows.append(("Saved copy", ("code", str(snap["file"]))))
        rows.append(("SHA-256", ("code", str(snap["sha256"]))))
        if snap.get("public_copy"):
            rows.append(("Public copy", ("url", snap["public_copy"], snap["public_copy"])))
        if snap.get("derived_from"):
            rows.append(("Derived from", ("url", snap["derived_from"], snap["derived_from"])))
        if snap.get("transform"):
            rows.append(("Transform", str(snap["transform"])))
        if snap.get("origin"):
            rows.append(("Origin", str(snap["origin"])))
    else:
        rows.append(("Saved copy", "none: read live only"))
    return rows


def toc_docs(toc: dict) -> list[str]:
    """The documents of a Jupyter Book table of contents, in reading order."""
    docs = [toc["root"]] if toc.get("root") else []
    for item in [*toc.get("chapters", []), *toc.get("sections", []), *toc.get("parts", [])]:
        if item.get("file"):
            docs.append(str(item["file"]))
        docs.extend(toc_docs({k: v for k, v in item.items() if k != "file"}))
    return docs


def _title(confdir: Path, doc: str) -> str:
    """A page's title: the first level-one heading of its notebook or markdown file."""
    for ext in (".ipynb", ".md"):
        path = confdir / f"{doc}{ext}"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if ext == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "markdown")
        found = re.search(r"^# (.+)$", text, flags=re.M)
        if found:
            return found.group(1).strip()
    return doc


def _unbroken(text: str) -> list[nodes.Node]:
    """Text whose hyphenated words ("full-time", "2019-10-04") are kept whole on their line: a reader's value
    reads word by word, never split at a hyphen."""
    out: list[nodes.Node] = []
    for part in re.split(r"(\S*-\S*)", text):
        if "-" in part:
            out.append(nodes.inline(text=part, classes=["fc-nobreak"]))
        elif part:
            out.append(nodes.Text(part))
    return out


def _section(title: str, ids: list[str], classes: list[str]) -> nodes.section:
    section = nodes.section(ids=ids, classes=classes)
    section += nodes.title(text=title)
    return section


class SourcesDirective(SphinxDirective):
    """The registry's sources grouped by the chapters that read them, in reading order: each source described
    once (under the first chapter that reads it, with the anchor ``source-<id>``) and linked from the groups of
    the later ones; then the sources read only with live data, or by no chapter yet."""

    has_content = False

    def run(self):
        confdir = Path(self.env.app.confdir)
        path = sources_yml(confdir)
        use_path = confdir / DATA_USE
        if path is None or not use_path.is_file():
            raise self.error(f"futurecity-sources needs data/sources.yml and {DATA_USE} (written by "
                             "`futurecity build`) beside or above the configuration")
        bibs = [confdir / b for b in self.config.bibtex_bibfiles] if "bibtex_bibfiles" in self.config else []
        claims_path = path.parent / "claims.yml"
        toc_path = confdir / "_toc.yml"
        for dep in (path, use_path, *bibs, claims_path, toc_path):
            if dep.is_file():
                self.env.note_dependency(str(dep))
        use = json.loads(use_path.read_text(encoding="utf-8"))
        sources = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
        pages = publisher_pages([b for b in bibs if b.is_file()])
        claims = yaml.safe_load(claims_path.read_text(encoding="utf-8"))["claims"] if claims_path.is_file() else []
        order = toc_docs(yaml.safe_load(toc_path.read_text(encoding="utf-8"))) if toc_path.is_file() else []
        readers = sorted({d for docs in use.values() for d in docs},
                         key=lambda d: (order.index(d) if d in order else len(order), d))
        titles = {doc: _title(confdir, doc) for doc in dict.fromkeys([*order, *readers])}
        described: dict[str, str] = {}  # source id -> the chapter it is described under
        out = []
        for doc in readers:
            read = [s for s in sources if doc in use.get(s["id"], [])]
            own = [s for s in read if s["id"] not in described]
            again = [s for s in read if s["id"] in described]
            group = _section(titles[doc], [nodes.make_id(f"read-in-{Path(doc).name}")], ["fc-sources-chapter"])
            intro = nodes.paragraph()
            intro += nodes.Text("Read in ")
            intro += self._doc_link(doc, titles[doc])
            intro += nodes.Text(":" if own else ", each described above under the chapter that reads it first:")
            group += intro
            for source in own:
                described[source["id"]] = doc
                group += self._entry(source, pages, [("Read in", ("docs", use[source["id"]], titles))])
            if again:
                if own:
                    group += nodes.paragraph(text="It also reads these sources, described above:")
                listed = nodes.bullet_list(classes=["fc-sources-again"])
                for source in again:
                    item = nodes.paragraph()
                    item += self._source_link(source)
                    item += nodes.Text(f", under {titles[described[source['id']]]}")
                    listed += nodes.list_item("", item)
                group += listed
            out.append(group)
        rest = [s for s in sources if s["id"] not in described]
        live_only = [s for s in rest if not s.get("snapshot")]
        unread = [s for s in rest if s.get("snapshot")]
        if live_only:
            group = _section("Read with live data only", ["read-live-only"], ["fc-sources-chapter"])
            group += nodes.paragraph(text="These sources have no saved copy in this edition: they are read from "
                                          "their publishers when a chapter is run on live data.")
            for source in live_only:
                group += self._entry(source, pages, [("When read", self._when_read(source, claims, order, titles))])
            out.append(group)
        if unread:
            group = _section("Kept for the analyses to come", ["read-later"], ["fc-sources-chapter"])
            for source in unread:
                group += self._entry(source, pages, [("Read in", TO_COME)])
            out.append(group)
        return out

    def _entry(self, source: dict, pages: dict[str, str], extra: list[tuple[str, object]]) -> nodes.section:
        anchor = source_anchor(source["id"])
        std = self.env.get_domain("std")
        std.anonlabels[anchor] = (self.env.docname, anchor)  # a target of {ref} links (the facts' popovers)
        entry = _section(str(source["title"]), [anchor], ["fc-source"])
        entry["futurecity_source"] = source["id"]
        entry += self._fields([*reader_fields(source, pages.get(str(source.get("citation")))), *extra],
                              ["fc-source-fields"])
        folded = details(classes=["fc-source-details"])
        folded += summary(text=DETAILS)
        folded += self._fields(technical_fields(source), ["fc-source-fields", "fc-source-technical"])
        entry += folded
        return entry

    def _fields(self, rows: list[tuple[str, object]], classes: list[str]) -> nodes.field_list:
        fields = nodes.field_list(classes=classes)
        for label, value in rows:
            body = nodes.paragraph()
            if isinstance(value, tuple) and value[0] == "url":
                body += [nodes.Text(value[3])] if len(value) > 3 and value[3] else []
                body += nodes.reference(value[1], value[1], refuri=value[2])
            elif isinstance(value, tuple) and value[0] == "code":
                body += nodes.literal(text=value[1])
            elif isinstance(value, tuple) and value[0] == "docs":
                for i, doc in enumerate(value[1]):
                    body += [nodes.Text("; ")] if i else []
                    body += self._doc_link(doc, value[2].get(doc, doc))
            elif isinstance(value, nodes.Node):
                body = value
            elif "fc-source-technical" in classes:
                body += nodes.Text(value)
            else:
                body += _unbroken(value)
            fields += nodes.field("", nodes.field_name(text=label), nodes.field_body("", body))
        return fields

    def _doc_link(self, doc: str, title: str) -> nodes.Node:
        return addnodes.pending_xref("", nodes.inline(text=title), refdomain="std", reftype="doc",
                                     reftarget="/" + doc, refexplicit=True, refwarn=True)

    def _source_link(self, source: dict) -> nodes.Node:
        return addnodes.pending_xref("", nodes.inline(text=str(source["title"])), refdomain="std", reftype="ref",
                                     reftarget=source_anchor(source["id"]), refexplicit=True, refwarn=True)

    def _when_read(self, source: dict, claims: list[dict], order: list[str], titles: dict[str, str]) -> nodes.Node:
        """Which claims of which chapters read a live-only source, and what the chapter shows without it."""
        body = nodes.paragraph()
        needs = [c for c in claims if source["id"] in (c.get("sources") or [])]
        if not needs:
            return nodes.paragraph(text="When a chapter is run on live data.")
        for i, claim in enumerate(needs):
            window = claim.get("window") or {}
            years = f", {window['start']} to {window['end']}" if window.get("start") else ""
            doc = next((d for d in order if Path(d).name.startswith(f"{int(claim['chapter']):02d}-")), None)
            body += [nodes.Text("; ")] if i else [nodes.Text("When ")]
            body += self._doc_link(doc, titles[doc]) if doc else nodes.Text(f"chapter {claim.get('chapter')}")
            body += nodes.Text(f" is run on live data, for {claim['label']}{years} (claim {claim['id']})")
        body += nodes.Text(". Without it the chapter shows the claim as needing live data.")
        return body


def _visit_details(self, node):
    self.body.append(self.starttag(node, "details", ""))


def _visit_summary(self, node):
    self.body.append(self.starttag(node, "summary", ""))


def setup(app):
    app.connect("config-inited", _config_inited)
    app.add_directive("futurecity-sources", SourcesDirective)
    app.add_node(details, html=(_visit_details, lambda self, node: self.body.append("</details>\n")))
    app.add_node(summary, html=(_visit_summary, lambda self, node: self.body.append("</summary>\n")))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
