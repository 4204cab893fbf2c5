"""Every number the prose quotes explains itself (a Sphinx extension, ``futurecity.site.facts`` in
_config.yml).

The role ``{glue:text}``, given the chapter's provenance record (glued by ``futurecity.chapters.common.glue``
beside the facts' values), pastes a value computed from data as a focusable element with a popover (CSS in
futurecity.css and futurecity-site.css, Escape in futurecity-facts.js): the sources' titles and publishers, each
linked to its entry on the Data page (named unlinked in a book built without that page), the vintage, the
computation in one line and, for a claim's value, the claim's id and status. A value that comes from no data (a
constant of the book, such as the years of a window or one of its own counts, or the paper's own figure) is
pasted as plain text, with no mark and no popover. A quoted name with no provenance is a warning, so an error of
the build (warnings are errors). The popovers' words are kept out of the search index (Sphinx's index skips
:class:`fact_tip`; futurecity-facts.js leaves them out of the results' snippets), so a search finds the prose.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.roles import PasteTextRole
from myst_nb.ext.glue.utils import glue_warning, retrieve_glue_data
from sphinx import addnodes

from futurecity.site import registry as _registry
from futurecity.site.sources import source_anchor


# --- every quoted number explains itself ------------------------------------------------------------------

PROVENANCE_KEY = "futurecity_provenance"  # = futurecity.chapters.common.PROVENANCE_KEY (tested)
SCOREBOARD = "chapters/06-conclusion"  # the page whose claims table has a row id="claim-<id>" for every claim


class fact(nodes.inline):
    """A quoted number and its popover (a ``span.fc-fact``)."""


class fact_value(nodes.inline):
    """The number as pasted, focusable, described by its popover."""


class fact_plain(nodes.inline):
    """A quoted number that comes from no data (a year of a window, one of the book's own counts, the paper's own
    figure): pasted as plain text, with no mark and no popover (a ``span.fc-fact-plain``)."""


class fact_tip(nodes.comment):
    """The popover: one line each for the sources, vintage, computation and claim. A comment to Sphinx, whose
    search indexer skips comments, so that the popovers' words stay out of the search index (it is written as a
    span with its links, see :func:`_visit_fact_tip`)."""


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
        if not record[key]["sources"]:  # no data read: no popover, nothing to explain
            node = fact_plain("", "", *pasted[0].children, classes=pasted[0]["classes"] + ["fc-fact-plain"], key=key)
            self.set_source_info(node)
            return [node], []
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
        # the Fact's words as they are (no curly quotes: Sphinx leaves a comment's text alone), as in the notebook
        tip = fact_tip(classes=["fc-fact-tip"], ids=[tip_id])
        self.document.ids[tip_id] = tip
        links = []  # a fact with no data read has no popover: every popover names its sources
        for i, sid in enumerate(prov["sources"]):
            src = registry[sid]
            links += [nodes.Text("; ")] if i else []
            links.append(addnodes.pending_xref("", nodes.inline(text=str(src["title"])), refdomain="std",
                                               reftype="ref", reftarget=source_anchor(sid), refexplicit=True,
                                               refwarn=True, refdoc=docname, futurecity_source=sid))
            links.append(nodes.Text(f", {src['publisher']}"))
        tip += _line("Source" if len(prov["sources"]) == 1 else "Sources", *links)
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
    app.add_role_to_domain("glue", "text", FactTextRole(), override=True)
    app.connect("missing-reference", _unlinked_without_data_page)
    for kind, visit in ((fact, _visit_fact), (fact_plain, _visit_fact), (fact_value, _visit_fact_value),
                        (fact_tip, _visit_fact_tip)):
        app.add_node(kind, html=(visit, _depart_span))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
