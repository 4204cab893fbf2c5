"""What every chapter does the same way: check its parameters, glue its facts, turn its claims into facts, say
which data it read, and say at its top when a live pull failed and older data stand in."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from futurecity.claims.measures import Inputs
from futurecity.data import registry
from futurecity.data.access import check_environment, check_vintage
from futurecity.errors import BadInput
from futurecity.facts import Fact, constant

# The glue key of a chapter's provenance record (:func:`provenance`): the website shows each quoted number's
# provenance from it (futurecity.site.facts).
PROVENANCE_KEY = "futurecity_provenance"


def parameters(vintage, live) -> Inputs:
    """The inputs of a chapter opened with its notebook's parameters (papermill's ``-p vintage ...``, ``-p live
    ...``), checked first: ``live`` a bool, ``vintage`` 'pinned', 'latest' or a vintage id, and every
    ``FUTURECITY_*`` variable usable; else :class:`futurecity.errors.BadInput` naming the parameter or variable
    and the remedy, shown in the notebook without a traceback."""
    if not isinstance(live, bool):
        raise BadInput(f"live={live!r}", f"the parameter live must be True or False, not a {type(live).__name__}",
                       "pass `-p live True` or `-p live False` to papermill (unquoted, so it arrives as a bool), "
                       "or set live = True / False in the parameters cell")
    check_vintage(vintage)
    check_environment()
    return Inputs(vintage=vintage, live=live)


@dataclass(frozen=True)
class Provenance:
    """Where each fact of a chapter comes from, glued as JSON text (its ``repr``) beside the values."""

    record: dict[str, dict]

    def __repr__(self) -> str:
        return json.dumps(self.record, sort_keys=True)


def provenance(facts: dict[str, Fact], results: list[dict] = ()) -> Provenance:
    """For each fact: its one-line computation, source ids, vintage and, for a claim's fact, the claim id and its
    status in ``results`` (the claims engine's evaluation). A fact naming a claim missing from ``results`` is an
    error: its status would otherwise go unsaid."""
    statuses = {r["id"]: r["status"] for r in results}
    record = {}
    for name, item in facts.items():
        if item.claim is not None and item.claim not in statuses:
            raise KeyError(f"fact {name!r} is a value of claim {item.claim}, which this chapter did not evaluate")
        record[name] = {"about": item.about, "sources": list(item.sources), "vintage": item.vintage,
                        "claim": item.claim, "status": statuses.get(item.claim)}
    return Provenance(record)


def glue(facts: dict[str, Fact], results: list[dict] = ()) -> None:
    """Glue every fact's value under its name (myst-nb), so the prose can quote it with ``{glue:text}``, and
    their provenance under :data:`PROVENANCE_KEY`."""
    from myst_nb import glue as myst_glue

    if PROVENANCE_KEY in facts:
        raise KeyError(f"{PROVENANCE_KEY!r} is the provenance record's glue key, not a fact's")
    for name, item in facts.items():
        myst_glue(name, item.value, display=False)
    myst_glue(PROVENANCE_KEY, provenance(facts, results), display=False)


def claim_key(claim_id: str) -> str:
    """The prefix of a claim's facts: ``C5-8a`` -> ``c58a``."""
    return claim_id.replace("-", "").lower()


def claim_facts(results: list[dict], ids: tuple[str, ...], values: bool = True) -> dict[str, Fact]:
    """For each claim in ``ids``: ``<key>_paper`` (the paper's value) and, with ``values``, ``<key>_value`` and
    ``<key>_status`` as the claims engine evaluated them."""
    found = {r["id"]: r for r in results}
    out = {}
    for cid in ids:
        r = found[cid]
        key, years = claim_key(cid), f"{r['window']['start']}-{r['window']['end']}"
        when = f", {years}" if r["window"]["start"] is not None else ""
        out[f"{key}_paper"] = Fact(r["paper_value"], f"the paper's value of {cid} ({r['unit']})", claim=cid)
        if values:
            prov = {"sources": tuple(r["sources"]), "vintage": r["vintage_label"], "claim": cid}
            out[f"{key}_value"] = Fact(r["value"], f"{r['label']}{when}, recomputed ({r['unit']})", **prov)
            out[f"{key}_status"] = Fact(r["status"], f"the verdict on {cid} under its rule", **prov)
    return out


def data_basis(vintage: str) -> Fact:
    """The words the prose uses for the data a chapter was built on."""
    text = ("the data releases this edition reads, each named under its chart" if vintage == "pinned"
            else "the newest data releases of their publishers" if vintage == "latest"
            else f"the data releases retrieved as {vintage}")
    return constant(text, "which vintage of the data this chapter was built on")


@dataclass(frozen=True)
class DataNotice:
    """What a chapter shows first when it was asked for live data (``live=True``, ``vintage="latest"``) and a
    pull failed: for each such source, why, and which vintage it reads instead. Shown as HTML (an admonition of
    the book's theme) in the book and in Jupyter, and as plain text elsewhere."""

    items: tuple[tuple[str, str, str, str, str], ...]  # (source id, title, why the pull failed, used, its vintage)

    HEAD = "Live data unavailable: older data used"
    LEAD = ("This chapter was asked for a live pull (live=True, vintage='latest'), but it failed for the sources "
            "below, so it uses older data.")

    def text(self) -> str:
        return "\n".join([f"{self.HEAD}. {self.LEAD}", *(
            f"- {title} ({sid}): the live pull failed: {why} It uses {used} instead, vintage: {label}."
            for sid, title, why, used, label in self.items)])

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(f"<li><strong>{e(title)}</strong> (<code>{e(sid)}</code>): the live pull failed: {e(why)} "
                       f"It uses <strong>{e(used)}</strong> instead, vintage: {e(label)}.</li>"
                       for sid, title, why, used, label in self.items)
        lead = e(self.LEAD).replace("live=True, vintage=&#x27;latest&#x27;",
                                     "<code>live=True</code>, <code>vintage='latest'</code>")
        return (f'<div class="admonition warning futurecity-data-notice" role="note">'
                f'<p class="admonition-title">{e(self.HEAD)}</p><p>{lead}</p><ul>{rows}</ul></div>')


def _used(frame) -> tuple[str, str]:
    a = frame.attrs
    if a.get("vintage") == "pinned":
        return "the pinned snapshot", a["vintage_label"]
    return f"the newest good vintage in the cache ({a['vintage']})", a["vintage_label"]


def data_notice(inputs: Inputs) -> DataNotice | None:
    """The notice for the sources ``inputs`` read in place of a failed live pull, or None when there are none
    (then a chapter shows nothing). Call it after the chapter has loaded its inputs."""
    items = []
    for sid, src in registry.sources().items():
        frame = inputs.loaded(sid)
        fallback = None if frame is None else frame.attrs.get("fallback")
        if fallback:
            items.append((sid, src.title, fallback["reason"], *_used(frame)))
    return DataNotice(tuple(items)) if items else None


@dataclass
class Chapter:
    """What every chapter holds and does alike: its inputs (one vintage of the data), the facts its prose quotes,
    gluing them, and the notice it shows first."""

    inputs: Inputs
    facts: dict[str, Fact] = field(default_factory=dict)
    results: list[dict] = field(default_factory=list)  # the claims engine's evaluation of the chapter's claims

    def __post_init__(self):
        """A chapter's own opening: load what it shows and set its facts (defined here so that the dataclass's
        ``__init__`` calls the subclass's)."""

    def glue(self) -> None:
        glue(self.facts, self.results)

    def notice(self):
        """What the chapter shows first: which older data stand in for a live pull that failed (None, so
        nothing shown, when no pull failed)."""
        return data_notice(self.inputs)
