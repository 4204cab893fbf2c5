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
from pathlib import Path

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
        path = sources_yml(confdir)
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


def setup(app):
    app.connect("config-inited", _config_inited)
    app.add_directive("futurecity-sources", SourcesDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
